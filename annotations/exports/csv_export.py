"""The `csv` format: one row per claim with its current verdict.

The current verdict is the claim's approved verdict; without one (only when every status is
exported) the newest verdict that is neither superseded nor withdrawn. Claims of both layers
are rows: `layer` says which ("curated" or "reviewer"); a reviewer-layer row names its
`annotator`, `curation` and `curated_claim` (empty on curated rows) and has no verdict. Cells that a spreadsheet
would run as a formula (starting with = + - @ or a tab/CR) get a leading apostrophe (OWASP's
advice against CSV injection). Pure: rows in, UTF-8 bytes out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from .common import ExportContext, Row

COLUMNS = [
    "article_id", "article_title", "article_url", "article_published_at", "claim_id", "start",
    "end", "quote", "statement", "claimant", "claim_date", "verdict_id", "verdict_status",
    "rating", "rating_name", "scale", "scale_version", "ordinal", "truth_score", "fever",
    "averitec", "claimreview_rating", "explanation_text", "no_source_reason", "reviewer",
    "approved_by", "approved_at", "supersedes", "correction_note", "source_urls", "layer",
    "annotator", "curation", "curated_claim",
]  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SET_ASIDE = {"superseded", "withdrawn"}


def current_verdict(verdicts: list[Row]) -> Row | None:
    """Return the approved verdict, else the newest one still in play, else None."""
    for verdict in verdicts:
        if verdict["status"] == "approved":
            return verdict
    live = [v for v in verdicts if v["status"] not in SET_ASIDE]
    return live[-1] if live else None


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _claim_row(article: Row, claim: Row) -> list:
    verdict = current_verdict(claim["verdicts"]) or {}
    rating = verdict.get("rating") or {}
    scale = rating.get("scale") or {}
    # A claim with a verdict shows the sources that verdict cites (for a published verdict, as
    # approved: sources attached later are not part of it); without one, every source.
    cited = set(verdict.get("sources") or [])
    urls = [s["url"] for s in claim["sources"] if not verdict or s["id"] in cited]
    values = [
        article["id"], article["title"], article["url"], article["published_at"], claim["id"],
        claim["start"], claim["end"], claim["quote"], claim["statement"], claim["claimant"],
        claim["claim_date"], verdict.get("id"), verdict.get("status"), rating.get("slug"),
        rating.get("name"), scale.get("slug"), scale.get("version"), rating.get("ordinal"),
        rating.get("truth_score"), rating.get("fever"), rating.get("averitec"),
        rating.get("claimreview_rating"), verdict.get("explanation_text"),
        verdict.get("no_source_reason"), verdict.get("reviewer"), verdict.get("approved_by"),
        verdict.get("approved_at"), verdict.get("supersedes"), verdict.get("correction_note"),
        " ".join(urls), claim.get("layer", "curated"), claim.get("annotator"),
        claim.get("curation"), claim.get("curated_claim"),
    ]  # fmt: skip
    return [_cell(v) for v in values]


def render_csv(
    chunks: Iterable[list[Row]], *, context: ExportContext, stats: dict
) -> Iterator[bytes]:
    """Yield the header and then one line per claim, chunk by chunk (RFC 4180, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for rows in chunks:
        for article in rows:
            for claim in article["claims"]:
                writer.writerow(_claim_row(article, claim))
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")
