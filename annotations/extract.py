"""Extracting an article from a web page: its main text and metadata (title, author,
publication date, publisher, language), with trafilatura. What belongs here is turning a page's
HTML into an `ExtractedPage`; fetching the page is `fetch.py`, storing it `services`.

Extraction is slow on large or deeply nested pages (measured: about 6 s for a 5 MB article and
over 90 s for 5 MB of nested markup, see the README), so pages and the API never call it inside
a request: URL imports and saved pages run as import jobs (`tasks.py`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import trafilatura

from .exceptions import ValidationFailed

_HTML_LANG = re.compile(
    rb"<html\b[^>]{0,500}?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})?)"
)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)


@dataclasses.dataclass(frozen=True)
class ExtractedPage:
    """What the importer keeps of a page: the main text and its metadata."""

    text: str
    title: str
    author: str
    publisher: str
    language: str
    published_at: dt.datetime | None


def decode_page(body: bytes, charset: str | None = None) -> str:
    """Return a page's bytes as text: the HTTP charset, else the page's <meta>, else UTF-8."""
    candidates = [charset]
    found = _META_CHARSET.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii").lower())
    for name in candidates:
        if not name:
            continue
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def extract_page(html: str, *, url: str | None = None) -> ExtractedPage:
    """Extract the main text and metadata of `html`; raise ValidationFailed if there is none."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
    )
    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if not text:
        raise ValidationFailed(
            "No article text was found in the page (is it a front page, or built by JavaScript?).",
            field="fetch_url",
        )
    language = getattr(document, "language", None) or ""
    if not language:
        found = _HTML_LANG.search(html[:4096].encode("utf-8", errors="ignore"))
        language = found.group(1).decode("ascii") if found else ""
    return ExtractedPage(
        text=text,
        title=(document.title or "").strip(),
        author=(document.author or "").strip(),
        publisher=(document.sitename or "").strip(),
        language=language.lower(),
        published_at=_date(document.date),
    )


def _date(value: str | None) -> dt.datetime | None:
    """Return trafilatura's date (YYYY-MM-DD) as midnight UTC, or None."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
