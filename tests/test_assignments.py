"""Assignments: editors and admins give articles to reviewers (each, or round-robin), the
reviewer's dashboard lists them with progress and a Next button that opens the oldest unfinished
one, and the dashboard lists the reviewer's verdicts waiting for an editor and approved lately."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from annotations import services
from annotations.exceptions import NotPermitted, ValidationFailed
from annotations.models import Assignment, Event
from tests.factories import make_article, make_claim, make_verdict

pytestmark = pytest.mark.django_db
ASSIGN = "/projects/newsdesk/assign/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def articles(project, reviewer):
    return [
        make_article(
            project=project,
            creator=reviewer,
            title=f"Story {n}",
            text=f"Story {n}: the tram will carry {n},000 passengers a day by 2030.",
        )
        for n in range(4)
    ]


def pairs():
    return sorted(Assignment.objects.values_list("article__title", "user__username"))


def test_round_robin_and_each(project, articles, editor, reviewer, reviewer2):
    client = client_for(editor)
    ids = [str(a.pk) for a in articles]
    response = client.post(
        ASSIGN, {"article": ids, "reviewer": [reviewer.pk, reviewer2.pk], "mode": "round_robin"}
    )
    assert response.status_code == 302
    assert pairs() == [
        ("Story 0", "rev"), ("Story 1", "rev2"), ("Story 2", "rev"), ("Story 3", "rev2"),
    ]  # fmt: skip
    client.post(ASSIGN, {"article": ids[:1], "reviewer": [reviewer2.pk], "mode": "each"})
    assert ("Story 0", "rev2") in pairs() and len(pairs()) == 5
    assert Event.objects.filter(action="assign").count() == 5
    page = html.unescape(client.get(ASSIGN).content.decode())
    assert "rev, rev2" in page
    client.post(ASSIGN, {"article": ids[:1], "action": "unassign"})
    assert len(pairs()) == 3 and Event.objects.filter(action="unassign").count() == 2


def test_only_annotators_of_the_project_are_assigned(
    project, articles, editor, researcher, outsider, other_project
):
    with pytest.raises(ValidationFailed, match="res cannot annotate in this project"):
        services.assign_articles(
            project=project, actor=editor, article_ids=[articles[0].pk], reviewers=[researcher]
        )
    elsewhere = make_article(project=other_project, creator=outsider, title="Elsewhere")
    with pytest.raises(Exception, match="not in this project"):
        services.assign_articles(
            project=project, actor=editor, article_ids=[elsewhere.pk], reviewers=[editor]
        )
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("editor", 302),
        ("project_admin", 302),
        ("reviewer", 403),
        ("researcher", 403),
        ("outsider", 404),
    ],
)
def test_who_may_assign(request, project, articles, reviewer, who, status):
    user = request.getfixturevalue(who)
    response = client_for(user).post(
        ASSIGN, {"article": [articles[0].pk], "reviewer": [reviewer.pk], "mode": "each"}
    )
    assert response.status_code == status
    assert Assignment.objects.exists() == (status == 302)
    if who == "reviewer":
        with pytest.raises(NotPermitted):
            services.assign_articles(
                project=project, actor=user, article_ids=[articles[0].pk], reviewers=[reviewer]
            )


def test_dashboard_progress_and_next(project, articles, editor, reviewer):
    first, second = articles[:2]
    services.assign_articles(
        project=project, actor=editor, article_ids=[first.pk, second.pk], reviewers=[reviewer]
    )
    client = client_for(reviewer)
    page = html.unescape(client.get("/").content.decode())
    assert "Assigned to you" in page and "Story 0" in page and "no claims marked yet" in page
    # Next opens the oldest unfinished assignment.
    assert client.get("/assignments/next/")["Location"] == first.get_absolute_url()
    claim = make_claim(article=first, user=reviewer, quote="passengers a day")
    verdict = make_verdict(claim=claim, user=reviewer)
    assert client.get("/assignments/next/")["Location"] == first.get_absolute_url()
    services.submit_verdict(verdict_id=verdict.pk, user=reviewer)
    page = html.unescape(client.get("/").content.decode())
    assert "Story 0" not in page.split("Assigned to you")[1].split("</section>")[0]
    assert "you finished 1 article" not in page  # Story 1 is still open
    assert client.get("/assignments/next/")["Location"] == second.get_absolute_url()
    # The submitted verdict waits for an editor; once approved it is listed as approved.
    waiting = page.split("Submitted, waiting for an editor")[1].split("</section>")[0]
    assert "passengers a day" in waiting
    services.approve_verdict(verdict_id=verdict.pk, editor=editor)
    page = html.unescape(client.get("/").content.decode())
    assert "passengers a day" in page.split("Approved recently")[1].split("</section>")[0]
    claim2 = make_claim(article=second, user=reviewer, quote="passengers a day")
    make_verdict(claim=claim2, user=reviewer, status="submitted")
    done = client.get("/assignments/next/", follow=True)
    assert "Nothing assigned to you is left to do" in done.content.decode()


def test_a_removed_member_loses_their_assignments_from_view(
    project, articles, editor, reviewer, project_admin
):
    services.assign_articles(
        project=project, actor=editor, article_ids=[articles[0].pk], reviewers=[reviewer]
    )
    services.remove_member(project=project, user=reviewer, actor=project_admin)
    client = client_for(reviewer)
    assert "Story 0" not in client.get("/").content.decode()
    assert client.get("/assignments/next/")["Location"] == "/"


def test_assignees_in_the_api_and_the_claim_browser(project, articles, editor, reviewer, reviewer2):
    from rest_framework.test import APIClient

    services.assign_articles(
        project=project, actor=editor, article_ids=[articles[0].pk], reviewers=[reviewer, reviewer2]
    )
    services.assign_articles(
        project=project, actor=editor, article_ids=[articles[1].pk], reviewers=[reviewer2]
    )
    make_claim(article=articles[0], user=reviewer, quote="passengers a day")
    api = APIClient()
    api.force_authenticate(editor)
    rows = {
        r["title"]: r["assignees"]
        for r in api.get("/api/v1/projects/newsdesk/articles/").json()["results"]
    }
    assert (
        rows["Story 0"] == ["rev", "rev2"] and rows["Story 1"] == ["rev2"] and rows["Story 2"] == []
    )
    only = api.get("/api/v1/projects/newsdesk/articles/", {"assignee": "rev"}).json()["results"]
    assert [r["title"] for r in only] == ["Story 0"]
    claims = api.get("/api/v1/projects/newsdesk/claims/", {"assignee": "rev2"}).json()["results"]
    assert [c["quote"] for c in claims] == ["passengers a day"]
    assert (
        api.get("/api/v1/projects/newsdesk/claims/", {"assignee": "nobody"}).json()["results"] == []
    )
    page = client_for(editor).get("/projects/newsdesk/claims/", {"assignee": "rev"})
    assert 'id="claim-' in page.content.decode()


def test_the_article_list_api_reads_a_constant_number_of_queries(
    project, articles, editor, reviewer, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(editor)
    services.assign_articles(
        project=project,
        actor=editor,
        article_ids=[a.pk for a in articles],
        reviewers=[reviewer, editor],
    )
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/projects/newsdesk/articles/").json()["results"]) == 4
