"""The fast read path: queries for listings, the daily audit and reports.

A clerk runs ``show``, ``list`` and ``audit`` dozens of times a day, so reading must not
pay for importing SQLAlchemy and pydantic (≈0.4 s). On SQLite the reader talks to the
file through the standard ``sqlite3`` module; on any other database it borrows a
SQLAlchemy connection. Queries are plain SQL with ``:name`` parameters, written to run on
both SQLite and PostgreSQL. Each reader holds one read transaction, so everything a
command prints comes from one consistent snapshot.

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

from zuozhen import SCHEMA_VERSION
from zuozhen.errors import CaseFileError

if TYPE_CHECKING:
    from zuozhen.config import Config
    from zuozhen.deadlines import WorkCalendar

sqlite3.register_adapter(date, date.isoformat)

Row = Mapping[str, Any]


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_bool(value: Any) -> bool:
    return bool(value) and value not in ("0", "false")


def sqlite_path(db: str) -> Path | None:
    """The file of a SQLite case file, or None for another database."""
    if "://" not in db:
        return Path(db).expanduser().resolve()
    if db.startswith("sqlite"):
        rest = db.split("://", 1)[1]
        return Path(rest[1:] if rest.startswith("/") else rest).resolve() if rest else None
    return None


class Reader:
    """A read-only view of a case file, in one consistent snapshot."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.path = sqlite_path(db)
        self._sqlite: sqlite3.Connection | None = None
        self._sa: Any = None
        if self.path is not None:
            if not self.path.is_file():
                raise CaseFileError(
                    f"找不到案卷 {self.path}：请先运行 zuozhen init 创建，或用 --db 指定已有的案卷。"
                )
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.row_factory = sqlite3.Row
            try:
                conn.execute("PRAGMA busy_timeout = 60000")
                conn.execute("PRAGMA query_only = ON")
                conn.execute("BEGIN")
                version = conn.execute("SELECT max(version) FROM schema_migration").fetchone()[0]
            except sqlite3.DatabaseError:
                conn.close()
                raise CaseFileError(
                    f"{self.path} 不是 zuozhen 案卷或已损坏：请用 zuozhen verify 检查，或从备份恢复。"
                ) from None
            self._sqlite = conn
        else:
            from zuozhen.store.storage import open_case_file

            case = open_case_file(db)
            self._case = case
            # One snapshot for the whole command (READ COMMITTED would take one per query).
            self._sa = case.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            self._sa.begin()
            version = self._sa.exec_driver_sql("SELECT max(version) FROM schema_migration").scalar()
        version = int(version or 0)
        if version != SCHEMA_VERSION:
            self.close()
            if version > SCHEMA_VERSION:
                raise CaseFileError(
                    f"案卷由更新版本的 zuozhen 创建（结构版本 {version}），本程序只支持到版本 "
                    f"{SCHEMA_VERSION}：请升级 zuozhen 后再打开，案卷未作任何改动。"
                )
            # An older file: the full storage layer backs it up and migrates it once.
            from zuozhen.store.storage import open_case_file

            open_case_file(db).close()
            self.__init__(db)  # type: ignore[misc]

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

            yield from self._sa.execute(text(sql), dict(params or {})).mappings()

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> Row | None:
        for r in self.iter(sql, params):
            return r
        return None

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        r = self.one(sql, params)
        if r is None:
            return None
        return r[0] if isinstance(r, sqlite3.Row) else next(iter(r.values()))

    @cached_property
    def config(self) -> Config:
        from zuozhen.config import parse

        text = self.scalar("SELECT value FROM setting WHERE key = 'config'")
        if text is None:
            raise CaseFileError(
                "案卷缺少配置（可能已损坏）：请用 zuozhen verify 检查，或从备份恢复。"
            )
        return parse(text)

    @cached_property
    def calendar(self) -> WorkCalendar:
        from zuozhen.deadlines import WorkCalendar
        from zuozhen.schedules import parse_schedule

        return WorkCalendar(
            parse_schedule(r["toml"]) for r in self.rows("SELECT toml FROM holiday_schedule")
        )

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._sa is not None:
            self._sa.close()
            self._sa = None
            self._case.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
