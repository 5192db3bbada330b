"""Agreement statistics, in pure Python: no Django, no queries, no third-party packages.

What belongs here: Krippendorff's alpha for nominal, ordinal and interval data with missing
values (computed from the coincidence matrix, as in Krippendorff, "Computing Krippendorff's
Alpha-Reliability", 2011), a seeded bootstrap interval for it, pairwise Cohen's kappa, each
coder's confusion matrix against a decided value, and span agreement between coders of the
same text (exact-match F1, overlap F1 and Krippendorff's unitizing alpha, u-alpha, as in
Krippendorff 1995/2004). Reading the data out of the database is `stats.py`'s job.

Data shapes: a *unit* is a mapping `{coder: value}` holding only the values the coders gave
(a missing value is simply absent). A *span* is a `(start, end)` pair of offsets, end exclusive.
A statistic that is undefined (no pairable values, no variation) is `None`, never a made-up 0.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

Level = Literal["nominal", "ordinal", "interval"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval")
Unit = Mapping[Hashable, Hashable]
Span = tuple[int, int]

# Krippendorff's conventions for reading alpha (Content Analysis, 2004, §11.4.4).
RELIABLE = 0.800
TENTATIVE = 0.667


@dataclass(frozen=True)
class AlphaResult:
    """Alpha with its bootstrap interval; `alpha` is None when undefined, with `reason`."""

    alpha: float | None
    low: float | None = None
    high: float | None = None
    units: int = 0  # pairable units: those with two or more values
    values: int = 0  # pairable values
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "alpha": _round(self.alpha),
            "low": _round(self.low),
            "high": _round(self.high),
            "units": self.units,
            "values": self.values,
            "reason": self.reason,
        }


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def reading(alpha: float | None) -> str:
    """Return Krippendorff's reading of an alpha: reliable, tentative, unreliable or undefined."""
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "unreliable"


# --- Krippendorff's alpha ------------------------------------------------------------------


@dataclass
class _Coincidences:
    """The coincidence matrix of a reliability data set, over `values` in their order."""

    values: list
    matrix: list[list[float]]  # o_ck
    units: int
    # Per signature (the sorted tuple of value indexes in one unit): how many units have it.
    signatures: Counter = field(default_factory=Counter)

    @property
    def marginals(self) -> list[float]:
        return [sum(row) for row in self.matrix]


def _signature_counts(units: Iterable[Unit], index: Mapping[Hashable, int]) -> Counter:
    """Count the pairable units by the multiset of value indexes they hold.

    Units with the same multiset contribute the same to the coincidence matrix, so the matrix
    (and every bootstrap sample) is computed once per distinct signature, not once per unit:
    that is what makes 100,000 units take milliseconds.
    """
    signatures: Counter = Counter()
    for unit in units:
        if len(unit) < 2:
            continue
        signatures[tuple(sorted(index[v] for v in unit.values()))] += 1
    return signatures


def _signature_cells(signature: tuple[int, ...]) -> list[tuple[int, int, float]]:
    """Return the (c, k, weight) cells one unit with this signature adds to the matrix."""
    counts = Counter(signature)
    m = len(signature)
    cells = []
    for c, n_c in counts.items():
        for k, n_k in counts.items():
            pairs = n_c * (n_c - 1) if c == k else n_c * n_k
            if pairs:
                cells.append((c, k, pairs / (m - 1)))
    return cells


def _matrix_from(signatures: Mapping[tuple, float], size: int, cells_of: dict) -> list[list[float]]:
    matrix = [[0.0] * size for _ in range(size)]
    for signature, count in signatures.items():
        if not count:
            continue
        cells = cells_of.get(signature)
        if cells is None:
            cells = cells_of[signature] = _signature_cells(signature)
        for c, k, w in cells:
            matrix[c][k] += w * count
    return matrix


def _deltas(level: Level, values: Sequence, marginals: Sequence[float]) -> list[list[float]]:
    """Return the squared distances δ²(c, k) between the values for `level`.

    Ordinal distances follow Krippendorff: the sum of the marginal frequencies from c to k
    minus the mean of c's and k's, squared; so distances depend on how the values are used.
    """
    size = len(values)
    if level == "nominal":
        return [[0.0 if c == k else 1.0 for k in range(size)] for c in range(size)]
    if level == "interval":
        return [[float(values[c] - values[k]) ** 2 for k in range(size)] for c in range(size)]
    cumulative = [0.0]
    for n in marginals:
        cumulative.append(cumulative[-1] + n)
    deltas = [[0.0] * size for _ in range(size)]
    for c in range(size):
        for k in range(c + 1, size):
            # sum of n_g for g = c..k, minus (n_c + n_k) / 2
            d = cumulative[k + 1] - cumulative[c] - (marginals[c] + marginals[k]) / 2
            deltas[c][k] = deltas[k][c] = d * d
    return deltas


def _alpha_of(matrix: list[list[float]], level: Level, values: Sequence) -> float | None:
    marginals = [sum(row) for row in matrix]
    n = sum(marginals)
    if n <= 1:
        return None
    deltas = _deltas(level, values, marginals)
    size = len(values)
    observed = sum(matrix[c][k] * deltas[c][k] for c in range(size) for k in range(size))
    expected = sum(
        marginals[c] * marginals[k] * deltas[c][k] for c in range(size) for k in range(size)
    ) / (n - 1)
    if expected == 0:
        return None
    return 1.0 - observed / expected


def _prepare(units: Iterable[Unit], level: Level, order: Sequence | None):
    units = list(units)
    if order is None:
        seen = {v for unit in units for v in unit.values()}
        # nominal labels need no order (repr sorts mixed types); the others sort by value
        order = sorted(seen, key=repr) if level == "nominal" else sorted(seen)
    else:
        order = list(order)
        unknown = {v for unit in units for v in unit.values()} - set(order)
        if unknown:
            raise ValueError(f"Values not in the given order: {sorted(map(repr, unknown))}.")
    if level == "interval":
        bad = [v for v in order if isinstance(v, bool) or not isinstance(v, int | float)]
        if bad:
            raise ValueError(f"Interval alpha needs numbers; got {bad[:3]!r}.")
    index = {v: i for i, v in enumerate(order)}
    return order, _signature_counts(units, index)


def alpha(
    units: Iterable[Unit],
    *,
    level: Level = "nominal",
    order: Sequence | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> AlphaResult:
    """Return Krippendorff's alpha of `units` at `level`, with a 95% interval if `bootstrap`.

    `order` lists the possible values: for ordinal data from lowest to highest (by default the
    sorted values); for interval data the values are numbers and their differences are the
    distances. Units with fewer than two values are not pairable and are ignored. The interval
    is the 2.5th and 97.5th percentile of alpha over `bootstrap` resamples of the units (drawn
    with replacement, seeded with `seed`, so the same data always give the same interval).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}.")
    values, signatures = _prepare(units, level, order)
    cells_of: dict = {}
    matrix = _matrix_from(signatures, len(values), cells_of)
    n_units = sum(signatures.values())
    n_values = sum(len(s) * c for s, c in signatures.items())
    if n_units == 0:
        return AlphaResult(None, reason="No unit has two or more values.")
    value = _alpha_of(matrix, level, values)
    if value is None:
        return AlphaResult(
            None,
            units=n_units,
            values=n_values,
            reason="Every value is the same, so agreement cannot be told from chance.",
        )
    low = high = None
    if bootstrap:
        low, high = _bootstrap_interval(signatures, values, level, bootstrap, seed, cells_of)
    return AlphaResult(value, low, high, units=n_units, values=n_values)


def _multinomial(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """Draw multinomial counts by successive binomials (exact, O(len(weights)) per draw)."""
    counts = []
    remaining_n = total
    remaining_w = float(sum(weights))
    for w in weights:
        if remaining_n == 0 or remaining_w <= 0:
            counts.append(0)
            continue
        p = min(1.0, w / remaining_w)
        draw = rng.binomialvariate(remaining_n, p) if p < 1.0 else remaining_n
        counts.append(draw)
        remaining_n -= draw
        remaining_w -= w
    return counts


def _bootstrap_interval(
    signatures: Counter, values: Sequence, level: Level, samples: int, seed: int, cells_of: dict
) -> tuple[float | None, float | None]:
    rng = random.Random(seed)  # noqa: S311 -- reproducible resampling, not secrecy
    keys = sorted(signatures)
    weights = [signatures[k] for k in keys]
    total = sum(weights)
    alphas = []
    for _ in range(samples):
        counts = _multinomial(rng, total, weights)
        matrix = _matrix_from(dict(zip(keys, counts, strict=True)), len(values), cells_of)
        value = _alpha_of(matrix, level, values)
        if value is not None:
            alphas.append(value)
    if not alphas:
        return None, None
    alphas.sort()
    return _percentile(alphas, 0.025), _percentile(alphas, 0.975)


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Return the q-quantile of sorted data by linear interpolation (numpy's default)."""
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


# --- Cohen's kappa and confusion matrices ---------------------------------------------------


@dataclass(frozen=True)
class KappaResult:
    kappa: float | None
    units: int  # units both coders rated
    agreement: float | None  # observed share of units where they agree
    reason: str = ""


def cohen_kappa(units: Iterable[Unit], a: Hashable, b: Hashable) -> KappaResult:
    """Return Cohen's kappa between coders `a` and `b` over the units both of them rated."""
    pairs = [(unit[a], unit[b]) for unit in units if a in unit and b in unit]
    n = len(pairs)
    if n == 0:
        return KappaResult(None, 0, None, "The two reviewers share no claim.")
    observed = sum(1 for x, y in pairs if x == y) / n
    count_a = Counter(x for x, _ in pairs)
    count_b = Counter(y for _, y in pairs)
    expected = sum(count_a[v] * count_b.get(v, 0) for v in count_a) / (n * n)
    if expected >= 1.0:
        return KappaResult(None, n, observed, "Both reviewers gave one and the same rating.")
    return KappaResult((observed - expected) / (1 - expected), n, observed)


def pairwise_kappa(units: Sequence[Unit]) -> dict[tuple, KappaResult]:
    """Return Cohen's kappa for every pair of coders that share at least one unit."""
    shared: dict[tuple, list[Unit]] = defaultdict(list)
    for unit in units:
        coders = sorted(unit, key=repr)
        for a, b in combinations(coders, 2):
            shared[(a, b)].append(unit)
    return {pair: cohen_kappa(pair_units, *pair) for pair, pair_units in sorted(shared.items())}


def confusion_matrices(
    units: Sequence[Unit],
    decided: Sequence[Hashable | None],
    *,
    decided_by: Sequence[Hashable | None] | None = None,
) -> dict[Hashable, Counter]:
    """Return, per coder, a Counter of (their value, decided value) over decided units.

    `decided[i]` is the decided (approved) value of `units[i]`, or None if undecided.
    `decided_by[i]`, if given, names the coder whose value was decided: that coder agrees with
    the decision by construction, so the unit is left out of their matrix.
    """
    result: dict[Hashable, Counter] = defaultdict(Counter)
    for i, unit in enumerate(units):
        truth = decided[i]
        if truth is None:
            continue
        author = decided_by[i] if decided_by is not None else None
        for coder, value in unit.items():
            if coder != author:
                result[coder][(value, truth)] += 1
    return dict(result)


# --- Span agreement -------------------------------------------------------------------------


@dataclass(frozen=True)
class SpanCounts:
    """Counts behind span F1 between coders, summed over ordered reference/response pairs."""

    spans: int = 0  # spans in the reference side, summed over pairs
    exact: int = 0  # spans found with the same start and end by the other coder
    overlapping: int = 0  # spans that overlap at least one span of the other coder

    def __add__(self, other: SpanCounts) -> SpanCounts:
        return SpanCounts(
            self.spans + other.spans,
            self.exact + other.exact,
            self.overlapping + other.overlapping,
        )

    @property
    def exact_f1(self) -> float | None:
        return self.exact / self.spans if self.spans else None

    @property
    def overlap_f1(self) -> float | None:
        return self.overlapping / self.spans if self.spans else None


def _overlapping(spans: Sequence[Span], others: Sequence[Span]) -> int:
    """Count the spans in `spans` that overlap some span in `others` (sweep, O(n log n))."""
    if not spans or not others:
        return 0
    others = sorted(others)
    # prefix maximum of ends, to ask "does any other span starting before e end after s?"
    starts = [s for s, _ in others]
    max_end = []
    best = -1
    for _, e in others:
        best = max(best, e)
        max_end.append(best)
    hits = 0
    for s, e in spans:
        i = bisect_left(starts, e) - 1  # others starting before e
        if i >= 0 and max_end[i] > s:
            hits += 1
    return hits


def span_counts(by_coder: Mapping[Hashable, Iterable[Span]]) -> SpanCounts:
    """Return the span counts over every ordered pair of coders of one text.

    Summed over both directions, precision of one side is recall of the other, so
    `exact_f1` and `overlap_f1` are F1 scores pooled over pairs:
    F1 = 2·matched / (|A| + |B|) for exact matches, and the share of spans that overlap a span
    of the other coder for overlap F1 (the mean of overlap precision and recall, pooled).
    """
    sets = {coder: sorted(set(spans)) for coder, spans in by_coder.items()}
    total = SpanCounts()
    for a, b in combinations(sorted(sets, key=repr), 2):
        spans_a, spans_b = sets[a], sets[b]
        exact = len(set(spans_a) & set(spans_b))
        total += SpanCounts(
            spans=len(spans_a) + len(spans_b),
            exact=2 * exact,
            overlapping=_overlapping(spans_a, spans_b) + _overlapping(spans_b, spans_a),
        )
    return total


@dataclass(frozen=True)
class UnitizingResult:
    """Krippendorff's u-alpha for one category: observed and expected disagreement."""

    observed: float
    expected: float

    @property
    def alpha(self) -> float | None:
        if self.expected == 0:
            return None
        return 1.0 - self.observed / self.expected


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Merge one coder's overlapping spans: u-alpha needs non-overlapping units.

    Adjacent spans (one ends where the next starts) stay two units, as in Krippendorff's
    examples.
    """
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _segments(units: Sequence[Span], begin: int, end: int) -> list[tuple[int, int, bool]]:
    """Cut [begin, end) into one coder's units and the gaps between them: (start, end, is_unit)."""
    segments = []
    position = begin
    for s, e in units:
        if s > position:
            segments.append((position, s, False))
        segments.append((s, e, True))
        position = e
    if position < end:
        segments.append((position, end, False))
    return segments


def _distance(a: tuple[int, int, bool], b: tuple[int, int, bool]) -> int:
    """Return Krippendorff's squared distance between two overlapping segments (1995, 2004).

    Two units: the squared differences of their starts and of their ends. A unit and a gap
    that contains it: the unit's squared length. Anything else: 0.
    """
    (s1, e1, unit1), (s2, e2, unit2) = a, b
    if unit1 and unit2:
        return (s1 - s2) ** 2 + (e1 - e2) ** 2
    if unit1 and not unit2 and s2 <= s1 and e1 <= e2:
        return (e1 - s1) ** 2
    if unit2 and not unit1 and s1 <= s2 and e2 <= e1:
        return (e2 - s2) ** 2
    return 0


def unitizing(
    by_coder: Mapping[Hashable, Iterable[Span]], *, begin: int = 0, end: int
) -> UnitizingResult:
    """Return Krippendorff's u-alpha components for one category on the continuum [begin, end).

    Every coder in `by_coder` counts, including one who marked nothing. A coder's overlapping
    spans are merged first. Observed disagreement sums the distance between every pair of
    overlapping segments of every pair of coders; expected disagreement is that of all possible
    placements of the same units in the same gaps (Krippendorff 1995, p. 59, as implemented
    by DKPro Statistics).
    """
    length = end - begin
    coders = sorted(by_coder, key=repr)
    r = len(coders)
    if length <= 0 or r < 2:
        return UnitizingResult(0.0, 0.0)
    units = {c: _merge((max(s, begin), min(e, end)) for s, e in by_coder[c]) for c in coders}
    segments = {c: _segments(units[c], begin, end) for c in coders}

    observed = 0
    for a, b in combinations(coders, 2):
        seg_a, seg_b = segments[a], segments[b]
        i = j = 0
        while i < len(seg_a) and j < len(seg_b):
            observed += _distance(seg_a[i], seg_b[j])
            # move past whichever segment ends first (both if they end together)
            if seg_a[i][1] <= seg_b[j][1]:
                if seg_a[i][1] == seg_b[j][1]:
                    j += 1
                i += 1
            else:
                j += 1
    observed_d = 2.0 * observed / (r * (r - 1) * length * length)

    lengths = [e - s for c in coders for s, e in units[c]]
    gaps = sorted(
        (e - s for c in coders for s, e, is_unit in segments[c] if not is_unit), reverse=True
    )
    n_units = len(lengths)
    if n_units == 0:
        return UnitizingResult(observed_d, 0.0)
    # For each unit length l: sum over gaps g >= l of (g - l + 1); sort lengths to share work.
    total = 0.0
    for unit_length in lengths:
        within = (n_units - 1) * (2 * unit_length**3 - 3 * unit_length**2 + unit_length) / 3
        fits = sum(g - unit_length + 1 for g in gaps if g >= unit_length)
        total += within + unit_length**2 * fits
    squared = sum(x * (x - 1) for x in lengths)
    expected_d = total * (2.0 / length) / (r * length * (r * length - 1) - squared)
    return UnitizingResult(observed_d, expected_d)


def unitizing_alpha(
    texts: Iterable[tuple[int, Mapping[Hashable, Iterable[Span]]]],
) -> float | None:
    """Return u-alpha pooled over texts: 1 - Σ L·D_o / Σ L·D_e, L each text's length.

    Each text is `(length, {coder: spans})`; coders differ from text to text, so the texts are
    not concatenated into one continuum, but each one's disagreements are weighted by its length.
    """
    return pooled_unitizing_alpha(
        (length, unitizing(by_coder, end=length)) for length, by_coder in texts
    )


def pooled_unitizing_alpha(results: Iterable[tuple[int, UnitizingResult]]) -> float | None:
    """Return u-alpha pooled over per-text results `(length, unitizing(...))` (see above)."""
    observed = expected = 0.0
    for length, result in results:
        observed += length * result.observed
        expected += length * result.expected
    if expected == 0:
        return None
    return 1.0 - observed / expected
