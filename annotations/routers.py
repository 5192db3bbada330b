"""Database router for the optional read replica (`DATABASE_REPLICA_URL`, settings.py).

Only reads that can tolerate the replica's lag go there: the JSON API's GET and HEAD requests,
the export among them. `middleware.ReplicaReadsMiddleware` marks such a request at its start
(a context variable, so a streamed export that runs after the view returned still reads the
replica); every other read (pages, writes' own reads, `select_for_update`, commands and tasks)
and every write goes to the primary, so read-your-writes holds wherever a page shows what was
just saved. Migrations run on the primary only; the replica copies them.
"""

from __future__ import annotations

from contextvars import ContextVar

REPLICA = "replica"
_reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)


def read_from_replica(on: bool) -> None:
    """Send this thread's (request's) plain reads to the replica from now on, or stop."""
    _reads_from_replica.set(on)


class ReplicaRouter:
    """Marked reads to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reads_from_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
