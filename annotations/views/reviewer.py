"""Reviewer-facing pages: the dashboard, a project's articles and adding an article. The
annotation workspace is `annotate` (the page) and `panel` (the claim panel's writes).

Function-based views: parse the request, call one service or selector, render. Every write goes
through `services`; a `DomainError` becomes a message beside the field it names (or above the
form) and the page is shown again with what the user typed, never a 500.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render

from .. import permissions, selectors, services, tasks
from ..exceptions import DomainError, ValidationFailed
from ..forms.reviewer import (
    ArticleForm,
    ArticleSearchForm,
)
from ..importers import ArticleRecord, pasted_record, read_file
from ..models import Project
from ..workflow import Status

ARTICLES_PER_PAGE = 25


# --- Dashboard and project page ---------------------------------------------------------------


@login_required
def dashboard(request):
    """List my projects with their progress, my drafts and the verdicts returned to me."""
    user = request.user
    projects = list(Project.objects.visible_to(user))
    progress = selectors.project_progress(projects=projects)
    awaiting = selectors.awaiting_approval_counts(user=user, projects=projects)
    rows = [{"project": p, "awaiting": awaiting.get(p.pk), **progress[p.pk]} for p in projects]
    open_verdicts = list(selectors.my_open_verdicts(user=user)[:100])
    return render(
        request,
        "annotations/dashboard.html",
        {
            "rows": rows,
            "drafts": [v for v in open_verdicts if v.status == Status.DRAFT],
            "returned": [v for v in open_verdicts if v.status == Status.RETURNED],
        },
    )


@login_required
def project_detail(request, slug):
    """List a project's articles with search, filters, sorting, pagination and progress."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    form = ArticleSearchForm(request.GET or None)
    articles = selectors.articles_with_progress(project=project, user=request.user).defer("text")
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            articles = articles.filter(
                Q(title__icontains=query) | Q(publisher__icontains=query) | Q(text__icontains=query)
            )
        if form.cleaned_data["open"]:
            articles = articles.filter(n_open__gt=0)
        if form.cleaned_data["mine"]:
            articles = articles.filter(selectors.touched_by(request.user))
    page = Paginator(articles.order_by(*form.ordering()), ARTICLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "annotations/project_detail.html",
        {
            "project": project,
            "form": form,
            "page": page,
            "can_annotate": permissions.can_annotate(request.user, project),
            "can_review": permissions.can_review(request.user, project),
            # Independent spans: each annotator's "finished" state per article.
            "layered": project.independent_spans
            and permissions.can_annotate(request.user, project),
        },
    )


@login_required
def article_add(request, slug):
    """Add an article to a project from pasted text or HTML, or from an uploaded file."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    if not permissions.can_annotate(request.user, project):
        messages.error(request, "Researchers can read articles but not add them.")
        return redirect(project)
    form = ArticleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("fetch_url") or data.get("page"):
            # Fetching and extracting a page can take many seconds: a worker does it, and the
            # job's page shows the outcome (and links the article) when it is done.
            try:
                job = tasks.start_import_job(
                    project=project,
                    user=request.user,
                    urls=[data["fetch_url"]] if data.get("fetch_url") else None,
                    upload=data.get("page"),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, "Import queued; this page shows its progress.")
                return redirect("job_detail", slug=project.slug, pk=job.pk)
            return render(
                request,
                "annotations/article_add.html",
                {"project": project, "form": form},
                status=400,
            )
        try:
            record = _record_from(form)
            article = services.import_article(
                project=project,
                creator=request.user,
                title=data["title"] or record.title,
                text_body=record.text_body,
                html=record.html,
                url=data["url"],
                publisher=data["publisher"],
                author=data["author"],
                published_at=data["published_at"],
                language=data["language"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Added “{article.title}”. Mark its claims below.")
            return redirect(article)
    status = 400 if form.errors else 200
    return render(
        request, "annotations/article_add.html", {"project": project, "form": form}, status=status
    )


def _record_from(form: ArticleForm) -> ArticleRecord:
    """Return the article the form carries, reading an upload with `importers.read_file`."""
    data = form.cleaned_data
    upload = data.get("upload")
    if not upload:
        body = data["text"]
        if not data["title"]:
            # No title given: the first line is the title, as for an uploaded file.
            record = pasted_record(body, kind=data["kind"])
            if not isinstance(record, ArticleRecord):
                raise ValidationFailed(f"Give a title: {record.reason}.", field="title")
            return record
        if data["kind"] == "html":
            return ArticleRecord("pasted", 1, title="", html=body)
        return ArticleRecord("pasted", 1, title="", text_body=body)
    suffix = Path(upload.name).suffix.lower()
    # The readers take a path; the file lives only for this request (nothing stays on disk).
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        results = list(read_file(path))
    result = results[0]
    if not isinstance(result, ArticleRecord):
        raise ValidationFailed(f"The file cannot be imported: {result.reason}.", field="upload")
    return result
