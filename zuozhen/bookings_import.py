"""Step 3 of the ten steps, in bulk: 挂号导入, the online window's CSV export.

One row per appeal, header ``CSV_REQUIRED`` (+ ``CSV_OPTIONAL``); every row is checked by
the same rules as ``booking.book``; bad rows are reported by physical line number, good
rows go in one transaction (``strict``: nothing if any row is bad). A repeated row (the
same appeal text of one enterprise in one month) is rejected with its line number, so the
online window's double submissions surface; a near-identical one (the same after removing
punctuation and spaces, or an appeal the enterprise already has) is imported and pointed
out with the ``merge`` command to run (withdrawal.py).

Imports are built for size (100,000 rows well within 30 s): rows are validated in plain
Python, existing enterprises and the month's bookings are loaded with a few queries, and
enterprises, bookings, appeals, verify duties and trail events are written with
SQLAlchemy Core ``executemany`` inserts, all in one transaction. The trail gets one
summary event for the import (file, its SHA-256, encoding, rows, rejected lines, bookings
created and extended) and one event per booking touched, so ``history`` of an imported
appeal shows where it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from zuozhen import duties, names, withdrawal
from zuozhen.booking import (
    APPEAL_LIMIT,
    CSV_OPTIONAL,
    CSV_REQUIRED,
    NAME_LIMIT,
    Progress,
    Timing,
    Window,
    _timing,
    timing_json,
    unused_late,
)
from zuozhen.config import Config
from zuozhen.deadlines import Due
from zuozhen.enterprises import Applicant, Kept, keep_many, screen
from zuozhen.errors import InputError
from zuozhen.files import csvin
from zuozhen.models import (
    Appeal,
    Booking,
)
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.store.trail import Event
from zuozhen.validation import (
    choose,
    clean_text,
    month_key,
    normalize_phone,
    normalize_uscc,
)

# -- 挂号导入 (CSV) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    error: str


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
    late_reason: str | None
    window: Window
    verify_due: date | None
    provisional: bool
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
            "verify_due": self.verify_due,
            "provisional": self.provisional,
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


@dataclass(slots=True)
class _Line:
    line: int
    who: Applicant
    category: str
    text: str


# -- checking the rows ---------------------------------------------------------------------


class _RowCheck:
    """The rules of ``booking.book`` for one row of the file.

    Credit codes and phone numbers repeat across an export (an enterprise with several
    appeals): each distinct one is checked once.
    """

    __slots__ = (
        "_categories",
        "_optional",
        "_phones",
        "_region",
        "_regions",
        "_required",
        "_usccs",
        "_width",
    )

    def __init__(self, table: csvin.Table, config: Config, allow_new: bool = False) -> None:
        ix = table.index
        self._region = partial(names.check, config, names.REGION, allow_new=allow_new)
        self._regions: dict[str, str | InputError] = {}
        self._width = len(table.columns)
        self._required = tuple(ix[c] for c in CSV_REQUIRED)
        self._optional = (ix.get("所属地区"), ix.get("所属行业"))
        self._categories = config.categories
        self._usccs: dict[str, str | InputError] = {}
        self._phones: dict[str, str | InputError] = {}

    def __call__(self, row: csvin.Row) -> _Line | Rejected:
        errors: list[str] = []
        cells = self._cells(row.cells, errors)
        name, code, contact, phone, category, text = (cells[i] for i in self._required)
        name = _try(errors, clean_text, name, "企业名称", limit=NAME_LIMIT)
        code = _try(errors, _once, self._usccs, normalize_uscc, code)
        contact = _try(errors, clean_text, contact, "联系人", limit=50)
        phone = _try(errors, _once, self._phones, normalize_phone, phone)
        category = self._category(category, errors)
        text = _try(errors, clean_text, text, "诉求内容", limit=APPEAL_LIMIT)
        at_region, at_industry = self._optional
        region = _optional(errors, cells, at_region, "所属地区")
        if region:  # on the configured list (or new, with --allow-new)
            region = _try(errors, _once, self._regions, self._region, region)
        industry = _optional(errors, cells, at_industry, "所属行业")
        if errors:
            return Rejected(row.line, "；".join(errors) + "。")
        who = Applicant(name, code, contact, phone, region or None, industry or None)
        return _Line(row.line, who, category, text)

    def _cells(self, cells: list[str], errors: list[str]) -> list[str]:
        """The row cut or padded to the header's width; extra non-empty cells are an error."""
        width = self._width
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                f"本行有 {len(cells)} 列，比表头的 {width} 列多（内容中的逗号须用引号括起）"
            )
            cells = cells[:width]
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        return cells

    def _category(self, raw: str, errors: list[str]) -> str:
        value = raw.strip()
        if value in self._categories:
            return value
        if not value:
            errors.append(f"诉求类别为空：应为 {'、'.join(self._categories)} 之一")
            return ""
        return _try(errors, choose, value, self._categories, "诉求类别")


def _check_rows(
    table: csvin.Table, config: Config, progress: Progress | None, allow_new: bool = False
) -> tuple[list[_Line], list[Rejected], list[str]]:
    """Validate every row in plain Python; bad rows become ``Rejected`` with all reasons
    (a region outside the configured list among them, unless ``allow_new``)."""
    check = _RowCheck(table, config, allow_new)
    good: list[_Line] = []
    bad: list[Rejected] = []
    total = len(table.rows)
    for n, row in enumerate(table.rows, 1):
        if progress is not None and n % 2000 == 0:
            progress(n, total)
        checked = check(row)
        if isinstance(checked, Rejected):
            bad.append(checked)
        else:
            good.append(checked)
    if progress is not None:
        progress(total, total)  # checked; writing follows
    return good, bad, []


def _try(errors: list[str], fn: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """``fn(*args)``, or "" with its Chinese message added to ``errors``."""
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        errors.append(str(exc).rstrip("。"))
        return ""


def _once(cache: dict[str, str | InputError], fn: Callable[[str], str], raw: str) -> str:
    """``fn(raw)``, remembered (the refusal too) for the next row with the same value."""
    hit = cache.get(raw)
    if hit is None:
        try:
            hit = fn(raw)
        except InputError as exc:
            hit = exc
        cache[raw] = hit
    if isinstance(hit, InputError):
        raise hit
    return hit


def _optional(errors: list[str], cells: list[str], at: int | None, what: str) -> str:
    """An optional column's cleaned value ("" when the file has no such column)."""
    if at is None:
        return ""
    return _try(errors, clean_text, cells[at], what, required=False, limit=50)


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
    """Import the online window's export: one row per appeal, one booking per enterprise.

    The header is checked first (refused as a whole if wrong). Bad rows are reported with
    their line numbers; the good ones are imported in one transaction, or nothing at all
    with ``strict`` (then ``ImportRefused`` is raised). All rows are booked on
    ``act.today`` in its month, under the same booking-window rule as ``book``; ``late``
    applies to the whole file. As for ``book``: a region outside the configured list makes
    a bad row (``allow_new`` adds it), and so does a known credit code with another name or
    phone (``update_enterprise`` accepts the file's details).
    """
    table = csvin.read_table(path, CSV_REQUIRED, CSV_OPTIONAL)
    config, calendar = case.config, case.calendar
    reason = clean_text(late, "加号原因（--late）", limit=200) if late is not None else None
    timing = _timing(calendar, config, act.today, reason)
    good, bad, warnings = _check_rows(table, config, progress, allow_new)
    if late is not None and timing.late_reason is None:
        warnings.append(unused_late(timing))
    with case.write(act) as tx:
        good = _identities(tx, good, bad, warnings, update_enterprise, allow_new)
        return _import(tx, table, timing, good, bad, warnings, strict, update_enterprise)


def _identities(
    tx: Tx, good: list[_Line], bad: list[Rejected], warnings: list[str], update: bool, new: bool
) -> list[_Line]:
    """Rows whose credit code is known with another name or phone go to ``bad`` (unless
    ``update``); new regions are added to the configured list (``--allow-new``)."""
    found = screen(tx, [(x.line, x.who) for x in good], update=update)
    bad += [Rejected(line, why + "。") for line, why in found.refused.items()]
    warnings += found.warnings
    good = [x for x in good if x.line not in found.refused]
    regions = sorted({x.who.region for x in good if x.who.region})
    warnings += names.admit(tx, names.REGION, regions, allow_new=new, via="book --from-csv")
    return good


def _refuse(table: csvin.Table, bad: list[Rejected], strict: bool) -> ImportRefused:
    bad = sorted(bad, key=lambda r: r.line)
    shown = "；".join(f"第 {r.line} 行：{r.error}" for r in bad[:5])
    more = f"（另有 {len(bad) - 5} 行有误）" if len(bad) > 5 else ""
    if strict:
        head = f"文件 {table.path} 有 {len(bad)} 行有误，按 --strict 未导入任何数据"
    else:
        head = f"文件 {table.path} 没有可导入的行（{len(bad)} 行有误），未导入任何数据"
    return ImportRefused(f"{head}：{shown}{more}。请改正后重新导入。", len(table.rows), bad)


# -- writing ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Held:
    """What the case file already holds of the month's bookings."""

    bookings: dict[str, str]  # uscc -> this month's booking
    seqs: dict[str, int]  # booking -> its last appeal number
    texts: set[tuple[str, str]]  # (booking, appeal text) already booked


def _import(
    tx: Tx,
    table: csvin.Table,
    timing: Timing,
    good: list[_Line],
    bad: list[Rejected],
    warnings: list[str],
    strict: bool,
    update: bool = False,
) -> Imported:
    month = month_key(tx.today.year, tx.today.month)
    held = _load_existing(tx, month)
    keep = _drop_repeats(good, held, bad)
    bad.sort(key=lambda r: r.line)
    if (strict and bad) or not keep:
        raise _refuse(table, bad, strict)
    latest = {x.who.uscc: x.who for x in keep}  # the file's last word on each enterprise
    known = withdrawal.known_texts(tx, latest)
    enterprises = keep_many(tx, latest, update=update)
    created, extended = _write_bookings(tx, month, timing, latest, held.bookings)
    appeals = _write_appeals(tx, month, keep, held)
    duplicates = _duplicates(keep, appeals, known, warnings)
    verify = tx.case.config.limits.verify
    ids = [aid for _, aid, _ in appeals]
    due = duties.open_many(tx, ids, "verify", timing.verify_start, verify, "wd")
    duties.open_many(tx, ids, "triage", timing.verify_start, verify, "wd")
    _write_trail(
        tx, table, timing, due, bad, latest, held.bookings, enterprises, created, extended, appeals
    )
    return Imported(
        file=str(table.path),
        encoding=table.encoding,
        rows=len(table.rows),
        imported=len(appeals),
        rejected=bad,
        bookings_created=created,
        bookings_extended=extended,
        enterprises_created=enterprises.created,
        enterprises_updated=len(enterprises.changes),
        late_reason=timing.late_reason,
        window=timing.window,
        verify_due=due.date,
        provisional=due.provisional,
        warnings=warnings,
        duplicates=duplicates,
    )


def _duplicates(
    keep: list[_Line],
    appeals: list[tuple[str, str, int]],
    known: dict[str, list[tuple[str, str]]],
    warnings: list[str],
) -> list[withdrawal.Duplicate]:
    """Near-identical appeals of one enterprise (in the file, or with what it had): each
    pointed out in ``warnings`` by line, with the ``merge`` command to run."""
    new: dict[str, list[tuple[str, str]]] = {}
    line_of: dict[str, int] = {}
    for x, (_, aid, line) in zip(keep, appeals, strict=True):
        new.setdefault(x.who.uscc, []).append((aid, x.text))
        line_of[aid] = line
    found: list[withdrawal.Duplicate] = []
    for code, items in new.items():
        had = known.get(code, [])
        if len(items) + len(had) > 1:  # one appeal alone repeats nothing
            found += withdrawal.likely_duplicates(items, had)
    found.sort(key=lambda d: line_of[d.appeal])
    warnings += [d.warning(f"第 {line_of[d.appeal]} 行：") for d in found]
    return found


def _load_existing(tx: Tx, month: str) -> _Held:
    """The month's bookings, their last appeal numbers and their appeal texts."""
    s = tx.session
    bookings: dict[str, str] = dict(
        s.exec(select(Booking.uscc, Booking.id).where(Booking.month == month)).all()
    )
    seqs: dict[str, int] = {}
    texts: set[tuple[str, str]] = set()
    if bookings:
        rows = s.exec(
            select(Appeal.booking_id, Appeal.seq, Appeal.text)
            .join(Booking, col(Booking.id) == col(Appeal.booking_id))
            .where(Booking.month == month)
        ).all()
        for bid, seq, text in rows:
            seqs[bid] = max(seqs.get(bid, 0), seq)
            texts.add((bid, text))
    return _Held(bookings, seqs, texts)


def _drop_repeats(good: list[_Line], held: _Held, bad: list[Rejected]) -> list[_Line]:
    """Same text twice for one enterprise this month: the repeat is rejected (into ``bad``)."""
    keep: list[_Line] = []
    seen: dict[tuple[str, str], int] = {}  # (booking or uscc, text) -> its first line
    for x in good:
        key = (held.bookings.get(x.who.uscc, x.who.uscc), x.text)
        first = seen.get(key)
        if key in held.texts:
            bad.append(
                Rejected(x.line, f"该企业本月已登记过相同的诉求（挂号 {key[0]}），未重复导入。")
            )
        elif first is not None:
            bad.append(Rejected(x.line, f"与第 {first} 行是同一企业的相同诉求，未重复导入。"))
        else:
            seen[key] = x.line
            keep.append(x)
    return keep


def _write_bookings(
    tx: Tx, month: str, timing: Timing, latest: dict[str, Applicant], bookings: dict[str, str]
) -> tuple[list[str], list[str]]:
    """One booking per enterprise: new ones (added to ``bookings``) and those extended.

    The new bookings' numbers are reserved as one block of the month's counter.
    """
    fresh = [code for code in latest if code not in bookings]
    extended = [bookings[code] for code in latest if code in bookings]
    created: list[str] = []
    if fresh:
        top = tx.allocate(f"booking:{month}", len(fresh))
        stem = f"{tx.today.year:04d}{tx.today.month:02d}"
        rows = []
        for n, code in enumerate(fresh, top - len(fresh) + 1):
            bid = f"{stem}-{n:03d}"
            bookings[code] = bid
            created.append(bid)
            rows.append(
                {
                    "id": bid,
                    "month": month,
                    "seq": n,
                    "uscc": code,
                    "booked_on": tx.today,
                    "late_reason": timing.late_reason,
                    "source": "导入",
                    "created_at": tx.at,
                }
            )
        tx.session.execute(insert(Booking.__table__), rows)  # type: ignore[attr-defined]
    return created, extended


def _write_appeals(
    tx: Tx, month: str, keep: list[_Line], held: _Held
) -> list[tuple[str, str, int]]:
    """The appeals, numbered on within their booking: (booking, appeal, line), file order."""
    seqs = held.seqs
    written: list[tuple[str, str, int]] = []
    rows: list[dict[str, Any]] = []
    for x in keep:
        bid = held.bookings[x.who.uscc]
        k = seqs.get(bid, 0) + 1
        seqs[bid] = k
        aid = f"{bid}-{k}"
        written.append((bid, aid, x.line))
        rows.append(
            {
                "id": aid,
                "booking_id": bid,
                "seq": k,
                "month": month,
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
    return written


def _write_trail(
    tx: Tx,
    table: csvin.Table,
    timing: Timing,
    due: Due,
    bad: list[Rejected],
    latest: dict[str, Applicant],
    bookings: dict[str, str],
    enterprises: Kept,
    created: list[str],
    extended: list[str],
    appeals: list[tuple[str, str, int]],
) -> None:
    """One summary event for the file, one event per booking touched."""
    name = Path(table.path).name
    summary = {
        "file": name,
        "sha256": table.sha256,
        "encoding": table.encoding,
        "rows": len(table.rows),
        "imported": len(appeals),
        "rejected": [[r.line, r.error] for r in bad],
        "bookings_created": created,
        "bookings_extended": extended,
        "enterprises_created": enterprises.created,
        "enterprises_updated": sorted(enterprises.changes),
        "late_reason": timing.late_reason,
        "verify_due": due.date,
    }
    events = [Event("book.import", "import", table.sha256[:16], summary)]
    per_booking: dict[str, list[tuple[str, int]]] = {}
    for bid, aid, line in appeals:
        per_booking.setdefault(bid, []).append((aid, line))
    uscc_of = {bookings[code]: code for code in latest}
    is_new = set(created)
    for bid, items in per_booking.items():
        code = uscc_of[bid]
        events.append(
            Event(
                "book.import",
                "booking",
                bid,
                {
                    "file": name,
                    "lines": [line for _, line in items],
                    "uscc": code,
                    "enterprise": latest[code].name,
                    "appeals": [aid for aid, _ in items],
                    "merged": bid not in is_new,
                    "late_reason": timing.late_reason,
                    "verify_start": timing.verify_start,
                    "verify_due": due.date,
                    "enterprise_changes": enterprises.changes.get(code, {}),
                },
            )
        )
    tx.record_many(events)
