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
2. ``handoff_dues_once``  a hand-off's plan and report deadlines are kept only as its
   ``deadline`` rows (they were mirrored in ``handoff`` and synchronised by hand)
3. ``ends_and_turns``  withdrawn, voided and merged appeals (``appeal.ended_on``,
   ``end_reason``, ``merged_into``), a unit's return (``handoff.returned_*``), interim
   progress and co-unit parts (``progress``), absences from a session (``absence``)
4. ``search_every_round``  every round kept (``closure``: one row per closed round) and
   searchable (``search_index.py``: every recorded text of every round)
5. ``owed_steps``  every open appeal has the time limit of the step it waits for (分办, 排诊,
   坐诊结果, 交办, 销号 joined 核实, 叫号, 承办, 反馈); a weekly (city) programme books
   continuously
6. ``seals``  every record sealed in the trail (store/seal.py), so verify finds edits
7. ``channels_and_ledgers``  intakes of every channel, held events and ledgers (台账)
8. ``short_words``  two-character words found through an index too (search_index.py: the
   bigram index on SQLite; PostgreSQL keeps its trigram index)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from zuozhen import SCHEMA_VERSION, models  # models registers the tables
from zuozhen.errors import CaseFileError
from zuozhen.store import search_index


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    # None: the baseline, only ever created; returns details for the audit trail, or None
    upgrade: Callable[[Connection], dict[str, Any] | None] | None
    # Seal every record afresh after upgrading (store/seal.py): needed whenever a migration
    # adds, drops or rewrites columns of a sealed table, or the old digests would all differ.
    reseal: bool = False
    # Rebuilds a table on SQLite (a constraint changed): run with foreign keys off, which
    # the upgrade checks itself before the transaction commits (``_rebuild``).
    rebuild: bool = False


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


_DUE_COLUMNS = {
    "accept": ("plan_due", "accepted_on", "accepted_late"),
    "report": ("report_due", "reported_on", "reported_late"),
}


def _m002_handoff_dues_once(conn: Connection) -> dict[str, Any]:
    """Drop ``handoff.plan_due/report_due/report_due_original/provisional``.

    Every hand-off round already has its ``accept`` and ``report`` deadline rows (the acts
    wrote both); a row missing from a damaged file is restored from the mirror, and a
    mirror that disagreed with its row is reported (the row is what the acts and the
    daily audit judged by, so it is kept). Then one row of each per round is made a rule of
    the database (``ux_deadline_handoff``).
    """
    twice = conn.exec_driver_sql(
        "SELECT appeal_id, round, step FROM deadline WHERE step IN ('accept', 'report') "
        "GROUP BY appeal_id, round, step HAVING count(*) > 1 ORDER BY appeal_id, round, step"
    ).all()
    if twice:
        listed = "、".join(f"{a} 第 {r} 轮（{s}）" for a, r, s in twice[:10])
        raise CaseFileError(
            f"案卷中有交办轮次存了两个同类期限（{listed}），无法自动升级：案卷未作改动。"
            "请用原版本的 zuozhen 核对这些诉求，或联系技术支持。"
        )
    restored: list[list[Any]] = []
    differed: list[list[Any]] = []
    for step, (due, done, late) in _DUE_COLUMNS.items():
        missing = f"""
            FROM handoff h WHERE NOT EXISTS (SELECT 1 FROM deadline d
              WHERE d.appeal_id = h.appeal_id AND d.round = h.round AND d.step = '{step}')"""
        restored += [
            [a, r, step, d]
            for a, r, d in conn.exec_driver_sql(
                f"SELECT h.appeal_id, h.round, h.{due} {missing} ORDER BY h.appeal_id, h.round"
            )
        ]
        conn.exec_driver_sql(
            "INSERT INTO deadline (appeal_id, round, step, unit, start, count, rule, due,"
            " provisional, done_on, late)"
            f" SELECT h.appeal_id, h.round, '{step}', h.lead_unit, h.handed_on, NULL, 'fixed',"
            f" h.{due}, h.provisional, h.{done}, h.{late} {missing}"
        )
        differed += [
            [a, r, step, mirror, kept]
            for a, r, mirror, kept in conn.exec_driver_sql(
                f"SELECT h.appeal_id, h.round, h.{due}, d.due FROM handoff h JOIN deadline d"
                f" ON d.appeal_id = h.appeal_id AND d.round = h.round AND d.step = '{step}'"
                f" WHERE d.due <> h.{due} ORDER BY h.appeal_id, h.round"
            )
        ]
    # The original report deadline is read from the first extension of the round.
    differed += [
        [a, r, "report_original", mirror, kept]
        for a, r, mirror, kept in conn.exec_driver_sql(
            "SELECT h.appeal_id, h.round, h.report_due_original, o.due FROM handoff h"
            " JOIN (SELECT d.appeal_id, d.round, COALESCE((SELECT x.old_due FROM extension x"
            "   WHERE x.appeal_id = d.appeal_id AND x.round = d.round ORDER BY x.id LIMIT 1),"
            "   d.due) AS due FROM deadline d WHERE d.step = 'report') o"
            " ON o.appeal_id = h.appeal_id AND o.round = h.round"
            " WHERE o.due <> h.report_due_original ORDER BY h.appeal_id, h.round"
        )
    ]
    conn.exec_driver_sql(
        "CREATE UNIQUE INDEX ux_deadline_handoff ON deadline (appeal_id, round, step)"
        " WHERE step IN ('accept', 'report')"
    )
    # Reports now read the dues from deadline rows: the lookup index also covers them.
    conn.exec_driver_sql("DROP INDEX ix_deadline_appeal_step")
    conn.exec_driver_sql(
        "CREATE INDEX ix_deadline_appeal_step ON deadline (appeal_id, step, round, due)"
    )
    analysed = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
    if conn.dialect.name == "sqlite" and conn.exec_driver_sql(analysed).first():
        # An analysed file keeps planner statistics for the new indexes too.
        conn.exec_driver_sql("ANALYZE ix_deadline_appeal_step")
        conn.exec_driver_sql("ANALYZE ux_deadline_handoff")
    for column in ("plan_due", "report_due", "report_due_original", "provisional"):
        conn.exec_driver_sql(f"ALTER TABLE handoff DROP COLUMN {column}")
    return {"restored": restored, "differed": differed}


def _m003_ends_and_turns(conn: Connection) -> None:
    """Add what withdrawal.py, hearing.py (absent) and handoff.py (return, progress) keep.

    Self-contained (its own DDL, not the models'), so it can be renumbered when another
    branch's migration lands first. Only additions: every existing row keeps its values
    and the new columns are empty, as nothing of the kind could be recorded before.
    """
    serial = "SERIAL" if conn.dialect.name == "postgresql" else "INTEGER"
    for statement in (
        "ALTER TABLE appeal ADD COLUMN ended_on DATE",
        "ALTER TABLE appeal ADD COLUMN end_reason VARCHAR",
        "ALTER TABLE appeal ADD COLUMN merged_into VARCHAR(24) REFERENCES appeal (id)",
        "CREATE INDEX ix_appeal_merged_into ON appeal (merged_into) WHERE merged_into IS NOT NULL",
        "ALTER TABLE handoff ADD COLUMN returned_on DATE",
        "ALTER TABLE handoff ADD COLUMN returned_by VARCHAR",
        "ALTER TABLE handoff ADD COLUMN return_reason VARCHAR",
        "ALTER TABLE handoff ADD COLUMN returned_late BOOLEAN",
        f"""CREATE TABLE progress (
            id {serial} NOT NULL,
            appeal_id VARCHAR NOT NULL,
            round INTEGER NOT NULL,
            unit VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            reported_on DATE NOT NULL,
            text VARCHAR NOT NULL,
            late BOOLEAN NOT NULL,
            PRIMARY KEY (id),
            FOREIGN KEY(appeal_id) REFERENCES appeal (id))""",
        "CREATE INDEX ix_progress_appeal_id ON progress (appeal_id)",
        f"""CREATE TABLE absence (
            id {serial} NOT NULL,
            appeal_id VARCHAR NOT NULL,
            session_id VARCHAR NOT NULL,
            recorded_on DATE NOT NULL,
            note VARCHAR,
            PRIMARY KEY (id),
            FOREIGN KEY(appeal_id) REFERENCES appeal (id),
            FOREIGN KEY(session_id) REFERENCES consultation (id))""",
        "CREATE INDEX ix_absence_appeal_id ON absence (appeal_id)",
        "CREATE INDEX ix_absence_session_id ON absence (session_id)",
    ):
        conn.exec_driver_sql(statement)


def _m004_search_every_round(conn: Connection) -> None:
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
    search_index.create(conn, fill=True, short_words=False)  # schema 8 adds them


def _m005_owed_steps(conn: Connection) -> dict[str, Any]:
    """Open the time limit each open appeal owes, from its stored dates, on the official
    calendar: ``triage`` for a booked appeal (the limit of its verification: same start and
    count), ``schedule`` for a verified appeal on no session or on a cancelled one (from
    the verification, or the cancellation), ``hear`` for an appeal on a planned session
    (from the session day), ``handoff`` for a referred or reopened one (from the hearing,
    or the re-visit), ``close`` for a reported one (from the report). The acts open them
    from now on (``duties``); a limit already open is left alone.

    A weekly (city) programme whose configuration names no booking rule books
    continuously (seed 000; the city preset's rule since this version): ``booking =
    "rolling"`` is added to its ``[cadence]`` table. Both are listed in the trail event.

    Self-contained with its ``_m005_`` helpers (it reads the tables, not the models), so
    it can take another number.
    """
    from sqlalchemy import text

    from zuozhen.states import OPEN_STATES
    from zuozhen.store import core

    def column(sql: str) -> list[Any]:
        return [row[0] for row in conn.exec_driver_sql(sql)]

    detail = _m005_rolling_city(conn, column)
    config, cal = core.load_config(column), core.load_calendar(column)
    owing: set[tuple[str, str]] = {
        (str(a), str(st))
        for a, st in conn.exec_driver_sql(
            "SELECT appeal_id, step FROM deadline WHERE done_on IS NULL"
        )
    }
    placeholders = ", ".join(f"'{st}'" for st in OPEN_STATES)
    rows: list[dict[str, Any]] = []
    for a in conn.execute(
        text(
            "SELECT a.id, a.status, a.round, a.verified_on, a.heard_on, a.session_id,"
            " c.status AS s_status, c.date AS s_date, b.booked_on FROM appeal a"
            " JOIN booking b ON b.id = a.booking_id"
            " LEFT JOIN consultation c ON c.id = a.session_id"
            f" WHERE a.status IN ({placeholders}) ORDER BY a.id"
        )
    ).mappings():
        aid = str(a["id"])
        for step, start, count, rule in _m005_owed(conn, a, config.limits):
            if (aid, step) in owing:
                continue
            due = (
                cal.notify_by(start, count) if rule == "before" else cal.add_workdays(start, count)
            )
            owing.add((aid, step))
            rows.append(
                {
                    "a": aid,
                    "r": int(a["round"]),
                    "s": step,
                    "start": start,
                    "n": count,
                    "rule": rule,
                    "due": due.date,
                    "p": due.provisional,
                    "f": False,
                }
            )
    if rows:
        conn.execute(
            text(
                "INSERT INTO deadline (appeal_id, round, step, unit, start, count, rule, due,"
                " provisional, done_on, late)"
                " VALUES (:a, :r, :s, NULL, :start, :n, :rule, :due, :p, NULL, :f)"
            ),
            rows,
        )
    opened: dict[str, int] = {}
    for row in rows:
        opened[row["s"]] = opened.get(row["s"], 0) + 1
    used = {
        k: getattr(config.limits, k) for k in ("verify", "schedule", "hear", "handoff", "close")
    }
    return {**detail, "opened": dict(sorted(opened.items())), "limits": used}


def _m005_rolling_city(conn: Connection, column: Callable[[str], list[Any]]) -> dict[str, Any]:
    """A weekly programme with no booking rule books continuously (``booking = "rolling"``)."""
    import re
    import tomllib

    from sqlalchemy import text

    from zuozhen.store import core

    stored = column(core.CONFIG_SQL)
    if not stored:
        return {}
    cadence = tomllib.loads(stored[0]).get("cadence", {})
    if cadence.get("kind") != "weekly" or "booking" in cadence:
        return {}
    rolling = re.sub(
        r"^\[cadence\][^\n]*\n",
        lambda m: m.group(0) + 'booking = "rolling"\n',
        stored[0],
        count=1,
        flags=re.M,
    )
    if rolling == stored[0]:
        return {}
    conn.execute(text("UPDATE setting SET value = :v WHERE key = 'config'"), {"v": rolling})
    return {"booking": "rolling"}


def _m005_owed(conn: Connection, a: Any, limits: Any) -> list[tuple[str, Any, int, str]]:
    """The limits an open appeal owes: (step, start, count, rule), as the acts open them."""
    from datetime import date

    from sqlalchemy import text

    def day(value: Any) -> date | None:
        return None if value is None else date.fromisoformat(str(value)[:10])

    def first(sql: str, **params: Any) -> date | None:
        return day(conn.execute(text(sql), params).scalar())

    status = str(a["status"])
    booked, verified = day(a["booked_on"]), day(a["verified_on"])
    if status == "booked":
        start = first(
            "SELECT start FROM deadline WHERE appeal_id = :a AND step = 'verify'"
            " ORDER BY id DESC LIMIT 1",
            a=a["id"],
        )
        return [("triage", start or booked, limits.verify, "wd")]
    if status == "triaged":
        if verified is None:
            return [("verify", booked, limits.verify, "wd")]
        return [("schedule", verified, limits.schedule, "wd")]
    if status in ("scheduled", "notified"):
        session_day = day(a["s_date"])
        if a["s_status"] == "planned" and session_day is not None:
            call = [("notify", session_day, limits.notify_days, "before")]
            return [
                *(call if status == "scheduled" else []),
                ("hear", session_day, limits.hear, "wd"),
            ]
        cancelled = first(  # its session was cancelled: to be put on another one
            "SELECT max(as_of) FROM trail WHERE entity = 'session' AND entity_id = :s"
            " AND action = 'session.cancel'",
            s=a["session_id"],
        )
        return [("schedule", cancelled or verified or booked, limits.schedule, "wd")]
    if status == "referred":
        return [("handoff", day(a["heard_on"]) or booked, limits.handoff, "wd")]
    if status == "reopened":
        revisited = first(
            "SELECT max(visited_on) FROM revisit WHERE appeal_id = :a AND reopened = :t",
            a=a["id"],
            t=True,
        )
        return [("handoff", revisited or booked, limits.handoff, "wd")]
    if status == "reported":
        reported = first(
            "SELECT reported_on FROM handoff WHERE appeal_id = :a AND round = :r",
            a=a["id"],
            r=a["round"],
        )
        return [("close", reported or booked, limits.close, "wd")]
    return []  # handed off or undertaken: the hand-off's own limits are open


def _m006_seals(conn: Connection) -> dict[str, Any]:
    """Seals begin: every record is sealed as it stands (verify compares from here on)."""
    return {"note": "自此起，verify 逐条核对记录与留痕；此前在程序之外的改动无从发现"}


def _rebuild(conn: Connection, table: str, copy: str) -> None:
    """Rebuild ``table`` to the models' shape on SQLite (its documented recipe: new table,
    copy, drop, rename; foreign keys off, see storage.py), ``copy`` the SELECT list from
    the old table in the new table's column order; then its indexes, and a foreign-key check
    that must find nothing."""
    from sqlalchemy.schema import CreateIndex, CreateTable

    t = SQLModel.metadata.tables[table]
    ddl = str(CreateTable(t).compile(conn)).replace(
        f"CREATE TABLE {table} ", f"CREATE TABLE {table}_new ", 1
    )
    conn.exec_driver_sql(ddl)
    names = ", ".join(c.name for c in t.columns)
    conn.exec_driver_sql(f"INSERT INTO {table}_new ({names}) SELECT {copy} FROM {table}")
    conn.exec_driver_sql(f"DROP TABLE {table}")
    # Triggers of other tables name it (search_index.py): renamed without re-reading them.
    conn.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    conn.exec_driver_sql(f"ALTER TABLE {table}_new RENAME TO {table}")
    conn.exec_driver_sql("PRAGMA legacy_alter_table = OFF")
    for index in t.indexes:
        conn.exec_driver_sql(str(CreateIndex(index).compile(conn)))
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise CaseFileError(f"案卷升级时发现外键不一致（{broken[:3]}），已放弃升级，案卷未改动。")


def _m007_channels_and_ledgers(conn: Connection) -> dict[str, Any]:
    """Every channel and ledger in one loop (issues 14, 15).

    ``booking`` also holds intakes of other channels (``channel``, ``ref``, ``event_id``)
    and ledgers (no enterprise): one booking per enterprise and month holds for 坐诊 only,
    so its unique constraint becomes a partial index, which on SQLite means rebuilding the
    table. New tables ``channel_event`` and ``ledger``; an appeal gains seed 003's
    classification and a carried ledger item its origin. Every existing booking is 坐诊.
    """
    from sqlalchemy.schema import CreateIndex, CreateTable

    meta = SQLModel.metadata.tables
    for name in ("channel_event", "ledger"):
        conn.exec_driver_sql(str(CreateTable(meta[name]).compile(conn)))
        for index in meta[name].indexes:
            conn.exec_driver_sql(str(CreateIndex(index).compile(conn)))
    for column in ("scope", "need", "nature", "handling"):
        conn.exec_driver_sql(f"ALTER TABLE appeal ADD COLUMN {column} VARCHAR")
    conn.exec_driver_sql("ALTER TABLE appeal ADD COLUMN carried_from VARCHAR(24)")
    before = ["id", "month", "seq", "uscc", "booked_on", "late_reason", "source", "created_at"]
    if conn.dialect.name == "sqlite":
        copy = {c: c for c in before} | {"channel": "'坐诊'", "ref": "NULL", "event_id": "NULL"}
        _rebuild(conn, "booking", ", ".join(copy[c.name] for c in meta["booking"].columns))
    else:
        for statement in (
            "ALTER TABLE booking DROP CONSTRAINT uq_booking_month_uscc",
            "ALTER TABLE booking ALTER COLUMN uscc DROP NOT NULL",
            "ALTER TABLE booking ADD COLUMN channel VARCHAR NOT NULL DEFAULT '坐诊'",
            "ALTER TABLE booking ALTER COLUMN channel DROP DEFAULT",
            "ALTER TABLE booking ADD COLUMN ref VARCHAR",
            "ALTER TABLE booking ADD COLUMN event_id VARCHAR(16) REFERENCES channel_event (id)",
        ):
            conn.exec_driver_sql(statement)
        for index in meta["booking"].indexes:
            if index.name and index.name.startswith(("ux_", "ix_booking_event")):
                conn.exec_driver_sql(str(CreateIndex(index).compile(conn)))
    return {"bookings": int(conn.exec_driver_sql("SELECT count(*) FROM booking").scalar_one())}


def _m008_short_words(conn: Connection) -> dict[str, Any]:
    """Two-character words through an index (issue 12): on SQLite the bigram index of every
    recorded text (search_index.py), filled from ``search_text``. PostgreSQL is unchanged:
    its short words stay an ILIKE (its trigram index serves words of three or more)."""
    if conn.dialect.name != "sqlite":
        return {"texts": 0}
    for trigger in ("search_text_bi", "search_text_bd", "search_text_bu"):  # built afresh
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {search_index.BIGRAM_TABLE}")
    for sql in search_index.bigram_statements(fill=True):
        conn.exec_driver_sql(sql)
    return {"texts": int(conn.exec_driver_sql("SELECT count(*) FROM search_text").scalar_one())}


MIGRATIONS: list[Migration] = [
    Migration(1, "initial", None),
    Migration(2, "handoff_dues_once", _m002_handoff_dues_once),
    Migration(3, "ends_and_turns", _m003_ends_and_turns),
    Migration(4, "search_every_round", _m004_search_every_round),
    Migration(5, "owed_steps", _m005_owed_steps),
    Migration(6, "seals", _m006_seals, reseal=True),
    Migration(7, "channels_and_ledgers", _m007_channels_and_ledgers, reseal=True, rebuild=True),
    Migration(8, "short_words", _m008_short_words),
]

LATEST = MIGRATIONS[-1].version
assert LATEST == SCHEMA_VERSION, "bump zuozhen.SCHEMA_VERSION with each migration"
