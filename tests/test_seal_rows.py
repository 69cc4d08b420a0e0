"""Seals made from the inserted rows (store/seal_rows.py): the same digests as read back.

A bulk import seals the records it inserted whole from the values it inserted, without
reading them back. These tests hold each such digest to the one ``seal.digests`` reads from
the tables afterwards, on real imports through the CLI that write every column type
(text, integers, dates, booleans, NULLs, JSON lists, numbered ids), check that the imported
records were in fact not read back, that anything else touched is, and that a value whose
storage is not certain falls back to reading it back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.factories import ROOT, make_case, must, query, run_cli, uscc
from tests.test_intake_import import HEADER, TODAY, order, write
from zuozhen.models import Enterprise
from zuozhen.store import seal
from zuozhen.store.seal_rows import affinity, stored
from zuozhen.store.storage import Act, open_case_file


@pytest.fixture
def read_back(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, set[str]]]:
    """The records the seal reads back from the tables, by kind."""
    seen: dict[str, set[str]] = {}
    real = seal.digests

    def spy(conn: Any, kind: str, ids: Any) -> dict[str, seal.Digest]:
        ids = list(ids)
        seen.setdefault(kind, set()).update(ids)
        return real(conn, kind, ids)

    monkeypatch.setattr(seal, "digests", spy)
    yield seen


def sealed(db: Path) -> dict[tuple[str, str], seal.Digest]:
    """Each record's last seal in the trail."""
    out: dict[tuple[str, str], seal.Digest] = {}
    for (detail,) in query(db, "SELECT detail FROM trail WHERE action = 'seal' ORDER BY id"):
        for kind, records in json.loads(detail).items():
            for rid, digest in records.items():
                out[kind, rid] = digest
    return out


def same_as_read_back(db: Path) -> dict[tuple[str, str], seal.Digest]:
    """Every record's seal equals its digest read from the tables now (and verify agrees)."""
    seals = sealed(db)
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            for kind in seal.RECORDS:
                ids = [rid for k, rid in seals if k == kind]
                now = seal.digests(conn, kind, ids) if ids else {}
                assert {rid: seals[kind, rid] for rid in ids} == now, kind
    finally:
        engine.dispose()
    checked = run_cli(db, "verify", today=TODAY)
    assert checked.code == 0, checked.stdout + checked.stderr
    return seals


def test_an_intake_import_is_sealed_from_its_rows_as_read_back(
    db_path: Path, tmp_path: Path, read_back: dict[str, set[str]]
) -> None:
    """Bookings (text, integer, date, NULL columns), appeals (booleans, JSON list, NULL
    dates) with their deadlines (numbered ids, dates, booleans) and new enterprises (a NULL
    and a given region): digested from the rows, none read back; the enterprise known before
    and changed by the import (an UPDATE) is read back."""
    must(db_path, "intake", "--channel", "12345", "--ref", "GD0", "--date", "2026-11-02",
         "--enterprise", "云南测试1号有限公司", "--uscc", uscc(1), "--contact", "王小明",
         "--phone", "13812345678", "--appeal", "咨询出口退税办理时限", today=TODAY)  # fmt: skip
    rows = [
        order(1, 受理时间="2026-11-28 10:00:00", 联系电话="13900000001"),
        order(2, text="园区周边道路施工封闭，未设置绕行标志", 所属地区="昆明市"),
        order(3, 受理时间="2026-10-30 16:45:00", 诉求类别="政策咨询"),
        order(4, text="电费 123 元/月"),
    ]
    read_back.clear()
    must(db_path, "intake", "--from-csv", str(write(tmp_path / "a.csv", rows)), "--channel",
         "12345", "--update-enterprise", "--allow-new", "--json", today=TODAY)  # fmt: skip
    assert read_back.get("enterprise") == {uscc(1)}
    assert not read_back.get("appeal") and not read_back.get("booking")
    seals = same_as_read_back(db_path)
    imported = {rid for (kind, rid) in seals if kind == "appeal"}
    assert len(imported) == 5  # the single intake and the four rows
    assert all("deadline" in seals["appeal", a] for a in imported)  # type: ignore[operator]
    assert query(db_path, "SELECT typeof(booked_on), typeof(seq) FROM booking LIMIT 1") == [
        ("text", "integer")
    ]


def test_a_ledger_import_is_sealed_from_its_rows_as_read_back(
    tmp_path: Path, read_back: dict[str, set[str]]
) -> None:
    """Items with their hand-offs (JSON units, booleans, NULLs) and two deadlines each."""
    db = tmp_path / "city.db"
    make_case(db, "city", date(2026, 3, 2)).close()
    lid = must(db, "ledger", "new", "--name", "整改清单", "--source", "评估反馈报告",
               "--year", "2026", "--json", today="2026-03-02")["id"]  # fmt: skip
    read_back.clear()
    sample = ROOT / "data" / "sample" / "ledger-tongliao.csv"
    must(db, "ledger", "import", lid, str(sample), "--json", today="2026-03-02")
    assert not read_back.get("appeal")
    seals = same_as_read_back(db)
    item = seals["appeal", f"{lid}-003"]
    assert isinstance(item, dict) and {"appeal", "handoff", "deadline"} <= set(item)


def test_a_value_stored_otherwise_is_read_back(
    tmp_path: Path, read_back: dict[str, set[str]]
) -> None:
    """A number given for a text column is stored as text: that record is read back, the
    other one of the same insert is not, and both seals are right."""
    db = tmp_path / "case.db"
    make_case(db).close()
    base = {"name": "云南测试有限公司", "contact": "王小明", "phone": "13812345678",
            "industry": None, "created_at": "t", "updated_at": "t"}  # fmt: skip
    case = open_case_file(str(db))
    try:
        with case.write(Act("测试员", date(2026, 12, 7)), bulk=True) as tx:
            tx.insert_many(
                Enterprise,
                [
                    {**base, "uscc": uscc(1), "region": 530100},
                    {**base, "uscc": uscc(2), "region": "昆明市"},
                ],
            )
    finally:
        case.close()
    assert read_back.get("enterprise") == {uscc(1)}
    assert query(db, "SELECT typeof(region) FROM enterprise ORDER BY uscc") == [("text",)] * 2
    same_as_read_back(db)


@pytest.mark.parametrize(
    ("declared", "value", "certain"),
    [
        ("VARCHAR", "2026-12-01", True),
        ("VARCHAR", 5, False),
        ("DATE", "2026-12-01", True),
        ("DATE", "20261201", False),
        ("DATE", " 1e3 ", False),
        ("BOOLEAN", True, True),
        ("INTEGER", 7, True),
        ("INTEGER", "7", False),
        ("INTEGER", "0x1A", False),
        ("INTEGER", 1.0, False),
        ("FLOAT", 1.5, True),
        ("VARCHAR", None, True),
        ("DATE", date(2026, 12, 1), False),
    ],
)
def test_which_values_are_stored_as_given(declared: str, value: object, certain: bool) -> None:
    assert stored(value, affinity(declared))[0] is certain


def test_the_affinity_rules() -> None:
    assert [affinity(t) for t in ("INTEGER", "VARCHAR(16)", "TEXT", "", "REAL", "DATE")] == [
        "INTEGER", "TEXT", "TEXT", "BLOB", "REAL", "NUMERIC"
    ]  # fmt: skip
    assert stored(True, "NUMERIC") == (True, 1)


def test_a_csv_with_every_row_known_changes_no_seal(db_path: Path, tmp_path: Path) -> None:
    """Imported again, nothing is inserted and nothing sealed anew."""
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerow(order(1))
    must(db_path, "intake", "--from-csv", str(path), "--channel", "12345", "--json", today=TODAY)
    before = sealed(db_path)
    must(db_path, "intake", "--from-csv", str(path), "--channel", "12345", "--json", today=TODAY)
    assert sealed(db_path) == before


@pytest.mark.parametrize("undone", [True, False])
def test_rows_inserted_in_a_savepoint_are_read_back(
    tmp_path: Path, read_back: dict[str, set[str]], undone: bool
) -> None:
    """A savepoint (one row of a unit's workbook) may be rolled back after its insert:
    its records are read back, so an undone insert is sealed as absent, a kept one as is."""
    db = tmp_path / "case.db"
    make_case(db).close()
    row = {"uscc": uscc(3), "name": "云南测试有限公司", "contact": "王小明",
           "phone": "13812345678", "region": None, "industry": None, "created_at": "t",
           "updated_at": "t"}  # fmt: skip
    case = open_case_file(str(db))
    try:
        with case.write(Act("测试员", date(2026, 12, 7)), bulk=True) as tx:
            tx.insert_many(Enterprise, [{**row, "uscc": uscc(4)}])  # outside: from the row
            try:
                with tx.session.begin_nested():
                    tx.insert_many(Enterprise, [row])
                    if undone:
                        raise KeyError("undo")
            except KeyError:
                pass
    finally:
        case.close()
    assert read_back.get("enterprise") == {uscc(3)}
    seals = same_as_read_back(db)
    assert (seals["enterprise", uscc(3)] is None) is undone
    assert seals["enterprise", uscc(4)] is not None


def test_only_a_bulk_import_digests_from_its_rows(
    tmp_path: Path, read_back: dict[str, set[str]]
) -> None:
    """An ordinary change (``book --from-csv`` among them) reads its records back: keeping
    the inserted rows' digests costs memory until the commit, paid only by a bulk import."""
    db = tmp_path / "case.db"
    make_case(db).close()
    row = {"name": "云南测试有限公司", "contact": "王小明", "phone": "13812345678",
           "region": None, "industry": None, "created_at": "t", "updated_at": "t"}  # fmt: skip
    case = open_case_file(str(db))
    try:
        for n, bulk in ((5, False), (6, True)):
            with case.write(Act("测试员", date(2026, 12, 7)), bulk=bulk) as tx:
                tx.insert_many(Enterprise, [{**row, "uscc": uscc(n)}])
    finally:
        case.close()
    assert read_back.get("enterprise") == {uscc(5)}
    same_as_read_back(db)
