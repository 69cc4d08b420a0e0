"""The quarterly 通报: figures, tables, chart, overdue items; self-contained and deterministic."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.factories import book, run_cli, triage, unchanged
from tests.scenarios import CONTACTS, TODAY, U1, U2, U3
from zuozhen.bulletin import build, render_bulletin
from zuozhen.reports import Quarter
from zuozhen.store.reader import Reader

Q4 = Quarter(2026, 4)


def _render(db: Path, fmt: str) -> str:
    with Reader(str(db)) as r:
        return render_bulletin(build(r, Q4, today=TODAY), fmt)


def _no_personal_data(text: str) -> None:
    assert not re.search(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}", text)
    for contact, phone, _name, _region in CONTACTS.values():
        assert contact not in text and phone not in text


def test_bulletin_content(quarter_db: Path) -> None:
    with Reader(str(quarter_db)) as r:
        b = build(r, Q4, today=TODAY)
    assert b.enterprises == 4
    t = b.total
    # As of TODAY: 202611-001-1 is closed only on 12-22; the round-1 rating of the reopened
    # 202610-003-1 counts (tests/test_reports.py has every cell).
    assert (t.appeals, t.closed, t.closure_rate, t.on_time_rate, t.satisfaction_rate) == (
        11, 5, 45.5, 80.0, 60.0,
    )  # fmt: skip
    assert (b.as_of, b.overdue_on) == (TODAY, TODAY)
    # 202611-002-1 was due 2026-11-30: working days 12-01 … 12-10 = 8.
    assert [(o.appeal, o.unit, o.due.isoformat(), o.days_overdue) for o in b.overdue] == [
        ("202611-002-1", U3, "2026-11-30", 8)
    ]
    assert b.classes == [("电费补贴兑现", 3), ("用地审批", 2), ("+资质认定", 1), ("@融资难", 1)]
    assert [f.group for f in b.by_region.rows] == ["昆明市", "曲靖市"]


def test_html_is_self_contained_and_printable(quarter_db: Path) -> None:
    html = _render(quarter_db, "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=""", html)
    assert not re.search(r"url\(", html)
    # The only URL is the SVG namespace.
    assert re.findall(r"https?://[^\s\"']+", html) == ["http://www.w3.org/2000/svg"]
    assert "@media print" in html and "size: A4" in html and "break-inside: avoid" in html
    for text in ("2026年第四季度", "45.5%", "80.0%", "60.0%", "202611-002-1", "2026-11-30"):
        assert text in html
    for unit in (U1, U2, U3):
        assert unit in html
    # One bar per unit and rate that has a value: U1 two, U2 two (0.0 % is a bar too).
    assert html.count("<rect") == 2 + 4  # two legend swatches + four bars
    _no_personal_data(html)


def test_html_escapes_and_is_deterministic(quarter_db: Path) -> None:
    # A clerk may type anything as the class of an appeal at triage.
    (aid,) = book(quarter_db, date(2026, 12, 3), 5).appeals
    triage(quarter_db, date(2026, 12, 3), aid, problem_class="<script>alert(1)</script>")
    html = _render(quarter_db, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert _render(quarter_db, "html") == html


def test_markdown(quarter_db: Path) -> None:
    md = _render(quarter_db, "md")
    assert md.startswith("# 厅局长坐诊接诉工作2026年第四季度通报")
    assert f"| {U1} | 4 | 2 | 2 | 4 | 4 | 0 | 0 | 1 | 9.5 | 3 | 100.0% | 100.0% |" in md
    assert "| **合计** | **11** |" in md
    assert "| 1 | 202611-002-1 | 省市场监管局 | 2026-11-30 | 8 |" in md
    assert "| 1 | 电费补贴兑现 | 3 |" in md
    _no_personal_data(md)


def test_cli_bulletin_output(quarter_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "通报.html"
    args = ("report", "bulletin", "--quarter", "2026Q4", "--output", str(out))
    ran = run_cli(quarter_db, *args, today="2026-12-10")
    assert ran.code == 0, ran.stderr
    first = out.read_bytes()
    with unchanged(quarter_db):
        ran = run_cli(quarter_db, *args, today="2026-12-10")
        assert ran.code == 1 and "已存在" in ran.stderr
        ran = run_cli(quarter_db, *args, "--force", today="2026-12-10")
        assert ran.code == 0 and out.read_bytes() == first  # same bytes
    ran = run_cli(quarter_db, "report", "bulletin", "--quarter", "2026Q4", "--format", "md")
    assert ran.code == 0 and ran.stdout.startswith("# ")


def test_cli_bulletin_bad_input(quarter_db: Path) -> None:
    ran = run_cli(quarter_db, "report", "bulletin", "--quarter", "2026Q4", "--format", "pdf")
    assert ran.code == 1 and "通报格式" in ran.stderr
    ran = run_cli(quarter_db, "report", "bulletin", "--quarter", "Q4")
    assert ran.code == 1 and "YYYYQn" in ran.stderr


def test_empty_quarter(quarter_db: Path) -> None:
    ran = run_cli(quarter_db, "report", "bulletin", "--quarter", "2025Q1", "--format", "md")
    assert ran.code == 0 and "没有挂号受理的诉求" in ran.stdout
    assert "没有挂号受理的诉求" in ran.stderr


def test_overdue_list_is_capped_most_overdue_first(
    quarter_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zuozhen.bulletin as bulletin
    from zuozhen.reports import overdue_items

    later = date(2027, 2, 1)  # cut-off 2026-12-31: three appeals overdue
    with Reader(str(quarter_db)) as r:
        top = overdue_items(r, Q4, today=later, limit=2)
        monkeypatch.setattr(bulletin, "OVERDUE_SHOWN", 1)
        md = render_bulletin(build(r, Q4, today=later), "md")
    assert [(o.appeal, o.days_overdue) for o in top] == [("202611-002-1", 23), ("202610-003-1", 12)]
    assert "以上列出超期最久的 1 件；超期未办结共 3 件" in md
