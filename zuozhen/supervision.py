"""Step 9 of the ten steps: 督办 — the daily list of time limits, 督办单 and 回访.

* ``daily_list``     the clerk's daily list of overdue and soon-due time limits
* ``dissatisfied``   dissatisfied ratings not yet re-visited
* 督办单, one per unit: supervision_notices.py
* ``revisit``        督办回访: the supervisors' re-visit, optionally reopening the appeal
* the cadence of held days (cadence.py): near a period's end, the units still short

The list is read from the stored ``deadline`` rows only (models.py): one range scan of the
partial index ``ix_deadline_open_due`` (open rows by due date) joined to appeal, booking and
enterprise, so it stays well under a second on 100,000 appeals. It runs on the ``Reader``
(plain sqlite3), never importing SQLAlchemy; ``revisit`` is an act and imports the writer
inside the function.

As of ``today``: *overdue* means due before today (the deadline is the end of its day);
*due soon* means due from today up to the N-th working day after today. Days overdue are
counted in working days (``WorkCalendar.workdays_between``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from zuozhen import appeals, names, states
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader, as_bool, as_date
from zuozhen.validation import clean_text

if TYPE_CHECKING:
    from zuozhen.cadence import CadenceRow
    from zuozhen.store.storage import Act, CaseFile

STEPS = (
    "triage",
    "verify",
    "schedule",
    "notify",
    "hear",
    "handoff",
    "accept",
    "report",
    "close",
    "rate",
    "revisit",
    "session",
)
STEP_LABELS = {
    "triage": "分办",
    "verify": "核实",
    "schedule": "排诊",
    "notify": "叫号",
    "hear": "坐诊结果",
    "handoff": "交办",
    "accept": "承办",
    "report": "反馈",
    "close": "销号",
    "rate": "评价",
    "revisit": "回访",
    "session": "场次改期",
}


def step_label(step: str) -> str:
    """The clerk's word for a step of the deadline table (核实, 叫号 …)."""
    return STEP_LABELS.get(step, step)


#: Steps a responsible unit answers for, so a 督办单 is addressed to it.
UNIT_STEPS = ("accept", "report")
#: The organiser's own steps: its clerks triage, verify, schedule, call up, record the
#: outcome, hand off, close and move sessions; listed under the organiser.
ORGANISER_STEPS = ("triage", "verify", "schedule", "notify", "hear", "handoff", "close", "session")
#: The rating is the enterprise's free act (seed 002 §四(二)): a reminder to invite it,
#: listed with no unit, never on a unit's 督办单.
NO_UNIT_STEPS = ("rate",)
#: How the human view heads the items with no unit.
NO_UNIT_GROUP = "诊后评价（企业自主评价，提醒邀请，不属单位责任）"

# The call-up of a session whose day has passed can no longer be made: from the day after
# it the appeal owes its outcome (step ``hear``), and the stale call-up is not listed
# (``start`` of a notify limit is the session day, rule ``before``).
_LIST_SQL = """
SELECT d.appeal_id, d.step, d.due, d.unit, d.provisional, d.round,
       a.lead_unit, a.status, a.session_id, a.booking_id,
       COALESCE(e.name, '台账：' || l.name) AS enterprise
FROM deadline d
JOIN appeal a ON a.id = d.appeal_id
JOIN booking b ON b.id = a.booking_id
LEFT JOIN enterprise e ON e.uscc = b.uscc
LEFT JOIN ledger l ON l.id = b.id
WHERE d.done_on IS NULL AND d.due <= :horizon AND NOT (d.step = 'notify' AND d.start < :today)
ORDER BY d.due, d.appeal_id, d.step
"""


@dataclass(frozen=True, slots=True)
class Item:
    """One open step: of an appeal, or (step ``session``) of a session with no appeal id."""

    appeal: str | None
    step: str
    due: date
    unit: str | None  # None: the enterprise's rating, no unit's duty
    enterprise: str
    provisional: bool
    round: int
    status: str
    days_overdue: int  # working days past due (0 when not overdue)
    days_left: int  # working days left (0 when due today or overdue)
    session: str | None = None  # the appeal's session; the session itself for step session


@dataclass(frozen=True, slots=True)
class Dissatisfied:
    appeal: str
    enterprise: str
    unit: str
    service: str
    handling: str
    comment: str | None
    rated_on: date
    revisit_due: date


@dataclass(frozen=True, slots=True)
class DailyList:
    today: date
    within: int
    horizon: date
    overdue: list[Item]
    due_soon: list[Item]
    dissatisfied: list[Dissatisfied] = field(default_factory=list)
    later: list[Item] = field(default_factory=list)  # beyond the horizon (``everything``)
    # Units still short of a channel's cadence in the period ending within the horizon.
    cadence: list[CadenceRow] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "today": self.today,
            "within": self.within,
            "horizon": self.horizon,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "later": self.later,
            "dissatisfied": self.dissatisfied,
            "cadence": self.cadence,
        }

    def by_unit(self) -> list[tuple[str, list[Item]]]:
        """Items grouped by unit (the ratings under ``NO_UNIT_GROUP``), the worst first."""
        groups: dict[str, list[Item]] = {}
        for item in [*self.overdue, *self.due_soon, *self.later]:
            groups.setdefault(item.unit or NO_UNIT_GROUP, []).append(item)
        for items in groups.values():
            items.sort(key=lambda i: (i.due, i.appeal or "", i.step))
        return sorted(groups.items(), key=lambda kv: (kv[1][0].due, kv[0]))


def answerable(step: str, unit: str | None, lead_unit: str | None, organiser: str) -> str | None:
    """Who answers for an open step: the organiser, the responsible unit, or (rating) no one."""
    if step in NO_UNIT_STEPS:
        return None
    if step in ORGANISER_STEPS:
        return unit or organiser
    return unit or lead_unit or organiser


def daily_list(
    r: Reader,
    today: date,
    within: int | None = None,
    unit: str | None = None,
    *,
    everything: bool = False,
) -> DailyList:
    """The daily audit list as of ``today``: overdue and due within ``within`` working days.

    ``everything``: also every open step due later (``later``), so that nothing open is
    out of sight (``audit --all``).
    """
    n = r.config.limits.due_soon if within is None else within
    if not 0 <= n <= 250:
        raise InputError(f"--within {n} 不合理：请写 0 到 250 之间的工作日数。")
    if unit is not None:
        unit = names.check_filter(r, names.UNIT, unit)  # a typo is refused, not "nothing due"
    cal = r.calendar
    horizon = cal.add_workdays(today, n).date if n else today
    organiser = r.config.organiser
    lists: dict[str, list[Item]] = {"overdue": [], "due_soon": [], "later": []}
    rank: dict[date, int] = {}  # working-day distance per due date, computed once each

    def add(item: Item) -> None:
        if unit is not None and item.unit != unit:
            return
        lists[_which(item.due, today, horizon)].append(item)

    def distance(due: date) -> tuple[int, int]:
        if due not in rank:
            rank[due] = (
                cal.workdays_between(due, today)
                if due < today
                else -cal.workdays_between(today, due)
            )
        dist = rank[due]
        return (max(dist, 0), 0) if due < today else (0, -dist)

    params = {"horizon": date.max if everything else horizon, "today": today}
    for row in r.iter(_LIST_SQL, params):
        due = as_date(row["due"])
        assert due is not None
        add(
            Item(
                row["appeal_id"],
                row["step"],
                due,
                answerable(row["step"], row["unit"], row["lead_unit"], organiser),
                row["enterprise"],
                as_bool(row["provisional"]),
                int(row["round"]),
                row["status"],
                *distance(due),
                session=row["session_id"],
            )
        )
    for s in sessions_on_rest_days(r):
        # To be moved or cancelled before its call-up is due, so enterprises hear in time.
        by = cal.notify_by(s.date, r.config.limits.notify_days)
        if everything or by.date <= horizon:
            add(
                Item(
                    None,
                    "session",
                    by.date,
                    organiser,
                    f"场次 {s.id}（{s.theme}）",
                    by.provisional,
                    1,
                    "planned",
                    *distance(by.date),
                    session=s.id,
                )
            )
    for items in lists.values():
        items.sort(key=lambda i: (i.due, i.appeal or "", i.step, i.session or ""))
    from zuozhen.cadence import due_soon as cadence_due

    return DailyList(
        today,
        n,
        horizon,
        lists["overdue"],
        lists["due_soon"],
        dissatisfied(r, unit),
        lists["later"],
        cadence_due(r, today, horizon, unit),
    )


def _which(due: date, today: date, horizon: date) -> str:
    if due < today:
        return "overdue"
    return "due_soon" if due <= horizon else "later"


@dataclass(frozen=True, slots=True)
class RestDaySession:
    id: str
    date: date
    theme: str


def sessions_on_rest_days(r: Reader) -> list[RestDaySession]:
    """Planned sessions on a day that is now a rest day (an official schedule loaded after
    they were planned), not yet held: each must be moved or cancelled (step ``session``).

    The audit's one query of this kind, kept in one function so that a domain function of
    ``sessions`` can take its place.
    """
    cal = r.calendar
    candidates = []
    for row in r.iter("SELECT id, date, theme FROM consultation WHERE status = 'planned'"):
        day = as_date(row["date"])
        assert day is not None
        if not cal.is_workday(day):
            candidates.append(RestDaySession(row["id"], day, row["theme"]))
    held_sql = "SELECT 1 FROM appeal WHERE session_id = :s AND heard_on IS NOT NULL LIMIT 1"
    return [s for s in candidates if r.one(held_sql, {"s": s.id}) is None]


def dissatisfied(r: Reader, unit: str | None = None) -> list[Dissatisfied]:
    """不满意 ratings whose re-visit is still open (whenever it falls due)."""
    rows = r.rows(
        """
        SELECT d.appeal_id, d.due, d.unit, a.lead_unit, e.name AS enterprise,
               t.service, t.handling, t.comment, t.rated_on
        FROM deadline d
        JOIN appeal a ON a.id = d.appeal_id
        JOIN booking b ON b.id = a.booking_id
        JOIN enterprise e ON e.uscc = b.uscc
        JOIN rating t ON t.appeal_id = d.appeal_id AND t.round = d.round
        WHERE d.done_on IS NULL AND d.step = 'revisit'
        ORDER BY d.due, d.appeal_id
        """
    )
    out = []
    for row in rows:
        who = row["unit"] or row["lead_unit"] or r.config.organiser
        if unit is not None and who != unit:
            continue
        rated_on, due = as_date(row["rated_on"]), as_date(row["due"])
        assert rated_on is not None and due is not None
        out.append(
            Dissatisfied(
                row["appeal_id"],
                row["enterprise"],
                who,
                row["service"],
                row["handling"],
                row["comment"],
                rated_on,
                due,
            )
        )
    return out


# 督办单: supervision_notices.py


@dataclass(frozen=True, slots=True)
class Revisited:
    appeal: str
    round: int
    reopened: bool
    new_round: int | None


# -- 9 督办回访 ----------------------------------------------------------------------------


def revisit(
    case: CaseFile, act: Act, appeal_id: str, *, note: str, reopen: bool = False
) -> Revisited:
    """督办回访; ``reopen`` sends the appeal back for a new hand-off round (rounds are kept)."""
    from zuozhen import duties
    from zuozhen.models import Revisit

    body = clean_text(note, "回访情况")
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        appeals.refuse_ledger_item(a.id, "回访")
        states.require(a.id, a.status, "reopen" if reopen else "revisit")
        old_round = a.round
        tx.session.add(
            Revisit(
                appeal_id=a.id, round=old_round, visited_on=tx.today, note=body, reopened=reopen
            )
        )
        duties.meet(tx, a.id, "revisit", tx.today)
        new_round = None
        if reopen:
            # This round's rating limit no longer applies; the closed round stays in the
            # handoff, closure, rating and revisit rows (and the trail) of ``old_round``.
            duties.drop(tx, a.id, "rate")
            a.round = new_round = old_round + 1
            a.outcome, a.result, a.closed_on = None, None, None
            appeals.set_status(tx, a, "reopened")
            duties.await_handoff(tx, a.id, tx.today, new_round)  # 再交有关部门办理
        else:
            a.updated_at = tx.at
            tx.session.add(a)
        tx.record(
            "audit.revisit",
            "appeal",
            a.id,
            {"round": old_round, "note": body, "reopened": reopen, "new_round": new_round},
        )
        return Revisited(a.id, old_round, reopen, new_round)
