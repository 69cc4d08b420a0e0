"""Step 2 场次 as a calendar: ``session list --ics FILE`` for the leaders' calendars.

An iCalendar file (RFC 5545) that Outlook, WPS, DingTalk and phone calendars import:

* one VEVENT per session, at its hours on its day in Beijing time (``Asia/Shanghai``,
  with the VTIMEZONE the RFC asks for: UTC+8, no daylight saving since 1991);
* the UID is the session's number and the case file's identity (the hash of its first
  trail event, which never changes): ``S202611-02.1f3a…@zuozhen``. Importing the file
  again, after a session was postponed or cancelled, updates the event instead of adding
  a second one, and two case files never share a UID;
* ``SEQUENCE`` counts the changes made to the session (0 when planned, +1 for each
  postponement or cancellation, from the trail), ``LAST-MODIFIED`` and ``DTSTAMP`` are
  when the last of them was recorded, ``CREATED`` when it was planned — so the same case
  file gives the same bytes, and a calendar takes the newest version of an event;
* a cancelled session stays in the file as ``STATUS:CANCELLED`` (its summary says
  【已取消】 for calendars that do not show the status), so an imported event is taken
  off rather than left standing;
* ``SUMMARY`` is the kind and theme (主场：综合), ``LOCATION`` the place, ``DESCRIPTION``
  the leading official, the units (the first leads), and a note of a postponement.

``icalendar`` is imported here only, so other commands do not load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zuozhen.config import Config
    from zuozhen.session_status import SessionInfo
    from zuozhen.store.reader import Reader

TZID = "Asia/Shanghai"
PRODID = "-//zuozhen//厅局长坐诊接诉 场次//ZH"


@dataclass(frozen=True, slots=True)
class Changes:
    """What the trail says about one session: when planned, last changed, how often."""

    created: datetime
    modified: datetime
    sequence: int


def case_identity(r: Reader) -> str:
    """The case file's identity: the hash of its first trail event (written at ``init``)."""
    first = r.scalar("SELECT hash FROM trail ORDER BY id LIMIT 1")
    return str(first or "0" * 64)[:16]


def session_changes(r: Reader) -> dict[str, Changes]:
    """Every session's planning and changes (trail actions ``session.*``)."""
    out: dict[str, Changes] = {}
    for row in r.iter(
        "SELECT entity_id, min(at) AS first, max(at) AS last, count(*) AS n FROM trail "
        "WHERE entity = 'session' AND action LIKE 'session.%' GROUP BY entity_id"
    ):
        out[row["entity_id"]] = Changes(
            _utc(row["first"]), _utc(row["last"]), max(0, int(row["n"]) - 1)
        )
    return out


def _utc(at: str) -> datetime:
    moment = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def calendar_bytes(
    config: Config,
    sessions: Sequence[SessionInfo],
    changes: dict[str, Changes],
    identity: str,
) -> bytes:
    """The sessions as one iCalendar file (UTF-8, CRLF line ends, folded at 75 octets)."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{config.organiser}“{config.programme}”场次")
    cal.add("x-wr-timezone", TZID)
    cal.add_component(_vtimezone())
    for s in sessions:
        cal.add_component(_event(config, s, changes.get(s.id), identity))
    data: bytes = cal.to_ical()
    return data


def _vtimezone() -> Any:
    """Beijing time: UTC+8 all year (no daylight saving since 1991)."""
    from icalendar import Timezone, TimezoneStandard

    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    std = TimezoneStandard()
    std.add("tzname", "CST")
    std.add("dtstart", datetime(1970, 1, 1))
    std.add("tzoffsetfrom", _offset())
    std.add("tzoffsetto", _offset())
    tz.add_component(std)
    return tz


def _offset() -> Any:
    from datetime import timedelta

    return timedelta(hours=8)


def _local(day: date, hhmm: str) -> datetime:
    from zoneinfo import ZoneInfo

    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(TZID))


def _event(config: Config, s: SessionInfo, changed: Changes | None, identity: str) -> Any:
    from icalendar import Event

    cancelled = s.status == "cancelled"
    ev = Event()
    ev.add("uid", f"{s.id}.{identity}@zuozhen")
    stamp = changed.modified if changed else datetime(1970, 1, 1, tzinfo=UTC)
    ev.add("dtstamp", stamp)
    if changed is not None:
        ev.add("created", changed.created)
        ev.add("last-modified", changed.modified)
    ev.add("sequence", changed.sequence if changed else 0)
    ev.add("dtstart", _local(s.date, s.start))
    ev.add("dtend", _local(s.date, s.end))
    ev.add("summary", ("【已取消】" if cancelled else "") + f"{s.kind}：{s.theme}")
    ev.add("location", s.place)
    ev.add("description", _description(config, s))
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    ev.add("categories", [config.programme])
    return ev


def _description(config: Config, s: SessionInfo) -> str:
    lines = [
        f"{config.programme}（{s.kind}，场次 {s.id}）",
        f"主题：{s.theme}",
        f"领衔：{s.lead_text}",
        f"坐诊单位：{'、'.join(s.units)}（{s.units[0]}牵头）" if s.units else "坐诊单位：（未定）",
    ]
    if s.postponed_from is not None:
        lines.append(f"由 {s.postponed_from.isoformat()} 改期。")
    if s.status == "cancelled":
        lines.append("本场已取消。")
    if s.note:
        lines.append(f"备注：{s.note}")
    return "\n".join(lines)
