"""Helpers for the handling tests: appeals set up directly through the models.

Intake (book/triage/notify) has its own tests; here an appeal only needs to exist in the
state a handling step starts from. ``scheduled_appeal`` inserts an enterprise, a booking,
a session and an appeal with status ``scheduled``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from zuozhen.models import Appeal, Booking, Consultation, Enterprise
from zuozhen.store.storage import Act, open_case_file

OPERATOR = "测试员"


def add_session(
    db: Path | str,
    session_id: str,
    day: date,
    *,
    lead: str = "张厅长",
    units: tuple[str, ...] = ("省发展改革委",),
) -> str:
    case = open_case_file(str(db))
    try:
        with case.write(Act(OPERATOR, day)) as tx:
            if tx.get(Consultation, session_id) is None:
                tx.session.add(
                    Consultation(
                        id=session_id,
                        month=day.strftime("%Y-%m"),
                        date=day,
                        kind="主场",
                        theme="政策兑现",
                        units=json.dumps(list(units), ensure_ascii=False),
                        lead=lead,
                        start="09:00",
                        end="12:00",
                        place="云南省政务服务中心",
                        created_at=tx.at,
                    )
                )
                tx.record("session.plan", "session", session_id, {})
    finally:
        case.close()
    return session_id


def scheduled_appeal(
    db: Path | str,
    booking: str,
    *,
    session: str,
    session_day: date,
    enterprise: str = "云南某某科技有限公司",
    uscc: str | None = None,
    texts: tuple[str, ...] = ("电费补贴迟迟未兑现",),
    status: str = "scheduled",
    booked_on: date | None = None,
) -> list[str]:
    """Insert a booking with one appeal per text, scheduled for ``session``."""
    add_session(db, session, session_day)
    code = uscc or ("91530100" + booking.replace("-", "").ljust(10, "0"))[:18]
    month = f"{booking[:4]}-{booking[4:6]}"
    day = booked_on or date(int(booking[:4]), int(booking[4:6]), 1)
    case = open_case_file(str(db))
    ids = []
    try:
        with case.write(Act(OPERATOR, day)) as tx:
            if tx.get(Enterprise, code) is None:
                tx.session.add(
                    Enterprise(
                        uscc=code,
                        name=enterprise,
                        contact="王小明",
                        phone="13812345678",
                        region="昆明市",
                        created_at=tx.at,
                        updated_at=tx.at,
                    )
                )
                tx.session.flush()
            tx.session.add(
                Booking(
                    id=booking,
                    month=month,
                    seq=int(booking[7:]),
                    uscc=code,
                    booked_on=day,
                    created_at=tx.at,
                )
            )
            tx.session.flush()
            for k, text in enumerate(texts, 1):
                aid = f"{booking}-{k}"
                tx.session.add(
                    Appeal(
                        id=aid,
                        booking_id=booking,
                        seq=k,
                        month=month,
                        text=text,
                        category="政策咨询",
                        status=status,
                        theme="政策兑现",
                        session_id=session,
                        verified_on=day,
                        created_at=tx.at,
                        updated_at=tx.at,
                    )
                )
                ids.append(aid)
            tx.record("book", "booking", booking, {"appeals": ids})
    finally:
        case.close()
    return ids
