"""event add / event list and audit cadence: held days of the other channels, their rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import ROOT, make_case, must, query, run_cli, unchanged

A, B, C = "市发展改革委", "市财政局", "市商务局"


@pytest.fixture
def city(tmp_path: Path) -> Path:
    db = tmp_path / "city.db"
    make_case(db, preset="city").close()
    return db


def _add(db: Path, channel: str, day: str, *units: str, today: str = "2026-12-31") -> str:
    args = ["event", "add", "--channel", channel, "--date", day, "--json"]
    for u in units:
        args += ["--unit", u]
    return str(must(db, *args, today=today)["id"])


def test_event_add_records_and_lists(city: Path) -> None:
    doc = must(
        city,
        *("event", "add", "--channel", "接待日", "--date", "2026-10-09", "--unit", A),
        *("--unit", B, "--lead", "王副主任", "--theme", "政策兑现", "--json"),
        today="2026-10-09",
    )
    assert doc["id"] == "E202610-01"
    assert doc["units"] == [A, B] and doc["lead_unit"] == A
    assert _add(city, "走访", "2026-10-10", B, today="2026-10-10") == "E202610-02"
    (trail,) = query(
        city,
        "SELECT operator, as_of, detail FROM trail WHERE action = 'event.add' AND entity_id = 'E202610-01'",
    )
    assert trail[1] == "2026-10-09" and "王副主任" in trail[2]
    listed = must(city, "event", "list", "--quarter", "2026Q4", "--json", today="2026-10-10")
    assert [(e["id"], e["channel"], e["date"], e["appeals"]) for e in listed["events"]] == [
        ("E202610-01", "接待日", "2026-10-09", []),
        ("E202610-02", "走访", "2026-10-10", []),
    ]
    assert (
        must(city, "event", "list", "--quarter", "2026Q3", "--json", today="2026-10-10")["events"]
        == []
    )
    human = must(city, "event", "list", today="2026-10-10")
    assert "E202610-01" in human and "接待日 1 次" in human


def test_held_day_may_be_a_rest_day(city: Path) -> None:
    # 2026-10-11 is a Sunday, 10-03 in the National Day holiday.
    for day in ("2026-10-11", "2026-10-03"):
        _add(city, "走访", day, A, today="2026-10-12")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--channel", "接见日", "--date", "2026-10-09", "--unit", A], "未在配置中设置"),
        (["--channel", "坐诊", "--date", "2026-10-09", "--unit", A], "session plan"),
        (["--channel", "12345", "--date", "2026-10-09", "--unit", A], "intake"),
        (["--channel", "投诉", "--date", "2026-10-09", "--unit", A], "工单编号"),
        (["--channel", "台账", "--date", "2026-10-09", "--unit", A], "台账"),
        (["--channel", "接待日", "--date", "2026-10-21", "--unit", A], "晚于今天"),
        (["--channel", "接待日", "--date", "2025-12-31", "--unit", A], "起始年份"),
        (["--channel", "接待日", "--date", "2026-10-09", "--unit", "市财政"], "是不是“市财政局”"),
        (
            ["--channel", "接待日", "--date", "2026-10-09", "--unit", A, "--theme", "无此主题"],
            "主题",
        ),
        (["--channel", "接待日", "--date", "2026-10-09"], "至少指定一个举办单位"),
        (["--channel", "接待日", "--date", "2026-10-09", "--unit", A, "--unit", B], "已记录过"),
        (["--channel", "接待日", "--date", "2026-10-32", "--unit", A], "不是日历上存在的日期"),
    ],
)
def test_event_add_refusals(city: Path, args: list[str], says: str) -> None:
    _add(city, "接待日", "2026-10-09", B, A, today="2026-10-20")  # the same units, another order
    with unchanged(city):
        ran = run_cli(city, "event", "add", *args, today="2026-10-20")
    assert ran.code == 1, ran
    assert says in ran.stderr and "Traceback" not in ran.stderr, ran.stderr


def test_allow_new_adds_the_unit(city: Path) -> None:
    ran = run_cli(
        city,
        *("event", "add", "--channel", "会客厅", "--date", "2026-10-09", "--unit", "市新单位"),
        "--allow-new",
        today="2026-10-20",
    )
    assert ran.code == 0, ran.stderr
    assert "市新单位" in must(city, "config", "show")


def _cadence(
    db: Path, quarter: str, today: str
) -> dict[tuple[str, str, str], tuple[int, int, bool]]:
    doc = must(db, "audit", "cadence", "--quarter", quarter, "--json", today=today)
    return {
        (r["channel"], r["unit"], r["period"]): (r["required"], r["held"], r["ok"])
        for r in doc["cadence"]
    }


def test_cadence_required_and_held(city: Path) -> None:
    _add(city, "接待日", "2026-10-15", A, B)  # the first half-month's last day, for both units
    _add(city, "接待日", "2026-10-16", A)  # the second half-month
    _add(city, "接待日", "2026-10-16", A, C)  # the same day again for A: one day
    _add(city, "走访", "2026-11-03", B)
    _add(city, "走访", "2026-11-10", B)
    _add(city, "走访", "2026-11-10", B, A)  # the same day for B: still two days in November
    _add(city, "同心谈", "2026-12-30", C)
    got = _cadence(city, "2026Q4", "2026-12-31")
    assert got[("接待日", A, "2026-10-H1")] == (1, 1, True)
    assert got[("接待日", B, "2026-10-H1")] == (1, 1, True)
    assert got[("接待日", A, "2026-10-H2")] == (1, 1, True)
    assert got[("接待日", C, "2026-10-H2")] == (1, 1, True)
    assert got[("接待日", B, "2026-10-H2")] == (1, 0, False)
    assert got[("走访", B, "2026-11")] == (3, 2, False)
    assert got[("走访", A, "2026-11")] == (3, 1, False)
    assert got[("同心谈", C, "2026Q4")] == (1, 1, True)
    assert got[("会客厅", C, "2026Q4")] == (1, 0, False)
    # Every active unit of the configuration, every period: 6 half-months, 3 months, 1, 1.
    units = len(must(city, "config", "show", "--json")["units"])
    assert len(got) == units * (6 + 3 + 1 + 1)
    # --today is a cut-off: the 12-30 同心谈 is not held as of 12-29, and periods not
    # over yet are not shortfalls.
    doc = must(city, "audit", "cadence", "--quarter", "2026Q4", "--json", today="2026-12-29")
    row = next(r for r in doc["cadence"] if (r["channel"], r["unit"]) == ("同心谈", C))
    assert (row["held"], row["ok"], row["ended"]) == (0, False, False)
    human = must(city, "audit", "cadence", "--quarter", "2026Q4", today="2026-12-31")
    assert "未达标" in human and "11月" in human


def test_cadence_refusals_and_no_rules(city: Path, tmp_path: Path) -> None:
    with unchanged(city):
        assert (
            run_cli(city, "audit", "cadence", "--quarter", "2027Q1", today="2026-12-31").code == 1
        )
        assert (
            run_cli(city, "audit", "cadence", "--quarter", "2026-Q4", today="2026-12-31").code == 1
        )
    province = tmp_path / "p.db"
    make_case(province).close()
    assert (
        must(province, "audit", "cadence", "--quarter", "2026Q4", "--json", today="2026-12-31")[
            "cadence"
        ]
        == []
    )


def test_daily_audit_lists_units_short_near_period_end(city: Path) -> None:
    _add(city, "接待日", "2026-10-12", A, today="2026-10-12")
    # 10-12 (Mon): the half-month ends 10-15, within 3 working days: B is short, A is not.
    doc = must(city, "audit", "--json", today="2026-10-12")
    short = {(r["channel"], r["unit"], r["period"]) for r in doc["cadence"]}
    assert ("接待日", B, "2026-10-H1") in short
    assert ("接待日", A, "2026-10-H1") not in short
    assert not any(r["channel"] == "走访" for r in doc["cadence"])  # October ends later
    assert "举办频次即将到期" in must(city, "audit", today="2026-10-12")
    # Early in the half-month nothing is listed; the unit filter applies.
    assert must(city, "audit", "--json", today="2026-10-05")["cadence"] == []
    only = must(city, "audit", "--unit", A, "--json", today="2026-10-12")["cadence"]
    assert only == []


def test_no_cadence_said_with_the_table_name(tmp_path: Path) -> None:
    """Said on the screen with ``[channels]`` intact: not eaten as Rich markup (which only a
    real process's console shows, so a real process runs it)."""
    province = tmp_path / "p.db"
    make_case(province).close()
    argv = [sys.executable, "-m", "zuozhen", "--db", str(province), "--today", "2026-12-31"]
    shown = subprocess.run(
        [*argv, "audit", "cadence", "--quarter", "2026Q4"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "配置中没有设定举办频次的渠道（[channels] 的 cadence）" in shown.stdout
