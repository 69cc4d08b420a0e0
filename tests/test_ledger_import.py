"""ledger new/import/show through the real CLI: Tongliao's 48-item assessment-feedback list
(seed 004: "48 项重点问题整改完成率达 68.8%"), bad rows named, 33 closed, figures by hand.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.factories import (
    ROOT,
    close_out,
    make_case,
    must,
    query,
    report_back,
    run_cli,
    unchanged,
    undertake,
)

SAMPLE = ROOT / "data" / "sample" / "ledger-tongliao.csv"
START = "2026-03-02"


@pytest.fixture
def city(tmp_path: Path) -> Path:
    db = tmp_path / "city.db"
    make_case(db, "city", date(2026, 3, 2)).close()
    return db


def new_ledger(db: Path) -> str:
    ran = must(
        db,
        "ledger", "new", "--name", "营商环境评估反馈问题整改清单",
        "--source", "自治区营商环境评估反馈报告", "--year", "2026", "--json",
        today=START,
    )  # fmt: skip
    return str(ran["id"])


def with_bad_rows(tmp_path: Path) -> Path:
    """The sample list plus four bad rows (lines 50–53)."""
    path = tmp_path / "清单.csv"
    shutil.copy(SAMPLE, path)
    with path.open("a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["49", "完成时限在周六", "市财政局", "", "2026-11-14"])
        w.writerow(["50", "单位写错", "市财政厅", "", "2026-11-30"])
        w.writerow(["5", "序号重复", "市财政局", "", "2026-11-30"])
        w.writerow(["x", "序号不是数字", "市财政局", "", "2026-11-30"])
    return path


def test_import_48_with_bad_rows_then_68_8_percent(city: Path, tmp_path: Path) -> None:
    lid = new_ledger(city)
    assert lid == "L2026-01"
    r = must(city, "ledger", "import", lid, str(with_bad_rows(tmp_path)), "--json", today=START)
    assert r["imported"] == 48
    lines = {x["line"]: x["error"] for x in r["rejected"]}
    assert sorted(lines) == [50, 51, 52, 53]
    assert "2026-11-16" in lines[50]  # the next working day named
    assert "市财政局" in lines[51]  # the closest configured name
    assert "与第 6 行重复" in lines[52]
    assert "序号" in lines[53]
    # Every item handed off: round 1, lead first, accept (5 wd) and report (fixed 完成时限).
    (row,) = query(
        city,
        "SELECT status, lead_unit, units, round FROM appeal WHERE id = ?",
        "L2026-01-002",
    )
    assert row == (
        "handed_off",
        "市政务服务管理局",
        '["市政务服务管理局", "市市场监管局", "市税务局"]',
        1,
    )
    dues = dict(
        query(city, "SELECT step || rule, due FROM deadline WHERE appeal_id = 'L2026-01-002'")
    )
    assert dues == {"acceptwd": "2026-03-09", "reportfixed": "2026-10-30"}
    assert query(city, "SELECT count(*) FROM handoff WHERE appeal_id LIKE 'L2026-01-%'") == [(48,)]

    # 33 closed: the first 30 on time (2026-06-15), items 31–33 after their 完成时限.
    for n in range(1, 34):
        aid = f"L2026-01-{n:03d}"
        day = date(2026, 6, 15) if n <= 30 else date(2027, 1, 11)
        undertake(city, date(2026, 3, 5), aid)
        report_back(city, day, aid)
        close_out(city, day, aid, outcome="已解决" if n % 2 else "解释说明")
    shown = must(city, "ledger", "show", lid, "--json", today="2027-01-11")
    assert (shown["total"], shown["closed"]) == (48, 33)
    assert shown["completion_rate"] == 68.8  # 33 / 48 = 68.75 → 68.8
    assert [i["id"] for i in shown["items"]] == [f"L2026-01-{n:03d}" for n in range(1, 49)]
    assert shown["items"][0] == {**shown["items"][0], "status": "closed", "due": "2026-09-30"}
    # By hand: items 31–33 are closed late (due 2026-06-30 … 2026-09-30, closed 2027-01-11);
    # the 15 open ones (34–48) are all past their 完成时限 (at latest 2026-12-31).
    assert shown["on_time"] == 30
    assert shown["overdue"] == 15
    # One unit by hand: 市税务局 leads items 8 and 23 (both closed, on time).
    tax = next(u for u in shown["units"] if u["unit"] == "市税务局")
    assert tax == {
        "unit": "市税务局",
        "items": 2,
        "closed": 2,
        "on_time": 2,
        "overdue": 0,
        "completion_rate": 100.0,
    }
    # No rating step: closing opened no rate deadline.
    assert query(city, "SELECT count(*) FROM deadline WHERE step = 'rate'") == [(0,)]
    text = must(city, "ledger", "show", lid, today="2027-01-11")
    assert "完成率 68.8%" in text and "超期未销号事项" in text
    listed = must(city, "ledger", "list", "--json", today="2027-01-11")
    assert listed["ledgers"][0]["completion_rate"] == 68.8


def test_strict_and_refusals_change_nothing(city: Path, tmp_path: Path) -> None:
    lid = new_ledger(city)
    bad = with_bad_rows(tmp_path)
    with unchanged(city):
        ran = run_cli(city, "ledger", "import", lid, str(bad), "--strict", today=START)
        assert ran.code == 1 and "未导入任何数据" in ran.stderr
    only_bad = tmp_path / "bad.csv"
    only_bad.write_text(
        "序号,问题,责任单位,整改措施,完成时限\n1,问题,市财政局,,2026-11-14\n", encoding="utf-8"
    )
    header = tmp_path / "header.csv"
    header.write_text("序号,问题,单位,完成时限\n1,问题,市财政局,2026-11-30\n", encoding="utf-8")
    for args in (
        ("ledger", "import", lid, str(only_bad)),
        ("ledger", "import", lid, str(header)),
        ("ledger", "import", "L2026-09", str(SAMPLE)),
        ("ledger", "import", lid, str(tmp_path / "无此文件.csv")),
        ("ledger", "new", "--name", " ", "--source", "x", "--year", "2026"),
        ("ledger", "new", "--name", "x", "--source", "x", "--year", "26"),
        ("ledger", "add", lid, "--item", "x", "--unit", "市财政局", "--due", "2026-11-14"),
        ("ledger", "add", lid, "--item", "x", "--unit", "市财政厅", "--due", "2026-11-30"),
        ("ledger", "add", lid, "--item", "x", "--unit", "市财政局", "--due", "2026-01-05"),
        ("ledger", "show", "L2030-01"),
        ("ledger", "carry", lid, "--year", "2027"),  # nothing open to carry
    ):
        with unchanged(city):
            ran = run_cli(city, *args, today=START)
            assert ran.code == 1, (args, ran.stdout, ran.stderr)
            assert "Traceback" not in ran.stderr and ran.stderr.strip()


def test_xlsx_import_and_allow_new(city: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    lid = new_ledger(city)
    wb = Workbook()
    ws = wb.active
    ws.append(["通辽市营商环境评估反馈问题整改清单"])  # a title above the header
    ws.append(["序号", "问题", "责任单位", "整改措施", "完成时限"])
    ws.append([1, "问题一", "市财政局、市新设局", "措施", date(2026, 11, 30)])
    ws.append([2, "问题二", "市税务局", None, "2026/12/31"])
    path = tmp_path / "清单.xlsx"
    wb.save(path)
    with unchanged(city):
        r = run_cli(city, "ledger", "import", lid, str(path), "--strict", today=START)
        assert r.code == 1 and "市新设局" in r.stderr
    r = must(city, "ledger", "import", lid, str(path), "--allow-new", "--json", today=START)
    assert r["imported"] == 2 and r["rejected"] == []
    assert r["ids"] == ["L2026-01-001", "L2026-01-002"]
    shown = must(city, "ledger", "show", lid, "--json", today=START)
    assert [i["due"] for i in shown["items"]] == ["2026-11-30", "2026-12-31"]
    assert "市新设局" in must(city, "config", "show", today=START)


def test_unloaded_year_is_flagged(city: Path) -> None:
    lid = new_ledger(city)
    ran = run_cli(
        city, "ledger", "add", lid, "--item", "远期事项", "--unit", "市财政局",
        "--due", "2031-06-30", today=START,
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert "2031 年的节假日安排尚未载入" in ran.stderr


def test_report_ledger_csv_xlsx_docx(city: Path, tmp_path: Path) -> None:
    lid = new_ledger(city)
    must(city, "ledger", "import", lid, str(SAMPLE), today=START)
    for n in (8, 23):  # 市税务局's two items, closed on time
        undertake(city, date(2026, 3, 5), f"L2026-01-{n:03d}")
        report_back(city, date(2026, 6, 15), f"L2026-01-{n:03d}")
        close_out(city, date(2026, 6, 15), f"L2026-01-{n:03d}")
    out = tmp_path / "进展.csv"
    must(city, "report", "ledger", lid, "--csv", str(out), "--xlsx", str(tmp_path / "进展.xlsx"),
         "--format", "docx", "--output", str(tmp_path / "进展.docx"), today="2026-07-01")  # fmt: skip
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["责任单位", "事项数", "已销号", "按期销号", "超期未销号", "完成率"]
    by_unit = {r[0]: r[1:] for r in rows[1:]}
    assert by_unit["市税务局"] == ["2", "2", "2", "0", "100.0%"]
    # By hand: 完成时限 2026-06-30 falls on 序号 5, 10, …, 45 (9 items, all open, overdue on
    # 07-01); items 8 and 23 are due 2026-11-30; 2 of 48 closed = 4.2%.
    assert by_unit["合计"] == ["48", "2", "2", "9", "4.2%"]
    assert (tmp_path / "进展.docx").stat().st_size > 0
    assert (tmp_path / "进展-未销号事项.xlsx").exists()
    with unchanged(city):
        ran = run_cli(city, "report", "ledger", lid, "--format", "docx", today="2026-07-01")
        assert ran.code == 1


def test_import_is_verified_and_indexed_as_one_by_one(city: Path, tmp_path: Path) -> None:
    """The bulk path (search rows written in one statement, not by the insert triggers)
    leaves a file ``verify`` passes (trail sealed), each item indexed exactly as ``ledger
    add`` indexes it, and the triggers back in place for the items added afterwards."""
    lid = new_ledger(city)
    must(city, "ledger", "import", lid, str(SAMPLE), "--json", today=START)
    checked = run_cli(city, "verify", today=START)
    assert checked.code == 0, checked.stdout + checked.stderr
    assert query(city, "SELECT count(*) FROM trail WHERE entity_id LIKE 'L2026-01-%'") == [(96,)]
    (sealed,) = query(city, "SELECT detail FROM trail WHERE action = 'seal' ORDER BY id DESC")[0]
    assert '"L2026-01-048":{"appeal"' in sealed  # the rows' seals are written
    other = must(city, "ledger", "new", "--name", "对照", "--source", "对照", "--year", "2026",
                 "--json", today=START)["id"]  # fmt: skip
    must(city, "ledger", "add", other, "--item", "低压小微企业接电时间偏长，外线工程审批多头办理",
         "--unit", "市发展改革委", "--unit", "市住房城乡建设局",
         "--measures", "外线工程审批并联办理，推行“零审批”接电", "--due", "2026-11-30",
         today=START)  # fmt: skip
    texts = "SELECT src, field, round, body FROM search_text WHERE appeal_id = ? ORDER BY 1, 2"
    imported = query(city, texts, "L2026-01-003")
    assert imported == query(city, texts, f"{other}-001")
    assert ("handoff", "measures", 1, "外线工程审批并联办理，推行“零审批”接电") in imported
    assert query(city, "SELECT count(DISTINCT appeal_id) FROM search_text") == [(49,)]
    hits = "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?"
    assert query(city, hits, "零审批") == [(2,)]  # the full-text index too
    triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ORDER BY 1"
    assert query(city, triggers, "search_%_ai") == [
        (f"search_{t}_ai",)
        for t in sorted(
            ("appeal", "closure", "extension", "handoff", "progress", "rating", "revisit", "text")
        )
    ]
    checked = run_cli(city, "verify", today=START)
    assert checked.code == 0, checked.stdout + checked.stderr
