"""更正 (``amend``): correcting what a clerk recorded wrongly, with a reason, as one event.

Corrections are events, not edits (style.md): the row takes the new value and the trail
keeps the old one, the new one and the reason (action ``amend``, entity ``appeal``,
``detail.changes`` = ``[{field, from, to, …}]``); ``show`` lists them as 更正记录 and
``history`` as 更正. What may be corrected, field by field (the option is the field's
code in ``changes``):

* ``--text``, ``--category``, ``--theme``, ``--class`` — the appeal's own fields. The
  category is one of the configured categories; the theme is a name from the
  configuration (``names.admit``: a name outside the list is refused with the closest
  ones, ``--allow-new`` adds it, recorded); the 共性诉求 class is free text, as at triage,
  with the classes in use that look alike pointed out. A theme or class never recorded
  may be filled in the same way.
* ``--region`` — the 所属地区 is the enterprise's (``Enterprise.region``), and every report
  groups by it (reports.py: ``e.region``), so correcting it corrects the enterprise: all
  its appeals move together in the figures by region. The appeal's event names the
  enterprise and a second event (entity ``enterprise``, its credit code) records the same
  change where the enterprise's own history is read.
* ``--unit OLD=NEW`` — a unit of the current state. With a hand-off in the current round
  (live, or already reported, closed or rated: the reports read it), OLD is replaced by
  NEW in that hand-off (in its place: a leading OLD makes NEW the leading unit) and in the
  appeal's units; every open time limit of the appeal held by OLD (承办、反馈、评价 …) and
  every limit of the current round held by OLD moves to NEW, and so do the current
  round's interim reports and co-unit parts (阶段性进展、分工部分) made under OLD's name: a
  correction says the name was recorded wrongly, so what was recorded under it was NEW's.
  The daily audit, the 督办单 and the reports then count the appeal under NEW. Without a
  hand-off in the current round (units chosen at triage, or those left after a return or
  a reopening) the appeal's units are corrected. Earlier rounds are history and are not
  corrected. NEW is a name from the configuration, like every unit.
* ``--result`` — the result (办理结果, or the answer on the spot) of the current round if
  it is closed, else of the last closed round: the ``closure`` row of that round and, for
  the current round, the appeal's own column, so ``show``, ``search`` and the rounds
  agree. Refused when nothing was closed.
* ``--handler``, ``--measures`` — the current round's undertaking (承办); refused if the
  round was not undertaken.

Refused, with nothing changed: no reason; no field; every field given already holding
that value (与原值相同; when only some do, the others are corrected and the clerk is told
which were left as they were — a no-op is never recorded); an appeal withdrawn, voided or
merged (its handling has ended: ``states.require``); a day before the booking. Ratings
(诊后评价) are the enterprise's own and are never amended (seed 002 §四(二)): there is no
option for them. Every write goes through loaded ORM rows.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zuozhen import appeals, names, states
from zuozhen.errors import InputError, RuleError
from zuozhen.validation import choose, clean_text

if TYPE_CHECKING:  # the read path (show, history) imports this module: no database stack
    from zuozhen.models import Appeal, Enterprise, Handoff
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Act, CaseFile, Tx

REASON_LIMIT = 500
TEXT_LIMIT = 2000  # as booking.APPEAL_LIMIT

#: field code → the clerk's word, in the order corrections are applied and shown.
FIELDS = {
    "text": "诉求内容",
    "category": "诉求类别",
    "theme": "主题",
    "class": "共性类别",
    "region": "所属地区",
    "unit": "承办单位",
    "handler": "承办人",
    "measures": "办理措施",
    "result": "办理结果",
    "outcome": "办结方式",
}


@dataclass(frozen=True, slots=True)
class Given:
    """What the clerk asked to correct, checked for form (not yet against the file)."""

    text: str | None = None
    category: str | None = None
    theme: str | None = None
    problem_class: str | None = None
    region: str | None = None
    unit: tuple[str, str] | None = None  # (OLD, NEW)
    handler: str | None = None
    measures: str | None = None
    result: str | None = None
    outcome: str | None = None
    allow_new: bool = False

    def empty(self) -> bool:
        values = (self.text, self.category, self.theme, self.problem_class, self.region)
        more = (self.unit, self.handler, self.measures, self.result, self.outcome)
        return all(v is None for v in (*values, *more))


@dataclass(frozen=True, slots=True)
class Change:
    """One field corrected: ``extra`` says where (round, enterprise) when it matters."""

    field: str
    old: str | None
    new: str
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "from": self.old, "to": self.new, **self.extra}


@dataclass(frozen=True, slots=True)
class Amended:
    appeal: str
    reason: str
    changes: list[Change]
    unchanged: list[str]  # fields given with the value they already had
    moved: list[list[Any]]  # [step, round, due] of each time limit moved to the new unit
    notes: list[str] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "reason": self.reason,
            "changes": [c.as_json() for c in self.changes],
            "unchanged": self.unchanged,
            "moved": [{"step": s, "round": r, "due": d} for s, r, d in self.moved],
        }


def describe(change: dict[str, Any]) -> str:
    """One change in the clerk's words: 承办单位（第 1 轮）：省商务局 → 省商务厅."""
    what = FIELDS.get(str(change.get("field")), str(change.get("field")))
    where = f"（第 {change['round']} 轮）" if change.get("round") else ""
    if change.get("enterprise"):
        where = f"（企业 {change['enterprise']}）"
    old = change.get("from")
    return f"{what}{where}：{'（空）' if old in (None, '') else old} → {change.get('to')}"


# -- parsing what was typed ---------------------------------------------------------------


def unit_pair(value: str) -> tuple[str, str]:
    """``--unit OLD=NEW``: the unit recorded wrongly and the right one."""
    text = (value or "").strip()
    if text.count("=") != 1:
        raise InputError(
            f"--unit 应写成“原单位=正确单位”，例如 --unit 省商务局=省商务厅（收到的是“{value}”）。"
        )
    old, new = (part.strip() for part in text.split("="))
    if not old or not new:
        raise InputError("--unit 的原单位和正确单位都要写，例如 --unit 省商务局=省商务厅。")
    old, new = names.clean_name(old, names.UNIT), names.clean_name(new, names.UNIT)
    if old == new:
        raise InputError(f"--unit 的正确单位与原单位相同（“{old}”）：与原值相同，无需更正。")
    return old, new


def given(
    *,
    text: str | None = None,
    category: str | None = None,
    theme: str | None = None,
    problem_class: str | None = None,
    region: str | None = None,
    unit: str | None = None,
    handler: str | None = None,
    measures: str | None = None,
    result: str | None = None,
    outcome: str | None = None,
    allow_new: bool = False,
) -> Given:
    """The options checked for form: empty, overlong or malformed values are refused."""
    return Given(
        text=clean_text(text, "诉求内容（--text）", limit=TEXT_LIMIT) if text is not None else None,
        category=category.strip() if category is not None else None,
        theme=names.clean_name(theme, names.THEME) if theme is not None else None,
        problem_class=(
            clean_text(problem_class, "共性诉求类别（--class）", limit=100)
            if problem_class is not None
            else None
        ),
        region=names.clean_name(region, names.REGION) if region is not None else None,
        unit=unit_pair(unit) if unit is not None else None,
        handler=clean_text(handler, "承办人（--handler）", limit=100)
        if handler is not None
        else None,
        measures=clean_text(measures, "办理措施（--measures）") if measures is not None else None,
        result=clean_text(result, "办理结果（--result）") if result is not None else None,
        outcome=_outcome(outcome) if outcome is not None else None,
        allow_new=allow_new,
    )


def _outcome(value: str) -> str:
    from zuozhen.closing import HANDLED  # as ``close --outcome`` takes it after a report

    return choose(value, HANDLED, "办结方式（--outcome）")


# -- the act --------------------------------------------------------------------------------


def amend(case: CaseFile, act: Act, appeal_id: str, *, reason: str, what: Given) -> Amended:
    """更正: correct the fields in ``what`` of one appeal, with ``reason``, in one event."""
    why = clean_text(reason, "更正原因（--reason）", limit=REASON_LIMIT)
    if what.empty():
        raise InputError(
            "没有要更正的内容：请至少指定 --text、--category、--theme、--class、--region、--outcome、"
            "--unit 原单位=正确单位、--handler、--measures 或 --result 之一。"
        )
    if what.category is not None:
        choose(what.category, case.config.categories, "诉求类别（--category）")
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "amend")
        appeals.booked_on(tx, a)
        work = _Work(tx, a, what)
        work.run()
        if not work.changes:
            same = "、".join(work.unchanged)
            raise RuleError(
                f"所填的{same}与原值相同，没有需要更正的内容：请用 zuozhen show {a.id} 核对现值。"
            )
        a.updated_at = tx.at
        tx.session.add(a)
        detail: dict[str, Any] = {
            "reason": why,
            "changes": [c.as_json() for c in work.changes],
        }
        if work.moved:
            detail["moved"] = work.moved
        if work.unchanged:
            detail["unchanged"] = work.unchanged
        tx.record("amend", "appeal", a.id, detail)
        if work.firm is not None:
            region = next(c for c in work.changes if c.field == "region")
            tx.record(
                "amend",
                "enterprise",
                work.firm.uscc,
                {"reason": why, "appeal": a.id, "changes": [region.as_json()]},
            )
        return Amended(a.id, why, work.changes, work.unchanged, work.moved, work.notes)


class _Work:
    """The corrections of one act, field by field, inside its transaction."""

    def __init__(self, tx: Tx, a: Appeal, what: Given) -> None:
        self.tx, self.a, self.what = tx, a, what
        self.changes: list[Change] = []
        self.unchanged: list[str] = []
        self.moved: list[list[Any]] = []
        self.notes: list[str] = []
        self.firm: Enterprise | None = None
        self._handoff: Handoff | None = None
        self._looked = False

    def run(self) -> None:
        w, a = self.what, self.a
        self._plain("text", a.text, w.text)
        self._plain("category", a.category, w.category)
        if self._differs("theme", a.theme, w.theme):
            self._admit(names.THEME, w.theme)
            self._plain("theme", a.theme, w.theme)
        if self._differs("class", a.problem_class, w.problem_class):
            self._class_hint(str(w.problem_class))
            self._plain("class", a.problem_class, w.problem_class)
        if w.region is not None:
            self._region(w.region)
        if w.unit is not None:
            self._unit(*w.unit)
        if w.handler is not None or w.measures is not None:
            self._undertaking()
        if w.outcome is not None:
            self._closed("outcome", w.outcome)
        if w.result is not None:
            self._closed("result", w.result)

    # -- helpers

    def _differs(self, code: str, old: str | None, new: str | None) -> bool:
        """Whether a given value changes the field; an equal one is noted, not recorded."""
        if new is None:
            return False
        if old == new:
            self.unchanged.append(f"{FIELDS[code]}（{new}）")
            return False
        return True

    def _plain(self, code: str, old: str | None, new: str | None, **extra: Any) -> None:
        """An appeal column: ``text``, ``category``, ``theme``, ``class``."""
        if not self._differs(code, old, new):
            return
        assert new is not None
        column = {"class": "problem_class"}.get(code, code)
        setattr(self.a, column, new)
        self.changes.append(Change(code, old, new, extra))

    def _admit(self, kind: names.Kind, name: str | None) -> None:
        assert name is not None
        self.notes += names.admit(self.tx, kind, [name], allow_new=self.what.allow_new, via="amend")

    def _class_hint(self, cls: str) -> None:
        from sqlmodel import col, select

        from zuozhen.models import Appeal

        used = self.tx.session.exec(
            select(Appeal.problem_class)
            .where(col(Appeal.problem_class).is_not(None), Appeal.id != self.a.id)
            .distinct()
        ).all()
        known = [c for c in used if c]
        close = [] if cls in known else difflib.get_close_matches(cls, known, n=3, cutoff=0.5)
        if close:
            self.notes.append(
                f"已有相近的共性诉求类别：{'、'.join(close)}；如属同一类，请统一用已有名称，"
                "便于通报中归类统计。"
            )

    def handoff(self) -> Handoff | None:
        """The hand-off of the appeal's current round, if it was handed off in it."""
        from sqlmodel import select

        from zuozhen.models import Handoff

        if not self._looked:
            self._handoff = self.tx.session.exec(
                select(Handoff).where(Handoff.appeal_id == self.a.id, Handoff.round == self.a.round)
            ).first()
            self._looked = True
        return self._handoff

    # -- 所属地区 (the enterprise's)

    def _region(self, new: str) -> None:
        from sqlmodel import col, select

        from zuozhen.models import Appeal, Booking, Enterprise

        tx, a = self.tx, self.a
        booking = tx.get(Booking, a.booking_id, lock=False)
        assert booking is not None
        firm = tx.get(Enterprise, booking.uscc)
        assert firm is not None
        if not self._differs("region", firm.region, new):
            return
        self._admit(names.REGION, new)
        old = firm.region
        firm.region, firm.updated_at = new, tx.at
        tx.session.add(firm)
        self.firm = firm
        others = tx.session.exec(
            select(Appeal.id)
            .join(Booking, col(Booking.id) == col(Appeal.booking_id))
            .where(Booking.uscc == firm.uscc, Appeal.id != a.id)
        ).all()
        extra = {"enterprise": firm.name, "uscc": firm.uscc}
        self.changes.append(Change("region", old, new, extra))
        note = f"所属地区是企业“{firm.name}”的信息：已更正该企业的地区"
        if others:
            shown = "、".join(others[:5]) + ("等" if len(others) > 5 else "")
            note += f"，它的其他 {len(others)} 项诉求（{shown}）随之按“{new}”统计"
        self.notes.append(note + "。")

    # -- 承办单位

    def _unit(self, old: str, new: str) -> None:
        a = self.a
        units = appeals.unit_list(a.units)
        h = self.handoff()
        if h is not None:
            units = appeals.unit_list(h.units)
        if not units:
            raise RuleError(
                f"诉求 {a.id} 还没有承办单位，无从更正：分办请用 zuozhen triage {a.id} --unit 单位，"
                f"交办请用 zuozhen assign to {a.id} --unit 单位。"
            )
        where = f"第 {a.round} 轮交办" if h is not None else "诉求"
        if old not in units:
            raise RuleError(
                f"“{old}”不是诉求 {a.id} 的承办单位（{where}：{'、'.join(units)}），无从更正："
                "请检查 --unit 原单位=正确单位 的原单位。"
            )
        if new in units:
            raise RuleError(
                f"“{new}”已是诉求 {a.id} 的承办单位（{'、'.join(units)}）：同一单位不能写两次；"
                f"如“{old}”是多余的，请由它退回（zuozhen assign return {a.id} --unit {old} --reason …）。"
            )
        self._admit(names.UNIT, new)
        fixed = [new if u == old else u for u in units]
        extra: dict[str, Any] = {"round": a.round} if h is not None else {}
        if fixed[0] == new:
            extra["lead"] = True
        if h is not None:
            h.units, h.lead_unit = appeals.units_json(fixed), fixed[0]
            self.tx.session.add(h)
        a.units, a.lead_unit = appeals.units_json(fixed), fixed[0]
        self._move_limits(old, new)
        moved_reports = self._move_reports(old, new) if h is not None else 0
        if moved_reports:
            extra["reports"] = moved_reports
        self.changes.append(Change("unit", old, new, extra))

    def _move_limits(self, old: str, new: str) -> None:
        """Open time limits held by OLD, and the current round's met ones, go to NEW."""
        from sqlmodel import col, select

        from zuozhen.models import Deadline

        tx, a = self.tx, self.a
        rows = tx.session.exec(
            select(Deadline)
            .where(Deadline.appeal_id == a.id, Deadline.unit == old)
            .order_by(col(Deadline.id))
        ).all()
        for row in rows:
            if row.done_on is None or row.round == a.round:
                row.unit = new
                tx.session.add(row)
                if row.done_on is None:
                    self.moved.append([row.step, row.round, row.due])

    def _move_reports(self, old: str, new: str) -> int:
        """The current round's interim reports and parts made under OLD's name."""
        from sqlmodel import select

        from zuozhen.models import Progress

        tx, a = self.tx, self.a
        rows = tx.session.exec(
            select(Progress).where(
                Progress.appeal_id == a.id, Progress.round == a.round, Progress.unit == old
            )
        ).all()
        for row in rows:
            row.unit = new
            tx.session.add(row)
        return len(rows)

    # -- 承办人、办理措施

    def _undertaking(self) -> None:
        a, w = self.a, self.what
        h = self.handoff()
        if h is None or h.accepted_on is None:
            raise RuleError(
                f"诉求 {a.id} 第 {a.round} 轮尚未承办，没有承办人和办理措施可更正："
                f"承办请用 zuozhen assign accept {a.id} --handler … --measures …。"
            )
        for code, attr, new in (
            ("handler", "handler", w.handler),
            ("measures", "measures", w.measures),
        ):
            old = getattr(h, attr)
            if self._differs(code, old, new):
                setattr(h, attr, new)
                self.changes.append(Change(code, old, str(new), {"round": a.round}))
        self.tx.session.add(h)

    # -- 办理结果

    def _closed(self, field: str, new: str) -> None:
        """办理结果 or 办结方式 of the closed round (the current one, else the last closed)."""
        from sqlmodel import col, select

        from zuozhen.models import Closure

        tx, a = self.tx, self.a
        rows = tx.session.exec(
            select(Closure).where(Closure.appeal_id == a.id).order_by(col(Closure.round).desc())
        ).all()
        if a.status in states.FINISHED:  # the current round is closed
            n, old = a.round, getattr(a, field)
            k = next((x for x in rows if x.round == a.round), None)
        else:  # reopened, or never closed: the last closed round, if any
            k = next((x for x in rows if x.round < a.round), None)
            if k is None:
                raise RuleError(
                    f"诉求 {a.id} 尚未销号，没有{FIELDS[field]}可更正：销号请用 zuozhen close "
                    f"{a.id} --outcome … --result …。"
                )
            n, old = k.round, getattr(k, field)
        if not self._differs(field, old, new):
            return
        if n == a.round:
            setattr(a, field, new)
        if k is not None:
            setattr(k, field, new)
            tx.session.add(k)
        self.changes.append(Change(field, old, new, {"round": n}))


def amendments(r: Reader, appeal_id: str) -> list[dict[str, Any]]:
    """The appeal's corrections, oldest first: when (the day and the moment entered), who,
    the reason and each field's old and new value."""
    from zuozhen.config import local_time
    from zuozhen.store.reader import as_date

    tz = r.config.zone()
    out = []
    for t in r.rows(
        "SELECT at, as_of, operator, detail FROM trail"
        " WHERE entity = 'appeal' AND entity_id = :id AND action = 'amend' ORDER BY id",
        {"id": appeal_id},
    ):
        detail = json.loads(t["detail"])
        out.append(
            {
                "as_of": as_date(t["as_of"]),
                "at": t["at"],
                "at_local": local_time(t["at"], tz).isoformat(timespec="seconds"),
                "operator": t["operator"],
                "reason": detail.get("reason"),
                "changes": detail.get("changes", []),
            }
        )
    return out
