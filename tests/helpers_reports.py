"""A quarter of appeals for the report tests, inserted directly through the models.

Quarter 2026Q4 (bookings of 2026-10, -11, -12) plus one appeal of 2026-09 that must be
left out. Every figure of the quarterly statistics is exercised; the expected cells are
computed by hand in the tests. No holiday falls between 2026-11-02 and 2026-12-31, so the
working days below are plain weekdays (the tests check each deadline against the calendar).

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
    202612-002-2   12     —         T1     昆明    booked, no unit → （未分办）
    202609-001-1   09     U1        T1     昆明    other quarter: excluded
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from zuozhen.models import (
    Appeal,
    Booking,
    Consultation,
    Deadline,
    Enterprise,
    Extension,
    Handoff,
    Rating,
)
from zuozhen.store.storage import Act, open_case_file

U1, U2, U3 = "省发展改革委", "省工业和信息化厅", "省市场监管局"
T1, T2 = "政策兑现", "要素保障"
TODAY = date(2026, 12, 10)

# Personal data that must never appear in a default export.
CONTACTS = {
    "91530100MA6K0001XA": ("李建国", "13987654321", "云南滇池新材料有限公司", "昆明市"),
    "91530300MA6K0002XB": ("赵敏", "0874-3123456", "曲靖珠江源农业科技有限公司", "曲靖市"),
    "91530100MA6K0003XC": ("孙丽华", "+86 158 8712 3456", "昆明金马物流有限公司", "昆明市"),
    "91530100MA6K0004XD": ("周强", "18608712345", "云南彩云数字科技有限公司", "昆明市"),
}
E1, E2, E3, E4 = CONTACTS

BOOKINGS = {
    "202609-001": (E1, 1),
    "202610-001": (E1, 1),
    "202610-002": (E2, 2),
    "202610-003": (E3, 3),
    "202611-001": (E2, 1),
    "202611-002": (E4, 2),
    "202612-001": (E2, 1),
    "202612-002": (E1, 2),
}
SESSIONS = {
    "S202609-01": (date(2026, 9, 22), "主场"),
    "S202610-01": (date(2026, 10, 20), "主场"),
    "S202611-01": (date(2026, 11, 12), "专场"),
    "S202612-01": (date(2026, 12, 1), "加诊"),
}
HYPERLINK = '=HYPERLINK("http://example.com/x","点此查看")'


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def build_quarter(db: Path | str) -> None:
    case = open_case_file(str(db))
    at = "2026-12-10T01:00:00+00:00"
    try:
        with case.write(Act("测试员", TODAY)) as tx:
            s = tx.session
            for uscc, (contact, phone, name, region) in CONTACTS.items():
                s.add(
                    Enterprise(
                        uscc=uscc,
                        name=name,
                        contact=contact,
                        phone=phone,
                        region=region,
                        created_at=at,
                        updated_at=at,
                    )
                )
            s.flush()  # no ORM relationships: parents are flushed before children
            for sid, (day, kind) in SESSIONS.items():
                s.add(
                    Consultation(
                        id=sid,
                        month=day.strftime("%Y-%m"),
                        date=day,
                        kind=kind,
                        theme=T1,
                        units=json.dumps([U1], ensure_ascii=False),
                        start="09:00",
                        end="12:00",
                        place="云南省政务服务中心",
                        created_at=at,
                    )
                )
            for bid, (uscc, seq) in BOOKINGS.items():
                s.add(
                    Booking(
                        id=bid,
                        month=f"{bid[:4]}-{bid[4:6]}",
                        seq=seq,
                        uscc=uscc,
                        booked_on=date(int(bid[:4]), int(bid[4:6]), 8),
                        created_at=at,
                    )
                )
            s.flush()

            def appeal(
                aid: str,
                *,
                status: str,
                unit: str | None,
                theme: str | None,
                cls: str | None = None,
                text: str = "电费补贴迟迟未兑现",
                on_spot: bool = False,
                outcome: str | None = None,
                closed: str | None = None,
                rnd: int = 1,
                units: list[str] | None = None,
            ) -> None:
                month = f"{aid[:4]}-{aid[4:6]}"
                s.add(
                    Appeal(
                        id=aid,
                        booking_id=aid.rsplit("-", 1)[0],
                        seq=int(aid.rsplit("-", 1)[1]),
                        month=month,
                        text=text,
                        category="服务需求",
                        status=status,
                        theme=theme,
                        problem_class=cls,
                        units=json.dumps(units or ([unit] if unit else []), ensure_ascii=False),
                        lead_unit=unit,
                        session_id=f"S{aid[:6]}-01",
                        round=rnd,
                        outcome=outcome,
                        resolved_on_spot=on_spot,
                        result="已办理" if closed else None,
                        closed_on=_d(closed),
                        created_at=at,
                        updated_at=at,
                    )
                )

            def handoff(
                aid: str, rnd: int, handed: str, units: list[str], due: str, original: str = ""
            ) -> None:
                on = date.fromisoformat(handed)
                s.add(
                    Handoff(
                        appeal_id=aid,
                        round=rnd,
                        handed_on=on,
                        units=json.dumps(units, ensure_ascii=False),
                        lead_unit=units[0],
                        joint=len(units) > 1,
                        extensions=1 if original else 0,
                    )
                )
                # The round's dues are its deadline rows: the plan (met), the report.
                for step, day in (("accept", on), ("report", date.fromisoformat(due))):
                    s.add(
                        Deadline(
                            appeal_id=aid,
                            round=rnd,
                            step=step,
                            unit=units[0],
                            start=on,
                            rule="fixed",
                            due=day,
                            done_on=on if step == "accept" else None,
                        )
                    )

            def rating(aid: str, rnd: int, service: str, handling: str) -> None:
                s.add(
                    Rating(
                        appeal_id=aid,
                        round=rnd,
                        service=service,
                        handling=handling,
                        rated_on=TODAY,
                        recorded_at=at,
                    )
                )

            appeal("202609-001-1", status="closed", unit=U1, theme=T1, on_spot=True,
                   outcome="已解决", closed="2026-09-22", cls="电费补贴兑现")  # fmt: skip
            appeal("202610-001-1", status="rated", unit=U1, theme=T1, on_spot=True,
                   outcome="已解决", closed="2026-10-20", cls="电费补贴兑现")  # fmt: skip
            s.flush()
            rating("202610-001-1", 1, "满意", "满意")
            appeal("202610-001-2", status="rated", unit=U1, theme=T1, outcome="已解决",
                   closed="2026-11-20", cls="电费补贴兑现")  # fmt: skip
            handoff("202610-001-2", 1, "2026-11-02", [U1], "2026-11-23")
            rating("202610-001-2", 1, "基本满意", "满意")
            appeal("202610-002-1", status="rated", unit=U2, theme=T1, outcome="已解决",
                   closed="2026-11-25", cls="用地审批")  # fmt: skip
            handoff("202610-002-1", 1, "2026-11-02", [U2], "2026-11-23")
            rating("202610-002-1", 1, "满意", "不满意")
            appeal("202610-002-2", status="closed", unit=U1, theme=T1, on_spot=True,
                   outcome="已解决", closed="2026-10-21")  # fmt: skip
            # Reopened: round 1 (U2) closed and rated 不满意, round 2 handed to U3, open.
            appeal("202610-003-1", status="handed_off", unit=U3, theme=T2, rnd=2)
            handoff("202610-003-1", 1, "2026-11-02", [U2], "2026-11-23")
            rating("202610-003-1", 1, "不满意", "不满意")
            handoff("202610-003-1", 2, "2026-11-24", [U3], "2026-12-15")
            appeal("202611-001-1", status="closed", unit=U2, theme=T2, outcome="已解决",
                   closed="2026-12-22", cls="@融资难", units=[U2, U3])  # fmt: skip
            handoff("202611-001-1", 1, "2026-11-16", [U2, U3], "2026-12-28", "2026-12-14")
            s.add(
                Extension(
                    appeal_id="202611-001-1",
                    round=1,
                    granted_on=date(2026, 12, 10),
                    old_due=date(2026, 12, 14),
                    new_due=date(2026, 12, 28),
                    reason="需联合现场踏勘",
                )
            )
            appeal("202611-002-1", status="undertaken", unit=U3, theme=T2, cls="用地审批")
            handoff("202611-002-1", 1, "2026-11-09", [U3], "2026-11-30")
            appeal("202611-002-2", status="handed_off", unit=U3, theme=T2, cls="电费补贴兑现")
            handoff("202611-002-2", 1, "2026-11-26", [U3], "2026-12-17")
            appeal("202612-001-1", status="rated", unit=U1, theme=T2, outcome="解释说明",
                   closed="2026-12-08", cls="+资质认定", text=HYPERLINK)  # fmt: skip
            handoff("202612-001-1", 1, "2026-12-01", [U1], "2026-12-22")
            rating("202612-001-1", 1, "基本满意", "基本满意")
            appeal("202612-002-1", status="triaged", unit=U2, theme=T1)
            appeal("202612-002-2", status="booked", unit=None, theme=T1)
            tx.record("test.scenario", "report", "2026Q4", {})
    finally:
        case.close()


# Each hand-off's report deadline, as the calendar computes it (checked by a test).
DEADLINES = [
    (date(2026, 11, 2), 15, date(2026, 11, 23)),
    (date(2026, 11, 16), 20, date(2026, 12, 14)),
    (date(2026, 11, 9), 15, date(2026, 11, 30)),
    (date(2026, 11, 26), 15, date(2026, 12, 17)),
    (date(2026, 12, 1), 15, date(2026, 12, 22)),
    (date(2026, 11, 24), 15, date(2026, 12, 15)),
]
