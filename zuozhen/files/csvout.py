"""Writing CSV files the clerk opens in Excel or WPS — shared by every export.

* UTF-8 with a byte-order mark, so Excel on Chinese Windows does not read it as GBK;
  rows end in CRLF (the ``csv`` module's default), which Excel and WPS expect.
* Formula injection neutralised (OWASP "CSV injection"): a TEXT cell that begins with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so a
  spreadsheet shows it as text instead of running it. Numbers stay numbers (unquoted).
* Streamed row by row, never built in memory; written atomically and never over an
  existing file unless asked (``zuozhen.files.outfiles``).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from zuozhen.files.outfiles import check_target, replacing

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """The cell as it should be written: numbers as they are, text made safe, None empty."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, int | float):
        return cell
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(
    path: Path,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    overwrite: bool = False,
    private: bool = False,
    option: str = "--csv",
) -> int:
    """Write ``header`` and ``rows`` to ``path`` atomically; return the number of data rows.

    ``private``: the file holds personal data (contacts, phones) and is made owner-only.
    ``option`` names the file in a refusal (a name not ending in .csv).
    """
    target = check_target(path, overwrite=overwrite, fmt="csv", option=option)
    count = 0
    with (
        replacing(target, private=private) as (fd, _tmp),
        os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh,
    ):
        writer = csv.writer(fh)
        writer.writerow([neutralise(h) for h in header])
        for row in rows:
            writer.writerow([neutralise(c) for c in row])
            count += 1
        fh.flush()
        os.fsync(fh.fileno())
    return count
