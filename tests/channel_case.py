"""A quarter of several channels, for ``report channels`` / ``report scores`` tests.

Every appeal comes in and moves the way a clerk's commands record it: 坐诊 appeals are
booked (``zuozhen book``) and taken through the clerk's steps (tests/factories.py); the
other channels' appeals are taken in by ``zuozhen intake`` (a 即办 with ``--resolved``, the
接待日 ones at a held day recorded by ``event add``) and triaged to their unit with
``triage --unit``; the 转送 is ``close --outcome 转送``; the ledger item is ``ledger add``.

Province preset, quarter 2026Q4, reports as of TODAY (2026-12-10). Units U1 省发展改革委,
U2 省工业和信息化厅, U3 省市场监管局. Plan (承办) deadline = 5 working days after the
hand-off, report (反馈) deadline = 15 (no holiday in Nov/Dec 2026 before 12-31).

    appeal  channel  story
    a1      坐诊     on the spot 10-20 (即办); rated 满意/满意
    a2      坐诊     U1 handed 11-02 (plan 11-09, report 11-23), undertaken 11-03,
                     closed 11-20 已解决 (on time); rated 满意/不满意
    e1      坐诊     U1 handed 11-09 (plan 11-16, report 11-30), undertaken 11-10,
                     closed 12-02 解释说明 (late); rated 基本满意/基本满意
    e2      坐诊     voided (作废): nowhere
    g1      坐诊     U2 handed 12-07 (plan 12-14: not yet due at TODAY), open
    f1      台账     ledger item of U1 added 12-01 (plan 12-08 passed, not undertaken):
                     nowhere
    b1      12345    taken in 10-08, triaged 10-09; U2 handed 11-02 (plan 11-09),
                     undertaken 11-12 (late), closed 11-25 已解决 (late, report 11-23);
                     rated 满意/不满意
    b2      12345    taken in 10-21 and answered at once (即办), not rated
    c1      投诉     taken in 10-09, triaged; round 1 U2 handed 11-02, undertaken 11-03, closed 11-11 已解决,
                     rated 不满意/不满意, reopened 11-20; round 2 U3 handed 11-24 (plan
                     12-01 passed, not undertaken; report 12-15), open
    d1      接待日   taken in 11-02 at event E202611-01 with d2 and d3; U3 handed 11-09 (plan 11-16, report 11-30),
                     undertaken 11-10, never reported: OVERDUE
    d2      接待日   转送 11-06 (closed, no unit)
    d3      接待日   withdrawn 11-10: only in 受理诉求
    x1      12345    即办 09-22: another quarter
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.factories import (
    book_args,
    close_out,
    hand_off,
    hear,
    make_case,
    must,
    opened,
    plan,
    rate,
    report_back,
    revisit,
    triage,
    undertake,
)

U1, U2, U3 = "省发展改革委", "省工业和信息化厅", "省市场监管局"
TODAY = date(2026, 12, 10)


def _d(month: int, day: int) -> date:
    return date(2026, month, day)


def _book(db: Path, day: date, n: int, *texts: str) -> list[str]:
    """挂号 through the real CLI: the booking's appeals."""
    out = must(db, *book_args(n, *texts), "--json", today=day.isoformat())
    return [str(a) for a in out["appeals"]]


def _intake(
    db: Path, day: date, n: int, channel: str, texts: tuple[str, ...], *extra: str
) -> list[str]:
    """受理 through the real CLI (``zuozhen intake``): the appeals, owing 分办."""
    args = ["intake", "--channel", channel, *book_args(n, *texts)[1:], "--date", day.isoformat()]
    out = must(db, *args, *extra, "--json", today=day.isoformat())
    return [str(a) for a in out["appeals"]]


def _handled(db: Path, aid: str, handed: date, unit: str, *steps: date) -> None:
    hand_off(db, handed, aid, [unit])
    if steps:
        undertake(db, steps[0], aid)
    if len(steps) > 1:
        report_back(db, steps[1], aid)


def build_channels(db: Path) -> dict[str, str]:
    """The case of the module docstring; returns the appeal IDs by their short names."""
    make_case(db).close()
    with opened(db) as case:
        for day, kind in [(_d(9, 22), "主场"), (_d(10, 20), "主场"), (_d(11, 5), "主场")]:
            plan(case, day, kind, units=[U1])
        plan(case, _d(12, 1), "加诊", units=[U1])
    ids: dict[str, str] = {}
    (ids["x1"],) = _intake(db, _d(9, 22), 9, "12345", ("九月的诉求",), "--ref", "GD-2026-0901",
                           "--resolved", "即时答复")  # fmt: skip
    ids["a1"], ids["a2"] = _book(db, _d(10, 8), 1, "电费补贴迟迟未兑现", "技改补贴申报难")
    (ids["b1"],) = _intake(db, _d(10, 8), 2, "12345", ("厂房用地审批慢",), "--ref", "GD-2026-1008")
    must(db, "triage", ids["b1"], "--unit", U2, today="2026-10-09")
    (ids["b2"],) = _intake(db, _d(10, 21), 2, "12345", ("水电接入排期长",), "--ref", "GD-2026-1021",
                           "--resolved", "即时协调供电部门排期")  # fmt: skip
    (ids["c1"],) = _intake(
        db, _d(10, 9), 3, "投诉", ("仓储用地规划调整难",), "--ref", "TS-2026-0009"
    )
    must(db, "triage", ids["c1"], "--unit", U2, today="2026-10-09")
    event = must(db, "event", "add", "--channel", "接待日", "--date", "2026-11-02",
                 "--unit", U3, "--json", today="2026-11-02")["id"]  # fmt: skip
    ids["d1"], ids["d2"], ids["d3"] = _intake(
        db, _d(11, 2), 4, "接待日", ("用地指标落实慢", "个人所得税退税咨询", "招工补贴申领难"),
        "--event", event,
    )  # fmt: skip
    must(db, "triage", ids["d1"], "--unit", U3, today="2026-11-02")
    ids["e1"], ids["e2"] = _book(db, _d(11, 2), 5, "融资担保费率高", "测试录入")
    (ids["g1"],) = _book(db, _d(12, 1), 6, "物流园区道路改造慢")
    ledger = must(db, "ledger", "new", "--name", "整改清单", "--source", "评估报告", "--year",
                  "2026", "--json", today="2026-12-01")["id"]  # fmt: skip
    ids["f1"] = must(db, "ledger", "add", ledger, "--item", "整改清单事项", "--unit", U1,
                     "--due", "2026-12-31", "--json", today="2026-12-01")["id"]  # fmt: skip
    with opened(db) as case:
        x = ids
        for key in ("a1", "a2"):
            triage(
                case,
                _d(10, 9),
                x[key],
                theme="政策兑现",
                units=[U1],
                session="S202610-01",
                verified=True,
            )
        hear(case, _d(10, 20), x["a1"], resolved="现场答复：补贴已拨付")
        hear(case, _d(10, 20), x["a2"])
        rate(case, _d(10, 21), x["a1"], service="满意", handling="满意")
        triage(
            case,
            _d(11, 2),
            x["e1"],
            theme="政策兑现",
            units=[U1],
            session="S202611-01",
            verified=True,
        )
        hear(case, _d(11, 5), x["e1"])
        triage(
            case,
            _d(12, 1),
            x["g1"],
            theme="政策兑现",
            units=[U2],
            session="S202612-01",
            verified=True,
            late_call="加诊：企业当天到场",
        )
        hear(case, _d(12, 1), x["g1"])
    # Hand-offs and the rest (each step opens the file: the factories' plain form).
    _handled(db, ids["a2"], _d(11, 2), U1, _d(11, 3), _d(11, 19))
    close_out(db, _d(11, 20), ids["a2"])
    rate(db, _d(11, 23), ids["a2"], service="满意", handling="不满意")
    _handled(db, ids["b1"], _d(11, 2), U2, _d(11, 12), _d(11, 24))
    close_out(db, _d(11, 25), ids["b1"])
    rate(db, _d(11, 26), ids["b1"], service="满意", handling="不满意")
    _handled(db, ids["c1"], _d(11, 2), U2, _d(11, 3), _d(11, 10))
    close_out(db, _d(11, 11), ids["c1"])
    rate(db, _d(11, 12), ids["c1"], service="不满意", handling="不满意")
    revisit(db, _d(11, 20), ids["c1"], note="企业仍有诉求", reopen=True)
    hand_off(db, _d(11, 24), ids["c1"], [U3])
    _handled(db, ids["d1"], _d(11, 9), U3, _d(11, 10))
    _handled(db, ids["e1"], _d(11, 9), U1, _d(11, 10), _d(11, 30))
    close_out(db, _d(12, 2), ids["e1"], outcome="解释说明", result="已解释相关规定")
    rate(db, _d(12, 3), ids["e1"], service="基本满意", handling="基本满意")
    hand_off(db, _d(12, 7), ids["g1"], [U2])
    must(db, "withdraw", ids["d3"], "--reason", "企业来电撤回", today="2026-11-10")
    must(
        db, "withdraw", ids["e2"], "--void", "--reason", "培训时录入的测试数据", today="2026-11-03"
    )
    # The stand-ins (see the module docstring).
    must(db, "close", ids["d2"], "--outcome", "转送", "--result", "转送至市税务局，已告知企业",
         today="2026-11-06")  # fmt: skip
    ids["event"] = event
    return ids
