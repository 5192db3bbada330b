"""The claim and verdict browser (`/projects/<slug>/claims/`) and the same filters on
`GET /api/v1/projects/{slug}/claims/`: status, rating, reviewer, date range, sources,
disagreement in double review, search over quote/statement/explanation, sorting, pagination,
visibility (nobody finds a claim through someone else's private draft) and constant queries."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotations import services
from tests.factories import make_article, make_claim, make_source, make_verdict

pytestmark = pytest.mark.django_db
PAGE = "/projects/newsdesk/claims/"
API = "/api/v1/projects/newsdesk/claims/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed(response) -> list[int]:
    """Return the claim ids of a browser page, in order."""
    return [int(pk) for pk in re.findall(r'<tr id="claim-(\d+)"', response.content.decode())]


def api_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def desk(project, article, reviewer, reviewer2, editor):
    """Four claims: approved True by rev, submitted False by rev2 (with sources), a private
    draft by rev2 whose explanation mentions "zeppelin", and one without any verdict."""
    approved = make_claim(article=article, user=reviewer)
    make_verdict(claim=approved, user=reviewer, rating="true", status="approved", editor=editor)
    submitted = make_claim(article=article, user=reviewer2, quote="bus use fell 15% since 2019")
    make_verdict(claim=submitted, user=reviewer2, rating="false", status="submitted")
    drafted = make_claim(
        article=article, user=reviewer2, quote="Café owners reportedly doubled their prices"
    )
    services.draft_verdict(
        claim_id=drafted.pk,
        reviewer=reviewer2,
        rating="misleading",
        explanation="The zeppelin report says otherwise.",
        no_source_reason="Pending.",
    )
    bare = make_claim(article=article, user=reviewer, quote="东京的人口是1400万")
    return {"approved": approved, "submitted": submitted, "drafted": drafted, "bare": bare}


def test_every_member_sees_every_claim_with_its_current_verdict(desk, reviewer, researcher):
    body = client_for(researcher).get(PAGE)
    assert body.status_code == 200
    assert sorted(listed(body)) == sorted(c.pk for c in desk.values())
    row = body.content.decode().split(f'id="claim-{desk["approved"].pk}"')[1].split("</tr>")[0]
    assert "Approved" in row and "True" in row and ">rev<" in row
    # Another reviewer's draft is private: the researcher sees no verdict on that claim.
    draft_row = html.unescape(body.content.decode()).split(f'id="claim-{desk["drafted"].pk}"')[1]
    assert "none" in draft_row.split("</tr>")[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "approved"}, ["approved"]),
        ({"status": "submitted"}, ["submitted"]),
        ({"status": "none"}, ["bare", "drafted"]),
        ({"rating": "false"}, ["submitted"]),
        ({"reviewer": "rev"}, ["approved"]),
        ({"has_sources": "true"}, ["approved", "submitted"]),
        ({"has_sources": "false"}, ["bare", "drafted"]),
        ({"q": "bus use"}, ["submitted"]),
        ({"q": "ridership"}, ["approved", "submitted"]),  # explanations
        ({"q": "zeppelin"}, []),  # only in someone else's private draft
        (
            {"created_from": "2000-01-01", "created_to": "2999-01-01"},
            ["approved", "bare", "drafted", "submitted"],
        ),
        ({"created_from": "2999-01-01"}, []),
    ],
)
def test_filters_on_the_page_and_in_the_api(desk, researcher, query, expected):
    want = sorted(desk[name].pk for name in expected)
    assert sorted(listed(client_for(researcher).get(PAGE, query))) == want
    assert api_ids(api_for(researcher).get(API, query)) == want


def test_the_author_finds_their_own_draft_by_its_explanation(desk, reviewer2):
    assert listed(client_for(reviewer2).get(PAGE, {"q": "zeppelin"})) == [desk["drafted"].pk]
    assert listed(client_for(reviewer2).get(PAGE, {"status": "draft"})) == [desk["drafted"].pk]


def test_disagreement_in_double_review(project, article, reviewer, reviewer2, editor, researcher):
    services.update_project(project=project, actor=None, required_verdicts=2)
    split = make_claim(article=article, user=reviewer)
    make_verdict(claim=split, user=reviewer, rating="true", status="submitted")
    make_verdict(claim=split, user=reviewer2, rating="false", status="submitted")
    agreed = make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
    make_verdict(claim=agreed, user=reviewer, rating="false", status="submitted")
    make_verdict(claim=agreed, user=reviewer2, rating="false", status="submitted")
    assert listed(client_for(editor).get(PAGE, {"disagreement": "true"})) == [split.pk]
    assert listed(client_for(editor).get(PAGE, {"disagreement": "false"})) == [agreed.pk]
    assert api_ids(api_for(editor).get(API, {"disagreement": "true"})) == [split.pk]


def test_sorting_and_bad_input(desk, researcher):
    client = client_for(researcher)
    newest = listed(client.get(PAGE, {"sort": "new"}))
    assert newest == sorted(newest, reverse=True)
    by_rating = listed(client.get(PAGE, {"sort": "rating"}))
    assert by_rating[0] == desk["approved"].pk  # True is the truest rating
    by_status = listed(client.get(PAGE, {"sort": "status"}))
    assert by_status[:2] == [desk["approved"].pk, desk["submitted"].pk]
    bad = client.get(PAGE, {"status": "lost", "created_from": "soon"})
    assert bad.status_code == 400
    body = html.unescape(bad.content.decode())
    assert "Select a valid choice" in body and "Enter a valid date" in body
    api_bad = api_for(researcher).get(API, {"status": "lost"})
    assert api_bad.status_code == 400 and "status" in api_bad.content.decode()


def test_export_this_selection_prefills_the_export_page(desk, researcher, reviewer):
    body = client_for(researcher).get(PAGE, {"status": "approved", "created_from": "2025-01-02"})
    href = html.unescape(
        re.search(r'id="export-selection" href="([^"]+)"', body.content.decode())[1]
    )
    assert href == "/projects/newsdesk/export/?status=approved&updated_since=2025-01-02"
    assert client_for(researcher).get(href).status_code == 200
    assert 'id="export-selection"' not in client_for(reviewer).get(PAGE).content.decode()


def test_outsiders_get_404(desk, outsider):
    assert client_for(outsider).get(PAGE).status_code == 404
    assert api_for(outsider).get(API).status_code == 404


def test_the_browser_reads_a_constant_number_of_queries(
    project, reviewer, editor, researcher, django_assert_max_num_queries
):
    client = client_for(researcher)

    def grow(start, n):
        for i in range(start, start + n):
            article = make_article(
                project=project, creator=reviewer, title=f"A{i}",
                text=f"Story {i}: the tram will carry {i},000 passengers a day by 2030.",
            )  # fmt: skip
            claim = make_claim(article=article, user=reviewer, quote=f"{i},000 passengers")
            make_source(claim=claim, user=reviewer)
            make_verdict(claim=claim, user=reviewer, status="approved", editor=editor)

    grow(0, 1)
    client.get(PAGE)
    with django_assert_max_num_queries(BROWSER_QUERIES):
        client.get(PAGE, {"q": "passengers", "sort": "rating", "has_sources": "true"})
    grow(1, 8)
    with django_assert_max_num_queries(BROWSER_QUERIES):
        response = client.get(PAGE, {"q": "passengers", "sort": "rating", "has_sources": "true"})
    assert len(listed(response)) == 9


# Session, user, project, roles (readability), labels, members, count, page, verdicts.
BROWSER_QUERIES = 10


def test_pagination(project, article, reviewer, researcher, settings):
    from annotations.views import claim_browser as team

    old = team.CLAIMS_PER_PAGE
    team.CLAIMS_PER_PAGE = 2
    try:
        make_claim(article=article, user=reviewer)
        make_claim(article=article, user=reviewer, quote="bus use fell 15% since 2019")
        make_claim(article=article, user=reviewer, quote="东京的人口是1400万")
        client = client_for(researcher)
        first = client.get(PAGE)
        second = client.get(PAGE, {"page": 2})
        assert len(listed(first)) == 2 and len(listed(second)) == 1
        assert "Page 1 of 2" in first.content.decode()
    finally:
        team.CLAIMS_PER_PAGE = old
