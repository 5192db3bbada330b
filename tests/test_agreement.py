"""`annotations.agreement` against published worked examples, the `krippendorff` package as an
oracle (GPL-3.0, a test-only dependency), and properties that must hold for any data."""

from __future__ import annotations

import math
import signal
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import agreement as ag

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C: coders A–D, units
# 1–12, None where a coder gave no value.
K2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def units_from(rows: dict[str, list]) -> list[dict]:
    columns = zip(*rows.values(), strict=True)
    return [
        {coder: v for coder, v in zip(rows, column, strict=True) if v is not None}
        for column in columns
    ]


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_reproduces_krippendorff_2011_worked_example(level, expected):
    """The published alphas, to three decimals; unit 12 (one value) is not pairable."""
    result = ag.alpha(units_from(K2011), level=level)
    assert round(result.alpha, 3) == expected
    assert result.units == 11
    assert result.values == 40


def test_alpha_matches_the_krippendorff_package_on_the_worked_example():
    krippendorff = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    data = np.array([[np.nan if v is None else v for v in row] for row in K2011.values()], float)
    for level in ag.LEVELS:
        ours = ag.alpha(units_from(K2011), level=level).alpha
        theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        assert ours == pytest.approx(theirs, abs=1e-12), level


coders = st.sampled_from(["ann", "bo", "cy", "di"])
small_units = st.lists(
    st.dictionaries(coders, st.integers(min_value=0, max_value=4), min_size=0, max_size=4),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(small_units, st.sampled_from(ag.LEVELS))
def test_alpha_agrees_with_the_krippendorff_package_on_random_data(units, level):
    krippendorff = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    ours = ag.alpha(units, level=level)
    names = ["ann", "bo", "cy", "di"]
    pairable = [u for u in units if len(u) >= 2]
    values = {v for u in pairable for v in u.values()}
    if not pairable or len(values) < 2:
        assert ours.alpha is None
        assert ours.reason
        return
    data = np.array([[u.get(name, np.nan) for u in units] for name in names], float)
    theirs = krippendorff.alpha(
        reliability_data=data,
        level_of_measurement=level,
        value_domain=sorted({v for u in units for v in u.values()}),
    )
    assert ours.alpha == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=30).filter(
        lambda xs: len(set(xs)) >= 2
    ),
    st.integers(min_value=2, max_value=4),
    st.sampled_from(ag.LEVELS),
)
def test_perfect_agreement_gives_one(truths, n_coders, level):
    units = [{f"c{i}": t for i in range(n_coders)} for t in truths]
    assert ag.alpha(units, level=level).alpha == pytest.approx(1.0)


@settings(max_examples=100, deadline=None)
@given(small_units, st.permutations(["true", "false", "half", "misleading", "unproven"]))
def test_nominal_alpha_does_not_change_when_labels_are_renamed(units, names):
    renamed = [{c: names[v] for c, v in u.items()} for u in units]
    before, after = ag.alpha(units).alpha, ag.alpha(renamed).alpha
    if before is None:
        assert after is None
    else:
        assert after == pytest.approx(before, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(small_units)
def test_kappa_is_symmetric(units):
    for a in ["ann", "bo", "cy"]:
        for b in ["bo", "cy", "di"]:
            ab, ba = ag.cohen_kappa(units, a, b), ag.cohen_kappa(units, b, a)
            assert ab.units == ba.units
            if ab.kappa is None:
                assert ba.kappa is None
            else:
                assert ab.kappa == pytest.approx(ba.kappa, abs=1e-12)


def test_kappa_reproduces_krippendorff_1995_digitised_example():
    """Bertha and Bill's digitised unitizing (DKPro Statistics' Krippendorff1995Test): 0.385."""
    bertha = "001111111100001111110000"
    bill = "000011110000000110000000"
    units = [{"bertha": int(x), "bill": int(y)} for x, y in zip(bertha, bill, strict=True)]
    result = ag.cohen_kappa(units, "bertha", "bill")
    assert result.kappa == pytest.approx(0.385, abs=0.001)
    assert result.units == 24
    # and the same data as nominal alpha (0.329 in the same test)
    assert ag.alpha(units).alpha == pytest.approx(0.329, abs=0.001)


def test_kappa_is_undefined_without_shared_units_or_variation():
    assert ag.cohen_kappa([{"a": 1}, {"b": 2}], "a", "b").kappa is None
    same = ag.cohen_kappa([{"a": 1, "b": 1}, {"a": 1, "b": 1}], "a", "b")
    assert same.kappa is None
    assert "same rating" in same.reason


def test_pairwise_kappa_lists_only_pairs_that_share_units():
    units = [{"a": 1, "b": 1}, {"a": 2, "b": 2}, {"c": 1}, {"a": 1, "c": 2}]
    pairs = ag.pairwise_kappa(units)
    assert set(pairs) == {("a", "b"), ("a", "c")}
    assert pairs[("a", "b")].kappa == pytest.approx(1.0)
    assert pairs[("a", "c")].units == 1


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    units = units_from(K2011)
    first = ag.alpha(units, level="ordinal", bootstrap=500, seed=7)
    again = ag.alpha(units, level="ordinal", bootstrap=500, seed=7)
    other = ag.alpha(units, level="ordinal", bootstrap=500, seed=8)
    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)
    assert first.low < first.alpha < first.high <= 1.0


def test_alpha_is_undefined_with_a_reason():
    assert ag.alpha([{"a": 1}, {"b": 2}]).reason == "No unit has two or more values."
    same = ag.alpha([{"a": 1, "b": 1}, {"a": 1, "b": 1}])
    assert same.alpha is None
    assert "same" in same.reason


def test_alpha_rejects_values_outside_the_given_order_and_non_numbers_for_interval():
    with pytest.raises(ValueError, match="not in the given order"):
        ag.alpha([{"a": "x", "b": "y"}], level="ordinal", order=["x"])
    with pytest.raises(ValueError, match="Interval alpha needs numbers"):
        ag.alpha([{"a": "x", "b": "y"}], level="interval")
    with pytest.raises(ValueError, match="level must be one of"):
        ag.alpha([], level="ratio")


def test_ordinal_alpha_uses_the_given_order_not_the_label_spelling():
    """Alphabetically half-true < mostly-false; on the scale mostly-false lies in between."""
    order = ["false", "mostly-false", "half-true"]
    units = [{"a": "false", "b": "mostly-false"}] * 5
    units += [{"a": "false", "b": "false"}] * 5 + [{"a": "half-true", "b": "half-true"}] * 5
    by_order = ag.alpha(units, level="ordinal", order=order).alpha
    numeric = [{c: order.index(v) for c, v in u.items()} for u in units]
    assert by_order == pytest.approx(ag.alpha(numeric, level="ordinal").alpha)
    alphabetical = ag.alpha(units, level="ordinal").alpha
    assert by_order != pytest.approx(alphabetical)


def test_reading_follows_krippendorffs_thresholds():
    assert ag.reading(0.8) == "reliable"
    assert ag.reading(0.7999) == "tentative"
    assert ag.reading(0.667) == "tentative"
    assert ag.reading(0.6) == "unreliable"
    assert ag.reading(None) == "undefined"


def test_confusion_matrices_leave_out_the_author_of_the_decided_verdict():
    units = [{"a": "true", "b": "false"}, {"a": "half", "b": "half"}, {"a": "true"}]
    decided = ["true", "half", None]
    matrices = ag.confusion_matrices(units, decided, decided_by=["a", "b", None])
    assert matrices["a"] == Counter({("half", "half"): 1})
    assert matrices["b"] == Counter({("false", "true"): 1})


# --- spans ----------------------------------------------------------------------------------


def test_span_counts_exact_and_overlap_f1():
    counts = ag.span_counts({"a": [(0, 5), (10, 20), (30, 40)], "b": [(0, 5), (12, 18)]})
    # exact: (0,5) on both sides -> 2·1 / (3 + 2)
    assert counts.exact_f1 == pytest.approx(2 / 5)
    # overlap: a's (0,5) and (10,20) hit; b's two both hit -> 4 / 5
    assert counts.overlap_f1 == pytest.approx(4 / 5)
    assert ag.span_counts({"a": [(0, 5)]}).exact_f1 is None


def _dkpro_1995(stretch: float) -> dict[str, dict[int, list[tuple[int, int]]]]:
    """Krippendorff (1995, p. 57) as DKPro Statistics' Krippendorff1995Test builds it:
    (offset, length, coder) per category, on the continuum [0, 24·stretch)."""
    raw = {
        "A": [(2, 8, 0), (14, 6, 0), (4, 4, 1), (15, 2, 1)],
        "B": [
            (0, 18, 0),
            (0, 2, 1),
            (2, 1, 1),
            (3, 1, 1),
            (4, 1, 1),
            (5, 1, 1),
            (6, 3, 1),
            (9, 1, 1),
        ],
        "C": [
            (2, 6, 0),
            (10, 2, 0),
            (14, 4, 0),
            (20, 2, 0),
            (0, 2, 1),
            (4, 4, 1),
            (10, 4, 1),
            (16, 2, 1),
            (20, 2, 1),
        ],
        "D": [
            (0, 2, 0),
            (2, 8, 0),
            (10, 4, 0),
            (14, 6, 0),
            (20, 4, 0),
            (0, 4, 1),
            (4, 4, 1),
            (8, 7, 1),
            (15, 2, 1),
            (17, 7, 1),
        ],
    }
    out = {}
    for category, units in raw.items():
        by_coder: dict[int, list[tuple[int, int]]] = {0: [], 1: []}
        for offset, length, coder in units:
            start = int(offset * stretch)
            by_coder[coder].append((start, start + int(length * stretch)))
        out[category] = by_coder
    return out


@pytest.mark.parametrize(
    ("category", "observed", "expected", "alpha"),
    [
        ("A", 0.03125, 0.06990, 0.553),
        ("B", 2.26736, 1.17731, -0.926),
        ("C", 0.02777, 0.08642, 0.679),
        ("D", 0.38715, 0.41445, 0.066),
    ],
)
def test_unitizing_alpha_reproduces_dkpro_krippendorff_1995(category, observed, expected, alpha):
    """DKPro's tolerances: D_o ±0.00001 (stretch 1), D_e ±0.005 and alpha ±0.02 (stretch 50,000)."""
    at_one = ag.unitizing(_dkpro_1995(1)[category], end=24)
    assert at_one.observed == pytest.approx(observed, abs=1e-5)
    stretch = 1_200_000 / 24
    large = ag.unitizing(_dkpro_1995(stretch)[category], end=int(24 * stretch))
    assert large.expected == pytest.approx(expected, abs=0.005)
    assert large.alpha == pytest.approx(alpha, abs=0.02)


def test_unitizing_alpha_reproduces_dkpro_varying_lengths():
    """At half scale DKPro pins D_e of category C to five decimals: 0.05494, alpha 0.494."""
    result = ag.unitizing(_dkpro_1995(0.5)["C"], end=12)
    assert result.observed == pytest.approx(0.02777, abs=1e-5)
    assert result.expected == pytest.approx(0.05494, abs=1e-5)
    assert result.alpha == pytest.approx(0.494, abs=0.02)


def test_unitizing_alpha_reproduces_dkpro_krippendorff_2004():
    """Krippendorff (2004, p. 254) on [150, 450): c 0.7286, k 1.0, both together 0.8591."""
    c = ag.unitizing(
        {0: [(225, 295), (370, 400)], 1: [(220, 300), (355, 375), (400, 420)]}, begin=150, end=450
    )
    k = ag.unitizing({0: [(180, 240), (300, 350)], 1: [(180, 240), (300, 350)]}, begin=150, end=450)
    assert c.observed == pytest.approx(0.0144, abs=1e-4)
    assert c.expected == pytest.approx(0.0532, abs=1e-4)
    assert c.alpha == pytest.approx(0.7286, abs=1e-4)
    assert k.observed == 0
    assert k.expected == pytest.approx(0.0490, abs=1e-4)
    assert k.alpha == pytest.approx(1.0)
    overall = 1 - (c.observed + k.observed) / (c.expected + k.expected)
    assert overall == pytest.approx(0.8591, abs=5e-4)


def test_unitizing_alpha_pools_texts_by_length():
    same = {"a": [(0, 5)], "b": [(0, 5)]}
    assert ag.unitizing_alpha([(20, same), (40, same)]) == pytest.approx(1.0)
    assert ag.unitizing_alpha([]) is None
    apart = {"a": [(0, 5)], "b": [(10, 15)]}
    assert ag.unitizing_alpha([(20, apart)]) < 0.5


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 90), st.integers(1, 10)).map(lambda t: (t[0], t[0] + t[1])),
        min_size=1,
        max_size=8,
    )
)
def test_identical_unitizing_gives_perfect_agreement(spans):
    result = ag.unitizing({"a": spans, "b": list(spans)}, end=100)
    assert result.observed == 0
    assert result.alpha == pytest.approx(1.0)


# --- scale ----------------------------------------------------------------------------------


def test_alpha_over_100000_units_finishes_well_within_a_second_budget():
    """A guard against super-linear blow-ups (the benchmark measures the real time)."""
    units = [{"a": i % 5, "b": (i * 7) % 5, "c": i % 3} for i in range(100_000)]

    def too_slow(signum, frame):
        raise TimeoutError("alpha over 100,000 units took more than 10 s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(10)
    try:
        for level in ag.LEVELS:
            result = ag.alpha(units, level=level, bootstrap=200)
            assert result.units == 100_000
            assert not math.isnan(result.alpha)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
