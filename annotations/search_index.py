"""The full-text index of claims that claim matching reads, as database objects.

SQLite: an FTS5 table `claim_fts` with external content (the claims table itself, so nothing is
stored twice), the Porter stemmer, and triggers after INSERT, UPDATE OF quote/statement and
DELETE on `annotations_claim`. PostgreSQL: a stored generated column
`annotations_claim.search_vector` (`to_tsvector('english', statement || quote)`) with a GIN
index. Either way the database keeps the index current on every write path — pages, API,
importers, the admin, raw SQL — without any service knowing it exists. Only claims are indexed;
"has an approved verdict" is a join at query time, so verdict changes need no reindexing.

Migration 0004 calls `install()`. SQLite rebuilds a table to alter it, which drops its
triggers: a `post_migrate` handler (`apps.py`) therefore calls `ensure()`, which reinstalls and
rebuilds the index if any of its parts is missing. `rebuild()` backs `manage.py reindex_claims`.
Nothing here runs on other databases (matching then falls back to a plain scan; see
`matching.search`).
"""

from __future__ import annotations

SQLITE_TRIGGERS = {
    "claim_fts_ai": """
        CREATE TRIGGER IF NOT EXISTS claim_fts_ai AFTER INSERT ON annotations_claim BEGIN
          INSERT INTO claim_fts(rowid, quote, statement) VALUES (new.id, new.quote, new.statement);
        END""",
    "claim_fts_ad": """
        CREATE TRIGGER IF NOT EXISTS claim_fts_ad AFTER DELETE ON annotations_claim BEGIN
          INSERT INTO claim_fts(claim_fts, rowid, quote, statement)
          VALUES ('delete', old.id, old.quote, old.statement);
        END""",
    "claim_fts_au": """
        CREATE TRIGGER IF NOT EXISTS claim_fts_au AFTER UPDATE OF quote, statement
        ON annotations_claim BEGIN
          INSERT INTO claim_fts(claim_fts, rowid, quote, statement)
          VALUES ('delete', old.id, old.quote, old.statement);
          INSERT INTO claim_fts(rowid, quote, statement) VALUES (new.id, new.quote, new.statement);
        END""",
}
SQLITE_TABLE = """
    CREATE VIRTUAL TABLE IF NOT EXISTS claim_fts USING fts5(
      quote, statement, content='annotations_claim', content_rowid='id',
      tokenize='porter unicode61 remove_diacritics 2'
    )"""
PG_COLUMN = """
    ALTER TABLE annotations_claim ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (
      setweight(to_tsvector('english', coalesce(statement, '')), 'A')
      || setweight(to_tsvector('english', coalesce(quote, '')), 'B')
    ) STORED"""
PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS claim_search_vector_gin ON annotations_claim "
    "USING gin (search_vector)"
)


def install(connection) -> None:
    """Create the index objects (idempotent) and fill the index from the claims table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(SQLITE_TABLE)
            for sql in SQLITE_TRIGGERS.values():
                cursor.execute(sql)
            cursor.execute("INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            cursor.execute(PG_COLUMN)
            cursor.execute(PG_INDEX)


def uninstall(connection) -> None:
    """Drop the index objects (the reverse of migration 0004)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS claim_fts")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS claim_search_vector_gin")
            cursor.execute("ALTER TABLE annotations_claim DROP COLUMN IF EXISTS search_vector")


def is_installed(connection) -> bool:
    """Return whether every part of the index exists on `connection`."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name = 'claim_fts' "
                "OR (type = 'trigger' AND name LIKE 'claim_fts_%%')"
            )
            return {row[0] for row in cursor.fetchall()} >= {"claim_fts", *SQLITE_TRIGGERS}
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'claim_search_vector_gin'"
            )
            return cursor.fetchone()[0] == 1
    return True


def ensure(connection) -> bool:
    """Reinstall the index if any part is missing (a table rebuild dropped the triggers).

    Return whether it had to.
    """
    if connection.vendor not in ("sqlite", "postgresql") or is_installed(connection):
        return False
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if "annotations_claim" not in tables:
        return False
    install(connection)
    return True


def rebuild(connection) -> int:
    """Rebuild the index from the claims table; return how many claims it covers."""
    if not is_installed(connection):
        install(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            # The generated column cannot go stale; REINDEX rebuilds a bloated GIN index.
            cursor.execute("REINDEX INDEX claim_search_vector_gin")
        cursor.execute("SELECT count(*) FROM annotations_claim")
        return cursor.fetchone()[0]
