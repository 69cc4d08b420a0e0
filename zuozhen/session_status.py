"""Step 2 of the ten steps, as it stands: each 坐诊 session's status, and sessions on rest days.

The ``consultation`` row stores only whether a session was cancelled; every other status
follows from its day, ``--today`` and its appeals (``status_of``), so it is never stale:

* ``planned``    计划 — the day is ahead (or is today and outcomes are still to come);
* ``held``       已举行 — the day has come and every appeal on it has its outcome
  (``session hear``), at least one of them;
* ``unrecorded`` 待记录 — the day has passed and an appeal on it still waits for its
  outcome: the clerk must record what happened (or the enterprise did not come);
* ``no_appeals`` 已过（无诉求） — the day has passed and no appeal was heard or waits on it.
  Nothing in the case file shows that it was held, so it is not called 已举行;
* ``cancelled``  已取消 — cancelled (``reschedule.cancel_session``).

Apart from the status, a session not cancelled and not yet held whose day is a rest day on
the calendar is flagged 遇节假日，须改期 (``rest_day``): planned on a working day, it became
a holiday when the official schedule was loaded (``calendar load``). ``on_rest_days`` lists
those sessions for ``calendar load`` and ``audit``; ``session postpone`` moves them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from zuozhen.deadlines import weekday_zh
from zuozhen.states import STEPS

if TYPE_CHECKING:
    from zuozhen.deadlines import WorkCalendar
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Tx

#: A session's status code (JSON ``status``, stable) and the clerk's word for it.
STATUS_LABELS = {
    "planned": "计划",
    "held": "已举行",
    "unrecorded": "待记录",
    "no_appeals": "已过（无诉求）",
    "cancelled": "已取消",
}
REST_DAY_FLAG = "遇节假日，须改期"

#: An appeal waits for its outcome while ``session hear`` is its next step …
WAITING_STATES = STEPS["hear"].sources
#: … and has had it once it is in a state only a hearing leads to (or ``heard_on`` is set).
# States after a session's outcome; an enterprise recorded absent (未到场) shows the session
# took place as much as a hearing does.
HEARD_STATES = (
    "referred",
    "handed_off",
    "undertaken",
    "reported",
    "closed",
    "rated",
    "reopened",
    "absent",
)


def lead_text(lead: str | None, units: list[str]) -> str:
    """领衔: the official recorded with ``--lead``, else the leading unit's 负责同志 — the one
    text the announcement, the session list, the 记录表 and ``show`` all print."""
    if lead:
        return lead
    return f"{units[0]}负责同志" if units else "（待定）"


def status_of(stored: str, day: date, today: date, waiting: int, heard: int) -> str:
    """The status code of a session (see the module docstring)."""
    if stored == "cancelled":
        return "cancelled"
    if day > today or (day == today and (waiting or not heard)):
        return "planned"
    if waiting:
        return "unrecorded"
    return "held" if heard else "no_appeals"


def rest_day_name(calendar: WorkCalendar, day: date) -> str | None:
    """What makes ``day`` a rest day (春节, 周末 …), or None on a working day."""
    info = calendar.day(day)
    if info.workday:
        return None
    if info.kind == "holiday":
        return info.name or "法定节假日"
    return "周末"


# -- a session as the clerk reads it ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One session as the clerk reads it."""

    id: str
    date: dt.date
    kind: str
    theme: str
    units: list[str]
    lead: str | None
    start: str
    end: str
    place: str
    status: str = "planned"
    postponed_from: dt.date | None = None
    cadence_day: dt.date | None = None
    note: str | None = None
    appeals: int = 0
    waiting: int = 0  # appeals on it still waiting for their outcome (session hear)
    rest_day: str | None = None  # not held, and its day is a rest day: 春节, 周末 …

    @property
    def weekday(self) -> str:
        return weekday_zh(self.date)

    @property
    def month_key(self) -> str:
        return f"{self.date.year:04d}-{self.date.month:02d}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def lead_text(self) -> str:
        return lead_text(self.lead, self.units)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date,
            "weekday": self.weekday,
            "kind": self.kind,
            "theme": self.theme,
            "units": self.units,
            "lead": self.lead,
            "lead_text": self.lead_text,
            "start": self.start,
            "end": self.end,
            "place": self.place,
            "status": self.status,
            "status_label": self.status_label,
            "on_rest_day": self.rest_day is not None,
            "rest_day": self.rest_day,
            "flag": REST_DAY_FLAG if self.rest_day is not None else None,
            "postponed_from": self.postponed_from,
            "cadence_day": self.cadence_day,
            "note": self.note,
            "appeals": self.appeals,
            "waiting": self.waiting,
        }


def session_info(
    row: Any,
    appeals: int = 0,
    *,
    status: str | None = None,
    waiting: int = 0,
    rest_day: str | None = None,
) -> SessionInfo:
    """A ``consultation`` row (a result row or the model) as the clerk reads it; ``status``
    as derived by ``status_of``, else the stored one (planned or cancelled)."""
    from zuozhen.store.reader import as_date

    mapping = hasattr(row, "keys")

    def get(key: str) -> Any:
        return row[key] if mapping else getattr(row, key)

    day = as_date(get("date"))
    assert day is not None
    return SessionInfo(
        id=get("id"),
        date=day,
        kind=get("kind"),
        theme=get("theme"),
        units=list(json.loads(get("units") or "[]")),
        lead=get("lead"),
        start=get("start"),
        end=get("end"),
        place=get("place"),
        status=status or get("status"),
        postponed_from=as_date(get("postponed_from")),
        cadence_day=as_date(get("cadence_day")),
        note=get("note"),
        appeals=appeals,
        waiting=waiting,
        rest_day=rest_day,
    )


# -- reading ---------------------------------------------------------------------------


def _quoted(states: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in states)  # constants of the state machine, no input


_SESSIONS_SQL = f"""
SELECT c.*,
  (SELECT count(*) FROM appeal a WHERE a.session_id = c.id) AS n,
  (SELECT count(*) FROM appeal a WHERE a.session_id = c.id
     AND a.status IN ({_quoted(WAITING_STATES)})) AS waiting,
  (SELECT count(*) FROM appeal a WHERE a.session_id = c.id
     AND (a.heard_on IS NOT NULL OR a.status IN ({_quoted(HEARD_STATES)}))) AS heard
FROM consultation c
"""


def _rows(source: Reader | Tx, sql: str, params: dict[str, Any]) -> list[Any]:
    from zuozhen.store.reader import Reader

    if isinstance(source, Reader):
        return source.rows(sql, params)
    from sqlalchemy import text

    return list(source.session.connection().execute(text(sql), params).mappings())


def _read(
    source: Reader | Tx, calendar: WorkCalendar, today: date, where: list[str], params: Any
) -> list[SessionInfo]:
    sql = _SESSIONS_SQL + (" WHERE " + " AND ".join(where) if where else "")
    out = []
    for row in _rows(source, sql + " ORDER BY c.date, c.start, c.id", params):
        info = session_info(row)
        waiting, heard = int(row["waiting"] or 0), int(row["heard"] or 0)
        status = status_of(info.status, info.date, today, waiting, heard)
        # Once an appeal was heard the session took place; a cancelled one needs no new day.
        rest = None if status == "cancelled" or heard else rest_day_name(calendar, info.date)
        out.append(
            session_info(row, int(row["n"] or 0), status=status, waiting=waiting, rest_day=rest)
        )
    return out


def list_sessions(
    r: Reader,
    *,
    month: str | None = None,
    today: date | None = None,
    include_cancelled: bool = True,
) -> list[SessionInfo]:
    """Sessions (of a month), by date and time, each with its status as of ``today`` (the
    real date if not given), how many appeals it carries and whether it is on a rest day."""
    where = []
    params: dict[str, Any] = {}
    if month is not None:
        where.append("c.month = :month")
        params["month"] = month
    if not include_cancelled:
        where.append("c.status = 'planned'")
    return _read(r, r.calendar, today or date.today(), where, params)


@dataclass(frozen=True, slots=True)
class RestDaySession:
    """A session on a day that became a rest day: 遇节假日，须改期."""

    id: str
    date: dt.date
    kind: str
    theme: str
    rest_day: str  # 春节, 周末 …
    next_workday: dt.date  # the first working day after it, to suggest
    appeals: int  # appeals on it waiting for the session

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date,
            "weekday": weekday_zh(self.date),
            "kind": self.kind,
            "theme": self.theme,
            "rest_day": self.rest_day,
            "flag": REST_DAY_FLAG,
            "next_workday": self.next_workday,
            "appeals": self.appeals,
        }


def on_rest_days(
    source: Reader | Tx, calendar: WorkCalendar, *, since: date | None = None
) -> list[RestDaySession]:
    """Sessions not cancelled and not held (no appeal heard) whose day is a rest day on
    ``calendar`` — from ``since`` on, or all — by date. Works inside a write transaction
    (``calendar load`` lists them with the calendar it has just stored) and on the read
    path (``audit``'s step ``session``)."""
    where = ["c.status = 'planned'"]
    params: dict[str, Any] = {}
    if since is not None:
        where.append("c.date >= :since")
        params["since"] = since.isoformat()
    today = since or date.today()  # the status is not used here, only the flag
    return [
        RestDaySession(
            s.id,
            s.date,
            s.kind,
            s.theme,
            s.rest_day,
            calendar.next_workday(s.date, include=False),
            s.waiting,
        )
        for s in _read(source, calendar, today, where, params)
        if s.rest_day is not None
    ]


def month_check(r: Reader, month: str) -> list[str]:
    """The 主场/专场 warnings of a month, for listings."""
    from zuozhen.sessions import month_warnings

    kinds = [
        row["kind"]
        for row in r.rows(
            "SELECT kind FROM consultation WHERE month = :m AND status = 'planned'", {"m": month}
        )
    ]
    if not kinds:
        return []
    return month_warnings(kinds, month, r.config)
