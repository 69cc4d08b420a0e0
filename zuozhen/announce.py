"""Step 2 发布公告: the month's announcement of sessions and how to book.

Seed 002 §三(二): at the end of each month the organiser publishes next month's sessions
(date, time, kind, theme, joint units, the leading official), the booking window (the
first ``limits.booking_window`` working days of the month, §三(三); a programme that books
continuously, ``cadence.booking = "rolling"``, says so instead and lists no window), the
place, how to book (the online window and the counter) and whom to ask.

The wording lives in ``data/templates/announce.{md,txt,html}`` (Jinja2), so an office can
change it without touching code; JSON is built here. The output is deterministic: the
same case file and month give the same bytes (no timestamps, everything sorted), so a
monthly cron job can diff it and publish only on change. A booking window that lies in a
year without the State Council's holiday notice is computed provisionally and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zuozhen.deadlines import weekday_zh
from zuozhen.errors import InputError, RuleError
from zuozhen.session_status import lead_text

if TYPE_CHECKING:
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Act, CaseFile

FORMATS = ("md", "txt", "html", "json", "docx")  # docx: word.announcement


def _zh_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True, slots=True)
class AnnouncedSession:
    id: str
    date: dt.date
    start: str
    end: str
    kind: str
    theme: str
    units: list[str]
    lead: str | None
    place: str
    postponed_from: dt.date | None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "date_zh": _zh_date(self.date),
            "short_date": f"{self.date.month}月{self.date.day}日",
            "weekday": weekday_zh(self.date),
            "start": self.start,
            "end": self.end,
            "time": f"{self.start}—{self.end}",
            "half": "上午"
            if self.end <= "13:00"
            else ("下午" if self.start >= "12:00" else "全天"),
            "kind": self.kind,
            "theme": self.theme,
            "units": self.units,
            "units_text": "、".join(self.units) if self.units else "（待定）",
            "lead_unit": self.units[0] if self.units else None,
            "lead": lead_text(self.lead, self.units),
            "place": self.place,
            "postponed_from": (
                f"{self.postponed_from.month}月{self.postponed_from.day}日"
                if self.postponed_from
                else None
            ),
        }


@dataclass(frozen=True, slots=True)
class Announcement:
    """Everything the month's 公告 says."""

    month: str
    year: int
    mon: int
    organiser: str
    programme: str
    place: str
    online_window: str
    counter: str
    contacts: list[str]
    booking_window: list[dt.date]
    provisional: bool
    sessions: list[AnnouncedSession]
    notify_days: int = 3
    notes: list[str] = field(default_factory=list)
    rolling: bool = False  # booking open every day: no window
    issued: dt.date | None = None  # 成文日期 (``--date``, default ``--today``)
    signature: str = ""  # 落款: [documents] signature (the organiser's name by default)
    office: str = ""  # 发文机关标志 of the Word document

    @property
    def month_word(self) -> str:
        """How the text names the month: 下月 in the month before it (when announcements
        are published), 本月 within it, else 2026年11月."""
        if self.issued is not None:
            ahead = (self.year - self.issued.year) * 12 + self.mon - self.issued.month
            if ahead == 1:
                return "下月"
            if ahead == 0:
                return "本月"
        return f"{self.year}年{self.mon}月"

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "title": self.title,
            "organiser": self.organiser,
            "programme": self.programme,
            "booking_rule": "rolling" if self.rolling else "window",
            "booking_window": [d.isoformat() for d in self.booking_window],
            "booking_window_provisional": self.provisional,
            "place": self.place,
            "online_window": self.online_window,
            "counter": self.counter,
            "contacts": self.contacts,
            "sessions": [
                {
                    "id": s.id,
                    "date": s.date.isoformat(),
                    "weekday": weekday_zh(s.date),
                    "start": s.start,
                    "end": s.end,
                    "kind": s.kind,
                    "theme": s.theme,
                    "units": s.units,
                    "lead": s.lead,
                    "lead_text": lead_text(s.lead, s.units),
                    "place": s.place,
                    "postponed_from": s.postponed_from.isoformat() if s.postponed_from else None,
                }
                for s in self.sessions
            ],
            "notes": self.notes,
            "issued": self.issued.isoformat() if self.issued else None,
            "signature": self.signature,
        }

    @property
    def title(self) -> str:
        return f"{self.organiser}关于{self.year}年{self.mon}月“{self.programme}”安排的公告"

    def view(self) -> dict[str, Any]:
        """What the templates see (strings ready to print)."""
        window = self.booking_window

        def day(d: dt.date) -> str:
            return f"{d.month}月{d.day}日（{weekday_zh(d)}）"

        return {
            "month_word": self.month_word,
            "issued": _zh_date(self.issued) if self.issued else "",
            "signature": self.signature or self.organiser,
            "window_text": f"{day(window[0])}至{day(window[-1])}" if window else "",
            "title": self.title,
            "month": self.month,
            "year": self.year,
            "mon": self.mon,
            "organiser": self.organiser,
            "programme": self.programme,
            "place": self.place,
            "online_window": self.online_window,
            "counter": self.counter,
            "contacts": self.contacts,
            "sessions": [s.view() for s in self.sessions],
            "kinds_text": "，".join(
                f"{k} {n} 场"
                for k in ("主场", "专场", "加诊")
                if (n := sum(1 for s in self.sessions if s.kind == k))
            ),
            "notify_days": self.notify_days,
            "window": [
                {"date": d.isoformat(), "short": f"{d.month}月{d.day}日", "weekday": weekday_zh(d)}
                for d in window
            ],
            "window_first": f"{window[0].month}月{window[0].day}日" if window else "",
            "window_last": f"{window[-1].month}月{window[-1].day}日" if window else "",
            "window_days": len(window),
            "window_weekend": [
                f"{d.month}月{d.day}日（{weekday_zh(d)}）" for d in window if d.weekday() >= 5
            ],
            "provisional": self.provisional,
            "rolling": self.rolling,
            "notes": self.notes,
        }


def build(r: Reader, year: int, month: int, issued: dt.date | None = None) -> Announcement:
    """Collect the month's announcement from the case file (read-only); ``issued`` is its
    成文日期."""
    config = r.config
    key = f"{year:04d}-{month:02d}"
    rows = r.rows(
        'SELECT id, date, start, "end" AS session_end, kind, theme, units, lead, place, '
        "postponed_from FROM consultation WHERE month = :m AND status = 'planned' "
        "ORDER BY date, start, id",
        {"m": key},
    )
    if not rows:
        raise RuleError(
            f"{key} 还没有安排坐诊场次，无法生成公告：请先用 zuozhen session plan --date 日期 "
            f"--kind 主场 --theme 主题 --unit 单位 安排场次"
            + (
                "（或 zuozhen session plan --month " + key + " --weekly）"
                if config.cadence == "weekly"
                else ""
            )
            + "。"
        )
    from zuozhen.store.reader import as_date

    sessions = []
    for row in rows:
        day = as_date(row["date"])
        assert day is not None
        sessions.append(
            AnnouncedSession(
                id=row["id"],
                date=day,
                start=row["start"],
                end=row["session_end"],
                kind=row["kind"],
                theme=row["theme"],
                units=list(json.loads(row["units"] or "[]")),
                lead=row["lead"],
                place=row["place"],
                postponed_from=as_date(row["postponed_from"]),
            )
        )
    rolling = config.booking == "rolling"
    window: list[dt.date] = []
    provisional = False
    if not rolling:
        window, provisional = r.calendar.first_workdays(year, month, config.limits.booking_window)
    notes: list[str] = []
    if provisional:
        notes.append(
            f"{year}年国务院办公厅放假安排尚未公布，挂号时间按法定节假日推算，"
            "如有调整以另行通知为准。"
        )
    return Announcement(
        month=key,
        year=year,
        mon=month,
        organiser=config.organiser,
        programme=config.programme,
        place=config.place,
        online_window=config.online_window,
        counter=config.counter,
        contacts=list(config.contacts),
        booking_window=window,
        provisional=provisional,
        sessions=sessions,
        notify_days=config.limits.notify_days,
        notes=notes,
        rolling=rolling,
        issued=issued,
        signature=config.docs.signature,
        office=config.docs.office,
    )


def render(ann: Announcement, fmt: str) -> str:
    """The announcement as text in one of FORMATS; same input, same output."""
    if fmt not in FORMATS or fmt == "docx":
        raise InputError(f"公告格式“{fmt}”不对：可选 {'、'.join(FORMATS)}。")
    if fmt == "json":
        return json.dumps(ann.as_json(), ensure_ascii=False, indent=2) + "\n"
    import jinja2

    from zuozhen.resources import data_path, templates

    env = templates(html=fmt == "html")  # the template is announce.{fmt}
    # A Markdown table cell: a "|" or a line break in a name would break the table.
    env.filters["cell"] = lambda v: str(v).replace("|", "\\|").replace("\n", " ")
    try:
        template = env.get_template(f"announce.{fmt}")
        text = template.render(**ann.view())
    except jinja2.TemplateNotFound:
        raise InputError(
            f"找不到公告模板 announce.{fmt}（应在 {data_path('templates')}）：请恢复该模板文件。"
        ) from None
    except jinja2.TemplateError as exc:
        raise InputError(f"公告模板 announce.{fmt} 有错误（{exc}）：请修正模板后重试。") from None
    return text if text.endswith("\n") else text + "\n"


def digest(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Published:
    month: str
    format: str
    sha256: str
    file: str | None
    late: bool  # published after the month started


def publish(
    case: CaseFile, act: Act, ann: Announcement, fmt: str, text: str | bytes, file: str | None
) -> Published:
    """Record the publication in the audit trail (the document itself is not stored)."""
    late = act.today >= dt.date(ann.year, ann.mon, 1)
    with case.write(act) as tx:
        tx.record(
            "announce.publish",
            "announcement",
            ann.month,
            {
                "format": fmt,
                "sha256": digest(text),
                "file": file,
                "sessions": [s.id for s in ann.sessions],
                "booking_window": [d.isoformat() for d in ann.booking_window],
                "provisional": ann.provisional,
                "late": late,
            },
        )
    return Published(ann.month, fmt, digest(text), file, late)
