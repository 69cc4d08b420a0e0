"""The unit's workbook (交办事项办理表): its layout in openpyxl, written and read back.

The organiser sends a unit one workbook of its open items (``assign sheet``); the unit fills
in the white columns and sends it back (``assign import``). This module knows only the
file: where the title, the header and the rows are, how cells are protected and checked,
how a date typed in Excel, WPS or as text is read. What the rows mean and which rules apply
is ``zuozhen/unit_sheets.py``.

Layout of the sheet ``交办事项``: row 1 the title (the unit and the date), row 2 a line on
how to fill it in, row 3 the header (``HEADER``; the names of ``FILL_IN`` are fixed by
the command contract), one row per item below. The fact columns are locked (sheet
protection without a password: it guards against slips, not against the unit), the
fill-in cells unlocked, with data validation (a date column; lengths of texts). Printed
landscape on A4, one page wide, the header repeated on every page. A second sheet
``说明`` explains each column. A very hidden sheet ``zuozhen`` records for whom and when the
workbook was made and the hand-off round of each row, so the import knows the unit (a
co-unit's 反馈内容 is its part of a joint hand-off) and notices a row made for an earlier
round.

Reading: the header row is looked for in the first rows of the sheets (a unit may have
inserted a line above it); columns are found by name, so added or moved columns do not
matter. Row numbers are the sheet's own (what Excel shows at the left).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from zuozhen.errors import InputError
from zuozhen.files.outfiles import check_target, replacing
from zuozhen.validation import HANDLER_LIMIT, MAX_TEXT

SHEET = "交办事项"
NOTES = "说明"
META = "zuozhen"
HEADER_ROW = 3
KEY = "诉求号"
#: The columns the unit fills in (the contract's names), in order.
FILL_IN = ("承办人", "办理措施", "承诺办结日期", "阶段进展", "反馈内容")
#: Every column: name, width in characters, filled in by the unit.
COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("序号", 5, False),
    (KEY, 13, False),
    ("企业名称", 14, False),
    ("诉求内容", 24, False),
    ("交办日期", 11, False),
    ("交办方式", 12, False),
    ("承办期限", 11, False),
    ("反馈期限", 11, False),
    ("当前状态", 11, False),
    ("承办人", 9, True),
    ("办理措施", 20, True),
    ("承诺办结日期", 11, True),
    ("阶段进展", 20, True),
    ("反馈内容", 20, True),
)
HEADER = tuple(c[0] for c in COLUMNS)
#: The columns only the leading unit fills in (承办 is the lead's); locked on a co-unit's row.
LEAD_ONLY = ("承办人", "办理措施", "承诺办结日期")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class Line:
    """One open item as the workbook shows it."""

    appeal: str
    round: int
    enterprise: str
    text: str
    handed_on: date
    mode: str  # 单独交办 | 联合交办（牵头） | 联合交办（配合，牵头单位 X）
    plan_due: date | None
    report_due: date | None
    state: str
    lead: bool  # the unit leads this hand-off (fills in 承办)
    handler: str | None = None
    measures: str | None = None
    promised_by: date | None = None
    progress: str | None = None
    report: str | None = None


@dataclass(frozen=True, slots=True)
class FilledRow:
    """What one row of a returned workbook says (texts trimmed; empty is "")."""

    row: int
    appeal: str
    handler: str
    measures: str
    promised: date | None
    progress: str
    report: str
    promised_error: str | None = None  # the 承诺办结日期 cell is not a date

    @property
    def empty(self) -> bool:
        cells = (self.handler, self.measures, self.progress, self.report)
        return not any(cells) and self.promised is None and self.promised_error is None


@dataclass(frozen=True, slots=True)
class Filled:
    """A returned workbook: for whom it was made, and its rows."""

    path: Path
    sha256: str
    unit: str | None
    made_on: date | None
    rounds: dict[str, int]
    rows: list[FilledRow] = field(default_factory=list)


# -- writing --------------------------------------------------------------------------------


def write(
    path: Path,
    *,
    unit: str,
    made_on: date,
    organiser: str,
    lines: list[Line],
    notes: list[tuple[str, str]],
    overwrite: bool = False,
) -> Path:
    """Write the workbook of ``lines`` for ``unit``; ``notes``: (column, explanation) rows
    of the 说明 sheet."""
    from openpyxl import Workbook

    target = check_target(path, overwrite=overwrite, fmt="xlsx", option="--output")
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _title(ws, unit, made_on, organiser, len(lines))
    _header(ws)
    for n, line in enumerate(lines, start=1):
        _row(ws, HEADER_ROW + n, n, line)
    _checks(ws, len(lines), made_on)
    _print_setup(ws)
    _protect(ws)
    _notes(wb, unit, made_on, notes)
    _meta(wb, unit, made_on, lines)
    with replacing(target) as (fd, tmp):
        os.close(fd)
        wb.save(tmp)
    return target


def _title(ws: Any, unit: str, made_on: date, organiser: str, count: int) -> None:
    from openpyxl.styles import Alignment, Font

    last = len(COLUMNS)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    title = ws.cell(row=1, column=1, value=f"{unit}交办事项办理情况表（{made_on.isoformat()}）")
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    how = ws.cell(
        row=2,
        column=1,
        value=f"承办单位：{unit}　制表：{organiser}　截至 {made_on.isoformat()} 未办结事项 "
        f"{count} 项。请只在白色栏目中填写，灰色栏目和表头不要改动；填写说明见“{NOTES}”工作表。",
    )
    how.alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[2].height = 32


def _header(ws: Any) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="808080")
    for i, (name, width, fill_in) in enumerate(COLUMNS, start=1):
        c = ws.cell(row=HEADER_ROW, column=i, value=name)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="FFF2CC" if fill_in else "DDE4EE")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.row_dimensions[HEADER_ROW].height = 30
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)


def _row(ws: Any, r: int, n: int, line: Line) -> None:
    from openpyxl.styles import Alignment, Border, PatternFill, Protection, Side

    values: dict[str, Any] = {
        "序号": n,
        KEY: line.appeal,
        "企业名称": line.enterprise,
        "诉求内容": line.text,
        "交办日期": line.handed_on,
        "交办方式": line.mode,
        "承办期限": line.plan_due,
        "反馈期限": line.report_due,
        "当前状态": line.state,
        "承办人": line.handler,
        "办理措施": line.measures,
        "承诺办结日期": line.promised_by,
        "阶段进展": line.progress,
        "反馈内容": line.report,
    }
    # Two lines at least: room to write in.
    cells = [(str(values[name] or ""), width) for name, width, _f in COLUMNS]
    ws.row_dimensions[r].height = max(30.0, _height(cells))
    grey = PatternFill("solid", fgColor="F2F2F2")
    thin = Side(style="thin", color="BFBFBF")
    for i, (name, _width, fill_in) in enumerate(COLUMNS, start=1):
        value = values[name]
        c = ws.cell(row=r, column=i)
        if isinstance(value, str):
            c.value = value
            c.data_type = "s"  # never a formula, whatever the text begins with
        else:
            c.value = value
        if isinstance(value, date) or name == "承诺办结日期":
            c.number_format = "yyyy-mm-dd"
        if name == KEY:
            c.number_format = "@"
        c.alignment = Alignment(vertical="top", wrap_text=True)
        c.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        open_cell = fill_in and (line.lead or name not in LEAD_ONLY)
        c.protection = Protection(locked=not open_cell)
        if not open_cell:
            c.fill = grey


def _checks(ws: Any, count: int, made_on: date) -> None:
    """Data validation of the fill-in cells: a date not before the day the workbook was
    made and not after the row's report deadline; texts within the lengths kept."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if count == 0:
        return
    first, last = HEADER_ROW + 1, HEADER_ROW + count
    col = {name: get_column_letter(i) for i, (name, _w, _f) in enumerate(COLUMNS, start=1)}
    day = f"DATE({made_on.year},{made_on.month},{made_on.day})"
    due = f"{col['反馈期限']}{first}"
    dated = DataValidation(
        type="date",
        operator="between",
        formula1=day,
        formula2=f"IF(ISNUMBER({due}),{due},DATE(2100,12,31))",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="承诺办结日期",
        error="请填写日期（如 2026-10-20）：须是工作日，不早于制表日期，不晚于反馈期限。",
        showInputMessage=True,
        promptTitle="承诺办结日期",
        prompt="工作日，不晚于本行反馈期限；不填则为反馈期限。",
    )
    dated.add(f"{col['承诺办结日期']}{first}:{col['承诺办结日期']}{last}")
    ws.add_data_validation(dated)
    for name, limit in (
        ("承办人", HANDLER_LIMIT),
        ("办理措施", MAX_TEXT),
        ("阶段进展", MAX_TEXT),
        ("反馈内容", MAX_TEXT),
    ):
        dv = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(limit),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=name,
            error=f"{name}不超过 {limit} 字。",
        )
        dv.add(f"{col[name]}{first}:{col[name]}{last}")
        ws.add_data_validation(dv)


def _print_setup(ws: Any) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _protect(ws: Any) -> None:
    """Locked cells stay as sent; columns and rows may still be resized, like a paper form."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def _notes(wb: Any, unit: str, made_on: date, notes: list[tuple[str, str]]) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(NOTES)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90
    ws.cell(row=1, column=1, value=f"{unit}交办事项办理情况表 填写说明（{made_on.isoformat()}）")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.cell(row=3, column=1, value="栏目").font = Font(bold=True)
    ws.cell(row=3, column=2, value="说明").font = Font(bold=True)
    for i, (name, text) in enumerate(notes, start=4):
        ws.row_dimensions[i].height = _height([(name, 16), (text, 90)])
        ws.cell(row=i, column=1, value=name).alignment = Alignment(vertical="top", wrap_text=True)
        c = ws.cell(row=i, column=2, value=text)
        c.data_type = "s"
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True


def _meta(wb: Any, unit: str, made_on: date, lines: list[Line]) -> None:
    ws = wb.create_sheet(META)
    ws.sheet_state = "veryHidden"
    ws.append(["单位", unit])
    ws.append(["制表日期", made_on.isoformat()])
    ws.append(["格式", "1"])
    ws.append([KEY, "轮次"])
    for line in lines:
        ws.append([line.appeal, line.round])
    ws.protection.sheet = True


def _height(cells: Any) -> float:
    """A row tall enough for its wrapped texts (spreadsheets do not grow rows written by a
    program): 15 points a line, lines counted by display width (CJK characters double)."""
    from zuozhen.files.xlsx import display_width

    lines = 1
    for text, width in cells:
        per_line = max(1, width - 1)
        n = sum(max(1, -(-display_width(p) // per_line)) for p in str(text).split("\n"))
        lines = max(lines, n)
    return min(409.0, 15.0 * lines)


# -- reading --------------------------------------------------------------------------------


def read(path: Path) -> Filled:
    """A returned workbook; a file that is not one, or has no header row with the
    contract's names, is refused (nothing has been read into the case file yet)."""
    source = Path(path).expanduser()
    data = _bytes(source)
    wb = _open(source, data)
    try:
        ws, header_row, columns = _find_header(wb, source)
        unit, made_on, rounds = _read_meta(wb)
        rows = list(_rows(ws, header_row, columns))
    finally:
        wb.close()
    digest = hashlib.sha256(data).hexdigest()
    return Filled(source, digest, unit, made_on, rounds, rows)


def _bytes(source: Path) -> bytes:
    if source.is_dir():
        raise InputError(f"{source} 是一个文件夹：请给出单位交回的工作簿文件（.xlsx）。")
    if not source.is_file():
        raise InputError(f"文件 {source} 不存在：请检查路径和文件名。")
    if source.stat().st_size > MAX_BYTES:
        raise InputError(
            f"文件 {source} 超过 {MAX_BYTES // 1024 // 1024} MB，不像是单位的办理情况表：请检查文件。"
        )
    try:
        return source.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取文件 {source}：{exc.strerror or exc}。") from None


def _open(source: Path, data: bytes) -> Any:
    import io
    import zipfile

    from openpyxl import load_workbook

    not_xlsx = InputError(
        f"文件 {source.name} 不是 Excel 工作簿（.xlsx）：请用 zuozhen assign sheet 生成的工作簿"
        "填写后交回；如单位另存成了 .xls、.et 或 .csv，请在 Excel/WPS 中“另存为” .xlsx 格式。"
        "案卷未被改动。"
    )
    if not data.startswith(b"PK"):
        raise not_xlsx
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError):
        raise not_xlsx from None
    except Exception as exc:  # openpyxl's own errors for a damaged package
        if type(exc).__module__.startswith(("openpyxl", "xml", "zipfile")):
            raise not_xlsx from None
        raise


def _find_header(wb: Any, source: Path) -> tuple[Any, int, dict[str, int]]:
    """The sheet and row holding the header; each column's index by name."""
    sheets = [wb[SHEET]] if SHEET in wb.sheetnames else []
    sheets += [ws for ws in wb.worksheets if ws.title not in (SHEET, META)]
    best: set[str] = set()
    for ws in sheets:
        for r, cells in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), 1):
            names = [_text(v) for v in cells]
            if KEY not in names:
                continue
            found = {n: i for i, n in reversed(list(enumerate(names))) if n}
            if all(name in found for name in FILL_IN):
                return ws, r, found
            best = max(best, set(found) & {KEY, *FILL_IN}, key=len)
    missing = [n for n in (KEY, *FILL_IN) if n not in best]
    raise InputError(
        f"文件 {source.name} 的表头不对：没有找到含有“{'、'.join((KEY, *FILL_IN))}”各栏的表头行"
        + (f"（缺少“{'、'.join(missing)}”）" if best else "")
        + "。请用 zuozhen assign sheet 生成的工作簿填写，不要改动表头；案卷未被改动。"
    )


def _read_meta(wb: Any) -> tuple[str | None, date | None, dict[str, int]]:
    if META not in wb.sheetnames:
        return None, None, {}
    values = list(wb[META].iter_rows(min_row=1, max_row=MAX_ROWS, max_col=2, values_only=True))
    info = {_text(k): v for k, v in values[:3]}
    unit = _text(info.get("单位")) or None
    try:
        made_on = date.fromisoformat(_text(info.get("制表日期")))
    except ValueError:
        made_on = None
    rounds: dict[str, int] = {}
    for key, value in values[4:]:
        if _text(key) and isinstance(value, int | float) and not isinstance(value, bool):
            rounds[_text(key)] = int(value)
    return unit, made_on, rounds


def _rows(ws: Any, header_row: int, columns: dict[str, int]) -> Any:
    last = header_row + MAX_ROWS
    width = max(columns.values()) + 1
    for r, cells in enumerate(
        ws.iter_rows(min_row=header_row + 1, max_row=last, max_col=width, values_only=True),
        start=header_row + 1,
    ):

        def cell(name: str, cells: tuple[Any, ...] = cells) -> Any:
            return cells[columns[name]] if columns[name] < len(cells) else None

        appeal = _text(cell(KEY))
        promised, error = read_date(cell("承诺办结日期"))
        row = FilledRow(
            r,
            appeal,
            _text(cell("承办人")),
            _text(cell("办理措施")),
            promised,
            _text(cell("阶段进展")),
            _text(cell("反馈内容")),
            error,
        )
        if appeal or not row.empty:
            yield row


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def read_date(value: Any) -> tuple[date | None, str | None]:
    """A date as a unit may have entered it: an Excel date, a serial number, or text such
    as 2026-10-20, 2026/10/20, 2026.10.20, 2026年10月20日. Returns (date, None), (None,
    None) for an empty cell, or (None, the reason in Chinese)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    # An Excel serial day whose date format was lost (1954–2119).
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return date(1899, 12, 30) + timedelta(days=int(value)), None
    text = _text(value)
    m = _DATE_TEXT.fullmatch(text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
        except ValueError:
            return None, f"承诺办结日期“{text}”不是日历上存在的日期，请检查月份和日。"
    shown = text if len(text) <= 30 else text[:30] + "…"
    return None, f"承诺办结日期“{shown}”不是日期：请写成 2026-10-20 这样的日期。"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
