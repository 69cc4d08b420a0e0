"""Step 7 of the ten steps: 三办一销号 up to the unit's report.

* ``hand_off``    交办: hand the appeal to one unit (single) or several (joint, first leads)
* ``undertake``   承办: the unit names handler, measures and the promised date
* ``report_back`` 反馈: the unit reports how it was handled
* ``extend``      延期: a later report deadline, on the unit's written reason or a law's own limit

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

from zuozhen import appeals, duties, states
from zuozhen.errors import InputError, RuleError
from zuozhen.models import Appeal, Extension, Handoff
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import clean_text


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


@dataclass(frozen=True, slots=True)
class Extended:
    appeal: str
    old_due: date
    new_due: date
    extensions: int
    basis: str | None


# -- 7 交办 承办 反馈 延期 销号 -------------------------------------------------------------


def hand_off(case: CaseFile, act: Act, appeal_id: str, units: list[str]) -> HandedOff:
    """交办: one unit = single item, several = joint item led by the first."""
    names = [clean_text(u, "承办单位", limit=100) for u in units]
    if not names:
        raise InputError("请用 --unit 指定至少一个承办单位（多个单位时第一个为牵头单位）。")
    appeals.refuse_repeats(names)
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "hand_off")
        limits = tx.case.config.limits
        joint = len(names) > 1
        lead = names[0]
        duties.meet(tx, a.id, "handoff", tx.today)
        plan = duties.open_duty(
            tx, a.id, "accept", tx.today, limits.plan, "wd", unit=lead, round=a.round
        )
        report = duties.open_duty(
            tx,
            a.id,
            "report",
            tx.today,
            limits.report_joint if joint else limits.report_single,
            "wd",
            unit=lead,
            round=a.round,
        )
        provisional = plan.provisional or report.provisional
        tx.session.add(
            Handoff(
                appeal_id=a.id,
                round=a.round,
                handed_on=tx.today,
                units=appeals.units_json(names),
                lead_unit=lead,
                joint=joint,
            )
        )
        a.units, a.lead_unit = appeals.units_json(names), lead
        appeals.set_status(tx, a, "handed_off")
        tx.record(
            "assign.to",
            "appeal",
            a.id,
            {
                "round": a.round,
                "units": names,
                "joint": joint,
                "plan_due": plan.due,
                "report_due": report.due,
                "provisional": provisional,
            },
        )
        warnings = appeals.unit_warnings(names, tx.case.config.units)
        return HandedOff(
            a.id, a.round, names, lead, joint, tx.today, plan.due, report.due, provisional, warnings
        )


def undertake(
    case: CaseFile, act: Act, appeal_id: str, *, handler: str, measures: str, by: date | None = None
) -> Undertaken:
    """承办: handler, measures and the promised date (not past the report deadline)."""
    who = clean_text(handler, "承办人", limit=100)
    what = clean_text(measures, "办理措施")
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "undertake")
        h = appeals.current_handoff(tx, a)
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
            },
        )
        return Undertaken(a.id, who, promised, plan_due, report_due, late)


def report_back(case: CaseFile, act: Act, appeal_id: str, *, text: str) -> Reported:
    """反馈: the unit reports how the appeal was handled (late if after the report deadline)."""
    body = clean_text(text, "反馈内容")
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "report_back")
        h = appeals.current_handoff(tx, a)
        due = duties.of_round(tx, a.id, "report", a.round).due
        late = _done_late(tx, a, "report", due)
        h.reported_on, h.report_text, h.reported_late = tx.today, body, late
        tx.session.add(h)
        appeals.set_status(tx, a, "reported")
        close_limit = tx.case.config.limits.close
        duties.open_duty(tx, a.id, "close", tx.today, close_limit, "wd", round=a.round)
        tx.record(
            "assign.report",
            "appeal",
            a.id,
            {"round": a.round, "text": body, "late": late, "report_due": due},
        )
        return Reported(a.id, due, late)


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
