"""Issue 12, item 6 (sessions): 计划/已举行/待记录/已取消 in `session list`, an identical
`session plan` refused unless `--again`, and one 领衔 text in every view.

Everything is built the way a clerk does it, through the real CLI: a session on Thursday
2026-10-22, an enterprise booked in October's window with two appeals put into it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import fingerprint, run_cli
from zuozhen.session_status import STATUS_LABELS, status_of

USCC = "91530100MA6K5X7Q2Y"
DAY = "2026-10-22"  # a Thursday
SESSION = "S202610-01"
PLAN = ("session", "plan", "--date", DAY, "--kind", "专场", "--theme", "融资信贷")


def ok(db: Path, *args: str, today: str) -> Any:
    r = run_cli(db, *args, today=today)
    assert r.code == 0, r.stderr
    return r.json() if "--json" in args else r


def sessions(db: Path, today: str, month: str = "2026-10") -> dict[str, dict[str, Any]]:
    doc = ok(db, "session", "list", "--month", month, "--json", today=today)
    return {s["id"]: s for s in doc["sessions"]}


@pytest.fixture
def booked(db_path: Path) -> Path:
    """S202610-01 on 10-22 with two appeals scheduled into it (not yet heard)."""
    ok(db_path, *PLAN, "--unit", "人民银行云南省分行", today="2026-09-25")
    ok(
        db_path,
        "book",
        "--enterprise",
        "云南滇峰生物科技有限公司",
        "--uscc",
        USCC,
        "--contact",
        "张伟",
        "--phone",
        "13888001234",
        "--appeal",
        "扩大产能急需流动资金，希望协调银行续贷",
        "--appeal",
        "贴息资金迟迟未到账",
        today="2026-10-08",
    )
    for appeal in ("202610-001-1", "202610-001-2"):
        ok(
            db_path,
            "triage",
            appeal,
            "--unit",
            "人民银行云南省分行",
            "--session",
            SESSION,
            "--verified",
            today="2026-10-09",
        )
    return db_path


# -- 1. status -------------------------------------------------------------------------


def test_status_follows_the_day_and_the_outcomes(booked: Path) -> None:
    def status(today: str) -> tuple[str, str, int]:
        s = sessions(booked, today)[SESSION]
        return s["status"], s["status_label"], s["waiting"]

    assert status("2026-10-21") == ("planned", "计划", 2)
    assert status(DAY) == ("planned", "计划", 2)  # the day itself, outcomes to come
    assert status("2027-01-20") == ("unrecorded", "待记录", 2)  # months later: not 计划
    ok(booked, "session", "hear", "202610-001-1", "--refer", today=DAY)
    assert status("2026-10-23") == ("unrecorded", "待记录", 1)  # one still to record
    ok(booked, "session", "hear", "202610-001-2", "--resolved", "当场明确续贷方案", today=DAY)
    assert status(DAY) == ("held", "已举行", 0)
    assert status("2027-01-20") == ("held", "已举行", 0)


def test_status_in_the_human_list(booked: Path) -> None:
    r = ok(booked, "session", "list", today="2027-01-20")
    assert "待记录" in r.stdout and "2 条未记录" in r.stdout and "计划" not in r.stdout
    assert "session hear" in r.stderr
    ok(booked, "session", "hear", "202610-001-1", "--refer", today=DAY)
    ok(booked, "session", "hear", "202610-001-2", "--refer", today=DAY)
    r = ok(booked, "session", "list", today="2027-01-20")
    assert "已举行" in r.stdout and "共 1 场：已举行 1 场。" in r.stdout


def test_a_past_session_without_appeals_is_not_called_held(db_path: Path) -> None:
    ok(db_path, *PLAN, "--unit", "省财政厅", today="2026-09-25")
    s = sessions(db_path, "2026-11-30")[SESSION]
    assert (s["status"], s["status_label"]) == ("no_appeals", "已过（无诉求）")
    assert sessions(db_path, "2026-10-01")[SESSION]["status"] == "planned"


def test_cancelled(booked: Path) -> None:
    ok(booked, "session", "cancel", SESSION, "--reason", "领导另有公务", today="2026-10-10")
    s = sessions(booked, "2027-01-20")[SESSION]
    assert (s["status"], s["status_label"]) == ("cancelled", "已取消")


@pytest.mark.parametrize(
    ("stored", "day", "waiting", "heard", "expected"),
    [
        ("planned", 23, 0, 0, "planned"),
        ("planned", 23, 2, 0, "planned"),
        ("planned", 22, 1, 1, "planned"),  # today, one still to be heard
        ("planned", 22, 0, 0, "planned"),  # today, none yet
        ("planned", 22, 0, 2, "held"),
        ("planned", 21, 1, 1, "unrecorded"),
        ("planned", 21, 3, 0, "unrecorded"),
        ("planned", 21, 0, 1, "held"),
        ("planned", 21, 0, 0, "no_appeals"),
        ("cancelled", 21, 1, 0, "cancelled"),
        ("cancelled", 23, 0, 0, "cancelled"),
    ],
)
def test_status_of(stored: str, day: int, waiting: int, heard: int, expected: str) -> None:
    today = date(2026, 10, 22)
    assert status_of(stored, date(2026, 10, day), today, waiting, heard) == expected
    assert expected in STATUS_LABELS


# -- 2. the same session planned twice -------------------------------------------------


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM consultation").fetchone()[0])
    finally:
        conn.close()


def test_identical_plan_refused_naming_the_session(db_path: Path) -> None:
    units = ("--unit", "省财政厅", "--unit", "人民银行云南省分行")
    ok(db_path, *PLAN, *units, today="2026-09-25")
    before = fingerprint(db_path)
    again = run_cli(db_path, *PLAN, *units, today="2026-09-26")
    assert again.code == 1 and not again.stdout
    assert SESSION in again.stderr and "--again" in again.stderr
    assert "Traceback" not in again.stderr
    # the same units typed in another order, the default hours spelt out: the same session
    swapped = ("--unit", "人民银行云南省分行", "--unit", "省财政厅")
    same = run_cli(db_path, *PLAN, *swapped, "--start", "09:00", "--end", "12:00")
    assert same.code == 1 and SESSION in same.stderr
    assert fingerprint(db_path) == before


def test_again_plans_it_and_records_why(db_path: Path) -> None:
    ok(db_path, *PLAN, "--unit", "省财政厅", today="2026-09-25")
    doc = ok(db_path, *PLAN, "--unit", "省财政厅", "--again", "--json", today="2026-09-25")
    assert doc["id"] == "S202610-02" and doc["date"] == DAY
    conn = sqlite3.connect(db_path)
    try:
        detail = conn.execute(
            "SELECT detail FROM trail WHERE action = 'session.plan' ORDER BY id DESC"
        ).fetchone()[0]
    finally:
        conn.close()
    assert json.loads(detail)["again_of"] == SESSION


def test_not_identical_is_planned(db_path: Path) -> None:
    ok(db_path, *PLAN, "--unit", "省财政厅", today="2026-09-25")
    ok(
        db_path,
        *PLAN,
        "--unit",
        "省财政厅",
        "--start",
        "14:30",
        "--end",
        "17:30",
        today="2026-09-25",
    )
    ok(db_path, *PLAN, "--unit", "省财政厅", "--unit", "省商务厅", today="2026-09-25")
    ok(
        db_path,
        "session",
        "plan",
        "--date",
        DAY,
        "--kind",
        "加诊",
        "--theme",
        "融资信贷",
        "--unit",
        "省财政厅",
        today="2026-09-25",
    )
    assert _count(db_path) == 4


def test_a_cancelled_session_does_not_block_planning_it_again(db_path: Path) -> None:
    ok(db_path, *PLAN, "--unit", "省财政厅", today="2026-09-25")
    ok(db_path, "session", "cancel", SESSION, "--reason", "笔误", today="2026-09-25")
    ok(db_path, *PLAN, "--unit", "省财政厅", today="2026-09-25")
    assert _count(db_path) == 2


def test_again_is_for_one_session_only(db_path: Path) -> None:
    before = fingerprint(db_path)
    r = run_cli(db_path, "session", "plan", "--month", "2026-10", "--weekly", "--again")
    assert r.code == 1 and "--again" in r.stderr
    assert fingerprint(db_path) == before


# -- 3. the lead, the same everywhere --------------------------------------------------


def _leads(db: Path, session: str = SESSION) -> list[str]:
    """The 领衔 of ``session`` (holding appeal 202610-001-1) as each view gives it."""
    listed = sessions(db, "2026-10-09")[session]["lead_text"]
    announced = ok(db, "announce", "--month", "2026-10", "--json", today="2026-09-25")
    record = ok(db, "report", "record", "--session", session, "--json", today="2026-10-09")
    shown = ok(db, "show", "202610-001-1", "--json", today="2026-10-09")
    txt = ok(db, "announce", "--month", "2026-10", "--format", "txt", today="2026-09-25")
    sheet = ok(db, "report", "record", "--session", session, today="2026-10-09")
    human = [
        line.split("领衔坐诊：", 1)[1].strip()
        for line in txt.stdout.splitlines()
        if "领衔坐诊：" in line
    ]
    lead_line = [ln for ln in sheet.stdout.splitlines() if "领衔：" in ln]
    assert lead_line, sheet.stdout
    on_sheet = lead_line[0].split("领衔：", 1)[1].split()[0]
    return [
        listed,
        announced["sessions"][0]["lead_text"],
        record["session"]["lead_text"],
        shown["session_lead"],
        *human,
        on_sheet,
    ]


def test_the_lead_given_is_shown_by_every_view(booked: Path) -> None:
    # the session is planned again with its lead, and the appeals moved into it
    ok(booked, "session", "cancel", SESSION, "--reason", "补写领衔", today="2026-10-09")
    ok(booked, *PLAN, "--unit", "人民银行云南省分行", "--lead", "张行长", today="2026-10-09")
    for appeal in ("202610-001-1", "202610-001-2"):
        ok(booked, "triage", appeal, "--session", "S202610-02", today="2026-10-09")
    assert set(_leads(booked, "S202610-02")) == {"张行长"}


def test_without_a_lead_every_view_names_the_leading_unit(booked: Path) -> None:
    leads = _leads(booked)
    assert set(leads) == {"人民银行云南省分行负责同志"}, leads
    sheet = ok(booked, "report", "record", "--session", SESSION, today="2026-10-09")
    assert "领衔：—" not in sheet.stdout
