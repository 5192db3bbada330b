"""The team pages' actions over the API: members, invitations, assignments and bulk decisions
go through the same services as the pages, with the same role rules."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotations.models import Assignment, Event, Invitation, Membership, Verdict
from tests.factories import UserFactory, make_claim, make_verdict

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestMembers:
    def test_admins_add_change_and_remove_with_events(self, project, project_admin, editor):
        newcomer = UserFactory(username="newcomer", email="new@example.org")
        client = api_for(project_admin)
        url = reverse("api-project-members", args=[project.slug])
        response = client.post(url, {"who": "new@example.org", "role": "reviewer"}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["username"] == "newcomer"
        member = reverse("api-project-member", args=[project.slug, newcomer.pk])
        assert client.patch(member, {"role": "editor"}, format="json").json()["role"] == "editor"
        assert client.delete(member).status_code == 204
        assert not Membership.objects.filter(project=project, user=newcomer).exists()
        actions = set(Event.objects.filter(project=project).values_list("action", flat=True))
        assert {"add_member", "change_role", "remove_member"} <= actions
        listed = api_for(editor).get(url).json()
        assert {m["username"] for m in listed} >= {"padmin", "ed"}

    def test_the_last_admin_stays(self, project, project_admin):
        member = reverse("api-project-member", args=[project.slug, project_admin.pk])
        response = api_for(project_admin).patch(member, {"role": "reviewer"}, format="json")
        assert response.status_code == 409 and "last admin" in response.json()["detail"]

    @pytest.mark.parametrize("who", ["reviewer", "editor", "researcher"])
    def test_only_admins_change_members(self, request, project, who):
        user = request.getfixturevalue(who)
        url = reverse("api-project-members", args=[project.slug])
        response = api_for(user).post(url, {"who": "x", "role": "reviewer"}, format="json")
        assert response.status_code == 403

    def test_outsiders_see_nothing(self, project, outsider):
        url = reverse("api-project-members", args=[project.slug])
        assert api_for(outsider).get(url).status_code == 404


def test_invitations_show_the_link_once_and_revoke(project, project_admin, reviewer):
    client = api_for(project_admin)
    url = reverse("api-project-invitations", args=[project.slug])
    created = client.post(url, {"role": "reviewer"}, format="json")
    assert created.status_code == 201 and "/invite/" in created.json()["link"]
    listed = client.get(url).json()
    assert [i["id"] for i in listed] == [created.json()["id"]] and "link" not in listed[0]
    revoked = client.post(
        reverse("api-invitation-revoke", args=[project.slug, created.json()["id"]])
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert Invitation.objects.get().revoked_at is not None
    assert api_for(reviewer).post(url, {"role": "admin"}, format="json").status_code == 403


def test_editors_assign_articles(project, article, editor, reviewer, reviewer2):
    url = reverse("api-project-assignments", args=[project.slug])
    body = {"articles": [article.pk], "reviewers": ["rev", "rev2"], "mode": "each"}
    response = api_for(editor).post(url, body, format="json")
    assert response.status_code == 200 and response.json() == {"assigned": 2}
    assert Assignment.objects.filter(article=article).count() == 2
    assert api_for(reviewer).post(url, body, format="json").status_code == 403
    unknown = api_for(editor).post(url, {**body, "reviewers": ["nobody"]}, format="json")
    assert unknown.status_code == 404 and "nobody" in unknown.json()["detail"]


def test_bulk_decisions_check_each_verdict(project, article, reviewer, editor):
    fresh = make_verdict(
        claim=make_claim(article=article, user=reviewer), user=reviewer, status="submitted"
    )
    stale = make_verdict(
        claim=make_claim(article=article, user=reviewer, quote="bus use fell 15%"),
        user=reviewer,
        status="submitted",
    )
    own = make_verdict(
        claim=make_claim(article=article, user=editor, quote="doubled their prices"),
        user=editor,
        status="submitted",
    )
    body = {
        "action": "approve",
        "verdicts": [
            {"id": fresh.pk, "version": fresh.version},
            {"id": stale.pk, "version": stale.version - 1},
            {"id": own.pk},
        ],
    }
    response = api_for(editor).post(
        reverse("api-queue-decisions", args=[project.slug]), body, format="json"
    )
    assert response.status_code == 200
    outcomes = {o["verdict_id"]: o for o in response.json()}
    assert outcomes[fresh.pk]["ok"] and not outcomes[stale.pk]["ok"]
    assert "changed since you loaded it" in outcomes[stale.pk]["message"]
    assert "your own verdict" in outcomes[own.pk]["message"]
    assert Verdict.objects.get(pk=fresh.pk).status == "approved"
    assert Verdict.objects.get(pk=stale.pk).status == "submitted"
