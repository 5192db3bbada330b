"""Canonical text, sentence splitting, check-worthiness, UTF-16 offsets and quote anchoring.

Pure functions: no database and no Django settings are needed (`-p no:django` works).
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotations import evaluation
from annotations.checkworthiness import article_names
from annotations.text import (
    SUGGEST_THRESHOLD,
    AnchorError,
    SentenceSpan,
    anchor_quote,
    canonical_text,
    checkworthiness,
    codepoint_to_utf16,
    context_around,
    split_sentences,
    text_sha256,
    utf16_to_codepoint,
)

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ROCKET = "🚀"  # one code point, two UTF-16 units
FAMILY = "👩\u200d👩\u200d👧"  # five code points (three astral), eight UTF-16 units


def assert_span_invariants(text: str, spans: list[SentenceSpan]) -> None:
    """Assert spans are ordered, non-overlapping, stripped, non-empty and well scored."""
    previous_end = 0
    for position, span in enumerate(spans):
        assert span.index == position
        assert previous_end <= span.start < span.end <= len(text)
        piece = text[span.start : span.end]
        assert piece == piece.strip()
        assert piece
        assert 0.0 <= span.score <= 1.0
        assert all(isinstance(reason, str) and reason for reason in span.reasons)
        previous_end = span.end


def sentences(text: str) -> list[str]:
    """Return the sentences of `text` as strings, after checking the span invariants."""
    spans = split_sentences(text)
    assert_span_invariants(text, spans)
    return [text[span.start : span.end] for span in spans]


# --- canonical_text ---------------------------------------------------------------------------


class TestCanonicalText:
    def test_crlf_and_lone_cr_become_newlines(self):
        assert canonical_text("One.\r\nTwo.\rThree.") == "One.\nTwo.\nThree."

    def test_trailing_spaces_blank_lines_and_ends_are_tidied(self):
        raw = "  \n Title  \t\nBody line.   \n\n\n\n\nNext  paragraph.\n  \n"
        assert canonical_text(raw) == "Title\nBody line.\n\nNext  paragraph."

    def test_whitespace_only_lines_count_as_blank(self):
        assert canonical_text("a\n \t \n \n\nb") == "a\n\nb"

    def test_text_is_nfc_normalised(self):
        decomposed = "Cafe\u0301 au lait"
        assert canonical_text(decomposed) == "Café au lait"
        assert len(canonical_text(decomposed)) == len(decomposed) - 1

    def test_plain_text_keeps_entities_literally(self):
        assert canonical_text("Fish &amp; chips <b>") == "Fish &amp; chips <b>"

    def test_controls_are_removed_and_no_break_spaces_become_spaces(self):
        assert canonical_text("a\x00b\x07c\u00a0d\te") == "abc d\te"

    def test_unicode_line_and_paragraph_separators_become_newlines(self):
        assert canonical_text("one\u2028two\u2029three") == "one\ntwo\n\nthree"

    def test_html_entities_are_decoded(self):
        html = "<p>Fish &amp; chips cost &pound;5 &ndash; &#8364;6 &#x1F680; &quot;ok&quot;</p>"
        assert canonical_text(html, is_html=True) == 'Fish & chips cost £5 – €6 🚀 "ok"'

    def test_script_style_and_template_contents_are_dropped(self):
        html = (
            "<html><head><title>Tab title</title><style>p { color: red }</style></head><body>"
            "<p>Visible.</p><script>var x = '<p>not text</p>';</script>"
            "<template><p>Hidden.</p></template><noscript>Enable JS</noscript><p>Also visible.</p>"
            "</body></html>"
        )
        assert canonical_text(html, is_html=True) == "Visible.\n\nAlso visible."

    def test_block_elements_become_breaks_and_inline_ones_do_not(self):
        html = (
            "<h1>Headline</h1><div>First <b>bold</b> <i>words</i>.</div>"
            "<ul><li>one</li><li>two</li></ul><blockquote>Quoted.</blockquote>"
            "<p>Line<br>break<br/>again</p><table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr>"
            "</table>"
        )
        assert canonical_text(html, is_html=True) == (
            "Headline\n\nFirst bold words.\n\none\n\ntwo\n\nQuoted.\n\nLine\nbreak\nagain\n\na b\n\nc"
        )

    def test_html_source_whitespace_collapses_but_pre_is_kept(self):
        html = "<p>\n    Indented\n    source   text.\n</p><pre>x = 1\n    y = 2</pre>"
        assert canonical_text(html, is_html=True) == "Indented source text.\n\nx = 1\n    y = 2"

    def test_html_crlf_and_decomposed_marks_are_normalised(self):
        html = "<p>Cafe\u0301\r\nopen</p>\r\n<p>Next</p>"
        assert canonical_text(html, is_html=True) == "Café open\n\nNext"

    @PROPERTY
    @given(st.text())
    def test_canonical_text_is_idempotent_and_tidy(self, raw):
        once = canonical_text(raw)
        assert canonical_text(once) == once
        assert once == once.strip()
        assert "\r" not in once
        assert "\n\n\n" not in once
        assert "\x00" not in once
        assert unicodedata.is_normalized("NFC", once)
        assert all(line == line.rstrip() for line in once.split("\n"))

    @PROPERTY
    @given(
        st.lists(
            st.sampled_from(
                [*"<>/&;#ab p\n\u0301", "<p>", "</p>", "&amp;", "<br>", "<pre>", "<script>"]
            )
        ).map("".join)
    )
    def test_html_mode_never_crashes_and_output_is_stable(self, raw):
        once = canonical_text(raw, is_html=True)
        assert canonical_text(once) == once


def test_text_sha256_hashes_utf8():
    assert text_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert text_sha256("é") != text_sha256("e\u0301")


# --- split_sentences --------------------------------------------------------------------------

SPLIT_CASES = [
    # abbreviations
    ("The U.S. economy grew. Prices fell.", ["The U.S. economy grew.", "Prices fell."]),
    ("The U.K. Treasury agreed. Others did not.", ["The U.K. Treasury agreed.", "Others did not."]),
    ("He moved to the U.S. The move was hard.", ["He moved to the U.S.", "The move was hard."]),
    (
        "Dr. Smith met Mr. Jones and Mrs. Lee. Prof. Ng was late.",
        ["Dr. Smith met Mr. Jones and Mrs. Lee.", "Prof. Ng was late."],
    ),
    (
        "Use a fruit, e.g. Apples or pears. Rates, i.e. Prices, rose.",
        ["Use a fruit, e.g. Apples or pears.", "Rates, i.e. Prices, rose."],
    ),
    ("Bring pens, paper, etc. and ink. Done.", ["Bring pens, paper, etc. and ink.", "Done."]),
    ("Bring pens, paper, etc. Then leave.", ["Bring pens, paper, etc.", "Then leave."]),
    (
        "Apple Inc. said no. Acme Ltd. reported a loss.",
        ["Apple Inc. said no.", "Acme Ltd. reported a loss."],
    ),
    ("He works at Acme Ltd. Shares fell.", ["He works at Acme Ltd.", "Shares fell."]),
    ("On Jan. 5 they met. It rained.", ["On Jan. 5 they met.", "It rained."]),
    (
        "He lives at No. 10 Downing St. London is big.",
        ["He lives at No. 10 Downing St. London is big."],
    ),
    ('He said "No." Then he left.', ['He said "No."', "Then he left."]),
    ("He said No. Then he left.", ["He said No.", "Then he left."]),
    ("It was Smith vs. Jones. Jones won.", ["It was Smith vs. Jones.", "Jones won."]),
    (
        "He lived on Baker St. near the park. Nice.",
        ["He lived on Baker St. near the park.", "Nice."],
    ),
    (
        "J. R. R. Tolkien wrote it. Readers loved it.",
        ["J. R. R. Tolkien wrote it.", "Readers loved it."],
    ),
    ("Malcolm X. He spoke.", ["Malcolm X.", "He spoke."]),
    # decimals, percentages, versions, URLs
    (
        "Inflation hit 3.5% in May. It cost $1.2 billion. We shipped v2.0 today. See example.org now.",
        [
            "Inflation hit 3.5% in May.",
            "It cost $1.2 billion.",
            "We shipped v2.0 today.",
            "See example.org now.",
        ],
    ),
    ("Version 2.0. Next came 3.1.", ["Version 2.0.", "Next came 3.1."]),
    # ellipsis
    (
        "He paused... and went on. Then silence… Nothing.",
        ["He paused... and went on.", "Then silence…", "Nothing."],
    ),
    # quotes, brackets, ?!
    ("(See below.) The table follows.", ["(See below.)", "The table follows."]),
    ('"Stop!" she said. He stopped.', ['"Stop!" she said.', "He stopped."]),
    ("Really?! Yes. Why? Because.", ["Really?!", "Yes.", "Why?", "Because."]),
    ("He asked “Why?” Nobody answered.", ["He asked “Why?”", "Nobody answered."]),
    ('She left. "Why?" he asked.', ["She left.", '"Why?" he asked.']),
    # newlines, paragraphs and lists
    ("Heading without a stop\n\nBody text here", ["Heading without a stop", "Body text here"]),
    ("A line that wraps\nonto the next line.", ["A line that wraps\nonto the next line."]),
    (
        "Shopping:\n- eggs\n- milk\n* bread\n• jam\n1. First\n2) second\nAfter the list.",
        [
            "Shopping:",
            "- eggs",
            "- milk",
            "* bread",
            "• jam",
            "1. First",
            "2) second",
            "After the list.",
        ],
    ),
    # non-Latin scripts
    ("今天天气很好。我们去公园！你呢？好的", ["今天天气很好。", "我们去公园！", "你呢？", "好的"]),
    ("他说：「好。」然后走了。", ["他说：「好。」", "然后走了。"]),
    ("本当ですか？はい！", ["本当ですか？", "はい！"]),
    ("هل هذا صحيح؟ نعم هو صحيح.", ["هل هذا صحيح؟", "نعم هو صحيح."]),
    ("यह सही है। वह गलत है॥ ठीक", ["यह सही है।", "वह गलत है॥", "ठीक"]),
    ("यह सही है।वह गलत है।", ["यह सही है।", "वह गलत है।"]),
    # emoji and combining marks
    (
        f"Launch {ROCKET} done. Family {FAMILY} here.",
        [f"Launch {ROCKET} done.", f"Family {FAMILY} here."],
    ),
    ("Cafe\u0301 opens. Cafe\u0301 closes.", ["Cafe\u0301 opens.", "Cafe\u0301 closes."]),
    ("", []),
    ("   \n\n  ", []),
]


@pytest.mark.parametrize(("text", "expected"), SPLIT_CASES)
def test_split_sentences(text, expected):
    """Split each trap the way a reader would, with spans satisfying the invariants."""
    assert sentences(text) == expected


def test_etc_ends_a_sentence_only_before_a_capital():
    """Treat "etc." as final before a capitalised word and as an abbreviation otherwise."""
    assert sentences("Pens, ink, etc. Paper too.") == ["Pens, ink, etc.", "Paper too."]
    assert sentences("Pens, ink, etc. are sold here.") == ["Pens, ink, etc. are sold here."]
    assert sentences("We sold pens, ink, etc.") == ["We sold pens, ink, etc."]


def test_a_paragraph_break_always_ends_a_sentence():
    assert sentences("Dr.\n\nSmith arrived") == ["Dr.", "Smith arrived"]
    assert sentences("no stop here\n \nnext") == ["no stop here", "next"]


def test_offsets_count_code_points_past_emoji_and_combining_marks():
    """Count an emoji, a ZWJ family and a combining mark as the code points they are."""
    text = f"{ROCKET}{FAMILY} Cafe\u0301 opened. Prices rose 5%. Café closed."
    spans = split_sentences(text)
    assert [(span.start, span.end) for span in spans] == [(0, 20), (21, 36), (37, 49)]
    assert text[spans[1].start : spans[1].end] == "Prices rose 5%."
    assert spans[0].start == 0 and text[spans[0].end - 8 : spans[0].end] == " opened."
    assert text.index("Prices") == spans[1].start


def test_canonical_crlf_text_splits_into_clean_sentences():
    text = canonical_text("First line.\r\nSecond line.\r\n\r\n\r\nNew paragraph")
    assert sentences(text) == ["First line.", "Second line.", "New paragraph"]


def test_split_scores_every_sentence():
    spans = split_sentences("GDP grew 3% in 2023, the ONS said. Is it? Nice.")
    assert spans[0].score >= SUGGEST_THRESHOLD
    assert spans[1].score < SUGGEST_THRESHOLD and spans[2].score < SUGGEST_THRESHOLD
    assert spans[0].reasons == checkworthiness("GDP grew 3% in 2023, the ONS said.")[1]


def test_spans_are_frozen():
    span = split_sentences("One. Two.")[0]
    with pytest.raises(AttributeError):
        span.start = 3  # type: ignore[misc]


def LONG_ARTICLE_POOL_TEXT() -> str:
    pool = [
        "The U.S. economy grew 3.5% in 2023, according to the Treasury.",
        "Dr. Smith said it was the highest rate since 1999!",
        "Is that true?",
        "Prices rose by more than $1.2 billion, e.g. in housing, food, etc. Officials disagreed.",
        'He said "No." Then he left (see below.)',
        "东京的人口增加了5%。",
        f"The launch {ROCKET} went well... Mostly.",
        "- a list item\n- another item\n",
        "\n\n",
    ]
    parts: list[str] = []
    while sum(map(len, parts)) < 50_000:
        parts.append(pool[len(parts) * 7 % len(pool)] + " ")
    return "".join(parts)[:50_000]


def test_a_long_mixed_article_splits_into_valid_spans():
    """A 50,000-character article of every trap at once keeps the span invariants.

    (How fast it splits is measured by benchmarks/text.py, not asserted here.)
    """
    article = canonical_text(LONG_ARTICLE_POOL_TEXT())
    spans = split_sentences(article)
    assert len(spans) > 1000
    assert_span_invariants(article, spans)


SENTENCE_ALPHABET = st.one_of(
    st.sampled_from(
        [*" \n\n\t.!?…\"'()”。！？؟।॥", "U.S.", "Dr.", "etc.", "e.g.", "1. ", "- ", "\r\n"]
    ),
    st.sampled_from([*"aZ1 ", ROCKET, FAMILY, "e\u0301", "\u0301", "\u2029"]),
    st.characters(),
)


@PROPERTY
@given(st.lists(SENTENCE_ALPHABET, max_size=80).map("".join))
def test_split_sentences_keeps_its_invariants_on_tricky_text(text):
    assert_span_invariants(text, split_sentences(text))


@PROPERTY
@given(st.text())
def test_split_sentences_keeps_its_invariants_on_any_text(text):
    spans = split_sentences(text)
    assert_span_invariants(text, spans)
    if text.strip():
        assert spans


# --- checkworthiness --------------------------------------------------------------------------


def test_a_sourced_statistic_scores_high_with_every_reason():
    score, reasons = checkworthiness(
        "GDP grew 3% last year, according to the Office for National Statistics."
    )
    assert score == 1.0
    assert reasons == (
        "a percentage: 3%",
        "a date: last year",
        "a change: grew",
        "attribution: according to",
        "a named organisation: Office for National Statistics",
        "a complete statement",
    )


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Unemployment fell to 4.2 percent.", "a percentage: 4.2 percent"),
        ("Shares rose 80% in a week.", "a percentage: 80%"),
        ("The deal is worth $3 million to the city.", "an amount of money: $3 million"),
        ("It raised 4 billion yuan from investors.", "an amount of money: 4 billion yuan"),
        ("The club sold 60,125 tickets for the match.", "a quantity: 60,125 tickets"),
        ("Crime is higher than ever before in the region.", "a comparison: higher"),
        ("There are fewer than ten nurses on duty.", "a comparison: fewer than"),
        ("It was the highest turnout in the region.", "a comparison: highest"),
        ("Wages are low compared with other places.", "a comparison: compared with"),
        ("Sales surged over the summer months.", "a change: surged"),
        ("Samsung overtook Apple in the first quarter.", "a change: overtook"),
        ("The rules blocked the sale of the chips.", "a change: blocked"),
        ("The company reportedly cut its staff.", "attribution: reportedly"),
        ("Analysts estimated the cost was large.", "attribution: estimated"),
        ("The report was praised by Angela Merkel in Berlin.", "a name: Angela Merkel"),
        (
            "The plan was approved by the European Commission.",
            "a named organisation: European Commission",
        ),
        ("It was signed by Prof. Lena Šimková in Prague.", "a named person: Lena Šimková"),
        ("Rules were changed by the WHO for everyone.", "a named organisation: WHO"),
        ("The factory opened outside Leeds after a delay.", "a named place: Leeds"),
        ("The rule was changed in 2019 by the board.", "a date: 2019"),
        ("The vote happened on March 3 at the hall.", "a date: March 3"),
    ],
)
def test_each_signal_names_its_reason(sentence, reason):
    assert reason in checkworthiness(sentence)[1]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (
            "Sign up for our technology newsletter",
            "page furniture: Sign up for our technology newsletter",
        ),
        ("5 min read", "page furniture: 5 min read"),
        ("Comments (12)", "page furniture: Comments (12)"),
        ("Loading...", "page furniture: Loading..."),
        ("By Li Wen, Business Reporter", "page furniture: By Li Wen, Business Reporter"),
        (
            "Chipmaker Cambricon unveils new AI processor as shares swing",
            "a heading: no final punctuation",
        ),
        ("Did GDP grow 3% in 2023, as the ONS said?", "a question"),
        ("Book an appointment with your GP if you are unsure.", "an imperative: Book"),
        (
            "Investors should keep an eye on the next earnings release.",
            "opinion without a checkable fact: should",
        ),
        ("I think the plan is a good one.", "opinion without a checkable fact: i think"),
        ("You can always ask a pharmacist for help.", "advice: you"),
    ],
)
def test_penalties_name_their_reason_and_keep_the_score_below_the_threshold(sentence, reason):
    score, reasons = checkworthiness(sentence)
    assert reason in reasons
    assert score < SUGGEST_THRESHOLD


def test_a_year_alone_is_a_date_not_a_number():
    reasons = checkworthiness("The bridge opened in 1999 after years of work.")[1]
    assert "a date: 1999" in reasons
    assert not any(reason.startswith("a number") for reason in reasons)


def test_units_and_dotted_abbreviations_are_not_names():
    reasons = checkworthiness("It reached 40°C, critics at the U.S.-based Brightline Inc. said.")[1]
    assert not any(reason in reasons for reason in ("a name: C", "a name: U"))
    assert "a name: Brightline Inc" in reasons or "a named organisation: Brightline Inc" in reasons


def test_a_sentence_initial_capital_is_a_name_only_when_the_article_says_so():
    assert not any("name" in r for r in checkworthiness("Nobody came to the meeting at all.")[1])
    assert not any("name" in r for r in checkworthiness("But I said it was fine.")[1])
    assert not any("name" in r for r in checkworthiness("Economists are divided on it.")[1])
    # Followed by a verb, or recurring capitalised in the article: a name.
    assert "a name: Ryanair" in checkworthiness("Ryanair said fares would be lower.")[1]
    assert (
        "a name: Cambricon"
        in checkworthiness("Cambricon makes chips for servers.", frozenset({"Cambricon"}))[1]
    )


def test_article_names_are_recurring_capitalised_words_never_written_in_lower_case():
    text = "Cambricon makes chips. Shares in Cambricon rose. The shares of Nvidia fell."
    assert article_names(text) == frozenset({"Cambricon"})


def test_very_short_sentences_score_low():
    assert checkworthiness("Yes.") == (0.0, ("too short to check",))
    assert checkworthiness("Prices doubled.")[0] < SUGGEST_THRESHOLD


def test_plain_prose_scores_low():
    assert checkworthiness("the cat sat on the mat and purred quietly")[0] == 0.0


def test_threshold_separates_claims_from_colour():
    assert checkworthiness("The European Union announced the plan in 2023.")[0] >= SUGGEST_THRESHOLD
    assert checkworthiness("It was a lovely sunny afternoon by the river.")[0] < SUGGEST_THRESHOLD


@PROPERTY
@given(st.text())
def test_scores_stay_in_range(sentence):
    score, reasons = checkworthiness(sentence)
    assert 0.0 <= score <= 1.0
    assert isinstance(reasons, tuple)


# --- UTF-16 offsets ---------------------------------------------------------------------------


class TestUtf16Offsets:
    TEXT = f"a{ROCKET}b{FAMILY}é"  # code points: a 🚀 b 👩 ZWJ 👩 ZWJ 👧 é

    def test_astral_characters_take_two_units(self):
        expected = [0, 1, 3, 4, 6, 7, 9, 10, 12, 13]
        assert [codepoint_to_utf16(self.TEXT, i) for i in range(len(self.TEXT) + 1)] == expected
        assert [utf16_to_codepoint(self.TEXT, unit) for unit in expected] == list(
            range(len(self.TEXT) + 1)
        )

    def test_ascii_and_bmp_offsets_are_unchanged(self):
        text = "Café 东京 and e\u0301"
        assert utf16_to_codepoint(text, 7) == 7
        assert codepoint_to_utf16(text, len(text)) == len(text)

    def test_an_offset_inside_a_surrogate_pair_is_rejected(self):
        with pytest.raises(ValueError, match=r"UTF-16 offset 2 falls inside a surrogate pair"):
            utf16_to_codepoint(self.TEXT, 2)
        with pytest.raises(ValueError, match=r"inside a surrogate pair .*'👩' at code point 3"):
            utf16_to_codepoint(self.TEXT, 5)

    @pytest.mark.parametrize("offset", [-1, 14, 1000])
    def test_out_of_range_utf16_offsets_are_rejected(self, offset):
        with pytest.raises(
            ValueError, match=rf"UTF-16 offset {offset} is outside the text \(0\.\.13\)"
        ):
            utf16_to_codepoint(self.TEXT, offset)

    def test_out_of_range_on_plain_text_says_so_too(self):
        with pytest.raises(ValueError, match=r"UTF-16 offset 4 is outside the text \(0\.\.3\)"):
            utf16_to_codepoint("abc", 4)

    @pytest.mark.parametrize("offset", [-1, 10])
    def test_out_of_range_code_points_are_rejected(self, offset):
        with pytest.raises(
            ValueError, match=rf"code-point offset {offset} is outside the text \(0\.\.9\)"
        ):
            codepoint_to_utf16(self.TEXT, offset)

    @PROPERTY
    @given(st.text())
    def test_round_trip_for_every_code_point(self, text):
        for index in range(len(text) + 1):
            assert utf16_to_codepoint(text, codepoint_to_utf16(text, index)) == index

    @PROPERTY
    @given(st.text())
    def test_text_length_in_units_matches_utf16_encoding(self, text):
        assert codepoint_to_utf16(text, len(text)) == len(text.encode("utf-16-le")) // 2


# --- anchor_quote and context_around ----------------------------------------------------------

ARTICLE = "Officials said bus use fell 15%. Critics said bus use fell less. The mayor said nothing."


class TestAnchorQuote:
    def test_a_unique_quote_needs_no_context(self):
        start, end = anchor_quote(ARTICLE, "bus use fell 15%")
        assert ARTICLE[start:end] == "bus use fell 15%"
        assert start == ARTICLE.index("bus use fell 15%")

    def test_an_ambiguous_quote_asks_for_context(self):
        with pytest.raises(
            AnchorError, match=r"^quote occurs 3 times; add a prefix or suffix to pick one$"
        ):
            anchor_quote(ARTICLE, "said")

    def test_a_prefix_picks_one_occurrence(self):
        start, _ = anchor_quote(ARTICLE, "said", prefix="Critics ")
        assert start == ARTICLE.index("Critics said") + len("Critics ")

    def test_a_suffix_picks_one_occurrence(self):
        start, end = anchor_quote(ARTICLE, "said", suffix=" nothing")
        assert (start, end) == (ARTICLE.rindex("said"), ARTICLE.rindex("said") + 4)

    def test_a_short_prefix_of_the_nearest_characters_is_enough(self):
        start, _ = anchor_quote(ARTICLE, "bus use fell", prefix="id ", suffix=" l")
        assert start == ARTICLE.index("bus use fell less")

    def test_a_missing_quote_is_reported(self):
        with pytest.raises(AnchorError, match=r"^quote not found in the text$"):
            anchor_quote(ARTICLE, "trams")

    def test_an_empty_quote_is_reported(self):
        with pytest.raises(AnchorError, match=r"^empty quote"):
            anchor_quote(ARTICLE, "")

    def test_a_prefix_that_fits_nowhere_is_reported(self):
        with pytest.raises(
            AnchorError, match=r"^quote occurs 3 times but never with the given prefix$"
        ):
            anchor_quote(ARTICLE, "said", prefix="Nobody ")

    def test_a_unique_quote_with_a_wrong_suffix_is_reported(self):
        with pytest.raises(
            AnchorError, match=r"^quote occurs once but never with the given prefix and suffix$"
        ):
            anchor_quote(ARTICLE, "bus use fell 15%", prefix="x", suffix="y")

    def test_context_that_still_fits_twice_is_reported(self):
        with pytest.raises(
            AnchorError, match=r"still fit 2 of them; lengthen the prefix or suffix"
        ):
            anchor_quote(ARTICLE, "said", suffix=" bus")

    def test_overlapping_occurrences_count(self):
        with pytest.raises(AnchorError, match="occurs 2 times"):
            anchor_quote("aaa", "aa")
        assert anchor_quote("aaa", "aa", prefix="a") == (1, 3)

    def test_quotes_count_code_points_after_emoji(self):
        text = f"{FAMILY} {ROCKET} Prices rose."
        assert anchor_quote(text, "Prices") == (8, 14)

    def test_an_anchor_error_is_a_value_error(self):
        assert issubclass(AnchorError, ValueError)


class TestContextAround:
    def test_context_is_clipped_to_the_text(self):
        assert context_around("abcdefghij", 3, 5, width=2) == ("bc", "fg")
        assert context_around("abcdefghij", 0, 10) == ("", "")
        assert context_around(ARTICLE, 0, 9) == ("", ARTICLE[9:41])

    def test_bad_spans_and_widths_are_rejected(self):
        with pytest.raises(ValueError, match=r"span 5\.\.3 is outside the text \(0\.\.10\)"):
            context_around("abcdefghij", 5, 3)
        with pytest.raises(ValueError, match="context width must not be negative"):
            context_around("abcdefghij", 1, 3, width=-1)


@st.composite
def text_and_slice(draw, alphabet=None):
    text = draw(st.text(alphabet=alphabet, min_size=1) if alphabet else st.text(min_size=1))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


@PROPERTY
@given(st.one_of(text_and_slice(), text_and_slice(alphabet="ab "), text_and_slice(alphabet="a")))
def test_anchoring_a_unique_quote_returns_its_slice(case):
    text, start, end = case
    quote = text[start:end]
    assume(text.find(quote, text.find(quote) + 1) == -1)  # unique, counting overlaps
    assert anchor_quote(text, quote) == (start, end)


@PROPERTY
@given(st.one_of(text_and_slice(), text_and_slice(alphabet="ab "), text_and_slice(alphabet="a")))
def test_anchoring_with_context_finds_the_slice_or_says_it_is_ambiguous(case):
    text, start, end = case
    quote = text[start:end]
    prefix, suffix = context_around(text, start, end)
    try:
        assert anchor_quote(text, quote, prefix, suffix) == (start, end)
    except AnchorError as error:
        assert "still fit" in str(error)
        others = [
            i
            for i in range(len(text))
            if i != start
            and text.startswith(quote, i)
            and text.endswith(prefix, 0, i)
            and text.startswith(suffix, i + len(quote))
        ]
        assert others, "only genuinely ambiguous context may be refused"
    # Context as wide as the text always pins the slice down.
    prefix, suffix = context_around(text, start, end, width=len(text))
    assert anchor_quote(text, quote, prefix, suffix) == (start, end)


# --- the check-worthiness evaluation set ------------------------------------------------------

EVALUATION_SET = evaluation.load_set()


def test_the_evaluation_set_is_large_and_varied():
    assert len(EVALUATION_SET) >= 15
    assert sum(len(article.sentences) for article in EVALUATION_SET) >= 400
    kinds = {article.kind for article in EVALUATION_SET}
    assert {"politics", "economy", "health", "science", "technology", "sport"} <= kinds


@pytest.mark.parametrize(
    "article",
    EVALUATION_SET + evaluation.load_set(evaluation.HELD_OUT_DIR),
    ids=lambda article: article.name,
)
def test_every_article_of_the_evaluation_set_splits_into_its_labelled_sentences(article):
    """Headings, bylines, "U.S.", "Dr.", decimals and quotes split where the labels say."""
    assert sentences(article.text) == list(article.sentences)
