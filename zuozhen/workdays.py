"""Dates that must fall on a working day, and the one refusal of a rest day.

A session is held on a working day (seed 002 §三(六)); a date a unit gives — the date it
promises to finish by (``assign accept --by``) or an extended report deadline (``assign
extend --to``) — is a time limit, and a time limit ends at the end of a working day
(民法典 art. 203: a period whose last day is a rest day ends on the next working day).
Rather than store a weekend and let the clerk wonder which day was meant, the date is
refused with the reason (周末, or the holiday's name) and the next working day named.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from zuozhen.deadlines import weekday_zh
from zuozhen.errors import RuleError

if TYPE_CHECKING:
    from zuozhen.deadlines import WorkCalendar


def rest_day_reason(cal: WorkCalendar, day: date) -> str | None:
    """Why ``day`` is not a working day (周末, 法定节假日（国庆节）…), or None if it is one."""
    info = cal.day(day)
    if info.workday:
        return None
    if info.kind == "holiday":
        return f"法定节假日（{info.name}）" if info.name else "法定节假日"
    return "周末"


def require_workday(cal: WorkCalendar, day: date, *, what: str, action: str, tip: str) -> None:
    """Refuse a rest day: "{what}2026-11-14（星期六）是周末，{action}：最近的工作日是
    2026-11-16（星期一），{tip}" — ``tip`` may use ``{next}`` for the next working day."""
    why = rest_day_reason(cal, day)
    if why is None:
        return
    nxt = cal.next_workday(day, include=False)
    raise RuleError(
        f"{what}{day.isoformat()}（{weekday_zh(day)}）是{why}，{action}："
        f"最近的工作日是 {nxt.isoformat()}（{weekday_zh(nxt)}），"
        + tip.format(next=nxt.isoformat())
    )
