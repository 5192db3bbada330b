"""Re-anchoring claims when an article's text changes: given the old text, the new text and
each claim's span (start, end, quote, prefix, suffix), find where each claim is in the new text.
Pure functions, no Django: the write (new version, claims, events) is `services/versions.py`,
the measurement `benchmarks/reanchor.py`.

Each claim goes through four steps and stops at the first that succeeds:

1. **diff**: its offsets are mapped through a diff of the old and new text (diff-match-patch);
   accepted when the text there is still the quote ("exact").
2. **quote**: the quote is searched for exactly; between repeats, prefix and suffix agreement
   and closeness to the mapped position pick one ("exact"; the quote is unchanged).
3. **fuzzy**: candidate spans (the diff-mapped one, and ones bracketed by where the quote's head
   and tail, or its prefix and suffix, now are) are scored on the quote's similarity, prefix,
   suffix and closeness; the best above `FUZZY_THRESHOLD` is accepted and flagged for review.
4. otherwise the claim is **orphaned**: it keeps its old offsets, quote and context.

The cost is one diff (line mode first, which keeps it near-linear for edited articles, with a
time cap) plus, per claim, searches bounded by the quote's length and a capped number of
candidates.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Sequence

from diff_match_patch import diff_match_patch

EXACT = "exact"
FUZZY = "fuzzy"
ORPHANED = "orphaned"

FUZZY_THRESHOLD = 0.72
# Repeats of a quote, and positions of its head and tail, considered at most.
MAX_CANDIDATES = 50
HEAD = 24  # characters of a quote's head and tail searched for exactly
DIFF_SECONDS = 0.03


@dataclasses.dataclass(frozen=True)
class Span:
    """A claim's anchor in the old text."""

    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""


@dataclasses.dataclass(frozen=True)
class Anchored:
    """Where a claim is in the new text: `outcome` is exact, fuzzy or orphaned (then start and
    end are None). `method` says which step found it; `score` is in [0, 1]."""

    outcome: str
    start: int | None
    end: int | None
    method: str
    score: float

    @property
    def found(self) -> bool:
        return self.outcome != ORPHANED


class OffsetMap:
    """Map offsets of the old text to the new one through a diff, in O(log n) per offset."""

    def __init__(self, old: str, new: str) -> None:
        dmp = diff_match_patch()
        dmp.Diff_Timeout = DIFF_SECONDS
        diffs = dmp.diff_main(old, new, True)
        # Breakpoints: (old offset, new offset, kind) at the start of each diff chunk.
        self._old: list[int] = []
        self._new: list[int] = []
        self._equal: list[bool] = []
        self._len: list[int] = []
        o = n = 0
        for op, chunk in diffs:
            size = len(chunk)
            if op == 0:
                self._push(o, n, True, size)
                o += size
                n += size
            elif op == -1:
                self._push(o, n, False, size)
                o += size
            else:
                n += size
        self._push(o, n, True, 0)

    def _push(self, o: int, n: int, equal: bool, size: int) -> None:
        self._old.append(o)
        self._new.append(n)
        self._equal.append(equal)
        self._len.append(size)

    def map(self, offset: int) -> int:
        """Return the new offset of old `offset` (a deleted position maps to where it was)."""
        i = bisect.bisect_right(self._old, offset) - 1
        if i < 0:
            return 0
        if self._equal[i]:
            return self._new[i] + min(offset - self._old[i], self._len[i])
        return self._new[i]


def reanchor(old: str, new: str, spans: Sequence[Span]) -> list[Anchored]:
    """Return where each of `spans` (anchored in `old`) is in `new`, in the same order."""
    if old == new:
        return [Anchored(EXACT, s.start, s.end, "unchanged", 1.0) for s in spans]
    offsets = OffsetMap(old, new)
    return [_one(old, new, span, offsets) for span in spans]


def _one(old: str, new: str, span: Span, offsets: OffsetMap) -> Anchored:
    start, end = offsets.map(span.start), offsets.map(span.end)
    if new[start:end] == span.quote and end > start:
        return Anchored(EXACT, start, start + len(span.quote), "diff", 1.0)
    # Other copies of the quote in the old text, where the diff puts them now: those are other
    # passages, not this claim (which was edited), and must not capture it.
    old_copies = [p for p in _occurrences(old, span.quote) if p != span.start]
    taken = {offsets.map(p) for p in old_copies}
    found = _by_quote(new, span, start, taken=taken, repeated=bool(old_copies))
    if found is not None:
        return found
    return _fuzzy(new, span, start, end, taken=taken)


def _occurrences(text: str, needle: str, limit: int = MAX_CANDIDATES) -> list[int]:
    positions: list[int] = []
    if not needle:
        return positions
    at = text.find(needle)
    while at != -1 and len(positions) < limit:
        positions.append(at)
        at = text.find(needle, at + 1)
    return positions


def _common_suffix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _context_score(new: str, span: Span, start: int, end: int) -> float:
    """Return how well the text around [start, end) agrees with the old prefix and suffix."""
    parts = []
    if span.prefix:
        before = new[max(0, start - len(span.prefix)) : start]
        parts.append(_common_suffix(before, span.prefix) / len(span.prefix))
    if span.suffix:
        after = new[end : end + len(span.suffix)]
        parts.append(_common_prefix(after, span.suffix) / len(span.suffix))
    return sum(parts) / len(parts) if parts else 0.5


def _closeness(position: int, expected: int, size: int) -> float:
    return 1.0 / (1.0 + abs(position - expected) / max(size, 1))


def _by_quote(
    new: str, span: Span, expected: int, *, taken: set[int], repeated: bool
) -> Anchored | None:
    """Find the unchanged quote; pick between repeats by context, then closeness.

    A quote that was unique in the old text and is unique in the new one is taken wherever it
    moved. Otherwise (repeats) the context must agree at least half-way, so an edited claim is
    not moved onto another copy of a common sentence.
    """
    positions = [p for p in _occurrences(new, span.quote) if p not in taken]
    if not positions:
        return None
    size = len(new) or 1
    scored = [
        (_context_score(new, span, p, p + len(span.quote)), _closeness(p, expected, size), p)
        for p in positions
    ]
    context, _, best = max(scored)
    if (repeated or len(positions) > 1) and context < 0.5:
        return None
    return Anchored(EXACT, best, best + len(span.quote), "quote", round(context, 3))


def _bigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _similarity(a: str, b: str, a_grams: Counter[str] | None = None) -> float:
    """Return the Dice coefficient of the character bigrams of `a` and `b` (1: same bigrams).

    Linear in the lengths (an edit distance would be quadratic, and it is called for every
    candidate span).
    """
    if a == b:
        return 1.0
    if len(a) < 2 or len(b) < 2:
        return 0.0
    grams_a = a_grams if a_grams is not None else _bigrams(a)
    grams_b = _bigrams(b)
    common = sum((grams_a & grams_b).values())
    return 2.0 * common / (sum(grams_a.values()) + sum(grams_b.values()))


def _fuzzy(
    new: str, span: Span, mapped_start: int, mapped_end: int, *, taken: set[int]
) -> Anchored:
    quote = span.quote
    size = len(quote)
    candidates: set[tuple[int, int]] = set()
    if mapped_end > mapped_start:
        candidates.add((mapped_start, mapped_end))
    head, tail = quote[:HEAD], quote[-HEAD:]
    heads = _occurrences(new, head) if len(head) >= 8 else []
    tails = [t + len(tail) for t in _occurrences(new, tail)] if len(tail) >= 8 else []
    # The old context: where the prefix ends and the suffix begins, found exactly.
    if len(span.prefix) >= 8:
        heads += [p + len(span.prefix) for p in _occurrences(new, span.prefix)]
    if len(span.suffix) >= 8:
        tails += _occurrences(new, span.suffix)
    for h in heads:
        for t in tails:
            if h < t and 0.7 * size <= t - h <= 1.3 * size + 8:
                candidates.add((h, t))
        candidates.add((h, min(len(new), h + size)))
    for t in tails:
        candidates.add((max(0, t - size), t))
    best: tuple[float, int, int] | None = None
    expected = mapped_start
    quote_grams = _bigrams(quote)
    for start, end in sorted(candidates)[: MAX_CANDIDATES * 4]:
        if end <= start or start in taken:
            continue
        text = new[start:end]
        if text == quote:
            continue  # an intact copy step 2 turned down (its context is another passage's)
        # Cheap bound first: a length far off cannot score high enough.
        if min(len(text), size) / max(len(text), size) < 0.6:
            continue
        quote_score = _similarity(quote, text, quote_grams)
        score = (
            0.6 * quote_score
            + 0.3 * _context_score(new, span, start, end)
            + 0.1 * _closeness(start, expected, len(new) or 1)
        )
        if quote_score >= 0.6 and (best is None or score > best[0]):
            best = (score, start, end)
    if best is not None and best[0] >= FUZZY_THRESHOLD:
        score, start, end = best
        start, end = _trim(new, start, end)
        return Anchored(FUZZY, start, end, "fuzzy", round(score, 3))
    return Anchored(ORPHANED, None, None, "none", round(best[0], 3) if best else 0.0)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace at the ends of a found span (a claim never starts or ends with it)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
