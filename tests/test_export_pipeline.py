"""The export pipeline's performance structure keeps its results: statements compiled once and
reused for chunks of every size, counts tallied from the rows instead of queried, and the
command's queries (no count queries before a jsonl stream, a constant number per chunk)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from annotations.exports.pipeline import parse_options, run_export
from annotations.exports.rows import export_counts, export_rows
from annotations.models import Project
from tests.factories import make_article, make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db


def _article(project, reviewer, i):
    return make_article(
        project=project, creator=reviewer, title=f"A{i}", text=f"Claim {i} is stated here."
    )


@pytest.fixture
def mixed(project, reviewer, editor):
    """Five articles: approved verdicts with and without a FEVER class, a draft, a source no
    approved verdict cites, a returned verdict, and an article without claims."""
    articles = [_article(project, reviewer, i) for i in range(5)]
    first = make_claim(article=articles[0], user=reviewer, quote="Claim 0")
    make_verdict(claim=first, user=reviewer, status="approved", editor=editor, rating="true")
    make_source(claim=first, user=reviewer, url="https://uncited.example.org/")
    second = make_claim(article=articles[0], user=reviewer, quote="stated here")
    make_verdict(claim=second, user=reviewer, status="draft", rating="false")
    half = make_claim(article=articles[1], user=reviewer, quote="Claim 1")
    make_verdict(claim=half, user=reviewer, status="approved", editor=editor, rating="half-true")
    returned = make_claim(article=articles[2], user=reviewer, quote="Claim 2")
    make_verdict(claim=returned, user=reviewer, status="submitted", rating="false")
    make_claim(article=articles[3], user=reviewer, quote="Claim 3")
    return articles


def _project(project) -> Project:
    return Project.objects.select_related("rating_scale").get(pk=project.pk)


@pytest.mark.parametrize("status", ["approved", "all"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "wadm"])
def test_tallied_counts_equal_the_count_queries(mixed, project, status, fmt):
    export = run_export(
        project=_project(project),
        options=parse_options(format=fmt, status=status),
        base_url="http://testserver/",
        chunk_size=2,
        count=False,
        tally=True,
    )
    assert export.tally["articles"] == 0  # nothing is read before the stream
    b"".join(export.stream)
    expected = export_counts(project=project, status=status)
    assert export.tally == expected
    assert expected["approved_without_fever_class"] == 1 and expected["claims"] == 5
    assert expected["sources"] == (2 if status == "approved" else 5)


@pytest.mark.parametrize("status", ["approved", "all"])
def test_every_chunk_size_gives_the_same_rows(mixed, project, reviewer, status):
    """Short chunks reuse the statement compiled for `chunk_size` ids (padded id lists)."""
    whole = [row for chunk in export_rows(project=project, status=status) for row in chunk]
    assert [row["id"] for row in whole] == [a.pk for a in mixed]
    for size in (1, 2, 3, 4, 5, 6):
        chunks = list(export_rows(project=project, status=status, chunk_size=size))
        assert [len(c) for c in chunks[:-1]] == [size] * (len(chunks) - 1)
        assert [row for chunk in chunks for row in chunk] == whole


def test_incremental_export_in_chunks(mixed, project, reviewer):
    """The statement compiled with the updated_since filter serves every chunk."""
    cutoff = timezone.now()
    late = [mixed[1], mixed[3], mixed[4]]
    for article in late:
        make_claim(article=article, user=reviewer, quote="stated here")
    for size in (1, 2, 100):
        rows = [
            row
            for chunk in export_rows(
                project=project, status="all", updated_since=cutoff, chunk_size=size
            )
            for row in chunk
        ]
        assert [row["id"] for row in rows] == [a.pk for a in late]


@pytest.mark.parametrize("n_articles", [1, 3])
def test_the_command_takes_no_count_queries_for_jsonl(
    project, reviewer, editor, django_assert_num_queries, n_articles
):
    """The project, one article count for the progress bar, people and scales (3), then 6
    queries per chunk and 1 to find the end: no count queries for the claims, sources..."""
    for i in range(n_articles):
        claim = make_claim(
            article=_article(project, reviewer, i), user=reviewer, quote=f"Claim {i}"
        )
        make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    err = io.StringIO()
    with django_assert_num_queries(2 + 3 + 6 * n_articles + 1):
        call_command("export", project="newsdesk", chunk_size=1, stdout=io.StringIO(), stderr=err)
    assert f"Exported {n_articles} articles, {n_articles} claims (" in err.getvalue()
    assert f"{n_articles}/{n_articles}" in err.getvalue()  # progress per article, total known
