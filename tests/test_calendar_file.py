"""Issue 12, item 5: the calendar file.

The README's schedule example loads through `calendar load`; a conflict names the date and
both places it is written; after a load every session not yet held that now falls on a rest
day is listed (by the load, `session list` and ``session_status.on_rest_days``); the recompute
list is in the clerk's words and shows only deadlines whose date moved.
"""

from __future__ import annotations

import re
import sqlite3
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import fingerprint, make_case, run_cli
from tests.pg import needs_pg
from zuozhen.errors import InputError
from zuozhen.schedules import parse_schedule
from zuozhen.session_status import on_rest_days
from zuozhen.store.reader import Reader

README = Path(__file__).resolve().parent.parent / "README.md"
USCC = "91530100MA6K5X7Q2Y"


def toml_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(r"^```toml\n(.*?)^```", text, flags=re.M | re.S)


def ok(db: Path, *args: str, today: str) -> Any:
    r = run_cli(db, *args, today=today)
    assert r.code == 0, r.stderr
    return r.json() if "--json" in args else r


def readme_2027(tmp_path: Path) -> Path:
    (block,) = [b for b in toml_blocks() if "year = 2027" in b]
    path = tmp_path / "2027.toml"
    path.write_text(block, encoding="utf-8")
    return path


# -- the README's example --------------------------------------------------------------


def test_the_readme_has_a_schedule_block() -> None:
    assert any("year = 2027" in b for b in toml_blocks())


@pytest.mark.parametrize("block", toml_blocks())
def test_every_readme_toml_block_loads(block: str, tmp_path: Path) -> None:
    doc = tomllib.loads(block)
    if "year" not in doc:  # not a holiday schedule: parsing is all there is to it
        return
    path = tmp_path / "schedule.toml"
    path.write_text(block, encoding="utf-8")
    db = tmp_path / "case.db"
    make_case(db).close()
    r = run_cli(db, "calendar", "load", str(path), "--json", today="2026-12-01")
    assert r.code == 0, r.stderr
    assert r.json()["year"] == doc["year"]


def test_the_readme_2027_schedule_as_loaded(db_path: Path, tmp_path: Path) -> None:
    ok(db_path, "calendar", "load", str(readme_2027(tmp_path)), today="2026-12-01")
    shown = ok(db_path, "calendar", "show", "2027-02", today="2026-12-01").stdout
    assert "2027-02-11 星期四  春节" in shown
    assert "2027-02-20 星期六  调休上班" in shown
    january = ok(db_path, "calendar", "show", "2027-01", today="2026-12-01").stdout
    assert "2027-01-31 星期日  调休上班" in january
    # 5 WD after Thursday 2027-02-04: 2-05..2-12 off, so 2-15 … 2-19
    due = ok(db_path, "calendar", "due", "2027-02-04", "5", "--json", today="2026-12-01")
    assert due == {"start": "2027-02-04", "n": 5, "due": "2027-02-19", "provisional": False}


# -- conflicts name the date and both places -------------------------------------------

HEAD = 'year = 2027\nsource = "国务院办公厅关于2027年部分节假日安排的通知"\n'
CONFLICTS = [
    (  # the README's old example: a make-up day inside the 春节 range
        HEAD + 'holidays = [\n  { name = "元旦", dates = ["2027-01-01"] },\n'
        '  { name = "春节", start = "2027-02-05", end = "2027-02-12" },\n]\n'
        'workdays = ["2027-02-07", "2027-02-20"]\n',
        "2027-02-07",
        ["holidays 第 2 项“春节”（2027-02-05 至 2027-02-12）", "workdays 第 1 个日期"],
    ),
    (  # the table form, the make-up day second
        HEAD + 'workdays = ["2027-02-20", "2027-10-09"]\n[holidays]\n'
        '"国庆节" = { start = "2027-10-01", end = "2027-10-09" }\n',
        "2027-10-09",
        ["holidays.国庆节（2027-10-01 至 2027-10-09）", "workdays 第 2 个日期"],
    ),
    (  # two holidays overlapping
        HEAD + 'holidays = [\n  { name = "劳动节", start = "2027-05-01", end = "2027-05-05" },\n'
        '  { name = "端午节", dates = ["2027-05-05", "2027-06-09"] },\n]\n',
        "2027-05-05",
        ["holidays 第 1 项“劳动节”（2027-05-01 至 2027-05-05）", "holidays 第 2 项“端午节”"],
    ),
    (  # two holidays in the table form, one date written as a plain list
        HEAD + '[holidays]\n"中秋节" = ["2027-09-15"]\n"国庆节" = ["2027-09-15", "2027-10-01"]\n',
        "2027-09-15",
        ["holidays.中秋节", "holidays.国庆节"],
    ),
]


@pytest.mark.parametrize(("text", "day", "places"), CONFLICTS)
def test_a_conflict_names_the_date_and_both_places(
    text: str, day: str, places: list[str], db_path: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as info:
        parse_schedule(text)
    message = str(info.value)
    assert day in message and all(p in message for p in places), message
    # through the CLI: refused, nothing changed, one Chinese message
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = fingerprint(db_path)
    r = run_cli(db_path, "calendar", "load", str(path), today="2026-12-01")
    assert r.code == 1 and not r.stdout
    assert day in r.stderr and all(p in r.stderr.replace("\n", "") for p in places)
    assert "Traceback" not in r.stderr
    assert fingerprint(db_path) == before


def test_festivals_falling_together_are_written_as_one_item() -> None:
    s = parse_schedule(
        HEAD + '[holidays]\n"国庆节、中秋节" = { start = "2027-10-01", end = "2027-10-07" }\n'
    )
    assert s.holidays[date(2027, 10, 1)] == "国庆节、中秋节"
    # a date repeated within one holiday, or given once unnamed, is no conflict
    s = parse_schedule(
        HEAD
        + 'holidays = ["2027-01-01", { name = "元旦", dates = ["2027-01-01", "2027-01-01"] }]\n'
    )
    assert s.holidays == {date(2027, 1, 1): "元旦"}


# -- sessions on days that became rest days --------------------------------------------


def _plan(db: Path, day: str, theme: str, today: str = "2026-12-20") -> None:
    ok(
        db,
        "session",
        "plan",
        "--date",
        day,
        "--kind",
        "专场",
        "--theme",
        theme,
        "--unit",
        "省财政厅",
        today=today,
    )


@pytest.fixture
def february(db_path: Path) -> Path:
    """Sessions planned on the provisional 2027 calendar, before the schedule is loaded:
    S202702-01 on 02-04 (a working day either way), S202702-02 on 02-11 (春节 once loaded),
    S202702-03 on 02-11 too, cancelled; S202701-01 on 01-14 (a working day)."""
    _plan(db_path, "2027-02-04", "融资信贷")
    _plan(db_path, "2027-02-11", "政策兑现")
    _plan(db_path, "2027-02-11", "科技创新")
    ok(db_path, "session", "cancel", "S202702-03", "--reason", "合并", today="2026-12-20")
    _plan(db_path, "2027-01-14", "综合")
    return db_path


def test_the_load_lists_sessions_now_on_a_rest_day(february: Path, tmp_path: Path) -> None:
    toml = readme_2027(tmp_path)
    r = ok(february, "calendar", "load", str(toml), "--json", today="2027-01-04")
    moved = r["sessions_on_rest_days"]
    assert [(m["id"], m["date"], m["rest_day"]) for m in moved] == [
        ("S202702-02", "2027-02-11", "春节")
    ]
    assert moved[0]["flag"] == "遇节假日，须改期" and moved[0]["next_workday"] == "2027-02-15"
    human = ok(february, "calendar", "load", str(toml), today="2027-01-04")
    assert "S202702-02" in human.stdout and "须改期" in human.stdout
    assert "session postpone S202702-02 --to 2027-02-15" in human.stdout.replace("\n", "")
    assert "S202702-01" not in human.stdout and "S202702-03" not in human.stdout
    conn = sqlite3.connect(february)
    try:
        detail = conn.execute(
            "SELECT detail FROM trail WHERE action = 'calendar.load' ORDER BY id DESC"
        ).fetchone()[0]
    finally:
        conn.close()
    assert '"sessions_on_rest_days":["S202702-02"]' in detail


def test_session_list_marks_it_until_it_is_postponed(february: Path, tmp_path: Path) -> None:
    def listed() -> dict[str, dict[str, Any]]:
        doc = ok(february, "session", "list", "--month", "2027-02", "--json", today="2027-01-04")
        return {s["id"]: s for s in doc["sessions"]}

    before = listed()
    assert not any(s["on_rest_day"] for s in before.values())  # provisional: 02-11 worked
    ok(february, "calendar", "load", str(readme_2027(tmp_path)), today="2027-01-04")
    after = listed()
    flagged = {k: (s["rest_day"], s["flag"]) for k, s in after.items() if s["on_rest_day"]}
    assert flagged == {"S202702-02": ("春节", "遇节假日，须改期")}
    assert after["S202702-02"]["status"] == "planned"
    human = ok(february, "session", "list", "--month", "2027-02", today="2027-01-04")
    assert "遇节假日" in human.stdout and "S202702-02" in human.stderr
    ok(
        february,
        "session",
        "postpone",
        "S202702-02",
        "--to",
        "2027-02-15",
        "--reason",
        "遇节假日改期",
        today="2027-01-04",
    )
    assert not any(s["on_rest_day"] for s in listed().values())


def test_on_rest_days_for_audit(february: Path, tmp_path: Path) -> None:
    ok(february, "calendar", "load", str(readme_2027(tmp_path)), today="2027-01-04")
    with Reader(str(february)) as r:
        found = on_rest_days(r, r.calendar)
        assert [(s.id, s.date, s.rest_day) for s in found] == [
            ("S202702-02", date(2027, 2, 11), "春节")
        ]
        assert on_rest_days(r, r.calendar, since=date(2027, 2, 12)) == []
        assert [s.id for s in on_rest_days(r, r.calendar, since=date(2027, 2, 11))] == [
            "S202702-02"
        ]


def test_a_held_session_is_not_flagged(db_path: Path, tmp_path: Path) -> None:
    """A session whose appeals were heard took place: a later schedule does not flag it."""
    _plan(db_path, "2027-01-28", "综合", today="2026-12-20")
    _book_and_hear(db_path, "S202701-01", "2027-01-28")
    holiday = tmp_path / "odd.toml"  # a correction declaring the day off after the fact
    holiday.write_text(HEAD + 'holidays = ["2027-01-01", "2027-01-28"]\n', encoding="utf-8")
    r = ok(db_path, "calendar", "load", str(holiday), "--json", today="2027-02-01")
    assert r["sessions_on_rest_days"] == []


def _book_and_hear(db: Path, session: str, day: str) -> None:
    ok(
        db,
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
        "技改补助资金未拨付",
        today="2027-01-05",
    )
    ok(
        db,
        "triage",
        "202701-001-1",
        "--unit",
        "省财政厅",
        "--session",
        session,
        "--verified",
        today="2027-01-06",
    )
    ok(db, "session", "hear", "202701-001-1", "--refer", today=day)


# -- the recompute list ----------------------------------------------------------------


def test_the_recompute_list_is_chinese_and_shows_only_changes(
    db_path: Path, tmp_path: Path
) -> None:
    """Handed off Thu 2027-01-28 on the provisional calendar: 承办 5 WD → 02-04; with the
    README's schedule Sunday 01-31 is worked, so 02-03 (moved); 反馈 15 WD → 02-24 on both
    calendars (unchanged, now final: not listed)."""
    _plan(db_path, "2027-01-14", "综合", today="2026-12-20")
    _book_and_hear(db_path, "S202701-01", "2027-01-14")
    due = ok(
        db_path, "assign", "to", "202701-001-1", "--unit", "省财政厅", "--json", today="2027-01-28"
    )
    assert (due["plan_due"], due["report_due"], due["provisional"]) == (
        "2027-02-04",
        "2027-02-24",
        True,
    )
    toml = str(readme_2027(tmp_path))
    doc = ok(db_path, "calendar", "load", toml, "--json", today="2027-01-28")
    assert doc["changed"] == [
        {
            "appeal": "202701-001-1",
            "step": "accept",
            "step_label": "承办",
            "old": "2027-02-04",
            "new": "2027-02-03",
            "provisional": False,
        }
    ]
    assert doc["confirmed"] >= 1  # the 反馈 deadline, among others
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT step, due, provisional FROM deadline WHERE appeal_id = '202701-001-1' "
            "AND done_on IS NULL ORDER BY step"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [("accept", "2027-02-03", 0), ("report", "2027-02-24", 0)]


def test_the_recompute_list_in_the_terminal(db_path: Path, tmp_path: Path) -> None:
    _plan(db_path, "2027-01-14", "综合", today="2026-12-20")
    _book_and_hear(db_path, "S202701-01", "2027-01-14")
    ok(db_path, "assign", "to", "202701-001-1", "--unit", "省财政厅", today="2027-01-28")
    r = ok(db_path, "calendar", "load", str(readme_2027(tmp_path)), today="2027-01-28")
    lines = [ln for ln in r.stdout.splitlines() if "→" in ln]
    assert lines == ["  202701-001-1  承办期限  2027-02-04（星期四） → 2027-02-03（星期三）"], (
        r.stdout
    )
    assert not re.search(r"\b(accept|report|notify|verify)\b", r.stdout + r.stderr)
    assert "暂定期限日期不变" in r.stderr
    # the trail keeps every recomputed row, and history names the step in Chinese
    history = ok(db_path, "history", "202701-001-1", today="2027-01-28").stdout
    assert "环节：承办" in history and "环节：反馈" in history
    assert "accept" not in history and "环节：report" not in history


# -- the same on PostgreSQL ------------------------------------------------------------


@pytest.mark.postgres
@needs_pg
def test_rest_days_status_and_again_on_postgresql(pg_db: str, tmp_path: Path) -> None:
    assert run_cli(pg_db, "init", "--preset", "province", today="2026-12-01").code == 0
    db: Any = pg_db
    _plan(db, "2027-01-14", "综合")
    _plan(db, "2027-02-11", "政策兑现")
    again = run_cli(
        db,
        "session",
        "plan",
        "--date",
        "2027-02-11",
        "--kind",
        "专场",
        "--theme",
        "政策兑现",
        "--unit",
        "省财政厅",
        today="2026-12-20",
    )
    assert again.code == 1 and "S202702-01" in again.stderr
    _book_and_hear(db, "S202701-01", "2027-01-14")
    doc = ok(db, "calendar", "load", str(readme_2027(tmp_path)), "--json", today="2027-01-28")
    assert [m["id"] for m in doc["sessions_on_rest_days"]] == ["S202702-01"]
    listed = ok(db, "session", "list", "--json", today="2027-01-28")["sessions"]
    assert [(s["id"], s["status"], s["on_rest_day"]) for s in listed] == [
        ("S202701-01", "held", False),
        ("S202702-01", "planned", True),
    ]
