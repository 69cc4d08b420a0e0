"""Step 10 通报报告: the quarterly statistics (``report quarterly``).

Everything here reads through the ``Reader`` with a few aggregate SQL queries (GROUP BY),
never ORM objects, so a quarter of a million appeals is counted in seconds; the SQL runs
on SQLite and PostgreSQL alike. Nothing here prints.

How each figure of ``report quarterly`` is defined (the README quotes this):

* **The cut-off.** Every figure shows the case file as it stood at the end of the
  report's day (``--today``, by default the real date): nothing recorded as done after it
  counts — no booking, hand-off, extension, closing, rating or reopening. Statuses are
  those of that day, rebuilt from the dates of the acts (zuozhen/asof.py). A quarter
  that begins after the cut-off is refused.
* **Which appeals.** An appeal belongs to the quarter of its booking month (the month of
  its 挂号) once booked, and to its *leading unit* at the cut-off: the unit chosen at
  triage until it is handed off, then the first (leading) unit of its latest hand-off.
  Appeals with no unit are shown as “（未分办）”. By theme, region (the enterprise's 所属地区)
  or problem class (共性诉求), appeals without one are shown as “（未分类）”, “（未填地区）”,
  “（未归类）”. By channel (渠道): the channel its booking came in by — 坐诊, or the
  channel of its intake (12345, 接待日, …).
* **Its round.** A re-visit that reopens an appeal (回访 ``--reopen``) starts a new round;
  below, “the round” is the appeal's round at the cut-off, and its hand-off the one made in
  that round (by the cut-off).
* **Withdrawn, voided, merged** (withdrawal.py). An appeal voided as an entry made in
  error (作废) counts nowhere. A duplicate merged into another appeal (已合并) counts
  nowhere itself: it is counted once, as the appeal it joined. An appeal the enterprise
  withdrew (企业撤回) by the cut-off counts as received (受理诉求) and in the facts that
  happened before (交办, 延期), never as closed or overdue; **企业撤回** is its own figure
  beside 受理诉求 in the terminal view, the JSON and the bulletin (the CSV columns are
  fixed by cli.md), and 办结率 = 已办结 / (受理诉求 − 企业撤回).
* **受理诉求** — the appeals (withdrawn ones included).
* **现场解决** — appeals answered and resolved on the spot at the session and not handed
  off since: one resolved on the spot, then reopened (回访 ``--reopen``) and handed off
  counts in 交办 only, so 现场解决 + 交办 + the rest (not yet heard or handed off,
  withdrawn before) = 受理诉求.
* **交办** — appeals handed off (交办) to a unit at least once.
* **已办结** — appeals whose round was closed (销号), those resolved on the spot included.
  A reopened appeal is open again until its new round is closed.
* **按期办结** — closed appeals closed on or before their round's report deadline, as
  extended (延期) or set by law (the round's ``report`` deadline row); an appeal resolved
  on the spot (or 即办) or forwarded (转送) before any hand-off counts as closed on time.
* **超期未办结** — appeals not closed whose round was handed off and whose report deadline,
  as it stood at the cut-off, had passed on the day overdue is judged: the last day of the
  quarter, or the cut-off if earlier (a deadline runs to the end of its day). Appeals not
  handed off in their round (never, or reopened and not yet handed off again) are not
  counted here.
* **延期** — appeals granted at least one extension (in any round).
* **解释说明** — closed appeals whose round's outcome is 解释说明 (unreasonable or
  unsolvable, closed with an explanation to the enterprise).
* **平均办理工作日** — over closed appeals whose round was handed off, the mean number of
  working days after that hand-off's date up to and including the closing date (official
  calendar, holidays and make-up days applied); one decimal, rounded half up; empty when
  there is none.
* **评价数** — the ratings (诊后评价) the enterprises gave, not the appeals rated: every
  round's rating counts, so an appeal rated, reopened and rated again counts twice. A
  rating belongs to its appeal's quarter and group; by unit, to the leading unit of the
  round it rates (the appeal's unit for a round answered on the spot, which no unit
  handled).
* **满意率** — (满意 + 基本满意) / 评价数 on the rating of the *handling*, over the same
  ratings, as a percentage with one decimal, rounded half up; empty when nothing was rated.
* **合计** — the same figures over all appeals of the quarter and all their ratings.

Derived rates used by the terminal bars and the bulletin: 办结率 = 已办结 / 受理诉求,
按期办结率 = 按期办结 / 已办结, both percentages with one decimal.
"""

from __future__ import annotations

import calendar as _cal
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zuozhen import spans
from zuozhen.appeals import NOT_LEDGER_ITEM
from zuozhen.asof import RECEIVED, AsOf, as_of, refuse_future
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader, as_date
from zuozhen.validation import month_key, parse_quarter

BY = ("unit", "theme", "region", "class", "channel")
BY_LABEL = {
    "unit": "单位",
    "theme": "主题",
    "region": "地区",
    "class": "问题类别",
    "channel": "渠道",
}
NONE_LABEL = {
    "unit": "（未分办）",
    "theme": "（未分类）",
    "region": "（未填地区）",
    "class": "（未归类）",
    "channel": "（未知渠道）",
}
TOTAL = "合计"
FIGURES = (
    "受理诉求",
    "现场解决",
    "交办",
    "已办结",
    "按期办结",
    "超期未办结",
    "延期",
    "解释说明",
    "平均办理工作日",
    "评价数",
    "满意率",
)
_KEY_SQL = {
    "theme": "a.theme",
    "region": "e.region",
    "class": "a.problem_class",
    "channel": "b.channel",
}
SATISFIED = ("满意", "基本满意")
ON_TIME_RATE = "按期办结率"
ON_TIME_AT = 1 + FIGURES.index("按期办结") + 1  # the workbook's 按期办结率 column


def header(by: str = "unit") -> list[str]:
    """The CSV header; for ``unit``: 单位,受理诉求,现场解决,…,满意率 (fixed by cli.md)."""
    return [BY_LABEL[by], *FIGURES]


def one_decimal(numerator: int, denominator: int, scale: int = 1) -> float | None:
    """numerator * scale / denominator, one decimal rounded half up; None if nothing to divide."""
    if not denominator:
        return None
    value = Decimal(numerator * scale) / Decimal(denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent(numerator: int, denominator: int) -> float | None:
    return one_decimal(numerator, denominator, 100)


# -- the quarter ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        year, q = parse_quarter(text)
        return cls(year, q)

    @property
    def months(self) -> list[str]:
        return [month_key(self.year, m) for m in range(3 * self.q - 2, 3 * self.q + 1)]

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def last_day(self) -> date:
        month = 3 * self.q
        return date(self.year, month, _cal.monthrange(self.year, month)[1])

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def title(self) -> str:
        return f"{self.year}年第{'一二三四'[self.q - 1]}季度"

    def params(self) -> dict[str, Any]:
        return {f"m{i}": m for i, m in enumerate(self.months)}

    @property
    def month_in(self) -> str:
        # Ledger items (台账事项) are no enterprise's appeals: out of every figure.
        return f"a.month IN (:m0, :m1, :m2) AND {NOT_LEDGER_ITEM}"

    def overdue_on(self, cutoff: date) -> date:
        """The day overdue is judged on: the quarter's last day, or the cut-off if earlier."""
        return min(self.last_day, cutoff)

    def require_started(self, cutoff: date) -> None:
        """A quarter that begins after the cut-off is refused (there is nothing to count)."""
        current = Quarter(cutoff.year, (cutoff.month - 1) // 3 + 1)
        refuse_future(self.first_day, cutoff, f"{self.code}（{self.title}）", current.code)

    def scope(
        self, cutoff: date, *, region: bool = False, booking: bool = False
    ) -> tuple[str, str]:
        """FROM and WHERE of the quarter's appeals received by the cut-off (``appeal a``,
        with ``booking b`` and ``enterprise e`` when needed)."""
        received = cutoff < self.last_day  # else every booking of its months was made
        joins = " JOIN booking b ON b.id = a.booking_id" if received or region or booking else ""
        if region:
            joins += " JOIN enterprise e ON e.uscc = b.uscc"
        where = self.month_in + (f" AND {RECEIVED}" if received else "")
        return f"appeal a{joins}", where


# -- quarterly statistics --------------------------------------------------------------------


@dataclass(slots=True)
class Figures:
    """One row of the quarterly statistics (one unit, theme, region or class, or 合计)."""

    group: str
    appeals: int = 0
    withdrawn: int = 0  # 企业撤回 by the cut-off, among ``appeals``
    resolved_on_spot: int = 0
    reopened_handed: int = 0  # resolved on the spot, reopened and handed off: in 交办 only
    handed_off: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    extended: int = 0
    explained: int = 0
    rated: int = 0
    satisfied: int = 0  # 满意 + 基本满意 on the handling
    workdays_total: int = 0  # sum over closed handed-off appeals
    workdays_count: int = 0

    @property
    def avg_workdays(self) -> float | None:
        return one_decimal(self.workdays_total, self.workdays_count)

    @property
    def satisfaction_rate(self) -> float | None:
        return percent(self.satisfied, self.rated)

    @property
    def closure_rate(self) -> float | None:
        # A withdrawn appeal is no longer to be closed.
        return percent(self.closed, self.appeals - self.withdrawn)

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.closed_on_time, self.closed)

    def add(self, other: Figures) -> None:
        for name in (*_FIELDS, "workdays_total", "workdays_count"):  # every summed figure
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def cells(self) -> list[object]:
        """The CSV row: group, then the eleven figures (numbers; empty string for none)."""
        return [
            self.group,
            self.appeals,
            self.resolved_on_spot,
            self.handed_off,
            self.closed,
            self.closed_on_time,
            self.overdue,
            self.extended,
            self.explained,
            _blank(self.avg_workdays),
            self.rated,
            _blank(self.satisfaction_rate),
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "appeals": self.appeals,
            "withdrawn": self.withdrawn,
            "resolved_on_spot": self.resolved_on_spot,
            "handed_off": self.handed_off,
            "closed": self.closed,
            "closed_on_time": self.closed_on_time,
            "overdue": self.overdue,
            "extended": self.extended,
            "explained": self.explained,
            "avg_workdays": self.avg_workdays,
            "rated": self.rated,
            "satisfaction_rate": self.satisfaction_rate,
            "closure_rate": self.closure_rate,
            "on_time_rate": self.on_time_rate,
        }


def _blank(value: float | None) -> object:
    return "" if value is None else value


@dataclass(frozen=True, slots=True)
class QuarterlyReport:
    quarter: Quarter
    by: str
    as_of: date  # the cut-off: the case file as it stood at the end of this day
    overdue_on: date  # the day overdue was judged on (quarter end or the cut-off)
    rows: list[Figures]
    total: Figures

    def header(self) -> list[str]:
        return header(self.by)

    def table(self) -> Iterator[list[object]]:
        for row in self.rows:
            yield row.cells()
        yield self.total.cells()

    # The workbook (--xlsx) also has 按期办结率, right after 按期办结, as the bulletin does;
    # the CSV keeps the header cli.md fixes.
    def sheet_header(self) -> list[str]:
        h = self.header()
        return [*h[:ON_TIME_AT], ON_TIME_RATE, *h[ON_TIME_AT:]]

    def sheet_table(self) -> Iterator[list[object]]:
        for f in [*self.rows, self.total]:
            cells = f.cells()
            yield [*cells[:ON_TIME_AT], _blank(f.on_time_rate), *cells[ON_TIME_AT:]]

    def sheet_rates(self) -> tuple[int, ...]:
        """The 0-based columns of the workbook holding percentages."""
        h = self.sheet_header()
        return (h.index(ON_TIME_RATE), h.index("满意率"))

    def as_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter.code,
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "overdue_on": self.overdue_on.isoformat(),
            "header": self.header(),
            "rows": [r.as_json() for r in self.rows],
            "total": self.total.as_json(),
        }


def _group_key(by: str, v: AsOf, *, rating: bool = False) -> str:
    """The group of an appeal (or, with ``rating``, of one of its ratings ``g``)."""
    if by != "unit":
        col = _KEY_SQL[by]
    elif rating:
        # A rating judges the round it rates: that round's leading unit.
        col = f"COALESCE(NULLIF(gh.lead_unit, ''), {v.lead_unit_alone})"
    else:
        col = v.lead_unit
    return f"COALESCE(NULLIF({col}, ''), '{NONE_LABEL[by]}')"


#: ``--by`` in the clerk's words (cli.md): 单位, 主题, 地区, 类别 (问题类别 as the column says).
BY_WORDS = {label: key for key, label in BY_LABEL.items()} | {"类别": "class"}


def check_by(by: str) -> str:
    """The grouping's code, given as the code (unit) or in Chinese (单位)."""
    word = (by or "").strip()
    code = BY_WORDS.get(word, word.lower())
    if code not in BY:
        raise InputError(
            f"不能按“{by}”分组：可选 unit（单位）、theme（主题）、region（地区）、class（类别）、"
            "channel（渠道）。"
        )
    return code


def quarterly(r: Reader, quarter: Quarter, *, by: str = "unit", today: date) -> QuarterlyReport:
    """The quarter's figures per group and in total, as the module docstring defines them;
    ``today`` is the cut-off."""
    code = check_by(by)
    return quarterly_many(r, quarter, (code,), today=today)[code]


_FLAGS = (
    "withdrawn",
    "on_spot",
    "respot",
    "handed",
    "closed",
    "on_time",
    "overdue",
    "extended",
    "explained",
)


def _figures_sql(v: AsOf, bys: Sequence[str], src: str, where: str, dialect: str) -> str:
    """One query: each appeal's 0/1 flags and each rating, computed once (``u``) and
    summed per value of each key (``by_index``, ``grp``: a few hundred rows). The flags are
    computed in the CTE so the aggregates contain no subquery (PostgreSQL).

    Ratings count by the round they rate. An appeal never reopened has one round, rated
    at most once, and the unit of that round is the appeal's own at any cut-off after the
    rating (the hand-off came before the closing, or there was none: on the spot); so its
    rating rides on the appeal's row (one index probe), and only reopened appeals'
    ratings are read one by one with the unit of their round. The working days of closed
    handed-off appeals are summed in the same pass (spans.py)."""
    keys = ", ".join(f"{_group_key(by, v)} AS k{i}" for i, by in enumerate(bys))
    rating_keys = ", ".join(f"{_group_key(by, v, rating=True)} AS k{i}" for i, by in enumerate(bys))
    closed = v.closed
    ok = ", ".join(f"'{g}'" for g in SATISFIED)
    sums = ", ".join([*(f"SUM({f}) AS {f}" for f in _SUMMED[:-3]), spans.SUMS])
    pair = f"h.id IS NOT NULL AND {closed}"
    spans_sql = spans.columns(dialect, pair, "h.handed_on", v.closed_on)
    # Each key grouped on its own (a few hundred rows), over the rows computed once: the
    # combinations of three keys were nearly one row per appeal to fetch and add up.
    per_key = " UNION ALL ".join(
        f"SELECT {i} AS by_index, k{i} AS grp, {sums} FROM u GROUP BY k{i}" for i in range(len(bys))
    )
    return f"""
        WITH u AS (
            SELECT {keys}, 1 AS appeals,
                CASE WHEN (a.status = 'withdrawn' AND a.ended_on <= :cutoff) THEN 1 ELSE 0 END AS withdrawn,
                CASE WHEN {v.on_spot} AND NOT {v.handed} THEN 1 ELSE 0 END AS on_spot,
                CASE WHEN {v.on_spot} AND {v.handed} THEN 1 ELSE 0 END AS respot,
                CASE WHEN {v.handed} THEN 1 ELSE 0 END AS handed,
                CASE WHEN {closed} THEN 1 ELSE 0 END AS closed,
                CASE WHEN {closed} AND ((h.id IS NULL AND ({v.on_spot} OR a.outcome = '转送'))
                        OR (h.id IS NOT NULL AND ({v.closed_on}) <= rd.due))
                     THEN 1 ELSE 0 END AS on_time,
                CASE WHEN NOT {closed} AND NOT (a.status = 'withdrawn' AND a.ended_on <= :cutoff) AND h.id IS NOT NULL
                          AND {v.report_due} < :judged
                     THEN 1 ELSE 0 END AS overdue,
                CASE WHEN {v.extended} THEN 1 ELSE 0 END AS extended,
                CASE WHEN {closed} AND ({v.outcome}) = '解释说明' THEN 1 ELSE 0 END AS explained,
                CASE WHEN g.id IS NOT NULL THEN 1 ELSE 0 END AS rated,
                CASE WHEN g.handling IN ({ok}) THEN 1 ELSE 0 END AS satisfied, {spans_sql}
            FROM {src}{v.joins()}
            LEFT JOIN rating g ON g.appeal_id = a.id AND g.round = 1 AND a.round = 1
                AND g.rated_on <= :cutoff
            WHERE {where}
            UNION ALL
            SELECT {rating_keys}, 0 AS appeals, {", ".join(f"0 AS {f}" for f in _FLAGS)},
                1 AS rated, CASE WHEN g.handling IN ({ok}) THEN 1 ELSE 0 END AS satisfied,
                {spans.NONE}
            FROM {src}
            JOIN rating g ON g.appeal_id = a.id AND g.rated_on <= :cutoff
            LEFT JOIN handoff gh ON gh.appeal_id = g.appeal_id AND gh.round = g.round
            WHERE {where} AND a.round > 1
        )
        {per_key}
    """


#: The summed columns of ``_figures_sql`` and the Figures fields they fill, in order.
_SUMMED = ("appeals", *_FLAGS, "rated", "satisfied", "span_days", "spans", "odd_spans")
_FIELDS = (
    "appeals",
    "withdrawn",
    "resolved_on_spot",
    "reopened_handed",
    "handed_off",
    "closed",
    "closed_on_time",
    "overdue",
    "extended",
    "explained",
    "rated",
    "satisfied",
)
_INTO = (*_FIELDS, "workdays_total", "workdays_count")  # (odd_spans: for quarterly_many)


def _count_workdays(
    r: Reader,
    groups: list[dict[str, Figures]],
    bys: Sequence[str],
    src: str,
    where: str,
    params: dict[str, Any],
) -> None:
    """The working days of closed handed-off appeals, fetched pair by pair and counted
    with the calendar's rank index (the rare case spans.py leaves to Python)."""
    v = as_of(r.dialect)
    cal = r.calendar
    keys = ", ".join(f"{_group_key(by, v)} AS k{i}" for i, by in enumerate(bys))
    pairs = f"""
        SELECT {keys}, h.handed_on, {v.closed_on} AS closed_on
        FROM {src}{v.joins(report=False)}
        WHERE {where} AND h.id IS NOT NULL AND {v.closed}
    """
    for by_group in groups:
        for fig in by_group.values():
            fig.workdays_total = fig.workdays_count = 0
    for row in r.iter(pairs, params):
        handed, closed = as_date(row["handed_on"]), as_date(row["closed_on"])
        assert handed is not None and closed is not None
        days = cal.workdays_between(handed, closed)
        for i in range(len(bys)):
            fig = groups[i][str(row[f"k{i}"])]
            fig.workdays_total += days
            fig.workdays_count += 1


def quarterly_many(
    r: Reader, quarter: Quarter, bys: Sequence[str], *, today: date
) -> dict[str, QuarterlyReport]:
    """Several break-downs in one pass: grouped by every key at once, rolled up here."""
    for by in bys:
        check_by(by)
    quarter.require_started(today)
    v = as_of(r.dialect)
    judged = quarter.overdue_on(today)
    params = {**quarter.params(), "cutoff": today, "judged": judged}
    params |= spans.params(r.calendar, r.dialect, quarter.first_day, today)
    src, where = quarter.scope(today, region="region" in bys, booking="channel" in bys)
    sums: list[dict[str, list[int]]] = [{} for _ in bys]
    for row in r.iter(_figures_sql(v, bys, src, where, r.dialect), params):
        part = [int(row[c] or 0) for c in _SUMMED]
        cur = sums[int(row["by_index"])].setdefault(str(row["grp"]), [0] * len(part))
        cur[:] = map(operator.add, cur, part)
    groups: list[dict[str, Figures]] = [
        {g: Figures(g, **dict(zip(_INTO, vals, strict=False))) for g, vals in by_group.items()}
        for by_group in sums
    ]
    odd = any(vals[-1] for vals in sums[0].values()) if sums else False
    if odd:  # a hand-off or closing day outside the ranked range: all counted one by one
        _count_workdays(r, groups, bys, src, where, params)
    out = {}
    for i, by in enumerate(bys):
        none = NONE_LABEL[by]
        rows = sorted(groups[i].values(), key=lambda f: (f.group == none, -f.appeals, f.group))
        total = Figures(group=TOTAL)
        for f in rows:
            total.add(f)
        out[by] = QuarterlyReport(quarter, by, today, judged, rows, total)
    return out


# -- figures for the bulletin ---------------------------------------------------------------


def enterprises_served(r: Reader, quarter: Quarter, *, today: date) -> int:
    """Distinct enterprises (统一社会信用代码) with an appeal of the quarter booked by the
    cut-off."""
    return int(
        r.scalar(
            f"SELECT COUNT(DISTINCT b.uscc) FROM appeal a JOIN booking b ON b.id = a.booking_id "
            f"WHERE {quarter.month_in} AND {RECEIVED}",
            {**quarter.params(), "cutoff": today},
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class OverdueItem:
    appeal: str
    unit: str
    due: date
    days_overdue: int  # working days after the due day up to the day overdue is judged on


def overdue_items(
    r: Reader, quarter: Quarter, *, today: date, limit: int | None = None
) -> list[OverdueItem]:
    """The appeals counted in 超期未办结, most overdue first (no personal data)."""
    quarter.require_started(today)
    v = as_of(r.dialect)
    judged = quarter.overdue_on(today)
    src, where = quarter.scope(today)
    cal = r.calendar
    items = []
    for row in r.iter(
        f"""
        SELECT a.id, h.lead_unit, {v.report_due} AS due
        FROM {src}{v.joins()}
        WHERE {where} AND h.id IS NOT NULL AND NOT {v.closed} AND {v.report_due} < :judged
          AND NOT (a.status = 'withdrawn' AND a.ended_on <= :cutoff)
        ORDER BY due, a.id{f" LIMIT {int(limit)}" if limit is not None else ""}
        """,
        {**quarter.params(), "cutoff": today, "judged": judged},
    ):
        due = as_date(row["due"])
        assert due is not None
        items.append(
            OverdueItem(
                str(row["id"]), str(row["lead_unit"]), due, cal.workdays_between(due, judged)
            )
        )
    return items  # the earliest deadline is the most working days overdue


def problem_classes(
    r: Reader, quarter: Quarter, *, today: date, limit: int = 10
) -> list[tuple[str, int]]:
    """共性诉求: the most frequent problem classes of the quarter's appeals booked by the
    cut-off, with their counts."""
    src, where = quarter.scope(today)
    rows = r.rows(
        f"""
        SELECT a.problem_class AS cls, COUNT(*) AS n FROM {src}
        WHERE {where} AND a.problem_class IS NOT NULL AND a.problem_class <> ''
        GROUP BY a.problem_class
        ORDER BY COUNT(*) DESC, a.problem_class
        LIMIT {int(limit)}
        """,
        {**quarter.params(), "cutoff": today},
    )
    return [(str(x["cls"]), int(x["n"])) for x in rows]
