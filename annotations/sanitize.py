"""The single HTML policy: every piece of user-supplied HTML or Markdown passes through here.

- `clean_html` — rich text (rendered explanations) from one allowlist of tags, attributes and
  URL protocols (http, https, mailto). Links get `rel="nofollow noopener noreferrer"`; bare
  http(s) URLs in text become such links.
- `render_markdown` — Markdown (CommonMark, markdown-it-py) -> HTML -> `clean_html`;
  `markdown_to_html` renders without cleaning, for a caller that cleans next.
- `clean_article_html` — imported article HTML, keeping only structure that `text.canonical_text`
  turns into paragraph breaks; script/style/template contents are dropped, not kept as text.
- `strip_markup` — plain-text fields (titles, names, notes, quotes): all markup removed, entities
  decoded, repeated until stable so no tag can be smuggled in through entities.
- `drop_control_characters` — for text kept verbatim (a verdict's Markdown source).
- `is_http_url` — the one URL check (http/https only, with a host, no characters that could
  break out of an attribute).

Links in rich text and article HTML must be absolute http(s) (or mailto in rich text). The check
runs on the attribute value both as written and with entities decoded, after removing the
whitespace, control and zero-width characters browsers ignore inside URLs, so
`jav&#x09;ascript:`, `javascript&colon;`, `&#0000106...` and `//host` links are all dropped.

Rich text and article HTML are parsed once by libxml2 (`htmlparse`: linear time, capped depth
and element count) and written out again from the allowlist, every text and attribute value
escaped, so the output is safe by construction and takes time linear in the input; bleach
(html5lib, quadratic in nesting and ~50 KB/s) is left only for the short plain-text fields.
Too deep or too large HTML raises ValidationFailed / TooLarge, which the API makes a 400 / 413.

Nothing else in the code base calls bleach or marks a string safe, apart from the annotation
page's segment markup (`segments.py`), built from escaped parts.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt

from . import htmlparse
from .exceptions import TooLarge, ValidationFailed

RICH_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "i",
        "li", "ol", "p", "pre", "strong", "sub", "sup", "ul",
    }
)  # fmt: skip
PROTOCOLS = frozenset({"http", "https", "mailto"})

# Characters a browser drops from a URL before reading its scheme (C0 controls, whitespace) and
# invisible ones an attacker may slip between the letters of "javascript".
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def _absolute_link(value: str, protocols: frozenset[str]) -> bool:
    """Return whether `value` is an absolute link with one of `protocols`, both as written and
    with entities decoded (http/https also need a host)."""
    for candidate in (value, html.unescape(value)):
        compact = _URL_NOISE.sub("", candidate)
        try:
            parts = urlsplit(compact)
        except ValueError:
            return False
        scheme = parts.scheme.lower()
        if scheme not in protocols:
            return False
        if scheme in {"http", "https"} and not (
            parts.hostname and compact[len(scheme) :].startswith("://")
        ):
            return False
        if scheme == "mailto" and not parts.path:
            return False
    return True


def _rich_attribute(tag: str, name: str, value: str) -> bool:
    if name == "href":
        return tag == "a" and _absolute_link(value, PROTOCOLS)
    return name == "title" and tag in {"a", "abbr"}


def _article_attribute(tag: str, name: str, value: str) -> bool:
    return tag == "a" and name == "href" and _absolute_link(value, frozenset({"http", "https"}))


RICH_ATTRIBUTES = _rich_attribute

ARTICLE_TAGS = frozenset(
    {
        "a", "article", "b", "blockquote", "br", "div", "em", "figcaption", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "i", "li", "main", "ol", "p", "pre", "section",
        "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip

# Elements whose *content* is not text a reader sees; they are removed with their content.
DROP_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
     "textarea", "select", "title", "head"}
)  # fmt: skip


class _DropContent(Filter):
    """Remove DROP_WITH_CONTENT elements together with everything inside them."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            name = token.get("name", "")
            kind = token["type"]
            if name in DROP_WITH_CONTENT and kind in ("StartTag", "EmptyTag", "EndTag"):
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth = max(0, depth - 1)
                continue
            if depth == 0:
                yield token


def _nofollow(attrs, new=False):
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_PLAIN_CLEANER = bleach.Cleaner(
    tags=DROP_WITH_CONTENT, attributes={}, strip=True, strip_comments=True, filters=[_DropContent]
)


_VOID = frozenset({"br", "hr"})
# A bare http(s) URL in text; trailing punctuation is the sentence's, not the link's.
_BARE_URL = re.compile(r"https?://[^\s<>\"'`]+")
_URL_TAIL = ".,;:!?)]}'\""


def _linkify(value: str) -> str:
    """Return `value` escaped, with bare http(s) URLs turned into nofollow links."""
    parts: list[str] = []
    begin = 0
    for match in _BARE_URL.finditer(value):
        url = match.group(0).rstrip(_URL_TAIL)
        if not _absolute_link(url, frozenset({"http", "https"})):
            continue
        parts.append(html.escape(value[begin : match.start()], quote=False))
        href = html.escape(url)
        parts.append(f'<a href="{href}" rel="nofollow noopener noreferrer">{href}</a>')
        begin = match.start() + len(url)
    parts.append(html.escape(value[begin:], quote=False))
    return "".join(parts)


def _serialize(
    value: str, *, tags: frozenset[str], attribute, rich: bool, field: str | None = None
) -> str:
    """Return `value` parsed and written out again with only `tags` and the attributes that
    `attribute(tag, name, value)` allows; other tags are dropped and their text kept, and
    DROP_WITH_CONTENT elements are dropped with their text. Safe by construction: every tag
    written is from `tags`, every text and attribute value is escaped. In rich text, links get
    rel=nofollow and bare URLs outside links and code become links.
    """
    try:
        root = htmlparse.parse_html(value)
    except htmlparse.HtmlTooDeep as exc:
        raise ValidationFailed(str(exc), field=field) from None
    except htmlparse.HtmlTooLarge as exc:
        raise TooLarge(str(exc), field=field) from None
    if root is None:
        return ""
    out: list[str] = []
    no_links = 0  # inside <a>, <pre> or <code>: leave URLs as they are
    try:
        for event, element, walker in htmlparse.walk(root):
            tag = element.tag if isinstance(element.tag, str) else ""
            if event == "start":
                if tag in DROP_WITH_CONTENT:
                    walker.skip_subtree()
                    continue
                if tag in tags:
                    kept = [(k, v) for k, v in element.attrib.items() if attribute(tag, k, v)]
                    if rich and any(name == "href" for name, _ in kept):
                        kept.append(("rel", "nofollow noopener noreferrer"))
                    attrs = "".join(f' {name}="{html.escape(val)}"' for name, val in kept)
                    out.append(f"<{tag}{attrs}>")
                if rich and tag in ("a", "pre", "code"):
                    no_links += 1
                if element.text:
                    text = element.text
                    out.append(_linkify(text) if rich and not no_links else _escape(text))
            else:
                if tag in tags and tag not in _VOID and tag not in DROP_WITH_CONTENT:
                    out.append(f"</{tag}>")
                if rich and tag in ("a", "pre", "code"):
                    no_links -= 1
                if element.tail and element is not root:
                    tail = element.tail
                    out.append(_linkify(tail) if rich and not no_links else _escape(tail))
    except htmlparse.HtmlTooComplex as exc:
        raise TooLarge(str(exc), field=field) from None
    return "".join(out)


def _escape(value: str) -> str:
    return html.escape(value, quote=False)


def clean_html(value: str, *, field: str | None = None) -> str:
    """Return `value` reduced to the rich-text allowlist, links marked nofollow and bare
    http(s) URLs linked. Raise ValidationFailed for HTML nested too deep, TooLarge for too many
    elements (see `htmlparse`)."""
    return _serialize(
        value or "", tags=RICH_TAGS, attribute=RICH_ATTRIBUTES, rich=True, field=field
    )


# CommonMark through markdown-it-py: its parser is linear in the input by design (Python-Markdown
# rescanned to the end of the text for every "[", so 20,000 of them took six minutes), and the
# "commonmark" preset caps nesting at 20 levels. Raw HTML is passed on and cleaned by the same
# allowlist as everything else.
_MARKDOWN = MarkdownIt("commonmark", {"html": True})
# Let every link through to the one URL check in `clean_html`, which drops a bad href and keeps
# the link text, rather than markdown-it's own check, which keeps "[x](javascript:...)" as text.
_MARKDOWN.validateLink = lambda url: True


def markdown_to_html(source: str) -> str:
    """Return Markdown rendered to HTML, NOT cleaned: for a caller that cleans it next (an
    imported `.md` article goes on to `clean_article_html`). Linear in the source."""
    return _MARKDOWN.render(source or "")


def render_markdown(source: str) -> str:
    """Render Markdown to HTML and clean it; raw HTML inside the Markdown is cleaned too."""
    return clean_html(markdown_to_html(source), field="explanation")


def clean_article_html(value: str, *, field: str | None = "html") -> str:
    """Return imported article HTML with only structural tags left and no active content.

    A tag cut off by the end of the input is dropped, as a browser drops it. Raise
    ValidationFailed for HTML nested too deep, TooLarge for too many elements."""
    return _serialize(
        _TRAILING_OPEN_TAG.sub("", value or ""),
        tags=ARTICLE_TAGS,
        attribute=_article_attribute,
        rich=False,
        field=field,
    )


# An unterminated tag at the very end ("... <img src=x onerror=f()//"): a browser drops it (EOF in
# tag), bleach keeps it as text. Plain text must not carry it either.
_TRAILING_OPEN_TAG = re.compile(r"<[A-Za-z/!?][^<>]*$")


def strip_markup(value: str) -> str:
    """Return plain text: tags and comments removed, entities decoded, until nothing changes."""
    text = value or ""
    for _ in range(5):
        cleaned = _TRAILING_OPEN_TAG.sub("", html.unescape(_PLAIN_CLEANER.clean(text)))
        if cleaned == text:
            break
        text = cleaned
    return text.strip()


# Not allowed unescaped in a URL (RFC 3986) and able to break out of an attribute or confuse a
# parser about the host ("\\" reads as "/" in browsers).
_URL_FORBIDDEN = frozenset('<>"`\\')


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def drop_control_characters(value: str) -> str:
    """Return `value` without C0 control characters other than tab and newlines (PostgreSQL
    cannot store NUL, and none of them is text a reader sees)."""
    return _CONTROLS.sub("", value or "")


def is_http_url(value: str) -> bool:
    """Return whether `value` is an absolute http(s) URL with a host, no whitespace, no control
    characters and none of the characters URLs must percent-encode."""
    if not value or any(
        ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch in _URL_FORBIDDEN for ch in value
    ):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)
