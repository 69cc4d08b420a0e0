"""report quarterly and report items: every cell computed by hand (see tests/scenarios.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from tests.factories import fingerprint, make_case, run_cli, unchanged
from tests.pg import needs_pg
from tests.scenarios import (
    CONTACTS,
    DEADLINES,
    E2,
    E4,
    HYPERLINK,
    T1,
    T2,
    TODAY,
    U1,
    U2,
    U3,
    build_quarter,
)
from zuozhen.reports import Quarter, header, quarterly
from zuozhen.service_items import service_items
from zuozhen.store.reader import Reader

HEADER = "单位,受理诉求,现场解决,交办,已办结,按期办结,超期未办结,延期,解释说明,平均办理工作日,评价数,满意率"
Q4 = Quarter(2026, 4)

# group, 受理诉求, 现场解决, 交办, 已办结, 按期办结, 超期未办结, 延期, 解释说明,
# 平均办理工作日, 评价数, 满意率 — worked out by hand from the scenario table, as of
# TODAY (2026-12-10): 202611-001-1's report (12-21) and closing (12-22) come after it and
# do not count; 202610-003-1's round-1 rating (不满意) counts, for U2, which led that round.
BY_UNIT = [
    # 001-1 spot, 001-2 (14 WD), 002-2 spot, 012-001-1 解释说明 (5 WD): avg 19/2; 3 rated, 3 ok
    [U1, 4, 2, 2, 4, 4, 0, 0, 1, 9.5, 3, 100.0],
    # 002-1 late (17 WD), 011-001-1 extended on 12-10 and open, 012-002-1 triaged;
    # ratings: 002-1 不满意 and 010-003-1's round 1 不满意
    [U2, 3, 0, 2, 1, 0, 0, 1, 0, 17.0, 2, 0.0],
    # 011-002-1 overdue, 011-002-2 not yet due, 010-003-1 round 2 not yet due
    [U3, 3, 0, 3, 0, 0, 1, 0, 0, "", 0, ""],
    ["（未分办）", 1, 0, 0, 0, 0, 0, 0, 0, "", 0, ""],
    # avg (14 + 5 + 17) / 3 = 12.0; 满意率 3 of 5 ratings
    ["合计", 11, 2, 7, 5, 4, 1, 1, 1, 12.0, 5, 60.0],
]
BY_THEME = [
    # 001-1, 001-2, 002-1, 002-2, 012-002-1, 012-002-2: avg (14+17)/2; 满意 2 of 3 → 66.7
    [T1, 6, 2, 2, 4, 3, 0, 0, 0, 15.5, 3, 66.7],
    # 003-1, 011-001-1 (open at TODAY), 011-002-1, 011-002-2, 012-001-1: avg 5;
    # ratings 012-001-1 基本满意 and 003-1 round 1 不满意
    [T2, 5, 0, 5, 1, 1, 1, 1, 1, 5.0, 2, 50.0],
    ["合计", 11, 2, 7, 5, 4, 1, 1, 1, 12.0, 5, 60.0],
]
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|158 ?8712")


def _cells(db: Path, by: str, today: date = TODAY) -> list[list[object]]:
    with Reader(str(db)) as r:
        return list(quarterly(r, Q4, by=by, today=today).table())


def test_scenario_deadlines_match_the_calendar() -> None:
    from zuozhen.deadlines import default_calendar

    cal = default_calendar()
    for start, n, due in DEADLINES:
        assert cal.add_workdays(start, n).date == due


def test_quarterly_by_unit_every_cell(quarter_db: Path) -> None:
    assert _cells(quarter_db, "unit") == BY_UNIT


def test_quarterly_by_theme_every_cell(quarter_db: Path) -> None:
    assert _cells(quarter_db, "theme") == BY_THEME


def test_quarterly_by_region_and_class(quarter_db: Path) -> None:
    regions = {row[0]: row for row in _cells(quarter_db, "region")}
    # 昆明: 001-1, 001-2, 003-1 (its round-1 rating too), 011-002-1, 011-002-2, 012-002-1,
    # 012-002-2
    assert regions["昆明市"] == ["昆明市", 7, 1, 4, 2, 2, 1, 0, 0, 14.0, 3, 66.7]
    # 曲靖: 002-1 (late, 不满意), 002-2 spot, 011-001-1 (open at TODAY), 012-001-1
    assert regions["曲靖市"] == ["曲靖市", 4, 1, 3, 3, 2, 0, 1, 1, 11.0, 2, 50.0]
    classes = {row[0]: row[1] for row in _cells(quarter_db, "class")}
    assert classes == {
        "电费补贴兑现": 3,
        "用地审批": 2,
        "@融资难": 1,
        "+资质认定": 1,
        "（未归类）": 4,
        "合计": 11,
    }


def test_overdue_is_judged_at_quarter_end_when_today_is_later(quarter_db: Path) -> None:
    # On 2027-02-01 the cut-off is 2026-12-31: 011-002-2 (due 12-17) and 010-003-1 (due
    # 12-15) are overdue too.
    rows = {row[0]: row for row in _cells(quarter_db, "unit", today=date(2027, 2, 1))}
    assert rows[U3][:7] == [U3, 3, 0, 3, 0, 0, 3]
    assert rows["合计"][6] == 3
    # On the due day itself nothing is overdue yet (a deadline runs to the end of its day).
    for today, overdue in ((date(2026, 11, 30), 0), (date(2026, 12, 1), 1)):
        rows = {row[0]: row for row in _cells(quarter_db, "unit", today=today)}
        assert rows[U3][6] == overdue, today


def test_other_quarter_and_empty_quarter(quarter_db: Path) -> None:
    with Reader(str(quarter_db)) as r:
        q3 = quarterly(r, Quarter(2026, 3), today=TODAY)
        assert [row.cells() for row in q3.rows] == [[U1, 1, 1, 0, 1, 1, 0, 0, 0, "", 0, ""]]
        empty = quarterly(r, Quarter(2025, 1), today=TODAY)
    assert empty.rows == [] and empty.total.cells()[1:] == [0] * 8 + ["", 0, ""]


def test_header_is_fixed() -> None:
    assert ",".join(header("unit")) == HEADER
    assert header("theme")[0] == "主题"
    assert header("region")[0] == "地区"
    assert header("class")[0] == "问题类别"


# -- CSV and XLSX ------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[bytes, list[list[str]]]:
    raw = path.read_bytes()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def _no_personal_data(text: str) -> None:
    assert not PHONE.search(text), PHONE.search(text)
    for contact, phone, _name, _region in CONTACTS.values():
        assert contact not in text
        assert phone not in text


def test_quarterly_csv(quarter_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "2026Q4.csv"
    ran = run_cli(
        quarter_db,
        "report",
        "quarterly",
        "--quarter",
        "2026Q4",
        "--csv",
        str(out),
        today="2026-12-10",
    )
    assert ran.code == 0, ran.stderr
    raw, rows = _read_csv(out)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == HEADER
    assert b"\r\n" in raw
    assert rows[1:] == [[str(c) for c in row] for row in BY_UNIT]
    # Numbers are not quoted; text with a comma would be.
    assert "\r\n省发展改革委,4,2,2,4,4,0,0,1,9.5,3,100.0\r\n" in raw.decode("utf-8-sig")
    _no_personal_data(raw.decode("utf-8-sig"))
    _no_formula(rows)


def test_quarterly_csv_by_class_neutralises_formulas(quarter_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "class.csv"
    ran = run_cli(
        quarter_db,
        "report", "quarterly", "--quarter", "2026Q4", "--by", "class", "--csv", str(out),
        today="2026-12-10",
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    _raw, rows = _read_csv(out)
    assert rows[0][0] == "问题类别"
    groups = [r[0] for r in rows[1:]]
    assert "'@融资难" in groups and "'+资质认定" in groups
    _no_formula(rows)


def test_csv_refuses_to_overwrite(quarter_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    out.write_text("old", encoding="utf-8")
    with unchanged(quarter_db):
        args = ("report", "quarterly", "--quarter", "2026Q4", "--csv", str(out))
        ran = run_cli(quarter_db, *args, today="2026-12-10")
        assert ran.code == 1 and "已存在" in ran.stderr and "--force" in ran.stderr
        assert out.read_text(encoding="utf-8") == "old"
    ran = run_cli(quarter_db, *args, "--force", today="2026-12-10")
    assert ran.code == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_quarterly_xlsx(quarter_db: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "q.xlsx"
    args = ("report", "quarterly", "--quarter", "2026Q4", "--by", "class", "--xlsx", str(out))
    ran = run_cli(quarter_db, *args, today="2026-12-10")
    assert ran.code == 0, ran.stderr
    ws = load_workbook(out).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    # a title row (which report, which quarter) and the cut-off above the header
    assert rows[0][0] == "2026年第四季度“厅局长坐诊接诉”诉求办理情况统计（按问题类别）"
    assert ws["A1"].font.b and ws["A1"].font.sz == 14
    assert rows[1][0] == "数据截至 2026-12-10；超期未办结按 2026-12-10 判断"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:M1", "A2:M2"}
    # the CSV's header, with 按期办结率 after 按期办结 (the workbook only)
    fixed = header("class")
    assert rows[2] == [*fixed[:6], "按期办结率", *fixed[6:]]
    assert ws.freeze_panes == "A4"
    total = rows[-1]
    assert total[0] == "合计" and total[1:] == [11, 2, 7, 5, 4, 0.8, 1, 1, 1, 12.0, 5, 0.6]
    assert all(isinstance(v, int) for v in total[1:6])
    assert isinstance(total[10], int | float) and total[10] == 12.0  # a number (12.0 reads as 12)
    last = ws.max_row
    assert all(ws.cell(row=last, column=i).font.b for i in range(1, 14))  # 合计 in bold
    assert not ws.cell(row=4, column=2).font.b
    # rates are numbers shown as percentages; the average with one decimal
    assert ws.cell(row=last, column=7).number_format == "0.0%"
    assert ws.cell(row=last, column=13).number_format == "0.0%"
    assert ws.cell(row=last, column=11).number_format == "0.0"
    # printed: A4 landscape, one page wide, the header row on every page, page numbers
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$3"
    assert "&P" in ws.oddFooter.center.text
    # A class starting with @ or + is a text cell, never a formula.
    cells = {
        ws.cell(row=i, column=1).value: ws.cell(row=i, column=1) for i in range(4, ws.max_row + 1)
    }
    assert cells["@融资难"].data_type == "s" and cells["+资质认定"].data_type == "s"
    assert ws.column_dimensions["A"].width > 8


def test_quarterly_xlsx_rates_match_the_json(quarter_db: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "q.xlsx"
    ran = run_cli(quarter_db, "report", "quarterly", "--quarter", "2026Q4", "--xlsx", str(out),
                  today="2026-12-10")  # fmt: skip
    assert ran.code == 0, ran.stderr
    doc = run_cli(quarter_db, "report", "quarterly", "--quarter", "2026Q4", "--json",
                  today="2026-12-10").json()  # fmt: skip
    ws = load_workbook(out).active
    sheet = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    for f in [*doc["rows"], doc["total"]]:
        row = sheet[f["group"] if f is not doc["total"] else "合计"]
        for rate, col in (("on_time_rate", 6), ("satisfaction_rate", 12)):
            want = f[rate]
            assert (
                (row[col] in ("", None)) if want is None else row[col] == pytest.approx(want / 100)
            )


def test_items_xlsx_title_and_print_setup(quarter_db: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "items.xlsx"
    ran = run_cli(quarter_db, "report", "items", "--month", "2026-10", "--xlsx", str(out),
                  today="2026-12-10")  # fmt: skip
    assert ran.code == 0, ran.stderr
    ws = load_workbook(out).active
    assert ws["A1"].value == "2026年10月“厅局长坐诊接诉”服务事项清单" and ws["A1"].font.b
    assert ws["A2"].value == "数据截至 2026-12-10"
    assert ws["A3"].value == "诉求编号" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws["A4"].number_format == "@" and ws["C4"].number_format == "@"


def test_quarterly_json_and_terminal(quarter_db: Path) -> None:
    ran = run_cli(
        quarter_db, "report", "quarterly", "--quarter", "2026Q4", "--json", today="2026-12-10"
    )
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["quarter"] == "2026Q4" and doc["as_of"] == "2026-12-10"
    assert doc["header"] == HEADER.split(",")
    assert doc["overdue_on"] == "2026-12-10"
    assert doc["total"]["satisfaction_rate"] == 60.0 and doc["total"]["on_time_rate"] == 80.0
    assert [r["group"] for r in doc["rows"]] == [U1, U2, U3, "（未分办）"]
    ran = run_cli(quarter_db, "report", "quarterly", "--quarter", "2026Q4", today="2026-12-10")
    assert ran.code == 0
    for word in ("合计", U1, "按期办结率", "█", "60.0%", "数据截至 2026-12-10"):
        assert word in ran.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--quarter", "2026Q5"),
        ("--quarter", "2026-4"),
        ("--quarter", "2026Q4", "--by", "部门"),
    ],
)
def test_quarterly_bad_input(quarter_db: Path, args: tuple[str, ...]) -> None:
    with unchanged(quarter_db):
        ran = run_cli(quarter_db, "report", "quarterly", *args)
        assert ran.code == 1
        assert re.search(r"[\u4e00-\u9fff]", ran.stderr) and "Traceback" not in ran.stderr


def test_missing_case_file(tmp_path: Path) -> None:
    ran = run_cli(tmp_path / "none.db", "report", "quarterly", "--quarter", "2026Q4")
    assert ran.code == 1 and "zuozhen init" in ran.stderr
    assert not (tmp_path / "none.db").exists()


# -- report items ------------------------------------------------------------------------

ITEM_COLUMNS = [
    "诉求编号", "企业名称", "统一社会信用代码", "诉求类别", "诉求内容", "主题", "承办单位",
    "坐诊日期", "坐诊场次", "状态", "交办日期", "承办期限", "反馈期限", "办结日期",
]  # fmt: skip


def test_items_library(quarter_db: Path) -> None:
    with Reader(str(quarter_db)) as r:
        # As of the quarter's last day, after every act of the scenario.
        items = list(service_items(r, "2026-11", today=date(2026, 12, 31)))
    assert [i.appeal for i in items] == ["202611-001-1", "202611-002-1", "202611-002-2"]
    first = items[0]
    assert first.units == [U2, U3] and first.status_label == "已销号"
    assert first.report_due == date(2026, 12, 28) and first.session_kind == "专场"
    assert first.contact is None and first.phone is None
    assert items[1].cells()[:4] == [
        "202611-002-1",
        "云南彩云数字科技有限公司",
        E4,
        "服务需求",
    ]


def test_items_csv_without_contacts(quarter_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "items.csv"
    before = fingerprint(quarter_db)
    ran = run_cli(
        quarter_db, "report", "items", "--month", "2026-12", "--csv", str(out), today="2026-12-10"
    )
    assert ran.code == 0, ran.stderr
    raw, rows = _read_csv(out)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ITEM_COLUMNS
    assert [r[0] for r in rows[1:]] == ["202612-001-1", "202612-002-1", "202612-002-2"]
    first = rows[1]
    assert first[4] == "'" + HYPERLINK  # full text, neutralised
    assert first[6] == U1 and first[7] == "2026-12-01" and first[8] == "加诊 S202612-01"
    assert first[9] == "已评价" and first[10:] == [
        "2026-12-01",
        "2026-12-08",  # the plan is due 5 WD after the hand-off
        "2026-12-22",
        "2026-12-08",
    ]
    assert rows[3][6] == "" and rows[3][9] == "已分办" and rows[3][12] == ""
    _no_personal_data(raw.decode("utf-8-sig"))
    _no_formula(rows)
    assert fingerprint(quarter_db) == before  # a plain export records nothing


def test_items_terminal_and_json_have_no_contacts(quarter_db: Path) -> None:
    ran = run_cli(quarter_db, "report", "items", "--month", "2026-10")
    assert ran.code == 0, ran.stderr
    assert "202610-001-1" in ran.stdout and "已评价" in ran.stdout
    _no_personal_data(ran.stdout + ran.stderr)
    ran = run_cli(quarter_db, "report", "items", "--month", "2026-10", "--json")
    doc = ran.json()
    assert len(doc["items"]) == 5 and "phone" not in doc["items"][0]
    _no_personal_data(ran.stdout)


def _trail(db: Path) -> list[dict[str, object]]:
    with Reader(str(db)) as r:
        return [
            {**dict(row), "detail": json.loads(row["detail"])}
            for row in r.rows(
                "SELECT operator, action, entity_id, as_of, detail FROM trail "
                "WHERE action = 'export.contacts' ORDER BY id"
            )
        ]


def test_items_with_contacts_is_recorded(quarter_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "full.csv"
    ran = run_cli(
        quarter_db,
        "report", "items", "--month", "2026-10", "--csv", str(out), "--with-contacts",
        today="2026-12-10", operator="王科员",
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    _raw, rows = _read_csv(out)
    assert rows[0][:5] == ["诉求编号", "企业名称", "统一社会信用代码", "联系人", "联系电话"]
    assert rows[1][3:5] == ["李建国", '="13987654321"']  # kept whole in a spreadsheet
    assert len(rows) == 6
    [event] = _trail(quarter_db)
    assert event["operator"] == "王科员" and event["entity_id"] == "items:2026-10"
    assert event["as_of"] == "2026-12-10"
    detail = event["detail"]
    assert isinstance(detail, dict)
    assert detail["file"] == str(out) and detail["rows"] == 5 and detail["month"] == "2026-10"


def test_items_with_contacts_refused_records_nothing(quarter_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "exists.csv"
    out.write_text("x", encoding="utf-8")
    before = fingerprint(quarter_db)
    ran = run_cli(
        quarter_db, "report", "items", "--month", "2026-10", "--csv", str(out), "--with-contacts"
    )
    assert ran.code == 1 and "已存在" in ran.stderr
    assert fingerprint(quarter_db) == before and out.read_text(encoding="utf-8") == "x"


def test_items_xlsx_codes_are_text(quarter_db: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "items.xlsx"
    ran = run_cli(
        quarter_db, "report", "items", "--month", "2026-12", "--xlsx", str(out), today="2026-12-10"
    )
    assert ran.code == 0, ran.stderr
    ws = load_workbook(out).active
    assert [c.value for c in ws[3]] == ITEM_COLUMNS  # under the title and the cut-off
    code, uscc, text = ws["A4"], ws["C4"], ws["E4"]
    assert code.value == "202612-001-1" and code.data_type == "s" and code.number_format == "@"
    assert uscc.value == E2 and uscc.number_format == "@"
    assert text.value == HYPERLINK and text.data_type == "s"  # text, not a formula


def test_items_bad_month(quarter_db: Path) -> None:
    ran = run_cli(quarter_db, "report", "items", "--month", "2026/12")
    assert ran.code == 1 and "YYYY-MM" in ran.stderr


@pytest.mark.postgres
@needs_pg
def test_reports_on_postgresql(pg_db: str) -> None:
    make_case(pg_db, today=TODAY).close()
    build_quarter(pg_db)
    with Reader(pg_db) as r:
        assert [row.cells() for row in quarterly(r, Q4, by="unit", today=TODAY).rows] == BY_UNIT[
            :-1
        ]
        assert list(quarterly(r, Q4, by="theme", today=TODAY).table()) == BY_THEME
        regions = {f.group: f.appeals for f in quarterly(r, Q4, by="region", today=TODAY).rows}
        assert regions == {"昆明市": 7, "曲靖市": 4}
        items = list(service_items(r, "2026-12", today=TODAY, with_contacts=True))
        assert items[0].report_due == date(2026, 12, 22) and items[1].contact == "李建国"
        from zuozhen.bulletin import build, render_bulletin

        assert "202611-002-1" in render_bulletin(build(r, Q4, today=TODAY), "md")
