"""The annotation workspace's page: the article with its sentences and claims, the claim panel
(statement, sources, verdict, history) and the rating badges' styles.

Marking a selection happens in the browser through the JSON API (`static/js/annotate.js`); the
panel's writes are `panel`, which re-renders this page with its bound forms on an error. A
success notice sits beside the panel section that was used.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString

from .. import permissions, selectors, services
from ..exceptions import NotVisible
from ..forms.reviewer import (
    ClaimForm,
    SourceForm,
    SpanForm,
    VerdictForm,
)
from ..matching import matches_for_claim
from ..models import Anchor, Claim, Layer, RatingLabel, Verdict
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

# The sidebar lists this many unclaimed suggestions; all are underlined in the text.
MAX_SUGGESTIONS = 40
MY_LIVE = (Status.DRAFT, Status.RETURNED, Status.SUBMITTED)
# Session keys: the message shown beside the panel form that was used, and the last mark or
# deletion on an article that its author may undo (for the page without JavaScript).
PANEL_NOTICE = "annotate_notice"
UNDO = "annotate_undo"


# --- Annotation page --------------------------------------------------------------------------


def _panel_state(row: selectors.ClaimRow, mine: Verdict | None) -> str:
    """Return the state the panel's badge shows: my returned verdict reads "returned"."""
    if mine is not None and mine.status == Status.RETURNED and row.state in ("draft", "returned"):
        return "returned"
    return row.state


def verdict_form_for(claim: Claim, mine: Verdict | None, labels, data=None) -> VerdictForm:
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


def notify(request, section: str, text: str, kind: str = "success") -> None:
    """Show `text` beside the panel section the user acted on (after the redirect)."""
    request.session[PANEL_NOTICE] = {"section": section, "text": text, "kind": kind}


def remember_undo(request, article_id: int, kind: str, target: int, label: str) -> None:
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


def render_annotate(request, pk: int, *, claim_id=None, forms=None, status: int = 200):
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
        selectors.panel_claim(article_id=article.pk, claim_id=claim_id, user=user, project=project)
        if claim_id is not None
        else None
    )
    if selected is not None and row is None:
        # A claim the page does not list but the viewer may read: another reviewer's finished
        # layer (linked from "Finished layers"). Reviewer-layer claims carry no verdicts.
        row = selectors.ClaimRow(
            selected.pk, selected.start, selected.end, "", len(selected.quote), selected.anchor
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
            "verdict_form": forms.get("verdict") or verdict_form_for(selected, mine, labels),
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
    return render_annotate(request, pk)


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
