"""The single HTML policy: every piece of user-supplied HTML or Markdown passes through here.

- `clean_html` — rich text (rendered explanations) from one allowlist of tags, attributes and
  URL protocols (http, https, mailto). Links get `rel="nofollow noopener noreferrer"`.
- `render_markdown` — Markdown -> HTML -> `clean_html`.
- `clean_article_html` — imported article HTML, keeping only structure that `text.canonical_text`
  turns into paragraph breaks; script/style/template contents are dropped, not kept as text.
- `strip_markup` — plain-text fields (titles, names, notes, quotes): all markup removed, entities
  decoded, repeated until stable so no tag can be smuggled in through entities.
- `is_http_url` — the one URL check (http/https only, with a host).

Nothing else in the code base calls bleach or marks a string safe.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import bleach
import markdown as markdown_lib
from bleach.html5lib_shim import Filter

RICH_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "i",
        "li", "ol", "p", "pre", "strong", "sub", "sup", "ul",
    }
)  # fmt: skip
RICH_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})

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


_RICH_CLEANER = bleach.Cleaner(
    tags=RICH_TAGS | DROP_WITH_CONTENT,
    attributes=RICH_ATTRIBUTES,
    protocols=PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_DropContent],
)
_ARTICLE_CLEANER = bleach.Cleaner(
    tags=ARTICLE_TAGS | DROP_WITH_CONTENT,
    attributes={"a": ["href"]},
    protocols={"http", "https"},
    strip=True,
    strip_comments=True,
    filters=[_DropContent],
)
_PLAIN_CLEANER = bleach.Cleaner(
    tags=DROP_WITH_CONTENT, attributes={}, strip=True, strip_comments=True, filters=[_DropContent]
)


def clean_html(value: str) -> str:
    """Return `value` reduced to the rich-text allowlist, links marked nofollow."""
    cleaned = _RICH_CLEANER.clean(value or "")
    return bleach.linkify(
        cleaned, callbacks=[_nofollow], skip_tags={"pre", "code"}, parse_email=False
    )


def render_markdown(source: str) -> str:
    """Render Markdown to HTML and clean it; raw HTML inside the Markdown is cleaned too."""
    rendered = markdown_lib.markdown(source or "", extensions=["sane_lists"], output_format="html")
    return clean_html(rendered)


def clean_article_html(value: str) -> str:
    """Return imported article HTML with only structural tags left and no active content."""
    return _ARTICLE_CLEANER.clean(value or "")


def strip_markup(value: str) -> str:
    """Return plain text: tags and comments removed, entities decoded, until nothing changes."""
    text = value or ""
    for _ in range(5):
        cleaned = html.unescape(_PLAIN_CLEANER.clean(text))
        if cleaned == text:
            break
        text = cleaned
    return text.strip()


def is_http_url(value: str) -> bool:
    """Return whether `value` is an absolute http(s) URL with a host and no whitespace."""
    if not value or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)
