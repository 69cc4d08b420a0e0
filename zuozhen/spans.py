"""Working days between two dates, counted inside a report's SQL (``report quarterly``,
the bulletin): 平均办理时长 sums, per group, the working days from each closed appeal's
hand-off to its closing on the official calendar.

The calendar lives in Python (deadlines.WorkCalendar), so the days were once fetched
appeal by appeal — a second pass over the quarter, a second and more at a million
appeals. Instead the query is given the calendar's rank of every day of a range (the
working days from the range's first day up to it) as one fixed-width string parameter,
and sums ``rank(closed) - rank(handed)`` in the same pass that counts everything else.
A pair with a day outside the range is counted apart (``odd_spans``); the caller counts
those few the old way.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from zuozhen.deadlines import MAX_YEAR, MIN_YEAR, WorkCalendar

#: Characters per day in the rank string (zero-padded).
WIDTH = 5
#: Days before the quarter's first day that the range covers (an appeal is handed off
#: after it is booked, in its month: earlier days are a data oddity, counted apart).
MARGIN = 31


def params(cal: WorkCalendar, dialect: str, first: date, last: date) -> dict[str, Any]:
    """The range ``first``..``last`` (clamped to the calendar's years) and its ranks."""
    first = max(first - timedelta(days=MARGIN), date(MIN_YEAR, 1, 1))
    last = max(first, min(last, date(MAX_YEAR, 12, 31)))
    ranks = "".join(
        f"{cal.workdays_between(first, first + timedelta(days=k)):0{WIDTH}d}"
        for k in range((last - first).days + 1)
    )
    # SQLite's substr counts characters from the start of a text, but bytes of a blob.
    return {
        "rank_from": first,
        "rank_to": last,
        "ranks": ranks.encode() if dialect == "sqlite" else ranks,
    }


def _rank(dialect: str, day: str) -> str:
    """The day's rank, or NULL outside the range."""
    if dialect == "postgresql":
        offset = f"(({day}) - CAST(:rank_from AS date))"
    else:
        offset = f"CAST(julianday({day}) - julianday(:rank_from) AS INTEGER)"
    return (
        f"CASE WHEN ({day}) BETWEEN :rank_from AND :rank_to"
        f" THEN CAST(substr(:ranks, {offset} * {WIDTH} + 1, {WIDTH}) AS INTEGER) END"
    )


def rank(dialect: str, day: str) -> str:
    """The day's rank (working days from the range's first day), or NULL outside the range.
    The working days from a hand-off to its closing are ``rank(closed) - rank(handed)``
    when both are inside the range (a closing before the hand-off counts 0)."""
    return _rank(dialect, day)


def columns(dialect: str, pair: str, handed: str, closed: str) -> str:
    """Select-list items of a row where ``pair`` holds with hand-off day ``handed`` and
    closing day ``closed``: ``spans`` (1), ``rh`` and ``rc`` (the two ranks; NULL outside
    the range). A row without a pair gives ``0 AS spans, NULL AS rh, NULL AS rc``."""
    return (
        f"CASE WHEN {pair} THEN 1 ELSE 0 END AS spans,"
        f" CASE WHEN {pair} THEN {_rank(dialect, handed)} END AS rh,"
        f" CASE WHEN {pair} THEN {_rank(dialect, closed)} END AS rc"
    )


NONE = "0 AS spans, NULL AS rh, NULL AS rc"

#: Aggregates over rows of ``columns``: the pairs, the working days of those inside the
#: range (``span_days``; a closing before the hand-off counts 0) and those outside.
SUMS = (
    "SUM(spans) AS spans, SUM(CASE WHEN rc > rh THEN rc - rh ELSE 0 END) AS span_days,"
    " SUM(CASE WHEN spans = 1 AND (rh IS NULL OR rc IS NULL) THEN 1 ELSE 0 END) AS odd_spans"
)
