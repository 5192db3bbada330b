"""The export over HTTP and the command: permissions, parameters, streaming, gzip, incremental
pulls, query counts per chunk, and the import_corpus round trip."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from annotations import services, tokens
from annotations.exports.rows import export_rows
from annotations.models import (
    Article,
    Assignment,
    Claim,
    Event,
    LayerCompletion,
    Membership,
    Project,
    Sentence,
    Source,
    Verdict,
)
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db
URL = "/api/v1/projects/newsdesk/export/"


@pytest.fixture
def corpus(project, reviewer, editor):
    """One article with an approved verdict, a draft, and a correction awaiting approval."""
    article = make_article(project=project, creator=reviewer)
    approved = make_claim(article=article, user=reviewer)
    make_verdict(claim=approved, user=reviewer, status="approved", editor=editor, rating="true")
    draft = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    make_verdict(claim=draft, user=reviewer, status="draft", rating="false")
    return article


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_researcher_downloads_approved_verdicts_by_default_with_a_filename(corpus, researcher):
    response = client_for(researcher).get(URL, {"format": "jsonl"})
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="factcheck-newsdesk-jsonl.jsonl"'
    )
    record = json.loads(body(response))
    statuses = [v["status"] for c in record["claims"] for v in c["verdicts"]]
    assert statuses == ["approved"]
    assert {c["created_by"] for c in record["claims"]} == {"annotator-1"}  # pseudonym, not "rev"
    assert b'"rev"' not in body(client_for(researcher).get(URL))


def test_status_all_exports_every_verdict_with_its_status(corpus, researcher):
    record = json.loads(body(client_for(researcher).get(URL, {"status": "all"})))
    statuses = sorted(v["status"] for c in record["claims"] for v in c["verdicts"])
    assert statuses == ["approved", "draft"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "xml"}, "Unknown export format 'xml'"),
        ({"status": "pending"}, "Unknown status 'pending'"),
        ({"updated_since": "last tuesday"}, "is not an ISO 8601 timestamp"),
        ({"updated_since": "2025-13-45T00:00:00Z"}, "is not an ISO 8601 timestamp"),
    ],
)
def test_bad_parameters_get_400_with_a_message_saying_what_to_fix(
    corpus, researcher, params, message
):
    response = client_for(researcher).get(URL, params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_who_may_export(corpus, researcher, reviewer, editor, project_admin, outsider):
    assert client_for(researcher).get(URL).status_code == 200
    assert client_for(editor).get(URL).status_code == 200
    assert client_for(reviewer).get(URL).status_code == 403
    assert client_for(outsider).get(URL).status_code == 404
    assert Client().get(URL).status_code in (401, 403)
    denied = client_for(editor).get(URL, {"identities": "1"})
    assert denied.status_code == 403
    assert "Only project admins" in denied.json()["detail"]
    allowed = client_for(project_admin).get(URL, {"identities": "1"})
    assert json.loads(body(allowed))["claims"][0]["created_by"] == "rev"


def test_token_authentication_works_for_the_export(corpus, researcher):
    key = tokens.create_token(user=researcher, name="script")[1]
    response = Client().get(URL, {"format": "csv"}, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert body(response).startswith(b"article_id,")


def test_gzip_compresses_the_streamed_export(corpus, researcher):
    client = client_for(researcher)
    plain = body(client.get(URL, {"format": "wadm"}))
    response = client.get(URL, {"format": "wadm"}, HTTP_ACCEPT_ENCODING="gzip")
    assert response.streaming
    assert response["Content-Encoding"] == "gzip"
    compressed = body(response)
    assert gzip.decompress(compressed) == plain
    assert len(compressed) < len(plain)


def test_updated_since_returns_only_articles_changed_since(corpus, project, reviewer, researcher):
    other = make_article(project=project, creator=reviewer, title="Other", text="Nothing here yet.")
    cutoff = timezone.now()
    client = client_for(researcher)
    assert body(client.get(URL, {"updated_since": cutoff.isoformat()})) == b""
    claim = make_claim(article=other, user=reviewer, quote="Nothing here")
    records = body(client.get(URL, {"updated_since": cutoff.isoformat()})).splitlines()
    assert [json.loads(r)["id"] for r in records] == [other.pk]
    assert json.loads(records[0])["claims"][0]["id"] == claim.pk


def test_fever_export_says_how_many_claims_were_left_out(project, reviewer, editor, researcher):
    article = make_article(project=project, creator=reviewer)
    half = make_claim(article=article, user=reviewer)
    make_verdict(claim=half, user=reviewer, status="approved", editor=editor, rating="half-true")
    response = client_for(researcher).get(URL, {"format": "fever"})
    assert response["X-Fever-Skipped-No-Class"] == "1"
    assert body(response) == b""
    err = io.StringIO()
    call_command("export", project="newsdesk", format="fever", stdout=io.StringIO(), stderr=err)
    assert "left out 1 whose label has no FEVER class" in err.getvalue()


def _articles(project, reviewer, editor, n):
    for i in range(n):
        article = make_article(
            project=project, creator=reviewer, title=f"A{i}", text=f"Claim {i} is stated here."
        )
        for quote in (f"Claim {i}", "stated here"):
            claim = make_claim(article=article, user=reviewer, quote=quote)
            make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)


@pytest.mark.parametrize("n_articles", [1, 4])
def test_export_rows_reads_each_chunk_with_the_same_number_of_queries(
    project, reviewer, editor, django_assert_num_queries, n_articles
):
    """3 queries up front (people, scales, labels), 6 per chunk, 1 to find the end."""
    _articles(project, reviewer, editor, n_articles)
    with django_assert_num_queries(3 + 6 * n_articles + 1):
        chunks = list(export_rows(project=project, status="all", chunk_size=1))
    assert len(chunks) == n_articles
    assert sum(len(a["claims"]) for chunk in chunks for a in chunk) == 2 * n_articles


def test_http_export_query_count_does_not_grow_with_the_corpus(
    project, reviewer, editor, researcher, django_assert_max_num_queries
):
    _articles(project, reviewer, editor, 6)
    client = client_for(researcher)
    with django_assert_max_num_queries(25):
        assert len(body(client.get(URL, {"format": "wadm"})).splitlines()) == 2


def _empty_the_database() -> None:
    """Remove every project row, as in a fresh database (Events refuse ORM deletes)."""
    models = [Verdict.sources.through, Verdict, Source, Claim, Sentence, Assignment,
              LayerCompletion, Article, Event, Membership, Project]  # fmt: skip
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 (our table names)


def test_import_corpus_restores_a_byte_identical_export(
    project, reviewer, reviewer2, editor, tmp_path
):
    """Backup and restore: export all, load into an empty database, export again."""
    article = make_article(project=project, creator=reviewer, url="https://news.example.org/a")
    claim = make_claim(article=article, user=reviewer, statement="Ridership will reach 22k.")
    original = make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    correction = services.correct_verdict(
        verdict_id=original.pk, user=reviewer2, correction_note="New data.", rating="unproven",
        explanation="Not *enough* data.", no_source_reason="Unpublished model.",
    )  # fmt: skip
    services.submit_verdict(verdict_id=correction.pk, user=reviewer2)
    services.approve_verdict(verdict_id=correction.pk, editor=editor)
    other = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    make_verdict(claim=other, user=reviewer2, status="returned", editor=editor, rating="false")
    services.assign_articles(
        project=project, actor=editor, article_ids=[article.pk], reviewers=[reviewer, reviewer2]
    )
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    call_command(
        "export", project="newsdesk", status="all", output=str(first), stderr=io.StringIO()
    )
    _empty_the_database()
    assert not Project.objects.exists()

    call_command("import_corpus", str(first), stderr=io.StringIO())
    call_command(
        "export", project="newsdesk", status="all", output=str(second), stderr=io.StringIO()
    )

    assert second.read_bytes() == first.read_bytes()
    assert b'"assignees":["annotator-1","annotator-2"]' in first.read_bytes()
    assert Assignment.objects.filter(article_id=article.pk).count() == 2
    statuses = dict(Verdict.objects.values_list("pk", "status"))
    assert statuses[original.pk] == "superseded" and statuses[correction.pk] == "approved"
    assert Sentence.objects.filter(article_id=article.pk).exists()
    # New rows after the import get fresh ids (PostgreSQL sequences moved past imported ids).
    fresh = make_claim(
        article=Article.objects.get(pk=article.pk),
        user=Membership.objects.filter(role="reviewer").first().user,
        quote="Critics",
    )
    assert fresh.pk > other.pk


def test_import_corpus_refuses_a_database_that_has_the_project(corpus, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "x.jsonl"
    call_command("export", project="newsdesk", status="all", output=str(path), stderr=io.StringIO())
    with pytest.raises(CommandError, match="already has a project 'newsdesk'"):
        call_command("import_corpus", str(path))
