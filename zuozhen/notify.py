"""Step 5 叫号提醒 (call-up): who must be told the session's time, place and slot, by when.

Seed 002 §三(五): the enterprise's responsible person is told by phone or SMS **at least
3 days before** the session (``limits.notify_days``). The limit is stored as the appeal's
'notify' deadline (rule ``before``: the session day minus N calendar days, moved back to
a working day because nobody phones on a rest day); ``late`` means today is past it.

* An appeal is *to be called up* while it is ``scheduled`` on a planned session that has
  not yet taken place; ``renotify`` marks those whose session moved (the message then says
  so). Appeals already ``notified`` are listed separately, as done.
* Slots (顺序号) follow the booking order within the session: one slot per enterprise (an
  enterprise with three appeals, even of two bookings, comes once), numbered 1..n.
* One message per enterprise per session (``CallMessage``): its slot and the appeals it
  comes with, so an enterprise with three appeals gets one SMS, not three. The list and
  ``--json`` stay one item per appeal (each carrying its enterprise's message).
* ``zuozhen.notify_batch.export_batch`` writes the SMS gateway's batch file, one row per
  message (full mobile numbers, recorded in the trail).
* ``record_sent`` records the call-up of many appeals in one transaction: every pending
  one in scope, or those named with ``--appeal`` together with the other appeals their
  enterprise comes with to the same session (one SMS told it about all of them).

SMS length: a message of up to 70 characters is one SMS; a longer one is sent as a
concatenated SMS of 67-character segments (the rest of each 70 carries the join header).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zuozhen.deadlines import weekday_zh
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.files.outfiles import write_bytes
from zuozhen.store.reader import Reader
from zuozhen.validation import mask_name, mask_phone

if TYPE_CHECKING:
    from zuozhen.config import Config
    from zuozhen.store.storage import Act, CaseFile, Tx

CHANNELS = ("短信", "电话")
LISTED = 3  # appeals named in one SMS; more are counted (…等 5 件)
SMS_SINGLE = 70
SMS_SEGMENT = 67


def sms_segments(text: str) -> int:
    n = len(text)
    if n <= SMS_SINGLE:
        return 1
    return math.ceil(n / SMS_SEGMENT)


def is_mobile(phone: str) -> bool:
    return len(phone) == 11 and phone.isdigit() and phone.startswith("1")


@dataclass(frozen=True, slots=True)
class CallItem:
    """One appeal to call up (or already called up) for one session."""

    appeal: str
    booking: str
    enterprise: str
    uscc: str
    contact: str  # full; masked in every output but the gateway batch
    phone: str  # full; masked in every output but the gateway batch
    session: str
    session_date: date
    start: str
    end: str
    place: str
    slot: int
    notify_by: date
    late: bool
    renotify: bool
    status: str
    text: str
    notified_on: date | None = None
    channel: str | None = None

    @property
    def contact_masked(self) -> str:
        return mask_name(self.contact)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def segments(self) -> int:
        return sms_segments(self.text)

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "booking": self.booking,
            "enterprise": self.enterprise,
            "contact": self.contact_masked,
            "phone": self.phone_masked,
            "session": self.session,
            "session_date": self.session_date,
            "start": self.start,
            "end": self.end,
            "place": self.place,
            "slot": self.slot,
            "notify_by": self.notify_by,
            "late": self.late,
            "renotify": self.renotify,
            "status": self.status,
            "notified_on": self.notified_on,
            "channel": self.channel,
            "text": self.text,
            "chars": self.chars,
            "segments": self.segments,
        }


@dataclass(frozen=True, slots=True)
class CallMessage:
    """One SMS: one enterprise called up for one session, with the appeals it comes with."""

    session: str
    session_date: date
    slot: int
    enterprise: str
    contact: str  # full
    phone: str  # full
    appeals: list[str]  # those to be called up, in order
    text: str
    notify_by: date
    late: bool


def messages(items: Sequence[CallItem]) -> list[CallMessage]:
    """The items grouped into one message per enterprise and session, in slot order."""
    groups: dict[tuple[str, str], list[CallItem]] = {}
    for i in items:
        groups.setdefault((i.session, i.uscc), []).append(i)
    out = [
        CallMessage(
            session=g[0].session,
            session_date=g[0].session_date,
            slot=g[0].slot,
            enterprise=g[0].enterprise,
            contact=g[0].contact,
            phone=g[0].phone,
            appeals=[i.appeal for i in g],
            text=g[0].text,
            notify_by=min(i.notify_by for i in g),
            late=any(i.late for i in g),
        )
        for g in groups.values()
    ]
    return sorted(out, key=lambda m: (m.session_date, m.session, m.slot))


@dataclass(frozen=True, slots=True)
class CallList:
    """``notify``: the pending call-ups, those done, and appeals stranded on cancelled sessions."""

    today: date
    session: str | None
    items: list[CallItem]
    done: list[CallItem]
    stranded: list[str] = field(default_factory=list)

    @property
    def messages(self) -> list[CallMessage]:
        return messages(self.items)

    def as_json(self) -> dict[str, Any]:
        return {
            "today": self.today,
            "session": self.session,
            "items": [i.as_json() for i in self.items],
            "messages": [
                {
                    "session": m.session,
                    "slot": m.slot,
                    "enterprise": m.enterprise,
                    "phone": mask_phone(m.phone),
                    "appeals": m.appeals,
                    "text": m.text,
                    "chars": len(m.text),
                    "segments": sms_segments(m.text),
                }
                for m in self.messages
            ],
            "notified": [i.as_json() for i in self.done],
            "stranded": self.stranded,
        }


@dataclass(frozen=True, slots=True)
class SentItem:
    appeal: str
    session: str
    notify_by: date
    late: bool


@dataclass(frozen=True, slots=True)
class Sent:
    channel: str
    sent_on: date
    items: list[SentItem]
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "sent_on": self.sent_on,
            "items": [
                {"appeal": i.appeal, "session": i.session, "notify_by": i.notify_by, "late": i.late}
                for i in self.items
            ],
            "late": sum(1 for i in self.items if i.late),
            "warnings": self.warnings,
        }


# -- the message -------------------------------------------------------------------------


def message(
    config: Config,
    *,
    enterprise: str,
    day: date,
    start: str,
    end: str,
    place: str,
    slot: int,
    renotify: bool,
    appeals: Sequence[str] = (),
) -> str:
    """The call-up text (Chinese), one per enterprise and session: its slot and the appeals
    it comes with. No personal name in it: the batch may be reviewed."""
    when = f"{day.month}月{day.day}日（{weekday_zh(day, '周')}）{start}—{end}"
    change = "时间有变更，现改" if renotify else ""
    contact = f"咨询：{config.contacts[0]}。" if config.contacts else ""
    return (
        f"【{config.organiser}】{enterprise}：您预约的“{config.programme}”{change}定于{when}"
        f"在{place}举行，顺序号{slot}号{_appeals_note(appeals)}，请企业负责人携带材料准时到场。"
        f"{contact}"
    )


def _appeals_note(appeals: Sequence[str]) -> str:
    if not appeals:
        return ""
    if len(appeals) == 1:
        return f"（诉求号{appeals[0]}）"
    named = "、".join(appeals[:LISTED]) + ("等" if len(appeals) > LISTED else "")
    return f"（诉求{len(appeals)}件：{named}）"


# -- reading ---------------------------------------------------------------------------

_SQL = """
SELECT a.id, a.status, a.renotify, a.booking_id, a.seq, a.notified_on, a.notify_channel,
       b.booked_on, b.uscc, e.name AS enterprise, e.contact, e.phone,
       c.id AS session_id, c.date AS session_date, c.start, c."end" AS session_end, c.place,
       (SELECT min(d.due) FROM deadline d
         WHERE d.appeal_id = a.id AND d.step = 'notify' AND d.done_on IS NULL) AS notify_due
FROM appeal a
JOIN booking b ON b.id = a.booking_id
JOIN enterprise e ON e.uscc = b.uscc
JOIN consultation c ON c.id = a.session_id
WHERE {where}
ORDER BY c.date, c.start, c.id, b.booked_on, b.id, a.seq
"""


def _session_row(r: Reader, session_id: str) -> Mapping[str, Any]:
    key = (session_id or "").strip().upper()
    found = r.one("SELECT id, date, status FROM consultation WHERE id = :id", {"id": key})
    if found is None:
        raise NotFoundError(
            f"没有场次 {session_id}：场次号形如 S202610-01，可用 zuozhen session list 查看。"
        )
    return found


def call_list(r: Reader, today: date, session_id: str | None = None) -> CallList:
    """Who must be called up for one session, or for every planned session from today on.

    Read-only; inside an act (``--sent``, ``--export``) ``r`` is ``Reader.inside(tx)``.
    """
    from zuozhen.store.reader import as_bool, as_date

    config, cal = r.config, r.calendar
    stranded: list[str] = []
    if session_id is not None:
        s = _session_row(r, session_id)
        if s["status"] == "cancelled":
            ids = r.column(
                "SELECT id FROM appeal WHERE session_id = :s AND status IN ('scheduled', 'notified')"
                " ORDER BY id",
                {"s": s["id"]},
            )
            raise RuleError(
                f"场次 {s['id']} 已取消，不能叫号"
                + (
                    f"：其诉求 {'、'.join(ids)} 须先改排到其他场次（zuozhen triage 诉求号 --session 场次）。"
                    if ids
                    else "。"
                )
            )
        where, params = "c.id = :sid", {"sid": s["id"]}
    else:
        where, params = "c.status = 'planned' AND c.date >= :today", {"today": today}
        stranded = r.column(
            "SELECT a.id FROM appeal a JOIN consultation c ON c.id = a.session_id "
            "WHERE c.status = 'cancelled' AND a.status IN ('scheduled', 'notified') "
            "ORDER BY a.id"
        )
    rows: list[Mapping[str, Any]] = []
    slots: dict[tuple[str, str], int] = {}
    per_session: dict[str, int] = {}
    coming: dict[tuple[str, str], list[str]] = {}  # appeals each enterprise comes with
    renotified: set[tuple[str, str]] = set()
    for row in r.iter(_SQL.format(where=where), params):
        key = (row["session_id"], row["uscc"])
        if key not in slots:
            per_session[key[0]] = per_session.get(key[0], 0) + 1
            slots[key] = per_session[key[0]]
        if row["status"] not in ("scheduled", "notified"):
            continue  # heard already: keeps its slot, nothing to call up
        coming.setdefault(key, []).append(row["id"])
        if row["status"] == "scheduled" and as_bool(row["renotify"]):
            renotified.add(key)
        rows.append(row)
    items: list[CallItem] = []
    done: list[CallItem] = []
    for row in rows:
        key = (row["session_id"], row["uscc"])
        day = as_date(row["session_date"])
        assert day is not None
        due = as_date(row["notify_due"]) or cal.notify_by(day, config.limits.notify_days).date
        item = CallItem(
            appeal=row["id"],
            booking=row["booking_id"],
            enterprise=row["enterprise"],
            uscc=row["uscc"],
            contact=row["contact"],
            phone=row["phone"],
            session=key[0],
            session_date=day,
            start=row["start"],
            end=row["session_end"],
            place=row["place"],
            slot=slots[key],
            notify_by=due,
            late=today > due,
            renotify=as_bool(row["renotify"]),
            status=row["status"],
            text=message(
                config,
                enterprise=row["enterprise"],
                day=day,
                start=row["start"],
                end=row["session_end"],
                place=row["place"],
                slot=slots[key],
                renotify=key in renotified,
                appeals=coming[key],
            ),
            notified_on=as_date(row["notified_on"]),
            channel=row["notify_channel"],
        )
        (items if row["status"] == "scheduled" else done).append(item)
    return CallList(
        today, session_id.strip().upper() if session_id else None, items, done, stranded
    )


def pending(r: Reader, today: date, session_id: str | None = None) -> CallList:
    """``notify`` without --sent: read-only."""
    return call_list(r, today, session_id)


# -- acts --------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes, *, force: bool = False, mode: int = 0o600) -> None:
    """Write a file in one step; owner-only by default (a batch with phone numbers).

    A public document passes ``mode=0o644``. Never over a case file, even with --force.
    """
    write_bytes(path, data, overwrite=force, private=mode == 0o600)


def with_siblings(items: Sequence[CallItem], wanted: Sequence[str]) -> list[str]:
    """``wanted`` and the other pending appeals its enterprises come with to the same
    session: one message covers them all, so they are exported and recorded together."""
    keys = {(i.session, i.uscc) for i in items if i.appeal in wanted}
    out = list(dict.fromkeys(wanted))
    out += [i.appeal for i in items if (i.session, i.uscc) in keys and i.appeal not in out]
    return out


def record_sent(
    case: CaseFile,
    act: Act,
    *,
    channel: str,
    session_id: str | None = None,
    appeals: Sequence[str] = (),
) -> Sent:
    """Record the call-up (叫号) of the listed appeals, or of every pending one in scope."""
    from zuozhen import duties, states
    from zuozhen.models import Appeal, Consultation, Notification

    way = (channel or "").strip()
    if way not in CHANNELS:
        raise InputError(f"叫号方式“{channel}”不对：应为 {'、'.join(CHANNELS)} 之一。")
    config = case.config
    warnings: list[str] = []
    with case.write(act) as tx:
        wanted = list(dict.fromkeys(a.strip() for a in appeals))
        listing = call_list(Reader.inside(tx), act.today, session_id)
        if wanted:
            ids = with_siblings(listing.items, wanted)
        else:
            ids = [i.appeal for i in listing.items]
            if not ids:
                raise RuleError("没有待叫号的诉求，未作记录：可用 zuozhen notify 查看名单。")
        out: list[SentItem] = []
        for aid in ids:
            a = tx.get(Appeal, aid)
            if a is None:
                raise NotFoundError(
                    f"没有诉求 {aid}：诉求号形如 202610-007-1，可用 zuozhen list 查找。"
                )
            states.require(a.id, a.status, "notify")
            assert a.session_id is not None
            s = tx.get(Consultation, a.session_id, lock=False)
            assert s is not None
            if session_id is not None and s.id != session_id.strip().upper():
                raise RuleError(f"诉求 {a.id} 排在场次 {s.id}，不在场次 {session_id} 中，请核对。")
            if s.status == "cancelled":
                raise RuleError(
                    f"诉求 {a.id} 所在场次 {s.id} 已取消，不能叫号：请先改排到其他场次"
                    f"（zuozhen triage {a.id} --session 场次）。"
                )
            if act.today > s.date:
                raise RuleError(
                    f"诉求 {a.id} 的场次 {s.id} 已于 {s.date.isoformat()} 举行，不能再叫号；"
                    f"请记录坐诊结果（zuozhen session hear {a.id} …）。"
                )
            met = duties.meet(tx, a.id, "notify", act.today)
            if met is not None:
                due, late = met.due, met.late
            else:  # called up again (no open limit): judge against the rule itself
                due = case.calendar.notify_by(s.date, config.limits.notify_days).date
                late = act.today > due
            tx.session.add(
                Notification(
                    appeal_id=a.id, session_id=s.id, sent_on=act.today, channel=way, late=late
                )
            )
            was = a.status
            a.status, a.notified_on, a.notify_channel, a.renotify = (
                "notified",
                act.today,
                way,
                False,
            )
            a.updated_at = tx.at
            tx.session.add(a)
            if way == "短信":
                b_phone = _phone_of(tx, a.booking_id)
                if b_phone is not None and not is_mobile(b_phone):
                    warnings.append(
                        f"诉求 {a.id} 的联系电话是座机，无法接收短信，请确认已电话通知。"
                    )
            tx.record(
                "notify.sent",
                "appeal",
                a.id,
                {"session": s.id, "channel": way, "notify_by": due, "late": late, "was": was},
            )
            out.append(SentItem(a.id, s.id, due, late))
    return Sent(way, act.today, out, warnings)


def _phone_of(tx: Tx, booking_id: str) -> str | None:
    from zuozhen.models import Booking, Enterprise

    b = tx.get(Booking, booking_id, lock=False)
    if b is None:
        return None
    e = tx.get(Enterprise, b.uscc, lock=False)
    return e.phone if e is not None else None
