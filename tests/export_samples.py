"""A fixed, hand-built export row set and context for the DB-free format tests and golden files.

The article text mixes emoji (outside the BMP) and CJK so code-point offsets differ from UTF-16
ones; claims are cut with `text.context_around` exactly as `services.mark_claim` cuts them.
"""

from __future__ import annotations

from annotations.exports.common import ExportContext
from annotations.text import context_around

TEXT = (
    "Critics 🚀 said bus use fell 15% since 2019.\n\n"
    "东京的人口是1400万。 The mayor said the tram will carry 22,000 passengers a day by 2030. "
    "=SUM(A1) is not a claim 👍🏽 but 日本の輸入は12%増えた。"
)

SCALE = {"slug": "default", "version": 1}


def rating(slug, name, ordinal, truth, fever, averitec, number):
    return {
        "slug": slug,
        "name": name,
        "scale": SCALE,
        "ordinal": ordinal,
        "truth_score": truth,
        "fever": fever,
        "averitec": averitec,
        "claimreview_rating": number,
        "claimreview_bounds": [1, 5] if number is not None else None,
    }


TRUE = rating("true", "True", 5, 1.0, "SUPPORTS", "Supported", 5)
FALSE = rating("false", "False", 1, 0.0, "REFUTES", "Refuted", 1)
HALF = rating("half-true", "Half true", 3, 0.5, None, "Conflicting Evidence/Cherrypicking", 3)
UNPROVEN = rating(
    "unproven", "Unproven", None, None, "NOT ENOUGH INFO", "Not Enough Evidence", None
)


def claim(
    cid, quote, *, verdicts, sources=(), statement="", claimant="", matches=(), reviewer=None
):
    start = TEXT.index(quote)
    end = start + len(quote)
    prefix, suffix = context_around(TEXT, start, end)
    row = {
        "id": cid,
        "start": start,
        "end": end,
        "quote": quote,
        "prefix": prefix,
        "suffix": suffix,
        "statement": statement,
        "claimant": claimant,
        "claim_date": None,
        "created_by": "annotator-1",
        "created_at": "2025-06-11T08:05:00Z",
        "updated_at": "2025-06-11T08:05:00Z",
        "sources": list(sources),
        "verdicts": list(verdicts),
        "matches": list(matches),
        "layer": "curated",
    }
    if reviewer is not None:  # a reviewer-layer span: (pseudonym, curation, curated claim)
        name, curation, curated = reviewer
        row.update(
            layer="reviewer",
            created_by=name,
            annotator=name,
            curation=curation,
            curated_claim=curated,
        )
    return row


def source(sid, url, stance="supports", quote=""):
    return {
        "id": sid,
        "url": url,
        "title": "Evidence",
        "publisher": "Stats office",
        "quote": quote,
        "stance": stance,
        "accessed_at": "2025-06-11",
        "archived_url": "https://web.archive.org/web/2025/" + url,
        "added_by": "annotator-1",
        "created_at": "2025-06-11T10:40:00Z",
        "updated_at": "2025-06-11T10:40:00Z",
    }


def verdict(vid, rate, *, status="approved", sources=(), supersedes=None, note=""):
    approved = status in ("approved", "superseded")
    html = "<p>The <strong>figures</strong> &amp; the minutes agree.</p>\n<ul><li>one</li></ul>"
    return {
        "id": vid,
        "status": status,
        "version": 3,
        "rating": rate,
        "explanation_html": html,
        "explanation_text": "The figures & the minutes agree.\n\none",
        "no_source_reason": "" if sources else "The council keeps no public record.",
        "sources": list(sources),
        "reviewer": "annotator-1",
        "submitted_at": "2025-06-11T11:00:00Z",
        "approved_by": "annotator-2" if approved else None,
        "approved_at": "2025-06-12T09:30:00Z" if approved else None,
        "supersedes": supersedes,
        "correction_note": note,
        "review_note": "",
        "created_at": "2025-06-11T11:00:00Z",
        "updated_at": "2025-06-12T09:30:00Z",
    }


def sample_rows() -> list[list[dict]]:
    """Return two chunks: an annotated article and an article without claims."""
    article = {
        "id": 42,
        "title": "Tram & bus: what the council said",
        "url": "https://news.example.com/2025/06/tram",
        "publisher": "The Example Post",
        "author": "Zoë Ferrández",
        "published_at": "2025-06-10T07:00:00Z",
        "language": "en",
        "text": TEXT,
        "text_sha256": "0" * 64,
        "created_by": "annotator-1",
        "created_at": "2025-06-11T08:00:00Z",
        "updated_at": "2025-06-11T08:00:00Z",
        "assignees": ["annotator-1", "annotator-2"],
        "claims": [
            claim(
                7,
                "bus use fell 15% since 2019",
                sources=[source(31, "https://stats.example.net/bus", "refutes", "Bus use rose.")],
                verdicts=[
                    verdict(70, TRUE, status="superseded", sources=[31]),
                    verdict(71, FALSE, sources=[31], supersedes=70, note="Misread the table."),
                ],
                claimant="Critics",
            ),
            claim(8, "东京的人口是1400万", verdicts=[verdict(80, UNPROVEN)]),
            claim(
                9,
                "carry 22,000 passengers a day by 2030",
                statement="The tram will carry 22,000 passengers a day by 2030.",
                sources=[source(32, "https://council.example.org/tram")],
                verdicts=[verdict(90, HALF, sources=[32])],
                claimant="The mayor",
            ),
            claim(
                10, "=SUM(A1) is not a claim 👍🏽", verdicts=[verdict(100, TRUE, status="draft")]
            ),
            claim(11, "日本の輸入は12%増えた", verdicts=[], matches=[8]),
            claim(
                12,
                "the tram will carry 22,000 passengers a day",
                verdicts=[],
                reviewer=("annotator-3", "merged", 9),
            ),
            claim(13, "bus use fell 15%", verdicts=[], reviewer=("annotator-4", "", None)),
        ],
        "curation_started_at": "2025-06-11T09:00:00Z",
        "finished_by": [
            {"annotator": "annotator-3", "finished_at": "2025-06-11T08:30:00Z"},
            {"annotator": "annotator-4", "finished_at": "2025-06-11T08:45:00Z"},
        ],
    }
    empty = {
        **article,
        "id": 43,
        "title": "No claims yet",
        "url": "",
        "claims": [],
        "assignees": [],
        "curation_started_at": None,
        "finished_by": [],
    }
    return [[article], [empty]]


def sample_context(status: str = "all") -> ExportContext:
    return ExportContext(
        project={
            "slug": "newsdesk",
            "name": "Newsdesk",
            "description": "",
            "organisation_name": "Example Fact Desk",
            "organisation_url": "https://factdesk.example.org/",
            "methodology_url": "https://factdesk.example.org/methodology",
            "corrections_policy_url": "",
            "required_verdicts": 1,
            "independent_spans": True,
            "rating_scale": {"slug": "default", "version": 1, "name": "Default scale"},
        },
        base_url="https://factcheck.example.org/",
        status=status,
        counts={"claims": 7, "sources": 2, "approved_verdicts": 3},
    )
