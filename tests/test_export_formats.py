"""The export formats as pure functions: golden files, the standards' validators, offsets.

No database: rows come from tests/export_samples.py. Regenerate the golden files with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_export_formats.py` and review the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotations.exports.common import db_timestamp, html_to_text, iso
from annotations.exports.pipeline import FORMATS
from tests.export_samples import TEXT, sample_context, sample_rows

GOLDEN = Path(__file__).parent / "golden"


def render(fmt: str, status: str = "all", stats: dict | None = None) -> bytes:
    context = sample_context(status)
    stream = FORMATS[fmt].render(
        iter(sample_rows()), context=context, stats={} if stats is None else stats
    )
    return b"".join(stream)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_format_matches_its_golden_file(fmt):
    """The same rows give the same bytes; a change of output shows up as a golden-file diff."""
    output = render(fmt)
    golden = GOLDEN / f"export.{fmt}.{FORMATS[fmt].extension}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(output)
    assert golden.exists(), f"{golden} is missing; run with UPDATE_GOLDEN=1 to create it"
    assert output == golden.read_bytes()
    assert render(fmt) == output  # deterministic: no clock, no set ordering


def test_jsonl_has_one_article_per_line_with_sorted_keys_and_no_markdown():
    lines = render("jsonl").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [42, 43]
    assert all(list(r) == sorted(r) for r in records)
    verdicts = records[0]["claims"][0]["verdicts"]
    assert [v["status"] for v in verdicts] == ["superseded", "approved"]
    assert verdicts[1]["supersedes"] == 70 and verdicts[1]["correction_note"]
    assert "explanation" not in verdicts[1]
    assert verdicts[1]["rating"]["scale"] == {"slug": "default", "version": 1}
    assert records[0]["project"]["slug"] == "newsdesk"


def test_json_is_one_document_with_the_same_records_as_jsonl():
    document = json.loads(render("json"))
    assert document["articles"] == [json.loads(line) for line in render("jsonl").splitlines()]
    assert document["status"] == "all"


def test_csv_has_one_row_per_claim_with_its_current_verdict_and_no_formulas():
    rows = list(csv.DictReader(io.StringIO(render("csv").decode())))
    assert [r["claim_id"] for r in rows] == ["7", "8", "9", "10", "11", "12", "13"]
    assert rows[0]["verdict_id"] == "71" and rows[0]["rating"] == "false"
    assert [r["layer"] for r in rows] == ["curated"] * 5 + ["reviewer"] * 2
    assert (rows[0]["annotator"], rows[0]["curation"], rows[0]["curated_claim"]) == ("", "", "")
    assert (rows[5]["annotator"], rows[5]["curation"], rows[5]["curated_claim"]) == (
        "annotator-3",
        "merged",
        "9",
    )
    assert rows[6]["verdict_id"] == "" and rows[6]["curation"] == ""
    assert rows[3]["verdict_status"] == "draft"
    assert rows[4]["verdict_id"] == ""
    assert rows[3]["quote"].startswith("'=SUM")  # a spreadsheet must not evaluate it


def test_text_position_selectors_select_exactly_the_quote_in_emoji_and_cjk_text(standards):
    pages = [json.loads(line) for line in render("wadm").splitlines()[1:]]
    annotations = [a for page in pages for a in page["items"]]
    assert annotations
    for annotation in annotations:
        position, quote = annotation["target"]["selector"]
        assert position["type"] == "TextPositionSelector"
        assert TEXT[position["start"] : position["end"]] == quote["exact"]
        assert TEXT[: position["start"]].endswith(quote["prefix"])
        assert TEXT[position["end"] :].startswith(quote["suffix"])
    # The emoji claim: code points, not UTF-16 units (🚀 and 👍🏽 are two units each).
    emoji = next(a for a in annotations if "👍🏽" in a["target"]["selector"][1]["exact"])
    assert emoji["target"]["selector"][0]["end"] == TEXT.index("👍🏽") + 2


def test_wadm_collection_pages_and_annotations_pass_the_w3c_must_checks(standards, tmp_path):
    output = tmp_path / "export.wadm.jsonl"
    output.write_bytes(render("wadm"))
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert lines[0]["type"] == ["BasicContainer", "AnnotationCollection"]
    assert lines[0]["total"] == sum(len(p["items"]) for p in lines[1:]) == 12
    assert all("@context" not in item for page in lines[1:] for item in page["items"])
    motivations = {i["motivation"] for i in lines[1]["items"]}
    assert motivations == {"classifying", "linking", "assessing"}
    verdict = next(i for i in lines[1]["items"] if i["motivation"] == "assessing")
    assert [b["purpose"] for b in verdict["body"]] == ["classifying", "describing", "linking"]
    # Each annotation on its own (with the page's context) and the whole file.
    single = tmp_path / "annotations.jsonl"
    single.write_text(
        "\n".join(json.dumps({"@context": lines[1]["@context"], **i}) for i in lines[1]["items"])
    )
    for path in (output, single):
        result = subprocess.run(
            [sys.executable, str(standards / "check_wadm.py"), str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-2000:]
        assert " 0 MUST failures" in result.stdout


def test_wadm_pages_link_to_each_other_when_the_corpus_spans_several(standards, monkeypatch):
    from annotations.exports import web_annotation

    monkeypatch.setattr(web_annotation, "PAGE_SIZE", 4)
    lines = [json.loads(line) for line in render("wadm").splitlines()]
    collection, pages = lines[0], lines[1:]
    assert len(pages) == 3
    assert collection["first"] == pages[0]["id"] and collection["last"] == pages[-1]["id"]
    assert [p["startIndex"] for p in pages] == [0, 4, 8]
    assert pages[0]["next"] == pages[1]["id"] and pages[1]["prev"] == pages[0]["id"]
    assert "next" not in pages[-1]


def test_claimreview_items_validate_and_off_axis_labels_carry_no_number(standards):
    from jsonschema import Draft202012Validator

    schema = json.loads(
        (standards / "schemas/google-factcheck-claimreview.schema.json").read_text()
    )
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    feed = json.loads(render("claimreview"))
    assert feed["@type"] == "DataFeed"
    reviews = [element["item"][0] for element in feed["dataFeedElement"]]
    for review in reviews:
        errors = [e.message for e in validator.iter_errors(review)]
        assert errors == [], errors
    ratings = {r["reviewRating"]["alternateName"]: r["reviewRating"] for r in reviews}
    assert set(ratings) == {"False", "Unproven", "Half true"}  # approved only
    assert "ratingValue" not in ratings["Unproven"]
    false = ratings["False"]
    assert (false["ratingValue"], false["worstRating"], false["bestRating"]) == (1, 1, 5)
    assert reviews[0]["author"]["name"] == "Example Fact Desk"
    assert (
        reviews[0]["itemReviewed"]["appearance"]["url"] == "https://news.example.com/2025/06/tram"
    )


def test_fever_lines_validate_and_labels_without_a_fever_class_are_counted(standards):
    from jsonschema import Draft202012Validator

    schema = json.loads((standards / "schemas/fever-claim.schema.json").read_text())
    validator = Draft202012Validator(schema)
    stats: dict = {}
    lines = [orjson.loads(line) for line in render("fever", stats=stats).splitlines()]
    for line in lines:
        assert [e.message for e in validator.iter_errors(line)] == []
    assert [(r["id"], r["label"]) for r in lines] == [(7, "REFUTES"), (8, "NOT ENOUGH INFO")]
    assert lines[0]["evidence"] == [[[31, 71, "https://stats.example.net/bus", 0]]]
    assert stats["fever_skipped_no_class"] == 1  # the Half true claim
    assert stats["fever_written"] == 2


def test_explanation_text_drops_tags_and_decodes_entities():
    html = '<p>A &amp; B <a href="https://x.example" rel="nofollow">link</a></p><p>Next</p>'
    assert html_to_text(html) == "A & B link\nNext"


@pytest.mark.parametrize(
    "instant",
    [
        dt.datetime(2026, 11, 28, 14, 3, 12, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 28, 14, 3, 12, 120000, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 28, 14, 3, 12, 0, tzinfo=dt.UTC),
        dt.datetime(1999, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
    ],
)
def test_database_timestamp_text_formats_like_iso(instant):
    """SQLite's stored text and PostgreSQL's UTC text output give exactly iso()'s RFC 3339."""
    sqlite_text = instant.replace(tzinfo=None).isoformat(" ")
    fraction = f".{instant.microsecond:06d}".rstrip("0") if instant.microsecond else ""
    postgres_text = f"{instant:%Y-%m-%d %H:%M:%S}{fraction}+00"
    assert db_timestamp(sqlite_text) == iso(instant)
    assert db_timestamp(postgres_text) == iso(instant)
    assert db_timestamp(None) is None


@pytest.mark.django_db
def test_exported_timestamps_match_the_stored_instants(article, reviewer, editor):
    """On the database under test, the text path gives the same string as the model value."""
    from annotations.exports.rows import export_rows
    from tests.factories import make_claim, make_verdict

    claim = make_claim(article=article, user=reviewer)
    verdict = make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    verdict.refresh_from_db()
    [row] = next(export_rows(project=article.project))
    exported = row["claims"][0]["verdicts"][0]
    assert exported["approved_at"] == iso(verdict.approved_at)
    assert exported["created_at"] == iso(verdict.created_at)
    assert row["created_at"] == iso(article.created_at)
