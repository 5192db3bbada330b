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


# Files that take longest (servers in subprocesses, schemathesis, the browser): run first, so
# that with one process per core (`make test`, pytest-xdist --dist loadfile) none of them is
# left alone at the end while the other cores idle. Measured with `--durations`.
SLOW_FIRST = (
    "test_schemathesis.py",
    "test_several_machines.py",
    "test_xss.py",
    "test_security.py",
    "browser/",
)


def _slowness(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    for rank, name in enumerate(SLOW_FIRST):
        if name in path:
            return rank
    return len(SLOW_FIRST)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    # Only in pytest-xdist workers, which hand out whole files in this order anyway (so
    # pytest-django's database-tests-first order never held there); a single-process run
    # keeps pytest-django's order.
    if getattr(config, "workerinput", None) is not None:
        items.sort(key=_slowness)  # stable: the order within each file is kept


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
