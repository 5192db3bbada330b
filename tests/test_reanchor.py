"""Re-anchoring (annotations/reanchor.py), without a database: unchanged quotes are found
exactly wherever the edit moved them, repeats are told apart by their context, edited quotes are
found approximately and flagged, and a quote that is gone is orphaned, never put elsewhere."""

from __future__ import annotations

import random
import threading

from annotations.reanchor import EXACT, FUZZY, ORPHANED, Span, reanchor

OLD = (
    "The council met on Tuesday. Unemployment fell to 4.1% in March, officials said.\n"
    "Critics said the numbers were misleading. The budget doubled to 40 million euros.\n"
    "Critics said the numbers were misleading. Nobody has checked the 🚀 launch in 東京 yet."
)


def span(text: str, quote: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    end = start + len(quote)
    return Span(start, end, quote, text[max(0, start - 32) : start], text[end : end + 32])


def found(result, new: str) -> str:
    return new[result.start : result.end]


def test_an_unchanged_text_keeps_every_span():
    claim = span(OLD, "Unemployment fell to 4.1% in March")
    [result] = reanchor(OLD, OLD, [claim])
    assert (result.outcome, result.start, result.end) == (EXACT, claim.start, claim.end)


def test_an_insertion_before_a_quote_shifts_it_exactly():
    new = "Breaking: " + OLD.replace("met on", "met late on")
    claim = span(OLD, "Unemployment fell to 4.1% in March")
    [result] = reanchor(OLD, new, [claim])
    assert result.outcome == EXACT and result.method == "diff"
    assert found(result, new) == claim.quote


def test_offsets_are_code_points_after_emoji_and_cjk():
    new = OLD.replace("Tuesday", "🚀 Tuesday 東京")
    claim = span(OLD, "launch in 東京")
    [result] = reanchor(OLD, new, [claim])
    assert result.outcome == EXACT
    assert new[result.start : result.end] == "launch in 東京"
    assert result.start == new.index("launch in 東京")


def test_the_second_of_two_repeats_stays_the_second():
    claim = span(OLD, "Critics said the numbers were misleading.", occurrence=1)
    new = OLD.replace("The budget doubled", "Separately, the budget doubled")
    [result] = reanchor(OLD, new, [claim])
    assert result.outcome == EXACT
    assert result.start == new.index("Critics said the numbers were misleading.", 100)


def test_a_moved_paragraph_carries_its_quote():
    lines = OLD.split("\n")
    new = "\n".join([lines[2], lines[0], lines[1]])
    claim = span(OLD, "Unemployment fell to 4.1% in March")
    [result] = reanchor(OLD, new, [claim])
    assert result.outcome == EXACT
    assert found(result, new) == claim.quote


def test_an_edited_quote_is_found_approximately_and_flagged():
    claim = span(OLD, "Unemployment fell to 4.1% in March, officials said.")
    new = OLD.replace("fell to 4.1% in March", "fell to 4.2% in March")
    [result] = reanchor(OLD, new, [claim])
    assert result.outcome == FUZZY
    assert found(result, new) == "Unemployment fell to 4.2% in March, officials said."
    assert 0.72 <= result.score < 1


def test_an_edited_copy_is_not_moved_onto_an_intact_repeat():
    """The first "Critics said..." is edited; the second, identical before, must not capture
    the claim on the first."""
    claim = span(OLD, "Critics said the numbers were misleading.", occurrence=0)
    new = OLD.replace(
        "Critics said the numbers were misleading. The budget",
        "Critics said the numbers were plainly misleading. The budget",
    )
    [result] = reanchor(OLD, new, [claim])
    second = new.index("Critics said the numbers were misleading.")
    assert result.start != second
    assert result.outcome == FUZZY
    assert found(result, new) == "Critics said the numbers were plainly misleading."


def test_a_deleted_quote_is_orphaned():
    claim = span(OLD, "The budget doubled to 40 million euros.")
    new = OLD.replace("The budget doubled to 40 million euros.", "")
    [result] = reanchor(OLD, new, [claim])
    assert result.outcome == ORPHANED
    assert result.start is None and result.end is None


def test_a_rewritten_quote_is_orphaned_not_guessed():
    claim = span(OLD, "The budget doubled to 40 million euros.")
    new = OLD.replace(
        "The budget doubled to 40 million euros.", "Spending plans were shelved until autumn."
    )
    [result] = reanchor(OLD, new, [claim])
    assert result.outcome == ORPHANED


def test_every_claim_gets_an_outcome_in_order():
    claims = [
        span(OLD, "The council met on Tuesday."),
        span(OLD, "The budget doubled to 40 million euros."),
        span(OLD, "Nobody has checked"),
    ]
    new = OLD.replace("The budget doubled to 40 million euros.", "")
    results = reanchor(OLD, new, claims)
    assert [r.outcome for r in results] == [EXACT, ORPHANED, EXACT]


def test_a_large_heavily_edited_article_finishes_quickly():
    """Guard against super-linear blow-ups: a 100,000-character article with 200 scattered
    edits and 200 claims must finish well inside 20 seconds (it takes well under one)."""
    rng = random.Random(7)
    words = [
        "council",
        "budget",
        "minister",
        "percent",
        "rose",
        "fell",
        "million",
        "city",
        "said",
        "data",
        "year",
    ]
    old = " ".join(rng.choice(words) for _ in range(17_000))[:100_000]
    claims = []
    for _ in range(200):
        start = rng.randrange(0, len(old) - 100)
        quote = old[start : start + rng.randint(20, 90)].strip()
        start = old.index(quote, start)
        claims.append(Span(start, start + len(quote), quote, old[max(0, start - 32) : start]))
    chars = list(old)
    for _ in range(200):
        pos = rng.randrange(len(chars))
        chars[pos : pos + rng.randint(0, 10)] = list(rng.choice(words))
    new = "".join(chars)
    results: list = []
    worker = threading.Thread(target=lambda: results.append(reanchor(old, new, claims)))
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "re-anchoring took more than 20 s"
    assert len(results[0]) == 200
