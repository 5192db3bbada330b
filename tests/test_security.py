"""Production settings, security headers, static files under gunicorn, sessions, passwords and
API tokens.

The settings module reads the environment at import, so production behaviour is checked in
subprocesses with production environment variables; headers are checked on real responses.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from annotations import tokens
from annotations.models import ApiToken

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "PYTEST", "FACTCHECK_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,factcheck.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- Production settings ---------------------------------------------------------------------


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "key",
    [None, "django-insecure-factcheck-development-key-never-use-in-production", "short"],
    ids=["unset", "development key", "short key"],
)
def test_app_refuses_to_start_with_debug_off_and_a_weak_secret_key(tmp_path, key):
    env = production_env(tmp_path)
    if key is None:
        del env["DJANGO_SECRET_KEY"]
    else:
        env["DJANGO_SECRET_KEY"] = key
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set DJANGO_SECRET_KEY to a long random value" in result.stderr


def test_production_settings_turn_on_https_protections(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_AGE, s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        code,
        env=production_env(tmp_path, DJANGO_SESSION_AGE="3600"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "31536000", "True", "True", "True", "True", "True", "3600",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]  # fmt: skip


# --- Headers ---------------------------------------------------------------------------------


def test_every_page_sends_the_security_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_sends_the_security_headers_too(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/api/v1/projects/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get(reverse("login"))


def test_pages_have_no_inline_script_or_style(client, reviewer, article):
    """The CSP forbids inline code, so the templates must not rely on it."""
    from tests.xss_payloads import assert_page_harmless

    client.force_login(reviewer)
    for url in (
        reverse("login"),
        reverse("dashboard"),
        reverse("project_detail", args=[article.project.slug]),
        reverse("article_annotate", args=[article.pk]),
        reverse("account"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_harmless(response.content.decode(), where=url)


# --- Static files and gunicorn ---------------------------------------------------------------


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    """A migrated SQLite database and collected static files under production settings."""
    folder = tmp_path_factory.mktemp("production")
    env = production_env(folder)
    for args in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
        result = manage(*args, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
    return folder, env


def test_collectstatic_works_with_the_manifest_storage(production_site):
    folder, _ = production_site
    manifest = folder / "static" / "staticfiles.json"
    assert '"css/app.css": "css/app.' in manifest.read_text()
    assert (folder / "static" / "css" / "app.css.gz").exists()  # WhiteNoise compresses


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.slow
def test_gunicorn_serves_pages_and_whitenoise_static_files_in_production(production_site):
    _, env = production_site
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "factcheck.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https"}
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, headers, body = _get(f"{base}/login/", https)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200
        assert b"Sign in" in body
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert "Secure" in headers["Set-Cookie"] and "csrftoken" in headers["Set-Cookie"]
        status, headers, body = _get(f"{base}/static/css/app.css", https)
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b"{" in body
        status, headers, _ = _get(f"{base}/login/")  # plain http is sent to https
        assert status == 301
        assert headers["Location"] == f"https://127.0.0.1:{port}/login/"
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- Accounts --------------------------------------------------------------------------------


def test_password_validators_refuse_weak_passwords(reviewer, client):
    with pytest.raises(ValidationError, match="too common"):
        validate_password("password123", user=reviewer)
    with pytest.raises(ValidationError, match="too short"):
        validate_password("x7#q", user=reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert "entirely numeric" in response.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.check_password("correct horse battery staple")


def test_session_age_comes_from_the_environment(tmp_path):
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        code,
        env={**production_env(tmp_path), "DJANGO_SESSION_AGE": "900"},
    )
    assert result.stdout.strip() == "900", result.stderr


def test_an_expired_session_is_signed_out(client, reviewer, settings):
    settings.SESSION_COOKIE_AGE = 600
    client.force_login(reviewer)
    assert client.get(reverse("dashboard")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert 590 <= (session.expire_date - timezone.now()).total_seconds() <= 600
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now())
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_changing_the_password_ends_the_users_other_sessions(client, reviewer):
    from django.test import Client

    laptop, phone = client, Client()
    for device in (laptop, phone):
        assert device.login(username="rev", password="correct horse battery staple")
        assert device.get(reverse("dashboard")).status_code == 200
    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "a much longer new passphrase",
            "new_password2": "a much longer new passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get(reverse("dashboard")).status_code == 200  # the changing session stays
    assert phone.get(reverse("dashboard")).status_code == 302  # the other one is signed out


def test_setting_a_password_directly_ends_every_session(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("dashboard")).status_code == 200
    reviewer.set_password("an administrator reset this")
    reviewer.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_api_tokens_are_stored_only_as_a_digest(reviewer):
    token, key = tokens.create_token(user=reviewer, name="script")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in stored.values()}
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert len(stored["prefix"]) < len(key) // 3
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        assert not any(key in str(value) for row in cursor.fetchall() for value in row)
    assert tokens.user_for_key(key)[0] == reviewer
    tokens.revoke_token(user=reviewer, token_id=token.pk)
    assert tokens.user_for_key(key) is None


def test_make_serve_refuses_to_run_with_debug_on():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        ["make", "serve"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "make serve runs production: set DJANGO_DEBUG=0" in result.stderr
