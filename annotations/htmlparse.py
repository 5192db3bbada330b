"""Parsing user-supplied HTML in bounded time: the one parser `sanitize.py` and `text.py` use.

libxml2 (through lxml) parses in C and in time linear in the input; the pure-Python parsers we
used before were not: html5lib (inside bleach) walks the stack of open elements for every start
tag, so 16,000 nested `<div>`s took 30 s, and the standard library's `html.parser` rescans an
unterminated tag from its start, so `"<a" * 1_000_000` ran for minutes. Two caps keep the work
that follows (a walk over the tree in Python) bounded too: libxml2 refuses to nest deeper than
`MAX_DEPTH` elements and we refuse more than `MAX_ELEMENTS` elements; either raises
`HtmlTooComplex` with a message saying so, rather than cutting the document short silently.
Pure: no Django import. Policy (which tags and attributes survive) lives in `sanitize.py`.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = [
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "HtmlTooComplex",
    "HtmlTooDeep",
    "HtmlTooLarge",
    "parse_html",
    "walk",
]

#: libxml2's own limit without XML_PARSE_HUGE; browsers' tree builders cap depth too.
MAX_DEPTH = 256
#: A saved news page has a few thousand elements; 50,000 is ample and walks in ~0.3 s.
MAX_ELEMENTS = 50_000

# NUL and other C0 controls (not tab, newline, form feed, carriage return): libxml2 stops at a
# NUL, and none of them is text a reader sees.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


# A complete start tag, as a cheap upper-bound count before parsing; "<x <x <x" is one tag to a
# parser (and to this pattern), and each try stops at the next "<" or ">", so counting is linear.
_START_TAG = re.compile(r"<[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_TOO_MANY = (
    f"The HTML has more than {MAX_ELEMENTS:,} elements; send a smaller page or the article as "
    "plain text."
)


def _count_start_tags(value: str) -> int:
    return sum(1 for _ in _START_TAG.finditer(value))


class HtmlTooComplex(ValueError):
    """HTML nested deeper than `MAX_DEPTH` or with more than `MAX_ELEMENTS` elements."""


class HtmlTooDeep(HtmlTooComplex):
    """HTML nested deeper than `MAX_DEPTH`."""


class HtmlTooLarge(HtmlTooComplex):
    """HTML with more than `MAX_ELEMENTS` elements."""


def parse_html(value: str) -> etree._Element | None:
    """Return the root of the parsed document (None for empty input); comments and processing
    instructions are left out. Raise HtmlTooComplex past the depth or element cap."""
    if not value or not value.strip():
        return None
    if value.count("<") > MAX_ELEMENTS and _count_start_tags(value) > MAX_ELEMENTS:
        # Refuse before building a tree that would take hundreds of MB.
        raise HtmlTooLarge(_TOO_MANY)
    data = _CONTROLS.sub("", value).encode("utf-8", "replace")  # lone surrogates become "?"
    parser = etree.HTMLParser(
        encoding="utf-8",
        recover=True,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=False,
    )
    root = etree.fromstring(data, parser)
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":
            raise HtmlTooDeep(
                f"The HTML nests elements more than {MAX_DEPTH} levels deep; "
                "send it with its nesting flattened, or as plain text."
            )
    return root


def walk(root: etree._Element):
    """Yield (event, element, walker) over the tree in document order; event is "start" or
    "end". Call `walker.skip_subtree()` on a start event to leave out the element's content (its
    end event still comes). Raise HtmlTooComplex once more than `MAX_ELEMENTS` have started."""
    count = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            count += 1
            if count > MAX_ELEMENTS:
                raise HtmlTooLarge(_TOO_MANY)
        yield event, element, walker
