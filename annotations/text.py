"""Text handling for articles: the canonical text, sentences (scored by the rules in
`checkworthiness`), UTF-16 and code-point offsets, and anchoring quotes. Every offset here is a
code-point offset into the canonical text; UTF-16 offsets (what browsers count) are converted
at the edge with `utf16_to_codepoint` / `codepoint_to_utf16`. Pure Python with no Django import, so it needs no
settings; anything that reads or writes the database belongs in `services`, not here.

Sentence splitting is hand-written rules rather than a library: pysbd (last release 2021, needs a
language code) took 2.1-3.3 s on a 50,000-character article and left Arabic and Devanagari
sentences joined; sentencex (maintained, ~1 ms) returns strings without offsets, merged list
items and missed the break after "(See below.)". These rules pass our tests; splitting and
scoring a dense 50,000-character article (1,750 sentences) took about 40 ms on the 2-core dev
machine with the old scorer, and about 1.6 times as long with the check-worthiness signals.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from . import checkworthiness as _cw
from . import htmlparse

__all__ = [
    "SUGGEST_THRESHOLD",
    "AnchorError",
    "SentenceSpan",
    "anchor_quote",
    "canonical_text",
    "checkworthiness",
    "codepoint_to_utf16",
    "context_around",
    "split_sentences",
    "text_sha256",
    "utf16_to_codepoint",
]

#: Default score at or above which a sentence is suggested (each project sets its own).
SUGGEST_THRESHOLD = _cw.SUGGEST_THRESHOLD


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """One sentence: `text[start:end]` (code points, end exclusive) with its score and reasons."""

    index: int
    start: int
    end: int
    score: float
    reasons: tuple[str, ...]


class AnchorError(ValueError):
    """A quote that cannot be anchored to exactly one place; the message says why."""


# --- Canonical text ---------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot",
        "thead", "tr", "ul",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_DROPPED_TAGS = frozenset({"script", "style", "template", "noscript", "title", "iframe", "object"})
_PREFORMATTED_TAGS = frozenset({"pre", "textarea"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


class _TextExtractor:
    """Collect the visible text of an HTML document, with block elements as line breaks.

    Driven by `_visible_text` from the events of a parsed tree (entities already decoded)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._last = "\n"  # the last character written; "\n" at the start drops leading spaces
        self._dropped = 0
        self._preformatted = 0

    def text(self) -> str:
        """Return the text collected so far."""
        return "".join(self._parts)

    def _write(self, chunk: str) -> None:
        if chunk:
            self._parts.append(chunk)
            self._last = chunk[-1]

    def _break(self, newlines: str) -> None:
        if not self._dropped:
            self._write(newlines)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped += 1
        elif tag == "br":
            self._break("\n")
        elif tag in _BLOCK_TAGS:
            self._break("\n\n")
        elif tag in _CELL_TAGS and not self._dropped and not self._last.isspace():
            self._write(" ")
        if tag in _PREFORMATTED_TAGS:
            self._preformatted += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped = max(0, self._dropped - 1)
        elif tag == "br":  # browsers treat a stray </br> as <br>
            self._break("\n")
        elif tag in _BLOCK_TAGS:
            self._break("\n\n")
        if tag in _PREFORMATTED_TAGS:
            self._preformatted = max(0, self._preformatted - 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<br/>" and "<p/>" are a single break, not an opening and a closing one.
        if tag in _DROPPED_TAGS or tag in _PREFORMATTED_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._dropped:
            return
        if self._preformatted:
            self._write(data)
            return
        collapsed = _HTML_SPACE.sub(" ", data)
        if self._last.isspace():
            collapsed = collapsed.lstrip(" ")
        self._write(collapsed)


# Line and paragraph separators become newlines; other C0/C1 controls are removed (PostgreSQL
# cannot store NUL, and the rest are invisible in the annotation view).
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n", "\xa0": " "})
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+(?=\n|\Z)")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def canonical_text(raw: str, *, is_html: bool = False) -> str:
    r"""Return the canonical text of an article: the text every offset in the project counts in.

    HTML is reduced to its visible text (entities decoded, script/style contents dropped, block
    elements and `<br>` as paragraph and line breaks, runs of spaces collapsed). Plain text is
    taken literally, so "&amp;" stays "&amp;". Then, for both: `\r\n` and `\r` become `\n`,
    U+2028/U+2029 become line/paragraph breaks, no-break spaces become spaces, control
    characters other than tab and newline are removed, the text is NFC-normalised, lines lose
    trailing whitespace, three or more newlines become two, and the ends are stripped. The
    function is idempotent. HTML is parsed by `htmlparse` in linear time; past its depth or
    element cap this raises `htmlparse.HtmlTooComplex` (a ValueError).
    """
    if is_html:
        raw = _visible_text(raw)
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    text = unicodedata.normalize("NFC", _CONTROLS.sub("", text))
    text = _TRAILING_SPACE.sub("", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def _visible_text(markup: str) -> str:
    """Return the visible text of HTML, walking the parsed tree once."""
    root = htmlparse.parse_html(markup)
    if root is None:
        return ""
    extractor = _TextExtractor()
    for event, element, walker in htmlparse.walk(root):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _DROPPED_TAGS:
                walker.skip_subtree()
                continue
            extractor.handle_starttag(tag, [])
            if element.text:
                extractor.handle_data(element.text)
        else:
            # A parsed <br> has an end event a browser would not act on; "</br>" became a <br>.
            if tag not in _DROPPED_TAGS and tag != "br":
                extractor.handle_endtag(tag)
            if element.tail and element is not root:
                extractor.handle_data(element.tail)
    return extractor.text()


def text_sha256(text: str) -> str:
    """Return the hex SHA-256 of `text` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Sentences --------------------------------------------------------------------------------

# A paragraph break (a blank line, possibly holding spaces) always ends a sentence.
_PARAGRAPH_BREAK = re.compile(r"(?:\r\n?|\n)[^\S\r\n]*(?:\r\n?|\n)\s*|\u2029\s*")
_LINE_BREAK = re.compile(r"\r\n?|\n|\u2028|\x85")
# "- item", "* item", "• item", "1. item", "2) item", "(3) item", "a) item", "# Heading".
_LIST_ITEM = re.compile(
    r"[^\S\r\n]*(?:[-*+•‣◦▪–—]|\d{1,3}[.)]|\(\d{1,3}\)|[a-z]\)|\#{1,6})[^\S\r\n]+\S"
)
# Terminal punctuation, then closing quotes and brackets that still belong to the sentence.
_TERMINATOR = re.compile(r"[.!?…‼⁇⁈⁉؟۔。！？｡．।॥]+")
_CLOSERS = "\"'”’»›)]}」』）】〕〉》〗〙〛］｝"
# CJK, fullwidth and Indic terminators end a sentence even when no space follows them.
_STRONG = frozenset("。！？｡．।॥")
_QUESTION_OR_EXCLAMATION = frozenset("!?‼⁇⁈⁉؟")
_OPENERS = "\"'“‘([{«‹¿¡"
_NEXT_WORD = re.compile(r"\s*[\"'“‘(\[{«‹¿¡]*(\w*)")
_DOTTED_ABBREVIATION = re.compile(r"(?:[A-Za-z]{1,3}\.)+[A-Za-z]{1,3}")
_MAX_TOKEN = 40


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Titles and other abbreviations followed by what they abbreviate: never final. Most are also
# ordinary words ("Gen", "Art", "Mar"), so they count only when capitalised.
_TITLES = _word_set("""
    mr mrs ms mx dr prof st mt ft gen col maj capt cpt lt sgt cmdr adm sen rep gov pres supt
    rev hon fr messrs mme mlle dept art
    jan feb mar apr jun jul aug sep sept oct nov dec
    """)
_LOWERCASE_ABBREVIATIONS = _word_set("vs v cf viz approx ca pp e.g i.e fig figs vol vols ch sec")
# Abbreviations that often end a sentence: final when the next word is capitalised.
_OFTEN_FINAL = _word_set("etc inc ltd co corp llc plc jr sr al bros esq")
# Capitalised words that start sentences far more often than they follow "U.S." or an initial.
_SENTENCE_STARTERS = _word_set("""
    a after all also an and as at before but by during for from he her his however i if in it
    its many meanwhile most my no one our she since so some still that the their then there
    these they this those to we what when where which while who why yet you
    """)


#: Most sentences an article is split into. Past it (only text that is mostly terminators or
#: line breaks, or a book-length article), pieces shorter than len(text) // MAX_SENTENCES + 1
#: code points are merged with the next, so pages and the API stay fast whatever the text.
MAX_SENTENCES = 5_000


def split_sentences(text: str) -> list[SentenceSpan]:
    """Return the sentences of `text` in order, each scored by the rules (`checkworthiness`).

    Spans are code-point offsets, ordered and non-overlapping; `text[start:end]` is non-empty
    and carries no surrounding whitespace. A paragraph break always ends a sentence, and so does
    a line break before or after a list item. Within a line, a sentence ends at ``.!?…`` (and
    Arabic ``؟``) followed by whitespace, after any closing quotes or brackets, unless the word
    before is an abbreviation or an initial ("Dr.", "U.S.", "J. R. R.", "e.g.") or the next word
    is lower-case; "etc.", "Inc." and "Ltd." end a sentence only before a capital letter. CJK
    and fullwidth ``。！？`` and Devanagari ``।`` and ``॥`` end a sentence with no space after.

    At most `MAX_SENTENCES` come back: when the text could hold more (counting terminators and
    line breaks), a sentence must be at least len(text) // MAX_SENTENCES + 1 code points long,
    shorter pieces join the next one, and a terminator is examined at most once per that many
    code points. Time is linear in the text.
    """
    min_length = 0
    if len(text) > MAX_SENTENCES and _possible_breaks(text) > MAX_SENTENCES:
        min_length = len(text) // MAX_SENTENCES + 1
    pieces: list[tuple[int, int]] = []
    for start, end in _sentence_bounds(text, min_length):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        if pieces and pieces[-1][1] - pieces[-1][0] < min_length:
            pieces[-1] = (pieces[-1][0], end)  # too short: the next piece joins it
        else:
            pieces.append((start, end))
    spans: list[SentenceSpan] = []
    names = _cw.article_names(text)
    for start, end in pieces:
        score, reasons = checkworthiness(text[start:end], names)
        spans.append(SentenceSpan(len(spans), start, end, score, reasons))
    return spans


def _possible_breaks(text: str) -> int:
    """Return an upper bound on the places a sentence could end (C-speed counting)."""
    return sum(1 for _ in _TERMINATOR.finditer(text)) + text.count("\n") + text.count("\u2029")


def _sentence_bounds(text: str, min_length: int = 0) -> list[tuple[int, int]]:
    """Return raw (start, end) pieces covering `text`; whitespace is stripped by the caller.

    With `min_length`, a terminator closer than that to the sentence's start, or to the last
    terminator examined, is not looked at: the work is bounded by len(text) / min_length."""
    bounds: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text, min_length):
        begin = block_start
        match = _TERMINATOR.search(text, block_start + min_length, block_end)
        while match is not None:
            cut = _boundary_after(text, match.start(), match.end(), block_start, block_end)
            if cut is not None:
                bounds.append((begin, cut))
                begin = cut
                resume = max(cut + min_length, match.end())
            else:
                resume = max(match.start() + min_length, match.end())
            match = _TERMINATOR.search(text, resume, block_end) if resume < block_end else None
        bounds.append((begin, block_end))
    return bounds


def _blocks(text: str, min_length: int = 0) -> list[tuple[int, int]]:
    """Return the paragraphs of `text`, with list items and the lines around them split off.

    With `min_length`, a break closer than that to the previous one is not looked at."""
    blocks: list[tuple[int, int]] = []
    begin = 0
    para = _PARAGRAPH_BREAK.search(text, min_length)
    while para is not None:
        blocks.extend(_list_lines(text, begin, para.start(), min_length))
        begin = para.end()
        para = _PARAGRAPH_BREAK.search(text, begin + min_length)
    blocks.extend(_list_lines(text, begin, len(text), min_length))
    return blocks


def _list_lines(text: str, start: int, end: int, min_length: int = 0) -> list[tuple[int, int]]:
    """Split one paragraph at line breaks that start or end a list item."""
    pieces: list[tuple[int, int]] = []
    begin = start
    line_is_item = bool(_LIST_ITEM.match(text, start, end))
    match = _LINE_BREAK.search(text, start, end)
    while match is not None:
        next_is_item = bool(_LIST_ITEM.match(text, match.end(), end))
        if line_is_item or next_is_item:
            pieces.append((begin, match.start()))
            begin = match.end()
        line_is_item = next_is_item
        resume = max(match.end(), match.start() + min_length)
        match = _LINE_BREAK.search(text, resume, end) if resume < end else None
    pieces.append((begin, end))
    return pieces


def _boundary_after(
    text: str, start: int, end: int, block_start: int, block_end: int
) -> int | None:
    """Return where the sentence ends if the terminator at text[start:end] ends it, else None."""
    cluster = text[start:end]
    after = end
    while after < block_end and text[after] in _CLOSERS:
        after += 1
    if any(char in _STRONG for char in cluster):
        # Keep combining marks and joiners with the character they modify.
        while after < block_end and (
            unicodedata.category(text[after]).startswith("M") or text[after] in "\u200d\ufe0e\ufe0f"
        ):
            after += 1
        return after
    if after == block_end:
        return after
    if not text[after].isspace():
        return None  # "3.5", "v2.0", "example.org", "U.S.-led"
    has_closers = after > end
    next_word = _NEXT_WORD.match(text, after, block_end)
    word = next_word.group(1) if next_word else ""
    first = word[:1]
    if any(char in _QUESTION_OR_EXCLAMATION for char in cluster):
        # '"Stop!" she said' goes on; 'Why? Because' ends.
        return None if has_closers and first.islower() else after
    if "…" in cluster or len(cluster) > 1:
        # An ellipsis ends a sentence only when a capitalised (or uncased) word follows.
        return after if first.isalpha() and not first.islower() else None
    if first.islower():
        return None  # an abbreviation we do not know, or a sentence that goes on
    if has_closers:
        return after  # 'He said "No." Then', '(See below.) Next'
    token = _token_before(text, start, block_start)
    if token is None or not _is_abbreviation(text, token, word):
        return after
    return None


def _token_before(text: str, dot: int, block_start: int) -> tuple[int, str] | None:
    """Return (start, word) for the word ending at `dot`, without opening punctuation."""
    begin = dot
    while begin > block_start and not text[begin - 1].isspace():
        begin -= 1
        if dot - begin > _MAX_TOKEN:
            return None
    while begin < dot and text[begin] in _OPENERS:
        begin += 1
    return begin, text[begin:dot]


def _is_abbreviation(text: str, token: tuple[int, str], next_word: str) -> bool:
    """Return whether the '.' after `token` closes an abbreviation rather than the sentence."""
    begin, word = token
    if not word:
        return False
    lower = word.lower()
    next_starts_sentence = next_word.lower() in _SENTENCE_STARTERS
    if (word.isdigit() and len(word) <= 3) or (len(word) == 1 and word.isalpha()):
        # A list number ("1. First") or letter at the start of a line.
        line_start = begin
        while line_start > 0 and text[line_start - 1] in " \t":
            line_start -= 1
        if line_start == 0 or text[line_start - 1] in "\n\r\u2028\x85":
            return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return not next_starts_sentence  # "J. R. R. Tolkien", but "Malcolm X. He"
    if lower == "no":
        return next_word[:1].isdigit()  # "No. 10", but 'He said No. Then'
    if lower in _LOWERCASE_ABBREVIATIONS or (lower in _TITLES and word[0].isupper()):
        return True
    if lower in _OFTEN_FINAL:
        return not next_word[:1].isupper()
    if _DOTTED_ABBREVIATION.fullmatch(word):
        return not next_starts_sentence  # "U.S. Senate", but "in the U.S. The"
    return False


# --- Check-worthiness -------------------------------------------------------------------------


def checkworthiness(
    sentence: str, names: frozenset[str] = frozenset()
) -> tuple[float, tuple[str, ...]]:
    """Return the rules' check-worthiness of `sentence`, in [0, 1], and the readable reasons.

    The signals and their weights live in `annotations.checkworthiness`; `names` are the
    article's recurring names (`checkworthiness.article_names`)."""
    found = _cw.signals(sentence, names)
    return _cw.rule_score(found), tuple(signal.reason for signal in found)


# --- Offsets ----------------------------------------------------------------------------------


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Return the code-point offset into `text` for a UTF-16 code-unit `offset`.

    Raise ValueError if the offset is outside the text or splits a surrogate pair (the two
    halves of one astral character such as an emoji).
    """
    if text.isascii() or max(text) <= "\uffff":
        if not 0 <= offset <= len(text):
            raise ValueError(f"UTF-16 offset {offset} is outside the text (0..{len(text)})")
        return offset
    units = text.encode("utf-16-le", "surrogatepass")
    length = len(units) // 2
    if not 0 <= offset <= length:
        raise ValueError(f"UTF-16 offset {offset} is outside the text (0..{length})")
    if 0 < offset < length:
        before = int.from_bytes(units[2 * offset - 2 : 2 * offset], "little")
        after = int.from_bytes(units[2 * offset : 2 * offset + 2], "little")
        if 0xD800 <= before <= 0xDBFF and 0xDC00 <= after <= 0xDFFF:
            index = len(units[: 2 * offset - 2].decode("utf-16-le", "surrogatepass"))
            raise ValueError(
                f"UTF-16 offset {offset} falls inside a surrogate pair "
                f"(the character {text[index]!r} at code point {index})"
            )
    return len(units[: 2 * offset].decode("utf-16-le", "surrogatepass"))


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Return the UTF-16 code-unit offset into `text` for a code-point `offset`."""
    if not 0 <= offset <= len(text):
        raise ValueError(f"code-point offset {offset} is outside the text (0..{len(text)})")
    return len(text[:offset].encode("utf-16-le", "surrogatepass")) // 2


# --- Quotes -----------------------------------------------------------------------------------


#: Occurrences of a quote (or of the quote in its context) counted before giving up: a quote
#: found more often than this is ambiguous whatever the count, and each search costs the
#: length of the quote, so the count bounds the work.
MAX_QUOTE_OCCURRENCES = 100
#: Code points of a prefix (its end) and a suffix (its start) compared with the text. The
#: browser sends 32; more never picks an occurrence that this many cannot.
MAX_CONTEXT_CHARS = 1_000


def _occurrences(text: str, needle: str, limit: int) -> list[int]:
    """Return the starts of up to `limit` occurrences of `needle` in `text`, overlaps included.

    Each `str.find` is linear in the text it scans plus the needle, so the whole search costs
    O(limit * len(needle) + len(text)) rather than O(occurrences * len(needle))."""
    starts: list[int] = []
    position = text.find(needle)
    while position != -1 and len(starts) < limit:
        starts.append(position)
        position = text.find(needle, position + 1)
    return starts


def anchor_quote(text: str, quote: str, prefix: str = "", suffix: str = "") -> tuple[int, int]:
    """Return the (start, end) code points of the one occurrence of `quote` in `text`.

    Follows the W3C TextQuoteSelector: `prefix` must end right where the quote starts and
    `suffix` must begin right where it ends; either may be shorter than the text available (the
    nearest characters are enough) or empty. Only the last `MAX_CONTEXT_CHARS` of the prefix
    and the first of the suffix are compared. Raise AnchorError when the quote is empty,
    absent, not found next to the given prefix/suffix, or still matches more than one place.
    Occurrences are counted up to `MAX_QUOTE_OCCURRENCES` ("more than 100 times" beyond).
    """
    if not quote:
        raise AnchorError("empty quote: select some text to anchor")
    prefix = prefix[-MAX_CONTEXT_CHARS:] if prefix else ""
    suffix = suffix[:MAX_CONTEXT_CHARS]
    cap = MAX_QUOTE_OCCURRENCES
    starts = _occurrences(text, quote, cap + 1)
    if not starts:
        raise AnchorError("quote not found in the text")
    size = len(quote)
    if prefix or suffix:
        # An occurrence fits its context exactly when prefix + quote + suffix occurs there.
        fitting = [
            start + len(prefix) for start in _occurrences(text, prefix + quote + suffix, cap + 1)
        ]
    else:
        fitting = starts
    if len(fitting) == 1:
        return fitting[0], fitting[0] + size

    def count(found: list[int], unit: str = "") -> str:
        return f"more than {cap}{unit}" if len(found) > cap else f"{len(found)}{unit}"

    times = "once" if len(starts) == 1 else count(starts, " times")
    if not fitting:
        given = " and ".join(
            name for name, part in (("prefix", prefix), ("suffix", suffix)) if part
        )
        raise AnchorError(f"quote occurs {times} but never with the given {given}")
    if not prefix and not suffix:
        raise AnchorError(f"quote occurs {times}; add a prefix or suffix to pick one")
    raise AnchorError(
        f"quote occurs {times} and the prefix/suffix still fit {count(fitting)} of them; "
        "lengthen the prefix or suffix"
    )


def context_around(text: str, start: int, end: int, width: int = 32) -> tuple[str, str]:
    """Return (prefix, suffix): up to `width` code points before `start` and after `end`."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}..{end} is outside the text (0..{len(text)})")
    if width < 0:
        raise ValueError(f"context width must not be negative, got {width}")
    return text[max(0, start - width) : start], text[end : end + width]
