"""Nothing stalls unseen (issue 12, item 1): every open appeal has an open step in ``audit``.

Through the real CLI, one appeal walked from booking to reopening, the daily audit checked
at each state for the step it owes (``step``, ``due``, ``unit`` of ``audit --json``):
``triage`` (booked), ``schedule`` (verified, on no session), ``notify`` then ``hear`` (the
session day passed without an outcome — not a call-up "overdue 110 working days"),
``handoff`` (referred, reopened), ``accept``/``report`` (the unit's), ``close`` (reported),
``rate`` (closed: the enterprise's free act, no unit, never on a 督办单) and ``session`` (a
planned session on a day that became a rest day, listed under its session id). Then the
schema migration that backfills these limits in an older file, and a property test over
random histories of clerk commands: after every step each open appeal owes exactly one
open limit of the step its state names (``states.owed_step``), nothing stale is left open,
and ``audit --all`` lists it with a due date.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    act,
    book,
    cancel,
    close_out,
    copy_case,
    extend,
    hand_off,
    hear,
    make_case,
    must,
    notify_sent,
    only_migration,
    opened,
    plan,
    query,
    rate,
    report_back,
    revisit,
    run_cli,
    scheduled,
    tamper,
    triage,
    unchanged,
    undertake,
)
from zuozhen import states
from zuozhen.errors import ZuozhenError
from zuozhen.reschedule import postpone_session
from zuozhen.store.reader import Reader
from zuozhen.supervision import daily_list

ORGANISER = "云南省发展改革委"
A = "202610-001-1"


def audit(db: Path, today: str, *extra: str) -> dict[str, Any]:
    return dict(must(db, "audit", "--json", *extra, today=today))


def owed(db: Path, today: str, appeal: str = A, *extra: str) -> list[tuple[str, str, Any]]:
    """(step, due, unit) of every item of ``appeal`` in ``audit --all --json``."""
    doc = audit(db, today, "--all", *extra)
    items = [*doc["overdue"], *doc["due_soon"], *doc["later"]]
    return sorted((i["step"], i["due"], i["unit"]) for i in items if i["appeal"] == appeal)


@pytest.fixture
def office(db_path: Path) -> Path:
    """Two October sessions (10-21 主场, 10-28 专场), planned in September; A booked 10-08."""
    for day, kind in (("2026-10-21", "主场"), ("2026-10-28", "专场")):
        args = ("session", "plan", "--date", day, "--kind", kind, "--theme", "政策兑现")
        must(db_path, *args, "--unit", "省发展改革委", today="2026-09-25")
    book(db_path, date(2026, 10, 8))
    return db_path


def test_booked_owes_triage_within_the_verify_limit(office: Path) -> None:
    # 7 WD after the window closes (10-13): 10-14 … 10-22
    assert owed(office, "2026-10-08") == [
        ("triage", "2026-10-22", ORGANISER),
        ("verify", "2026-10-22", ORGANISER),
    ]
    text = must(office, "audit", "--within", "10", today="2026-10-12")
    assert "分办" in text and A in text


def test_verified_on_no_session_owes_schedule(office: Path) -> None:
    must(office, "triage", A, "--unit", "省财政厅", "--verified", today="2026-10-12")
    assert owed(office, "2026-10-12") == [("schedule", "2026-10-15", ORGANISER)]
    # triaged but not verified: the verification is what it owes
    book(office, date(2026, 10, 9), 2)
    must(office, "triage", "202610-002-1", "--unit", "省财政厅", today="2026-10-12")
    assert owed(office, "2026-10-12", "202610-002-1") == [("verify", "2026-10-22", ORGANISER)]


def test_session_day_passed_owes_the_outcome_not_the_call_up(office: Path) -> None:
    must(office, "triage", A, "--unit", "省财政厅", "--session", "S202610-01", today="2026-10-12")
    # 10-21 − 3 = 10-18, a Sunday → 10-16; the outcome by the working day after the session
    assert owed(office, "2026-10-12") == [
        ("hear", "2026-10-22", ORGANISER),
        ("notify", "2026-10-16", ORGANISER),
        ("verify", "2026-10-22", ORGANISER),
    ]
    must(office, "notify", "--sent", "--channel", "短信", today="2026-10-16")
    must(office, "triage", A, "--verified", today="2026-10-16")
    assert owed(office, "2026-10-16") == [("hear", "2026-10-22", ORGANISER)]
    # Months later, never recorded: the missing outcome, overdue; no stale call-up.
    doc = audit(office, "2027-02-01")
    assert [(i["appeal"], i["step"], i["due"]) for i in doc["overdue"]] == [
        (A, "hear", "2026-10-22")
    ]
    text = must(office, "audit", today="2027-02-01")
    assert "坐诊结果" in text and "叫号" not in text


def test_a_call_up_never_made_gives_way_to_the_outcome(office: Path) -> None:
    must(office, "triage", A, "--session", "S202610-01", "--verified", today="2026-10-12")
    doc = audit(office, "2026-10-21")  # the session day: the call-up is still listed
    assert ("notify", "2026-10-16") in [(i["step"], i["due"]) for i in doc["overdue"]]
    doc = audit(office, "2026-10-23")
    assert [(i["step"], i["due"]) for i in doc["overdue"]] == [("hear", "2026-10-22")]


def _heard_and_referred(db: Path) -> None:
    must(
        db,
        "triage",
        A,
        "--unit",
        "省财政厅",
        "--session",
        "S202610-01",
        "--verified",
        today="2026-10-12",
    )
    must(db, "session", "hear", A, "--refer", today="2026-10-21")


def test_referred_owes_the_hand_off_seen_weeks_later(office: Path) -> None:
    _heard_and_referred(office)
    assert owed(office, "2026-10-21") == [("handoff", "2026-10-23", ORGANISER)]
    doc = audit(office, "2026-11-13", "--all")  # three weeks later, never handed off
    assert [(i["appeal"], i["step"], i["unit"]) for i in doc["overdue"]] == [
        (A, "handoff", ORGANISER)
    ]
    must(office, "assign", "to", A, "--unit", "省财政厅", today="2026-10-26")
    # the hand-off was late (10-26 > 10-23); the unit now owes its plan and report
    assert owed(office, "2026-10-26") == [
        ("accept", "2026-11-02", "省财政厅"),
        ("report", "2026-11-16", "省财政厅"),
    ]
    assert query(office, "SELECT late FROM deadline WHERE step = 'handoff'") == [(1,)]


def test_reported_owes_closing_until_it_is_closed(office: Path) -> None:
    _heard_and_referred(office)
    must(office, "assign", "to", A, "--unit", "省财政厅", today="2026-10-22")
    must(
        office,
        "assign",
        "accept",
        A,
        "--handler",
        "赵科长",
        "--measures",
        "协调",
        today="2026-10-23",
    )
    must(office, "assign", "report", A, "--text", "已拨付", today="2026-10-30")
    assert owed(office, "2026-10-30") == [("close", "2026-11-06", ORGANISER)]
    doc = audit(office, "2027-01-20")
    assert [(i["appeal"], i["step"]) for i in doc["overdue"]] == [(A, "close")]
    must(office, "close", A, "--outcome", "已解决", "--result", "已拨付", today="2026-11-03")
    assert owed(office, "2026-11-03") == [("rate", "2026-11-17", None)]


def test_rating_reminder_has_no_unit_and_no_notice(office: Path, tmp_path: Path) -> None:
    must(
        office,
        "triage",
        A,
        "--unit",
        "昆明海关",
        "--session",
        "S202610-01",
        "--verified",
        today="2026-10-12",
    )
    must(office, "session", "hear", A, "--resolved", "现场答复", today="2026-10-21")
    book(office, date(2026, 10, 9), 2)
    b = "202610-002-1"
    must(office, "triage", b, "--session", "S202610-01", "--verified", today="2026-10-12")
    must(office, "session", "hear", b, "--refer", today="2026-10-21")
    must(office, "assign", "to", b, "--unit", "昆明海关", today="2026-10-22")
    doc = audit(office, "2026-11-10")
    assert sorted((i["appeal"], i["step"], i["unit"]) for i in doc["overdue"]) == [
        (A, "rate", None),
        (b, "accept", "昆明海关"),
    ]
    text = must(office, "audit", today="2026-11-10")
    customs, rating = text.index("昆明海关"), text.index("诊后评价")
    assert "评价" not in text[customs:rating] if customs < rating else "评价" not in text[customs:]
    only = audit(office, "2026-11-10", "--unit", "昆明海关")
    assert [(i["appeal"], i["step"]) for i in only["overdue"]] == [(b, "accept")]
    out = tmp_path / "督办单"
    notices = must(office, "audit", "notices", "--output", str(out), "--json", today="2026-11-10")
    assert [(n["unit"], n["items"]) for n in notices["notices"]] == [("昆明海关", 1)]
    (sheet,) = out.iterdir()
    assert b in sheet.read_text(encoding="utf-8") and A not in sheet.read_text(encoding="utf-8")


def test_reopened_owes_a_new_hand_off(office: Path) -> None:
    must(office, "triage", A, "--session", "S202610-01", "--verified", today="2026-10-12")
    must(office, "session", "hear", A, "--resolved", "现场答复", today="2026-10-21")
    must(office, "rate", A, "--service", "满意", "--handling", "不满意", today="2026-10-22")
    # the supervisors' re-visit of a dissatisfied rating (no unit led this round)
    assert owed(office, "2026-10-22") == [("revisit", "2026-11-05", ORGANISER)]
    must(office, "audit", "revisit", A, "--note", "未解决到位", "--reopen", today="2026-10-26")
    assert owed(office, "2026-10-26") == [("handoff", "2026-10-28", ORGANISER)]
    rows = query(office, "SELECT round FROM deadline WHERE step = 'handoff' AND done_on IS NULL")
    assert rows == [(2,)]


def test_cancelled_session_owes_scheduling_postponed_moves_the_outcome(office: Path) -> None:
    must(office, "triage", A, "--session", "S202610-01", "--verified", today="2026-10-12")
    book(office, date(2026, 10, 9), 2)
    b = "202610-002-1"
    must(office, "triage", b, "--session", "S202610-02", "--verified", today="2026-10-12")
    must(
        office,
        "session",
        "postpone",
        "S202610-02",
        "--to",
        "2026-10-30",
        "--reason",
        "公务",
        today="2026-10-13",
    )
    assert owed(office, "2026-10-13", b) == [
        ("hear", "2026-11-02", ORGANISER),
        ("notify", "2026-10-27", ORGANISER),
    ]
    must(office, "session", "cancel", "S202610-01", "--reason", "因故取消", today="2026-10-14")
    assert owed(office, "2026-10-14") == [("schedule", "2026-10-19", ORGANISER)]
    must(office, "triage", A, "--session", "S202610-02", today="2026-10-15")
    assert owed(office, "2026-10-15") == [
        ("hear", "2026-11-02", ORGANISER),
        ("notify", "2026-10-27", ORGANISER),
    ]


SPRING_2027 = """\
year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"
holidays = [
  { name = "元旦", dates = ["2027-01-01"] },
  { name = "春节", start = "2027-02-05", end = "2027-02-12" },
]
workdays = ["2027-02-20"]
"""


def test_a_session_on_a_day_that_became_a_rest_day(db_path: Path, tmp_path: Path) -> None:
    args = ("session", "plan", "--date", "2027-02-11", "--kind", "主场", "--theme", "政策兑现")
    sid = must(db_path, *args, "--unit", "省发展改革委", "--json", today="2026-12-20")["id"]
    assert audit(db_path, "2027-01-04", "--all")["later"] == []  # a working day (provisional)
    schedule = tmp_path / "2027.toml"
    schedule.write_text(SPRING_2027, encoding="utf-8")
    must(db_path, "calendar", "load", str(schedule), today="2026-12-20")
    doc = audit(db_path, "2027-01-04", "--all")
    # to be moved before its call-up is due: 02-11 − 3 = 02-08 (春节) → 02-04
    assert [(i["appeal"], i["session"], i["step"], i["due"], i["unit"]) for i in doc["later"]] == [
        (None, sid, "session", "2027-02-04", ORGANISER)
    ]
    doc = audit(db_path, "2027-02-02")
    assert [(i["session"], i["step"]) for i in doc["due_soon"]] == [(sid, "session")]
    text = must(db_path, "audit", today="2027-02-02")
    assert sid in text and "场次改期" in text
    must(
        db_path,
        "session",
        "postpone",
        sid,
        "--to",
        "2027-02-18",
        "--reason",
        "春节",
        today="2027-02-02",
    )
    assert audit(db_path, "2027-02-02", "--all")["later"] == []


def test_all_lists_what_is_not_yet_near(office: Path) -> None:
    doc = audit(office, "2026-10-08")
    assert doc["later"] == [] and [i["step"] for i in doc["due_soon"]] == []
    doc = audit(office, "2026-10-08", "--all")
    assert [(i["appeal"], i["step"]) for i in doc["later"]] == [(A, "triage"), (A, "verify")]
    text = must(office, "audit", "--all", today="2026-10-08")
    assert "以后到期 2 项" in text and "还剩 11 个工作日" in text


def test_refusals_change_nothing(office: Path) -> None:
    with unchanged(office):
        for args in (
            ("audit", "--within", "-1"),
            ("audit", "--within", "251", "--all"),
        ):
            ran = run_cli(office, *args, today="2026-10-08")
            assert ran.code == 1 and "不合理" in ran.stderr and "Traceback" not in ran.stderr


# -- the backfill of an older case file ------------------------------------------------------

NEW_STEPS = ("triage", "schedule", "hear", "handoff", "close")


def _every_state(db: Path | str) -> dict[str, str]:
    """Appeals left in every open state (and two ended ones), the way a clerk leaves them."""
    with opened(db) as c:
        s1 = plan(c, date(2026, 9, 24))
        s2 = plan(c, date(2026, 9, 30))
        s3 = plan(c, date(2026, 10, 21), today=date(2026, 9, 20))
        ids = scheduled(c, s1, "交办", "反馈", "重办", "承办", "现场", n=1)
        (notified,) = scheduled(c, s2, "已叫号", n=2)
        (cancelled,) = scheduled(c, s3, "取消场次", n=3, on=date(2026, 9, 21), late="加号")
        (booked,) = book(c, date(2026, 9, 2), 4, "只挂号").appeals
        (verified,) = book(c, date(2026, 9, 2), 5, "已核实").appeals
        triage(c, date(2026, 9, 9), verified, units=["省财政厅"], verified=True)
        (unverified,) = book(c, date(2026, 9, 2), 6, "未核实").appeals
        triage(c, date(2026, 9, 9), unverified, units=["省财政厅"])
        notify_sent(c, date(2026, 9, 25), notified)
        referred, reported, reopened, undertaken, on_spot = ids
        for aid in (referred, reported, reopened, undertaken):
            hear(c, date(2026, 9, 24), aid)
        hear(c, date(2026, 9, 24), on_spot, resolved="现场答复")
        for aid in (reported, reopened, undertaken):
            hand_off(c, date(2026, 9, 25), aid)
            undertake(c, date(2026, 9, 28), aid)
        for aid in (reported, reopened):
            report_back(c, date(2026, 9, 29), aid)
        close_out(c, date(2026, 9, 30), reopened)
        rate(c, date(2026, 10, 9), reopened, handling="不满意")
        revisit(c, date(2026, 10, 12), reopened, reopen=True)
        cancel(c, date(2026, 10, 13), s3)
    return {
        "booked": booked,
        "verified": verified,
        "unverified": unverified,
        "scheduled-cancelled": cancelled,
        "notified": notified,
        "referred": referred,
        "undertaken": undertaken,
        "reported": reported,
        "reopened": reopened,
        "closed": on_spot,
    }


OPEN_NEW = (
    "SELECT appeal_id, round, step, unit, start, count, rule, due, provisional FROM deadline"
    " WHERE done_on IS NULL AND step IN ('triage', 'schedule', 'hear', 'handoff', 'close')"
    " ORDER BY appeal_id, step"
)


def _rows(db: str, sql: str) -> list[tuple[str, ...]]:
    """A query's rows as text, on either engine."""
    with opened(db) as c, c.read() as s:
        return [tuple(str(v) for v in row) for row in s.connection().exec_driver_sql(sql)]


def _back_to_schema_2(db: str) -> None:
    """What a file from before the owed-steps migration held: none of the new limits (nor
    the met ones). The later migrations it already had run as no-ops (``only_migration``)."""
    steps = ", ".join(f"'{s}'" for s in NEW_STEPS)
    with opened(db) as c, c.write(act(date(2026, 10, 14))) as tx:
        conn = tx.session.connection()
        conn.exec_driver_sql(f"DELETE FROM deadline WHERE step IN ({steps})")
        conn.exec_driver_sql("DELETE FROM schema_migration WHERE version >= 5")


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migration_opens_what_the_acts_would_have(
    engine: str, db_path: Path, request: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_migration(monkeypatch, 5)
    db = str(db_path) if engine == "sqlite" else request.getfixturevalue("pg_db")
    if engine == "postgres":
        make_case(db).close()
    appeals = _every_state(db)
    expected = _rows(db, OPEN_NEW)
    assert {(r[0], r[2]) for r in expected} == {
        (appeals["booked"], "triage"),
        (appeals["verified"], "schedule"),
        (appeals["scheduled-cancelled"], "schedule"),
        (appeals["notified"], "hear"),
        (appeals["referred"], "handoff"),
        (appeals["reported"], "close"),
        (appeals["reopened"], "handoff"),
    }
    _back_to_schema_2(db)
    ran = run_cli(db, "audit", "--json", today="2026-10-14")  # opens and upgrades it
    assert ran.code == 0, ran.stderr
    assert _rows(db, OPEN_NEW) == expected
    (detail,) = _rows(db, "SELECT detail FROM trail WHERE action = 'migrate'")[0]
    doc = json.loads(detail)
    assert doc["name"] == "owed_steps" and "booking" not in doc
    assert doc["opened"] == {"close": 1, "handoff": 2, "hear": 1, "schedule": 2, "triage": 1}
    assert doc["limits"] == {"close": 5, "handoff": 2, "hear": 1, "schedule": 3, "verify": 7}
    assert run_cli(db, "verify").code == 0
    if engine == "sqlite":
        _check_invariant(db_path, date(2026, 10, 14))


# -- the invariant, over random histories --------------------------------------------------

#: The open steps an appeal may have in each state (anything else is a stale limit).
ALLOWED = {
    "booked": {"triage", "verify"},
    "referred": {"handoff"},
    "reopened": {"handoff"},
    "handed_off": {"accept", "report"},
    "undertaken": {"report"},
    "reported": {"close"},
    "closed": {"rate"},
    "rated": {"revisit"},
}


def _allowed(status: str, verified: bool, in_session: bool) -> set[str]:
    if status == "triaged":
        return {"schedule"} if verified else {"verify"}
    if status in ("scheduled", "notified"):
        if not in_session:  # its session cancelled: to be put on another one
            return {"schedule"} if verified else {"verify", "schedule"}
        call = {"notify"} if status == "scheduled" else set()
        return {"hear", *call} if verified else {"verify", "hear", *call}
    return ALLOWED[status]


def _check_invariant(db: Path, today: date) -> list[str]:
    """Each open appeal owes exactly one open limit of its step, listed by the audit with a
    due date; no appeal has a limit its state does not allow. Returns the open appeals."""
    with Reader(str(db)) as r:
        listing = daily_list(r, today, everything=True)
        rows = r.rows(
            "SELECT a.id, a.status, a.verified_on, c.status AS s_status, c.date AS s_date"
            " FROM appeal a LEFT JOIN consultation c ON c.id = a.session_id ORDER BY a.id"
        )
        open_steps: dict[str, list[str]] = {}
        for d in r.rows("SELECT appeal_id, step FROM deadline WHERE done_on IS NULL"):
            open_steps.setdefault(d["appeal_id"], []).append(d["step"])
    listed = {(i.appeal, i.step): i for i in [*listing.overdue, *listing.due_soon, *listing.later]}
    still_open = []
    for a in rows:
        steps = open_steps.get(a["id"], [])
        verified, in_session = a["verified_on"] is not None, a["s_status"] == "planned"
        stale = set(steps) - _allowed(a["status"], verified, in_session)
        assert not stale, (a["id"], a["status"], steps)
        if not states.is_open(a["status"]):
            continue
        still_open.append(a["id"])
        session_day = date.fromisoformat(a["s_date"]) if a["s_date"] else None
        step = states.owed_step(
            a["status"],
            verified=verified,
            in_session=in_session,
            session_passed=session_day is not None and session_day < today,
        )
        assert step is not None and steps.count(step) == 1, (a["id"], a["status"], step, steps)
        item = listed.get((a["id"], step))
        assert item is not None and item.due is not None, (a["id"], step)
        assert (item.unit is None) == (step == "rate")
    return still_open


#: The clerk's moves from each state; a history mostly takes one of these for a random
#: appeal, sometimes a session move, sometimes any command at all (most then refused).
MOVES = {
    "booked": ("triage", "verify", "schedule"),
    "triaged": ("verify", "schedule", "triage"),
    "scheduled": ("notify", "hear", "refer", "schedule", "verify"),
    "notified": ("hear", "refer", "refer", "schedule"),
    "referred": ("hand_off",),
    "reopened": ("hand_off",),
    "handed_off": ("undertake", "undertake", "extend"),
    "undertaken": ("report", "report", "extend"),
    "reported": ("close",),
    "closed": ("rate", "rate", "revisit", "reopen"),
    "rated": ("revisit", "reopen"),
}
SESSION_MOVES = ("book", "book", "plan", "cancel", "postpone")
COMMANDS = tuple(sorted({m for moves in MOVES.values() for m in moves} | set(SESSION_MOVES)))
UNITS = ("省财政厅", "省自然资源厅", "省住房城乡建设厅")
START = date(2026, 9, 1)


def _move(db: Path, choice: int, pick: int, appeals: list[str]) -> str:
    if choice < 15:
        return SESSION_MOVES[choice % len(SESSION_MOVES)]
    if choice < 25:
        return COMMANDS[pick % len(COMMANDS)]
    aid = appeals[pick % len(appeals)]
    (status,) = query(db, "SELECT status FROM appeal WHERE id = ?", aid)[0]
    return MOVES[status][choice % len(MOVES[status])]


def _session_day(db: Path, aid: str) -> date | None:
    rows = query(
        db,
        "SELECT c.date FROM appeal a JOIN consultation c ON c.id = a.session_id WHERE a.id = ?",
        aid,
    )
    return date.fromisoformat(rows[0][0]) if rows else None


def _act(
    c: Any, db: Path, cmd: str, pick: int, day: date, appeals: list[str], sessions: list[str]
) -> date:
    """One clerk command on ``day`` (a hearing waits for its session day: the day it is
    done on is returned); ``pick`` chooses the appeal, session and options."""
    aid = appeals[pick % len(appeals)]
    if cmd in ("hear", "refer"):
        day = max(day, _session_day(db, aid) or day)
    sid = sessions[pick % len(sessions)]
    if cmd in ("cancel", "postpone"):  # mostly the session the appeal waits for
        ((own,),) = query(db, "SELECT session_id FROM appeal WHERE id = ?", aid)
        sid = own if own and pick % 4 else sid
    later = day + timedelta(days=3 + pick % 20)
    steps: dict[str, Callable[[], Any]] = {
        "book": lambda: appeals.extend(
            book(c, day, 10 + pick % 7, f"诉求{len(appeals)}", late="窗口外加号").appeals
        ),
        "triage": lambda: triage(c, day, aid, units=[UNITS[pick % 3]], theme="政策兑现"),
        "verify": lambda: triage(c, day, aid, verified=True),
        "schedule": lambda: triage(
            c,
            day,
            aid,
            session=sid,
            verified=pick % 2 == 0,
            late_call="企业要求" if pick % 3 else None,
        ),
        "notify": lambda: notify_sent(c, day, aid),
        "hear": lambda: hear(c, day, aid, resolved="现场答复"),
        "refer": lambda: hear(c, day, aid),
        "hand_off": lambda: hand_off(c, day, aid, UNITS[: 1 + pick % 2]),
        "undertake": lambda: undertake(c, day, aid),
        "extend": lambda: extend(c, day, aid, to=day + timedelta(days=40)),
        "report": lambda: report_back(c, day, aid),
        "close": lambda: close_out(c, day, aid),
        "rate": lambda: rate(c, day, aid, handling=("满意", "不满意")[pick % 2]),
        "revisit": lambda: revisit(c, day, aid),
        "reopen": lambda: revisit(c, day, aid, reopen=True),
        "cancel": lambda: cancel(c, day, sid),
        "postpone": lambda: postpone_session(
            c, act(day), sid, to=c.calendar.next_workday(later), reason="改期"
        ),
        "plan": lambda: sessions.append(plan(c, c.calendar.next_workday(later), today=day)),
    }
    steps[cmd]()
    return day


_TEMPLATE: dict[str, Path] = {}


def _template() -> Path:
    """A fresh province case file with two sessions, built once and copied per history."""
    if "path" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="zuozhen-property-"))
        path = folder / "template.db"
        make_case(path).close()
        plan(path, date(2026, 9, 24))
        plan(path, date(2026, 10, 21))
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


HISTORY = st.lists(
    st.tuples(
        st.integers(0, 99),  # which kind of move
        st.integers(0, 1000),  # which appeal, session and options
        st.sampled_from((0, 0, 0, 1, 1, 2, 3, 7)),  # days that pass first
    ),
    min_size=5,
    max_size=50,
)


def _history(steps: list[tuple[int, int, int]]) -> dict[str, int]:
    """Run one history, checking the invariant after every command; the states reached."""
    reached: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = copy_case(_template(), Path(folder) / "case.db")
        day = START
        appeals: list[str] = []
        sessions = ["S202609-01", "S202610-01"]
        with opened(db) as c:
            appeals += book(c, day, 1, "第一项诉求").appeals
            for choice, pick, advance in steps:
                day += timedelta(days=advance)
                cmd = _move(db, choice, pick, appeals)
                with contextlib.suppress(ZuozhenError):  # refused: nothing was changed
                    day = _act(c, db, cmd, pick, day, appeals, sessions)
                _check_invariant(db, day)
                for (status,) in query(db, "SELECT status FROM appeal"):
                    reached[status] = reached.get(status, 0) + 1
        # what the clerk sees: every open appeal in ``audit --all --json``, with its due
        still_open = _check_invariant(db, day)
        doc = run_cli(db, "audit", "--all", "--json", today=day.isoformat()).json()
        items = [*doc["overdue"], *doc["due_soon"], *doc["later"]]
        seen = {i["appeal"] for i in items if i["due"] and "unit" in i}
        assert set(still_open) <= seen
    return reached


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(HISTORY)
def test_property_every_open_appeal_owes_a_visible_step(steps: list[tuple[int, int, int]]) -> None:
    _history(steps)


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(HISTORY)
def test_property_every_open_appeal_owes_a_visible_step_long(
    steps: list[tuple[int, int, int]],
) -> None:
    _history(steps)


def test_property_kit_catches_a_stall(db_path: Path) -> None:
    """The check itself fails when an open appeal owes nothing (a limit deleted behind the
    tool's back), so the property test would catch an act that forgot to open one."""
    (aid,) = book(db_path, date(2026, 9, 2), 1).appeals
    _check_invariant(db_path, date(2026, 9, 2))
    tamper(db_path, f"DELETE FROM deadline WHERE appeal_id = '{aid}' AND step = 'triage'")
    with pytest.raises(AssertionError):
        _check_invariant(db_path, date(2026, 9, 2))
