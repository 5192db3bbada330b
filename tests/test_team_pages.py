"""Project creation, settings, history and members as pages: who may use them (a matrix over
every role), what each change records, and that removal and demotion act on the member's very
next request, through a live session and through an API token alike."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Event, Membership, Project, RatingScale
from annotations.tokens import create_token
from tests.factories import UserFactory, make_claim, make_verdict

pytestmark = pytest.mark.django_db
SETTINGS = "/projects/newsdesk/settings/"
MEMBERS = "/projects/newsdesk/members/"
HISTORY = "/projects/newsdesk/history/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


SETTINGS_FORM = {
    "name": "Newsdesk",
    "description": "Claims from the city desk.",
    "organisation_name": "City Checks",
    "organisation_url": "https://citychecks.example.org/",
    "methodology_url": "https://citychecks.example.org/method",
    "corrections_policy_url": "",
    "required_verdicts": "2",
    "suggest_threshold": "0.35",
}


@pytest.fixture
def everyone(project, reviewer, editor, researcher, project_admin, outsider):
    return {
        "reviewer": reviewer,
        "editor": editor,
        "researcher": researcher,
        "project_admin": project_admin,
        "outsider": outsider,
    }


# What each role gets from each team action: 200/302 allowed, 403 refused, 404 not visible.
MATRIX = {
    "view settings": {"project_admin": 200, "editor": 403, "reviewer": 403, "researcher": 403},
    "save settings": {"project_admin": 302, "editor": 403, "reviewer": 403, "researcher": 403},
    "view history": {"project_admin": 200, "editor": 403, "reviewer": 403, "researcher": 403},
    "view members": {"project_admin": 200, "editor": 200, "reviewer": 403, "researcher": 403},
    "add member": {"project_admin": 302, "editor": 403, "reviewer": 403, "researcher": 403},
    "change role": {"project_admin": 302, "editor": 403, "reviewer": 403, "researcher": 403},
    "remove member": {"project_admin": 302, "editor": 403, "reviewer": 403, "researcher": 403},
    "view export": {"project_admin": 200, "editor": 200, "reviewer": 403, "researcher": 200},
    "queue export": {"project_admin": 302, "editor": 302, "reviewer": 403, "researcher": 302},
}


def perform(client: Client, action: str, project: Project, target):
    scale = project.rating_scale_id
    return {
        "view settings": lambda: client.get(SETTINGS),
        "save settings": lambda: client.post(SETTINGS, {**SETTINGS_FORM, "rating_scale": scale}),
        "view history": lambda: client.get(HISTORY),
        "view members": lambda: client.get(MEMBERS),
        "add member": lambda: client.post(MEMBERS, {"who": "newcomer", "role": "reviewer"}),
        "change role": lambda: client.post(f"{MEMBERS}{target.pk}/role/", {"role": "editor"}),
        "remove member": lambda: client.post(f"{MEMBERS}{target.pk}/remove/"),
        "view export": lambda: client.get("/projects/newsdesk/export/"),
        "queue export": lambda: client.post("/projects/newsdesk/export/jobs/", {}),
    }[action]()


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ["project_admin", "editor", "reviewer", "researcher", "outsider"])
def test_team_permission_matrix(everyone, project, reviewer2, action, role):
    UserFactory(username="newcomer")
    response = perform(client_for(everyone[role]), action, project, reviewer2)
    expected = MATRIX[action].get(role, 404)
    assert response.status_code == expected, text(response)[:500]
    membership = Membership.objects.filter(project=project, user=reviewer2).first()
    changed = membership is None or membership.role != "reviewer"
    if action in {"change role", "remove member"}:
        assert changed == (expected == 302)


def test_anonymous_visitors_are_sent_to_sign_in(project):
    for url in (SETTINGS, MEMBERS, HISTORY, "/projects/new/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_settings_save_every_field_and_record_one_event(project, project_admin):
    client = client_for(project_admin)
    scale = RatingScale.objects.create(slug="house", name="House scale", version=1)
    response = client.post(SETTINGS, {**SETTINGS_FORM, "rating_scale": scale.pk})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.required_verdicts, project.rating_scale, project.organisation_name) == (
        2,
        scale,
        "City Checks",
    )
    event = Event.objects.filter(project=project, action="update_project").get()
    assert event.actor == project_admin
    assert event.changes["required_verdicts"] == {"from": "1", "to": "2"}
    assert event.changes["rating_scale"]["to"] == "House scale (v1)"
    assert project.suggest_threshold == 0.35
    assert event.changes["suggest_threshold"]["to"] == "0.35"
    history = text(client.get(HISTORY))
    assert "update_project" in history and "House scale (v1)" in history
    assert "padmin" in history


def test_settings_errors_are_shown_beside_the_field_and_nothing_changes(project, project_admin):
    response = client_for(project_admin).post(
        SETTINGS,
        {
            **SETTINGS_FORM,
            "methodology_url": "javascript:alert(1)",
            "rating_scale": project.rating_scale_id,
        },
    )
    assert response.status_code == 400
    assert 'id="id_methodology_url-error" aria-live="polite">' in response.content.decode()
    assert "http" in text(response).split('id="id_methodology_url-error"')[1][:300]
    project.refresh_from_db()
    assert project.methodology_url == "" and project.required_verdicts == 1
    assert not Event.objects.filter(action="update_project").exists()
    too_many = client_for(project_admin).post(
        SETTINGS, {**SETTINGS_FORM, "required_verdicts": "9", "rating_scale": 1}
    )
    assert too_many.status_code == 400
    assert "less than or equal to 5" in text(too_many)


def test_staff_start_projects_and_become_their_admin(db):
    staff = UserFactory(username="staffer", is_staff=True)
    plain = UserFactory(username="plain")
    assert client_for(plain).get("/projects/new/").status_code == 403
    assert client_for(plain).post("/projects/new/", {"name": "X", "slug": "x"}).status_code == 403
    assert not Project.objects.filter(slug="x").exists()
    client = client_for(staff)
    response = client.post("/projects/new/", {"name": "Health desk", "slug": "health"})
    assert response.status_code == 302 and response["Location"] == "/projects/health/members/"
    project = Project.objects.get(slug="health")
    assert Membership.objects.get(project=project).role == "admin"
    assert Event.objects.filter(project=project, action="create").exists()
    again = client.post("/projects/new/", {"name": "Again", "slug": "health"})
    assert again.status_code == 400 and "already exists" in text(again)
    reserved = client.post("/projects/new/", {"name": "New", "slug": "new"})
    assert reserved.status_code == 400 and "taken by a page address" in text(reserved)
    assert "New project" in text(client.get("/"))
    assert "New project" not in text(client_for(plain).get("/"))


def test_members_are_added_by_username_or_email(project, project_admin):
    by_email = UserFactory(username="mara", email="Mara@Example.org")
    client = client_for(project_admin)
    response = client.post(MEMBERS, {"who": "mara@example.org", "role": "researcher"})
    assert response.status_code == 302
    assert Membership.objects.get(project=project, user=by_email).role == "researcher"
    missing = client.post(MEMBERS, {"who": "nobody", "role": "reviewer"})
    assert missing.status_code == 400
    assert "No active user has the username or email address 'nobody'" in text(missing)
    UserFactory(username="twin1", email="twin@example.org")
    UserFactory(username="twin2", email="twin@example.org")
    twins = client.post(MEMBERS, {"who": "twin@example.org", "role": "reviewer"})
    assert twins.status_code == 400 and "type the username instead" in text(twins)
    event = Event.objects.filter(project=project, action="add_member").last()
    assert event.changes == {"user": "mara", "role": "researcher"}


def test_the_last_admin_can_be_neither_demoted_nor_removed(project, project_admin):
    client = client_for(project_admin)
    demote = client.post(f"{MEMBERS}{project_admin.pk}/role/", {"role": "editor"}, follow=True)
    assert "is the last admin" in text(demote)
    remove = client.post(f"{MEMBERS}{project_admin.pk}/remove/", follow=True)
    assert "is the last admin" in text(remove)
    assert Membership.objects.get(project=project, user=project_admin).role == "admin"


def test_the_member_list_reads_a_constant_number_of_queries(
    project, project_admin, reviewer, django_assert_max_num_queries
):
    client = client_for(project_admin)
    client.get(MEMBERS)
    with django_assert_max_num_queries(MEMBER_QUERIES):
        first = client.get(MEMBERS)
    assert first.status_code == 200
    for n in range(12):
        services.add_member(
            project=project, user=UserFactory(username=f"m{n}"), role="reviewer", actor=None
        )
    with django_assert_max_num_queries(MEMBER_QUERIES):
        response = client.get(MEMBERS)
    assert text(response).count('<tr id="member-') == 14


# Session, user, project, roles, memberships with last activity.
MEMBER_QUERIES = 6


def test_last_activity_is_the_latest_event_in_this_project(
    project, project_admin, article, reviewer
):
    make_claim(article=article, user=reviewer)
    body = text(client_for(project_admin).get(MEMBERS))
    row = body.split(f'id="member-{reviewer.pk}"')[1].split("</tr>")[0]
    assert "ago" in row and "none yet" not in row


def test_a_removed_member_loses_access_on_the_next_request(
    project, project_admin, article, reviewer, editor
):
    claim = make_claim(article=article, user=reviewer)
    verdict = make_verdict(claim=claim, user=reviewer)
    session = client_for(reviewer)
    _, key = create_token(user=reviewer, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert session.get(f"/articles/{article.pk}/").status_code == 200
    assert api.get(f"/api/v1/claims/{claim.pk}/").status_code == 200
    client_for(project_admin).post(f"{MEMBERS}{reviewer.pk}/remove/")
    assert session.get(f"/articles/{article.pk}/").status_code == 404
    assert session.get("/projects/newsdesk/").status_code == 404
    assert api.get(f"/api/v1/claims/{claim.pk}/").status_code == 404
    assert api.get(f"/api/v1/verdicts/{verdict.pk}/").status_code == 404
    assert api.post(f"/api/v1/verdicts/{verdict.pk}/submit/").status_code == 404


def test_a_demoted_reviewer_can_no_longer_submit_an_earlier_draft(
    project, project_admin, article, reviewer
):
    claim = make_claim(article=article, user=reviewer)
    verdict = make_verdict(claim=claim, user=reviewer)
    _, key = create_token(user=reviewer, name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client_for(project_admin).post(f"{MEMBERS}{reviewer.pk}/role/", {"role": "researcher"})
    response = api.post(f"/api/v1/verdicts/{verdict.pk}/submit/")
    assert response.status_code in {403, 404}, response.content
    verdict.refresh_from_db()
    assert verdict.status == "draft"


# --- Rating-scale versions --------------------------------------------------------------------


def scale_post(project, *, name="Newsdesk scale", change=None, drop=(), add=None):
    """Return the scale page's POST data: the current labels, edited as asked."""
    labels = list(project.rating_scale.labels.all())
    rows = []
    for label in labels:
        row = {
            "slug": label.slug, "name": label.name, "colour": label.colour,
            "position": label.position, "ordinal": label.ordinal or "",
            "truth_score": "" if label.truth_score is None else label.truth_score,
            "fever": label.fever, "averitec": label.averitec,
            "claimreview_rating": label.claimreview_rating or "",
            "description": label.description,
        }  # fmt: skip
        row.update((change or {}).get(label.slug, {}))
        if label.slug in drop:
            row["DELETE"] = "on"
        rows.append(row)
    # A browser always submits a colour input's value, so a blank extra row carries the default.
    rows.append(add or {"colour": "#888888"})
    data = {
        "name": name,
        "labels-TOTAL_FORMS": str(len(rows)),
        "labels-INITIAL_FORMS": str(len(labels)),
        "labels-MIN_NUM_FORMS": "0",
        "labels-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        data.update({f"labels-{index}-{key}": value for key, value in row.items()})
    return data


def test_a_scale_in_use_gets_a_new_version_and_is_never_edited(
    project, project_admin, article, reviewer, researcher
):
    verdict = make_verdict(claim=make_claim(article=article, user=reviewer), user=reviewer)
    old_scale = project.rating_scale
    old_labels = list(old_scale.labels.values_list("slug", "name", "colour"))
    client = client_for(project_admin)
    page = client.get("/projects/newsdesk/settings/scale/")
    assert "Verdicts already use" in text(page)
    data = scale_post(
        project,
        change={"half-true": {"name": "Half right", "colour": "#aa8800"}},
        drop=("misleading",),
        add={"slug": "satire", "name": "Satire", "colour": "#123456", "position": "9"},
    )
    response = client.post("/projects/newsdesk/settings/scale/", data)
    assert response.status_code == 302, text(response)[:3000]
    project.refresh_from_db()
    new = project.rating_scale
    assert new != old_scale and (new.slug, new.version) == ("newsdesk-default", 1)
    slugs = set(new.labels.values_list("slug", flat=True))
    assert "satire" in slugs and "misleading" not in slugs
    assert new.labels.get(slug="half-true").name == "Half right"
    # The old scale and the verdict's label are untouched.
    assert list(old_scale.labels.values_list("slug", "name", "colour")) == old_labels
    verdict.refresh_from_db()
    assert verdict.rating.scale == old_scale
    event = Event.objects.get(action="create_scale_version")
    assert event.changes["added"] == ["satire"] and event.changes["dropped"] == ["misleading"]
    assert Event.objects.filter(action="update_project", actor=project_admin).exists()
    # A second edit adds a version to the project's own family.
    again = client.post("/projects/newsdesk/settings/scale/", scale_post(project))
    assert again.status_code == 302, re.findall(r"field-error\">([^<]+)", text(again))
    project.refresh_from_db()
    assert (project.rating_scale.slug, project.rating_scale.version) == ("newsdesk-default", 2)
    # New projects still start with the shared default scale.
    assert services.ensure_default_scale() == old_scale
    assert client_for(researcher).get("/projects/newsdesk/settings/scale/").status_code == 403


def test_a_bad_scale_is_refused_with_a_message(project, project_admin):
    client = client_for(project_admin)
    off_axis = scale_post(project, change={"unproven": {"claimreview_rating": "3"}})
    response = client.post("/projects/newsdesk/settings/scale/", off_axis)
    assert response.status_code == 400
    assert "only labels with an ordinal" in text(response)
    twice = scale_post(project, change={"false": {"slug": "true"}})
    response = client.post("/projects/newsdesk/settings/scale/", twice)
    assert response.status_code == 400 and "Label slugs must differ: true" in text(response)
    colour = scale_post(project, change={"false": {"colour": "red"}})
    assert "Use a colour like" in text(client.post("/projects/newsdesk/settings/scale/", colour))
    assert RatingScale.objects.count() == 1
    assert not Event.objects.filter(action="create_scale_version").exists()
