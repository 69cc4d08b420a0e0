"""The month's 《服务事项清单》 (``report items``): one row per appeal, contacts masked.

The list holds what the office serves, counted as the quarterly figures count (reports.py):
an appeal voided as an entry made in error and a duplicate merged into another appeal are
left out (the appeal it joined is listed); a withdrawn one is listed as 已撤回.

Like every report, the list shows the case file as it stood at the end of the cut-off
day (``--today``; zuozhen/asof.py): appeals booked by then, each with its status, units,
hand-off, deadlines and closing day of that day. A month that begins after the cut-off is
refused.

With ``with_contacts`` the rows carry the contact's name and phone in full; that export
is recorded in the audit trail (``record_contacts_export``) and written owner-only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zuozhen import states
from zuozhen.appeals import unit_list
from zuozhen.asof import RECEIVED, as_of, refuse_future
from zuozhen.store.reader import Reader, as_date
from zuozhen.validation import month_key, parse_month

ITEM_HEADER = [
    "诉求编号",
    "企业名称",
    "统一社会信用代码",
    "诉求类别",
    "诉求内容",
    "主题",
    "承办单位",
    "坐诊日期",
    "坐诊场次",
    "状态",
    "交办日期",
    "承办期限",
    "反馈期限",
    "办结日期",
]
CONTACT_HEADER = ["联系人", "联系电话"]


@dataclass(frozen=True, slots=True)
class ServiceItem:
    appeal: str
    enterprise: str
    uscc: str
    category: str
    text: str
    theme: str | None
    units: list[str]
    session: str | None
    session_date: date | None
    session_kind: str | None
    status: str
    handed_on: date | None
    plan_due: date | None
    report_due: date | None
    closed_on: date | None
    contact: str | None = field(default=None)
    phone: str | None = field(default=None)

    @property
    def status_label(self) -> str:
        return states.label(self.status)

    @property
    def session_text(self) -> str:
        if self.session is None:
            return ""
        return f"{self.session_kind or ''} {self.session}".strip()

    def cells(self, *, with_contacts: bool = False) -> list[object]:
        row: list[object] = [
            self.appeal,
            self.enterprise,
            self.uscc,
            self.category,
            self.text,
            self.theme or "",
            "、".join(self.units),
            self.session_date,
            self.session_text,
            self.status_label,
            self.handed_on,
            self.plan_due,
            self.report_due,
            self.closed_on,
        ]
        if with_contacts:
            row[3:3] = [self.contact or "", self.phone or ""]
        return row

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "appeal": self.appeal,
            "enterprise": self.enterprise,
            "uscc": self.uscc,
            "category": self.category,
            "text": self.text,
            "theme": self.theme,
            "units": self.units,
            "session": self.session,
            "session_date": self.session_date,
            "session_kind": self.session_kind,
            "status": self.status,
            "status_label": self.status_label,
            "handed_on": self.handed_on,
            "plan_due": self.plan_due,
            "report_due": self.report_due,
            "closed_on": self.closed_on,
        }
        if self.contact is not None or self.phone is not None:
            out["contact"], out["phone"] = self.contact, self.phone
        return out


def item_header(*, with_contacts: bool = False) -> list[str]:
    if not with_contacts:
        return list(ITEM_HEADER)
    return [*ITEM_HEADER[:3], *CONTACT_HEADER, *ITEM_HEADER[3:]]


def check_month(month: str, today: date) -> str:
    """The month as ``YYYY-MM``; one that begins after the cut-off ``today`` is refused."""
    year, mon = parse_month(month)
    m = month_key(year, mon)
    latest = month_key(today.year, today.month)
    refuse_future(date(year, mon, 1), today, f"{m}（{year}年{mon}月）", latest)
    return m


def service_items(
    r: Reader, month: str, *, today: date, with_contacts: bool = False
) -> Iterator[ServiceItem]:
    """The month's appeals in booking order as of the cut-off ``today``, streamed; contact
    and phone only if asked. A bad or future month is refused at once."""
    return _items(r, check_month(month, today), today, with_contacts)


def _items(r: Reader, m: str, today: date, with_contacts: bool) -> Iterator[ServiceItem]:
    v = as_of(r.dialect)
    contacts = ", e.contact, e.phone" if with_contacts else ""
    for row in r.iter(
        f"""
        SELECT a.id, e.name, e.uscc, a.category, a.text, a.theme, {v.units} AS units,
               a.session_id, c.date AS session_date, c.kind AS session_kind,
               {v.status} AS status, h.handed_on,
               CASE WHEN h.id IS NOT NULL THEN pd.due END AS plan_due,
               CASE WHEN h.id IS NOT NULL THEN {v.report_due} END AS report_due,
               {v.closed_on} AS closed_on{contacts}
        FROM appeal a
        JOIN booking b ON b.id = a.booking_id
        JOIN enterprise e ON e.uscc = b.uscc
        LEFT JOIN consultation c ON c.id = a.session_id
        {v.joins(plan=True)}
        WHERE a.month = :m AND {RECEIVED}
        ORDER BY b.seq, a.seq
        """,
        {"m": m, "cutoff": today},
    ):
        yield ServiceItem(
            appeal=str(row["id"]),
            enterprise=str(row["name"]),
            uscc=str(row["uscc"]),
            category=str(row["category"]),
            text=str(row["text"]),
            theme=row["theme"],
            units=unit_list(row["units"]),
            session=row["session_id"],
            session_date=as_date(row["session_date"]),
            session_kind=row["session_kind"],
            status=str(row["status"]),
            handed_on=as_date(row["handed_on"]),
            plan_due=as_date(row["plan_due"]),
            report_due=as_date(row["report_due"]),
            closed_on=as_date(row["closed_on"]),
            contact=row["contact"] if with_contacts else None,
            phone=row["phone"] if with_contacts else None,
        )


def record_contacts_export(
    tx: Any, *, month: str, target: str, rows: int, columns: Sequence[str]
) -> None:
    """留痕 for an export that carries contact names and phone numbers (PIPL)."""
    tx.record(
        "export.contacts",
        "report",
        f"items:{month}",
        {
            "report": "服务事项清单",
            "month": month,
            "file": target,
            "rows": rows,
            "columns": list(columns),
        },
    )
