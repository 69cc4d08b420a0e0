"""A whole month through the real CLI, across the Mid-Autumn / National Day break of 2026.

Session on Thu 2026-09-24; 09-25 is 中秋节, 10-01..10-07 国庆节, 09-20 (Sun) and 10-10 (Sat)
are make-up working days. Every deadline below is a literal date checked against that
calendar: hand-off on 09-24 → plan 5 WD 10-09, single report 15 WD 10-22, joint 20 WD 10-29.

Setting up (plan, book, triage, notify) goes through the real CLI too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.factories import Ran, book_args, unchanged

Cli = Callable[..., Ran]


def ok(ran: Ran) -> Ran:
    assert ran.code == 0, ran.stdout + ran.stderr
    return ran


def set_up_month(db: Path, cli: Cli) -> tuple[list[str], list[str]]:
    """Two bookings (4 + 1 appeals) scheduled for session S on 2026-09-24, called up."""
    texts1 = ["电费补贴迟迟未兑现", "厂房用地审批慢", "项目环评与规划许可衔接难", "出口退税进度慢"]
    texts2 = ["货车通行证办理难"]
    s = ok(
        cli(
            db,
            "session",
            "plan",
            "--date",
            "2026-09-24",
            "--kind",
            "主场",
            "--theme",
            "政策兑现",
            "--unit",
            "省发展改革委",
            "--lead",
            "张厅长",
            "--json",
            today="2026-08-28",
        )
    ).json()
    assert s["date"] == "2026-09-24"
    sid = s["id"]
    b1 = ok(
        cli(
            db,
            *book_args(1, *texts1, enterprise="云南某某科技有限公司"),
            "--json",
            today="2026-09-01",
        )
    ).json()
    b2 = ok(
        cli(
            db,
            *book_args(
                2, *texts2, enterprise="昆明某物流有限公司", contact="李大成", phone="13987654321"
            ),
            "--json",
            today="2026-09-02",
        )
    ).json()
    a, b = list(b1["appeals"]), list(b2["appeals"])
    for aid in a + b:
        t = ok(
            cli(
                db,
                "triage",
                aid,
                "--theme",
                "政策兑现",
                "--session",
                sid,
                "--verified",
                "--json",
                today="2026-09-08",
            )
        ).json()
        assert "verify_due" in t
    ok(cli(db, "notify", "--session", sid, "--sent", "--channel", "短信", today="2026-09-18"))
    return a, b


def show(db: Path, cli: Cli, aid: str) -> dict[str, Any]:
    return dict(ok(cli(db, "show", aid, "--json")).json())


def duty(doc: dict[str, Any], step: str, round_: int = 1) -> dict[str, Any]:
    rows = [d for d in doc["deadlines"] if d["step"] == step and d["round"] == round_]
    assert rows, (step, doc["deadlines"])
    return dict(rows[-1])


def assign_to(db: Path, cli: Cli, aid: str, *units: str, today: str) -> dict[str, Any]:
    """交办 (``assign to``) to the units, the first leading."""
    unit_args = [x for u in units for x in ("--unit", u)]
    return dict(ok(cli(db, "assign", "to", aid, *unit_args, "--json", today=today)).json())


def audit(db: Path, cli: Cli, today: str, *extra: str) -> dict[str, Any]:
    return dict(ok(cli(db, "audit", "--json", *extra, today=today)).json())


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(x["appeal"], x["step"], x["due"]) for x in items]


def test_a_month_of_handling(db_path: Path, cli: Cli, tmp_path: Path) -> None:
    db = db_path
    (a1, a2, a3, a4), (b1,) = set_up_month(db, cli)
    day = "2026-09-24"

    # -- 坐诊 (09-24): one answered on the spot, four to hand off --------------------
    ok(
        cli(
            db,
            "session",
            "hear",
            a1,
            "--resolved",
            "现场答复：补贴已于本周拨付",
            "--official",
            "王厅长",
            today=day,
        )
    )
    for aid in (a2, a3, a4, b1):
        ok(cli(db, "session", "hear", aid, "--refer", "--note", "需部门核实", today=day))
    assert show(db, cli, a1)["status"] == "closed"
    assert duty(show(db, cli, a1), "rate")["due"] == "2026-10-15"

    # -- 交办 (09-24): single and joint, deadlines across the break --------------------
    single = assign_to(db, cli, a2, "省自然资源厅", today=day)
    assert (single["plan_due"], single["report_due"], single["provisional"]) == (
        "2026-10-09",
        "2026-10-22",
        False,
    )
    joint = assign_to(db, cli, a3, "省生态环境厅", "省自然资源厅", "省住房城乡建设厅", today=day)
    assert (joint["plan_due"], joint["report_due"]) == ("2026-10-09", "2026-10-29")
    assert joint["lead_unit"] == "省生态环境厅" and joint["joint"] is True
    assign_to(db, cli, a4, "省税务局", today=day)
    assign_to(db, cli, b1, "省交通运输厅", today=day)

    r = audit(db, cli, day)
    assert keys(r["overdue"]) == [] and keys(r["due_soon"]) == []

    # -- 承办: on time (09-28) and late (10-12) ----------------
    ok(
        cli(
            db,
            "assign",
            "accept",
            a2,
            "--handler",
            "赵工",
            "--measures",
            "核查用地手续",
            "--by",
            "2026-10-20",
            today="2026-09-28",
        )
    )
    ok(cli(db, "rate", a1, "--service", "满意", "--handling", "满意", today="2026-09-28"))
    ok(
        cli(
            db,
            "assign",
            "accept",
            a4,
            "--handler",
            "钱科长",
            "--measures",
            "核对退税资料",
            today="2026-10-09",
        )
    )
    ok(
        cli(
            db,
            "assign",
            "accept",
            b1,
            "--handler",
            "孙科长",
            "--measures",
            "协调交警",
            today="2026-10-09",
        )
    )

    # the daily list on 10-12: a3's plan limit (10-09) is 2 WD overdue (10-10 is a make-up day)
    r = audit(db, cli, "2026-10-12")
    assert keys(r["overdue"]) == [(a3, "accept", "2026-10-09")]
    assert r["overdue"][0]["days_overdue"] == 2 and r["overdue"][0]["unit"] == "省生态环境厅"
    assert keys(r["due_soon"]) == []
    assert cli(db, "audit", "--fail-on-overdue", today="2026-10-12").code == 3
    notices = tmp_path / "督办单"
    ok(cli(db, "audit", "notices", "--output", str(notices), today="2026-10-12"))
    assert [p.name for p in notices.iterdir()] == ["督办单-2026-10-12-省生态环境厅.md"]

    late = ok(
        cli(
            db,
            "assign",
            "accept",
            a3,
            "--handler",
            "周处长",
            "--measures",
            "生态环境厅牵头，自然资源厅、住建厅分工配合",
            today="2026-10-12",
        )
    )
    assert "逾期" in late.stderr
    doc = show(db, cli, a3)
    assert doc["handoffs"][0]["accepted_late"] is True and duty(doc, "accept")["late"] is True

    # a promise past the report deadline needs an extension first
    with unchanged(db):
        refused = cli(db, "assign", "accept", a3, "--handler", "x", "--measures", "y",
                      today="2026-10-12")  # fmt: skip
        assert refused.code == 1

    # -- 延期: with a written reason; with a law's own limit (--basis) -----------------
    with unchanged(db):
        refused = cli(db, "assign", "extend", a3, "--to", "2026-10-28", "--reason", "会商",
                      today="2026-10-15")  # fmt: skip
        assert refused.code == 1
    ok(cli(db, "assign", "extend", a3, "--to", "2026-11-12",
           "--reason", "需三部门联合现场踏勘，承办单位书面申请延期", today="2026-10-15"))  # fmt: skip
    ok(cli(db, "assign", "extend", a4, "--to", "2026-11-20", "--reason", "退税须经审核",
           "--basis", "《税收征收管理法实施细则》规定的审核期限", today="2026-10-15"))  # fmt: skip
    doc = show(db, cli, a4)
    assert doc["handoffs"][0]["legal_basis"].startswith("《税收征收管理法实施细则》")
    assert duty(doc, "report")["due"] == "2026-11-20" and duty(doc, "report")["rule"] == "fixed"
    assert doc["handoffs"][0]["report_due_original"] == "2026-10-22"

    r = audit(db, cli, "2026-10-20")
    assert keys(r["due_soon"]) == [(a2, "report", "2026-10-22"), (b1, "report", "2026-10-22")]

    # -- 反馈 and 销号 ------------------------------------------------------------------
    ok(cli(db, "assign", "report", a2, "--text", "用地手续已办结", today="2026-10-20"))
    ok(
        cli(
            db, "close", a2, "--outcome", "已解决", "--result", "已取得用地批复", today="2026-10-21"
        )
    )
    assert duty(show(db, cli, a2), "rate")["due"] == "2026-11-04"
    late = ok(cli(db, "assign", "report", b1, "--text", "已开通绿色通道", today="2026-10-23"))
    assert "超期" in late.stderr
    ok(cli(db, "close", b1, "--outcome", "已解决", "--result", "通行证已办理", today="2026-10-23"))
    ok(
        cli(
            db,
            "assign",
            "report",
            a3,
            "--text",
            "经踏勘，该地块规划调整须报国务院审批",
            today="2026-11-10",
        )
    )
    ok(
        cli(
            db,
            "close",
            a3,
            "--outcome",
            "解释说明",
            "--result",
            "已向企业解释：规划调整权限在国务院，已协助准备申报材料",
            today="2026-11-11",
        )
    )
    assert duty(show(db, cli, a3), "rate")["due"] == "2026-11-25"
    with unchanged(db):
        assert cli(db, "close", a1, "--outcome", "已解决", "--result", "x").code == 1

    # -- 评价 ---------------------------------------------------------------------------
    ok(cli(db, "rate", a2, "--service", "满意", "--handling", "基本满意", today="2026-10-23"))
    ok(
        cli(
            db,
            "rate",
            a3,
            "--service",
            "基本满意",
            "--handling",
            "不满意",
            "--comment",
            "问题没有实际解决",
            today="2026-11-12",
        )
    )
    with unchanged(db):
        assert (
            cli(db, "rate", a3, "--service", "满意", "--handling", "满意", today="2026-11-13").code
            == 1
        )

    r = audit(db, cli, "2026-11-24")
    assert (a3, "revisit", "2026-11-26") in keys(r["due_soon"])
    assert (b1, "rate", "2026-11-06") in keys(r["overdue"])  # 10-23 + 10 WD, never rated
    assert [x["appeal"] for x in r["dissatisfied"]] == [a3]

    # -- 督办回访 and reopening: round 2 with fresh deadlines ---------------------------
    ok(cli(db, "audit", "revisit", a2, "--note", "企业满意", today="2026-11-16"))
    ok(
        cli(
            db,
            "audit",
            "revisit",
            a3,
            "--note",
            "企业仍有诉求，退回重办",
            "--reopen",
            today="2026-11-16",
        )
    )
    doc = show(db, cli, a3)
    assert (doc["status"], doc["round"], doc["outcome"], doc["closed_on"]) == (
        "reopened",
        2,
        None,
        None,
    )
    again = assign_to(db, cli, a3, "省自然资源厅", "省生态环境厅", today="2026-11-17")
    assert (again["round"], again["plan_due"], again["report_due"]) == (
        2,
        "2026-11-24",
        "2026-12-15",
    )
    doc = show(db, cli, a3)
    assert [h["round"] for h in doc["handoffs"]] == [1, 2]
    assert duty(doc, "report", 1)["done_on"] == "2026-11-10"
    assert duty(doc, "report", 2)["due"] == "2026-12-15"
    assert [t["round"] for t in doc["ratings"]] == [1]
    assert doc["revisits"][0]["reopened"] is True

    # -- listing, history, search -----------------------------------------------------
    listed = ok(cli(db, "list", "--month", "2026-09", "--json")).json()["appeals"]
    assert {x["id"]: x["status"] for x in listed} == {
        a1: "rated",
        a2: "rated",
        a3: "handed_off",
        a4: "undertaken",
        b1: "closed",
    }
    assert [
        x["id"] for x in ok(cli(db, "list", "--status", "已销号", "--json")).json()["appeals"]
    ] == [b1]
    events = ok(cli(db, "history", a3, "--json")).json()["events"]
    actions = [e["action"] for e in events if e["entity"] == "appeal"]
    assert actions[-9:] == [
        "session.hear",
        "assign.to",
        "assign.accept",
        "assign.extend",
        "assign.report",
        "close",
        "rate",
        "audit.revisit",
        "assign.to",
    ]
    assert ok(cli(db, "search", "环评与规划")).stdout.count(a3) == 1
    assert ok(cli(db, "verify")).code == 0
