"""受理 (intake) of other channels through the real CLI (issue 14): presets, the single
intake and its refusals, the same loop as a 坐诊 appeal (triage --unit, hand-off, 即办,
转送, merge across channels), list/show/search of the channel's number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.factories import (
    book,
    hand_off,
    make_case,
    must,
    opened,
    query,
    run_cli,
    unchanged,
    uscc,
)
from zuozhen.config import PRESETS, compose
from zuozhen.models import ChannelEvent
from zuozhen.store.storage import Act

TODAY = "2026-12-07"


def intake_args(n: int = 1, *texts: str, channel: str = "12345", **kw: str) -> list[str]:
    """``zuozhen intake`` as a clerk types it: enterprise ``n``, a 12345 work order."""
    args = ["intake", "--channel", channel]
    given = {
        "enterprise": f"云南测试{n}号有限公司",
        "uscc": uscc(n),
        "contact": "王小明",
        "phone": "13812345678",
        **kw,
    }
    if channel in ("12345", "投诉") and "ref" not in kw:
        given["ref"] = f"GD{n:06d}"
    for key, value in given.items():
        args += [f"--{key}", value]
    for text in texts or ("厂区门口路灯损坏，夜间货车进出不安全",):
        args += ["--appeal", text]
    return [*args, "--json"]


def take(db: Path, n: int = 1, *texts: str, today: str = TODAY, **kw: str) -> dict[str, object]:
    return dict(must(db, *intake_args(n, *texts, **kw), today=today))


def add_event(db: Path, eid: str, channel: str, day: date, unit: str = "省财政厅") -> None:
    """TEST HELPER: a held day written through the ORM (``event add`` is another
    engineer's command; until it lands the row is made here the way it will be)."""
    with opened(db) as case, case.write(Act("测试员", day)) as tx:
        tx.session.add(
            ChannelEvent(
                id=eid,
                channel=channel,
                month=f"{day.year:04d}-{day.month:02d}",
                date=day,
                units=f'["{unit}"]',
                lead_unit=unit,
                created_at=tx.at,
            )
        )
        tx.record("event.add", "event", eid, {"channel": channel, "date": day})


def show(db: Path, appeal: str, today: str = TODAY) -> dict[str, object]:
    return dict(must(db, "show", appeal, "--json", today=today))


def open_steps(db: Path, appeal: str) -> list[str]:
    rows = query(db, "SELECT step FROM deadline WHERE appeal_id = ? AND done_on IS NULL", appeal)
    return sorted(r[0] for r in rows)


# -- presets ------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["county", "tongliao"])
def test_county_and_tongliao_presets_run_the_programme(tmp_path: Path, preset: str) -> None:
    db = tmp_path / f"{preset}.db"
    ran = run_cli(db, "init", "--preset", preset)
    assert ran.code == 0, ran.stderr
    doc = must(db, "config", "show", "--json")
    channels = {c["name"]: c for c in doc["channels"]}
    assert channels["12345"]["number"] and channels["12345"]["limits"] == {}
    if preset == "county":
        assert "市营商环境办" in doc["units"] and "连然街道" in doc["regions"]
        assert channels["接待日"]["cadence_text"] == "每半月 1 次"
        assert channels["走访"]["cadence_text"] == "每月 3 次"
    else:
        assert {"恳谈会", "企业家服务日"} <= set(channels)
        assert "科尔沁区" in doc["regions"]
    human = must(db, "config", "show")
    assert "诉求渠道" in human and "每季度 1 次" in human


def test_init_with_a_wrong_preset_lists_all_four(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    ran = run_cli(db, "init", "--preset", "township")
    assert ran.code == 1 and not db.exists()
    for name in PRESETS:
        assert name in ran.stderr
    assert len(PRESETS) == 4
    help_text = run_cli(db, "init", "--help").stdout
    assert all(name in help_text for name in PRESETS)


def test_a_channels_own_limits_set_its_appeals_deadlines(tmp_path: Path) -> None:
    db = tmp_path / "own.db"
    override = tmp_path / "own.toml"
    override.write_text("[channels]\n'12345' = { number = true, verify = 2, plan = 3 }\n")
    make_case(db, "province").close()
    with opened(db) as case, case.write(Act("测试员", date(2026, 9, 1))) as tx:
        from zuozhen.models import Setting

        row = tx.session.get(Setting, "config")
        assert row is not None
        row.value = compose("province", override.read_text())
    doc = take(db)
    assert doc["triage_due"] == "2026-12-09"  # 2 working days, not 7
    (a,) = doc["appeals"]  # type: ignore[misc]
    must(db, "triage", a, "--unit", "省财政厅", today=TODAY)
    handed = must(db, "assign", "to", a, "--unit", "省财政厅", "--json", today=TODAY)
    assert handed["plan_due"] == "2026-12-10"  # the channel's plan = 3


# -- the single intake --------------------------------------------------------------------


def test_intake_receives_appeals_owing_triage(db_path: Path) -> None:
    doc = take(db_path, 1, "路灯不亮", "道路积水")
    assert doc["channel"] == "12345" and doc["appeals"] == ["J202612-0001-1", "J202612-0001-2"]
    assert doc["status"] == "received" and doc["triage_due"] == "2026-12-16"
    assert show(db_path, "J202612-0001-1")["status"] == "received"
    audit = must(db_path, "audit", "--within", "10", "--json", today=TODAY)
    steps = {(x["appeal"], x["step"]) for x in audit["due_soon"]}
    assert ("J202612-0001-1", "triage") in steps
    # the next intake of the month is numbered on
    assert take(db_path, 2)["appeals"] == ["J202612-0002-1"]


def test_audit_lists_an_intakes_triage_like_a_bookings(db_path: Path) -> None:
    """分办 is the organiser's clerks' step whichever way the appeal came in: a received
    intake (even one raised at a 省财政厅 接待日) is listed under the organiser, beside a
    坐诊 booking's 分办 and 核实, never under a unit (cli.md: only 承办/反馈 are a unit's)."""
    booked = book(db_path, date(2026, 12, 1), 2, "用地审批慢").appeals[0]
    add_event(db_path, "E202612-01", "接待日", date(2026, 12, 7))
    (taken,) = take(db_path, 1, event="E202612-01", channel="接待日")["appeals"]  # type: ignore[misc]
    audit = must(db_path, "audit", "--all", "--json", today=TODAY)
    items = audit["overdue"] + audit["due_soon"] + audit["later"]
    units = {(x["appeal"], x["step"]): x["unit"] for x in items}
    organiser = "云南省发展改革委"
    assert units == {
        (taken, "triage"): organiser,
        (booked, "triage"): organiser,
        (booked, "verify"): organiser,
    }
    screen = must(db_path, "audit", "--all", today=TODAY)
    assert "省财政厅" not in screen  # one group, the organiser's, holds all three
    assert screen.count(organiser) == 1 and taken in screen and booked in screen


def test_intake_uses_the_enterprise_records_of_book(db_path: Path) -> None:
    book(db_path, date(2026, 10, 8), 1, "电费补贴迟迟未兑现")
    ran = run_cli(
        db_path, *intake_args(1, phone="13900000000"), today=TODAY
    )  # a known code with another phone
    assert ran.code == 1 and "--update-enterprise" in ran.stderr
    doc = take(db_path, 1, "电费补贴迟迟未兑现！")
    assert doc["duplicates"] and "zuozhen merge" in str(doc["warnings"])
    assert query(db_path, "SELECT count(*) FROM enterprise")[0][0] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channel": "微博"}, "未在配置中设置"),
        ({"channel": "坐诊"}, "zuozhen book"),
        ({"ref": ""}, "--ref"),
        ({"channel": "接待日", "ref": "X1"}, "不使用渠道编号"),
        ({"date": "2026-12-08"}, "晚于办理日期"),
        ({"date": "2025-12-01"}, "早于本案卷启用的 2026 年"),
        ({"date": "12/01"}, "YYYY-MM-DD"),
        ({"event": "E202612-09"}, "没有编号为"),
        ({"uscc": "91530100MA6K5X7Q2X"}, "校验"),
    ],
)
def test_bad_intake_is_refused_and_changes_nothing(
    db_path: Path, change: dict[str, str], message: str
) -> None:
    channel = change.pop("channel", "12345")
    args = intake_args(1, channel=channel, **change)
    if change.get("ref") == "":
        args = [a for a in args if a not in ("--ref", "")]
    with unchanged(db_path):
        ran = run_cli(db_path, *args, today=TODAY)
    assert ran.code in (1, 2) and message in ran.stderr, ran.stderr


def test_a_work_order_is_taken_in_once(db_path: Path) -> None:
    take(db_path, 1, ref="GD7")
    with unchanged(db_path):
        ran = run_cli(db_path, *intake_args(2, ref="GD7"), today=TODAY)
    assert ran.code == 1 and "GD7 已受理过（J202612-0001" in ran.stderr
    take(db_path, 2, ref="GD7", channel="投诉")  # another channel's numbers are its own


def test_intake_from_an_event_of_the_same_channel(db_path: Path) -> None:
    add_event(db_path, "E202612-01", "接待日", date(2026, 12, 3))
    add_event(db_path, "E202612-02", "同心谈", date(2026, 12, 3))
    with unchanged(db_path):
        ran = run_cli(db_path, *intake_args(1, channel="接待日", event="E202612-02"), today=TODAY)
    assert ran.code == 1 and "是“同心谈”渠道的活动" in ran.stderr
    doc = take(db_path, 1, channel="接待日", event="E202612-01")
    assert doc["event"] == "E202612-01" and doc["received_on"] == "2026-12-03"  # the day held
    view = show(db_path, "J202612-0001-1")
    assert view["event"] == "E202612-01" and view["channel"] == "接待日"
    assert "活动" in must(db_path, "show", "J202612-0001-1", today=TODAY)


# -- the same loop ------------------------------------------------------------------------


def test_triage_refers_an_intake_and_it_is_handed_off(db_path: Path) -> None:
    (a,) = take(db_path)["appeals"]  # type: ignore[misc]
    ran = run_cli(db_path, "assign", "to", a, "--unit", "省财政厅", today=TODAY)
    assert ran.code == 1 and "尚未分办" in ran.stderr
    with unchanged(db_path):
        ran = run_cli(db_path, "triage", a, "--session", "S202612-01", today=TODAY)
    assert ran.code == 1 and "不排入坐诊场次" in ran.stderr
    with unchanged(db_path):
        ran = run_cli(db_path, "triage", a, "--scope", "全市工作", today=TODAY)
    assert ran.code == 1 and "全局工作" in ran.stderr
    done = must(
        db_path,
        "triage",
        a,
        "--unit",
        "省财政厅",
        "--scope",
        "部门任务",
        "--need",
        "共性需求",
        "--nature",
        "政策措施",
        "--handling",
        "分发交办",
        "--json",
        today=TODAY,
    )
    assert done["status"] == "referred"
    assert open_steps(db_path, a) == ["handoff"]  # triage met, hand-off owed
    view = show(db_path, a)
    assert (view["scope"], view["need"], view["nature"], view["handling"]) == (
        "部门任务",
        "共性需求",
        "政策措施",
        "分发交办",
    )
    assert "部门任务 / 共性需求 / 政策措施 / 分发交办" in must(db_path, "show", a, today=TODAY)
    hand_off(db_path, date(2026, 12, 8), a, ["省财政厅"])
    assert show(db_path, a, "2026-12-08")["status"] == "handed_off"


def test_a_booked_appeal_takes_the_classification_too(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    must(db_path, "triage", a, "--handling", "领导批办", today="2026-10-09")
    assert show(db_path, a, "2026-10-09")["handling"] == "领导批办"
    assert show(db_path, a, "2026-10-09")["status"] == "triaged"


def test_resolved_at_intake_closes_at_once(db_path: Path) -> None:
    doc = take(db_path, resolved="已电话答复补贴申报流程")
    (a,) = doc["appeals"]  # type: ignore[misc]
    assert doc["status"] == "closed" and doc["rate_due"] == "2026-12-21"
    view = show(db_path, a)
    assert view["status"] == "closed" and view["outcome"] == "已解决"
    assert view["resolved_on_spot"] is True
    assert query(db_path, "SELECT on_spot, outcome FROM closure WHERE appeal_id = ?", a) == [
        (1, "已解决")
    ]
    assert open_steps(db_path, a) == ["rate"]
    with unchanged(db_path):  # closed at intake: closing again is refused in its words
        again = run_cli(db_path, "close", a, "--outcome", "已解决", "--result", "再次销号")
    assert again.code == 1 and "已在受理时即办" in again.stderr and "坐诊" not in again.stderr
    must(db_path, "rate", a, "--service", "满意", "--handling", "满意", today="2026-12-08")


@pytest.mark.parametrize("where", ["intake", "booked", "referred"])
def test_forwarded_out_of_remit_closes_with_no_unit(db_path: Path, where: str) -> None:
    if where == "booked":
        (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    else:
        (a,) = take(db_path)["appeals"]  # type: ignore[misc]
        if where == "referred":
            must(db_path, "triage", a, "--unit", "省财政厅", today=TODAY)
    result = "转送至市信访局，已告知企业"
    doc = must(db_path, "close", a, "--outcome", "转送", "--result", result, "--json", today=TODAY)
    assert doc["outcome"] == "转送" and doc["rate_due"] is None
    view = show(db_path, a)
    assert view["status"] == "closed" and view["outcome"] == "转送" and view["units"] == []
    assert view["lead_unit"] is None and open_steps(db_path, a) == []
    assert result in str(view["result"])


def test_forwarding_after_a_hand_off_is_refused(db_path: Path) -> None:
    (a,) = take(db_path)["appeals"]  # type: ignore[misc]
    must(db_path, "triage", a, "--unit", "省财政厅", today=TODAY)
    hand_off(db_path, date(2026, 12, 7), a, ["省财政厅"])
    with unchanged(db_path):
        ran = run_cli(db_path, "close", a, "--outcome", "转送", "--result", "转送至…", today=TODAY)
    assert ran.code == 1 and "转送" in ran.stderr


def test_merge_across_channels(db_path: Path) -> None:
    (booked,) = book(db_path, date(2026, 10, 8), 1, "电费补贴迟迟未兑现").appeals
    (taken,) = take(db_path, 1, "电费补贴一直没有兑现")["appeals"]  # type: ignore[misc]
    doc = must(
        db_path,
        "merge",
        taken,
        "--into",
        booked,
        "--reason",
        "12345 重复反映",
        "--json",
        today=TODAY,
    )
    assert doc["status"] == "merged" and doc["into"] == booked
    assert open_steps(db_path, taken) == []
    assert [d["id"] for d in show(db_path, booked)["duplicates"]] == [taken]  # type: ignore[index]


# -- finding them -------------------------------------------------------------------------


def test_list_by_channel_show_and_search_the_work_order(db_path: Path) -> None:
    (booked,) = book(db_path, date(2026, 10, 8), 1).appeals
    (taken,) = take(db_path, 2, ref="GD20261207001")["appeals"]  # type: ignore[misc]
    listed = must(db_path, "list", "--channel", "12345", "--json", today=TODAY)["appeals"]
    assert [x["id"] for x in listed] == [taken] and listed[0]["channel"] == "12345"
    both = must(db_path, "list", "--json", today=TODAY)["appeals"]
    assert {x["channel"] for x in both} == {"坐诊", "12345"}
    assert [x["id"] for x in must(db_path, "list", "--channel", "坐诊", "--json")["appeals"]] == [
        booked
    ]
    ran = run_cli(db_path, "list", "--channel", "微信", today=TODAY)
    assert ran.code == 1 and "未在配置中设置" in ran.stderr
    assert "12345" in must(db_path, "list", today=TODAY)
    view = show(db_path, taken)
    assert view["ref"] == "GD20261207001" and view["channel"] == "12345"
    human = must(db_path, "show", taken, today=TODAY)
    assert "工单编号 GD20261207001" in human and "受理" in human
    found = must(db_path, "search", "GD20261207001", "--json", today=TODAY)["appeals"]
    assert [x["id"] for x in found] == [taken]
    assert found[0]["matches"][0]["label"] == "工单编号"
    found = must(db_path, "search", "GD20261207001", "路灯", "--json", today=TODAY)["appeals"]
    assert [x["id"] for x in found] == [taken]
    assert must(db_path, "search", "GD20261207001", "电费", "--json")["appeals"] == []


def test_forwarding_is_not_an_amendment(db_path: Path) -> None:
    (a,) = take(db_path, resolved="已当场答复")["appeals"]  # type: ignore[misc]
    with unchanged(db_path):
        ran = run_cli(db_path, "amend", a, "--outcome", "转送", "--reason", "x", today=TODAY)
    assert ran.code == 1 and "已解决、解释说明" in ran.stderr


def test_an_earlier_year_without_its_calendar_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "later.db"
    make_case(db, "province", today=date(2027, 1, 4)).close()  # 2027: no official data
    with unchanged(db):
        ran = run_cli(db, *intake_args(1, date="2027-06-01"), today="2028-03-01")
    assert ran.code == 1 and "2027 年没有载入官方放假安排" in ran.stderr
    assert "calendar load" in ran.stderr
    doc = dict(must(db, *intake_args(1, date="2028-02-28"), today="2028-03-01"))
    assert doc["provisional"] is True  # this year's deadlines are counted, provisionally
