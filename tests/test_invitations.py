"""Invitations: an admin makes a one-time link with a role (stored hashed, 7 days, revocable,
optionally mailed); the invitee makes an account (or is signed in) and lands in the project with
that role; a used, revoked or expired link gets a clear refusal."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from annotations import services
from annotations.models import Event, Invitation, Membership
from annotations.tokens import digest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
INVITATIONS = "/projects/newsdesk/invitations/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_link(admin, **data) -> str:
    response = client_for(admin).post(INVITATIONS, {"role": "reviewer", **data})
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return html.unescape(
        re.search(r'id="invitation-link"[^>]*><code>([^<]+)<', response.content.decode())[1]
    )


def test_an_invitee_makes_an_account_and_joins_with_the_role(project, project_admin):
    link = make_link(project_admin, role="researcher")
    key = link.rsplit("/", 2)[-2]
    invitation = Invitation.objects.get()
    assert invitation.key_hash == digest(key) and key not in invitation.key_hash
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "researcher" in page.content.decode()
    response = visitor.post(
        link,
        {
            "username": "newbie",
            "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/projects/newsdesk/"
    membership = Membership.objects.get(project=project, user__username="newbie")
    assert membership.role == "researcher"
    assert visitor.get("/projects/newsdesk/").status_code == 200  # signed in
    # The link works once.
    again = Client().get(link)
    assert again.status_code == 404 and "used already" in again.content.decode()
    assert {"invite", "accept_invitation", "add_member"} <= set(
        Event.objects.filter(project=project).values_list("action", flat=True)
    )


def test_a_signed_in_user_joins_with_one_click(project, project_admin):
    link = make_link(project_admin, role="editor")
    someone = UserFactory(username="someone")
    client = client_for(someone)
    assert "Join as someone" in client.get(link).content.decode()
    assert client.post(link).status_code == 302
    assert Membership.objects.get(project=project, user=someone).role == "editor"


def test_a_bad_password_shows_the_form_again_and_nobody_joins(project, project_admin):
    link = make_link(project_admin)
    response = Client().post(link, {"username": "x", "password1": "1", "password2": "2"})
    assert response.status_code == 400
    assert not Membership.objects.filter(user__username="x").exists()
    assert Invitation.objects.get().state() == "pending"


def test_revoked_expired_and_unknown_links_are_refused(project, project_admin):
    revoked = make_link(project_admin)
    invitation = Invitation.objects.get()
    client_for(project_admin).post(f"{INVITATIONS}{invitation.pk}/revoke/")
    assert "was revoked" in Client().get(revoked).content.decode()
    expired = make_link(project_admin)
    Invitation.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = Client().post(
        expired,
        {
            "username": "late",
            "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42",
        },
    )
    assert response.status_code == 404 and "was expired" in response.content.decode()
    assert Client().get("/invite/inv_guess/").status_code == 404
    assert not Membership.objects.filter(user__username="late").exists()


def test_members_cannot_accept_twice(project, project_admin, reviewer):
    link = make_link(project_admin, role="admin")
    response = client_for(reviewer).post(link, follow=True)
    assert "already a member" in response.content.decode()
    assert Membership.objects.get(project=project, user=reviewer).role == "reviewer"


def test_the_link_is_mailed_when_email_is_configured(project, project_admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    link = make_link(project_admin, email="guest@example.org")
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    assert mail.outbox[0].to == ["guest@example.org"]


def test_without_email_settings_nothing_breaks(project, project_admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens: the send fails at once
    response = client_for(project_admin).post(
        INVITATIONS, {"role": "reviewer", "email": "a@example.org"}
    )
    assert response.status_code == 200
    assert "could not be mailed" in response.content.decode()
    assert 'id="invitation-link"' in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("project_admin", 200),
        ("editor", 403),
        ("reviewer", 403),
        ("researcher", 403),
        ("outsider", 404),
    ],
)
def test_only_admins_invite(request, project, who, status):
    response = client_for(request.getfixturevalue(who)).post(INVITATIONS, {"role": "admin"})
    assert response.status_code == status
    assert Invitation.objects.exists() == (status == 200)
    if status != 200:
        with pytest.raises(Exception, match="Only the project's admins"):
            services.create_invitation(
                project=project, actor=request.getfixturevalue(who), role="admin"
            )
