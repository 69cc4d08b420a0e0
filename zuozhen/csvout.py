"""Writing CSV files the clerk opens in Excel or WPS — shared by every export.

* UTF-8 with a byte-order mark, so Excel on Chinese Windows does not read it as GBK;
  rows end in CRLF (the ``csv`` module's default), which Excel and WPS expect.
* Formula injection neutralised (OWASP "CSV injection"): a TEXT cell that begins with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so a
  spreadsheet shows it as text instead of running it. Numbers stay numbers (unquoted).
* Streamed row by row, never built in memory; written to a temporary file beside the
  target and moved into place with ``os.replace``, so a reader never sees half a file and
  a failure leaves any earlier file untouched.
* An existing file is refused unless the caller asks to overwrite it.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from zuozhen.errors import InputError

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


def check_target(path: Path, *, overwrite: bool = False) -> Path:
    """Refuse a target that exists (unless ``overwrite``) or whose folder does not."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise InputError(f"{target} 是一个文件夹：请写要生成的文件名，例如 {target / '报表.csv'}。")
    if target.exists() and not overwrite:
        raise InputError(f"文件 {target} 已存在，未作改动：换一个文件名，或加 --force 覆盖。")
    refuse_database(target)
    if not target.parent.is_dir():
        raise InputError(f"文件夹 {target.parent} 不存在：请先创建，或换一个保存位置。")
    return target


def refuse_database(target: Path) -> None:
    """Never replace a database (a case file or its backup) with an export, even with --force."""
    try:
        with open(target, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return
    if head == b"SQLite format 3\x00":
        raise InputError(f"{target} 是数据库文件（案卷或其备份），不会被覆盖：请换一个输出文件名。")


def atomic_target(path: Path) -> tuple[int, str]:
    """A temporary file beside ``path`` (same file system, so ``os.replace`` is atomic)."""
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"无法在 {path.parent} 写入文件：{exc.strerror}。请检查权限。") from None


def write_csv(
    path: Path,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    overwrite: bool = False,
    private: bool = False,
) -> int:
    """Write ``header`` and ``rows`` to ``path`` atomically; return the number of data rows.

    ``private``: the file holds personal data (contacts, phones) and is made owner-only.
    """
    target = check_target(path, overwrite=overwrite)
    fd, tmp = atomic_target(target)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([neutralise(h) for h in header])
            for row in rows:
                writer.writerow([neutralise(c) for c in row])
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600 if private else 0o644 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        discard(tmp)
        if isinstance(exc, OSError):
            raise InputError(f"写入 {target} 失败：{exc.strerror or exc}。文件未生成。") from None
        raise
    return count


def discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
