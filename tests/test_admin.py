"""Django admin stays inside the rules: the corpus is read-only there, approved verdicts cannot
be deleted, articles cannot change project, and settings and memberships changed there go
through the services and leave events. Driven over HTTP as a superuser would."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Article, Event, Membership, Project, Verdict
from tests.factories import UserFactory, make_claim, make_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def published(article, reviewer, editor):
    claim = make_claim(article=article, user=reviewer)
    return make_verdict(
        claim=claim, user=reviewer, rating="false", status="approved", editor=editor
    )


def test_an_approved_verdicts_rating_and_explanation_cannot_be_edited(staff, published):
    url = reverse("admin:annotations_verdict_change", args=[published.pk])
    page = staff.get(url)
    assert page.status_code == 200
    assert b'name="explanation"' not in page.content and b'name="rating"' not in page.content
    response = staff.post(url, {"explanation": "Rewritten", "rating": published.rating_id})
    assert response.status_code == 403
    verdict = Verdict.objects.get(pk=published.pk)
    assert (verdict.explanation, verdict.version) == (published.explanation, published.version)


def test_an_approved_verdict_cannot_be_deleted(staff, published):
    response = staff.post(
        reverse("admin:annotations_verdict_delete", args=[published.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    changelist = reverse("admin:annotations_verdict_changelist")
    response = staff.post(
        changelist, {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"}
    )
    assert Verdict.objects.filter(pk=published.pk).exists()


def test_an_article_cannot_move_to_another_project(staff, article, other_project):
    url = reverse("admin:annotations_article_change", args=[article.pk])
    assert b'name="project"' not in staff.get(url).content
    staff.post(url, {"project": other_project.pk, "title": article.title})
    assert Article.objects.get(pk=article.pk).project_id == article.project_id


def test_claims_and_sources_are_read_only(staff, published):
    url = reverse("admin:annotations_claim_change", args=[published.claim_id])
    response = staff.post(url, {"statement": "Changed behind the editor's back"})
    assert response.status_code == 403
    assert published.claim.__class__.objects.get(pk=published.claim_id).statement == ""


def test_project_settings_changed_in_admin_are_events(staff, project):
    url = reverse("admin:annotations_project_change", args=[project.pk])
    data = {
        "slug": project.slug,
        "name": "Renamed desk",
        "description": "",
        "organisation_name": "",
        "organisation_url": "",
        "methodology_url": "",
        "corrections_policy_url": "",
        "rating_scale": project.rating_scale_id,
        "required_verdicts": 2,
        "suggest_threshold": 0.5,
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
    }
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert (project.name, project.required_verdicts) == ("Renamed desk", 2)
    event = Event.objects.get(project=project, action="update_project")
    assert event.changes["required_verdicts"] == {"from": "1", "to": "2"}
    assert event.actor.username == "root"


def test_a_membership_added_in_admin_is_an_event(staff, project):
    newcomer = UserFactory(username="newcomer")
    url = reverse("admin:annotations_project_change", args=[project.pk])
    data = {
        "slug": project.slug,
        "name": project.name,
        "rating_scale": project.rating_scale_id,
        "required_verdicts": 1,
        "suggest_threshold": 0.5,
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 0,
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
        "memberships-0-user": newcomer.pk,
        "memberships-0-role": "reviewer",
        "memberships-0-project": project.pk,
    }
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(project=project, user=newcomer)
    assert membership.role == "reviewer" and membership.pseudonym.startswith("annotator-")
    assert Event.objects.filter(project=project, action="add_member").exists()


def test_a_rating_scale_in_use_is_not_edited_in_place(staff, published):
    scale = Project.objects.get(pk=published.claim.article.project_id).rating_scale
    url = reverse("admin:annotations_ratingscale_change", args=[scale.pk])
    response = staff.post(url, {"name": "Renamed", "slug": scale.slug, "version": scale.version})
    assert response.status_code == 403
    scale.refresh_from_db()
    assert scale.name != "Renamed"


class TestLastAdmin:
    def test_the_last_admin_cannot_be_demoted_or_removed(self, project, project_admin):
        from annotations import services
        from annotations.exceptions import Conflict

        with pytest.raises(Conflict, match="last admin"):
            services.add_member(project=project, user=project_admin, role="editor")
        with pytest.raises(Conflict, match="last admin"):
            services.remove_member(project=project, user=project_admin)
        assert Membership.objects.get(project=project, user=project_admin).role == "admin"

    def test_with_a_second_admin_it_works_and_access_ends_at_once(
        self, project, project_admin, article
    ):
        from rest_framework.test import APIClient

        from annotations import services

        second = UserFactory(username="second-admin")
        services.add_member(project=project, user=second, role="admin")
        client = APIClient()
        client.force_authenticate(project_admin)
        assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 200
        services.remove_member(project=project, user=project_admin, actor=second)
        assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 404
        assert Event.objects.filter(project=project, action="remove_member").exists()
