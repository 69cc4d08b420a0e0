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
3. ``owed_steps``  every open appeal has the time limit of the step it waits for (分办, 排诊,
   坐诊结果, 交办, 销号 joined 核实, 叫号, 承办, 反馈); a weekly (city) programme books
   continuously
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from zuozhen import SCHEMA_VERSION, models  # noqa: F401  (models registers the tables)
from zuozhen.errors import CaseFileError


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


def _m003_owed_steps(conn: Connection) -> dict[str, Any]:
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

    Self-contained with its ``_m003_`` helpers (it reads the tables, not the models), so
    it can take another number.
    """
    from sqlalchemy import text

    from zuozhen.states import OPEN_STATES
    from zuozhen.store import core

    def column(sql: str) -> list[Any]:
        return [row[0] for row in conn.exec_driver_sql(sql)]

    detail = _m003_rolling_city(conn, column)
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
        for step, start, count, rule in _m003_owed(conn, a, config.limits):
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


def _m003_rolling_city(conn: Connection, column: Callable[[str], list[Any]]) -> dict[str, Any]:
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


def _m003_owed(conn: Connection, a: Any, limits: Any) -> list[tuple[str, Any, int, str]]:
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


MIGRATIONS: list[Migration] = [
    Migration(1, "initial", None),
    Migration(2, "handoff_dues_once", _m002_handoff_dues_once),
    Migration(3, "owed_steps", _m003_owed_steps),
]

LATEST = MIGRATIONS[-1].version
assert LATEST == SCHEMA_VERSION, "bump zuozhen.SCHEMA_VERSION with each migration"
