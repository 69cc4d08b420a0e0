"""Steps 3 and 4 of the ten steps: 挂号 (booking) and 接诊 (triage).

* ``book``        挂号: one enterprise, one month, one or more appeals (诉求); a second
                  booking of the same enterprise in the same month adds its appeals to the
                  first (same booking number, appeals numbered on).
* ``import_csv``  挂号导入: the online window's export, one row per appeal, in bulk.
* ``triage``      接诊: classify (theme, 共性诉求 class), pick the units (分办), put the
                  appeal on a session (排诊) and record the verification with the enterprise.

Rules (seed 002 §三(三)(四), configuration ``limits``):

* The booking window is the first ``limits.booking_window`` working days of the month of
  the act (``--today``). Outside it a booking is refused unless a reason is given
  (``late``, 加号), which is stored on the booking and in the audit trail. A date before
  the window opens counts as outside it too.
* Verification (对接核实) is due ``limits.verify`` working days after the close of the
  booking window (its last day), or after the booking date for a late booking. The limit
  is stored as the appeal's ``verify`` duty when the appeal is booked.
* Enterprises are kept once per 统一社会信用代码 with their latest details; every change of
  name, contact, phone, region or industry is written into the booking's trail event
  (phones masked there, as everywhere outside the case file itself).
* The same appeal text twice for one enterprise in one month is not booked twice: on the
  command line the repeat is skipped with a warning; in an import the repeated row is
  rejected with its line number (so the online window's double submissions surface).
* The category defaults to the first configured one (政策咨询 in both presets).

Imports are built for size (100,000 rows well within 30 s): rows are validated in plain
Python, existing enterprises and the month's bookings are loaded with a few queries, and
enterprises, bookings, appeals, verify duties and trail events are written with
SQLAlchemy Core ``executemany`` inserts, all in one transaction. The trail gets one
summary event for the import (file, its SHA-256, encoding, rows, rejected lines, bookings
created and extended) and one event per booking touched, so ``history`` of an imported
appeal shows where it came from.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from zuozhen import duties, states
from zuozhen.config import Config
from zuozhen.deadlines import WorkCalendar
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.files import csvin
from zuozhen.models import (
    Appeal,
    Booking,
    Consultation,
    Counter,
    Deadline,
    Enterprise,
    Trail,
    TrailHead,
)
from zuozhen.store import trail
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import (
    choose,
    clean_text,
    mask_phone,
    month_key,
    normalize_phone,
    normalize_uscc,
    unlisted,
)

CSV_REQUIRED = ("企业名称", "统一社会信用代码", "联系人", "联系电话", "诉求类别", "诉求内容")
CSV_OPTIONAL = ("所属地区", "所属行业")
APPEAL_LIMIT = 2000
NAME_LIMIT = 200
ID_HINT = "诉求号形如 202610-007-1（挂号号-序号）；可用 zuozhen list 或 zuozhen search 关键词 查找"
_CHUNK = 500  # IN-list size for bulk look-ups (well under every engine's parameter limit)

#: Called as rows are checked: (rows checked, rows in the file); done == total means the
#: check is over and the (shorter to describe, longer to run) write phase begins.
Progress = Callable[[int, int], None]


# -- the booking window ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """The month's booking window: its first N working days."""

    month: str
    dates: list[date]
    provisional: bool

    @property
    def first(self) -> date:
        return self.dates[0]

    @property
    def last(self) -> date:
        return self.dates[-1]

    def describe(self) -> str:
        days = "、".join(f"{d.month}月{d.day}日" for d in self.dates)
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}（{days}）"


def booking_window(calendar: WorkCalendar, config: Config, year: int, month: int) -> Window:
    dates, provisional = calendar.first_workdays(year, month, config.limits.booking_window)
    return Window(month_key(year, month), dates, provisional)


@dataclass(frozen=True, slots=True)
class Timing:
    window: Window
    verify_start: date  # the verification clock starts the day after this
    late_reason: str | None


def _timing(calendar: WorkCalendar, config: Config, today: date, late: str | None) -> Timing:
    """On time, or late with a reason (加号); refused otherwise."""
    window = booking_window(calendar, config, today.year, today.month)
    if window.first <= today <= window.last:
        return Timing(window, window.last, None)
    if late is None:
        n = config.limits.booking_window
        when = "尚未开始" if today < window.first else "已经截止"
        raise RuleError(
            f"{today.isoformat()} 不在挂号窗口内：{today.year} 年 {today.month} 月的挂号窗口"
            f"（前 {n} 个工作日）为 {window.describe()}，{when}。"
            "如确需窗口外挂号（加号），请加 --late 原因，例如 --late “企业急需，经处室同意加号”。"
        )
    return Timing(window, max(today, window.last), late)


# -- the applicant -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str
    uscc: str
    contact: str
    phone: str
    region: str | None
    industry: str | None


def check_applicant(
    config: Config,
    *,
    enterprise: str,
    uscc: str,
    contact: str,
    phone: str,
    region: str | None = None,
    industry: str | None = None,
) -> tuple[Applicant, list[str]]:
    """Validate the enterprise's details; returns warnings (an unknown region) too."""
    who = Applicant(
        name=clean_text(enterprise, "企业名称", limit=NAME_LIMIT),
        uscc=normalize_uscc(uscc),
        contact=clean_text(contact, "联系人", limit=50),
        phone=normalize_phone(phone),
        region=clean_text(region, "所属地区", required=False, limit=50) or None,
        industry=clean_text(industry, "所属行业", required=False, limit=50) or None,
    )
    return who, region_warnings(config, who.region)


def region_warnings(config: Config, region: str | None) -> list[str]:
    return unlisted(region, config.regions, "地区", done="已按所填内容登记")


def category_of(config: Config, value: str | None) -> str:
    if value is None or not value.strip():
        return config.categories[0]
    return choose(value, config.categories, "诉求类别")


def _changes(old: Enterprise | dict[str, Any], new: Applicant) -> dict[str, list[str | None]]:
    """Fields whose value changes, as [old, new]; phones masked (PIPL)."""

    def get(name: str) -> Any:
        return old[name] if isinstance(old, dict) else getattr(old, name)

    out: dict[str, list[str | None]] = {}
    for name in ("name", "contact", "phone", "region", "industry"):
        value = getattr(new, name)
        if value is None and name in ("region", "industry"):
            continue  # not given: keep what is known
        before = get(name)
        if before != value:
            if name == "phone":
                out[name] = [mask_phone(before) if before else before, mask_phone(value)]
            else:
                out[name] = [before, value]
    return out


# -- 挂号 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Booked:
    booking: str
    appeals: list[str]
    texts: list[str]
    category: str
    enterprise: str
    uscc: str
    contact: str
    phone: str  # masked
    booked_on: date
    merged: bool  # added to the enterprise's booking of this month
    late_reason: str | None
    window: Window
    verify_due: date
    provisional: bool
    changed: dict[str, list[str | None]]
    skipped: list[str]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "booking": self.booking,
            "appeals": self.appeals,
            "merged": self.merged,
            "enterprise": self.enterprise,
            "uscc": self.uscc,
            "category": self.category,
            "booked_on": self.booked_on,
            "late": self.late_reason is not None,
            "late_reason": self.late_reason,
            "booking_window": self.window.dates,
            "verify_due": self.verify_due,
            "provisional": self.provisional,
            "skipped": self.skipped,
            "warnings": self.warnings,
        }


def _appeal_texts(appeals: Iterable[str]) -> tuple[list[str], list[str]]:
    """Cleaned appeal texts, and repeats dropped (kept once)."""
    texts: list[str] = []
    skipped: list[str] = []
    for i, raw in enumerate(appeals, 1):
        text = clean_text(raw, f"第 {i} 项诉求内容（--appeal）", limit=APPEAL_LIMIT)
        (skipped if text in texts else texts).append(text)
    if not texts:
        raise InputError("请用 --appeal 填写至少一项诉求内容（可重复 --appeal 填写多项）。")
    return texts, skipped


def book(
    case: CaseFile,
    act: Act,
    *,
    enterprise: str,
    uscc: str,
    contact: str,
    phone: str,
    appeals: list[str],
    category: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    late: str | None = None,
) -> Booked:
    """挂号: book the enterprise's appeals for the month of ``act.today``."""
    config = case.config
    who, warnings = check_applicant(
        config,
        enterprise=enterprise,
        uscc=uscc,
        contact=contact,
        phone=phone,
        region=region,
        industry=industry,
    )
    cat = category_of(config, category)
    texts, skipped = _appeal_texts(appeals)
    reason = clean_text(late, "加号原因（--late）", limit=200) if late is not None else None
    for attempt in (1, 2):
        try:
            with case.write(act) as tx:
                return _book(tx, who, cat, texts, list(skipped), reason, list(warnings))
        except IntegrityError:
            # PostgreSQL: another clerk created the same enterprise or booking a moment
            # ago; run again and join it. (SQLite serialises writers, so never here.)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _book(
    tx: Tx,
    who: Applicant,
    category: str,
    texts: list[str],
    skipped: list[str],
    late: str | None,
    warnings: list[str],
) -> Booked:
    config, today = tx.case.config, tx.today
    timing = _timing(tx.case.calendar, config, today, late)
    if late is not None and timing.late_reason is None:
        warnings.append("今天在挂号窗口内，按时挂号，--late 原因未使用。")
    month = month_key(today.year, today.month)

    ent = tx.get(Enterprise, who.uscc)
    changed: dict[str, list[str | None]] = {}
    if ent is None:
        tx.session.add(
            Enterprise(
                uscc=who.uscc,
                name=who.name,
                contact=who.contact,
                phone=who.phone,
                region=who.region,
                industry=who.industry,
                created_at=tx.at,
                updated_at=tx.at,
            )
        )
    else:
        changed = _changes(ent, who)
        if changed:
            ent.name, ent.contact, ent.phone = who.name, who.contact, who.phone
            ent.region = who.region or ent.region
            ent.industry = who.industry or ent.industry
            ent.updated_at = tx.at
            tx.session.add(ent)
    tx.session.flush()

    booking = tx.session.exec(
        select(Booking).where(Booking.month == month, Booking.uscc == who.uscc).with_for_update()
    ).first()
    merged = booking is not None
    seq0 = 0
    if booking is not None:
        rows = tx.session.exec(
            select(Appeal.seq, Appeal.text).where(Appeal.booking_id == booking.id)
        ).all()
        seq0 = max((s for s, _ in rows), default=0)
        known = {t for _, t in rows}
        fresh = [t for t in texts if t not in known]
        skipped += [t for t in texts if t in known]
        if not fresh:
            raise RuleError(
                f"企业“{who.name}”本月已挂号 {booking.id}，所填诉求都已登记在其中，没有新增内容："
                f"请用 zuozhen list --month {month} 查看，或填写新的诉求。"
            )
        texts = fresh
    else:
        n = tx.allocate(f"booking:{month}")
        booking = Booking(
            id=f"{today.year:04d}{today.month:02d}-{n:03d}",
            month=month,
            seq=n,
            uscc=who.uscc,
            booked_on=today,
            late_reason=timing.late_reason,
            source="窗口",
            created_at=tx.at,
        )
        tx.session.add(booking)
        tx.session.flush()

    ids = []
    for k, text in enumerate(texts, seq0 + 1):
        aid = f"{booking.id}-{k}"
        tx.session.add(
            Appeal(
                id=aid,
                booking_id=booking.id,
                seq=k,
                month=month,
                text=text,
                category=category,
                status="booked",
                created_at=tx.at,
                updated_at=tx.at,
            )
        )
        ids.append(aid)
    tx.session.flush()
    due = None
    for aid in ids:
        due = duties.open_duty(tx, aid, "verify", timing.verify_start, config.limits.verify, "wd")
    assert due is not None
    if skipped:
        warnings.append(
            f"{len(skipped)} 项诉求与已登记的内容相同，未重复登记：{'；'.join(skipped)}"
        )
    tx.record(
        "book",
        "booking",
        booking.id,
        {
            "uscc": who.uscc,
            "enterprise": who.name,
            "appeals": ids,
            "category": category,
            "merged": merged,
            "late_reason": timing.late_reason,
            "verify_start": timing.verify_start,
            "verify_due": due.due,
            "enterprise_changes": changed,
            "skipped": skipped,
        },
    )
    return Booked(
        booking=booking.id,
        appeals=ids,
        texts=texts,
        category=category,
        enterprise=who.name,
        uscc=who.uscc,
        contact=who.contact,
        phone=mask_phone(who.phone),
        booked_on=today,
        merged=merged,
        late_reason=timing.late_reason,
        window=timing.window,
        verify_due=due.due,
        provisional=due.provisional,
        changed=changed,
        skipped=skipped,
        warnings=warnings,
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
        top = _allocate_block(tx, f"booking:{month}", len(fresh))
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
    events: list[tuple[str, str, str, dict[str, Any]]] = [
        ("book.import", "import", table.sha256[:16], summary)
    ]
    names = {code: who.name for code, who in latest.items()}
    uscc_of = {bid: code for code, bid in bookings.items()}
    for bid, items in per_booking.items():
        code = uscc_of[bid]
        events.append(
            (
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
    append_events(tx, events)
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


def _allocate_block(tx: Tx, key: str, n: int) -> int:
    """Reserve ``n`` consecutive numbers of a counter; returns the last one."""
    table = Counter.__table__  # type: ignore[attr-defined]
    stmt: Any
    if tx.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(table).values(key=key, value=n)
        stmt = pg.on_conflict_do_update(index_elements=["key"], set_={"value": table.c.value + n})
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(table).values(key=key, value=n)
        stmt = lite.on_conflict_do_update(index_elements=["key"], set_={"value": table.c.value + n})
    return int(tx.session.execute(stmt.returning(table.c.value)).scalar_one())


def append_events(tx: Tx, events: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Append many trail events at once, hash-chained exactly as ``trail.append`` does."""
    s = tx.session
    s.flush()
    s.execute(update(TrailHead).where(col(TrailHead.id) == 1).values(id=1))
    head = s.get(TrailHead, 1)
    if head is None:
        head = TrailHead(id=1, last_id=0, last_hash=trail.GENESIS)
    prev = head.last_hash or trail.GENESIS
    operator, as_of, at = tx.act.operator, tx.today, tx.at
    rows = []
    for action, entity, entity_id, detail in events:
        body = trail.canonical(detail)
        digest = trail.row_hash(prev, at, as_of, operator, action, entity, entity_id, body)
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
    s.execute(insert(Trail.__table__), rows)  # type: ignore[attr-defined]
    last = s.execute(select(func.max(Trail.id))).scalar_one()
    head.last_id, head.last_hash = int(last), prev
    s.add(head)
    s.flush()


# -- 接诊 (triage) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Triaged:
    appeal: str
    status: str
    theme: str | None
    units: list[str]
    lead_unit: str | None
    session: str | None
    session_date: date | None
    problem_class: str | None
    verified_on: date | None
    verify_due: date | None
    verify_late: bool
    verify_provisional: bool
    notify_by: date | None
    renotify: bool
    warnings: list[str]
    hints: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "status": self.status,
            "theme": self.theme,
            "units": self.units,
            "lead_unit": self.lead_unit,
            "session": self.session,
            "session_date": self.session_date,
            "class": self.problem_class,
            "verified_on": self.verified_on,
            "verify_due": self.verify_due,
            "verify_late": self.verify_late,
            "provisional": self.verify_provisional,
            "notify_by": self.notify_by,
            "renotify": self.renotify,
            "warnings": self.warnings,
        }


def triage(
    case: CaseFile,
    act: Act,
    appeal_id: str,
    *,
    theme: str | None = None,
    units: list[str] | None = None,
    session: str | None = None,
    problem_class: str | None = None,
    verified: bool = False,
) -> Triaged:
    """接诊: classify, pick units, schedule and record the verification of one appeal."""
    theme_v = clean_text(theme, "主题（--theme）", limit=50) if theme is not None else None
    names = [clean_text(u, "单位（--unit）", limit=100) for u in units or []]
    dupes = sorted({u for u in names if names.count(u) > 1})
    if dupes:
        raise InputError(f"单位“{'、'.join(dupes)}”重复填写了：每个单位只写一次。")
    cls = clean_text(problem_class, "共性诉求类别（--class）", limit=100) if problem_class else None
    sid = session.strip().upper() if session is not None else None
    if sid == "":
        raise InputError("场次号不能为空：形如 S202610-01，可用 zuozhen session list 查看。")
    if theme_v is None and not names and sid is None and cls is None and not verified:
        raise InputError(
            "没有要记录的内容：请至少指定 --theme、--unit、--session、--class 或 --verified 之一。"
            "查看诉求请用 zuozhen show 诉求号。"
        )
    with case.write(act) as tx:
        return _triage(tx, appeal_id, theme_v, names, sid, cls, verified)


def _triage(
    tx: Tx,
    appeal_id: str,
    theme: str | None,
    units: list[str],
    sid: str | None,
    cls: str | None,
    verified: bool,
) -> Triaged:
    config, today = tx.case.config, tx.today
    key = (appeal_id or "").strip()
    a = tx.get(Appeal, key) if key else None
    if a is None:
        raise NotFoundError(f"没有诉求号为“{appeal_id}”的诉求：{ID_HINT}。")
    states.require(a.id, a.status, "triage")
    booking = tx.get(Booking, a.booking_id, lock=False)
    assert booking is not None
    if today < booking.booked_on:
        raise RuleError(
            f"办理日期 {today.isoformat()} 早于诉求 {a.id} 的挂号日期 "
            f"{booking.booked_on.isoformat()}：请检查 --today。"
        )
    warnings: list[str] = []
    hints: list[str] = []
    detail: dict[str, Any] = {}

    if theme is not None:
        if config.themes and theme not in config.themes:
            warnings += unlisted(theme, config.themes, "主题")
        a.theme = theme
        detail["theme"] = theme
    if units:
        for u in units:
            warnings += unlisted(u, config.units, "单位")
        a.units = json.dumps(units, ensure_ascii=False)
        a.lead_unit = units[0]
        detail["units"] = units
    if cls is not None:
        used = tx.session.exec(
            select(Appeal.problem_class)
            .where(col(Appeal.problem_class).is_not(None), Appeal.id != a.id)
            .distinct()
        ).all()
        known = [c for c in used if c]
        if cls not in known:
            close = difflib.get_close_matches(cls, known, n=3, cutoff=0.5)
            if close:
                hints.append(
                    f"已有相近的共性诉求类别：{'、'.join(close)}；如属同一类，请统一用已有名称"
                    f"（zuozhen triage {a.id} --class …），便于通报中归类统计。"
                )
        a.problem_class = cls
        detail["class"] = cls

    notify_by = None
    renotify = False
    session_row = None
    if sid is not None:
        session_row = tx.get(Consultation, sid, lock=False)
        if session_row is None:
            raise NotFoundError(
                f"没有场次号为“{sid}”的坐诊场次：场次号形如 S202610-01，"
                "请用 zuozhen session list 查看已安排的场次。"
            )
        if session_row.status == "cancelled":
            raise RuleError(
                f"场次 {sid}（{session_row.date.isoformat()}）已取消，不能排入：请另选场次"
                "（zuozhen session list）。"
            )
        if session_row.date < booking.booked_on:
            raise RuleError(
                f"场次 {sid} 在 {session_row.date.isoformat()}，早于诉求 {a.id} 的挂号日期 "
                f"{booking.booked_on.isoformat()}：请选挂号之后的场次（zuozhen session list）。"
            )
        if session_row.date < today:
            raise RuleError(
                f"场次 {sid} 已于 {session_row.date.isoformat()} 举行，不能再排入：请选之后的场次"
                "（zuozhen session list）。"
            )
        if a.session_id != sid or a.status not in ("scheduled", "notified"):
            before = a.session_id
            if a.status == "notified" or (before not in (None, sid) and a.notified_on):
                a.renotify = renotify = True
            d = duties.open_duty(
                tx, a.id, "notify", session_row.date, config.limits.notify_days, "before"
            )
            notify_by = d.due
            a.session_id = sid
            a.status = "scheduled"
            detail.update(session=sid, notify_by=notify_by, renotify=renotify)
            if before not in (None, sid):
                detail["moved_from"] = before
        else:
            current = duties.current(tx, a.id, "notify")
            notify_by = current.due if current else None
    if a.status == "booked":
        a.status = "triaged"

    verify_late = False
    if verified:
        if a.verified_on is not None:
            warnings.append(f"诉求 {a.id} 已于 {a.verified_on.isoformat()} 核实，本次不重复记录。")
        else:
            a.verified_on = today
            met = duties.meet(tx, a.id, "verify", today)
            verify_late = bool(met and met.late)
            detail["verified_on"] = today
            detail["verify_late"] = verify_late
    duty = tx.session.exec(
        select(Deadline)
        .where(Deadline.appeal_id == a.id, Deadline.step == "verify")
        .order_by(col(Deadline.id).desc())
    ).first()
    if duty is not None:
        verify_late = verify_late or bool(duty.late)
        if duty.done_on is None and today > duty.due:
            warnings.append(
                f"核实期限 {duty.due.isoformat()} 已过，尚未记录核实：请尽快与企业对接核实"
                f"（zuozhen triage {a.id} --verified）。"
            )
    if verify_late and verified and a.verified_on == today and duty is not None:
        warnings.append(
            f"核实晚于期限：应在 {duty.due.isoformat()} 前核实，实际 {today.isoformat()}，已记为逾期。"
        )
    if session_row is None and a.session_id is not None:
        session_row = tx.get(Consultation, a.session_id, lock=False)
    a.updated_at = tx.at
    tx.session.add(a)
    detail["status"] = a.status
    tx.record("triage", "appeal", a.id, detail)
    return Triaged(
        appeal=a.id,
        status=a.status,
        theme=a.theme,
        units=json.loads(a.units or "[]"),
        lead_unit=a.lead_unit,
        session=a.session_id,
        session_date=session_row.date if session_row else None,
        problem_class=a.problem_class,
        verified_on=a.verified_on,
        verify_due=duty.due if duty else None,
        verify_late=verify_late,
        verify_provisional=bool(duty.provisional) if duty else False,
        notify_by=notify_by,
        renotify=renotify,
        warnings=warnings,
        hints=hints,
    )
