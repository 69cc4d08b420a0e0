"""Dates a unit gives (issue 11, item 6): a promised date (``assign accept --by``) or an
extended deadline (``assign extend --to``) on a rest day is refused with the next working
day named, as ``session plan`` refuses a rest day; nothing is changed by the refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    Ran,
    copy_case,
    hand_off,
    hear,
    plan,
    query,
    scheduled,
    unchanged,
    undertake,
)
from zuozhen.deadlines import default_calendar, weekday_zh
from zuozhen.errors import RuleError
from zuozhen.workdays import require_workday

Cli = Callable[..., Ran]
D0 = date(2026, 9, 24)  # a Thursday: handed off then, the report is due 2026-10-22


@pytest.fixture
def handed(db_path: Path) -> tuple[Path, str]:
    """One appeal handed off to 省财政厅 on D0 (plan due 10-09, report due 10-22)."""
    aid = scheduled(db_path, plan(db_path, D0))[0]
    hear(db_path, D0, aid)
    h = hand_off(db_path, D0, aid)
    assert (h.plan_due, h.report_due) == (date(2026, 10, 9), date(2026, 10, 22))
    return db_path, aid


def _accept(cli: Cli, db: Path, aid: str, by: str) -> Ran:
    return cli(
        db, "assign", "accept", aid, "--handler", "李四", "--measures", "核查", "--by", by,
        today="2026-09-28",
    )  # fmt: skip


def _extend(cli: Cli, db: Path, aid: str, to: str) -> Ran:
    return cli(
        db, "assign", "extend", aid, "--to", to, "--reason", "需会商", today="2026-10-12"
    )  # fmt: skip


# -- assign accept --by --------------------------------------------------------------------


def test_promise_on_a_sunday_is_refused_naming_monday(handed: tuple[Path, str], cli: Cli) -> None:
    db, aid = handed
    with unchanged(db):
        ran = _accept(cli, db, aid, "2026-10-18")
    assert ran.code == 1 and "Traceback" not in ran.stderr
    assert "2026-10-18（星期日）是周末" in ran.stderr
    assert "最近的工作日是 2026-10-19（星期一）" in ran.stderr
    assert "--by 2026-10-19" in ran.stderr and "2026-10-22" in ran.stderr  # and the deadline
    ran = _accept(cli, db, aid, "2026-10-19")
    assert ran.code == 0, ran.stderr
    assert query(db, "SELECT promised_by FROM handoff") == [("2026-10-19",)]


def test_promise_on_a_holiday_names_the_holiday(handed: tuple[Path, str], cli: Cli) -> None:
    db, aid = handed
    with unchanged(db):
        ran = _accept(cli, db, aid, "2026-10-05")
    assert ran.code == 1
    assert "法定节假日（国庆节）" in ran.stderr and "2026-10-08（星期四）" in ran.stderr


def test_promise_on_a_makeup_saturday_is_a_working_day(handed: tuple[Path, str], cli: Cli) -> None:
    db, aid = handed
    ran = _accept(cli, db, aid, "2026-10-10")  # 调休上班
    assert ran.code == 0, ran.stderr
    detail = query(db, "SELECT detail FROM trail WHERE action = 'assign.accept'")[0][0]
    assert '"promised_by":"2026-10-10"' in detail


def test_promise_defaults_to_the_report_deadline(handed: tuple[Path, str], cli: Cli) -> None:
    db, aid = handed
    ran = cli(db, "assign", "accept", aid, "--handler", "李四", "--measures", "核查",
              today="2026-09-28")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert query(db, "SELECT promised_by FROM handoff") == [("2026-10-22",)]


# -- assign extend --to --------------------------------------------------------------------


def test_extension_to_a_saturday_is_refused_naming_monday(
    handed: tuple[Path, str], cli: Cli
) -> None:
    db, aid = handed
    undertake(db, date(2026, 9, 28), aid)
    with unchanged(db):
        ran = _extend(cli, db, aid, "2026-11-14")
    assert ran.code == 1 and "Traceback" not in ran.stderr
    assert "新的反馈期限 2026-11-14（星期六）是周末" in ran.stderr
    assert "最近的工作日是 2026-11-16（星期一）" in ran.stderr and "--to 2026-11-16" in ran.stderr
    ran = _extend(cli, db, aid, "2026-11-16")
    assert ran.code == 0, ran.stderr
    assert query(db, "SELECT extensions FROM handoff") == [(1,)]
    due = query(db, "SELECT due FROM deadline WHERE step = 'report' AND done_on IS NULL")
    assert due == [("2026-11-16",)]
    detail = query(db, "SELECT detail FROM trail WHERE action = 'assign.extend'")[0][0]
    assert '"old_due":"2026-10-22"' in detail and '"new_due":"2026-11-16"' in detail


def test_extension_on_new_years_day_of_a_provisional_year(
    handed: tuple[Path, str], cli: Cli
) -> None:
    db, aid = handed
    with unchanged(db):
        ran = _extend(cli, db, aid, "2027-01-01")
    assert ran.code == 1
    assert "法定节假日（元旦）" in ran.stderr and "2027-01-04（星期一）" in ran.stderr


def test_extension_with_a_legal_basis_is_held_to_working_days_too(
    handed: tuple[Path, str], cli: Cli
) -> None:
    db, aid = handed
    with unchanged(db):
        ran = cli(db, "assign", "extend", aid, "--to", "2026-12-20", "--reason", "法定时限",
                  "--basis", "《行政许可法》第四十二条", today="2026-10-12")  # fmt: skip
    assert ran.code == 1 and "2026-12-21（星期一）" in ran.stderr


# -- the rule itself, over many dates --------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(offset=st.integers(min_value=0, max_value=3 * 366))
def test_a_date_is_refused_exactly_when_it_is_a_rest_day(offset: int) -> None:
    cal = default_calendar()
    day = date(2025, 1, 1) + timedelta(days=offset)
    if cal.is_workday(day):
        require_workday(cal, day, what="", action="x", tip="")
        return
    nxt = cal.next_workday(day, include=False)
    with pytest.raises(RuleError) as refused:
        require_workday(cal, day, what="期限 ", action="x", tip="请改用 {next}。")
    text = str(refused.value)
    assert f"最近的工作日是 {nxt.isoformat()}（{weekday_zh(nxt)}）" in text
    assert text.endswith(f"请改用 {nxt.isoformat()}。")
    assert all(not cal.is_workday(day + timedelta(days=k)) for k in range(1, (nxt - day).days))


def test_every_rest_day_promise_of_a_round_is_refused(
    handed: tuple[Path, str], cli: Cli, tmp_path: Path
) -> None:
    """Every day between acceptance and the report deadline, through the CLI: refused (and
    unchanged) exactly on the rest days."""
    db, aid = handed
    cal = default_calendar()
    day = date(2026, 9, 28)
    while day <= date(2026, 10, 22):
        copy = copy_case(db, tmp_path / f"{day.isoformat()}.db")
        if cal.is_workday(day):
            assert _accept(cli, copy, aid, day.isoformat()).code == 0, day
        else:
            with unchanged(copy):
                ran = _accept(cli, copy, aid, day.isoformat())
            assert ran.code == 1 and "最近的工作日是" in ran.stderr, (day, ran.stderr)
        day += timedelta(days=1)
