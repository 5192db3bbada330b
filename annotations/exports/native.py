"""The native formats: `jsonl` (one article per line) and `json` (one document).

Each record is an article row (see `rows`) plus the project it belongs to, so a line stands on
its own. Explanations appear as `explanation_html` (the sanitised rendering) and
`explanation_text` (its text); the Markdown source is never exported. Pure: rows in, bytes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from .common import ExportContext, Row, dumps


def _record(row: Row, project: orjson.Fragment) -> bytes:
    return dumps({**row, "project": project})


def _project(context: ExportContext) -> orjson.Fragment:
    """Return the project's JSON, encoded once for every record of the export."""
    return orjson.Fragment(dumps(context.project))


def render_jsonl(
    chunks: Iterable[list[Row]], *, context: ExportContext, stats: dict
) -> Iterator[bytes]:
    """Yield one JSON line per article."""
    project = _project(context)
    for rows in chunks:
        yield b"".join(_record(row, project) + b"\n" for row in rows)


def render_json(
    chunks: Iterable[list[Row]], *, context: ExportContext, stats: dict
) -> Iterator[bytes]:
    """Yield one JSON document: {"articles": [...], "project": ..., "status": ...}."""
    yield b'{"articles":['
    project = _project(context)
    first = True
    for rows in chunks:
        parts = []
        for row in rows:
            parts.append((b"\n" if first else b",\n") + _record(row, project))
            first = False
        yield b"".join(parts)
    tail = {
        "project": context.project,
        "status": context.status,
        "updated_since": context.updated_since,
    }
    yield b"\n]," + dumps(tail)[1:] + b"\n"
