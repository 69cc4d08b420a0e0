"""Loading an official holiday schedule into the case file (``calendar load``).

The State Council publishes next year's schedule around November; until chinese-calendar
ships it, deadlines in that year are computed on a provisional calendar and flagged. When
the clerk loads the official schedule, it is stored in the case file (preferred over the
package from then on) and every stored deadline that was provisional is recomputed from
its start, count and rule; each change is recorded in the audit trail. A hand-off's plan
and report deadlines are among those rows (kept nowhere else), so they follow.

What the clerk is told (``LoadResult``): the deadlines whose date moved (``changed``, in
her words: 叫号, 承办, 反馈 …); how many kept their date and are now final instead of
provisional (``confirmed``, not listed: nothing to do about them); and every session not
yet held that now falls on a rest day (``sessions_on_rest_days``), to be postponed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select

from zuozhen.deadlines import Due, Schedule, WorkCalendar
from zuozhen.errors import RuleError
from zuozhen.models import Deadline, HolidaySchedule
from zuozhen.schedules import parse_schedule
from zuozhen.session_status import RestDaySession, on_rest_days
from zuozhen.store.reader import Reader
from zuozhen.store.storage import Act, CaseFile
from zuozhen.supervision import step_label


@dataclass(frozen=True, slots=True)
class Changed:
    """A deadline whose date moved with the new calendar."""

    appeal: str
    step: str
    old: date
    new: date
    provisional: bool

    @property
    def step_label(self) -> str:
        return step_label(self.step)

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "step": self.step,
            "step_label": self.step_label,
            "old": self.old,
            "new": self.new,
            "provisional": self.provisional,
        }


@dataclass(frozen=True, slots=True)
class LoadResult:
    year: int
    source: str
    holidays: int
    workdays: int
    replaced: bool
    recomputed: int  # deadlines looked at
    changed: list[Changed]  # … whose date moved
    confirmed: int  # … whose date stayed and is now final (no longer provisional)
    sessions_on_rest_days: list[RestDaySession]


def recompute(calendar: WorkCalendar, d: Deadline) -> Due | None:
    """The deadline's due date on ``calendar``, or None for a fixed date."""
    if d.count is None or d.rule == "fixed":
        return None
    if d.rule == "wd":
        return calendar.add_workdays(d.start, d.count)
    if d.rule == "cd":
        return calendar.add_calendar_days(d.start, d.count)
    if d.rule == "before":
        return calendar.notify_by(d.start, d.count)
    raise RuleError(f"未知的期限规则“{d.rule}”。")


def load_schedule(case: CaseFile, act: Act, toml_text: str) -> LoadResult:
    schedule: Schedule = parse_schedule(toml_text)
    with case.write(act) as tx:
        s = tx.session
        existing = tx.get(HolidaySchedule, schedule.year)
        replaced = existing is not None
        if existing is not None:
            s.delete(existing)
            s.flush()
        s.add(
            HolidaySchedule(
                year=schedule.year,
                source=schedule.source,
                toml=toml_text,
                loaded_on=act.today,
                loaded_at=tx.at,
                loaded_by=act.operator,
            )
        )
        calendar = Reader.inside(tx).calendar  # with the schedule just written
        moved = on_rest_days(tx, calendar)
        tx.record(
            "calendar.load",
            "holiday_schedule",
            str(schedule.year),
            {
                "source": schedule.source,
                "holidays": len(schedule.holidays),
                "workdays": len(schedule.workdays),
                "replaced": replaced,
                "sessions_on_rest_days": [m.id for m in moved],
            },
        )
        changed: list[Changed] = []
        confirmed = 0
        rows = s.exec(select(Deadline).where(col(Deadline.provisional).is_(True))).all()
        if replaced:  # a corrected official schedule: recompute that year's deadlines too
            rows = list(rows) + list(
                s.exec(
                    select(Deadline).where(
                        col(Deadline.provisional).is_(False),
                        col(Deadline.due) >= date(schedule.year, 1, 1),
                        col(Deadline.start) <= date(schedule.year, 12, 31),
                    )
                ).all()
            )
        for d in rows:
            due = recompute(calendar, d)
            if due is None or (due.date == d.due and due.provisional == d.provisional):
                continue
            if due.date == d.due:
                confirmed += 1
            else:
                changed.append(Changed(d.appeal_id, d.step, d.due, due.date, due.provisional))
            old = d.due
            d.due, d.provisional = due.date, due.provisional
            s.add(d)
            tx.record(
                "deadline.recompute",
                "appeal",
                d.appeal_id,
                {
                    "step": d.step,
                    "old": old,
                    "new": due.date,
                    "provisional": due.provisional,
                    "year": schedule.year,
                },
            )
    case.forget_calendar()
    return LoadResult(
        schedule.year,
        schedule.source,
        len(schedule.holidays),
        len(schedule.workdays),
        replaced,
        len(rows),
        changed,
        confirmed,
        moved,
    )
