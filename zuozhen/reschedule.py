"""Step 2 of the ten steps, when plans change: cancelling (取消) and postponing (改期) a session.

Both keep the session's appeals; their call-up must be redone. An appeal already called
up goes back to ``scheduled`` with ``renotify`` set; on a postponement the 'notify' and
'hear' time limits are re-opened for the new date; on a cancellation both are dropped and
the appeals stay on the cancelled session, owing ``schedule`` (排诊 within
``limits.schedule``), until the clerk re-schedules them (``zuozhen triage 诉求号 --session
场次``). A session that was already held (an appeal has its outcome) can be neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.session_status import HEARD_STATES, SessionInfo, session_info
from zuozhen.sessions import (
    check_hours,
    check_workday,
    month_kinds,
    month_of,
    month_warnings,
    past_warning,
    planned_on,
    provisional_warning,
)
from zuozhen.validation import clean_text

if TYPE_CHECKING:
    from zuozhen.store.storage import Act, CaseFile, Tx


@dataclass(frozen=True, slots=True)
class AffectedAppeal:
    appeal: str
    status: str
    renotify: bool
    notify_by: date | None


@dataclass(frozen=True, slots=True)
class Changed:
    """``session cancel`` / ``session postpone``: the session and its appeals."""

    action: str  # cancel | postpone
    session: SessionInfo
    old_date: date
    reason: str
    appeals: list[AffectedAppeal]
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "id": self.session.id,
            "date": self.session.date,
            "old_date": self.old_date,
            "status": self.session.status,
            "reason": self.reason,
            "session": self.session.as_json(),
            "appeals": [
                {
                    "appeal": a.appeal,
                    "status": a.status,
                    "renotify": a.renotify,
                    "notify_by": a.notify_by,
                }
                for a in self.appeals
            ],
            "warnings": self.warnings,
        }


def _load(tx: Tx, session_id: str) -> Any:
    from zuozhen.models import Consultation

    key = (session_id or "").strip().upper()
    row = tx.get(Consultation, key)
    if row is None:
        raise NotFoundError(
            f"没有场次 {session_id}：场次号形如 S202610-01，可用 zuozhen session list 查看。"
        )
    return row


def _appeals_of(tx: Tx, session_id: str) -> list[Any]:
    from sqlmodel import select

    from zuozhen.models import Appeal

    return list(
        tx.session.exec(
            select(Appeal).where(Appeal.session_id == session_id).order_by(Appeal.id)
        ).all()
    )


def _refuse_if_held(appeals: list[Any], session_id: str, verb: str) -> None:
    heard = [a.id for a in appeals if a.heard_on is not None or a.status in HEARD_STATES]
    if heard:
        raise RuleError(
            f"场次 {session_id} 已有诉求记录了坐诊结果（{'、'.join(heard[:5])}"
            f"{'等' if len(heard) > 5 else ''}），说明已经举行，不能{verb}。"
        )


def _call_up_again(
    tx: Tx,
    session_id: str,
    appeals: list[Any],
    action: str,
    detail: dict[str, Any],
    *,
    new_day: date | None = None,
) -> list[AffectedAppeal]:
    """An appeal's session moved: back to ``scheduled``, to be called up (again).

    On a cancellation (no ``new_day``) every waiting appeal must be called up again once it
    is re-scheduled and its call-up limit is dropped; on a postponement only those already
    called up are marked, and the limit is re-opened for the new day.
    """
    from zuozhen import duties

    limit = tx.case.config.limits.notify_days
    affected: list[AffectedAppeal] = []
    for a in appeals:
        if a.status not in ("scheduled", "notified"):
            continue
        was = a.status
        a.renotify = new_day is None or a.renotify or was == "notified"
        a.status = "scheduled"
        a.updated_at = tx.at
        tx.session.add(a)
        event = {"session": session_id, **detail, "was": was, "renotify": a.renotify}
        due = None
        if new_day is None:
            duties.drop(tx, a.id, "notify")
            duties.drop(tx, a.id, "hear")
            event["schedule_by"] = duties.await_schedule(tx, a.id, tx.today).due
        else:
            due = duties.open_duty(tx, a.id, "notify", new_day, limit, "before").due
            duties.await_hearing(tx, a.id, new_day)
            event["notify_by"] = due
        tx.record(action, "appeal", a.id, event)
        affected.append(AffectedAppeal(a.id, a.status, a.renotify, due))
    return affected


def cancel_session(case: CaseFile, act: Act, session_id: str, *, reason: str) -> Changed:
    """取消场次: its appeals stay on it, their call-up limit is dropped, 叫号 to be redone."""
    why = clean_text(reason, "取消原因", limit=500)
    with case.write(act) as tx:
        row = _load(tx, session_id)
        if row.status == "cancelled":
            raise RuleError(f"场次 {row.id} 已经取消过了，无需再次取消。")
        appeals = _appeals_of(tx, row.id)
        _refuse_if_held(appeals, row.id, "取消")
        row.status = "cancelled"
        row.note = f"已取消：{why}"
        tx.session.add(row)
        affected = _call_up_again(tx, row.id, appeals, "session.cancelled", {"reason": why})
        tx.record(
            "session.cancel",
            "session",
            row.id,
            {"date": row.date, "reason": why, "appeals": [x.appeal for x in affected]},
        )
        info = session_info(row, len(appeals))
        warnings = month_warnings(month_kinds(tx, row.month), row.month, case.config)
    return Changed("cancel", info, info.date, why, affected, warnings)


def postpone_session(
    case: CaseFile,
    act: Act,
    session_id: str,
    *,
    to: date,
    reason: str,
    start: str | None = None,
    end: str | None = None,
) -> Changed:
    """改期: same session number, new date; every appeal must be called up again."""
    why = clean_text(reason, "改期原因", limit=500)
    config = case.config
    check_workday(case.calendar, to)
    warnings = past_warning(to, act.today) + provisional_warning(case.calendar, [to])
    with case.write(act) as tx:
        row = _load(tx, session_id)
        if row.status == "cancelled":
            raise RuleError(
                f"场次 {row.id} 已取消，不能改期：请重新安排一场（zuozhen session plan …）。"
            )
        old = row.date
        s, e = check_hours(start or row.start, end or row.end, config.session_min_hours)
        if to == old and s == row.start and e == row.end:
            raise InputError(f"场次 {row.id} 本来就定于 {old.isoformat()} {s}–{e}，无需改期。")
        appeals = _appeals_of(tx, row.id)
        _refuse_if_held(appeals, row.id, "改期")
        same_day = [x for x in planned_on(tx, to) if x != row.id]
        if same_day:
            warnings.append(
                f"{to.isoformat()} 已有场次 {'、'.join(same_day)}，请确认两场时间、场地不冲突。"
            )
        old_month = row.month
        if row.postponed_from is None:
            row.postponed_from = old
        row.date, row.month, row.start, row.end = to, month_of(to), s, e
        row.note = f"改期：{why}"
        tx.session.add(row)
        moved = {"from": old, "to": to, "reason": why}
        affected = _call_up_again(tx, row.id, appeals, "session.postponed", moved, new_day=to)
        tx.record(
            "session.postpone",
            "session",
            row.id,
            {
                "from": old,
                "to": to,
                "start": s,
                "end": e,
                "reason": why,
                "appeals": [x.appeal for x in affected],
            },
        )
        info = session_info(row, len(appeals))
        for m in sorted({old_month, row.month}):
            warnings += month_warnings(month_kinds(tx, m), m, config)
    return Changed("postpone", info, old, why, affected, warnings)
