"""Issue 12, item 4: every figure true — ``--today`` is a cut-off, every round's rating counts.

A quarter (2026Q4) is built through the clerk's steps (tests/factories.py) with reopened
appeals, several ratings per appeal across rounds, closings and an extension after the
cut-off, on-the-spot answers, and a booking after the cut-off. Every cell of ``report
quarterly --by unit`` and its 合计 row is worked out by hand below — as of the cut-off
CUT = 2026-12-04 (a Friday) and as of LATE = 2027-01-15, after every act (overdue then
judged on the quarter's last day, 12-31) — and checked through the library, the real CLI
(``--json``, ``--csv``), the bulletin's headline and the 服务事项清单.

No holiday falls between 2026-11-02 and 2026-12-31: the working days below are weekdays,
and every due date is checked against the calendar as the steps return it.

    appeal         who  story (U1 省发展改革委, U2 省工业和信息化厅, U3 省市场监管局)
    A 202610-001-1 E1   triaged U2; answered on the spot 10-20, rated 10-22 满意/满意;
                        reopened 11-10; round 2 U2 handed 11-11 (due 12-02), closed 11-23
                        (8 WD, on time), rated 11-24 满意/不满意
    B 202610-001-2 E1   triaged U1; round 1 U1 handed 11-02 (due 11-23), closed 11-10
                        解释说明, rated 11-11 基本满意/不满意, reopened 11-16; round 2 U3
                        handed 11-17 (due 12-08), extended 12-07 to 12-18, closed 12-16
                        (21 WD, on time), rated 12-17 满意/满意
    C 202610-002-1 E2   triaged U2; round 1 U2 handed 11-02 (due 11-23), closed 11-20
                        解释说明 (14 WD), never rated, reopened 12-07; round 2 U1 handed 12-08
                        (due 12-29), undertaken, open
    D 202610-002-2 E2   triaged U3; answered on the spot 10-20, never rated
    E 202611-001-1 E3   triaged U2; joint U2+U3 handed 11-13 (due 12-11), extended 11-30 to
                        12-21, closed 12-21 (26 WD, on time), rated 12-22 满意/基本满意
    F 202611-001-2 E3   triaged U3; U3 handed 11-13 (due 12-04), undertaken, never reported
    G 202611-002-1 E4   triaged U2; heard 11-12; U2 handed 12-07 (due 12-28), closed 12-11
                        (4 WD), rated 12-14 满意/满意
    J 202611-003-1 E6   triaged U1; U1 handed 11-12 (due 12-03), extended 12-07 to 12-09,
                        closed 12-10 (20 WD, late)
    H 202612-001-1 E4   triaged U1; answered on the spot 12-03, rated 12-08 满意/不满意
    K 202612-002-1 E5   booked 12-07 (after CUT), triaged U3, nothing more
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import (
    CaseRef,
    book,
    close_out,
    extend,
    hand_off,
    hear,
    make_case,
    opened,
    plan,
    rate,
    report_back,
    revisit,
    run_cli,
    triage,
    unchanged,
    undertake,
)
from tests.pg import needs_pg
from zuozhen.bulletin import build, render_bulletin
from zuozhen.reports import FIGURES, Quarter, quarterly
from zuozhen.service_items import service_items
from zuozhen.store.reader import Reader

U1, U2, U3 = "省发展改革委", "省工业和信息化厅", "省市场监管局"
Q4 = Quarter(2026, 4)
CUT = date(2026, 12, 4)
LATE = date(2027, 1, 15)
A, B, C, D = "202610-001-1", "202610-001-2", "202610-002-1", "202610-002-2"
E, F, G, J = "202611-001-1", "202611-001-2", "202611-002-1", "202611-003-1"
H, K = "202612-001-1", "202612-002-1"


def _d(month: int, day: int) -> date:
    return date(2026, month, day)


def _book(case: CaseRef, day: date, n: int, *texts: str) -> list[str]:
    return book(case, day, n, *texts, category="服务需求").appeals


def _due(done: Any, expected: date) -> None:
    """The report deadline a step returned is the one worked out by hand above."""
    assert done.report_due == expected, (done, expected)


def build_figures_quarter(db: CaseRef) -> None:
    """The quarter of the module docstring, act by act in the order of the days."""
    with opened(db) as case:
        s10 = plan(case, _d(10, 20), "主场", units=[U1])
        s11 = plan(case, _d(11, 12), "专场", units=[U2])
        s12 = plan(case, _d(12, 3), "加诊", units=[U1])

        assert _book(case, _d(10, 8), 1, "电费补贴迟迟未兑现", "技改补贴申报难") == [A, B]
        assert _book(case, _d(10, 9), 2, "厂房用地审批慢", "水电接入排期长") == [C, D]
        for aid, unit in ((A, U2), (B, U1), (C, U2), (D, U3)):
            triage(case, _d(10, 9), aid, units=[unit], session=s10, verified=True)
        hear(case, _d(10, 20), A, resolved="现场答复：补贴已拨付")
        hear(case, _d(10, 20), D, resolved="现场协调供电部门排期")
        hear(case, _d(10, 20), B)
        hear(case, _d(10, 20), C)
        rate(case, _d(10, 22), A, service="满意", handling="满意")

        assert _book(case, _d(11, 2), 3, "融资担保费率高", "检验检测周期长") == [E, F]
        assert _book(case, _d(11, 3), 4, "用地指标落实慢") == [G]
        assert _book(case, _d(11, 3), 6, "出口退税慢") == [J]
        for aid, unit in ((E, U2), (F, U3), (G, U2), (J, U1)):
            triage(case, _d(11, 3), aid, units=[unit], session=s11, verified=True)

        _due(hand_off(case, _d(11, 2), B, [U1]), _d(11, 23))
        _due(hand_off(case, _d(11, 2), C, [U2]), _d(11, 23))
        undertake(case, _d(11, 3), B)
        undertake(case, _d(11, 3), C)
        report_back(case, _d(11, 9), B)
        close_out(case, _d(11, 10), B, outcome="解释说明", result="已向企业解释政策")
        rate(case, _d(11, 11), B, service="基本满意", handling="不满意")
        revisit(case, _d(11, 10), A, note="企业又提出新情况", reopen=True)
        _due(hand_off(case, _d(11, 11), A, [U2]), _d(12, 2))
        undertake(case, _d(11, 12), A)
        for aid in (E, F, G, J):
            hear(case, _d(11, 12), aid)
        _due(hand_off(case, _d(11, 12), J, [U1]), _d(12, 3))
        _due(hand_off(case, _d(11, 13), E, [U2, U3]), _d(12, 11))
        _due(hand_off(case, _d(11, 13), F, [U3]), _d(12, 4))
        undertake(case, _d(11, 13), J)
        undertake(case, _d(11, 16), E)
        undertake(case, _d(11, 16), F)
        revisit(case, _d(11, 16), B, note="企业仍不满意，退回重办", reopen=True)
        _due(hand_off(case, _d(11, 17), B, [U3]), _d(12, 8))
        undertake(case, _d(11, 18), B)
        report_back(case, _d(11, 19), C)
        close_out(case, _d(11, 20), C, outcome="解释说明", result="已向企业说明规划要求")
        report_back(case, _d(11, 20), A)
        close_out(case, _d(11, 23), A)
        rate(case, _d(11, 24), A, service="满意", handling="不满意")
        extend(case, _d(11, 30), E, to=_d(12, 21), reason="需联合踏勘")

        assert _book(case, _d(12, 1), 4, "物流园区道路改造慢") == [H]
        # the 加诊 two days ahead: too late for the 3-day call-up, scheduled all the same
        triage(case, _d(12, 1), H, units=[U1], session=s12, verified=True, late_call="加诊")
        hear(case, _d(12, 3), H, resolved="现场答复：已列入改造计划")
        # CUT = 12-04: everything below happened after it.
        assert _book(case, _d(12, 7), 5, "仓库消防验收排期长") == [K]
        triage(case, _d(12, 7), K, units=[U3])
        _due(hand_off(case, _d(12, 7), G, [U2]), _d(12, 28))
        extend(case, _d(12, 7), B, to=_d(12, 18), reason="需补充材料")
        extend(case, _d(12, 7), J, to=_d(12, 9), reason="需补充材料")
        revisit(case, _d(12, 7), C, note="企业对解释不认可", reopen=True)
        _due(hand_off(case, _d(12, 8), C, [U1]), _d(12, 29))
        undertake(case, _d(12, 8), G)
        undertake(case, _d(12, 9), C)
        rate(case, _d(12, 8), H, service="满意", handling="不满意")
        report_back(case, _d(12, 9), J)
        report_back(case, _d(12, 10), G)
        close_out(case, _d(12, 10), J)
        close_out(case, _d(12, 11), G)
        rate(case, _d(12, 14), G)
        report_back(case, _d(12, 15), B)
        close_out(case, _d(12, 16), B)
        rate(case, _d(12, 17), B)
        report_back(case, _d(12, 18), E)
        close_out(case, _d(12, 21), E)
        rate(case, _d(12, 22), E, service="满意", handling="基本满意")


# 单位, 受理诉求, 现场解决, 交办, 已办结, 按期办结, 超期未办结, 延期, 解释说明,
# 平均办理工作日, 评价数, 满意率 — by hand from the table above.
AT_CUT = [
    # A (round 2 closed 11-23, 8 WD), C (round 1 closed 11-20 解释说明, 14 WD: reopened
    # only after CUT), E (open, extended 11-30), G (heard, handed off only after CUT).
    # Ratings: A's round 1 (answered on the spot: the appeal's unit) 满意 and round 2 不满意.
    # A, answered on the spot and handed off after its reopening, counts in 交办 only.
    [U2, 4, 0, 3, 2, 2, 0, 1, 1, 11.0, 2, 50.0],
    # B (round 2 open, due 12-08: its extension is of 12-07), D on the spot, F (due 12-04:
    # not yet overdue on the due day itself). No rating yet in a U3 round.
    [U3, 3, 1, 2, 1, 1, 0, 0, 0, "", 0, ""],
    # H on the spot (rated only 12-08), J overdue (due 12-03: its extension came on 12-07);
    # B's round-1 rating 不满意.
    [U1, 2, 1, 1, 1, 1, 1, 0, 0, "", 1, 0.0],
    # K not yet booked; avg (8 + 14) / 2; 满意 1 of 3 ratings. 现场 2 (D, H) + 交办 6 + G
    # (heard, handed off only after CUT) = 9 received.
    ["合计", 9, 2, 6, 4, 4, 1, 1, 1, 11.0, 3, 33.3],
]
AT_LATE = [
    # B (round 2 closed 12-16 within its extension to 12-18, 21 WD), D, F overdue, K;
    # B's round-2 rating 满意.
    [U3, 4, 1, 2, 2, 2, 1, 1, 0, 21.0, 1, 100.0],
    # C (round 2 open, due 12-29: overdue at 12-31; round 1's 解释说明 no longer stands),
    # H on the spot, J closed late (20 WD; extended, still late). Ratings: B round 1
    # 不满意, H 不满意.
    [U1, 3, 1, 2, 2, 1, 1, 1, 0, 20.0, 2, 0.0],
    # A (8 WD), E (26 WD, extended), G (4 WD): avg 38 / 3 = 12.67. Ratings: A round 1
    # 满意, round 2 不满意, E 基本满意, G 满意.
    [U2, 3, 0, 3, 3, 3, 0, 1, 0, 12.7, 4, 75.0],
    # avg (8 + 21 + 26 + 4 + 20) / 5 = 15.8; 满意 4 of 7 ratings. 现场 2 (D, H) + 交办 7
    # + K (triaged only) = 10 received.
    ["合计", 10, 2, 7, 7, 6, 2, 3, 0, 15.8, 7, 57.1],
]
# On 2026-10-25, the example: only October's appeals, nothing after the sessions
# of 10-20 but A's rating; A (reopened only later) is still closed on the spot.
AT_OCT_25 = [
    [U2, 2, 1, 0, 1, 1, 0, 0, 0, "", 1, 100.0],
    [U1, 1, 0, 0, 0, 0, 0, 0, 0, "", 0, ""],
    [U3, 1, 1, 0, 1, 1, 0, 0, 0, "", 0, ""],
    ["合计", 4, 2, 0, 2, 2, 0, 0, 0, "", 1, 100.0],
]


@pytest.fixture(scope="module")
def figures_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("figures") / "figures.db"
    make_case(path).close()
    build_figures_quarter(path)
    return path


@pytest.fixture
def db(figures_template: Path, tmp_path: Path) -> Path:
    from tests.factories import copy_case

    return copy_case(figures_template, tmp_path / "case.db")


def _cells(db: Path | str, today: date, by: str = "unit") -> list[list[object]]:
    with Reader(str(db)) as r:
        return list(quarterly(r, Q4, by=by, today=today).table())


def test_the_working_days_worked_out_by_hand() -> None:
    from zuozhen.deadlines import default_calendar

    cal = default_calendar()
    for handed, closed, days in [
        (_d(11, 11), _d(11, 23), 8),  # A round 2
        (_d(11, 2), _d(11, 20), 14),  # C round 1
        (_d(11, 17), _d(12, 16), 21),  # B round 2
        (_d(11, 13), _d(12, 21), 26),  # E
        (_d(12, 7), _d(12, 11), 4),  # G
        (_d(11, 12), _d(12, 10), 20),  # J
    ]:
        assert cal.workdays_between(handed, closed) == days, (handed, closed)


@pytest.mark.parametrize(
    ("today", "expected"),
    [(CUT, AT_CUT), (LATE, AT_LATE), (date(2026, 10, 25), AT_OCT_25)],
    ids=["cut-off 12-04", "after everything", "issue example 10-25"],
)
def test_every_cell_by_unit(db: Path, today: date, expected: list[list[object]]) -> None:
    assert _cells(db, today) == expected


@pytest.mark.parametrize(("today", "expected"), [(CUT, AT_CUT), (LATE, AT_LATE)])
def test_working_days_outside_the_ranked_range_are_counted_one_by_one(
    db: Path, today: date, expected: list[list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The query sums working days from a rank of each day of a range (spans.py); a
    hand-off or closing outside it is counted in Python instead, to the same figures."""
    from zuozhen import spans

    monkeypatch.setattr(spans, "MARGIN", -75)  # the range begins mid-November
    assert _cells(db, today) == expected


def test_totals_agree_across_groupings(db: Path) -> None:
    for today, expected in ((CUT, AT_CUT), (LATE, AT_LATE)):
        for by in ("theme", "region", "class"):
            assert _cells(db, today, by)[-1] == expected[-1], (today, by)


def test_an_act_after_the_cut_off_changes_nothing_before_it(db: Path) -> None:
    """Recording more acts dated after the cut-off leaves the report at CUT unchanged."""
    report_back(db, date(2026, 12, 29), C)
    close_out(db, date(2026, 12, 30), C, outcome="已解决", result="已办结")
    rate(db, date(2026, 12, 31), C, service="不满意", handling="不满意")
    assert _cells(db, CUT) == AT_CUT
    late = {row[0]: row for row in _cells(db, LATE)}
    assert late[U1][4:7] == [3, 1, 0] and late["合计"][10:] == [8, 50.0]


# -- through the real CLI ----------------------------------------------------------------

JSON_KEYS = (
    "appeals", "resolved_on_spot", "handed_off", "closed", "closed_on_time", "overdue",
    "extended", "explained", "avg_workdays", "rated", "satisfaction_rate",
)  # fmt: skip


def _as_cells(row: dict[str, Any]) -> list[object]:
    return [row["group"], *("" if row[k] is None else row[k] for k in JSON_KEYS)]


@pytest.mark.parametrize(("today", "expected"), [(CUT, AT_CUT), (LATE, AT_LATE)])
def test_cli_json(db: Path, today: date, expected: list[list[object]]) -> None:
    ran = run_cli(db, "report", "quarterly", "--quarter", "2026Q4", "--json", today=str(today))
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["as_of"] == today.isoformat()
    assert doc["overdue_on"] == min(today, Q4.last_day).isoformat()
    assert [_as_cells(r) for r in doc["rows"]] + [_as_cells(doc["total"])] == expected


@pytest.mark.parametrize(("today", "expected"), [(CUT, AT_CUT), (LATE, AT_LATE)])
def test_cli_csv(db: Path, tmp_path: Path, today: date, expected: list[list[object]]) -> None:
    out = tmp_path / "q.csv"
    ran = run_cli(
        db, "report", "quarterly", "--quarter", "2026Q4", "--csv", str(out), today=str(today)
    )
    assert ran.code == 0, ran.stderr
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["单位", *FIGURES]
    assert rows[1:] == [[str(c) for c in row] for row in expected]


def test_cli_terminal_names_the_cut_off(db: Path) -> None:
    ran = run_cli(db, "report", "quarterly", "--quarter", "2026Q4", today=str(LATE))
    assert ran.code == 0, ran.stderr
    assert "数据截至 2027-01-15" in ran.stdout and "超期未办结按 2026-12-31 判断" in ran.stdout


@pytest.mark.parametrize(
    ("args", "today", "latest"),
    [
        (("report", "quarterly", "--quarter", "2027Q1"), CUT, "2026Q4"),
        (("report", "quarterly", "--quarter", "2026Q4", "--json"), date(2026, 9, 30), "2026Q3"),
        (("report", "bulletin", "--quarter", "2027Q1", "--format", "md"), CUT, "2026Q4"),
        (("report", "items", "--month", "2027-01"), CUT, "2026-12"),
        (("report", "items", "--month", "2026-12", "--json"), date(2026, 11, 30), "2026-11"),
    ],
)
def test_a_period_after_the_cut_off_is_refused(
    db: Path, args: tuple[str, ...], today: date, latest: str
) -> None:
    with unchanged(db):
        ran = run_cli(db, *args, today=str(today))
    assert ran.code == 1 and ran.stdout == ""
    assert "尚未开始" in ran.stderr and latest in ran.stderr and "Traceback" not in ran.stderr


def test_the_current_quarter_and_month_are_allowed(db: Path) -> None:
    ran = run_cli(db, "report", "quarterly", "--quarter", "2026Q4", "--json", today="2026-10-01")
    assert ran.code == 0 and ran.json()["total"]["appeals"] == 0
    ran = run_cli(db, "report", "items", "--month", "2026-12", "--json", today="2026-12-01")
    assert ran.code == 0 and [i["appeal"] for i in ran.json()["items"]] == [H]


# -- the bulletin --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "headline"),
    [
        # appeals, enterprises, on the spot, handed off, closed, 办结率, on time, 按期办结率,
        # overdue, extended, explained, avg, rated, 满意率
        (CUT, (9, 5, 2, 6, 4, "44.4%", 4, "100.0%", 1, 1, 1, "11.0", 3, "33.3%")),
        (LATE, (10, 6, 2, 7, 7, "70.0%", 6, "85.7%", 2, 3, 0, "15.8", 7, "57.1%")),
    ],
)
def test_bulletin_headline(db: Path, today: date, headline: tuple[object, ...]) -> None:
    from zuozhen.bulletin import view

    with Reader(str(db)) as r:
        b = build(r, Q4, today=today)
        md = render_bulletin(b, "md")
    h = view(b)["headline"]
    keys = (
        "appeals", "enterprises", "on_spot", "handed_off", "closed", "closure_rate", "on_time",
        "on_time_rate", "overdue", "extended", "explained", "avg_workdays", "rated", "satisfaction",
    )  # fmt: skip
    assert tuple(h[k] for k in keys) == headline
    assert f"数据截至：{today.year}年{today.month}月{today.day}日" in md
    assert f"企业评价 {headline[12]} 次，满意率 {headline[13]}" in md


def test_bulletin_overdue_items(db: Path) -> None:
    from zuozhen.reports import overdue_items

    with Reader(str(db)) as r:
        at_cut = overdue_items(r, Q4, today=CUT)
        at_late = overdue_items(r, Q4, today=LATE)
    # J was due 12-03: one working day overdue on 12-04.
    assert [(o.appeal, o.unit, o.due, o.days_overdue) for o in at_cut] == [(J, U1, _d(12, 3), 1)]
    # Judged on 12-31: F (due 12-04, 19 WD), C's round 2 (due 12-29, 2 WD).
    assert [(o.appeal, o.unit, o.due, o.days_overdue) for o in at_late] == [
        (F, U3, _d(12, 4), 19),
        (C, U1, _d(12, 29), 2),
    ]


def test_cli_bulletin_at_the_cut_off(db: Path) -> None:
    ran = run_cli(db, "report", "bulletin", "--quarter", "2026Q4", "--format", "md", today=str(CUT))
    assert ran.code == 0, ran.stderr
    assert "已办结 4 件，办结率 44.4%" in ran.stdout and "| 1 | 202611-003-1 |" in ran.stdout
    assert K not in ran.stdout


# -- the 服务事项清单 ------------------------------------------------------------------------


def _items(db: Path | str, month: str, today: date) -> list[tuple[object, ...]]:
    with Reader(str(db)) as r:
        return [
            (i.appeal, i.status, i.units, i.handed_on, i.report_due, i.closed_on)
            for i in service_items(r, month, today=today)
        ]


def test_items_as_of_the_cut_off(db: Path) -> None:
    assert _items(db, "2026-10", CUT) == [
        (A, "rated", [U2], _d(11, 11), _d(12, 2), _d(11, 23)),
        (B, "undertaken", [U3], _d(11, 17), _d(12, 8), None),  # the extension came later
        (C, "closed", [U2], _d(11, 2), _d(11, 23), _d(11, 20)),  # reopened only later
        (D, "closed", [U3], None, None, _d(10, 20)),
    ]
    assert _items(db, "2026-11", CUT) == [
        (E, "undertaken", [U2, U3], _d(11, 13), _d(12, 21), None),
        (F, "undertaken", [U3], _d(11, 13), _d(12, 4), None),
        (G, "referred", [U2], None, None, None),
        (J, "undertaken", [U1], _d(11, 12), _d(12, 3), None),
    ]
    assert _items(db, "2026-12", CUT) == [(H, "closed", [U1], None, None, _d(12, 3))]


def test_items_as_of_october_and_after_everything(db: Path) -> None:
    assert _items(db, "2026-10", date(2026, 10, 25)) == [
        (A, "rated", [U2], None, None, _d(10, 20)),
        (B, "referred", [U1], None, None, None),
        (C, "referred", [U2], None, None, None),
        (D, "closed", [U3], None, None, _d(10, 20)),
    ]
    assert _items(db, "2026-10", LATE) == [
        (A, "rated", [U2], _d(11, 11), _d(12, 2), _d(11, 23)),
        (B, "rated", [U3], _d(11, 17), _d(12, 18), _d(12, 16)),
        (C, "undertaken", [U1], _d(12, 8), _d(12, 29), None),
        (D, "closed", [U3], None, None, _d(10, 20)),
    ]
    assert [x[:2] for x in _items(db, "2026-12", LATE)] == [(H, "rated"), (K, "triaged")]


@pytest.mark.parametrize(
    ("month", "today", "statuses"),
    [
        ("2026-11", date(2026, 11, 5), {E: "scheduled", J: "scheduled"}),  # heard 11-12
        ("2026-10", date(2026, 11, 16), {A: "undertaken", B: "reopened", C: "undertaken"}),
        ("2026-10", date(2026, 11, 17), {B: "handed_off"}),
        ("2026-10", date(2026, 11, 19), {B: "undertaken", C: "reported"}),
    ],
)
def test_statuses_are_those_of_the_day(
    db: Path, month: str, today: date, statuses: dict[str, str]
) -> None:
    shown = {x[0]: x[1] for x in _items(db, month, today)}
    assert {k: shown[k] for k in statuses} == statuses


def test_cli_items_at_the_cut_off(db: Path) -> None:
    ran = run_cli(db, "report", "items", "--month", "2026-10", "--json", today=str(CUT))
    assert ran.code == 0, ran.stderr
    items = {i["appeal"]: i for i in ran.json()["items"]}
    assert items[B]["status_label"] == "已承办" and items[B]["report_due"] == "2026-12-08"
    assert items[C]["status_label"] == "已销号" and items[C]["closed_on"] == "2026-11-20"


# -- PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres
@needs_pg
def test_the_same_figures_on_postgresql(pg_db: str) -> None:
    make_case(pg_db).close()
    build_figures_quarter(pg_db)
    for today, expected in ((CUT, AT_CUT), (LATE, AT_LATE), (date(2026, 10, 25), AT_OCT_25)):
        assert _cells(pg_db, today) == expected, today
    assert _items(pg_db, "2026-10", CUT)[2] == (
        C,
        "closed",
        [U2],
        _d(11, 2),
        _d(11, 23),
        _d(11, 20),
    )
