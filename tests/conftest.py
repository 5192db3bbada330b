"""Shared fixtures: users for every role in one project, a second project, and a Chromium
launcher for the browser tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHARED = Path(__file__).resolve().parents[2] / "shared"
STANDARDS = SHARED / "standards"
CHROMIUM = Path("/usr/bin/chromium")


def require_standards() -> Path:
    """Return ../shared/standards, or skip (CI sets FACTCHECK_REQUIRE_STANDARDS=1 to fail)."""
    if not STANDARDS.is_dir():
        if os.environ.get("FACTCHECK_REQUIRE_STANDARDS") == "1":
            pytest.fail(f"{STANDARDS} is missing but FACTCHECK_REQUIRE_STANDARDS=1")
        pytest.skip(f"{STANDARDS} is not present beside the checkout")
    return STANDARDS


def pytest_configure(config):
    from django.conf import settings

    # Password hashing dominates the suite's run time otherwise; the hasher is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The file cache's directory is per checkout: a server running from this checkout (make
    # demo, make fuzz) would otherwise share throttle counters with the suite's same token ids.
    if settings.CACHES["default"]["BACKEND"] == "annotations.cache.FileCache":
        settings.CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="factcheck-cache-")


@pytest.fixture
def standards() -> Path:
    return require_standards()


@pytest.fixture
def project(db):
    from tests.factories import ProjectFactory

    return ProjectFactory(slug="newsdesk", name="Newsdesk")


@pytest.fixture
def other_project(db):
    from tests.factories import ProjectFactory

    return ProjectFactory(slug="elsewhere", name="Elsewhere")


def _member(project, username, role):
    from annotations import services
    from tests.factories import UserFactory

    user = UserFactory(username=username)
    services.add_member(project=project, user=user, role=role)
    return user


@pytest.fixture
def reviewer(project):
    return _member(project, "rev", "reviewer")


@pytest.fixture
def reviewer2(project):
    return _member(project, "rev2", "reviewer")


@pytest.fixture
def editor(project):
    return _member(project, "ed", "editor")


@pytest.fixture
def editor2(project):
    return _member(project, "ed2", "editor")


@pytest.fixture
def researcher(project):
    return _member(project, "res", "researcher")


@pytest.fixture
def project_admin(project):
    return _member(project, "padmin", "admin")


@pytest.fixture
def outsider(other_project):
    return _member(other_project, "outsider", "admin")


@pytest.fixture
def article(project, reviewer):
    from tests.factories import make_article

    return make_article(project=project, creator=reviewer)


# --- Browser tests ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium; never a downloaded browser."""
    if not CHROMIUM.exists():
        if os.environ.get("FACTCHECK_REQUIRE_BROWSER") == "1":
            pytest.fail("/usr/bin/chromium is missing but FACTCHECK_REQUIRE_BROWSER=1")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
