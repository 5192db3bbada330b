"""The curation page: an editor's view of every reviewer's layer of one article, side by side,
with the actions that make the curated layer (accept as is or adjusted, merge, reject, reset).

GET draws `curation.curation_data`; POST takes one action (a plain form: `action` plus the claim
ids and optional offsets), calls one service and redirects back with a message, so the page
works without JavaScript. Errors of the services become messages; an unknown article is a 404,
a non-editor a 403 page, a project that shares its claims a 409 page saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import curation, services
from ..exceptions import DomainError, NotVisible, ValidationFailed
from ..params import id_or_none

ACTIONS = ("accept", "adjust", "merge", "reject", "reset")


@dataclass
class OwnerRow:
    """One reviewer's line under a cluster: the cluster's text with their span(s) marked."""

    owner: str
    username: str
    html: str
    spans: list


def _segment_html(text: str, start: int, end: int, spans: list) -> str:
    """Return text[start:end] with the spans (sorted, may overlap) wrapped in <mark>."""
    marks = sorted((max(s.start, start), min(s.end, end)) for s in spans)
    parts = []
    at = start
    for begin, finish in marks:
        begin = max(begin, at)
        if finish <= begin:
            continue
        parts.append(format_html("{}", text[at:begin]))
        parts.append(format_html("<mark>{}</mark>", text[begin:finish]))
        at = finish
    parts.append(format_html("{}", text[at:end]))
    return mark_safe("".join(parts))  # every part went through format_html  # noqa: S308


def _article_html(text: str, clusters: list) -> str:
    """Return the article's text with each cluster highlighted, followed by a numbered link to
    its group (marked `data-not-text`: not part of the text when offsets are counted)."""
    parts = []
    at = 0
    for index, cluster in enumerate(clusters, 1):
        parts.append(format_html("{}", text[at : cluster.start]))
        parts.append(
            format_html(
                '<mark class="cluster-mark agreement-{}" id="text-cluster-{}">{}</mark>'
                '<a class="cluster-ref" href="#cluster-{}" data-not-text '
                'aria-label="Group {}: {}"><sup>{}</sup></a>',
                cluster.agreement,
                index,
                text[cluster.start : cluster.end],
                index,
                index,
                cluster.agreement_label,
                index,
            )
        )
        at = cluster.end
    parts.append(format_html("{}", text[at:]))
    return mark_safe("".join(parts))  # every part went through format_html  # noqa: S308


# A page lists at most this many reviewer spans (with their forms): the page's size and time
# stay bounded whatever the reviewers marked. A group with more spans continues on the next page.
SPANS_PER_PAGE = 100
# A group wider than this shows each reviewer's spans as excerpts (their first and last
# EXCERPT_EDGE characters) instead of the group's whole text once per reviewer.
WIDE_GROUP = 2_000
EXCERPT_EDGE = 150


def _excerpt_html(text: str, spans: list) -> str:
    """Return each span's text marked, cut in the middle when long, joined by “ … ”."""
    parts = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if span.end - span.start <= 2 * EXCERPT_EDGE:
            parts.append(format_html("<mark>{}</mark>", text[span.start : span.end]))
        else:
            parts.append(
                format_html(
                    "<mark>{}</mark> […] <mark>{}</mark>",
                    text[span.start : span.start + EXCERPT_EDGE],
                    text[span.end - EXCERPT_EDGE : span.end],
                )
            )
    return mark_safe(" … ".join(parts))  # every part went through format_html  # noqa: S308


def _owner_rows(text: str, cluster, spans: list, owners: list) -> list[OwnerRow]:
    """One row per reviewer with a layer on the article, in the same order under every cluster,
    with their spans among `spans` (the cluster's, or the part of it on this page)."""
    wide = cluster.end - cluster.start > WIDE_GROUP
    rows = []
    for person in owners:
        mine = [s for s in spans if s.owner_id == person.user_id]
        if not mine:
            html = ""
        elif wide:
            html = _excerpt_html(text, mine)
        else:
            html = _segment_html(text, cluster.start, cluster.end, mine)
        rows.append(
            OwnerRow(owner=person.pseudonym, username=person.username, html=html, spans=mine)
        )
    return rows


@dataclass
class GroupPart:
    """A cluster, or the part of a big one, as one page shows it."""

    index: int
    cluster: object
    spans: list
    part: int
    parts: int

    @property
    def pending(self) -> list:
        return [s for s in self.spans if s.pending]


def _pages(clusters: list) -> list[list[GroupPart]]:
    """Split the clusters into pages of at most SPANS_PER_PAGE spans, in text order."""
    pages: list[list[GroupPart]] = [[]]
    room = SPANS_PER_PAGE
    for index, cluster in enumerate(clusters, 1):
        chunks = [
            cluster.spans[i : i + SPANS_PER_PAGE]
            for i in range(0, len(cluster.spans), SPANS_PER_PAGE)
        ] or [[]]
        for number, chunk in enumerate(chunks, 1):
            if len(chunk) > room and pages[-1]:
                pages.append([])
                room = SPANS_PER_PAGE
            pages[-1].append(GroupPart(index, cluster, chunk, number, len(chunks)))
            room -= len(chunk)
    return pages


def _page_url(article) -> str:
    return reverse("article_curate", kwargs={"slug": article.project.slug, "pk": article.pk})


@login_required
def article_curate(request, slug, pk):
    """Show an article's reviewer layers for curation (GET), or take one curation action (POST)."""
    try:
        data = curation.curation_data(article_id=pk, user=request.user)
    except NotVisible as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        return render(
            request,
            "annotations/curation_refused.html",
            {"message": exc.message, "article_id": pk},
            status=exc.status_code,
        )
    article = data.article
    if article.project.slug != slug:
        raise Http404("No such article in this project.")
    pages = _pages(data.clusters)
    number = min(max(id_or_none(request.GET.get("page", "1")) or 1, 1), len(pages))
    here = _page_url(article) + (f"?page={number}" if number > 1 else "")
    if request.method == "POST":
        _act(request)
        return redirect(here)
    clusters = [
        {
            "index": group.index,
            "cluster": group.cluster,
            "part": group.part,
            "parts": group.parts,
            "pending": group.pending,
            "rows": _owner_rows(article.text, group.cluster, group.spans, data.owners),
            "mergeable": len(group.pending) >= 2,
        }
        for group in pages[number - 1]
    ]
    context = {
        "article": article,
        "project": article.project,
        "data": data,
        "clusters": clusters,
        "page": {
            "number": number,
            "count": len(pages),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(pages) else None,
        },
        "article_html": _article_html(article.text, data.clusters),
        "owners": data.owners,
    }
    return render(request, "annotations/curation.html", context)


def _int(value: str | None, name: str) -> int | None:
    if value is None or value.strip() == "":
        return None
    number = id_or_none(value.strip()) if value.strip() != "0" else 0
    if number is None:
        raise ValidationFailed(f"{name} must be a whole number (a code-point offset).", field=name)
    return number


def _act(request) -> None:
    """Take the posted action; leave a message saying what happened."""
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action not in ACTIONS:
            raise ValidationFailed(f"Choose an action: {', '.join(ACTIONS)}.")
        if action == "merge":
            ids = [id_or_none(v) for v in request.POST.getlist("claims")]
            if None in ids:
                raise ValidationFailed("Choose the claims to merge by their ids.")
            curated = services.merge_spans(
                claim_ids=ids,
                user=user,
                start=_int(request.POST.get("start"), "start"),
                end=_int(request.POST.get("end"), "end"),
            )
            messages.success(
                request,
                f"Merged claims {', '.join(f'#{i}' for i in ids)} into curated claim "
                f"#{curated.pk} [{curated.start}, {curated.end}): “{curated.quote[:80]}”.",
            )
            return
        claim_id = id_or_none(request.POST.get("claim", ""))
        if claim_id is None:
            raise ValidationFailed("Choose a claim by its id.")
        if action in {"accept", "adjust"}:
            start = end = None
            if action == "adjust":
                start = _int(request.POST.get("start"), "start")
                end = _int(request.POST.get("end"), "end")
                if start is None or end is None:
                    raise ValidationFailed("Give the adjusted span's start and end.")
            curated = services.accept_span(claim_id=claim_id, user=user, start=start, end=end)
            messages.success(
                request,
                f"Accepted claim #{claim_id} as curated claim #{curated.pk} "
                f"[{curated.start}, {curated.end}): “{curated.quote[:80]}”.",
            )
        elif action == "reject":
            services.reject_span(claim_id=claim_id, user=user, note=request.POST.get("note", ""))
            messages.success(request, f"Rejected claim #{claim_id}.")
        else:
            services.reset_curation(claim_id=claim_id, user=user)
            messages.success(request, f"Claim #{claim_id} is back to “not curated yet”.")
    except DomainError as exc:  # NotVisible too: a message, as for any other refusal
        messages.error(request, exc.message)
