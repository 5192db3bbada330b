"""HTML pages for bulk imports: the form that queues an import job (a list of URLs, or a
.jsonl/.zip/.html upload) and the job's page, which shows its progress and each item's outcome
from the database, so a reload (or a later visit) shows the same."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import permissions, tasks
from ..exceptions import DomainError
from ..forms.base import AccessibleForm
from ..models import Article, Job, Project


class ImportForm(AccessibleForm):
    """A list of URLs, one a line, or one file."""

    urls = forms.CharField(
        label="URLs to fetch, one a line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"At most {tasks.MAX_IMPORT_URLS}. Lines starting with # are skipped.",
    )
    upload = forms.FileField(
        label="…or a file",
        required=False,
        help_text="A .jsonl file (one article a line: title, text or html, url…), a .zip of "
        ".html/.txt/.md/.jsonl files, or one saved .html page.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(tasks.IMPORT_SUFFIXES)}),
    )

    def clean(self):
        data = super().clean()
        if bool((data.get("urls") or "").strip()) == bool(data.get("upload")):
            self.add_error("urls", "Give a list of URLs or a file (one of them).")
        return data


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request, slug):
    """Queue a bulk import and go to its job page."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    if not permissions.can_annotate(request.user, project):
        messages.error(request, "Researchers can read articles but not import them.")
        return redirect(project)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        urls = form.cleaned_data["urls"]
        try:
            job = tasks.start_import_job(
                project=project,
                user=request.user,
                urls=urls.splitlines() if urls.strip() else None,
                upload=form.cleaned_data.get("upload"),
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return redirect("job_detail", slug=project.slug, pk=job.pk)
    return render(
        request,
        "annotations/import_new.html",
        {"project": project, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def job_detail(request, slug, pk):
    """Show an import job's progress and its items' outcomes (server-rendered)."""
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    job = get_object_or_404(
        Job.objects.select_related("created_by"), pk=pk, project=project, kind=Job.Kind.IMPORT
    )
    outcomes = sorted(job.outcomes, key=lambda o: o["item"])
    titles = dict(
        Article.objects.filter(
            pk__in=[o["article"] for o in outcomes if o.get("article")]
        ).values_list("pk", "title")
    )
    for outcome in outcomes:
        outcome["title"] = titles.get(outcome.get("article"), "")
    finished = job.state in (Job.State.DONE, Job.State.FAILED)
    return render(
        request,
        "annotations/job_detail.html",
        {"project": project, "job": job, "outcomes": outcomes, "finished": finished},
    )
