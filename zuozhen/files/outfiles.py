"""Writing output files safely — shared by every export (CSV, XLSX, HTML, notices, batches).

A file is written to a temporary file beside its target and moved into place with
``os.replace``, so a reader never sees half a file and a failure leaves any earlier file
untouched. An existing file is refused unless the caller asks to overwrite it, and a SQLite
database (the case file or a backup) is never overwritten, not even when asked. Files with
personal data are made owner-only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from zuozhen.errors import InputError


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


def write_bytes(path: Path, data: bytes, *, overwrite: bool = False, private: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (durably: fsync before the rename)."""
    target = check_target(path, overwrite=overwrite)
    with replacing(target, private=private) as (fd, _tmp), os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return target


def write_text(path: Path, text: str, *, overwrite: bool = False, private: bool = False) -> Path:
    """Write UTF-8 text to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite, private=private)


def discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
