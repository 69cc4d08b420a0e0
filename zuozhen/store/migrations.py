"""Schema versions of the case file, in order.

A new case file is created from the current models (``create_schema``) and stamped with
every version; an older file is brought forward by running each pending migration in its
own transaction (SQLite DDL is transactional under the pysqlite recipe in storage.py), after
a backup copy has been written. A file stamped with a version this program does not know
is refused: it was written by a newer zuozhen.

Adding a migration: append ``Migration(n, "what", upgrade)`` whose ``upgrade`` alters an
existing file to match the new models, and keep ``tests/fixtures/`` upgrade tests green.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text
from sqlmodel import SQLModel

from zuozhen import SCHEMA_VERSION, models  # models registers the tables
from zuozhen.store import search_index


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None] | None  # None: the baseline, only ever created


# Append-only tables: the audit trail and the enterprise's ratings.
_PROTECTED = {
    "trail": "留痕记录只能追加，不能修改或删除",
    "rating": "企业评价一经记录不能修改或删除",
}


def _protect(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table, message in _PROTECTED.items():
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
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


def create_schema(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)
    _protect(conn)
    search_index.create(conn)


# -- migrations, oldest first ----------------------------------------------------------


def m002_search_every_round(conn: Connection) -> None:
    """Every round kept and searchable (issue 12).

    * ``closure``: one row per closed round (outcome, result, date, on the spot or not). The
      current round comes from the appeal row; earlier rounds of reopened appeals, which a
      reopen used to clear from the appeal row, come from their ``close`` and resolved
      ``session.hear`` events in the audit trail, the one place that kept them.
    * the search index over every text of every round (search_index.py), filled from the
      existing rows, replaces the appeal-only ``appeal_fts`` (SQLite) and the trigram index
      on ``appeal.text`` (PostgreSQL).
    """
    models.Closure.__table__.create(conn)  # type: ignore[attr-defined]
    conn.exec_driver_sql(
        "INSERT INTO closure (appeal_id, round, outcome, result, closed_on, on_spot)"
        " SELECT id, round, outcome, coalesce(result, ''), closed_on,"
        " (resolved_on_spot AND round = 1) FROM appeal"
        " WHERE outcome IS NOT NULL AND closed_on IS NOT NULL"
    )
    earlier: dict[tuple[str, int], dict[str, object]] = {}
    for appeal, current, action, as_of, detail in conn.exec_driver_sql(
        "SELECT a.id, a.round, t.action, t.as_of, t.detail FROM appeal a"
        " JOIN trail t ON t.entity = 'appeal' AND t.entity_id = a.id"
        " WHERE a.round > 1 AND t.action IN ('close', 'session.hear') ORDER BY t.id"
    ):
        d = json.loads(detail)
        if action == "session.hear" and not d.get("resolved"):
            continue
        rnd = int(d.get("round", 1)) if action == "close" else 1
        outcome = d.get("outcome", "已解决") if action == "close" else "已解决"
        if rnd >= int(current) or not d.get("result") or not outcome:
            continue
        earlier[(appeal, rnd)] = {
            "appeal_id": appeal,
            "round": rnd,
            "outcome": outcome,
            "result": d["result"],
            "closed_on": date.fromisoformat(str(as_of)[:10]),
            "on_spot": action == "session.hear",
        }
    if earlier:
        conn.execute(models.Closure.__table__.insert(), list(earlier.values()))  # type: ignore[attr-defined]
    if conn.dialect.name == "sqlite":
        for trigger in ("appeal_fts_ai", "appeal_fts_au", "appeal_fts_ad"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS appeal_fts")
    else:
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_appeal_text_trgm")
    search_index.create(conn, fill=True)


MIGRATIONS: list[Migration] = [
    Migration(1, "initial", None),
    Migration(2, "search every text of every round", m002_search_every_round),
]

LATEST = MIGRATIONS[-1].version
assert LATEST == SCHEMA_VERSION, "bump zuozhen.SCHEMA_VERSION with each migration"


def current_version(conn: Connection) -> int:
    return int(conn.execute(text("SELECT max(version) FROM schema_migration")).scalar() or 0)
