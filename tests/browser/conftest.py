"""Browser-test fixtures: a transactional database that still holds the default rating scale."""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture(autouse=True)
def default_rating_scale(transactional_db):
    """Recreate the default rating scale (a data migration) that a transactional flush removes.

    The migration's function is idempotent (get_or_create), so this is a no-op when it exists.
    """
    from django.apps import apps

    migration = importlib.import_module("annotations.migrations.0002_default_rating_scale")
    migration.create_default_scale(apps, None)


def pytest_collection_modifyitems(session, config, items):
    """Run the browser tests last: they are the slowest, and after a test that drove the live
    server, a later serialized-rollback test (tests/test_workflow_concurrency.py) finds the
    default rating scale missing (seen on SQLite and PostgreSQL; cause not yet found)."""
    browser = [item for item in items if "tests/browser/" in item.nodeid]
    if browser:
        others = [item for item in items if "tests/browser/" not in item.nodeid]
        items[:] = others + browser
