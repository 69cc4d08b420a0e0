"""`zuozhen demo`: a realistic, deterministic case file covering every outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import query, run_cli
from zuozhen import demo


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo.build(path)
    return path


def test_demo_size_is_realistic(demo_db: Path) -> None:
    ((enterprises,),) = query(demo_db, "SELECT count(*) FROM enterprise")
    # enterprises' appeals: a ledger's items (no enterprise) are counted in their own test
    ((appeals,),) = query(
        demo_db,
        "SELECT count(*) FROM appeal a JOIN booking b ON b.id = a.booking_id"
        " WHERE b.uscc IS NOT NULL",
    )
    kinds = {k for (k,) in query(demo_db, "SELECT DISTINCT kind FROM consultation")}
    months = {m for (m,) in query(demo_db, "SELECT DISTINCT month FROM appeal")}
    assert 70 <= enterprises <= 90 and 90 <= appeals <= 120
    assert kinds == {"主场", "专场", "加诊"}
    assert months == {"2026-07", "2026-08", "2026-09", "2026-10"}


def test_demo_covers_every_outcome(demo_db: Path) -> None:
    def count(sql: str) -> int:
        return int(query(demo_db, sql)[0][0])

    assert count("SELECT count(*) FROM appeal WHERE resolved_on_spot = 1") > 0
    assert count("SELECT count(*) FROM handoff WHERE joint = 0") > 0
    assert count("SELECT count(*) FROM handoff WHERE joint = 1") > 0
    assert count("SELECT count(*) FROM handoff WHERE accepted_late = 1") > 0
    assert count("SELECT count(*) FROM extension WHERE basis IS NOT NULL") > 0
    assert count("SELECT count(*) FROM extension WHERE basis IS NULL") > 0
    assert count("SELECT count(*) FROM appeal WHERE outcome = '解释说明'") > 0
    assert count("SELECT count(*) FROM revisit WHERE reopened = 1") > 0
    assert count("SELECT count(*) FROM handoff WHERE round = 2") > 0
    assert count("SELECT count(*) FROM booking WHERE late_reason IS NOT NULL") > 0
    assert count("SELECT count(*) FROM notification WHERE late = 1") > 0
    grades = {g for (g,) in query(demo_db, "SELECT DISTINCT handling FROM rating")}
    assert grades == {"满意", "基本满意", "不满意"}
    # Something for the daily audit: open report deadlines already overdue on the demo day.
    assert (
        count(
            f"SELECT count(*) FROM deadline WHERE done_on IS NULL AND step = 'report' "
            f"AND due < '{demo.TODAY.isoformat()}'"
        )
        > 0
    )
    # The real-world turns: a withdrawal, a merge, an absent enterprise, a return, a correction.
    assert count("SELECT count(*) FROM appeal WHERE status = 'withdrawn'") == 1
    ((dup, into),) = query(demo_db, "SELECT id, merged_into FROM appeal WHERE status = 'merged'")
    assert into is not None and dup.rsplit("-", 1)[0] == into.rsplit("-", 1)[0]
    ((missed, heard_at, status),) = query(
        demo_db,
        "SELECT x.session_id, a.session_id, a.status FROM absence x"
        " JOIN appeal a ON a.id = x.appeal_id",
    )
    assert heard_at != missed and status == "closed"  # heard at the next session instead
    ((returned, by),) = query(
        demo_db, "SELECT appeal_id, returned_by FROM handoff WHERE returned_on IS NOT NULL"
    )
    rounds = query(demo_db, "SELECT round, joint FROM handoff WHERE appeal_id = ?", returned)
    assert sorted(rounds) == [(1, 0), (2, 1)] and by
    kinds = {
        k for (k,) in query(demo_db, "SELECT kind FROM progress WHERE appeal_id = ?", returned)
    }
    assert kinds == {"progress", "part"}
    # A correction (更正): the returned appeal's handler, typed wrongly, with the old value.
    ((detail,),) = query(demo_db, "SELECT detail FROM trail WHERE action = 'amend'")
    assert '"from":"杨课长"' in detail.replace(" ", "") and returned in str(
        query(demo_db, "SELECT entity_id FROM trail WHERE action = 'amend'")
    )
    assert query(
        demo_db, "SELECT handler FROM handoff WHERE appeal_id = ? AND round = 2", returned
    ) == [("杨科长",)]
    assert (
        count(f"SELECT count(*) FROM deadline WHERE appeal_id = '{dup}' AND done_on IS NULL") == 0
    )
    # Every step of every story went through the library, so the trail is whole.
    assert run_cli(demo_db, "verify", "--json").json()["ok"] is True


def test_demo_is_deterministic(demo_db: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    demo.build(again)
    sql = "SELECT id, status, theme, units, session_id, outcome, result, closed_on FROM appeal ORDER BY id"
    assert query(again, sql) == query(demo_db, sql)
    sql = "SELECT appeal_id, round, step, due, done_on FROM deadline ORDER BY 1, 2, 3, 4"
    assert query(again, sql) == query(demo_db, sql)


def test_demo_command_walks_through(tmp_path: Path) -> None:
    target = tmp_path / "walk.db"
    r = run_cli(tmp_path / "unused.db", "demo", "--db", str(target))
    assert r.code == 0, r.stderr
    for title in ("月历", "公告", "督办清单", "季度统计", "活动日", "按渠道统计", "单位考核"):
        assert title in r.stdout
    assert "合计" in r.stdout and "2026年11月" in r.stdout
    assert not (tmp_path / "unused.db").exists()  # never the clerk's own case file
    again = run_cli(tmp_path / "unused.db", "demo", "--db", str(target))
    assert again.code == 1 and "已存在" in again.stderr


def test_demo_goes_where_the_command_line_says_never_to_the_env_case_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from zuozhen.cli import app

    monkeypatch.chdir(tmp_path)
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    here = tmp_path / "here.db"
    r = CliRunner().invoke(app, ["--db", str(here), "demo", "--quiet"])
    assert r.exit_code == 0 and here.exists()
    # The clerk's own case file named by the environment is never used for a demo.
    own = tmp_path / "own.db"
    r = CliRunner().invoke(app, ["demo", "--quiet"], env={"ZUOZHEN_DB": str(own)})
    assert r.exit_code == 0 and not own.exists()
    assert list((tmp_path / "tmp").glob("zuozhen-demo-*/demo.db"))


def test_demo_takes_in_other_channels(demo_db: Path) -> None:
    """Issue 14: a 12345 export imported (twice: nothing added the second time), a 即办,
    a 转送, intakes triaged with seed 003's classification and handed off, others waiting."""
    rows = query(
        demo_db,
        "SELECT b.channel, b.ref, b.source, a.id, a.status, a.outcome, a.units, a.scope"
        " FROM booking b JOIN appeal a ON a.booking_id = b.id WHERE b.channel <> '坐诊'"
        " ORDER BY a.id",
    )
    by_id = {r[3]: r for r in rows}
    assert sum(1 for r in rows if r[0] == "12345" and r[2] == "导入") == 6
    assert len({r[1] for r in rows if r[0] == "12345"}) == 6  # each work order once
    assert by_id["J202610-0006-1"][4:7] == ("closed", "转送", "[]")
    quick = [r for r in rows if r[0] == "投诉"]
    assert len(quick) == 1 and quick[0][4:6] == ("closed", "已解决")
    assert query(demo_db, "SELECT on_spot FROM closure WHERE appeal_id = ?", quick[0][3]) == [(1,)]
    assert by_id["J202610-0001-1"][4] == "handed_off" and by_id["J202610-0001-1"][7] == "部门任务"
    assert by_id["J202610-0002-1"][4] == "undertaken"
    assert {by_id[a][4] for a in ("J202610-0003-1", "J202610-0004-1")} == {"received"}
    events = query(demo_db, "SELECT count(*) FROM trail WHERE action = 'intake.import'")
    assert events == [(2 + 6,)]  # two summaries (the second skipped all) and six intakes
    audit = run_cli(demo_db, "audit", "--json", today=demo.TODAY.isoformat()).json()
    assert ("J202610-0003-1", "triage") in {(x["appeal"], x["step"]) for x in audit["overdue"]}


def test_demo_holds_events_of_other_channels(demo_db: Path) -> None:
    """接待日, 同心谈 and 走访 days with their units (zuozhen/demo_events.py), listed by
    quarter, counted by audit cadence only where a cadence is configured (none here)."""
    events = run_cli(demo_db, "event", "list", "--quarter", "2026Q3", "--json").json()["events"]
    assert [e["channel"] for e in events] == ["接待日", "接待日", "接待日", "同心谈", "接待日"]
    assert events[0]["id"] == "E202607-01" and events[0]["units"] == [
        "省发展改革委",
        "省工业和信息化厅",
    ]
    assert events[3]["date"] == "2026-09-17"
    (visit,) = run_cli(demo_db, "event", "list", "--quarter", "2026Q4", "--json").json()["events"]
    assert visit["channel"] == "走访" and visit["id"] == "E202610-01"
    ((trail,),) = query(demo_db, "SELECT count(*) FROM trail WHERE action = 'event.add'")
    assert trail == 6
    today = "2026-10-27"
    ran = run_cli(demo_db, "report", "channels", "--quarter", "2026Q3", "--json", today=today)
    zuozhen = ran.json()["rows"][0]
    assert zuozhen["channel"] == "坐诊" and zuozhen["appeals"] == ran.json()["total"]["appeals"] > 0
    scores = run_cli(demo_db, "report", "scores", "--quarter", "2026Q3", "--json", today=today)
    assert scores.code == 0 and scores.json()["rows"]


def test_demo_has_an_assessment_feedback_ledger(demo_db: Path) -> None:
    """Seed 004: the 整改清单 as a ledger, 8 of its 12 items closed by the demo's day."""
    ran = run_cli(demo_db, "ledger", "show", "L2026-01", "--json", today="2026-10-27")
    assert ran.code == 0, ran.stderr
    p = ran.json()
    assert (p["total"], p["closed"], p["completion_rate"]) == (12, 8, 66.7)
    assert p["on_time"] == 7  # item 9 was closed on 10-22, after its 完成时限 (10-16)
    assert query(demo_db, "SELECT count(*) FROM deadline WHERE step = 'rate' "
                 "AND appeal_id LIKE 'L%'") == [(0,)]  # fmt: skip
    audit = run_cli(demo_db, "audit", "--json", today="2026-10-27").json()
    late = {(x["appeal"], x["step"], x["unit"]) for x in audit["overdue"]}
    assert ("L2026-01-012", "accept", "省工业和信息化厅") in late
