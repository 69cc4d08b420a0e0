"""Step 3 of the ten steps, in bulk: 挂号导入, the online window's CSV export.

One row per appeal, header ``CSV_REQUIRED`` (+ ``CSV_OPTIONAL`` and ``SUBMITTED``); other
columns (序号, 审核状态 …, as real exports carry them) are ignored and named in a note.
Every row is checked by the rules of ``booking.book`` (``bookings_check``: its booking date
is its 提交时间 when the file has one, held to that month's booking window, or on time any
day under the city's rolling booking, ``cadence.booking = "rolling"``); bad rows are
reported by physical line number, good rows go in one transaction (``strict``: nothing if
any row is bad). A repeated row (the same appeal text of one enterprise in one month) is
rejected with its line number, so the online window's double submissions surface; a
near-identical one (the same after removing punctuation and spaces, or an appeal the
enterprise already has) is imported and pointed out with the ``merge`` command to run
(withdrawal.py). As for ``book``, a region outside the configured list is a bad row
(``--allow-new`` adds it) and so is a known credit code with another name or phone
(``enterprises.screen``, ``--update-enterprise``), each chunk checked against the case
file as the earlier chunks left it. Rows of one enterprise in one month form one booking,
dated by its first row.

Built for size (100,000 rows under 200 MB, 20,000 under 120 MB): the file is streamed
(``csvin.open_csv``), never held whole, and rows are checked and written a chunk at a
time (``CHUNK``) inside the one transaction — so an interrupted import, or a ``strict``
one with a bad row, leaves nothing (the transaction is rolled back). What stays in memory
between chunks is small per row: a 16-byte digest of each (enterprise, text) for the
repeat check, each booking's number and its rows' line numbers. Enterprises, bookings,
appeals and their verify and triage duties (one limit, as for ``book``) are written with
SQLAlchemy Core ``executemany`` inserts. The trail gets one summary event for the import
(file, its SHA-256, encoding, rows, rejected lines, bookings created and extended) and one
event per booking and booking date, so ``history`` of an imported appeal shows where it
came from. Ctrl-C is honoured until the
commit begins and deferred while it runs, so "interrupted" always means "nothing imported".
"""

from __future__ import annotations

import hashlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from zuozhen import duties, names, withdrawal
from zuozhen.booking import (
    CSV_OPTIONAL,
    CSV_REQUIRED,
    Progress,
    Timing,
    Window,
    timing_json,
    unused_late,
    window_on,
)
from zuozhen.bookings_check import SUBMITTED, Line, Rejected, RowCheck
from zuozhen.deadlines import Due
from zuozhen.enterprises import CHUNK as IN_CHUNK
from zuozhen.enterprises import Keeper, Namesakes, screen
from zuozhen.errors import InputError
from zuozhen.files import csvin
from zuozhen.models import (
    Appeal,
    Booking,
    Enterprise,
)
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.store.trail import Event
from zuozhen.validation import (
    clean_text,
    month_key,
)

#: Rows checked and written at a time (memory stays flat whatever the file's size).
CHUNK = 2000

# -- 挂号导入 (CSV) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Imported:
    file: str
    encoding: str
    rows: int  # data rows read (blank lines not counted)
    imported: int  # appeals imported
    rejected: list[Rejected]
    bookings_created: list[str]
    bookings_extended: list[str]
    enterprises_created: int
    enterprises_updated: int
    late_reason: str | None  # given and used (some rows were outside their window)
    late_appeals: int
    window: Window  # the booking window of --today's month (rolling: --today alone)
    booked_from: date  # the booking dates of the appeals imported: first …
    booked_to: date  # … and last
    verify_due: date | None  # the earliest verification deadline of the appeals imported
    verify_dues: list[date]
    provisional: bool
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[withdrawal.Duplicate] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "rejected": [{"line": r.line, "error": r.error} for r in self.rejected],
            "file": self.file,
            "encoding": self.encoding,
            "rows": self.rows,
            "bookings_created": self.bookings_created,
            "bookings_extended": self.bookings_extended,
            "enterprises_created": self.enterprises_created,
            "enterprises_updated": self.enterprises_updated,
            **timing_json(self.window, self.late_reason),
            "late_appeals": self.late_appeals,
            "booked_from": self.booked_from,
            "booked_to": self.booked_to,
            "verify_due": self.verify_due,
            "verify_dues": self.verify_dues,
            "provisional": self.provisional,
            "ignored_columns": self.ignored_columns,
            "warnings": self.warnings,
            "duplicates": [d.as_json() for d in self.duplicates],
        }


class ImportRefused(InputError):
    """Nothing was imported; ``rejected`` lists every bad row (for --json)."""

    def __init__(self, message: str, rows: int, rejected: list[Rejected]) -> None:
        super().__init__(message)
        self.rows = rows
        self.rejected = rejected

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": 0,
            "rejected": [{"line": r.line, "error": r.error} for r in self.rejected],
            "rows": self.rows,
            "error": str(self),
        }


def _chunks(rows: Iterator[csvin.Row], n: int) -> Iterator[list[csvin.Row]]:
    while chunk := list(islice(rows, n)):
        yield chunk


# -- the import ---------------------------------------------------------------------------


def import_csv(
    case: CaseFile,
    act: Act,
    path: str | Path,
    *,
    strict: bool = False,
    late: str | None = None,
    progress: Progress | None = None,
    allow_new: bool = False,
    update_enterprise: bool = False,
) -> Imported:
    """Import the online window's export: one row per appeal, one booking per enterprise
    and month.

    The file (format, encoding, header) is checked first and refused as a whole if wrong.
    Then rows are read, checked and written a chunk at a time in one transaction: bad rows
    are reported with their line numbers and the good ones imported, or nothing at all
    with ``strict`` or when no row is good (``ImportRefused``). ``late`` (加号) applies to
    every row outside its month's booking window. As for ``book``: a region outside the
    configured list makes a bad row (``allow_new`` adds it), and so does a known credit
    code with another name or phone (``update_enterprise`` accepts the file's details).
    """
    f = csvin.open_csv(path, CSV_REQUIRED, (*CSV_OPTIONAL, SUBMITTED), ignore_unknown=True)
    config, calendar = case.config, case.calendar
    reason = clean_text(late, "加号原因（--late）", limit=200) if late is not None else None
    check = RowCheck(f, config, calendar, act.today, reason, allow_new)
    guard = _CommitGuard()
    try:
        with case.write(act) as tx:
            done = _import(tx, f, check, strict, progress, update_enterprise)
            guard.hold()  # from here on Ctrl-C waits for the commit
    finally:
        guard.release()
    if guard.interrupted:
        done.warnings.append("收到中断（Ctrl-C）时导入已在提交，数据已全部写入案卷。")
    return done


class _CommitGuard:
    """Defers Ctrl-C (SIGINT) while a transaction commits, so that an interruption either
    comes before the commit (everything rolled back) or is noted after it."""

    __slots__ = ("_held", "_previous", "interrupted")

    def __init__(self) -> None:
        self._held = False
        self._previous: Any = None
        self.interrupted = False

    def hold(self) -> None:
        if threading.current_thread() is threading.main_thread():  # signals: main thread only
            self._previous = signal.signal(signal.SIGINT, self._note)
            self._held = True

    def _note(self, _signum: int, _frame: FrameType | None) -> None:
        self.interrupted = True

    def release(self) -> None:
        if self._held:
            signal.signal(signal.SIGINT, self._previous or signal.default_int_handler)
            self._held = False


def _import(
    tx: Tx,
    f: csvin.CsvFile,
    check: RowCheck,
    strict: bool,
    progress: Progress | None,
    update: bool = False,
) -> Imported:
    w = _Writer(tx, update)
    bad: list[Rejected] = []
    rows = 0
    for chunk in _chunks(f.rows(), CHUNK):
        rows += len(chunk)
        good: list[Line] = []
        for row in chunk:
            checked = check(row)
            if isinstance(checked, Rejected):
                bad.append(checked)
            else:
                good.append(checked)
        good = w.screen(good, bad)
        keep = w.drop_repeats(good, bad)
        if keep and not (strict and bad):  # strict: check on, write no more
            w.write(keep)
        if progress is not None:
            progress(chunk[-1].line, f.lines)
    bad.sort(key=lambda r: r.line)
    if (strict and bad) or not w.imported:
        raise _refuse(f, rows, bad, strict)
    if progress is not None:
        progress(f.lines, f.lines)  # rows written; the trail follows
    return w.finish(f, rows, bad, check)


def _refuse(f: csvin.CsvFile, rows: int, bad: list[Rejected], strict: bool) -> ImportRefused:
    shown = "；".join(f"第 {r.line} 行：{r.error.rstrip('。')}" for r in bad[:5])
    more = f"（另有 {len(bad) - 5} 行有误）" if len(bad) > 5 else ""
    if strict:
        head = f"文件 {f.path} 有 {len(bad)} 行有误，按 --strict 未导入任何数据"
    elif not bad:
        return ImportRefused(f"文件 {f.path} 没有数据行，未导入任何数据。", rows, bad)
    else:
        head = f"文件 {f.path} 没有可导入的行（{len(bad)} 行有误），未导入任何数据"
    return ImportRefused(f"{head}：{shown}{more}。请改正后重新导入。", rows, bad)


# -- writing ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Month:
    """One booking month as the case file holds it, kept up to date as rows are written."""

    key: str  # 2026-10
    stem: str  # 202610, the booking numbers' prefix
    bookings: dict[str, str]  # uscc -> the month's booking
    seqs: dict[str, int]  # booking -> its last appeal number
    seen: dict[bytes, int]  # digest of (uscc, text) -> the line that booked it (0: before)


def _digest(uscc: str, text: str) -> bytes:
    return hashlib.blake2b(f"{uscc}\x00{text}".encode(), digest_size=16).digest()


class _Writer:
    """Writes checked rows chunk by chunk and remembers what the trail will say."""

    def __init__(self, tx: Tx, update: bool = False) -> None:
        self.tx = tx
        self.update = update
        self.months: dict[str, _Month] = {}
        self._by_day: dict[date, _Month] = {}
        self.keeper = Keeper(tx, update=update)
        self.namesakes = Namesakes()  # new codes under a name known with another code
        self.duplicates: list[withdrawal.Duplicate] = []
        self.duplicate_notes: list[str] = []
        self.regions: set[str] = set()  # the regions of the rows written (names.admit)
        self.created: list[str] = []  # bookings created, in order
        self._new: set[str] = set()  # the same, to look up
        self.extended: dict[str, None] = {}  # known bookings given appeals (ordered set)
        # (booking, uscc, booking date) -> [line, appeal number, line, appeal number, …]
        self.groups: dict[tuple[str, str, date], list[int]] = {}
        self.dues: dict[date, Due] = {}  # verification start -> its deadline
        self.imported = 0
        self.late = 0
        self.late_reason: str | None = None
        self.timings: dict[date, Timing] = {}  # booking date -> its timing

    def month(self, day: date) -> _Month:
        m = self._by_day.get(day)
        if m is None:
            key = month_key(day.year, day.month)
            m = self.months.get(key)
            if m is None:
                m = self.months[key] = self._load(key, f"{day.year:04d}{day.month:02d}")
            self._by_day[day] = m
        return m

    def _load(self, key: str, stem: str) -> _Month:
        """The month's bookings, their last appeal numbers and digests of their texts."""
        s = self.tx.session
        bookings: dict[str, str] = {
            uscc: bid
            for uscc, bid in s.exec(
                select(Booking.uscc, Booking.id).where(
                    Booking.month == key, Booking.channel == "坐诊"
                )
            )
            if uscc is not None  # a 坐诊 booking always has its enterprise
        }
        seqs: dict[str, int] = {}
        seen: dict[bytes, int] = {}
        if bookings:
            rows = s.execute(
                select(Booking.uscc, Appeal.booking_id, Appeal.seq, Appeal.text)
                .join(Booking, col(Booking.id) == col(Appeal.booking_id))
                .where(Appeal.month == key, Booking.channel == "坐诊")
                .execution_options(yield_per=2000)
            )
            for uscc, bid, seq, text in rows:
                seqs[bid] = max(seqs.get(bid, 0), seq)
                seen[_digest(uscc, text)] = 0
        return _Month(key, stem, bookings, seqs, seen)

    def screen(self, good: list[Line], bad: list[Rejected]) -> list[Line]:
        """Rows whose credit code is known (in the case file, or from an earlier row) with
        another name or phone go to ``bad``, unless ``update`` (``enterprises.screen``)."""
        if not good:
            return good
        found = screen(self.tx, [(x.line, x.who) for x in good], update=self.update)
        bad += [Rejected(line, why + "。") for line, why in found.refused.items()]
        self.namesakes.add(found.fresh)
        return [x for x in good if x.line not in found.refused]

    def drop_repeats(self, good: list[Line], bad: list[Rejected]) -> list[Line]:
        """Same text twice for one enterprise in one month: the repeat goes to ``bad``."""
        keep: list[Line] = []
        for x in good:
            m = self.month(x.day)
            key = _digest(x.who.uscc, x.text)
            first = m.seen.get(key)
            if first == 0:
                bid = m.bookings.get(x.who.uscc)
                bad.append(
                    Rejected(x.line, f"该企业本月已登记过相同的诉求（挂号 {bid}），未重复导入。")
                )
            elif first is not None:
                bad.append(Rejected(x.line, f"与第 {first} 行是同一企业的相同诉求，未重复导入。"))
            else:
                m.seen[key] = x.line
                keep.append(x)
        return keep

    def write(self, keep: list[Line]) -> None:
        known = withdrawal.known_texts(self.tx, {x.who.uscc for x in keep})
        self.regions.update(x.who.region for x in keep if x.who.region)
        self.keeper.keep([x.who for x in keep])
        self._bookings(keep)
        ids = self._appeals(keep)
        self._duplicates(keep, ids, known)

    def _duplicates(
        self, keep: list[Line], ids: list[str], known: dict[str, list[tuple[str, str]]]
    ) -> None:
        """Near-identical appeals of one enterprise (in the file, or with what it had before
        this chunk): each pointed out by line, with the ``merge`` command to run."""
        new: dict[str, list[tuple[str, str]]] = {}
        line_of: dict[str, int] = {}
        for x, aid in zip(keep, ids, strict=True):
            new.setdefault(x.who.uscc, []).append((aid, x.text))
            line_of[aid] = x.line
        found: list[withdrawal.Duplicate] = []
        for code, items in new.items():
            had = known.get(code, [])
            if len(items) + len(had) > 1:  # one appeal alone repeats nothing
                found += withdrawal.likely_duplicates(items, had)
        found.sort(key=lambda d: line_of[d.appeal])
        self.duplicates += found
        self.duplicate_notes += [d.warning(f"第 {line_of[d.appeal]} 行：") for d in found]

    def _bookings(self, keep: list[Line]) -> None:
        """New bookings of the chunk, numbered in one block per month, in file order."""
        fresh: dict[str, dict[str, Line]] = {}  # month -> uscc -> its first row
        for x in keep:
            m = self.month(x.day)
            if x.who.uscc not in m.bookings:
                fresh.setdefault(m.key, {}).setdefault(x.who.uscc, x)
        tx = self.tx
        for key, firsts in fresh.items():
            m = self.months[key]
            top = tx.allocate(f"booking:{key}", len(firsts))
            rows = []
            for n, (code, x) in enumerate(firsts.items(), top - len(firsts) + 1):
                bid = f"{m.stem}-{n:03d}"
                m.bookings[code] = bid
                self.created.append(bid)
                self._new.add(bid)
                rows.append(
                    {
                        "id": bid,
                        "month": key,
                        "seq": n,
                        "uscc": code,
                        "booked_on": x.day,
                        "late_reason": x.timing.late_reason,
                        "source": "导入",
                        "created_at": tx.at,
                    }
                )
            tx.session.execute(insert(Booking.__table__), rows)  # type: ignore[attr-defined]

    def _appeals(self, keep: list[Line]) -> list[str]:
        """The appeals, numbered on within their booking, and their verification duties."""
        tx = self.tx
        rows: list[dict[str, Any]] = []
        verify: dict[date, list[str]] = {}
        for x in keep:
            m = self.month(x.day)
            code = x.who.uscc
            bid = m.bookings[code]
            k = m.seqs.get(bid, 0) + 1
            m.seqs[bid] = k
            aid = f"{bid}-{k}"
            if bid not in self._new:
                self.extended[bid] = None
            self.groups.setdefault((bid, code, x.day), []).extend((x.line, k))
            verify.setdefault(x.timing.verify_start, []).append(aid)
            self.timings[x.day] = x.timing
            if x.timing.late_reason is not None:
                self.late += 1
                self.late_reason = x.timing.late_reason
            rows.append(
                {
                    "id": aid,
                    "booking_id": bid,
                    "seq": k,
                    "month": m.key,
                    "text": x.text,
                    "category": x.category,
                    "status": "booked",
                    "units": "[]",
                    "renotify": False,
                    "round": 1,
                    "resolved_on_spot": False,
                    "created_at": tx.at,
                    "updated_at": tx.at,
                }
            )
        tx.session.execute(insert(Appeal.__table__), rows)  # type: ignore[attr-defined]
        limit = tx.case.config.limits.verify
        for start, ids in verify.items():
            # 核实 and 接诊 (分类梳理、科学分办) run under one limit, as for ``book``.
            self.dues[start] = duties.open_many(tx, ids, "verify", start, limit, "wd")
            duties.open_many(tx, ids, "triage", start, limit, "wd")
        self.imported += len(rows)
        return [r["id"] for r in rows]

    def finish(self, f: csvin.CsvFile, rows: int, bad: list[Rejected], check: RowCheck) -> Imported:
        """The trail (a summary, then one event per booking and date) and the result."""
        tx = self.tx
        regions = sorted(self.regions)  # new ones added to the list (--allow-new)
        admitted = names.admit(
            tx, names.REGION, regions, allow_new=check.allow_new, via="book --from-csv"
        )
        changes = self.keeper.changes()
        dues = sorted({d.date for d in self.dues.values()})
        name = Path(f.path).name
        summary = {
            "file": name,
            "sha256": f.sha256,
            "encoding": f.encoding,
            "rows": rows,
            "imported": self.imported,
            "rejected": [[r.line, r.error] for r in bad],
            "bookings_created": self.created,
            "bookings_extended": list(self.extended),
            "enterprises_created": len(self.keeper.created),
            "enterprises_updated": sorted(changes),
            "late_reason": self.late_reason,
            "booked_on": sorted(self.timings),
            "verify_due": dues[0] if len(dues) == 1 else dues,
            "ignored_columns": f.ignored,
        }
        tx.record_many([Event("book.import", "import", f.sha256[:16], summary)])
        self._booking_events(name, changes)
        return Imported(
            file=f.path,
            encoding=f.encoding,
            rows=rows,
            imported=self.imported,
            rejected=bad,
            bookings_created=self.created,
            bookings_extended=list(self.extended),
            enterprises_created=len(self.keeper.created),
            enterprises_updated=len(changes),
            late_reason=self.late_reason,
            late_appeals=self.late,
            window=self._window(),
            booked_from=min(self.timings),
            booked_to=max(self.timings),
            verify_due=dues[0],
            verify_dues=dues,
            provisional=any(d.provisional for d in self.dues.values()),
            ignored_columns=list(f.ignored),
            warnings=self._warnings(f, check, admitted),
            duplicates=self.duplicates,
        )

    def _booking_events(self, file: str, changes: dict[str, dict[str, list[str | None]]]) -> None:
        """One event per (booking, booking date), written a chunk at a time."""
        told: set[str] = set()  # enterprises whose changes an event already carries
        groups = iter(self.groups.items())
        while chunk := list(islice(groups, 1000)):
            names = _names(self.tx, [code for (_, code, _), _ in chunk])
            events: list[Event] = []
            for (bid, code, day), pairs in chunk:
                timing = self.timings[day]
                events.append(
                    Event(
                        "book.import",
                        "booking",
                        bid,
                        {
                            "file": file,
                            "lines": pairs[0::2],
                            "uscc": code,
                            "enterprise": names[code],
                            "appeals": [f"{bid}-{k}" for k in pairs[1::2]],
                            "merged": bid not in self._new,
                            "booked_on": day,
                            "late_reason": timing.late_reason,
                            "verify_start": timing.verify_start,
                            "verify_due": self.dues[timing.verify_start].date,
                            "enterprise_changes": {} if code in told else changes.get(code, {}),
                        },
                    )
                )
                told.add(code)
            self.tx.record_many(events)

    def _window(self) -> Window:
        return window_on(self.tx.case.calendar, self.tx.case.config, self.tx.today)

    def _warnings(self, f: csvin.CsvFile, check: RowCheck, admitted: list[str]) -> list[str]:
        out = []
        note = csvin.ignored_note(f, (*CSV_REQUIRED, *CSV_OPTIONAL, SUBMITTED))
        if note:
            out.append(note)
        if check.late_given and not self.late:
            out.append(unused_late(self._window(), rows=True))
        out += self.namesakes.warnings(self.tx, self.keeper.created)
        out += admitted
        out += self.duplicate_notes
        return out


def _names(tx: Tx, codes: list[str]) -> dict[str, str]:
    """Enterprise names as they now stand (the file's last word)."""
    table = Enterprise.__table__  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    unique = list(dict.fromkeys(codes))
    for i in range(0, len(unique), IN_CHUNK):
        part = unique[i : i + IN_CHUNK]
        rows = tx.session.execute(select(table.c.uscc, table.c.name).where(table.c.uscc.in_(part)))
        out.update((code, name) for code, name in rows.all())
    return out
