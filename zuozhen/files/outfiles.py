"""Writing output files safely — shared by every export (CSV, XLSX, HTML, notices, batches).

A file is written to a temporary file beside its target and moved into place with
``os.replace``, so a reader never sees half a file and a failure leaves any earlier file
untouched. An existing file is refused unless the caller asks to overwrite it, and a SQLite
database (the case file or a backup) is never overwritten, not even when asked. A name
whose extension is not its format's (``EXTENSIONS``) is refused before anything is
written. Files with personal data are made owner-only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from zuozhen.errors import InputError

#: What the name of an output file of each format ends in (case ignored): a name that
#: says another format is refused, so ``--csv 2026Q4.xlsx`` never leaves CSV text in a
#: file that Excel opens as a (broken) workbook.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "csv": (".csv",),
    "xlsx": (".xlsx",),
    "html": (".html", ".htm"),
    "md": (".md", ".markdown"),
    "txt": (".txt",),
    "json": (".json",),
    "docx": (".docx",),
    "ics": (".ics",),
}
FORMAT_NAMES = {
    "csv": "CSV 文件",
    "xlsx": "Excel 工作簿",
    "html": "HTML 文件",
    "md": "Markdown 文件",
    "txt": "纯文本文件",
    "json": "JSON 文件",
    "docx": "Word 文档",
    "ics": "iCalendar 日历文件",
}


def check_extension(path: Path, fmt: str, option: str = "输出文件") -> None:
    """Refuse an output file whose extension is not the one of its format."""
    ends = EXTENSIONS[fmt]
    suffix = Path(path).suffix.lower()
    if suffix in ends:
        return
    other = next((f for f, e in EXTENSIONS.items() if suffix in e), None)
    now = f"“{suffix}”" if suffix else "没有扩展名"
    if other is not None:
        name = FORMAT_NAMES[other]
        now += f"（那是{' ' if name[0].isascii() else ''}{name}的扩展名）"
    raise InputError(
        f"{option} {path}：{FORMAT_NAMES[fmt]}的名称应以 {' 或 '.join(ends)} 结尾，现在{now}。"
        f"请改为 {Path(path).with_suffix(ends[0]).name}，或换用与文件名相符的选项或格式；"
        "未生成任何文件。"
    )


def check_target(
    path: Path, *, overwrite: bool = False, fmt: str | None = None, option: str = "输出文件"
) -> Path:
    """Refuse a target whose name is not of its format (``fmt``), that exists (unless
    ``overwrite``) or whose folder does not."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise InputError(f"{target} 是一个文件夹：请写要生成的文件名，例如 {target / '报表.csv'}。")
    if fmt is not None:
        check_extension(target, fmt, option)
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


@contextlib.contextmanager
def replacing(target: Path, *, private: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (fd, temporary path) beside ``target``; on success it replaces ``target``."""
    fd, tmp = atomic_target(target)
    try:
        yield fd, tmp
        os.chmod(tmp, 0o600 if private else 0o644 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        discard(tmp)
        if isinstance(exc, OSError):
            raise InputError(f"写入 {target} 失败：{exc.strerror or exc}。文件未生成。") from None
        raise


def write_bytes(
    path: Path,
    data: bytes,
    *,
    overwrite: bool = False,
    private: bool = False,
    fmt: str | None = None,
    option: str = "输出文件",
) -> Path:
    """Write ``data`` to ``path`` atomically (durably: fsync before the rename)."""
    target = check_target(path, overwrite=overwrite, fmt=fmt, option=option)
    with replacing(target, private=private) as (fd, _tmp), os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return target


def write_text(
    path: Path,
    text: str,
    *,
    overwrite: bool = False,
    private: bool = False,
    fmt: str | None = None,
    option: str = "输出文件",
) -> Path:
    """Write UTF-8 text to ``path`` atomically."""
    data = text.encode("utf-8")
    return write_bytes(path, data, overwrite=overwrite, private=private, fmt=fmt, option=option)


def discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
