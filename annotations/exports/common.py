"""Pure helpers the export formats share: the export context, deterministic JSON encoding,
timestamps and the HTML-to-text reduction of sanitised explanations.

No queries and no Django request here: golden-file tests build an `ExportContext` by hand.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

JSON_OPTIONS = orjson.OPT_SORT_KEYS
_ZERO = dt.timedelta(0)
GENERATOR_NAME = "factcheck 0.1.0"

# One exported article: plain JSON-able data (see rows.article_row for the shape).
Row = dict[str, Any]


@dataclass(frozen=True)
class ExportContext:
    """What every format needs besides the rows: the project, its links and the counts.

    `base_url` ends with "/"; links are built from it so the same data gives the same bytes
    whichever host serves it when the base is fixed (the command's --base-url).
    """

    project: dict[str, Any]
    base_url: str
    status: str = "approved"
    updated_since: str | None = None
    identities: bool = False
    # Totals taken before streaming (WADM needs them for the collection and its pages).
    counts: dict[str, int] = field(default_factory=dict)

    def link(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def article_text_iri(self, article_id: int) -> str:
        return self.link(f"api/v1/articles/{article_id}/#text")

    def article_page(self, article_id: int) -> str:
        return self.link(f"articles/{article_id}/")

    def claim_page(self, article_id: int, claim_id: int) -> str:
        return self.link(f"articles/{article_id}/#claim-{claim_id}")

    def verdict_page(self, verdict_id: int) -> str:
        return self.link(f"verdicts/{verdict_id}/")


def dumps(value: Any) -> bytes:
    """Return `value` as compact JSON with sorted keys (the same data, the same bytes)."""
    return orjson.dumps(value, option=JSON_OPTIONS)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """Return an aware datetime as RFC 3339 in UTC ("...Z"), a date as YYYY-MM-DD, None as None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.utcoffset() != _ZERO:
            value = value.astimezone(dt.UTC)
        # orjson formats RFC 3339 in C, several times faster than isoformat() + astimezone().
        return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)[1:-1].decode()
    return value.isoformat()


def db_timestamp(value: str | None) -> str | None:
    """Return a timestamp the database rendered as text (see `rows.as_text`) as RFC 3339 UTC.

    SQLite stores Django's "YYYY-MM-DD HH:MM:SS[.ffffff]"; PostgreSQL, in the UTC session
    Django opens, prints "YYYY-MM-DD HH:MM:SS[.f…]+00" with trailing zeros of the fraction
    dropped. Both become exactly what `iso()` gives for the same instant, without building a
    datetime object per value (the largest single cost of an export before).
    """
    if value is None:
        return None
    length = len(value)
    # SQLite: Django's isoformat. PostgreSQL's "…:SS.fff+00" is 26 characters long as well.
    if (length == 26 or length == 19) and value[10] == " " and value[-3] != "+":
        return f"{value[:10]}T{value[11:]}Z"
    # PostgreSQL: microseconds (29 characters), none (22), or a shorter fraction to pad.
    if length >= 22 and value[10] == " " and value[-3:] == "+00" and value[19] in ".+":
        if length == 29:
            return f"{value[:10]}T{value[11:26]}Z"
        if length == 22:
            return f"{value[:10]}T{value[11:19]}Z"
        return f"{value[:10]}T{value[11:-3].ljust(15, '0')}Z"
    value = value.replace(" ", "T", 1)
    if value.endswith("+00"):
        value = value[:-3]
    elif value.endswith(("+00:00", "Z")):
        value = value[: -6 if value.endswith("+00:00") else -1]
    head, dot, fraction = value.partition(".")
    if dot and fraction.strip("0"):
        return f"{head}.{fraction.ljust(6, '0')}Z"
    return f"{head}Z"


_BLOCK_END = re.compile(r"</(?:p|li|h[3-6]|blockquote|pre)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(value: str) -> str:
    """Return the plain text of an explanation already cleaned by `sanitize.render_markdown`.

    Block ends become line breaks, tags are dropped and entities decoded. The input passed the
    bleach allowlist when it was stored, so a regular expression suffices (and is fast); the
    result is text for consumers to escape, never markup.
    """
    if not value:
        return ""
    text = _TAG.sub("", _BLOCK_END.sub("\n", value))
    return _BLANK_LINES.sub("\n\n", html.unescape(text)).strip()


def chunked_lines(records, *, lines_per_chunk: int = 200):
    """Yield the given byte lines joined in groups, so a stream sends fewer, larger writes."""
    buffer: list[bytes] = []
    for line in records:
        buffer.append(line)
        if len(buffer) >= lines_per_chunk:
            yield b"".join(buffer)
            buffer.clear()
    if buffer:
        yield b"".join(buffer)
