"""Read article files (.txt, .md, .html, .jsonl) into records for `services.import_article`.

Each reader yields `ArticleRecord`s or `RecordError`s naming the file, line and reason; it never
writes. The `import_articles` command decides what to do with them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import markdown as markdown_lib

from . import sanitize

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
JSONL_FIELDS = {"title", "text", "html", "url", "publisher", "author", "published_at", "language"}


@dataclass
class ArticleRecord:
    path: str
    line: int
    title: str
    text_body: str | None = None
    html: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class RecordError:
    path: str
    line: int
    reason: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def parse_datetime(value: str) -> dt.datetime:
    """Parse an ISO 8601 date or date-time; a bare date means midnight UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"published_at {value!r} is not an ISO 8601 date (e.g. 2026-03-01T09:30:00Z)."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start}); save the file as UTF-8") from None


def read_file(path: Path) -> Iterator[ArticleRecord | RecordError]:
    """Yield the article records in `path`, or errors saying why a record cannot be read."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        yield RecordError(
            name, 0, f"unsupported file type {suffix or '(none)'}; use {', '.join(SUPPORTED)}"
        )
        return
    try:
        content = _decode(path)
    except OSError as exc:
        yield RecordError(name, 0, f"cannot read the file: {exc.strerror or exc}")
        return
    except ValueError as exc:
        yield RecordError(name, 0, str(exc))
        return
    if suffix == ".jsonl":
        yield from _read_jsonl(name, content)
    elif suffix == ".txt":
        yield _read_txt(name, content)
    elif suffix in (".md", ".markdown"):
        yield _read_markdown(name, content)
    else:
        yield _read_html(name, content)


def _read_txt(name: str, content: str) -> ArticleRecord | RecordError:
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return RecordError(name, 1, "the file is empty")
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip()
    if not body:
        return RecordError(name, 1, "no text after the title line (the first line is the title)")
    return ArticleRecord(name, 1, title=title, text_body=body)


def _read_markdown(name: str, content: str) -> ArticleRecord | RecordError:
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    match = re.search(r"^\s*#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    if match:
        title = match.group(1)
        body = text[: match.start()] + text[match.end() :]
    else:
        first, _, body = text.strip().partition("\n")
        title = first.strip()
    if not body.strip():
        return RecordError(name, 1, "no text besides the title")
    return ArticleRecord(name, 1, title=title, html=markdown_lib.markdown(body))


def _read_html(name: str, content: str) -> ArticleRecord | RecordError:
    title = ""
    for pattern in (r"<title[^>]*>(.*?)</title>", r"<h1[^>]*>(.*?)</h1>"):
        match = re.search(pattern, content, flags=re.IGNORECASE | re.DOTALL)
        if match and sanitize.strip_markup(match.group(1)):
            title = sanitize.strip_markup(match.group(1))
            break
    if not title:
        return RecordError(name, 1, "no <title> or <h1> to use as the article's title")
    body = re.sub(r"<title[^>]*>.*?</title>", "", content, flags=re.IGNORECASE | re.DOTALL)
    return ArticleRecord(name, 1, title=title, html=body)


def _read_jsonl(name: str, content: str) -> Iterator[ArticleRecord | RecordError]:
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RecordError(name, number, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(data, dict):
            yield RecordError(name, number, "each line must be a JSON object")
            continue
        unknown = sorted(set(data) - JSONL_FIELDS)
        if unknown:
            yield RecordError(
                name,
                number,
                f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(JSONL_FIELDS))}",
            )
            continue
        wrong = [k for k, v in data.items() if v is not None and not isinstance(v, str)]
        if wrong:
            yield RecordError(name, number, f"field(s) {', '.join(sorted(wrong))} must be strings")
            continue
        if not (data.get("title") or "").strip():
            yield RecordError(name, number, "missing title")
            continue
        if bool(data.get("text")) == bool(data.get("html")):
            yield RecordError(name, number, "give exactly one of text or html")
            continue
        extra = {k: data[k] for k in ("url", "publisher", "author", "language") if data.get(k)}
        if data.get("published_at"):
            try:
                extra["published_at"] = parse_datetime(data["published_at"])
            except ValueError as exc:
                yield RecordError(name, number, str(exc))
                continue
        yield ArticleRecord(
            name,
            number,
            title=data["title"],
            text_body=data.get("text"),
            html=data.get("html"),
            extra=extra,
        )
