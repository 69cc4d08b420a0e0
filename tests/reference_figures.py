"""The slow reference path for the quarter's grouped figures (tests/test_figure_pass.py).

These are the queries ``report quarterly``, ``report channels`` and the bulletin ran before
the figures were computed in one pass (zuozhen/quarter_pass.py): one statement per
report, each flag spelled out per appeal, each grouping summed on its own, every appeal
joined to its enterprise for the region. They are kept here, unchanged but for the scope
(a voided or merged appeal counts nowhere, whatever the cut-off), so that a test can
compare every figure the fast path gives with what these give, group by group.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zuozhen.asof import RECEIVED, as_of
from zuozhen.config import LEDGER
from zuozhen.reports import NONE_LABEL, SATISFIED, Quarter
from zuozhen.store.reader import Reader, as_date

OK = ", ".join(f"'{g}'" for g in SATISFIED)
WITHDRAWN = "(a.status = 'withdrawn' AND a.ended_on <= :cutoff)"
KEY = {"theme": "a.theme", "region": "e.region", "class": "a.problem_class", "channel": "b.channel"}
FLAGS = (
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
#: Reference column → Figures field.
FIELDS = {
    "appeals": "appeals",
    "withdrawn": "withdrawn",
    "on_spot": "resolved_on_spot",
    "respot": "reopened_handed",
    "handed": "handed_off",
    "closed": "closed",
    "on_time": "closed_on_time",
    "overdue": "overdue",
    "extended": "extended",
    "explained": "explained",
    "rated": "rated",
    "satisfied": "satisfied",
    "pairs": "workdays_count",
    "days": "workdays_total",
}


def _scope(region: bool) -> str:
    joins = " JOIN enterprise e ON e.uscc = b.uscc" if region else ""
    return f"appeal a JOIN booking b ON b.id = a.booking_id{joins}"


def _params(quarter: Quarter, today: date) -> dict[str, Any]:
    return {**quarter.params(), "cutoff": today, "judged": quarter.overdue_on(today)}


def _key(by: str, rating: bool = False) -> str:
    v = as_of("sqlite")
    if by != "unit":
        col = KEY[by]
    elif rating:
        col = f"COALESCE(NULLIF(gh.lead_unit, ''), {v.lead_unit_alone})"
    else:
        col = v.lead_unit
    return f"COALESCE(NULLIF({col}, ''), '{NONE_LABEL[by]}')"


def quarterly(r: Reader, quarter: Quarter, by: str, today: date) -> dict[str, dict[str, int]]:
    """Every summed figure of ``report quarterly --by BY`` per group, working days counted
    pair by pair in Python (SQLite only)."""
    v = as_of(r.dialect)
    closed = v.closed
    src = _scope(by == "region")
    where = f"{quarter.month_in} AND {RECEIVED}"
    sums = ", ".join(f"SUM({f}) AS {f}" for f in ("appeals", *FLAGS, "rated", "satisfied"))
    sql = f"""
        SELECT k, {sums} FROM (
            SELECT {_key(by)} AS k, 1 AS appeals,
                CASE WHEN {WITHDRAWN} THEN 1 ELSE 0 END AS withdrawn,
                CASE WHEN {v.on_spot} AND NOT {v.handed} THEN 1 ELSE 0 END AS on_spot,
                CASE WHEN {v.on_spot} AND {v.handed} THEN 1 ELSE 0 END AS respot,
                CASE WHEN {v.handed} THEN 1 ELSE 0 END AS handed,
                CASE WHEN {closed} THEN 1 ELSE 0 END AS closed,
                CASE WHEN {closed} AND ((h.id IS NULL AND ({v.on_spot} OR a.outcome = '转送'))
                        OR (h.id IS NOT NULL AND ({v.closed_on}) <= rd.due))
                     THEN 1 ELSE 0 END AS on_time,
                CASE WHEN NOT {closed} AND NOT {WITHDRAWN} AND h.id IS NOT NULL
                          AND {v.report_due} < :judged THEN 1 ELSE 0 END AS overdue,
                CASE WHEN {v.extended} THEN 1 ELSE 0 END AS extended,
                CASE WHEN {closed} AND ({v.outcome}) = '解释说明' THEN 1 ELSE 0 END AS explained,
                CASE WHEN g.id IS NOT NULL THEN 1 ELSE 0 END AS rated,
                CASE WHEN g.handling IN ({OK}) THEN 1 ELSE 0 END AS satisfied
            FROM {src}{v.joins()}
            LEFT JOIN rating g ON g.appeal_id = a.id AND g.round = 1 AND a.round = 1
                AND g.rated_on <= :cutoff
            WHERE {where}
            UNION ALL
            SELECT {_key(by, rating=True)} AS k, 0 AS appeals, {", ".join(f"0 AS {f}" for f in FLAGS)},
                1 AS rated, CASE WHEN g.handling IN ({OK}) THEN 1 ELSE 0 END AS satisfied
            FROM {src}
            JOIN rating g ON g.appeal_id = a.id AND g.rated_on <= :cutoff
            LEFT JOIN handoff gh ON gh.appeal_id = g.appeal_id AND gh.round = g.round
            WHERE {where} AND a.round > 1
        ) u GROUP BY k
    """
    params = _params(quarter, today)
    out = {
        str(x["k"]): {FIELDS[c]: int(n or 0) for c, n in dict(x).items() if c != "k"}
        for x in r.rows(sql, params)
    }
    for fig in out.values():
        fig["workdays_count"] = fig["workdays_total"] = 0
    cal = r.calendar
    pairs = f"""
        SELECT {_key(by)} AS k, h.handed_on, {v.closed_on} AS closed_on
        FROM {src}{v.joins(report=False)} WHERE {where} AND h.id IS NOT NULL AND {closed}
    """
    for x in r.rows(pairs, params):
        handed, closed_on = as_date(x["handed_on"]), as_date(x["closed_on"])
        assert handed is not None and closed_on is not None
        out[str(x["k"])]["workdays_total"] += cal.workdays_between(handed, closed_on)
        out[str(x["k"])]["workdays_count"] += 1
    return out


def channels(r: Reader, quarter: Quarter, today: date) -> dict[str, dict[str, int]]:
    """``report channels`` per channel that has a row (ledgers left out)."""
    v = as_of(r.dialect)
    scope = (
        f"appeal a JOIN booking b ON b.id = a.booking_id{{joins}} WHERE {quarter.month_in}"
        f" AND {RECEIVED} AND b.channel <> '{LEDGER}'"
    )
    closed = f"(NOT {WITHDRAWN} AND {v.closed})"
    immediate = f"({closed} AND a.resolved_on_spot AND NOT {v.handed})"
    flags = ("immediate", "handed", "closed", "on_time", "overdue")
    ratings = (
        " LEFT JOIN rating g ON g.appeal_id = a.id AND g.round = 1 AND a.round = 1"
        f" AND g.rated_on <= :cutoff AND NOT {WITHDRAWN}"
    )
    again = scope.format(joins=" JOIN rating g ON g.appeal_id = a.id AND g.rated_on <= :cutoff")
    sums = ", ".join(f"SUM({f}) AS {f}" for f in ("appeals", *flags, "rated", "satisfied"))
    sql = f"""
        SELECT ch, {sums} FROM (
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
                CASE WHEN g.handling IN ({OK}) THEN 1 ELSE 0 END AS satisfied
            FROM {scope.format(joins=v.joins() + ratings)}
            UNION ALL
            SELECT b.channel AS ch, 0 AS appeals, {", ".join(f"0 AS {f}" for f in flags)},
                1 AS rated, CASE WHEN g.handling IN ({OK}) THEN 1 ELSE 0 END AS satisfied
            FROM {again} AND a.round > 1 AND NOT {WITHDRAWN}
        ) u GROUP BY ch
    """
    names = {"handed": "handed_off", "on_time": "closed_on_time"}
    return {
        str(x["ch"]): {names.get(c, c): int(n or 0) for c, n in dict(x).items() if c != "ch"}
        for x in r.rows(sql, _params(quarter, today))
    }


def enterprises(r: Reader, quarter: Quarter, today: date) -> int:
    return int(
        r.scalar(
            "SELECT COUNT(DISTINCT b.uscc) FROM appeal a JOIN booking b ON b.id = a.booking_id "
            f"WHERE {quarter.month_in} AND {RECEIVED}",
            _params(quarter, today),
        )
        or 0
    )


def classes(r: Reader, quarter: Quarter, today: date, limit: int = 10) -> list[tuple[str, int]]:
    rows = r.rows(
        f"""
        SELECT a.problem_class AS cls, COUNT(*) AS n FROM {_scope(False)}
        WHERE {quarter.month_in} AND {RECEIVED}
          AND a.problem_class IS NOT NULL AND a.problem_class <> ''
        GROUP BY a.problem_class ORDER BY COUNT(*) DESC, a.problem_class LIMIT {int(limit)}
        """,
        _params(quarter, today),
    )
    return [(str(x["cls"]), int(x["n"])) for x in rows]
