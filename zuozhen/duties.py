"""Stored time limits (the ``deadline`` table): opening, meeting and replacing them.

Each step that the rules put under a time limit opens one row when its clock starts and
closes it when the act is done (late if after ``due``); an appeal that ends without being
closed (撤回, 作废, 合并) drops every open row (``drop_all``). The daily audit only reads these
rows. ``due`` is computed by the case file's WorkCalendar; ``provisional`` is kept so that
loading an official holiday schedule recomputes exactly what was estimated. A hand-off's
plan and report deadlines are kept nowhere else (``of_round`` reads them in an act).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from zuozhen.deadlines import Due
from zuozhen.errors import RuleError
from zuozhen.models import Deadline
from zuozhen.store import seal
from zuozhen.store.storage import Tx

RULES = ("wd", "cd", "before", "fixed")


def compute(tx: Tx, start: date, count: int, rule: str) -> Due:
    cal = tx.case.calendar
    if rule == "wd":
        return cal.add_workdays(start, count)
    if rule == "cd":
        return cal.add_calendar_days(start, count)
    if rule == "before":
        return cal.notify_by(start, count)
    raise ValueError(rule)


def open_duty(
    tx: Tx,
    appeal_id: str,
    step: str,
    start: date,
    count: int | None,
    rule: str,
    *,
    unit: str | None = None,
    round: int = 1,
    due: date | None = None,
) -> Deadline:
    """Start a time limit, replacing an open one of the same step."""
    replaced = _open(tx, appeal_id, step)
    for old in replaced:
        tx.session.delete(old)
    if replaced:  # gone before its successor is written (one per hand-off round, models.py)
        tx.session.flush()
    if rule == "fixed":
        assert due is not None
        provisional = False
    else:
        assert count is not None
        result = compute(tx, start, count, rule)
        due, provisional = result.date, result.provisional
    row = Deadline(
        appeal_id=appeal_id,
        round=round,
        step=step,
        unit=unit,
        start=start,
        count=count,
        rule=rule,
        due=due,
        provisional=provisional,
    )
    tx.session.add(row)
    tx.session.flush()
    return row


# -- the clocks that several acts start ----------------------------------------------------


def await_schedule(tx: Tx, appeal_id: str, start: date) -> Deadline:
    """排诊 owed: verified with no session, or its session cancelled (``limits.schedule``)."""
    return open_duty(tx, appeal_id, "schedule", start, tx.case.config.limits.schedule, "wd")


def await_hearing(tx: Tx, appeal_id: str, session_day: date) -> Deadline:
    """The outcome is owed once the session day is over (``limits.hear`` after it)."""
    return open_duty(tx, appeal_id, "hear", session_day, tx.case.config.limits.hear, "wd")


def await_handoff(tx: Tx, appeal_id: str, start: date, round: int) -> Deadline:
    """交办 owed: referred at the session, or reopened for a new round (``limits.handoff``)."""
    limit = tx.case.config.limits.handoff
    return open_duty(tx, appeal_id, "handoff", start, limit, "wd", round=round)


def open_many(tx: Tx, appeal_ids: list[str], step: str, start: date, count: int, rule: str) -> Due:
    """The same time limit for many new appeals at once (a bulk import), in one insert."""
    return open_groups(tx, {start: appeal_ids}, step, count, rule, {})[start]


def open_groups(
    tx: Tx,
    groups: dict[date, list[str]],
    step: str,
    count: int,
    rule: str,
    known: dict[date, Due],
) -> dict[date, Due]:
    """``open_many`` for several start dates in one insert (rows in ``groups`` order).

    ``known`` caches each start date's due date across calls (a bulk import computes each
    distinct date once); it is filled in and returned."""
    rows = []
    for start, appeal_ids in groups.items():
        due = known.get(start)
        if due is None:
            due = known[start] = compute(tx, start, count, rule)
        rows += [
            {
                "appeal_id": aid,
                "round": 1,
                "step": step,
                "unit": None,
                "start": start,
                "count": count,
                "rule": rule,
                "due": due.date,
                "provisional": due.provisional,
                "done_on": None,
                "late": False,
            }
            for aid in appeal_ids
        ]
    seal.insert_rows(tx.session, Deadline.__table__, rows)  # type: ignore[attr-defined]
    return known


def meet(tx: Tx, appeal_id: str, step: str, on: date) -> Deadline | None:
    """The act was done on ``on``: close the open limit; returns it (``late`` set)."""
    rows = _open(tx, appeal_id, step)
    for row in rows:
        row.done_on = on
        row.late = on > row.due
        tx.session.add(row)
    return rows[0] if rows else None


def drop(tx: Tx, appeal_id: str, step: str) -> None:
    """The limit no longer applies (e.g. the appeal left the step another way)."""
    for row in _open(tx, appeal_id, step):
        tx.session.delete(row)


def drop_all(tx: Tx, appeal_id: str) -> list[list[object]]:
    """The appeal ended (withdrawn, voided, merged) or its round did (a unit's return):
    every open limit is dropped. Returns ``[step, round, due]`` of each, for the trail."""
    rows = list(
        tx.session.exec(
            select(Deadline)
            .where(Deadline.appeal_id == appeal_id, col(Deadline.done_on).is_(None))
            .order_by(col(Deadline.id))
        ).all()
    )
    for row in rows:
        tx.session.delete(row)
    return [[row.step, row.round, row.due] for row in rows]


def current(tx: Tx, appeal_id: str, step: str) -> Deadline | None:
    rows = _open(tx, appeal_id, step)
    return rows[0] if rows else None


def of_round(tx: Tx, appeal_id: str, step: str, round: int) -> Deadline:
    """A hand-off round's plan (``accept``) or report deadline, met or not: its one row."""
    row = tx.session.exec(
        select(Deadline).where(
            Deadline.appeal_id == appeal_id, Deadline.step == step, Deadline.round == round
        )
    ).first()
    if row is None:  # hand_off writes both; a damaged file otherwise
        raise RuleError(
            f"诉求 {appeal_id} 第 {round} 轮交办缺少期限记录：案卷可能已损坏，"
            "请用 zuozhen verify 检查，或从备份恢复。"
        )
    return row


def _open(tx: Tx, appeal_id: str, step: str) -> list[Deadline]:
    return list(
        tx.session.exec(
            select(Deadline).where(
                Deadline.appeal_id == appeal_id,
                Deadline.step == step,
                col(Deadline.done_on).is_(None),
            )
        ).all()
    )
