"""The floor for the jsonl export: the same bytes, written by a plain database driver program.

No Django: `sqlite3` or `psycopg` directly, the same five queries per chunk of 100 articles as
`annotations/exports/rows.py`, dicts built by hand and orjson. Only the pure timestamp helper of
`annotations/exports/common.py` (stdlib + orjson) is shared, so both programs format values the
same way. `benchmarks/export.py` runs it and checks that its sha256 equals the real export's.

    .venv/bin/python benchmarks/export_plain.py DATABASE_URL PROJECT_SLUG BASE_URL
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from annotations.exports.common import db_timestamp  # pure: stdlib + orjson

CHUNK = 100
OPTS = orjson.OPT_SORT_KEYS


def connect(url: str):
    """Return (connection, placeholder) for a sqlite:/// or postgres:// URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        import sqlite3

        return sqlite3.connect(parsed.path), "?"
    import psycopg

    return psycopg.connect(url), "%s"


def day(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def export(url: str, slug: str, base_url: str, sink) -> dict:
    conn, ph = connect(url)
    cur = conn.cursor()

    def q(sql: str, params=()):
        cur.execute(sql.replace("?", ph), params)
        return cur.fetchall()

    (project,) = q(
        "SELECT p.id, p.slug, p.name, p.description, p.organisation_name, p.organisation_url, "
        "p.methodology_url, p.corrections_policy_url, p.required_verdicts, s.slug, s.version, "
        "s.name, p.rating_scale_id, p.independent_spans FROM annotations_project p JOIN annotations_ratingscale s "
        "ON s.id = p.rating_scale_id WHERE p.slug = ?",
        (slug,),
    )
    pid = project[0]
    project_json = orjson.Fragment(
        orjson.dumps(
            {
                "slug": project[1], "name": project[2], "description": project[3],
                "organisation_name": project[4], "organisation_url": project[5],
                "methodology_url": project[6], "corrections_policy_url": project[7],
                "required_verdicts": project[8], "independent_spans": bool(project[13]),
                "rating_scale": {"slug": project[9], "version": project[10], "name": project[11]},
            },
            option=OPTS,
        )
    )  # fmt: skip
    people = dict(
        q("SELECT user_id, pseudonym FROM annotations_membership WHERE project_id = ?", (pid,))
    )

    def person(user_id):
        if user_id is None:
            return None
        return people.get(user_id) or f"former-member-{user_id}"

    scales = q(
        "SELECT s.id, s.slug, s.version FROM annotations_ratingscale s WHERE s.id = ? OR s.id IN "
        "(SELECT l.scale_id FROM annotations_verdict v JOIN annotations_claim c ON c.id = "
        "v.claim_id JOIN annotations_article a ON a.id = c.article_id JOIN "
        "annotations_ratinglabel l ON l.id = v.rating_id WHERE a.project_id = ?)",
        (project[12], pid),
    )
    ratings = {}
    for scale_id, scale_slug, version in scales:
        labels = q(
            "SELECT id, slug, name, ordinal, truth_score, fever, averitec, claimreview_rating "
            "FROM annotations_ratinglabel WHERE scale_id = ? ORDER BY position, id",
            (scale_id,),
        )
        on_axis = [lb[7] for lb in labels if lb[3] is not None and lb[7] is not None]
        bounds = [min(on_axis), max(on_axis)] if on_axis else None
        for lid, lslug, name, ordinal, truth, fever, averitec, cr in labels:
            ratings[lid] = {
                "slug": lslug, "name": name, "scale": {"slug": scale_slug, "version": version},
                "ordinal": ordinal, "truth_score": truth, "fever": fever or None,
                "averitec": averitec or None, "claimreview_rating": cr,
                "claimreview_bounds": bounds if bounds and cr is not None else None,
            }  # fmt: skip
    last = 0
    articles_out = claims_out = 0
    while True:
        chunk = q(
            "SELECT id, title, url, publisher, author, language, text, text_sha256, "
            "created_by_id, CAST(published_at AS TEXT), CAST(created_at AS TEXT), "
            "CAST(updated_at AS TEXT), version, source_url, source_sha256, "
            "CAST(fetched_at AS TEXT), CAST(curation_started_at AS TEXT) "
            "FROM annotations_article WHERE project_id = ? AND id > ? "
            "ORDER BY id LIMIT ?",
            (pid, last, CHUNK),
        )
        if not chunk:
            break
        last = chunk[-1][0]
        ids = [a[0] for a in chunk]
        marks = ", ".join("?" * len(ids))
        claims = q(
            'SELECT id, article_id, start, "end", quote, prefix, suffix, statement, claimant, '
            "claim_date, created_by_id, CAST(created_at AS TEXT), CAST(updated_at AS TEXT), "
            "anchor, text_version, layer, curation, curated_claim_id FROM annotations_claim "
            f"WHERE article_id IN ({marks}) "
            'ORDER BY article_id, start, "end", id',
            ids,
        )
        matches = defaultdict(list)
        for claim_id, matched in q(
            "SELECT m.claim_id, m.matched_id FROM annotations_claimmatch m JOIN "
            "annotations_claim c ON c.id = m.claim_id WHERE m.decision = 'same' AND "
            f"c.article_id IN ({marks})",
            ids,
        ):
            matches[claim_id].append(matched)
        sources = defaultdict(list)
        verdicts = defaultdict(list)
        if claims:
            for s in q(
                "SELECT s.id, s.claim_id, s.url, s.title, s.publisher, s.quote, s.stance, "
                "s.accessed_at, s.archived_url, s.added_by_id, CAST(s.created_at AS TEXT), "
                "CAST(s.updated_at AS TEXT) FROM annotations_source s JOIN annotations_claim c "
                f"ON c.id = s.claim_id WHERE c.article_id IN ({marks}) AND EXISTS (SELECT 1 FROM "
                "annotations_verdict_sources vs JOIN annotations_verdict v ON v.id = "
                "vs.verdict_id WHERE vs.source_id = s.id AND v.status = 'approved') "
                "ORDER BY s.id",
                ids,
            ):
                sources[s[1]].append(
                    {
                        "id": s[0], "url": s[2], "title": s[3], "publisher": s[4],
                        "quote": s[5], "stance": s[6], "accessed_at": day(s[7]),
                        "archived_url": s[8], "added_by": person(s[9]),
                        "created_at": db_timestamp(s[10]), "updated_at": db_timestamp(s[11]),
                    }
                )  # fmt: skip
            cited = defaultdict(list)
            for vid, sid in q(
                "SELECT vs.verdict_id, vs.source_id FROM annotations_verdict_sources vs JOIN "
                "annotations_verdict v ON v.id = vs.verdict_id JOIN annotations_claim c ON c.id "
                f"= v.claim_id WHERE c.article_id IN ({marks}) AND v.status = 'approved' "
                "ORDER BY vs.verdict_id, vs.source_id",
                ids,
            ):
                cited[vid].append(sid)
            for v in q(
                "SELECT v.id, v.claim_id, v.status, v.version, v.rating_id, "
                "v.explanation_html, v.explanation_text, v.no_source_reason, v.reviewer_id, "
                "v.approved_by_id, v.supersedes_id, v.correction_note, v.review_note, "
                "CAST(v.submitted_at AS TEXT), CAST(v.approved_at AS TEXT), "
                "CAST(v.created_at AS TEXT), CAST(v.updated_at AS TEXT) FROM annotations_verdict "
                f"v JOIN annotations_claim c ON c.id = v.claim_id WHERE c.article_id IN ({marks}) "
                "AND v.status = 'approved' ORDER BY v.id",
                ids,
            ):
                verdicts[v[1]].append(
                    {
                        "id": v[0], "status": v[2], "version": v[3], "rating": ratings[v[4]],
                        "explanation_html": v[5], "explanation_text": v[6],
                        "no_source_reason": v[7], "sources": cited.get(v[0], []),
                        "reviewer": person(v[8]), "submitted_at": db_timestamp(v[13]),
                        "approved_by": person(v[9]), "approved_at": db_timestamp(v[14]),
                        "supersedes": v[10], "correction_note": v[11], "review_note": v[12],
                        "created_at": db_timestamp(v[15]), "updated_at": db_timestamp(v[16]),
                    }
                )  # fmt: skip
        assignees = defaultdict(list)
        for article_id, user_id in q(
            f"SELECT article_id, user_id FROM annotations_assignment WHERE article_id IN ({marks})",
            ids,
        ):
            assignees[article_id].append(person(user_id))
        by_article = defaultdict(list)
        for c in claims:
            by_article[c[1]].append(
                {
                    "id": c[0], "start": c[2], "end": c[3], "quote": c[4], "prefix": c[5],
                    "suffix": c[6], "statement": c[7], "claimant": c[8], "claim_date": day(c[9]),
                    "created_by": person(c[10]), "created_at": db_timestamp(c[11]),
                    "updated_at": db_timestamp(c[12]), "sources": sources.get(c[0], []),
                    "verdicts": verdicts.get(c[0], []), "anchor": c[13], "text_version": c[14],
                    "matches": sorted(matches.get(c[0], [])), "layer": c[15],
                    **({"annotator": person(c[10]), "curation": c[16], "curated_claim": c[17]}
                       if c[15] == "reviewer" else {}),
                }
            )  # fmt: skip
        claims_out += len(claims)
        finished = defaultdict(list)
        for article_id, user_id, at in q(
            "SELECT article_id, user_id, CAST(finished_at AS TEXT) FROM "
            f"annotations_layercompletion WHERE article_id IN ({marks})",
            ids,
        ):
            finished[article_id].append(
                {"annotator": person(user_id), "finished_at": db_timestamp(at)}
            )
        lines = []
        for a in chunk:
            lines.append(
                orjson.dumps(
                    {
                        "id": a[0], "title": a[1], "url": a[2], "publisher": a[3],
                        "author": a[4], "published_at": db_timestamp(a[9]), "language": a[5],
                        "text": a[6], "text_sha256": a[7], "created_by": person(a[8]),
                        "created_at": db_timestamp(a[10]), "updated_at": db_timestamp(a[11]),
                        "version": a[12], "source_url": a[13], "source_sha256": a[14],
                        "fetched_at": db_timestamp(a[15]),
                        "curation_started_at": db_timestamp(a[16]),
                        "finished_by": sorted(finished.get(a[0], []),
                                              key=lambda f: (f["finished_at"], f["annotator"])),
                        "assignees": sorted(assignees.get(a[0], [])),
                        "claims": by_article.get(a[0], []), "project": project_json,
                    },
                    option=OPTS,
                )
                + b"\n"
            )  # fmt: skip
        articles_out += len(chunk)
        sink(b"".join(lines))
        if len(chunk) < CHUNK:
            break
    conn.close()
    del base_url  # jsonl carries no links
    return {"articles": articles_out, "claims": claims_out}


def main() -> None:
    url, slug, base_url = sys.argv[1:4]
    digest = hashlib.sha256()
    size = 0

    def sink(data: bytes) -> None:
        nonlocal size
        digest.update(data)
        size += len(data)

    started, cpu = time.perf_counter(), time.process_time()
    counts = export(url, slug, base_url, sink)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
                "bytes": size,
                "sha256": digest.hexdigest(),
                **counts,
            }
        )
    )


if __name__ == "__main__":
    main()
