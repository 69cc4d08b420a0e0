"""The cadence of held days (``audit cadence``, and the daily ``audit`` near a period's end).

A channel with a cadence rule (config ``[channels]``: ``cadence`` half_month | month |
quarter, ``times`` per period; seed 003: 接待日 one day every half month, 同心谈 and
会客厅 once a quarter, 走访 three days a month) asks every unit of the configuration's
unit list (the active ones: seed 003 asks it of every department; a retired unit no
longer) to hold that many days in each period:

* periods: half-months are the 1st–15th and the 16th–last day of each month; months;
  the quarter;
* **held**: the distinct days, within the period and not after ``--today``, of the
  channel's events (``event add``) that name the unit among their units — an event held
  by several units counts for each, two events of one unit on one day count once;
* **ok**: held ≥ required. A period that has not ended yet (``ended`` false) may still be
  made up; the human view calls it 进行中, not 未达标.

The daily ``audit`` lists, for the period running today, the units still short when the
period ends within the audit's horizon (``--within`` working days, default due_soon).
"""

from __future__ import annotations

import calendar as _cal
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from zuozhen import names as namelists
from zuozhen.config import CADENCES

if TYPE_CHECKING:
    from zuozhen.config import Channel, Config
    from zuozhen.reports import Quarter
    from zuozhen.store.reader import Reader


@dataclass(frozen=True, slots=True)
class Period:
    code: str  # 2026-10-H1 | 2026-10 | 2026Q4
    label: str  # 10月上半月 | 10月 | 2026年第四季度
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class CadenceRow:
    channel: str
    unit: str
    period: Period
    required: int
    held: int
    ended: bool  # the period's last day is before --today

    @property
    def ok(self) -> bool:
        return self.held >= self.required

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "unit": self.unit,
            "period": self.period.code,
            "label": self.period.label,
            "from": self.period.start,
            "to": self.period.end,
            "required": self.required,
            "held": self.held,
            "ok": self.ok,
            "ended": self.ended,
        }


@dataclass(frozen=True, slots=True)
class CadenceReport:
    quarter: str
    as_of: date
    rows: list[CadenceRow]

    @property
    def shortfalls(self) -> list[CadenceRow]:
        """Periods ended short (a running period may still be made up)."""
        return [r for r in self.rows if r.ended and not r.ok]

    def as_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "as_of": self.as_of,
            "cadence": self.rows,
            "shortfalls": len(self.shortfalls),
        }


def _month_end(year: int, month: int) -> date:
    return date(year, month, _cal.monthrange(year, month)[1])


def month_periods(cadence: str, year: int, month: int) -> list[Period]:
    """The half-months or the month of one month (not for the quarterly cadence)."""
    key = f"{year:04d}-{month:02d}"
    last = _month_end(year, month)
    if cadence == "half_month":
        return [
            Period(f"{key}-H1", f"{month}月上半月", date(year, month, 1), date(year, month, 15)),
            Period(f"{key}-H2", f"{month}月下半月", date(year, month, 16), last),
        ]
    return [Period(key, f"{month}月", date(year, month, 1), last)]


def periods(cadence: str, quarter: Quarter) -> list[Period]:
    """The periods of a cadence within a quarter, in order."""
    if cadence == "quarter":
        return [Period(quarter.code, quarter.title, quarter.first_day, quarter.last_day)]
    out: list[Period] = []
    for m in range(3 * quarter.q - 2, 3 * quarter.q + 1):
        out += month_periods(cadence, quarter.year, m)
    return out


def period_of(cadence: str, day: date) -> Period:
    """The period of a cadence that ``day`` falls in."""
    from zuozhen.reports import Quarter

    if cadence == "quarter":
        return periods(cadence, Quarter(day.year, (day.month - 1) // 3 + 1))[0]
    return next(p for p in month_periods(cadence, day.year, day.month) if p.start <= day <= p.end)


def ruled(config: Config) -> list[Channel]:
    """The channels with a cadence rule, in configuration order."""
    return [c for c in config.channels if c.cadence in CADENCES]


def _held_days(r: Reader, first: date, last: date, today: date) -> dict[tuple[str, str], set[date]]:
    """(channel, unit) → the distinct days held between ``first`` and ``last`` (≤ today)."""
    from zuozhen.store.reader import as_date

    out: dict[tuple[str, str], set[date]] = {}
    for row in r.iter(
        "SELECT channel, date, units FROM channel_event WHERE date >= :a AND date <= :b",
        {"a": first, "b": min(last, today)},
    ):
        day = as_date(row["date"])
        assert day is not None
        for unit in json.loads(row["units"]):
            out.setdefault((str(row["channel"]), str(unit)), set()).add(day)
    return out


def _rows(
    r: Reader, periods_of: dict[str, list[Period]], today: date, unit: str | None
) -> list[CadenceRow]:
    config = r.config
    channels = [c for c in ruled(config) if c.name in periods_of]
    all_periods = [p for ps in periods_of.values() for p in ps]
    if not all_periods:
        return []
    first = min(p.start for p in all_periods)
    last = max(p.end for p in all_periods)
    held = _held_days(r, first, last, today)
    units = [unit] if unit is not None else list(namelists.listed(config, namelists.UNIT))
    out = []
    for c in channels:
        for u in units:
            days = held.get((c.name, u), set())
            for p in periods_of[c.name]:
                n = sum(1 for d in days if p.start <= d <= p.end)
                out.append(CadenceRow(c.name, u, p, c.times, n, p.end < today))
    return out


def cadence_report(r: Reader, quarter: Quarter, today: date) -> CadenceReport:
    """``audit cadence --quarter``: required and held per channel, unit and period."""
    quarter.require_started(today)
    periods_of = {c.name: periods(str(c.cadence), quarter) for c in ruled(r.config)}
    return CadenceReport(quarter.code, today, _rows(r, periods_of, today, None))


def due_soon(r: Reader, today: date, horizon: date, unit: str | None = None) -> list[CadenceRow]:
    """For the daily audit: in the period running today, the units still short when that
    period ends on or before ``horizon``."""
    periods_of = {}
    for c in ruled(r.config):
        p = period_of(str(c.cadence), today)
        if p.end <= horizon:
            periods_of[c.name] = [p]
    return [row for row in _rows(r, periods_of, today, unit) if not row.ok]
