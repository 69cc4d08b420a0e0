"""撤回、作废、合并 through the real CLI (issue 11, item 2).

Each end is terminal: every open time limit is dropped and the appeal leaves the daily
audit; refusals change nothing; the quarterly figures count a withdrawn appeal as received
(企业撤回 beside it), a voided one nowhere and a merged one once, in the appeal it joined
(涉及企业 likewise); a likely duplicate is pointed out at booking time with the ``merge``
command to run.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.factories import (
    book,
    book_args,
    hand_off,
    hear,
    must,
    plan,
    query,
    run_cli,
    scheduled,
    unchanged,
    uscc,
)

SESSION_DAY = date(2026, 10, 20)
BOOKED = "2026-10-08"
TODAY = "2026-12-10"
FINANCE = "省财政厅"


def open_limits(db: Path, appeal: str) -> int:
    ((n,),) = query(
        db, "SELECT count(*) FROM deadline WHERE appeal_id = ? AND done_on IS NULL", appeal
    )
    return int(n)


def in_audit(db: Path, appeal: str, today: str = TODAY) -> bool:
    doc = must(db, "audit", "--within", "60", "--json", today=today)
    return appeal in {x["appeal"] for x in doc["overdue"] + doc["due_soon"]}


def last_event(db: Path, appeal: str) -> dict[str, object]:
    events = must(db, "history", appeal, "--json")["events"]
    return dict(events[-1])


# -- withdraw ----------------------------------------------------------------------------


def test_withdraw_ends_the_appeal_drops_its_limits_and_leaves_the_audit(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    assert in_audit(db_path, a) and open_limits(db_path, a) == 2  # 分办 and 核实 owed
    r = run_cli(
        db_path,
        "withdraw",
        a,
        "--reason",
        "企业来电撤回，问题已自行解决",
        "--json",
        today="2026-11-02",
    )
    assert r.code == 0, r.stderr
    assert r.json()["status"] == "withdrawn" and r.json()["dropped"][0]["step"] == "verify"
    assert open_limits(db_path, a) == 0 and not in_audit(db_path, a)
    shown = must(db_path, "show", a, "--json")
    assert (shown["status"], shown["ended_on"], shown["end_reason"]) == (
        "withdrawn",
        "2026-11-02",
        "企业来电撤回，问题已自行解决",
    )
    event = last_event(db_path, a)
    assert event["action"] == "withdraw" and event["operator"] == "测试员"
    assert event["as_of"] == "2026-11-02"
    assert event["detail"]["was"] == "booked" and event["detail"]["status"] == "withdrawn"  # type: ignore[index]
    human = run_cli(db_path, "show", a)
    assert "已撤回" in human.stdout and "企业撤回" in human.stdout


def test_void_counts_nowhere_and_is_listed_by_its_status(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1, "培训时录入的测试数据").appeals
    r = run_cli(
        db_path, "withdraw", a, "--void", "--reason", "培训测试数据", "--json", today=BOOKED
    )
    assert r.code == 0 and r.json()["status"] == "void"
    for word in ("void", "已作废"):
        listed = must(db_path, "list", "--status", word, "--json")["appeals"]
        assert [x["id"] for x in listed] == [a]
    total = must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today=TODAY)
    assert total["rows"] == [] and total["total"]["appeals"] == 0
    assert must(db_path, "report", "items", "--month", "2026-10", "--json")["items"] == []


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("withdraw", "{a}", "--reason", " "), "撤回原因"),
        (("withdraw", "{a}", "--void", "--reason", ""), "作废原因"),
        (("withdraw", "202610-099-1", "--reason", "x"), "没有诉求号"),
        (("merge", "{a}", "--into", "{a}", "--reason", "x"), "不能并入它自己"),
        (("merge", "{a}", "--into", "202610-099-1", "--reason", "x"), "没有诉求号"),
        (("merge", "{a}", "--into", " ", "--reason", "x"), "--into"),
    ],
)
def test_bad_input_refused_in_chinese_nothing_changed(
    db_path: Path, argv: tuple[str, ...], said: str
) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    with unchanged(db_path):
        r = run_cli(db_path, *(x.format(a=a) for x in argv), today=BOOKED)
    assert r.code == 1 and said in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_usage_errors_exit_2(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    with unchanged(db_path):
        assert run_cli(db_path, "withdraw", a).code == 2  # --reason is required
        assert run_cli(db_path, "merge", a, "--reason", "x").code == 2  # --into too


def test_a_closed_appeal_is_finished_and_an_ended_one_ends_once(db_path: Path) -> None:
    s = plan(db_path, SESSION_DAY)
    a, b = scheduled(db_path, s, "电费补贴迟迟未兑现", "用地审批慢")
    hear(db_path, SESSION_DAY, a, resolved="现场答复")
    with unchanged(db_path):
        for argv in (
            ("withdraw", a, "--reason", "x"),
            ("withdraw", a, "--void", "--reason", "x"),
            ("merge", a, "--into", b, "--reason", "x"),
        ):
            r = run_cli(db_path, *argv, today="2026-10-21")
            assert r.code == 1 and "已经办结" in r.stderr and "revisit" in r.stderr, r.stderr
    must(db_path, "withdraw", b, "--reason", "企业撤回", today="2026-10-21")
    with unchanged(db_path):
        for argv in (
            ("withdraw", b, "--reason", "again"),
            ("triage", b, "--theme", "政策兑现"),
            ("merge", b, "--into", a, "--reason", "x"),
        ):
            r = run_cli(db_path, *argv, today="2026-10-21")
            assert r.code == 1 and "已撤回" in r.stderr and "办理已经结束" in r.stderr, r.stderr


def test_an_act_dated_before_the_booking_is_refused(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1).appeals
    with unchanged(db_path):
        r = run_cli(db_path, "withdraw", a, "--reason", "x", today="2026-10-07")
    assert r.code == 1 and "早于诉求" in r.stderr


# -- merge -------------------------------------------------------------------------------


def test_a_likely_duplicate_is_pointed_out_at_booking_with_the_merge_command(
    db_path: Path,
) -> None:
    first = must(db_path, *book_args(1, "园区道路破损严重，希望尽快修复"), "--json", today=BOOKED)
    (a,) = first["appeals"]
    again = run_cli(
        db_path, *book_args(1, "园区道路破损严重， 希望尽快修复。"), "--json", today="2026-10-09"
    )
    assert again.code == 0, again.stderr  # a warning, not a refusal
    (b,) = again.json()["appeals"]
    command = f"zuozhen merge {b} --into {a} --reason 重复诉求"
    assert again.json()["duplicates"] == [{"appeal": b, "like": a, "merge": command}]
    assert command in again.stderr
    # Another enterprise's same text, or a different text, is no duplicate.
    other = must(db_path, *book_args(2, "园区道路破损严重，希望尽快修复"), "--json", today=BOOKED)
    assert other["duplicates"] == []
    fresh = must(db_path, *book_args(1, "出口退税进度慢"), "--json", today="2026-10-09")
    assert fresh["duplicates"] == []


def test_merge_joins_the_appeal_shown_there_and_leaves_the_audit(db_path: Path) -> None:
    (a,) = book(db_path, date(2026, 10, 8), 1, "电费补贴迟迟未兑现").appeals
    (b,) = book(db_path, date(2026, 10, 9), 1, "电费补贴迟迟未兑现。").appeals
    assert in_audit(db_path, b)
    r = run_cli(
        db_path, "merge", b, "--into", a, "--reason", "重复提交", "--json", today="2026-10-09"
    )
    assert r.code == 0, r.stderr
    assert (r.json()["status"], r.json()["into"]) == ("merged", a)
    assert open_limits(db_path, b) == 0 and not in_audit(db_path, b) and in_audit(db_path, a)
    survivor = must(db_path, "show", a, "--json")
    (dup,) = survivor["duplicates"]
    assert dup["id"] == b and dup["text"] == "电费补贴迟迟未兑现。"
    assert dup["enterprise"] == "云南测试1号有限公司" and dup["uscc"] == uscc(1)
    assert dup["merged_on"] == "2026-10-09" and dup["reason"] == "重复提交"
    assert must(db_path, "show", b, "--json")["into"] == a
    shown = run_cli(db_path, "show", a).stdout
    assert "并入的重复诉求" in shown and b in shown
    joined = last_event(db_path, a)
    assert joined["action"] == "merge.joined" and joined["detail"]["duplicate"] == b  # type: ignore[index]
    assert last_event(db_path, b)["action"] == "merge"


def test_merge_refuses_chains_and_ended_targets(db_path: Path) -> None:
    ids = [
        book(db_path, date(2026, 10, 8), n, f"第{n}家企业的诉求").appeals[0] for n in range(1, 6)
    ]
    a, b, c, d, e = ids
    must(db_path, "merge", b, "--into", a, "--reason", "重复", today=BOOKED)
    must(db_path, "withdraw", d, "--reason", "撤回", today=BOOKED)
    must(db_path, "withdraw", e, "--void", "--reason", "误录", today=BOOKED)
    cases = [
        (("merge", c, "--into", b), f"已并入 {a}"),  # into a merged one: names where to go
        (("merge", a, "--into", c), f"把 {c} 并入 {a}"),  # a survivor cannot move
        (("merge", c, "--into", d), "已撤回"),
        (("merge", c, "--into", e), "已作废"),
        (("merge", b, "--into", c), "办理已经结束"),
        (("withdraw", a, "--void"), "不能作废"),  # voiding would lose its duplicate
    ]
    for argv, said in cases:
        with unchanged(db_path):
            r = run_cli(db_path, *argv, "--reason", "x", today=BOOKED)
        assert r.code == 1 and said in r.stderr, (argv, r.stderr)


# -- the quarterly figures ------------------------------------------------------------------


@pytest.fixture
def ended(db_path: Path) -> dict[str, str]:
    """Q4: a1 handed off and overdue; a2 handed off then withdrawn; a3 voided; a4 with a
    duplicate of another enterprise (a5) and one of its own enterprise (a6) merged in."""
    s = plan(db_path, SESSION_DAY)
    a1 = scheduled(db_path, s, "电费补贴迟迟未兑现", n=1)[0]
    a2 = scheduled(db_path, s, "用地审批进度慢", n=2)[0]
    for a in (a1, a2):
        hear(db_path, SESSION_DAY, a)
        hand_off(db_path, date(2026, 10, 21), a, [FINANCE])
    must(db_path, "withdraw", a2, "--reason", "企业撤回", today="2026-11-02")
    (a3,) = book(db_path, date(2026, 10, 8), 3, "测试").appeals
    must(db_path, "withdraw", a3, "--void", "--reason", "误录", today=BOOKED)
    (a4,) = book(db_path, date(2026, 10, 8), 4, "园区道路破损严重").appeals
    (a5,) = book(db_path, date(2026, 10, 8), 5, "园区道路破损严重！").appeals
    (a6,) = book(db_path, date(2026, 10, 9), 4, "园区 道路破损严重").appeals
    for dup in (a5, a6):
        must(db_path, "merge", dup, "--into", a4, "--reason", "重复", today="2026-10-09")
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6}


def test_quarterly_counts_withdrawn_as_received_void_and_merged_nowhere(
    db_path: Path, ended: dict[str, str], tmp_path: Path
) -> None:
    doc = must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today=TODAY)
    rows = {r["group"]: r for r in doc["rows"]}
    assert set(rows) == {FINANCE, "（未分办）"}
    finance = rows[FINANCE]
    assert (finance["appeals"], finance["withdrawn"], finance["handed_off"]) == (2, 1, 2)
    assert (finance["closed"], finance["overdue"]) == (0, 1)  # only a1 is overdue
    assert rows["（未分办）"]["appeals"] == 1  # a4 once, its duplicates not at all
    total = doc["total"]
    assert (total["appeals"], total["withdrawn"], total["closure_rate"]) == (3, 1, 0.0)
    # The CSV keeps the columns cli.md fixes.
    out = tmp_path / "q.csv"
    must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--csv", str(out), today=TODAY)
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert ",".join(table[0]) == (
        "单位,受理诉求,现场解决,交办,已办结,按期办结,超期未办结,延期,解释说明,平均办理工作日,评价数,满意率"
    )
    assert table[-1][:7] == ["合计", "3", "0", "2", "0", "0", "1"]
    # The terminal view shows the withdrawn ones in their own column, with a note.
    human = run_cli(db_path, "report", "quarterly", "--quarter", "2026Q4", today=TODAY)
    assert "撤回" in human.stdout and "受理诉求含企业撤回 1 件" in human.stdout


def test_void_and_merged_count_nowhere_after_the_quarter_too(
    db_path: Path, ended: dict[str, str]
) -> None:
    """Past the quarter's end every booking of its months was made, but a voided or merged
    appeal still counts nowhere: in the figures, the enterprises and the problem classes."""
    later = "2027-01-15"
    doc = must(db_path, "report", "quarterly", "--quarter", "2026Q4", "--json", today=later)
    assert (doc["total"]["appeals"], doc["total"]["withdrawn"]) == (3, 1)
    by_class = must(
        db_path, "report", "quarterly", "--quarter", "2026Q4", "--by", "class", "--json",
        today=later,
    )  # fmt: skip
    assert by_class["total"]["appeals"] == 3
    channels = must(db_path, "report", "channels", "--quarter", "2026Q4", "--json", today=later)
    assert channels["total"]["appeals"] == 3
    text = must(db_path, "report", "bulletin", "--quarter", "2026Q4", "--format", "md", today=later)
    assert "共受理企业诉求 3 件（其中企业撤回 1 件），涉及企业 3 家" in text


def test_bulletin_counts_enterprises_once_and_notes_the_withdrawn(
    db_path: Path, ended: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "通报.md"
    must(
        db_path, "report", "bulletin", "--quarter", "2026Q4", "--format", "md",
        "--output", str(out), today=TODAY,
    )  # fmt: skip
    text = out.read_text(encoding="utf-8")
    # Enterprises 1, 2 and 4: 3 voided its only appeal, 5's appeal joined 4's.
    assert "共受理企业诉求 3 件（其中企业撤回 1 件），涉及企业 3 家" in text
    assert f"受理诉求中含企业撤回 1 件：{FINANCE} 1 件" in text
    assert ended["a2"] not in text.split("## 三、超期未办结事项")[1].split("## 四")[0]


def test_lists_and_items_follow_the_same_counting(db_path: Path, ended: dict[str, str]) -> None:
    merged = must(db_path, "list", "--status", "已合并", "--json")["appeals"]
    assert sorted(x["id"] for x in merged) == sorted([ended["a5"], ended["a6"]])
    withdrawn = must(db_path, "list", "--status", "withdrawn", "--json")["appeals"]
    assert [x["id"] for x in withdrawn] == [ended["a2"]]
    items = must(db_path, "report", "items", "--month", "2026-10", "--json")["items"]
    listed = {x["appeal"]: x["status_label"] for x in items}
    assert listed == {ended["a1"]: "已交办", ended["a2"]: "已撤回", ended["a4"]: "已挂号"}
    assert not in_audit(db_path, ended["a2"]) and in_audit(db_path, ended["a1"])


# -- the online window's CSV -----------------------------------------------------------------


def test_import_points_out_near_duplicates_by_line(db_path: Path, tmp_path: Path) -> None:
    book(db_path, date(2026, 10, 8), 1, "电费补贴迟迟未兑现")
    head = "企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容\n"
    rows = [
        f"云南测试1号有限公司,{uscc(1)},王小明,13812345678,服务需求,电费补贴迟迟未兑现！\n",
        f"云南测试2号有限公司,{uscc(2)},李四,13812345679,服务需求,用地审批进度慢\n",
        f"云南测试2号有限公司,{uscc(2)},李四,13812345679,服务需求,用地审批进度慢。\n",
        f"云南测试3号有限公司,{uscc(3)},张三,13812345670,服务需求,电费补贴迟迟未兑现\n",
    ]
    path = tmp_path / "导出.csv"
    path.write_text(head + "".join(rows), encoding="utf-8")
    r = run_cli(db_path, "book", "--from-csv", str(path), "--json", today="2026-10-09")
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["imported"] == 4
    pairs = [(d["appeal"], d["like"]) for d in doc["duplicates"]]
    assert pairs == [("202610-001-2", "202610-001-1"), ("202610-002-2", "202610-002-1")]
    assert "第 2 行：" in r.stderr and "第 4 行：" in r.stderr
    assert "zuozhen merge 202610-002-2 --into 202610-002-1" in r.stderr
