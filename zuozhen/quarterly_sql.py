"""``report quarterly`` on its own: the quarter's figures by one grouping (or a few), in
one SQL statement of their own.

The bulletin needs many groupings and the channels' figures at once and gets them from
one pass (quarter_pass.py); ``report quarterly`` needs one, and this statement — each
flag summed per appeal as it is defined in reports.py, inlined by the engine — is the
quicker for it. Both count the same figures: tests/test_figure_pass.py compares them.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import date
from typing import Any

from zuozhen import spans
from zuozhen.asof import AsOf, as_of
from zuozhen.reports import (
    FLAGS,
    NONE_LABEL,
    SATISFIED,
    Figures,
    Quarter,
    QuarterlyReport,
)
from zuozhen.store.reader import Reader, as_date

_KEY_SQL = {
    "theme": "a.theme",
    "region": "e.region",
    "class": "a.problem_class",
    "channel": "b.channel",
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
            SELECT {rating_keys}, 0 AS appeals, {", ".join(f"0 AS {f}" for f in FLAGS)},
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
_SUMMED = ("appeals", *FLAGS, "rated", "satisfied", "span_days", "spans", "odd_spans")
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


def quarterly_groups(
    r: Reader, quarter: Quarter, bys: Sequence[str], *, today: date
) -> dict[str, QuarterlyReport]:
    """Several break-downs of ``report quarterly`` in one statement of their own."""
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
        out[by] = QuarterlyReport.of(quarter, by, today, judged, groups[i].values())
    return out
