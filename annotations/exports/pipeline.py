"""The one export pipeline that the HTTP view and `manage.py export` share.

`parse_options` validates the user's choices (format, status, updated_since, identities) into
`ExportOptions` and raises `ValidationFailed` with a message that says what to fix;
`run_export` counts (only where asked or where the format states totals), builds the
`ExportContext`, and returns the stream of encoded chunks from `rows.export_rows` through the
format's pure renderer. `stats` is filled in while the stream is consumed (e.g. how many FEVER
claims were left out), and so is `tally` (the counts, taken from the rows) when asked for: the
command and export jobs report totals that way instead of six count queries up front.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

from ..exceptions import ValidationFailed
from ..models import Project
from ..params import in_utc
from . import claimreview, csv_export, fever, native, web_annotation
from .common import ExportContext, Row, iso
from .rows import (
    DEFAULT_CHUNK,
    STATUSES,
    export_article_count,
    export_counts,
    export_rows,
    project_info,
)

Renderer = Callable[..., Iterator[bytes]]


@dataclass(frozen=True)
class Format:
    render: Renderer
    extension: str
    content_type: str


FORMATS: dict[str, Format] = {
    "jsonl": Format(native.render_jsonl, "jsonl", "application/x-ndjson; charset=utf-8"),
    "json": Format(native.render_json, "json", "application/json; charset=utf-8"),
    "csv": Format(csv_export.render_csv, "csv", "text/csv; charset=utf-8"),
    "claimreview": Format(claimreview.render_claimreview, "jsonld", "application/ld+json"),
    "wadm": Format(
        web_annotation.render_wadm,
        "jsonl",
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    ),
    "fever": Format(fever.render_fever, "jsonl", "application/x-ndjson; charset=utf-8"),
}


# Formats whose output states totals taken before streaming.
COUNTED = frozenset({"wadm", "fever"})


@dataclass(frozen=True)
class ExportOptions:
    format: str
    status: str = "approved"
    updated_since: dt.datetime | None = None
    identities: bool = False


@dataclass
class Export:
    """A prepared export: its chunks are produced while `stream` is iterated."""

    options: ExportOptions
    context: ExportContext
    stream: Iterator[bytes]
    stats: dict[str, Any] = field(default_factory=dict)
    # With run_export(tally=True): the counts of `export_counts`, taken from the rows as they
    # stream (complete once the stream is consumed), instead of six queries up front.
    tally: dict[str, int] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        spec = FORMATS[self.options.format]
        return f"factcheck-{self.context.project['slug']}-{self.options.format}.{spec.extension}"

    @property
    def content_type(self) -> str:
        return FORMATS[self.options.format].content_type


def parse_timestamp(value: str) -> dt.datetime:
    """Return an aware datetime from ISO 8601 (a date means its midnight UTC; naive means UTC)."""
    text = value.strip()
    if " " in text and "T" in text:  # a "+" of an offset decoded as a space in a query string
        text = text.replace(" ", "+")
    try:
        parsed = parse_datetime(text)
        if parsed is None and (day := parse_date(text)) is not None:
            parsed = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(
            f"updated_since {value!r} is not an ISO 8601 timestamp; use e.g. "
            "2025-06-01T00:00:00Z or 2025-06-01.",
            field="updated_since",
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return in_utc(parsed)  # the database compares in UTC; 9999-12-31T23:59-23:00 has none
    except ValueError as exc:
        raise ValidationFailed(f"updated_since {value!r} {exc}.", field="updated_since") from None


def parse_options(
    *,
    format: str | None,
    status: str | None = None,
    updated_since: str | None = None,
    identities: bool = False,
) -> ExportOptions:
    """Return validated export options or raise ValidationFailed naming the bad parameter."""
    fmt = (format or "jsonl").strip()
    if fmt not in FORMATS:
        raise ValidationFailed(
            f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.", field="format"
        )
    chosen = (status or "approved").strip()
    if chosen not in STATUSES:
        raise ValidationFailed(
            f"Unknown status {chosen!r}; use approved (the default) or all.", field="status"
        )
    since = parse_timestamp(updated_since) if updated_since else None
    return ExportOptions(format=fmt, status=chosen, updated_since=since, identities=identities)


def run_export(
    *,
    project: Project,
    options: ExportOptions,
    base_url: str,
    chunk_size: int = DEFAULT_CHUNK,
    on_chunk: Callable[[list[Row]], None] | None = None,
    count: bool = True,
    reviewer_layers: str = "finished",
    tally: bool = False,
) -> Export:
    """Prepare the export of `project`; nothing is read past the counts until it is iterated.

    `count=False` skips the six count queries where nothing needs them (a stream of a format
    whose output does not state totals); `wadm` and `fever` always count (their output states
    totals). `tally=True` fills `Export.tally` with the same counts from the rows as they pass,
    for a summary after the stream. The caller checks permissions first
    (`permissions.can_export`) and says which reviewer layers the exporting user may see
    (`rows.reviewer_layers_for`; "all" for the command line).
    """
    counts = (
        export_counts(
            project=project,
            status=options.status,
            updated_since=options.updated_since,
            reviewer_layers=reviewer_layers,
        )
        if count or options.format in COUNTED
        else {}
    )
    context = ExportContext(
        project=project_info(project),
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        status=options.status,
        updated_since=iso(options.updated_since),
        identities=options.identities,
        counts=counts,
    )

    totals = dict.fromkeys(TALLIED, 0) if tally else {}

    def chunks() -> Iterable[list[Row]]:
        for rows in export_rows(
            project=project,
            status=options.status,
            updated_since=options.updated_since,
            identities=options.identities,
            chunk_size=chunk_size,
            reviewer_layers=reviewer_layers,
        ):
            if tally:
                _tally(rows, totals)
            if on_chunk is not None:
                on_chunk(rows)
            yield rows

    stats: dict[str, Any] = {}
    stream = FORMATS[options.format].render(chunks(), context=context, stats=stats)
    return Export(options=options, context=context, stream=stream, stats=stats, tally=totals)


TALLIED = (
    "articles", "claims", "sources", "verdicts", "approved_verdicts",
    "approved_without_fever_class",
)  # fmt: skip


def _tally(rows: list[Row], totals: dict[str, int]) -> None:
    """Add a chunk to the counts `export_counts` would have given for the whole export."""
    totals["articles"] += len(rows)
    for article in rows:
        claims = article["claims"]
        totals["claims"] += len(claims)
        for claim in claims:
            totals["sources"] += len(claim["sources"])
            verdicts = claim["verdicts"]
            totals["verdicts"] += len(verdicts)
            for verdict in verdicts:
                if verdict["status"] == "approved":
                    totals["approved_verdicts"] += 1
                    if verdict["rating"]["fever"] is None:
                        totals["approved_without_fever_class"] += 1


def count_articles(*, project: Project, options: ExportOptions) -> int:
    """Return how many articles the export will hold (one query): a progress bar's total."""
    return export_article_count(project=project, updated_since=options.updated_since)
