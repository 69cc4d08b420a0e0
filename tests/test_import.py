"""挂号导入 (book --from-csv): encodings, header, bad rows with line numbers, --strict."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.factories import OPERATOR, Ran, act, book, opened, unchanged, uscc
from tests.factories import query as rows
from zuozhen import bookings_import
from zuozhen.errors import InputError, RuleError
from zuozhen.resources import data_path
from zuozhen.store import trail

Cli = Callable[..., Ran]
DAY = date(2026, 10, 9)


HEADER = "企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容"


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def row(
    n: int, text: str = "电费补贴迟迟未兑现", *, category: str = "政策咨询", **over: str
) -> str:
    """One line of the online window's export: enterprise ``n`` as ``book`` makes it."""
    cells = {
        "name": f"云南测试{n}号有限公司",
        "uscc": uscc(n),
        "contact": "王小明",
        "phone": "13812345678",
        "category": category,
        "text": text,
    }
    cells.update(over)
    return ",".join(cells.values())


def run_import(db: Path, path: Path, day: date = DAY, **kw: object) -> bookings_import.Imported:
    with opened(db) as case:
        return bookings_import.import_csv(case, act(day), path, **kw)  # type: ignore[arg-type]


def chain_ok(db: Path) -> bool:
    with opened(db) as case, case.read() as s:
        return trail.verify_chain(s) == []


# -- the shipped samples ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["bookings.csv", "bookings-gb18030.csv"])
def test_sample_files_import(db_path: Path, name: str) -> None:
    r = run_import(db_path, data_path("sample", name))
    assert r.rejected == [] and r.imported == 28
    assert len(r.bookings_created) == 22 and r.bookings_created[0] == "202610-001"
    assert r.encoding == ("GB18030" if "gb" in name else "UTF-8 (BOM)")
    assert r.verify_due == date(2026, 10, 22)
    # Rows of one enterprise form one booking: 28 appeals on 22 bookings.
    assert rows(db_path, "SELECT count(*) FROM appeal") == [(28,)]
    assert rows(db_path, "SELECT count(*) FROM booking WHERE source='导入'") == [(22,)]
    assert rows(
        db_path, "SELECT count(*) FROM deadline WHERE step='verify' AND due='2026-10-22'"
    ) == [(28,)]
    assert rows(db_path, "SELECT max(seq) FROM appeal") == [(3,)]
    assert chain_ok(db_path)


def test_gb18030_and_utf8_give_the_same_case(tmp_path: Path, db_path: Path) -> None:
    lines = [HEADER + ",所属地区", row(1, "园区道路未接通，货车进出困难") + ",曲靖市"]
    a = write_csv(tmp_path / "a.csv", lines, "gb18030")
    b = write_csv(tmp_path / "b.csv", lines, "utf-8")  # no BOM
    ra = run_import(db_path, a)
    assert ra.encoding == "GB18030" and ra.imported == 1
    text = rows(db_path, "SELECT text FROM appeal")[0][0]
    assert text == "园区道路未接通，货车进出困难"
    assert rows(db_path, "SELECT region FROM enterprise") == [("曲靖市",)]
    # the same rows again in UTF-8: recognised as already booked, nothing new
    with pytest.raises(bookings_import.ImportRefused):
        run_import(db_path, b)


def test_columns_in_any_order(db_path: Path, tmp_path: Path) -> None:
    lines = [
        "诉求内容,诉求类别,联系电话,联系人,统一社会信用代码,企业名称,所属行业",
        f"出口退税慢,服务需求,13812345678,王小明,{uscc(3)},云南测试3号有限公司,外贸",
    ]
    r = run_import(db_path, write_csv(tmp_path / "x.csv", lines))
    assert r.imported == 1
    assert rows(db_path, "SELECT name, industry FROM enterprise") == [
        ("云南测试3号有限公司", "外贸")
    ]
    assert rows(db_path, "SELECT category, text FROM appeal") == [("服务需求", "出口退税慢")]


# -- bad files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("企业名称,统一社会信用代码,联系人,诉求类别,诉求内容", "联系电话"),
        (HEADER + ",联系人", "不止一次"),
        ("name,uscc,contact,phone,category,text", "企业名称"),
    ],
)
def test_wrong_header_refused_up_front(
    db_path: Path, tmp_path: Path, cli: Cli, header: str, words: str
) -> None:
    path = write_csv(tmp_path / "h.csv", [header, row(1)])
    with unchanged(db_path):
        ran = cli(db_path, "book", "--from-csv", str(path), today="2026-10-09")
        assert ran.code == 1 and words in ran.stderr and "表头" in ran.stderr


def test_undecodable_file_refused(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode("utf-8") + b"\r\n\xff\xfe\xff,\x80\x80\r\n")
    with unchanged(db_path):
        ran = cli(db_path, "book", "--from-csv", str(path), today="2026-10-09")
        assert ran.code == 1 and "第 2 行" in ran.stderr and "UTF-8" in ran.stderr


def test_xlsx_and_missing_file_refused(db_path: Path, tmp_path: Path) -> None:
    x = tmp_path / "book.csv"
    x.write_bytes(b"PK\x03\x04rest-of-zip")
    with pytest.raises(InputError, match="xlsx"):
        run_import(db_path, x)
    with pytest.raises(InputError, match="找不到"):
        run_import(db_path, tmp_path / "nope.csv")


# -- bad rows ---------------------------------------------------------------------------


def _mixed(tmp_path: Path) -> Path:
    bad_code = uscc(5)[:-1] + ("0" if uscc(5)[-1] != "0" else "1")
    lines = [
        HEADER,  # 1
        row(1, "诉求一"),  # 2
        row(2, "诉求二", phone="1381234567"),  # 3  10-digit phone
        row(1, '"多行诉求：第一段\r\n第二段"'),  # 4-5 a quoted cell over two lines
        "",  # 6  blank line: skipped, still counted
        row(5, "诉求五", uscc=bad_code),  # 7  wrong check character
        row(6, "", category="投诉"),  # 8  empty appeal and unknown category
        row(1, "诉求一"),  # 9  same enterprise, same text as line 2
        row(7, "诉求七", category="意见建议"),  # 10
    ]
    return write_csv(tmp_path / "mixed.csv", lines)


def test_bad_rows_reported_with_physical_line_numbers(db_path: Path, tmp_path: Path) -> None:
    r = run_import(db_path, _mixed(tmp_path))
    assert r.imported == 3
    assert [x.line for x in r.rejected] == [3, 7, 8, 9]
    errors = {x.line: x.error for x in r.rejected}
    assert "联系电话" in errors[3]
    assert "校验位" in errors[7]
    assert "诉求类别" in errors[8] and "诉求内容不能为空" in errors[8]
    assert "第 2 行" in errors[9]
    assert rows(db_path, "SELECT id, text FROM appeal ORDER BY id") == [
        ("202610-001-1", "诉求一"),
        ("202610-001-2", "多行诉求：第一段\n第二段"),
        ("202610-002-1", "诉求七"),
    ]
    summary = rows(db_path, "SELECT operator, detail FROM trail WHERE entity='import'")
    assert summary[0][0] == OPERATOR and "mixed.csv" in str(summary[0][1])
    assert '"imported":3' in str(summary[0][1]) and "202610-002" in str(summary[0][1])
    per = rows(
        db_path, "SELECT entity_id FROM trail WHERE action='book.import' AND entity='booking'"
    )
    assert sorted(p[0] for p in per) == ["202610-001", "202610-002"]
    assert chain_ok(db_path)


def test_strict_imports_nothing(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    path = _mixed(tmp_path)
    with unchanged(db_path):
        ran = cli(
            db_path, "book", "--from-csv", str(path), "--strict", "--json", today="2026-10-09"
        )
        assert ran.code == 1
        assert "--strict" in ran.stderr and "第 3 行" in ran.stderr
        doc = ran.json()
        assert doc["imported"] == 0 and [x["line"] for x in doc["rejected"]] == [3, 7, 8, 9]


def test_cli_some_bad_rows_exit_0_and_listed(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    ran = cli(db_path, "book", "--from-csv", str(_mixed(tmp_path)), "--json", today="2026-10-09")
    assert ran.code == 0
    doc = ran.json()
    assert doc["imported"] == 3
    assert [x["line"] for x in doc["rejected"]] == [3, 7, 8, 9]
    assert all(x["error"] for x in doc["rejected"])
    assert "第 7 行" in ran.stderr and "未导入" in ran.stderr


def test_all_rows_bad_is_a_refusal(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    path = write_csv(tmp_path / "bad.csv", [HEADER, row(1, phone="12"), row(2, category="x")])
    with unchanged(db_path):
        ran = cli(db_path, "book", "--from-csv", str(path), today="2026-10-09")
        assert ran.code == 1 and "没有可导入的行" in ran.stderr


def test_import_joins_an_existing_booking_of_the_month(db_path: Path, tmp_path: Path) -> None:
    b = book(db_path, DAY, 1, "窗口登记的诉求")
    path = write_csv(
        tmp_path / "j.csv", [HEADER, row(1, "导入的新诉求", contact="李四"), row(2, "别家")]
    )
    r = run_import(db_path, path)
    assert r.bookings_extended == [b.booking] and r.bookings_created == ["202610-002"]
    assert rows(db_path, "SELECT id FROM appeal ORDER BY id") == [
        ("202610-001-1",),
        ("202610-001-2",),
        ("202610-002-1",),
    ]
    assert r.enterprises_updated == 1
    assert rows(db_path, "SELECT contact FROM enterprise WHERE uscc=?", uscc(1)) == [("李四",)]
    # numbers allocated in a block continue the counter for the next single booking
    assert book(db_path, DAY, 9).booking == "202610-003"


def test_import_outside_the_window(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", [HEADER, row(1)])
    with unchanged(db_path), pytest.raises(RuleError, match="挂号窗口"):
        run_import(db_path, path, date(2026, 10, 14))
    r = run_import(db_path, path, date(2026, 10, 14), late="国庆后集中补录")
    assert r.late_reason == "国庆后集中补录" and r.verify_due == date(2026, 10, 23)
    assert rows(db_path, "SELECT late_reason FROM booking") == [("国庆后集中补录",)]


def test_codes_written_as_formulas_import_as_text(db_path: Path, tmp_path: Path) -> None:
    """A file of ours (or one a clerk saved with ="…" cells) gives back the exact codes."""
    from zuozhen.files.csvout import write_csv as export

    path = tmp_path / "round.csv"
    codes = ("915301001234567805", "9153010012345670E8")
    export(
        path,
        HEADER.split(","),
        [
            [f"云南{i}号公司", c, "王小明", "13812345678", "政策咨询", "电费补贴"]
            for i, c in enumerate(codes)
        ],
    )
    assert '"=""915301001234567805"""' in path.read_text(encoding="utf-8-sig")
    result = run_import(db_path, path)
    assert result.imported == 2 and result.rejected == []
    assert rows(db_path, "SELECT uscc, phone FROM enterprise ORDER BY name") == [
        (codes[0], "13812345678"),
        (codes[1], "13812345678"),
    ]
