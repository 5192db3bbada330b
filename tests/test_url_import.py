"""Importing articles from web pages: a fetched URL or a saved page becomes an article with its
extracted text and metadata and the page kept as provenance; URL imports and saved pages run as
import jobs (extraction can take many seconds), whose outcomes the job page and the API show.
Pages come from a real HTTP server on loopback that each test starts."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotations import services, tasks
from annotations.exceptions import NotPermitted, ValidationFailed
from annotations.fetch import FetchRefused
from annotations.models import Article, Event, Job
from tests.page_server import ARTICLE_HTML, running_page_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(settings, tmp_path):
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = ["localhost"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with running_page_server() as srv:
        yield srv


@pytest.fixture
def api(reviewer):
    client = APIClient()
    client.force_authenticate(reviewer)
    return client


def test_a_fetched_page_becomes_an_article_with_metadata_and_provenance(server, project, reviewer):
    article = services.import_url(
        project=project, creator=reviewer, url=server.url("/redirect?to=/article")
    )
    assert article.title == "Council doubles the bus budget"
    assert article.author == "Jane Reporter"
    assert article.publisher == "The Daily Example"
    assert article.language == "en"
    assert article.published_at.isoformat() == "2026-11-03T00:00:00+00:00"
    assert "double the bus budget to 40 million euros" in article.text
    assert "Subscribe to our newsletter" not in article.text  # boilerplate left out
    assert "Sport" not in article.text
    assert article.url == article.source_url == server.url("/article")
    assert article.source_html == ARTICLE_HTML
    assert article.source_sha256 == hashlib.sha256(ARTICLE_HTML.encode()).hexdigest()
    assert article.fetched_at is not None
    assert article.sentences.count() >= 4


def test_a_refused_fetch_stores_nothing(settings, project, reviewer):
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = []
    with pytest.raises(FetchRefused, match="loopback"):
        services.import_url(project=project, creator=reviewer, url="http://127.0.0.1:9/x")
    assert not Article.objects.exists()
    assert not Event.objects.filter(action="import").exists()


def test_a_researcher_may_not_import_and_nothing_is_fetched(server, project, researcher):
    with pytest.raises(NotPermitted, match="Only reviewers, editors and admins"):
        services.import_url(project=project, creator=researcher, url=server.url("/article"))
    assert server.requests == []


def test_api_fetch_url_queues_a_job_that_imports_the_page(
    server, project, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/projects/{project.slug}/articles/",
            {"fetch_url": server.url("/article")},
            format="json",
        )
    assert response.status_code == 202, response.json()
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}/"
    job = api.get(response["Location"]).json()
    assert job["state"] == "done"
    assert job["counts"] == {"imported": 1, "duplicate": 0, "failed": 0}
    article = Article.objects.get()
    assert job["outcomes"] == [
        {"item": 0, "label": server.url("/article"), "outcome": "imported", "article": article.pk}
    ]
    detail = api.get(f"/api/v1/articles/{article.pk}/").json()
    assert detail["source_url"] == server.url("/article")
    assert detail["source_sha256"] == article.source_sha256


def test_api_fetch_url_of_an_internal_address_fails_the_item_with_the_reason(
    server, project, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/projects/{project.slug}/articles/",
            {"fetch_url": "http://169.254.169.254/latest/meta-data/"},
            format="json",
        )
    job = api.get(response["Location"]).json()
    assert job["outcomes"][0]["outcome"] == "failed"
    assert "169.254.169.254, which is link-local" in job["outcomes"][0]["reason"]
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"fetch_url": "http://a.example/", "text": "x", "title": "t"}, "text", "exactly one"),
        ({"text": "Some text."}, "title", "title"),
        ({"fetch_url": "x" * 2001}, "fetch_url", "2000"),
    ],
)
def test_api_article_create_says_what_to_fix(project, api, body, field, message):
    response = api.post(f"/api/v1/projects/{project.slug}/articles/", body, format="json")
    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert not Job.objects.exists()


def test_api_import_of_a_non_http_url_is_refused_before_queueing(project, api):
    response = api.post(
        f"/api/v1/projects/{project.slug}/imports/",
        {"urls": ["https://ok.example/a", "file:///etc/passwd"]},
        format="json",
    )
    assert response.status_code == 400
    assert "file:///etc/passwd" in response.json()["detail"]
    assert not Job.objects.exists()


def test_a_url_list_job_records_imported_duplicate_and_failed(
    server, project, reviewer, django_capture_on_commit_callbacks
):
    urls = [
        server.url("/article"),
        server.url("/redirect?to=/article"),  # the same page again
        server.url("/type?t=application/json"),
        f"http://127.0.0.1:{server.port}/article",  # not an allowed host
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.start_import_job(project=project, user=reviewer, urls=urls)
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert [o["outcome"] for o in job.outcomes] == ["imported", "duplicate", "failed", "failed"]
    assert "same as version 1" in job.outcomes[1]["reason"]
    assert "not an HTML page" in job.outcomes[2]["reason"]
    assert "loopback" in job.outcomes[3]["reason"]
    assert job.counts == {"imported": 1, "duplicate": 1, "failed": 2}
    assert (job.done, job.total) == (4, 4)
    assert Article.objects.count() == 1


def test_a_job_run_again_after_a_killed_worker_imports_the_rest_without_duplicates(
    server, project, reviewer
):
    """A worker died after two of four items: the job is still "running" with two outcomes.
    Running the task again (as the next worker does) imports the other two only."""
    for n in range(4):
        server.pages[f"/p{n}"] = (
            ARTICLE_HTML.replace("bus budget", f"bus budget {n}"),
            "text/html",
        )
    urls = [server.url(f"/p{n}") for n in range(4)]
    job = Job.objects.create(
        project=project,
        kind=Job.Kind.IMPORT,
        created_by=reviewer,
        options={"source": "urls", "urls": urls},
        total=4,
    )
    items = list(tasks._import_items(job))
    for index, label, run in items[:2]:
        tasks._import_one(job, index, label, run)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)  # the worker was killed
    server.requests.clear()

    tasks.run_import_job.call(job.pk)

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert [o["item"] for o in job.outcomes] == [0, 1, 2, 3]
    assert {o["outcome"] for o in job.outcomes} == {"imported"}
    assert Article.objects.count() == 4
    assert sorted(path for path, _ in server.requests) == ["/p2", "/p3"]  # only the rest
    tasks.run_import_job.call(job.pk)  # a finished job run again does nothing
    assert Article.objects.count() == 4


def test_an_article_and_its_imported_mark_are_committed_together(server, project, reviewer):
    """If recording the outcome fails, the article is rolled back with it, so a rerun never
    finds an article it did not record (which it would report as a duplicate)."""

    def broken(article):
        raise RuntimeError("the job row is gone")

    with pytest.raises(RuntimeError):
        services.import_url(
            project=project, creator=reviewer, url=server.url("/article"), on_stored=broken
        )
    assert not Article.objects.exists()


def jsonl(*records) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


def test_a_zip_upload_imports_pages_and_jsonl_lines_and_reports_each(
    server, project, reviewer, django_capture_on_commit_callbacks
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a-saved-page.html", ARTICLE_HTML)
        archive.writestr(
            "b-more.jsonl",
            jsonl(
                {"title": "Rates", "text": "The bank raised rates twice this year."},
                {"title": "No text"},
                {"title": "Rates again", "text": "The bank raised rates twice this year."},
            ),
        )
        archive.writestr("c-notes.pdf", b"%PDF-1.4")
    upload = SimpleUploadedFile("batch.zip", buffer.getvalue(), "application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.start_import_job(project=project, user=reviewer, upload=upload)
    job.refresh_from_db()
    outcomes = [(o["label"], o["outcome"]) for o in job.outcomes]
    assert outcomes == [
        ("batch.zip/a-saved-page.html", "imported"),
        ("batch.zip/b-more.jsonl:1", "imported"),
        ("batch.zip/b-more.jsonl:2", "failed"),
        ("batch.zip/b-more.jsonl:3", "duplicate"),
        ("batch.zip/c-notes.pdf", "failed"),
    ]
    assert "give exactly one of text or html" in job.outcomes[2]["reason"]
    assert "unsupported file type .pdf" in job.outcomes[4]["reason"]
    page = Article.objects.get(title="Council doubles the bus budget")
    assert page.source_sha256 == hashlib.sha256(ARTICLE_HTML.encode()).hexdigest()
    assert page.fetched_at is None and page.source_url == ""


def test_the_add_article_page_queues_a_url_and_the_job_page_shows_the_outcome(
    server, project, reviewer, client, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/projects/{project.slug}/articles/new/",
            {"kind": "text", "fetch_url": server.url("/article")},
        )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.slug}/jobs/{job.pk}/"
    for _ in range(2):  # a reload shows the same
        page = client.get(response["Location"])
        html = page.content.decode()
        assert page.status_code == 200
        assert "Done" in html
        assert "Council doubles the bus budget" in html
        assert f'href="/articles/{Article.objects.get().pk}/"' in html
        assert '<script type="module" src="/static/js/job.js"></script>' in html


def test_the_add_article_page_queues_a_saved_page(
    server, project, reviewer, client, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    upload = SimpleUploadedFile("saved.html", ARTICLE_HTML.encode(), "text/html")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/projects/{project.slug}/articles/new/", {"kind": "text", "page": upload}
        )
    assert response.status_code == 302
    assert Article.objects.get().author == "Jane Reporter"


def test_the_bulk_import_page_says_what_to_fix(project, reviewer, client):
    client.force_login(reviewer)
    empty = client.post(f"/projects/{project.slug}/imports/new/", {"urls": ""})
    assert empty.status_code == 400
    assert "Give a list of URLs or a file" in empty.content.decode()
    bad = client.post(f"/projects/{project.slug}/imports/new/", {"urls": "ftp://x.example/"})
    assert bad.status_code == 400
    assert "is not an http(s) URL" in bad.content.decode()
    assert not Job.objects.exists()


def test_a_job_page_of_another_project_is_404(project, other_project, reviewer, outsider, client):
    job = Job.objects.create(project=project, kind=Job.Kind.IMPORT, created_by=reviewer)
    client.force_login(outsider)
    assert client.get(f"/projects/{project.slug}/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/projects/{other_project.slug}/jobs/{job.pk}/").status_code == 404


def test_import_articles_reads_urls_from_a_text_file(server, project, reviewer, tmp_path):
    import io

    from django.core.management import CommandError, call_command

    listing = tmp_path / "urls.txt"
    listing.write_text(
        f"# desk list\n{server.url('/article')}\n\nhttp://169.254.169.254/latest/\n"
        f"{server.url('/redirect?to=/article')}\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"Imported 1 article\(s\).*1 duplicate.*1 error"):
        call_command(
            "import_articles", "--project", project.slug, "--urls", str(listing),
            stdout=out, stderr=err,
        )  # fmt: skip
    assert f"{listing}:4: http://169.254.169.254/latest/: Refusing to fetch" in err.getvalue()
    assert f"{listing}:5: duplicate" in out.getvalue()
    assert Article.objects.get().source_url == server.url("/article")


def test_an_upload_over_the_import_limit_is_refused_before_it_is_stored(
    settings, tmp_path, project, reviewer
):
    from annotations.exceptions import TooLarge

    settings.MEDIA_ROOT = str(tmp_path)
    settings.FACTCHECK_MAX_IMPORT_UPLOAD_BYTES = 10
    upload = SimpleUploadedFile("big.jsonl", b"x" * 11, "application/json")
    with pytest.raises(TooLarge, match="11 bytes; an import takes at most 10"):
        tasks.start_import_job(project=project, user=reviewer, upload=upload)
    assert not Job.objects.exists()
    assert not any(tmp_path.rglob("*.jsonl"))


def test_an_upload_of_another_type_is_refused(settings, tmp_path, project, reviewer):
    settings.MEDIA_ROOT = str(tmp_path)
    upload = SimpleUploadedFile("notes.pdf", b"%PDF", "application/pdf")
    with pytest.raises(ValidationFailed, match=r"Upload a \.jsonl, \.zip, \.html, \.htm file"):
        tasks.start_import_job(project=project, user=reviewer, upload=upload)
