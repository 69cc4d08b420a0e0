"""Side readers: a report's independent queries run at the same time, each on a
connection of its own (the bulletin: two halves of its pass over the quarter, and the
units' scores, the overdue list and the ledgers beside them).

Python's ``sqlite3`` lets go of the interpreter while SQLite works, so on a machine with
two or more processors the queries of ``side_by_side`` run in parallel, in threads. Each
side reader opens the same file read-only and so reads a snapshot of its own (WAL). A
change committed between the moment the command's reader took its snapshot and the moment
a side reader took its own would make the figures disagree; every change the tool commits
ends with a seal event in the audit trail (store/seal.py), so the trail's last ID names the
state a snapshot shows. A side reader that sees another ID than the command's reader is
closed unused and its work is done again on the command's reader, after the others.

PostgreSQL, and a reader inside a write transaction, run the tasks one after the other on
the one reader (its snapshot is the transaction's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zuozhen.store.reader import Reader

#: The state a snapshot shows (see the module docstring).
MARK_SQL = "SELECT MAX(id) FROM trail"


def can_share(r: Reader) -> bool:
    """Side readers can stand beside ``r``: a SQLite file ``r`` opened on its own."""
    return r.own_file is not None


def side_by_side(r: Reader, tasks: Sequence[Callable[[Reader], Any]]) -> list[Any]:
    """Each task's result, in order: the first run on ``r``, the others each on a side
    reader in a thread of its own (one after the other on ``r`` where that cannot be)."""
    path = r.own_file
    if path is None or len(tasks) < 2:
        return [task(r) for task in tasks]
    from concurrent.futures import ThreadPoolExecutor

    mark = r.scalar(MARK_SQL)
    config, calendar = r.config, r.calendar  # the same snapshot: shared, not read again

    def beside(task: Callable[[Reader], Any]) -> tuple[bool, Any]:
        with Reader(str(path)) as side:
            if side.scalar(MARK_SQL) != mark:  # a change came in between: not this one
                return False, None
            side.__dict__.update(config=config, calendar=calendar)
            return True, task(side)

    with ThreadPoolExecutor(max_workers=len(tasks) - 1) as pool:
        futures = [pool.submit(beside, task) for task in tasks[1:]]
        first = tasks[0](r)
        done = [f.result() for f in futures]
    return [first] + [
        out if ok else task(r) for (ok, out), task in zip(done, tasks[1:], strict=True)
    ]
