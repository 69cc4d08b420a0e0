"""One pass over a quarter's appeals: the bulletin's (季度通报) grouped figures — those of
``report quarterly`` and ``report channels``, as reports.py and channel_reports.py define
them. (Each of those two reports on its own keeps a statement of its own, quicker for one
grouping: quarterly_sql.py, channel_reports.py; tests/test_figure_pass.py compares all.)

The bulletin shows the quarter by unit, theme, region and channel, its enterprises and
its most frequent problem classes. Each was once its own pass over the quarter's appeals
(a million appeals: ~136,000 in a quarter, a second or more each), and each pass spelled
out every figure per appeal with the cut-off expressions of asof.py — the closing day
alone a dozen times. Here one SQL statement does it all:

* ``base`` — one row per appeal received by the cut-off (and one per rating of a reopened
  appeal, which counts by the round it rates): the raw group keys, every 0/1 figure of
  the appeal packed into one integer (``bits``, one bit per flag of ``BITS``) and the
  working days of a closed handed-off appeal (``days``, spans.py). The cut-off
  expressions are computed once per appeal in an inner query (``p``) kept apart by
  ``OFFSET``; the flags are made of its columns.
* one ``GROUP BY key, bits`` per grouping over ``base``: a few hundred rows (the appeals
  of a group fall into a few combinations of flags), which Python unpacks into counts.
  The region is the enterprise's: ``base`` is first summed per credit code, then joined to
  ``enterprise`` (in code order, once per enterprise rather than once per appeal).
* the enterprises served: ``COUNT(DISTINCT uscc)`` over ``base``.

Keys come back raw; Python names a missing one (NULL or empty) as reports.NONE_LABEL does.
Runs on SQLite and PostgreSQL alike (a CTE used more than once is computed once on both).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from zuozhen import spans
from zuozhen.asof import WITHDRAWN, AsOf, as_of
from zuozhen.reports import FLAGS, SATISFIED, Quarter
from zuozhen.store.reader import Reader, as_date

_OK = ", ".join(f"'{g}'" for g in SATISFIED)
KEYS = ("unit", "theme", "region", "class", "channel")
#: The raw value of each key on an appeal's row (region: through the credit code).
_KEY_SQL = {
    "theme": "a.theme",
    "region": "b.uscc",
    "class": "a.problem_class",
    "channel": "b.channel",
}

#: The flags packed into ``bits``, in bit order. Those of report quarterly first, then
#: those report channels counts its own way (a withdrawn appeal only in 受理诉求).
BITS = (
    "appeals",
    *FLAGS,
    "rated",
    "satisfied",
    "span",  # a closed handed-off appeal: its working days are in ``days``
    "odd_span",  # one of its two days outside the ranked range: counted in Python
    "immediate",  # 即办 (report channels)
    "ch_handed",
    "ch_closed",
    "ch_on_time",
    "ch_rated",
    "ch_satisfied",
)
BIT = {name: 1 << i for i, name in enumerate(BITS)}
#: The flags each report needs: a pass computes only those of the reports it serves.
FAMILIES = {
    "quarterly": BITS[:14],
    "channels": ("appeals", "overdue", *BITS[14:]),
}
#: The values of ``p`` each flag is made of (see ``_appeal_flags``).
_USES = {
    "withdrawn": ("wd",),
    "on_spot": ("os", "hd"),
    "respot": ("os", "hd"),
    "handed": ("hd",),
    "closed": ("c_on",),
    "on_time": ("c_on", "hh", "os", "fwd", "due"),
    "overdue": ("od",),
    "extended": ("ext",),
    "explained": ("expl",),
    "rated": ("rated",),
    "satisfied": ("sat",),
    "span": ("hh", "c_on", "rh", "rc"),
    "odd_span": ("hh", "c_on", "rh", "rc"),
    "immediate": ("wd", "c_on", "rso", "hd"),
    "ch_handed": ("wd", "hd"),
    "ch_closed": ("wd", "c_on"),
    "ch_on_time": ("wd", "c_on", "rso", "hd", "fwd", "hh", "due"),
    "ch_rated": ("rated", "wd"),
    "ch_satisfied": ("sat", "wd"),
}


def _appeal_values(v: AsOf, dialect: str) -> dict[str, str]:
    """What an appeal's flags are made of, each cut-off expression computed once per appeal
    (the inner query ``p``). Truth values stay as SQL gives them (NULL included), so the
    flags below mean what the same conditions meant written out in full."""
    closed = v.closed
    return {
        "wd": WITHDRAWN,
        "os": v.on_spot,
        "hd": v.handed,
        "hh": "h.id IS NOT NULL",
        "c_on": v.closed_on,
        "rh": f"CASE WHEN h.id IS NOT NULL THEN {spans.rank(dialect, 'h.handed_on')} END",
        "rc": f"CASE WHEN h.id IS NOT NULL THEN {spans.rank(dialect, v.closed_on)} END",
        "due": "rd.due",
        "fwd": "a.outcome = '转送'",
        "rso": "a.resolved_on_spot",
        "od": f"CASE WHEN NOT {closed} AND NOT {WITHDRAWN} AND h.id IS NOT NULL"
        f" AND {v.report_due} < :judged THEN 1 ELSE 0 END",
        "ext": f"CASE WHEN {v.extended} THEN 1 ELSE 0 END",
        "expl": f"CASE WHEN {closed} AND ({v.outcome}) = '解释说明' THEN 1 ELSE 0 END",
        "rated": "g.id IS NOT NULL",
        "sat": f"g.handling IN ({_OK})",
    }


def _appeal_flags() -> dict[str, str]:
    """Each flag of an appeal's own row, over the values of ``p`` (the definitions of
    reports.py and channel_reports.py)."""
    closed = "p.c_on IS NOT NULL"
    pair = f"p.hh AND {closed}"
    ch_closed = f"(NOT p.wd AND {closed})"
    immediate = f"({ch_closed} AND p.rso AND NOT p.hd)"
    return {
        "appeals": "1 = 1",
        "withdrawn": "p.wd",
        "on_spot": "p.os AND NOT p.hd",
        "respot": "p.os AND p.hd",
        "handed": "p.hd",
        "closed": closed,
        "on_time": f"{closed} AND ((NOT p.hh AND (p.os OR p.fwd)) OR (p.hh AND p.c_on <= p.due))",
        "overdue": "p.od = 1",
        "extended": "p.ext = 1",
        "explained": "p.expl = 1",
        "rated": "p.rated",
        "satisfied": "p.sat",
        "span": pair,
        "odd_span": f"{pair} AND (p.rh IS NULL OR p.rc IS NULL)",
        "immediate": immediate,
        "ch_handed": "NOT p.wd AND p.hd",
        "ch_closed": ch_closed,
        "ch_on_time": f"{immediate} OR ({ch_closed} AND p.fwd)"
        f" OR ({ch_closed} AND p.hh AND p.c_on <= p.due)",
        "ch_rated": "p.rated AND NOT p.wd",
        "ch_satisfied": "p.sat AND NOT p.wd",
    }


#: A rating of a reopened appeal (``g``, any round): it counts as a rating only.
_RATING_FLAGS = {
    "rated": "1 = 1",
    "satisfied": f"g.handling IN ({_OK})",
    "ch_rated": f"NOT {WITHDRAWN}",
    "ch_satisfied": f"g.handling IN ({_OK}) AND NOT {WITHDRAWN}",
}


#: A share of the enterprises by credit code: ``[from, to)``, None for no bound. The
#: share with no lower bound leaves out an appeal without a code; the one with no upper
#: bound takes it. Every figure of the pass, the enterprises served included, is a sum
#: over disjoint shares (``Tallies.merge``).
Share = tuple[str | None, str | None]
WHOLE: Share = (None, None)


def _pack(flags: dict[str, str]) -> str:
    return " + ".join(
        f"CASE WHEN {cond} THEN {BIT[name]} ELSE 0 END" for name, cond in flags.items()
    )


def _unit(v: AsOf, *, rating: bool) -> str:
    # A rating judges the round it rates: that round's leading unit.
    return f"COALESCE(NULLIF(gh.lead_unit, ''), {v.lead_unit_alone})" if rating else v.lead_unit


def figures_sql(
    r: Reader,
    quarter: Quarter,
    cutoff: date,
    keys: Sequence[str],
    *,
    enterprises: bool,
    families: Sequence[str] = tuple(FAMILIES),
    within: Share = WHOLE,
) -> str:
    """The one statement of the module docstring; rows ``(by_index, grp, bits, n, days)``,
    ``by_index`` the key's place in ``keys`` (-1: the enterprises served, in ``n``);
    ``within``: only the appeals of those enterprises (``shares``)."""
    v = as_of(r.dialect)
    raw = {k: _KEY_SQL.get(k, "") for k in keys}
    if enterprises and "region" not in raw:
        raw["region"] = "b.uscc"
    cols = [k for k in KEYS if k in raw]
    booking = bool({"region", "channel"} & set(cols)) or within != WHOLE
    head, tail = quarter.scope(cutoff, booking=booking)
    tail += _within_sql(within)

    def keys_of(rating: bool) -> str:
        return ", ".join(
            f"{_unit(v, rating=rating) if k == 'unit' else raw[k]} AS k_{k}" for k in cols
        )

    wanted = {f for family in families for f in FAMILIES[family]}
    flags = {k: x for k, x in _appeal_flags().items() if k in wanted}
    used = {u for f in flags for u in _USES.get(f, ())}
    values = (
        ", ".join(
            f"{sql} AS {name}" for name, sql in _appeal_values(v, r.dialect).items() if name in used
        )
        or "1 AS one"
    )
    rating = {k: x for k, x in _RATING_FLAGS.items() if k in wanted}
    p_keys = ", ".join(f"p.k_{k}" for k in cols)
    days = (
        "CASE WHEN p.hh AND p.c_on IS NOT NULL AND p.rc > p.rh THEN p.rc - p.rh ELSE 0 END"
        if "span" in flags
        else "0"
    )
    # OFFSET keeps ``p`` a query of its own (neither engine merges it into the outer one),
    # so its expressions are computed once per appeal: worth it when many flags are made
    # of them (the bulletin's pass), not for one report's few, which the engine inlines.
    fence = ""
    if "quarterly" in families:
        fence = "LIMIT -1 OFFSET 0" if r.dialect == "sqlite" else "OFFSET 0"
    arms = []
    for i, k in enumerate(keys):
        if k == "region":  # summed per enterprise, then joined to it once per enterprise
            arms.append(
                f"SELECT {i} AS by_index, e.region AS grp, pe.bits, SUM(pe.n) AS n,"
                " SUM(pe.days) AS days FROM (SELECT k_region, bits, COUNT(*) AS n,"
                " SUM(days) AS days FROM base GROUP BY k_region, bits) pe"
                " JOIN enterprise e ON e.uscc = pe.k_region GROUP BY e.region, pe.bits"
            )
        else:
            arms.append(
                f"SELECT {i} AS by_index, k_{k} AS grp, bits, COUNT(*) AS n,"
                f" SUM(days) AS days FROM base GROUP BY k_{k}, bits"
            )
    if enterprises:
        arms.append(
            "SELECT -1 AS by_index, '' AS grp, 0 AS bits, COUNT(DISTINCT k_region) AS n,"
            " 0 AS days FROM base"
        )
    union = "\nUNION ALL\n".join(arms)
    return f"""
        WITH base AS (
            SELECT {p_keys}, {_pack(flags)} AS bits, {days} AS days
            FROM (
                SELECT {keys_of(False)}, {values}
                FROM {head}{v.joins()}
                LEFT JOIN rating g ON g.appeal_id = a.id AND g.round = 1 AND a.round = 1
                    AND g.rated_on <= :cutoff
                WHERE {tail} {fence}
            ) p
            UNION ALL
            SELECT {keys_of(True)}, {_pack(rating) if rating else "0"} AS bits, 0 AS days
            FROM {head}
            JOIN rating g ON g.appeal_id = a.id AND g.rated_on <= :cutoff
            LEFT JOIN handoff gh ON gh.appeal_id = g.appeal_id AND gh.round = g.round
            WHERE {tail} AND a.round > 1
        )
        {union}
    """


def _within_sql(within: Share) -> str:
    low, high = within
    out = ""
    if low is not None:
        out += " AND (b.uscc >= :uscc_from OR b.uscc IS NULL)"
    if high is not None:
        out += " AND b.uscc < :uscc_to"
    return out


def shares(r: Reader, n: int, month: str | None = None) -> list[Share]:
    """``n`` shares of the enterprises by credit code, cut where ``month``'s 坐诊 bookings
    (in the order of the index on month and code) are cut in ``n`` equal parts, so the
    shares hold about as many appeals; without such bookings, where the range from the
    first code to the last is cut in equal spans (codes read as numbers). Index look-ups
    only; fewer shares where the codes are too few to cut."""
    where = "month = :month AND channel = '坐诊'"
    count = int(r.scalar(f"SELECT COUNT(*) FROM booking WHERE {where}", {"month": month}) or 0)
    if count >= 2 * n:
        sql = f"SELECT uscc FROM booking WHERE {where} ORDER BY uscc LIMIT 1 OFFSET :k"
        found = [r.scalar(sql, {"month": month, "k": count * i // n}) for i in range(1, n)]
        cuts = {str(c) for c in found if c is not None}
    else:
        cuts = _even_cuts(r, n)
    low = r.scalar("SELECT MIN(uscc) FROM enterprise")
    bounds: list[str | None] = [None, *sorted(c for c in cuts if low is None or c > low), None]
    return list(pairwise(bounds))


def _even_cuts(r: Reader, n: int) -> set[str]:
    """Cuts of the range of credit codes in ``n`` equal spans (each the first code of
    its span)."""
    low, high = (
        r.scalar("SELECT MIN(uscc) FROM enterprise"),
        r.scalar("SELECT MAX(uscc) FROM enterprise"),
    )
    cuts: set[str] = set()
    if low is None or high is None or low >= high:
        return cuts
    width, base = max(len(low), len(high)), max(map(ord, low + high)) + 1
    a, b = _as_number(low, width, base), _as_number(high, width, base)
    sql = "SELECT MIN(uscc) FROM enterprise WHERE uscc >= :probe"
    for i in range(1, n):
        probe = _as_code(a + (b - a) * i // n, width, base)
        if not _encodable(probe):  # between two odd codes: not cut there
            continue
        cut = r.scalar(sql, {"probe": probe})
        if cut is not None:
            cuts.add(str(cut))
    return cuts


def _as_number(code: str, width: int, base: int) -> int:
    """The code as a number of ``width`` digits in ``base`` (one a character): numbers
    in the order of the codes."""
    n = 0
    for ch in code.ljust(width, "\0"):
        n = n * base + ord(ch)
    return n


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _as_code(n: int, width: int, base: int) -> str:
    out = []
    for _ in range(width):
        n, ch = divmod(n, base)
        out.append(chr(ch))
    return "".join(reversed(out)).rstrip("\0")


@dataclass(slots=True)
class Tally:
    """How many rows of a group have each flag (``count``), and their working days."""

    count: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BITS, 0))
    days: int = 0

    def add(self, bits: int, n: int, days: int) -> None:
        for name, bit in BIT.items():
            if bits & bit:
                self.count[name] += n
        self.days += days


@dataclass(slots=True)
class Tallies:
    """The result of one pass: per key, per group (raw value; None for a missing one)."""

    quarter: Quarter
    cutoff: date
    keys: tuple[str, ...]
    groups: dict[str, dict[str | None, Tally]]
    enterprises: int | None = None

    @classmethod
    def merge(cls, parts: Sequence[Tallies]) -> Tallies:
        """The tallies of disjoint shares of the quarter's appeals (``shares``) as one pass
        over them all; groups in the order one statement gives them (missing first)."""
        first = parts[0]
        groups: dict[str, dict[str | None, Tally]] = {}
        for key in first.keys:
            merged: dict[str | None, Tally] = {}
            for part in parts:
                for group, t in part.groups[key].items():
                    m = merged.setdefault(group, Tally())
                    for flag, n in t.count.items():
                        m.count[flag] += n
                    m.days += t.days
            groups[key] = {k: merged[k] for k in sorted(merged, key=lambda x: (x is not None, x))}
        served = [p.enterprises for p in parts if p.enterprises is not None]
        total = sum(served) if served else None
        return cls(first.quarter, first.cutoff, first.keys, groups, total)

    @property
    def odd_spans(self) -> bool:
        """Some working days are to be counted one by one (outside the ranked range)."""
        return any(t.count["odd_span"] for g in self.groups.values() for t in g.values())


def tally(
    r: Reader,
    quarter: Quarter,
    keys: Sequence[str],
    *,
    today: date,
    enterprises: bool = False,
    families: Sequence[str] = tuple(FAMILIES),
    within: Share = WHOLE,
) -> Tallies:
    """Count the quarter's figures per value of each key (``KEYS``) in one pass: the flags
    of the reports named in ``families`` (``FAMILIES``; the others stay 0); ``within``:
    of one share of the enterprises only (``shares``, ``Tallies.merge``)."""
    keys = tuple(keys)
    params = params_of(r, quarter, today, ranks="quarterly" in families)
    for param, bound in zip(("uscc_from", "uscc_to"), within, strict=True):
        if bound is not None:
            params[param] = bound
    groups: dict[str, dict[str | None, Tally]] = {k: {} for k in keys}
    served = None
    sql = figures_sql(
        r, quarter, today, keys, enterprises=enterprises, families=families, within=within
    )
    for row in r.iter(sql, params):
        i = int(row["by_index"])
        if i < 0:
            served = int(row["n"] or 0)
            continue
        grp = row["grp"]
        name: str | None = None if grp is None or grp == "" else str(grp)
        t = groups[keys[i]].setdefault(name, Tally())
        t.add(int(row["bits"]), int(row["n"] or 0), int(row["days"] or 0))
    return Tallies(quarter, today, keys, groups, served)


def params_of(r: Reader, quarter: Quarter, today: date, *, ranks: bool = True) -> dict[str, Any]:
    """The statement's parameters; ``ranks``: with the calendar's ranks (spans.py)."""
    params = {**quarter.params(), "cutoff": today, "judged": quarter.overdue_on(today)}
    if not ranks:
        return params
    return params | spans.params(r.calendar, r.dialect, quarter.first_day, today)


def workday_pairs(
    r: Reader, quarter: Quarter, today: date, keys: Iterable[str]
) -> Iterable[tuple[dict[str, str | None], int]]:
    """Each closed handed-off appeal's raw keys (region: the enterprise's) and its working
    days, counted with the calendar one by one (the rare case spans.py leaves to Python)."""
    v = as_of(r.dialect)
    keys = tuple(keys)
    cols = ", ".join(
        f"{v.lead_unit if k == 'unit' else 'e.region' if k == 'region' else _KEY_SQL[k]} AS k_{k}"
        for k in keys
    )
    head, tail = quarter.scope(today, region="region" in keys, booking=True)
    sql = f"""
        SELECT {cols}, h.handed_on, {v.closed_on} AS closed_on
        FROM {head}{v.joins(report=False)}
        WHERE {tail} AND h.id IS NOT NULL AND {v.closed}
    """
    cal = r.calendar
    for row in r.iter(sql, params_of(r, quarter, today)):
        handed, closed = as_date(row["handed_on"]), as_date(row["closed_on"])
        assert handed is not None and closed is not None
        raw = {k: row[f"k_{k}"] for k in keys}
        yield (
            {k: None if x is None or x == "" else str(x) for k, x in raw.items()},
            (cal.workdays_between(handed, closed)),
        )
