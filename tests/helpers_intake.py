"""Helpers for the intake tests (book, import, triage): valid codes, bookings, sessions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from zuozhen import booking
from zuozhen.models import Consultation
from zuozhen.store.storage import Act, open_case_file
from zuozhen.validation import uscc_check_char

OPERATOR = "测试员"
HEADER = "企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容"


def uscc(n: int, area: str = "530100") -> str:
    """A valid 统一社会信用代码, distinct for each ``n``."""
    body = f"91{area}MA{n:07d}"
    return body + uscc_check_char(body)


def book(db: Path, day: date, n: int = 1, *texts: str, **kw: Any) -> booking.Booked:
    case = open_case_file(str(db))
    try:
        args: dict[str, Any] = {
            "enterprise": f"云南测试{n}号有限公司",
            "uscc": uscc(n),
            "contact": "王小明",
            "phone": "13812345678",
            "appeals": list(texts) or ["电费补贴迟迟未兑现"],
        }
        args.update(kw)
        return booking.book(case, Act(OPERATOR, day), **args)
    finally:
        case.close()


def add_session(
    db: Path, session_id: str, day: date, *, status: str = "planned", planned_on: date | None = None
) -> str:
    case = open_case_file(str(db))
    try:
        with case.write(Act(OPERATOR, planned_on or day)) as tx:
            tx.session.add(
                Consultation(
                    id=session_id,
                    month=day.strftime("%Y-%m"),
                    date=day,
                    kind="主场",
                    theme="政策兑现",
                    units=json.dumps(["省发展改革委"], ensure_ascii=False),
                    lead="张厅长",
                    start="09:00",
                    end="12:00",
                    place="云南省政务服务中心",
                    status=status,
                    created_at=tx.at,
                )
            )
            tx.record("session.plan", "session", session_id, {})
    finally:
        case.close()
    return session_id


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def row(
    n: int, text: str = "电费补贴迟迟未兑现", *, category: str = "政策咨询", **over: str
) -> str:
    cells = {
        "name": f"云南测试{n}号有限公司",
        "uscc": uscc(n),
        "contact": "王小明",
        "phone": "13812345678",
        "category": category,
        "text": text,
    }
    cells.update(over)
    return ",".join(cells.values())
