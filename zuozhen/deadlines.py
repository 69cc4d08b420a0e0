"""The working-day engine: official Chinese working days and statutory deadlines.

Counting rules (domain.md, "Counting periods"):

* "N个工作日内" counts working days of the official calendar: weekends and statutory
  holidays are off, the State Council's make-up working days (调休上班) are on.
* The day of the triggering act is not counted (民法典 art. 201); the deadline is the
  N-th working day after it.
* A period in calendar days whose last day is a rest day ends on the first working day
  after it (民法典 art. 203).

Where the data comes from, per Gregorian year:

1. a loaded :class:`Schedule` (a 国务院办公厅 notice typed into a TOML file) if any;
2. otherwise the package ``chinese-calendar`` for the years it knows (2004-2026 in 1.11);
3. otherwise a *provisional* calendar: weekends plus the statutory holidays of the 2024
   《全国年节及纪念日放假办法》 (元旦 1 day, 春节 除夕-初三, 清明, 劳动节 May 1-2, 端午,
   中秋, 国庆节 Oct 1-3), with lunar dates from :mod:`zuozhen.festivals`; no make-up days
   and no 补休 since those are only known once the notice is out.  Anything computed
   from a provisional year carries ``provisional=True`` and must be recomputed once the
   notice is loaded.

Implementation: one index over 1899-01-01 .. 2101-12-31 (a flag per day, the running
count of working days per day, and the sorted ordinals of all working days). It is built
once per process for the package data (about 5 ms) and rebuilt per instance only when
schedules are loaded. Every query is then a couple of list look-ups: no day-by-day loops.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress

from zuozhen.errors import InputError
from zuozhen.festivals import festival_dates

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "WEEKDAY_CHARS",
    "DayInfo",
    "Due",
    "Schedule",
    "WorkCalendar",
    "default_calendar",
    "package_schedule",
    "provisional_schedule",
    "weekday_zh",
]

#: First and last year the engine can compute in (inputs and results).
MIN_YEAR = 1899
MAX_YEAR = 2101
#: Years a schedule file may describe.
SCHEDULE_YEARS = (1900, 2100)

_BASE = dt.date(MIN_YEAR, 1, 1).toordinal()
_END = dt.date(MAX_YEAR + 1, 1, 1).toordinal()
_NDAYS = _END - _BASE
_WEEK = b"\x01\x01\x01\x01\x01\x00\x00"  # Monday .. Sunday

WEEKDAY_CHARS = "一二三四五六日"  # Monday .. Sunday

#: chinese-calendar's English holiday names -> the names the clerk uses.
_EN_TO_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

PROVISIONAL_SOURCE = (
    "暂定：按2024年《全国年节及纪念日放假办法》推算（未含调休与补休，以国务院办公厅通知为准）"
)


# ---------------------------------------------------------------------------------------
# Public value types


@dataclass(frozen=True, slots=True)
class Due:
    """A computed date; ``provisional`` if any day counted lies in a year without data."""

    date: dt.date
    provisional: bool


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One calendar day as the engine sees it."""

    date: dt.date
    workday: bool
    kind: str  # "workday" | "weekend" | "holiday" | "makeup" (调休上班)
    name: str | None  # Chinese holiday name for holidays, else None
    provisional: bool


@dataclass(frozen=True, slots=True)
class Schedule:
    """An official holiday schedule of one year (国务院办公厅 notice), loaded from a file."""

    year: int
    source: str
    holidays: dict[dt.date, str]  # date -> Chinese name ("" if unknown)
    workdays: frozenset[dt.date]  # make-up working days (weekend days that are worked)


# ---------------------------------------------------------------------------------------
# Data sources


def _en_to_zh(name: str) -> str:
    zh = _EN_TO_ZH.get(name)
    if zh is not None:
        return zh
    try:  # an English name added by a newer chinese-calendar
        import chinese_calendar

        return str(chinese_calendar.Holiday(name).chinese)
    except Exception:
        return name


@cache
def _package_data() -> tuple[dict[dt.date, str], frozenset[dt.date], int, int]:
    """chinese-calendar's holidays (Chinese names), make-up days and year range."""
    import chinese_calendar

    raw_holidays: dict[dt.date, str] = chinese_calendar.holidays
    raw_workdays: dict[dt.date, str] = chinese_calendar.workdays
    holidays = {d: _en_to_zh(name) for d, name in raw_holidays.items()}
    first = min(raw_holidays).year
    last = max(raw_holidays).year
    return holidays, frozenset(raw_workdays), first, last


def _provisional_holidays(year: int) -> dict[dt.date, str]:
    """Statutory holidays of ``year`` per the 2024 rules, with 补假 but without 调休.

    《全国年节及纪念日放假办法》 art. 6: a holiday for all citizens that falls on a
    Saturday or Sunday is made up on a working day (补假); we give the first weekday after
    the holiday block. The State Council's 调休 swaps cannot be predicted and are left out.
    """
    out: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    fest = festival_dates(year)
    if fest is not None:
        for k in range(4):
            out[fest.eve + dt.timedelta(days=k)] = "春节"
        out[fest.qingming] = "清明节"
    out[dt.date(year, 5, 1)] = "劳动节"
    out[dt.date(year, 5, 2)] = "劳动节"
    if fest is not None:
        out[fest.dragon_boat] = "端午节"
        out[fest.mid_autumn] = "中秋节"
    for day in (1, 2, 3):  # 国庆节 wins where 中秋 falls on it
        out[dt.date(year, 10, day)] = "国庆节"
    for when, name in sorted(out.items()):
        if when.weekday() < 5:
            continue
        extra = when + dt.timedelta(days=1)
        while extra in out or extra.weekday() >= 5:
            extra += dt.timedelta(days=1)
        out[extra] = name
    return out


def package_schedule(year: int, source: str | None = None) -> Schedule:
    """The year's official schedule as chinese-calendar knows it (for export to TOML)."""
    holidays, workdays, first, last = _package_data()
    if not first <= year <= last:
        raise InputError(
            f"chinese-calendar 只有 {first}–{last} 年的放假安排，没有 {year} 年的：请从国务院办公厅"
            f"通知整理 {year} 年的节假日安排文件后导入。"
        )
    if source is None:
        source = f"国务院办公厅关于{year}年部分节假日安排的通知（据 chinese-calendar 数据）"
    return Schedule(
        year=year,
        source=source,
        holidays={d: n for d, n in sorted(holidays.items()) if d.year == year},
        workdays=frozenset(d for d in workdays if d.year == year),
    )


def provisional_schedule(year: int) -> Schedule:
    """The provisional calendar the engine assumes for a year without data.

    Useful as a starting point for the clerk to edit once the notice is published.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(_range_message(year))
    return Schedule(
        year=year,
        source=PROVISIONAL_SOURCE,
        holidays=dict(sorted(_provisional_holidays(year).items())),
        workdays=frozenset(),
    )


# ---------------------------------------------------------------------------------------
# The index


def _weekend_flags(start_ordinal: int, length: int) -> bytearray:
    offset = (start_ordinal - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
    return bytearray((_WEEK * (length // 7 + 2))[offset : offset + length])


class _Index:
    """Flags, names and rank arrays over [_BASE, _END)."""

    __slots__ = ("dues", "flags", "names", "pprefix", "provisional", "rank", "wd", "year_end")

    def __init__(self, flags: bytearray, names: dict[int, str], provisional: list[bool]) -> None:
        self.flags = flags
        self.names = names  # day index -> holiday name ("" allowed), rest days only
        self.rank: list[int] = list(accumulate(flags))  # working days in [0, i]
        self.wd: list[int] = list(compress(range(_BASE, _END), flags))  # workday ordinals
        self.provisional = provisional  # per year from MIN_YEAR
        # pprefix[k]: number of provisional years among MIN_YEAR .. MIN_YEAR + k - 1
        self.pprefix: list[int] = [0, *accumulate(int(p) for p in provisional)]
        # year_end[k]: working days up to Dec 31 of MIN_YEAR + k (the rank of next Jan 1)
        self.year_end: list[int] = [
            self.rank[dt.date(y, 12, 31).toordinal() - _BASE] for y in range(MIN_YEAR, MAX_YEAR + 1)
        ]
        # dues[k]: the Due for the k-th working day when counted within its own year, filled
        # lazily (Due is immutable, so one object can be handed out many times)
        self.dues: list[Due | None] = [None] * len(self.wd)

    def due(self, k: int) -> Due:
        d = dt.date.fromordinal(self.wd[k])
        due = Due(d, self.provisional[d.year - MIN_YEAR])
        self.dues[k] = due
        return due


@cache
def _base_parts() -> tuple[bytearray, dict[int, str]]:
    holidays, workdays, first, last = _package_data()
    flags = _weekend_flags(_BASE, _NDAYS)
    names: dict[int, str] = {}
    for year in range(MIN_YEAR, MAX_YEAR + 1):
        if first <= year <= last:
            continue
        for d, name in _provisional_holidays(year).items():
            i = d.toordinal() - _BASE
            flags[i] = 0
            names[i] = name
    for d, name in holidays.items():
        i = d.toordinal() - _BASE
        flags[i] = 0
        names[i] = name
    for d in workdays:
        i = d.toordinal() - _BASE
        flags[i] = 1
        names.pop(i, None)
    return flags, names


def _provisional_years(loaded: Collection[int]) -> list[bool]:
    _, _, first, last = _package_data()
    return [not (first <= y <= last or y in loaded) for y in range(MIN_YEAR, MAX_YEAR + 1)]


@cache
def _base_index() -> _Index:
    flags, names = _base_parts()
    return _Index(flags, names, _provisional_years(()))


def _month_length(year: int, month: int) -> int:
    nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


def _from_index(i: int) -> dt.date:
    return dt.date.fromordinal(_BASE + i)


def _range_message(year: int) -> str:
    return f"{year} 年超出可计算的范围（{MIN_YEAR}–{MAX_YEAR} 年），请检查年份。"


# ---------------------------------------------------------------------------------------
# The calendar


class WorkCalendar:
    """Official working days, with loaded schedules overriding the package per year.

    Construction without schedules shares one process-wide index (built on first use,
    a few milliseconds). With schedules, the index is rebuilt for this instance.
    If two schedules name the same year, the later one wins.
    """

    __slots__ = ("_dues", "_flags", "_idx", "_loaded", "_names", "_pp", "_rank", "_wd", "_year_end")

    def __init__(self, schedules: Iterable[Schedule] = ()) -> None:
        by_year: dict[int, Schedule] = {}
        for s in schedules:
            by_year[s.year] = s
        if not by_year:
            idx = _base_index()
        else:
            base_flags, base_names = _base_parts()
            flags = bytearray(base_flags)
            names = dict(base_names)
            for _year, s in sorted(by_year.items()):
                _apply_schedule(flags, names, s)
            idx = _Index(flags, names, _provisional_years(by_year))
        self._idx = idx
        self._loaded = frozenset(by_year)
        self._flags = idx.flags
        self._names = idx.names
        self._rank = idx.rank
        self._wd = idx.wd
        self._pp = idx.pprefix
        self._year_end = idx.year_end
        self._dues = idx.dues

    # -- helpers ---------------------------------------------------------------------

    def _i(self, d: dt.date) -> int:
        i = d.toordinal() - _BASE
        if not 0 <= i < _NDAYS:
            raise InputError(
                f"日期 {d.isoformat()} 超出可计算的范围（{MIN_YEAR}–{MAX_YEAR} 年），请检查日期。"
            )
        return i

    def _prov(self, first_year: int, last_year: int) -> bool:
        """Whether any year in first_year..last_year is provisional."""
        pp = self._pp
        lo = max(first_year, MIN_YEAR) - MIN_YEAR
        hi = min(last_year, MAX_YEAR) - MIN_YEAR + 1
        return hi > lo and pp[hi] - pp[lo] > 0

    def _workday_at(self, k: int) -> dt.date:
        if not 0 <= k < len(self._wd):
            raise InputError(
                f"结果超出可计算的范围（{MIN_YEAR}–{MAX_YEAR} 年），请检查日期和天数。"
            )
        return dt.date.fromordinal(self._wd[k])

    @staticmethod
    def _check_count(n: int, what: str, minimum: int = 1) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
            raise InputError(f"{what}应为不小于 {minimum} 的整数，收到的是 {n!r}。")

    # -- single days -------------------------------------------------------------------

    def is_workday(self, d: dt.date) -> bool:
        """Whether ``d`` is a working day (make-up days included)."""
        return bool(self._flags[self._i(d)])

    def is_provisional(self, d: dt.date) -> bool:
        """Whether ``d``'s year has neither a loaded schedule nor package data."""
        self._i(d)
        return self._prov(d.year, d.year)

    def day(self, d: dt.date) -> DayInfo:
        """What kind of day ``d`` is, with the holiday name for holidays."""
        i = self._i(d)
        workday = bool(self._flags[i])
        name: str | None = None
        if workday:
            kind = "makeup" if d.weekday() >= 5 else "workday"
        elif i in self._names:
            kind = "holiday"
            name = self._names[i] or None
        else:
            kind = "weekend"
        return DayInfo(d, workday, kind, name, self._prov(d.year, d.year))

    def month(self, year: int, month: int) -> list[DayInfo]:
        """Every day of the month."""
        _check_month(year, month)
        ndays = _month_length(year, month)
        return [self.day(dt.date(year, month, k)) for k in range(1, ndays + 1)]

    # -- counting ----------------------------------------------------------------------

    def add_workdays(self, start: dt.date, n: int) -> Due:
        """The N-th working day after ``start`` (民法典 art. 201: start not counted).

        ``start`` may be a rest day: counting begins the next day either way. The result is
        provisional if any day from start+1 to the result lies in a provisional year.
        """
        i = start.toordinal() - _BASE
        if i < 0 or i >= _NDAYS or n.__class__ is not int or n < 1:
            self._i(start)
            self._check_count(n, "工作日天数")
        k = self._rank[i] + n - 1
        if k < self._year_end[start.year - MIN_YEAR]:
            # fast path: the due date lies in the start's own year (so do all counted days)
            return self._dues[k] or self._idx.due(k)
        due = self._workday_at(k)
        first = start.year + 1 if (start.month == 12 and start.day == 31) else start.year
        return Due(due, self._prov(first, due.year))

    def add_workdays_ordinals(self, starts: Sequence[int], ns: Sequence[int]) -> list[int]:
        """Batch fast path: due ordinals for start ordinals and day counts, pairwise.

        No validation per item beyond the index bounds (an out-of-range item raises
        InputError for the whole batch); no provisional flags: check them with
        :meth:`is_provisional` or :meth:`any_provisional` when needed.
        """
        rank = self._rank
        wd = self._wd
        if min(ns, default=1) < 1:
            raise InputError("工作日天数应为不小于 1 的整数。")
        try:
            if starts and (min(starts) < _BASE or max(starts) >= _END):
                raise IndexError
            return [wd[rank[s - _BASE] + n - 1] for s, n in zip(starts, ns, strict=True)]
        except IndexError:
            raise InputError(
                f"有日期或结果超出可计算的范围（{MIN_YEAR}–{MAX_YEAR} 年），请检查日期和天数。"
            ) from None

    def any_provisional(self, first: dt.date, last: dt.date) -> bool:
        """Whether any day in first..last (inclusive) lies in a provisional year."""
        return self._prov(first.year, last.year)

    def add_calendar_days(self, start: dt.date, n: int) -> Due:
        """``start`` + ``n`` calendar days, moved off rest days (民法典 art. 201 + 203).

        The day of the act is not counted. If the last day is a rest day, the period ends
        on the first working day after the rest block. Choice: weekends count as 法定休假日
        here (the usual reading of art. 203 and of the procedure laws), so a period ending
        on a Saturday ends on Monday, while a 调休 Saturday is a working day and stands.
        """
        self._check_count(n, "天数", minimum=0)
        i = self._i(start) + n
        if i >= _NDAYS:
            raise InputError(
                f"结果超出可计算的范围（{MIN_YEAR}–{MAX_YEAR} 年），请检查日期和天数。"
            )
        # a rest day: the first working day after the rest block
        due = self._workday_at(self._rank[i]) if not self._flags[i] else _from_index(i)
        first = start + dt.timedelta(days=1) if n else start
        return Due(due, self._prov(first.year, due.year))

    def notify_by(self, session_day: dt.date, days: int) -> Due:
        """Latest day to call up the enterprise "at least ``days`` days before" the session.

        ``session_day - days`` in calendar days; if that is not a working day, the previous
        working day, because the clerk cannot phone on a rest day (choosing the earlier day
        keeps the notice at least ``days`` days ahead). Provisional if any day from the
        result to the session lies in a provisional year.
        """
        self._check_count(days, "提前天数", minimum=0)
        i = self._i(session_day) - days
        if i < 0:
            raise InputError(f"结果超出可计算的范围（{MIN_YEAR}–{MAX_YEAR} 年），请检查日期。")
        if self._flags[i]:
            due = dt.date.fromordinal(_BASE + i)
        else:
            due = self._workday_at(self._rank[i] - 1)
        return Due(due, self._prov(due.year, session_day.year))

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        i = self._i(start)
        j = self._i(end)
        if j <= i:
            return 0
        return self._rank[j] - self._rank[i]

    def next_workday(self, d: dt.date, *, include: bool = True) -> dt.date:
        """``d`` itself if ``include`` and it is a working day, else the following one."""
        i = self._i(d)
        if include and self._flags[i]:
            return d
        return self._workday_at(self._rank[i])

    def previous_workday(self, d: dt.date, *, include: bool = True) -> dt.date:
        """``d`` itself if ``include`` and it is a working day, else the preceding one."""
        i = self._i(d)
        if include and self._flags[i]:
            return d
        return self._workday_at(self._rank[i] - 1 - self._flags[i])

    # -- months ------------------------------------------------------------------------

    def first_workdays(self, year: int, month: int, n: int) -> tuple[list[dt.date], bool]:
        """The first ``n`` working days of the month (booking window), provisional flag.

        Fewer than ``n`` dates if the month has fewer working days.
        """
        _check_month(year, month)
        self._check_count(n, "工作日天数")
        i0 = dt.date(year, month, 1).toordinal() - _BASE
        ndays = _month_length(year, month)
        r0 = self._rank[i0] - self._flags[i0]  # working days before the month
        r1 = self._rank[i0 + ndays - 1]  # working days up to its end
        days = [dt.date.fromordinal(o) for o in self._wd[r0 : min(r0 + n, r1)]]
        return days, self._prov(year, year)

    def weekly_dates(
        self, year: int, month: int, weekday: int, taken: Collection[dt.date] = ()
    ) -> list[Due]:
        """The city cadence: every ``weekday`` (0=Mon .. 6=Sun) of the month, 顺延 if off.

        A ``weekday`` that is a working day is kept as is. One that is a rest day is
        postponed to the next working day that is neither in ``taken`` nor already a
        session of this month (regular or postponed); a postponed date may fall in the
        next month. Sorted by date; provisional if any day from the regular date to the
        chosen one lies in a provisional year.
        """
        _check_month(year, month)
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise InputError(
                f"星期应为 0（星期一）到 6（星期日）之间的整数，收到的是 {weekday!r}。"
            )
        first = dt.date(year, month, 1)
        ndays = _month_length(year, month)
        regular = [
            first + dt.timedelta(days=k) for k in range((weekday - first.weekday()) % 7, ndays, 7)
        ]
        blocked = set(taken)
        chosen = {d for d in regular if self.is_workday(d)}
        out: list[Due] = []
        for d in regular:
            if d in chosen:
                out.append(Due(d, self._prov(d.year, d.year)))
                continue
            cand = self.next_workday(d, include=False)
            while cand in blocked or cand in chosen:
                cand = self.next_workday(cand, include=False)
            chosen.add(cand)
            out.append(Due(cand, self._prov(d.year, cand.year)))
        out.sort(key=lambda due: due.date)
        return out

    # -- data ------------------------------------------------------------------------

    def known_years(self) -> tuple[int, int]:
        """First and last year of the package (chinese-calendar) data."""
        _, _, first, last = _package_data()
        return first, last

    def years_loaded(self) -> set[int]:
        """Years overridden by a loaded schedule."""
        return set(self._loaded)


@cache
def weekday_zh(d: dt.date, prefix: str = "星期") -> str:
    """星期五 (or 周五 with ``prefix="周"``): the one weekday label of every output."""
    return prefix + WEEKDAY_CHARS[d.weekday()]


def default_calendar() -> WorkCalendar:
    """A process-wide calendar with no loaded schedules."""
    return WorkCalendar()


def _check_month(year: int, month: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(_range_message(year) if isinstance(year, int) else f"年份无效：{year!r}。")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InputError(f"月份应为 1 到 12 之间的整数，收到的是 {month!r}。")


def _apply_schedule(flags: bytearray, names: dict[int, str], s: Schedule) -> None:
    if not MIN_YEAR <= s.year <= MAX_YEAR:
        raise InputError(
            f"节假日安排的年份 {s.year} 超出可计算的范围（{MIN_YEAR}–{MAX_YEAR} 年）。"
        )
    o0 = dt.date(s.year, 1, 1).toordinal()
    o1 = dt.date(s.year + 1, 1, 1).toordinal()
    i0, i1 = o0 - _BASE, o1 - _BASE
    flags[i0:i1] = _weekend_flags(o0, o1 - o0)
    for i in range(i0, i1):
        names.pop(i, None)
    for d, name in s.holidays.items():
        if d.year != s.year:
            raise InputError(f"{s.year} 年的节假日安排里有别的年份的日期 {d.isoformat()}，请改正。")
        i = d.toordinal() - _BASE
        flags[i] = 0
        names[i] = name
    for d in s.workdays:
        if d.year != s.year:
            raise InputError(f"{s.year} 年的节假日安排里有别的年份的日期 {d.isoformat()}，请改正。")
        i = d.toordinal() - _BASE
        flags[i] = 1
        names.pop(i, None)
