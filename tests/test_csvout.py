"""The shared CSV writer: BOM, CRLF, formula neutralisation, streaming, atomic, no overwrite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from zuozhen.errors import InputError
from zuozhen.files.csvout import neutralise, write_csv


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("电费补贴=未兑现", "电费补贴=未兑现"),
        ("", ""),
        (None, ""),
        (3, 3),
        (-2, -2),
        (12.5, 12.5),
        (True, "是"),
        (date(2026, 10, 8), "2026-10-08"),
        # codes a spreadsheet would cut: ="…", the text itself (cli.md)
        ("915301001234567805", '="915301001234567805"'),
        ("9153010012345670E8", '="9153010012345670E8"'),
        ("9153010012345670e+8", '="9153010012345670e+8"'),
        ("13812345678", '="13812345678"'),
        ("08716310000", '="08716310000"'),
        ("007", '="007"'),
        # text a spreadsheet keeps: letters in the code, our IDs, short numbers, dates
        ("91530100MA6K5X7Q2Y", "91530100MA6K5X7Q2Y"),
        ("202610-003-1", "202610-003-1"),
        ("202610-003", "202610-003"),
        ("S202610-01", "S202610-01"),
        ("2026-10-21", "2026-10-21"),
        ("1381234567", "1381234567"),
        ("0", "0"),
        ("0871-63100000", "0871-63100000"),
        ("电话13812345678", "电话13812345678"),
        ("-915301001234567805", "'-915301001234567805"),
    ],
)
def test_neutralise(cell: object, expected: object) -> None:
    assert neutralise(cell) == expected


def test_write_csv_bom_crlf_numbers(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    n = write_csv(out, ["名称", "件数", "比率"], [["甲,乙", 3, 66.7], ["=cmd", -1, ""]])
    assert n == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == '名称,件数,比率\r\n"甲,乙",3,66.7\r\n\'=cmd,-1,\r\n'


def test_write_csv_streams(tmp_path: Path) -> None:
    seen = []

    def rows() -> Iterator[list[object]]:
        for i in range(5000):
            seen.append(i)
            yield [f"行{i}", i]

    out = tmp_path / "big.csv"
    assert write_csv(out, ["名称", "序号"], rows()) == 5000
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 5001
    assert seen == list(range(5000))


def test_write_csv_is_atomic(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    write_csv(out, ["x"], [["旧"]])

    def broken() -> Iterator[list[object]]:
        yield ["新"]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_csv(out, ["x"], broken(), overwrite=True)
    assert out.read_bytes().decode("utf-8-sig") == "x\r\n旧\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]  # no temp file left


def test_write_csv_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    out.write_text("keep", encoding="utf-8")
    with pytest.raises(InputError, match="已存在"):
        write_csv(out, ["x"], [])
    assert out.read_text(encoding="utf-8") == "keep"
    assert write_csv(out, ["x"], [[1]], overwrite=True) == 1
    assert out.read_bytes().decode("utf-8-sig") == "x\r\n1\r\n"


def test_write_csv_bad_targets(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="不存在"):
        write_csv(tmp_path / "nope" / "a.csv", ["x"], [])
    with pytest.raises(InputError, match="文件夹"):
        write_csv(tmp_path, ["x"], [])


def test_wrapped_codes_read_back_by_our_reader(tmp_path: Path) -> None:
    from zuozhen.files.csvin import read_table, unwrap

    out = tmp_path / "codes.csv"
    codes = ["915301001234567805", "9153010012345670E8", "13812345678", "08716310000"]
    write_csv(out, ["代码"], [[c] for c in codes])
    assert '"=""915301001234567805"""' in out.read_text(encoding="utf-8-sig")
    table = read_table(out, ["代码"])
    assert [r.cells[0] for r in table.rows] == codes
    assert unwrap('="a""b"') == 'a"b' and unwrap('="x') == '="x' and unwrap("=1+1") == "=1+1"
