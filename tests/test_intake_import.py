"""受理导入 (``intake --from-csv``) through the real CLI (issue 14): a channel's export in
GB18030 or UTF-8, per-row errors, idempotent by 工单编号, one transaction; the imported
appeals sealed, searchable and in the same loop."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from tests.factories import book, make_case, must, query, run_cli, tamper, unchanged, uscc
from zuozhen.booking import CSV_REQUIRED as BOOKING_HEADER
from zuozhen.intake_import import CSV_REQUIRED

TODAY = "2026-12-07"
HEADER = [*CSV_REQUIRED, "诉求类别", "所属地区", "来电号码"]


def order(n: int, text: str = "厂区门口路灯损坏，夜间不安全", **kw: str) -> list[str]:
    row = {
        "工单编号": f"GD{n:05d}",
        "受理时间": "2026-12-01 09:30:00",
        "企业名称": f"云南测试{n}号有限公司",
        "统一社会信用代码": uscc(n),
        "联系人": "王小明",
        "联系电话": "13812345678",
        "诉求内容": text,
        "诉求类别": "服务需求",
        "所属地区": "",
        "来电号码": "0871-12345",
        **kw,
    }
    return [row[h] for h in HEADER]


def write(
    path: Path, rows: list[list[str]], encoding: str = "gb18030", header: list[str] = HEADER
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def imports(db: Path, path: Path, *extra: str, channel: str = "12345") -> dict[str, object]:
    return dict(
        must(
            db,
            "intake",
            "--from-csv",
            str(path),
            "--channel",
            channel,
            *extra,
            "--json",
            today=TODAY,
        )
    )


def count(db: Path, sql: str = "SELECT count(*) FROM appeal") -> int:
    return int(query(db, sql)[0][0])


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_import_then_import_again_adds_nothing(
    db_path: Path, tmp_path: Path, encoding: str
) -> None:
    path = write(
        tmp_path / "12345.csv", [order(1), order(2), order(3, "企业用水报装等待过久")], encoding
    )
    doc = imports(db_path, path)
    assert (doc["imported"], doc["skipped"], doc["rejected"]) == (3, 0, [])
    assert doc["channel"] == "12345" and "来电号码" in doc["ignored_columns"]  # type: ignore[operator]
    rows = query(
        db_path,
        "SELECT b.channel, b.ref, b.booked_on, b.source, a.status, a.category FROM booking b"
        " JOIN appeal a ON a.booking_id = b.id ORDER BY b.id",
    )
    assert rows[0] == ("12345", "GD00001", "2026-12-01", "导入", "received", "服务需求")
    assert count(db_path, "SELECT count(*) FROM deadline WHERE step = 'triage'") == 3
    before = count(db_path)
    again = imports(db_path, path)
    assert (again["imported"], again["skipped"], again["rejected"]) == (0, 3, [])
    assert count(db_path) == before


def test_same_number_other_content_is_rejected_naming_both(db_path: Path, tmp_path: Path) -> None:
    imports(db_path, write(tmp_path / "a.csv", [order(1)]))
    changed = write(
        tmp_path / "b.csv",
        [order(1, "另一件事：园区道路施工封闭"), order(2), order(2, "另一件事"), order(3)],
    )
    doc = imports(db_path, changed)
    assert doc["imported"] == 2 and doc["skipped"] == 0
    rejected = {r["line"]: r["error"] for r in doc["rejected"]}  # type: ignore[attr-defined]
    assert set(rejected) == {2, 4}
    assert "J202612-0001-1" in rejected[2] and "园区道路施工封闭" in rejected[2]
    assert "路灯" in rejected[2]  # both contents named
    assert "与第 3 行相同" in rejected[4]


def test_bad_rows_are_reported_by_line_and_strict_imports_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    rows = [
        order(1),
        order(2, 受理时间="2026-12-09 10:00"),  # after --today
        order(3, 统一社会信用代码="91530100MA6K5X7Q2X"),
        order(4, 受理时间="2025-06-01"),  # before the case file's first year
        order(5, 工单编号=""),
    ]
    path = write(tmp_path / "bad.csv", rows)
    with unchanged(db_path):
        ran = run_cli(
            db_path,
            "intake",
            "--from-csv",
            str(path),
            "--channel",
            "12345",
            "--strict",
            "--json",
            today=TODAY,
        )
    assert ran.code == 1
    lines = [r["line"] for r in ran.json()["rejected"]]
    assert lines == [3, 4, 5, 6]
    doc = imports(db_path, path)
    assert doc["imported"] == 1
    errors = {r["line"]: r["error"] for r in doc["rejected"]}  # type: ignore[attr-defined]
    assert "晚于办理日期" in errors[3] and "早于本案卷启用" in errors[5]
    assert "工单编号为空" in errors[6]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("booking", "book --from-csv"),
        ("no_numbers", "不带渠道编号"),
        ("zuozhen", "zuozhen book"),
        ("empty", "没有数据行"),
    ],
)
def test_whole_file_refusals_change_nothing(
    db_path: Path, tmp_path: Path, setup: str, message: str
) -> None:
    channel = {"no_numbers": "接待日", "zuozhen": "坐诊"}.get(setup, "12345")
    if setup == "booking":
        row = ["云南测试1号有限公司", uscc(1), "王小明", "13812345678", "政策咨询", "补贴"]
        path = write(tmp_path / "b.csv", [row], header=list(BOOKING_HEADER))
    else:
        path = write(tmp_path / "x.csv", [] if setup == "empty" else [order(1)])
    with unchanged(db_path):
        ran = run_cli(db_path, "intake", "--from-csv", str(path), "--channel", channel, today=TODAY)
    assert ran.code == 1 and message in ran.stderr, ran.stderr


def test_imported_appeals_are_sealed_searchable_and_in_the_loop(
    db_path: Path, tmp_path: Path
) -> None:
    book(db_path, date(2026, 10, 8), 1, "厂区门口路灯损坏，夜间不安全")
    doc = imports(db_path, write(tmp_path / "a.csv", [order(1), order(2, "企业用水报装等待过久")]))
    assert any("zuozhen merge" in w for w in doc["warnings"])  # type: ignore[attr-defined]
    assert must(db_path, "verify", "--json", today=TODAY)["ok"] is True
    found = must(db_path, "search", "GD00002", "--json", today=TODAY)["appeals"]
    assert [x["id"] for x in found] == ["J202612-0002-1"]
    found = must(db_path, "search", "用水报装", "--json", today=TODAY)["appeals"]
    assert [x["id"] for x in found] == ["J202612-0002-1"]
    # the index trigger is back after the import: a later intake is found by its text
    must(
        db_path,
        "intake",
        "--channel",
        "12345",
        "--ref",
        "GD9",
        "--enterprise",
        "云南测试9号有限公司",
        "--uscc",
        uscc(9),
        "--contact",
        "李四",
        "--phone",
        "13812345670",
        "--appeal",
        "咨询出口退税办理时限",
        today=TODAY,
    )
    assert [x["id"] for x in must(db_path, "search", "出口退税", "--json")["appeals"]] == [
        "J202612-0003-1"
    ]
    history = must(db_path, "history", "J202612-0002-1", "--json", today=TODAY)["events"]
    assert any(e["action"] == "intake.import" for e in history)
    must(db_path, "triage", "J202612-0002-1", "--unit", "省水利厅", today=TODAY)
    must(db_path, "assign", "to", "J202612-0002-1", "--unit", "省水利厅", today=TODAY)


def test_rows_written_in_bulk_are_stored_and_sealed_like_one_intake(
    db_path: Path, tmp_path: Path
) -> None:
    """The import writes bookings, appeals and deadlines straight through the driver: the
    rows hold what a single ``intake`` stores, and an edit of any of them is named."""
    imports(db_path, write(tmp_path / "a.csv", [order(1), order(2), order(3)]))
    must(
        db_path,
        "intake",
        "--channel",
        "12345",
        "--ref",
        "GD9",
        "--date",
        "2026-12-01",
        "--enterprise",
        "云南测试9号有限公司",
        "--uscc",
        uscc(9),
        "--contact",
        "王小明",
        "--phone",
        "13812345678",
        "--appeal",
        "厂区门口路灯损坏，夜间不安全",
        today=TODAY,
    )
    cols = {
        "booking": "month, booked_on, typeof(booked_on), channel, late_reason, event_id",
        "appeal": "month, status, units, renotify, typeof(renotify), round, resolved_on_spot,"
        " theme, verified_on",
        "deadline": "step, round, start, typeof(start), due, count, rule, provisional, late,"
        " typeof(late), done_on",
    }
    for table, sql in cols.items():
        rows = query(db_path, f"SELECT DISTINCT {sql} FROM {table}")
        assert len(rows) == 1, (table, rows)  # the imported rows and the single one alike
    tamper(
        db_path,
        "UPDATE booking SET booked_on = '2026-11-30' WHERE id = 'J202612-0001'",
        "UPDATE deadline SET due = '2027-01-04' WHERE appeal_id = 'J202612-0002-1'",
    )
    ran = run_cli(db_path, "verify", "--json", today=TODAY)
    problems = [t["problem"] for t in ran.json()["records"]]
    assert ran.code == 1 and len(problems) == 2
    assert any("挂号 J202612-0001" in p for p in problems)
    assert any("诉求 J202612-0002-1" in p and "期限" in p for p in problems)


def _contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables an intake writes, minus the times of writing and the
    row numbers (the import writes a chunk's deadlines grouped by intake date)."""
    out = {}
    for table in ("booking", "appeal", "deadline", "enterprise", "search_text", "counter"):
        skip = {"created_at", "updated_at"} | (
            {"id"} if table in ("deadline", "search_text") else set()
        )
        cols = [r[1] for r in query(db, f"PRAGMA table_info({table})") if r[1] not in skip]
        out[table] = sorted(query(db, f"SELECT {', '.join(cols)} FROM {table}"), key=repr)
    return out


def test_import_of_n_rows_stores_what_n_single_intakes_store(db_path: Path, tmp_path: Path) -> None:
    """The bulk path (driver executemany, bulk search rows, one seal pass) leaves the same
    bookings, appeals, deadlines, enterprises, search rows and counters as ``intake`` run
    once per row; only the booking's source says 导入 instead of 窗口."""
    rows = [
        order(1, 受理时间="2026-11-28 10:00:00"),
        order(2, text="园区周边道路施工封闭，未设置绕行标志", 所属地区="昆明市"),
        order(3, 受理时间="2026-12-02 16:45:00", 诉求类别="政策咨询"),
        order(
            4,
            text="厂区门口路灯损坏，夜间不安全。",
            企业名称="云南测试1号有限公司",
            统一社会信用代码=uscc(1),
        ),
    ]
    imports(db_path, write(tmp_path / "a.csv", rows))
    single = tmp_path / "single.db"
    make_case(single).close()
    for r in rows:
        cell = dict(zip(HEADER, r, strict=True))
        region = ["--region", cell["所属地区"]] if cell["所属地区"] else []
        must(single, "intake", "--channel", "12345", "--ref", cell["工单编号"],
             "--date", cell["受理时间"][:10], "--enterprise", cell["企业名称"],
             "--uscc", cell["统一社会信用代码"], "--contact", cell["联系人"],
             "--phone", cell["联系电话"], "--appeal", cell["诉求内容"],
             "--category", cell["诉求类别"], *region, today=TODAY)  # fmt: skip
    bulk, one = _contents(db_path), _contents(single)
    assert [r[-1] for r in query(db_path, "SELECT id, source FROM booking")] == ["导入"] * 4
    assert [r[-1] for r in query(single, "SELECT id, source FROM booking")] == ["窗口"] * 4
    for table in bulk:
        if table == "booking":
            cols = [r[1] for r in query(db_path, "PRAGMA table_info(booking)")]
            at = [c for c in cols if c not in ("created_at", "updated_at")].index("source")
            bulk[table] = [r[:at] + r[at + 1 :] for r in bulk[table]]
            one[table] = [r[:at] + r[at + 1 :] for r in one[table]]
        assert bulk[table] == one[table], table
    assert len(bulk["appeal"]) == 4 and len(bulk["deadline"]) == 4 and len(bulk["enterprise"]) == 3
    for db in (db_path, single):
        checked = run_cli(db, "verify", today=TODAY)
        assert checked.code == 0, checked.stdout + checked.stderr


def _postings(conn: sqlite3.Connection, table: str) -> dict[str, list[int]]:
    """Every term of an FTS5 index with the rowids it finds (what a search can tell)."""
    conn.execute(f"CREATE VIRTUAL TABLE temp.v_{table} USING fts5vocab(main, {table}, 'row')")
    terms = [t for (t,) in conn.execute(f"SELECT term FROM temp.v_{table}")]
    out = {}
    for t in terms:
        match = '"' + t.replace('"', '""') + '"'
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid"
        out[t] = [r for (r,) in conn.execute(sql, (match,))]
    return out


def test_the_full_text_indexes_of_an_import_are_what_the_triggers_write(
    db_path: Path, tmp_path: Path
) -> None:
    """The import feeds both FTS5 indexes (trigram, bigram) once per chunk instead of by
    the per-text triggers (search_index.bulk): the same terms find the same texts as when
    the same texts are written one by one through the triggers, and the triggers are back
    afterwards (a later intake is found by a two-character word)."""
    texts = ["出口退税ABC办理慢", "电费abc,融资。难", "茶园道路 Road-9 坏了", "报关", "X"]
    rows = [order(n, text=t) for n, t in enumerate(texts, 1)]
    imports(db_path, write(tmp_path / "a.csv", rows))
    ref = tmp_path / "ref.db"
    make_case(ref).close()
    done = sqlite3.connect(db_path)
    texts_of = done.execute(
        "SELECT id, appeal_id, src, src_id, field, round, body FROM search_text"
    )
    with sqlite3.connect(ref) as one_by_one:
        for r in texts_of:
            one_by_one.execute("INSERT INTO search_text VALUES (?, ?, ?, ?, ?, ?, ?)", r)
    assert done.execute("SELECT count(*) FROM search_text").fetchone()[0] == 15
    done.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
    expected = sqlite3.connect(ref)
    for table in ("search_fts", "search_fts_bigram"):
        got = _postings(done, table)
        assert got == _postings(expected, table), table
        assert len(got) > 40
    names = {n for (n,) in done.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"search_text_ai", "search_text_bi", "search_appeal_ai"} <= names
    done.close()
    must(db_path, "intake", "--channel", "12345", "--ref", "GD9", "--enterprise",
         "云南测试9号有限公司", "--uscc", uscc(9), "--contact", "李四", "--phone",
         "13812345670", "--appeal", "咨询电价补贴", today=TODAY)  # fmt: skip
    for word, hit in (("电价", "J202612-0006-1"), ("报关", "J202612-0004-1")):
        assert [x["id"] for x in must(db_path, "search", word, "--json")["appeals"]] == [hit]


def test_a_row_with_several_problems_names_each_in_column_order(
    db_path: Path, tmp_path: Path
) -> None:
    """The cells are checked in one pass; a row that fails is checked again cell by cell,
    so its error names every problem, in the order of the columns."""
    rows = [
        order(1),
        order(2, 统一社会信用代码="91530100MA6K5X7Q2X", 联系电话="12345", 诉求内容=""),
        order(3, 企业名称="", 联系电话="138-1234-5678"),
    ]
    with unchanged(db_path):
        ran = run_cli(db_path, "intake", "--from-csv", str(write(tmp_path / "b.csv", rows)),
                      "--channel", "12345", "--strict", "--json", today=TODAY)  # fmt: skip
    assert ran.code == 1
    errors = {r["line"]: r["error"] for r in ran.json()["rejected"]}
    parts = errors[3].split("；")
    assert len(parts) == 3
    assert "校验位" in parts[0] and "联系电话" in parts[1] and "诉求内容不能为空" in parts[2]
    assert errors[4].startswith("企业名称不能为空") and "；" not in errors[4]
