"""Step 10 通报报告: the quarterly statistics (``report quarterly``).

Everything here reads through the ``Reader`` with a few aggregate SQL queries (GROUP BY),
never ORM objects, so a quarter of a million appeals is counted in seconds; the SQL runs
on SQLite and PostgreSQL alike. Nothing here prints.

How each figure of ``report quarterly`` is defined (the README quotes this):

* **Which appeals.** An appeal belongs to the quarter of its booking month (the month of
  its 挂号), and to its *current leading unit*: the unit chosen at triage until it is
  handed off, then the first (leading) unit of its latest hand-off. Appeals with no unit
  are shown as “（未分办）”. By theme, region (the enterprise's 所属地区) or problem class
  (共性诉求), appeals without one are shown as “（未分类）”, “（未填地区）”, “（未归类）”.
  Statuses are those on the day the report is made. After a unit's return (退回) the
  appeal belongs to the units of that hand-off left after the returning one (the first
  leads), until it is handed off again.
* **Withdrawn, voided, merged** (withdrawal.py). An appeal voided as an entry made in
  error (作废) counts nowhere. A duplicate merged into another appeal (已合并) counts
  nowhere itself: it is counted once, as the appeal it joined. An appeal the enterprise
  withdrew (企业撤回) counts as received (受理诉求) and in the facts that happened before
  (交办, 延期), never as closed or overdue; **企业撤回** is its own figure beside 受理诉求
  in the terminal view, the JSON and the bulletin (the CSV columns are fixed by cli.md).
* **受理诉求** — the appeals (withdrawn ones included).
* **现场解决** — appeals answered and resolved on the spot at the session.
* **交办** — appeals handed off (交办) to a unit at least once.
* **已办结** — appeals closed (销号, status 已销号 or 已评价), those resolved on the spot
  included.
* **按期办结** — closed appeals closed on or before the report deadline of their latest
  hand-off round, as extended (延期) or set by law (the round's ``report`` deadline row);
  an appeal resolved on the spot counts as closed on time.
* **超期未办结** — appeals neither closed nor withdrawn whose current hand-off round's
  report deadline had passed at the end of the quarter, or at the report date if that is
  earlier (a deadline runs to the end of its day). Appeals never handed off, or returned
  by a unit and not yet handed off again, are not counted here.
* **延期** — appeals granted at least one extension.
* **解释说明** — closed appeals whose outcome is 解释说明 (unreasonable or unsolvable,
  closed with an explanation to the enterprise).
* **平均办理工作日** — over closed appeals that were handed off, the mean number of working
  days after the hand-off date of the latest round up to and including the closing date
  (official calendar, holidays and make-up days applied); one decimal, rounded half up;
  empty when there is none.
* **评价数** — appeals rated by the enterprise in their latest round.
* **满意率** — (满意 + 基本满意) / 评价数 on the rating of the *handling*, as a percentage
  with one decimal, rounded half up; empty when nothing was rated.
* **合计** — the same figures over all appeals of the quarter.

Derived rates used by the terminal bars and the bulletin: 办结率 = 已办结 / (受理诉求 −
企业撤回) (a withdrawn appeal is no longer to be closed), 按期办结率 = 按期办结 / 已办结,
both percentages with one decimal. **涉及企业** (the bulletin): distinct enterprises with
an appeal counted in 受理诉求.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zuozhen.appeals import due_join
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader, as_date
from zuozhen.validation import month_key, parse_quarter

BY = ("unit", "theme", "region", "class")
BY_LABEL = {"unit": "单位", "theme": "主题", "region": "地区", "class": "问题类别"}
NONE_LABEL = {
    "unit": "（未分办）",
    "theme": "（未分类）",
    "region": "（未填地区）",
    "class": "（未归类）",
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
    "unit": "a.lead_unit",
    "theme": "a.theme",
    "region": "e.region",
    "class": "a.problem_class",
}
_CLOSED = "a.status IN ('closed', 'rated')"
# Voided entries and merged duplicates count nowhere (the one they joined counts).
_COUNTED = "a.status NOT IN ('void', 'merged')"


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
        return "a.month IN (:m0, :m1, :m2)"

    def cutoff(self, today: date) -> date:
        """The day overdue is judged on: the quarter's last day, or today if earlier."""
        return min(self.last_day, today)


# -- quarterly statistics --------------------------------------------------------------------


@dataclass(slots=True)
class Figures:
    """One row of the quarterly statistics (one unit, theme, region or class, or 合计)."""

    group: str
    appeals: int = 0
    withdrawn: int = 0  # 企业撤回, among ``appeals``
    resolved_on_spot: int = 0
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
        return percent(self.closed, self.appeals - self.withdrawn)

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.closed_on_time, self.closed)

    def add(self, other: Figures) -> None:
        for name in (
            "appeals",
            "withdrawn",
            "resolved_on_spot",
            "handed_off",
            "closed",
            "closed_on_time",
            "overdue",
            "extended",
            "explained",
            "rated",
            "satisfied",
            "workdays_total",
            "workdays_count",
        ):
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
    as_of: date  # the day overdue was judged on (quarter end or the report date)
    rows: list[Figures]
    total: Figures

    def header(self) -> list[str]:
        return header(self.by)

    def table(self) -> Iterator[list[object]]:
        for row in self.rows:
            yield row.cells()
        yield self.total.cells()

    def as_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter.code,
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "header": self.header(),
            "rows": [r.as_json() for r in self.rows],
            "total": self.total.as_json(),
        }


def _from(bys: Sequence[str]) -> str:
    """The FROM clause: the appeal with its latest hand-off round and rating of that round."""
    region = (
        " JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc"
        if "region" in bys
        else ""
    )
    return (
        f"appeal a{region}"
        " LEFT JOIN handoff h ON h.appeal_id = a.id AND h.round = a.round"
        " LEFT JOIN rating r ON r.appeal_id = a.id AND r.round = a.round"
    )


def _group_key(by: str) -> str:
    col = _KEY_SQL[by]
    return f"COALESCE(NULLIF({col}, ''), '{NONE_LABEL[by]}')"


def check_by(by: str) -> str:
    if by not in BY:
        raise InputError(
            f"不能按“{by}”分组：可选 unit（单位）、theme（主题）、region（地区）、class（问题类别）。"
        )
    return by


def quarterly(r: Reader, quarter: Quarter, *, by: str = "unit", today: date) -> QuarterlyReport:
    """The quarter's figures per group and in total, as the module docstring defines them."""
    return quarterly_many(r, quarter, (check_by(by),), today=today)[by]


def quarterly_many(
    r: Reader, quarter: Quarter, bys: Sequence[str], *, today: date
) -> dict[str, QuarterlyReport]:
    """Several break-downs in one pass: grouped by every key at once, rolled up here."""
    for by in bys:
        check_by(by)
    cutoff = quarter.cutoff(today)
    params = {**quarter.params(), "cutoff": cutoff}
    keys = ", ".join(f"{_group_key(by)} AS k{i}" for i, by in enumerate(bys))
    names = ", ".join(f"k{i}" for i in range(len(bys)))
    # One pass over the quarter's appeals: each row's 0/1 flags, summed per combination of
    # keys (a few hundred rows at most). The flags are computed in a derived table so the
    # aggregate contains no subquery (PostgreSQL).
    sql = f"""
        SELECT {names}, COUNT(*) AS appeals, SUM(withdrawn) AS withdrawn,
               SUM(on_spot) AS on_spot, SUM(handed) AS handed,
               SUM(closed) AS closed, SUM(on_time) AS on_time, SUM(overdue) AS overdue,
               SUM(extended) AS extended, SUM(explained) AS explained,
               SUM(rated) AS rated, SUM(satisfied) AS satisfied
        FROM (
            SELECT {keys},
                CASE WHEN a.status = 'withdrawn' THEN 1 ELSE 0 END AS withdrawn,
                CASE WHEN a.resolved_on_spot THEN 1 ELSE 0 END AS on_spot,
                CASE WHEN EXISTS (SELECT 1 FROM handoff x WHERE x.appeal_id = a.id)
                     THEN 1 ELSE 0 END AS handed,
                CASE WHEN {_CLOSED} THEN 1 ELSE 0 END AS closed,
                CASE WHEN {_CLOSED} AND (
                        (h.id IS NULL AND a.resolved_on_spot)
                        OR (h.id IS NOT NULL AND a.closed_on <= rd.due))
                     THEN 1 ELSE 0 END AS on_time,
                CASE WHEN NOT {_CLOSED} AND a.status <> 'withdrawn' AND h.id IS NOT NULL
                          AND rd.due < :cutoff
                     THEN 1 ELSE 0 END AS overdue,
                CASE WHEN EXISTS (SELECT 1 FROM extension x WHERE x.appeal_id = a.id)
                     THEN 1 ELSE 0 END AS extended,
                CASE WHEN {_CLOSED} AND a.outcome = '解释说明' THEN 1 ELSE 0 END AS explained,
                CASE WHEN r.id IS NOT NULL THEN 1 ELSE 0 END AS rated,
                CASE WHEN r.handling IN ('满意', '基本满意') THEN 1 ELSE 0 END AS satisfied
            FROM {_from(bys)}{due_join("rd", "report")}
            WHERE {quarter.month_in} AND {_COUNTED}
        ) t
        GROUP BY {names}
    """
    groups: list[dict[str, Figures]] = [{} for _ in bys]
    for row in r.iter(sql, params):
        part = Figures(
            group="",
            appeals=int(row["appeals"]),
            withdrawn=int(row["withdrawn"] or 0),
            resolved_on_spot=int(row["on_spot"] or 0),
            handed_off=int(row["handed"] or 0),
            closed=int(row["closed"] or 0),
            closed_on_time=int(row["on_time"] or 0),
            overdue=int(row["overdue"] or 0),
            extended=int(row["extended"] or 0),
            explained=int(row["explained"] or 0),
            rated=int(row["rated"] or 0),
            satisfied=int(row["satisfied"] or 0),
        )
        for i in range(len(bys)):
            g = str(row[f"k{i}"])
            groups[i].setdefault(g, Figures(group=g)).add(part)
    # Working days need the official calendar: fetch only the two dates per closed
    # handed-off appeal and count with the calendar's rank index (O(1) per pair).
    cal = r.calendar
    pairs = f"""
        SELECT {keys}, h.handed_on, a.closed_on
        FROM {_from(bys)}
        WHERE {quarter.month_in} AND {_CLOSED} AND h.id IS NOT NULL AND a.closed_on IS NOT NULL
    """
    for row in r.iter(pairs, params):
        handed, closed = as_date(row["handed_on"]), as_date(row["closed_on"])
        assert handed is not None and closed is not None
        days = cal.workdays_between(handed, closed)
        for i in range(len(bys)):
            fig = groups[i][str(row[f"k{i}"])]
            fig.workdays_total += days
            fig.workdays_count += 1
    out = {}
    for i, by in enumerate(bys):
        none = NONE_LABEL[by]
        rows = sorted(groups[i].values(), key=lambda f: (f.group == none, -f.appeals, f.group))
        total = Figures(group=TOTAL)
        for f in rows:
            total.add(f)
        out[by] = QuarterlyReport(quarter, by, cutoff, rows, total)
    return out


# -- figures for the bulletin ---------------------------------------------------------------


def enterprises_served(r: Reader, quarter: Quarter) -> int:
    """涉及企业: distinct enterprises (统一社会信用代码) with an appeal of the quarter counted
    in 受理诉求 (not voided, not merged into another appeal)."""
    return int(
        r.scalar(
            f"SELECT COUNT(DISTINCT b.uscc) FROM appeal a JOIN booking b ON b.id = a.booking_id "
            f"WHERE {quarter.month_in} AND {_COUNTED}",
            quarter.params(),
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class OverdueItem:
    appeal: str
    unit: str
    due: date
    days_overdue: int  # working days after the due day up to the cut-off day


def overdue_items(
    r: Reader, quarter: Quarter, *, today: date, limit: int | None = None
) -> list[OverdueItem]:
    """The appeals counted in 超期未办结, most overdue first (no personal data)."""
    cutoff = quarter.cutoff(today)
    cal = r.calendar
    items = []
    for row in r.iter(
        f"""
        SELECT a.id, h.lead_unit, rd.due
        FROM appeal a JOIN handoff h ON h.appeal_id = a.id AND h.round = a.round
        {due_join("rd", "report")}
        WHERE {quarter.month_in} AND NOT {_CLOSED} AND rd.due < :cutoff
          AND a.status NOT IN ('withdrawn', 'void', 'merged')
        ORDER BY rd.due, a.id{f" LIMIT {int(limit)}" if limit is not None else ""}
        """,
        {**quarter.params(), "cutoff": cutoff},
    ):
        due = as_date(row["due"])
        assert due is not None
        items.append(
            OverdueItem(
                str(row["id"]), str(row["lead_unit"]), due, cal.workdays_between(due, cutoff)
            )
        )
    return items  # the earliest deadline is the most working days overdue


def problem_classes(r: Reader, quarter: Quarter, *, limit: int = 10) -> list[tuple[str, int]]:
    """共性诉求: the most frequent problem classes of the quarter with their counts."""
    rows = r.rows(
        f"""
        SELECT a.problem_class AS cls, COUNT(*) AS n FROM appeal a
        WHERE {quarter.month_in} AND a.problem_class IS NOT NULL AND a.problem_class <> ''
          AND {_COUNTED}
        GROUP BY a.problem_class
        ORDER BY COUNT(*) DESC, a.problem_class
        LIMIT {int(limit)}
        """,
        quarter.params(),
    )
    return [(str(x["cls"]), int(x["n"])) for x in rows]
