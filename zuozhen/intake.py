"""受理 (intake): appeals from every channel other than 坐诊, one act at a time.

An appeal that comes in through a 12345 work order, a complaint line, a 接待日, 同心谈,
会客厅 or 走访 day, or a 监督员 goes into the same loop as a 坐诊 booking (cli.md,
"Additions"). One ``intake`` act is one booking row of the channel (``booking.channel``,
ID ``J{YYYYMM}-{NNNN}`` from the counter ``intake:{YYYY-MM}`` of the intake month) holding
one or more appeals ``J202612-0001-1`` in state ``received`` (已受理), which owe the
``triage`` step (分办) within the channel's ``verify`` limit (the same clock a 坐诊
booking's triage runs on), counted from the intake date. ``triage --unit`` then makes the
appeal ``referred`` (待交办), and ``assign to`` hands it off as usual.

Rules (each refused with nothing changed):

* the channel must be configured (``Config.channel``) and not ``坐诊`` (``book`` takes those);
* a channel with its own numbers (``number = true``: 12345, 投诉) needs ``ref`` (工单编号),
  one without them takes none; a number already in the case file for the channel is
  refused, naming the appeal that has it;
* ``event`` names a held day (``channel_event``) of the same channel, not after the intake;
* the intake date (``day``, default ``--today``) is not in the future, not before the year
  the case file was begun in, and not in an earlier year whose official calendar is not
  loaded (its deadlines could not be counted);
* the enterprise as for ``book``: credit-code check, a known code with another name or
  phone refused unless ``update_enterprise``, namesakes warned about, near-identical texts
  pointed out with the ``merge`` command (``booking``, ``enterprises``, ``withdrawal``).

``resolved`` (即办) closes the appeals at once: outcome 已解决, an on-the-spot closure row
like a session's 现场答复解决, and the rating expected within the channel's ``rate`` limit.
The bulk import of a channel's export is ``intake_import``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from zuozhen import appeals, duties, enterprises, withdrawal
from zuozhen.booking import (
    _appeal_texts,
    add_appeals,
    admit_applicant,
    category_of,
    check_applicant,
)
from zuozhen.config import LEDGER, ZUOZHEN, Channel, Config
from zuozhen.deadlines import WorkCalendar
from zuozhen.enterprises import Applicant
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.models import Booking, ChannelEvent, Trail
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import clean_text, mask_phone, month_key

REF_LIMIT = 40


def channel_of(config: Config, name: str | None) -> Channel:
    """The configured channel an intake names; 坐诊 is refused (it books with ``book``)."""
    value = (name or "").strip()
    if not value:
        raise InputError(
            f"请用 --channel 指定诉求来源渠道：{'、'.join(c.name for c in intake_channels(config))}。"
        )
    if value == ZUOZHEN:
        raise RuleError(
            "坐诊诉求请用 zuozhen book 挂号（或 zuozhen book --from-csv 导入网上专窗的挂号）；"
            "intake 受理坐诊以外渠道的诉求。"
        )
    if value == LEDGER:
        raise RuleError("台账事项请用 zuozhen ledger 命令登记，不用 intake 受理。")
    return config.channel(value)


def intake_channels(config: Config) -> list[Channel]:
    return [c for c in config.channels if c.name != ZUOZHEN]


def clean_ref(channel: Channel, ref: str | None) -> str | None:
    """The channel's own number: required where the channel has numbers, refused where not."""
    value = (ref or "").strip()
    if channel.number and not value:
        raise InputError(
            f"“{channel.name}”渠道的诉求带渠道自己的编号：请用 --ref 填写（如 12345 工单编号）。"
        )
    if not channel.number and value:
        raise InputError(
            f"“{channel.name}”渠道不使用渠道编号，--ref “{value}”无处记录：请去掉 --ref"
            "（如该渠道确有编号，请在配置 [channels] 中设 number = true）。"
        )
    if not value:
        return None
    if len(value) > REF_LIMIT or any(ch.isspace() for ch in value):
        raise InputError(f"编号“{value}”不合理：应为 {REF_LIMIT} 个字符以内、不含空格的工单编号。")
    return value


def first_year(tx: Tx) -> int:
    """The year the case file was begun in (its first trail event's date)."""
    first = tx.session.exec(select(func.min(Trail.as_of))).one()
    return first.year if first is not None else tx.today.year


def date_problem(day: date, today: date, start_year: int, calendar: WorkCalendar) -> str:
    """Why ``day`` cannot be an intake date ('' when it can)."""
    if day > today:
        return (
            f"受理日期 {day.isoformat()} 晚于办理日期 {today.isoformat()}（--today）："
            "不能受理未来的诉求，请核对日期"
        )
    if day.year < start_year:
        return (
            f"受理日期 {day.isoformat()} 早于本案卷启用的 {start_year} 年：更早的诉求不在本案卷办理"
        )
    past = day.year < today.year and day.year not in calendar.years_loaded()
    if past and calendar.is_provisional(day):
        return (
            f"受理日期 {day.isoformat()} 所在的 {day.year} 年没有载入官方放假安排，期限无法计算："
            f"请先用 zuozhen calendar load 载入 {day.year} 年的放假安排"
        )
    return ""


def check_date(tx: Tx, day: date) -> None:
    why = date_problem(day, tx.today, first_year(tx), tx.case.calendar)
    if why:
        raise RuleError(why + "。")


def load_event(tx: Tx, channel: Channel, event_id: str, day: date) -> ChannelEvent:
    """The held day an intake came from: of the same channel, not after the intake date."""
    key = event_id.strip().upper()
    ev = tx.get(ChannelEvent, key, lock=False) if key else None
    if ev is None:
        raise NotFoundError(
            f"没有编号为“{event_id}”的活动：活动编号形如 E202612-01，"
            "可用 zuozhen event list 查看已登记的接待日、同心谈、会客厅、走访活动。"
        )
    if ev.channel != channel.name:
        raise RuleError(
            f"活动 {ev.id} 是“{ev.channel}”渠道的活动，不是“{channel.name}”：请核对 --channel 或 --event。"
        )
    if ev.date > day:
        raise RuleError(
            f"活动 {ev.id} 在 {ev.date.isoformat()} 举行，晚于受理日期 {day.isoformat()}："
            "请核对 --date（不填则按活动日期受理）。"
        )
    return ev


def ref_holder(tx: Tx, channel: str, ref: str) -> Booking | None:
    return tx.session.exec(
        select(Booking).where(Booking.channel == channel, Booking.ref == ref)
    ).first()


# -- the act ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Taken:
    booking: str
    channel: str
    ref: str | None
    event: str | None
    appeals: list[str]
    texts: list[str]
    category: str
    enterprise: str
    uscc: str
    contact: str
    phone: str  # masked
    received_on: date
    status: str  # received, or closed (即办)
    triage_due: date | None
    rate_due: date | None
    provisional: bool
    changed: dict[str, list[str | None]]
    skipped: list[str]
    warnings: list[str]
    duplicates: list[withdrawal.Duplicate]

    def as_json(self) -> dict[str, Any]:
        return {
            "booking": self.booking,
            "channel": self.channel,
            "ref": self.ref,
            "event": self.event,
            "appeals": self.appeals,
            "enterprise": self.enterprise,
            "uscc": self.uscc,
            "category": self.category,
            "received_on": self.received_on,
            "status": self.status,
            "triage_due": self.triage_due,
            "rate_due": self.rate_due,
            "provisional": self.provisional,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "duplicates": [d.as_json() for d in self.duplicates],
        }


@dataclass(frozen=True, slots=True)
class _Given:
    channel: Channel
    who: Applicant
    category: str
    texts: list[str]
    skipped: list[str]
    ref: str | None
    event: str | None
    day: date | None
    resolved: str | None


def intake(
    case: CaseFile,
    act: Act,
    *,
    channel: str,
    enterprise: str,
    uscc: str,
    contact: str,
    phone: str,
    appeals: list[str],
    ref: str | None = None,
    event: str | None = None,
    day: date | None = None,
    category: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    resolved: str | None = None,
    allow_new: bool = False,
    update_enterprise: bool = False,
) -> Taken:
    """受理: record the enterprise's appeals as they came in through ``channel``."""
    config = case.config
    ch = channel_of(config, channel)
    who = check_applicant(
        config,
        enterprise=enterprise,
        uscc=uscc,
        contact=contact,
        phone=phone,
        region=region,
        industry=industry,
    )
    texts, skipped = _appeal_texts(appeals)
    answer = clean_text(resolved, "即办答复内容（--resolved）") if resolved is not None else None
    given = _Given(
        ch,
        who,
        category_of(config, category),
        texts,
        skipped,
        clean_ref(ch, ref),
        event,
        day,
        answer,
    )
    with case.write(act) as tx:
        notes, changed = admit_applicant(
            tx, who, allow_new=allow_new, update=update_enterprise, via="intake"
        )
        return _intake(tx, given, notes, changed)


def _intake(tx: Tx, g: _Given, warnings: list[str], changed: enterprises.Changes) -> Taken:
    ev = None
    day = g.day
    if g.event is not None:
        ev = load_event(tx, g.channel, g.event, day or tx.today)
        day = day or ev.date
    day = day or tx.today
    check_date(tx, day)
    if g.ref is not None:
        holder = ref_holder(tx, g.channel.name, g.ref)
        if holder is not None:
            raise RuleError(
                f"{g.channel.name} 编号 {g.ref} 已受理过（{holder.id}，{holder.booked_on.isoformat()}）："
                f"请用 zuozhen search {g.ref} 查看，不要重复受理。"
            )
    had = withdrawal.known_texts(tx, [g.who.uscc]).get(g.who.uscc, [])
    month = month_key(day.year, day.month)
    n = tx.allocate(f"intake:{month}")
    booking = Booking(
        id=f"J{day.year:04d}{day.month:02d}-{n:04d}",
        month=month,
        seq=n,
        uscc=g.who.uscc,
        booked_on=day,
        source="窗口",
        created_at=tx.at,
        channel=g.channel.name,
        ref=g.ref,
        event_id=ev.id if ev else None,
    )
    tx.session.add(booking)
    tx.session.flush()
    ids = add_appeals(tx, booking, g.texts, g.category, "received")
    limits = g.channel.limits
    triage_due = rate_due = None
    provisional = False
    for aid in ids:
        if g.resolved is not None:
            a = appeals.load(tx, aid)
            a.resolved_on_spot = True
            rate_due = appeals.close_and_await_rating(
                tx, a, outcome="已解决", result=g.resolved, on_spot=True
            )
        else:
            d = duties.open_duty(tx, aid, "triage", day, limits.verify, "wd")
            triage_due, provisional = d.due, bool(d.provisional)
    if g.skipped:
        warnings.append(
            f"{len(g.skipped)} 项诉求与本次所填其他诉求相同，未重复登记：{'；'.join(g.skipped)}"
        )
    duplicates = withdrawal.likely_duplicates(list(zip(ids, g.texts, strict=True)), had)
    warnings += [d.warning() for d in duplicates]
    status = "closed" if g.resolved is not None else "received"
    tx.record(
        "intake",
        "booking",
        booking.id,
        {
            "channel": g.channel.name,
            "ref": g.ref,
            "event": booking.event_id,
            "received_on": day,
            "uscc": g.who.uscc,
            "enterprise": g.who.name,
            "appeals": ids,
            "category": g.category,
            "resolved": g.resolved,
            "triage_due": triage_due,
            "rate_due": rate_due,
            "enterprise_changes": changed,
            "skipped": g.skipped,
        },
    )
    return Taken(
        booking=booking.id,
        channel=g.channel.name,
        ref=g.ref,
        event=booking.event_id,
        appeals=ids,
        texts=g.texts,
        category=g.category,
        enterprise=g.who.name,
        uscc=g.who.uscc,
        contact=g.who.contact,
        phone=mask_phone(g.who.phone),
        received_on=day,
        status=status,
        triage_due=triage_due,
        rate_due=rate_due,
        provisional=provisional,
        changed=changed,
        skipped=g.skipped,
        warnings=warnings,
        duplicates=duplicates,
    )
