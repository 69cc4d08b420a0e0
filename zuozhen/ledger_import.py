"""``ledger import``: a rectification list (整改清单) from CSV or XLSX into a ledger.

The header is ``序号,问题,责任单位,整改措施,完成时限`` (整改措施 may be empty; columns in any
order; other columns are refused as for every import). 责任单位 lists one or more units
separated by 、 (also ，/,/；), the first leading; each must be a configured unit
(``--allow-new`` adds the new ones, recorded). 完成时限 is a date (2026-12-31, 2026/12/31 or
2026年12月31日, a spreadsheet date cell) on a working day, not before today. 序号 is a whole
number, once in the file and not yet in the ledger; it is the item's number
(``L2026-01-003``).

Each bad row is named with its line (the header is line 1; in a workbook, its row) and
what is wrong; the good rows are imported, or with ``--strict`` nothing is imported when
any row is bad. A file with no good row changes nothing and is refused. Everything is one
transaction (``CaseFile.write``): an interrupted import leaves nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from zuozhen import ledgers, names
from zuozhen.errors import InputError, ZuozhenError
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import clean_text, parse_submitted

HEADER = ("序号", "问题", "责任单位", "整改措施", "完成时限")
REQUIRED = ("序号", "问题", "责任单位", "完成时限")
_SPLIT = re.compile(r"[、，,；;]+")


@dataclass(frozen=True, slots=True)
class Imported:
    ledger: str
    imported: int
    rejected: list[dict[str, Any]]
    ids: list[str]
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "ledger": self.ledger,
            "imported": self.imported,
            "rejected": self.rejected,
            "ids": self.ids,
        }


def read_rows(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """The file's data rows as (line, {column: text}): XLSX by its suffix, else CSV."""
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(p)
    from zuozhen.files import csvin

    t = csvin.read_table(p, REQUIRED, ("整改措施",))
    return [(row.line, {c: t.cell(row, c).strip() for c in HEADER}) for row in t.rows]


def _xlsx_rows(p: Path) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    where = f"文件 {p}"
    if not p.is_file():
        raise InputError(f"找不到{where}：请检查路径和文件名。")
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception:
        raise InputError(
            f"无法读取{where}：它不是有效的 Excel（.xlsx）文件，请检查后重新保存。"
        ) from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        head_at, index = _find_header(rows, where)
        out = []
        for n, cells in enumerate(rows, head_at + 1):
            values = {c: _cell(cells[i] if i < len(cells) else None) for c, i in index.items()}
            if any(values.values()):
                out.append((n, {c: values.get(c, "") for c in HEADER}))
        return out
    finally:
        wb.close()


def _find_header(rows: Any, where: str) -> tuple[int, dict[str, int]]:
    """The header row (the first row naming 序号, within the first ten: a title may sit above)."""
    for n, cells in enumerate(rows, 1):
        texts = [_cell(c) for c in cells]
        if "序号" in texts:
            index = {t: i for i, t in enumerate(texts) if t in HEADER}
            missing = [c for c in REQUIRED if c not in index]
            if missing:
                raise InputError(
                    f"{where} 的表头缺少列“{'”“'.join(missing)}”：表头应为 {'，'.join(HEADER)}。"
                    "本次未导入任何数据。"
                )
            return n, index
        if n >= 10:
            break
    raise InputError(f"{where} 中找不到表头（{'，'.join(HEADER)}）：本次未导入任何数据。")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def import_file(
    case: CaseFile,
    act: Act,
    ledger_id: str,
    path: str | Path,
    *,
    strict: bool = False,
    allow_new: bool = False,
) -> Imported:
    """``ledger import``: check every row, then store the good ones in one transaction."""
    rows = read_rows(path)
    if not rows:
        raise InputError(f"文件 {path} 没有数据行：本次未导入任何数据。")
    with case.write(act, bulk=True) as tx:
        ledger = ledgers.load(tx, ledger_id)
        items, rejected, warnings = _check_rows(tx, ledger.id, rows, allow_new=allow_new)
        if rejected and (strict or not items):
            shown = "；".join(f"第 {r['line']} 行：{r['error']}" for r in rejected[:20])
            more = f"……共 {len(rejected)} 行有误" if len(rejected) > 20 else ""
            why = "--strict：有错误行时全部不导入" if strict else "没有可以导入的行"
            raise InputError(f"{shown}{more}。{why}，本次未导入任何数据；请改正后重新导入。")
        new_units = sorted({u for it in items for u in it.units})
        warnings = (
            names.admit(tx, names.UNIT, new_units, allow_new=allow_new, via="ledger import")
            + warnings
        )
        ids = ledgers.add_many(tx, ledger, items)
        tx.record(
            "ledger.import",
            "ledger",
            ledger.id,
            {"file": str(path), "imported": len(ids), "rejected": len(rejected)},
        )
        return Imported(ledger.id, len(ids), rejected, ids, warnings)


def _check_rows(
    tx: Tx, ledger_id: str, rows: list[tuple[int, dict[str, str]]], *, allow_new: bool
) -> tuple[list[ledgers.Item], list[dict[str, Any]], list[str]]:
    from sqlmodel import select

    from zuozhen.models import Appeal

    taken = set(tx.session.exec(select(Appeal.seq).where(Appeal.booking_id == ledger_id)).all())
    config = names.stored_config(tx)
    items: list[ledgers.Item] = []
    rejected: list[dict[str, Any]] = []
    warnings: list[str] = []
    seen: dict[int, int] = {}
    dues: dict[date, list[str] | ZuozhenError] = {}  # each 完成时限 checked once
    for line, cells in rows:
        try:
            it = _item(tx, config, cells, allow_new=allow_new)
            if it.seq in taken:
                raise InputError(f"序号 {it.seq} 在台账 {ledger_id} 中已有事项")
            if it.seq in seen:
                raise InputError(f"序号 {it.seq} 与第 {seen[it.seq]} 行重复")
            warnings += _due_checked(tx, dues, it.due)
        except ZuozhenError as exc:
            rejected.append({"line": line, "error": str(exc).rstrip("。")})
            continue
        seen[it.seq] = line
        items.append(it)
    return items, rejected, sorted(set(warnings))


def _due_checked(tx: Tx, dues: dict[date, list[str] | ZuozhenError], due: date) -> list[str]:
    """``ledgers.check_due`` once per date: its warnings, or its refusal raised again."""
    if due not in dues:
        try:
            dues[due] = ledgers.check_due(tx, due, tip="请改填 {next} 或其他工作日。")
        except ZuozhenError as exc:
            dues[due] = exc
    got = dues[due]
    if isinstance(got, ZuozhenError):
        raise got.with_traceback(None)
    return got


def _item(tx: Tx, config: Any, cells: dict[str, str], *, allow_new: bool) -> ledgers.Item:
    raw = cells["序号"].strip()
    if not raw.isdigit() or not 1 <= int(raw) <= ledgers.MAX_SEQ:
        shown = f"“{raw}”" if raw else "为空"
        raise InputError(f"序号{shown}不对：应为正整数")
    text = clean_text(cells["问题"], "问题")
    units = [u.strip() for u in _SPLIT.split(cells["责任单位"]) if u.strip()]
    if not units:
        raise InputError("责任单位为空：请填写单位，多个单位用“、”分隔，第一个为牵头单位")
    if len(set(units)) < len(units):
        raise InputError(f"责任单位“{cells['责任单位']}”中有重复的单位")
    for u in units:
        found = names.standing(config, names.UNIT, u)
        if found != names.ACTIVE and (found == names.RETIRED or not allow_new):
            raise names.refusal(config, names.UNIT, u)
    due = parse_submitted(cells["完成时限"], "完成时限")
    measures = clean_text(cells.get("整改措施"), "整改措施", required=False) or None
    return ledgers.Item(int(raw), text, units, due, measures)
