"""Reviewer-facing pages: the dashboard, a project's articles, adding an article, and the
annotation workspace with its claim panel (statement, sources, verdict, history).

Function-based views: parse the request, call one service or selector, render. Every write goes
through `services`; a `DomainError` becomes a message beside the field it names (or above the
form) and the page is shown again with what the user typed, never a 500; a success notice
sits beside the panel section that was used. Marking a selection happens in the browser through
the JSON API (`static/js/annotate.js`); deleting a claim (with undo of the last mark or
deletion), replacing its span and editing or removing sources are plain form posts here that
the script enhances (it asks for JSON), so everything but selecting text works without
JavaScript.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services, tasks
from ..exceptions import DomainError, NotVisible, ValidationFailed
from ..forms.reviewer import (
    ArticleForm,
    ArticleSearchForm,
    ClaimForm,
    SourceForm,
    SpanForm,
    VerdictForm,
)
from ..importers import ArticleRecord, pasted_record, read_file
from ..matching import matches_for_claim
from ..models import Anchor, Article, Claim, Layer, Project, RatingLabel, Source, Verdict
from ..params import id_or_none
from ..segments import (
    build_segments,
    render_claim_list,
    render_segments,
    render_suggestions,
)
from ..templatetags.history_words import event_words
from ..workflow import FREEZES_CLAIM, Status
from .versions import living_context

ARTICLES_PER_PAGE = 25
# The sidebar lists this many unclaimed suggestions; all are underlined in the text.
MAX_SUGGESTIONS = 40
MY_LIVE = (Status.DRAFT, Status.RETURNED, Status.SUBMITTED)
# Session keys: the message shown beside the panel form that was used, and the last mark or
# deletion on an article that its author may undo (for the page without JavaScript).
PANEL_NOTICE = "annotate_notice"
UNDO = "annotate_undo"


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


# --- Annotation page --------------------------------------------------------------------------


def _panel_state(row: selectors.ClaimRow, mine: Verdict | None) -> str:
    """Return the state the panel's badge shows: my returned verdict reads "returned"."""
    if mine is not None and mine.status == Status.RETURNED and row.state in ("draft", "returned"):
        return "returned"
    return row.state


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


def _frozen_sources(claim: Claim) -> dict[int, Verdict]:
    """Return {source id: the verdict in review or published that cites it} for a claim's
    sources: those sources are read-only (`services.update_source` refuses them)."""
    through = Verdict.sources.through
    rows = (
        through.objects.filter(source__claim_id=claim.pk, verdict__status__in=FREEZES_CLAIM)
        .order_by("verdict_id")
        .values_list("source_id", "verdict_id", "verdict__status")
    )
    frozen: dict[int, Verdict] = {}
    for source_id, verdict_id, status in rows:
        frozen.setdefault(source_id, Verdict(pk=verdict_id, status=status))
    return frozen


def _notify(request, section: str, text: str, kind: str = "success") -> None:
    """Show `text` beside the panel section the user acted on (after the redirect)."""
    request.session[PANEL_NOTICE] = {"section": section, "text": text, "kind": kind}


def _remember_undo(request, article_id: int, kind: str, target: int, label: str) -> None:
    request.session[UNDO] = {
        "article": article_id,
        "kind": kind,
        "target": target,
        "label": label,
        "at": time.time(),
    }


def _pending_undo(request, article_id: int) -> dict | None:
    """Return the undo offered on this article's page, if still within the undo window."""
    undo = request.session.get(UNDO)
    if not undo or undo.get("article") != article_id:
        return None
    if time.time() - undo.get("at", 0) > services.UNDO_SECONDS:
        return None
    return undo


# The article's markup depends only on its text, sentences and claims' spans and states, so the
# last few are kept per process, keyed by a digest of exactly those (a change is a new key).
_MARKUP_CACHE: OrderedDict[bytes, tuple[list, SafeString]] = OrderedDict()
_MARKUP_LOCK = threading.Lock()  # gunicorn threads share the cache
MARKUP_CACHE_SIZE = 16


def _article_markup(article, sentences, claims) -> tuple[list, SafeString]:
    """Return the article's segments and their HTML (`segments`), from the cache if unchanged."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{article.pk}:{article.text_sha256}:{len(sentences)}".encode())
    # Which sentences are suggested depends on claims, dismissals, threshold and model.
    digest.update(bytes(s.suggested for s in sentences))
    for c in claims:
        digest.update(
            f"|{c.pk},{c.start},{c.end},{c.state},{c.rating.slug if c.rating else ''}".encode()
        )
    key = digest.digest()
    with _MARKUP_LOCK:
        cached = _MARKUP_CACHE.get(key)
        if cached is not None:
            _MARKUP_CACHE.move_to_end(key)
            return cached
    states = {c.pk: (c.state, c.rating) for c in claims}
    segments = build_segments(article.text, sentences, claims, states)
    markup = (segments, render_segments(segments))
    with _MARKUP_LOCK:
        _MARKUP_CACHE[key] = markup
        while len(_MARKUP_CACHE) > MARKUP_CACHE_SIZE:
            _MARKUP_CACHE.popitem(last=False)
    return markup


def _sentence_dismiss_url(article_id: int):
    """Return index -> the URL that dismisses that suggested sentence ("Not a claim")."""
    template = reverse("sentence_dismiss", kwargs={"pk": article_id, "index": 0})
    head = template[: -len("0/dismiss/")]
    return lambda index: f"{head}{index:d}/dismiss/"


def _sentence_claim_url(article_id: int):
    """Return index -> the URL that marks that sentence (one reverse() for all of them)."""
    template = reverse("sentence_claim", kwargs={"pk": article_id, "index": 0})
    head = template[: -len("0/claim/")]
    return lambda index: f"{head}{index:d}/claim/"


def _render_annotate(request, pk: int, *, claim_id=None, forms=None, status: int = 200):
    """Render the annotation page; `forms` replaces the claim panel's forms (bound, with errors).

    The article's sentences and claims arrive as rows (`selectors.annotation_page_data`) and
    their markup is built in Python (`segments`): a template loop over 300 claims and 1,000
    sentences cost most of the page's time.
    """
    try:
        data = selectors.annotation_page_data(article_id=pk, user=request.user)
    except NotVisible:
        raise Http404("No such article in your projects.") from None
    article, project, claims = data["article"], data["project"], data["claims"]
    user = request.user
    marked = selectors.mark_suggestions(
        article=article, sentences=data["sentences"], claims=claims, user=request.user
    )
    suggested = [(s, article.text[s.start : s.end]) for s in marked]
    if claim_id is None:
        claim_id = id_or_none(request.GET.get("claim"))  # "²".isdigit() but int("²") fails
    row = next((c for c in claims if c.pk == claim_id), None) if claim_id is not None else None
    # Orphaned claims' offsets refer to an older text: they are listed, never highlighted.
    anchored = [c for c in claims if c.anchor != Anchor.ORPHANED]
    segments, article_html = _article_markup(article, data["sentences"], anchored)
    can_annotate = permissions.can_annotate(user, project)
    notice = request.session.pop(PANEL_NOTICE, None)
    layer = selectors.layer_state(
        article_id=article.pk, user=user, article=article, with_claims=True
    )
    context = {
        "article": article,
        "project": project,
        "segments": segments,
        "article_html": article_html,
        "claims_html": render_claim_list(anchored),  # orphans are listed in the versions box
        "n_claims": len(claims),
        "suggested": suggested[:MAX_SUGGESTIONS],
        "suggestions_html": render_suggestions(
            suggested[:MAX_SUGGESTIONS],
            action_url=_sentence_claim_url(article.pk),
            csrf_token=get_token(request),
            # A finished layer is locked: its suggestions are shown, not offered for marking.
            can_annotate=can_annotate and not layer["finished"],
            dismiss_url=_sentence_dismiss_url(article.pk),
        ),
        "more_suggested": max(0, len(suggested) - MAX_SUGGESTIONS),
        "can_annotate": can_annotate,
        "selected": None,
        "notice": notice,
        "undo": _pending_undo(request, article.pk),
        "undo_seconds": services.UNDO_SECONDS,
        "living": living_context(article, claims),
        "layer": layer,
    }
    selected = (
        selectors.panel_claim(article_id=article.pk, claim_id=row.pk, user=user, project=project)
        if row is not None
        else None
    )
    if selected is not None:
        selected.article = article  # loaded already, with its project
        labels = list(RatingLabel.objects.filter(scale_id=project.rating_scale_id))
        verdicts = list(selected.verdicts.all())
        mine = next((v for v in verdicts if v.reviewer_id == user.pk and v.status in MY_LIVE), None)
        forms = forms or {}
        frozen = next((v for v in verdicts if v.status in FREEZES_CLAIM), None)
        claim_form = forms.get("claim") or ClaimForm(
            prefix="claim",
            initial={"statement": selected.statement, "claimant": selected.claimant},
        )
        if frozen is not None or not can_annotate:
            for field in claim_form.fields.values():
                field.disabled = True
        frozen_sources = _frozen_sources(selected)
        sources = [
            {
                "source": source,
                "frozen": frozen_sources.get(source.pk),
                "form": forms.get(f"source-{source.pk}")
                or SourceForm(prefix=f"source-{source.pk}", initial=_source_initial(source)),
            }
            for source in selected.sources.all()
        ]
        context |= {
            "selected": selected,
            "selected_layer": _layer_words(selected, user),
            "checked_before": matches_for_claim(selected, user=user, limit=5),
            "claim_frozen": frozen,
            # Others' drafts are not readable, but they still keep the claim from deletion.
            "claim_has_verdicts": bool(verdicts)
            or Verdict.objects.filter(claim_id=selected.pk).exists(),
            "state": _panel_state(row, mine),
            "rating": row.rating,
            "mine": mine,
            "others": [v for v in verdicts if v is not mine],
            "claim_form": claim_form,
            "span_form": forms.get("span") or SpanForm(prefix="span"),
            "sources": sources,
            "source_form": forms.get("source") or SourceForm(prefix="source"),
            "labels": labels,
            "verdict_form": forms.get("verdict") or _verdict_form_for(selected, mine, labels),
            # Verdicts are written on curated claims only (independent spans).
            "verdict_editable": selected.layer != Layer.REVIEWER
            and (
                mine.status in (Status.DRAFT, Status.RETURNED)
                if mine is not None
                else row.state != "approved"
            ),
            "history": [
                _labelled(event)
                for event in selectors.claim_history_for(claim=selected, user=request.user)
            ],
        }
    return render(request, "annotations/article_annotate.html", context, status=status)


def _layer_words(claim: Claim, user) -> str:
    """Say which layer the claim panel's claim is in."""
    if claim.layer != Layer.REVIEWER:
        if claim.article.project.independent_spans:
            return "Curated claim, shared by the team (verdicts are written on these)."
        return ""
    if claim.created_by_id == user.pk:
        return "In your own layer: only you (and the project's editors) see it until you finish."
    owner = claim.created_by.username if claim.created_by else "a former member"
    return f"In {owner}'s layer (finished; read-only)."


def _source_initial(source) -> dict:
    return {
        name: getattr(source, name)
        for name in ("url", "title", "publisher", "quote", "stance", "accessed_at", "archived_url")
    }


def _labelled(event):
    event.label = event_words(event.action)
    return event


@login_required
def article_annotate(request, pk):
    """Show an article's text with its sentences and claims, and the selected claim's panel."""
    return _render_annotate(request, pk)


def _luminance(hex_colour: str) -> float:
    """Return the WCAG 2 relative luminance of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(hex_colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """Return the WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _text_colour(hex_colour: str) -> str:
    """Return black or white, whichever contrasts more with `hex_colour`: for any colour one of
    them reaches at least 4.58:1, above WCAG AA's 4.5:1 for normal text."""
    if contrast(hex_colour, "#000000") >= contrast(hex_colour, "#ffffff"):
        return "#000000"
    return "#ffffff"


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


def _panel_with(request, claim, forms: dict, exc: DomainError | None = None):
    """Render the page again with the panel's bound `forms`: 400 for a form that did not
    validate, the service error's status (its message beside the field) otherwise."""
    status = _status_of(exc) if exc is not None else 400
    return _render_annotate(
        request, claim.article_id, claim_id=claim.pk, forms=forms, status=status
    )


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, NotVisible):
        raise Http404(exc.message)
    return exc.status_code


@login_required
@require_POST
def article_finish(request, pk):
    """“I've finished this article” (`done=finish`) or “I'm not finished” (`done=reopen`) for
    the reviewer's own layer in a project with independent spans; back to the article."""
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk"), pk=pk)
    reopen = request.POST.get("done") == "reopen"
    try:
        if reopen:
            services.reopen_article(article_id=article.pk, user=request.user)
        else:
            services.finish_article(article_id=article.pk, user=request.user)
    except DomainError as exc:
        _status_of(exc)
        if _wants_json(request):
            return _json_error(exc)
        _notify(request, "layer", exc.message, "error")
        return redirect(f"{_article_url(article.pk)}#layer-status")
    text = (
        "Your layer is open again: you can change your claims."
        if reopen
        else "You finished this article: your layer is locked, and reviewers who finished "
        "too can now see it."
    )
    if _wants_json(request):
        return JsonResponse(selectors.layer_state(article_id=article.pk, user=request.user))
    _notify(request, "layer", text)
    return redirect(f"{_article_url(article.pk)}#layer-status")


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
    _remember_undo(request, article.pk, "mark", claim.pk, f"Marked claim #{claim.pk}.")
    _notify(request, "toolbar", f"Marked claim #{claim.pk}.")
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
            return _panel_with(request, claim, {"claim": form}, exc)
        _notify(request, "claim", "Saved the claim.")
        return redirect(_panel_url(claim))
    return _panel_with(request, claim, {"claim": form})


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
            return _panel_with(request, claim, {"source": form}, exc)
        _notify(request, "sources", f"Added the source “{source}”.")
        return redirect(_panel_url(claim, "sources"))
    return _panel_with(request, claim, {"source": form})


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
            return _panel_with(request, claim, {"verdict": form}, exc)
        if verdict.status == Status.SUBMITTED:
            _notify(request, "verdict", "Submitted your verdict for approval.")
        else:
            _notify(request, "verdict", "Saved your verdict as a draft.")
        return redirect(_panel_url(claim, "verdict"))
    return _panel_with(request, claim, {"verdict": form})


def _wants_json(request) -> bool:
    """Whether the page's script sent the form (it asks for JSON; a plain form POST does not)."""
    return request.headers.get("Accept", "").startswith("application/json")


def _json_error(exc: DomainError) -> JsonResponse:
    _status_of(exc)
    return JsonResponse(
        {"detail": exc.message, "field": getattr(exc, "field", None)}, status=exc.status_code
    )


def _article_url(article_id: int) -> str:
    return reverse("article_annotate", kwargs={"pk": article_id})


@login_required
@require_POST
def claim_delete(request, pk):
    """Delete a claim without verdicts; the page then offers to undo it for a short while."""
    claim = _claim_or_404(request, pk)
    try:
        event = services.delete_claim(claim_id=claim.pk, user=request.user)
    except DomainError as exc:
        if _wants_json(request):
            return _json_error(exc)
        _notify(request, "delete", exc.message, "error")
        return redirect(_panel_url(claim, "delete-claim"))
    label = f"Deleted claim #{claim.pk}."
    _remember_undo(request, claim.article_id, "delete", event.pk, label)
    if _wants_json(request):
        return JsonResponse({"deleted": claim.pk, "event": event.pk})
    _notify(request, "toolbar", label)
    return redirect(_article_url(claim.article_id))


@login_required
@require_POST
def claim_undo(request, pk):
    """Undo my last mark (delete the claim) or deletion (restore the claim) on this article."""
    article = get_object_or_404(Article.objects.visible_to(request.user).only("pk"), pk=pk)
    kind = request.POST.get("kind", "")
    raw = request.POST.get("target", "")
    target = int(raw) if raw.isdigit() and len(raw) < 19 else None
    try:
        if kind == "mark" and target is not None:
            claim = _claim_or_404(request, target)
            if claim.article_id != article.pk:
                raise Http404("No such claim in this article.")
            services.delete_claim(claim_id=claim.pk, user=request.user)
            result = {"undone": "mark", "claim": claim.pk}
            label = f"Undid the mark: claim #{claim.pk} is gone."
        elif kind == "delete" and target is not None:
            claim = services.restore_claim(event_id=target, user=request.user)
            result = {"undone": "delete", "claim": claim.pk}
            label = f"Restored the deleted claim as claim #{claim.pk}."
        else:
            raise ValidationFailed("Say what to undo: kind mark or delete, and its id.")
    except DomainError as exc:
        if _wants_json(request):
            return _json_error(exc)
        _notify(request, "toolbar", exc.message, "error")
        return redirect(_article_url(article.pk))
    request.session.pop(UNDO, None)
    if _wants_json(request):
        return JsonResponse(result)
    _notify(request, "toolbar", label)
    if result["undone"] == "delete":
        return redirect(_panel_url(Claim(pk=result["claim"], article_id=article.pk)))
    return redirect(_article_url(article.pk))


@login_required
@require_POST
def claim_span(request, pk):
    """Replace a claim's span by code points (from a selection) or by its exact text."""
    claim = _claim_or_404(request, pk)
    form = SpanForm(request.POST, prefix="span")
    if form.is_valid():
        data = form.cleaned_data
        if data["start"] is not None and data["end"] is not None:
            span = {"start": data["start"], "end": data["end"]}
        else:
            span = {"quote": data["quote"]}
        try:
            services.update_claim(claim_id=claim.pk, user=request.user, **span)
        except DomainError as exc:
            form.add_domain_error(exc)
            return _panel_with(request, claim, {"span": form}, exc)
        _notify(request, "span", "Changed the claim's span.")
        return redirect(_panel_url(claim, "span"))
    return _panel_with(request, claim, {"span": form})


def _source_or_404(request, pk: int) -> Source:
    try:
        return selectors.readable_source(
            request.user, pk, Source.objects.select_related("claim").only("pk", "claim")
        )
    except NotVisible:
        raise Http404("No such source in your projects.") from None


@login_required
@require_POST
def source_update(request, pk):
    """Correct a source that no verdict in review or published cites."""
    source = _source_or_404(request, pk)
    claim = source.claim
    form = SourceForm(request.POST, prefix=f"source-{source.pk}")
    if form.is_valid():
        try:
            services.update_source(source_id=source.pk, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
            return _panel_with(request, claim, {f"source-{source.pk}": form}, exc)
        _notify(request, "sources", "Saved the source.")
        return redirect(_panel_url(claim, f"source-{source.pk}"))
    return _panel_with(request, claim, {f"source-{source.pk}": form})


@login_required
@require_POST
def source_remove(request, pk):
    """Remove a source that no verdict in review or published cites."""
    source = _source_or_404(request, pk)
    claim = source.claim
    try:
        services.remove_source(source_id=source.pk, user=request.user)
    except DomainError as exc:
        _status_of(exc)
        _notify(request, "sources", exc.message, "error")
        return redirect(_panel_url(claim, "sources"))
    _notify(request, "sources", "Removed the source.")
    return redirect(_panel_url(claim, "sources"))
