"""Issues 14 and 15 together, every step through the real CLI: appeals taken in by
``intake`` (a 即办, a hand-off closed and rated, a 转送, an overdue one at a held
接待日), a ledger item beside them, and ``report channels`` / ``report scores`` /
``report quarterly --by channel`` computed by hand (tests/channel_case.py builds the
larger quarter of test_channel_reports.py the same way, with 坐诊 bookings beside)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.factories import ROOT, make_case, must, uscc

U1, U2 = "省发展改革委", "省工业和信息化厅"
AS_OF = "2026-12-10"


def _intake(db: Path, n: int, channel: str, text: str, day: str, *extra: str) -> str:
    args = ["intake", "--channel", channel, "--enterprise", f"云南渠道{n}号有限公司"]
    args += ["--uscc", uscc(n), "--contact", "李四", "--phone", "13912345678"]
    args += ["--appeal", text, "--date", day, *extra, "--json"]
    doc = must(db, *args, today=day)
    assert doc["channel"] == channel
    (appeal,) = doc["appeals"]
    return str(appeal)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """2026Q4, province preset (plan 5, report 15 working days; no holiday in Nov).

    i1 12345 GD1  11-02 即办 (--resolved)                      → closed, on time
    i2 12345 GD2  11-02 triage U1, handed 11-03 (plan 11-10, report 11-24), accepted
                  11-04, reported 11-10, closed 11-11 已解决, rated 满意/基本满意
    i3 投诉 TS1   11-02 转送 11-03                              → closed, no unit
    i4 接待日      11-02 at E202611-01, triage U2, handed 11-03, never undertaken
                  (plan 11-10 and report 11-24 passed at 12-10)  → overdue
    L  a ledger item of U1 (due 12-31)                          → counts nowhere here
    """
    db = tmp_path_factory.mktemp("loop") / "c.db"
    make_case(db).close()
    ids: dict[str, str] = {}
    event = must(
        db, "event", "add", "--channel", "接待日", "--date", "2026-11-02", "--unit", U2,
        "--json", today="2026-11-02",
    )["id"]  # fmt: skip
    ids["i1"] = _intake(db, 1, "12345", "咨询电费补贴", "2026-11-02", "--ref", "GD1",
                        "--resolved", "已电话答复补贴申报流程")  # fmt: skip
    ids["i2"] = _intake(db, 2, "12345", "厂房用地审批慢", "2026-11-02", "--ref", "GD2")
    ids["i3"] = _intake(db, 3, "投诉", "个人所得税退税", "2026-11-02", "--ref", "TS1")
    ids["i4"] = _intake(db, 4, "接待日", "招工补贴申领难", "2026-11-02", "--event", event)
    must(db, "triage", ids["i2"], "--unit", U1, today="2026-11-02")
    must(db, "triage", ids["i4"], "--unit", U2, today="2026-11-02")
    must(db, "assign", "to", ids["i2"], "--unit", U1, today="2026-11-03")
    must(db, "assign", "to", ids["i4"], "--unit", U2, today="2026-11-03")
    must(db, "close", ids["i3"], "--outcome", "转送", "--result", "转送至市税务局，已告知企业",
         today="2026-11-03")  # fmt: skip
    must(db, "assign", "accept", ids["i2"], "--handler", "张科长", "--measures", "并联审批",
         today="2026-11-04")  # fmt: skip
    must(db, "assign", "report", ids["i2"], "--text", "已办结", today="2026-11-10")
    must(db, "close", ids["i2"], "--outcome", "已解决", "--result", "已批复", today="2026-11-11")
    must(db, "rate", ids["i2"], "--service", "满意", "--handling", "基本满意", today="2026-11-12")
    ledger = must(db, "ledger", "new", "--name", "整改清单", "--source", "评估报告",
                  "--year", "2026", "--json", today="2026-11-02")["id"]  # fmt: skip
    ids["L"] = must(db, "ledger", "add", ledger, "--item", "审批时间偏长", "--unit", U1,
                    "--due", "2026-12-31", "--json", today="2026-11-02")["id"]  # fmt: skip
    ids["event"] = event
    return db, ids


def test_report_channels_from_real_intakes(case: tuple[Path, dict[str, str]]) -> None:
    db, _ = case
    doc = must(db, "report", "channels", "--quarter", "2026Q4", "--json", today=AS_OF)
    rows = {r[0]: [str(c) for c in r[1:]] for r in doc["table"]}
    # 受理,即办,交办,已办结,按期办结,超期未办结,办结率,按期办结率,满意率
    assert rows["12345"] == ["2", "1", "1", "2", "2", "0", "100.0", "100.0", "100.0"]
    # the 转送: closed, and on time like a 即办 (no report deadline to miss)
    assert rows["投诉"] == ["1", "0", "0", "1", "1", "0", "100.0", "100.0", ""]
    assert rows["接待日"] == ["1", "0", "1", "0", "0", "1", "0.0", "", ""]
    assert rows["坐诊"] == ["0", "0", "0", "0", "0", "0", "", "", ""]
    assert rows["合计"] == ["4", "1", "2", "3", "3", "1", "75.0", "100.0", "100.0"]
    assert "台账" not in rows  # the ledger item is no channel's appeal


def test_report_scores_from_real_intakes(case: tuple[Path, dict[str, str]]) -> None:
    db, _ = case
    doc = must(db, "report", "scores", "--quarter", "2026Q4", "--json", today=AS_OF)
    rows = {r[0]: [str(c) for c in r[1:]] for r in doc["table"]}
    # 应响应,按期响应,响应率,已办结,已解决,解决率,评价数,满意率,综合得分
    # U1: i2 accepted 11-04 ≤ 11-10; closed 已解决; rated 基本满意 → 100 all round; the
    # ledger item (handed 11-02, accepted never, plan 11-09 passed) is not scored.
    assert rows[U1] == ["1", "1", "100.0", "1", "1", "100.0", "1", "100.0", "100.0"]
    # U2: i4's plan deadline passed, not undertaken → 0/1; nothing closed or rated.
    assert rows[U2] == ["1", "0", "0.0", "0", "0", "", "0", "", ""]
    # 即办 and 转送 are no unit's
    assert set(rows) == {U1, U2, "合计"}


def test_quarterly_by_channel_and_events(case: tuple[Path, dict[str, str]]) -> None:
    db, ids = case
    doc = must(db, "report", "quarterly", "--quarter", "2026Q4", "--by", "渠道", "--json",
               today=AS_OF)  # fmt: skip
    groups = {r["group"]: r["appeals"] for r in doc["rows"]}
    assert groups == {"12345": 2, "投诉": 1, "接待日": 1}
    on_time = {r["group"]: r["on_time_rate"] for r in doc["rows"]}
    assert on_time == {"12345": 100.0, "投诉": 100.0, "接待日": None}  # as report channels
    (held,) = must(db, "event", "list", "--quarter", "2026Q4", "--json")["events"]
    assert held["id"] == ids["event"] and held["appeals"] == [ids["i4"]]
    audit = must(db, "audit", "--json", today=AS_OF)
    late = {(x["appeal"], x["step"]) for x in audit["overdue"]}
    assert (ids["i4"], "accept") in late and (ids["L"], "accept") in late
    # the 即办 waits only for the enterprise's rating; the 转送 waits for nothing
    assert {x["step"] for x in audit["overdue"] if x["appeal"] == ids["i1"]} == {"rate"}
    assert not any(x["appeal"] == ids["i3"] for x in audit["overdue"] + audit["due_soon"])


LONG = ("国家金融监督管理总局云南监管局", "国家外汇管理局云南省分局")  # the province's longest


def test_report_scores_keeps_long_unit_names_on_one_line(tmp_path: Path) -> None:
    """At 80 and 120 columns (a real process, as a clerk's terminal) each unit's name
    stands whole on its row beside all nine figures, and no line is wider than the
    terminal; before, a name was folded over two or three lines."""
    db = tmp_path / "c.db"
    make_case(db).close()
    for n, unit in enumerate(LONG, 1):
        aid = _intake(db, 1, "12345", f"诉求{n}", "2026-11-02", "--ref", f"GD{n}")
        must(db, "triage", aid, "--unit", unit, today="2026-11-02")
        must(db, "assign", "to", aid, "--unit", unit, today="2026-11-03")
        must(db, "assign", "accept", aid, "--handler", "张科长", "--measures", "办理",
             today="2026-11-04")  # fmt: skip
        must(db, "assign", "report", aid, "--text", "已办结", today="2026-11-10")
        must(db, "close", aid, "--outcome", "已解决", "--result", "已办", today="2026-11-11")
        must(db, "rate", aid, "--service", "满意", "--handling", "满意", today="2026-11-12")
    # 应响应 1, 按期响应 1, 响应率 100.0, 已办结 1, 已解决 1, 解决率 100.0, 评价数 1,
    # 满意率 100.0, 综合得分 100.0 for each unit
    figures = ["1", "1", "100.0", "1", "1", "100.0", "1", "100.0", "100.0"]
    for columns in (80, 120):
        env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT)}
        ran = subprocess.run(
            [sys.executable, "-m", "zuozhen", "--db", str(db), "--today", AS_OF,
             "report", "scores", "--quarter", "2026Q4"],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        lines = ran.stdout.splitlines()
        assert max(cell_len(line) for line in lines) <= columns
        for unit in LONG:
            (row,) = [line.split() for line in lines if unit in line]
            assert row == [unit, *figures], (columns, ran.stdout)
        assert "…" not in ran.stdout
