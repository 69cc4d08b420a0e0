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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from zuozhen.appeals import NOT_LEDGER_ITEM
from zuozhen.asof import as_of, refuse_future
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader, as_date
from zuozhen.validation import month_key, parse_quarter

if TYPE_CHECKING:
    from zuozhen.quarter_pass import Tallies

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
SATISFIED = ("满意", "基本满意")
#: An appeal's 0/1 figures that report quarterly sums (beside 受理 and the ratings), as
#: both of its statements compute them (quarterly_sql.py, quarter_pass.py).
FLAGS = (
    "withdrawn",
    "on_spot",  # 现场解决 and not handed off since
    "respot",  # answered on the spot, reopened and handed off: in 交办 only
    "handed",
    "closed",
    "on_time",
    "overdue",
    "extended",
    "explained",
)
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
        # asof.RECEIVED: a voided or merged appeal counts nowhere, whatever the cut-off.
        where = f"{self.month_in} AND a.status NOT IN ('void', 'merged')"
        if received:
            where += " AND b.booked_on <= :cutoff"
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

    @classmethod
    def of(
        cls, quarter: Quarter, by: str, today: date, judged: date, groups: Iterable[Figures]
    ) -> QuarterlyReport:
        """The groups in report order (the most appeals first, the unnamed group last) and
        their 合计."""
        none = NONE_LABEL[by]
        rows = sorted(groups, key=lambda f: (f.group == none, -f.appeals, f.group))
        total = Figures(group=TOTAL)
        for f in rows:
            total.add(f)
        return cls(quarter, by, today, judged, rows, total)

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


#: Figures field ← the flag of quarter_pass.BITS that counts it.
_FROM_BITS = {
    "appeals": "appeals",
    "withdrawn": "withdrawn",
    "resolved_on_spot": "on_spot",
    "reopened_handed": "respot",
    "handed_off": "handed",
    "closed": "closed",
    "closed_on_time": "on_time",
    "overdue": "overdue",
    "extended": "extended",
    "explained": "explained",
    "rated": "rated",
    "satisfied": "satisfied",
    "workdays_count": "span",
}
_FIELDS = tuple(f for f in _FROM_BITS if f != "workdays_count")  # the counts Figures.add sums


def quarterly_many(
    r: Reader, quarter: Quarter, bys: Sequence[str], *, today: date, tallies: Tallies | None = None
) -> dict[str, QuarterlyReport]:
    """Several break-downs of ``report quarterly``: from ``tallies``, the bulletin's one pass
    over the quarter (quarter_pass.py) made with these keys among its own, else from a
    statement of their own (quarterly_sql.py)."""
    for by in bys:
        check_by(by)
    quarter.require_started(today)
    if tallies is None:  # one report: its own statement (quarterly_sql.py) is the quicker
        from zuozhen.quarterly_sql import quarterly_groups

        return quarterly_groups(r, quarter, bys, today=today)
    t = tallies
    groups: dict[str, dict[str, Figures]] = {}
    for by in bys:
        figures = groups[by] = {}
        for raw, counts in t.groups[by].items():
            name = NONE_LABEL[by] if raw is None else raw
            figures.setdefault(name, Figures(name)).add(_figures(name, counts.count, counts.days))
    if t.odd_spans:  # a hand-off or closing day outside the ranked range: all counted one by one
        _count_workdays(r, quarter, today, groups)
    out = {}
    judged = quarter.overdue_on(today)
    for by in bys:
        out[by] = QuarterlyReport.of(quarter, by, today, judged, groups[by].values())
    return out


def _figures(group: str, count: dict[str, int], days: int) -> Figures:
    return Figures(group, **{f: count[bit] for f, bit in _FROM_BITS.items()}, workdays_total=days)


def _count_workdays(
    r: Reader, quarter: Quarter, today: date, groups: dict[str, dict[str, Figures]]
) -> None:
    """The working days of closed handed-off appeals, pair by pair (quarter_pass.py)."""
    from zuozhen.quarter_pass import workday_pairs

    for figures in groups.values():
        for f in figures.values():
            f.workdays_total = f.workdays_count = 0
    for keys, days in workday_pairs(r, quarter, today, groups):
        for by, figures in groups.items():
            raw = keys[by]
            f = figures[NONE_LABEL[by] if raw is None else raw]
            f.workdays_total += days
            f.workdays_count += 1


# -- figures for the bulletin ---------------------------------------------------------------


def top_classes(t: Tallies, limit: int = 10) -> list[tuple[str, int]]:
    """共性诉求: the most frequent problem classes of the quarter's appeals received by the
    cut-off, with their counts (``t``: a pass with the key ``class``)."""
    counts = [(name, c.count["appeals"]) for name, c in t.groups["class"].items() if name]
    return sorted((x for x in counts if x[1]), key=lambda x: (-x[1], x[0]))[:limit]


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
