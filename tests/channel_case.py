"""A quarter of several channels, for ``report channels`` / ``report scores`` tests.

STAND-IN FOR ``intake``: until the ``intake`` command (issue 14, built in parallel) is on
main, appeals of other channels cannot be taken in through the CLI. This module books
坐诊 appeals through the real CLI (``zuozhen book``), takes them through the clerk's
steps (tests/factories.py), and then RETAGS some bookings in SQL — ``booking.channel``,
``ref`` and ``event_id`` — as ``intake`` would have recorded them. A 即办 of another
channel is a 坐诊 appeal answered on the spot and retagged (the same row state: closed,
``resolved_on_spot``); the 转送 is written in SQL as ``close --outcome 转送`` will record
it (closed, outcome 转送, no hand-off); the ledger item (channel 台账) is a retagged
booking. When ``intake``, ``close --outcome 转送`` and ``ledger`` land, ``retag`` and
``forwarded`` are to be replaced by those commands; the figures stay the same.

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
    f1      台账     U1 handed 12-01 (plan 12-08 passed, not undertaken): nowhere
    b1      12345    U2 handed 11-02 (plan 11-09), undertaken 11-12 (late), closed 11-25
                     已解决 (late, report 11-23); rated 满意/不满意
    b2      12345    on the spot 10-21 (即办), not rated
    c1      投诉     round 1 U2 handed 11-02, undertaken 11-03, closed 11-11 已解决,
                     rated 不满意/不满意, reopened 11-20; round 2 U3 handed 11-24 (plan
                     12-01 passed, not undertaken; report 12-15), open
    d1      接待日   at event E202611-01; U3 handed 11-09 (plan 11-16, report 11-30),
                     undertaken 11-10, never reported: OVERDUE
    d2      接待日   转送 11-06 (closed, no unit)
    d3      接待日   withdrawn 11-10: only in 受理诉求
    x1      12345    September: another quarter
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
    tamper,
    triage,
    undertake,
)

U1, U2, U3 = "省发展改革委", "省工业和信息化厅", "省市场监管局"
TODAY = date(2026, 12, 10)


def _d(month: int, day: int) -> date:
    return date(2026, month, day)


def _book(db: Path, day: date, n: int, *texts: str) -> tuple[str, list[str]]:
    """挂号 through the real CLI: the booking and its appeals."""
    out = must(db, *book_args(n, *texts), "--json", today=day.isoformat())
    return out["booking"], out["appeals"]


def retag(
    db: Path, booking: str, channel: str, ref: str | None = None, event: str | None = None
) -> None:
    """STAND-IN for ``intake``: the booking as an intake of ``channel`` would be."""
    refs = "NULL" if ref is None else f"'{ref}'"
    ev = "NULL" if event is None else f"'{event}'"
    tamper(
        db,
        f"UPDATE booking SET channel = '{channel}', ref = {refs}, event_id = {ev}"
        f" WHERE id = '{booking}'",
    )


def forwarded(db: Path, appeal: str, day: date) -> None:
    """STAND-IN for ``close APPEAL --outcome 转送``: closed, forwarded, no hand-off."""
    tamper(
        db,
        "UPDATE appeal SET status = 'closed', outcome = '转送',"
        f" result = '转送至市税务局，已告知企业', closed_on = '{day.isoformat()}'"
        f" WHERE id = '{appeal}'",
        f"UPDATE deadline SET done_on = '{day.isoformat()}' WHERE appeal_id = '{appeal}'"
        " AND done_on IS NULL",
    )


def _handled(db: Path, aid: str, handed: date, unit: str, *steps: date) -> None:
    hand_off(db, handed, aid, [unit])
    for step, day in zip((undertake, report_back), steps, strict=False):
        step(db, day, aid)


def build_channels(db: Path) -> dict[str, str]:
    """The case of the module docstring; returns the appeal IDs by their short names."""
    make_case(db).close()
    with opened(db) as case:
        for day, kind in [(_d(9, 22), "主场"), (_d(10, 20), "主场"), (_d(11, 5), "主场")]:
            plan(case, day, kind, units=[U1])
        plan(case, _d(12, 1), "加诊", units=[U1])
    ids: dict[str, str] = {}
    bx, (ids["x1"],) = _book(db, _d(9, 1), 9, "九月的诉求")
    _, (ids["a1"], ids["a2"]) = _book(db, _d(10, 8), 1, "电费补贴迟迟未兑现", "技改补贴申报难")
    b_b, (ids["b1"], ids["b2"]) = _book(db, _d(10, 8), 2, "厂房用地审批慢", "水电接入排期长")
    b_c, (ids["c1"],) = _book(db, _d(10, 9), 3, "仓储用地规划调整难")
    b_d, (ids["d1"], ids["d2"], ids["d3"]) = _book(
        db, _d(11, 2), 4, "用地指标落实慢", "个人所得税退税咨询", "招工补贴申领难"
    )
    _, (ids["e1"], ids["e2"]) = _book(db, _d(11, 2), 5, "融资担保费率高", "测试录入")
    _, (ids["g1"],) = _book(db, _d(12, 1), 6, "物流园区道路改造慢")
    b_f, (ids["f1"],) = _book(db, _d(12, 1), 7, "整改清单事项")
    with opened(db) as case:
        x = ids
        triage(
            case,
            _d(9, 1),
            x["x1"],
            theme="政策兑现",
            units=[U1],
            session="S202609-01",
            verified=True,
        )
        hear(case, _d(9, 22), x["x1"], resolved="现场答复")
        for key in ("a1", "a2", "b1", "b2", "c1"):
            unit = U1 if key.startswith("a") else U2
            triage(
                case,
                _d(10, 9),
                x[key],
                theme="政策兑现",
                units=[unit],
                session="S202610-01",
                verified=True,
            )
        hear(case, _d(10, 20), x["a1"], resolved="现场答复：补贴已拨付")
        hear(case, _d(10, 21), x["b2"], resolved="现场协调供电部门排期")
        for key in ("a2", "b1", "c1"):
            hear(case, _d(10, 20), x[key])
        rate(case, _d(10, 21), x["a1"], service="满意", handling="满意")
        for key, unit in (("d1", U3), ("d2", None), ("e1", U1)):
            units = [unit] if unit else None
            triage(
                case,
                _d(11, 2),
                x[key],
                theme="政策兑现",
                units=units,
                session="S202611-01",
                verified=True,
            )
        hear(case, _d(11, 5), x["d1"])
        hear(case, _d(11, 5), x["e1"])
        for key, unit in (("g1", U2), ("f1", U1)):
            triage(
                case,
                _d(12, 1),
                x[key],
                theme="政策兑现",
                units=[unit],
                session="S202612-01",
                verified=True,
                late_call="加诊：企业当天到场",
            )
            hear(case, _d(12, 1), x[key])
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
    hand_off(db, _d(12, 1), ids["f1"], [U1])
    hand_off(db, _d(12, 7), ids["g1"], [U2])
    must(db, "withdraw", ids["d3"], "--reason", "企业来电撤回", today="2026-11-10")
    must(
        db, "withdraw", ids["e2"], "--void", "--reason", "培训时录入的测试数据", today="2026-11-03"
    )
    event = must(
        db,
        "event",
        "add",
        "--channel",
        "接待日",
        "--date",
        "2026-11-02",
        "--unit",
        U3,
        "--json",
        today="2026-11-02",
    )["id"]
    # The stand-ins (see the module docstring).
    forwarded(db, ids["d2"], _d(11, 6))
    retag(db, bx, "12345", ref="GD-2026-0901")
    retag(db, b_b, "12345", ref="GD-2026-1008")
    retag(db, b_c, "投诉", ref="TS-2026-0009")
    retag(db, b_d, "接待日", event=event)
    retag(db, b_f, "台账")
    ids["event"] = event
    return ids
