"""Read article files (.txt, .md, .html, .jsonl) into records for `services.import_article`.

Each reader yields `ArticleRecord`s or `RecordError`s naming the file, line and reason; it never
writes. The `import_articles` command and the article upload form decide what to do with them.

Reading is bounded: a single-article file (.txt, .md, .html) larger than
`article_file_limit()` bytes is refused from its size on disk before a byte of it is read, and a
.jsonl file is read line by line, a line longer than `jsonl_line_limit()` being skipped without
being parsed. Both limits derive from `FACTCHECK["MAX_ARTICLE_CHARS"]`. Title extraction scans
the text a bounded number of times (no backtracking regex over the whole file), so its cost is
linear in the file's size.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from . import limits, sanitize

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
SINGLE_ARTICLE = (".txt", ".md", ".markdown", ".html", ".htm")
JSONL_FIELDS = {"title", "text", "html", "url", "publisher", "author", "published_at", "language"}
# Room for markup, front matter and JSON keys around an article's characters.
SLACK_BYTES = 1024 * 1024


def _max_article_chars() -> int:
    return settings.FACTCHECK["MAX_ARTICLE_CHARS"]


def article_file_limit() -> int:
    """Return the largest .txt/.md/.html file accepted, in bytes: 4 bytes (the longest UTF-8
    character) per allowed character, plus slack for markup."""
    return 4 * _max_article_chars() + SLACK_BYTES


def jsonl_line_limit() -> int:
    """Return the longest .jsonl line accepted, in bytes: 6 bytes per allowed character (JSON's
    `\\uXXXX` escape is the longest spelling of a character), plus slack for the other fields."""
    return 6 * _max_article_chars() + SLACK_BYTES


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


def _decode(raw: bytes) -> str:
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
        if suffix == ".jsonl":
            with path.open("rb") as handle:
                yield from _read_jsonl(name, handle)
            return
        limit = article_file_limit()
        size = path.stat().st_size
        if size > limit:
            yield _too_large(name, size, limit)
            return
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)  # the file may have grown since stat()
        if len(raw) > limit:
            yield _too_large(name, len(raw), limit)
            return
        content = _decode(raw)
    except OSError as exc:
        yield RecordError(name, 0, f"cannot read the file: {exc.strerror or exc}")
        return
    except ValueError as exc:
        yield RecordError(name, 0, str(exc))
        return
    if suffix == ".txt":
        yield _read_txt(name, content)
    elif suffix in (".md", ".markdown"):
        yield _read_markdown(name, content)
    else:
        yield _read_html(name, content)


def _too_large(name: str, size: int, limit: int) -> RecordError:
    return RecordError(
        name,
        0,
        f"the file is {size:,} bytes; one article file may hold at most {limit:,} bytes "
        f"(4 bytes per character of the {_max_article_chars():,}-character article limit, plus "
        f"{SLACK_BYTES:,} for markup); it was not read",
    )


def pasted_record(content: str, *, kind: str) -> ArticleRecord | RecordError:
    """Return pasted text or HTML that came without a title as an upload would read it: plain
    text's first line is the title; HTML's <title> or first <h1>, else its first line of text."""
    if kind != "html":
        return _read_txt("pasted", content)
    title, body = html_title(content)
    if not title:
        lines = (line.strip() for line in sanitize.strip_markup(content).split("\n"))
        title = next((line for line in lines if line), "")
    if not title:
        return RecordError("pasted", 1, "the pasted HTML has no text")
    return ArticleRecord("pasted", 1, title=title[: limits.TITLE], html=body)


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


def _heading_title(line: str) -> str | None:
    """Return the text of a level-1 ATX heading ("# Title", "# Title #"), or None.

    Plain string operations rather than a regex: a backtracking pattern over a line of
    thousands of "#" took seconds."""
    stripped = line.strip()
    if len(stripped) < 2 or stripped[0] != "#" or not stripped[1].isspace():
        return None
    title = stripped[1:].strip()
    closing = title.rstrip("#")
    if closing != title and (not closing or closing[-1].isspace()):
        title = closing.rstrip()  # a closing run of "#" (CommonMark: after a space)
    return title or None


# A line that may be a level-1 heading: "#" then whitespace, after optional indentation. Each
# attempt starts at a line start and stops at that line's end, so a search is linear.
_HEADING_START = re.compile(r"^[^\S\n]*#[^\S\n]", re.MULTILINE)


def _read_markdown(name: str, content: str) -> ArticleRecord | RecordError:
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    title = None
    for match in _HEADING_START.finditer(text):
        start = match.start()
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        title = _heading_title(text[start:end])
        if title is not None:
            body = text[:start] + text[end + 1 :]
            break
    if title is None:
        first, _, body = text.strip().partition("\n")
        title = first.strip()
    if not body.strip():
        return RecordError(name, 1, "no text besides the title")
    return ArticleRecord(name, 1, title=title, html=sanitize.markdown_to_html(body))


def _element(content: str, tag: str) -> tuple[int, int, int, int] | None:
    """Return (start, content start, content end, end) of the first `<tag ...>...</tag>`.

    Like a browser, the element is the first opening tag and runs to the first closing tag
    after it. Each step is one forward scan (a fixed-length pattern, `str.find`), so the whole
    search is linear in `content`: the DOTALL regex it replaces took 21 s on "<title>" * 14285.
    """
    opening = re.compile(rf"<{tag}(?=[\s/>])", re.IGNORECASE).search(content)
    if opening is None:
        return None
    inner_start = content.find(">", opening.end())
    if inner_start == -1:
        return None
    inner_start += 1
    closing = re.compile(rf"</{tag}(?=[\s/>])", re.IGNORECASE).search(content, inner_start)
    if closing is None:
        return None
    end = content.find(">", closing.end())
    end = len(content) if end == -1 else end + 1
    return opening.start(), inner_start, closing.start(), end


def html_title(content: str) -> tuple[str, str]:
    """Return (title, body) of an HTML document: the title from its first <title> or else its
    first <h1>, and the document without that <title> element ("" and `content` if none)."""
    for tag in ("title", "h1"):
        found = _element(content, tag)
        if found is None:
            continue
        start, inner_start, inner_end, end = found
        title = sanitize.strip_markup(content[inner_start:inner_end])
        if title:
            body = content[:start] + content[end:] if tag == "title" else content
            return title, body
    return "", content


def _read_html(name: str, content: str) -> ArticleRecord | RecordError:
    title, body = html_title(content)
    if not title:
        return RecordError(name, 1, "no <title> or <h1> to use as the article's title")
    return ArticleRecord(name, 1, title=title, html=body)


def jsonl_lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, line bytes) from a binary file, one line in memory at a time.

    A line longer than `limit` bytes is yielded as None after the rest of it has been skipped
    in bounded reads, so an oversized line is never held whole, let alone parsed.
    """
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := handle.readline(SLACK_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        yield number, line


def _read_jsonl(name: str, handle: BinaryIO) -> Iterator[ArticleRecord | RecordError]:
    limit = jsonl_line_limit()
    for number, raw in jsonl_lines(handle, limit):
        if raw is None:
            yield RecordError(
                name,
                number,
                f"the line is longer than {limit:,} bytes (6 bytes per character of the "
                f"{_max_article_chars():,}-character article limit, plus {SLACK_BYTES:,}); "
                "it was skipped without being parsed",
            )
            continue
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield RecordError(name, number, f"not UTF-8 (byte {exc.start} of the line)")
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RecordError(name, number, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            yield RecordError(name, number, "invalid JSON: nested too deeply")
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
