"""封存 (seals): the trail's fingerprint of every record a change leaves behind.

Each write transaction ends by appending a ``seal`` event (one per 2,000 records) to the trail
(``action='seal'``, ``entity='seal'``), listing every record it touched with a digest of
that record as committed. The trail's other events say what was done, for people (who,
when, old and new values, the reason); the seals say what the tables held afterwards, for
``verify``: replaying the trail (the last seal of each record wins) gives the state the
tool left, and comparing it with the tables names every record changed, added or deleted
behind the tool's back, by its appeal, booking, enterprise or session ID.

A *record* is what a clerk names: an appeal with everything that hangs on it (its hand-off
rounds, progress, absences, extensions, closures, call-ups, ratings, revisits and
deadlines, each table digested on its own so ``verify`` can say which part differs), a
booking, an enterprise, a session, a configuration setting or a loaded holiday schedule.
Digests are SHA-256 over each row as one text the database itself writes (``_Columns``:
``name=value;`` in column-name order, values quoted by type, NULLs left out so a nullable
column added by a later version changes nothing), cut to 16 hex digits.

Which records a transaction touched is collected without the domain code's help: ORM
changes from the session's flushes, bulk Core statements from their parameters
(``do_orm_execute``). A bulk UPDATE or DELETE whose parameters do not name the records is a
programming error, raised at once. Records a bulk import inserted whole through
``insert_rows`` are digested from the inserted values, not read back (``seal_rows``).
Personal data never enters the trail this way: a digest
of an enterprise row does not reveal its phone number to anyone without the row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import chain, count, islice
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Delete, Insert, Update, event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

from zuozhen.store import bulk, trail
from zuozhen.store.seal_rows import KNOWN, Known

if TYPE_CHECKING:
    from sqlalchemy import Connection

ACTION = "seal"
TOUCHED = "zuozhen_touched"  # session.info key: the set of (kind, id) touched so far
CHUNK = 2000  # records per seal event

#: Tables that hang on an appeal (column ``appeal_id``), in the order verify reports them.
APPEAL_PARTS: dict[str, str] = {
    "appeal": "诉求记录",
    "handoff": "交办记录",
    "progress": "进展记录",
    "absence": "未到场记录",
    "extension": "延期记录",
    "closure": "销号记录",
    "notification": "叫号记录",
    "rating": "评价",
    "revisit": "回访记录",
    "deadline": "期限",
}
#: Records of their own: kind → (table, key column, Chinese name).
RECORDS: dict[str, tuple[str, str, str]] = {
    "appeal": ("appeal", "id", "诉求"),
    "booking": ("booking", "id", "挂号"),
    "enterprise": ("enterprise", "uscc", "企业"),
    "session": ("consultation", "id", "坐诊场次"),
    "setting": ("setting", "key", "设置"),
    "calendar": ("holiday_schedule", "year", "节假日安排"),
    "event": ("channel_event", "id", "活动"),
    "ledger": ("ledger", "id", "台账"),
}
_KIND_OF_TABLE = {table: kind for kind, (table, _k, _n) in RECORDS.items()}

T = TypeVar("T")
Digest = str | dict[str, str] | None  # an appeal's is per table; None: deleted


class _Columns:
    """Each sealed table's columns in name order, as the models define them (migrations
    bring every case file to the models before anything is sealed, and one that reshapes a
    sealed table reseals), dates as ISO text and booleans as 0/1 on both engines."""

    def __init__(self, conn: Connection) -> None:
        from sqlalchemy import Boolean, Date
        from sqlmodel import SQLModel

        import zuozhen.models  # noqa: F401  (registers the tables)

        pg = conn.dialect.name == "postgresql"
        tables = set(APPEAL_PARTS) | {t for t, _k, _n in RECORDS.values()}
        meta = SQLModel.metadata.tables
        self.row: dict[str, str] = {}
        self.names: dict[str, tuple[str, ...]] = {}
        for t in tables:
            exprs = []
            self.names[t] = tuple(sorted(c.name for c in meta[t].columns))
            for c in sorted(meta[t].columns, key=lambda c: c.name):
                q = f'"{c.name}"'
                if pg and isinstance(c.type, Date):
                    q = f"to_char({q}, 'YYYY-MM-DD')"
                elif pg and isinstance(c.type, Boolean):
                    q = f"CAST({q} AS INTEGER)"
                exprs.append(q)
            self.row[t] = ", ".join(exprs)

    def select(self, table: str) -> str:
        return self.row[table]


_MASK = (1 << 64) - 1


def _row(row: tuple[Any, ...]) -> int:
    """One row as 64 bits of SHA-256 over its ``repr``: text quoted, numbers bare (``'1'``
    and ``1`` differ), NULL as None; the row's own id is in it, so no two rows are alike."""
    return int.from_bytes(hashlib.sha256(repr(row).encode("utf-8")).digest()[:8], "big")


_COLUMNS: dict[str, _Columns] = {}


def _columns(conn: Connection) -> _Columns:
    """``_Columns`` of the connection's engine kind, made once (they follow the models)."""
    name = conn.dialect.name
    if name not in _COLUMNS:
        _COLUMNS[name] = _Columns(conn)
    return _COLUMNS[name]


def _hex(acc: int) -> str:
    return f"{acc & _MASK:016x}"


def _chunks(items: Iterable[T], n: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, n)):
        yield chunk


def _sums(rows: Iterable[tuple[Any, ...]], table: str, into: dict[str, dict[str, int]]) -> None:
    """Add each row (key first) to its record's sum for ``table``: a record's digest of a
    table is the sum of its rows' (mod 2⁶⁴), so rows are read in any order, no sorting."""
    sha, whole = hashlib.sha256, int.from_bytes  # _row, inlined: the hot loop of verify
    for r in rows:
        parts = into.setdefault(str(r[0]), {})
        bits = whole(sha(repr(r[1:]).encode("utf-8")).digest()[:8], "big")
        parts[table] = parts.get(table, 0) + bits


def digests(conn: Connection, kind: str, ids: Iterable[str]) -> dict[str, Digest]:
    """The current digest of each record (None where it no longer exists).

    Read with the driver's own statements (``exec_driver_sql``, positional marks): a bulk
    import seals tens of thousands of records, and SQLAlchemy's parsing and compiling of a
    500-name IN list per table and chunk cost more than the reads themselves."""
    cols = _columns(conn)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    out: dict[str, Digest] = {}
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    for chunk in _chunks(sorted(set(ids)), 500):
        tables = APPEAL_PARTS if kind == "appeal" else [RECORDS[kind][0]]
        typed: list[Any] = [int(i) for i in chunk] if kind == "calendar" else chunk
        marks = ", ".join([mark] * len(typed))
        sums: dict[str, dict[str, int]] = {}
        for table in tables:
            key = "appeal_id" if table in APPEAL_PARTS and table != "appeal" else RECORDS[kind][1]
            sql = f'SELECT "{key}", {cols.select(table)} FROM "{table}" WHERE "{key}" IN ({marks})'
            cur.execute(sql, typed)
            _sums(cur.fetchall(), table, sums)
        for rid in chunk:
            parts = sums.get(rid, {})
            out[rid] = _digest(kind, parts)
    return out


def _digest(kind: str, parts: dict[str, int]) -> Digest:
    """An appeal's per-table digests (its own row gone: None); another record's one."""
    if kind == "appeal":
        return {t: _hex(v) for t, v in parts.items()} if "appeal" in parts else None
    table = RECORDS[kind][0]
    return _hex(parts[table]) if table in parts else None


_CURSORS = count()


def _scan(conn: Connection, sql: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a whole-table scan as plain tuples, fetched in batches straight from the
    driver (a named, server-side cursor on PostgreSQL, so memory stays flat)."""
    raw: Any = conn.connection.dbapi_connection
    pg = conn.dialect.name == "postgresql"
    cur = raw.cursor(name=f"zuozhen_seal_{next(_CURSORS)}") if pg else raw.cursor()
    try:
        cur.execute(sql)
        while rows := cur.fetchmany(5000):
            yield from rows
    finally:
        cur.close()


def part_sums(conn: Connection, tables: Iterable[str]) -> dict[str, dict[str, int]]:
    """Per appeal, the row sums of some of its tables (one plain scan each)."""
    cols = _columns(conn)
    sums: dict[str, dict[str, int]] = {}
    for table in tables:
        key = "id" if table == "appeal" else "appeal_id"
        _sums(_scan(conn, f'SELECT "{key}", {cols.select(table)} FROM "{table}"'), table, sums)
    return sums


def everything(
    conn: Connection,
    elsewhere: Callable[[], dict[str, dict[str, int]]] | None = None,
    skip: Iterable[str] = (),
) -> Iterator[tuple[str, str, Digest]]:
    """(kind, id, digest) of every record as it is now (``verify``, ``seal_all``): one
    plain scan of each table, in storage order. The appeal tables in ``skip`` are summed
    elsewhere (another process): ``elsewhere()`` gives their sums, asked for last.

    An appeal whose own row is gone but whose parts are left comes with no ``appeal`` key.
    """
    cols = _columns(conn)
    left = set(skip)
    appeals = part_sums(conn, [t for t in APPEAL_PARTS if t not in left])
    for kind, (table, key, _name) in RECORDS.items():
        if kind == "appeal":
            continue
        for r in _scan(conn, f'SELECT "{key}", {cols.select(table)} FROM "{table}"'):
            yield kind, str(r[0]), _hex(_row(r[1:]))
    if elsewhere is not None:
        for rid, parts in elsewhere().items():
            appeals.setdefault(rid, {}).update(parts)
    for rid, parts in appeals.items():
        yield "appeal", rid, {t: _hex(v) for t, v in parts.items()}
    appeals.clear()


# -- collecting what a transaction touched --------------------------------------------------


def _key_of(table: str, values: Any) -> tuple[str, str] | None:
    def get(name: str) -> Any:
        if isinstance(values, dict):
            return values.get(name, values.get(f"b_{name}"))
        return getattr(values, name, None)

    if table in APPEAL_PARTS and table != "appeal":
        rid = get("appeal_id")
        return None if rid is None else ("appeal", str(rid))
    kind = _KIND_OF_TABLE.get(table)
    if kind is None:
        return None
    rid = get(RECORDS[kind][1])
    return None if rid is None else (kind, str(rid))


def _table_of(obj: Any) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return None if table is None else str(table.name)


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    touched = session.info.get(TOUCHED)
    if touched is None:
        return
    known: Known | None = session.info.get(KNOWN)
    for obj in chain(session.new, session.dirty, session.deleted):
        table = _table_of(obj)
        key = None if table is None else _key_of(table, obj)
        if key is not None:
            touched.add(key)
            if known is not None:
                known.dirty.add(key)


def _on_execute(state: ORMExecuteState) -> None:
    touched = state.session.info.get(TOUCHED)
    stmt = state.statement
    if touched is None or not isinstance(stmt, Insert | Update | Delete):
        return
    table = str(getattr(stmt.table, "name", ""))
    if table not in APPEAL_PARTS and table not in _KIND_OF_TABLE:
        return
    params = state.parameters
    batch = params if isinstance(params, list) else [params or {}]
    known: Known | None = state.session.info.get(KNOWN)
    if batch and _mark(touched, table, batch, None if known is None else known.dirty):
        return
    keys = [_key_of(table, p) for p in batch]
    if not batch or any(k is None for k in keys):
        raise RuntimeError(
            f"bulk {type(stmt).__name__} on {table} without the record keys in its parameters:"
            " pass them (or use the ORM) so the change can be sealed"
        )
    touched.update(k for k in keys if k is not None)
    if known is not None:
        known.dirty.update(k for k in keys if k is not None)


def _record_key(table: str) -> tuple[str, str]:
    """(kind, key column) of the records a sealed table's rows belong to."""
    appeal_part = table in APPEAL_PARTS and table != "appeal"
    kind = "appeal" if appeal_part else _KIND_OF_TABLE[table]
    return kind, "appeal_id" if appeal_part else RECORDS[kind][1]


def _mark(
    touched: set[tuple[str, str]],
    table: str,
    batch: list[Any],
    dirty: set[tuple[str, str]] | None = None,
) -> bool:
    """The records of a batch of parameter dicts, marked touched (the common case, fast)
    and, given ``dirty``, changed otherwise than by ``insert_rows`` (read back at the
    seal); False if some row does not name its record (``_key_of`` then says which)."""
    kind, name = _record_key(table)
    if not all(isinstance(p, dict) and p.get(name) is not None for p in batch):
        return False
    keys = [(kind, str(p[name])) for p in batch]
    touched.update(keys)
    if dirty is not None:
        dirty.update(keys)
    return True


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows of a sealed table straight through the driver (a bulk import):
    what SQLAlchemy's ``insert(table)`` with these parameters stores (each column's own
    bind processing), without its per-row work; their records are marked touched.

    Every row has the same keys, which include every column with a default."""
    if not rows:
        return
    touched = session.info.get(TOUCHED)
    name = str(table.name)
    keys = list(rows[0])
    defaulted = {c.name for c in table.columns if c.default is not None or c.server_default}
    if defaulted - set(keys) or any(len(r) != len(keys) for r in rows):
        raise ValueError(f"insert_rows({name}): every row needs the same keys and {defaulted}")
    known: Known | None = session.info.get(KNOWN)
    nested = session.in_nested_transaction()  # a savepoint may be rolled back: read back
    dirty = known.dirty if known is not None and nested else None
    if touched is not None and not _mark(touched, name, rows, dirty):
        raise RuntimeError(f"insert_rows({name}): a row without its record key")
    conn = session.connection()
    if touched is None or known is None or nested or conn.dialect.name != "sqlite":
        bulk.insert(conn, table, rows)
        return
    numbered = "id" not in keys and "id" in table.c
    before = _top(conn, name) if numbered else None
    params = bulk.insert(conn, table, rows)
    first = None
    if before is not None and _top(conn, name) == before + len(rows):  # numbered 1 by 1
        first = before + 1
    kind, key = _record_key(name)
    known.add(conn, name, _columns(conn).names[name], kind, key, keys, params, first)


def _top(conn: Connection, table: str) -> int | None:
    """The largest integer id of a table (0 when empty; None when an id is not one)."""
    top = conn.exec_driver_sql(f'SELECT max("id"), typeof(max("id")) FROM "{table}"').one()
    return 0 if top[0] is None else (top[0] if top[1] == "integer" else None)


def track(session: Session, *, known: bool = False) -> None:
    """Start collecting the records this session's transaction touches; with ``known``
    (a bulk import) also the digests of the rows ``insert_rows`` inserts (seal_rows.py)."""
    session.info[TOUCHED] = set()
    if known:
        session.info[KNOWN] = Known()
    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "do_orm_execute", _on_execute)


def seal(session: Session, *, at: str, as_of: date, operator: str) -> int:
    """Append the seal of every record touched in this transaction; returns how many."""
    session.flush()
    touched: set[tuple[str, str]] = session.info.get(TOUCHED) or set()
    session.info[TOUCHED] = None  # the seal's own trail rows are not records
    known: Known | None = session.info.pop(KNOWN, None)
    by_kind: dict[str, list[str]] = {}
    for kind, rid in touched:
        by_kind.setdefault(kind, []).append(rid)
    return _append(session, by_kind, known, at=at, as_of=as_of, operator=operator)


def seal_all(session: Session, *, at: str, as_of: date, operator: str) -> int:
    """Seal every record as it is now: the baseline after a migration (or a bulk build),
    streamed in events of ``CHUNK`` records."""
    session.flush()
    session.info[TOUCHED] = None
    batch: dict[str, dict[str, Digest]] = {}
    events: list[trail.Event] = []
    total = 0

    def emit(kind: str) -> None:
        events.append(trail.Event(ACTION, ACTION, kind, {kind: batch.pop(kind)}))
        if len(events) >= 50:  # written as the scan goes (other tables than it reads)
            trail.append_many(session, events, at=at, as_of=as_of, operator=operator)
            events.clear()

    for kind, rid, digest in everything(session.connection()):
        batch.setdefault(kind, {})[rid] = digest
        total += 1
        if len(batch[kind]) >= CHUNK:
            emit(kind)
    for kind in list(batch):
        emit(kind)
    trail.append_many(session, events, at=at, as_of=as_of, operator=operator)
    return total


def _append(
    session: Session,
    by_kind: dict[str, list[str]],
    known: Known | None,
    *,
    at: str,
    as_of: date,
    operator: str,
) -> int:
    """One seal event per ``CHUNK`` records (one for an ordinary change), each written as
    soon as it is made, so a bulk import holds one chunk's digests at a time. Records a
    bulk import inserted whole are digested from what it inserted (``seal_rows``), the
    others read back."""
    conn = session.connection()
    keys = ((kind, rid) for kind in RECORDS for rid in sorted(by_kind.get(kind, [])))
    total = 0
    for chunk in _chunks(keys, CHUNK):
        detail: dict[str, dict[str, Digest]] = {}
        for kind in RECORDS:
            ids = [rid for k, rid in chunk if k == kind]
            if ids:
                detail[kind] = _known_or_read(conn, kind, ids, known)
        event = trail.Event(ACTION, ACTION, ",".join(detail), detail)
        trail.append_many(session, [event], at=at, as_of=as_of, operator=operator)
        total += len(chunk)
    return total


def _known_or_read(
    conn: Connection, kind: str, ids: list[str], known: Known | None
) -> dict[str, Digest]:
    if known is None:
        return digests(conn, kind, ids)
    tables = list(APPEAL_PARTS) if kind == "appeal" else [RECORDS[kind][0]]
    out: dict[str, Digest] = {}
    rest = []
    for rid in ids:
        parts = known.parts(kind, rid, tables)
        if parts is None:
            rest.append(rid)
        else:
            out[rid] = _digest(kind, parts)
    if rest:
        out.update(digests(conn, kind, rest))
    return out
