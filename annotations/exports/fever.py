"""The `fever` format: FEVER 1.0 JSON lines `{id, label, claim, evidence}`.

One line per curated claim with an approved verdict whose label maps to a FEVER class (the scale's
mapping: SUPPORTS, REFUTES, NOT ENOUGH INFO). Claims whose label has no FEVER class
(e.g. Half true, Misleading) are left out and counted in `stats["fever_skipped_no_class"]`,
never forced into a class. Evidence: one set per source the verdict cites,
`[[source id, verdict id, source URL, 0]]` (sentence 0 stands for the source's quoted passage:
we record one passage per source); NOT ENOUGH INFO without sources gets
`[[[verdict id, null, null, null]]]`. A SUPPORTS/REFUTES verdict citing no source cannot carry
FEVER evidence and is left out too (`stats["fever_skipped_no_evidence"]`). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .common import ExportContext, Row, dumps


def fever_record(claim: Row, verdict: Row) -> dict | None:
    """Return the FEVER record of a claim's approved verdict, or None if it has none."""
    label = verdict["rating"]["fever"]
    if not label:
        return None
    cited = set(verdict["sources"])
    evidence = [
        [[source["id"], verdict["id"], source["url"], 0]]
        for source in claim["sources"]
        if source["id"] in cited
    ]
    if not evidence:
        if label != "NOT ENOUGH INFO":
            return None
        evidence = [[[verdict["id"], None, None, None]]]
    return {
        "id": claim["id"],
        "label": label,
        "claim": claim["statement"] or claim["quote"],
        "evidence": evidence,
    }


def render_fever(
    chunks: Iterable[list[Row]], *, context: ExportContext, stats: dict
) -> Iterator[bytes]:
    """Yield FEVER lines; count what is left out in `stats`."""
    stats.setdefault("fever_written", 0)
    stats.setdefault("fever_skipped_no_class", 0)
    stats.setdefault("fever_skipped_no_evidence", 0)
    for rows in chunks:
        lines = []
        for article in rows:
            for claim in article["claims"]:
                if claim.get("layer", "curated") != "curated":
                    continue  # a reviewer's own span has no verdict and is not published
                approved = [v for v in claim["verdicts"] if v["status"] == "approved"]
                if not approved:
                    continue
                record = fever_record(claim, approved[0])
                if record is None:
                    key = (
                        "fever_skipped_no_class"
                        if not approved[0]["rating"]["fever"]
                        else "fever_skipped_no_evidence"
                    )
                    stats[key] += 1
                    continue
                stats["fever_written"] += 1
                lines.append(dumps(record) + b"\n")
        if lines:
            yield b"".join(lines)
