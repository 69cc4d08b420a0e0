"""Seal digests of records a bulk import wrote whole, made from the rows it inserted.

At commit the seal (seal.py) digests every record the transaction touched; reading each one
back from the tables costs a 100,000-row import seconds. A record whose every row this
transaction inserted through ``seal.insert_rows`` (a new appeal and its deadlines, a new
booking, a new enterprise) and that nothing else touched afterwards is digested here from
the inserted values instead, each taken as SQLite returns it: the driver's bound value
(dates as ISO text, booleans as 0/1, after each column type's bind processing, ``bulk.py``)
under the column's type affinity in the file (``PRAGMA table_info``), a column not given
as NULL, a generated ``id`` as SQLite numbers it (one more than the largest, checked after
the insert). A value whose storage is not certain that way (text that looks like a number in
a numeric column, a number in a text column, a column not given that has a default in the
file, …) leaves its record to be read back, as does any other change of it in the same
transaction (an ORM flush or a Core statement naming it). PostgreSQL always reads back.

The digest is the same text as ``seal.digests`` makes from the read-back row (a test
compares both on real imports); ``verify`` checks the result like any other seal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

KNOWN = "zuozhen_known"  # session.info key: the Known of the transaction


@dataclass(frozen=True, slots=True)
class _Layout:
    """How a table's rows are digested: its sealed columns in name order, each column's
    type affinity in the file and whether the file gives it a default."""

    columns: tuple[str, ...]
    affinity: tuple[str, ...]
    defaulted: frozenset[str]


def affinity(declared: str) -> str:
    """SQLite's type affinity of a declared column type (its documented rules, in order)."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t:
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


def _numeric_text(v: str) -> bool:
    """Text a numeric column might store as a number (Python's float reads a superset of
    SQLite's numeric literals; hexadecimal is refused too, to be safe)."""
    try:
        float(v)
    except ValueError:
        return v.strip().lower().lstrip("+-").startswith("0x")
    return True


def stored(value: Any, aff: str) -> tuple[bool, Any]:
    """(certain, the value as SQLite returns it) for a bound ``value`` in a column of
    affinity ``aff``."""
    if value is None:
        return True, None
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return aff in ("INTEGER", "NUMERIC", "BLOB"), value
    if isinstance(value, float):
        return aff in ("REAL", "BLOB"), value
    if isinstance(value, str):
        return aff in ("TEXT", "BLOB") or not _numeric_text(value), value
    return False, value


#: The Python types SQLite stores unchanged in a column of each affinity, whatever the value.
_AS_GIVEN: dict[str, frozenset[type]] = {
    "TEXT": frozenset({type(None), str}),
    "INTEGER": frozenset({type(None), int}),
    "NUMERIC": frozenset({type(None), int}),
    "REAL": frozenset({type(None), float}),
    "BLOB": frozenset({type(None), int, float, str}),
}


def _doubtful(
    params: list[tuple[Any, ...]], picks: list[int], affinities: tuple[str, ...], width: int
) -> set[int]:
    """The rows with a value SQLite may store otherwise than given (a column at a time:
    the types of a column settle most; text in a numeric column is looked at once per
    distinct value, a number in a text column or a boolean makes its row doubtful)."""
    out: set[int] = set()
    for i, aff in zip(picks, affinities, strict=True):
        if i == width + 1:  # the generated id: an integer
            if aff not in ("INTEGER", "NUMERIC", "BLOB"):
                return set(range(len(params)))
            continue
        if i == width:  # not given: NULL
            continue
        column = [p[i] for p in params]
        if set(map(type, column)) <= _AS_GIVEN[aff]:
            continue
        seen: dict[Any, bool] = {}
        for n, v in enumerate(column):
            ok = seen.get(v) if type(v) is str else None
            if ok is None:
                certain, value = stored(v, aff)
                ok = certain and type(value) is type(v)
                if type(v) is str:
                    seen[v] = ok
            if not ok:
                out.add(n)
    return out


class Known:
    """The row sums of the records inserted whole in this transaction, per table and
    record (as ``seal._sums`` adds them), and the records touched in another way."""

    __slots__ = ("_layouts", "dirty", "sums")

    def __init__(self) -> None:
        self.sums: dict[str, dict[str, int]] = {}
        self.dirty: set[tuple[str, str]] = set()
        self._layouts: dict[str, _Layout] = {}

    def _layout(self, conn: Connection, table: str, columns: tuple[str, ...]) -> _Layout:
        hit = self._layouts.get(table)
        if hit is None:
            info = {
                r[1]: (r[2], r[4])
                for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")').fetchall()
            }
            hit = self._layouts[table] = _Layout(
                columns,
                tuple(affinity(info[c][0]) if c in info else "" for c in columns),
                frozenset(c for c, (_t, dflt) in info.items() if dflt is not None),
            )
        return hit

    def add(
        self,
        conn: Connection,
        table: str,
        columns: tuple[str, ...],
        kind: str,
        key: str,
        keys: list[str],
        params: list[tuple[Any, ...]],
        first_id: int | None,
    ) -> None:
        """Inserted rows (``params``: bound values in ``keys`` order; ``first_id``: the
        generated id of the first row, the others following), summed per record (its
        ``key`` column) unless a value's storage is uncertain: then it is read back."""
        layout = self._layout(conn, table, columns)
        at = {k: i for i, k in enumerate(keys)}
        k = at[key]
        width = len(keys)
        if "" in layout.affinity or (layout.defaulted - set(keys) - {"id"}):
            self.dirty.update((kind, str(p[k])) for p in params)
            return
        picks: list[int] = []  # where each column's value is in a row + (None, its id)
        for c in layout.columns:
            if c in at:
                picks.append(at[c])
            elif c != "id":
                picks.append(width)
            elif first_id is not None:
                picks.append(width + 1)
            else:  # an id numbered by the database, not known here
                self.dirty.update((kind, str(p[k])) for p in params)
                return
        doubtful = _doubtful(params, picks, layout.affinity, width)
        pick = itemgetter(*picks)
        sums = self.sums.setdefault(table, {})
        sha, whole = hashlib.sha256, int.from_bytes
        first = first_id or 0
        for n, p in enumerate(params):
            rid = str(p[k])
            if n in doubtful:
                self.dirty.add((kind, rid))
                continue
            row = pick((*p, None, first + n))
            bits = whole(sha(repr(row).encode("utf-8")).digest()[:8], "big")
            sums[rid] = sums.get(rid, 0) + bits

    def parts(self, kind: str, rid: str, tables: list[str]) -> dict[str, int] | None:
        """The record's row sums per table, or None: read it back (not inserted whole
        here, or touched otherwise)."""
        if (kind, rid) in self.dirty or rid not in self.sums.get(tables[0], ()):
            return None
        return {t: self.sums[t][rid] for t in tables if rid in self.sums.get(t, ())}
