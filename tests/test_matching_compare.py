"""The pure half of claim matching: quantities, names, negation and direction decide whether
two claims are the same claim; the similarity score alone never does. No database."""

from __future__ import annotations

import pytest

from annotations.matching import Quantity, compare, features, query_terms


def kinds(a: str, b: str) -> list[str]:
    return [d.kind for d in compare(a, b).differences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prices rose 4,000%", Quantity("percent", "%", 4000)),
        ("prices rose 4000 percent", Quantity("percent", "%", 4000)),
        ("prices rose four thousand per cent", Quantity("percent", "%", 4000)),
        ("The scheme cost £350m", Quantity("money", "GBP", 350e6)),
        ("The scheme cost 350 million pounds", Quantity("money", "GBP", 350e6)),
        ("The scheme cost £0.35bn", Quantity("money", "GBP", 350e6)),
        ("The deal was worth $2.5 billion", Quantity("money", "USD", 2.5e9)),
        ("Rents went up twofold", Quantity("times", "x", 2)),
        ("Rents doubled", Quantity("times", "x", 2)),
        ("Rents rose two-fold", Quantity("times", "x", 2)),
        ("Rents rose 3 times over", Quantity("times", "x", 3)),
        ("A total of twenty-five schools closed", Quantity("count", "", 25)),
        ("Unemployment rose 0.3 percentage points", Quantity("percent", "pt", 0.3)),
        ("Crime fell in 2019", Quantity("year", "", 2019)),
        ("1,200 nurses left", Quantity("count", "", 1200)),
    ],
)
def test_quantities_are_read_in_any_common_notation(text, expected):
    """Digits with separators, words for numbers, currency symbols and words, scale suffixes,
    per cent spellings and multiplicative words all normalise to one quantity."""
    assert features(text).quantities == [expected]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("Prices rose 4,000%", "Prices rose four thousand per cent"),
        ("The council spent £350m on roads", "The council spent 350 million pounds on roads"),
        ("The number of food banks has doubled", "Food banks have increased twofold"),
        ("Unemployment fell to 3.4 percent", "The jobless rate dropped to 3.4%"),
        ("Britain has the highest inflation in the G7", "The UK has the highest inflation in the G7"),
        ("Boris Johnson promised 40 new hospitals", "Johnson pledged 40 new hospitals"),
        ("China overtook the US as the largest exporter", "The US was overtaken by China as the largest exporter"),
    ],
)  # fmt: skip
def test_rewordings_are_the_same_claim(ours, theirs):
    result = compare(ours, theirs)
    assert result.differences == []
    assert result.same, result.score


@pytest.mark.parametrize(
    ("ours", "theirs", "kind"),
    [
        ("Crime in Manchester rose 20%", "Crime in London rose 20%", "entity"),
        ("Crime in Greater Manchester rose 20%", "Crime in Greater London rose 20%", "entity"),
        ("Crime in Manchester rose 20%", "Crime in Manchester rose 25%", "number"),
        ("Crime in Manchester rose 20%", "Crime in Manchester fell 20%", "direction"),
        ("Crime in Manchester rose 20% in 2019", "Crime in Manchester rose 20% in 2020", "number"),
        ("The council spent £350m on roads", "The council spent $350m on roads", "number"),
        ("Rents doubled in a decade", "Rents tripled in a decade", "number"),
        ("Prices rose 40%", "Prices rose 4,000%", "number"),
        ("The minister said the NHS is underfunded", "The minister said the NHS is not underfunded", "negation"),
        ("Vaccines cause autism", "Vaccines do not cause autism", "negation"),
        ("China overtook the US as the largest exporter", "The US overtook China as the largest exporter", "direction"),
        ("Exports increased last year", "Exports decreased last year", "direction"),
        ("There are more nurses than in 2010", "There are fewer nurses than in 2010", "direction"),
    ],
)  # fmt: skip
def test_a_changed_number_name_negation_or_direction_is_never_the_same_claim(ours, theirs, kind):
    """However similar the wording (these score high), one difference makes them related only,
    and the difference is named with both sides."""
    result = compare(ours, theirs)
    assert not result.same
    assert kind in [d.kind for d in result.differences]
    difference = next(d for d in result.differences if d.kind == kind)
    assert difference.ours != difference.theirs


def test_differences_name_both_sides():
    [difference] = compare("Crime in Manchester rose 20%", "Crime in London rose 20%").differences
    assert difference.as_dict() == {"kind": "entity", "ours": "Manchester", "theirs": "London"}
    [difference] = compare("Crime rose 20%", "Crime rose 25%").differences
    assert (difference.ours, difference.theirs) == ("20%", "25%")


def test_leaving_out_a_year_is_a_rewording_not_a_difference():
    assert kinds("Crime in Manchester rose 20% in 2019", "Crime in Manchester rose 20%") == []


def test_bounds_are_not_directions():
    """'more than 100' and 'up to 50' state bounds; they do not say anything rose."""
    assert features("More than 100 people attended").direction == 0
    assert features("Up to 50 jobs are at risk").direction == 0


def test_negating_a_movement_reverses_it():
    assert features("Crime did not fall").direction == 1


def test_unrelated_claims_score_low_and_are_not_the_same():
    result = compare(
        "Crime in Manchester rose 20%", "The Amazon rainforest lost 11,000 square kilometres"
    )
    assert not result.same
    assert result.score < 0.4


def test_sentence_initial_common_words_are_not_names():
    assert features("Unemployment fell to 3.4 percent").entities == {}
    assert features("Inflation rose").entities == {}
    assert set(features("London crime rose").entities) == {"london"}


def test_query_terms_are_plain_words_without_index_syntax():
    """Whatever the text, the index sees only letters and digits: no quotes, operators or
    column filters reach FTS5 or to_tsquery."""
    terms = query_terms('crime" OR quote:* NEAR(a b) | !x & "rose" 20% jobless')
    assert terms
    assert all(t.isalnum() for t in terms)
    assert "unemployment" in terms  # a rewording's word brings its synonym along


def test_features_of_a_huge_text_are_bounded():
    """A pasted essay costs no more than its first 2000 characters."""
    text = "Crime rose 20% in Manchester. " * 50_000
    assert len(features(text).text) == 2000


def test_a_semantic_similarity_moves_the_score_but_never_hides_a_difference():
    """The optional re-ranker's cosine is blended into the score; even a perfect one leaves a
    changed place a different claim."""
    plain = compare("Crime in Manchester rose 20%", "Crime in London rose 20%")
    boosted = compare("Crime in Manchester rose 20%", "Crime in London rose 20%", semantic=1.0)
    assert boosted.score > plain.score
    assert not boosted.same and [d.kind for d in boosted.differences] == ["entity"]
