"""The account page: API tokens (create with the key shown once, list, revoke) and the
password change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations import tokens
from annotations.models import ApiToken
from annotations.views.account import NEW_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, reviewer):
    client.force_login(reviewer)
    return client


def test_lists_tokens_with_prefix_dates_and_status(signed_in, reviewer, editor):
    active, _ = tokens.create_token(user=reviewer, name="export script")
    revoked, _ = tokens.create_token(user=reviewer, name="old laptop")
    tokens.revoke_token(user=reviewer, token_id=revoked.pk)
    tokens.create_token(user=editor, name="someone else's")
    html = signed_in.get(reverse("account")).content.decode()
    assert "export script" in html and f"<code>{active.prefix}…</code>" in html
    assert "old laptop" in html and "revoked " in html
    assert "someone else&#x27;s" not in html
    assert html.count("Revoke</button>") == 1
    assert reverse("password_change") in html


def test_created_key_is_shown_once_and_works(signed_in, reviewer):
    response = signed_in.post(reverse("account_token_create"), {"name": "laptop"})
    assert response["Location"] == reverse("account_token_created")
    shown = signed_in.get(reverse("account_token_created"))
    key = shown.context["key"]
    assert key in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert NEW_KEY not in signed_in.session  # gone from the session once shown
    user, token = tokens.user_for_key(key)
    assert (user, token.name) == (reviewer, "laptop")
    assert key not in ApiToken.objects.values_list("key_hash", flat=True)
    again = signed_in.get(reverse("account_token_created"), follow=True)
    assert again.redirect_chain[-1][0] == reverse("account")
    assert key not in again.content.decode()
    assert any("shown only once" in str(m) for m in again.context["messages"])


def test_token_without_a_name_is_refused(signed_in):
    response = signed_in.post(reverse("account_token_create"), {"name": "  "})
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_name_markup_is_escaped(signed_in):
    signed_in.post(reverse("account_token_create"), {"name": "<script>alert(1)</script>"})
    signed_in.get(reverse("account_token_created"))
    html = signed_in.get(reverse("account")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_revoke_stops_the_key(signed_in, reviewer):
    token, key = tokens.create_token(user=reviewer, name="ci")
    response = signed_in.post(reverse("account_token_revoke", args=[token.pk]), follow=True)
    assert any("Revoked the token “ci”" in str(m) for m in response.context["messages"])
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tokens.user_for_key(key) is None


def test_revoking_someone_elses_token_is_404(signed_in, editor):
    theirs, key = tokens.create_token(user=editor, name="theirs")
    assert signed_in.post(reverse("account_token_revoke", args=[theirs.pk])).status_code == 404
    assert tokens.user_for_key(key) is not None


def test_revoke_needs_post(signed_in, reviewer):
    token, _ = tokens.create_token(user=reviewer, name="ci")
    assert signed_in.get(reverse("account_token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_password_change(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "a much longer passphrase 2026",
            "new_password2": "a much longer passphrase 2026",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    reviewer.refresh_from_db()
    assert reviewer.check_password("a much longer passphrase 2026")


def test_password_change_with_wrong_old_password_is_refused(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x9!long-pass", "new_password2": "x9!long-pass"},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.check_password("correct horse battery staple")


def test_anonymous_is_sent_to_sign_in(client):
    for name in ("account", "account_token_created", "password_change"):
        assert client.get(reverse(name))["Location"].startswith(reverse("login")), name
