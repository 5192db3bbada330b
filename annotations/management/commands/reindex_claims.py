"""`manage.py reindex_claims`: rebuild the claims' full-text index that claim matching reads.

The database keeps the index current by itself (triggers on SQLite, a generated column on
PostgreSQL; see `annotations.search_index`); run this after restoring a database file by hand,
after a bulk load with triggers disabled, or to compact the index.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connections

from annotations import search_index


class Command(BaseCommand):
    help = "Rebuild the full-text index of claims used by claim matching."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, database: str, **options):
        connection = connections[database]
        if connection.vendor not in ("sqlite", "postgresql"):
            self.stderr.write(
                f"{connection.vendor} has no claim index; matching scans claims instead."
            )
            return
        count = search_index.rebuild(connection)
        self.stdout.write(f"Reindexed {count} claims ({connection.vendor}).")
