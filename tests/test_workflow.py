"""Steps 6–9 through the library (workflow.py), and every illegal step through the CLI."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from tests.factories import act, plan, run_cli, scheduled, unchanged
from zuozhen import closing, handoff, hearing, supervision
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.models import Appeal, Deadline, Extension, Handoff, Rating, Trail
from zuozhen.store.reader import Reader
from zuozhen.store.storage import CaseFile

D0 = date(2026, 9, 24)  # Thursday before the Mid-Autumn / National Day break


def scheduled_on_d0(db: Path, *texts: str) -> list[str]:
    """Booking 202609-001 on session S202609-01 (D0, led by 张厅长)."""
    return scheduled(db, plan(db, D0, lead="张厅长"), *texts)


@pytest.fixture
def ids(db_path: Path) -> list[str]:
    return scheduled_on_d0(db_path, "电费补贴未兑现", "用地审批慢", "融资难")


def shown_handoff(case: CaseFile, aid: str, round: int = 1) -> dict[str, Any]:
    """The hand-off round as ``show`` presents it (its dues come from the deadline rows)."""
    from zuozhen.browse import show_appeal

    with Reader(str(case.path)) as r:
        rounds = show_appeal(r, aid).data["handoffs"]
    return next(h for h in rounds if h["round"] == round)


def appeal(case: CaseFile, aid: str) -> Appeal:
    with case.read() as s:
        a = s.get(Appeal, aid)
    assert a is not None
    return a


def open_duties(case: CaseFile, aid: str) -> dict[str, Deadline]:
    with case.read() as s:
        rows = s.exec(select(Deadline).where(Deadline.appeal_id == aid)).all()
    return {d.step: d for d in rows if d.done_on is None}


def trail_count(case: CaseFile, action: str | None = None) -> int:
    """The acts in the trail (``action``: only those; the seals, store/seal.py, aside)."""
    with case.read() as s:
        rows = s.exec(select(Trail)).all()
    return sum(1 for t in rows if (t.action == action if action else t.action != "seal"))


def referred(case: CaseFile, aid: str, day: date = D0) -> None:
    hearing.hear(case, act(day), aid, refer=True)


def to_reported(case: CaseFile, aid: str, units: list[str] | None = None) -> None:
    referred(case, aid)
    handoff.hand_off(case, act(D0), aid, units or ["省财政厅"])
    handoff.undertake(case, act(date(2026, 9, 28)), aid, handler="李四", measures="核查兑现")
    handoff.report_back(case, act(date(2026, 10, 15)), aid, text="已兑现")


# -- hear ------------------------------------------------------------------------------


def test_hear_resolved_closes_and_opens_rating(case: CaseFile, ids: list[str]) -> None:
    before = trail_count(case)
    r = hearing.hear(
        case, act(D0), ids[0], resolved="现场答复：补贴已于本周拨付", official="王厅长"
    )
    assert r.resolved and r.status == "closed" and r.official == "王厅长"
    a = appeal(case, ids[0])
    assert (a.status, a.outcome, a.resolved_on_spot, a.closed_on) == ("closed", "已解决", True, D0)
    assert a.heard_by == "王厅长" and a.heard_on == D0
    duty = open_duties(case, ids[0])["rate"]
    assert duty.due == date(2026, 10, 15)  # 10 WD across the break
    assert trail_count(case) == before + 1


def test_hear_refer_defaults_official_to_session_lead(case: CaseFile, ids: list[str]) -> None:
    r = hearing.hear(case, act(D0), ids[0], refer=True)
    assert r.status == "referred" and r.official == "张厅长"
    assert appeal(case, ids[0]).status == "referred"


@pytest.mark.parametrize("kwargs", [{}, {"resolved": "答复", "refer": True}])
def test_hear_needs_exactly_one_outcome(case: CaseFile, ids: list[str], kwargs: Any) -> None:
    with pytest.raises(InputError, match="三选一"):
        hearing.hear(case, act(D0), ids[0], **kwargs)


def test_hear_before_the_session_is_refused(case: CaseFile, ids: list[str]) -> None:
    with pytest.raises(RuleError, match="尚未坐诊"):
        hearing.hear(case, act(date(2026, 9, 23)), ids[0], refer=True)


def test_hear_drops_open_notify_duty(case: CaseFile, ids: list[str]) -> None:
    assert "notify" in open_duties(case, ids[0])  # opened when triage put it on the session
    referred(case, ids[0])
    assert "notify" not in open_duties(case, ids[0])


# -- hand off --------------------------------------------------------------------------


def test_single_hand_off_deadlines_across_national_day(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    r = handoff.hand_off(case, act(D0), ids[0], ["省财政厅"])
    # 09-25 is 中秋节, 10-01..07 国庆节: 5 WD → 10-09, 15 WD → 10-22
    assert (r.plan_due, r.report_due, r.joint, r.provisional) == (
        date(2026, 10, 9),
        date(2026, 10, 22),
        False,
        False,
    )
    a = appeal(case, ids[0])
    assert (a.status, a.lead_unit, a.units) == ("handed_off", "省财政厅", '["省财政厅"]')
    d = open_duties(case, ids[0])
    assert d["accept"].due == date(2026, 10, 9) and d["accept"].unit == "省财政厅"
    assert d["report"].due == date(2026, 10, 22)
    assert not r.warnings


def test_joint_hand_off_is_led_by_first_unit(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    r = handoff.hand_off(case, act(D0), ids[0], ["省自然资源厅", "省住房城乡建设厅"])
    assert r.joint and r.lead_unit == "省自然资源厅" and r.report_due == date(2026, 10, 29)
    with case.read() as s:
        h = s.exec(select(Handoff).where(Handoff.appeal_id == ids[0])).one()
    assert (
        h.joint
        and h.round == 1
        and shown_handoff(case, ids[0])["report_due_original"] == date(2026, 10, 29)
    )


def test_hand_off_provisional_year(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    r = handoff.hand_off(case, act(date(2026, 12, 24)), ids[0], ["省财政厅"])
    assert r.provisional and r.report_due.year == 2027


def test_hand_off_unknown_unit_refused_with_closest(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    with pytest.raises(InputError, match="是不是“省税务局”"):
        handoff.hand_off(case, act(D0), ids[0], ["省税务"])
    r = handoff.hand_off(case, act(D0), ids[0], ["省税务"], allow_new=True)
    assert r.warnings and "省税务局" in r.warnings[0]  # added, the close name pointed out


def test_hand_off_refuses_duplicate_units(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    with pytest.raises(InputError, match="重复"):
        handoff.hand_off(case, act(D0), ids[0], ["省财政厅", "省财政厅"])


# -- undertake, report, extend ---------------------------------------------------------


def test_undertake_on_time_and_late(case: CaseFile, ids: list[str]) -> None:
    for aid in ids[:2]:
        referred(case, aid)
        handoff.hand_off(case, act(D0), aid, ["省财政厅"])
    ok = handoff.undertake(
        case, act(date(2026, 10, 9)), ids[0], handler="李四", measures="核查", by=date(2026, 10, 20)
    )
    assert not ok.late and ok.promised_by == date(2026, 10, 20)
    late = handoff.undertake(case, act(date(2026, 10, 12)), ids[1], handler="赵六", measures="核查")
    assert late.late and late.promised_by == date(2026, 10, 22)
    with case.read() as s:
        h = s.exec(select(Handoff).where(Handoff.appeal_id == ids[1])).one()
        d = s.exec(
            select(Deadline).where(Deadline.appeal_id == ids[1], Deadline.step == "accept")
        ).one()
    assert h.accepted_late and d.late and d.done_on == date(2026, 10, 12)


def test_undertake_promise_past_report_deadline_refused(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    handoff.hand_off(case, act(D0), ids[0], ["省财政厅"])
    with pytest.raises(RuleError, match="assign extend"):
        handoff.undertake(
            case, act(D0), ids[0], handler="李四", measures="x", by=date(2026, 10, 23)
        )
    assert appeal(case, ids[0]).status == "handed_off"


def test_report_late_is_flagged(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    handoff.hand_off(case, act(D0), ids[0], ["省财政厅"])
    handoff.undertake(case, act(D0), ids[0], handler="李四", measures="x")
    r = handoff.report_back(case, act(date(2026, 10, 23)), ids[0], text="已办")
    assert r.late
    assert appeal(case, ids[0]).status == "reported"


def test_extend_replaces_report_duty_with_fixed_date(case: CaseFile, ids: list[str]) -> None:
    referred(case, ids[0])
    handoff.hand_off(case, act(D0), ids[0], ["省财政厅"])
    with pytest.raises(RuleError, match="必须晚于"):
        handoff.extend(case, act(D0), ids[0], to=date(2026, 10, 22), reason="会商")
    with pytest.raises(InputError, match="延期理由"):
        handoff.extend(case, act(D0), ids[0], to=date(2026, 11, 5), reason="  ")
    r = handoff.extend(
        case,
        act(date(2026, 10, 15)),
        ids[0],
        to=date(2026, 11, 5),
        reason="需跨部门会商",
        basis="《行政许可法》第四十二条",
    )
    assert (r.old_due, r.new_due, r.extensions) == (date(2026, 10, 22), date(2026, 11, 5), 1)
    d = open_duties(case, ids[0])["report"]
    assert (d.rule, d.due) == ("fixed", date(2026, 11, 5))
    handoff.extend(case, act(date(2026, 10, 16)), ids[0], to=date(2026, 11, 12), reason="再议")
    with case.read() as s:
        h = s.exec(select(Handoff).where(Handoff.appeal_id == ids[0])).one()
        ext = s.exec(select(Extension).where(Extension.appeal_id == ids[0])).all()
    shown = shown_handoff(case, ids[0])
    assert h.extensions == 2 and shown["report_due"] == date(2026, 11, 12)
    assert shown["report_due_original"] == date(2026, 10, 22)
    assert h.legal_basis == "《行政许可法》第四十二条" and len(ext) == 2
    # an undertaking may now promise up to the extended deadline
    u = handoff.undertake(
        case, act(date(2026, 10, 16)), ids[0], handler="李", measures="x", by=date(2026, 11, 10)
    )
    assert u.late  # plan limit 10-09 passed


# -- close, rate, revisit --------------------------------------------------------------


def test_close_both_ways(case: CaseFile, ids: list[str]) -> None:
    to_reported(case, ids[0])
    to_reported(case, ids[1])
    with pytest.raises(InputError, match="解释说明"):
        closing.close_out(case, act(date(2026, 10, 16)), ids[1], outcome="解释说明", result=" ")
    c = closing.close_out(case, act(date(2026, 10, 16)), ids[0], outcome="已解决", result="已兑现")
    assert c.rate_due == date(2026, 10, 30)
    closing.close_out(
        case,
        act(date(2026, 10, 16)),
        ids[1],
        outcome="解释说明",
        result="该事项属国家政策规定，已向企业解释",
    )
    a = appeal(case, ids[1])
    assert (a.status, a.outcome, a.closed_on) == ("closed", "解释说明", date(2026, 10, 16))
    with pytest.raises(InputError, match="办结方式"):
        closing.close_out(case, act(D0), ids[2], outcome="撤回", result="x")


def test_close_on_spot_resolved_says_already_closed(case: CaseFile, ids: list[str]) -> None:
    hearing.hear(case, act(D0), ids[0], resolved="已答复")
    with pytest.raises(RuleError, match="现场答复解决"):
        closing.close_out(case, act(D0), ids[0], outcome="已解决", result="x")


def test_rate_once_and_dissatisfied_opens_revisit(case: CaseFile, ids: list[str]) -> None:
    hearing.hear(case, act(D0), ids[0], resolved="已答复")
    r = closing.rate(
        case, act(date(2026, 9, 28)), ids[0], service="满意", handling="不满意", comment="没落实"
    )
    assert r.dissatisfied and r.revisit_due == date(2026, 10, 16)
    duties = open_duties(case, ids[0])
    assert "rate" not in duties and duties["revisit"].due == date(2026, 10, 16)
    with pytest.raises(RuleError, match="不能更改或重复评价"):
        closing.rate(case, act(date(2026, 9, 29)), ids[0], service="满意", handling="满意")
    hearing.hear(case, act(D0), ids[1], resolved="已答复")
    ok = closing.rate(case, act(date(2026, 9, 28)), ids[1], service="满意", handling="基本满意")
    assert not ok.dissatisfied and "revisit" not in open_duties(case, ids[1])


def test_rating_rows_cannot_be_changed_by_sql(
    db_path: Path, case: CaseFile, ids: list[str]
) -> None:
    hearing.hear(case, act(D0), ids[0], resolved="已答复")
    closing.rate(case, act(D0), ids[0], service="不满意", handling="不满意")
    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="评价"):
            conn.execute("UPDATE rating SET service = '满意'")
        with pytest.raises(sqlite3.DatabaseError, match="评价"):
            conn.execute("DELETE FROM rating")
    finally:
        conn.close()
    with case.read() as s:
        assert s.exec(select(Rating)).one().service == "不满意"


def test_revisit_and_reopen_starts_a_new_round(case: CaseFile, ids: list[str]) -> None:
    to_reported(case, ids[0])
    closing.close_out(case, act(date(2026, 10, 16)), ids[0], outcome="已解决", result="已兑现")
    closing.rate(case, act(date(2026, 10, 19)), ids[0], service="满意", handling="不满意")
    r = supervision.revisit(
        case, act(date(2026, 10, 20)), ids[0], note="补贴未全额到位", reopen=True
    )
    assert r.reopened and r.new_round == 2
    a = appeal(case, ids[0])
    assert (a.status, a.round, a.outcome, a.closed_on) == ("reopened", 2, None, None)
    assert "revisit" not in open_duties(case, ids[0])
    h = handoff.hand_off(case, act(date(2026, 10, 21)), ids[0], ["省财政厅", "省税务局"])
    assert h.round == 2 and h.report_due == date(2026, 11, 18)
    with case.read() as s:
        rounds = [x.round for x in s.exec(select(Handoff).where(Handoff.appeal_id == ids[0]))]
    assert sorted(rounds) == [1, 2]
    with pytest.raises(RuleError, match="只有已销号"):
        supervision.revisit(case, act(date(2026, 10, 21)), ids[0], note="x", reopen=True)


def test_revisit_without_reopen_keeps_state(case: CaseFile, ids: list[str]) -> None:
    hearing.hear(case, act(D0), ids[0], resolved="已答复")
    closing.rate(case, act(D0), ids[0], service="不满意", handling="满意")
    supervision.revisit(case, act(date(2026, 9, 29)), ids[0], note="已沟通，企业认可")
    assert appeal(case, ids[0]).status == "rated"
    assert "revisit" not in open_duties(case, ids[0])


def test_unknown_appeal(case: CaseFile, ids: list[str]) -> None:
    with pytest.raises(NotFoundError, match="202610-007-1"):
        hearing.hear(case, act(D0), "202609-009-1", refer=True)


def test_each_act_records_exactly_one_event(case: CaseFile, ids: list[str]) -> None:
    steps = [
        lambda: hearing.hear(case, act(D0), ids[0], refer=True),
        lambda: handoff.hand_off(case, act(D0), ids[0], ["省财政厅"]),
        lambda: handoff.extend(case, act(D0), ids[0], to=date(2026, 11, 2), reason="会商"),
        lambda: handoff.undertake(case, act(D0), ids[0], handler="李", measures="x"),
        lambda: handoff.report_back(case, act(D0), ids[0], text="办结"),
        lambda: closing.close_out(case, act(D0), ids[0], outcome="已解决", result="ok"),
        lambda: closing.rate(case, act(D0), ids[0], service="满意", handling="满意"),
        lambda: supervision.revisit(case, act(D0), ids[0], note="好", reopen=True),
    ]
    for step in steps:
        before, sealed = trail_count(case), trail_count(case, "seal")
        step()
        assert trail_count(case) == before + 1
        assert trail_count(case, "seal") == sealed + 1  # and one seal of what it changed


# -- every illegal step through the CLI: exit 1, Chinese message, nothing changed ---------


def _prepare(db: Path, state: str) -> str:
    """An appeal of booking 202609-001 brought to ``state`` through the CLI."""
    aid = "202609-001-1"
    path: dict[str, list[tuple[str, ...]]] = {
        "scheduled": [],
        "referred": [("session", "hear", aid, "--refer")],
        "handed_off": [("assign", "to", aid, "--unit", "省财政厅")],
        "undertaken": [("assign", "accept", aid, "--handler", "李四", "--measures", "x")],
        "reported": [("assign", "report", aid, "--text", "已办")],
        "closed": [("close", aid, "--outcome", "已解决", "--result", "已办")],
        "rated": [("rate", aid, "--service", "满意", "--handling", "满意")],
    }
    for name, cmds in path.items():
        for cmd in cmds:
            ran = run_cli(db, *cmd, today="2026-09-24")
            assert ran.code == 0, ran.stderr
        if name == state:
            break
    return aid


ILLEGAL = [
    ("scheduled", ("close", "{a}", "--outcome", "已解决", "--result", "x"), "当前状态为“已排诊”"),
    ("scheduled", ("assign", "to", "{a}", "--unit", "省财政厅"), "须先在坐诊中记录"),
    ("scheduled", ("rate", "{a}", "--service", "满意", "--handling", "满意"), "须先销号"),
    ("referred", ("session", "hear", "{a}", "--refer"), "已经办过"),
    ("referred", ("assign", "report", "{a}", "--text", "x"), "须先由承办单位确认承办"),
    ("referred", ("audit", "revisit", "{a}", "--note", "x", "--reopen"), "只有已销号"),
    ("handed_off", ("close", "{a}", "--outcome", "已解决", "--result", "x"), "须先由承办单位反馈"),
    ("handed_off", ("assign", "report", "{a}", "--text", "x"), "须先由承办单位确认承办"),
    ("handed_off", ("assign", "extend", "{a}", "--to", "2026-10-01", "--reason", "x"), "必须晚于"),
    ("handed_off", ("assign", "to", "{a}", "--unit", "省财政厅"), "当前状态为“已交办”"),
    ("undertaken", ("assign", "accept", "{a}", "--handler", "x", "--measures", "y"), "已经办过"),
    ("undertaken", ("rate", "{a}", "--service", "满意", "--handling", "满意"), "须先销号"),
    ("reported", ("assign", "extend", "{a}", "--to", "2026-12-01", "--reason", "x"), "反馈之前"),
    ("reported", ("assign", "report", "{a}", "--text", "x"), "已经办过"),
    ("closed", ("assign", "to", "{a}", "--unit", "省财政厅"), "已销号，不能直接交办"),
    ("closed", ("close", "{a}", "--outcome", "已解决", "--result", "x"), "已经办过"),
    ("rated", ("rate", "{a}", "--service", "满意", "--handling", "满意"), "不能更改或重复评价"),
    ("rated", ("session", "hear", "{a}", "--resolved", "x"), "已经办过"),
    ("scheduled", ("session", "hear", "{a}"), "三选一"),
    ("scheduled", ("session", "hear", "{a}", "--refer", "--resolved", "x"), "三选一"),
    ("scheduled", ("show", "202609-001-7"), "202609-001-1"),
]


@pytest.mark.parametrize(("state", "argv", "message"), ILLEGAL)
def test_illegal_step_refused_nothing_changed(
    db_path: Path, state: str, argv: tuple[str, ...], message: str
) -> None:
    scheduled_on_d0(db_path)
    aid = _prepare(db_path, state)
    with unchanged(db_path):
        ran = run_cli(db_path, *(x.format(a=aid) for x in argv), today="2026-09-25")
        assert ran.code == 1, ran.stdout + ran.stderr
        assert message in ran.stderr
        assert "Traceback" not in ran.stderr and ran.stdout == ""


def test_cli_json_outputs(db_path: Path, cli: Any) -> None:
    scheduled_on_d0(db_path)
    assert cli(db_path, "session", "hear", "202609-001-1", "--refer", today="2026-09-24").code == 0
    ran = cli(
        db_path,
        "assign",
        "to",
        "202609-001-1",
        "--unit",
        "省财政厅",
        "--unit",
        "省税务局",
        "--json",
        today="2026-09-24",
    )
    assert ran.code == 0
    assert ran.json() == {
        "appeal": "202609-001-1",
        "round": 1,
        "units": ["省财政厅", "省税务局"],
        "lead_unit": "省财政厅",
        "joint": True,
        "plan_due": "2026-10-09",
        "report_due": "2026-10-29",
        "provisional": False,
    }
