"""Step 3 of the ten steps, in bulk: 挂号导入, the online window's CSV export.

One row per appeal, header ``CSV_REQUIRED`` (+ ``CSV_OPTIONAL``); every row is checked by
the same rules as ``booking.book``; bad rows are reported by physical line number, good
rows go in one transaction (``strict``: nothing if any row is bad). A repeated row (the
same appeal text of one enterprise in one month) is rejected with its line number, so the
online window's double submissions surface.

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
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import col, select

from zuozhen import duties
from zuozhen.booking import (
    _CHUNK,
    APPEAL_LIMIT,
    CSV_OPTIONAL,
    CSV_REQUIRED,
    NAME_LIMIT,
    Applicant,
    Progress,
    Timing,
    Window,
    _changes,
    _timing,
    region_warnings,
)
from zuozhen.config import Config
from zuozhen.errors import InputError
from zuozhen.files import csvin
from zuozhen.models import Appeal, Booking, Deadline, Enterprise
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
            "late": self.late_reason is not None,
            "late_reason": self.late_reason,
            "booking_window": self.window.dates,
            "verify_due": self.verify_due,
            "provisional": self.provisional,
            "warnings": self.warnings,
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


def _check_rows(
    table: csvin.Table, config: Config, progress: Progress | None
) -> tuple[list[_Line], list[Rejected], list[str]]:
    """Validate every row in plain Python; bad rows become ``Rejected`` with all reasons."""
    good: list[_Line] = []
    bad: list[Rejected] = []
    regions: dict[str, int] = {}
    width = len(table.columns)
    ix = table.index
    i_name, i_uscc, i_contact, i_phone, i_cat, i_text = (ix[c] for c in CSV_REQUIRED)
    i_region, i_industry = ix.get("所属地区"), ix.get("所属行业")
    usccs: dict[str, str | InputError] = {}
    phones: dict[str, str | InputError] = {}
    categories = config.categories
    total = len(table.rows)

    def cached(cache: dict[str, str | InputError], fn: Callable[[str], str], raw: str) -> str:
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

    for n, row in enumerate(table.rows, 1):
        if progress is not None and n % 2000 == 0:
            progress(n, total)
        cells = row.cells
        errors: list[str] = []
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                f"本行有 {len(cells)} 列，比表头的 {width} 列多（内容中的逗号须用引号括起）"
            )
            cells = cells[:width]
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))

        name = _try(errors, clean_text, cells[i_name], "企业名称", limit=NAME_LIMIT)
        code = _try(errors, cached, usccs, normalize_uscc, cells[i_uscc])
        contact = _try(errors, clean_text, cells[i_contact], "联系人", limit=50)
        phone = _try(errors, cached, phones, normalize_phone, cells[i_phone])
        raw_cat = cells[i_cat].strip()
        if raw_cat in categories:
            cat = raw_cat
        elif not raw_cat:
            errors.append(f"诉求类别为空：应为 {'、'.join(categories)} 之一")
            cat = ""
        else:
            cat = _try(errors, choose, raw_cat, categories, "诉求类别")
        text = _try(errors, clean_text, cells[i_text], "诉求内容", limit=APPEAL_LIMIT)
        region = industry = ""
        if i_region is not None:
            region = _try(errors, clean_text, cells[i_region], "所属地区", required=False, limit=50)
        if i_industry is not None:
            industry = _try(
                errors, clean_text, cells[i_industry], "所属行业", required=False, limit=50
            )
        if errors:
            bad.append(Rejected(row.line, "；".join(errors) + "。"))
            continue
        if region and config.regions and region not in config.regions:
            regions[region] = regions.get(region, 0) + 1
        who = Applicant(name, code, contact, phone, region or None, industry or None)
        good.append(_Line(row.line, who, cat, text))
    if progress is not None:
        progress(total, total)  # checked; writing follows
    warnings = []
    for region, count in sorted(regions.items()):
        for w in region_warnings(config, region):
            warnings.append(f"{w}，共 {count} 行")
    return good, bad, warnings


def _try(errors: list[str], fn: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """``fn(*args)``, or "" with its Chinese message added to ``errors``."""
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        errors.append(str(exc).rstrip("。"))
        return ""


def import_csv(
    case: CaseFile,
    act: Act,
    path: str | Path,
    *,
    strict: bool = False,
    late: str | None = None,
    progress: Progress | None = None,
) -> Imported:
    """Import the online window's export: one row per appeal, one booking per enterprise.

    The header is checked first (refused as a whole if wrong). Bad rows are reported with
    their line numbers; the good ones are imported in one transaction, or nothing at all
    with ``strict`` (then ``ImportRefused`` is raised). All rows are booked on
    ``act.today`` in its month, under the same booking-window rule as ``book``; ``late``
    applies to the whole file.
    """
    table = csvin.read_table(path, CSV_REQUIRED, CSV_OPTIONAL)
    config, calendar = case.config, case.calendar
    reason = clean_text(late, "加号原因（--late）", limit=200) if late is not None else None
    timing = _timing(calendar, config, act.today, reason)
    good, bad, warnings = _check_rows(table, config, progress)
    if late is not None and timing.late_reason is None:
        warnings.append("今天在挂号窗口内，按时挂号，--late 原因未使用。")
    with case.write(act) as tx:
        return _import(tx, table, timing, good, bad, warnings, strict)


def _refuse(table: csvin.Table, bad: list[Rejected], strict: bool) -> ImportRefused:
    bad = sorted(bad, key=lambda r: r.line)
    shown = "；".join(f"第 {r.line} 行：{r.error}" for r in bad[:5])
    more = f"（另有 {len(bad) - 5} 行有误）" if len(bad) > 5 else ""
    if strict:
        head = f"文件 {table.path} 有 {len(bad)} 行有误，按 --strict 未导入任何数据"
    else:
        head = f"文件 {table.path} 没有可导入的行（{len(bad)} 行有误），未导入任何数据"
    return ImportRefused(f"{head}：{shown}{more}。请改正后重新导入。", len(table.rows), bad)


def _import(
    tx: Tx,
    table: csvin.Table,
    timing: Timing,
    good: list[_Line],
    bad: list[Rejected],
    warnings: list[str],
    strict: bool,
) -> Imported:
    s = tx.session
    today, config = tx.today, tx.case.config
    month = month_key(today.year, today.month)

    # What the case file already knows: the enterprises named, the month's bookings.
    codes = list(dict.fromkeys(x.who.uscc for x in good))
    known: dict[str, dict[str, Any]] = {}
    ent_table = Enterprise.__table__  # type: ignore[attr-defined]
    for i in range(0, len(codes), _CHUNK):
        chunk = codes[i : i + _CHUNK]
        for r in s.execute(ent_table.select().where(ent_table.c.uscc.in_(chunk))).mappings():
            known[r["uscc"]] = dict(r)
    bookings: dict[str, str] = dict(
        s.exec(select(Booking.uscc, Booking.id).where(Booking.month == month)).all()
    )
    seqs: dict[str, int] = {}
    texts: dict[tuple[str, str], int] = {}  # (booking, text) -> line (0 = already booked)
    if bookings:
        rows = s.exec(
            select(Appeal.booking_id, Appeal.seq, Appeal.text)
            .join(Booking, col(Booking.id) == col(Appeal.booking_id))
            .where(Booking.month == month)
        ).all()
        for bid, seq, text in rows:
            seqs[bid] = max(seqs.get(bid, 0), seq)
            texts[(bid, text)] = 0

    # Same text twice for one enterprise this month: reject the repeat.
    keep: list[_Line] = []
    seen: dict[tuple[str, str], int] = {}
    for x in good:
        key = (bookings.get(x.who.uscc, x.who.uscc), x.text)
        first = seen.get(key, texts.get(key))
        if first is None:
            seen[key] = x.line
            keep.append(x)
        elif first == 0:
            bad.append(
                Rejected(x.line, f"该企业本月已登记过相同的诉求（挂号 {key[0]}），未重复导入。")
            )
        else:
            bad.append(Rejected(x.line, f"与第 {first} 行是同一企业的相同诉求，未重复导入。"))
    bad.sort(key=lambda r: r.line)
    if (strict and bad) or not keep:
        raise _refuse(table, bad, strict)

    # Enterprises: new ones inserted, known ones updated to the file's latest details.
    latest: dict[str, Applicant] = {}
    for x in keep:
        latest[x.who.uscc] = x.who
    new_ents: list[dict[str, Any]] = []
    upd_ents: list[dict[str, Any]] = []
    changes: dict[str, dict[str, list[str | None]]] = {}
    for code, who in latest.items():
        old = known.get(code)
        if old is None:
            new_ents.append(
                {
                    "uscc": code,
                    "name": who.name,
                    "contact": who.contact,
                    "phone": who.phone,
                    "region": who.region,
                    "industry": who.industry,
                    "created_at": tx.at,
                    "updated_at": tx.at,
                }
            )
            continue
        diff = _changes(old, who)
        if diff:
            changes[code] = diff
            upd_ents.append(
                {
                    "b_uscc": code,
                    "name": who.name,
                    "contact": who.contact,
                    "phone": who.phone,
                    "region": who.region or old["region"],
                    "industry": who.industry or old["industry"],
                    "updated_at": tx.at,
                }
            )
    if new_ents:
        s.execute(insert(ent_table), new_ents)
    if upd_ents:
        s.execute(
            update(ent_table)
            .where(ent_table.c.uscc == bindparam("b_uscc"))
            .values(
                name=bindparam("name"),
                contact=bindparam("contact"),
                phone=bindparam("phone"),
                region=bindparam("region"),
                industry=bindparam("industry"),
                updated_at=bindparam("updated_at"),
            ),
            upd_ents,
        )

    # Bookings: one per enterprise; numbers reserved as one block of the month's counter.
    fresh = [code for code in latest if code not in bookings]
    created: list[str] = []
    if fresh:
        top = tx.allocate(f"booking:{month}", len(fresh))
        stem = f"{today.year:04d}{today.month:02d}"
        rows_b = []
        for n, code in enumerate(fresh, top - len(fresh) + 1):
            bid = f"{stem}-{n:03d}"
            bookings[code] = bid
            created.append(bid)
            rows_b.append(
                {
                    "id": bid,
                    "month": month,
                    "seq": n,
                    "uscc": code,
                    "booked_on": today,
                    "late_reason": timing.late_reason,
                    "source": "导入",
                    "created_at": tx.at,
                }
            )
        s.execute(insert(Booking.__table__), rows_b)  # type: ignore[attr-defined]
    is_new = set(fresh)
    extended = [bookings[code] for code in latest if code not in is_new]

    # Appeals and their verify duties.
    due = duties.compute(tx, timing.verify_start, config.limits.verify, "wd")
    appeals: list[dict[str, Any]] = []
    limits: list[dict[str, Any]] = []
    per_booking: dict[str, list[tuple[str, int]]] = {}
    for x in keep:
        bid = bookings[x.who.uscc]
        k = seqs.get(bid, 0) + 1
        seqs[bid] = k
        aid = f"{bid}-{k}"
        per_booking.setdefault(bid, []).append((aid, x.line))
        appeals.append(
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
        limits.append(
            {
                "appeal_id": aid,
                "round": 1,
                "step": "verify",
                "unit": None,
                "start": timing.verify_start,
                "count": config.limits.verify,
                "rule": "wd",
                "due": due.date,
                "provisional": due.provisional,
                "done_on": None,
                "late": False,
            }
        )
    s.execute(insert(Appeal.__table__), appeals)  # type: ignore[attr-defined]
    s.execute(insert(Deadline.__table__), limits)  # type: ignore[attr-defined]

    # The trail: one summary event for the file, one event per booking touched.
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
        "enterprises_created": len(new_ents),
        "enterprises_updated": sorted(changes),
        "late_reason": timing.late_reason,
        "verify_due": due.date,
    }
    events = [Event("book.import", "import", table.sha256[:16], summary)]
    names = {code: who.name for code, who in latest.items()}
    uscc_of = {bid: code for code, bid in bookings.items()}
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
                    "enterprise": names[code],
                    "appeals": [aid for aid, _ in items],
                    "merged": code not in is_new,
                    "late_reason": timing.late_reason,
                    "verify_start": timing.verify_start,
                    "verify_due": due.date,
                    "enterprise_changes": changes.get(code, {}),
                },
            )
        )
    tx.record_many(events)
    return Imported(
        file=str(table.path),
        encoding=table.encoding,
        rows=len(table.rows),
        imported=len(appeals),
        rejected=bad,
        bookings_created=created,
        bookings_extended=extended,
        enterprises_created=len(new_ents),
        enterprises_updated=len(changes),
        late_reason=timing.late_reason,
        window=timing.window,
        verify_due=due.date,
        provisional=due.provisional,
        warnings=warnings,
    )
