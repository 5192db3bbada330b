"""The annotation page's segment model: the article text cut at every sentence and claim
boundary, each run saying which sentence and claims cover it, and its HTML; and the other
long, repetitive parts of the page (the sidebar's claim list and suggested sentences), built as
strings here because a template loop over hundreds of rows cost most of the page's time.

Only the page's markup lives here; the view (`views/annotate.py`) loads the rows and the
browser script (`static/js/annotate.js`) reads the markup. The work is bounded by the number of
boundaries, not by how much the claims overlap: a sweep opens and closes claims at their
boundaries, and a segment lists at most `MAX_LISTED_CLAIMS` claim ids (the innermost ones,
which a click opens) plus how many more cover it. Where a claim starts, an anchor carries its
whole span (`data-claim-start`/`data-claim-end`), which is what the script uses to highlight the claim, so
2,000 nested claims make 4,000 segments of at most five ids each rather than millions of ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from itertools import pairwise

from django.utils.safestring import SafeString, mark_safe

from . import text

__all__ = [
    "MAX_LISTED_CLAIMS",
    "Segment",
    "build_segments",
    "claim_badge",
    "render_claim_list",
    "render_segments",
    "render_suggestions",
]

#: A segment lists this many of the claims covering it, innermost first.
MAX_LISTED_CLAIMS = 5


@dataclass
class Segment:
    """A run of the article text with the same sentence and claims over it.

    `claims` lists the innermost claims covering the run (at most `MAX_LISTED_CLAIMS`, shortest
    first) and `depth` how many cover it in all; `anchors` are (id, start, end) of the claims
    that start here.
    """

    start: int
    text: str
    claims: list[int] = field(default_factory=list)
    anchors: list[tuple[int, int, int]] = field(default_factory=list)
    classes: str = ""
    sentence: int | None = None
    title: str = ""
    depth: int = 0


class _RankSet:
    """A set of ranks 0..size-1 (a Fenwick tree of counts): add, remove and the k smallest in
    O(log size) each, so listing a segment's innermost claims costs nothing per covering claim."""

    def __init__(self, size: int) -> None:
        self._tree = [0] * (size + 1)
        self._size = size
        self._top = 1 << size.bit_length()

    def change(self, rank: int, delta: int) -> None:
        index = rank + 1
        while index <= self._size:
            self._tree[index] += delta
            index += index & -index

    def kth(self, k: int) -> int:
        """Return the k-th smallest rank present (k from 1)."""
        position = 0
        step = self._top
        while step:
            nxt = position + step
            if nxt <= self._size and self._tree[nxt] < k:
                position = nxt
                k -= self._tree[nxt]
            step >>= 1
        return position


def build_segments(article_text: str, sentences, claims, states) -> list[Segment]:
    """Cut the text at every sentence and claim boundary into segments that say what covers them.

    A segment covered by several claims takes its colour from the shortest (innermost) one and
    a `depth-N` class (N up to 4), so overlapping claims stay distinguishable. One sweep over
    the sorted boundaries: O((sentences + claims) log claims) however much the claims overlap.
    `states` maps a claim id to (state, rating label or None), as `claim_state` returns.
    """
    cuts = {0, len(article_text)}
    ordered = sorted(claims, key=lambda c: (c.end - c.start, -c.start, c.pk))
    rank_of = {claim.pk: rank for rank, claim in enumerate(ordered)}
    starts: dict[int, list] = {}
    ends: dict[int, list] = {}
    for claim in claims:
        cuts.update((claim.start, claim.end))
        starts.setdefault(claim.start, []).append(claim)
        ends.setdefault(claim.end, []).append(claim)
    sentence_at: dict[int, object] = {}
    for sentence in sentences:
        cuts.update((sentence.start, sentence.end))
        sentence_at[sentence.start] = sentence
    active = _RankSet(len(ordered))
    open_count = 0
    segments: list[Segment] = []
    current = None
    for begin, finish in pairwise(sorted(cuts)):
        if current is not None and begin >= current.end:
            current = None
        current = sentence_at.get(begin, current)
        for claim in ends.get(begin, ()):
            active.change(rank_of[claim.pk], -1)
            open_count -= 1
        opened = starts.get(begin, [])
        for claim in opened:
            active.change(rank_of[claim.pk], 1)
            open_count += 1
        segment = Segment(start=begin, text=article_text[begin:finish], depth=open_count)
        segment.anchors = [(c.pk, c.start, c.end) for c in opened]
        classes = ["seg"]
        if current is not None:
            segment.sentence = current.index
            # `suggested` is set by selectors.mark_suggestions (threshold, claims, dismissals).
            if getattr(current, "suggested", current.score >= text.SUGGEST_THRESHOLD):
                classes.append("suggested")
                segment.title = "Suggested claim: " + ", ".join(current.reasons or ["check-worthy"])
        if open_count:
            listed = [
                ordered[active.kth(k)] for k in range(1, min(open_count, MAX_LISTED_CLAIMS) + 1)
            ]
            state, rating = states[listed[0].pk]
            segment.claims = [c.pk for c in listed]
            classes += ["claim", f"state-{state}", f"depth-{min(open_count, 4)}"]
            if rating is not None:
                classes.append(f"rating-{rating.slug}")
            if opened:
                classes.append("claim-start")
            if finish in ends:
                classes.append("claim-end")
        segment.classes = " ".join(classes)
        segments.append(segment)
    return segments


def render_segments(segments: list[Segment]) -> SafeString:
    """Return the article's HTML: one span per segment, an empty anchor where a claim starts.

    Built here rather than in a template loop because an article has thousands of segments
    (a template loop took ~0.5 s for 50,000 characters). No whitespace between the spans: the
    text nodes, in order, must be exactly the article's text for the browser's offsets. A
    segment covered by more claims than it lists says how many more in `data-more`.
    """
    # Plain string building (every variable part escaped, ids and offsets are ints) is ~5x
    # faster than format_html per span, which matters at thousands of segments; the standard
    # library's escape skips Django's lazy-string wrapper, and classes and titles repeat, so
    # each distinct one is escaped once.
    parts: list[str] = []
    escaped: dict[str, str] = {}
    for seg in segments:
        if seg.anchors:
            parts.extend(
                f'<span class="anchor" id="claim-{pk:d}" data-claim="{pk:d}" '
                f'data-claim-start="{start:d}" data-claim-end="{end:d}"></span>'
                for pk, start, end in seg.anchors
            )
        extra = f' data-s="{seg.sentence:d}"' if seg.sentence is not None else ""
        if seg.claims:
            extra += f' data-claims="{" ".join(map(str, seg.claims))}"'
            if seg.depth > len(seg.claims):
                extra += f' data-more="{seg.depth - len(seg.claims):d}"'
        if seg.title:
            title = escaped.get(seg.title)
            if title is None:
                title = escaped[seg.title] = escape(seg.title)
            extra += f' title="{title}"'
        classes = escaped.get(seg.classes)
        if classes is None:
            classes = escaped[seg.classes] = escape(seg.classes)
        parts.append(
            f'<span class="{classes}" data-start="{seg.start:d}"{extra}>{escape(seg.text)}</span>'
        )
    return mark_safe("".join(parts))  # noqa: S308 -- built above from escaped parts and ints


STATE_WORDS = {"none": "No verdict", "draft": "Draft", "returned": "Returned"}


def claim_badge(state: str, rating) -> str:
    """Return a claim's state badge as HTML: the rating's name once approved."""
    classes = f"badge state-{escape(state)}"
    if rating is not None:
        return f'<span class="{classes} rating-{escape(rating.slug)}">{escape(rating.name)}</span>'
    return f'<span class="{classes}">{escape(STATE_WORDS.get(state, state.capitalize()))}</span>'


def render_claim_list(claims) -> SafeString:
    """Return the sidebar's claim list items (`<li>` each) for claim rows in text order.

    Built here for the same reason as `render_segments`: 300 claims through a template loop
    cost more than the rest of the page. `quote_head` is the first 121 code points of the quote
    (`selectors.QUOTE_HEAD` + 1), enough to say whether it was cut.
    """
    parts = []
    for claim in claims:
        quote = claim.quote_head
        if claim.quote_length > len(quote) or len(quote) > 120:
            quote = quote[:119] + "…"
        parts.append(
            f'<li data-claim="{claim.pk:d}" data-start="{claim.start:d}">'
            f'<a href="?claim={claim.pk:d}#claim-panel" class="claim-link">'
            f"{claim_badge(claim.state, claim.rating)} "
            f'<span class="claim-quote">“{escape(quote)}”</span></a></li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 -- built above from escaped parts and ints


def render_suggestions(
    suggested, *, action_url, csrf_token: str, can_annotate: bool, dismiss_url=None
) -> SafeString:
    """Return the sidebar's suggested sentences (`<li>` each) with their one-click mark forms
    and, with `dismiss_url(index)`, a "Not a claim" form each (key x, static/js/dismiss.js).

    `suggested` holds (sentence row, its text) pairs; `action_url(index)` is the form's URL.
    Built here like the claim list: 40 forms through the template cost ~10 ms a page.
    """
    parts = []
    token = escape(csrf_token)
    for sentence, sentence_text in suggested:
        reasons = escape(", ".join(sentence.reasons) or "check-worthy")
        form = ""
        if can_annotate:
            short = escape(_truncate(sentence_text, 60))
            form = (
                f'<form method="post" action="{escape(action_url(sentence.index))}">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                '<button type="submit" class="button small-button">Mark as claim'
                f'<span class="visually-hidden">: {short}</span></button></form>'
            )
            if dismiss_url is not None:
                form += (
                    f'<form method="post" action="{escape(dismiss_url(sentence.index))}" '
                    f'class="dismiss-form" data-dismiss-sentence="{sentence.index:d}">'
                    f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                    '<button type="submit" class="button small-button subtle" '
                    'aria-keyshortcuts="x">Not a claim'
                    f'<span class="visually-hidden">: {short}</span></button></form>'
                )
        parts.append(
            f'<li><p class="suggestion-text">{escape(_truncate(sentence_text, 220))}</p>'
            f'<p class="muted small">Why: {reasons} · score {sentence.score:.2f}</p>{form}</li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 -- built above from escaped parts and numbers


def _truncate(value: str, length: int) -> str:
    """Return `value` cut to `length` code points with an ellipsis, as `truncatechars` does."""
    return value if len(value) <= length else value[: length - 1] + "…"
