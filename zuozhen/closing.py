"""Steps 7 and 8 of the ten steps: 销号 and 诊后评价.

* ``close_out``  销号: close with 已解决 or 解释说明, after the unit has reported; or with
                 转送 (out of the programme's remit: forwarded to the authority named in the
                 result, the enterprise told) from any open state before a hand-off, of
                 any channel: no unit, no rating expected, every open time limit closed
* ``rate``       诊后评价: the enterprise's own rating, once per round, never changed
                 (seed 002 §四(二)); the database refuses UPDATE and DELETE of ratings
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from zuozhen import appeals, duties, states
from zuozhen.errors import RuleError
from zuozhen.models import Appeal, Closure, Handoff, Rating
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import choose, clean_text

OUTCOMES = ("已解决", "解释说明", "转送")
HANDLED = OUTCOMES[:2]  # after a unit's report; 转送 only before any hand-off
FORWARD = "转送"
GRADES = ("满意", "基本满意", "不满意")


@dataclass(frozen=True, slots=True)
class Closed:
    appeal: str
    outcome: str
    closed_on: date
    rate_due: date | None  # None: 转送 (no rating of ours expected) or a ledger item


@dataclass(frozen=True, slots=True)
class Rated:
    appeal: str
    round: int
    service: str
    handling: str
    dissatisfied: bool
    revisit_due: date | None


def close_out(case: CaseFile, act: Act, appeal_id: str, *, outcome: str, result: str) -> Closed:
    """销号: 已解决, or 解释说明 for an unreasonable or unsolvable appeal (seed 002 §三(七))."""
    kind = choose(outcome, OUTCOMES, "办结方式")
    what = {
        "解释说明": "向企业所作的解释说明（--result）",
        FORWARD: "转送去向和告知企业的情况（--result，如“转送至市信访局，已告知企业”）",
    }.get(kind, "办理结果（--result）")
    body = clean_text(result, what)
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        if kind == FORWARD:
            return _forward(tx, a, body)
        if a.status in ("closed", "rated") and a.resolved_on_spot and a.round == 1:
            how = "已在坐诊现场答复解决" if a.heard_on else "已在受理时即办（当场答复）"
            raise RuleError(f"诉求 {a.id} {how}，已经销号，无需再次销号。")
        states.require(a.id, a.status, "close")
        duties.meet(tx, a.id, "close", tx.today)
        rate_due = appeals.close_and_await_rating(tx, a, outcome=kind, result=body)
        tx.record("close", "appeal", a.id, {"round": a.round, "outcome": kind, "result": body})
        return Closed(a.id, kind, tx.today, rate_due)


def _forward(tx: Tx, a: Appeal, body: str) -> Closed:
    """转送: out of remit, closed before any hand-off with no unit and no rating owed."""
    states.require(a.id, a.status, "forward")
    handed = tx.session.exec(select(Handoff.id).where(Handoff.appeal_id == a.id)).first()
    if handed is not None:
        raise RuleError(
            f"诉求 {a.id} 已经交办过，不能转送：交办后由承办单位办理，不属职责的请退回"
            f"（zuozhen assign return {a.id} --unit 单位 --reason 理由）。"
        )
    dropped = duties.drop_all(tx, a.id)
    before = {"units": appeals.unit_list(a.units), "status": a.status}
    a.units, a.lead_unit = "[]", None
    a.outcome, a.result, a.closed_on = FORWARD, body, tx.today
    tx.session.add(
        Closure(appeal_id=a.id, round=a.round, outcome=FORWARD, result=body, closed_on=tx.today)
    )
    appeals.set_status(tx, a, "closed")
    tx.record(
        "close",
        "appeal",
        a.id,
        {
            "round": a.round,
            "outcome": FORWARD,
            "result": body,
            "before": before,
            "dropped": dropped,
        },
    )
    return Closed(a.id, FORWARD, tx.today, None)


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
        a = appeals.load(tx, appeal_id)
        appeals.refuse_ledger_item(a.id, "评价")
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
                appeals.limits_of(tx, a).revisit,
                "wd",
                unit=a.lead_unit,
                round=a.round,
            ).due
        appeals.set_status(tx, a, "rated")
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
