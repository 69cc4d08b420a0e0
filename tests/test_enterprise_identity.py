"""Enterprise identity (issue 11, item 5), through the real CLI.

The credit code identifies the enterprise: a known code with another name or phone is
refused with the stored values shown (nothing changed), unless ``--update-enterprise``
(the old values kept in the trail); phones are compared in one normalised form; a new
code under a registered name is warned about, naming the registered code; full-width
codes are folded (NFKC); an empty value is "不能为空". CSV imports: the same rules per row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import Ran, book_args, query, unchanged, uscc
from zuozhen.errors import InputError
from zuozhen.validation import normalize_phone, normalize_uscc

Cli = Callable[..., Ran]
DAY = "2026-10-09"  # in October's booking window
FIRM = "云南测试1号有限公司"


def _book(cli: Cli, db: Path, *extra: str, n: int = 1, **kw: str) -> Ran:
    return cli(db, *book_args(n, **kw), *extra, today=DAY)


@pytest.fixture
def known(db_path: Path, cli: Cli) -> Path:
    """Enterprise 1 (云南测试1号有限公司, 王小明, 13812345678) booked once."""
    assert _book(cli, db_path, "--json").code == 0
    return db_path


def _enterprise(db: Path) -> list[tuple[str, str, str]]:
    return query(db, "SELECT name, contact, phone FROM enterprise WHERE uscc = ?", uscc(1))


# -- a known code, another name or phone ---------------------------------------------------


def test_known_code_with_another_name_is_refused_showing_the_stored_one(
    known: Path, cli: Cli
) -> None:
    with unchanged(known):
        ran = _book(cli, known, enterprise="云南测试壹号有限公司", appeals=["新的诉求"])
    assert ran.code == 1 and "Traceback" not in ran.stderr
    assert f"已登记为“{FIRM}”（联系电话 138****5678）" in ran.stderr
    assert "企业名称“云南测试壹号有限公司”" in ran.stderr and "--update-enterprise" in ran.stderr


def test_known_code_with_another_phone_is_refused(known: Path, cli: Cli) -> None:
    with unchanged(known):
        ran = _book(cli, known, phone="13999990000", appeals=["新的诉求"])
    assert ran.code == 1
    assert "联系电话 139****0000" in ran.stderr and "138****5678" in ran.stderr


def test_a_phone_differing_only_where_masked_says_so(known: Path, cli: Cli) -> None:
    with unchanged(known):
        ran = _book(cli, known, phone="13800005678", appeals=["新的诉求"])
    assert ran.code == 1 and "中间几位不同" in ran.stderr


def test_update_enterprise_renames_and_keeps_the_old_values_in_the_trail(
    known: Path, cli: Cli
) -> None:
    ran = _book(
        cli, known, "--update-enterprise", "--json",
        enterprise="云南测试壹号有限公司", phone="13999990000", appeals=["新的诉求"],
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert _enterprise(known) == [("云南测试壹号有限公司", "王小明", "13999990000")]
    detail = json.loads(
        query(known, "SELECT detail FROM trail WHERE action = 'book' ORDER BY id")[-1][0]
    )
    assert detail["enterprise_changes"]["name"] == [FIRM, "云南测试壹号有限公司"]
    assert detail["enterprise_changes"]["phone"] == ["138****5678", "139****0000"]  # PIPL: masked


@pytest.mark.parametrize(
    "phone",
    ["+86 138-1234-5678", "0086 13812345678", "＋８６ １３８１２３４５６７８", "138 1234 5678"],
)
def test_the_same_phone_written_otherwise_is_the_same_phone(
    known: Path, cli: Cli, phone: str
) -> None:
    ran = _book(cli, known, "--json", phone=phone, appeals=["新的诉求"])
    assert ran.code == 0, ran.stderr
    assert ran.json()["booking"] == "202610-001"  # joined the enterprise's booking
    assert _enterprise(known) == [(FIRM, "王小明", "13812345678")]


def test_the_same_name_written_with_full_width_brackets_is_not_a_rename(
    db_path: Path, cli: Cli
) -> None:
    assert _book(cli, db_path, enterprise="云南测试（昆明）有限公司").code == 0
    ran = _book(cli, db_path, enterprise="云南测试(昆明)有限公司", appeals=["新的诉求"])
    assert ran.code == 0, ran.stderr
    assert query(db_path, "SELECT name FROM enterprise") == [("云南测试（昆明）有限公司",)]


def test_a_new_contact_is_brought_up_to_date_without_a_flag(known: Path, cli: Cli) -> None:
    ran = _book(cli, known, contact="李四", appeals=["新的诉求"])
    assert ran.code == 0, ran.stderr
    assert _enterprise(known) == [(FIRM, "李四", "13812345678")]


# -- the same name under another code -------------------------------------------------------


def test_same_name_with_another_code_is_warned_naming_the_code(known: Path, cli: Cli) -> None:
    ran = _book(cli, known, "--json", n=2, enterprise=FIRM)
    assert ran.code == 0, ran.stderr
    assert uscc(1) in ran.stderr and uscc(2) in ran.stderr and "核对代码" in ran.stderr
    assert any(uscc(1) in w for w in ran.json()["warnings"])
    assert query(known, "SELECT count(*) FROM enterprise") == [(2,)]


# -- full width, empty values ---------------------------------------------------------------


def test_a_full_width_code_is_folded_to_the_same_code(known: Path, cli: Cli) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in uscc(1).lower())  # ９１５３…ｍａ…
    ran = _book(cli, known, "--json", uscc=wide, appeals=["新的诉求"])
    assert ran.code == 0, ran.stderr
    assert ran.json()["uscc"] == uscc(1) and ran.json()["booking"] == "202610-001"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("phone", "联系电话不能为空"),
        ("uscc", "统一社会信用代码不能为空"),
        ("enterprise", "企业名称不能为空"),
        ("contact", "联系人不能为空"),
    ],
)
def test_an_empty_value_is_not_empty_not_malformed(
    db_path: Path, cli: Cli, option: str, message: str
) -> None:
    with unchanged(db_path):
        ran = _book(cli, db_path, **{option: ""})
    assert ran.code == 1 and message in ran.stderr and "非数字" not in ran.stderr


@settings(max_examples=200, deadline=None)
@given(
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    cuts=st.lists(st.integers(min_value=1, max_value=10), max_size=3),
    sep=st.sampled_from([" ", "-", "－", "—", "\u3000"]),
    prefix=st.sampled_from(["", "+86", "+86 ", "0086", "86", "＋８６"]),
    wide=st.booleans(),
)
def test_every_way_of_writing_a_mobile_is_one_number(
    number: str, cuts: list[int], sep: str, prefix: str, wide: bool
) -> None:
    text = number
    for at in sorted(set(cuts), reverse=True):
        text = text[:at] + sep + text[at:]
    text = prefix + text
    if wide:
        text = "".join(chr(ord(c) + 0xFEE0) if c in "0123456789" else c for c in text)
    assert normalize_phone(text) == number


def test_a_full_width_letter_is_folded_before_the_check() -> None:
    code = uscc(7)  # 91530100MA…
    assert normalize_uscc(code[:8] + "ｍＡ" + code[10:]) == code
    with pytest.raises(InputError, match="不允许的字符“O”"):
        normalize_uscc(code[:10] + "Ｏ" + code[11:])


# -- the CSV import ---------------------------------------------------------------------------

HEADER = "企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容"


def _csv(path: Path, *rows: tuple[str, str, str]) -> Path:
    lines = [HEADER] + [
        f"{name},{code},王小明,{phone},政策咨询,诉求{i}"
        for i, (name, code, phone) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_row_with_a_known_code_and_another_name_is_a_bad_row(
    known: Path, cli: Cli, tmp_path: Path
) -> None:
    f = _csv(
        tmp_path / "a.csv",
        ("云南测试壹号有限公司", uscc(1), "13812345678"),
        ("云南测试2号有限公司", uscc(2), "13812345678"),
    )
    ran = cli(known, "book", "--from-csv", str(f), "--json", today=DAY)
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["imported"] == 1
    assert [r["line"] for r in doc["rejected"]] == [2]
    assert f"已登记为“{FIRM}”" in doc["rejected"][0]["error"]
    assert _enterprise(known) == [(FIRM, "王小明", "13812345678")]


def test_import_strict_with_an_identity_conflict_imports_nothing(
    known: Path, cli: Cli, tmp_path: Path
) -> None:
    f = _csv(
        tmp_path / "a.csv",
        (FIRM, uscc(1), "13999990000"),
        ("云南测试2号有限公司", uscc(2), "13812345678"),
    )
    with unchanged(known):
        ran = cli(known, "book", "--from-csv", str(f), "--strict", today=DAY)
    assert ran.code == 1 and "第 2 行" in ran.stderr and "139****0000" in ran.stderr


def test_import_with_update_enterprise_takes_the_files_details(
    known: Path, cli: Cli, tmp_path: Path
) -> None:
    f = _csv(tmp_path / "a.csv", ("云南测试壹号有限公司", uscc(1), "+86 139-9999-0000"))
    ran = cli(known, "book", "--from-csv", str(f), "--update-enterprise", "--json", today=DAY)
    assert ran.code == 0, ran.stderr
    assert ran.json()["enterprises_updated"] == 1
    assert _enterprise(known) == [("云南测试壹号有限公司", "王小明", "13999990000")]
    details = [d for (d,) in query(known, "SELECT detail FROM trail WHERE action = 'book.import'")]
    assert any(FIRM in d and "云南测试壹号有限公司" in d for d in details)


def test_import_rows_of_one_new_code_must_agree(db_path: Path, cli: Cli, tmp_path: Path) -> None:
    f = _csv(
        tmp_path / "a.csv",
        ("云南测试5号有限公司", uscc(5), "13812345678"),
        ("云南测试5号有限公司", "９" + uscc(5)[1:], "13800000000"),  # full width, other phone
    )
    ran = cli(db_path, "book", "--from-csv", str(f), "--json", today=DAY)
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["imported"] == 1 and [r["line"] for r in doc["rejected"]] == [3]
    assert "文件第 2 行为准" in doc["rejected"][0]["error"]


def test_import_warns_of_a_registered_name_under_a_new_code(
    known: Path, cli: Cli, tmp_path: Path
) -> None:
    f = _csv(tmp_path / "a.csv", (FIRM, uscc(3), "13812345678"))
    ran = cli(known, "book", "--from-csv", str(f), "--json", today=DAY)
    assert ran.code == 0, ran.stderr
    assert any("第 2 行" in w and uscc(1) in w for w in ran.json()["warnings"])
