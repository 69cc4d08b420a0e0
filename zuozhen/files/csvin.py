"""Reading CSV files the way offices produce them: Excel/WPS exports, online-window exports.

Encodings: UTF-8 with or without BOM, and GB18030 (a superset of GBK/GB2312, what Excel on
Chinese Windows writes for "CSV (逗号分隔)"). The file is decoded strictly as UTF-8 first
and only then as GB18030, so a genuine UTF-8 file is never mis-read; a file that is
neither is refused with the line where decoding failed.

Rows carry their *physical* line number in the file (the header is line 1; a quoted cell
spanning several lines counts each line), so a clerk can find a reported row in a text
editor or in Excel (whose row numbers match when no cell spans lines). Blank lines and
rows of empty cells (Excel leaves them at the end) are skipped silently.

Files are streamed, never held whole: ``open_csv`` reads the bytes once in blocks (the
encoding, the SHA-256, the number of lines) and checks the header; ``CsvFile.rows`` then
yields the rows one at a time, so a 100,000-row export costs a few megabytes of memory.
``read_table`` is the same with every row in a list, for small files.

Columns outside ``required`` and ``optional`` are refused, or with ``ignore_unknown``
(real exports carry 序号, 提交时间, 审核状态 …) skipped and named in ``CsvFile.ignored``
so the caller can say so.

A cell written as ``="…"`` — how our own exports keep a credit code or a phone number
whole in a spreadsheet (``zuozhen.files.csvout.keep_text``) — is read as the text inside
(``unwrap``), so a file exported by zuozhen and imported again gives back the same codes.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zuozhen.errors import InputError

if TYPE_CHECKING:
    from _csv import Reader as _reader

MAX_FILE_BYTES = 200 * 1024 * 1024
_WRAPPED = re.compile(r'="((?:[^"]|"")*)"')


def unwrap(cell: str) -> str:
    """The text of a ``="…"`` cell (the formula giving the text itself); any other as it is."""
    if not cell.startswith('="'):
        return cell
    m = _WRAPPED.fullmatch(cell)
    return m.group(1).replace('""', '"') if m else cell


BLOCK = 1 << 20  # bytes read at a time


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # physical line number where the row starts (header = 1)
    cells: list[str]


@dataclass(frozen=True, slots=True)
class CsvFile:
    """A checked CSV file, its rows still on disk (``rows`` streams them)."""

    path: str
    encoding: str  # "UTF-8", "UTF-8 (BOM)" or "GB18030"
    sha256: str
    lines: int  # physical lines in the file (for progress; rows <= lines - 1)
    columns: list[str]  # header names as found (stripped)
    index: dict[str, int]  # column name -> position (known columns only)
    ignored: list[str]  # unknown columns skipped (``ignore_unknown``), as named in the file

    def rows(self) -> Iterator[Row]:
        """The data rows, in file order, read as they are consumed."""
        codec = "gb18030" if self.encoding == "GB18030" else "utf-8-sig"
        where = f"文件 {self.path}"
        try:
            with open(self.path, encoding=codec, newline="") as fh:
                reader = csv.reader(fh, strict=True)
                yield from _records(reader, where, skip_header=True)
        except OSError as exc:
            raise InputError(f"无法读取{where}（{exc.strerror}）：请检查路径和权限。") from None

    def cell(self, row: Row, name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= len(row.cells):
            return ""
        return row.cells[i]


@dataclass(frozen=True, slots=True)
class Table:
    """A small CSV file read whole (``read_table``)."""

    path: str
    encoding: str
    sha256: str
    columns: list[str]
    index: dict[str, int]
    rows: list[Row]
    ignored: tuple[str, ...] = ()

    def cell(self, row: Row, name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= len(row.cells):
            return ""
        return row.cells[i]


def decode(data: bytes, where: str) -> tuple[str, str]:
    """The text of a CSV file held in memory and the encoding it was in."""
    _refuse_other_formats(data[:8], where)
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8 (BOM)" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_at = exc.start
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError as exc:
        line = data[: max(exc.start, utf8_at)].count(b"\n") + 1
        raise _undecodable(where, line) from None


def _refuse_other_formats(head: bytes, where: str) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{where} 是 UTF-16 编码（Excel 的“Unicode 文本”）：请在 Excel/WPS 中“另存为”"
            "“CSV UTF-8（逗号分隔）”或“CSV（逗号分隔）”后再导入。"
        )
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{where} 是 Excel 工作簿（.xlsx），不是 CSV 文件：请在 Excel/WPS 中“另存为”"
            "“CSV UTF-8（逗号分隔）”后再导入。"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{where} 是旧版 Excel 工作簿（.xls），不是 CSV 文件：请“另存为”CSV 后再导入。"
        )


def _undecodable(where: str, line: int) -> InputError:
    return InputError(
        f"{where} 第 {line} 行有无法识别的字符：文件既不是 UTF-8 也不是 GB18030 编码。"
        "请在 Excel/WPS 中“另存为”“CSV UTF-8（逗号分隔）”后再导入。"
    )


@dataclass(slots=True)
class _Scan:
    """One pass over the bytes: does a codec read them all, and where did it stop."""

    ok: bool
    failed_line: int  # the line where decoding failed (when not ok)
    lines: int
    sha256: str
    bom: bool


def _scan(path: Path, codec: str) -> _Scan:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    digest = hashlib.sha256()
    lines = 0
    bom = False
    with path.open("rb") as fh:
        first = True
        while block := fh.read(BLOCK):
            if first:
                bom, first = block.startswith(codecs.BOM_UTF8), False
            digest.update(block)
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                # exc.start counts the bytes still pending from the previous block too
                at = max(exc.start - len(decoder.getstate()[0]), 0)
                return _Scan(False, lines + block[:at].count(b"\n") + 1, 0, "", bom)
            lines += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _Scan(False, lines + 1, 0, "", bom)
    return _Scan(True, 0, lines + 1, digest.hexdigest(), bom)


def open_csv(
    path: str | Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    ignore_unknown: bool = False,
) -> CsvFile:
    """Check a CSV file (size, format, encoding, header) without reading it into memory."""
    p = Path(path)
    where = f"文件 {p}"
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise IsADirectoryError
        if size > MAX_FILE_BYTES:
            raise InputError(f"{where} 太大（{size // 1024 // 1024} MB）：请拆分后分批导入。")
        with p.open("rb") as fh:
            _refuse_other_formats(fh.read(8), where)
        utf8 = _scan(p, "utf-8")
        if utf8.ok:
            scan, encoding = utf8, "UTF-8 (BOM)" if utf8.bom else "UTF-8"
        else:
            scan, encoding = _scan(p, "gb18030"), "GB18030"
            if not scan.ok:
                # The encoding that got further is the one the file is mostly in.
                raise _undecodable(where, max(scan.failed_line, utf8.failed_line))
        header = _header(p, encoding, where)
    except FileNotFoundError:
        raise InputError(f"找不到{where}：请检查路径和文件名。") from None
    except IsADirectoryError:
        raise InputError(f"{p} 是一个文件夹，不是 CSV 文件：请写出文件名。") from None
    except OSError as exc:
        raise InputError(f"无法读取{where}（{exc.strerror}）：请检查路径和权限。") from None
    index, ignored = _check_header(header, required, optional, where, ignore_unknown)
    return CsvFile(str(p), encoding, scan.sha256, scan.lines, header, index, ignored)


def read_table(
    path: str | Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    ignore_unknown: bool = False,
) -> Table:
    """Read and check a (small) CSV file whole: encoding, header, every row."""
    f = open_csv(path, required, optional, ignore_unknown=ignore_unknown)
    rows = list(f.rows())
    return Table(f.path, f.encoding, f.sha256, f.columns, f.index, rows, tuple(f.ignored))


def _header(path: Path, encoding: str, where: str) -> list[str]:
    codec = "gb18030" if encoding == "GB18030" else "utf-8-sig"
    with path.open(encoding=codec, newline="") as fh:
        reader = csv.reader(fh, strict=True)
        for row in _records(reader, where, skip_header=False):
            return [c.strip().lstrip("\ufeff").strip() for c in row.cells]
    raise InputError(f"{where} 是空的：没有表头也没有数据行。")


def _records(reader: _reader, where: str, *, skip_header: bool) -> Iterator[Row]:
    """Non-blank records with the physical line each starts on (the header too, unless
    ``skip_header``)."""
    prev = 0
    header_seen = False
    try:
        for cells in reader:
            start, prev = prev + 1, reader.line_num
            if not cells or not any(c.strip() for c in cells):
                continue
            if skip_header and not header_seen:
                header_seen = True
                continue
            yield Row(start, [unwrap(c) for c in cells])
    except csv.Error as exc:
        raise InputError(
            f"{where} 第 {prev + 1} 行起格式有误（{exc}）：常见原因是引号未成对，"
            "请在 Excel/WPS 中打开检查后重新保存为 CSV。"
        ) from None


def _check_header(
    header: list[str],
    required: Sequence[str],
    optional: Sequence[str],
    where: str,
    ignore_unknown: bool,
) -> tuple[dict[str, int], list[str]]:
    expected = "，".join(required)
    extra = f"（可选列：{'，'.join(optional)}）" if optional else ""
    index: dict[str, int] = {}
    dupes: list[str] = []
    unknown: list[str] = []
    for i, name in enumerate(header):
        if not name and i == len(header) - 1:
            continue  # a trailing comma after the last column
        if name not in required and name not in optional:
            unknown.append(name or f"第 {i + 1} 列（无列名）")
            continue
        if name in index:
            dupes.append(name)
        index.setdefault(name, i)
    missing = [c for c in required if c not in index]
    if missing:
        found = "，".join(h for h in header if h) or "（空）"
        raise InputError(
            f"{where} 的表头缺少列“{'”“'.join(missing)}”：表头应包含 {expected}{extra}，"
            f"列的顺序不限；文件中的表头是：{found}。请改正表头后重新导入，本次未导入任何数据。"
        )
    if dupes:
        raise InputError(
            f"{where} 的表头中“{'”“'.join(dupes)}”出现了不止一次：每列只能出现一次。"
            "本次未导入任何数据。"
        )
    if unknown and not ignore_unknown:
        raise InputError(
            f"{where} 的表头有无法识别的列“{'”“'.join(unknown)}”：只接受 {expected}{extra}。"
            "请删除或改名这些列后重新导入，本次未导入任何数据。"
        )
    return index, unknown


def ignored_note(f: CsvFile, known: Sequence[str]) -> str | None:
    """The note for columns skipped by ``ignore_unknown``: each named, a near miss of a
    known column pointed out (所属地域 → 所属地区)."""
    if not f.ignored:
        return None
    named = []
    for name in f.ignored:
        near = difflib.get_close_matches(name, [k for k in known if k not in f.index], 1, 0.5)
        named.append(f"“{name}”" + (f"（是否应为“{near[0]}”？）" if near else ""))
    return f"文件中的列{'、'.join(named)}不是导入所需的列，已忽略。"
