"""Schema versions of the case file, in order.

A new case file is created from the current models (``create_schema``) and stamped with
every version; an older file is brought forward by running each pending migration in its
own transaction (SQLite DDL is transactional under the pysqlite recipe in storage.py), after
a backup copy has been written. A file stamped with a version this program does not know
is refused: it was written by a newer zuozhen.

Adding a migration: append ``Migration(n, "what", upgrade)`` whose ``upgrade`` alters an
existing file to match the new models (SQL that runs on SQLite ≥ 3.35 and PostgreSQL),
bump ``zuozhen.SCHEMA_VERSION``, and keep ``tests/fixtures/`` upgrade tests green. What
``upgrade`` returns is added to the migration's audit-trail event (what it restored or
found), so a value a migration had to choose is on the record.

1. ``initial``  the first released schema (tests/fixtures/case-v1.db)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from zuozhen import SCHEMA_VERSION, models  # noqa: F401  (models registers the tables)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    # None: the baseline, only ever created; returns details for the audit trail, or None
    upgrade: Callable[[Connection], dict[str, Any] | None] | None


# Append-only tables: the audit trail and the enterprise's ratings.
_PROTECTED = {
    "trail": "留痕记录只能追加，不能修改或删除",
    "rating": "企业评价一经记录不能修改或删除",
}

_SQLITE_FTS = [
    # Full-text search over appeals that works for Chinese: FTS5's trigram tokenizer
    # matches any substring of three or more characters (shorter queries use LIKE).
    "CREATE VIRTUAL TABLE appeal_fts USING fts5(id UNINDEXED, body, tokenize='trigram')",
    """CREATE TRIGGER appeal_fts_ai AFTER INSERT ON appeal BEGIN
         INSERT INTO appeal_fts(rowid, id, body) VALUES (new.rowid, new.id,
           new.text || ' ' || coalesce(new.result, '') || ' ' || coalesce(new.problem_class, '')
           || ' ' || coalesce(new.theme, '') || ' ' || coalesce(new.hearing_note, ''));
       END""",
    """CREATE TRIGGER appeal_fts_au AFTER UPDATE ON appeal BEGIN
         DELETE FROM appeal_fts WHERE rowid = old.rowid;
         INSERT INTO appeal_fts(rowid, id, body) VALUES (new.rowid, new.id,
           new.text || ' ' || coalesce(new.result, '') || ' ' || coalesce(new.problem_class, '')
           || ' ' || coalesce(new.theme, '') || ' ' || coalesce(new.hearing_note, ''));
       END""",
    "CREATE TRIGGER appeal_fts_ad AFTER DELETE ON appeal BEGIN "
    "DELETE FROM appeal_fts WHERE rowid = old.rowid; END",
]


def _protect(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table, message in _PROTECTED.items():
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        for stmt in _SQLITE_FTS:
            conn.exec_driver_sql(stmt)
    elif conn.dialect.name == "postgresql":
        for table, message in _PROTECTED.items():
            conn.exec_driver_sql(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            )
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.exec_driver_sql(
            "CREATE INDEX ix_appeal_text_trgm ON appeal USING gin (text gin_trgm_ops)"
        )


def create_schema(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)
    _protect(conn)


MIGRATIONS: list[Migration] = [
    Migration(1, "initial", None),
]

LATEST = MIGRATIONS[-1].version
assert LATEST == SCHEMA_VERSION, "bump zuozhen.SCHEMA_VERSION with each migration"
