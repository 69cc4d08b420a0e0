"""Held days of the other channels (``event add``, ``event list``): a 企业接待日, 政企同心谈,
营商会客厅 or 走访 day a unit held (seed 003), with the appeals taken in at it.

Rules of ``event add`` (cli.md, "Additions"):

* the channel must be configured (``[channels]``) and be one that holds days: not 坐诊
  (its days are sessions: ``session plan``), and not a channel whose appeals come with
  the channel's own number (``number = true``: the 12345 hotline, the 投诉 line — work
  orders, not held days). Any other configured channel may record held days, with or
  without a cadence rule (a channel without one is simply not checked by ``audit
  cadence``);
* the day was held: not after ``--today``, and not before the case file's first year
  (the year of its first recorded act, ``init``). A held day may be any day — a 走访 or
  an 企业服务日 is often on a weekend — so rest days are accepted;
* units (the first leads) and the theme follow the names rule (configured, or
  ``--allow-new``); the same channel, day and units recorded twice (a command run again)
  is refused.

The ID is ``E{YYYYMM}-{NN}`` per month of the day. An event's appeals are those whose
booking names it (``booking.event_id``, set by ``intake --event``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from zuozhen import names as namelists
from zuozhen.config import LEDGER, ZUOZHEN
from zuozhen.errors import InputError, RuleError
from zuozhen.validation import clean_text

if TYPE_CHECKING:
    from zuozhen.config import Channel, Config
    from zuozhen.reports import Quarter
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Act, CaseFile, Tx


@dataclass(frozen=True, slots=True)
class Event:
    """One held day, with the appeals taken in at it."""

    id: str
    channel: str
    date: date
    units: list[str]
    lead: str | None
    theme: str | None
    appeals: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel,
            "date": self.date,
            "units": self.units,
            "lead_unit": self.units[0] if self.units else None,
            "lead": self.lead,
            "theme": self.theme,
            "appeals": self.appeals,
        }


@dataclass(frozen=True, slots=True)
class Added:
    event: Event
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        return {**self.event.as_json(), "warnings": self.warnings}


def event_channel(config: Config, name: str | None) -> Channel:
    """The configured channel that holds days, or a Chinese refusal saying which do."""
    text = (name or "").strip()
    if not text:
        raise InputError("请用 --channel 指定渠道，例如 --channel 接待日。")
    held = [c.name for c in config.channels if holds_days(c)]
    if text == ZUOZHEN:
        raise InputError(
            "坐诊的场次用 zuozhen session plan 安排，不用 event add；"
            f"event add 记录的是{'、'.join(held) or '其他渠道'}等举办的活动日。"
        )
    if text == LEDGER:
        raise InputError("台账不是举办活动的渠道：台账用 zuozhen ledger 管理。")
    channel = config.channel(text)
    if not holds_days(channel):
        raise InputError(
            f"渠道“{text}”按工单编号受理（如 12345 热线），没有举办的活动日，"
            f"其诉求用 zuozhen intake --channel {text} 录入；"
            f"可记录活动日的渠道：{'、'.join(held) or '（配置中没有）'}。"
        )
    return channel


def holds_days(channel: Channel) -> bool:
    """Whether a channel records held days: not 坐诊 (sessions), not a numbered one."""
    return channel.name != ZUOZHEN and not channel.number


def first_year(tx_or_reader: Any) -> int | None:
    """The case file's first year: the year of its first recorded act (``init``)."""
    from zuozhen.store.reader import Reader, as_date

    sql = "SELECT MIN(as_of) FROM trail"
    if isinstance(tx_or_reader, Reader):
        value = tx_or_reader.scalar(sql)
    else:
        from sqlalchemy import text

        value = tx_or_reader.session.execute(text(sql)).scalar()
    day = as_date(value)
    return None if day is None else day.year


def check_held_day(day: date, today: date, start_year: int | None) -> None:
    """A held day is not in the future nor before the case file's first year."""
    if day > today:
        raise InputError(
            f"活动日期 {day.isoformat()} 晚于今天（{today.isoformat()}）：event add 记录已经"
            "举办的活动，请在活动举办当天或之后录入（补录用 --today 指定录入日期）。"
        )
    if start_year is not None and day.year < start_year:
        raise InputError(
            f"活动日期 {day.isoformat()} 早于本案卷的起始年份 {start_year} 年：请检查年份。"
        )


def add_event(
    case: CaseFile,
    act: Act,
    *,
    channel: str,
    day: date,
    units: list[str],
    lead: str | None = None,
    theme: str | None = None,
    allow_new: bool = False,
) -> Added:
    """记录一个活动日 (``event add``): the rules of the module docstring."""
    from zuozhen.sessions import clean_units

    ch = event_channel(case.config, channel)
    names = clean_units(units)
    if not names:
        raise InputError("请至少指定一个举办单位：--unit 单位（可写多次，第一个为牵头单位）。")
    who = clean_text(lead, "带队领导", required=False, limit=100) or None
    topic = namelists.clean_name(theme, namelists.THEME) if theme is not None else None
    with case.write(act) as tx:
        check_held_day(day, act.today, first_year(tx))
        via = "event add"
        warnings = namelists.admit(tx, namelists.UNIT, names, allow_new=allow_new, via=via)
        if topic is not None:
            warnings += namelists.admit(tx, namelists.THEME, [topic], allow_new=allow_new, via=via)
        twin = _identical(tx, ch.name, day, names)
        if twin is not None:
            raise RuleError(
                f"{day.isoformat()} 已记录过{ch.name}活动 {twin}（{'、'.join(names)}），"
                f"本次未重复记录：可用 zuozhen event list 查看。"
            )
        event = _insert(tx, ch.name, day, names, who, topic)
    return Added(event, warnings)


def _identical(tx: Tx, channel: str, day: date, units: list[str]) -> str | None:
    from sqlmodel import select

    from zuozhen.models import ChannelEvent

    rows = tx.session.exec(
        select(ChannelEvent).where(ChannelEvent.channel == channel, ChannelEvent.date == day)
    ).all()
    for row in rows:
        if sorted(json.loads(row.units)) == sorted(units):
            return row.id
    return None


def _insert(
    tx: Tx, channel: str, day: date, units: list[str], lead: str | None, theme: str | None
) -> Event:
    from zuozhen.models import ChannelEvent

    month = f"{day.year:04d}-{day.month:02d}"
    n = tx.allocate(f"event:{month}")
    row = ChannelEvent(
        id=f"E{day.year:04d}{day.month:02d}-{n:02d}",
        channel=channel,
        month=month,
        date=day,
        units=json.dumps(units, ensure_ascii=False),
        lead_unit=units[0],
        lead=lead,
        theme=theme,
        created_at=tx.at,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.record(
        "event.add",
        "event",
        row.id,
        {"channel": channel, "date": day, "units": units, "lead": lead, "theme": theme},
    )
    return Event(row.id, channel, day, units, lead, theme)


def list_events(r: Reader, quarter: Quarter | None = None) -> list[Event]:
    """The held days (of a quarter, by date), each with its appeals (``booking.event_id``)."""
    from zuozhen.store.reader import as_date

    where, params = "", {}
    if quarter is not None:
        where = " WHERE v.month IN (:m0, :m1, :m2)"
        params = quarter.params()
    appeals: dict[str, list[str]] = {}
    for row in r.iter(
        "SELECT b.event_id, a.id FROM booking b JOIN appeal a ON a.booking_id = b.id"
        f" JOIN channel_event v ON v.id = b.event_id{where} ORDER BY a.id",
        params,
    ):
        appeals.setdefault(str(row["event_id"]), []).append(str(row["id"]))
    out = []
    for row in r.iter(
        f"SELECT v.id, v.channel, v.date, v.units, v.lead, v.theme FROM channel_event v{where}"
        " ORDER BY v.date, v.id",
        params,
    ):
        day = as_date(row["date"])
        assert day is not None
        out.append(
            Event(
                str(row["id"]),
                str(row["channel"]),
                day,
                list(json.loads(row["units"])),
                row["lead"],
                row["theme"],
                appeals.get(str(row["id"]), []),
            )
        )
    return out
