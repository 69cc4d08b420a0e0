"""Nothing altered unseen (issue 11, item 7): ``verify`` replays the trail's seals.

Every write ends with a seal of the records it touched (zuozhen/store/seal.py); ``verify``
replays them and names, by its ID, every appeal, hand-off, deadline, booking, enterprise or
session row changed, added or deleted behind the tool's back (exit 1). Shown here: the
issue's own forgery (``update appeal set outcome=…, result=…``), an edit of each kind of
row, rows added and deleted, the configuration and the holiday schedule; then a property
test: random histories of clerk commands — including withdrawal, voiding, merging, an
absent enterprise, a unit's return, progress reports and corrections (amend) — after each of which
``verify`` passes, and one random UPDATE of any column of those tables is always named.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import act, book, copy_case, hear, opened, query, run_cli, tamper
from tests.test_audit_complete import (
    HISTORY,
    MOVES,
    SESSION_MOVES,
    START,
    UNITS,
    _act,
    _template,
)
from zuozhen import amend, handoff, withdrawal
from zuozhen.errors import ZuozhenError
from zuozhen.store import seal
from zuozhen.store.maintenance import verify
from zuozhen.store.storage import open_case_file

TODAY = "2026-12-10"


def _verify(db: Path) -> tuple[int, list[str], dict[str, Any]]:
    ran = run_cli(db, "verify", "--json")
    doc = ran.json()
    return ran.code, [t["problem"] for t in doc["records"]], doc


@pytest.fixture
def season(quarter_db: Path) -> Path:
    """The report quarter (tests/scenarios.py): some sixty acts, every step."""
    code, problems, _doc = _verify(quarter_db)
    assert code == 0 and problems == []
    return quarter_db


def _one(db: Path, sql: str) -> Any:
    rows = query(db, sql)
    assert rows, sql
    return rows[0]


def test_the_issue_forgery_is_named_with_its_appeal(season: Path) -> None:
    (aid,) = _one(season, "SELECT id FROM appeal WHERE result IS NOT NULL ORDER BY id")
    tamper(season, f"UPDATE appeal SET outcome='已解决', result='篡改后的结果' WHERE id='{aid}'")
    code, problems, doc = _verify(season)
    assert code == 1 and doc["ok"] is False
    assert problems == [f"诉求 {aid}：诉求记录与留痕不符（在 zuozhen 之外被改动）"]
    human = run_cli(season, "verify")
    assert human.code == 1 and aid in human.stdout and "未通过" in human.stdout


@pytest.mark.parametrize(
    ("table", "column", "value", "part"),
    [
        ("handoff", "lead_unit", "'省商务局'", "交办记录"),
        ("handoff", "accepted_on", "'2026-01-01'", "交办记录"),
        ("deadline", "due", "date(due, '+7 days')", "期限"),
        ("deadline", "done_on", "CASE WHEN done_on IS NULL THEN '2026-12-01' END", "期限"),
        ("closure", "result", "result || '。'", "销号记录"),
        ("deadline", "unit", "'省商务局'", "期限"),
        ("extension", "new_due", "date(new_due, '+1 day')", "延期记录"),
        ("revisit", "note", "'无'", "回访记录"),
    ],
)
def test_an_edit_of_any_part_of_an_appeal_is_named(
    season: Path, table: str, column: str, value: str, part: str
) -> None:
    rid, aid = _one(season, f"SELECT id, appeal_id FROM {table} ORDER BY id DESC")
    tamper(season, f"UPDATE {table} SET {column} = {value} WHERE id = {rid}")
    code, problems, _doc = _verify(season)
    assert code == 1
    assert problems == [f"诉求 {aid}：{part}与留痕不符（在 zuozhen 之外被改动）"]


def test_a_rating_changed_with_its_trigger_dropped_is_named(season: Path) -> None:
    (aid,) = _one(season, "SELECT appeal_id FROM rating ORDER BY id")
    tamper(
        season,
        "DROP TRIGGER rating_no_update",
        "UPDATE rating SET handling = CASE handling WHEN '满意' THEN '不满意' ELSE '满意' END"
        f" WHERE appeal_id = '{aid}'",
    )
    code, problems, _doc = _verify(season)
    assert code == 1 and f"诉求 {aid}：评价与留痕不符（在 zuozhen 之外被改动）" in problems


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE booking SET booked_on = '2026-10-01' WHERE id = '{booking}'", "挂号 {booking}"),
        ("UPDATE enterprise SET phone = '13900000000' WHERE uscc = '{uscc}'", "企业 {uscc}"),
        ("UPDATE consultation SET place = '别处' WHERE id = '{session}'", "坐诊场次 {session}"),
        ("UPDATE setting SET value = value || ' ' WHERE key = 'config'", "设置 config"),
    ],
)
def test_an_edit_of_a_booking_enterprise_session_or_setting_is_named(
    season: Path, sql: str, named: str
) -> None:
    booking, uscc, session = _one(
        season,
        "SELECT b.id, b.uscc, a.session_id FROM booking b JOIN appeal a ON a.booking_id = b.id"
        " WHERE a.session_id IS NOT NULL ORDER BY b.id",
    )
    keys = {"booking": booking, "uscc": uscc, "session": session}
    tamper(season, sql.format(**keys))
    code, problems, _doc = _verify(season)
    assert code == 1 and len(problems) == 1
    assert problems[0].startswith(named.format(**keys) + "：")


def test_rows_added_or_deleted_behind_the_back_are_named(season: Path) -> None:
    (aid,) = _one(season, "SELECT id FROM appeal WHERE status = 'rated' ORDER BY id")
    (other,) = _one(season, "SELECT id FROM appeal WHERE status <> 'rated' ORDER BY id")
    cols = [r[1] for r in query(season, "PRAGMA table_info(appeal)")]
    copy = ", ".join("'202612-999-1'" if c == "id" else c for c in cols)
    tamper(
        season,
        f"INSERT INTO appeal ({', '.join(cols)}) SELECT {copy} FROM appeal WHERE id = '{aid}'",
        f"DELETE FROM deadline WHERE appeal_id = '{other}'",
        "DELETE FROM enterprise WHERE uscc NOT IN (SELECT uscc FROM booking)",
    )
    code, problems, _doc = _verify(season)
    assert code == 1
    assert "诉求 202612-999-1：留痕中没有它（在 zuozhen 之外添加）" in problems
    assert f"诉求 {other}：期限与留痕不符（在 zuozhen 之外被改动）" in problems


def test_a_deleted_appeal_is_named(season: Path) -> None:
    (aid,) = _one(season, "SELECT id FROM appeal WHERE status <> 'rated' ORDER BY id")
    tamper(
        season,
        f"DELETE FROM deadline WHERE appeal_id = '{aid}'",
        f"DELETE FROM appeal WHERE id = '{aid}'",
    )
    code, problems, _doc = _verify(season)
    assert code == 1
    assert problems == [f"诉求 {aid}：留痕记录了它，但它已不见（在 zuozhen 之外删除）"]


def test_a_seal_cannot_be_forged_without_breaking_the_chain(season: Path) -> None:
    """Editing the trail's seal to match a forgery breaks the hash chain instead."""
    (aid,) = _one(season, "SELECT id FROM appeal WHERE result IS NOT NULL ORDER BY id")
    tamper(
        season,
        "DROP TRIGGER trail_no_update",
        f"UPDATE appeal SET result = '伪造' WHERE id = '{aid}'",
        f"UPDATE trail SET detail = replace(detail, '\"{aid}\"', '\"x\"') WHERE action = 'seal'",
    )
    ran = run_cli(season, "verify", "--json")
    assert ran.code == 1 and ran.json()["trail_problems"]


def test_verify_reads_without_writing(season: Path) -> None:
    before = query(season, "SELECT count(*) FROM trail")
    assert _verify(season)[0] == 0
    assert query(season, "SELECT count(*) FROM trail") == before


def test_a_calendar_load_is_sealed(db_path: Path, tmp_path: Path) -> None:
    toml = tmp_path / "2027.toml"
    toml.write_text(
        'year = 2027\nsource = "国务院办公厅通知"\n'
        'holidays = ["2027-01-01", "2027-01-02", "2027-01-03"]\nworkdays = []\n',
        encoding="utf-8",
    )
    assert run_cli(db_path, "calendar", "load", str(toml)).code == 0
    assert _verify(db_path)[0] == 0
    tamper(db_path, "UPDATE holiday_schedule SET source = '别的通知'")
    code, problems, _doc = _verify(db_path)
    assert code == 1 and problems[0].startswith("节假日安排 2027：")


# -- property: random histories, verify after each command, then one random edit ----------

EXTRA = {
    "booked": ("withdraw", "void", "merge", "amend_text"),
    "triaged": ("withdraw", "amend_unit", "amend_text"),
    "scheduled": ("absent", "amend_text"),
    "notified": ("absent", "withdraw"),
    "handed_off": ("return", "progress", "amend_unit"),
    "undertaken": ("progress", "return", "merge", "amend_unit", "amend_handler"),
    "reported": ("amend_unit",),
    "closed": ("amend_result", "amend_unit"),
    "rated": ("amend_result",),
    "referred": ("void",),
}


DONE: dict[str, int] = {}  # commands that went through, across the histories run


def _more(
    c: Any, db: Path, cmd: str, pick: int, day: date, appeals: list[str], sessions: list[str]
) -> date:
    """The turns of issue 11 on top of the audit tests' moves."""
    aid = appeals[pick % len(appeals)]
    other = appeals[(pick + 1) % len(appeals)]
    unit = (query(db, "SELECT lead_unit FROM appeal WHERE id = ?", aid) or [(None,)])[0][0]
    steps: dict[str, Callable[[], Any]] = {
        "withdraw": lambda: withdrawal.withdraw(c, act(day), aid, reason="企业撤回"),
        "void": lambda: withdrawal.withdraw(c, act(day), aid, reason="误录", void=True),
        "merge": lambda: withdrawal.merge(c, act(day), aid, into=other, reason="重复"),
        "absent": lambda: hear(c, max(day, _day_of(db, aid)), aid, absent=True),
        "return": lambda: handoff.return_(c, act(day), aid, unit=unit or "", reason="非本单位职责"),
        "progress": lambda: handoff.progress(c, act(day), aid, text=f"进展{pick}"),
        "amend_text": lambda: _amend(c, day, aid, text=f"更正后的诉求{pick}", category="服务需求"),
        "amend_unit": lambda: _amend(c, day, aid, unit=f"{unit}={_other_unit(unit)}"),
        "amend_handler": lambda: _amend(c, day, aid, handler=f"承办人{pick}", measures="更正"),
        "amend_result": lambda: _amend(c, day, aid, result=f"更正后的结果{pick}"),
    }
    if cmd not in steps:
        return _act(c, db, cmd, pick, day, appeals, sessions)
    steps[cmd]()
    return max(day, _day_of(db, aid)) if cmd == "absent" else day


def _amend(c: Any, day: date, aid: str, **fields: Any) -> Any:
    return amend.amend(c, act(day), aid, reason="录入有误", what=amend.given(**fields))


def _other_unit(unit: str | None) -> str:
    return next(u for u in UNITS if u != unit)


def _day_of(db: Path, aid: str) -> date:
    rows = query(
        db,
        "SELECT c.date FROM appeal a JOIN consultation c ON c.id = a.session_id WHERE a.id = ?",
        aid,
    )
    return date.fromisoformat(rows[0][0]) if rows else date.min


def _pick_move(db: Path, choice: int, pick: int, appeals: list[str]) -> str:
    if choice < 15:
        return SESSION_MOVES[choice % len(SESSION_MOVES)]
    aid = appeals[pick % len(appeals)]
    (status,) = query(db, "SELECT status FROM appeal WHERE id = ?", aid)[0]
    moves = (*MOVES.get(status, ()), *EXTRA.get(status, ()))
    return moves[choice % len(moves)] if moves else "book"


def _clean(db: Path) -> None:
    case = open_case_file(str(db))
    try:
        result = verify(case)
    finally:
        case.close()
    assert result.ok, (result.records, result.trail_problems)


def _history(steps: list[tuple[int, int, int]], seed: int) -> tuple[str, str]:
    """Run one history with verify after every command; then one random edit must be named.
    Returns the table and column edited."""
    with tempfile.TemporaryDirectory() as folder:
        db = copy_case(_template(), Path(folder) / "case.db")
        day = START
        appeals: list[str] = []
        sessions = ["S202609-01", "S202610-01"]
        with opened(db) as c:
            appeals += book(c, day, 1, "第一项诉求").appeals
            for choice, pick, advance in steps:
                day += timedelta(days=advance)
                cmd = _pick_move(db, choice, pick, appeals)
                with contextlib.suppress(ZuozhenError):  # refused: nothing was changed
                    day = _more(c, db, cmd, pick, day, appeals, sessions)
                    DONE[cmd] = DONE.get(cmd, 0) + 1
                _clean(db)
        return _edit_at_random(db, random.Random(seed))


def _edit_at_random(db: Path, rng: random.Random) -> tuple[str, str]:
    """One UPDATE of one column of one row of a sealed table, to another value."""
    tables = [
        t
        for t in (*seal.APPEAL_PARTS, "booking", "enterprise", "consultation")
        if query(db, f"SELECT count(*) FROM {t}")[0][0]
    ]
    table = rng.choice(tables)
    conn = sqlite3.connect(db)
    try:
        info = list(conn.execute(f"PRAGMA table_info({table})"))
        column, decl = rng.choice([(r[1], r[2].upper()) for r in info])
        (rowid,) = rng.choice(list(conn.execute(f"SELECT rowid FROM {table}")))
        (old,) = conn.execute(
            f'SELECT "{column}" FROM {table} WHERE rowid = ?', (rowid,)
        ).fetchone()
    finally:
        conn.close()
    new: Any
    if old is None:
        new = "2026-12-01" if "DATE" in decl else 1 if "INT" in decl or "BOOL" in decl else "补"
    elif isinstance(old, int):
        new = old + 1 if column != "id" else old + 100000
    elif "DATE" in decl:
        new = (date.fromisoformat(old) + timedelta(days=1)).isoformat()
    else:
        new = old + "·"
    keys = _owners(db, table, rowid)
    tamper(
        db,
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f'UPDATE {table} SET "{column}" = {_literal(new)} WHERE rowid = {rowid}',
    )
    code, problems, _doc = _verify(db)
    assert code == 1, (table, column, old, new)
    assert any(any(k in p for k in keys) for p in problems), (table, column, problems, keys)
    return table, column


def _owners(db: Path, table: str, rowid: int) -> list[str]:
    key = {"enterprise": "uscc", "consultation": "id", "booking": "id", "appeal": "id"}.get(
        table, "appeal_id"
    )
    ((rid,),) = query(db, f'SELECT "{key}" FROM {table} WHERE rowid = ?', rowid)
    return [str(rid)]


def _literal(v: Any) -> str:
    return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"


EDITS: dict[tuple[str, str], int] = {}  # (table, column) edited: what the trials reached


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(HISTORY, st.integers(0, 10**6))
def test_property_verify_passes_after_every_command_and_names_any_edit(
    steps: list[tuple[int, int, int]], seed: int
) -> None:
    edited = _history(steps, seed)
    EDITS[edited] = EDITS.get(edited, 0) + 1


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(HISTORY, st.integers(0, 10**6))
def test_property_verify_long(steps: list[tuple[int, int, int]], seed: int) -> None:
    _history(steps, seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(300))
def test_any_single_edit_of_the_season_is_named(
    quarter_template: Path, tmp_path: Path, seed: int
) -> None:
    """300 random edits of the report quarter's rows, each on a fresh copy: all named."""
    db = copy_case(quarter_template, tmp_path / "case.db")
    _edit_at_random(db, random.Random(seed))


def test_the_chain_walked_in_a_second_process_finds_the_same(season: Path) -> None:
    """A big trail is walked in a second process (``parallel_from``): the same findings."""
    (aid,) = _one(season, "SELECT id FROM appeal WHERE result IS NOT NULL ORDER BY id")
    tamper(
        season,
        "DROP TRIGGER trail_no_update",
        f"UPDATE appeal SET result = '伪造' WHERE id = '{aid}'",
        "UPDATE trail SET operator = '某人' WHERE id = 3",
    )
    found = []
    for parallel_from in (10**9, 0):  # in this process, then in a second one
        case = open_case_file(str(season))
        try:
            result = verify(case, parallel_from=parallel_from)
        finally:
            case.close()
        found.append((result.ok, result.trail_problems, [t.problem for t in result.records]))
    assert found[0] == found[1]
    ok, chain, records = found[1]
    assert not ok and chain == ["留痕第 3 条：内容与其哈希不符（此条记录被改动）"]
    assert records == [f"诉求 {aid}：诉求记录与留痕不符（在 zuozhen 之外被改动）"]
