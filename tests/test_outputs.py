"""Output files and report options, issue 12: a file name that says another format is
refused for every output option (nothing written, nothing recorded); ``--by`` in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Ran
from tests.factories import fingerprint
from zuozhen.errors import InputError
from zuozhen.files.outfiles import EXTENSIONS, check_extension

Cli = Callable[..., Ran]
TODAY = "2026-12-10"  # the report quarter's day (tests/scenarios.py)
QUARTER = ("report", "quarterly", "--quarter", "2026Q4")


# -- --by in Chinese ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "code"), [("单位", "unit"), ("主题", "theme"), ("地区", "region"), ("类别", "class")]
)
def test_by_takes_the_chinese_word(quarter_db: Path, cli: Cli, word: str, code: str) -> None:
    zh = cli(quarter_db, *QUARTER, "--by", word, "--json", today=TODAY)
    en = cli(quarter_db, *QUARTER, "--by", code, "--json", today=TODAY)
    assert zh.code == 0 and en.code == 0, zh.stderr
    assert zh.json() == en.json() and zh.json()["by"] == code
    shown = cli(quarter_db, *QUARTER, "--by", word, today=TODAY).stdout
    assert shown == cli(quarter_db, *QUARTER, "--by", code, today=TODAY).stdout


def test_by_csv_in_chinese_has_the_fixed_header(quarter_db: Path, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    assert cli(quarter_db, *QUARTER, "--by", "单位", "--csv", str(out), today=TODAY).code == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert (
        header
        == "单位,受理诉求,现场解决,交办,已办结,按期办结,超期未办结,延期,解释说明,平均办理工作日,评价数,满意率"
    )


def test_an_unknown_by_is_refused(quarter_db: Path, cli: Cli) -> None:
    ran = cli(quarter_db, *QUARTER, "--by", "部门", today=TODAY)
    assert ran.code == 1 and "不能按“部门”分组" in ran.stderr and "unit（单位）" in ran.stderr
    assert ran.stdout == ""


# -- the extension says the format ------------------------------------------------------------


def test_csv_named_xlsx_is_refused_even_with_force(
    quarter_db: Path, cli: Cli, tmp_path: Path
) -> None:
    book = tmp_path / "2026Q4.xlsx"
    ran = cli(quarter_db, *QUARTER, "--xlsx", str(book), today=TODAY)
    assert ran.code == 0 and book.read_bytes().startswith(b"PK")
    before = book.read_bytes()
    ran = cli(quarter_db, *QUARTER, "--csv", str(book), "--force", today=TODAY)
    assert ran.code == 1
    assert "CSV 文件的名称应以 .csv 结尾" in ran.stderr and "Excel 工作簿的扩展名" in ran.stderr
    assert "2026Q4.csv" in ran.stderr and "未生成任何文件" in ran.stderr
    assert book.read_bytes() == before  # the workbook is untouched


@pytest.mark.parametrize(
    "args",
    [
        [*QUARTER, "--csv", "{d}/q.xlsx"],
        [*QUARTER, "--xlsx", "{d}/q.csv"],
        [*QUARTER, "--csv", "{d}/q"],
        [*QUARTER, "--csv", "{d}/q.csv", "--xlsx", "{d}/q.xls"],
        ["report", "items", "--month", "2026-10", "--csv", "{d}/清单.txt"],
        ["report", "items", "--month", "2026-10", "--with-contacts", "--xlsx", "{d}/清单.csv"],
        ["report", "bulletin", "--quarter", "2026Q4", "--output", "{d}/通报.md"],
        [
            "report",
            "bulletin",
            "--quarter",
            "2026Q4",
            "--format",
            "md",
            "--output",
            "{d}/通报.html",
        ],
        ["report", "record", "--session", "S202610-01", "--csv", "{d}/记录表.xlsx"],
        [
            "announce",
            "--month",
            "2027-01",
            "--format",
            "html",
            "--output",
            "{d}/公告.md",
            "--publish",
        ],
        ["announce", "--month", "2027-01", "--output", "{d}/公告.html"],
        ["announce", "--month", "2027-01", "--json", "--output", "{d}/公告.txt"],
        ["notify", "--export", "{d}/短信.xlsx"],
    ],
    ids=lambda a: " ".join(a[:2] + a[-2:]).replace("{d}/", ""),
)
def test_every_output_option_checks_the_extension(
    quarter_db: Path, cli: Cli, tmp_path: Path, args: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.replace("{d}", str(out)) for a in args]
    before = fingerprint(quarter_db)
    ran = cli(quarter_db, *argv, today=TODAY)
    assert ran.code == 1, ran.stderr
    assert "的名称应以" in ran.stderr and "结尾" in ran.stderr and "Traceback" not in ran.stderr
    assert list(out.iterdir()) == []  # nothing written, not even the other file
    assert fingerprint(quarter_db) == before  # nothing recorded (--publish, --with-contacts)


@pytest.mark.parametrize(
    "args",
    [
        [*QUARTER, "--csv", "{d}/Q4.CSV"],
        [*QUARTER, "--xlsx", "{d}/Q4.XLSX"],
        ["report", "bulletin", "--quarter", "2026Q4", "--output", "{d}/通报.htm"],
        ["announce", "--month", "2026-10", "--format", "md", "--output", "{d}/公告.markdown"],
    ],
)
def test_matching_names_are_written(
    quarter_db: Path, cli: Cli, tmp_path: Path, args: list[str]
) -> None:
    argv = [a.replace("{d}", str(tmp_path)) for a in args]
    ran = cli(quarter_db, *argv, today=TODAY)
    assert ran.code == 0, ran.stderr
    assert Path(argv[-1]).exists()


def test_check_extension_names_both_formats(tmp_path: Path) -> None:
    for fmt, ends in EXTENSIONS.items():
        check_extension(tmp_path / f"a{ends[0].upper()}", fmt)
    with pytest.raises(InputError, match=r"HTML 文件的名称应以 \.html 或 \.htm 结尾.*Markdown"):
        check_extension(tmp_path / "公告.md", "html", "--output")
