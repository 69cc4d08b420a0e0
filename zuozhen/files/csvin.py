"""Reading CSV files the way offices produce them: Excel/WPS exports, online-window exports.

Encodings: UTF-8 with or without BOM, and GB18030 (a superset of GBK/GB2312, what Excel on
Chinese Windows writes for "CSV (逗号分隔)"). The file is decoded strictly as UTF-8 first
and only then as GB18030, so a genuine UTF-8 file is never mis-read; a file that is
neither is refused with the line where decoding failed.

Rows carry their *physical* line number in the file (the header is line 1; a quoted cell
spanning several lines counts each line), so a clerk can find a reported row in a text
editor or in Excel (whose row numbers match when no cell spans lines). Blank lines and
rows of empty cells (Excel leaves them at the end) are skipped silently.

A cell written as ``="…"`` — how our own exports keep a credit code or a phone number
whole in a spreadsheet (``zuozhen.files.csvout.keep_text``) — is read as the text inside
(``unwrap``), so a file exported by zuozhen and imported again gives back the same codes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zuozhen.errors import InputError

MAX_FILE_BYTES = 200 * 1024 * 1024
_WRAPPED = re.compile(r'="((?:[^"]|"")*)"')


def unwrap(cell: str) -> str:
    """The text of a ``="…"`` cell (the formula giving the text itself); any other as it is."""
    if not cell.startswith('="'):
        return cell
    m = _WRAPPED.fullmatch(cell)
    return m.group(1).replace('""', '"') if m else cell


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # physical line number where the row starts (header = 1)
    cells: list[str]


@dataclass(frozen=True, slots=True)
class Table:
    path: str
    encoding: str  # "UTF-8", "UTF-8 (BOM)" or "GB18030"
    sha256: str
    columns: list[str]  # header names as found (stripped)
    index: dict[str, int]  # column name -> position
    rows: list[Row]

    def cell(self, row: Row, name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= len(row.cells):
            return ""
        return row.cells[i]


def decode(data: bytes, where: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{where} 是 UTF-16 编码（Excel 的“Unicode 文本”）：请在 Excel/WPS 中“另存为”"
            "“CSV UTF-8（逗号分隔）”或“CSV（逗号分隔）”后再导入。"
        )
    if data.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{where} 是 Excel 工作簿（.xlsx），不是 CSV 文件：请在 Excel/WPS 中“另存为”"
            "“CSV UTF-8（逗号分隔）”后再导入。"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{where} 是旧版 Excel 工作簿（.xls），不是 CSV 文件：请“另存为”CSV 后再导入。"
        )
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8 (BOM)" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_at = exc.start
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError as exc:
        # The encoding that got further is the one the file is mostly in.
        line = data[: max(exc.start, utf8_at)].count(b"\n") + 1
        raise InputError(
            f"{where} 第 {line} 行有无法识别的字符：文件既不是 UTF-8 也不是 GB18030 编码。"
            "请在 Excel/WPS 中“另存为”“CSV UTF-8（逗号分隔）”后再导入。"
        ) from None


def read_table(
    path: str | Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> Table:
    """Read and check a CSV file: encoding, header (required columns in any order)."""
    p = Path(path)
    where = f"文件 {p}"
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{where} 太大（{size // 1024 // 1024} MB）：请拆分后分批导入。")
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到{where}：请检查路径和文件名。") from None
    except IsADirectoryError:
        raise InputError(f"{p} 是一个文件夹，不是 CSV 文件：请写出文件名。") from None
    except OSError as exc:
        raise InputError(f"无法读取{where}（{exc.strerror}）：请检查路径和权限。") from None
    text, encoding = decode(data, where)
    digest = hashlib.sha256(data).hexdigest()
    del data

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[Row] = []
    prev = 0
    try:
        for cells in reader:
            start, prev = prev + 1, reader.line_num
            if not cells or not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip().lstrip("\ufeff").strip() for c in cells]
                continue
            rows.append(Row(start, [unwrap(c) for c in cells]))
    except csv.Error as exc:
        raise InputError(
            f"{where} 第 {prev + 1} 行起格式有误（{exc}）：常见原因是引号未成对，"
            "请在 Excel/WPS 中打开检查后重新保存为 CSV。"
        ) from None
    if header is None:
        raise InputError(f"{where} 是空的：没有表头也没有数据行。")
    index = _check_header(header, required, optional, where)
    return Table(str(p), encoding, digest, header, index, rows)


def _check_header(
    header: list[str], required: Sequence[str], optional: Sequence[str], where: str
) -> dict[str, int]:
    expected = "，".join(required)
    extra = f"（可选列：{'，'.join(optional)}）" if optional else ""
    index: dict[str, int] = {}
    dupes: list[str] = []
    unknown: list[str] = []
    for i, name in enumerate(header):
        if not name and i == len(header) - 1:
            continue  # a trailing comma after the last column
        if name in index:
            dupes.append(name)
        elif name not in required and name not in optional:
            unknown.append(name or f"第 {i + 1} 列（无列名）")
        index.setdefault(name, i)
    missing = [c for c in required if c not in index]
    if missing:
        found = "，".join(h for h in header if h) or "（空）"
        raise InputError(
            f"{where} 的表头缺少列“{'”“'.join(missing)}”：表头应包含 {expected}{extra}，"
            f"列的顺序不限；文件中的表头是：{found}。请改正表头后重新导入，本次未导入任何数据。"
        )
    if unknown:
        raise InputError(
            f"{where} 的表头有无法识别的列“{'”“'.join(unknown)}”：只接受 {expected}{extra}。"
            "请删除或改名这些列后重新导入，本次未导入任何数据。"
        )
    if dupes:
        raise InputError(
            f"{where} 的表头中“{'”“'.join(dupes)}”出现了不止一次：每列只能出现一次。"
            "本次未导入任何数据。"
        )
    return index
