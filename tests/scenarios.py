"""Named stories built with the test kit (tests/factories.py), longer than one test's setup.

``build_quarter`` — a quarter of appeals for the report tests, every one taken through the
clerk's steps. Quarter 2026Q4 (bookings of 2026-10, -11, -12) plus one appeal of 2026-09
that must be left out. Every figure of the quarterly statistics is exercised; the expected
cells are computed by hand in the tests. No holiday falls between 2026-11-02 and
2026-12-31, so the working days below are plain weekdays (the tests check each deadline
against the calendar). The reports are made as of TODAY (2026-12-10), which is a cut-off:
the acts dated after it (202611-001-1's report of 12-21 and closing of 12-22) do not count
until a later ``--today``; the 12-10 extension does.

    id             month  unit(now) theme  region  story
    202610-001-1   10     U1        T1     昆明    resolved on the spot 10-20; rated 满意/满意
    202610-001-2   10     U1        T1     昆明    single hand-off 11-02, due 11-23, closed 11-20
                                                    (14 WD, on time); rated 基本满意/满意
    202610-002-1   10     U2        T1     曲靖    single hand-off 11-02, due 11-23, closed 11-25
                                                    (17 WD, late); rated 满意/不满意 (handling)
    202610-002-2   10     U1        T1     曲靖    resolved on the spot 10-21; not rated
    202610-003-1   10     U3        T2     昆明    round 1 U2 closed and rated 不满意, reopened;
                                                    round 2 U3 handed off 11-24, due 12-15, open
    202611-001-1   11     U2(+U3)   T2     曲靖    joint hand-off 11-16, due 12-14 extended to
                                                    12-28, closed 12-22 (26 WD, on time)
    202611-002-1   11     U3        T2     昆明    hand-off 11-09, due 11-30, undertaken: OVERDUE
    202611-002-2   11     U3        T2     昆明    hand-off 11-26, due 12-17, open, not yet due
    202612-001-1   12     U1        T2     曲靖    hand-off 12-01, due 12-22, closed 12-08 解释说明
                                                    (5 WD); rated 基本满意/基本满意; text =HYPERLINK(
    202612-002-1   12     U2        T1     昆明    triaged, never handed off
    202612-002-2   12     —         T1     昆明    triaged (theme only), no unit → （未分办）
    202609-001-1   09     U1        T1     昆明    other quarter: excluded

Sessions: S202609-01 09-22 主场, S202610-01 10-20 主场, S202611-01 11-05 主场 (booking
202611-002), S202611-02 11-12 专场 (202611-001), S202612-01 12-01 加诊.

``prepare_office`` — an office set up through the real CLI for the robustness tests.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.factories import (
    CaseRef,
    book,
    close_out,
    extend,
    hand_off,
    hear,
    must,
    opened,
    plan,
    rate,
    report_back,
    revisit,
    triage,
    undertake,
    uscc,
)

# -- a quarter for the reports ------------------------------------------------------------

U1, U2, U3 = "省发展改革委", "省工业和信息化厅", "省市场监管局"
T1, T2 = "政策兑现", "要素保障"
TODAY = date(2026, 12, 10)

# Personal data that must never appear in a default export.
CONTACTS = {
    "91530100MA6K0001XT": ("李建国", "13987654321", "云南滇池新材料有限公司", "昆明市"),
    "91530300MA6K0002X6": ("赵敏", "0874-3123456", "曲靖珠江源农业科技有限公司", "曲靖市"),
    "91530100MA6K0003XW": ("孙丽华", "+86 158 8712 3456", "昆明金马物流有限公司", "昆明市"),
    "91530100MA6K0004XX": ("周强", "18608712345", "云南彩云数字科技有限公司", "昆明市"),
}
E1, E2, E3, E4 = CONTACTS
HYPERLINK = '=HYPERLINK("http://example.com/x","点此查看")'

# Each hand-off's report deadline, as the calendar computes it (checked by a test).
DEADLINES = [
    (date(2026, 11, 2), 15, date(2026, 11, 23)),
    (date(2026, 11, 16), 20, date(2026, 12, 14)),
    (date(2026, 11, 9), 15, date(2026, 11, 30)),
    (date(2026, 11, 26), 15, date(2026, 12, 17)),
    (date(2026, 12, 1), 15, date(2026, 12, 22)),
    (date(2026, 11, 24), 15, date(2026, 12, 15)),
]


def _d(month: int, day: int) -> date:
    return date(2026, month, day)


def _book(case: CaseRef, day: date, code: str, *texts: str) -> list[str]:
    contact, phone, name, region = CONTACTS[code]
    return book(
        case,
        day,
        0,
        *texts,
        enterprise=name,
        uscc=code,
        contact=contact,
        phone=phone,
        region=region,
        category="服务需求",
    ).appeals


def _triage(
    case: CaseRef, day: date, aid: str, theme: str, unit: str | None, session: str | None, **kw: Any
) -> None:
    units = [unit] if unit else None
    triage(case, day, aid, theme=theme, units=units, session=session, verified=True, **kw)


def _handled(case: CaseRef, aid: str, handed: date, units: list[str], *steps: date) -> None:
    """Handed off on ``handed``, then undertaken, reported and closed on the given days."""
    hand_off(case, handed, aid, units)
    for step, day in zip((undertake, report_back, close_out), steps, strict=False):
        step(case, day, aid)


def build_quarter(db: CaseRef) -> None:
    with opened(db) as case:
        for day, kind in [
            (_d(9, 22), "主场"),
            (_d(10, 20), "主场"),
            (_d(11, 5), "主场"),
            (_d(11, 12), "专场"),
            (_d(12, 1), "加诊"),
        ]:
            plan(case, day, kind, theme=T1, units=[U1])

        # September: the other quarter.
        (a,) = _book(case, _d(9, 1), E1, "电费补贴迟迟未兑现")
        _triage(case, _d(9, 1), a, T1, U1, "S202609-01", problem_class="电费补贴兑现")
        hear(case, _d(9, 22), a, resolved="现场答复：补贴已拨付")

        # October: the session of 10-20.
        o11, o12 = _book(case, _d(10, 8), E1, "电费补贴迟迟未兑现", "技改补贴申报材料复杂")
        o21, o22 = _book(case, _d(10, 8), E2, "厂房用地审批慢", "水电接入排期长")
        (o31,) = _book(case, _d(10, 9), E3, "仓储用地规划调整难")
        s = "S202610-01"
        _triage(case, _d(10, 9), o11, T1, U1, s, problem_class="电费补贴兑现")
        _triage(case, _d(10, 9), o12, T1, U1, s, problem_class="电费补贴兑现")
        _triage(case, _d(10, 9), o21, T1, U2, s, problem_class="用地审批")
        _triage(case, _d(10, 9), o22, T1, U1, s)
        _triage(case, _d(10, 9), o31, T2, U2, s)
        hear(case, _d(10, 20), o11, resolved="现场答复：补贴已拨付")
        for aid in (o12, o21, o31):
            hear(case, _d(10, 20), aid)
        hear(case, _d(10, 21), o22, resolved="现场协调供电部门排期")
        rate(case, _d(10, 21), o11, service="满意", handling="满意")

        # November: bookings, and October's hand-offs.
        (n11,) = _book(case, _d(11, 2), E2, "融资担保费率高")
        n21, n22 = _book(case, _d(11, 2), E4, "用地指标落实慢", "电费补贴申领难")
        _triage(case, _d(11, 2), n11, T2, U2, "S202611-02", problem_class="@融资难")
        _triage(case, _d(11, 2), n21, T2, U3, "S202611-01", problem_class="用地审批")
        _triage(case, _d(11, 2), n22, T2, U3, "S202611-01", problem_class="电费补贴兑现")
        _handled(case, o12, _d(11, 2), [U1], _d(11, 3), _d(11, 19), _d(11, 20))
        rate(case, _d(11, 23), o12, service="基本满意", handling="满意")
        _handled(case, o21, _d(11, 2), [U2], _d(11, 3), _d(11, 24), _d(11, 25))
        rate(case, _d(11, 26), o21, service="满意", handling="不满意")
        # Round 1 (U2) closed, rated 不满意 and reopened; round 2 handed to U3, open.
        _handled(case, o31, _d(11, 2), [U2], _d(11, 3), _d(11, 10), _d(11, 11))
        rate(case, _d(11, 12), o31, service="不满意", handling="不满意")
        revisit(case, _d(11, 20), o31, note="企业仍有诉求，退回重办", reopen=True)
        hand_off(case, _d(11, 24), o31, [U3])
        for aid in (n21, n22):
            hear(case, _d(11, 5), aid)
        _handled(case, n21, _d(11, 9), [U3], _d(11, 10))  # undertaken, never reported
        hand_off(case, _d(11, 26), n22, [U3])
        hear(case, _d(11, 12), n11)
        _handled(case, n11, _d(11, 16), [U2, U3], _d(11, 17))
        extend(case, TODAY, n11, to=_d(12, 28), reason="需联合现场踏勘")
        report_back(case, _d(12, 21), n11)
        close_out(case, _d(12, 22), n11)

        # December: one 加诊 appeal explained and rated; two never handed off.
        (d11,) = _book(case, _d(12, 1), E2, HYPERLINK)
        _triage(
            case,
            _d(12, 1),
            d11,
            T2,
            U1,
            "S202612-01",
            problem_class="+资质认定",
            late_call="加诊：企业当天到场",  # booked on the day of the 加诊, no call-up ahead
        )
        hear(case, _d(12, 1), d11)
        _handled(case, d11, _d(12, 1), [U1], _d(12, 2), _d(12, 7))
        close_out(case, _d(12, 8), d11, outcome="解释说明", result="已向企业解释相关规定")
        rate(case, _d(12, 9), d11, service="基本满意", handling="基本满意")
        d21, d22 = _book(case, _d(12, 2), E1, "物流园区道路改造慢", "仓库消防验收排期长")
        _triage(case, _d(12, 2), d21, T1, U2, None)
        _triage(case, _d(12, 2), d22, T1, None, None)


# -- an office through the CLI, for the robustness tests ----------------------------------

SEPT_SESSION = "S202609-01"
OCT_SESSION = "S202610-01"
PREPARED = 12


def prepare_office(db: Path | str, n: int = PREPARED) -> list[str]:
    """Sessions S202609-01 (09-24) and S202610-01 (10-22); ``n`` September appeals booked,
    triaged, called up, heard and referred (ready to be handed off), all through the CLI."""
    plan = ("session", "plan", "--kind", "主场", "--theme", "政策兑现", "--unit", "省发展改革委")
    s1 = must(db, *plan, "--date", "2026-09-24", "--lead", "张厅长", "--json", today="2026-08-28")
    s2 = must(db, *plan, "--date", "2026-10-22", "--lead", "李厅长", "--json", today="2026-09-20")
    assert (s1["id"], s2["id"]) == (SEPT_SESSION, OCT_SESSION)
    appeals = []
    for i in range(n):
        b = must(
            db,
            "book", "--enterprise", f"云南预备{i}号科技有限公司", "--uscc", uscc(900000 + i),
            "--contact", "王小明", "--phone", f"138{i:08d}",
            "--appeal", f"电费补贴迟迟未兑现（{i}）", "--json",
            today="2026-09-01",
        )  # fmt: skip
        appeals += b["appeals"]
    for aid in appeals:
        must(db, "triage", aid, "--theme", "政策兑现", "--session", SEPT_SESSION, "--verified",
             today="2026-09-08")  # fmt: skip
    must(db, "notify", "--session", SEPT_SESSION, "--sent", "--channel", "短信", today="2026-09-18")
    for aid in appeals:
        must(db, "session", "hear", aid, "--refer", "--note", "需部门核实", today="2026-09-24")
    return appeals
