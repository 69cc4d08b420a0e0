"""Excel export (openpyxl) for the clerks who work in Excel rather than CSV.

Text stays text: every string is written as a string cell (openpyxl would otherwise turn a
string beginning with ``=`` into a formula), and code-like columns (appeal numbers, credit
codes) get the text number format ``@`` so Excel never reads ``202610-007-1`` as a date
or a long credit code as a number. Numbers are numeric cells.

Laid out to be printed and sent (``Layout``):

* a title row above the table — which report, which quarter or month — and a line with
  the cut-off date, both merged across the table's width;
* the header row bold, shaded and frozen, and repeated on every printed page (print
  titles);
* A4 landscape, fitted to one page wide (as many pages tall as it takes), gridlines
  printed, centred, page numbers in the footer ("第 1 页，共 2 页");
* the 合计 row bold; rates stored as fractions (0.853) and shown as percentages with one
  decimal (``0.0%``), other decimals as ``0.0``;
* columns sized to their content (CJK characters count double); a column of long texts
  (诉求内容, 承办单位) is kept to ``WRAP_WIDTH`` characters and its cells wrap, so the
  page stays readable when fitted to its width.

The workbook is written in openpyxl's streaming mode and moved into place atomically, like
the CSV files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from zuozhen.files.outfiles import check_target, replacing

MAX_WIDTH = 60
WRAP_WIDTH = 30  # a column of longer texts (诉求内容) is this wide, its cells wrapped
LINE_HEIGHT = 15  # points per line of wrapped text (11 pt type)
TOTAL = "合计"


def display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


@dataclass(frozen=True, slots=True)
class Layout:
    """What a printed table says about itself and how its columns are shown.

    ``heading``: the title row (which report, which period); ``note``: the line below it
    (the cut-off date); ``text_columns``: 0-based columns of codes (text format ``@``);
    ``percent_columns``: rates given in percent (85.3), stored as 0.853 and shown as
    ``0.0%``; ``decimal_columns``: numbers shown with one decimal.
    """

    heading: str = ""
    note: str = ""
    text_columns: tuple[int, ...] = ()
    percent_columns: tuple[int, ...] = ()
    decimal_columns: tuple[int, ...] = ()


def write_xlsx(
    path: Path,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "报表",
    layout: Layout | None = None,
    widths: Sequence[int] | None = None,
    overwrite: bool = False,
    private: bool = False,
) -> int:
    """Write one sheet (tab ``title``) laid out for print; return the number of data rows.

    ``widths`` sets column widths in characters (otherwise measured from the header and
    the first rows).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    target = check_target(path, overwrite=overwrite, fmt="xlsx", option="--xlsx")
    lay = layout or Layout()
    rows = list(rows) if widths is None else rows
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    heads = [t for t in (lay.heading, lay.note) if t]
    header_row = len(heads) + 1
    ws.freeze_panes = f"A{header_row + 1}"
    _page_setup(ws, header_row)
    wrapped: set[int] = set()
    if widths is None:
        measured = [display_width(h) for h in header]
        for row in list(rows)[:500]:
            for i, v in enumerate(row[: len(measured)]):
                measured[i] = max(measured[i], display_width(_text(v)))
        wrapped = {i for i, w in enumerate(measured) if w > WRAP_WIDTH}
        widths = [min(w, WRAP_WIDTH) for w in measured]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(6, w + 2))
    _title_rows(ws, lay, get_column_letter(max(1, len(header))))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE4EE")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    head = []
    for h in header:
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill, c.alignment = bold, fill, centre
        head.append(c)
    ws.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    formats = {i: "@" for i in lay.text_columns}
    formats.update({i: "0.0%" for i in lay.percent_columns})
    formats.update({i: "0.0" for i in lay.decimal_columns})
    count = 0
    for row in rows:
        total = bool(row) and row[0] == TOTAL
        _fit_height(ws, header_row + count + 1, row, wrapped)
        cells = []
        for i, v in enumerate(row):
            value = _value(v)
            fmt = formats.get(i)
            if fmt == "0.0%" and isinstance(value, int | float):
                value = round(value / 100, 6)
            c = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                c.data_type = "s"  # never a formula
                if fmt == "@":
                    c.number_format = fmt
            elif fmt is not None and value is not None:
                c.number_format = fmt
            if total:
                c.font = bold
            if i in wrapped:
                c.alignment = wrap
            cells.append(c)
        ws.append(cells)
        count += 1
    with replacing(target, private=private) as (fd, tmp):
        os.close(fd)
        wb.save(tmp)
    return count


def _fit_height(ws: Any, index: int, row: Sequence[object], wrapped: set[int]) -> None:
    """Rows written in streaming mode keep the default height: give a row with wrapped
    text the lines it needs, so nothing is cut off on screen or on paper."""
    if not wrapped:
        return
    lines = max(
        -(-display_width(_text(row[i] if i < len(row) else "")) // WRAP_WIDTH) for i in wrapped
    )
    if lines > 1:
        ws.row_dimensions[index].height = LINE_HEIGHT * lines


def _title_rows(ws: Any, lay: Layout, last: str) -> None:
    """The heading (bold, centred) and the note (the cut-off), merged across the table."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    for n, text in enumerate((t for t in (lay.heading, lay.note) if t), start=1):
        c = WriteOnlyCell(ws, value=text)
        c.data_type = "s"
        if n == 1 and lay.heading:
            c.font = Font(bold=True, size=14)
            c.alignment = Alignment(horizontal="center", vertical="center")
        else:
            c.alignment = Alignment(horizontal="right", vertical="center")
        ws.append([c])
        ws.merged_cells.add(f"A{n}:{last}{n}")


def _page_setup(ws: Any, header_row: int) -> None:
    """A4 landscape, one page wide, the header row on every page, page numbers."""
    from openpyxl.worksheet.properties import PageSetupProperties

    setup = ws.page_setup
    setup.orientation = "landscape"
    setup.paperSize = 9  # A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages tall as it takes
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.print_options.gridLines = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _value(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int | float):
        return v
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)
