"""Statistics by channel and the units' scores (``report channels``, ``report scores``).

The figures are those cli.md ("Additions") defines; the words below are the README's.
Like ``report quarterly`` (reports.py) everything is read through the ``Reader``, each
report with one grouped SQL query over the quarter's appeals (index on ``appeal.month``),
and the cut-off rules of asof.py apply: nothing recorded after ``--today`` counts.

Which appeals: those of the quarter's booking or intake months received by the cut-off.
A voided or merged appeal counts nowhere; one withdrawn by the cut-off only in 受理诉求.
Ledger items (channel 台账) count nowhere here. 坐诊 appeals are channel 坐诊.

``report channels``, one row per configured channel (坐诊 first, in configuration order)
and 合计:

* **受理诉求** — the appeals; **即办** — closed and answered at once (现场答复解决 at a
  坐诊 session, ``intake --resolved``) and never handed off; counted as closed on time;
* **交办** — handed off at least once; **已办结** — closed (销号; 即办 and 转送 included);
* **按期办结** — 即办 or 转送 (both disposed of before any hand-off, with no report
  deadline to miss), or closed on or before the round's report deadline (as extended);
* **超期未办结** — open, handed off in its round, its report deadline passed on the
  quarter's last day (or the cut-off, if earlier);
* **办结率** = 已办结 / 受理诉求; **按期办结率** = 按期办结 / 已办结; **满意率** = (满意 +
  基本满意) / ratings on the handling, every round's rating counted.

``report scores``, one row per unit that led a hand-off of the quarter's appeals, and 合计:

* **应响应** — hand-offs (every round's) the unit led whose plan deadline (承办, 5 working
  days) had passed at the cut-off or which it undertook; **按期响应** — undertaken on or
  before that deadline; **响应率** = 按期响应 / 应响应;
* **已办结** — appeals closed in a round the unit led (its hand-off); **已解决** — of
  those, outcome 已解决 (解释说明 is closed but not solved; a 转送 has no unit);
  **解决率** = 已解决 / 已办结;
* **评价数**, **满意率** — the ratings of the rounds the unit led (every round's);
* **综合得分** = R×响应率 + S×解决率 + M×满意率, from the rates as shown (one decimal),
  with the weights of ``--weights`` or the configuration (``[scores] weights``, default
  0.3, 0.35, 0.35), one decimal, half up; empty when one of the three rates is empty.
  Rows are ordered by score (highest first; no score last).

Percentages have one decimal, half up; a rate with nothing to count is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, Self, TypeVar

from zuozhen.asof import RECEIVED, ROUND, WITHDRAWN, as_of
from zuozhen.config import LEDGER
from zuozhen.reports import SATISFIED, TOTAL, Quarter, percent
from zuozhen.store.reader import Reader

if TYPE_CHECKING:
    from zuozhen.quarter_pass import Tallies

CHANNEL_HEADER = [
    "渠道",
    "受理诉求",
    "即办",
    "交办",
    "已办结",
    "按期办结",
    "超期未办结",
    "办结率",
    "按期办结率",
    "满意率",
]
SCORE_HEADER = [
    "单位",
    "应响应",
    "按期响应",
    "响应率",
    "已办结",
    "已解决",
    "解决率",
    "评价数",
    "满意率",
    "综合得分",
]
_OK = ", ".join(f"'{g}'" for g in SATISFIED)


def _blank(value: object) -> object:
    return "" if value is None else value


class _Tally:
    """What a row of both reports has: its counts, the handling ratings among them, and
    adding another row's counts into it (the 合计 row)."""

    __slots__ = ()
    SUMS: ClassVar[tuple[str, ...]]
    rated: int
    satisfied: int

    @property
    def satisfaction_rate(self) -> float | None:
        return percent(self.satisfied, self.rated)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.SUMS}

    def add(self, other: Self) -> None:
        for name in self.SUMS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class ChannelFigures(_Tally):
    SUMS: ClassVar[tuple[str, ...]] = (
        "appeals",
        "immediate",
        "handed_off",
        "closed",
        "closed_on_time",
        "overdue",
        "rated",
        "satisfied",
    )
    channel: str
    appeals: int = 0
    immediate: int = 0  # 即办
    handed_off: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def closure_rate(self) -> float | None:
        return percent(self.closed, self.appeals)

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.closed_on_time, self.closed)

    def cells(self) -> list[object]:
        return [
            self.channel,
            self.appeals,
            self.immediate,
            self.handed_off,
            self.closed,
            self.closed_on_time,
            self.overdue,
            _blank(self.closure_rate),
            _blank(self.on_time_rate),
            _blank(self.satisfaction_rate),
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            **self.counts(),
            "closure_rate": self.closure_rate,
            "on_time_rate": self.on_time_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


@dataclass(slots=True)
class UnitScore(_Tally):
    SUMS: ClassVar[tuple[str, ...]] = ("due", "responded", "closed", "solved", "rated", "satisfied")
    unit: str
    weights: tuple[float, float, float]
    due: int = 0  # 应响应
    responded: int = 0  # 按期响应
    closed: int = 0
    solved: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def response_rate(self) -> float | None:
        return percent(self.responded, self.due)

    @property
    def solution_rate(self) -> float | None:
        return percent(self.solved, self.closed)

    @property
    def score(self) -> float | None:
        rates = (self.response_rate, self.solution_rate, self.satisfaction_rate)
        if any(r is None for r in rates):
            return None
        total = sum(
            (Decimal(str(w)) * Decimal(str(r)) for w, r in zip(self.weights, rates, strict=True)),
            Decimal(0),
        )
        return float(total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def cells(self) -> list[object]:
        return [
            self.unit,
            self.due,
            self.responded,
            _blank(self.response_rate),
            self.closed,
            self.solved,
            _blank(self.solution_rate),
            self.rated,
            _blank(self.satisfaction_rate),
            _blank(self.score),
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            **self.counts(),
            "response_rate": self.response_rate,
            "solution_rate": self.solution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "score": self.score,
        }


class _Row(Protocol):
    def cells(self) -> list[object]: ...
    def as_json(self) -> dict[str, Any]: ...


Row = TypeVar("Row", bound=_Row)


class _Report(Generic[Row]):
    """What both reports are: a header, rows and a 合计 row, as a table and as JSON."""

    __slots__ = ()
    HEADER: ClassVar[list[str]]
    quarter: Quarter
    as_of: date
    rows: list[Row]
    total: Row

    def header(self) -> list[str]:
        return self.HEADER

    def table(self) -> list[list[object]]:
        return [r.cells() for r in [*self.rows, self.total]]

    def _as_json(self, **extra: object) -> dict[str, Any]:
        """The report as JSON, ``extra`` (what only this report has) after its date."""
        return {
            "quarter": self.quarter.code,
            "as_of": self.as_of.isoformat(),
            **extra,
            "header": self.header(),
            "rows": [r.as_json() for r in self.rows],
            "total": self.total.as_json(),
            "table": self.table(),
        }


@dataclass(frozen=True, slots=True)
class ChannelReport(_Report[ChannelFigures]):
    HEADER: ClassVar[list[str]] = CHANNEL_HEADER
    quarter: Quarter
    as_of: date
    overdue_on: date
    rows: list[ChannelFigures]
    total: ChannelFigures

    def as_json(self) -> dict[str, Any]:
        return self._as_json(overdue_on=self.overdue_on.isoformat())


@dataclass(frozen=True, slots=True)
class ScoreReport(_Report[UnitScore]):
    HEADER: ClassVar[list[str]] = SCORE_HEADER
    quarter: Quarter
    as_of: date
    weights: tuple[float, float, float]
    rows: list[UnitScore]
    total: UnitScore = field()

    def as_json(self) -> dict[str, Any]:
        return self._as_json(weights=list(self.weights))


def _scope(quarter: Quarter) -> str:
    """FROM … WHERE of the quarter's appeals received by the cut-off, ledgers left out."""
    return (
        "appeal a JOIN booking b ON b.id = a.booking_id{joins}"
        f" WHERE {quarter.month_in} AND {RECEIVED} AND b.channel <> '{LEDGER}'"
    )


#: ChannelFigures field ← the flag of quarter_pass.BITS that counts it.
_FROM_BITS = {
    "appeals": "appeals",
    "immediate": "immediate",
    "handed_off": "ch_handed",
    "closed": "ch_closed",
    "closed_on_time": "ch_on_time",
    "overdue": "overdue",
    "rated": "ch_rated",
    "satisfied": "ch_satisfied",
}


def _channel_sql(r: Reader, quarter: Quarter) -> str:
    """Per channel, every figure of ``report channels`` in one pass over the quarter's
    appeals. As in ``report quarterly``, an appeal never reopened has at most one rating,
    which rides on its row; only reopened appeals' ratings are read one by one."""
    v = as_of(r.dialect)
    closed = f"(NOT {WITHDRAWN} AND {v.closed})"
    immediate = f"({closed} AND a.resolved_on_spot AND NOT {v.handed})"
    flags = ("immediate", "handed", "closed", "on_time", "overdue")
    ratings = (
        " LEFT JOIN rating g ON g.appeal_id = a.id AND g.round = 1 AND a.round = 1"
        f" AND g.rated_on <= :cutoff AND NOT {WITHDRAWN}"
    )
    again = _scope(quarter).format(
        joins=" JOIN rating g ON g.appeal_id = a.id AND g.rated_on <= :cutoff"
    )
    sums = ", ".join(f"SUM({f}) AS {f}" for f in ("appeals", *flags, "rated", "satisfied"))
    return f"""
        SELECT ch, {sums}
        FROM (
            SELECT b.channel AS ch, 1 AS appeals,
                CASE WHEN {immediate} THEN 1 ELSE 0 END AS immediate,
                CASE WHEN NOT {WITHDRAWN} AND {v.handed} THEN 1 ELSE 0 END AS handed,
                CASE WHEN {closed} THEN 1 ELSE 0 END AS closed,
                CASE WHEN {immediate} OR ({closed} AND a.outcome = '转送')
                        OR ({closed} AND h.id IS NOT NULL
                        AND ({v.closed_on}) <= rd.due) THEN 1 ELSE 0 END AS on_time,
                CASE WHEN NOT {WITHDRAWN} AND NOT {v.closed} AND h.id IS NOT NULL
                        AND {v.report_due} < :judged THEN 1 ELSE 0 END AS overdue,
                CASE WHEN g.id IS NOT NULL THEN 1 ELSE 0 END AS rated,
                CASE WHEN g.handling IN ({_OK}) THEN 1 ELSE 0 END AS satisfied
            FROM {_scope(quarter).format(joins=v.joins() + ratings)}
            UNION ALL
            SELECT b.channel AS ch, 0 AS appeals, {", ".join(f"0 AS {f}" for f in flags)},
                1 AS rated, CASE WHEN g.handling IN ({_OK}) THEN 1 ELSE 0 END AS satisfied
            FROM {again} AND a.round > 1 AND NOT {WITHDRAWN}
        ) u
        GROUP BY ch
    """


def _channel_rows(r: Reader, quarter: Quarter, today: date) -> dict[str, ChannelFigures]:
    rows = {c.name: ChannelFigures(c.name) for c in r.config.channels}
    params = {**quarter.params(), "cutoff": today, "judged": quarter.overdue_on(today)}
    for row in r.iter(_channel_sql(r, quarter), params):
        f = rows.setdefault(str(row["ch"]), ChannelFigures(str(row["ch"])))
        f.appeals += int(row["appeals"] or 0)
        f.immediate += int(row["immediate"] or 0)
        f.handed_off += int(row["handed"] or 0)
        f.closed += int(row["closed"] or 0)
        f.closed_on_time += int(row["on_time"] or 0)
        f.overdue += int(row["overdue"] or 0)
        f.rated += int(row["rated"] or 0)
        f.satisfied += int(row["satisfied"] or 0)
    return rows


def channels_report(
    r: Reader, quarter: Quarter, *, today: date, tallies: Tallies | None = None
) -> ChannelReport:
    """``report channels``: the figures of the module docstring per channel; ``tallies``:
    the bulletin's one pass over the quarter (quarter_pass.py), made with the key channel."""
    quarter.require_started(today)
    if tallies is None:  # the report on its own: its own statement is the quicker
        rows = _channel_rows(r, quarter, today)
    else:
        rows = {c.name: ChannelFigures(c.name) for c in r.config.channels}
        for raw, counts in tallies.groups["channel"].items():
            name = raw or ""
            if name == LEDGER:  # ledger items are no channel's appeals
                continue
            f = ChannelFigures(name, **{k: counts.count[bit] for k, bit in _FROM_BITS.items()})
            rows.setdefault(name, ChannelFigures(name)).add(f)
    total = ChannelFigures(TOTAL)
    for f in rows.values():
        total.add(f)
    return ChannelReport(quarter, today, quarter.overdue_on(today), list(rows.values()), total)


def _score_sql(r: Reader, quarter: Quarter) -> str:
    """Per leading unit, every figure of ``report scores`` in one pass over the hand-offs
    of the quarter's appeals: each hand-off row (every round's, ``x``) counts for 应响应;
    the one of the appeal's round at the cut-off carries 已办结/已解决; the rating of the
    same round (at most one) rides on it."""
    v = as_of(r.dialect)
    outcome = f"COALESCE(({v.outcome}), '')"
    current = f"x.round = {ROUND} AND {v.closed}"
    src = _scope(quarter).format(
        joins=" JOIN handoff x ON x.appeal_id = a.id AND x.handed_on <= :cutoff"
        " LEFT JOIN deadline pd ON pd.appeal_id = a.id AND pd.step = 'accept'"
        " AND pd.round = x.round"
        " LEFT JOIN rating g ON g.appeal_id = a.id AND g.round = x.round"
        " AND g.rated_on <= :cutoff"
    )
    return f"""
        SELECT x.lead_unit AS unit,
            SUM(CASE WHEN x.accepted_on <= :cutoff OR pd.due < :cutoff THEN 1 ELSE 0 END) AS due,
            SUM(CASE WHEN x.accepted_on <= :cutoff AND x.accepted_on <= pd.due
                THEN 1 ELSE 0 END) AS responded,
            SUM(CASE WHEN {current} AND {outcome} <> '转送' THEN 1 ELSE 0 END) AS closed,
            SUM(CASE WHEN {current} AND {outcome} = '已解决' THEN 1 ELSE 0 END) AS solved,
            SUM(CASE WHEN g.id IS NOT NULL THEN 1 ELSE 0 END) AS rated,
            SUM(CASE WHEN g.handling IN ({_OK}) THEN 1 ELSE 0 END) AS satisfied
        FROM {src} AND NOT {WITHDRAWN}
        GROUP BY x.lead_unit
    """


def scores_report(
    r: Reader,
    quarter: Quarter,
    *,
    today: date,
    weights: tuple[float, float, float] | None = None,
) -> ScoreReport:
    """``report scores``: the three rates and the weighted score per unit."""
    quarter.require_started(today)
    w = weights if weights is not None else r.config.weights
    rows = []
    for row in r.iter(_score_sql(r, quarter), {**quarter.params(), "cutoff": today}):
        if row["unit"] is None or row["unit"] == "":
            continue
        u = UnitScore(str(row["unit"]), w, *(int(row[k] or 0) for k in UnitScore.SUMS))
        if u.due or u.closed or u.rated:
            rows.append(u)
    rows.sort(key=lambda u: (u.score is None, -(u.score or 0), -u.due, u.unit))
    total = UnitScore(TOTAL, w)
    for u in rows:
        total.add(u)
    return ScoreReport(quarter, today, w, rows, total)


def parse_weights(text: str | None) -> tuple[float, float, float] | None:
    """``--weights R,S,M`` (three fractions summing to 1), or None for the configuration's."""
    if text is None:
        return None
    from zuozhen.config import check_weights
    from zuozhen.errors import InputError

    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(
            f"--weights “{text}”格式不对：请写三个小数，用逗号分隔，如 0.3,0.35,0.35。"
        ) from None
    return check_weights(values, "--weights")
