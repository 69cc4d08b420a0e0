"""Helpers for the session / announce / notify tests.

Appeals are inserted directly through the models (enterprise, booking, appeal with status
``scheduled`` on a session) and the 'notify' limit is opened with ``duties.open_duty``,
as triage does, so these tests do not depend on ``book`` and ``triage``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from zuozhen import duties
from zuozhen.models import Appeal, Booking, Consultation, Enterprise
from zuozhen.sessions import plan_session
from zuozhen.store.storage import Act, open_case_file

OPERATOR = "测试员"


def act(today: date) -> Act:
    return Act(OPERATOR, today)


def plan(
    db: Path,
    day: date,
    kind: str = "主场",
    *,
    today: date = date(2026, 9, 20),
    theme: str = "政策兑现",
    units: tuple[str, ...] = ("省发展改革委",),
    start: str | None = None,
    end: str | None = None,
) -> str:
    case = open_case_file(str(db))
    try:
        return plan_session(
            case,
            act(today),
            day=day,
            kind=kind,
            theme=theme,
            units=list(units),
            start=start,
            end=end,
        ).session.id
    finally:
        case.close()


def add_appeal(
    db: Path,
    session_id: str,
    booking: str,
    *,
    k: int = 1,
    enterprise: str = "云南某某科技有限公司",
    contact: str = "王小明",
    phone: str = "13812345678",
    booked_on: date | None = None,
    status: str = "scheduled",
    open_notify: bool = True,
    today: date = date(2026, 9, 20),
) -> str:
    """One appeal of ``booking`` (enterprise created once per booking) on a session."""
    code = ("91530100" + booking.replace("-", "")).ljust(18, "0")[:18]
    month = f"{booking[:4]}-{booking[4:6]}"
    case = open_case_file(str(db))
    try:
        with case.write(act(today)) as tx:
            s = tx.get(Consultation, session_id)
            assert s is not None
            if tx.get(Enterprise, code) is None:
                tx.session.add(
                    Enterprise(
                        uscc=code,
                        name=enterprise,
                        contact=contact,
                        phone=phone,
                        created_at=tx.at,
                        updated_at=tx.at,
                    )
                )
            if tx.get(Booking, booking) is None:
                tx.session.add(
                    Booking(
                        id=booking,
                        month=month,
                        seq=int(booking[-3:]),
                        uscc=code,
                        booked_on=booked_on or date(int(booking[:4]), int(booking[4:6]), 1),
                        created_at=tx.at,
                    )
                )
            tx.session.flush()
            aid = f"{booking}-{k}"
            tx.session.add(
                Appeal(
                    id=aid,
                    booking_id=booking,
                    seq=k,
                    month=month,
                    text="电费补贴迟迟未兑现",
                    category="政策咨询",
                    status=status,
                    session_id=session_id,
                    created_at=tx.at,
                    updated_at=tx.at,
                )
            )
            tx.session.flush()
            if open_notify:
                duties.open_duty(
                    tx, aid, "notify", s.date, tx.case.config.limits.notify_days, "before"
                )
            tx.record("test.appeal", "appeal", aid, {})
    finally:
        case.close()
    return aid
