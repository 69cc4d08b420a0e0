"""Steps 6 to 9 of the ten steps: the session's outcome, 三办一销号, rating and re-visit.

Each public function is one act of the clerk, named as the clerk names it:

* ``hear``        坐诊服务: record the appeal's outcome at its session (《"坐诊"服务工作记录表》)
* ``hand_off``    交办: hand the appeal to one unit (single) or several (joint, first leads)
* ``undertake``   承办: the unit names handler, measures and the promised date
* ``report_back`` 反馈: the unit reports how it was handled
* ``extend``      延期: a later report deadline, on the unit's written reason or a law's own limit
* ``close_out``   销号: close with 已解决 or 解释说明
* ``rate``        诊后评价: the enterprise's own rating, once per round, never changed
* ``revisit``     督办回访: the supervisors' re-visit, optionally reopening the appeal

Every act asks ``states.require`` first, then changes rows and appends exactly one
audit-trail event inside one transaction (``CaseFile.write``); any refusal raises a
``ZuozhenError`` inside that transaction, so nothing is changed. Time limits are stored in
the ``deadline`` table through ``duties`` (seed 002 §三(七)): plan within ``limits.plan``
working days of the hand-off, report within ``report_single`` / ``report_joint``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import select

from zuozhen import duties, states
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.models import Appeal, Consultation, Extension, Handoff, Rating, Revisit
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import choose, clean_text, unlisted

OUTCOMES = ("已解决", "解释说明")
GRADES = ("满意", "基本满意", "不满意")
ID_HINT = "诉求号形如 202610-007-1（挂号号-序号）；可用 zuozhen list 或 zuozhen search 关键词 查找"


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heard:
    appeal: str
    session: str
    official: str | None
    resolved: bool
    status: str
    rate_due: date | None = None


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


@dataclass(frozen=True, slots=True)
class Closed:
    appeal: str
    outcome: str
    closed_on: date
    rate_due: date


@dataclass(frozen=True, slots=True)
class Rated:
    appeal: str
    round: int
    service: str
    handling: str
    dissatisfied: bool
    revisit_due: date | None


@dataclass(frozen=True, slots=True)
class Revisited:
    appeal: str
    round: int
    reopened: bool
    new_round: int | None


# -- helpers ---------------------------------------------------------------------------


def not_found(appeal_id: str) -> NotFoundError:
    return NotFoundError(f"没有诉求号为“{appeal_id}”的诉求：{ID_HINT}。")


def _appeal(tx: Tx, appeal_id: str) -> Appeal:
    key = (appeal_id or "").strip()
    row = tx.get(Appeal, key) if key else None
    if row is None:
        raise not_found(appeal_id)
    return row


def _handoff(tx: Tx, a: Appeal) -> Handoff:
    h = tx.session.exec(
        select(Handoff).where(Handoff.appeal_id == a.id, Handoff.round == a.round)
    ).first()
    if h is None:  # the state machine guarantees one; a damaged file otherwise
        raise RuleError(f"诉求 {a.id} 第 {a.round} 轮没有交办记录：请先 zuozhen assign to。")
    return h


def _touch(tx: Tx, a: Appeal, status: str) -> None:
    a.status = status
    a.updated_at = tx.at
    tx.session.add(a)


def _closed(tx: Tx, a: Appeal) -> date:
    """销号 (at the session or after the report): the enterprise's rating is now expected."""
    _touch(tx, a, "closed")
    limit = tx.case.config.limits.rate
    return duties.open_duty(
        tx, a.id, "rate", tx.today, limit, "wd", unit=a.lead_unit, round=a.round
    ).due


def units_json(units: list[str]) -> str:
    return json.dumps(units, ensure_ascii=False)


def unit_warnings(units: list[str], known: tuple[str, ...]) -> list[str]:
    """Warnings for units not in the configured list, with the closest known name."""
    return [w for u in units for w in unlisted(u, known, "单位", done="已按所填名称交办")]


# -- 6 坐诊服务 ----------------------------------------------------------------------------


def hear(
    case: CaseFile,
    act: Act,
    appeal_id: str,
    *,
    resolved: str | None = None,
    refer: bool = False,
    official: str | None = None,
    note: str | None = None,
) -> Heard:
    """Record the appeal's outcome at its session: answered on the spot, or to be handed off."""
    if (resolved is None) == (not refer):
        raise InputError(
            "请二选一：--resolved 答复内容（现场答复解决），或 --refer（现场不能解决，待交办）。"
        )
    answer = clean_text(resolved, "现场答复内容") if resolved is not None else None
    who = clean_text(official, "坐诊领导", required=False, limit=100) or None
    memo = clean_text(note, "备注", required=False) or None
    with case.write(act) as tx:
        a = _appeal(tx, appeal_id)
        states.require(a.id, a.status, "hear")
        assert a.session_id is not None
        s = tx.get(Consultation, a.session_id, lock=False)
        assert s is not None
        if s.status == "cancelled":
            raise RuleError(
                f"场次 {s.id} 已取消，不能记录坐诊结果：请先把诉求 {a.id} 改排到其他场次"
                f"（zuozhen triage {a.id} --session 场次）。"
            )
        if tx.today < s.date:
            raise RuleError(
                f"场次 {s.id} 定于 {s.date.isoformat()} 举行，尚未坐诊：请在坐诊当天或之后记录结果。"
            )
        who = who or s.lead
        a.heard_on, a.heard_by, a.hearing_note = tx.today, who, memo
        # The session happened: the call-up limit and the verification limit are moot.
        duties.drop(tx, a.id, "notify")
        duties.drop(tx, a.id, "verify")
        rate_due = None
        if answer is not None:
            a.outcome, a.resolved_on_spot, a.result, a.closed_on = "已解决", True, answer, tx.today
            rate_due = _closed(tx, a)
        else:
            _touch(tx, a, "referred")
        tx.record(
            "session.hear",
            "appeal",
            a.id,
            {
                "session": s.id,
                "official": who,
                "resolved": answer is not None,
                "result": answer,
                "note": memo,
            },
        )
        return Heard(a.id, s.id, who, answer is not None, a.status, rate_due)


# -- 7 交办 承办 反馈 延期 销号 -------------------------------------------------------------


def hand_off(case: CaseFile, act: Act, appeal_id: str, units: list[str]) -> HandedOff:
    """交办: one unit = single item, several = joint item led by the first."""
    names = [clean_text(u, "承办单位", limit=100) for u in units]
    if not names:
        raise InputError("请用 --unit 指定至少一个承办单位（多个单位时第一个为牵头单位）。")
    dupes = sorted({u for u in names if names.count(u) > 1})
    if dupes:
        raise InputError(f"单位“{'、'.join(dupes)}”重复填写了：每个单位只写一次。")
    with case.write(act) as tx:
        a = _appeal(tx, appeal_id)
        states.require(a.id, a.status, "hand_off")
        limits = tx.case.config.limits
        joint = len(names) > 1
        lead = names[0]
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
                units=units_json(names),
                lead_unit=lead,
                joint=joint,
                plan_due=plan.due,
                report_due=report.due,
                report_due_original=report.due,
                provisional=provisional,
            )
        )
        a.units, a.lead_unit = units_json(names), lead
        _touch(tx, a, "handed_off")
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
        warnings = unit_warnings(names, tx.case.config.units)
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
        a = _appeal(tx, appeal_id)
        states.require(a.id, a.status, "undertake")
        h = _handoff(tx, a)
        promised = by or h.report_due
        if promised > h.report_due:
            raise RuleError(
                f"承诺办结日期 {promised.isoformat()} 晚于反馈期限 {h.report_due.isoformat()}："
                f"如确需更长时间，请先由承办单位书面申请延期（zuozhen assign extend {a.id} "
                "--to 日期 --reason 理由），再确认承办。"
            )
        if promised < tx.today:
            raise InputError(f"承诺办结日期 {promised.isoformat()} 早于今天，请检查。")
        met = duties.meet(tx, a.id, "accept", tx.today)
        late = tx.today > h.plan_due if met is None else met.late
        h.accepted_on, h.handler, h.measures, h.promised_by = tx.today, who, what, promised
        h.accepted_late = late
        tx.session.add(h)
        _touch(tx, a, "undertaken")
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
        return Undertaken(a.id, who, promised, h.plan_due, h.report_due, late)


def report_back(case: CaseFile, act: Act, appeal_id: str, *, text: str) -> Reported:
    """反馈: the unit reports how the appeal was handled (late if after the report deadline)."""
    body = clean_text(text, "反馈内容")
    with case.write(act) as tx:
        a = _appeal(tx, appeal_id)
        states.require(a.id, a.status, "report_back")
        h = _handoff(tx, a)
        met = duties.meet(tx, a.id, "report", tx.today)
        late = tx.today > h.report_due if met is None else met.late
        h.reported_on, h.report_text, h.reported_late = tx.today, body, late
        tx.session.add(h)
        _touch(tx, a, "reported")
        tx.record(
            "assign.report",
            "appeal",
            a.id,
            {"round": a.round, "text": body, "late": late, "report_due": h.report_due},
        )
        return Reported(a.id, h.report_due, late)


def extend(
    case: CaseFile, act: Act, appeal_id: str, *, to: date, reason: str, basis: str | None = None
) -> Extended:
    """延期: a later report deadline on the unit's written reason; ``basis``: a law's own limit."""
    why = clean_text(reason, "延期理由（承办单位的书面说明）")
    law = clean_text(basis, "法律依据", required=False, limit=500) or None
    with case.write(act) as tx:
        a = _appeal(tx, appeal_id)
        states.require(a.id, a.status, "extend")
        h = _handoff(tx, a)
        old = h.report_due
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
        h.report_due = to
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


def close_out(case: CaseFile, act: Act, appeal_id: str, *, outcome: str, result: str) -> Closed:
    """销号: 已解决, or 解释说明 for an unreasonable or unsolvable appeal (seed 002 §三(七))."""
    kind = choose(outcome, OUTCOMES, "办结方式")
    what = "向企业所作的解释说明（--result）" if kind == "解释说明" else "办理结果（--result）"
    body = clean_text(result, what)
    with case.write(act) as tx:
        a = _appeal(tx, appeal_id)
        if a.status in ("closed", "rated") and a.resolved_on_spot and a.round == 1:
            raise RuleError(f"诉求 {a.id} 已在坐诊现场答复解决，已经销号，无需再次销号。")
        states.require(a.id, a.status, "close")
        a.outcome, a.result, a.closed_on = kind, body, tx.today
        rate_due = _closed(tx, a)
        tx.record("close", "appeal", a.id, {"round": a.round, "outcome": kind, "result": body})
        return Closed(a.id, kind, tx.today, rate_due)


# -- 8 诊后评价 ----------------------------------------------------------------------------


def rate(
    case: CaseFile,
    act: Act,
    appeal_id: str,
    *,
    service: str,
    handling: str,
    comment: str | None = None,
) -> Rated:
    """The enterprise's rating of the session service and the handling: once, never changed."""
    s = choose(service, GRADES, "对坐诊服务的评价")
    h = choose(handling, GRADES, "对办理情况的评价")
    note = clean_text(comment, "评价意见", required=False) or None
    with case.write(act) as tx:
        a = _appeal(tx, appeal_id)
        states.require(a.id, a.status, "rate")
        taken = tx.session.exec(
            select(Rating).where(Rating.appeal_id == a.id, Rating.round == a.round)
        ).first()
        if taken is not None:
            raise RuleError(
                f"诉求 {a.id} 本轮已评价：评价由企业自主作出，一经记录不能更改或重复评价。"
            )
        tx.session.add(
            Rating(
                appeal_id=a.id,
                round=a.round,
                service=s,
                handling=h,
                comment=note,
                rated_on=tx.today,
                recorded_at=tx.at,
            )
        )
        duties.meet(tx, a.id, "rate", tx.today)
        dissatisfied = "不满意" in (s, h)
        revisit_due = None
        if dissatisfied:
            revisit_due = duties.open_duty(
                tx,
                a.id,
                "revisit",
                tx.today,
                tx.case.config.limits.revisit,
                "wd",
                unit=a.lead_unit,
                round=a.round,
            ).due
        _touch(tx, a, "rated")
        tx.record(
            "rate",
            "appeal",
            a.id,
            {
                "round": a.round,
                "service": s,
                "handling": h,
                "comment": note,
                "revisit_due": revisit_due,
            },
        )
        return Rated(a.id, a.round, s, h, dissatisfied, revisit_due)


# -- 9 督办回访 ----------------------------------------------------------------------------


def revisit(
    case: CaseFile, act: Act, appeal_id: str, *, note: str, reopen: bool = False
) -> Revisited:
    """督办回访; ``reopen`` sends the appeal back for a new hand-off round (rounds are kept)."""
    body = clean_text(note, "回访情况")
    with case.write(act) as tx:
        a = _appeal(tx, appeal_id)
        states.require(a.id, a.status, "reopen" if reopen else "revisit")
        old_round = a.round
        tx.session.add(
            Revisit(
                appeal_id=a.id, round=old_round, visited_on=tx.today, note=body, reopened=reopen
            )
        )
        duties.meet(tx, a.id, "revisit", tx.today)
        new_round = None
        if reopen:
            # This round's rating limit no longer applies; the closed round stays in the
            # handoff, rating and revisit rows (and the trail) of round ``old_round``.
            duties.drop(tx, a.id, "rate")
            a.round = new_round = old_round + 1
            a.outcome, a.result, a.closed_on = None, None, None
            _touch(tx, a, "reopened")
        else:
            a.updated_at = tx.at
            tx.session.add(a)
        tx.record(
            "audit.revisit",
            "appeal",
            a.id,
            {"round": old_round, "note": body, "reopened": reopen, "new_round": new_round},
        )
        return Revisited(a.id, old_round, reopen, new_round)
