"""What every step shares about one appeal: its number, finding it, its units, its status.

``not_found`` is the one "no such appeal" message (with the appeals of the same booking
when a reader is at hand). ``load``, ``current_handoff``, ``set_status`` and
``close_and_await_rating`` are used inside a write transaction by the acts of steps 6–9.
This module is imported by the read path too, so the database stack is imported inside
the functions that need it.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from zuozhen.errors import InputError, NotFoundError, RuleError

if TYPE_CHECKING:
    from zuozhen.config import Limits
    from zuozhen.models import Appeal, Handoff
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Tx

ID_HINT = "诉求号形如 202610-007-1（挂号号-序号）；可用 zuozhen list 或 zuozhen search 关键词 查找"


def not_found(appeal_id: str, r: Reader | None = None) -> NotFoundError:
    """No appeal with this number; with a reader, the appeals of the same booking are named."""
    text = (appeal_id or "").strip()
    tip = ""
    if r is not None and re.fullmatch(r"\d{6}-\d{1,3}(-\d+)?", text):
        prefix = text.rsplit("-", 1)[0]
        near = _appeals_of_booking(r, prefix)
        if not near and text.count("-") == 1:
            near = _appeals_of_booking(r, text)
        if near:
            tip = f"该挂号下的诉求有：{'、'.join(near[:10])}。"
    return NotFoundError(f"没有诉求号为“{appeal_id}”的诉求：{ID_HINT}。{tip}")


def _appeals_of_booking(r: Reader, booking: str) -> list[str]:
    sql = "SELECT id FROM appeal WHERE booking_id = :b ORDER BY seq"
    return [row["id"] for row in r.rows(sql, {"b": booking})]


def unit_list(text: str | None) -> list[str]:
    """The stored JSON list of units (the first leads) as a list."""
    return list(_parse_units(text or "[]"))


@lru_cache(maxsize=4096)
def _parse_units(text: str) -> tuple[str, ...]:
    """Unit lists repeat across a month's thousands of rows: parse each distinct one once."""
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(u) for u in value) if isinstance(value, list) else ()


def refuse_repeats(units: list[str]) -> None:
    """A unit named twice is refused (the first named leads, so a repeat is a slip)."""
    dupes = sorted({u for u in units if units.count(u) > 1})
    if dupes:
        raise InputError(f"单位“{'、'.join(dupes)}”重复填写了：每个单位只写一次。")


#: SQL: the appeal ``a`` is not a ledger item (its booking is no ledger ``L2026-01``).
NOT_LEDGER_ITEM = "a.booking_id NOT LIKE 'L%'"
#: Ledger items found by their IDs' range (``L…``; other appeals' IDs begin with a digit or
#: ``J``): the primary key's index reads only them, where a LIKE would read every appeal.
LEDGER_ITEM_IDS = "{0}.id >= 'L' AND {0}.id < 'M'"
_LEDGER_ITEM = re.compile(r"L\d{4}-\d{2,}-\d{3,}")


def is_ledger_item(appeal_id: str) -> bool:
    """A ledger item (``L2026-01-003``): a tracked case with no enterprise, so no rating
    step and no re-visit (ledgers.py)."""
    return _LEDGER_ITEM.fullmatch(appeal_id) is not None


def refuse_ledger_item(appeal_id: str, what: str) -> None:
    """A step of enterprises only (评价, 回访) is refused for a ledger item."""
    if is_ledger_item(appeal_id):
        raise RuleError(
            f"{appeal_id} 是台账事项，没有企业评价和回访环节，不能{what}："
            f"销号后即办结，可用 zuozhen ledger show {appeal_id.rsplit('-', 1)[0]} 查看整改进度。"
        )


def units_json(units: list[str]) -> str:
    return json.dumps(units, ensure_ascii=False)


def due_join(alias: str, step: str, appeal: str = "a") -> str:
    """SQL: LEFT JOIN ``deadline`` as ``alias`` on the current round's plan or report deadline.

    ``step`` is ``accept`` (the plan, 承办) or ``report`` (反馈, as extended). These rows are
    the one place a hand-off's dues are kept (one of each per round, ``ux_deadline_handoff``),
    so the join adds at most one row per appeal.
    """
    assert step in ("accept", "report")
    return (
        f" LEFT JOIN deadline {alias} ON {alias}.appeal_id = {appeal}.id"
        f" AND {alias}.step = '{step}' AND {alias}.round = {appeal}.round"
    )


# -- inside a write transaction -----------------------------------------------------------


def load(tx: Tx, appeal_id: str) -> Appeal:
    """The appeal to change (locked on PostgreSQL), or the not-found refusal."""
    from zuozhen.models import Appeal

    key = (appeal_id or "").strip()
    row = tx.get(Appeal, key) if key else None
    if row is None:
        raise not_found(appeal_id)
    return row


def booked_on(tx: Tx, a: Appeal) -> date:
    """The booking date; nothing of an appeal is done before it was booked (refused)."""
    from zuozhen.models import Booking

    booking = tx.get(Booking, a.booking_id, lock=False)
    assert booking is not None
    if tx.today < booking.booked_on:
        raise RuleError(
            f"办理日期 {tx.today.isoformat()} 早于诉求 {a.id} 的挂号日期 "
            f"{booking.booked_on.isoformat()}：请检查 --today。"
        )
    return booking.booked_on


def current_handoff(tx: Tx, a: Appeal) -> Handoff:
    """The hand-off of the appeal's current round."""
    from sqlmodel import select

    from zuozhen.models import Handoff

    h = tx.session.exec(
        select(Handoff).where(Handoff.appeal_id == a.id, Handoff.round == a.round)
    ).first()
    if h is None:  # the state machine guarantees one; a damaged file otherwise
        raise RuleError(f"诉求 {a.id} 第 {a.round} 轮没有交办记录：请先 zuozhen assign to。")
    return h


def set_status(tx: Tx, a: Appeal, status: str) -> None:
    a.status = status
    a.updated_at = tx.at
    tx.session.add(a)


def close_and_await_rating(
    tx: Tx, a: Appeal, *, outcome: str, result: str, on_spot: bool = False
) -> date | None:
    """销号 (at the session or after the report): the round's result is kept (a reopen
    starts a new round, never erasing this one) and the enterprise's rating is expected —
    except for a ledger item, which has no enterprise to rate it (None)."""
    from zuozhen import duties
    from zuozhen.models import Closure

    a.outcome, a.result, a.closed_on = outcome, result, tx.today
    tx.session.add(
        Closure(
            appeal_id=a.id,
            round=a.round,
            outcome=outcome,
            result=result,
            closed_on=tx.today,
            on_spot=on_spot,
        )
    )
    set_status(tx, a, "closed")
    if is_ledger_item(a.id):
        return None
    limit = limits_of(tx, a).rate
    return duties.open_duty(
        tx, a.id, "rate", tx.today, limit, "wd", unit=a.lead_unit, round=a.round
    ).due


def limits_of(tx: Tx, a: Appeal) -> Limits:
    """The time limits an appeal runs under: its channel's (``config.channel``: an intake's
    channel may set its own), the programme's for 坐诊 bookings, ledger items and a channel
    no longer configured."""
    from sqlmodel import select

    from zuozhen.models import Booking

    config = tx.case.config
    channel = tx.session.exec(select(Booking.channel).where(Booking.id == a.booking_id)).first()
    if channel is None or channel == "坐诊":
        return config.limits
    for c in config.channels:
        if c.name == channel:
            return c.limits
    return config.limits
