"""The export page (`/projects/<slug>/export/`): who may open it, the counts it shows for a
choice (constant queries), a download link over the same streaming endpoint as the API, the
equivalent curl and manage.py commands, and "prepare a file" through the background job."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from annotations.exports.rows import export_counts
from annotations.models import Job
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db
PAGE = "/projects/newsdesk/export/"
QUERIES = 11


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def corpus(article, reviewer, editor):
    approved = make_claim(article=article, user=reviewer)
    make_verdict(claim=approved, user=reviewer, status="approved", editor=editor)
    drafted = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    make_verdict(claim=drafted, user=reviewer, rating="false")
    return article


def download_href(response) -> str:
    match = re.search(r'id="download" href="([^"]+)"', response.content.decode())
    assert match, "the page offers no download link"
    return html.unescape(match.group(1))


@pytest.mark.parametrize(
    ("who", "status"),
    [("researcher", 200), ("editor", 200), ("project_admin", 200), ("reviewer", 403)],
)
def test_the_page_is_for_those_who_may_export(request, corpus, who, status):
    response = client_for(request.getfixturevalue(who)).get(PAGE)
    assert response.status_code == status
    if status == 403:
        assert "Only researchers, editors and admins" in response.content.decode()


def test_outsiders_and_anonymous_users_do_not_see_the_project(corpus, outsider):
    assert client_for(outsider).get(PAGE).status_code == 404
    assert client_for(outsider).post(PAGE + "jobs/", {"format": "jsonl"}).status_code == 404
    assert Client().get(PAGE).status_code == 302


def test_counts_match_what_the_export_will_contain(corpus, project, researcher):
    approved = client_for(researcher).get(PAGE)
    body = approved.content.decode()
    expected = export_counts(project=project, status="approved")
    assert expected["claims"] == 2 and expected["verdicts"] == 1
    for name in ("articles", "claims", "sources", "verdicts"):
        assert f'id="count-{name}">{expected[name]}<' in body
    everything = client_for(researcher).get(PAGE, {"status": "all"}).content.decode()
    assert 'id="count-verdicts">2<' in everything


def test_the_download_link_streams_the_same_bytes_as_the_api(corpus, project, researcher):
    client = client_for(researcher)
    page = client.get(PAGE, {"format": "csv", "status": "all", "updated_since": "2000-01-01"})
    href = download_href(page)
    assert href == (
        f"/api/v1/projects/{project.slug}/export/?format=csv&status=all&updated_since=2000-01-01"
    )
    from_page = b"".join(client.get(href).streaming_content)
    from_api = b"".join(
        client.get(
            reverse("project-export", args=[project.slug]),
            {"format": "csv", "status": "all", "updated_since": "2000-01-01"},
        ).streaming_content
    )
    assert from_page == from_api and b"bus use fell" in from_page


def test_the_page_shows_the_equivalent_commands(corpus, researcher):
    body = client_for(researcher).get(PAGE, {"format": "fever"}).content.decode()
    body = html.unescape(body)
    assert (
        "python manage.py export --project newsdesk --format fever --status approved "
        "--output factcheck-newsdesk-fever.jsonl"
    ) in body
    assert 'curl --fail --compressed -H "Authorization: Token $FACTCHECK_TOKEN"' in body
    assert (
        "'http://testserver/api/v1/projects/newsdesk/export/?format=fever&status=approved'" in body
    )
    assert reverse("account") in body and reverse("api-docs") in body


def test_a_bad_choice_is_explained_beside_its_field(corpus, researcher):
    response = client_for(researcher).get(PAGE, {"updated_since": "last tuesday", "format": "pdf"})
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert "is not an ISO 8601 timestamp" in body or "Select a valid choice" in body
    assert 'id="download"' not in body
    only_date = client_for(researcher).get(PAGE, {"updated_since": "last tuesday"})
    assert "'last tuesday' is not an ISO 8601 timestamp" in html.unescape(
        only_date.content.decode()
    )


def test_identities_are_offered_to_admins_only(corpus, project, researcher, project_admin):
    researcher_page = client_for(researcher).get(PAGE, {"identities": "1"})
    assert 'name="identities"' not in researcher_page.content.decode()
    # A typed identities=1 is not carried into the researcher's download link.
    assert "identities" not in download_href(researcher_page)
    admin_page = client_for(project_admin).get(PAGE, {"identities": "on"})
    assert 'name="identities"' in admin_page.content.decode()
    href = download_href(admin_page)
    assert href.endswith("&identities=1")
    admin_export = b"".join(client_for(project_admin).get(href).streaming_content)
    assert b'"rev"' in admin_export


def test_prepare_a_file_queues_an_export_job(corpus, project, researcher, reviewer):
    client = client_for(researcher)
    response = client.post(
        PAGE + "jobs/", {"format": "wadm", "status": "all", "updated_since": "2024-01-01"}
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.created_by, job.kind, job.state) == (researcher, "export", "queued")
    assert job.options["format"] == "wadm" and job.options["status"] == "all"
    assert job.options["updated_since"].startswith("2024-01-01T00:00:00")
    page = client.get(response["Location"])
    assert f"Export file #{job.pk} is being prepared" in page.content.decode()
    assert "<td>wadm</td>" in page.content.decode()
    # Reviewers may not export, so they may not queue one either.
    refused = client_for(reviewer).post(PAGE + "jobs/", {"format": "jsonl"})
    assert refused.status_code == 403
    assert Job.objects.count() == 1


def test_identity_jobs_are_hidden_from_researchers(corpus, project, researcher, project_admin):
    client_for(project_admin).post(PAGE + "jobs/", {"format": "jsonl", "identities": "on"})
    job = Job.objects.get()
    assert job.options["identities"] is True
    assert f"<td>{job.pk}</td>" in client_for(project_admin).get(PAGE).content.decode()
    assert f"<td>{job.pk}</td>" not in client_for(researcher).get(PAGE).content.decode()


def test_the_page_reads_a_constant_number_of_queries(
    corpus, project, reviewer, editor, researcher, django_assert_max_num_queries
):
    client = client_for(researcher)
    client.get(PAGE)  # warm the session
    # Session, user, project, roles, 6 counts, the job list: the same for any corpus size.
    with django_assert_max_num_queries(QUERIES):
        client.get(PAGE, {"status": "all"})
    for n in range(6):
        article = make_article(
            project=project,
            creator=reviewer,
            title=f"More {n}",
            text=f"Article {n}: the tram will carry 22,000 passengers a day by 2030.",
        )
        claim = make_claim(article=article, user=reviewer, quote="22,000 passengers")
        make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)
    client_for(researcher).post(PAGE + "jobs/", {"format": "jsonl"})
    with django_assert_max_num_queries(QUERIES):
        response = client.get(PAGE, {"status": "all"})
    assert 'id="count-articles">7<' in response.content.decode()
