"""Ledger items are tracked cases in the same loop (issue 15): accept, progress, extend,
report, close (no rating, no re-visit), amend, withdraw, show, history; they appear in the
daily audit and the unit's 督办单; carry-over into next year's ledger; and they change no
appeal statistic.
"""

from __future__ import annotations

from pathlib import Path

from tests.factories import must, query, run_cli, unchanged
from tests.scenarios import U1, U2

DAY = "2026-11-02"  # a Monday
LATER = "2026-11-20"


def ledger_with_items(db: Path) -> str:
    lid = must(
        db, "ledger", "new", "--name", "重点问题清单", "--source", "领导小组会议纪要",
        "--year", "2026", "--json", today=DAY,
    )["id"]  # fmt: skip
    must(db, "ledger", "add", lid, "--item", "园区道路改造慢", "--unit", U1, "--unit", U2,
         "--due", "2026-12-31", "--measures", "倒排工期", "--json", today=DAY)  # fmt: skip
    must(db, "ledger", "add", lid, "--item", "用地审批慢", "--unit", U2,
         "--due", "2026-11-30", "--json", today=DAY)  # fmt: skip
    return str(lid)


def test_items_go_round_the_loop_without_rating(quarter_db: Path) -> None:
    db = quarter_db
    lid = ledger_with_items(db)
    item = f"{lid}-001"
    before = must(db, "show", item, today=DAY)
    assert "2026-12-31（完成时限）" in before and "延期/法定" not in before
    must(db, "assign", "accept", item, "--handler", "赵科长", "--measures", "成立专班", today=DAY)
    must(db, "assign", "progress", item, "--text", "已完成设计", today=DAY)
    must(db, "assign", "extend", item, "--to", "2027-01-29", "--reason", "冬季停工", today=DAY)
    assert "2027-01-29（延期/法定）" in must(db, "show", item, today=DAY)  # moved: no longer
    must(db, "assign", "report", item, "--text", "已完工", today=LATER)
    r = must(db, "close", item, "--outcome", "解释说明", "--result", "证据：竣工验收报告", "--json",
             today=LATER)  # fmt: skip
    assert r["rate_due"] is None
    rows = query(db, "SELECT step FROM deadline WHERE appeal_id = ? ORDER BY id", item)
    assert ("rate",) not in rows and ("revisit",) not in rows
    for args in (
        ("rate", item, "--service", "满意", "--handling", "满意"),
        ("audit", "revisit", item, "--note", "回访"),
    ):
        with unchanged(db):
            ran = run_cli(db, *args, today=LATER)
            assert ran.code == 1 and "台账事项" in ran.stderr
    must(db, "amend", item, "--text", "园区道路改造进度慢", "--reason", "录错", today=LATER)
    shown = must(db, "show", item, "--json", today=LATER)
    assert shown["ledger"] == {"id": lid, "name": "重点问题清单"}
    assert shown["enterprise"] is None and shown["status"] == "closed"
    assert shown["handoffs"][0]["units"] == [U1, U2]
    history = must(db, "history", item, today=LATER)
    for word in ("列入台账", "交办", "承办", "阶段性进展", "延期", "反馈", "销号", "更正"):
        assert word in history
    ran = run_cli(db, "withdraw", f"{lid}-002", "--reason", "已并入其他任务", today=LATER)
    said = ran.stdout + ran.stderr
    assert ran.code == 0 and "已撤销（台账事项" in said and "企业" not in said  # none to withdraw
    p = must(db, "ledger", "show", lid, "--json", today=LATER)
    assert (p["total"], p["closed"], p["completion_rate"]) == (1, 1, 100.0)


def test_items_in_audit_and_notices(quarter_db: Path, tmp_path: Path) -> None:
    db = quarter_db
    lid = ledger_with_items(db)
    late = must(db, "audit", "--unit", U2, "--json", today=LATER)
    mine = [x for x in late["overdue"] if x["appeal"].startswith(lid)]
    assert {(x["appeal"], x["step"], x["unit"]) for x in mine} == {
        (f"{lid}-002", "accept", U2)  # led by U2; item 001 is led by U1
    }
    u1 = must(db, "audit", "--unit", U1, "--json", today="2027-01-05")
    steps = {(x["appeal"], x["step"]) for x in u1["overdue"]}
    assert (f"{lid}-001", "accept") in steps and (f"{lid}-001", "report") in steps
    out = tmp_path / "督办单"
    must(db, "audit", "notices", "--unit", U2, "--output", str(out), today=LATER)
    (notice,) = list(out.iterdir())
    assert f"{lid}-002" in notice.read_text(encoding="utf-8")


def test_carry_into_next_year(quarter_db: Path) -> None:
    db = quarter_db
    lid = ledger_with_items(db)
    carry_day = "2026-12-21"
    r = must(db, "ledger", "carry", lid, "--year", "2027", "--json", today=carry_day)
    assert (r["id"], r["carried"]) == ("L2027-01", 2)
    new = must(db, "ledger", "show", "L2027-01", "--json", today=carry_day)
    assert new["carried_from"] == lid
    assert [(i["id"], i["carried_from"]) for i in new["items"]] == [
        ("L2027-01-001", f"{lid}-001"),
        ("L2027-01-002", f"{lid}-002"),
    ]
    # Item 001 keeps its 完成时限 (not yet passed); item 002's passed: the year's last workday.
    assert [i["due"] for i in new["items"]] == ["2026-12-31", "2027-12-31"]
    old = must(db, "ledger", "show", lid, "--json", today=carry_day)
    assert old["carried_to"] == "L2027-01"
    assert [i["carried_to"] for i in old["items"]] == ["L2027-01-001", "L2027-01-002"]
    assert old["closed"] == 0  # still open in its own year's figures
    # The audit chases the new items only (the old ones handed their limits over).
    audit = must(db, "audit", "--json", today="2026-12-30")
    ids = {x["appeal"] for x in audit["overdue"] + audit["due_soon"]}
    assert f"{lid}-001" not in ids and f"{lid}-002" not in ids
    assert {"L2027-01-001", "L2027-01-002"} <= ids
    assert "结转自" in must(db, "show", "L2027-01-001", today=carry_day)
    with unchanged(db):
        again = run_cli(db, "ledger", "carry", lid, "--year", "2028", today="2027-01-05")
        assert again.code == 1 and "L2027-01" in again.stderr
    with unchanged(db):
        back = run_cli(db, "ledger", "carry", "L2027-01", "--year", "2026", today="2027-01-05")
        assert back.code == 1


def test_items_change_no_appeal_statistic(quarter_db: Path) -> None:
    db = quarter_db
    views = [
        ("report", "quarterly", "--quarter", "2026Q4", "--json"),
        ("report", "quarterly", "--quarter", "2026Q4", "--by", "class", "--json"),
        ("report", "items", "--month", "2026-11", "--json"),
        ("list", "--json"),
        ("search", "道路", "--json"),
    ]
    before = [must(db, *v, today="2026-12-10") for v in views]
    lid = ledger_with_items(db)
    must(db, "assign", "accept", f"{lid}-002", "--handler", "钱", "--measures", "m", today=DAY)
    must(db, "assign", "report", f"{lid}-002", "--text", "完成", today=DAY)
    must(db, "close", f"{lid}-002", "--outcome", "已解决", "--result", "完成", today=DAY)
    after = [must(db, *v, today="2026-12-10") for v in views]
    for v, b, a in zip(views, before, after, strict=True):
        assert a == b, v


def test_raise_a_class_into_the_ledger(quarter_db: Path) -> None:
    """build_quarter classes three appeals 电费补贴兑现 (one in September): raised as one item."""
    db = quarter_db
    lid = must(db, "ledger", "new", "--name", "重点问题清单", "--source", "领导小组",
               "--year", "2026", "--json", today=DAY)["id"]  # fmt: skip
    linked = {x for (x,) in query(db, "SELECT id FROM appeal WHERE problem_class = '电费补贴兑现'")}
    assert len(linked) >= 3
    with unchanged(db):
        mixed = (
            sorted(linked)[:1]
            + [x for (x,) in query(db, "SELECT id FROM appeal WHERE problem_class = '用地审批'")][
                :1
            ]
        )
        ran = run_cli(db, "ledger", "raise", lid, *[f"--appeal={a}" for a in mixed],
                      "--due", "2026-12-31", today=DAY)  # fmt: skip
        assert ran.code == 1 and "类别不一致" in ran.stderr
        ran = run_cli(db, "ledger", "raise", lid, "--class", "无此类别", "--due", "2026-12-31",
                      today=DAY)  # fmt: skip
        assert ran.code == 1
    r = must(db, "ledger", "raise", lid, "--class", "电费补贴兑现", "--due", "2026-12-31",
             "--json", today=DAY)  # fmt: skip
    item = r["id"]
    assert item == f"{lid}-001" and r["units"][0] == U1  # the most frequent leading unit
    shown = must(db, "show", item, "--json", today=DAY)
    assert set(shown["linked"]) == linked and shown["class"] == "电费补贴兑现"
    one = sorted(linked)[0]
    assert must(db, "show", one, "--json", today=DAY)["linked"] == [item]
    assert item in must(db, "show", one, today=DAY)


def test_bulletin_gains_a_ledger_section(quarter_db: Path, tmp_path: Path) -> None:
    db = quarter_db
    plain = must(db, "report", "bulletin", "--quarter", "2026Q4", "--format", "md", today=LATER)
    assert "台账整改进展" not in plain
    lid = ledger_with_items(db)
    must(db, "assign", "accept", f"{lid}-002", "--handler", "钱", "--measures", "m", today=DAY)
    must(db, "assign", "report", f"{lid}-002", "--text", "完成", today=DAY)
    must(db, "close", f"{lid}-002", "--outcome", "已解决", "--result", "完成", today=DAY)
    md = must(db, "report", "bulletin", "--quarter", "2026Q4", "--format", "md", today=LATER)
    assert f"| {lid} | 重点问题清单 | 2 | 1 | 0 | 50.0% |" in md
    # Everything before the section is as it was: the appeal figures do not move.
    assert md.split("## 附：台账整改进展")[0] == plain.split("---\n\n统计口径")[0]
    out = tmp_path / "通报.docx"
    must(db, "report", "bulletin", "--quarter", "2026Q4", "--format", "docx", "--output",
         str(out), today=LATER)  # fmt: skip
    from docx import Document

    cells = [c.text for t in Document(str(out)).tables for row in t.rows for c in row.cells]
    assert lid in cells and "50.0%" in cells
    html = must(db, "report", "bulletin", "--quarter", "2026Q4", "--format", "html", today=LATER)
    assert "台账整改进展" in html


def test_show_on_screen_rules_end_with_their_columns(quarter_db: Path) -> None:
    """The unit table's rule stops at its last column (完成率), not at the screen's edge."""
    lid = ledger_with_items(quarter_db)
    shown = must(quarter_db, "ledger", "show", lid, today=LATER)
    (rule,) = [line for line in shown.splitlines() if line.startswith("──")]
    assert rule.split()[-1] == "─" * 6  # 完成率: three wide characters
