"""The unit's workbook round trip (issue 13, item 2), through the real CLI.

``assign sheet --unit U`` writes the unit's open items with the columns it fills in; the
tests read it back with openpyxl (exact header names, protection, validation, print
settings, no contact or phone), fill it in as a unit would, and ``assign import`` it:
承办, 阶段进展, 反馈 (a co-unit's part too) are recorded by the acts of ``assign
accept/progress/report``, seen in ``show``, ``audit`` and ``history``; the same file
imported again changes nothing (fingerprint); bad rows are named with their row number
and reason; ``--strict`` and files that are not the workbook change nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import (
    close_out,
    copy_case,
    fingerprint,
    hand_off,
    hear,
    make_case,
    must,
    plan,
    query,
    report_back,
    run_cli,
    scheduled,
    unchanged,
    undertake,
)

D0 = date(2026, 9, 24)  # handed off on a Thursday: plan due 10-09, report 10-22 / 10-29
MADE = "2026-09-28"  # the sheet is made on Monday
BACK = "2026-09-29"  # and imported on Tuesday
UNIT = "省财政厅"
FILL_IN = ["诉求号", "承办人", "办理措施", "承诺办结日期", "阶段进展", "反馈内容"]
TEXTS = (
    "电费补贴迟迟未兑现",
    "厂房产权证办理缓慢",
    "出口退税进度慢",
    "用地指标不足",
    "社保缴费基数争议",
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Five appeals heard on D0 and handed off: 1 and 4 to 省财政厅 alone, 2 jointly led by
    it (with 省税务局), 3 jointly led by 省税务局 (省财政厅 a co-unit), 5 to 省税务局 alone."""
    db = tmp_path_factory.mktemp("sheets") / "case.db"
    make_case(db).close()
    ids = scheduled(db, plan(db, D0), *TEXTS)
    for aid in ids:
        hear(db, D0, aid)
    hand_off(db, D0, ids[0])
    hand_off(db, D0, ids[1], (UNIT, "省税务局"))
    hand_off(db, D0, ids[2], ("省税务局", UNIT))
    hand_off(db, D0, ids[3])
    hand_off(db, D0, ids[4], ("省税务局",))
    return db, ids


@pytest.fixture
def handed(template: tuple[Path, list[str]], tmp_path: Path) -> tuple[Path, list[str]]:
    db, ids = template
    return copy_case(db, tmp_path / "case.db"), ids


def make_sheet(db: Path, path: Path, unit: str = UNIT, today: str = MADE) -> Path:
    ran = run_cli(db, "assign", "sheet", "--unit", unit, "--output", str(path), today=today)
    assert ran.code == 0, ran.stderr
    return path


def rows_by_appeal(ws: Any) -> tuple[dict[str, int], dict[str, int]]:
    """Row number of each appeal, column number of each header name."""
    header = [c.value for c in ws[3]]
    cols = {name: i + 1 for i, name in enumerate(header) if name}
    rows = {
        ws.cell(row=r, column=cols["诉求号"]).value: r
        for r in range(4, ws.max_row + 1)
        if ws.cell(row=r, column=cols["诉求号"]).value
    }
    return rows, cols


def fill(path: Path, values: dict[str, dict[str, Any]], out: Path | None = None) -> Path:
    """Fill in the workbook as a unit does in Excel: cells by appeal and column name; an
    appeal not in the sheet gets a new row below the table."""
    wb = load_workbook(path)
    ws = wb["交办事项"]
    rows, cols = rows_by_appeal(ws)
    for appeal, cells in values.items():
        r = rows.get(appeal)
        if r is None:
            r = ws.max_row + 1
            ws.cell(row=r, column=cols["诉求号"], value=appeal)
        for name, value in cells.items():
            ws.cell(row=r, column=cols[name]).value = value  # None clears the cell
    target = out or path
    wb.save(target)
    return target


def show(db: Path, aid: str) -> Any:
    return must(db, "show", aid, "--json")


def current(db: Path, aid: str) -> dict[str, Any]:
    rounds = show(db, aid)["rounds"]
    handoff: dict[str, Any] = rounds[-1]["handoff"]
    return handoff


def do_import(db: Path, path: Path, *extra: str, today: str = BACK) -> Any:
    return run_cli(db, "assign", "import", str(path), *extra, "--json", today=today)


# -- the workbook sent ---------------------------------------------------------------------


def test_sheet_lists_the_units_open_items_with_the_contract_header(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    with unchanged(db):  # writing a workbook records nothing
        path = make_sheet(db, tmp_path / "办理表.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:2] == ["交办事项", "说明"]
    ws = wb["交办事项"]
    title = str(ws["A1"].value)
    assert UNIT in title and MADE in title  # the title names the unit and the date
    header = [c.value for c in ws[3]]
    assert set(FILL_IN) <= set(header)  # cells named exactly as the contract fixes them
    rows, cols = rows_by_appeal(ws)
    # Its own items, the co-unit's one too; not 省税务局's own.
    assert sorted(rows) == sorted(ids[:4])
    # Single hand-offs (report due 10-22) before the joint ones (10-29).
    assert [ws.cell(row=r, column=cols["诉求号"]).value for r in sorted(rows.values())] == [
        ids[0], ids[3], ids[1], ids[2]
    ]  # fmt: skip
    r1 = rows[ids[0]]
    assert ws.cell(row=r1, column=cols["反馈期限"]).value == datetime(2026, 10, 22)
    assert ws.cell(row=r1, column=cols["承办期限"]).value == datetime(2026, 10, 9)
    assert ws.cell(row=r1, column=cols["交办日期"]).value == datetime(2026, 9, 24)
    assert ws.cell(row=r1, column=cols["诉求内容"]).value == TEXTS[0]
    assert "配合" in ws.cell(row=rows[ids[2]], column=cols["交办方式"]).value
    # Masking: no contact name, no phone anywhere in the workbook.
    every = [str(v) for s in wb.worksheets for row in s.iter_rows(values_only=True) for v in row]
    assert not any("13812345678" in v or "王小明" in v for v in every)
    # The hidden sheet records the unit and each row's round.
    meta = wb["zuozhen"]
    assert meta.sheet_state == "veryHidden" and meta["B1"].value == UNIT


def test_sheet_protection_validation_and_print_settings(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    ws = load_workbook(make_sheet(db, tmp_path / "办理表.xlsx"))["交办事项"]
    rows, cols = rows_by_appeal(ws)
    assert ws.protection.sheet is True
    lead, co = rows[ids[0]], rows[ids[2]]
    for name in ("诉求号", "企业名称", "诉求内容", "反馈期限", "当前状态"):
        assert ws.cell(row=lead, column=cols[name]).protection.locked, name
    for name in FILL_IN[1:]:
        assert not ws.cell(row=lead, column=cols[name]).protection.locked, name
    # A co-unit does not undertake: its 承办 cells are locked, its report cell is open.
    assert ws.cell(row=co, column=cols["承办人"]).protection.locked
    assert not ws.cell(row=co, column=cols["反馈内容"]).protection.locked
    # Data validation: a date column; lengths of the texts.
    letter = {name: ws.cell(row=3, column=c).column_letter for name, c in cols.items()}
    checks = {
        (dv.type, str(dv.sqref).split(":")[0][0]) for dv in ws.data_validations.dataValidation
    }
    assert ("date", letter["承诺办结日期"]) in checks
    for name in ("承办人", "办理措施", "阶段进展", "反馈内容"):
        assert ("textLength", letter[name]) in checks, name
    # Printing: landscape, one page wide, the header row on every page.
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    notes = load_workbook(tmp_path / "办理表.xlsx")["说明"]
    explained = {r[0] for r in notes.iter_rows(min_row=4, values_only=True)}
    assert {"承办人", "办理措施", "承诺办结日期", "阶段进展", "反馈内容"} <= explained


def test_sheet_refuses_an_unknown_unit_and_writes_nothing(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, _ = handed
    out = tmp_path / "x.xlsx"
    ran = run_cli(db, "assign", "sheet", "--unit", "省财政局", "--output", str(out), today=MADE)
    assert ran.code == 1 and "省财政厅" in ran.stderr  # the closest configured name
    assert not out.exists()


# -- the workbook returned ---------------------------------------------------------------


def test_import_records_what_the_unit_filled_in_and_twice_changes_nothing(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    sheet = make_sheet(db, tmp_path / "办理表.xlsx")
    back = fill(
        sheet,
        {
            ids[0]: {
                "承办人": "李四",
                "办理措施": "核查补贴台账",
                "承诺办结日期": datetime(2026, 10, 20),
                "阶段进展": "已完成初审",
            },
            # accept and report in one row
            ids[1]: {"承办人": "王五", "办理措施": "会同税务局核查", "反馈内容": "产权证已办结"},
            # a co-unit: its part of the report and a progress line
            ids[2]: {"阶段进展": "财政部分正在核算", "反馈内容": "财政部分已办结"},
        },
        tmp_path / "交回.xlsx",
    )
    ran = do_import(db, back)
    assert ran.code == 0, ran.stderr
    out = ran.json()
    assert out["applied"] == 3 and out["rejected"] == [] and out["unit"] == UNIT
    acts = {c["appeal"]: c["acts"] for c in out["changes"]}
    assert acts == {
        ids[0]: ["accept", "progress"],
        ids[1]: ["accept", "report"],
        ids[2]: ["progress", "part"],
    }
    h = current(db, ids[0])
    assert (h["handler"], h["measures"], h["promised_by"]) == ("李四", "核查补贴台账", "2026-10-20")
    assert [p["text"] for p in h["progress"]] == ["已完成初审"]
    assert show(db, ids[0])["status"] == "undertaken"
    assert show(db, ids[1])["status"] == "reported"
    assert current(db, ids[1])["report_text"] == "产权证已办结"
    parts = current(db, ids[2])["parts"]
    assert [(p["unit"], p["text"]) for p in parts] == [(UNIT, "财政部分已办结")]
    assert show(db, ids[2])["status"] == "handed_off"  # a co-unit's part closes no step
    # audit: the plan step of 1 and 2 is met; 2 now owes the organiser's 销号.
    audit = must(db, "audit", "--all", "--json", today=BACK)
    steps = {(i["appeal"], i["step"]) for k in ("overdue", "due_soon", "later") for i in audit[k]}
    assert (ids[0], "accept") not in steps and (ids[0], "report") in steps
    assert (ids[1], "close") in steps
    # The trail: one import event with the file's SHA-256; each act names the file.
    digest = hashlib.sha256(back.read_bytes()).hexdigest()
    events = query(db, "SELECT detail FROM trail WHERE action = 'assign.import'")
    assert len(events) == 1 and json.loads(events[0][0])["sha256"] == digest
    history = must(db, "history", ids[0], "--json")
    text = json.dumps(history, ensure_ascii=False)
    assert digest[:16] in text and "交回.xlsx" in text
    # The same file again: nothing changes, not even the trail.
    before = fingerprint(db)
    again = do_import(db, back, today="2026-09-30")
    assert again.code == 0, again.stderr
    assert again.json()["applied"] == 0 and again.json()["skipped"] == 3
    assert fingerprint(db) == before
    # A new sheet is pre-filled with what is recorded; sent back untouched it adds nothing.
    fresh = make_sheet(db, tmp_path / "新表.xlsx", today="2026-09-30")
    ws = load_workbook(fresh)["交办事项"]
    rows, cols = rows_by_appeal(ws)
    assert ids[1] not in rows  # reported by its leading unit: no longer open for it
    assert ws.cell(row=rows[ids[0]], column=cols["承办人"]).value == "李四"
    assert ws.cell(row=rows[ids[0]], column=cols["承诺办结日期"]).value == datetime(2026, 10, 20)
    with unchanged(db):
        assert do_import(db, fresh, today="2026-09-30").json()["applied"] == 0


def test_a_new_progress_line_is_recorded_once(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    back = fill(make_sheet(db, tmp_path / "s.xlsx"), {ids[0]: {"阶段进展": "已约谈企业"}})
    assert do_import(db, back).json()["applied"] == 1
    second = fill(back, {ids[0]: {"阶段进展": "已完成现场核查"}}, tmp_path / "s2.xlsx")
    assert do_import(db, second).json()["applied"] == 1
    with unchanged(db):
        assert do_import(db, second).json()["skipped"] == 1
    texts = [p["text"] for p in current(db, ids[0])["progress"]]
    assert texts == ["已约谈企业", "已完成现场核查"]


def test_bad_rows_are_named_with_their_row_and_reason(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    sheet = make_sheet(db, tmp_path / "s.xlsx")
    # 4 is closed after the sheet was made.
    undertake(db, date(2026, 9, 25), ids[3])
    report_back(db, date(2026, 9, 25), ids[3])
    close_out(db, date(2026, 9, 28), ids[3])
    back = fill(
        sheet,
        {
            ids[0]: {
                "承办人": "李四",
                "办理措施": "核查",
                "承诺办结日期": "2026-10-17",
            },  # Saturday
            ids[1]: {"承办人": "王五", "办理措施": "会商", "承诺办结日期": "下周五"},
            ids[2]: {"承办人": "赵六", "办理措施": "配合"},  # a co-unit does not undertake
            ids[3]: {"阶段进展": "仍在办理"},  # closed meanwhile
            ids[4]: {"阶段进展": "已受理"},  # 省税务局's, not this unit's
            "209901-001-1": {"阶段进展": "无此诉求"},
        },
        tmp_path / "back.xlsx",
    )
    wb = load_workbook(back)
    rows, _ = rows_by_appeal(wb["交办事项"])
    with unchanged(db):
        ran = do_import(db, back)
    assert ran.code == 1  # no good row: nothing applied
    errors = {x["row"]: x["error"] for x in ran.json()["rejected"]}
    assert set(errors) == {rows[a] for a in [*ids, "209901-001-1"]}
    assert "2026-10-17（星期六）是周末" in errors[rows[ids[0]]]
    assert "2026-10-19（星期一）" in errors[rows[ids[0]]]  # the next working day
    assert "请改填 2026-10-19" in errors[rows[ids[0]]] and "--by" not in errors[rows[ids[0]]]
    assert "“下周五”不是日期" in errors[rows[ids[1]]]
    assert "牵头单位 省税务局" in errors[rows[ids[2]]]
    assert "已销号" in errors[rows[ids[3]]]
    assert "不是本表的单位" in errors[rows[ids[4]]]
    assert "没有诉求号为“209901-001-1”" in errors[rows["209901-001-1"]]
    assert f"第 {rows[ids[0]]} 行" in ran.stderr  # the clerk sees the rows too
    # One good row among them: it is recorded, the bad ones are listed.
    good = fill(back, {ids[2]: {"承办人": None, "办理措施": None, "反馈内容": "已办结"}})
    ran = do_import(db, good)
    assert ran.code == 0, ran.stderr
    assert ran.json()["applied"] == 1 and len(ran.json()["rejected"]) == 5
    assert [p["text"] for p in current(db, ids[2])["parts"]] == ["已办结"]
    # A bad row is undone as a whole: no half of it stays (1's accept was refused).
    assert show(db, ids[0])["status"] == "handed_off"
    # The rows rolled back left no gap or fork in the hash-chained trail.
    assert run_cli(db, "verify").code == 0


def test_strict_applies_nothing_when_a_row_is_bad(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    back = fill(
        make_sheet(db, tmp_path / "s.xlsx"),
        {
            ids[0]: {"承办人": "李四", "办理措施": "核查"},
            ids[1]: {"承办人": "王五", "办理措施": "会商", "承诺办结日期": "2026-13-01"},
        },
    )
    with unchanged(db):
        ran = do_import(db, back, "--strict")
    assert ran.code == 1 and "--strict" in ran.stderr
    out = ran.json()
    assert out["applied"] == 0 and [x["row"] for x in out["rejected"]] == [
        rows_by_appeal(load_workbook(back)["交办事项"])[0][ids[1]]
    ]
    assert do_import(db, back).json()["applied"] == 1  # without --strict the good row goes in


def test_a_row_made_for_an_earlier_round_is_refused(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    sheet = make_sheet(db, tmp_path / "s.xlsx")
    must(db, "assign", "return", ids[0], "--unit", UNIT, "--reason", "不属于本单位职责", today=MADE)
    hand_off(db, date(2026, 9, 28), ids[0])  # round 2, to the same unit
    back = fill(sheet, {ids[0]: {"承办人": "李四", "办理措施": "核查"}})
    with unchanged(db):
        ran = do_import(db, back)
    assert ran.code == 1 and "第 1 轮" in ran.json()["rejected"][0]["error"]


def test_files_that_are_not_the_workbook_are_refused(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, _ = handed
    fake = tmp_path / "假的.xlsx"
    fake.write_text("诉求号,承办人\n202609-001-1,李四\n", encoding="utf-8")
    other = tmp_path / "别的表.xlsx"
    wb = Workbook()
    wb.active.append(["诉求号", "承办人", "措施"])
    wb.save(other)
    for path, said in (
        (fake, "不是 Excel 工作簿"),
        (other, "表头不对"),
        (tmp_path / "没有.xlsx", "不存在"),
    ):
        with unchanged(db):
            ran = run_cli(db, "assign", "import", str(path), today=BACK)
        assert ran.code == 1 and said in ran.stderr, (path, ran.stderr)
        assert "Traceback" not in ran.stderr


def test_a_copied_table_needs_the_unit_named(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, ids = handed
    copied = tmp_path / "复制.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["说明行"])
    ws.append([])
    ws.append(FILL_IN)
    ws.append([ids[0], "李四", "核查", None, None, None])
    wb.save(copied)
    with unchanged(db):
        ran = run_cli(db, "assign", "import", str(copied), today=BACK)
    assert ran.code == 1 and "--unit" in ran.stderr
    ran = do_import(db, copied, "--unit", UNIT)
    assert ran.code == 0, ran.stderr
    assert current(db, ids[0])["handler"] == "李四"


def test_the_sheet_file_can_be_copied_and_renamed(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """What identifies the workbook is inside it, not its name."""
    db, ids = handed
    sheet = make_sheet(db, tmp_path / "s.xlsx")
    renamed = tmp_path / "财政厅回复（终稿）.xlsx"
    shutil.copy(fill(sheet, {ids[0]: {"阶段进展": "已受理"}}), renamed)
    assert do_import(db, renamed).json()["applied"] == 1


def test_an_undertaking_dated_before_the_hand_off_is_refused(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """承办 as of a day before the hand-off: refused at the CLI and in a workbook alike."""
    db, ids = handed
    back = fill(
        make_sheet(db, tmp_path / "s.xlsx"), {ids[0]: {"承办人": "李四", "办理措施": "核查"}}
    )
    with unchanged(db):
        ran = run_cli(
            db, "assign", "accept", ids[0], "--handler", "李四", "--measures", "核查",
            today="2026-09-23",
        )  # fmt: skip
        assert ran.code == 1 and "早于诉求" in ran.stderr and "2026-09-24" in ran.stderr
        ran = do_import(db, back, today="2026-09-23")
        assert ran.code == 1 and "早于诉求" in ran.json()["rejected"][0]["error"]


def test_a_row_failing_at_its_last_act_is_undone_whole(
    handed: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """承办 and 阶段进展 pass, the report is too long: none of the three stays, the other
    row is recorded, and the trail's hash chain holds across the rolled-back savepoint."""
    db, ids = handed
    back = fill(
        make_sheet(db, tmp_path / "s.xlsx"),
        {
            ids[0]: {
                "承办人": "李四",
                "办理措施": "核查",
                "阶段进展": "已约谈",
                "反馈内容": "长" * 4001,
            },
            ids[1]: {"阶段进展": "已受理"},
        },
    )
    ran = do_import(db, back)
    assert ran.code == 0, ran.stderr
    assert ran.json()["applied"] == 1 and "过长" in ran.json()["rejected"][0]["error"]
    h = current(db, ids[0])
    assert (
        h["handler"] is None and h["progress"] == [] and show(db, ids[0])["status"] == "handed_off"
    )
    assert [p["text"] for p in current(db, ids[1])["progress"]] == ["已受理"]
    assert query(db, "SELECT count(*) FROM trail WHERE action = 'assign.accept'") == [(0,)]
    assert run_cli(db, "verify").code == 0
