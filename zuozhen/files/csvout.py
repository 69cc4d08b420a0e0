"""Writing CSV files the clerk opens in Excel or WPS — shared by every export.

* UTF-8 with a byte-order mark, so Excel on Chinese Windows does not read it as GBK;
  rows end in CRLF (the ``csv`` module's default), which Excel and WPS expect.
* Formula injection neutralised (OWASP "CSV injection"): a TEXT cell that begins with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so a
  spreadsheet shows it as text instead of running it. Numbers stay numbers (unquoted).
* Codes kept whole (``keep_text``): a text a spreadsheet would read as a number and cut —
  Excel, WPS and LibreOffice Calc turn ``915301001234567805`` into ``9.15301001234568E+17``
  (15 significant digits: re-saving loses the last ones for good), ``9153010012345670E8``
  into ``9.15E+23``, and drop the leading zero of ``08716310000`` — is written as
  ``="…"``, a formula giving the text itself, the only formula a CSV of ours may hold
  (cli.md). Which values: all digits and 11 or more of them (credit codes, mobile
  phones — 11 digits are still exact, but shown as ``1.38E+10`` in a narrow column —,
  long numeric IDs), all digits with a leading zero, and digits in exponent form
  (``…E8``). Our IDs (``202610-003-1``, ``202610-003``, ``S202610-01``), months and ISO
  dates are not: Calc and Excel keep the IDs as text and read ISO dates as dates, which
  they write back unchanged (tests/test_csv_roundtrip.py proves it with LibreOffice).
  Our own readers take the wrapper off again (``zuozhen.files.csvin.unwrap``).
* Streamed row by row, never built in memory; written atomically and never over an
  existing file unless asked (``zuozhen.files.outfiles``).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from zuozhen.files.outfiles import check_target, replacing

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Texts a spreadsheet reads as a number and cuts: see the module docstring.
_AT_RISK = re.compile(r"\d{11,}|0\d+|\d+(?:\.\d+)?[Ee][+-]?\d+")


def keep_text(text: str) -> bool:
    """Whether ``text`` must be written as ``="text"`` to survive a spreadsheet."""
    return _AT_RISK.fullmatch(text) is not None


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
    if keep_text(text):
        return f'="{text}"'
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
