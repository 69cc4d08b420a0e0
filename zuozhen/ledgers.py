"""台账: rectification lists (整改清单) and task ledgers pushed to closure item by item (销号推进).

A ledger is a ``booking`` of channel ``台账`` (no enterprise: ``uscc`` NULL) plus a
``ledger`` row of the same ID ``L{YYYY}-{NN}`` (``tx.allocate("ledger:YYYY")``). Its items
are appeals ``L2026-01-003`` (seq = the list's 序号) and are tracked cases in the same loop
as any other: handed off to their units as they are added (``handoff.hand_off_in``: status
``handed_off``, round 1, the first unit leading, joint when several), with the programme's
plan limit (``accept``, 5 working days) and a report deadline fixed on the item's 完成时限
(``report``, rule ``fixed``). A 完成时限 on a rest day is refused with the next working day
named; one in a year whose holiday schedule is not loaded is taken with a warning. The
list's 整改措施 is kept as the hand-off's measures until the unit undertakes the item with
its own (``assign accept``). Items have no rating step and no re-visit (no enterprise).

* ``new``    a ledger (name, source document, year)
* ``add``    one item (ledger_import.py adds many from a file, by the same ``add_item``)
* ``carry``  open items into a new ledger of a later year: each new item names the old one
  in ``appeal.carried_from``; the old item keeps its status (its year's figures stay as they
  were: not completed) but hands its open time limits to the new one (dropped, recorded in
  its ``ledger.carried`` event), so the daily audit and the 督办单 chase it once.

Figures (``progress``, ledger_report.py) count every item except withdrawn, voided and
merged ones; an item is closed when 销号 (``closed``); on time when closed by its report
deadline; overdue when open past it (as of today).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, select

from zuozhen import appeals, duties, handoff, names, states
from zuozhen.config import LEDGER
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.models import Appeal, Booking, Handoff, Ledger
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import clean_text, month_key
from zuozhen.workdays import require_workday

LEDGER_ID = re.compile(r"L\d{4}-\d{2,}")
CATEGORY = "台账事项"  # the items' category: they are no enterprise's 诉求
MAX_SEQ = 99999


@dataclass(frozen=True, slots=True)
class Created:
    id: str
    name: str
    source: str
    year: int
    carried_from: str | None = None


@dataclass(frozen=True, slots=True)
class Added:
    id: str
    ledger: str
    units: list[str]
    due: date
    plan_due: date
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Carried:
    id: str  # the new ledger
    ledger: str  # the old one
    year: int
    carried: int
    items: list[list[str]]  # [old item, new item]


@dataclass(frozen=True, slots=True)
class Item:
    """One item as a file or the clerk gives it, checked but not yet stored."""

    seq: int
    text: str
    units: list[str]
    due: date
    measures: str | None = None


# -- ledgers ------------------------------------------------------------------------------


def new(case: CaseFile, act: Act, *, name: str, source: str, year: int) -> Created:
    """``ledger new``: an empty ledger of ``year``."""
    title = clean_text(name, "台账名称（--name）", limit=200)
    doc = clean_text(source, "来源文件（--source）", limit=500)
    check_year(year)
    with case.write(act) as tx:
        lid = _create(tx, title, doc, year, None)
        return Created(lid, title, doc, year)


def check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise InputError(f"年度“{year}”不对：请写四位年份，例如 --year 2026。")


def _create(tx: Tx, title: str, doc: str, year: int, carried_from: str | None) -> str:
    n = tx.allocate(f"ledger:{year}")
    lid = f"L{year:04d}-{n:02d}"
    today = tx.today
    tx.session.add(
        Booking(
            id=lid,
            month=month_key(today.year, today.month),
            seq=n,
            uscc=None,
            booked_on=today,
            source="台账",
            channel=LEDGER,
            created_at=tx.at,
        )
    )
    tx.session.flush()
    tx.session.add(
        Ledger(
            id=lid, name=title, source=doc, year=year, carried_from=carried_from, created_at=tx.at
        )
    )
    tx.session.flush()
    detail = {"name": title, "source": doc, "year": year, "carried_from": carried_from}
    tx.record("ledger.new", "ledger", lid, detail)
    return lid


def load(tx: Tx, ledger_id: str) -> Ledger:
    """The ledger to change (locked on PostgreSQL), or the refusal naming the known ones."""
    key = (ledger_id or "").strip()
    row = tx.get(Ledger, key) if key else None
    if row is None:
        known = tx.session.exec(select(Ledger.id).order_by(col(Ledger.id).desc())).all()
        raise not_found(ledger_id, list(known))
    return row


def not_found(ledger_id: str, known: list[str]) -> NotFoundError:
    tip = f"已有的台账：{'、'.join(known[:10])}。" if known else "案卷中还没有台账。"
    return NotFoundError(
        f"没有编号为“{ledger_id}”的台账：台账编号形如 L2026-01，可用 zuozhen ledger list 查看。{tip}"
    )


# -- items --------------------------------------------------------------------------------


def add(
    case: CaseFile,
    act: Act,
    ledger_id: str,
    *,
    item: str,
    units: list[str],
    due: date,
    measures: str | None = None,
    allow_new: bool = False,
) -> Added:
    """``ledger add``: one item, handed off to its units at once."""
    text = clean_text(item, "问题（--item）")
    what = clean_text(measures, "整改措施（--measures）", required=False) or None
    given = [names.clean_name(u, names.UNIT) for u in units]
    if not given:
        raise InputError("请用 --unit 指定责任单位（多个单位时第一个为牵头单位）。")
    appeals.refuse_repeats(given)
    with case.write(act) as tx:
        ledger = load(tx, ledger_id)
        notes = names.admit(tx, names.UNIT, given, allow_new=allow_new, via="ledger add")
        warnings = check_due(tx, due, tip="请改用 --due {next} 或其他工作日。")
        seq = next_seq(tx, ledger.id)
        added = add_item(tx, ledger, Item(seq, text, given, due, what))
        return Added(added.id, ledger.id, given, due, added.plan_due, notes + warnings)


def check_due(tx: Tx, due: date, *, tip: str, what: str = "完成时限 ") -> list[str]:
    """A 完成时限 is a working day not before today; in a year whose holiday schedule is not
    loaded it is taken with a warning (returned)."""
    cal = tx.case.calendar
    if due < tx.today:
        raise RuleError(
            f"{what}{due.isoformat()} 早于交办日期 {tx.today.isoformat()}：请检查日期（或 --today）。"
        )
    require_workday(cal, due, what=what, action="期限应落在工作日", tip=tip)
    if cal.is_provisional(due):
        return [
            f"{due.year} 年的节假日安排尚未载入，完成时限 {due.isoformat()} 是否为工作日按周末和法定节日估算："
            f"国务院办公厅通知发布后请用 zuozhen calendar load 载入并核对。"
        ]
    return []


def next_seq(tx: Tx, ledger_id: str) -> int:
    from sqlalchemy import func

    top = tx.session.exec(select(func.max(Appeal.seq)).where(Appeal.booking_id == ledger_id)).one()
    return int(top or 0) + 1


def add_item(tx: Tx, ledger: Ledger, it: Item, *, carried_from: str | None = None) -> Added:
    """Store one checked item and hand it off to its units (as ``assign to`` does)."""
    booking = tx.get(Booking, ledger.id, lock=False)
    assert booking is not None
    aid = f"{ledger.id}-{it.seq:03d}"
    a = Appeal(
        id=aid,
        booking_id=ledger.id,
        seq=it.seq,
        month=booking.month,
        text=it.text,
        category=CATEGORY,
        status="referred",
        carried_from=carried_from,
        created_at=tx.at,
        updated_at=tx.at,
    )
    tx.session.add(a)
    tx.session.flush()
    detail: dict[str, Any] = {
        "ledger": ledger.id,
        "seq": it.seq,
        "text": it.text,
        "units": it.units,
        "due": it.due,
        "measures": it.measures,
    }
    if carried_from:
        detail["carried_from"] = carried_from
    tx.record("ledger.item", "appeal", aid, detail)
    h = handoff.hand_off_in(tx, a, it.units, report_due=it.due)
    if it.measures:
        row = appeals.current_handoff(tx, a)
        row.measures = it.measures
        tx.session.add(row)
    return Added(aid, ledger.id, it.units, it.due, h.plan_due)


def add_many(tx: Tx, ledger: Ledger, items: list[Item]) -> list[str]:
    """``add_item`` for a whole file (ledger import), written in bulk
    (``handoff.hand_off_new``): the same rows and the same events, item by item."""
    from zuozhen.store.trail import Event

    booking = tx.get(Booking, ledger.id, lock=False)
    assert booking is not None
    rows: list[dict[str, Any]] = []
    events: list[Event] = []
    for it in items:
        aid = f"{ledger.id}-{it.seq:03d}"
        rows.append(
            {"id": aid, "booking_id": ledger.id, "seq": it.seq, "month": booking.month,
             "text": it.text, "category": CATEGORY, "round": 1, "renotify": False,
             "resolved_on_spot": False, "created_at": tx.at, "updated_at": tx.at,
             "measures": it.measures}
        )  # fmt: skip
        detail = {"ledger": ledger.id, "seq": it.seq, "text": it.text, "units": it.units,
                  "due": it.due, "measures": it.measures}  # fmt: skip
        events.append(Event("ledger.item", "appeal", aid, detail))
    handed = handoff.hand_off_new(tx, rows, [it.units for it in items], [it.due for it in items])
    tx.record_many([e for pair in zip(events, handed, strict=True) for e in pair])
    return [r["id"] for r in rows]


# -- carry-over ---------------------------------------------------------------------------


def carry(
    case: CaseFile, act: Act, ledger_id: str, *, year: int, due: date | None = None
) -> Carried:
    """``ledger carry``: the open items into a new ledger of ``year`` (see the module doc)."""
    check_year(year)
    with case.write(act) as tx:
        old = load(tx, ledger_id)
        if year <= old.year:
            raise RuleError(
                f"台账 {old.id} 是 {old.year} 年度的，只能结转到以后的年度：请改用 --year {old.year + 1}。"
            )
        done = tx.session.exec(select(Ledger.id).where(Ledger.carried_from == old.id)).first()
        if done is not None:
            raise RuleError(
                f"台账 {old.id} 已结转到 {done}，不能重复结转：请用 zuozhen ledger show {done} 查看。"
            )
        items = _open_items(tx, old.id)
        if not items:
            raise RuleError(f"台账 {old.id} 没有未销号的事项，无需结转。")
        fallback = due or _year_end(tx, year)
        if due is not None:
            check_due(tx, due, tip="请改用 --due {next} 或其他工作日。")
        lid = _create(tx, old.name, old.source, year, old.id)
        new_ledger = load(tx, lid)
        pairs: list[list[str]] = []
        for seq, a in enumerate(items, 1):
            h = tx.session.exec(
                select(Handoff).where(Handoff.appeal_id == a.id, Handoff.round == a.round)
            ).first()
            report = duties.current(tx, a.id, "report")
            keep = report.due if report is not None and report.due >= tx.today else None
            units = _units_of(tx, a)
            it = Item(seq, a.text, units, keep or fallback, h.measures if h else None)
            added = add_item(tx, new_ledger, it, carried_from=a.id)
            dropped = duties.drop_all(tx, a.id)
            a.updated_at = tx.at
            tx.session.add(a)
            detail = {"into": added.id, "ledger": lid, "dropped": dropped}
            tx.record("ledger.carried", "appeal", a.id, detail)
            pairs.append([a.id, added.id])
        return Carried(lid, old.id, year, len(pairs), pairs)


def _open_items(tx: Tx, ledger_id: str) -> list[Appeal]:
    rows = tx.session.exec(
        select(Appeal)
        .where(Appeal.booking_id == ledger_id, col(Appeal.status).in_(states.OPEN_STATES))
        .order_by(col(Appeal.seq))
    ).all()
    return list(rows)


def _year_end(tx: Tx, year: int) -> date:
    """The last working day of ``year``: a carried item's 完成时限 when its own has passed."""
    cal = tx.case.calendar
    day = date(year, 12, 31)
    while not cal.is_workday(day):
        day = date.fromordinal(day.toordinal() - 1)
    return day


def _units_of(tx: Tx, a: Appeal) -> list[str]:
    """The item's units; one returned by all its units: those of its last hand-off."""
    units = appeals.unit_list(a.units)
    if units:
        return units
    h = tx.session.exec(
        select(Handoff).where(Handoff.appeal_id == a.id).order_by(col(Handoff.round).desc())
    ).first()
    return appeals.unit_list(h.units if h else None)


# -- from appeals to a ledger ---------------------------------------------------------------


def raise_item(
    case: CaseFile,
    act: Act,
    ledger_id: str,
    *,
    problem_class: str | None,
    appeal_ids: list[str],
    due: date,
    units: list[str] | None = None,
    item: str | None = None,
    allow_new: bool = False,
) -> Added:
    """``ledger raise``: a 共性诉求 class turned into a ledger item ("解决一个诉求，推动解决一类
    问题"). The link is the class itself: the item carries it (``problem_class``) and every
    appeal of that class — those raised now and any classified so later — is linked to it
    (``show`` lists them both ways); no table of links. ``--appeal`` names appeals of one
    class (that class is raised); appeals of no or different classes are refused, to be
    classified first (``amend --class``). The units default to the appeals' leading units,
    the most frequent first."""
    given = [a.strip() for a in appeal_ids if a.strip()]
    if not problem_class and not given:
        raise InputError("请用 --class 指定共性诉求类别，或用 --appeal 指定同一类别的诉求。")
    with case.write(act) as tx:
        ledger = load(tx, ledger_id)
        cls = _class_of(tx, problem_class, given)
        rows = tx.session.exec(
            select(Appeal).where(Appeal.problem_class == cls, col(Appeal.booking_id).not_like("L%"))
        ).all()
        if not rows:
            raise RuleError(
                f"没有类别为“{cls}”的诉求：请检查 --class（zuozhen report quarterly --by class 可查看）。"
            )
        leads = [a.lead_unit for a in rows if a.lead_unit]
        chosen = [names.clean_name(u, names.UNIT) for u in units or []]
        chosen = chosen or sorted(set(leads), key=lambda u: (-leads.count(u), u))
        if not chosen:
            raise InputError(f"类别“{cls}”的诉求还没有承办单位：请用 --unit 指定责任单位。")
        appeals.refuse_repeats(chosen)
        notes = names.admit(tx, names.UNIT, chosen, allow_new=allow_new, via="ledger raise")
        warnings = check_due(tx, due, tip="请改用 --due {next} 或其他工作日。")
        text = clean_text(item, "问题（--item）", required=False) or (
            f"共性诉求“{cls}”：{len(rows)} 项企业诉求反映的同类问题"
        )
        added = add_item(tx, ledger, Item(next_seq(tx, ledger.id), text, chosen, due))
        a = tx.get(Appeal, added.id)
        assert a is not None
        a.problem_class = cls
        tx.session.add(a)
        linked = sorted(r.id for r in rows)
        tx.record("ledger.raise", "appeal", added.id, {"class": cls, "appeals": linked})
        return Added(added.id, ledger.id, chosen, due, added.plan_due, notes + warnings)


def _class_of(tx: Tx, problem_class: str | None, given: list[str]) -> str:
    cls = clean_text(problem_class, "共性诉求类别（--class）", required=False, limit=100) or None
    found: set[str | None] = set()
    for aid in given:
        a = tx.get(Appeal, aid, lock=False)
        if a is None or appeals.is_ledger_item(aid):
            raise appeals.not_found(aid)
        found.add(a.problem_class)
    if given and (None in found or len(found) > 1 or (cls and found != {cls})):
        shown = "、".join(sorted(str(c) for c in found if c)) or "无"
        raise RuleError(
            f"所列诉求的共性诉求类别不一致（{shown}）：请先用 zuozhen amend 诉求号 --class 类别 "
            "把它们归入同一类别，再用 --class 提出。"
        )
    result = cls or next(iter(found))
    assert result is not None
    return result
