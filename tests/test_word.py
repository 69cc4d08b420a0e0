"""Word 公文 (GB/T 9704-2012), read back with python-docx: the page, the fonts, the red
masthead, the page numbers, and what each document says checked against the case file —
the announcement, the 督办单, the 通报, the 工作记录表 and the 交办单."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.factories import (
    hand_off,
    hear,
    make_case,
    must,
    plan,
    query,
    rate,
    revisit,
    run_cli,
    scheduled,
    unchanged,
    undertake,
)

OFFICE = "云南省发展和改革委员会"
UNITS = ("省发展改革委", "省财政厅", "省商务厅", "省科技厅", "省自然资源厅", "省工业和信息化厅")
SESSION_DAY = date(2026, 10, 15)
HANDED = date(2026, 10, 16)  # accept due 10-23, report due 11-06 (15 WD)
AUDIT_DAY = "2026-11-20"


def read_docx(path: Path) -> Any:
    return Document(str(path))


def text_of(doc: Any) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def east_asia(run: Any) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def fonts_of(doc: Any, needle: str) -> set[str | None]:
    """The eastAsia fonts of the runs of the paragraph(s) containing ``needle``."""
    return {east_asia(r) for p in doc.paragraphs if needle in p.text for r in p.runs if r.text}


def assert_gongwen_page(doc: Any) -> None:
    """A4, the margins of GB/T 9704-2012, a 22-line grid, page numbers “— N —”."""
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    margins = (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]
    grid = sec._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines in 225 mm
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in ((sec.footer, 2), (sec.even_page_footer, 0)):  # right, left
        p = footer.paragraphs[0]
        assert p.text.startswith("— ") and p.text.endswith(" —"), p.text
        assert p.alignment == align
        instr = "".join(el.text for el in p._p.iter(qn("w:instrText")))
        assert instr.strip() == "PAGE"
        assert {east_asia(r) for r in p.runs} == {"宋体"}
        assert {r.font.size.pt for r in p.runs} == {14.0}  # 4号
    mark = doc.paragraphs[0]
    assert mark.text == OFFICE and mark.alignment == 1  # centred
    assert {str(r.font.color.rgb) for r in mark.runs} == {"FF0000"}
    assert {east_asia(r) for r in mark.runs} == {"方正小标宋简体"}
    red_line = [p for p in doc.paragraphs[:3] if p._p.find(".//" + qn("w:bottom")) is not None]
    assert red_line and red_line[0]._p.find(".//" + qn("w:bottom")).get(qn("w:color")) == "FF0000"


def assert_signed(doc: Any, signature: str, day: str) -> None:
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[-2:] == [signature, day]
    sig, when = [p for p in doc.paragraphs if p.text][-2:]
    assert sig.alignment == when.alignment == 2  # right, the date four characters in
    assert when.paragraph_format.right_indent.pt == 64.0


# -- the announcement -----------------------------------------------------------------------


@pytest.fixture
def november(db_path: Path) -> Path:
    plan(db_path, date(2026, 11, 17), "主场", theme="综合", units=("省财政厅", "省水利厅"))
    plan(db_path, date(2026, 11, 23), "专场", theme="融资信贷", units=("人民银行云南省分行",))
    plan(db_path, date(2026, 11, 24), "专场", theme="涉企执法", units=("省司法厅", "省公安厅"))
    plan(db_path, date(2026, 11, 26), "专场", theme="审批服务", units=("省自然资源厅",))
    return db_path


def test_announcement_docx_is_a_gongwen(november: Path, tmp_path: Path) -> None:
    out = tmp_path / "公告.docx"
    must(november, "announce", "--month", "2026-11", "--format", "docx", "--output", str(out),
         today="2026-10-28")  # fmt: skip
    doc = read_docx(out)
    assert_gongwen_page(doc)
    text = text_of(doc)
    title = "云南省发展改革委关于2026年11月“厅局长坐诊接诉”安排的公告"
    assert fonts_of(doc, title) == {"方正小标宋简体"}
    assert [r.font.size.pt for p in doc.paragraphs if p.text == title for r in p.runs] == [22.0]
    heading = next(p for p in doc.paragraphs if p.text.startswith("一、坐诊安排。"))
    assert east_asia(heading.runs[0]) == "黑体" and east_asia(heading.runs[1]) == "仿宋_GB2312"
    assert heading.runs[1].font.size.pt == 16.0  # 3号
    # published in October about November: 下月, never 本月
    assert "下月共安排坐诊4场" in text and "本月" not in text
    booking = next(p.text for p in doc.paragraphs if p.text.startswith("二、挂号时间。"))
    assert booking == "二、挂号时间。11月2日（星期一）至11月6日（星期五），即下月前5个工作日。"
    table = doc.tables[0]
    assert table.rows[0].cells[0].text == "日期"
    assert len(table.rows) == 5 and "11月17日" in table.rows[1].cells[0].text
    assert "人民银行云南省分行" in table.rows[2].cells[4].text
    assert_signed(doc, OFFICE, "2026年10月28日")


def test_announcement_dated_and_said_once_in_every_format(november: Path) -> None:
    for fmt in ("md", "txt", "html"):
        text = must(november, "announce", "--month", "2026-11", "--format", fmt,
                    today="2026-10-28")  # fmt: skip
        assert "下月共安排坐诊 4 场" in text and "本月" not in text, fmt
        line = text.split("挂号时间：", 1)[1].split("。", 1)[0]
        assert line == "11月2日（星期一）至11月6日（星期五），即下月前 5 个工作日", fmt
        assert text.count("11月2日") == 1 and "11月3日" not in text, fmt  # the dates once
        assert "2026年10月28日" in text, fmt
        if fmt != "html":
            lines = [x for x in text.splitlines() if x.strip()]
            assert lines[-2:] == [OFFICE, "2026年10月28日"], fmt
    doc = must(november, "announce", "--month", "2026-11", "--json", today="2026-10-28")
    assert doc["issued"] == "2026-10-28" and doc["signature"] == OFFICE
    # within the month it says 本月; --date sets the 成文日期
    text = must(november, "announce", "--month", "2026-11", "--date", "2026-11-02",
                today="2026-11-05")  # fmt: skip
    assert "本月共安排坐诊" in text and "2026年11月2日" in text


def test_announcement_docx_needs_a_file(november: Path, tmp_path: Path) -> None:
    with unchanged(november):
        ran = run_cli(november, "announce", "--month", "2026-11", "--format", "docx",
                      "--publish")  # fmt: skip
        assert ran.code == 1 and "--output" in ran.stderr
        ran = run_cli(november, "announce", "--month", "2026-11", "--format", "docx",
                      "--output", str(tmp_path / "a.html"))  # fmt: skip
        assert ran.code == 1 and ".docx" in ran.stderr
        ran = run_cli(november, "announce", "--month", "2026-11", "--date", "2026-13-01")
        assert ran.code == 1 and "--date" in ran.stderr
    assert not list(tmp_path.glob("a.*"))


# -- 督办单 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overdue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six units: five hold an appeal not undertaken (承办 and 反馈 overdue), the sixth one
    undertaken and not reported (反馈 overdue): 11 overdue items on 2026-11-20."""
    db = tmp_path_factory.mktemp("overdue") / "case.db"
    make_case(db).close()
    session = plan(db, SESSION_DAY, units=UNITS)
    for n, unit in enumerate(UNITS, 1):
        (appeal,) = scheduled(db, session, f"第{n}家企业的诉求", n=n)
        hear(db, SESSION_DAY, appeal)
        hand_off(db, HANDED, appeal, (unit,))
        if n == len(UNITS):
            undertake(db, date(2026, 10, 20), appeal)
    return db


def test_every_overdue_unit_step_gets_a_numbered_notice(overdue: Path, tmp_path: Path) -> None:
    audit = must(overdue, "audit", "--json", today=AUDIT_DAY)
    unit_items = [i for i in audit["overdue"] if i["step"] in ("accept", "report")]
    assert len(unit_items) == 11 and len({i["unit"] for i in unit_items}) == 6
    out = tmp_path / "督办单"
    got = must(overdue, "audit", "notices", "--format", "docx", "--output", str(out), "--json",
               today=AUDIT_DAY)  # fmt: skip
    notices = got["notices"]
    assert sorted(n["unit"] for n in notices) == sorted(UNITS)
    assert sum(n["items"] for n in notices) == 11
    assert [n["number"] for n in notices] == [f"云发改坐诊督〔2026〕{k}号" for k in range(1, 7)]
    for n in notices:
        doc = read_docx(Path(n["path"]))
        assert_gongwen_page(doc)
        text = text_of(doc)
        assert n["number"] in [p.text for p in doc.paragraphs[:3]]
        assert f"{n['unit']}：" in [p.text for p in doc.paragraphs]
        steps = {i["step"] for i in n["steps"]}
        expected = {"report"} if n["unit"] == UNITS[-1] else {"accept", "report"}
        assert steps == expected, n
        rows = doc.tables[0].rows[1:]
        assert len(rows) == n["items"]
        assert {r.cells[3].text for r in rows} == {
            "承办" if s == "accept" else "反馈" for s in steps
        }
        assert "2026年10月23日" in text or n["unit"] == UNITS[-1]  # the 承办 limit
        assert "2026年11月6日" in text  # the 反馈 limit, Chinese dates only
        assert "2026-1" not in text
        assert "请抓紧办理，并于2026年11月25日前将办理情况书面回复" in text  # 3 WD after 11-20
        assert_signed(doc, OFFICE, "2026年11月20日")
    # issued again the same day (a corrected run): the same numbers, no second record
    again = must(overdue, "audit", "notices", "--output", str(out), "--json", today=AUDIT_DAY)
    assert [n["number"] for n in again["notices"]] == [n["number"] for n in notices]
    recorded = query(overdue, "SELECT detail FROM trail WHERE action = 'audit.notice'")
    assert len(recorded) == 6
    detail = json.loads(recorded[0][0])
    assert detail["number"] == "云发改坐诊督〔2026〕1号" and detail["reply_by"] == "2026-11-25"
    # a later day's notices go on numbering
    later = must(overdue, "audit", "notices", "--output", str(out), "--json", today="2026-11-23")
    assert later["notices"][0]["number"] == "云发改坐诊督〔2026〕7号"


def test_notices_refuse_a_bad_format_and_change_nothing(overdue: Path, tmp_path: Path) -> None:
    with unchanged(overdue):
        ran = run_cli(overdue, "audit", "notices", "--format", "pdf", "--output",
                      str(tmp_path / "x"), today=AUDIT_DAY)  # fmt: skip
        assert ran.code == 1 and "md、docx" in ran.stderr
    assert not (tmp_path / "x").exists()


# -- 交办单 ---------------------------------------------------------------------------------


def test_handoff_notice_per_appeal_and_per_unit(overdue: Path, tmp_path: Path) -> None:
    appeal = "202610-001-1"
    one = tmp_path / "交办单.docx"
    got = must(overdue, "assign", "notice", appeal, "--output", str(one), "--json")
    (n,) = got["notices"]
    handoff_id = query(overdue, "SELECT id FROM handoff WHERE appeal_id = ?", appeal)[0][0]
    assert n["number"] == f"云发改坐诊交〔2026〕{handoff_id}号"
    doc = read_docx(one)
    assert_gongwen_page(doc)
    text = text_of(doc)
    assert "省发展改革委：" in text and "云南测试1号有限公司" in text and "第1家企业的诉求" in text
    assert "交办日期 | 2026年10月16日" in text and "承办期限 | 2026年10月23日" in text
    assert "反馈期限 | 2026年11月6日" in text and "13812345678" not in text and "王小明" not in text
    assert_signed(doc, OFFICE, "2026年10月16日")
    batch = tmp_path / "财政厅.docx"
    got = must(overdue, "assign", "notice", "--unit", "省财政厅", "--output", str(batch), "--json")
    assert [x["appeal"] for x in got["notices"]] == ["202610-002-1"]
    with unchanged(overdue):
        for args in (
            ("assign", "notice", "209901-001-1", "--output", str(tmp_path / "a.docx")),
            ("assign", "notice", appeal, "--output", str(tmp_path / "a.pdf")),
            (
                "assign",
                "notice",
                appeal,
                "--unit",
                "省财政厅",
                "--output",
                str(tmp_path / "a.docx"),
            ),
            ("assign", "notice", "--unit", "省财政局", "--output", str(tmp_path / "a.docx")),
            ("assign", "notice", "--unit", "省教育厅", "--output", str(tmp_path / "a.docx")),
            ("assign", "notice", appeal, "--output", str(one)),  # exists, no --force
        ):
            ran = run_cli(overdue, *args)
            assert ran.code == 1 and "Traceback" not in ran.stderr, (args, ran.stderr)
    assert not list(tmp_path.glob("a.*"))


# -- 工作记录表 ------------------------------------------------------------------------------


def test_session_record_docx(overdue: Path, tmp_path: Path) -> None:
    out = tmp_path / "记录表.docx"
    must(overdue, "report", "record", "--session", "S202610-01", "--format", "docx",
         "--output", str(out), today="2026-10-16")  # fmt: skip
    doc = read_docx(out)
    assert_gongwen_page(doc)
    head = [c.text for c in doc.tables[0].rows[1].cells]
    assert head[0] == "S202610-01" and head[1].startswith("2026年10月15日")
    rows = doc.tables[1].rows[1:]
    assert [r.cells[1].text for r in rows] == [f"202610-00{k}-1" for k in range(1, 7)]
    assert fonts_of(doc, "“坐诊”服务工作记录表") == {"方正小标宋简体"}
    assert_signed(doc, OFFICE, "2026年10月16日")


# -- the bulletin ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reopened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three appeals: one resolved on the spot and left so; one resolved on the spot,
    rated 不满意, reopened and handed off; one handed off from the session."""
    db = tmp_path_factory.mktemp("bulletin") / "case.db"
    make_case(db).close()
    session = plan(db, SESSION_DAY, units=("省财政厅",))
    a, b, c = scheduled(db, session, "甲诉求", "乙诉求", "丙诉求")
    hear(db, SESSION_DAY, a, resolved="现场答复")
    hear(db, SESSION_DAY, b, resolved="现场答复")
    hear(db, SESSION_DAY, c)
    hand_off(db, HANDED, c)
    rate(db, date(2026, 10, 19), b, handling="不满意")
    revisit(db, date(2026, 10, 20), b, reopen=True)
    hand_off(db, date(2026, 10, 21), b)
    return db


def test_bulletin_counts_add_up_and_say_how(reopened: Path, tmp_path: Path) -> None:
    out = tmp_path / "通报.docx"
    must(reopened, "report", "bulletin", "--quarter", "2026Q4", "--format", "docx",
         "--output", str(out), today="2026-11-30")  # fmt: skip
    doc = read_docx(out)
    assert_gongwen_page(doc)
    text = text_of(doc)
    assert "共受理企业诉求 3 件" in text
    assert (
        "现场答复解决 1 件，交办 2 件（含现场答复解决后经回访重新交办的 1 件），其他 0 件" in text
    )
    assert "不再计入现场答复解决" in text
    total = next(r for t in doc.tables for r in t.rows if r.cells[0].text == "合计")
    assert [c.text for c in total.cells[1:4]] == ["3", "1", "2"]
    assert all(r.bold for c in total.cells for p in c.paragraphs for r in p.runs)
    assert_signed(doc, OFFICE, "2026年11月30日")
    quarterly = must(reopened, "report", "quarterly", "--quarter", "2026Q4", "--json",
                     today="2026-11-30")  # fmt: skip
    t = quarterly["total"]
    assert (t["appeals"], t["resolved_on_spot"], t["handed_off"]) == (3, 1, 2)
    for fmt in ("md", "html"):
        page = must(reopened, "report", "bulletin", "--quarter", "2026Q4", "--format", fmt,
                    today="2026-11-30")  # fmt: skip
        assert "现场答复解决 1 件，交办 2 件" in page and "不再计入现场答复解决" in page, fmt
        assert "2026年11月30日" in page.rsplit(OFFICE, 1)[-1], fmt


def test_empty_quarter_says_none_and_a_future_one_is_refused(
    reopened: Path, tmp_path: Path
) -> None:
    out = tmp_path / "空.docx"
    must(reopened, "report", "bulletin", "--quarter", "2026Q3", "--format", "docx",
         "--output", str(out), today="2026-11-30")  # fmt: skip
    doc = read_docx(out)
    assert not doc.tables  # no header-only table, no lone 合计
    assert [p.text for p in doc.paragraphs if p.text.startswith("无。")]
    for fmt in ("md", "html"):
        page = must(reopened, "report", "bulletin", "--quarter", "2026Q3", "--format", fmt,
                    today="2026-11-30")  # fmt: skip
        assert "合计" not in page and "无。" in page and "| 单位 |" not in page, fmt
        assert "<table" not in page, fmt
    with unchanged(reopened):
        for fmt in ("docx", "html", "md"):
            ran = run_cli(reopened, "report", "bulletin", "--quarter", "2027Q1", "--format", fmt,
                          "--output", str(tmp_path / f"f.{fmt}"), today="2026-11-30")  # fmt: skip
            assert ran.code == 1 and "尚未开始" in ran.stderr, fmt
        ran = run_cli(reopened, "report", "bulletin", "--quarter", "2026Q4", "--format", "docx")
        assert ran.code == 1 and "--output" in ran.stderr
    assert not list(tmp_path.glob("f.*"))


# -- configuration and start-up --------------------------------------------------------------


def test_config_show_names_the_documents(db_path: Path) -> None:
    doc = must(db_path, "config", "show", "--json")
    assert doc["documents"] == {
        "office": OFFICE,
        "number_prefix": "云发改坐诊",
        "signature": OFFICE,
        "reply_days": 3,
    }
    assert "发文机关标志：云南省发展和改革委员会" in must(db_path, "config", "show")


def test_only_word_commands_import_python_docx(november: Path) -> None:
    code = (
        "import sys\n"
        "from zuozhen.cli import main\n"
        f"sys.argv = ['zuozhen', '--db', {str(november)!r}, '--today', '2026-10-28', "
        "'announce', '--month', '2026-11', '--format', 'html']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('LOADED', sorted(m for m in ('docx', 'lxml') if m in sys.modules))\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert ran.returncode == 0 and "LOADED []" in ran.stdout, ran.stderr[-500:]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_typical_month_announcement_prints_on_one_page(november: Path, tmp_path: Path) -> None:
    out = tmp_path / "公告.docx"
    must(november, "announce", "--month", "2026-11", "--format", "docx", "--output", str(out),
         today="2026-10-28")  # fmt: skip
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True,
        check=True,
        timeout=180,
    )
    pdf = (tmp_path / "公告.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
