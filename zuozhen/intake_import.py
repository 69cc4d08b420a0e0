"""受理导入: a channel's CSV export (the daily 12345 work orders), in bulk.

Header ``CSV_REQUIRED`` (+ ``CSV_OPTIONAL``; other columns are ignored and named in a
note), one row per work order and appeal, UTF-8 (with or without BOM) or GB18030
(``csvin``). A file with the 坐诊 booking header (``book --from-csv``'s) is refused as a
whole, saying which command takes it. Each row is checked by the rules of
``intake.intake``: 工单编号 (the channel's own number; the channel must have numbers),
受理时间 (the intake date: not after ``--today``, not before the case file's first year,
not in an earlier year whose calendar is not loaded), the enterprise (credit-code check,
a known code with another name or phone refused unless ``update_enterprise``), contact,
phone, text, category and region (on the configured list, or added: ``allow_new``).

Idempotent by 工单编号, so the daily export can be imported again: a row whose number the
case file already has for the channel with the same credit code and text is skipped
(counted in ``skipped``); the same number with another code or text is rejected naming
both; a number twice in the file likewise (the second skipped when the same). Bad rows
are reported by line, the good ones written in one transaction (``strict``: nothing if any
row is bad), so an interrupted import leaves nothing.

Each row becomes one intake (booking ``J{YYYYMM}-{NNNN}``, numbered in file order in one
block per month) holding one appeal ``…-1`` in state ``received`` with its ``triage`` time
limit (the channel's ``verify`` limit from the intake date). Rows are checked and written
a chunk at a time with the driver's ``executemany`` (``seal.insert_rows``: each column
bound as SQLAlchemy would, the records sealed from the inserted values, ``seal_rows``; the
chunk's deadlines in one insert, each intake date's due date computed once), and the search
index is filled for a chunk in one statement, its full-text indexes in one more each,
instead of by the per-row triggers (``search_index.bulk``). What stays in memory is small per work
order: its number and a 16-byte digest of (credit code, text). The trail gets one summary
event and one event per intake.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from zuozhen import duties, names, withdrawal
from zuozhen.booking import APPEAL_LIMIT, NAME_LIMIT
from zuozhen.bookings_check import Rejected
from zuozhen.bookings_import import ImportRefused as _Refused
from zuozhen.bookings_import import _CommitGuard
from zuozhen.config import Channel
from zuozhen.deadlines import Due
from zuozhen.enterprises import Applicant, Keeper, Namesakes, screen
from zuozhen.errors import InputError, RuleError
from zuozhen.files import csvin
from zuozhen.intake import REF_LIMIT, channel_of, date_problem, first_year
from zuozhen.models import Appeal, Booking
from zuozhen.store import seal, search_index
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.store.trail import Event
from zuozhen.validation import (
    choose,
    clean_text,
    month_key,
    normalize_phone,
    normalize_uscc,
    parse_submitted,
)

CSV_REQUIRED = (
    "工单编号",
    "受理时间",
    "企业名称",
    "统一社会信用代码",
    "联系人",
    "联系电话",
    "诉求内容",
)
CSV_OPTIONAL = ("诉求类别", "所属地区")
CHUNK = 2000


class ImportRefused(_Refused):
    """Nothing was imported; ``rejected`` lists every bad row (for --json)."""

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "skipped": 0}


@dataclass(frozen=True, slots=True)
class Imported:
    file: str
    encoding: str
    channel: str
    rows: int
    imported: int
    skipped: int
    rejected: list[Rejected]
    intakes: list[str]  # the bookings created (first and last are enough for most)
    enterprises_created: int
    triage_due: date | None
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": [{"line": r.line, "error": r.error} for r in self.rejected],
            "channel": self.channel,
            "file": self.file,
            "encoding": self.encoding,
            "rows": self.rows,
            "intakes": len(self.intakes),
            "first": self.intakes[0] if self.intakes else None,
            "last": self.intakes[-1] if self.intakes else None,
            "enterprises_created": self.enterprises_created,
            "triage_due": self.triage_due,
            "ignored_columns": self.ignored_columns,
            "warnings": self.warnings,
        }


@dataclass(slots=True)
class _Row:
    line: int
    ref: str
    day: date
    who: Applicant
    text: str
    category: str


def _digest(uscc: str, text: str) -> bytes:
    return hashlib.blake2b(f"{uscc}\x00{text}".encode(), digest_size=16).digest()


def open_file(path: str | Path) -> csvin.CsvFile:
    """The file, checked; a 坐诊 booking export is refused naming ``book --from-csv``."""
    try:
        return csvin.open_csv(path, CSV_REQUIRED, CSV_OPTIONAL, ignore_unknown=True)
    except InputError:
        if not _booking_file(path):
            raise
    from zuozhen.booking import CSV_REQUIRED as BOOKING

    raise InputError(
        f"文件 {path} 是坐诊挂号的导出文件（表头为 {','.join(BOOKING)}，没有工单编号）："
        "请用 zuozhen book --from-csv 导入挂号；intake --from-csv 导入其他渠道的工单，"
        f"表头须含 {','.join(CSV_REQUIRED)}。"
    )


def _booking_file(path: str | Path) -> bool:
    from zuozhen.booking import CSV_REQUIRED as BOOKING

    try:
        csvin.open_csv(path, BOOKING, (), ignore_unknown=True)
    except InputError:
        return False
    return True


# -- the import ---------------------------------------------------------------------------


def import_csv(
    case: CaseFile,
    act: Act,
    path: str | Path,
    *,
    channel: str,
    strict: bool = False,
    allow_new: bool = False,
    update_enterprise: bool = False,
) -> Imported:
    """Import a channel's export: one intake per row, idempotent by 工单编号."""
    ch = channel_of(case.config, channel)
    if not ch.number:
        raise RuleError(
            f"“{ch.name}”渠道不带渠道编号，不能按工单编号导入：请逐条用 zuozhen intake "
            f"--channel {ch.name} … 受理（带编号的渠道在配置 [channels] 中设 number = true）。"
        )
    f = open_file(path)
    guard = _CommitGuard()
    try:
        with case.write(act, bulk=True) as tx:
            w = _Writer(tx, ch, f, allow_new, update_enterprise)
            done = w.run(strict)
            guard.hold()  # from here on Ctrl-C waits for the commit
    finally:
        guard.release()
    return done


class _Writer:
    """Checks and writes the rows chunk by chunk; remembers what the trail will say."""

    def __init__(
        self, tx: Tx, ch: Channel, f: csvin.CsvFile, allow_new: bool, update: bool
    ) -> None:
        self.tx, self.ch, self.f = tx, ch, f
        self.allow_new, self.update = allow_new, update
        config = tx.case.config
        self.categories = config.categories
        self.keeper = Keeper(tx, update=update)
        self.namesakes = Namesakes()
        self.start_year = first_year(tx)
        self.dates: dict[str, date | str] = {}  # 受理时间 cell -> its date or the refusal
        self.regions: dict[str, str | InputError] = {}
        self.used_regions: set[str] = set()
        # 工单编号 -> digest of (code, text): the case file's, then the file's
        self.known: dict[str, bytes] = self._known()
        self.in_file: dict[str, int] = {}  # 工单编号 -> its line in the file
        self.skipped = 0
        self.imported = 0
        self.created: list[str] = []
        # per intake what its trail event says (Event objects made 5,000 at a time at the
        # end: 100,000 of them at once cost tens of MB)
        self.events: list[tuple[str, str, int, str, date, str]] = []
        self.duplicates: list[str] = []
        self.dues: dict[date, Due] = {}  # start -> its triage due date
        self.ix = f.index

    def _known(self) -> dict[str, bytes]:
        """The channel's work orders in the case file: number -> digest of (code, text).
        Read straight from the driver: on a re-import this is most of the work."""
        sql = (
            "SELECT b.ref, b.uscc, a.text FROM booking b JOIN appeal a ON a.booking_id = b.id"
            " WHERE b.channel = {m} AND b.ref IS NOT NULL"
        )
        conn = self.tx.session.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        rows = conn.exec_driver_sql(sql.format(m=mark), (self.ch.name,))
        return {ref: _digest(code or "", text) for ref, code, text in rows}

    def run(self, strict: bool) -> Imported:
        bad: list[Rejected] = []
        rows = 0
        it = self.f.rows()
        while chunk := list(islice(it, CHUNK)):
            rows += len(chunk)
            good = [x for x in (self._check(r, bad) for r in chunk) if x is not None]
            good = self._screen(good, bad)
            good = self._fresh(good, bad)
            if good and not (strict and bad):
                self._write(good)
        bad.sort(key=lambda r: r.line)
        if (strict and bad) or not (self.imported or self.skipped):
            raise _refuse(self.f, rows, bad, strict)
        return self._finish(rows, bad)

    # -- checking --------------------------------------------------------------------

    def _seen(self, row: csvin.Row) -> bool:
        """A work order already in the case file with the same code and text: skipped
        before the rest of the row is checked (a re-import reads little else)."""
        f = self.f
        had = self.known.get(f.cell(row, "工单编号").strip())
        if had is None:
            return False
        try:
            code = normalize_uscc(f.cell(row, "统一社会信用代码"))
            text = clean_text(f.cell(row, "诉求内容"), "诉求内容", limit=APPEAL_LIMIT)
        except InputError:
            return False
        if _digest(code, text) != had:
            return False
        self.skipped += 1
        return True

    def _check(self, row: csvin.Row, bad: list[Rejected]) -> _Row | None:
        if self._seen(row):
            return None
        errors: list[str] = []
        index, cells = self.f.index, row.cells
        width = len(cells)

        def cell(name: str) -> str:  # CsvFile.cell, inlined: nine calls a row
            i = index.get(name)
            return cells[i] if i is not None and i < width else ""

        ref = cell("工单编号").strip()
        if not ref:
            errors.append("工单编号为空")
        elif len(ref) > REF_LIMIT or len(ref.split()) > 1:  # a space inside
            errors.append(f"工单编号“{ref}”不合理：应为 {REF_LIMIT} 个字符以内、不含空格")
        day = self._date(cell("受理时间"), errors)
        name, code, contact, phone, text = _checked(cell, errors)
        category = self.categories[0]
        raw_cat = cell("诉求类别").strip()
        if raw_cat:
            category = _try(errors, choose, raw_cat, self.categories, "诉求类别")
        region = cell("所属地区").strip()
        if region:
            region = self._region(region, errors)
        if errors or day is None:
            bad.append(Rejected(row.line, "；".join(errors) + "。"))
            return None
        who = Applicant(name, code, contact, phone, region or None, None)
        return _Row(row.line, ref, day, who, text, category)

    def _date(self, raw: str, errors: list[str]) -> date | None:
        hit = self.dates.get(raw)
        if hit is None:
            try:
                day = parse_submitted(raw, "受理时间")
                why = date_problem(day, self.tx.today, self.start_year, self.tx.case.calendar)
                hit = why or day
            except InputError as exc:
                hit = str(exc).rstrip("。")
            self.dates[raw] = hit
        if isinstance(hit, str):
            errors.append(hit)
            return None
        return hit

    def _region(self, raw: str, errors: list[str]) -> str:
        hit = self.regions.get(raw)
        if hit is None:
            try:
                hit = names.check(self.tx.case.config, names.REGION, raw, allow_new=self.allow_new)
            except InputError as exc:
                hit = exc
            self.regions[raw] = hit
        if isinstance(hit, InputError):
            errors.append(str(hit).rstrip("。"))
            return ""
        self.used_regions.add(hit)
        return hit

    def _screen(self, good: list[_Row], bad: list[Rejected]) -> list[_Row]:
        if not good:
            return good
        found = screen(self.tx, [(x.line, x.who) for x in good], update=self.update)
        bad += [Rejected(line, why + "。") for line, why in found.refused.items()]
        self.namesakes.add(found.fresh)
        return [x for x in good if x.line not in found.refused]

    def _fresh(self, good: list[_Row], bad: list[Rejected]) -> list[_Row]:
        """Work orders already taken in: skipped when the same, rejected when not."""
        keep = []
        for x in good:
            key = _digest(x.who.uscc, x.text)
            had = self.known.get(x.ref)
            if had is None:
                self.known[x.ref] = key
                self.in_file[x.ref] = x.line
                keep.append(x)
            elif had == key:
                self.skipped += 1
            else:
                bad.append(Rejected(x.line, self._clash(x)))
        return keep

    def _clash(self, x: _Row) -> str:
        line = self.in_file.get(x.ref)
        if line is not None:
            return (
                f"工单编号 {x.ref} 与第 {line} 行相同，但信用代码或诉求内容不同：同一工单只能受理一次，"
                "请核对两行。"
            )
        conn = self.tx.session.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        row = conn.exec_driver_sql(
            "SELECT b.uscc, a.id, a.text FROM booking b JOIN appeal a ON a.booking_id = b.id"
            f" WHERE b.channel = {mark} AND b.ref = {mark}",
            (self.ch.name, x.ref),
        ).one()
        code, aid, text = row
        short = text if len(text) <= 30 else text[:29] + "…"
        now = x.text if len(x.text) <= 30 else x.text[:29] + "…"
        return (
            f"工单编号 {x.ref} 已受理为诉求 {aid}（信用代码 {code}，内容“{short}”），"
            f"本行为信用代码 {x.who.uscc}、内容“{now}”，两者不同：请核对工单，"
            "如确需更正已受理的内容请用 zuozhen amend。"
        )

    # -- writing ---------------------------------------------------------------------

    def _write(self, good: list[_Row]) -> None:
        tx = self.tx
        known = withdrawal.known_texts(tx, {x.who.uscc for x in good})
        self.keeper.keep([x.who for x in good])
        by_month: dict[str, list[_Row]] = {}
        for x in good:
            by_month.setdefault(month_key(x.day.year, x.day.month), []).append(x)
        bookings: list[dict[str, Any]] = []
        appeals: list[dict[str, Any]] = []
        starts: dict[date, list[str]] = {}
        new: dict[str, list[tuple[str, str]]] = {}
        line_of: dict[str, int] = {}
        for key, rows in by_month.items():
            top = tx.allocate(f"intake:{key}", len(rows))
            stem = key.replace("-", "")
            for n, x in enumerate(rows, top - len(rows) + 1):
                bid = f"J{stem}-{n:04d}"
                aid = f"{bid}-1"
                bookings.append(_booking(tx, bid, key, n, x, self.ch.name))
                appeals.append(_appeal(tx, aid, bid, key, x))
                starts.setdefault(x.day, []).append(aid)
                new.setdefault(x.who.uscc, []).append((aid, x.text))
                line_of[aid] = x.line
                self.created.append(bid)
                self.events.append((bid, aid, x.line, x.ref, x.day, x.who.uscc))
        seal.insert_rows(tx.session, Booking.__table__, bookings)  # type: ignore[attr-defined]
        with search_index.bulk(tx.session.connection(), "appeal") as index:
            seal.insert_rows(tx.session, Appeal.__table__, appeals)  # type: ignore[attr-defined]
            index([a["id"] for a in appeals])
        limit = self.ch.limits.verify
        duties.open_groups(tx, starts, "triage", limit, "wd", self.dues)
        self.imported += len(appeals)
        for code, items in new.items():
            had = known.get(code, [])
            if len(items) + len(had) > 1:
                for d in withdrawal.likely_duplicates(items, had):
                    self.duplicates.append(d.warning(f"第 {line_of[d.appeal]} 行："))

    def _finish(self, rows: int, bad: list[Rejected]) -> Imported:
        tx = self.tx
        admitted = names.admit(
            tx,
            names.REGION,
            sorted(self.used_regions),
            allow_new=self.allow_new,
            via="intake --from-csv",
        )
        name = Path(self.f.path).name
        summary = {
            "file": name,
            "sha256": self.f.sha256,
            "encoding": self.f.encoding,
            "channel": self.ch.name,
            "rows": rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": [[r.line, r.error] for r in bad],
            "intakes": [self.created[0], self.created[-1]] if self.created else [],
            "enterprises_created": len(self.keeper.created),
            "enterprise_changes": self.keeper.changes(),
            "ignored_columns": self.f.ignored,
        }
        tx.record_many([Event("intake.import", "import", self.f.sha256[:16], summary)])
        for i in range(0, len(self.events), 5000):
            part = self.events[i : i + 5000]
            tx.record_many([_event(*e, self.ch.name) for e in part])
        warnings = []
        note = csvin.ignored_note(self.f, (*CSV_REQUIRED, *CSV_OPTIONAL))
        if note:
            warnings.append(note)
        if self.skipped:
            warnings.append(f"{self.skipped} 行的工单编号已受理过（内容相同），已跳过。")
        warnings += self.namesakes.warnings(tx, self.keeper.created)
        warnings += admitted
        warnings += self.duplicates[:20]
        if len(self.duplicates) > 20:
            warnings.append(f"另有 {len(self.duplicates) - 20} 项诉求可能与该企业已有诉求重复。")
        return Imported(
            file=self.f.path,
            encoding=self.f.encoding,
            channel=self.ch.name,
            rows=rows,
            imported=self.imported,
            skipped=self.skipped,
            rejected=bad,
            intakes=self.created,
            enterprises_created=len(self.keeper.created),
            triage_due=min(d.date for d in self.dues.values()) if self.dues else None,
            ignored_columns=list(self.f.ignored),
            warnings=warnings,
        )


def _booking(tx: Tx, bid: str, key: str, n: int, x: _Row, channel: str) -> dict[str, Any]:
    return {
        "id": bid,
        "month": key,
        "seq": n,
        "uscc": x.who.uscc,
        "booked_on": x.day,
        "late_reason": None,
        "source": "导入",
        "created_at": tx.at,
        "channel": channel,
        "ref": x.ref,
        "event_id": None,
    }


def _appeal(tx: Tx, aid: str, bid: str, key: str, x: _Row) -> dict[str, Any]:
    return {
        "id": aid,
        "booking_id": bid,
        "seq": 1,
        "month": key,
        "text": x.text,
        "category": x.category,
        "status": "received",
        "units": "[]",
        "renotify": False,
        "round": 1,
        "resolved_on_spot": False,
        "created_at": tx.at,
        "updated_at": tx.at,
    }


def _event(bid: str, aid: str, line: int, ref: str, day: date, uscc: str, channel: str) -> Event:
    return Event(
        "intake.import",
        "booking",
        bid,
        {
            "line": line,
            "channel": channel,
            "ref": ref,
            "received_on": day,
            "uscc": uscc,
            "appeals": [aid],
        },
    )


def _checked(cell: Callable[[str], str], errors: list[str]) -> tuple[str, str, str, str, str]:
    """The row's enterprise name, credit code, contact, phone and text, checked: in one
    pass, and when something is wrong again one by one, each problem in ``errors``."""
    try:
        return (
            clean_text(cell("企业名称"), "企业名称", limit=NAME_LIMIT),
            normalize_uscc(cell("统一社会信用代码")),
            clean_text(cell("联系人"), "联系人", limit=50),
            normalize_phone(cell("联系电话")),
            clean_text(cell("诉求内容"), "诉求内容", limit=APPEAL_LIMIT),
        )
    except InputError:
        pass
    return (
        _try(errors, clean_text, cell("企业名称"), "企业名称", limit=NAME_LIMIT),
        _try(errors, normalize_uscc, cell("统一社会信用代码")),
        _try(errors, clean_text, cell("联系人"), "联系人", limit=50),
        _try(errors, normalize_phone, cell("联系电话")),
        _try(errors, clean_text, cell("诉求内容"), "诉求内容", limit=APPEAL_LIMIT),
    )


def _try(errors: list[str], fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        errors.append(str(exc).rstrip("。"))
        return ""


def _refuse(f: csvin.CsvFile, rows: int, bad: list[Rejected], strict: bool) -> ImportRefused:
    shown = "；".join(f"第 {r.line} 行：{r.error.rstrip('。')}" for r in bad[:5])
    more = f"（另有 {len(bad) - 5} 行有误）" if len(bad) > 5 else ""
    if strict and bad:
        head = f"文件 {f.path} 有 {len(bad)} 行有误，按 --strict 未导入任何数据"
    elif not bad:
        return ImportRefused(f"文件 {f.path} 没有数据行，未导入任何数据。", rows, bad)
    else:
        head = f"文件 {f.path} 没有可导入的行（{len(bad)} 行有误），未导入任何数据"
    return ImportRefused(f"{head}：{shown}{more}。请改正后重新导入。", rows, bad)
