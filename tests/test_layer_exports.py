"""Exports and `import_corpus` with independent span annotation (issue 18): both layers in
jsonl/json/csv and W3C Web Annotation, each reviewer span with its pseudonym; ClaimReview and
FEVER publish curated, approved claims only; who may export which reviewer layer; the per-chunk
query count; and the round trip of both layers through `import_corpus`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from annotations import services
from annotations.exports import claimreview, fever
from annotations.exports.rows import export_counts, export_rows
from annotations.models import Article, Claim, LayerCompletion, Membership, Project
from tests.export_samples import sample_context, sample_rows
from tests.factories import ARTICLE_TEXT, make_article, make_claim, make_verdict
from tests.test_export_api import _empty_the_database

pytestmark = pytest.mark.django_db
URL = "/api/v1/projects/newsdesk/export/"
TRAM = "carry 22,000 passengers a day by 2030"
TRAM_LONGER = "the tram will carry 22,000 passengers a day by 2030"
BUS = "bus use fell 15% since 2019"


def pseudonym(project, user) -> str:
    return Membership.objects.get(project=project, user=user).pseudonym


@pytest.fixture
def layered(project, reviewer, reviewer2, editor):
    """An article curated from two reviewers' layers, and one still being marked.

    While the project shared its claims the editor marked TRAM (curated, approved verdict).
    Then independent spans: on article 1, rev marked TRAM_LONGER (merged into the curated
    claim), rev2 marked TRAM (accepted) and BUS (rejected); both finished. On article 2, rev
    marked BUS and finished; rev2 marked TRAM and has not finished.
    """
    first = make_article(project=project, creator=editor, title="Curated")
    curated = make_claim(article=first, user=editor, quote=TRAM)
    make_verdict(claim=curated, user=reviewer, status="approved", editor=editor, rating="true")
    services.update_project(project=project, actor=editor, independent_spans=True)
    project.refresh_from_db()
    merged = make_claim(article=first, user=reviewer, quote=TRAM_LONGER)
    accepted = make_claim(article=first, user=reviewer2, quote=TRAM)
    rejected = make_claim(article=first, user=reviewer2, quote=BUS)
    services.finish_article(article_id=first.pk, user=reviewer)
    services.finish_article(article_id=first.pk, user=reviewer2)
    # Curation is another engineer's service; its outcome is stored as it will store it.
    Claim.objects.filter(pk=merged.pk).update(curation="merged", curated_claim=curated)
    Claim.objects.filter(pk=accepted.pk).update(curation="accepted", curated_claim=curated)
    Claim.objects.filter(pk=rejected.pk).update(curation="rejected")
    Article.objects.filter(pk=first.pk).update(curation_started_at=timezone.now())
    second = make_article(
        project=project, creator=editor, title="Being marked", text=ARTICLE_TEXT + " Part two."
    )
    finished = make_claim(article=second, user=reviewer, quote=BUS)
    services.finish_article(article_id=second.pk, user=reviewer)
    unfinished = make_claim(article=second, user=reviewer2, quote=TRAM)
    return {
        "first": first,
        "second": second,
        "curated": curated,
        "merged": merged,
        "accepted": accepted,
        "rejected": rejected,
        "finished": finished,
        "unfinished": unfinished,
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download(user, **params) -> bytes:
    response = client_for(user).get(URL, params)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def claims_of(jsonl: bytes) -> dict[int, dict]:
    return {
        c["id"]: c for line in jsonl.splitlines() for c in json.loads(line)["claims"]
    }  # fmt: skip


# --- jsonl / json / csv ---------------------------------------------------------------------


def test_an_editor_exports_both_layers_with_pseudonyms_curation_and_finished_marks(
    project, layered, reviewer, reviewer2, editor
):
    data = download(editor, format="jsonl", status="all")
    claims = claims_of(data)
    assert set(claims) == {layered[k].pk for k in layered if k not in ("first", "second")}
    curated = claims[layered["curated"].pk]
    assert curated["layer"] == "curated"
    assert not {"annotator", "curation", "curated_claim"} & set(curated)
    assert [v["status"] for v in curated["verdicts"]] == ["approved"]
    merged = claims[layered["merged"].pk]
    assert merged["layer"] == "reviewer"
    assert merged["annotator"] == merged["created_by"] == pseudonym(project, reviewer)
    assert (merged["curation"], merged["curated_claim"]) == ("merged", layered["curated"].pk)
    rejected = claims[layered["rejected"].pk]
    assert rejected["annotator"] == pseudonym(project, reviewer2)
    assert (rejected["curation"], rejected["curated_claim"]) == ("rejected", None)
    unfinished = claims[layered["unfinished"].pk]
    assert (unfinished["curation"], unfinished["curated_claim"]) == ("", None)
    records = {r["id"]: r for r in map(json.loads, data.splitlines())}
    first = records[layered["first"].pk]
    assert [m["annotator"] for m in first["finished_by"]] == [
        pseudonym(project, reviewer),
        pseudonym(project, reviewer2),
    ]
    assert all(m["finished_at"].endswith("Z") for m in first["finished_by"])
    assert first["curation_started_at"].endswith("Z")
    assert records[layered["second"].pk]["curation_started_at"] is None
    assert first["project"]["independent_spans"] is True


def test_a_researcher_exports_a_reviewer_layer_only_once_its_owner_finished(
    layered, researcher, editor
):
    claims = claims_of(download(researcher, format="jsonl", status="all"))
    assert layered["unfinished"].pk not in claims
    assert layered["finished"].pk in claims
    assert layered["merged"].pk in claims and layered["curated"].pk in claims
    rows = list(csv.DictReader(io.StringIO(download(researcher, format="csv").decode())))
    assert layered["unfinished"].pk not in {int(r["claim_id"]) for r in rows}
    by_id = {int(r["claim_id"]): r for r in rows}
    assert by_id[layered["accepted"].pk]["layer"] == "reviewer"
    assert by_id[layered["accepted"].pk]["curation"] == "accepted"
    assert by_id[layered["accepted"].pk]["curated_claim"] == str(layered["curated"].pk)
    assert by_id[layered["curated"].pk]["layer"] == "curated"
    assert by_id[layered["curated"].pk]["annotator"] == ""
    # The counts an export states agree with what it holds, for each of the two views.
    project = layered["first"].project
    assert export_counts(project=project, reviewer_layers="finished")["claims"] == 5
    assert export_counts(project=project, reviewer_layers="all")["claims"] == 6
    # Once rev2 finishes, researchers see that layer too.
    services.finish_article(article_id=layered["second"].pk, user=layered["unfinished"].created_by)
    assert layered["unfinished"].pk in claims_of(download(researcher, format="jsonl"))


def test_an_incremental_pull_brings_a_layer_that_became_visible_by_finishing(layered, researcher):
    cutoff = timezone.now()
    assert download(researcher, updated_since=cutoff.isoformat()) == b""
    services.finish_article(article_id=layered["second"].pk, user=layered["unfinished"].created_by)
    pulled = [
        json.loads(line)
        for line in download(researcher, updated_since=cutoff.isoformat()).splitlines()
    ]
    assert [r["id"] for r in pulled] == [layered["second"].pk]
    assert layered["unfinished"].pk in {c["id"] for c in pulled[0]["claims"]}


def test_a_json_export_holds_the_same_layers_as_jsonl(layered, editor):
    document = json.loads(download(editor, format="json", status="all"))
    jsonl = [
        json.loads(line) for line in download(editor, format="jsonl", status="all").splitlines()
    ]
    assert document["articles"] == jsonl


@pytest.mark.parametrize("n_articles", [1, 3])
def test_layers_cost_no_query_more_per_chunk(
    project, reviewer, reviewer2, django_assert_max_num_queries, n_articles
):
    """3 queries up front, at most 6 per chunk, 1 to find the end, with the researchers' filter
    too (5 per chunk here: no verdict, so no query of cited sources)."""
    services.update_project(project=project, actor=None, independent_spans=True)
    project.refresh_from_db()
    for i in range(n_articles):
        article = make_article(
            project=project, creator=reviewer, title=f"A{i}", text=f"{ARTICLE_TEXT} Story {i}."
        )
        make_claim(article=article, user=reviewer, quote=TRAM)
        make_claim(article=article, user=reviewer2, quote=BUS)
        services.finish_article(article_id=article.pk, user=reviewer)
    for layers, claims in (("finished", n_articles), ("all", 2 * n_articles)):
        with django_assert_max_num_queries(3 + 5 * n_articles + 1):
            chunks = list(
                export_rows(project=project, status="all", chunk_size=1, reviewer_layers=layers)
            )
        assert sum(len(a["claims"]) for chunk in chunks for a in chunk) == claims
        assert all(a["finished_by"] for chunk in chunks for a in chunk)


# --- W3C Web Annotation, ClaimReview, FEVER -------------------------------------------------


def test_wadm_has_one_annotation_per_reviewer_span_by_its_pseudonym_and_passes_w3c(
    project, layered, reviewer, reviewer2, editor, standards, tmp_path
):
    lines = [json.loads(line) for line in download(editor, format="wadm").splitlines()]
    items = [item for page in lines[1:] for item in page["items"]]
    assert lines[0]["total"] == len(items)
    spans = [i for i in items if i["motivation"] == "classifying"]
    reviewer_spans = [
        i for i in spans if any(b.get("value") == "reviewer layer" for b in i["body"])
    ]
    reviewer_ids = {
        layered[k].pk for k in ("merged", "accepted", "rejected", "finished", "unfinished")
    }
    assert len(reviewer_spans) == len(reviewer_ids) == 5
    assert {i["id"].rsplit("/", 2)[-2] for i in reviewer_spans} == {str(pk) for pk in reviewer_ids}
    by_claim = {int(i["id"].rsplit("/", 2)[-2]): i for i in reviewer_spans}
    assert by_claim[layered["merged"].pk]["creator"] == {
        "type": "Person",
        "nickname": pseudonym(project, reviewer),
    }
    assert by_claim[layered["accepted"].pk]["creator"]["nickname"] == pseudonym(project, reviewer2)
    tags = [b["value"] for b in by_claim[layered["merged"].pk]["body"] if b["purpose"] == "tagging"]
    assert tags == ["reviewer layer", "curation: merged"]
    output = tmp_path / "layers.wadm.jsonl"
    output.write_text("\n".join(json.dumps(line) for line in lines))
    result = subprocess.run(
        [sys.executable, str(standards / "check_wadm.py"), str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert " 0 MUST failures" in result.stdout


def test_claimreview_and_fever_publish_curated_approved_claims_only(layered, editor):
    feed = json.loads(download(editor, format="claimreview", status="all"))
    assert len(feed["dataFeedElement"]) == 1
    fever_lines = download(editor, format="fever", status="all").splitlines()
    assert [json.loads(line)["id"] for line in fever_lines] == [layered["curated"].pk]


def test_the_writers_skip_a_reviewer_layer_claim_even_with_an_approved_verdict():
    """The database cannot hold a verdict on a reviewer's span; the writers do not rely on it."""
    rows = sample_rows()
    article = rows[0][0]
    curated = article["claims"][0]  # approved FALSE verdict citing a source: a FEVER line
    as_reviewer = {**curated, "id": 99, "layer": "reviewer", "annotator": "annotator-3"}
    article["claims"].append(as_reviewer)
    context = sample_context()
    reviews = list(claimreview.approved_reviews(rows, context))
    assert 99 not in {int(r["url"].rsplit("/", 2)[-2]) for r in reviews}
    assert len(reviews) == 3  # claims 7, 8 and 9 of the sample, as before
    stats: dict = {}
    lines = [json.loads(line) for chunk in fever.render_fever(rows, context=context, stats=stats)
             for line in chunk.splitlines()]  # fmt: skip
    assert 99 not in {line["id"] for line in lines}
    assert curated["id"] in {line["id"] for line in lines}


# --- import_corpus --------------------------------------------------------------------------


def export_file(path: Path, **options) -> Path:
    call_command("export", project="newsdesk", output=str(path), stderr=io.StringIO(), **options)
    return path


def load(path: Path) -> str:
    err = io.StringIO()
    call_command("import_corpus", str(path), stderr=err)
    return err.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_both_layers_round_trip_through_import_corpus(layered, tmp_path, fmt):
    first = export_file(tmp_path / f"first.{fmt}", format=fmt, status="all")
    marks = list(LayerCompletion.objects.order_by("pk").values_list("article_id", "finished_at"))
    _empty_the_database()
    assert "2 articles, 6 claims" in load(first)
    second = export_file(tmp_path / f"second.{fmt}", format=fmt, status="all")
    assert second.read_bytes() == first.read_bytes()
    project = Project.objects.get(slug="newsdesk")
    assert project.independent_spans is True
    merged = Claim.objects.get(pk=layered["merged"].pk)
    assert (merged.layer, merged.curation, merged.curated_claim_id) == (
        "reviewer",
        "merged",
        layered["curated"].pk,
    )
    if fmt == "json":
        articles = json.loads(first.read_text())["articles"]
    else:
        articles = [json.loads(line) for line in first.read_text().splitlines()]
    exported = next(c for a in articles for c in a["claims"] if c["id"] == merged.pk)
    owner = Membership.objects.get(project=project, user_id=merged.created_by_id)
    assert owner.pseudonym == exported["annotator"]
    restored = list(
        LayerCompletion.objects.order_by("finished_at", "pk").values_list(
            "article_id", "finished_at"
        )
    )
    assert sorted(restored) == sorted(marks)
    assert Article.objects.get(pk=layered["first"].pk).curation_started_at is not None


def test_a_shared_project_round_trips_with_its_claims_curated(project, reviewer, editor, tmp_path):
    article = make_article(project=project, creator=reviewer)
    claim = make_claim(article=article, user=reviewer)
    make_verdict(claim=claim, user=reviewer, status="approved", editor=editor, rating="true")
    first = export_file(tmp_path / "shared.jsonl", status="all")
    record = json.loads(first.read_text())
    assert record["project"]["independent_spans"] is False
    assert record["finished_by"] == [] and record["claims"][0]["layer"] == "curated"
    _empty_the_database()
    load(first)
    assert export_file(tmp_path / "again.jsonl", status="all").read_bytes() == first.read_bytes()
    assert Project.objects.get(slug="newsdesk").independent_spans is False


def test_a_file_without_layers_loads_as_curated_claims(project, reviewer, tmp_path):
    """Files exported before issue 18 have no layer fields: every claim was shared."""
    article = make_article(project=project, creator=reviewer)
    make_claim(article=article, user=reviewer)
    record = json.loads(export_file(tmp_path / "new.jsonl", status="all").read_text())
    for key in ("finished_by", "curation_started_at"):
        del record[key]
    del record["project"]["independent_spans"]
    for claim in record["claims"]:
        del claim["layer"]
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(record) + "\n")
    _empty_the_database()
    load(old)
    assert list(Claim.objects.values_list("layer", flat=True)) == ["curated"]


def _tamper(path: Path, change) -> Path:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    change(records)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _claim(records, claim_id):
    return next(c for r in records for c in r["claims"] if c["id"] == claim_id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rs, ids: _claim(rs, ids["merged"]).update(layer="private"), "layer 'private'"),
        (
            lambda rs, ids: _claim(rs, ids["merged"]).update(annotator="annotator-99"),
            "annotator must be the claim's created_by",
        ),
        (
            lambda rs, ids: _claim(rs, ids["merged"]).update(curated_claim=ids["accepted"]),
            "is not a curated claim of the same article",
        ),
        (
            lambda rs, ids: _claim(rs, ids["merged"]).update(curation="approved"),
            "curation 'approved'",
        ),
        (
            lambda rs, ids: _claim(rs, ids["curated"]).update(curation="accepted"),
            "a curated claim has no curation",
        ),
        (
            lambda rs, ids: rs[0]["finished_by"].append(dict(rs[0]["finished_by"][0])),
            "finished the article twice",
        ),
        (
            lambda rs, ids: rs[0]["finished_by"][0].update(finished_at="yesterday"),
            "is not an RFC 3339 timestamp",
        ),
    ],
)
def test_bad_layer_data_is_refused_naming_the_row_and_loads_nothing(
    layered, tmp_path, change, message
):
    ids = {k: v.pk for k, v in layered.items()}
    path = export_file(tmp_path / "bad.jsonl", status="all")
    _tamper(path, lambda records: change(records, ids))
    _empty_the_database()
    with pytest.raises(CommandError) as failure:
        load(path)
    assert message in str(failure.value)
    assert "Nothing was imported" in str(failure.value)
    assert not Project.objects.exists() and not LayerCompletion.objects.exists()
