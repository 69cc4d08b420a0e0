"""The monthly announcement: contents, booking window, determinism, provisional years."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.factories import plan, query, unchanged
from zuozhen import announce
from zuozhen.errors import RuleError
from zuozhen.store.reader import Reader

TODAY = "2026-09-20"


def _build(db: Path, year: int, month: int) -> announce.Announcement:
    with Reader(str(db)) as r:
        return announce.build(r, year, month)


@pytest.fixture
def october(db_path: Path) -> Path:
    plan(db_path, date(2026, 10, 15), "主场", units=("省发展改革委", "省财政厅"))
    plan(db_path, date(2026, 10, 10), "专场", theme="融资信贷", units=("人民银行云南省分行",))
    return db_path


def test_booking_window_october_2026(october: Path) -> None:
    ann = _build(october, 2026, 10)
    assert ann.booking_window == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 12),
        date(2026, 10, 13),
    ]
    assert ann.provisional is False


def test_booking_window_january_2026_starts_on_makeup_sunday(db_path: Path) -> None:
    plan(db_path, date(2026, 1, 15), today=date(2025, 12, 20))
    ann = _build(db_path, 2026, 1)
    assert ann.booking_window[0] == date(2026, 1, 4)  # Sunday, 调休上班
    assert ann.booking_window == [date(2026, 1, d) for d in (4, 5, 6, 7, 8)]
    text = announce.render(ann, "md")
    assert "1月4日（星期日）为调休上班日" in text


def test_json_keys_and_sessions_sorted(october: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ran = cli(october, "announce", "--month", "2026-10", "--format", "json", today=TODAY)
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["month"] == "2026-10"
    assert doc["booking_window"] == [
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        "2026-10-12",
        "2026-10-13",
    ]
    assert [s["date"] for s in doc["sessions"]] == ["2026-10-10", "2026-10-15"]
    first = doc["sessions"][0]
    assert {"date", "kind", "theme", "units"} <= set(first)
    assert first["kind"] == "专场" and first["units"] == ["人民银行云南省分行"]
    assert doc["sessions"][1]["units"] == ["省发展改革委", "省财政厅"]


@pytest.mark.parametrize("fmt", ["md", "txt", "html", "json", "docx"])
def test_same_case_file_same_bytes(october: Path, cli, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    # The 成文日期 is fixed with --date (a cron job does so): then any --today gives the
    # same bytes, a Word file too (its zip entries carry no time stamp).
    out1, out2 = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    fixed = ("--month", "2026-10", "--date", "2026-09-25", "--format", fmt)
    r1 = cli(october, "announce", *fixed, "--output", str(out1))
    r2 = cli(october, "announce", *fixed, "--output", str(out2), today="2027-01-05")
    assert r1.code == 0 and r2.code == 0, r1.stderr + r2.stderr
    assert out1.read_bytes() == out2.read_bytes()
    if fmt != "docx":
        stdout = cli(october, "announce", *fixed).stdout
        assert stdout.encode() == out1.read_bytes()


def test_contents_of_the_document(october: Path) -> None:
    ann = _build(october, 2026, 10)
    text = announce.render(ann, "txt")
    for needle in (
        "云南省政务服务中心（昆明市盘龙区穿金路199号）",  # place
        "厅局长坐诊接诉服务专窗",  # online window
        "线下“服务专窗”",  # counter
        "0871-63100000",  # contact
        "10月8日（星期四）至10月13日（星期二），即2026年10月前 5 个工作日",  # booking window, once
        "10月15日（星期四）09:00—12:00",
        "省发展改革委、省财政厅",
        "云南省发展改革委",
    ):
        assert needle in text, needle


def test_html_is_escaped_and_self_contained(db_path: Path) -> None:
    plan(db_path, date(2026, 10, 15), theme="<script>alert(1)</script>", allow_new=True)
    html = announce.render(_build(db_path, 2026, 10), "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<style>" in html and "@media print" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from outside


def test_no_sessions_exit_1(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    with unchanged(db_path):
        ran = cli(db_path, "announce", "--month", "2026-11", today=TODAY)
        assert ran.code == 1 and "session plan" in ran.stderr
        assert ran.stdout == ""
    with pytest.raises(RuleError):
        _build(db_path, 2026, 11)


def test_cancelled_sessions_are_not_announced(october: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cli(october, "session", "cancel", "S202610-02", "--reason", "取消", today=TODAY)
    doc = cli(october, "announce", "--month", "2026-10", "--json").json()
    assert [s["id"] for s in doc["sessions"]] == ["S202610-01"]


def test_provisional_year_warns_loudly(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    plan(db_path, date(2027, 3, 4), today=date(2027, 2, 20))
    ran = cli(db_path, "announce", "--month", "2027-03", "--format", "txt", today="2027-02-20")
    assert ran.code == 0
    assert "暂定" in ran.stderr and "calendar load" in ran.stderr
    assert "尚未公布" in ran.stdout  # the document says so too
    doc = cli(db_path, "announce", "--month", "2027-03", "--json").json()
    assert doc["booking_window_provisional"] is True


def test_not_provisional_no_warning(october: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ran = cli(october, "announce", "--month", "2026-10", today=TODAY)
    assert "暂定" not in ran.stderr and "尚未公布" not in ran.stdout


def test_output_is_atomic_and_replaces(october: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "公告.md"
    target.write_text("旧内容", encoding="utf-8")
    ran = cli(october, "announce", "--month", "2026-10", "--output", str(target))
    assert ran.code == 0
    assert target.read_text(encoding="utf-8").startswith("# 云南省发展改革委")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_read_only_without_publish(october: Path, cli) -> None:  # type: ignore[no-untyped-def]
    with unchanged(october):
        cli(october, "announce", "--month", "2026-10", today=TODAY)


def test_publish_is_recorded_and_late_publication_warned(october: Path, cli) -> None:  # type: ignore[no-untyped-def]
    on_time = cli(october, "announce", "--month", "2026-10", "--publish", today="2026-09-28")
    assert on_time.code == 0 and "已经开始" not in on_time.stderr
    late = cli(october, "announce", "--month", "2026-10", "--publish", today="2026-10-02")
    assert late.code == 0 and "已经开始" in late.stderr
    rows = query(
        october,
        "SELECT entity_id, as_of, detail FROM trail WHERE action = 'announce.publish' ORDER BY id",
    )
    assert [(r[0], r[1]) for r in rows] == [("2026-10", "2026-09-28"), ("2026-10", "2026-10-02")]
    assert '"late":true' in rows[1][2] and '"late":false' in rows[0][2]


def test_default_month_is_next_month(october: Path, cli) -> None:  # type: ignore[no-untyped-def]
    doc = cli(october, "announce", "--json", today=TODAY).json()
    assert doc["month"] == "2026-10"


def test_bad_format_refused(october: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ran = cli(october, "announce", "--month", "2026-10", "--format", "pdf")
    assert ran.code == 1 and "md" in ran.stderr


def test_markdown_table_survives_a_pipe_in_a_theme(db_path: Path) -> None:
    plan(db_path, date(2026, 10, 15), theme="融资|信贷", allow_new=True)
    text = announce.render(_build(db_path, 2026, 10), "md")
    row = next(line for line in text.splitlines() if line.startswith("| 10月15日"))
    assert "融资\\|信贷" in row
    assert row.replace("\\|", "").count("|") == 7
