"""What a ledger (台账) shows: its progress (``ledger show``), the list of ledgers (``ledger
list``) and the 整改清单 progress report (``report ledger``: CSV, XLSX or Word).

Figures, as of ``today`` (ledgers.py): every item counts except withdrawn, voided and
merged ones (``LEFT``); closed = 销号 (closed); on time = closed by its report
deadline (the item's 完成时限, as extended); overdue = open past it. The completion rate is
closed / items in percent with one decimal (33 of 48 = 68.8), empty with no items. A unit
is counted for the items it leads. An old item carried into a later ledger (``ledger
carry``) stays open in its own ledger's figures and names the item that continues it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zuozhen import appeals, states
from zuozhen.store.reader import Reader, as_date

#: Items that left the list without being closed: counted nowhere in its figures.
LEFT = ("withdrawn", "void", "merged")
HEAD = ["责任单位", "事项数", "已销号", "按期销号", "超期未销号", "完成率"]
ITEM_HEAD = ["序号", "事项编号", "问题", "责任单位", "完成时限", "状态", "超期"]


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, rounded half up (68.75 → 68.8); None with no whole."""
    if not whole:
        return None
    return int(part * 1000 / whole + 0.5) / 10 if part >= 0 else None


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: str
    seq: int
    text: str
    units: list[str]
    lead_unit: str | None
    status: str
    due: date | None
    closed_on: date | None
    on_time: bool
    overdue: bool
    carried_from: str | None
    carried_to: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "status": self.status,
            "due": self.due.isoformat() if self.due else None,
            "text": self.text,
            "units": self.units,
            "lead_unit": self.lead_unit,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "overdue": self.overdue,
            "carried_from": self.carried_from,
            "carried_to": self.carried_to,
        }


@dataclass(frozen=True, slots=True)
class UnitRow:
    unit: str
    items: int
    closed: int
    on_time: int
    overdue: int
    completion_rate: float | None

    def cells(self) -> list[object]:
        r = "" if self.completion_rate is None else f"{self.completion_rate:.1f}%"
        return [self.unit, self.items, self.closed, self.on_time, self.overdue, r]


@dataclass(frozen=True, slots=True)
class Progress:
    id: str
    name: str
    source: str
    year: int
    carried_from: str | None
    carried_to: str | None
    today: date
    total: int
    closed: int
    on_time: int
    overdue: int
    completion_rate: float | None
    items: list[ItemRow]
    units: list[UnitRow]
    left: int  # withdrawn, voided or merged items: not counted
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "year": self.year,
            "carried_from": self.carried_from,
            "carried_to": self.carried_to,
            "today": self.today,
            "total": self.total,
            "closed": self.closed,
            "on_time": self.on_time,
            "overdue": self.overdue,
            "completion_rate": self.completion_rate,
            "items": [i.as_json() for i in self.items],
            "units": [
                {
                    "unit": u.unit,
                    "items": u.items,
                    "closed": u.closed,
                    "on_time": u.on_time,
                    "overdue": u.overdue,
                    "completion_rate": u.completion_rate,
                }
                for u in self.units
            ],
            "overdue_items": [i.id for i in self.items if i.overdue],
            "left": self.left,
        }


_ITEMS = (
    "SELECT a.id, a.seq, a.text, a.units, a.lead_unit, a.status, a.closed_on, a.carried_from,"
    " d.due AS due FROM appeal a" + appeals.due_join("d", "report") + " WHERE a.booking_id = :l"
)


def _in(values: tuple[str, ...]) -> str:
    """SQL: a list of the module's own status constants, ``('closed','rated')``."""
    return "(" + ",".join(f"'{v}'" for v in values) + ")"


#: Per leading unit, in one statement: items (left ones apart), closed, on time, overdue.
_UNITS = (
    "SELECT COALESCE(NULLIF(a.lead_unit, ''), '（未交办）') AS u,"
    f" SUM(CASE WHEN a.status IN {_in(LEFT)} THEN 0 ELSE 1 END) AS n,"
    f" SUM(CASE WHEN a.status IN {_in(LEFT)} THEN 1 ELSE 0 END) AS gone,"
    f" SUM(CASE WHEN a.status IN {_in(states.FINISHED)} THEN 1 ELSE 0 END) AS c,"
    f" SUM(CASE WHEN a.status IN {_in(states.FINISHED)} AND a.closed_on <= d.due"
    " THEN 1 ELSE 0 END) AS ot,"
    f" SUM(CASE WHEN a.status IN {_in(states.OPEN_STATES)} AND d.due < :t THEN 1 ELSE 0 END)"
    " AS od FROM appeal a"
    + appeals.due_join("d", "report")
    + " WHERE a.booking_id = :l GROUP BY COALESCE(NULLIF(a.lead_unit, ''), '（未交办）')"
)
_OVERDUE = f" AND a.status IN {_in(states.OPEN_STATES)} AND d.due < :t"


def progress(r: Reader, ledger_id: str, today: date, *, full: bool = True) -> Progress:
    """``ledger show``: the ledger's figures and its items in 序号 order.

    ``full=False`` (the text view): the figures per unit from one GROUP BY, and only the
    overdue items in ``items`` — the same figures without reading 10,000 items."""
    key = (ledger_id or "").strip()
    led = r.one("SELECT * FROM ledger WHERE id = :l", {"l": key})
    if led is None:
        from zuozhen.ledgers import not_found

        raise not_found(ledger_id, r.column("SELECT id FROM ledger ORDER BY id DESC"))
    carried_to = r.scalar("SELECT MIN(id) FROM ledger WHERE carried_from = :l", {"l": key})
    onward = _onward(r, key)
    where = "" if full else _OVERDUE
    items = _items(r, _ITEMS + where + " ORDER BY a.seq", {"l": key, "t": today}, today, onward)
    units, left = _units(items) if full else _unit_figures(r, key, today)
    units.sort(key=lambda u: (-u.items, u.unit))
    total, closed = sum(u.items for u in units), sum(u.closed for u in units)
    return Progress(
        id=key,
        name=str(led["name"]),
        source=str(led["source"]),
        year=int(led["year"]),
        carried_from=led["carried_from"],
        carried_to=carried_to,
        today=today,
        total=total,
        closed=closed,
        on_time=sum(u.on_time for u in units),
        overdue=sum(u.overdue for u in units),
        completion_rate=rate(closed, total),
        items=items,
        units=units,
        left=left,
    )


def _onward(r: Reader, key: str) -> dict[str, str]:
    """Items carried into a later ledger: one scan, no index on carried_from needed."""
    onward: dict[str, str] = {}
    pattern = {"p": key.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "-%"}
    for row in r.tuples(
        "SELECT carried_from, id FROM appeal WHERE carried_from LIKE :p ESCAPE '!' ORDER BY id",
        pattern,
    ):
        onward.setdefault(row[0], row[1])
    return onward


def _items(
    r: Reader, sql: str, params: dict[str, Any], today: date, onward: dict[str, str]
) -> list[ItemRow]:
    """Plain tuples into ItemRows: each distinct date parsed once, no lookups by name."""
    days: dict[Any, date | None] = {None: None}
    finished, open_ = frozenset(states.FINISHED), frozenset(states.OPEN_STATES)
    out = []
    for aid, seq, text, units, lead, status, closed_at, carried_from, due_at in r.tuples(
        sql, params
    ):
        due = days[due_at] if due_at in days else days.setdefault(due_at, _day(due_at))
        closed_on = (
            days[closed_at] if closed_at in days else days.setdefault(closed_at, _day(closed_at))
        )
        out.append(
            ItemRow(
                aid,
                int(seq),
                text,
                appeals.unit_list(units),
                lead,
                status,
                due,
                closed_on,
                status in finished
                and due is not None
                and closed_on is not None
                and closed_on <= due,
                status in open_ and due is not None and today > due,
                carried_from,
                onward.get(aid),
            )
        )
    return out


def _units(items: list[ItemRow]) -> tuple[list[UnitRow], int]:
    """The figures per leading unit from the items themselves; and how many left."""
    by_unit: dict[str, list[ItemRow]] = {}
    left = 0
    for i in items:
        if i.status in LEFT:
            left += 1
        else:
            by_unit.setdefault(i.lead_unit or "（未交办）", []).append(i)
    return [_unit_row(u, rows) for u, rows in by_unit.items()], left


def _unit_figures(r: Reader, key: str, today: date) -> tuple[list[UnitRow], int]:
    """The same figures as :func:`_units`, counted by the database."""
    units, left = [], 0
    for unit, n, gone, closed, on_time, overdue in r.tuples(_UNITS, {"l": key, "t": today}):
        left += int(gone or 0)
        if n:
            c = int(closed or 0)
            units.append(
                UnitRow(str(unit), int(n), c, int(on_time or 0), int(overdue or 0), rate(c, int(n)))
            )
    return units, left


def _day(value: Any) -> date | None:
    """A stored date (ISO text on SQLite, a date on PostgreSQL): 10,000 items read fast."""
    return date.fromisoformat(value) if isinstance(value, str) else as_date(value)


def _unit_row(unit: str, rows: list[ItemRow]) -> UnitRow:
    closed = sum(i.status in states.FINISHED for i in rows)
    return UnitRow(
        unit,
        len(rows),
        closed,
        sum(i.on_time for i in rows),
        sum(i.overdue for i in rows),
        rate(closed, len(rows)),
    )


@dataclass(frozen=True, slots=True)
class LedgerLine:
    id: str
    name: str
    year: int
    total: int
    closed: int
    completion_rate: float | None
    carried_from: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "year": self.year,
            "total": self.total,
            "closed": self.closed,
            "completion_rate": self.completion_rate,
            "carried_from": self.carried_from,
        }


def listing(r: Reader, year: int | None = None) -> list[LedgerLine]:
    """``ledger list``: every ledger (of ``year``) with its counts, newest first."""
    if year is not None:
        from zuozhen.ledgers import check_year

        check_year(year)
    sql = (
        "SELECT l.id, l.name, l.year, l.carried_from,"
        " SUM(CASE WHEN a.status NOT IN ('withdrawn','void','merged') THEN 1 ELSE 0 END) AS n,"
        " SUM(CASE WHEN a.status IN ('closed','rated') THEN 1 ELSE 0 END) AS c"
        " FROM ledger l LEFT JOIN appeal a ON a.booking_id = l.id"
        + (" WHERE l.year = :y" if year is not None else "")
        + " GROUP BY l.id, l.name, l.year, l.carried_from ORDER BY l.year DESC, l.id DESC"
    )
    out = []
    for row in r.rows(sql, {"y": year}):
        n, c = int(row["n"] or 0), int(row["c"] or 0)
        out.append(
            LedgerLine(
                row["id"], row["name"], int(row["year"]), n, c, rate(c, n), row["carried_from"]
            )
        )
    return out


def of_quarter(r: Reader, first: date, last: date, on: date) -> list[Progress]:
    """The bulletin's ledger section: ledgers of the quarter's year made by its last day,
    their progress judged on ``on`` (the quarter's end, or the cut-off if earlier)."""
    sql = (
        "SELECT l.id FROM ledger l JOIN booking b ON b.id = l.id"
        " WHERE l.year = :y AND b.booked_on <= :t ORDER BY l.id"
    )
    return [progress(r, str(x), on) for x in r.column(sql, {"y": first.year, "t": last})]


#: The bulletin's ledger table (bulletin.py): header and the keys of ``ledger_line``.
LEDGER_HEAD = ["台账", "名称", "事项数", "已销号", "超期", "完成率"]
LEDGER_KEYS = ("id", "name", "total", "closed", "overdue", "rate")


def ledger_line(p: Progress) -> dict[str, Any]:
    rate_text = "—" if p.completion_rate is None else f"{p.completion_rate:.1f}%"
    return {"id": p.id, "name": p.name, "total": p.total, "closed": p.closed,
            "overdue": p.overdue, "rate": rate_text}  # fmt: skip


# -- report ledger: the 整改清单 progress report ---------------------------------------------


def unit_table(p: Progress) -> list[list[object]]:
    """The progress table per unit, with the 合计 row last (CSV, XLSX, Word)."""
    total = UnitRow("合计", p.total, p.closed, p.on_time, p.overdue, p.completion_rate)
    return [u.cells() for u in [*p.units, total]]


def open_items(p: Progress) -> list[list[object]]:
    """The open items (overdue first), for the list below the table."""
    from zuozhen.states import label

    rows = [i for i in p.items if states.is_open(i.status)]
    rows.sort(key=lambda i: (not i.overdue, i.seq))
    return [
        [i.seq, i.id, i.text, "、".join(i.units), str(i.due or ""), label(i.status),
         "超期" if i.overdue else ""]
        for i in rows
    ]  # fmt: skip


def to_docx(p: Progress, office: str, signature: str) -> Any:
    """The progress report as a Word 公文 (GB/T 9704): the table, then the open items."""
    from zuozhen.files.gongwen import Gongwen, zh_date

    doc = Gongwen()
    doc.masthead(office)
    doc.title(f"{p.name}整改进展情况")
    rate_text = "—" if p.completion_rate is None else f"{p.completion_rate:.1f}%"
    doc.para(
        f"截至{zh_date(p.today)}，{p.name}（{p.source}）共 {p.total} 项，已整改销号 {p.closed} 项"
        f"（按期 {p.on_time} 项），整改完成率 {rate_text}；超期未销号 {p.overdue} 项。"
    )
    doc.heading1("一、", "各责任单位整改进展")
    doc.table(
        HEAD,
        [[str(c) for c in row] for row in unit_table(p)],
        (50, 20, 20, 20, 24, 22),
        size=11,
        numeric=(1, 2, 3, 4, 5),
    )
    doc.heading1("二、", "未销号事项")
    rows = open_items(p)
    if rows:
        doc.table(
            ["序号", "事项编号", "问题", "责任单位", "完成时限", "状态"],
            [[str(c) for c in row[:6]] for row in rows],
            (10, 31, 45, 32, 24, 14),  # an item ID (L2026-01-005) on one line
            size=10,
        )
    else:
        doc.para("全部事项已整改销号。")
    doc.signature(signature, p.today)
    return doc
