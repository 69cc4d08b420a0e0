"""Real-world turns through the real CLI (issue 11, item 3).

* ``session hear --absent``: the enterprise did not come; the appeal waits for another
  session (``triage --session``) and stays on the missed session's record as 未到场.
* ``assign return``: a unit sends the appeal back as not its duty; recorded against it,
  the round's limits dropped, the appeal waits for a new hand-off (a new round).
* ``assign progress``: any number of interim reports, no step closed.
* ``assign report --unit``: a co-unit's part of a joint hand-off; only the leading unit's
  report closes the report step.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.factories import (
    hand_off,
    hear,
    must,
    notify_sent,
    plan,
    query,
    report_back,
    run_cli,
    scheduled,
    unchanged,
    undertake,
)

DAY1 = date(2026, 10, 20)  # S1
DAY2 = date(2026, 10, 27)  # S2
LEAD, CO, THIRD = "省财政厅", "省税务局", "省商务厅"


@pytest.fixture
def two_sessions(db_path: Path) -> tuple[str, str]:
    return plan(db_path, DAY1), plan(db_path, DAY2, "专场")


def open_steps(db: Path, appeal: str) -> list[str]:
    sql = "SELECT step FROM deadline WHERE appeal_id = ? AND done_on IS NULL ORDER BY step"
    return [r[0] for r in query(db, sql, appeal)]


def in_audit(db: Path, appeal: str, today: str) -> bool:
    doc = must(db, "audit", "--within", "60", "--json", today=today)
    return appeal in {x["appeal"] for x in doc["overdue"] + doc["due_soon"]}


def last_event(db: Path, appeal: str) -> dict[str, object]:
    return dict(must(db, "history", appeal, "--json")["events"][-1])


def referred(db: Path, session: str, *texts: str, n: int = 1) -> list[str]:
    """Booked, scheduled on ``session`` (S1) and referred at it (待交办)."""
    ids = scheduled(db, session, *texts, n=n)
    for a in ids:
        hear(db, DAY1, a)
    return ids


# -- 未到场 -------------------------------------------------------------------------------


def test_absent_waits_for_another_session_and_stays_on_the_missed_record(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    s1, s2 = two_sessions
    a, b = scheduled(db_path, s1, "电费补贴迟迟未兑现", "用地审批进度慢")
    notify_sent(db_path, date(2026, 10, 16), a, b)
    r = run_cli(
        db_path, "session", "hear", a, "--absent", "--note", "电话未接通", today="2026-10-20"
    )
    assert r.code == 0 and "未到场" in r.stderr, r.stderr
    hear(db_path, DAY1, b, resolved="现场答复")
    shown = must(db_path, "show", a, "--json")
    assert shown["status"] == "absent" and shown["heard_on"] is None
    assert shown["absences"] == [{"session": s1, "recorded_on": "2026-10-20", "note": "电话未接通"}]
    # the call-up limit went with the session; a new session is owed (排诊)
    assert open_steps(db_path, a) == ["schedule"]
    event = last_event(db_path, a)
    assert event["action"] == "session.absent"
    assert event["detail"] == {
        "session": s1,
        "was": "notified",
        "status": "absent",
        "note": "电话未接通",
    }
    assert [x["id"] for x in must(db_path, "list", "--status", "未到场", "--json")["appeals"]] == [
        a
    ]
    # Not heard: it cannot be heard again before it is put on a session.
    with unchanged(db_path):
        again = run_cli(db_path, "session", "hear", a, "--refer", today="2026-10-21")
    assert again.code == 1 and "未到场" in again.stderr and "triage" in again.stderr
    # Into the next session, to be called up again.
    moved = must(db_path, "triage", a, "--session", s2, "--json", today="2026-10-21")
    assert (moved["status"], moved["session"], moved["renotify"]) == ("scheduled", s2, True)
    assert open_steps(db_path, a) == ["hear", "notify"]  # on the new session: 叫号, then 坐诊结果
    assert a in {
        x["appeal"]
        for x in must(db_path, "notify", "--session", s2, "--json", today="2026-10-21")["items"]
    }
    hear(db_path, DAY2, a, resolved="第二次坐诊现场答复")
    # S1's record keeps the absence (and counts it); S2's has the hearing.
    first = must(db_path, "report", "record", "--session", s1, "--json")
    rows = {x["appeal"]: x for x in first["rows"]}
    assert first["absent"] == 1 and rows[a]["absent"] and not rows[b]["absent"]
    assert rows[a]["answer"] == f"企业未到场，已改排场次 {s2}（电话未接通）"
    assert not rows[a]["resolved_on_spot"] and rows[b]["resolved_on_spot"]
    second = must(db_path, "report", "record", "--session", s2, "--json")
    assert second["absent"] == 0 and second["rows"][0]["answer"] == "第二次坐诊现场答复"
    human = run_cli(db_path, "report", "record", "--session", s1)
    assert "其中企业未到场 1 条" in human.stdout


def test_a_session_with_an_absent_enterprise_was_held_and_is_not_cancelled(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    s1 = two_sessions[0]
    (a,) = scheduled(db_path, s1)
    must(db_path, "session", "hear", a, "--absent", today="2026-10-20")
    with unchanged(db_path):
        r = run_cli(db_path, "session", "cancel", s1, "--reason", "因故取消", today="2026-10-20")
    assert r.code == 1 and "已经举行" in r.stderr


@pytest.mark.parametrize(
    ("argv", "today", "said"),
    [
        (("--absent", "--refer"), "2026-10-20", "三选一"),
        (("--absent", "--resolved", "x"), "2026-10-20", "三选一"),
        (("--absent",), "2026-10-19", "尚未坐诊"),
    ],
)
def test_absent_refusals_change_nothing(
    db_path: Path, two_sessions: tuple[str, str], argv: tuple[str, ...], today: str, said: str
) -> None:
    (a,) = scheduled(db_path, two_sessions[0])
    with unchanged(db_path):
        r = run_cli(db_path, "session", "hear", a, *argv, today=today)
    assert r.code == 1 and said in r.stderr and "Traceback" not in r.stderr


# -- 退回 ---------------------------------------------------------------------------------


def test_return_recorded_against_the_unit_and_handed_off_again_as_a_new_round(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    a, b = referred(db_path, two_sessions[0], "电费补贴迟迟未兑现", "用地审批进度慢")
    for x in (a, b):
        hand_off(db_path, date(2026, 10, 21), x, [LEAD])
    assert open_steps(db_path, a) == ["accept", "report"]
    r = run_cli(
        db_path, "assign", "return", a, "--unit", LEAD, "--reason", "不属于本单位职责，建议交省商务厅",
        "--json", today="2026-10-23",
    )  # fmt: skip
    assert r.code == 0, r.stderr
    doc = r.json()
    assert (doc["status"], doc["round"], doc["unit"], doc["late"]) == ("referred", 1, LEAD, False)
    # round 1's limits are gone; the new hand-off is owed (交办), so it stays in audit
    assert open_steps(db_path, a) == ["handoff"] and in_audit(db_path, a, "2026-12-10")
    shown = must(db_path, "show", a, "--json")
    (h,) = shown["handoffs"]
    assert (h["returned_on"], h["returned_by"], h["returned_late"]) == ("2026-10-23", LEAD, False)
    assert h["return_reason"] == "不属于本单位职责，建议交省商务厅"
    assert (shown["status"], shown["units"], shown["lead_unit"], shown["round"]) == (
        "referred",
        [],
        None,
        2,
    )
    event = last_event(db_path, a)
    assert event["action"] == "assign.return" and event["operator"] == "测试员"
    assert event["detail"]["unit"] == LEAD and event["detail"]["new_round"] == 2  # type: ignore[index]
    assert "退回" in run_cli(db_path, "show", a).stdout
    # Waiting for a new hand-off it is not overdue, though round 1's deadline has passed.
    q = must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today="2026-12-10")
    groups = {x["group"]: x for x in q["rows"]}
    assert groups["（未分办）"]["overdue"] == 0 and groups["（未分办）"]["handed_off"] == 1
    assert groups[LEAD]["overdue"] == 1  # b, never returned
    # A new hand-off, round 2, to the right unit: it now belongs to that unit.
    again = must(db_path, "assign", "to", a, "--unit", THIRD, "--json", today="2026-10-26")
    assert again["round"] == 2
    assert [h["round"] for h in must(db_path, "show", a, "--json")["handoffs"]] == [1, 2]
    q = must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today="2026-10-27")
    assert {x["group"] for x in q["rows"]} == {LEAD, THIRD}


def test_a_return_after_the_plan_period_is_marked_late(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    (a,) = referred(db_path, two_sessions[0])
    plan_due = hand_off(db_path, date(2026, 10, 21), a, [LEAD]).plan_due
    undertake(db_path, date(2026, 10, 22), a)
    r = run_cli(
        db_path, "assign", "return", a, "--unit", LEAD, "--reason", "职责不符", today="2026-11-02"
    )
    assert r.code == 0 and "逾期退回" in r.stderr and plan_due.isoformat() in r.stderr
    assert must(db_path, "show", a, "--json")["handoffs"][0]["returned_late"] is True


def test_a_co_unit_returning_leaves_the_others(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    (a,) = referred(db_path, two_sessions[0])
    hand_off(db_path, date(2026, 10, 21), a, [LEAD, CO, THIRD])
    doc = must(
        db_path,
        "assign",
        "return",
        a,
        "--unit",
        CO,
        "--reason",
        "非本单位职责",
        "--json",
        today="2026-10-22",
    )
    assert doc["units"] == [LEAD, THIRD]
    shown = must(db_path, "show", a, "--json")
    assert (shown["units"], shown["lead_unit"], shown["status"]) == (
        [LEAD, THIRD],
        LEAD,
        "referred",
    )


def test_return_refusals_change_nothing(db_path: Path, two_sessions: tuple[str, str]) -> None:
    a, b, c = referred(db_path, two_sessions[0], "一", "二", "三")
    hand_off(db_path, date(2026, 10, 21), a, [LEAD, CO])
    hand_off(db_path, date(2026, 10, 21), b, [LEAD])
    undertake(db_path, date(2026, 10, 22), b)
    report_back(db_path, date(2026, 10, 23), b)
    cases = [
        ((a, "--unit", THIRD, "--reason", "x"), "2026-10-22", f"“{THIRD}”不是诉求"),
        ((a, "--unit", LEAD, "--reason", " "), "2026-10-22", "退回理由"),
        ((a, "--unit", LEAD, "--reason", "x"), "2026-10-20", "早于"),
        ((b, "--unit", LEAD, "--reason", "x"), "2026-10-26", "已反馈"),
        ((c, "--unit", LEAD, "--reason", "x"), "2026-10-22", "待交办"),
    ]
    for argv, today, said in cases:
        with unchanged(db_path):
            r = run_cli(db_path, "assign", "return", *argv, today=today)
        assert r.code == 1 and said in r.stderr, (argv, r.stderr)
    with unchanged(db_path):
        assert run_cli(db_path, "assign", "return", a, "--reason", "x").code == 2  # --unit needed


# -- 阶段性进展 与 分工反馈 ------------------------------------------------------------------


def test_progress_any_number_of_times_closes_nothing(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    (a,) = referred(db_path, two_sessions[0])
    hand_off(db_path, date(2026, 10, 21), a, [LEAD, CO])
    dues = "SELECT step, due, done_on FROM deadline WHERE appeal_id = ? ORDER BY id"
    before = query(db_path, dues, a)
    r = run_cli(db_path, "assign", "progress", a, "--text", "已完成材料初审", today="2026-10-26")
    assert r.code == 0 and "第 1 次阶段性进展" in r.stderr, r.stderr
    undertake(db_path, date(2026, 10, 27), a)
    must(
        db_path,
        "assign",
        "progress",
        a,
        "--unit",
        CO,
        "--text",
        "税务数据已核对",
        today="2026-10-28",
    )
    r = run_cli(
        db_path, "assign", "progress", a, "--text", "正在会商", "--json", today="2026-10-29"
    )
    assert r.json()["count"] == 3
    after = query(db_path, dues, a)
    assert [x for x in after if x[0] == "report"] == [x for x in before if x[0] == "report"]
    assert must(db_path, "show", a, "--json")["status"] == "undertaken"
    progress = must(db_path, "show", a, "--json")["handoffs"][0]["progress"]
    assert [(x["reported_on"], x["unit"], x["text"]) for x in progress] == [
        ("2026-10-26", LEAD, "已完成材料初审"),
        ("2026-10-28", CO, "税务数据已核对"),
        ("2026-10-29", LEAD, "正在会商"),
    ]
    assert "阶段性进展 2026-10-28 省税务局：税务数据已核对" in run_cli(db_path, "show", a).stdout
    assert last_event(db_path, a)["action"] == "assign.progress"


def test_progress_refusals_change_nothing(db_path: Path, two_sessions: tuple[str, str]) -> None:
    a, b = referred(db_path, two_sessions[0], "一", "二")
    hand_off(db_path, date(2026, 10, 21), b, [LEAD])
    undertake(db_path, date(2026, 10, 22), b)
    report_back(db_path, date(2026, 10, 23), b)
    cases = [
        ((a, "--text", "x"), "交办之后"),
        ((b, "--text", "x"), "已反馈"),
        ((b, "--text", ""), "进展情况"),
    ]
    for argv, said in cases:
        with unchanged(db_path):
            r = run_cli(db_path, "assign", "progress", *argv, today="2026-10-26")
        assert r.code == 1 and said in r.stderr, (argv, r.stderr)
    c = referred(db_path, two_sessions[0], "三", n=2)[0]
    hand_off(db_path, date(2026, 10, 21), c, [LEAD])
    with unchanged(db_path):
        r = run_cli(
            db_path, "assign", "progress", c, "--unit", CO, "--text", "x", today="2026-10-26"
        )
    assert r.code == 1 and f"“{CO}”不是诉求" in r.stderr


def test_co_unit_parts_are_shown_together_and_only_the_lead_closes_the_step(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    (a,) = referred(db_path, two_sessions[0])
    hand_off(db_path, date(2026, 10, 21), a, [LEAD, CO, THIRD])
    undertake(db_path, date(2026, 10, 22), a)
    r = run_cli(
        db_path, "assign", "report", a, "--unit", CO, "--text", "退税部分已办结", "--json",
        today="2026-10-28",
    )  # fmt: skip
    assert r.code == 0, r.stderr
    assert (r.json()["part"], r.json()["unit"], r.json()["waiting"]) == (True, CO, [THIRD])
    assert must(db_path, "show", a, "--json")["status"] == "undertaken"
    assert open_steps(db_path, a) == ["report"]  # still open: a co-unit's part closes nothing
    with unchanged(db_path):
        twice = run_cli(
            db_path, "assign", "report", a, "--unit", CO, "--text", "再报", today="2026-10-29"
        )
    assert twice.code == 1 and "已于 2026-10-28 反馈过" in twice.stderr
    with unchanged(db_path):
        stranger = run_cli(
            db_path, "assign", "report", a, "--unit", "省水利厅", "--text", "x", today="2026-10-29"
        )
    assert stranger.code == 1 and "不是诉求" in stranger.stderr
    # The leading unit's report (named or not) closes the step; the missing part is noted.
    lead = run_cli(
        db_path, "assign", "report", a, "--unit", LEAD, "--text", "全部办结", today="2026-10-30"
    )
    assert lead.code == 0 and f"尚待配合单位 {THIRD}" in lead.stderr
    assert open_steps(db_path, a) == ["close"]  # reported back: 销号 is owed
    shown = must(db_path, "show", a, "--json")
    assert shown["status"] == "reported"
    (h,) = shown["handoffs"]
    assert h["report_text"] == "全部办结"
    assert [(x["unit"], x["text"], x["late"]) for x in h["parts"]] == [
        (CO, "退税部分已办结", False)
    ]
    text = run_cli(db_path, "show", a).stdout
    assert "反馈 2026-10-30 省财政厅（牵头）：全部办结" in text
    assert "分工部分 2026-10-28 省税务局：退税部分已办结" in text
    assert [e["action"] for e in must(db_path, "history", a, "--json")["events"]][-2:] == [
        "assign.report.part",
        "assign.report",
    ]


def test_a_lead_report_still_needs_the_undertaking(
    db_path: Path, two_sessions: tuple[str, str]
) -> None:
    (a,) = referred(db_path, two_sessions[0])
    hand_off(db_path, date(2026, 10, 21), a, [LEAD, CO])
    with unchanged(db_path):
        r = run_cli(
            db_path, "assign", "report", a, "--unit", LEAD, "--text", "x", today="2026-10-22"
        )
    assert r.code == 1 and "确认承办" in r.stderr
    # but a co-unit may report its part before the lead undertakes
    assert (
        run_cli(
            db_path, "assign", "report", a, "--unit", CO, "--text", "x", today="2026-10-22"
        ).code
        == 0
    )
