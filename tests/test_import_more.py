"""挂号导入, issue 12: real exports' extra columns, the submission time as the booking date,
Ctrl-C, and an import written a chunk at a time (memory) that still is one transaction."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, event

from tests.factories import OPERATOR, Ran, fingerprint, make_case, uscc
from tests.test_import import HEADER, row, write_csv
from zuozhen import bookings_import
from zuozhen.store import trail
from zuozhen.store.storage import Act, open_case_file

Cli = Callable[..., Ran]
ROOT = Path(__file__).resolve().parent.parent
EXPORT = "序号," + HEADER + ",提交时间,审核状态"


def rows(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def chain_ok(db: Path) -> bool:
    case = open_case_file(str(db))
    try:
        with case.read() as s:
            return trail.verify_chain(s) == []
    finally:
        case.close()


def export_row(i: int, n: int, text: str, submitted: str, **over: str) -> str:
    return f"{i},{row(n, text, **over)},{submitted},已受理"


# -- extra columns ------------------------------------------------------------------------


def test_extra_columns_are_ignored_with_a_note(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    path = write_csv(
        tmp_path / "x.csv",
        [HEADER + ",序号,备注,所属地域", row(1, "出口退税慢") + ",1,加急,昆明市"],
    )
    ran = cli(db_path, "book", "--from-csv", str(path), "--json", today="2026-10-09")
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["imported"] == 1
    assert doc["ignored_columns"] == ["序号", "备注", "所属地域"]
    assert "已忽略" in ran.stderr and "“序号”" in ran.stderr and "“备注”" in ran.stderr
    assert "是否应为“所属地区”" in ran.stderr  # a near miss of a known column is pointed out
    summary = rows(db_path, "SELECT detail FROM trail WHERE entity = 'import'")
    assert json.loads(str(summary[0][0]))["ignored_columns"] == ["序号", "备注", "所属地域"]


def test_a_missing_column_is_still_refused(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    header = "序号,企业名称,统一社会信用代码,联系人,诉求类别,诉求内容,提交时间"
    path = write_csv(tmp_path / "m.csv", [header, "1,甲公司,x,王,政策咨询,诉求,2026-10-09"])
    before = fingerprint(db_path)
    ran = cli(db_path, "book", "--from-csv", str(path), today="2026-10-09")
    assert ran.code == 1 and "缺少列“联系电话”" in ran.stderr
    assert fingerprint(db_path) == before


# -- the submission time ------------------------------------------------------------------


def test_submission_time_is_the_booking_date(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    # Imported on 10-15, after October's window (10-08 … 10-13): the rows were submitted
    # inside it, so they are on time and need no --late.
    path = write_csv(
        tmp_path / "e.csv",
        [
            EXPORT,
            export_row(1, 1, "诉求甲", "2026-10-08 09:12:30"),
            export_row(2, 2, "诉求乙", "2026/10/12 16:40"),
            export_row(3, 1, "诉求丙", "2026年10月13日"),
        ],
    )
    ran = cli(db_path, "book", "--from-csv", str(path), "--json", today="2026-10-15")
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["imported"] == 3 and doc["rejected"] == [] and doc["late"] is False
    assert (doc["booked_from"], doc["booked_to"]) == ("2026-10-08", "2026-10-13")
    assert doc["verify_due"] == "2026-10-22"  # window's last day + 7 working days
    assert rows(db_path, "SELECT id, booked_on, late_reason FROM booking ORDER BY id") == [
        ("202610-001", "2026-10-08", None),
        ("202610-002", "2026-10-12", None),
    ]
    events = rows(
        db_path,
        "SELECT entity_id, detail FROM trail WHERE action = 'book.import' AND entity = 'booking'"
        " ORDER BY id",
    )
    booked = [
        (bid, json.loads(str(d))["booked_on"], json.loads(str(d))["appeals"]) for bid, d in events
    ]
    assert booked == [
        ("202610-001", "2026-10-08", ["202610-001-1"]),
        ("202610-002", "2026-10-12", ["202610-002-1"]),
        ("202610-001", "2026-10-13", ["202610-001-2"]),
    ]
    assert chain_ok(db_path)


def test_submission_outside_the_window_needs_late(db_path: Path, tmp_path: Path, cli: Cli) -> None:
    lines = [
        EXPORT,
        export_row(1, 1, "诉求甲", "2026-10-09 10:00"),
        export_row(2, 2, "诉求乙", "2026-10-14 10:00"),  # after the window
        export_row(3, 3, "诉求丙", "2026-10-20 10:00"),  # after --today
        export_row(4, 4, "诉求丁", "十月九日"),
        export_row(5, 5, "诉求戊", ""),
    ]
    path = write_csv(tmp_path / "w.csv", lines)
    ran = cli(db_path, "book", "--from-csv", str(path), "--json", today="2026-10-16")
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["imported"] == 1
    errors = {r["line"]: r["error"] for r in doc["rejected"]}
    assert sorted(errors) == [3, 4, 5, 6]
    assert "挂号窗口（2026-10-08 至 2026-10-13）" in errors[3] and "--late" in errors[3]
    assert "晚于办理日期 2026-10-16" in errors[4]
    assert "提交时间“十月九日”无法识别" in errors[5]
    assert "提交时间为空" in errors[6]

    # the same file once more with --late: the late row is a 加号, the on-time row a repeat
    ran = cli(
        db_path, "book", "--from-csv", str(path), "--late", "窗口期系统故障", "--json",
        today="2026-10-16",
    )  # fmt: skip
    doc = ran.json()
    assert doc["imported"] == 1 and doc["late_appeals"] == 1
    assert doc["late_reason"] == "窗口期系统故障"
    assert doc["verify_due"] == "2026-10-23"  # 7 working days after the 10-14 booking
    assert rows(db_path, "SELECT booked_on, late_reason FROM booking WHERE uscc = ?", uscc(2)) == [
        ("2026-10-14", "窗口期系统故障")
    ]
    assert "加号" in ran.stderr


def test_rows_of_another_month_book_into_that_month(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "two.csv",
        [
            EXPORT,
            export_row(1, 1, "九月的诉求", "2026-09-02 11:00"),
            export_row(2, 1, "十月的诉求", "2026-10-09 11:00"),
            export_row(3, 1, "九月的诉求", "2026-09-03 08:00"),  # the same month and text
        ],
    )
    case = open_case_file(str(db_path))
    try:
        r = bookings_import.import_csv(case, Act(OPERATOR, date(2026, 10, 9)), path)
    finally:
        case.close()
    assert r.imported == 2 and [x.line for x in r.rejected] == [4]
    assert r.bookings_created == ["202609-001", "202610-001"]
    assert rows(db_path, "SELECT id, month FROM appeal ORDER BY id") == [
        ("202609-001-1", "2026-09"),
        ("202610-001-1", "2026-10"),
    ]
    assert r.verify_dues == [date(2026, 9, 16), date(2026, 10, 22)]


def test_a_file_without_submission_time_still_takes_today(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [HEADER, row(1)])
    case = open_case_file(str(db_path))
    try:
        r = bookings_import.import_csv(case, Act(OPERATOR, date(2026, 10, 12)), path)
    finally:
        case.close()
    assert (r.booked_from, r.booked_to) == (date(2026, 10, 12), date(2026, 10, 12))
    assert rows(db_path, "SELECT booked_on FROM booking") == [("2026-10-12",)]


def _owed(db: Path, today: str, cli: Cli) -> list[tuple[str, str, str]]:
    """(appeal, step, due) of every item of ``audit --all --json``."""
    ran = cli(db, "audit", "--all", "--json", today=today)
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    items = [*doc["overdue"], *doc["due_soon"], *doc["later"]]
    return sorted((i["appeal"], i["step"], i["due"]) for i in items)


def test_imported_appeals_owe_triage_and_verify_like_a_booking(
    db_path: Path, tmp_path: Path, cli: Cli
) -> None:
    # Nothing stalls unseen: each imported appeal owes 分办 (triage) under the verification
    # limit, from its own booking date (on time: the window's close; 加号: the day itself).
    path = write_csv(
        tmp_path / "d.csv",
        [
            EXPORT,
            export_row(1, 1, "诉求甲", "2026-10-09 10:00"),
            export_row(2, 2, "诉求乙", "2026-10-14 10:00"),  # after the window: 加号
        ],
    )
    ran = cli(
        db_path, "book", "--from-csv", str(path), "--late", "窗口期系统故障", "--json",
        today="2026-10-16",
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert _owed(db_path, "2026-10-16", cli) == [
        ("202610-001-1", "triage", "2026-10-22"),
        ("202610-001-1", "verify", "2026-10-22"),
        ("202610-002-1", "triage", "2026-10-23"),
        ("202610-002-1", "verify", "2026-10-23"),
    ]


def test_city_imports_rows_of_any_day_on_time(tmp_path: Path, cli: Cli) -> None:
    # The city books continuously (rolling): no window, so no row is late and --late is
    # not used; verification runs from each row's own submission date.
    city = tmp_path / "city.db"
    make_case(city, "city").close()
    path = write_csv(
        tmp_path / "c.csv",
        [
            EXPORT,
            export_row(1, 1, "诉求甲", "2026-10-15 09:00"),  # Thursday, after the 5th WD
            export_row(2, 2, "诉求乙", "2026-10-18 20:30"),  # a Sunday, the mini-program
        ],
    )
    ran = cli(
        city, "book", "--from-csv", str(path), "--late", "经同意加号", "--json",
        today="2026-10-20",
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["imported"] == 2 and doc["rejected"] == []
    assert doc["late"] is False and doc["late_reason"] is None and doc["late_appeals"] == 0
    assert doc["booking_rule"] == "rolling" and doc["booking_window"] is None
    assert doc["verify_dues"] == ["2026-10-26", "2026-10-27"]
    assert "随时挂号" in ran.stderr and "--late 原因未使用" in ran.stderr
    assert rows(city, "SELECT booked_on, late_reason FROM booking ORDER BY id") == [
        ("2026-10-15", None),
        ("2026-10-18", None),
    ]
    assert _owed(city, "2026-10-20", cli) == [
        ("202610-001-1", "triage", "2026-10-26"),
        ("202610-001-1", "verify", "2026-10-26"),
        ("202610-002-1", "triage", "2026-10-27"),
        ("202610-002-1", "verify", "2026-10-27"),
    ]


# -- chunks: one transaction all the same ----------------------------------------------------


def _many(tmp_path: Path, n: int, bad_at: int | None = None) -> Path:
    lines = [HEADER]
    for i in range(1, n + 1):
        phone = "12" if i == bad_at else "13812345678"
        lines.append(row(i % 7 + 1, f"诉求{i}", phone=phone))
    return write_csv(tmp_path / "many.csv", lines)


def test_chunked_import_is_the_same_as_whole(
    db_path: Path, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.db"
    other.write_bytes(db_path.read_bytes())
    path = _many(tmp_path, 40)
    assert cli(db_path, "book", "--from-csv", str(path), today="2026-10-09").code == 0
    monkeypatch.setattr(bookings_import, "CHUNK", 3)
    assert cli(other, "book", "--from-csv", str(path), today="2026-10-09").code == 0
    query = "SELECT a.id, a.text, b.uscc, d.due FROM appeal a JOIN booking b ON b.id = a.booking_id JOIN deadline d ON d.appeal_id = a.id ORDER BY a.id"
    assert rows(db_path, query) == rows(other, query)
    per_booking = "SELECT entity_id, detail FROM trail WHERE entity = 'booking' ORDER BY entity_id"
    assert rows(db_path, per_booking) == rows(other, per_booking)
    assert chain_ok(other)


def test_strict_with_a_bad_row_in_a_late_chunk_imports_nothing(
    db_path: Path, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bookings_import, "CHUNK", 4)
    path = _many(tmp_path, 30, bad_at=29)  # chunks 1–7 are good and written first
    before = fingerprint(db_path)
    ran = cli(db_path, "book", "--from-csv", str(path), "--strict", "--json", today="2026-10-09")
    assert ran.code == 1 and "--strict" in ran.stderr
    assert [r["line"] for r in ran.json()["rejected"]] == [30]
    assert fingerprint(db_path) == before
    # without --strict the 29 good rows go in
    ran = cli(db_path, "book", "--from-csv", str(path), "--json", today="2026-10-09")
    assert ran.code == 0 and ran.json()["imported"] == 29


def test_namesake_warnings_span_chunks_and_the_case_file(
    db_path: Path, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new code under a name registered with another code — before the import, or on an
    # earlier line of the file in another chunk — is warned about, once, by line.
    first = write_csv(tmp_path / "a.csv", [HEADER, row(1, name="云南甲有限公司")])
    assert cli(db_path, "book", "--from-csv", str(first), today="2026-10-09").code == 0
    path = write_csv(
        tmp_path / "b.csv",
        [
            HEADER,
            row(2, name="云南乙有限公司"),
            row(3, name="云南甲有限公司"),  # code 1 has the name
            row(4, name="云南丙有限公司"),
            row(5, name="云南乙 有限公司"),  # line 2's name, two chunks earlier
            row(6, name="云南甲有限公司"),  # code 1 and line 3's code 3
            row(1, "又一项诉求", name="云南甲有限公司"),  # code 1 itself: no warning
        ],
    )
    expected = [
        (3, [uscc(1)], uscc(3)),
        (5, [uscc(2)], uscc(5)),
        (6, [uscc(1), uscc(3)], uscc(6)),
    ]
    for chunk, db in ((2, db_path), (2000, tmp_path / "whole.db")):
        if db != db_path:
            make_case(db).close()
            assert cli(db, "book", "--from-csv", str(first), today="2026-10-09").code == 0
        monkeypatch.setattr(bookings_import, "CHUNK", chunk)
        ran = cli(db, "book", "--from-csv", str(path), "--json", today="2026-10-09")
        assert ran.code == 0, ran.stderr
        notes = [w for w in ran.json()["warnings"] if "已以统一社会信用代码" in w]
        assert len(notes) == len(expected), notes
        for note, (line, others, code) in zip(notes, expected, strict=True):
            assert note.startswith(f"第 {line} 行：")
            assert f"代码 {'、'.join(others)} 登记，本次的代码为 {code}" in note


# -- Ctrl-C ---------------------------------------------------------------------------------


def _bench_csv(path: Path, n: int) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench_import
    finally:
        sys.path.pop(0)
    bench_import.generate(path, n)
    return path


def test_ctrl_c_mid_import_leaves_nothing(db_path: Path, tmp_path: Path) -> None:
    source = _bench_csv(tmp_path / "big.csv", 25_000)
    before = fingerprint(db_path)
    wal = Path(str(db_path) + "-wal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zuozhen", "--db", str(db_path), "--operator", OPERATOR,
         "--today", "2026-10-09", "book", "--from-csv", str(source)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 1_000_000:  # rows are being written
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert out == ""
    assert err.strip() == "错误：已中断（Ctrl-C）：big.csv 未导入任何数据，案卷未改动。"
    assert fingerprint(db_path) == before


def test_ctrl_c_during_the_commit_waits_for_it(db_path: Path, tmp_path: Path) -> None:
    """A SIGINT that arrives while the transaction commits is held until it is over: the
    import is then whole, and says so (never "nothing imported" after a commit)."""
    path = write_csv(tmp_path / "c.csv", [HEADER, row(1), row(2)])
    case = open_case_file(str(db_path))

    def interrupt(conn: Connection) -> None:
        if conn.get_execution_options().get("zuozhen_begin") == "IMMEDIATE":  # the import's
            os.kill(os.getpid(), signal.SIGINT)

    event.listen(case.engine, "commit", interrupt)
    try:
        r = bookings_import.import_csv(case, Act(OPERATOR, date(2026, 10, 9)), path)
    finally:
        case.close()
    assert r.imported == 2
    assert any("已全部写入案卷" in w for w in r.warnings)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert rows(db_path, "SELECT count(*) FROM appeal") == [(2,)]


# -- memory -----------------------------------------------------------------------------------

PEAK = """
import sys
from zuozhen.cli import app
try:
    app(sys.argv[1:], prog_name="zuozhen")
except SystemExit as exc:
    code = exc.code
# VmHWM: this process's own peak (ru_maxrss would carry over the forking parent's)
with open("/proc/self/status", encoding="ascii") as fh:
    hwm = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
print(hwm, code, file=sys.stderr)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads VmHWM from /proc")
@pytest.mark.parametrize(("n", "limit_mb"), [(20_000, 120), (100_000, 200)])
def test_import_memory_stays_flat(tmp_path: Path, n: int, limit_mb: int) -> None:
    db = tmp_path / "case.db"
    make_case(db).close()
    source = _bench_csv(tmp_path / "big.csv", n)
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "--db", str(db), "--today", "2026-10-09", "book",
         "--from-csv", str(source)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    peak_kb, code = done.stderr.strip().splitlines()[-1].split()
    assert code in ("0", "None"), done.stderr
    assert rows(db, "SELECT count(*) FROM appeal") == [(n,)]
    assert int(peak_kb) / 1024 < limit_mb, f"{n} rows: peak {int(peak_kb) / 1024:.0f} MB"
