"""Excel export (openpyxl) for the clerks who work in Excel rather than CSV.

Text stays text: every string is written as a string cell (openpyxl would otherwise turn a
string beginning with ``=`` into a formula), and code-like columns (appeal numbers, credit
codes) get the text number format ``@`` so Excel never reads ``202610-007-1`` as a date
or a long credit code as a number. Numbers are numeric cells. The header row is bold and
frozen, columns are sized to their content (CJK characters count double). The workbook is
written in openpyxl's streaming mode and moved into place atomically, like the CSV files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from zuozhen.files.outfiles import check_target, replacing

MAX_WIDTH = 60


def display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_xlsx(
    path: Path,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "报表",
    text_columns: Iterable[int] = (),
    widths: Sequence[int] | None = None,
    overwrite: bool = False,
    private: bool = False,
) -> int:
    """Write one sheet with a frozen bold header; return the number of data rows.

    ``text_columns`` are the 0-based columns holding codes (kept as text cells with format
    ``@``); ``widths`` sets column widths in characters (otherwise measured from the
    header and the first rows).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    target = check_target(path, overwrite=overwrite, fmt="xlsx", option="--xlsx")
    codes = set(text_columns)
    rows = list(rows) if widths is None else rows
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = "A2"
    if widths is None:
        measured = [display_width(h) for h in header]
        for row in list(rows)[:500]:
            for i, v in enumerate(row[: len(measured)]):
                measured[i] = max(measured[i], display_width(_text(v)))
        widths = measured
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(6, w + 2))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE4EE")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    head = []
    for h in header:
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill, c.alignment = bold, fill, centre
        head.append(c)
    ws.append(head)
    count = 0
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            c = WriteOnlyCell(ws, value=_value(v))
            if isinstance(c.value, str):
                c.data_type = "s"  # never a formula
                if i in codes:
                    c.number_format = "@"
            cells.append(c)
        ws.append(cells)
        count += 1
    with replacing(target, private=private) as (fd, tmp):
        os.close(fd)
        wb.save(tmp)
    return count


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
