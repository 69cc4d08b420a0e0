"""The city cadence done right (issue 12, item 2), through the real CLI.

* A booking rule per preset: the province books in the first 5 working days of the month
  (seed 002 §三(三)); the city books continuously (seed 000: 明白办, 滇中新区 全天候挂号),
  its verification due 7 working days after the booking date.
* In both presets an appeal goes only on a session whose call-up can still be made on
  time (session day − 3, moved back to a working day): past that day ``triage --session``
  is refused (exit 1, nothing changed) naming the next session that is still in time,
  unless the clerk insists with ``--late-call REASON`` (in the trail; the call-up late).
* The weekly dates stay as they were: every Thursday, a holiday Thursday postponed to the
  next free working day.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import (
    book_args,
    make_case,
    must,
    only_migration,
    query,
    run_cli,
    tamper,
    unchanged,
)
from zuozhen.config import compose, parse
from zuozhen.errors import InputError

CITY_UNIT = "市发展改革委"


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """The city case file with October 2026's weekly sessions, planned on 09-20."""
    path = tmp_path / "city.db"
    make_case(path, "city").close()
    doc = must(
        path, "session", "plan", "--month", "2026-10", "--weekly", "--json", today="2026-09-20"
    )
    assert [(s["id"], s["date"]) for s in doc["sessions"]] == [
        ("S202610-01", "2026-10-08"),
        ("S202610-02", "2026-10-09"),  # Thursday 10-01 (国庆节) postponed to the next free day
        ("S202610-03", "2026-10-15"),
        ("S202610-04", "2026-10-22"),
        ("S202610-05", "2026-10-29"),
    ]
    return path


def plan(db: Path, day: str, kind: str = "主场", unit: str = "省发展改革委") -> str:
    """``session plan --date`` (province), planned in the previous month: the session id."""
    args = ("session", "plan", "--date", day, "--kind", kind, "--theme", "政策兑现", "--unit", unit)
    return str(must(db, *args, "--json", today="2026-09-25")["id"])


def book(db: Path, day: str, n: int = 1, *extra: str) -> dict[str, Any]:
    return dict(must(db, *book_args(n, f"诉求{n}"), *extra, "--json", today=day))


# -- the booking rule per preset ------------------------------------------------------------


def test_presets_name_their_booking_rule() -> None:
    assert parse(compose("province")).booking == "window"
    assert parse(compose("city")).booking == "rolling"
    with pytest.raises(InputError, match="booking"):
        compose("city", '[cadence]\nbooking = "daily"\n')


def test_city_books_any_day_verification_from_the_booking_date(city: Path) -> None:
    # Thursday 10-15, long after the province's window (10-08 … 10-13): on time in the city.
    doc = book(city, "2026-10-15")
    assert doc["late"] is False and doc["late_reason"] is None
    assert doc["booking_rule"] == "rolling" and doc["booking_window"] is None
    # 7 WD after the booking date: 10-16, 19, 20, 21, 22, 23, 26
    assert doc["verify_due"] == "2026-10-26"
    # A Sunday through the mini-program: the clock starts on the next working day.
    doc = book(city, "2026-10-18", 2)
    assert doc["verify_due"] == "2026-10-27"
    # --late means nothing here: a warning, nothing recorded as 加号
    ran = run_cli(
        city, *book_args(3, "诉求3"), "--late", "经同意加号", "--json", today="2026-10-20"
    )
    assert ran.code == 0 and "随时挂号" in ran.stderr
    assert ran.json()["late_reason"] is None
    assert query(city, "SELECT count(*) FROM booking WHERE late_reason IS NOT NULL") == [(0,)]


def test_province_keeps_its_window(db_path: Path) -> None:
    with unchanged(db_path):
        ran = run_cli(db_path, *book_args(1, "诉求"), today="2026-10-15")
        assert ran.code == 1 and "不在挂号窗口内" in ran.stderr and "--late" in ran.stderr
    doc = book(db_path, "2026-10-15", 1, "--late", "企业急需，经处室同意加号")
    assert doc["booking_rule"] == "window" and doc["late"] is True
    assert doc["verify_due"] == "2026-10-26"  # a late booking: from its own date
    on_time = book(db_path, "2026-10-09", 2)
    assert on_time["verify_due"] == "2026-10-22"  # from the window's close, 10-13


def test_announcement_says_how_each_preset_books(city: Path, db_path: Path) -> None:
    doc = json.loads(must(city, "announce", "--month", "2026-10", "--format", "json"))
    assert doc["booking_rule"] == "rolling" and doc["booking_window"] == []
    text = must(city, "announce", "--month", "2026-10", "--format", "md")
    assert "随时挂号" in text and "前 5 个工作日" not in text
    plan(db_path, "2026-10-21")
    doc = json.loads(must(db_path, "announce", "--month", "2026-10", "--format", "json"))
    assert doc["booking_rule"] == "window"
    assert doc["booking_window"] == [
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        "2026-10-12",
        "2026-10-13",
    ]
    assert "前 5 个工作日" in must(db_path, "announce", "--month", "2026-10", "--format", "md")


# -- scheduling only while the call-up can be made on time -------------------------------


def test_city_session_too_late_is_refused_naming_the_next_in_time(city: Path) -> None:
    (a,) = book(city, "2026-10-08")["appeals"]
    with unchanged(city):
        ran = run_cli(
            city, "triage", a, "--session", "S202610-02", "--verified", today="2026-10-08"
        )
        assert ran.code == 1, ran.stderr
        # 10-09 − 3 days = 10-06 (国庆节), moved back to the last working day, 09-30
        assert "S202610-02" in ran.stderr and "2026-09-30" in ran.stderr
        assert "S202610-03" in ran.stderr and "2026-10-15" in ran.stderr
        assert "2026-10-12" in ran.stderr  # its call-up day
        assert "--late-call" in ran.stderr and "Traceback" not in ran.stderr
    doc = must(
        city, "triage", a, "--session", "S202610-03", "--verified", "--json", today="2026-10-08"
    )
    assert doc["session"] == "S202610-03" and doc["notify_by"] == "2026-10-12"
    assert doc["late_call"] is None


def test_booked_early_enough_the_postponed_session_takes_it(city: Path) -> None:
    (a,) = book(city, "2026-09-28")["appeals"]
    doc = must(city, "triage", a, "--session", "S202610-02", "--json", today="2026-09-28")
    assert doc["notify_by"] == "2026-09-30"
    listed = must(city, "notify", "--json", today="2026-09-29")["items"]
    assert [(i["appeal"], i["notify_by"], i["late"]) for i in listed] == [(a, "2026-09-30", False)]


def test_late_call_insisted_with_a_reason(city: Path) -> None:
    (a,) = book(city, "2026-10-08")["appeals"]
    ran = run_cli(
        city,
        "triage",
        a,
        "--session",
        "S202610-02",
        "--late-call",
        "企业次日出差，经同意排入本场",
        "--json",
        today="2026-10-08",
    )
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["session"] == "S202610-02" and doc["late_call"] == "企业次日出差，经同意排入本场"
    assert "逾期" in ran.stderr
    detail = json.loads(
        query(city, "SELECT detail FROM trail WHERE action = 'triage' AND entity_id = ?", a)[0][0]
    )
    assert detail["late_call"] == "企业次日出差，经同意排入本场"
    # the call-up is late from the start, and recorded late
    (item,) = must(city, "notify", "--session", "S202610-02", "--json", today="2026-10-08")["items"]
    assert (item["appeal"], item["notify_by"], item["late"]) == (a, "2026-09-30", True)
    send = ("notify", "--session", "S202610-02", "--sent", "--channel", "电话", "--json")
    sent = must(city, *send, today="2026-10-08")
    assert [(i["appeal"], i["late"]) for i in sent["items"]] == [(a, True)]
    assert query(city, "SELECT late FROM notification WHERE appeal_id = ?", a) == [(1,)]


def test_province_refuses_the_same_way(db_path: Path) -> None:
    early = plan(db_path, "2026-10-09")
    later = plan(db_path, "2026-10-21", "专场", "省财政厅")
    (a,) = book(db_path, "2026-10-08")["appeals"]
    with unchanged(db_path):
        ran = run_cli(db_path, "triage", a, "--session", early, today="2026-10-08")
        assert ran.code == 1
        assert early in ran.stderr and later in ran.stderr
        assert "2026-10-16" in ran.stderr  # 10-21 − 3 = 10-18, a Sunday → Friday 10-16
    # the call-up day itself is still in time
    doc = must(db_path, "triage", a, "--session", later, "--json", today="2026-10-16")
    assert doc["notify_by"] == "2026-10-16"


def test_no_session_in_time_says_plan_one(db_path: Path) -> None:
    only = plan(db_path, "2026-10-09")
    (a,) = book(db_path, "2026-10-08")["appeals"]
    with unchanged(db_path):
        ran = run_cli(db_path, "triage", a, "--session", only, today="2026-10-08")
        assert ran.code == 1 and "没有来得及按时叫号的场次" in ran.stderr
        assert "session plan" in ran.stderr


def test_late_call_needs_a_session_and_a_reason(city: Path) -> None:
    (a,) = book(city, "2026-10-08")["appeals"]
    with unchanged(city):
        ran = run_cli(city, "triage", a, "--verified", "--late-call", "急", today="2026-10-08")
        assert ran.code == 1 and "--session" in ran.stderr
        ran = run_cli(
            city, "triage", a, "--session", "S202610-02", "--late-call", " ", today="2026-10-08"
        )
        assert ran.code == 1 and "--late-call" in ran.stderr
    # in time: the reason is not used and not recorded
    args = ("triage", a, "--session", "S202610-03", "--late-call", "急", "--json")
    ran = run_cli(city, *args, today="2026-10-08")
    assert ran.code == 0 and ran.json()["late_call"] is None and "未使用" in ran.stderr


def test_moving_to_a_late_session_is_refused_too(city: Path) -> None:
    (a,) = book(city, "2026-09-28")["appeals"]
    must(city, "triage", a, "--session", "S202610-03", today="2026-09-28")
    with unchanged(city):
        ran = run_cli(city, "triage", a, "--session", "S202610-02", today="2026-10-08")
        assert ran.code == 1 and "S202610-03" in ran.stderr
    # staying on its own session is no new scheduling: nothing to refuse
    assert run_cli(city, "triage", a, "--session", "S202610-03", today="2026-10-13").code == 0


# -- an older city case file -------------------------------------------------------------


def test_an_older_city_file_books_continuously_after_the_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_migration(monkeypatch, 5)
    path = tmp_path / "old-city.db"
    make_case(path, "city").close()
    (text,) = query(path, "SELECT value FROM setting WHERE key = 'config'")[0]
    old = "\n".join(line for line in text.splitlines() if not line.startswith("booking ="))
    # A file of schema 2: its stored city configuration had no booking rule.
    tamper(
        path,
        "UPDATE setting SET value = '" + old.replace("'", "''") + "' WHERE key = 'config'",
        "DELETE FROM schema_migration WHERE version >= 5",
    )
    doc = book(path, "2026-10-15")
    assert doc["booking_rule"] == "rolling" and doc["verify_due"] == "2026-10-26"
    (detail,) = query(
        path, "SELECT detail FROM trail WHERE action = 'migrate' AND entity_id = '5'"
    )[0]
    assert json.loads(detail)["booking"] == "rolling"
    assert run_cli(path, "verify").code == 0
