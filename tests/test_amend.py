"""更正 (``amend``) through the real CLI (issue 11, item 1).

Every field a clerk types can be corrected with a reason, as one trail event keeping the
old and the new value, shown in ``show`` (更正记录) and ``history`` (更正). A corrected unit
of the current hand-off takes over its open time limits, its place in the daily audit and
in the quarterly figures; a corrected region is the enterprise's, in the figures by region.
Names are checked against the configuration; ratings can never be amended; refusals change
nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import (
    ROOT,
    book,
    close_out,
    hand_off,
    hear,
    must,
    plan,
    query,
    rate,
    report_back,
    revisit,
    run_cli,
    scheduled,
    triage,
    unchanged,
    undertake,
)

SESSION_DAY = date(2026, 10, 20)
HANDED = "2026-10-21"
TODAY = "2026-10-22"
TYPO, RIGHT = "省商务局", "省商务厅"


def referred(db: Path, *texts: str, n: int = 1) -> list[str]:
    """Appeals heard at the session and waiting for a hand-off (待交办)."""
    s = plan(db, SESSION_DAY)
    ids = scheduled(db, s, *(texts or ("电费补贴迟迟未兑现",)), n=n)
    for a in ids:
        hear(db, SESSION_DAY, a)
    return ids


def handed_to_typo(db: Path, *more: str) -> str:
    """The issue's case: handed off to a unit typed wrongly, added with --allow-new."""
    (a,) = referred(db)
    r = run_cli(db, "assign", "to", a, "--unit", TYPO, *more, "--allow-new", today=HANDED)
    assert r.code == 0, r.stderr
    return a


def amend(db: Path, a: str, *args: str, today: str = TODAY) -> Any:
    return must(db, "amend", a, *args, "--json", today=today)


def audit_units(db: Path, a: str, today: str = TODAY) -> dict[str, str | None]:
    doc = must(db, "audit", "--within", "30", "--json", today=today)
    return {x["step"]: x["unit"] for x in doc["overdue"] + doc["due_soon"] if x["appeal"] == a}


def by_group(db: Path, by: str, today: str = TODAY) -> dict[str, int]:
    doc = must(db, "report", "quarterly", "--quarter", "2026Q4", "--by", by, "--json", today=today)
    return {row["group"]: row["appeals"] for row in doc["rows"]}


def last_event(db: Path, a: str) -> dict[str, Any]:
    return dict(must(db, "history", a, "--json")["events"][-1])


# -- 承办单位 ----------------------------------------------------------------------------


def test_a_wrong_unit_of_a_live_hand_off_is_corrected_with_its_deadlines_audit_and_report(
    db_path: Path,
) -> None:
    a = handed_to_typo(db_path)
    assert audit_units(db_path, a) == {"accept": TYPO, "report": TYPO}
    assert by_group(db_path, "unit") == {TYPO: 1}

    doc = amend(db_path, a, "--unit", f"{TYPO}={RIGHT}", "--reason", "交办时单位名称录错")

    (change,) = doc["changes"]
    assert (change["field"], change["from"], change["to"]) == ("unit", TYPO, RIGHT)
    assert {x["step"] for x in doc["moved"]} == {"accept", "report"}
    assert audit_units(db_path, a) == {"accept": RIGHT, "report": RIGHT}
    assert (
        must(db_path, "audit", "--unit", RIGHT, "--json", "--within", "30", today=TODAY)[
            "due_soon"
        ][0]["appeal"]
        == a
    )
    assert by_group(db_path, "unit") == {RIGHT: 1}
    open_units = query(
        db_path, "SELECT DISTINCT unit FROM deadline WHERE appeal_id = ? AND done_on IS NULL", a
    )
    assert open_units == [(RIGHT,)]
    shown = must(db_path, "show", a, "--json")
    assert shown["units"] == [RIGHT] and shown["lead_unit"] == RIGHT
    assert shown["handoffs"][0]["units"] == [RIGHT] and shown["handoffs"][0]["lead_unit"] == RIGHT
    (fix,) = shown["amendments"]
    assert fix["reason"] == "交办时单位名称录错" and fix["operator"] == "测试员"
    assert fix["as_of"] == TODAY and fix["changes"][0]["from"] == TYPO
    event = last_event(db_path, a)
    assert event["action"] == "amend" and event["detail"]["reason"] == "交办时单位名称录错"
    assert event["detail"]["changes"][0]["from"] == TYPO
    assert event["detail"]["changes"][0]["to"] == RIGHT
    human = run_cli(db_path, "show", a).stdout
    assert "更正记录" in human and f"{TYPO} → {RIGHT}" in human and "交办时单位名称录错" in human
    history = "".join(run_cli(db_path, "history", a).stdout.split())  # wrapped at 80 columns
    assert "更正" in history and f"承办单位（第1轮）：{TYPO}→{RIGHT}" in history
    # The hand-off goes on with the right unit.
    undertake(db_path, date(2026, 10, 23), a)
    assert must(db_path, "show", a, "--json")["status"] == "undertaken"


def test_a_joint_hand_off_keeps_each_unit_in_its_place_and_the_parts_follow(
    db_path: Path,
) -> None:
    finance = "省财政厅"
    (a,) = referred(db_path)
    r = run_cli(
        db_path, "assign", "to", a, "--unit", finance, "--unit", TYPO, "--allow-new", today=HANDED
    )
    assert r.code == 0, r.stderr
    undertake(db_path, date(2026, 10, 22), a)
    part = run_cli(
        db_path, "assign", "report", a, "--unit", TYPO, "--text", "分工部分已完成", today=TODAY
    )
    assert part.code == 0, part.stderr
    doc = amend(db_path, a, "--unit", f"{TYPO}={RIGHT}", "--reason", "配合单位名称录错")
    assert doc["moved"] == []  # a co-unit holds no time limit: the leading unit does
    shown = must(db_path, "show", a, "--json")
    h = shown["handoffs"][0]
    assert h["units"] == [finance, RIGHT] and h["lead_unit"] == finance
    assert [p["unit"] for p in h["parts"]] == [RIGHT]
    assert audit_units(db_path, a) == {"report": finance}
    # The leading unit corrected: the new name leads.
    amend(db_path, a, "--unit", f"{finance}=省自然资源厅", "--reason", "牵头单位录错")
    shown = must(db_path, "show", a, "--json")
    assert shown["lead_unit"] == "省自然资源厅"
    assert shown["handoffs"][0]["units"] == ["省自然资源厅", RIGHT]
    assert audit_units(db_path, a) == {"report": "省自然资源厅"}


def test_units_chosen_at_triage_are_corrected_before_any_hand_off(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    triage(db_path, date(2026, 10, 8), a, units=["省自然资源厅", "省财政厅"], theme="政策兑现")
    doc = amend(db_path, a, "--unit", "省自然资源厅=省商务厅", "--reason", "分办单位选错")
    assert "round" not in doc["changes"][0]
    shown = must(db_path, "show", a, "--json")
    assert shown["units"] == ["省商务厅", "省财政厅"] and shown["lead_unit"] == "省商务厅"
    assert shown["handoffs"] == []
    assert by_group(db_path, "unit") == {"省商务厅": 1}


def test_a_unit_not_among_the_appeals_units_is_refused_naming_them(db_path: Path) -> None:
    a = handed_to_typo(db_path)
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, "--unit", "省财政厅=省商务厅", "--reason", "x")
    assert r.code == 1 and "不是诉求" in r.stderr and TYPO in r.stderr
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, "--unit", f"{TYPO}=省商务厂", "--reason", "x")
    assert r.code == 1 and "不在配置的单位名单中" in r.stderr and RIGHT in r.stderr
    (b,) = book(db_path, date(2026, 10, 8), 2).appeals
    with unchanged(db_path):
        r = run_cli(db_path, "amend", b, "--unit", f"{TYPO}={RIGHT}", "--reason", "x")
    assert r.code == 1 and "还没有承办单位" in r.stderr


def test_a_new_unit_outside_the_list_is_added_with_allow_new_and_recorded(db_path: Path) -> None:
    a = handed_to_typo(db_path)
    doc = amend(
        db_path, a, "--unit", f"{TYPO}=省新设局", "--reason", "机构改革后的新名称", "--allow-new"
    )
    assert doc["changes"][0]["to"] == "省新设局"
    added = [
        e["detail"]
        for e in must(db_path, "history", "--json")["events"]
        if e["action"] == "config.add"
    ]
    assert added[-1]["name"] == "省新设局" and added[-1]["via"] == "amend"


def test_a_closed_and_rated_rounds_unit_is_corrected_and_its_figures_move(db_path: Path) -> None:
    a = handed_to_typo(db_path)
    undertake(db_path, date(2026, 10, 22), a)
    report_back(db_path, date(2026, 10, 23), a)
    close_out(db_path, date(2026, 10, 26), a)
    rate(db_path, date(2026, 10, 27), a, handling="基本满意")
    after = "2026-10-28"
    doc = must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today=after)
    assert [(r["group"], r["closed"], r["rated"]) for r in doc["rows"]] == [(TYPO, 1, 1)]
    amend(db_path, a, "--unit", f"{TYPO}={RIGHT}", "--reason", "交办时单位名称录错", today=after)
    doc = must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today=after)
    assert [(r["group"], r["closed"], r["rated"]) for r in doc["rows"]] == [(RIGHT, 1, 1)]


def test_a_closed_rounds_unit_moves_its_rating_in_the_report_and_earlier_rounds_stay(
    db_path: Path,
) -> None:
    a = handed_to_typo(db_path)
    undertake(db_path, date(2026, 10, 22), a)
    report_back(db_path, date(2026, 10, 23), a)
    close_out(db_path, date(2026, 10, 26), a)
    rate(db_path, date(2026, 10, 27), a, handling="不满意")
    revisit(db_path, date(2026, 10, 28), a, reopen=True)
    hand_off(db_path, date(2026, 10, 29), a, [TYPO])
    doc = amend(
        db_path, a, "--unit", f"{TYPO}={RIGHT}", "--reason", "第二轮单位录错", today="2026-10-30"
    )
    assert doc["changes"][0]["round"] == 2
    rounds = must(db_path, "show", a, "--json")["handoffs"]
    assert [h["lead_unit"] for h in rounds] == [TYPO, RIGHT]  # round 1 is history


# -- the appeal's own fields ---------------------------------------------------------------


def test_text_category_theme_and_class_are_corrected_in_one_event(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1, "电费补贴迟迟未兑现").appeals
    triage(db_path, date(2026, 10, 8), a, theme="政策兑现", problem_class="电费补贴")
    doc = amend(
        db_path,
        a,
        "--text",
        "2026 年电费补贴迟迟未兑现",
        "--category",
        "服务需求",
        "--theme",
        "要素保障",
        "--class",
        "用电成本",
        "--reason",
        "核实后按企业原话更正",
    )
    got = {c["field"]: (c["from"], c["to"]) for c in doc["changes"]}
    assert got == {
        "text": ("电费补贴迟迟未兑现", "2026 年电费补贴迟迟未兑现"),
        "category": ("政策咨询", "服务需求"),
        "theme": ("政策兑现", "要素保障"),
        "class": ("电费补贴", "用电成本"),
    }
    shown = must(db_path, "show", a, "--json")
    assert (shown["text"], shown["category"], shown["theme"], shown["class"]) == (
        "2026 年电费补贴迟迟未兑现",
        "服务需求",
        "要素保障",
        "用电成本",
    )
    events = [e for e in must(db_path, "history", a, "--json")["events"] if e["action"] == "amend"]
    assert len(events) == 1 and len(events[0]["detail"]["changes"]) == 4
    assert a in [x["id"] for x in must(db_path, "search", "2026 年电费", "--json")["appeals"]]
    assert by_group(db_path, "theme") == {"要素保障": 1}


def test_a_theme_outside_the_list_is_refused_with_the_closest(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    triage(db_path, date(2026, 10, 8), a, theme="政策兑现")
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, "--theme", "要素保证", "--reason", "x", today=TODAY)
    assert r.code == 1 and "要素保障" in r.stderr and "--allow-new" in r.stderr


def test_the_same_value_is_refused_and_a_partly_same_correction_records_only_the_change(
    db_path: Path,
) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, "--category", "政策咨询", "--reason", "x", today=TODAY)
    assert r.code == 1 and "与原值相同" in r.stderr
    r = run_cli(
        db_path,
        "amend",
        a,
        "--category",
        "政策咨询",
        "--text",
        "用地审批慢",
        "--reason",
        "内容录错",
        "--json",
        today=TODAY,
    )
    assert r.code == 0, r.stderr
    assert [c["field"] for c in r.json()["changes"]] == ["text"]
    assert "诉求类别（政策咨询）与原值相同" in r.stderr
    event = last_event(db_path, a)
    assert [c["field"] for c in event["detail"]["changes"]] == ["text"]


# -- 所属地区: the enterprise's ----------------------------------------------------------


def test_the_region_is_the_enterprises_and_moves_its_appeals_in_the_figures(
    db_path: Path,
) -> None:
    a, b = book(db_path, date(2026, 10, 8), 1, "电费补贴", "用地审批", region="曲靖市").appeals
    (c,) = book(db_path, date(2026, 10, 8), 2, region="曲靖市").appeals
    assert by_group(db_path, "region") == {"曲靖市": 3}
    r = run_cli(
        db_path,
        "amend",
        a,
        "--region",
        "昆明市",
        "--reason",
        "企业注册地在昆明",
        "--json",
        today=TODAY,
    )
    assert r.code == 0, r.stderr
    assert r.json()["changes"][0]["uscc"] and b in r.stderr  # the clerk is told
    assert by_group(db_path, "region") == {"昆明市": 2, "曲靖市": 1}
    assert must(db_path, "show", b, "--json")["region"] == "昆明市"
    assert must(db_path, "show", c, "--json")["region"] == "曲靖市"
    firm = [e for e in must(db_path, "history", "--json")["events"] if e["entity"] == "enterprise"]
    assert firm[-1]["action"] == "amend" and firm[-1]["detail"]["appeal"] == a
    assert firm[-1]["detail"]["changes"][0]["from"] == "曲靖市"
    with unchanged(db_path):
        r = run_cli(db_path, "amend", c, "--region", "曲靖", "--reason", "x", today=TODAY)
    assert r.code == 1 and "曲靖市" in r.stderr


# -- 办理结果、承办人、办理措施 --------------------------------------------------------------


def test_the_result_of_the_closed_round_is_corrected_everywhere(db_path: Path) -> None:
    a = handed_to_typo(db_path)
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, "--result", "x", "--reason", "x", today=TODAY)
    assert r.code == 1 and "尚未销号" in r.stderr
    undertake(db_path, date(2026, 10, 22), a)
    report_back(db_path, date(2026, 10, 23), a)
    close_out(db_path, date(2026, 10, 26), a, result="已兑现补贴 21 万元")
    amend(db_path, a, "--result", "已兑现补贴 12 万元", "--reason", "金额笔误", today="2026-10-27")
    shown = must(db_path, "show", a, "--json")
    assert shown["result"] == "已兑现补贴 12 万元"
    assert shown["rounds"][0]["result"] == "已兑现补贴 12 万元"
    assert query(db_path, "SELECT result FROM closure WHERE appeal_id = ?", a) == [
        ("已兑现补贴 12 万元",)
    ]
    assert [x["id"] for x in must(db_path, "search", "12 万元", "--json")["appeals"]] == [a]
    assert must(db_path, "search", "21 万元", "--json")["appeals"] == []
    # Reopened: the last closed round's result is the one corrected.
    revisit(db_path, date(2026, 10, 28), a, reopen=True)
    doc = amend(
        db_path, a, "--result", "已兑现补贴 12.5 万元", "--reason", "再次核对", today="2026-10-28"
    )
    assert doc["changes"][0]["round"] == 1
    shown = must(db_path, "show", a, "--json")
    assert shown["result"] is None and shown["rounds"][0]["result"] == "已兑现补贴 12.5 万元"


def test_the_outcome_of_the_closed_round_is_corrected_and_counted(db_path: Path) -> None:
    """已解决 typed for an explanation (解释说明): corrected on the appeal and its round, so
    the quarterly 解释说明 column counts it; a value outside the two is refused."""
    a = handed_to_typo(db_path)
    undertake(db_path, date(2026, 10, 22), a)
    report_back(db_path, date(2026, 10, 23), a)
    close_out(db_path, date(2026, 10, 26), a, outcome="已解决", result="已说明政策口径")

    def explained() -> int:
        doc = must(
            db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today="2026-10-27"
        )
        return int(doc["total"]["explained"])

    before = explained()
    with unchanged(db_path):
        bad = run_cli(db_path, "amend", a, "--outcome", "已办结", "--reason", "x", today=TODAY)
    assert bad.code == 1 and "已解决、解释说明" in bad.stderr
    doc = amend(db_path, a, "--outcome", "解释说明", "--reason", "实为政策解释", today="2026-10-27")
    assert doc["changes"] == [{"field": "outcome", "from": "已解决", "to": "解释说明", "round": 1}]
    shown = must(db_path, "show", a, "--json")
    assert shown["outcome"] == "解释说明" and shown["rounds"][0]["outcome"] == "解释说明"
    assert query(db_path, "SELECT outcome FROM closure WHERE appeal_id = ?", a) == [("解释说明",)]
    assert explained() == before + 1
    assert must(db_path, "verify", "--json")["ok"] is True


def test_handler_and_measures_of_the_undertaking_are_corrected(db_path: Path) -> None:
    a = handed_to_typo(db_path)
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, "--handler", "张三", "--reason", "x", today=TODAY)
    assert r.code == 1 and "尚未承办" in r.stderr
    undertake(db_path, date(2026, 10, 22), a, handler="李四", measures="核查办理")
    doc = amend(db_path, a, "--handler", "李斯", "--measures", "会同电网核查", "--reason", "笔误")
    assert [(c["field"], c["from"], c["to"]) for c in doc["changes"]] == [
        ("handler", "李四", "李斯"),
        ("measures", "核查办理", "会同电网核查"),
    ]
    h = must(db_path, "show", a, "--json")["handoffs"][0]
    assert (h["handler"], h["measures"]) == ("李斯", "会同电网核查")


# -- never amendable, and refusals -----------------------------------------------------------


def test_ratings_can_never_be_amended(db_path: Path) -> None:
    a = handed_to_typo(db_path)
    undertake(db_path, date(2026, 10, 22), a)
    report_back(db_path, date(2026, 10, 23), a)
    close_out(db_path, date(2026, 10, 26), a)
    rate(db_path, date(2026, 10, 27), a, handling="不满意")
    before = query(db_path, "SELECT * FROM rating")
    for option in ("--service", "--handling", "--comment"):
        with unchanged(db_path):
            r = run_cli(db_path, "amend", a, option, "满意", "--reason", "企业改口", today=TODAY)
        assert r.code == 2 and "Traceback" not in r.stderr
        assert "没有" in r.stderr or "选项" in r.stderr, r.stderr
    assert query(db_path, "SELECT * FROM rating") == before
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "评价不能更正" in readme


def test_an_ended_appeal_is_refused_naming_its_state(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    must(db_path, "withdraw", a, "--reason", "企业撤回", today=TODAY)
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, "--text", "新内容", "--reason", "x", today=TODAY)
    assert r.code == 1 and "已撤回" in r.stderr and "不能更正" in r.stderr


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--text", "x", "--reason", " "), "更正原因"),
        (("--reason", "录错"), "没有要更正的内容"),
        (("--unit", TYPO, "--reason", "x"), "原单位=正确单位"),
        (("--unit", f"{TYPO}=", "--reason", "x"), "都要写"),
        (("--unit", f"{TYPO}={TYPO}", "--reason", "x"), "与原值相同"),
        (("--unit", "a=b=c", "--reason", "x"), "原单位=正确单位"),
        (("--category", "投诉举报", "--reason", "x"), "诉求类别"),
        (("--text", "", "--reason", "x"), "诉求内容"),
        (("--handler", "字" * 101, "--reason", "x"), "过长"),
        (("--theme", "", "--reason", "x"), "主题"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(
    db_path: Path, argv: tuple[str, ...], said: str
) -> None:
    a = handed_to_typo(db_path)
    with unchanged(db_path):
        r = run_cli(db_path, "amend", a, *argv, today=TODAY)
    assert r.code == 1 and said in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_an_unknown_appeal_and_a_day_before_the_booking_are_refused(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    with unchanged(db_path):
        r = run_cli(db_path, "amend", "202610-099-1", "--text", "x", "--reason", "x")
        assert r.code == 1 and "没有诉求号" in r.stderr
        r = run_cli(db_path, "amend", a, "--text", "x", "--reason", "x", today="2026-10-07")
        assert r.code == 1 and "早于" in r.stderr
