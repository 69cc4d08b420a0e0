"""留痕: the audit trail of who did what, when, to which record.

Rows are append-only (database triggers refuse UPDATE and DELETE, see migrations.py) and
hash-chained: each row's ``hash`` is SHA-256 over the previous row's hash and this row's
fields, so an edit or deletion made behind the tool's back (with the triggers dropped) is
detected by ``verify_chain``. ``trail_head`` keeps the last id and hash; appends lock it
first, which serialises writers on PostgreSQL (SQLite already serialises them with
``BEGIN IMMEDIATE``) so the chain never forks.

``append_many`` is the one way rows are added: one event (``Tx.record``) or a bulk
import's thousands (``Tx.record_many``) are chained by the same loop and inserted by one
``executemany``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from zuozhen.models import Trail, TrailHead
from zuozhen.store import bulk

GENESIS = "0" * 64


# json.dumps with these options, its encoder made once (a bulk import encodes 100,000).
_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
).encode


def canonical(detail: dict[str, Any]) -> str:
    return _CANONICAL(detail)


def row_hash(
    prev_hash: str,
    at: str,
    as_of: date,
    operator: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: str,
) -> str:
    payload = "\x1f".join(
        (prev_hash, at, as_of.isoformat(), operator, action, entity, entity_id, detail)
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Event(NamedTuple):
    """One act to record: what was done (``action``) to which record, with its details."""

    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any] | None = None


def append(
    session: Session,
    *,
    at: str,
    as_of: date,
    operator: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event (``append_many`` of one)."""
    append_many(
        session,
        [Event(action, entity, entity_id, detail)],
        at=at,
        as_of=as_of,
        operator=operator,
    )


def append_many(
    session: Session, events: Sequence[Event], *, at: str, as_of: date, operator: str
) -> None:
    """Append events in order, each chained to the one before: the one way rows are added."""
    if not events:
        return
    session.flush()  # the rows the events describe are written first, as they always were
    head_t, trail_t = TrailHead.__table__, Trail.__table__  # type: ignore[attr-defined]
    # Lock the head row first (UPDATE takes the row lock on PostgreSQL).
    locked = session.execute(
        update(head_t).where(head_t.c.id == 1).values(id=1).returning(head_t.c.last_hash)
    ).first()
    prev = (locked[0] if locked is not None else None) or GENESIS
    rows = []
    for action, entity, entity_id, detail in events:
        body = canonical(detail or {})
        digest = row_hash(prev, at, as_of, operator, action, entity, entity_id, body)
        rows.append(
            {
                "at": at,
                "as_of": as_of,
                "operator": operator,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "detail": body,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    bulk.insert(session.connection(), trail_t, rows)  # one executemany, through the driver
    # Appends are serialised (the head's lock; SQLite's single writer): the newest row is ours.
    last = int(session.execute(select(func.max(trail_t.c.id))).scalar_one())
    if locked is None:
        session.execute(insert(head_t).values(id=1, last_id=last, last_hash=prev))
    else:
        session.execute(update(head_t).where(head_t.c.id == 1).values(last_id=last, last_hash=prev))


@dataclass(frozen=True, slots=True)
class ChainProblem:
    trail_id: int
    problem: str  # Chinese, for the clerk


_WALK_SQL = (
    "SELECT id, at, as_of, operator, action, entity, entity_id, detail, prev_hash, hash"
    " FROM trail WHERE id > {last} AND id <= {upto} ORDER BY id LIMIT {batch}"
)


def verify_chain(
    session: Session,
    batch: int = 20000,
    on_seal: Callable[[str, str], None] | None = None,
    head: tuple[int, str] | None = None,
) -> list[ChainProblem]:
    """Walk the whole trail and report every row whose hash or link does not hold.

    ``on_seal(kinds, detail)`` is called with every seal event's JSON, in trail order.
    ``head`` (last id, last hash): walk up to it and hold the trail's end to it, for a walk
    in another process than the one that read the head (``maintenance.verify``); the rows
    up to it are the same in every later snapshot, the trail being append-only.
    """
    if head is None:
        row = session.get(TrailHead, 1)
        head = (row.last_id, row.last_hash) if row is not None else (0, "")
    conn = session.connection()
    problems: list[ChainProblem] = []
    prev = GENESIS
    last_id = 0
    expected_id: int | None = None
    sha = hashlib.sha256
    while True:
        sql = _WALK_SQL.format(last=last_id, upto=head[0], batch=batch)
        rows = conn.exec_driver_sql(sql).fetchall()
        if not rows:
            break
        for rid, at, as_of, operator, action, entity, entity_id, detail, prev_hash, digest in rows:
            if expected_id is not None and rid != expected_id:
                problems.append(ChainProblem(rid, f"第 {expected_id}–{rid - 1} 条留痕缺失"))
            if prev_hash != prev:
                problems.append(
                    ChainProblem(rid, "与上一条留痕的链接对不上（前面的记录被改动或删除）")
                )
            day = as_of if isinstance(as_of, str) else as_of.isoformat()
            payload = "\x1f".join((prev_hash, at, day, operator, action, entity, entity_id, detail))
            if sha(payload.encode("utf-8")).hexdigest() != digest:
                problems.append(ChainProblem(rid, "内容与其哈希不符（此条记录被改动）"))
            elif on_seal is not None and action == "seal" and entity == "seal":
                on_seal(entity_id, detail)
            prev = digest
            last_id = rid
            expected_id = rid + 1
    if head[0] != last_id or (last_id and head[1] != prev):
        problems.append(ChainProblem(last_id, f"末尾的留痕被删除（应到第 {head[0]} 条）"))
    return problems
