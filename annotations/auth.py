"""Sign-in throttling: lock a username (and an address) after repeated failed sign-ins.

Failures are `LoginFailure` rows, so the count is shared by every app process and host. The
rules, read from `settings.FACTCHECK_LOGIN_THROTTLE` at call time:

- a username with `USERNAME_FAILURES` failures within `WINDOW_SECONDS` is locked until the
  newest of those failures is `LOCKOUT_SECONDS` old;
- an address with `ADDRESS_FAILURES` failures (over any usernames) within the window is locked
  the same way, which stops one client from guessing across many accounts;
- a successful sign-in deletes the username's failures; rows older than the window are pruned
  whenever an attempt is recorded.

Checking and recording are one atomic step (`reserve_attempt`): before a password is checked,
the attempt is stored as a failure inside a transaction that holds a lock per username and per
address (PostgreSQL advisory locks; SQLite's IMMEDIATE transactions take the database's write
lock when they begin), and only if the lock is not already reached. A correct password then
clears the username's failures. A parallel burst of wrong passwords therefore evaluates at most
`USERNAME_FAILURES` of them per window, and the right password is refused afterwards; checking
first and recording after the (slow) password hash let 7-18 of 25 parallel guesses through.

`ThrottlingModelBackend` enforces this for every caller of `django.contrib.auth.authenticate`
(our sign-in page, the admin's, `Client.login`); `ThrottledLoginView` shows the user when to try
again. The lock does not depend on whether the username exists, so it reveals nothing about
which accounts do. API tokens are long random keys and are not throttled here.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from django import forms
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from .models import LoginFailure

DEFAULTS = {
    "USERNAME_FAILURES": 5,
    "ADDRESS_FAILURES": 20,
    "WINDOW_SECONDS": 15 * 60,
    "LOCKOUT_SECONDS": 15 * 60,
    "TRUSTED_PROXIES": 0,
}


def throttle_settings() -> dict:
    return {**DEFAULTS, **getattr(settings, "FACTCHECK_LOGIN_THROTTLE", {})}


def normalise_username(username: str | None) -> str:
    """Return the key failures are counted under (case-insensitive, at most 150 characters)."""
    return (username or "").strip().lower()[:150]


def client_address(request) -> str | None:
    """Return the client's IP address: REMOTE_ADDR, or the X-Forwarded-For entry added by the
    outermost of `TRUSTED_PROXIES` reverse proxies. Clients cannot spoof it past the proxies."""
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = throttle_settings()["TRUSTED_PROXIES"]
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def locked_until(*, username: str | None, ip: str | None) -> dt.datetime | None:
    """Return when the lock on `username` or `ip` ends, or None if neither is locked."""
    rules = throttle_settings()
    now = timezone.now()
    since = now - dt.timedelta(seconds=rules["WINDOW_SECONDS"])
    lockout = dt.timedelta(seconds=rules["LOCKOUT_SECONDS"])
    ends = []
    for field, value, threshold in (
        ("username", normalise_username(username), rules["USERNAME_FAILURES"]),
        ("ip", ip, rules["ADDRESS_FAILURES"]),
    ):
        if not value:
            continue
        recent = list(
            LoginFailure.objects.filter(**{field: value}, at__gte=since)
            .order_by("-at")
            .values_list("at", flat=True)[:threshold]
        )
        if len(recent) >= threshold and recent[0] + lockout > now:
            ends.append(recent[0] + lockout)
    return max(ends, default=None)


def _lock_keys(*keys: str) -> None:
    """Serialise attempts on the same keys until the transaction ends.

    PostgreSQL: transaction-scoped advisory locks, taken in sorted order so two attempts never
    wait on each other crosswise. SQLite needs none: our connections open transactions with
    BEGIN IMMEDIATE (settings.py), which already holds the database's single write lock.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def reserve_attempt(*, username: str | None, ip: str | None) -> int | None:
    """Record a sign-in attempt as a failure before its password is checked, unless locked.

    Return the new `LoginFailure` row's id, or None (nothing recorded) if the username or the
    address is locked. The check and the insert happen under one lock per username and address,
    so parallel attempts cannot all see "not yet locked". The caller clears the failures when
    the password turns out to be right (`clear_failures`).
    """
    name = normalise_username(username)
    with transaction.atomic():
        _lock_keys(f"login-user:{name}", *([f"login-ip:{ip}"] if ip else []))
        if locked_until(username=name, ip=ip) is not None:
            return None
        failure = LoginFailure.objects.create(username=name, ip=ip)
    prune_failures()
    return failure.pk


def prune_failures() -> None:
    """Delete failures older than both the window and the lockout: they count for nothing."""
    rules = throttle_settings()
    horizon = max(rules["WINDOW_SECONDS"], rules["LOCKOUT_SECONDS"])
    LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(seconds=horizon)).delete()


def clear_failures(*, username: str | None) -> None:
    """Forget the username's failures after a successful sign-in."""
    LoginFailure.objects.filter(username=normalise_username(username)).delete()


def lockout_message(until: dt.datetime) -> str:
    now = timezone.now()
    minutes = max(1, round((until - now).total_seconds() / 60))
    return (
        "Too many failed sign-ins for this account or from this address. "
        f"Try again after {until:%H:%M} UTC (in about {minutes} minute{'s' if minutes != 1 else ''}), "
        "or ask an administrator to reset your password."
    )


class ThrottlingModelBackend(ModelBackend):
    """ModelBackend that refuses locked usernames/addresses and records failed attempts.

    Every attempt is recorded as a failure before the password is checked (atomically with the
    lock check, see `reserve_attempt`) and forgiven if the password is right.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        ip = client_address(request)
        if reserve_attempt(username=username, ip=ip) is None:
            # PermissionDenied stops authenticate() from trying other backends.
            raise PermissionDenied("Sign-in locked after repeated failures.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            clear_failures(username=username)  # including the attempt reserved above
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class ThrottledAuthenticationForm(AuthenticationForm):
    """The sign-in form, saying when a locked account or address may try again."""

    def clean(self):
        username = self.cleaned_data.get("username")
        ip = client_address(self.request)
        until = locked_until(username=username, ip=ip)
        if until is not None:
            raise forms.ValidationError(lockout_message(until), code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            until = locked_until(username=username, ip=ip)
            if until is not None:  # this failure was the one that locked it
                raise forms.ValidationError(lockout_message(until), code="locked") from None
            raise


class ThrottledLoginView(LoginView):
    """Django's LoginView with `ThrottledAuthenticationForm`; a locked sign-in answers 429."""

    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", code="locked"):
            response.status_code = 429
        return response
