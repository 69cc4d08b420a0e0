"""Bulk INSERT straight through the driver: the one fast path for a big import.

SQLAlchemy's ``session.execute(insert(table), rows)`` does per-row Python work (parameter
construction and processing for every row) that costs more than SQLite's own insert when a
100,000-row import is written. ``insert`` binds each column exactly as SQLAlchemy would
(the column type's own bind processor: dates as ISO text and booleans as 0/1 on SQLite,
native values on PostgreSQL) and hands the rows to the driver's ``executemany`` in one
call. Sealed tables go through ``seal.insert_rows``, which marks their records first; the
trail (not a sealed table) comes here directly from ``trail.append_many``.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table


def insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[Any]:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` by one ``executemany``,
    each value bound as SQLAlchemy's ``insert(table)`` binds it on this engine; returns
    the bound values (a tuple a row, in the order of the first row's keys)."""
    if not rows:
        return []
    dialect = conn.dialect
    keys = list(rows[0])
    procs = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    cols = ", ".join(f'"{k}"' for k in keys)
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join([mark] * len(keys))})'
    pick = itemgetter(*keys) if len(keys) > 1 else (lambda r: (r[keys[0]],))
    params: list[Any] = [pick(r) for r in rows]
    convert = [(i, p) for i, p in enumerate(procs) if p is not None]
    if convert:
        for n, values in enumerate(params):
            values = list(values)
            for i, p in convert:
                values[i] = p(values[i])
            params[n] = tuple(values)
    conn.exec_driver_sql(sql, params)
    return params
