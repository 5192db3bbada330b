"""Text handling: canonical text, sentence splitting, check-worthiness, UTF-16 <-> code points,
quote anchoring. Pure Python; no Django.

(Interim implementation by the lead; the text helper replaces it with the tested version.)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

SUGGEST_THRESHOLD = 0.5


@dataclass(frozen=True)
class SentenceSpan:
    index: int
    start: int
    end: int
    score: float
    reasons: tuple[str, ...]


class AnchorError(ValueError):
    """A quote that cannot be anchored; the message says why."""


_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote",
          "section", "article", "header", "footer", "pre", "ul", "ol", "table", "hr", "figcaption"}  # fmt: skip
_SKIP = {"script", "style", "template", "noscript", "head", "title"}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def canonical_text(raw: str, *, is_html: bool = False) -> str:
    """Return the canonical form: text only, NFC, `\\n` newlines, tidy blank lines."""
    if is_html:
        parser = _TextExtractor()
        parser.feed(raw)
        parser.close()
        raw = "".join(parser.parts)
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.strip() if is_html else line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "inc", "ltd", "co", "corp", "vs", "etc",
    "e.g", "i.e", "u.s", "u.k", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "gen", "gov", "sen", "rep", "fig", "approx", "dept", "est",
}  # fmt: skip
_TERMINATORS = ".!?。！？؟।॥"
_CLOSERS = "\"'”’)]}»」』）"
_SENTENCE_END = re.compile(r"[.!?]+|[。！？؟।॥]+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")


def _is_abbreviation(text: str, dot: int) -> bool:
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()  # initials: "J. R. R."


def split_sentences(text: str) -> list[SentenceSpan]:
    """Split `text` into sentences with code-point offsets and check-worthiness scores."""
    bounds: list[tuple[int, int]] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        mark = match.group()
        if mark.startswith("."):
            nxt = text[end : end + 1]
            if nxt.isdigit() or nxt.isalpha():
                continue  # 3.5, v2.0, example.org
            if mark == "." and _is_abbreviation(text, match.start()):
                rest = text[end:].lstrip(" ")
                if (
                    not rest
                    or not rest[:1].isupper()
                    or text[match.start() - 3 : match.start()].lower() != "etc"
                ):
                    continue
        if (
            mark[0] in ".!?"
            and end < len(text)
            and not (text[end].isspace() or text[end] in _CLOSERS)
        ):
            continue
        while end < len(text) and text[end] in _CLOSERS:
            end += 1
        bounds.append((begin, end))
        begin = end
    bounds.append((begin, len(text)))
    spans: list[SentenceSpan] = []
    for start, end in bounds:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            score, reasons = checkworthiness(text[start:end])
            spans.append(SentenceSpan(len(spans), start, end, score, reasons))
    return spans


_NUMBER = re.compile(r"\d")
_COMPARISON = re.compile(
    r"\b(more|less|fewer|higher|lower|highest|lowest|largest|smallest|doubled|tripled|"
    r"increase[sd]?|decrease[sd]?|rose|fell|drop(?:ped)?|record|compared with|than)\b",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"\b(said|says|reportedly|announced|according to|claimed|claims|estimated|reported|stated|"
    r"told)\b",
    re.IGNORECASE,
)
_ACTOR = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+")


def checkworthiness(sentence: str) -> tuple[float, tuple[str, ...]]:
    """Return a score in [0, 1] and the reasons behind it."""
    reasons: list[str] = []
    score = 0.0
    if _NUMBER.search(sentence):
        score += 0.35
        reasons.append("contains a number or percentage")
    if match := _COMPARISON.search(sentence):
        score += 0.25
        reasons.append(f"comparison: '{match.group(0)}'")
    if match := _ATTRIBUTION.search(sentence):
        score += 0.2
        reasons.append(f"attribution verb: '{match.group(0)}'")
    if match := _ACTOR.search(sentence):
        score += 0.15
        reasons.append(f"named actor: '{match.group(0)}'")
    if sentence.rstrip().endswith(("?", "？", "؟")):
        score *= 0.3
    if len(sentence) < 20:
        score *= 0.5
    return round(min(score, 1.0), 3), tuple(reasons)


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Convert a UTF-16 code-unit offset into `text` to a code-point offset."""
    if offset < 0:
        raise ValueError(f"UTF-16 offset {offset} is negative.")
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} falls inside a surrogate pair.")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is past the end of the text ({units} units).")


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Convert a code-point offset into `text` to a UTF-16 code-unit offset."""
    if not 0 <= offset <= len(text):
        raise ValueError(f"Code-point offset {offset} is outside 0..{len(text)}.")
    return offset + sum(1 for char in text[:offset] if ord(char) > 0xFFFF)


def anchor_quote(text: str, quote: str, prefix: str = "", suffix: str = "") -> tuple[int, int]:
    """Return (start, end) of the one occurrence of `quote` that fits `prefix`/`suffix`."""
    if not quote:
        raise AnchorError("The quote is empty.")
    hits = []
    position = text.find(quote)
    while position != -1:
        hits.append(position)
        position = text.find(quote, position + 1)
    if not hits:
        raise AnchorError("The quote was not found in the text.")
    fitting = [
        h for h in hits if text[:h].endswith(prefix) and text[h + len(quote) :].startswith(suffix)
    ]
    if not fitting:
        raise AnchorError("The quote was found, but not with the given prefix and suffix.")
    if len(fitting) > 1:
        raise AnchorError(
            f"The quote occurs {len(fitting)} times; add a prefix or suffix to pick one."
        )
    return fitting[0], fitting[0] + len(quote)


def context_around(text: str, start: int, end: int, width: int = 32) -> tuple[str, str]:
    """Return up to `width` code points before `start` and after `end`."""
    return text[max(0, start - width) : start], text[end : end + width]
