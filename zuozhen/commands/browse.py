"""list, show, history, search: finding an appeal and reading its whole story."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from zuozhen import states
from zuozhen.commands.amend import print_amendments
from zuozhen.commands.common import AppealArg, Json, get_app, read


def _plain(value: object) -> str:
    if isinstance(value, list):
        shown = "、".join(_plain(v) if isinstance(v, list) else str(v) for v in value[:20])
        return shown + (f" 等 {len(value)} 项" if len(value) > 20 else "")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("list")(list_)
    app.command("show")(show)
    app.command("history")(history)
    app.command("search")(search)


# -- audit -----------------------------------------------------------------------------


# The audit trail's action codes in the clerk's words (history).
ACTIONS = {
    "init": "建立案卷",
    "migrate": "升级案卷",
    "calendar.load": "载入放假安排",
    "deadline.recompute": "重算期限",
    "session.plan": "安排场次",
    "session.cancel": "取消场次",
    "session.cancelled": "场次取消",
    "session.postpone": "场次改期",
    "session.postponed": "场次改期",
    "announce.publish": "发布公告",
    "book": "挂号",
    "book.import": "批量导入挂号",
    "triage": "接诊",
    "notify.sent": "叫号",
    "notify.export": "导出叫号短信",
    "session.hear": "坐诊",
    "assign.to": "交办",
    "assign.accept": "承办",
    "assign.extend": "延期",
    "assign.report": "反馈",
    "close": "销号",
    "rate": "评价",
    "audit.revisit": "回访",
    "export.contacts": "导出联系人",
    "withdraw": "企业撤回",
    "void": "作废",
    "merge": "并入其他诉求",
    "merge.joined": "重复诉求并入",
    "session.absent": "未到场",
    "assign.return": "退回",
    "assign.progress": "阶段性进展",
    "assign.report.part": "分工部分反馈",
    "amend": "更正",
    "ledger.item": "列入台账",
    "ledger.carried": "结转到新台账",
}


# Detail keys of the audit trail, in the clerk's words (history); others show as stored.
KEYS = {
    "appeals": "诉求",
    "category": "类别",
    "enterprise": "企业",
    "merged": "并入本月已有挂号",
    "uscc": "信用代码",
    "verify_due": "核实期限",
    "verify_start": "核实起算日",
    "notify_by": "叫号期限",
    "renotify": "需重新叫号",
    "session": "场次",
    "status": "状态",
    "theme": "主题",
    "units": "单位",
    "channel": "方式",
    "late": "逾期",
    "was": "原状态",
    "official": "坐诊领导",
    "resolved": "现场解决",
    "result": "结果",
    "note": "备注",
    "joint": "联合交办",
    "plan_due": "承办期限",
    "report_due": "反馈期限",
    "provisional": "暂定",
    "round": "轮次",
    "handler": "承办人",
    "measures": "措施",
    "promised_by": "承诺办结",
    "new_due": "新期限",
    "old_due": "原期限",
    "reason": "理由",
    "basis": "法定依据",
    "text": "内容",
    "into": "并入",
    "duplicate": "重复诉求",
    "dropped": "取消的期限",
    "unit": "单位",
    "new_round": "新轮次",
    "remaining": "余下承办单位",
    "outcome": "办结方式",
    "service": "服务评价",
    "handling": "办理评价",
    "comment": "意见",
    "revisit_due": "回访期限",
    "reopen": "重新交办",
    "step": "环节",
    "old": "原期限",
    "new": "新期限",
    "class": "共性类别",
    "verified": "已核实",
    "skipped": "跳过重复",
    "enterprise_changes": "企业信息变更",
    "late_reason": "加号理由",
    "rate_due": "评价期限",
    "verified_on": "核实日期",
    "verify_late": "核实逾期",
    "year": "年份",
    "again_of": "与之相同的场次",
    "sessions_on_rest_days": "落在休息日的场次",
    "booked_on": "挂号日期",
    "lines": "行号",
    "file": "文件",
    "encoding": "编码",
    "rows": "行数",
    "imported": "导入诉求",
    "rejected": "有误的行",
    "bookings_created": "新建挂号",
    "bookings_extended": "追加挂号",
    "enterprises_created": "新企业",
    "enterprises_updated": "更新企业",
    "ignored_columns": "忽略的列",
    "date": "日期",
    "kind": "类型",
    "lead": "领衔",
    "month": "月份",
    "format": "格式",
    "source": "依据",
    "from": "原日期",
    "to": "新日期",
    "changes": "更正",
    "moved": "转到正确单位的期限",
    "unchanged": "与原值相同未更正",
}


def _value(key: str, value: object) -> str:
    """A detail value in the clerk's words: states and deadline steps by their labels."""
    from zuozhen.supervision import step_label

    if key in ("status", "was"):
        return states.label(str(value))
    if key == "step":
        return step_label(str(value))
    if key == "changes" and isinstance(value, list):
        from zuozhen.amend import describe

        return "；".join(describe(c) for c in value if isinstance(c, dict))
    if key in ("dropped", "moved") and isinstance(value, list):
        return "、".join(f"第{r}轮{step_label(s)}（{d}）" for s, r, d in value)
    return _plain(value)


# -- list, show, history, search -------------------------------------------------------


#: Above this many rows ``list`` prints plain columns instead of a Rich table.
LONG_LIST = 200


def list_(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", help="挂号月份 YYYY-MM。")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="状态：代码（handed_off）或中文（已交办）；多个用逗号分隔（已交办,已承办）；"
            "未办结（open）为所有未销号的诉求，已办结（done）为已销号和已评价。",
        ),
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="承办单位。")] = None,
    enterprise: Annotated[
        str | None,
        typer.Option(
            "--enterprise", help="企业：统一社会信用代码，或企业名称（含其中几个字即可）。"
        ),
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="来源渠道：坐诊、12345、接待日等。")
    ] = None,
    json: Json = False,
) -> None:
    """按月份、状态、单位、企业、渠道列出诉求，按编号顺序。

    示例：zuozhen list --month 2026-10 --status 已交办,已承办

    示例：zuozhen list --status 未办结 --enterprise 91530100MA6K5X7Q2Y

    示例：zuozhen list --channel 12345 --status 已受理
    """
    from rich.table import Table

    from zuozhen.browse import list_appeals
    from zuozhen.commands import render

    rows = read(
        ctx,
        list_appeals,
        month=month,
        status=status,
        unit=unit,
        enterprise=enterprise,
        channel=channel,
    )
    if json:
        render.emit_json({"appeals": rows})
        return
    if not rows:
        render.hint("没有符合条件的诉求。")
        return
    if len(rows) > LONG_LIST:  # a month of a province: plain columns, streamed
        keys = ("id", "channel", "enterprise", "status_label", "units", "text")
        render.columns(
            ["诉求号", "渠道", "企业", "状态", "承办单位", "诉求"],
            ([x[k] if k != "units" else "、".join(x[k]) for k in keys] for x in rows),
        )
        render.out().print(f"共 {len(rows)} 条。")
        return
    table = Table(pad_edge=False, show_edge=False)
    # One line per appeal: long names and texts end in "…" (zuozhen show has them whole).
    con = render.out()
    table.add_column("诉求号", no_wrap=True, min_width=12)
    table.add_column("渠道", no_wrap=True, overflow="ellipsis", max_width=6)
    table.add_column("企业", no_wrap=True, overflow="ellipsis", min_width=14, max_width=14)
    table.add_column("状态", no_wrap=True, min_width=8)
    table.add_column("承办单位", no_wrap=True, overflow="ellipsis", min_width=12, max_width=12)
    width = max(10, con.width - 12 - 6 - 14 - 8 - 12 - 17)
    table.add_column("诉求", no_wrap=True, overflow="ellipsis", max_width=width)
    for x in rows:
        table.add_row(
            x["id"],
            render.escape(x["channel"]),
            render.escape(x["enterprise"]),
            x["status_label"],
            render.escape("、".join(x["units"]) or ""),
            render.escape(x["text"]),
        )
    con.print(table)
    con.print(f"共 {len(rows)} 条。")


def show(
    ctx: typer.Context,
    appeal: AppealArg,
    json: Json = False,
) -> None:
    """查看一条诉求：各环节日期、期限（暂定/逾期标记）、轮次、交办、延期、评价、回访。

    示例：zuozhen show 202610-007-1
    """
    from zuozhen.browse import show_appeal
    from zuozhen.commands import render

    view = read(ctx, show_appeal, appeal)
    if json:
        render.emit_json(view)
        return
    _print_appeal(view.data)


def _print_appeal(d: dict[str, Any]) -> None:
    """The appeal's story: who and what, each step's date, deadlines, rounds, ratings."""
    from zuozhen.commands import render
    from zuozhen.commands.intake import origin_lines
    from zuozhen.commands.ledger import who_lines

    con = render.out()
    e = render.escape
    con.print(
        f"[bold]诉求 {d['id']}[/bold]  {d['status_label']}"
        + (f"（第 {d['round']} 轮）" if d["round"] > 1 else "")
    )
    lines = [
        *who_lines(d),
        ("诉求", d["text"]),
        (
            "类别/主题",
            f"{d['category']} / {d['theme'] or '—'}" + (f" / {d['class']}" if d["class"] else ""),
        ),
        (
            "挂号" if d["channel"] == "坐诊" else "受理",
            f"{d['booking']}  {d['booked_on']}"
            + (f"  加号：{d['late_booking']}" if d["late_booking"] else ""),
        ),
        *origin_lines(d),
        (
            "场次",
            f"{d['session'] or '—'}  {d['session_date'] or ''} {d['session_kind'] or ''}"
            + (f"  领衔：{d['session_lead']}" if d["session_lead"] else ""),
        ),
        ("核实", str(d["verified_on"] or "—")),
        ("叫号", str(d["notified_on"] or "—")),
        (
            "坐诊",
            f"{d['heard_on'] or '—'}  {d['heard_by'] or ''}"
            + (
                ("  现场解决" if d["channel"] == "坐诊" else "  即办")
                if d["resolved_on_spot"]
                else ""
            ),
        ),
        ("承办单位", "、".join(d["units"]) or "—"),
        ("办结", f"{d['outcome'] or '—'}  {d['closed_on'] or ''}  {d['result'] or ''}"),
    ]
    if d["ended_on"]:
        what = {"merged": f"并入 {d['into']}", "void": "作废", "withdrawn": "企业撤回"}
        lines.append(
            (what.get(d["status"], d["status_label"]), f"{d['ended_on']}  {d['end_reason'] or ''}")
        )
    for x in d["absences"]:
        lines.append(
            (
                "未到场",
                f"{x['recorded_on']}  场次 {x['session']}"
                + (f"  {x['note']}" if x["note"] else ""),
            )
        )
    for k, v in lines:
        con.print(f"  {k}：{e(str(v))}")
    if d["duplicates"]:
        con.print(
            f"[bold]并入的重复诉求[/bold]（{len(d['duplicates'])} 项，只在本诉求中办理和统计）"
        )
        for x in d["duplicates"]:
            con.print(
                f"  {x['id']}  {e(x['enterprise'])}（{x['uscc']}）{x['merged_on']} 并入"
                f"（{e(x['reason'] or '')}）：{e(x['text'])}"
            )
    for rnd in d["rounds"]:
        _print_round(rnd, len(d["rounds"]) > 1, ledger_item=bool(d.get("ledger")))
    print_amendments(d["amendments"])


def _print_round(rnd: dict[str, Any], several: bool, *, ledger_item: bool = False) -> None:
    """One round: the answer at the session, the hand-off, its end, rating and re-visits."""
    from zuozhen.commands import render

    con = render.out()
    e = render.escape
    shown = ("answer", "handoff", "outcome", "rating", "revisits", "deadlines")
    if not any(rnd[k] for k in shown):
        return
    con.print(
        f"[bold]第 {rnd['round']} 轮[/bold]" + ("（当前）" if several and rnd["current"] else "")
    )
    if rnd["answer"] is not None:
        con.print(f"  现场答复 {rnd['closed_on']}：{e(rnd['answer'])}")
    h = rnd["handoff"]
    if h is not None:
        con.print(
            f"  交办 {h['handed_on']}  {'联合' if h['joint'] else '单独'}：{e('、'.join(h['units']))}"
        )
        if h["accepted_on"]:
            con.print(
                f"    承办 {h['accepted_on']} {e(h['handler'] or '')}：{e(h['measures'] or '')}"
                f"，承诺 {h['promised_by']}"
                + ("  [red]逾期承办[/red]" if h["accepted_late"] else "")
            )
        for x in rnd["extensions"]:
            con.print(
                f"    延期 {x['granted_on']}：{x['old_due']} → {x['new_due']}，{e(x['reason'])}"
                + (f"（依据 {e(x['basis'])}）" if x["basis"] else "")
            )
        for x in h["progress"]:
            con.print(f"    阶段性进展 {x['reported_on']} {e(x['unit'])}：{e(x['text'])}")
        if h["reported_on"]:
            con.print(
                f"    反馈 {h['reported_on']} {e(h['lead_unit'])}（牵头）：{e(h['report_text'] or '')}"
                + ("  [red]超期反馈[/red]" if h["reported_late"] else "")
            )
        for x in h["parts"]:
            con.print(
                f"    分工部分 {x['reported_on']} {e(x['unit'])}：{e(x['text'])}"
                + ("  [red]超期[/red]" if x["late"] else "")
            )
        if h["returned_on"]:
            con.print(
                f"    [yellow]退回[/yellow] {h['returned_on']} {e(h['returned_by'] or '')}："
                f"{e(h['return_reason'] or '')}"
                + ("（超过承办期限）" if h["returned_late"] else "（在承办期限内）")
            )
    if rnd["outcome"] is not None and rnd["answer"] is None:
        con.print(f"  销号 {rnd['closed_on']}  {rnd['outcome']}：{e(rnd['result'] or '')}")
    t = rnd["rating"]
    if t is not None:
        con.print(
            f"  评价 {t['rated_on']}：服务{t['service']}，办理{t['handling']}"
            + (f"。{e(t['comment'])}" if t["comment"] else "")
        )
    for v in rnd["revisits"]:
        con.print(
            f"  回访 {v['visited_on']}：{e(v['note'])}" + ("（退回重办）" if v["reopened"] else "")
        )
    item = "（完成时限）" if ledger_item and not rnd["extensions"] else None
    _print_deadlines(rnd["deadlines"], fixed_report=item)


def _print_deadlines(deadlines: list[dict[str, Any]], fixed_report: str | None = None) -> None:
    from zuozhen.commands import render
    from zuozhen.supervision import step_label

    con = render.out()
    e = render.escape
    if not deadlines:
        return
    con.print("  期限")
    for x in deadlines:
        flags = []
        if x["provisional"]:
            flags.append("暂定")
        if x["done_on"]:
            flags.append(f"{x['done_on']} 完成" + ("，逾期" if x["late"] else ""))
        else:
            flags.append("未完成")
        rule = "（延期/法定）" if x["rule"] == "fixed" else ""
        rule = fixed_report if rule and fixed_report and x["step"] == "report" else rule
        con.print(
            f"    {step_label(x['step']):<4} {x['due']}{rule}  {'，'.join(flags)}  "
            f"{e(x['unit'] or '')}"
        )


_HISTORY_OF = "如 202610-007-1；不写则看案卷本身的留痕（配置、场次、公告、放假安排、导入、导出）。"


def history(
    ctx: typer.Context,
    appeal: Annotated[str | None, typer.Argument(metavar="诉求号", help=_HISTORY_OF)] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="只看这一天（YYYY-MM-DD）及以后办理或录入的留痕。"),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option("--session", help="一个场次的留痕：安排、改期、取消、叫号、坐诊结果。"),
    ] = None,
    json: Json = False,
) -> None:
    """查看留痕：谁、何时（按案卷时区，默认北京时间）、按哪一天、做了什么。

    写诉求号看一条诉求的留痕；不写则看案卷本身的留痕（配置、场次、公告、放假安排、导入、
    联系人导出）；--session 看一个场次的留痕。

    示例：zuozhen history 202610-007-1

    示例：zuozhen history --since 2026-10-01

    示例：zuozhen history --session S202610-02
    """
    from zuozhen.browse import case_history
    from zuozhen.browse import history as trail
    from zuozhen.commands import render
    from zuozhen.commands.common import optional_date
    from zuozhen.config import zone_label

    if appeal is not None and session is not None:
        raise typer.BadParameter(
            "诉求号和 --session 只能写一个：看诉求的留痕写诉求号，看场次的留痕用 --session。",
            param_hint="--session",
        )
    day = optional_date(since, "--since 日期")
    with get_app(ctx).reader() as r:
        if appeal is not None:
            rows = trail(r, appeal, since=day)
            doc: dict[str, Any] = {"appeal": appeal.strip(), "events": rows}
        else:
            rows = case_history(r, since=day, session=session)
            doc = {"session": session.strip() if session else None, "since": day, "events": rows}
        zone = zone_label(r.config.timezone)
    if json:
        render.emit_json(doc)
        return
    _print_events(rows, zone, whole_case=appeal is None)


# Trail entities of the case file itself, in the clerk's words (history without an appeal).
ENTITIES = {
    "case_file": "案卷",
    "config": "配置",
    "session": "场次",
    "announcement": "公告",
    "holiday_schedule": "放假安排",
    "import": "导入文件",
    "report": "报表",
    "appeal": "诉求",
    "booking": "挂号",
    "enterprise": "企业",
}


def _print_events(rows: list[dict[str, Any]], zone: str, *, whole_case: bool) -> None:
    from rich.padding import Padding

    from zuozhen.commands import render

    con = render.out()
    if not rows:
        render.hint("没有符合条件的留痕。")
        return
    for t in rows:
        detail = t["detail"]
        text = (
            "；".join(
                f"{KEYS.get(k, k)}：{_value(k, v)}"
                for k, v in detail.items()
                if v not in (None, "", [], {})
            )
            if isinstance(detail, dict)
            else str(detail)
        )
        action = ACTIONS.get(t["action"], t["action"])
        what = f"{ENTITIES.get(t['entity'], t['entity'])} " if whole_case else ""
        entered = t["at_local"][:16].replace("T", " ")
        con.print(
            f"[bold]{t['as_of']}[/bold]  {render.escape(t['operator'])}  [bold]{action}[/bold]"
            f"  {what}{render.escape(t['entity_id'])}  [dim]（录入于 {entered} {zone}）[/dim]"
        )
        if text:
            con.print(Padding(render.escape(text), (0, 0, 0, 4)))
    con.print(f"共 {len(rows)} 条留痕。")


def search(
    ctx: typer.Context,
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="检索词",
            help="要搜索的文字，可写几个词（用空格分开，须全部出现）：诉求、现场答复、办理措施、"
            "反馈、办理结果、回访、评价意见、延期理由、企业名称、信用代码、单位名称，各轮次都查。",
            show_default=False,
        ),
    ],
    limit: Annotated[
        int, typer.Option("--limit", help="最多列出多少条（1–10000）。", show_default=True)
    ] = 100,
    json: Json = False,
) -> None:
    """全文搜索诉求：所有轮次记录的全部文字，任意长度，几个词须全部出现。

    示例：zuozhen search 出口 退税
    """
    from rich.cells import cell_len, set_cell_size

    from zuozhen.commands import render
    from zuozhen.search import search as find

    found = read(ctx, find, words, limit)
    if found.ignored:
        render.hint(f"已忽略搜索内容中的 {found.ignored} 个不可见控制字符。")
    if json:
        render.emit_json(found)
        return
    asked = " ".join(found.words)
    if not found.appeals:
        render.hint(
            f"没有找到包含“{render.escape(asked)}”的诉求"
            + ("（几个词须出现在同一件诉求中）。" if len(found.words) > 1 else "。")
        )
        return
    con = render.out()
    e = render.escape
    for x in found.appeals:
        # One line per appeal, cut to the terminal; where it matched follows, whole.
        line = f"{x['status_label']}  {x['enterprise']}  {x['text']}"
        room = con.width - cell_len(x["id"]) - 2
        if cell_len(line) > room:  # a wide character that does not fit is dropped whole
            line = set_cell_size(line, max(room - 1, 1)).rstrip() + "…"
        con.print(f"[bold]{x['id']}[/bold]  {e(line)}", no_wrap=True)
        for m in x["matches"]:
            where = m["label"] + (f"（第 {m['round']} 轮）" if m["round"] else "")
            con.print(f"    {where}：{e(m['excerpt'])}")
    shown = len(found.appeals)
    more = f"，列出前 {shown} 条（--limit 可列出更多）" if found.total > shown else ""
    con.print(f"共 {found.total} 条{more}。")
