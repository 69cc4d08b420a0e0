"""A whole season of an office through the real CLI on PostgreSQL, equal to SQLite's.

The same script — init, sessions, bookings by hand and from CSV, triage, call-up, the
session, hand-offs single and joint, undertaking, report, extension with and without a
legal basis, closure, ratings, the daily audit, a re-visit that reopens an appeal whose
second round runs into 2027 (provisional deadlines), loading the 2027 holiday schedule
(recomputation), list, show, history, search (two characters, and three or more), the
quarterly report, the service item list, the bulletin, verify — runs once on a SQLite
file and once on a PostgreSQL database. Every command succeeds on both, and every output
is the same once real timestamps, file paths and hashes are set aside: same IDs, same
deadlines, same report CSV bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ROOT, run_cli, uscc
from tests.pg import needs_pg

pytestmark = [pytest.mark.postgres, needs_pg]

VOLATILE = {"at", "at_local", "created_at", "updated_at", "recorded_at", "loaded_at", "applied_at", "hash",
            "prev_hash", "file", "path", "target", "source_file", "where"}  # fmt: skip

SCHEDULE_2027 = (
    'year = 2027\nsource = "测试用 2027 年放假安排"\n'
    'holidays = ["2027-01-01", "2027-01-04", "2027-01-05"]\nworkdays = ["2027-01-09"]\n'
)


def scrub(doc: Any, folder: str) -> Any:
    if isinstance(doc, dict):
        return {k: scrub(v, folder) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [scrub(v, folder) for v in doc]
    if isinstance(doc, str):
        return doc.replace(folder, "<dir>")
    return doc


def season(db: str, folder: Path) -> list[tuple[list[str], int, Any]]:
    """Run the script; every step's (args, exit code, output with volatile parts removed)."""
    seen: list[tuple[list[str], int, Any]] = []

    def do(*args: str, today: str | None = None, expect: int = 0) -> Any:
        code, out, err = run_cli(db, *args, today=today)
        assert code == expect, (args, out, err)
        doc: Any = json.loads(out) if "--json" in args and code == 0 else out
        seen.append((list(args), code, scrub(doc, str(folder))))
        return doc

    do("init")
    plan = ("session", "plan", "--kind", "主场", "--theme", "政策兑现", "--unit", "省发展改革委")
    sid = do(*plan, "--date", "2026-09-24", "--lead", "张厅长", "--json", today="2026-08-28")["id"]
    b1 = do("book", "--enterprise", "云南某某科技有限公司", "--uscc", uscc(1), "--contact",
            "王小明", "--phone", "13812345678", "--appeal", "电费补贴迟迟未兑现", "--appeal",
            "厂房用地审批慢", "--appeal", "项目环评与规划许可衔接难", "--appeal", "出口退税进度慢",
            "--category", "服务需求", "--region", "昆明市", "--json", today="2026-09-01")  # fmt: skip
    b2 = do("book", "--enterprise", "昆明某物流有限公司", "--uscc", uscc(2), "--contact",
            "李大成", "--phone", "0871-63123456", "--appeal", "货车通行证办理难", "--json",
            today="2026-09-02")  # fmt: skip
    imported = do("book", "--from-csv", str(ROOT / "data/sample/bookings.csv"), "--json",
                  today="2026-09-02")  # fmt: skip
    assert imported["imported"] > 20
    a1, a2, a3, a4 = b1["appeals"]
    (c1,) = b2["appeals"]
    for aid in (a1, a2, a3, a4, c1):
        do("triage", aid, "--theme", "政策兑现", "--session", sid, "--verified", "--json",
           today="2026-09-08")  # fmt: skip
    do("triage", f"{imported['bookings_created'][0]}-1", "--theme", "要素保障", "--unit",
       "省财政厅", "--class", "融资难", "--json", today="2026-09-09")  # fmt: skip
    do("notify", "--session", sid, "--json", today="2026-09-18")
    do("notify", "--session", sid, "--sent", "--channel", "短信", "--json", today="2026-09-18")
    do("session", "hear", a1, "--resolved", "现场答复：补贴已于本周拨付", "--official", "王厅长",
       today="2026-09-24")  # fmt: skip
    for aid in (a2, a3, a4, c1):
        do("session", "hear", aid, "--refer", "--note", "需部门核实", today="2026-09-24")
    do("assign", "to", a2, "--unit", "省自然资源厅", "--json", today="2026-09-24")
    do("assign", "to", a3, "--unit", "省生态环境厅", "--unit", "省自然资源厅", "--unit",
       "省住房城乡建设厅", "--json", today="2026-09-24")  # fmt: skip
    do("assign", "to", a4, "--unit", "省税务局", "--json", today="2026-09-24")
    do("assign", "to", c1, "--unit", "省交通运输厅", "--json", today="2026-09-24")
    do("assign", "accept", a2, "--handler", "赵工", "--measures", "核查用地手续", "--by",
       "2026-10-20", today="2026-09-28")  # fmt: skip
    do("rate", a1, "--service", "满意", "--handling", "满意", today="2026-09-28")
    do("assign", "accept", a4, "--handler", "钱科长", "--measures", "核对退税资料",
       today="2026-10-09")  # fmt: skip
    do("assign", "accept", c1, "--handler", "孙科长", "--measures", "协调交警", today="2026-10-09")
    do("audit", "--json", today="2026-10-12")
    do("audit", "--fail-on-overdue", today="2026-10-12", expect=3)
    do("assign", "accept", a3, "--handler", "周处长", "--measures", "生态环境厅牵头",
       today="2026-10-12")  # fmt: skip
    do("assign", "extend", a3, "--to", "2026-11-12", "--reason", "需三部门联合现场踏勘",
       today="2026-10-15")  # fmt: skip
    do("assign", "extend", a4, "--to", "2026-11-20", "--reason", "退税须经审核", "--basis",
       "《税收征收管理法实施细则》", today="2026-10-15")  # fmt: skip
    do("assign", "report", a2, "--text", "用地手续已办结", today="2026-10-20")
    do("close", a2, "--outcome", "已解决", "--result", "已取得用地批复", today="2026-10-21")
    do("assign", "report", c1, "--text", "已开通绿色通道", today="2026-10-23")
    do("close", c1, "--outcome", "已解决", "--result", "通行证已办理", today="2026-10-23")
    do("assign", "report", a3, "--text", "规划调整须报国务院审批", today="2026-11-10")
    do(
        "close",
        a3,
        "--outcome",
        "解释说明",
        "--result",
        "已向企业解释并协助申报",
        today="2026-11-11",
    )
    do("rate", a2, "--service", "满意", "--handling", "基本满意", today="2026-10-23")
    do("rate", a3, "--service", "基本满意", "--handling", "不满意", "--comment", "问题没有实际解决",
       today="2026-11-12")  # fmt: skip
    do("rate", a3, "--service", "满意", "--handling", "满意", today="2026-11-13", expect=1)
    do("audit", "--json", today="2026-11-24")
    do("audit", "revisit", a2, "--note", "企业满意", today="2026-11-16")
    do("audit", "revisit", a3, "--note", "企业仍有诉求，退回重办", "--reopen", today="2026-12-16")
    again = do("assign", "to", a3, "--unit", "省自然资源厅", "--json", today="2026-12-17")
    assert again["provisional"] is True  # runs into 2027, no official schedule yet
    schedule = folder / "2027.toml"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    do("calendar", "load", str(schedule), "--json", today="2026-12-18")
    after = do("show", a3, "--json")
    assert not [d for d in after["deadlines"] if d["provisional"]]
    for aid in (a1, a2, a4, c1):
        do("show", aid, "--json")
    do("list", "--json")
    do("list", "--month", "2026-09", "--status", "已销号", "--json")
    do("list", "--unit", "省自然资源厅", "--json")
    do("history", a3, "--json")
    for text in ("环评", "补贴", "环评与规划", "规划许可衔接", "税收减免", "不存在的内容"):
        do("search", text, "--json")
    do("search", "补贴")
    do("audit", "--json", today="2026-12-18")
    for quarter in ("2026Q3", "2026Q4"):
        do("report", "quarterly", "--quarter", quarter, "--json", today="2026-12-31")
        do("report", "quarterly", "--quarter", quarter, "--csv", str(folder / f"{quarter}.csv"),
           today="2026-12-31")  # fmt: skip
    do("report", "quarterly", "--quarter", "2026Q3", "--by", "theme", "--json", today="2026-12-31")
    do("report", "items", "--month", "2026-09", "--json", today="2026-12-31")
    do("report", "items", "--month", "2026-09", "--csv", str(folder / "items.csv"),
       today="2026-12-31")  # fmt: skip
    do("report", "bulletin", "--quarter", "2026Q3", "--format", "md", today="2026-12-31")
    do("session", "list", "--json")
    _channels_and_ledgers(do, folder)
    do("verify", "--json")
    return seen


def _channels_and_ledgers(do: Any, folder: Path) -> None:
    """Issues 14 and 15 on both engines: intake single and from a 12345 export (again:
    nothing added), a held 接待日, 即办, 转送, a hand-off, a ledger and its items, and the
    reports of channels, scores, cadence and ledgers."""
    unit, csv = "省发展改革委", str(ROOT / "data/sample/12345.csv")
    event = do("event", "add", "--channel", "接待日", "--date", "2026-10-15", "--unit", unit,
               "--json", today="2026-10-15")["id"]  # fmt: skip
    who = ("--enterprise", "昆明某物流有限公司", "--uscc", uscc(2), "--contact", "李大成",
           "--phone", "0871-63123456")  # fmt: skip
    (i1,) = do("intake", "--channel", "接待日", *who, "--appeal", "仓库消防验收慢",
               "--event", event, "--json", today="2026-10-15")["appeals"]  # fmt: skip
    (i2,) = do("intake", "--channel", "12345", *who, "--ref", "GD-PG-1", "--appeal",
               "咨询稳岗返还", "--resolved", "已电话答复", "--json", today="2026-10-16")["appeals"]  # fmt: skip
    for _ in range(2):  # a daily export imported twice: the second adds nothing
        do("intake", "--from-csv", csv, "--channel", "12345", "--json", today="2026-10-20")
    do("triage", i1, "--unit", unit, "--need", "个性诉求", "--json", today="2026-10-16")
    do("assign", "to", i1, "--unit", unit, "--json", today="2026-10-19")
    listed = do("list", "--channel", "12345", "--json")["appeals"]
    do("close", listed[-1]["id"], "--outcome", "转送", "--result", "转送至市信访局，已告知企业",
       today="2026-10-21")  # fmt: skip
    do("show", i1, "--json")
    do("show", i2, "--json")
    do("search", "GD-PG-1", "--json")
    ledger = do("ledger", "new", "--name", "整改清单", "--source", "评估反馈", "--year", "2026",
                "--json", today="2026-10-21")["id"]  # fmt: skip
    item = do("ledger", "add", ledger, "--item", "审批时间偏长", "--unit", unit, "--unit",
              "省财政厅", "--due", "2026-12-31", "--json", today="2026-10-21")["id"]  # fmt: skip
    do("ledger", "import", ledger, str(ROOT / "data/sample/ledger-tongliao.csv"), "--allow-new",
       "--json", today="2026-10-21")  # fmt: skip
    do("assign", "accept", item, "--handler", "张处长", "--measures", "并联审批",
       today="2026-10-22")  # fmt: skip
    do("ledger", "show", ledger, "--json", today="2026-12-31")
    do("report", "ledger", ledger, "--csv", str(folder / "ledger.csv"), today="2026-12-31")
    do("history", item, "--json")
    do("event", "list", "--quarter", "2026Q4", "--json")
    do("audit", "cadence", "--quarter", "2026Q4", "--json", today="2026-12-31")
    do("report", "channels", "--quarter", "2026Q4", "--json", today="2026-12-31")
    do("report", "scores", "--quarter", "2026Q4", "--json", today="2026-12-31")
    do("report", "quarterly", "--quarter", "2026Q4", "--by", "渠道", "--json", today="2026-12-31")
    do("audit", "--json", today="2026-12-31")


@pytest.mark.slow
def test_a_season_on_postgres_equals_sqlite(pg_db: str, tmp_path: Path) -> None:
    lite_dir, pg_dir = tmp_path / "lite", tmp_path / "pg"
    lite_dir.mkdir()
    pg_dir.mkdir()
    lite = season(str(lite_dir / "case.db"), lite_dir)
    pg = season(pg_db, pg_dir)
    assert len(lite) == len(pg)
    for (args, code, doc), (_, code_pg, doc_pg) in zip(lite, pg, strict=True):
        assert (code, doc) == (code_pg, doc_pg), args
    for name in ("2026Q3.csv", "2026Q4.csv", "items.csv", "ledger.csv"):
        assert (lite_dir / name).read_bytes() == (pg_dir / name).read_bytes(), name
