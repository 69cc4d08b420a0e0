"""Step 2 of the ten steps: planning 坐诊 sessions (主场, 专场, 加诊) and the city's weekly cadence.

Rules (seed 002 §三(六), seed 000):

* a session is held on a working day of the official calendar (make-up days count) and
  lasts at least half a day (``cadence.session_min_hours``, 3 h by default);
* a month should have at least ``cadence.min_zhuchang`` 主场 and a number of 专场 within
  ``cadence.zhuanchang`` (2–3); 加诊 are extra. These are warnings, not refusals: the
  clerk plans the month one session at a time;
* the city cadence (``--weekly``) holds a session every ``cadence.weekday`` (Thursday);
  a Thursday that is a rest day is postponed (顺延) to the next working day that has no
  session. Each weekly session remembers the Thursday it stands for (``cadence_day``),
  so re-running the plan never duplicates, and a cancelled weekly session is not
  re-created. City departments take turns (市级部门轮流坐诊): without ``--unit`` the
  weekly sessions rotate through ``lists.units`` in order across the year;
* the same session planned twice (same date, kind, theme, units and hours as one not
  cancelled: a command run again) is refused unless ``again`` (``--again``), recorded;
* cancelling or postponing a session is ``reschedule``; how each session stands (计划,
  已举行, 待记录, 已取消, on a day that became a rest day), the list and the leading
  official's one text (``lead_text``) are ``session_status``.

Dates in the past are accepted (a clerk may record history) with a warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from zuozhen import names as namelists
from zuozhen.deadlines import weekday_zh
from zuozhen.errors import InputError, RuleError
from zuozhen.session_status import SessionInfo, session_info, status_of
from zuozhen.validation import clean_text, parse_time
from zuozhen.workdays import require_workday

if TYPE_CHECKING:
    from zuozhen.config import Config
    from zuozhen.deadlines import WorkCalendar
    from zuozhen.store.storage import Act, CaseFile, Tx

KINDS = ("主场", "专场", "加诊")
WEEKLY_THEME = "综合"
# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """``session plan --date``: the new session and what the clerk should look at."""

    session: SessionInfo
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {**self.session.as_json(), "warnings": self.warnings}


@dataclass(frozen=True, slots=True)
class WeeklyPlan:
    """``session plan --month --weekly``: sessions created, regular days already covered."""

    month: str
    sessions: list[SessionInfo]
    skipped: list[date]  # regular weekdays that already had their session
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "sessions": [s.as_json() for s in self.sessions],
            "skipped": self.skipped,
            "warnings": self.warnings,
        }


# -- checks ----------------------------------------------------------------------------


def check_kind(kind: str) -> str:
    text = (kind or "").strip()
    if text not in KINDS:
        raise InputError(
            f"坐诊类型“{kind}”不对：应为 {'、'.join(KINDS)} 之一"
            "（主场由厅局主要负责同志领衔，专场按主题开设，加诊为临时增加）。"
        )
    return text


def check_workday(cal: WorkCalendar, day: date) -> None:
    """A session is held on a working day; say why a rest day is one and what to pick."""
    require_workday(cal, day, what="", action="不安排坐诊", tip="请改用该日或其他工作日。")


def check_hours(start: str, end: str, minimum: float) -> tuple[str, str]:
    s = parse_time(start, "开始时间")
    e = parse_time(end, "结束时间")
    minutes = _minutes(e) - _minutes(s)
    if minutes <= 0:
        raise InputError(f"结束时间 {e} 应晚于开始时间 {s}，请检查 --start 和 --end。")
    if minutes < minimum * 60:
        raise RuleError(
            f"坐诊时长 {s}–{e} 只有 {_hours(minutes)}，少于半天（至少 {_hours(int(minimum * 60))}）："
            f"请延长时间，例如 --start {s} --end {_add(s, int(minimum * 60))}。"
        )
    return s, e


def _planned_hours(config: Config, start: str | None, end: str | None) -> tuple[str, str]:
    """The hours given, or the configured ones, checked by ``check_hours``."""
    return check_hours(
        start or config.default_start, end or config.default_end, config.session_min_hours
    )


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _add(hhmm: str, minutes: int) -> str:
    total = min(_minutes(hhmm) + minutes, 23 * 60 + 59)
    return f"{total // 60:02d}:{total % 60:02d}"


def _hours(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h} 小时" + (f" {m} 分钟" if m else "")


def clean_units(units: list[str] | None) -> list[str]:
    """Units as typed (repeated entries dropped); whether they are listed is ``admit``'s."""
    out: list[str] = []
    for raw in units or []:
        name = namelists.clean_name(raw, namelists.UNIT)
        if name not in out:
            out.append(name)
    return out


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def month_warnings(kinds: list[str], month: str, config: Config) -> list[str]:
    """主场/专场 counts of a month's planned sessions against the work plan (seed 002)."""
    out: list[str] = []
    zhu = kinds.count("主场")
    zhuan = kinds.count("专场")
    lo, hi = config.zhuanchang
    if zhu < config.min_zhuchang:
        out.append(
            f"{month} 目前{'没有' if zhu == 0 else f'只有 {zhu} 场'}主场"
            f"（工作方案要求每月至少 {config.min_zhuchang} 场主场），请补充安排。"
        )
    if not lo <= zhuan <= hi:
        side = "少于" if zhuan < lo else "多于"
        out.append(
            f"{month} 目前有 {zhuan} 场专场，{side}工作方案要求的 {lo}–{hi} 场"
            "（临时增加的请记为加诊）。"
        )
    return out


# -- rows ------------------------------------------------------------------------------


def month_kinds(tx: Tx, month: str) -> list[str]:
    from sqlmodel import select

    from zuozhen.models import Consultation

    rows = tx.session.exec(
        select(Consultation.kind).where(
            Consultation.month == month, Consultation.status == "planned"
        )
    ).all()
    return list(rows)


def _new_id(tx: Tx, day: date) -> str:
    n = tx.allocate(f"session:{month_of(day)}")
    return f"S{day.year:04d}{day.month:02d}-{n:02d}"


def _insert(
    tx: Tx,
    *,
    day: date,
    kind: str,
    theme: str,
    units: list[str],
    lead: str | None,
    start: str,
    end: str,
    cadence_day: date | None = None,
    note: str | None = None,
    again_of: str | None = None,
) -> SessionInfo:
    from zuozhen.models import Consultation

    row = Consultation(
        id=_new_id(tx, day),
        month=month_of(day),
        date=day,
        kind=kind,
        theme=theme,
        units=json.dumps(units, ensure_ascii=False),
        lead=lead,
        start=start,
        end=end,
        place=tx.case.config.place,
        cadence_day=cadence_day,
        note=note,
        created_at=tx.at,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.record(
        "session.plan",
        "session",
        row.id,
        {
            "date": day,
            "kind": kind,
            "theme": theme,
            "units": units,
            "lead": lead,
            "start": start,
            "end": end,
            "weekly": cadence_day is not None,
            "cadence_day": cadence_day,
            **({"again_of": again_of} if again_of else {}),
        },
    )
    return session_info(row, status=status_of("planned", day, tx.today, 0, 0))


def provisional_warning(cal: WorkCalendar, days: list[date]) -> list[str]:
    years = sorted({d.year for d in days if cal.is_provisional(d)})
    if not years:
        return []
    return [
        f"{'、'.join(map(str, years))} 年的国务院放假安排尚未载入，是否工作日按暂定日历判断；"
        "公布后请运行 zuozhen calendar load 文件.toml，并核对已安排的场次。"
    ]


def past_warning(day: date, today: date) -> list[str]:
    if day < today:
        return [
            f"{day.isoformat()} 早于今天（{today.isoformat()}），按补录历史场次处理；"
            "如是笔误请取消后重新安排。"
        ]
    return []


# -- acts ------------------------------------------------------------------------------


def plan_session(
    case: CaseFile,
    act: Act,
    *,
    day: date,
    kind: str,
    theme: str,
    units: list[str],
    lead: str | None = None,
    start: str | None = None,
    end: str | None = None,
    note: str | None = None,
    again: bool = False,
    allow_new: bool = False,
) -> Planned:
    """安排一场坐诊: refuse a rest day, less than half a day, an unknown kind, no units,
    names outside the configured lists (unless ``allow_new``), and a session identical to
    one already planned unless ``again``."""
    config = case.config
    kind = check_kind(kind)
    theme = namelists.clean_name(theme, namelists.THEME)
    names = clean_units(units)
    warnings: list[str] = []
    if not names:
        raise InputError("请至少指定一个联合坐诊单位：--unit 单位（可写多次，第一个为牵头单位）。")
    who = clean_text(lead, "领衔坐诊领导", required=False, limit=100) or None
    memo = clean_text(note, "备注", required=False, limit=500) or None
    s, e = _planned_hours(config, start, end)
    check_workday(case.calendar, day)
    warnings += past_warning(day, act.today)
    warnings += provisional_warning(case.calendar, [day])
    with case.write(act) as tx:
        warnings += _admit(tx, theme, names, allow_new)
        twin = identical(tx, day, kind, theme, names, s, e)
        if twin is not None and not again:
            raise RuleError(
                f"{day.isoformat()} 已安排过相同的场次 {twin}（{kind}“{theme}”，"
                f"{'、'.join(names)}，{s}–{e}），本次未重复安排：可用 zuozhen session list "
                f"--month {month_of(day)} 查看。确需再安排一场相同的，请加 --again（记入留痕）。"
            )
        same_day = planned_on(tx, day)
        if same_day:
            warnings.append(
                f"{day.isoformat()} 已有场次 {'、'.join(same_day)}，请确认两场时间、场地不冲突。"
            )
        info = _insert(
            tx,
            day=day,
            kind=kind,
            theme=theme,
            units=names,
            lead=who,
            start=s,
            end=e,
            note=memo,
            again_of=twin,
        )
        warnings += month_warnings(month_kinds(tx, info.month_key), info.month_key, config)
    return Planned(info, warnings)


def identical(
    tx: Tx, day: date, kind: str, theme: str, units: list[str], start: str, end: str
) -> str | None:
    """A session not cancelled with the same date, kind, theme, units (in any order: the
    same units are the same session whichever is typed first) and hours."""
    from sqlmodel import select

    from zuozhen.models import Consultation

    rows = tx.session.exec(
        select(Consultation)
        .where(Consultation.date == day, Consultation.status == "planned")
        .order_by(Consultation.id)
    ).all()
    for c in rows:
        same = (c.kind, c.theme, c.start, c.end) == (kind, theme, start, end)
        if same and sorted(json.loads(c.units or "[]")) == sorted(units):
            return c.id
    return None


def planned_on(tx: Tx, day: date) -> list[str]:
    from sqlmodel import select

    from zuozhen.models import Consultation

    return list(
        tx.session.exec(
            select(Consultation.id).where(
                Consultation.date == day, Consultation.status == "planned"
            )
        ).all()
    )


def plan_weekly(
    case: CaseFile,
    act: Act,
    *,
    year: int,
    month: int,
    kind: str = "专场",
    theme: str | None = None,
    units: list[str] | None = None,
    lead: str | None = None,
    start: str | None = None,
    end: str | None = None,
    allow_new: bool = False,
) -> WeeklyPlan:
    """The city cadence for a month: every configured weekday, a rest day postponed (顺延).

    Same rule as ``WorkCalendar.weekly_dates``, with the month's existing sessions as
    ``taken``: a regular weekday that already has its weekly session (``cadence_day``) or
    is a working day with any session is skipped, so re-running creates nothing new.
    """
    config = case.config
    cal = case.calendar
    kind = check_kind(kind)
    given = clean_text(theme, "坐诊主题", required=False, limit=100)
    subject = namelists.clean_name(given, namelists.THEME) if given else WEEKLY_THEME
    names = clean_units(units)
    warnings: list[str] = []
    who = clean_text(lead, "领衔坐诊领导", required=False, limit=100) or None
    s, e = _planned_hours(config, start, end)
    # The regular days and the postponement rule come from the calendar.
    regular_dates = [d.date for d in cal.month(year, month) if d.date.weekday() == config.weekday]
    key = f"{year:04d}-{month:02d}"
    with case.write(act) as tx:
        warnings += _admit(tx, subject, names, allow_new)
        chosen, skipped = _weekly_days(tx, cal, regular_dates)
        turns = _units_in_turn(tx, config, names, year, len(chosen))
        created = [
            _insert(
                tx,
                day=day,
                kind=kind,
                theme=subject,
                units=these,
                lead=who,
                start=s,
                end=e,
                cadence_day=d,
                note=None if day == d else f"{d.isoformat()}（{weekday_zh(d)}）遇节假日顺延",
            )
            for (day, d), these in zip(chosen, turns, strict=True)
        ]
        if not created:
            warnings.append(f"{key} 的每周坐诊已全部安排过，本次没有新增场次。")
        warnings += _year_warnings(tx, config, year)
    warnings += [w for w in past_warning(min(regular_dates), act.today) if created]
    warnings += provisional_warning(cal, [c.date for c in created])
    return WeeklyPlan(key, created, skipped, warnings)


def _admit(tx: Tx, theme: str, units: list[str], allow_new: bool) -> list[str]:
    """The theme and units must be on the configured lists (or added: ``allow_new``)."""
    via = "session plan"
    notes = namelists.admit(tx, namelists.THEME, [theme], allow_new=allow_new, via=via)
    return notes + namelists.admit(tx, namelists.UNIT, units, allow_new=allow_new, via=via)


def _weekly_days(
    tx: Tx, cal: WorkCalendar, regular_dates: list[date]
) -> tuple[list[tuple[date, date]], list[date]]:
    """The sessions to hold, as (session day, regular day it stands for) by date, and the
    regular days already covered. A regular day that is a rest day is postponed (顺延) to
    the next working day that has no session and is not itself a regular day."""
    from sqlmodel import col, select

    from zuozhen.models import Consultation

    existing = tx.session.exec(
        select(Consultation).where(
            col(Consultation.date) >= regular_dates[0],
            col(Consultation.date) <= regular_dates[-1] + _days(40),
        )
    ).all()
    covered = {c.cadence_day for c in existing if c.cadence_day is not None}
    taken = {c.date for c in existing if c.status == "planned"}
    working_regular = {d for d in regular_dates if cal.is_workday(d)}
    chosen: list[tuple[date, date]] = []
    skipped: list[date] = []
    for d in regular_dates:
        if d in covered or (d in working_regular and d in taken):
            skipped.append(d)
            continue
        if d in working_regular:
            day = d
        else:
            day = cal.next_workday(d, include=False)
            while day in taken or day in working_regular:
                day = cal.next_workday(day, include=False)
        taken.add(day)
        chosen.append((day, d))
    return sorted(chosen), skipped  # numbers follow the dates


def _units_in_turn(tx: Tx, config: Config, names: list[str], year: int, n: int) -> list[list[str]]:
    """The units of each of ``n`` new weekly sessions: those given, or else 市级部门轮流坐诊,
    one configured unit after another, going on from the year's sessions so far."""
    if names:
        return [names] * n
    first = _rotation_start(tx, year)
    return [[config.units[(first + k) % len(config.units)]] for k in range(n)]


def _year_warnings(tx: Tx, config: Config, year: int) -> list[str]:
    if config.sessions_per_year is None:
        return []
    count = _weekly_in_year(tx, year)
    if count <= config.sessions_per_year:
        return []
    return [
        f"{year} 年已安排每周坐诊 {count} 场，超过配置的全年 "
        f"{config.sessions_per_year} 场，请确认。"
    ]


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


def _rotation_start(tx: Tx, year: int) -> int:
    """How many weekly sessions the year already has: the next unit in the turn."""
    return _weekly_in_year(tx, year)


def _weekly_in_year(tx: Tx, year: int) -> int:
    from sqlalchemy import func
    from sqlmodel import col, select

    from zuozhen.models import Consultation

    return int(
        tx.session.exec(
            select(func.count()).where(
                col(Consultation.cadence_day).is_not(None),
                col(Consultation.cadence_day) >= date(year, 1, 1),
                col(Consultation.cadence_day) <= date(year, 12, 31),
            )
        ).one()
    )
