"""Keeping the record safe: ``backup`` (a verified consistent copy) and ``verify``.

``backup`` uses SQLite's online backup API in one step, inside one read
transaction, (other clerks may keep writing; the copy is the state at one instant), then
opens the copy and checks ``PRAGMA integrity_check`` and that every table holds the same
number of rows as the original did in that snapshot. ``verify`` checks the database's
integrity, its foreign keys and the audit trail's hash chain, then replays the trail's
seals (seal.py) and names every record whose rows differ from what the tool left: changed,
added or deleted behind its back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zuozhen.errors import CaseFileError, InputError
from zuozhen.models import TrailHead
from zuozhen.store import seal
from zuozhen.store.storage import CaseFile
from zuozhen.store.trail import ChainProblem, verify_chain


@dataclass(frozen=True, slots=True)
class BackupResult:
    source: str
    target: str
    bytes: int
    rows: dict[str, int]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    integrity: str
    foreign_keys: list[str] = field(default_factory=list)
    trail_rows: int = 0
    trail_problems: list[str] = field(default_factory=list)
    ratings: list[str] = field(default_factory=list)  # rating rows that differ from the trail
    records: list[Tampered] = field(default_factory=list)  # rows changed outside zuozhen
    records_checked: int = 0


@dataclass(frozen=True, slots=True)
class Tampered:
    """A record whose rows differ from the trail's last seal of it."""

    kind: str  # appeal | booking | enterprise | session | setting | calendar
    id: str
    problem: str  # Chinese, naming the record and what differs
    parts: list[str] = field(default_factory=list)  # an appeal's parts that differ


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'appeal_fts_%' AND name NOT LIKE 'search_fts_%' ORDER BY name"
        )
    ]
    return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}


def backup(case: CaseFile, target: Path) -> BackupResult:
    if case.path is None:
        raise InputError(
            "PostgreSQL 案卷请用数据库自带的 pg_dump 备份（见 README“多个单位共用一个数据库”）。"
        )
    target = target.expanduser().resolve()
    if target == case.path:
        raise InputError("备份文件不能与案卷是同一个文件：请换一个文件名。")
    if target.exists():
        raise CaseFileError(f"备份目标 {target} 已存在，不会覆盖：请换一个文件名（例如带上日期）。")
    if not target.parent.is_dir():
        raise InputError(f"目录 {target.parent} 不存在：请先创建它。")
    # Count the rows inside the same kind of snapshot the copy is taken from: hold a read
    # transaction open across the copy so that nobody's commit falls between the two.
    wait = case.location.busy_timeout_ms / 1000
    src = sqlite3.connect(case.path, timeout=wait, isolation_level=None)
    try:
        src.execute("BEGIN")
        expected = _counts(src)
        snapshot_in_tx(src, target)
        src.execute("COMMIT")
    finally:
        src.close()
    copy = sqlite3.connect(target)
    try:
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
        actual = _counts(copy)
    finally:
        copy.close()
    if integrity != "ok" or actual != expected:
        target.unlink(missing_ok=True)
        raise CaseFileError(f"备份校验未通过（{integrity}），已删除不完整的备份，请重试。")
    return BackupResult(str(case.path), str(target), target.stat().st_size, actual)


def snapshot_in_tx(conn: sqlite3.Connection, target: Path) -> None:
    """Copy in one step of the online backup API, on a connection holding a read snapshot."""
    dst = sqlite3.connect(target)
    try:
        conn.backup(dst)
    finally:
        dst.close()
    target.chmod(0o600)


#: From this many trail rows on, the chain is walked in a second process while this one
#: scans the records (two cores: 100,000 appeals, 740,000 rows, take about half the time).
PARALLEL_FROM = 200_000


#: From this many trail rows on, the chain is walked (and the appeal table summed) in a
#: second process while this one scans the other records: two cores, about half the time.
PARALLEL_FROM = 200_000
#: The appeal tables the second process sums besides walking the chain (about even halves).
ALONGSIDE = ("appeal", "closure", "notification", "rating")


def verify(
    case: CaseFile, *, full: bool = False, parallel_from: int = PARALLEL_FROM
) -> VerifyResult:
    """``full``: SQLite's ``integrity_check`` (also every index against its table, O(N log N))
    instead of ``quick_check`` (every page, row and constraint, O(N)); the seals compare
    every row of every record with the trail either way."""
    # SQLite's own checks run on a second connection in a thread while this one walks the
    # trail and the records: sqlite3 releases the GIL while it works, so the two overlap.
    structure = _Structure(case.path, full) if case.path is not None else None
    with case.read() as s:
        conn = s.connection()
        got = s.get(TrailHead, 1)
        head = (got.last_id, got.last_hash) if got is not None else (0, "")
        rows = int(conn.exec_driver_sql("SELECT count(*) FROM trail").scalar_one())
        walk = _Walk(case.url, head, conn, s) if rows >= parallel_from else None
        sealed = _replay(conn, head[0])
        if walk is not None:
            current = seal.everything(conn, walk.sums, skip=ALONGSIDE)
        else:
            current = seal.everything(conn)
        records, checked = compare(sealed, current)
        problems = walk.problems() if walk is not None else verify_chain(s, head=head)
    integrity, fks = structure.result() if structure is not None else ("ok", [])
    trail_problems = [f"留痕第 {p.trail_id} 条：{p.problem}" for p in problems]
    flagged = [t.id for t in records if t.kind == "appeal" and "评价" in t.parts]
    ratings = _check_ratings(case, flagged) if flagged else []
    ok = integrity == "ok" and not fks and not trail_problems and not ratings and not records
    return VerifyResult(ok, integrity, fks, rows, trail_problems, ratings, records, checked)


def _check_ratings(case: CaseFile, appeals: list[str]) -> list[str]:
    """The ratings of appeals whose seal found them changed, against their ``rate`` events:
    which round, what the enterprise said and what the table says now."""
    with case.read() as s:
        return _rating_lines(s.connection(), appeals)


def _rating_lines(conn: Any, appeals: list[str]) -> list[str]:
    marks = ", ".join(f"'{a}'" for a in appeals if a.replace("-", "").isalnum())
    if not marks:  # (IDs that are not ours: named by the seals alone)
        return [f"诉求 {a} 的评价与留痕不符（评价被改动、删除或在程序之外添加）" for a in appeals]
    recorded: dict[tuple[str, int], tuple[Any, Any, Any]] = {}
    for entity_id, detail in conn.exec_driver_sql(
        "SELECT entity_id, detail FROM trail WHERE entity = 'appeal' AND action = 'rate'"
        f" AND entity_id IN ({marks})"
    ):
        d = json.loads(detail)
        recorded[(entity_id, int(d.get("round", 1)))] = (
            d.get("service"),
            d.get("handling"),
            d.get("comment"),
        )
    out = []
    seen = set()
    for appeal, rnd, service, handling, comment in conn.exec_driver_sql(
        "SELECT appeal_id, round, service, handling, comment FROM rating"
        f" WHERE appeal_id IN ({marks}) ORDER BY id"
    ):
        key = (appeal, int(rnd))
        seen.add(key)
        want = recorded.get(key)
        if want is None:
            out.append(f"诉求 {appeal} 第 {rnd} 轮评价没有对应的留痕（可能被绕过程序写入）")
        elif want != (service, handling, comment or None):
            out.append(
                f"诉求 {appeal} 第 {rnd} 轮评价与留痕不符（留痕：服务{want[0]}/办理{want[1]}；"
                f"现为：服务{service}/办理{handling}），评价被改动"
            )
    for appeal, rnd in sorted(set(recorded) - seen):
        out.append(f"诉求 {appeal} 第 {rnd} 轮评价已记入留痕，但评价记录不见了（被删除）")
    return out


def _replay(conn: Any, last_id: int) -> dict[str, dict[str, seal.Digest]]:
    """The trail's seals up to ``last_id`` folded in order: each record's last digest. (The
    seal rows are read by the entity index; the chain walk vouches for every one of them.)"""
    sealed: dict[str, dict[str, seal.Digest]] = {kind: {} for kind in seal.RECORDS}
    for (detail,) in conn.exec_driver_sql(
        f"SELECT detail FROM trail WHERE entity = 'seal' AND id <= {int(last_id)} ORDER BY id"
    ):
        for kind, digests in json.loads(detail).items():
            sealed.setdefault(kind, {}).update(digests or {})
    return sealed


Alongside = tuple[dict[str, dict[str, int]], list[ChainProblem], tuple[int, str]]


def _alongside(url: str, head: tuple[int, str]) -> Alongside:
    """In the second process: the sums of ``ALONGSIDE``, the chain walk, and the trail's
    end as this process's snapshot saw it (the caller's snapshot is as old or older)."""
    from zuozhen.store.storage import open_case_file

    case = open_case_file(url)
    try:
        with case.read() as s:
            got = s.get(TrailHead, 1)
            seen = (got.last_id, got.last_hash) if got is not None else (0, "")
            sums = seal.part_sums(s.connection(), ALONGSIDE)
            return sums, verify_chain(s, head=head), seen
    finally:
        case.close()


class _Walk:
    """The second process (spawned: no state shared). Whatever it cannot give — it failed,
    or a clerk's change came between the two snapshots, so its sums are of another
    moment — this process computes itself, so the result never depends on it."""

    def __init__(self, url: str, head: tuple[int, str], conn: Any, session: Any) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.head, self.conn, self.session = head, conn, session
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.future = self.pool.submit(_alongside, url, head)
        self.done: Alongside | None = None
        self.failed = False

    def _result(self) -> Alongside | None:
        if self.done is None and not self.failed:
            try:
                self.done = self.future.result()
            except Exception:  # a broken worker: everything is done here instead
                self.failed = True
            finally:
                self.pool.shutdown()
        return self.done

    def sums(self) -> dict[str, dict[str, int]]:
        got = self._result()
        if got is None or got[2] != self.head:
            return seal.part_sums(self.conn, ALONGSIDE)
        return got[0]

    def problems(self) -> list[ChainProblem]:
        got = self._result()
        return got[1] if got is not None else verify_chain(self.session, head=self.head)


class _Structure:
    """``PRAGMA quick_check`` (or ``integrity_check``) and ``foreign_key_check`` of a SQLite
    file, in a thread."""

    def __init__(self, path: Path, full: bool) -> None:
        import threading

        self.path = path
        self.pragma = "integrity_check" if full else "quick_check"
        self.integrity = "ok"
        self.fks: list[str] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="zuozhen-verify", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            try:
                self.integrity = "；".join(str(r[0]) for r in conn.execute(f"PRAGMA {self.pragma}"))
                for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
                    self.fks.append(f"{table} 第 {rowid} 行引用的 {parent} 记录不存在")
            finally:
                conn.close()
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc

    def result(self) -> tuple[str, list[str]]:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.integrity, self.fks


def compare(
    sealed: dict[str, dict[str, seal.Digest]], current: Iterable[tuple[str, str, seal.Digest]]
) -> tuple[list[Tampered], int]:
    """Every record whose current digest is not the one the trail last sealed (consuming
    ``sealed``), in ID order; and how many records there are."""
    out: list[Tampered] = []
    checked = 0
    for kind, rid, now in current:
        checked += 1
        then = sealed.get(kind, {}).pop(rid, None)
        if now != then:
            out.append(_tampered(kind, rid, now, then))
    for kind, left in sealed.items():
        out.extend(_tampered(kind, rid, None, then) for rid, then in left.items() if then)
    out.sort(key=lambda t: (list(seal.RECORDS).index(t.kind), _order(t.id)))
    return out, checked


def _tampered(kind: str, rid: str, now: seal.Digest, then: seal.Digest) -> Tampered:
    label = f"{seal.RECORDS[kind][2]} {rid}"
    parts: list[str] = []
    if then is None:
        problem = f"{label}：留痕中没有它（在 zuozhen 之外添加）"
    elif now is None or (isinstance(now, dict) and "appeal" not in now):
        # (rows that hung on it may be left: the appeal itself is gone)
        problem = f"{label}：留痕记录了它，但它已不见（在 zuozhen 之外删除）"
    else:
        parts = _parts(now, then)
        problem = f"{label}：{'、'.join(parts)}与留痕不符（在 zuozhen 之外被改动）"
    return Tampered(kind, rid, problem, parts)


def _order(rid: str) -> tuple[Any, ...]:
    """IDs in number order (202610-9997 before 202610-10802); other keys after, as text."""
    try:
        return (0, *(int(p) for p in rid.removeprefix("S").split("-")))
    except ValueError:
        return (1, rid)


def _parts(now: seal.Digest, then: seal.Digest) -> list[str]:
    if not isinstance(now, dict) or not isinstance(then, dict):
        return []
    return [label for t, label in seal.APPEAL_PARTS.items() if now.get(t) != then.get(t)]
