"""An appeal as it stood at the end of a day: the cut-off (``--today``) of every report.

The tables keep each appeal as it is now, and a clerk records past acts with ``--today``,
so a report made as of a day D must not read today's state: nothing recorded after D
counts. Nothing is stored twice for this; every act keeps its own date, and the state at
the end of D follows from those dates. The SQL expressions below (over ``appeal a`` with
the joins of ``AsOf.joins``, parameter ``:cutoff`` = D) are the one place this is done,
shared by ``report quarterly``, the bulletin and ``report items``:

* **received** (``RECEIVED``) — the appeal's booking (挂号) was made on or before D, and
  it was neither voided nor merged into another appeal (withdrawal.py).
  An appeal added to its enterprise's booking later in the same month keeps no date of
  its own and counts from the booking's date.
* **round** — 1 + the re-visits that reopened it (回访 ``--reopen``) on or before D.
* **hand-off** (alias ``h``) — that round's ``handoff`` row, if handed off on or before D.
* **unit** — the leading unit of that hand-off; before it, the leading unit of the latest
  earlier hand-off made by D; before any, the unit chosen at triage. (Triage's choice is
  not kept once the appeal is handed off: an appeal first handed off after D shows the
  leading unit of that first hand-off.)
* **closed on** — the day the round was closed (销号), if on or before D:
  ``appeal.closed_on`` for the current round; for an earlier round, reopened after D, the
  session day if it was answered on the spot (round 1), else the round's 销号 event in
  the audit trail (the appeal row keeps only its current round).
* **outcome** — of that closing (已解决 or 解释说明), from the same places.
* **report deadline** — the round's ``report`` deadline row as extended by D: an
  extension granted after D is undone (the first such extension's ``old_due`` is the due
  date that stood at D).
* **handed off, extended, on the spot** — a hand-off, an extension, an answer on the spot
  (the session day) on or before D.
* **status** — from the same dates: 已评价 / 已销号 (closed by D, rated by D in that
  round or not), 已反馈 / 已承办 / 已交办 (the round's report, undertaking, hand-off by D),
  重新交办 (reopened by D, not yet handed off again), 待交办 (heard by D, not resolved).
  The steps before the session (分办, 排诊) keep no date outside the trail: an appeal not
  yet heard at D shows its present status, 已叫号 only if the call-up was made by D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from zuozhen.errors import InputError

# Booked by the cut-off; an entry voided as made in error, or a duplicate merged into
# another appeal, counts nowhere (the appeal it joined counts once).
RECEIVED = "b.booked_on <= :cutoff AND a.status NOT IN ('void', 'merged')"
# Withdrawn by the enterprise (企业撤回) by the cut-off.
WITHDRAWN = "(a.status = 'withdrawn' AND a.ended_on <= :cutoff)"
ROUND = (
    "(CASE WHEN a.round = 1 THEN 1 ELSE a.round - (SELECT COUNT(*) FROM revisit v"
    " WHERE v.appeal_id = a.id AND v.reopened AND v.visited_on > :cutoff) END)"
)
# 现场答复解决 at a session (heard that day), or 即办 at an intake (closed that day).
ON_SPOT = "(a.resolved_on_spot AND COALESCE(a.heard_on, a.closed_on) <= :cutoff)"
# The due date that stood at the cut-off: the round's row, less extensions granted after it.
REPORT_DUE = (
    f"COALESCE((SELECT x.old_due FROM extension x WHERE x.appeal_id = a.id AND x.round = {ROUND}"
    " AND x.granted_on > :cutoff ORDER BY x.granted_on, x.id LIMIT 1), rd.due)"
)


def _held_handoff(column: str) -> str:
    """``column`` of the hand-off that held at the cut-off: the latest made by then, else
    the first (one returned by its unit by then holds no more); none at all: the appeal's
    own (chosen at triage, or left after a return). See the module docstring.

    Never reopened, the appeal has at most one hand-off, whose value the appeal row
    carries (or, never handed off, triage's): no subquery for the common case."""
    return (
        f"CASE WHEN a.round = 1 THEN a.{column} ELSE COALESCE((SELECT x.{column}"
        " FROM handoff x WHERE x.appeal_id = a.id"
        # A hand-off its unit returned (退回) by then holds no more: the appeal's own units
        # (those left after the return) do.
        " AND (x.returned_on IS NULL OR x.returned_on > :cutoff)"
        " ORDER BY CASE WHEN x.handed_on <= :cutoff THEN -x.round ELSE x.round END LIMIT 1),"
        f" a.{column}) END"
    )


# The same, read from the round's hand-off ``h`` when it was made by the cut-off (the
# latest then).
LEAD_UNIT = f"CASE WHEN h.id IS NOT NULL THEN h.lead_unit ELSE {_held_handoff('lead_unit')} END"
LEAD_UNIT_ALONE = _held_handoff("lead_unit")  # without the join of ``h``
UNITS = f"CASE WHEN h.id IS NOT NULL THEN h.units ELSE {_held_handoff('units')} END"
# Handed off by the cut-off: in its round (``h``), or in an earlier one.
HANDED = (
    f"(h.id IS NOT NULL OR ({ROUND} > 1 AND EXISTS (SELECT 1 FROM handoff x"
    " WHERE x.appeal_id = a.id AND x.handed_on <= :cutoff)))"
)
# An extension needs a hand-off made before it.
EXTENDED = (
    f"({HANDED} AND EXISTS (SELECT 1 FROM extension x WHERE x.appeal_id = a.id"
    " AND x.granted_on <= :cutoff))"
)


@dataclass(frozen=True, slots=True)
class AsOf:
    """The expressions of the module docstring for one SQL dialect (the trail's JSON)."""

    closed_on: str
    outcome: str

    round = ROUND
    handed = HANDED
    extended = EXTENDED
    on_spot = ON_SPOT
    report_due = REPORT_DUE
    lead_unit = LEAD_UNIT
    lead_unit_alone = LEAD_UNIT_ALONE
    units = UNITS

    @staticmethod
    def joins(*, report: bool = True, plan: bool = False) -> str:
        """The round's hand-off ``h`` (if made by the cut-off) and, with ``report``, its
        report deadline row ``rd``; with ``plan``, its plan (承办) deadline row ``pd``."""
        out = (
            " LEFT JOIN handoff h ON h.appeal_id = a.id AND h.round = {r}"
            " AND h.handed_on <= :cutoff"
        )
        for alias, step, wanted in (("rd", "report", report), ("pd", "accept", plan)):
            if wanted:
                out += (
                    f" LEFT JOIN deadline {alias} ON {alias}.appeal_id = a.id"
                    f" AND {alias}.step = '{step}' AND {alias}.round = {{r}}"
                )
        return out.format(r=ROUND)

    @property
    def closed(self) -> str:
        return f"({self.closed_on}) IS NOT NULL"

    @property
    def status(self) -> str:
        rated = (
            "EXISTS (SELECT 1 FROM rating g WHERE g.appeal_id = a.id"
            f" AND g.round = {ROUND} AND g.rated_on <= :cutoff)"
        )
        return f"""CASE
            WHEN a.status = 'withdrawn' AND a.ended_on <= :cutoff THEN 'withdrawn'
            WHEN {self.closed} THEN CASE WHEN {rated} THEN 'rated' ELSE 'closed' END
            WHEN h.id IS NOT NULL THEN CASE WHEN h.reported_on <= :cutoff THEN 'reported'
                WHEN h.accepted_on <= :cutoff THEN 'undertaken' ELSE 'handed_off' END
            WHEN {ROUND} > 1 THEN 'reopened'
            WHEN a.heard_on <= :cutoff THEN 'referred'
            WHEN a.status IN ('booked', 'triaged', 'received') THEN a.status
            WHEN a.status = 'referred' AND a.session_id IS NULL THEN 'referred'
            WHEN a.notified_on <= :cutoff THEN 'notified'
            ELSE 'scheduled' END"""


def _closing(dialect: str, field: str) -> str:
    """The 销号 event (``close``) of the appeal's round at the cut-off, from the trail:
    its day (``as_of``) or a field of its detail (canonical JSON)."""
    if dialect == "postgresql":
        detail = "CAST(t.detail AS jsonb)"
        round_ = f"CAST({detail} ->> 'round' AS integer)"
        value = "t.as_of" if field == "as_of" else f"{detail} ->> '{field}'"
    else:
        round_ = "json_extract(t.detail, '$.round')"
        value = "t.as_of" if field == "as_of" else f"json_extract(t.detail, '$.{field}')"
    return (
        f"(SELECT {value} FROM trail t WHERE t.entity = 'appeal' AND t.entity_id = a.id"
        f" AND t.action = 'close' AND t.as_of <= :cutoff AND {round_} = {ROUND}"
        " ORDER BY t.id DESC LIMIT 1)"
    )


@cache
def as_of(dialect: str) -> AsOf:
    """The expressions for a reader's dialect (``Reader.dialect``)."""
    closed_on = (
        f"CASE WHEN a.round = {ROUND} THEN"
        " CASE WHEN a.closed_on <= :cutoff THEN a.closed_on END"
        f" WHEN {ROUND} = 1 AND a.resolved_on_spot THEN"
        " CASE WHEN a.heard_on <= :cutoff THEN a.heard_on END"
        f" ELSE {_closing(dialect, 'as_of')} END"
    )
    outcome = (
        f"CASE WHEN a.round = {ROUND} THEN a.outcome"
        f" WHEN {ROUND} = 1 AND a.resolved_on_spot THEN '已解决'"
        f" ELSE {_closing(dialect, 'outcome')} END"
    )
    return AsOf(closed_on=closed_on, outcome=outcome)


def refuse_future(first_day: date, today: date, what: str, latest: str) -> None:
    """A period that starts after the cut-off has nothing to show: refused, not empty."""
    if first_day > today:
        raise InputError(
            f"{what}尚未开始：统计截至 {today.isoformat()}（--today），"
            f"只能统计已经开始的期间（最近的是 {latest}）。"
        )
