"""Who may do what on the editorial pages and the account page: one matrix of roles x actions,
asserting the status code (or redirect) and that nothing was written when the answer is no."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import ApiToken, Event, Verdict
from tests.factories import make_claim, make_verdict

pytestmark = pytest.mark.django_db

ROLES = ["reviewer", "editor", "researcher", "admin", "outsider", "anonymous"]
OK, DONE, REFUSED, LOGIN = "ok", "done", "refused", "login"

# DONE: redirect and something was written. REFUSED: redirect with a message, nothing written.
EXPECTED = {
    "view queue": dict(
        reviewer=403, editor=OK, researcher=403, admin=OK, outsider=404, anonymous=LOGIN
    ),
    "approve other's verdict": dict(
        reviewer=403, editor=DONE, researcher=403, admin=DONE, outsider=404, anonymous=LOGIN
    ),
    "return other's verdict": dict(
        reviewer=403, editor=DONE, researcher=403, admin=DONE, outsider=404, anonymous=LOGIN
    ),
    # Researchers and outsiders cannot write verdicts, so they have no own verdict to approve.
    "approve own verdict": dict(reviewer=403, editor=REFUSED, admin=REFUSED),
    "view history": dict(
        reviewer=OK, editor=OK, researcher=OK, admin=OK, outsider=404, anonymous=LOGIN
    ),
    "view verdict page": dict(
        reviewer=OK, editor=OK, researcher=OK, admin=OK, outsider=404, anonymous=LOGIN
    ),
    "propose correction": dict(
        reviewer=DONE, editor=DONE, researcher=403, admin=DONE, outsider=404, anonymous=LOGIN
    ),
    "withdraw approved verdict": dict(
        reviewer=403, editor=DONE, researcher=403, admin=DONE, outsider=404, anonymous=LOGIN
    ),
    "view account page": dict(
        reviewer=OK, editor=OK, researcher=OK, admin=OK, outsider=OK, anonymous=LOGIN
    ),
    "create api token": dict(
        reviewer=DONE, editor=DONE, researcher=DONE, admin=DONE, outsider=DONE, anonymous=LOGIN
    ),
}
CASES = [
    pytest.param(role, action, expected[role], id=f"{action}-{role}")
    for action, expected in EXPECTED.items()
    for role in ROLES
    if role in expected
]


@pytest.fixture
def world(
    project, article, reviewer, reviewer2, editor, editor2, researcher, project_admin, outsider
):
    """A submitted and an approved verdict by reviewer2, and each role's user."""
    claim = make_claim(article=article, user=reviewer2)
    other = make_claim(article=article, user=reviewer2, quote="bus use fell 15% since 2019")
    submitted = make_verdict(claim=claim, user=reviewer2, status="submitted")
    approved = make_verdict(claim=other, user=reviewer2, status="approved", editor=editor2)
    users = dict(
        reviewer=reviewer,
        editor=editor,
        researcher=researcher,
        admin=project_admin,
        outsider=outsider,
        anonymous=None,
    )
    return dict(
        project=project,
        article=article,
        claim=claim,
        submitted=submitted,
        approved=approved,
        users=users,
    )


def request_for(action: str, world: dict, user):
    """Return (method, url, data) for `action`."""
    submitted, approved = world["submitted"], world["approved"]
    if action == "view queue":
        return "get", reverse("review_queue", args=[world["project"].slug]), None
    if action == "approve other's verdict":
        return (
            "post",
            reverse("verdict_approve", args=[submitted.pk]),
            {"version": submitted.version},
        )
    if action == "return other's verdict":
        return (
            "post",
            reverse("verdict_return", args=[submitted.pk]),
            {"version": submitted.version, "note": "Add the 2025 figure."},
        )
    if action == "approve own verdict":
        claim = make_claim(article=world["article"], user=user, quote="doubled their prices")
        own = make_verdict(claim=claim, user=user, status="submitted")
        return "post", reverse("verdict_approve", args=[own.pk]), {"version": own.version}
    if action == "view history":
        return "get", reverse("claim_history", args=[world["claim"].pk]), None
    if action == "view verdict page":
        return "get", reverse("verdict_detail", args=[approved.pk]), None
    if action == "propose correction":
        return (
            "post",
            reverse("verdict_correct", args=[approved.pk]),
            {"rating": "false", "explanation": "New data.", "correction_note": "Revised data."},
        )
    if action == "withdraw approved verdict":
        return (
            "post",
            reverse("verdict_withdraw", args=[approved.pk]),
            {"version": approved.version, "note": "Published by mistake."},
        )
    if action == "view account page":
        return "get", reverse("account"), None
    if action == "create api token":
        return "post", reverse("account_token_create"), {"name": "script"}
    raise AssertionError(action)


def snapshot():
    return (
        Event.objects.count(),
        sorted(Verdict.objects.values_list("pk", "status", "version")),
        ApiToken.objects.count(),
    )


@pytest.mark.parametrize(("role", "action", "expected"), CASES)
def test_permission_matrix(client, world, role, action, expected):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    method, url, data = request_for(action, world, user)
    before = snapshot()
    response = getattr(client, method)(url, data or {})
    after = snapshot()
    if expected == OK:
        assert response.status_code == 200
    elif expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == DONE:
        assert response.status_code == 302, response.content[:500]
        assert after != before, "the action should have written something"
    elif expected == REFUSED:
        assert response.status_code == 302
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("cannot approve your own verdict" in m for m in messages), messages
    else:
        assert response.status_code == expected
    if expected != DONE:
        assert after == before, "a refused or read-only request wrote something"


def test_matrix_covers_every_role_for_every_action():
    for action, expected in EXPECTED.items():
        missing = set(ROLES) - set(expected)
        if action == "approve own verdict":
            assert missing == {"researcher", "outsider", "anonymous"}  # they write no verdicts
        else:
            assert not missing, (action, missing)


def test_superuser_reaches_the_queue_of_any_project(client, world, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    assert client.get(reverse("review_queue", args=[world["project"].slug])).status_code == 200
