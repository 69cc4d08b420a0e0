"""list, show, history, search and the session work record sheet."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import OPERATOR, act, make_case, plan, scheduled, unchanged
from tests.pg import needs_pg
from zuozhen import browse, closing, handoff, hearing, search
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.store.reader import Reader
from zuozhen.store.storage import CaseFile

D0 = date(2026, 9, 24)
TEXTS = ("企业电费补贴迟迟未兑现", "厂房用地审批慢")


@pytest.fixture
def filed(db_path: Path, case: CaseFile) -> Path:
    september = plan(case, D0, lead="张厅长")
    october = plan(case, date(2026, 10, 22), lead="张厅长")
    scheduled(case, september, *TEXTS, enterprise="云南某某科技有限公司")
    scheduled(case, october, "货车通行证办理难", n=2, enterprise="昆明某物流公司")
    hearing.hear(case, act(D0), "202609-001-1", refer=True, note="需财政厅核实")
    handoff.hand_off(case, act(D0), "202609-001-1", ["省财政厅", "省税务局"])
    handoff.extend(
        case,
        act(date(2026, 10, 12)),
        "202609-001-1",
        to=date(2026, 11, 9),
        reason="需会商",
        basis="《某条例》第十条",
    )
    hearing.hear(
        case, act(D0), "202609-001-2", resolved="已现场协调自然资源部门加快审批", official="王厅长"
    )
    closing.rate(case, act(D0), "202609-001-2", service="满意", handling="不满意")
    return db_path


def reader(db: Path) -> Reader:
    return Reader(str(db))


def test_list_filters(filed: Path) -> None:
    with reader(filed) as r:
        assert [x["id"] for x in browse.list_appeals(r)] == [
            "202609-001-1",
            "202609-001-2",
            "202610-001-1",
        ]
        assert [x["id"] for x in browse.list_appeals(r, month="2026-10")] == ["202610-001-1"]
        assert [x["id"] for x in browse.list_appeals(r, status="已交办")] == ["202609-001-1"]
        assert [x["id"] for x in browse.list_appeals(r, status="rated")] == ["202609-001-2"]
        assert [x["id"] for x in browse.list_appeals(r, unit="省税务局")] == ["202609-001-1"]
        row = browse.list_appeals(r, unit="省财政厅")[0]
        assert row["booking"] == "202609-001" and row["enterprise"] == "云南某某科技有限公司"
        assert row["status"] == "handed_off" and row["units"] == ["省财政厅", "省税务局"]
        with pytest.raises(RuleError, match="没有“完成”这种状态"):
            browse.list_appeals(r, status="完成")
        with pytest.raises(InputError):
            browse.list_appeals(r, month="2026-13")


def test_show_has_deadlines_flags_and_masks_contact(filed: Path) -> None:
    with reader(filed) as r:
        d = browse.show_appeal(r, "202609-001-1").data
    assert d["contact"] == "王**" and d["phone"] == "138****5678"
    assert d["status"] == "handed_off" and d["round"] == 1 and d["heard_on"] == D0
    steps = {(x["step"], x["rule"]): x for x in d["deadlines"]}
    assert steps[("accept", "wd")]["due"] == date(2026, 10, 9)
    assert steps[("report", "fixed")]["due"] == date(2026, 11, 9)
    assert not steps[("accept", "wd")]["provisional"]
    h = d["handoffs"][0]
    assert h["joint"] and h["report_due"] == date(2026, 11, 9)
    assert h["report_due_original"] == date(2026, 10, 29) and h["extensions"] == 1
    assert d["extensions"][0]["basis"] == "《某条例》第十条"
    with reader(filed) as r:
        rated = browse.show_appeal(r, "202609-001-2").data
    assert rated["ratings"][0]["handling"] == "不满意" and rated["resolved_on_spot"]
    assert any(x["step"] == "revisit" and x["done_on"] is None for x in rated["deadlines"])


def test_show_unknown_suggests_format_and_siblings(filed: Path, cli: Any) -> None:
    with reader(filed) as r, pytest.raises(NotFoundError, match="202610-007-1"):
        browse.show_appeal(r, "202609-001-5")
    ran = cli(filed, "show", "202609-001-5")
    assert ran.code == 1 and "202609-001-1、202609-001-2" in ran.stderr


def test_history_lists_booking_and_appeal_events(filed: Path, cli: Any) -> None:
    with reader(filed) as r:
        rows = browse.history(r, "202609-001-1")
    assert [x["action"] for x in rows] == [
        "book",
        "triage",
        "session.hear",
        "assign.to",
        "assign.extend",
    ]
    assert rows[-1]["as_of"] == date(2026, 10, 12) and rows[-1]["operator"] == OPERATOR
    assert rows[-1]["detail"]["basis"] == "《某条例》第十条"
    ran = cli(filed, "history", "202609-001-1", "--json")
    assert ran.code == 0 and len(ran.json()["events"]) == 5
    human = cli(filed, "history", "202609-001-1")
    # The clerk's words, not the trail's codes: acts and detail keys in Chinese.
    assert human.code == 0
    for word in ("挂号", "坐诊", "交办", "延期", "法定依据：《某条例》第十条", "2026-10-12"):
        assert word in human.stdout
    assert "assign.extend" not in human.stdout and "basis" not in human.stdout


def test_search_trigram_and_short_queries(filed: Path, cli: Any) -> None:
    with reader(filed) as r:
        assert [x["id"] for x in search.search(r, "电费补贴").appeals] == ["202609-001-1"]
        assert [x["id"] for x in search.search(r, "用地").appeals] == ["202609-001-2"]  # LIKE
        found = search.search(r, "自然资源部门")  # the on-the-spot answer
        assert [x["id"] for x in found.appeals] == ["202609-001-2"]
        assert search.search(r, "不存在的内容").appeals == []
        assert [x["id"] for x in search.search(r, '"补贴').appeals] == []
        with pytest.raises(InputError):
            search.search(r, "  ")
    ran = cli(filed, "search", "通行证")
    assert ran.code == 0 and "202610-001-1" in ran.stdout


def test_list_and_show_cli_json(filed: Path, cli: Any) -> None:
    with unchanged(filed):
        ran = cli(filed, "list", "--status", "handed_off", "--json")
        assert ran.code == 0
        assert [
            (x["id"], x["booking"], x["enterprise"], x["status"]) for x in ran.json()["appeals"]
        ] == [("202609-001-1", "202609-001", "云南某某科技有限公司", "handed_off")]
        ran = cli(filed, "show", "202609-001-1", "--json")
        assert ran.code == 0 and ran.json()["handoffs"][0]["plan_due"] == "2026-10-09"
        ran = cli(filed, "show", "202609-001-1")
        assert ran.code == 0 and "2026-11-09" in ran.stdout and "13812345678" not in ran.stdout


def test_session_record_sheet(filed: Path, tmp_path: Path, cli: Any) -> None:
    with reader(filed) as r:
        rec = hearing.session_record(r, "s202609-01")
    assert rec.session["lead"] == "张厅长"
    assert [(x["appeal"], x["official"], x["resolved_on_spot"]) for x in rec.rows] == [
        ("202609-001-1", "张厅长", False),
        ("202609-001-2", "王厅长", True),
    ]
    assert rec.rows[0]["answer"].startswith("现场不能解决") and rec.rows[0]["units"]
    out = tmp_path / "记录表.csv"
    ran = cli(filed, "report", "record", "--session", "S202609-01", "--csv", str(out))
    assert ran.code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == list(hearing.RECORD_HEADER)
    assert rows[2][:2] == ["202609-001-2", "云南某某科技有限公司"] and rows[2][6] == "是"
    ran = cli(filed, "report", "record", "--session", "S202609-09")
    assert ran.code == 1 and "S202609-01" in ran.stderr


@pytest.mark.postgres
@needs_pg
def test_read_path_on_postgresql(pg_db: str) -> None:
    """audit, list, show, history and search with the same SQL on PostgreSQL (ILIKE search)."""
    from zuozhen.supervision import daily_list

    case = make_case(pg_db)
    try:
        scheduled(case, plan(case, D0, lead="张厅长"), *TEXTS)
        hearing.hear(case, act(D0), "202609-001-1", refer=True)
        handoff.hand_off(case, act(D0), "202609-001-1", ["省财政厅", "省税务局"])
        hearing.hear(case, act(D0), "202609-001-2", resolved="已现场协调")
        closing.rate(case, act(D0), "202609-001-2", service="满意", handling="不满意")
    finally:
        case.close()
    with Reader(pg_db) as r:
        res = daily_list(r, date(2026, 10, 12), 3)
        assert [(i.appeal, i.step, i.days_overdue) for i in res.overdue] == [
            ("202609-001-1", "accept", 2)
        ]
        assert [x.appeal for x in res.dissatisfied] == ["202609-001-2"]
        assert [x["id"] for x in browse.list_appeals(r, unit="省税务局")] == ["202609-001-1"]
        assert browse.show_appeal(r, "202609-001-1").data["handoffs"][0]["joint"] is True
        assert [x["action"] for x in browse.history(r, "202609-001-1")][-1] == "assign.to"
        assert [x["id"] for x in search.search(r, "电费补贴").appeals] == ["202609-001-1"]
        assert [x["id"] for x in search.search(r, "用地").appeals] == ["202609-001-2"]
