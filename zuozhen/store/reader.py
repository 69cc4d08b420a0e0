"""The fast read path: queries for listings, the daily audit and reports.

A clerk runs ``show``, ``list`` and ``audit`` dozens of times a day, so reading must not
pay for importing SQLAlchemy and pydantic (≈0.4 s). On SQLite the reader talks to the
file through the standard ``sqlite3`` module; on any other database it borrows a
SQLAlchemy connection. Queries are plain SQL with ``:name`` parameters, written to run on
both SQLite and PostgreSQL. Each reader holds one read transaction, so everything a
command prints comes from one consistent snapshot. Where the file is, the version check,
the messages and the configuration and calendar loaders are shared with the writer
(core.py). Inside an act, ``Reader.inside(tx)`` runs the same queries on the act's own
transaction.

Values come back as on the engine: on SQLite dates are ISO strings and booleans 0/1; use
``as_date`` / ``as_bool`` when a value is used, not just printed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zuozhen.store import core
from zuozhen.store.core import Location, locate

if TYPE_CHECKING:
    from zuozhen.config import Config
    from zuozhen.deadlines import WorkCalendar
    from zuozhen.store.storage import CaseFile, Tx

sqlite3.register_adapter(date, date.isoformat)

Row = Mapping[str, Any]


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_bool(value: Any) -> bool:
    return bool(value) and value not in ("0", "false")


class Reader:
    """A read-only view of a case file, in one consistent snapshot.

    ``Reader(db)`` opens the case file for reading (plain ``sqlite3`` on SQLite);
    ``Reader.inside(tx)`` reads through the connection of an open write transaction, so
    an act runs the same queries and sees its own uncommitted rows.
    """

    location: Location
    _sqlite: sqlite3.Connection | None
    _sa: Any  # a SQLAlchemy Connection
    _case: CaseFile | None  # opened here (PostgreSQL), closed with the reader
    _tx: Tx | None  # borrowed from an act, never closed here

    def __init__(self, db: str) -> None:
        self._reset(locate(db), tx=None)
        if core.check_version(self._open()):
            # An older file: the full storage layer backs it up and migrates it once.
            from zuozhen.store.storage import open_case_file

            self.close()
            open_case_file(db).close()
            core.check_version(self._open())

    @classmethod
    def inside(cls, tx: Tx) -> Reader:
        """A reader on the write transaction ``tx``: its rows, committed or not."""
        r = cls.__new__(cls)
        r._reset(tx.case.location, tx=tx)
        r._sa = tx.session.connection()
        return r

    def _reset(self, location: Location, *, tx: Tx | None) -> None:
        self.location = location
        self._sqlite = self._sa = self._case = None
        self._tx = tx

    def _open(self) -> int:
        """Open the snapshot; returns the file's schema version."""
        path = self.location.path
        if path is None:
            from zuozhen.store.storage import open_case_file

            self._case = open_case_file(self.location.url)
            # One snapshot for the whole command (READ COMMITTED would take one per query).
            conn = self._case.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            self._sa = conn
            return int(conn.exec_driver_sql(core.VERSION_SQL).scalar() or 0)
        if not path.is_file():
            raise core.missing_file(path)
        wait_ms = self.location.busy_timeout_ms
        db = sqlite3.connect(path, timeout=wait_ms / 1000, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute(f"PRAGMA busy_timeout = {wait_ms}")
            db.execute("PRAGMA query_only = ON")
            db.execute("BEGIN")
            version = db.execute(core.VERSION_SQL).fetchone()[0]
        except sqlite3.DatabaseError as exc:
            db.close()
            raise core.unreadable(path, exc) from None
        self._sqlite = db
        return int(version or 0)

    @property
    def path(self) -> Path | None:
        return self.location.path

    @property
    def own_file(self) -> Path | None:
        """The SQLite file this reader opened itself (None on PostgreSQL, or inside an act:
        ``Reader.inside``). Another reader may open it beside this one (twin.py)."""
        return self.location.path if self._sqlite is not None else None

    @property
    def dialect(self) -> str:
        return "sqlite" if self._sqlite is not None else str(self._sa.dialect.name)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return list(self.iter(sql, params))

    def iter(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[Row]:
        if self._sqlite is not None:
            cur = self._sqlite.execute(sql, dict(params or {}))
            while batch := cur.fetchmany(2000):
                yield from batch  # sqlite3.Row supports row["name"]
        else:
            from sqlalchemy import text

            if self._tx is not None:
                self._tx.session.flush()  # the act's pending changes are part of what it reads
            yield from self._sa.execute(text(sql), dict(params or {})).mappings()

    def tuples(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Rows as plain tuples, in the order of the SELECT: the fastest way through 10,000
        rows (no ``sqlite3.Row`` lookups by name)."""
        if self._sqlite is not None:
            cur = self._sqlite.cursor()
            cur.row_factory = None
            cur.execute(sql, dict(params or {}))
            while batch := cur.fetchmany(2000):
                yield from batch
        else:
            from sqlalchemy import text

            if self._tx is not None:
                self._tx.session.flush()
            for row in self._sa.execute(text(sql), dict(params or {})):
                yield tuple(row)

    def column(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The first column of every row."""
        return [self._first(r) for r in self.iter(sql, params)]

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> Row | None:
        for r in self.iter(sql, params):
            return r
        return None

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        r = self.one(sql, params)
        return None if r is None else self._first(r)

    @staticmethod
    def _first(row: Row) -> Any:
        return row[0] if isinstance(row, sqlite3.Row) else next(iter(row.values()))

    @cached_property
    def config(self) -> Config:
        return core.load_config(self.column)

    @cached_property
    def calendar(self) -> WorkCalendar:
        return core.load_calendar(self.column)

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._tx is None and self._sa is not None:
            self._sa.close()
        if self._case is not None:
            self._case.close()
        self._sqlite = self._sa = self._case = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
