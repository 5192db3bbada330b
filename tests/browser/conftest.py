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
