"""Step 7 of the ten steps: 三办一销号 up to the unit's report.

* ``hand_off``    交办: hand the appeal to one unit (single) or several (joint, first leads)
* ``undertake``   承办: the unit names handler, measures and the promised date
* ``report_back`` 反馈: the unit reports how it was handled
* ``extend``      延期: a later report deadline, on the unit's written reason or a law's own limit
* ``return_``     退回: a unit of the round says the appeal is not its duty (不属于本单位职责),
                  within the plan period or after it; recorded against that unit on the
                  round's ``handoff`` row; the round ends (its open time limits dropped), the
                  unit leaves the appeal's units and the appeal waits for a new hand-off
                  (``referred``), which is a new round
* ``progress``    阶段性进展: any unit of the round, any number of times; no step is closed
* ``report_back`` with a co-unit of a joint hand-off: that unit's part (分工部分, once each);
                  only the leading unit's report closes the report step

Units handed off to are names from the configuration (``names.admit``). The dates a unit
gives — the promised date and an extended deadline — must be working days: a rest day is
refused with the next working day named (``workdays.require_workday``, as for sessions).

``undertake``, ``report_back`` and ``progress`` each open their own transaction; their
``*_in`` forms (``undertake_in`` …) do the same act inside one already open, so a unit's
workbook (unit_sheets.py) applies many rows, one savepoint each, in one transaction by the
very same rules, its trail events naming the file (``source``).

Every act asks ``states.require`` first, then changes rows and appends exactly one
audit-trail event inside one transaction (``CaseFile.write``); any refusal raises a
``ZuozhenError`` inside that transaction, so nothing is changed. Time limits are stored in
the ``deadline`` table through ``duties`` (seed 002 §三(七)): plan within ``limits.plan``
working days of the hand-off, report within ``report_single`` / ``report_joint``; an
extension replaces the round's report deadline with a fixed date. The ``handoff`` row
keeps no copy of them. Handing off meets the ``handoff`` limit (opened by the referral or
the reopening); the report opens the organiser's ``close`` limit (销号 within
``limits.close``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from zuozhen import appeals, duties, names, states
from zuozhen.errors import InputError, RuleError
from zuozhen.models import Appeal, Extension, Handoff, Progress
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import HANDLER_LIMIT, clean_text
from zuozhen.workdays import require_workday


@dataclass(frozen=True, slots=True)
class HandedOff:
    appeal: str
    round: int
    units: list[str]
    lead_unit: str
    joint: bool
    handed_on: date
    plan_due: date
    report_due: date
    provisional: bool
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "round": self.round,
            "units": self.units,
            "lead_unit": self.lead_unit,
            "joint": self.joint,
            "plan_due": self.plan_due,
            "report_due": self.report_due,
            "provisional": self.provisional,
        }


@dataclass(frozen=True, slots=True)
class Undertaken:
    appeal: str
    handler: str
    promised_by: date
    plan_due: date
    report_due: date
    late: bool


@dataclass(frozen=True, slots=True)
class Reported:
    appeal: str
    report_due: date
    late: bool
    unit: str | None = None
    part: bool = False  # a co-unit's part: the report step stays open
    waiting: list[str] = field(default_factory=list)  # co-units whose part is not in yet


@dataclass(frozen=True, slots=True)
class Returned:
    appeal: str
    round: int  # the round the unit returned; the next hand-off is round + 1
    unit: str
    reason: str
    late: bool  # after the plan period
    plan_due: date
    status: str
    units: list[str]  # the appeal's units now, the returning unit left out
    dropped: list[list[Any]]


@dataclass(frozen=True, slots=True)
class Progressed:
    appeal: str
    round: int
    unit: str
    reported_on: date
    count: int  # progress reports of the round so far


@dataclass(frozen=True, slots=True)
class Extended:
    appeal: str
    old_due: date
    new_due: date
    extensions: int
    basis: str | None


# -- 7 交办 承办 反馈 延期 销号 -------------------------------------------------------------


def hand_off(
    case: CaseFile, act: Act, appeal_id: str, units: list[str], *, allow_new: bool = False
) -> HandedOff:
    """交办: one unit = single item, several = joint item led by the first; the units must
    be on the configured list (or are added to it: ``allow_new``)."""
    given = [names.clean_name(u, names.UNIT) for u in units]
    if not given:
        raise InputError("请用 --unit 指定至少一个承办单位（多个单位时第一个为牵头单位）。")
    appeals.refuse_repeats(given)
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "hand_off")
        notes = names.admit(tx, names.UNIT, given, allow_new=allow_new, via="assign to")
        return hand_off_in(tx, a, given, warnings=notes)


def hand_off_in(
    tx: Tx,
    a: Appeal,
    given: list[str],
    *,
    report_due: date | None = None,
    warnings: list[str] | None = None,
) -> HandedOff:
    """``hand_off`` inside an open transaction, the units already admitted; ``report_due``
    fixes the report deadline to a date (a ledger item's 完成时限, rule ``fixed``) instead
    of the programme's working-day limit."""
    limits = appeals.limits_of(tx, a)  # an intake's channel may set its own
    joint = len(given) > 1
    lead = given[0]
    duties.meet(tx, a.id, "handoff", tx.today)
    plan = duties.open_duty(
        tx, a.id, "accept", tx.today, limits.plan, "wd", unit=lead, round=a.round
    )
    if report_due is None:
        count = limits.report_joint if joint else limits.report_single
        report = duties.open_duty(
            tx, a.id, "report", tx.today, count, "wd", unit=lead, round=a.round
        )
    else:
        report = duties.open_duty(
            tx, a.id, "report", tx.today, None, "fixed", due=report_due, unit=lead, round=a.round
        )
    provisional = plan.provisional or report.provisional
    tx.session.add(
        Handoff(
            appeal_id=a.id,
            round=a.round,
            handed_on=tx.today,
            units=appeals.units_json(given),
            lead_unit=lead,
            joint=joint,
        )
    )
    a.units, a.lead_unit = appeals.units_json(given), lead
    appeals.set_status(tx, a, "handed_off")
    tx.record(
        "assign.to",
        "appeal",
        a.id,
        {
            "round": a.round,
            "units": given,
            "joint": joint,
            "plan_due": plan.due,
            "report_due": report.due,
            "provisional": provisional,
        },
    )
    return HandedOff(
        a.id,
        a.round,
        given,
        lead,
        joint,
        tx.today,
        plan.due,
        report.due,
        provisional,
        list(warnings or []),
    )


def hand_off_new(
    tx: Tx, rows: list[dict[str, Any]], units: list[list[str]], dues: list[date]
) -> list[Any]:
    """``hand_off_in`` for many new appeals at once (a ledger import), by executemany: each
    appeal row (a dict to insert, ``measures`` popped into its hand-off) gets round 1 to its
    units, the plan limit and its report limit fixed on its date; returns the ``assign.to``
    events, in order, for the caller to record after its own."""
    from zuozhen.models import Deadline
    from zuozhen.store import search_index
    from zuozhen.store.trail import Event

    plan = duties.compute(tx, tx.today, tx.case.config.limits.plan, "wd")
    handoffs, limits, events = [], [], []
    texts: dict[tuple[str, ...], str] = {}  # a unit list's JSON, made once
    for row, given, due in zip(rows, units, dues, strict=True):
        aid, lead, joint = row["id"], given[0], len(given) > 1
        text = texts.get(key := tuple(given)) or texts.setdefault(key, appeals.units_json(given))
        row.update(status="handed_off", units=text, lead_unit=lead)
        handoffs.append(
            {"appeal_id": aid, "round": 1, "handed_on": tx.today, "units": row["units"],
             "lead_unit": lead, "joint": joint, "measures": row.pop("measures", None),
             "accepted_late": False, "reported_late": False, "extensions": 0}
        )  # fmt: skip
        base = {"appeal_id": aid, "round": 1, "unit": lead, "start": tx.today, "done_on": None,
                "late": False}  # fmt: skip
        limits.append({**base, "step": "accept", "count": tx.case.config.limits.plan,
                       "rule": "wd", "due": plan.date, "provisional": plan.provisional})  # fmt: skip
        limits.append({**base, "step": "report", "count": None, "rule": "fixed", "due": due,
                       "provisional": False})  # fmt: skip
        detail = {"round": 1, "units": given, "joint": joint, "plan_due": plan.date,
                  "report_due": due, "provisional": plan.provisional}  # fmt: skip
        events.append(Event("assign.to", "appeal", aid, detail))
    if not rows:
        return events
    conn, ids = tx.session.connection(), [r["id"] for r in rows]
    # Indexed for search in one statement per 500 rows, not by a trigger row by row.
    with search_index.bulk(conn, "appeal") as index_appeals:
        tx.insert_many(Appeal, rows)
        index_appeals(ids)
    with search_index.bulk(conn, "handoff", by="appeal_id") as index_handoffs:
        tx.insert_many(Handoff, handoffs)
        index_handoffs(ids)
    tx.insert_many(Deadline, limits)
    return events


def undertake(
    case: CaseFile, act: Act, appeal_id: str, *, handler: str, measures: str, by: date | None = None
) -> Undertaken:
    """承办: handler, measures and the promised date (not past the report deadline)."""
    with case.write(act) as tx:
        return undertake_in(tx, appeal_id, handler=handler, measures=measures, by=by)


def undertake_in(
    tx: Tx,
    appeal_id: str,
    *,
    handler: str,
    measures: str,
    by: date | None = None,
    source: str | None = None,
) -> Undertaken:
    """``undertake`` inside an open transaction (a unit's workbook applies many rows in one);
    ``source`` names where the act came from in its trail event."""
    who = clean_text(handler, "承办人", limit=HANDLER_LIMIT)
    what = clean_text(measures, "办理措施")
    a = appeals.load(tx, appeal_id)
    states.require(a.id, a.status, "undertake")
    h = appeals.current_handoff(tx, a)
    _not_before_hand_off(tx, a, h)
    plan_due = duties.of_round(tx, a.id, "accept", a.round).due
    report_due = duties.of_round(tx, a.id, "report", a.round).due
    promised = by or report_due
    if promised > report_due:
        raise RuleError(
            f"承诺办结日期 {promised.isoformat()} 晚于反馈期限 {report_due.isoformat()}："
            f"如确需更长时间，请先由承办单位书面申请延期（zuozhen assign extend {a.id} "
            "--to 日期 --reason 理由），再确认承办。"
        )
    if promised < tx.today:
        raise InputError(f"承诺办结日期 {promised.isoformat()} 早于今天，请检查。")
    if by is not None:
        _promise_on_workday(tx, by, report_due, typed=source is None)
    late = _done_late(tx, a, "accept", plan_due)
    h.accepted_on, h.handler, h.measures, h.promised_by = tx.today, who, what, promised
    h.accepted_late = late
    tx.session.add(h)
    appeals.set_status(tx, a, "undertaken")
    tx.record(
        "assign.accept",
        "appeal",
        a.id,
        {
            "round": a.round,
            "handler": who,
            "measures": what,
            "promised_by": promised,
            "late": late,
            **_came_from(source),
        },
    )
    return Undertaken(a.id, who, promised, plan_due, report_due, late)


def _came_from(source: str | None) -> dict[str, str]:
    """The trail detail naming where an act came from (a unit's workbook), when it did."""
    return {"source": source} if source else {}


def _promise_on_workday(tx: Tx, by: date, report_due: date, typed: bool = True) -> None:
    """The promised date is a working day (a time limit ends on one), named for a rest day;
    ``typed``: given as ``--by`` (else read from a file)."""
    due = report_due.isoformat()
    again = "请改用 --by {next}" if typed else "请改填 {next}"
    tip = f"{again} 或其他工作日（不晚于反馈期限 {due}）。"
    require_workday(tx.case.calendar, by, what="承诺办结日期 ", action="不是工作日", tip=tip)


def report_back(
    case: CaseFile, act: Act, appeal_id: str, *, text: str, unit: str | None = None
) -> Reported:
    """反馈: the leading unit's report closes the step (late if after the report deadline);
    ``unit`` naming a co-unit of a joint hand-off records that unit's part instead."""
    with case.write(act) as tx:
        return report_back_in(tx, appeal_id, text=text, unit=unit)


def report_back_in(
    tx: Tx, appeal_id: str, *, text: str, unit: str | None = None, source: str | None = None
) -> Reported:
    """``report_back`` inside an open transaction; ``source`` as for ``undertake_in``."""
    body = clean_text(text, "反馈内容")
    name = clean_text(unit, "反馈单位（--unit）", limit=100) if unit is not None else None
    a = appeals.load(tx, appeal_id)
    if name is not None and a.status in states.STEPS["part"].sources:
        h = appeals.current_handoff(tx, a)
        if name != h.lead_unit:
            return _report_part(tx, a, h, name, body, source)
    states.require(a.id, a.status, "report_back")
    h = appeals.current_handoff(tx, a)
    due = duties.of_round(tx, a.id, "report", a.round).due
    late = _done_late(tx, a, "report", due)
    h.reported_on, h.report_text, h.reported_late = tx.today, body, late
    tx.session.add(h)
    appeals.set_status(tx, a, "reported")
    waiting = [u for u in appeals.unit_list(h.units)[1:] if not _part_of(tx, a, u)]
    close_limit = appeals.limits_of(tx, a).close
    duties.open_duty(tx, a.id, "close", tx.today, close_limit, "wd", round=a.round)
    tx.record(
        "assign.report",
        "appeal",
        a.id,
        {"round": a.round, "text": body, "late": late, "report_due": due, **_came_from(source)},
    )
    return Reported(a.id, due, late, h.lead_unit, False, waiting)


def _report_part(
    tx: Tx, a: Appeal, h: Handoff, unit: str, body: str, source: str | None = None
) -> Reported:
    """A co-unit's part of a joint hand-off's report (分工部分): once per co-unit per round."""
    _of_round(a, h, unit, "反馈分工部分")
    _not_before_hand_off(tx, a, h)
    done = _part_of(tx, a, unit)
    if done is not None:
        raise RuleError(
            f"{unit} 已于 {done.reported_on.isoformat()} 反馈过诉求 {a.id} 第 {a.round} 轮的分工部分："
            f"补充情况请用 zuozhen assign progress {a.id} --unit {unit} --text …。"
        )
    due = duties.of_round(tx, a.id, "report", a.round).due
    late = tx.today > due
    tx.session.add(
        Progress(
            appeal_id=a.id,
            round=a.round,
            unit=unit,
            kind="part",
            reported_on=tx.today,
            text=body,
            late=late,
        )
    )
    a.updated_at = tx.at
    tx.session.add(a)
    tx.record(
        "assign.report.part",
        "appeal",
        a.id,
        {
            "round": a.round,
            "unit": unit,
            "text": body,
            "late": late,
            "report_due": due,
            **_came_from(source),
        },
    )
    waiting = [u for u in appeals.unit_list(h.units)[1:] if u != unit and not _part_of(tx, a, u)]
    return Reported(a.id, due, late, unit, True, waiting)


def _part_of(tx: Tx, a: Appeal, unit: str) -> Progress | None:
    return tx.session.exec(
        select(Progress).where(
            Progress.appeal_id == a.id,
            Progress.round == a.round,
            Progress.unit == unit,
            Progress.kind == "part",
        )
    ).first()


def _of_round(a: Appeal, h: Handoff, unit: str, what: str) -> None:
    """The unit must be one of the round's units."""
    units = appeals.unit_list(h.units)
    if unit not in units:
        kind = f"联合交办，牵头单位 {h.lead_unit}" if h.joint else "单独交办"
        raise RuleError(
            f"“{unit}”不是诉求 {a.id} 第 {a.round} 轮的承办单位（{'、'.join(units)}；{kind}），"
            f"不能{what}：请检查 --unit。"
        )


def _not_before_hand_off(tx: Tx, a: Appeal, h: Handoff) -> None:
    if tx.today < h.handed_on:
        raise RuleError(
            f"办理日期 {tx.today.isoformat()} 早于诉求 {a.id} 的交办日期 "
            f"{h.handed_on.isoformat()}：请检查 --today。"
        )


def _done_late(tx: Tx, a: Appeal, step: str, due: date) -> bool:
    """The step is done today: its open time limit is met; late if past it (past ``due``
    when none is open)."""
    met = duties.meet(tx, a.id, step, tx.today)
    return tx.today > due if met is None else met.late


def extend(
    case: CaseFile, act: Act, appeal_id: str, *, to: date, reason: str, basis: str | None = None
) -> Extended:
    """延期: a later report deadline on the unit's written reason; ``basis``: a law's own limit."""
    why = clean_text(reason, "延期理由（承办单位的书面说明）")
    law = clean_text(basis, "法律依据", required=False, limit=500) or None
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "extend")
        h = appeals.current_handoff(tx, a)
        old = duties.of_round(tx, a.id, "report", a.round).due
        if to <= old:
            raise RuleError(
                f"新的反馈期限 {to.isoformat()} 必须晚于现行期限 {old.isoformat()}：延期只能往后延。"
            )
        require_workday(
            tx.case.calendar,
            to,
            what="新的反馈期限 ",
            action="期限应落在工作日",
            tip="请改用 --to {next} 或其他工作日。",
        )
        duties.open_duty(
            tx, a.id, "report", tx.today, None, "fixed", due=to, unit=h.lead_unit, round=a.round
        )
        tx.session.add(
            Extension(
                appeal_id=a.id,
                round=a.round,
                granted_on=tx.today,
                old_due=old,
                new_due=to,
                reason=why,
                basis=law,
            )
        )
        h.extensions += 1
        if law:
            h.legal_basis = law
        tx.session.add(h)
        a.updated_at = tx.at
        tx.session.add(a)
        tx.record(
            "assign.extend",
            "appeal",
            a.id,
            {"round": a.round, "old_due": old, "new_due": to, "reason": why, "basis": law},
        )
        return Extended(a.id, old, to, h.extensions, law)


# -- 退回 阶段性进展 ------------------------------------------------------------------------


def return_(case: CaseFile, act: Act, appeal_id: str, *, unit: str, reason: str) -> Returned:
    """退回: a unit of the round says the appeal is not its duty; it waits for a new hand-off."""
    name = clean_text(unit, "退回单位（--unit）", limit=100)
    why = clean_text(reason, "退回理由（--reason）", limit=1000)
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "return")
        h = appeals.current_handoff(tx, a)
        _of_round(a, h, name, "退回")
        _not_before_hand_off(tx, a, h)
        plan_due = duties.of_round(tx, a.id, "accept", a.round).due
        late = tx.today > plan_due
        dropped = duties.drop_all(tx, a.id)
        h.returned_on, h.returned_by, h.return_reason, h.returned_late = tx.today, name, why, late
        tx.session.add(h)
        remaining = [u for u in appeals.unit_list(h.units) if u != name]
        old_round = a.round
        a.units, a.lead_unit = appeals.units_json(remaining), (remaining[0] if remaining else None)
        a.round = old_round + 1  # the next hand-off is a round of its own
        appeals.set_status(tx, a, "referred")
        duties.await_handoff(tx, a.id, tx.today, a.round)
        tx.record(
            "assign.return",
            "appeal",
            a.id,
            {
                "round": old_round,
                "unit": name,
                "reason": why,
                "late": late,
                "plan_due": plan_due,
                "remaining": remaining,
                "new_round": a.round,
                "status": a.status,
                "dropped": dropped,
            },
        )
        return Returned(a.id, old_round, name, why, late, plan_due, a.status, remaining, dropped)


def progress(
    case: CaseFile, act: Act, appeal_id: str, *, text: str, unit: str | None = None
) -> Progressed:
    """阶段性进展: an interim report of a unit of the round (default the leading unit)."""
    with case.write(act) as tx:
        return progress_in(tx, appeal_id, text=text, unit=unit)


def progress_in(
    tx: Tx, appeal_id: str, *, text: str, unit: str | None = None, source: str | None = None
) -> Progressed:
    """``progress`` inside an open transaction; ``source`` as for ``undertake_in``."""
    body = clean_text(text, "进展情况（--text）")
    name = clean_text(unit, "报送单位（--unit）", limit=100) if unit is not None else None
    a = appeals.load(tx, appeal_id)
    states.require(a.id, a.status, "progress")
    h = appeals.current_handoff(tx, a)
    name = name or h.lead_unit
    _of_round(a, h, name, "报送阶段性进展")
    _not_before_hand_off(tx, a, h)
    tx.session.add(
        Progress(
            appeal_id=a.id,
            round=a.round,
            unit=name,
            kind="progress",
            reported_on=tx.today,
            text=body,
        )
    )
    a.updated_at = tx.at
    tx.session.add(a)
    tx.session.flush()
    count = tx.session.exec(
        select(func.count()).where(
            Progress.appeal_id == a.id, Progress.round == a.round, Progress.kind == "progress"
        )
    ).one()
    detail = {"round": a.round, "unit": name, "text": body, **_came_from(source)}
    tx.record("assign.progress", "appeal", a.id, detail)
    return Progressed(a.id, a.round, name, tx.today, int(count))
