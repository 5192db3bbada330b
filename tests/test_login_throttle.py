"""Sign-in throttling: repeated failures lock a username and an address for a while, with a
message saying when to try again; success clears the username; old rows are pruned."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotations.auth import client_address, locked_until
from annotations.models import LoginFailure

PASSWORD = "correct horse battery staple"
PARALLEL = 25


def sign_in(client: Client, username: str, password: str, *, ip: str = "203.0.113.7", **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def fail(client: Client, username: str, times: int, *, ip: str = "203.0.113.7") -> None:
    for _ in range(times):
        response = sign_in(client, username, "wrong password", ip=ip)
        assert response.status_code in (200, 429)


def test_a_wrong_password_is_refused_and_recorded(client, reviewer):
    response = sign_in(client, "rev", "wrong")
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode() or "correct username" in (
        response.content.decode()
    )
    assert list(LoginFailure.objects.values_list("username", "ip")) == [("rev", "203.0.113.7")]


def test_five_failures_lock_the_username_with_a_message_saying_when(client, reviewer):
    fail(client, "rev", 4)
    response = sign_in(client, "rev", "wrong again")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    until = timezone.now() + dt.timedelta(minutes=15)
    assert f"Try again after {until:%H:%M} UTC" in page or (
        f"Try again after {until - dt.timedelta(minutes=1):%H:%M} UTC" in page
    )
    assert "in about 15 minutes" in page
    # Even the right password is refused while locked, and the attempt is not counted.
    response = sign_in(Client(), "rev", PASSWORD, ip="198.51.100.1")
    assert response.status_code == 429
    assert LoginFailure.objects.filter(username="rev").count() == 5


def test_the_lock_ends_after_the_lockout_and_success_clears_the_failures(client, reviewer):
    fail(client, "rev", 5)
    assert sign_in(client, "rev", PASSWORD).status_code == 429
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    response = sign_in(client, "rev", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert not LoginFailure.objects.filter(username="rev").exists()


def test_success_before_the_limit_clears_the_username_failures(client, reviewer):
    fail(client, "rev", 4)
    assert sign_in(client, "rev", PASSWORD).status_code == 302
    assert LoginFailure.objects.filter(username="rev").count() == 0
    fail(Client(), "rev", 4)  # a fresh count: four more do not lock
    assert sign_in(Client(), "rev", PASSWORD).status_code == 302


def test_usernames_are_counted_case_insensitively(client, reviewer):
    for name in ("rev", "REV", "Rev", " rev", "rEv"):
        sign_in(client, name, "wrong")
    assert sign_in(client, "rev", PASSWORD).status_code == 429


def test_unknown_usernames_lock_like_real_ones(client, db):
    """The lock does not reveal whether an account exists."""
    fail(client, "nobody", 5)
    assert "Too many failed sign-ins" in sign_in(client, "nobody", "x").content.decode()


def test_an_address_guessing_across_many_accounts_is_locked(client, reviewer, settings):
    settings.FACTCHECK_LOGIN_THROTTLE = {**settings.FACTCHECK_LOGIN_THROTTLE, "ADDRESS_FAILURES": 6}
    for index in range(6):
        sign_in(client, f"guess{index}", "wrong", ip="192.0.2.50")
    response = sign_in(client, "rev", PASSWORD, ip="192.0.2.50")
    assert response.status_code == 429
    assert "from this address" in response.content.decode()
    assert sign_in(Client(), "rev", PASSWORD, ip="192.0.2.51").status_code == 302


def test_the_lock_covers_every_way_in(client, reviewer, editor):
    """The backend enforces it, so Client.login and the admin sign-in are locked too."""
    fail(client, "rev", 5)
    assert Client().login(username="rev", password=PASSWORD) is False
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    for _ in range(5):
        Client().post("/admin/login/", {"username": "ed", "password": "nope"})
    response = Client().post("/admin/login/?next=/admin/", {"username": "ed", "password": PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert LoginFailure.objects.filter(username="ed").count() == 5


def test_old_failures_are_pruned_when_a_new_one_is_recorded(client, db):
    LoginFailure.objects.create(username="old", ip="192.0.2.1")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(hours=2))
    sign_in(client, "new", "wrong")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["new"]


def test_failures_are_shared_through_the_database(client, reviewer):
    """Rows written by any process count: failures inserted directly lock the sign-in page."""
    LoginFailure.objects.bulk_create(LoginFailure(username="rev", ip="192.0.2.9") for _ in range(5))
    assert locked_until(username="rev", ip=None) is not None
    assert sign_in(client, "rev", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "203.0.113.7"),  # no trusted proxy: the header is ignored
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "10.9.9.9, 198.51.100.9", "198.51.100.9"),  # a client-made entry is skipped
        (2, "198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (1, "not-an-ip", None),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    rf, settings, proxies, forwarded, expected
):
    settings.FACTCHECK_LOGIN_THROTTLE = {
        **settings.FACTCHECK_LOGIN_THROTTLE,
        "TRUSTED_PROXIES": proxies,
    }
    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.django_db(transaction=True)
def test_a_parallel_burst_of_wrong_passwords_cannot_exceed_the_limit(reviewer):
    """25 wrong passwords at once: checking and recording are one atomic step, so at most the
    limit (5) are evaluated and recorded, and the right password is refused afterwards."""
    barrier = threading.Barrier(PARALLEL)

    def attempt(index: int) -> int:
        try:
            client = Client()
            barrier.wait(timeout=30)
            return sign_in(
                client, "rev", f"wrong {index}", ip=f"198.51.100.{index + 1}"
            ).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        codes = list(pool.map(attempt, range(PARALLEL)))

    assert set(codes) <= {200, 429}, codes
    assert LoginFailure.objects.filter(username="rev").count() == 5
    # At most four say "wrong password": once five are recorded, every answer says "locked".
    assert codes.count(429) >= PARALLEL - 4, codes
    response = sign_in(Client(), "rev", PASSWORD, ip="192.0.2.200")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
