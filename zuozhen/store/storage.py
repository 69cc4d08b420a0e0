"""The case file: opening it, one transaction per change, and number allocation.

``open_case_file`` is the one place a case file is opened for writing; it refuses a missing
file, refuses a file written by a newer zuozhen, backs up and migrates an older one. Where
``--db`` points, the version check and the messages are core.py's, shared with the fast
reader. Every change goes through ``CaseFile.write(act)``: one transaction (``BEGIN
IMMEDIATE`` on SQLite, so concurrent clerks queue behind a busy timeout instead of
deadlocking) in which the domain code changes rows, appends to the audit trail through
``Tx.record`` / ``Tx.record_many`` and takes numbers through ``Tx.allocate``; it reads with
``Reader.inside(tx)`` where a query of the read path is needed.

SQLite gets its settings on every connection (foreign keys are per connection): WAL,
``synchronous=FULL``, ``foreign_keys=ON``, a busy timeout. pysqlite's own transaction
handling is switched off (``isolation_level=None``) and BEGIN is emitted explicitly, as
SQLAlchemy's documentation recommends, so DDL is transactional too. PostgreSQL needs none
of this; SQLite-only statements stay behind ``dialect`` checks.

The two engines, for developers. Everything engine-specific sits behind this module,
reader.py and migrations.py; domain code sees one interface. *Writers*: SQLite has one
writer at a time (``BEGIN IMMEDIATE``; others wait up to ``BUSY_TIMEOUT_MS``, or the
``?timeout=`` of a ``sqlite:`` URL, on both paths); on
PostgreSQL ``write`` first takes a transaction-scoped advisory lock (``PG_WRITE_LOCK``),
so writers queue the same way: no deadlocks between row locks, and every read inside a
write sees all earlier commits (no lost updates under READ COMMITTED). ``Tx.get`` also
takes the row lock (``FOR UPDATE``) on PostgreSQL. *Readers* never block writers: WAL on
SQLite, and one REPEATABLE READ snapshot per command on PostgreSQL (reader.py). *Numbers*
(booking, session): a ``counter`` row bumped by one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` (``allocate``, one number or a block for a bulk import), the same statement on both engines, never a sequence, so a
rolled-back booking leaves no gap. *Append-only* trail and ratings: triggers raising an
error on both (``RAISE(ABORT)`` / a plpgsql function). *Full-text search* (search_index.py):
one row per recorded text, kept by triggers on both; FTS5 with the trigram tokenizer on
SQLite (LIKE for one or two characters); ILIKE on PostgreSQL, served by a ``pg_trgm`` GIN
index from three characters on; the same rows either way. *Backup*: ``zuozhen backup``
(SQLite's online backup API) on SQLite; ``pg_dump`` on PostgreSQL. *Integrity*: ``verify``
runs ``integrity_check`` and ``foreign_key_check`` on SQLite; PostgreSQL enforces foreign
keys itself; the trail's hash chain is checked on both. tests/test_postgres_flow.py runs
one season of commands on both and requires equal output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, SQLModel

from zuozhen.config import Config, parse
from zuozhen.errors import CaseFileError, InputError
from zuozhen.models import Counter, SchemaMigration, Setting
from zuozhen.store import core, migrations, seal, trail
from zuozhen.store.core import BUSY_TIMEOUT_MS, Location, locate

if TYPE_CHECKING:
    from zuozhen.deadlines import WorkCalendar

#: Page cache of a bulk import's transaction on SQLite, in KiB (SQLite's default: 2,000).
BULK_CACHE_KIB = 32_768
SQLITE_CACHE = -2000  # SQLite's default page cache (2,000 KiB), every other transaction
PG_WRITE_LOCK = 0x7A756F7A68656E  # 'zuozhen': the advisory lock that serialises writers
M = TypeVar("M", bound=SQLModel)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Act:
    """Who acts and as of which day (``--operator``, ``--today``)."""

    operator: str
    today: date


def _sqlite_engine(loc: Location) -> Engine:
    wait_ms = loc.busy_timeout_ms
    engine = create_engine(loc.url, connect_args={"timeout": wait_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {wait_ms}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        # A migration that rebuilds a table runs with foreign keys off (SQLite's recipe:
        # the pragma cannot change inside a transaction), checking them before it commits.
        keys = "OFF" if options.get("zuozhen_rebuild") else "ON"
        if conn.info.get("foreign_keys", "ON") != keys:
            conn.exec_driver_sql(f"PRAGMA foreign_keys = {keys}")
            conn.info["foreign_keys"] = keys
        # A bulk import's transaction keeps its pages in memory (``write(bulk=True)``); the
        # next transaction on the pooled connection has SQLite's default again.
        cache = -BULK_CACHE_KIB if options.get("zuozhen_bulk") else SQLITE_CACHE
        if conn.info.get("cache_size", SQLITE_CACHE) != cache:
            conn.exec_driver_sql(f"PRAGMA cache_size = {cache}")
            conn.info["cache_size"] = cache
        conn.exec_driver_sql(f"BEGIN {options.get('zuozhen_begin', 'DEFERRED')}")

    return engine


def make_engine(loc: Location) -> Engine:
    if loc.path is not None:
        return _sqlite_engine(loc)
    try:
        return create_engine(loc.url, pool_pre_ping=True)
    except ImportError as exc:
        raise CaseFileError(
            f"连接该数据库所需的驱动未安装（{exc.name}）：PostgreSQL 请安装 pip install 'zuozhen[postgres]'。"
        ) from None


class Tx:
    """One write transaction: the session, who acts, and the audit trail."""

    def __init__(self, session: Session, act: Act, case: CaseFile) -> None:
        self.session = session
        self.act = act
        self.case = case
        self.at = utcnow()

    @property
    def today(self) -> date:
        return self.act.today

    def record(
        self, action: str, entity: str, entity_id: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Append one event to the audit trail (留痕)."""
        self.record_many([trail.Event(action, entity, entity_id, detail)])

    def record_many(self, events: Sequence[trail.Event]) -> None:
        """Append many events at once (a bulk import), chained exactly as one by one."""
        trail.append_many(
            self.session, events, at=self.at, as_of=self.act.today, operator=self.act.operator
        )

    def insert_many(self, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
        """INSERT many new rows (dicts with the same keys, every defaulted column given) of
        ``model`` straight through the driver, sealed (``seal.insert_rows``)."""
        seal.insert_rows(self.session, model.__table__, rows)  # type: ignore[attr-defined]

    def get(self, model: type[M], key: Any, *, lock: bool = True) -> M | None:
        """Load a row to change it; on PostgreSQL the row is locked (SELECT … FOR UPDATE)."""
        return self.session.get(model, key, with_for_update=lock or None)

    def allocate(self, key: str, n: int = 1) -> int:
        """Reserve the next ``n`` numbers of a counter; returns the last of them."""
        return allocate(self.session, key, n)


def allocate(session: Session, key: str, n: int = 1) -> int:
    """The next ``n`` numbers of a counter, unique under concurrency on both engines.

    Returns the last; the block is ``last - n + 1 .. last``.
    """
    # INSERT … ON CONFLICT DO UPDATE … RETURNING: one statement that takes the row lock on
    # PostgreSQL and runs inside SQLite's single writer, so no two clerks get one number.
    if n < 1:
        raise ValueError(n)
    table = Counter.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(table).values(key=key, value=n)
        stmt: Any = pg.on_conflict_do_update(
            index_elements=["key"], set_={"value": table.c.value + n}
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(table).values(key=key, value=n)
        stmt = lite.on_conflict_do_update(index_elements=["key"], set_={"value": table.c.value + n})
    return int(session.execute(stmt.returning(table.c.value)).scalar_one())


@dataclass
class CaseFile:
    """An open case file. Cheap to make; the engine is disposed by ``close``."""

    location: Location
    engine: Engine
    _write_engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self._write_engine = self.engine.execution_options(zuozhen_begin="IMMEDIATE")

    @property
    def url(self) -> str:
        return self.location.url

    @property
    def path(self) -> Path | None:
        """The SQLite file; None on PostgreSQL."""
        return self.location.path

    @property
    def where(self) -> str:
        """Where the case file is, for messages (a URL's password hidden)."""
        return self.location.where

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @cached_property
    def config(self) -> Config:
        with self.read() as s:
            return core.load_config(_column(s))

    @cached_property
    def calendar(self) -> WorkCalendar:
        with self.read() as s:
            return core.load_calendar(_column(s))

    def forget_calendar(self) -> None:
        self.__dict__.pop("calendar", None)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self, act: Act, *, rebuild: bool = False, bulk: bool = False) -> Iterator[Tx]:
        """One change, one transaction. ``rebuild`` (a migration that rebuilds a table on
        SQLite): foreign keys are off for the transaction and checked before it commits.
        ``bulk`` (an import of many rows): on SQLite the connection keeps up to
        ``BULK_CACHE_KIB`` of pages in memory for the transaction instead of spilling them
        to the WAL and reading them back; memory only, durability is untouched. And the
        seal digests the records the import inserted whole from the values it inserted
        (seal_rows.py) rather than reading them back: about 20 MB per 100,000 records
        kept until the commit, so only a bulk import pays it."""
        engine = self._write_engine
        if rebuild:
            engine = engine.execution_options(zuozhen_rebuild=True)
        if bulk:
            engine = engine.execution_options(zuozhen_bulk=True)
        with Session(engine, expire_on_commit=False) as session:
            try:
                with session.begin():
                    if self.dialect == "postgresql":
                        # One writer at a time, as SQLite's BEGIN IMMEDIATE: no deadlocks
                        # between row locks, and every read in the transaction sees all
                        # earlier commits (READ COMMITTED), so no update is lost.
                        session.execute(text(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})"))
                    seal.track(session, known=bulk)
                    tx = Tx(session, act, self)
                    yield tx
                    # Last, the fingerprint of every record the change left (seal.py).
                    seal.seal(session, at=tx.at, as_of=act.today, operator=act.operator)
            except OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise core.busy() from None
                raise

    def close(self) -> None:
        self.engine.dispose()


def _column(session: Session) -> core.Column:
    """``core.Column`` on a session: the first column of every row of one statement."""
    return lambda sql: session.execute(text(sql)).scalars().all()


def _exists(engine: Engine) -> bool:
    return inspect(engine).has_table("setting")


def create_case_file(db: str, config_text: str, act: Act) -> CaseFile:
    """``init``: a new case file holding its configuration; never overwrites."""
    parse(config_text)
    loc = locate(db)
    path = loc.path
    if path is not None:
        if path.exists():
            raise CaseFileError(
                f"案卷 {path} 已存在，不会覆盖：如需新建请换一个文件名，或先移走旧文件。"
            )
        if not path.parent.is_dir():
            raise InputError(f"目录 {path.parent} 不存在：请先创建它，或换一个位置。")
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # owner only (PIPL)
        os.close(fd)
    engine = make_engine(loc)
    case = CaseFile(loc, engine)
    try:
        if path is None and _exists(engine):
            raise CaseFileError("该数据库中已有 zuozhen 案卷，不会覆盖。")
        with case.write(act) as tx:
            conn = tx.session.connection()
            migrations.create_schema(conn)
            for m in migrations.MIGRATIONS:
                tx.session.add(SchemaMigration(version=m.version, name=m.name, applied_at=tx.at))
            tx.session.add(Setting(key="config", value=config_text))
            tx.session.flush()
            tx.record("init", "case_file", "config", {"schema": migrations.LATEST})
    except BaseException:
        engine.dispose()
        if path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return case


def open_case_file(db: str) -> CaseFile:
    """Open an existing case file, migrating it if it is older than this program."""
    loc = locate(db)
    if loc.path is not None and not loc.path.is_file():
        raise core.missing_file(loc.where)
    engine = make_engine(loc)
    case = CaseFile(loc, engine)
    try:
        try:
            with engine.connect() as conn:
                version = int(conn.exec_driver_sql(core.VERSION_SQL).scalar() or 0)
        except DBAPIError as exc:
            raise core.unreadable(loc.where, exc.orig) from None
        if core.check_version(version):
            _upgrade(case, version)
    except BaseException:
        engine.dispose()
        raise
    return case


def snapshot(src: Path, dst: Path, *, timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """A consistent, compact copy of a live SQLite case file (``VACUUM INTO``), owner-only."""
    import sqlite3

    if dst.exists():
        raise CaseFileError(f"目标文件 {dst} 已存在，不会覆盖：请换一个文件名。")
    conn = sqlite3.connect(src, timeout=timeout_ms / 1000, isolation_level=None)
    try:
        conn.execute("VACUUM INTO ?", (str(dst),))
    finally:
        conn.close()
    dst.chmod(0o600)


def backup_path(path: Path, version: int) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return path.with_name(f"{path.name}.v{version}-{stamp}.bak")


def _upgrade(case: CaseFile, version: int) -> None:
    if case.path is not None:
        snapshot(
            case.path,
            backup_path(case.path, version),
            timeout_ms=case.location.busy_timeout_ms,
        )
    todo = [m for m in migrations.MIGRATIONS if m.version > version]
    # Sealed once, after the last: the tables then have the models' shape (seal.py).
    reseal = any(m.reseal for m in todo)
    for m in todo:
        with case.write(Act("zuozhen", date.today()), rebuild=m.rebuild) as tx:
            if m.upgrade is None:
                raise CaseFileError(f"案卷结构版本 {version} 无法升级（缺少基线迁移）。")
            detail = m.upgrade(tx.session.connection()) or {}
            tx.session.add(SchemaMigration(version=m.version, name=m.name, applied_at=tx.at))
            tx.record("migrate", "case_file", str(m.version), {"name": m.name, **detail})
            if reseal and m is todo[-1]:  # rows reshaped, or seals begin: a new baseline
                seal.seal_all(tx.session, at=tx.at, as_of=tx.today, operator=tx.act.operator)


def table_counts(session: Session) -> dict[str, int]:
    counts = {}
    for name in sorted(SQLModel.metadata.tables):
        counts[name] = int(session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
    return counts
