"""Loading an official schedule recomputes stored provisional deadlines (domain.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.factories import run_cli, unchanged

USCC = "91530100MA6K5X7Q2Y"


def _handed_off_in_december(db: Path) -> dict[str, object]:
    def ok(*args: str, today: str) -> dict[str, object] | None:
        r = run_cli(db, *args, today=today)
        assert r.code == 0, r.stderr
        return r.json() if "--json" in args else None

    ok(
        "session",
        "plan",
        "--date",
        "2026-12-10",
        "--kind",
        "主场",
        "--theme",
        "综合",
        "--unit",
        "省财政厅",
        today="2026-11-25",
    )
    ok(
        "book",
        "--enterprise",
        "云南滇峰生物科技有限公司",
        "--uscc",
        USCC,
        "--contact",
        "张伟",
        "--phone",
        "13888001234",
        "--appeal",
        "技改补助资金未拨付",
        today="2026-12-01",
    )
    ok(
        "triage",
        "202612-001-1",
        "--unit",
        "省财政厅",
        "--session",
        "S202612-01",
        "--verified",
        today="2026-12-02",
    )
    ok("notify", "--session", "S202612-01", "--sent", "--channel", "短信", today="2026-12-04")
    ok("session", "hear", "202612-001-1", "--refer", today="2026-12-10")
    due = ok("assign", "to", "202612-001-1", "--unit", "省财政厅", "--json", today="2026-12-11")
    assert due is not None
    return due


def test_provisional_deadline_recomputed_when_schedule_loaded(
    db_path: Path, tmp_path: Path
) -> None:
    due = _handed_off_in_december(db_path)
    # 15 WD after Fri 2026-12-11: 14 working days to 12-31, then 2027-01-01 (元旦, estimated)
    # is off, so Monday 2027-01-04 — resting on a year without official data.
    assert due["report_due"] == "2027-01-04" and due["provisional"] is True
    assert due["plan_due"] == "2026-12-18"
    shown = run_cli(db_path, "show", "202612-001-1", "--json", today="2026-12-11").json()
    assert "2027-01-04" in str(shown)

    official = tmp_path / "2027.toml"
    official.write_text(
        'year = 2027\nsource = "国务院办公厅关于2027年部分节假日安排的通知（测试）"\n'
        '[holidays]\n"元旦" = ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"]\n',
        encoding="utf-8",
    )
    r = run_cli(db_path, "calendar", "load", str(official), "--json", today="2026-12-14")
    assert r.code == 0, r.stderr
    changed = r.json()["changed"]
    assert [(c["appeal"], c["step"], c["old"], c["new"], c["provisional"]) for c in changed] == [
        ("202612-001-1", "report", "2027-01-04", "2027-01-05", False)
    ]
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute(
            "SELECT due, provisional FROM deadline WHERE appeal_id = '202612-001-1' AND step = 'report'"
        ).fetchone() == ("2027-01-05", 0)
        actions = [
            a
            for (a,) in conn.execute("SELECT action FROM trail WHERE action <> 'seal' ORDER BY id")
        ]
    finally:
        conn.close()
    assert actions[-2:] == ["calendar.load", "deadline.recompute"]
    # The hand-off's dues are those rows: the hand-off shows the recomputed date.
    handoff = run_cli(db_path, "show", "202612-001-1", "--json").json()["handoffs"][0]
    assert (handoff["report_due"], handoff["report_due_original"], handoff["provisional"]) == (
        "2027-01-05",
        "2027-01-05",
        False,
    )
    # The recomputed date is what the daily audit now uses.
    audit = run_cli(db_path, "audit", "--within", "20", "--json", today="2026-12-31").json()
    report = [i for i in audit["due_soon"] if i["step"] == "report"]
    assert report and report[0]["due"] == "2027-01-05" and not report[0].get("provisional")


def test_a_bad_schedule_changes_nothing(db_path: Path, tmp_path: Path) -> None:
    _handed_off_in_december(db_path)
    with unchanged(db_path):
        bad = tmp_path / "bad.toml"
        bad.write_text(
            'year = 2027\nsource = "x"\nholidays = ["2027-01-04"]\nworkdays = ["2027-01-04"]\n',
            encoding="utf-8",
        )
        r = run_cli(db_path, "calendar", "load", str(bad), today="2026-12-14")
        assert r.code == 1 and "2027-01-04" in r.stderr
