"""Reviewer-facing pages: the dashboard, a project's articles, adding an article, and the
annotation workspace with its claim panel (statement, sources, verdict, history).

Function-based views: parse the request, call one service or selector, render. Every write goes
through `services`; a `DomainError` becomes a message beside the field it names (or above the
form) and the page is shown again with what the user typed, never a 500. Marking a selection
happens in the browser through the JSON API (`static/js/annotate.js`); everything else here
works without JavaScript.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services, tasks
from ..exceptions import DomainError, NotVisible, ValidationFailed
from ..forms.reviewer import ArticleForm, ArticleSearchForm, ClaimForm, SourceForm, VerdictForm
from ..importers import ArticleRecord, read_file
from ..matching import matches_for_claim
from ..models import Anchor, Article, Claim, Project, RatingLabel, Verdict
from ..params import id_or_none
from ..segments import build_segments, render_segments
from ..workflow import FREEZES_CLAIM, Status
from .versions import living_context

ARTICLES_PER_PAGE = 25
# The sidebar lists this many unclaimed suggestions; all are underlined in the text.
MAX_SUGGESTIONS = 40
MY_LIVE = (Status.DRAFT, Status.RETURNED, Status.SUBMITTED)


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
    articles = selectors.articles_with_progress(project=project).defer("text")
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


# --- Annotation page --------------------------------------------------------------------------


def claim_state(claim: Claim) -> tuple[str, RatingLabel | None]:
    """Return the claim's state as the user sees it: none, draft, submitted or approved."""
    verdicts = [v for v in claim.verdicts.all() if v.status != Status.WITHDRAWN]
    for verdict in verdicts:
        if verdict.status == Status.APPROVED:
            return "approved", verdict.rating
    if any(v.status == Status.SUBMITTED for v in verdicts):
        return "submitted", None
    if any(v.status in (Status.DRAFT, Status.RETURNED) for v in verdicts):
        return "draft", None
    return "none", None


def _load_article(request, pk: int) -> Article:
    try:
        return selectors.article_with_claims(article_id=pk, user=request.user)
    except Article.DoesNotExist:
        raise Http404("No such article in your projects.") from None


def _verdict_form_for(claim: Claim, mine: Verdict | None, labels, data=None) -> VerdictForm:
    initial = {}
    if mine is not None:
        initial = {
            "rating": mine.rating.slug,
            "explanation": mine.explanation,
            "sources": [s.pk for s in mine.sources.all()],
            "no_source_reason": mine.no_source_reason,
            "version": mine.version,
        }
    return VerdictForm(
        data, prefix="verdict", labels=labels, sources=claim.sources.all(), initial=initial
    )


def _render_annotate(request, pk: int, *, claim_id=None, forms=None, status: int = 200):
    """Render the annotation page; `forms` replaces the claim panel's forms (bound, with errors)."""
    article = _load_article(request, pk)
    user = request.user
    project = article.project
    claims = list(article.claims.all())
    sentences = list(article.sentences.all())
    states = {c.pk: claim_state(c) for c in claims}
    marked = selectors.mark_suggestions(article=article, sentences=sentences, claims=claims)
    suggested = [(s, article.text[s.start : s.end]) for s in marked]
    labels = list(project.rating_scale.labels.all())
    selected = None
    if claim_id is None:
        claim_id = id_or_none(request.GET.get("claim"))  # "²".isdigit() but int("²") fails
    if claim_id is not None:
        selected = next((c for c in claims if c.pk == claim_id), None)
    # Orphaned claims' offsets refer to an older text: they are listed, never highlighted.
    anchored = [c for c in claims if c.anchor != Anchor.ORPHANED]
    segments = build_segments(article.text, sentences, anchored, states)
    context = {
        "article": article,
        "project": project,
        "segments": segments,
        "article_html": render_segments(segments),
        "claims": [(c, *states[c.pk]) for c in claims],
        "suggested": suggested[:MAX_SUGGESTIONS],
        "more_suggested": max(0, len(suggested) - MAX_SUGGESTIONS),
        "labels": labels,
        "can_annotate": permissions.can_annotate(user, project),
        "selected": selected,
        "living": living_context(article, claims),
    }
    if selected is not None:
        verdicts = list(selected.verdicts.all())
        mine = next((v for v in verdicts if v.reviewer_id == user.pk and v.status in MY_LIVE), None)
        forms = forms or {}
        frozen = next((v for v in verdicts if v.status in FREEZES_CLAIM), None)
        claim_form = forms.get("claim") or ClaimForm(
            prefix="claim",
            initial={"statement": selected.statement, "claimant": selected.claimant},
        )
        if frozen is not None:
            for field in claim_form.fields.values():
                field.disabled = True
        context |= {
            "checked_before": matches_for_claim(selected, user=user, limit=5),
            "claim_frozen": frozen,
            "state": states[selected.pk][0],
            "mine": mine,
            "others": [v for v in verdicts if v is not mine],
            "claim_form": claim_form,
            "source_form": forms.get("source") or SourceForm(prefix="source"),
            "verdict_form": forms.get("verdict") or _verdict_form_for(selected, mine, labels),
            "verdict_editable": (
                mine.status in (Status.DRAFT, Status.RETURNED)
                if mine is not None
                else states[selected.pk][0] != "approved"
            ),
            "history": [
                _labelled(event)
                for event in selectors.claim_history_for(claim=selected, user=request.user)
            ],
        }
    return render(request, "annotations/article_annotate.html", context, status=status)


def _labelled(event):
    event.label = event.action.replace("_", " ")
    return event


@login_required
def article_annotate(request, pk):
    """Show an article's text with its sentences and claims, and the selected claim's panel."""
    return _render_annotate(request, pk)


def _text_colour(hex_colour: str) -> str:
    """Return black or white, whichever reads better on `hex_colour`."""
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "#ffffff"


def rating_styles(request, pk):
    """Serve a scale's colours as CSS custom properties on `.rating-<slug>` (--rating and
    --rating-fg): the CSP forbids style="" attributes. Slugs are SlugFields and colours are
    #rrggbb by a database constraint, so nothing here needs escaping."""
    labels = RatingLabel.objects.filter(scale_id=pk).only("slug", "colour")
    rules = [
        f".rating-{label.slug} {{ --rating: {label.colour}; --rating-fg: {_text_colour(label.colour)}; }}"
        for label in labels
    ]
    response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- Claim panel writes (plain form POSTs) ----------------------------------------------------


def _claim_or_404(request, pk: int) -> Claim:
    return selectors.readable_claim(request.user, pk, Claim.objects.only("pk", "article_id"))


def _panel_url(claim: Claim, anchor: str = "claim-panel") -> str:
    return (
        reverse("article_annotate", kwargs={"pk": claim.article_id}) + f"?claim={claim.pk}#{anchor}"
    )


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, NotVisible):
        raise Http404(exc.message)
    return exc.status_code


@login_required
@require_POST
def sentence_claim(request, pk, index):
    """Mark a whole sentence as a claim (one click, no JavaScript needed)."""
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk"), pk=pk)
    sentence = get_object_or_404(article.sentences.only("start", "end"), index=index)
    try:
        claim = services.mark_claim(
            article_id=article.pk, user=request.user, start=sentence.start, end=sentence.end
        )
    except DomainError as exc:
        _status_of(exc)
        messages.error(request, exc.message)
        return redirect(article)
    messages.success(request, f"Marked claim #{claim.pk}.")
    return redirect(_panel_url(claim))


@login_required
@require_POST
def claim_update(request, pk):
    """Save a claim's normalised statement and claimant."""
    claim = _claim_or_404(request, pk)
    form = ClaimForm(request.POST, prefix="claim")
    if form.is_valid():
        try:
            services.update_claim(claim_id=claim.pk, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
            return _render_annotate(
                request,
                claim.article_id,
                claim_id=claim.pk,
                forms={"claim": form},
                status=_status_of(exc),
            )
        messages.success(request, "Saved the claim.")
        return redirect(_panel_url(claim))
    return _render_annotate(
        request, claim.article_id, claim_id=claim.pk, forms={"claim": form}, status=400
    )


@login_required
@require_POST
def source_add(request, pk):
    """Attach a source to a claim."""
    claim = _claim_or_404(request, pk)
    form = SourceForm(request.POST, prefix="source")
    if form.is_valid():
        try:
            source = services.attach_source(
                claim_id=claim.pk, user=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            return _render_annotate(
                request,
                claim.article_id,
                claim_id=claim.pk,
                forms={"source": form},
                status=_status_of(exc),
            )
        messages.success(request, f"Added the source “{source}”.")
        return redirect(_panel_url(claim, "sources"))
    return _render_annotate(
        request, claim.article_id, claim_id=claim.pk, forms={"source": form}, status=400
    )


@login_required
@require_POST
def verdict_save(request, pk):
    """Save my verdict on a claim as a draft, or save and submit it for approval.

    Both steps run in one transaction: if the submission is refused, the edit is not kept
    either, and the form comes back with what I typed and the reason beside the field.
    """
    claim = get_object_or_404(
        Claim.objects.visible_to(request.user).select_related("article__project"), pk=pk
    )
    labels = list(claim.article.project.rating_scale.labels.all())
    mine = (
        Verdict.objects.filter(claim=claim, reviewer=request.user, status__in=MY_LIVE)
        .order_by("-pk")
        .first()
    )
    form = _verdict_form_for(claim, mine, labels, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fields = {
            "rating": data["rating"],
            "explanation": data["explanation"],
            "sources": data["sources"],
            "no_source_reason": data["no_source_reason"],
        }
        try:
            with transaction.atomic():
                if mine is None:
                    verdict = services.draft_verdict(
                        claim_id=claim.pk, reviewer=request.user, **fields
                    )
                else:
                    verdict = services.update_verdict(
                        verdict_id=mine.pk, user=request.user, version=data["version"], **fields
                    )
                if data["action"] == "submit":
                    verdict = services.submit_verdict(
                        verdict_id=verdict.pk, user=request.user, version=verdict.version
                    )
        except DomainError as exc:
            form.add_domain_error(exc)
            return _render_annotate(
                request,
                claim.article_id,
                claim_id=claim.pk,
                forms={"verdict": form},
                status=_status_of(exc),
            )
        if verdict.status == Status.SUBMITTED:
            messages.success(request, "Submitted your verdict for approval.")
        else:
            messages.success(request, "Saved your verdict as a draft.")
        return redirect(_panel_url(claim, "verdict"))
    return _render_annotate(
        request, claim.article_id, claim_id=claim.pk, forms={"verdict": form}, status=400
    )
