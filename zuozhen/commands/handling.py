"""Handling and follow-up (steps 6–9): session hear, assign *, close, rate, audit, list/show.

Each command parses, calls one library function (workflow, audit, queries), and renders.
Read-only commands use the Reader; acts use ``CaseFile.write`` inside workflow.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zuozhen import states
from zuozhen.commands.common import Json, get_app

if TYPE_CHECKING:
    from zuozhen.audit import DailyList

#: Exit code of ``audit --fail-on-overdue`` when something is overdue (for scripts / cron).
EXIT_OVERDUE = 3

AppealArg = Annotated[str, typer.Argument(help="诉求号，如 202610-007-1。")]


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["session"].command("hear")(hear)
    assign = groups["assign"]
    assign.command("to")(assign_to)
    assign.command("accept")(assign_accept)
    assign.command("report")(assign_report)
    assign.command("extend")(assign_extend)
    app.command("close")(close)
    app.command("rate")(rate)
    app.command("list")(list_)
    app.command("show")(show)
    app.command("history")(history)
    app.command("search")(search)
    audit = groups["audit"]
    audit.callback(invoke_without_command=True, no_args_is_help=False, help=audit_list.__doc__)(
        audit_list
    )
    audit.command("revisit")(audit_revisit)
    audit.command("notices")(audit_notices)
    groups["report"].command("record")(report_record)


def _date(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    from zuozhen.validation import parse_date

    return parse_date(value, what)


def _act(ctx: typer.Context, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Open the case file, do one act, close it."""
    a = get_app(ctx)
    case = a.open()
    try:
        return fn(case, a.act, *args, **kwargs)
    finally:
        case.close()


# -- session hear ----------------------------------------------------------------------


def hear(
    ctx: typer.Context,
    appeal: AppealArg,
    resolved: Annotated[
        str | None, typer.Option("--resolved", help="现场答复解决：答复内容。")
    ] = None,
    refer: Annotated[bool, typer.Option("--refer", help="现场不能解决，待交办。")] = False,
    official: Annotated[
        str | None, typer.Option("--official", help="坐诊领导（默认为场次的领衔领导）。")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="处理意见或备注。")] = None,
    json: Json = False,
) -> None:
    """记录诉求在坐诊中的结果：现场答复解决（--resolved），或待交办（--refer）。

    --resolved 与 --refer 必须二选一，否则拒绝（退出码 1）。

    示例：zuozhen session hear 202610-007-1 --resolved "已现场解答电价政策" --official 张厅长
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    r = _act(
        ctx, workflow.hear, appeal, resolved=resolved, refer=refer, official=official, note=note
    )
    if json:
        render.emit_json(r)
        return
    who = f"（坐诊领导：{r.official}）" if r.official else ""
    if r.resolved:
        render.done(f"诉求 {r.appeal} 已在场次 {r.session} 现场答复解决并销号{who}。")
        render.hint(
            f"下一步：请企业评价（zuozhen rate {r.appeal} --service … --handling …），"
            f"期限 {r.rate_due.isoformat() if r.rate_due else ''}。"
        )
    else:
        render.done(f"诉求 {r.appeal} 已记录为现场不能解决、待交办{who}。")
        render.hint(f"下一步：zuozhen assign to {r.appeal} --unit 承办单位")


# -- assign ----------------------------------------------------------------------------


def assign_to(
    ctx: typer.Context,
    appeal: AppealArg,
    unit: Annotated[
        list[str], typer.Option("--unit", help="承办单位；可重复，多个单位时第一个为牵头单位。")
    ],
    json: Json = False,
) -> None:
    """交办：一个单位为单独交办，多个单位为联合交办（第一个牵头）。

    示例：zuozhen assign to 202610-007-1 --unit 省财政厅 --unit 省税务局
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    r = _act(ctx, workflow.hand_off, appeal, list(unit))
    for w in r.warnings:
        render.warn(w)
    if json:
        render.emit_json(
            {
                "appeal": r.appeal,
                "round": r.round,
                "units": r.units,
                "lead_unit": r.lead_unit,
                "joint": r.joint,
                "plan_due": r.plan_due,
                "report_due": r.report_due,
                "provisional": r.provisional,
            }
        )
        return
    kind = f"联合交办（牵头：{r.lead_unit}）" if r.joint else "单独交办"
    rnd = f"第 {r.round} 轮" if r.round > 1 else ""
    render.done(f"诉求 {r.appeal} 已{rnd}{kind}：{'、'.join(r.units)}。")
    con = render.out()
    con.print(f"  明确承办人、时限、措施：{r.plan_due.isoformat()} 前")
    con.print(f"  办理反馈：            {r.report_due.isoformat()} 前")
    if r.provisional:
        render.warn("期限落在尚未公布放假安排的年份，为暂定日期；载入官方安排后会自动重算。")
    render.hint(f"下一步：zuozhen assign accept {r.appeal} --handler 承办人 --measures 措施")


def assign_accept(
    ctx: typer.Context,
    appeal: AppealArg,
    handler: Annotated[str, typer.Option("--handler", help="承办人。")],
    measures: Annotated[str, typer.Option("--measures", help="办理措施（联合交办写明分工）。")],
    by: Annotated[
        str | None, typer.Option("--by", help="承诺办结日期（不得晚于反馈期限），默认为反馈期限。")
    ] = None,
    json: Json = False,
) -> None:
    """承办：承办单位明确承办人、办理措施和承诺办结日期。

    示例：zuozhen assign accept 202610-007-1 --handler 李四 --measures "核查并兑现补贴" --by 2026-10-20
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    r = _act(
        ctx,
        workflow.undertake,
        appeal,
        handler=handler,
        measures=measures,
        by=_date(by, "--by 承诺日期"),
    )
    if json:
        render.emit_json(r)
        return
    render.done(f"诉求 {r.appeal} 已由 {r.handler} 承办，承诺 {r.promised_by.isoformat()} 前办结。")
    if r.late:
        render.warn(f"承办确认晚于期限 {r.plan_due.isoformat()}，已记为逾期承办。")
    render.hint(
        f"下一步：办理后反馈 zuozhen assign report {r.appeal} --text 办理情况"
        f"（期限 {r.report_due.isoformat()}）"
    )


def assign_report(
    ctx: typer.Context,
    appeal: AppealArg,
    text: Annotated[str, typer.Option("--text", help="办理情况反馈。")],
    json: Json = False,
) -> None:
    """反馈：承办单位反馈办理情况。

    示例：zuozhen assign report 202610-007-1 --text "补贴已于10月15日拨付到位"
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    r = _act(ctx, workflow.report_back, appeal, text=text)
    if json:
        render.emit_json(r)
        return
    render.done(f"诉求 {r.appeal} 的办理情况已反馈。")
    if r.late:
        render.warn(f"反馈晚于期限 {r.report_due.isoformat()}，已记为超期反馈。")
    render.hint(f"下一步：销号 zuozhen close {r.appeal} --outcome 已解决 --result 办理结果")


def assign_extend(
    ctx: typer.Context,
    appeal: AppealArg,
    to: Annotated[str, typer.Option("--to", help="新的反馈期限（须晚于现行期限）。")],
    reason: Annotated[str, typer.Option("--reason", help="承办单位书面申请的延期理由。")],
    basis: Annotated[
        str | None, typer.Option("--basis", help="法律法规另有时限规定的，写明依据（从其规定）。")
    ] = None,
    json: Json = False,
) -> None:
    """延期：承办单位书面说明理由后延长反馈期限，或按法律法规规定的时限办理。

    示例：zuozhen assign extend 202610-007-1 --to 2026-11-20 --reason "需跨部门会商" --basis "《行政许可法》第四十二条"
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    new = _date(to, "--to 新期限")
    assert new is not None
    r = _act(ctx, workflow.extend, appeal, to=new, reason=reason, basis=basis)
    if json:
        render.emit_json(r)
        return
    law = f"，依据：{r.basis}" if r.basis else ""
    render.done(
        f"诉求 {r.appeal} 反馈期限由 {r.old_due.isoformat()} 延至 {r.new_due.isoformat()}"
        f"（第 {r.extensions} 次延期{law}）。"
    )


# -- close, rate -----------------------------------------------------------------------


def close(
    ctx: typer.Context,
    appeal: AppealArg,
    outcome: Annotated[str, typer.Option("--outcome", help="办结方式：已解决 或 解释说明。")],
    result: Annotated[
        str, typer.Option("--result", help="办理结果；解释说明时写明向企业所作的解释。")
    ],
    json: Json = False,
) -> None:
    """销号：承办单位反馈后，以“已解决”或“解释说明”办结。

    示例：zuozhen close 202610-007-1 --outcome 已解决 --result "补贴已拨付，企业确认"
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    r = _act(ctx, workflow.close_out, appeal, outcome=outcome, result=result)
    if json:
        render.emit_json(r)
        return
    render.done(f"诉求 {r.appeal} 已销号（{r.outcome}）。")
    render.hint(
        f"下一步：请企业评价 zuozhen rate {r.appeal} --service … --handling …"
        f"（{r.rate_due.isoformat()} 前）"
    )


def rate(
    ctx: typer.Context,
    appeal: AppealArg,
    service: Annotated[
        str, typer.Option("--service", help="对坐诊服务：满意 / 基本满意 / 不满意。")
    ],
    handling: Annotated[
        str, typer.Option("--handling", help="对办理情况：满意 / 基本满意 / 不满意。")
    ],
    comment: Annotated[str | None, typer.Option("--comment", help="企业的评价意见。")] = None,
    json: Json = False,
) -> None:
    """诊后评价：记录企业对坐诊服务和办理情况的评价（每轮一次，记录后不能更改）。

    示例：zuozhen rate 202610-007-1 --service 满意 --handling 基本满意
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    r = _act(ctx, workflow.rate, appeal, service=service, handling=handling, comment=comment)
    if json:
        render.emit_json(r)
        return
    render.done(f"诉求 {r.appeal} 的评价已记录：坐诊服务 {r.service}，办理情况 {r.handling}。")
    if r.dissatisfied and r.revisit_due:
        render.warn(
            f"企业不满意，须于 {r.revisit_due.isoformat()} 前督办回访："
            f"zuozhen audit revisit {r.appeal} --note 回访情况 [--reopen]"
        )


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
    "text": "反馈内容",
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
}


def _plain(value: object) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _step_label(step: str) -> str:
    from zuozhen.audit import STEP_LABELS

    return STEP_LABELS.get(step, step)


#: Rows shown per unit in the human view unless --all or --unit is given.
PER_UNIT = 30


def _print_list(result: DailyList, limit: int | None = PER_UNIT) -> None:
    from rich.table import Table

    from zuozhen.commands import render

    con = render.out()
    con.print(
        f"[bold]督办清单[/bold]  截至 {result.today.isoformat()}：超期 "
        f"[red]{len(result.overdue)}[/red] 项，{result.within} 个工作日内到期（至 "
        f"{result.horizon.isoformat()}）{len(result.due_soon)} 项。"
    )
    if not result.overdue and not result.due_soon:
        con.print("[green]没有超期或即将到期的事项。[/green]")
    for unit, items in result.by_unit():
        table = Table(title=unit, title_justify="left", pad_edge=False, show_edge=False)
        for col in ("诉求号", "企业", "环节", "期限", "情况"):
            if col == "企业":
                table.add_column(col, no_wrap=True, overflow="ellipsis", max_width=18)
            else:
                table.add_column(col, no_wrap=True)
        shown = items if limit is None else items[:limit]
        for i in shown:
            if i.days_overdue:
                state = f"[red]超期 {i.days_overdue} 个工作日[/red]"
            elif i.due < result.today:
                state = "[red]已超期[/red]"
            elif i.due == result.today:
                state = "[yellow]今天到期[/yellow]"
            else:
                state = f"还剩 {i.days_left} 个工作日"
            due = i.due.isoformat() + ("（暂定）" if i.provisional else "")
            table.add_row(i.appeal, render.escape(i.enterprise), _step_label(i.step), due, state)
        con.print()
        con.print(table)
        if len(shown) < len(items):
            con.print(
                f"  [dim]…另有 {len(items) - len(shown)} 项：zuozhen audit --unit "
                f"{render.escape(unit)} 或 --all 查看全部[/dim]"
            )
    if result.dissatisfied:
        con.print()
        con.print(f"[bold]不满意评价待回访[/bold]（{len(result.dissatisfied)} 项）")
        listed = result.dissatisfied if limit is None else result.dissatisfied[:limit]
        for d in listed:
            note = f"：{render.escape(d.comment)}" if d.comment else ""
            con.print(
                f"  {d.appeal}  {render.escape(d.enterprise)}  服务{d.service}/办理{d.handling}"
                f"{note}  回访期限 {d.revisit_due.isoformat()}"
            )
        if len(listed) < len(result.dissatisfied):
            con.print(
                f"  [dim]…另有 {len(result.dissatisfied) - len(listed)} 项：zuozhen audit --all"
                " 查看全部[/dim]"
            )
    if result.overdue:
        render.hint("生成督办单：zuozhen audit notices --output 督办单/")


def audit_list(
    ctx: typer.Context,
    within: Annotated[
        int | None, typer.Option("--within", help="列出 N 个工作日内到期的事项（默认取配置）。")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只看某个单位。")] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="列出全部事项（默认每个单位最多 30 项）。")
    ] = False,
    fail_on_overdue: Annotated[
        bool,
        typer.Option(
            "--fail-on-overdue", help=f"有超期事项时以退出码 {EXIT_OVERDUE} 结束（供脚本使用）。"
        ),
    ] = False,
    json: Json = False,
) -> None:
    """督办：每日清单——各环节已超期和即将到期的事项，按单位分组，以及不满意评价待回访。

    --fail-on-overdue：有超期事项时退出码为 3（无超期为 0），便于定时任务报警。

    示例：zuozhen audit --within 5
    """
    if ctx.invoked_subcommand is not None:
        return
    from zuozhen.audit import daily_list
    from zuozhen.commands import render

    a = get_app(ctx)
    with a.reader() as r:
        result = daily_list(r, a.today, within, unit)
    if json:
        render.emit_json(result)
    else:
        _print_list(result, None if all_ or unit else PER_UNIT)
    if fail_on_overdue and result.overdue:
        raise typer.Exit(EXIT_OVERDUE)


def audit_revisit(
    ctx: typer.Context,
    appeal: AppealArg,
    note: Annotated[str, typer.Option("--note", help="回访情况。")],
    reopen: Annotated[bool, typer.Option("--reopen", help="需要重新办理：退回重新交办。")] = False,
    json: Json = False,
) -> None:
    """督办回访；--reopen 把已销号的诉求退回，开始新一轮交办。

    示例：zuozhen audit revisit 202610-007-1 --note "企业反映补贴未全额到位" --reopen
    """
    from zuozhen import workflow
    from zuozhen.commands import render

    r = _act(ctx, workflow.revisit, appeal, note=note, reopen=reopen)
    if json:
        render.emit_json(r)
        return
    if r.reopened:
        render.done(f"诉求 {r.appeal} 已回访并退回重新办理（第 {r.new_round} 轮）。")
        render.hint(f"下一步：zuozhen assign to {r.appeal} --unit 承办单位（期限重新起算）")
    else:
        render.done(f"诉求 {r.appeal} 的回访情况已记录。")


def audit_notices(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", help="督办单存放的文件夹。")] = Path("."),
    unit: Annotated[str | None, typer.Option("--unit", help="只生成某个单位的督办单。")] = None,
    json: Json = False,
) -> None:
    """生成督办单：每个有超期事项的承办单位一份（Markdown）。

    示例：zuozhen audit notices --output 督办单/
    """
    from zuozhen.audit import write_notices
    from zuozhen.commands import render

    a = get_app(ctx)
    with a.reader() as r:
        notices = write_notices(r, a.today, output, unit)
    if json:
        render.emit_json(
            {"notices": [{"unit": n.unit, "path": str(n.path), "items": n.items} for n in notices]}
        )
        return
    if not notices:
        render.done("没有承办单位超期，无需生成督办单。")
        return
    for n in notices:
        render.done(f"{n.unit}：{n.items} 项 → {n.path}")


# -- list, show, history, search -------------------------------------------------------


#: Above this many rows ``list`` prints plain columns instead of a Rich table.
LONG_LIST = 200


def list_(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", help="挂号月份 YYYY-MM。")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="状态：代码（handed_off）或中文（已交办）。")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="承办单位。")] = None,
    json: Json = False,
) -> None:
    """按月份、状态、单位列出诉求。

    示例：zuozhen list --month 2026-10 --status 已交办
    """
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.queries import list_appeals

    a = get_app(ctx)
    with a.reader() as r:
        rows = list_appeals(r, month=month, status=status, unit=unit)
    if json:
        render.emit_json({"appeals": rows})
        return
    if not rows:
        render.hint("没有符合条件的诉求。")
        return
    if len(rows) > LONG_LIST:  # a month of a province: plain columns, streamed
        render.columns(
            ["诉求号", "企业", "状态", "承办单位", "诉求"],
            (
                [x["id"], x["enterprise"], x["status_label"], "、".join(x["units"]), x["text"]]
                for x in rows
            ),
        )
        render.out().print(f"共 {len(rows)} 条。")
        return
    table = Table(pad_edge=False, show_edge=False)
    # One line per appeal: long names and texts end in "…" (zuozhen show has them whole).
    con = render.out()
    table.add_column("诉求号", no_wrap=True, min_width=12)
    table.add_column("企业", no_wrap=True, overflow="ellipsis", min_width=14, max_width=14)
    table.add_column("状态", no_wrap=True, min_width=8)
    table.add_column("承办单位", no_wrap=True, overflow="ellipsis", min_width=12, max_width=12)
    width = max(10, con.width - 12 - 14 - 8 - 12 - 14)
    table.add_column("诉求", no_wrap=True, overflow="ellipsis", max_width=width)
    for x in rows:
        table.add_row(
            x["id"],
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
    from zuozhen.commands import render
    from zuozhen.queries import show_appeal

    a = get_app(ctx)
    with a.reader() as r:
        view = show_appeal(r, appeal)
    if json:
        render.emit_json(view)
        return
    d = view.data
    con = render.out()
    e = render.escape
    con.print(
        f"[bold]诉求 {d['id']}[/bold]  {d['status_label']}"
        + (f"（第 {d['round']} 轮）" if d["round"] > 1 else "")
    )
    lines = [
        ("企业", f"{d['enterprise']}（{d['uscc']}）"),
        ("联系人", f"{d['contact']}  {d['phone']}"),
        ("诉求", d["text"]),
        (
            "类别/主题",
            f"{d['category']} / {d['theme'] or '—'}" + (f" / {d['class']}" if d["class"] else ""),
        ),
        (
            "挂号",
            f"{d['booking']}  {d['booked_on']}"
            + (f"  加号：{d['late_booking']}" if d["late_booking"] else ""),
        ),
        ("场次", f"{d['session'] or '—'}  {d['session_date'] or ''} {d['session_kind'] or ''}"),
        ("核实", str(d["verified_on"] or "—")),
        ("叫号", str(d["notified_on"] or "—")),
        (
            "坐诊",
            f"{d['heard_on'] or '—'}  {d['heard_by'] or ''}"
            + ("  现场解决" if d["resolved_on_spot"] else ""),
        ),
        ("承办单位", "、".join(d["units"]) or "—"),
        ("办结", f"{d['outcome'] or '—'}  {d['closed_on'] or ''}  {d['result'] or ''}"),
    ]
    for k, v in lines:
        con.print(f"  {k}：{e(str(v))}")
    if d["deadlines"]:
        con.print("[bold]期限[/bold]")
        for x in d["deadlines"]:
            flags = []
            if x["provisional"]:
                flags.append("暂定")
            if x["done_on"]:
                flags.append(f"{x['done_on']} 完成" + ("，逾期" if x["late"] else ""))
            else:
                flags.append("未完成")
            rule = "（延期/法定）" if x["rule"] == "fixed" else ""
            con.print(
                f"  第{x['round']}轮 {_step_label(x['step']):<10} {x['due']}{rule}  "
                f"{'，'.join(flags)}  {e(x['unit'] or '')}"
            )
    for h in d["handoffs"]:
        con.print(
            f"[bold]第 {h['round']} 轮交办[/bold] {h['handed_on']}  "
            f"{'联合' if h['joint'] else '单独'}：{e('、'.join(h['units']))}"
        )
        if h["accepted_on"]:
            con.print(
                f"  承办 {h['accepted_on']} {e(h['handler'] or '')}：{e(h['measures'] or '')}"
                f"，承诺 {h['promised_by']}"
                + ("  [red]逾期承办[/red]" if h["accepted_late"] else "")
            )
        if h["reported_on"]:
            con.print(
                f"  反馈 {h['reported_on']}：{e(h['report_text'] or '')}"
                + ("  [red]超期反馈[/red]" if h["reported_late"] else "")
            )
        if h["extensions"]:
            con.print(
                f"  延期 {h['extensions']} 次，现反馈期限 {h['report_due']}"
                f"（原 {h['report_due_original']}）"
                + (f"，依据 {e(h['legal_basis'])}" if h["legal_basis"] else "")
            )
    for x in d["extensions"]:
        con.print(f"  延期 {x['granted_on']}：{x['old_due']} → {x['new_due']}，{e(x['reason'])}")
    for t in d["ratings"]:
        con.print(
            f"[bold]评价[/bold] 第{t['round']}轮 {t['rated_on']}：服务{t['service']}，"
            f"办理{t['handling']}" + (f"。{e(t['comment'])}" if t["comment"] else "")
        )
    for v in d["revisits"]:
        con.print(
            f"[bold]回访[/bold] 第{v['round']}轮 {v['visited_on']}：{e(v['note'])}"
            + ("（退回重办）" if v["reopened"] else "")
        )


def history(
    ctx: typer.Context,
    appeal: AppealArg,
    json: Json = False,
) -> None:
    """查看一条诉求的留痕：谁、何时、按哪一天、做了什么。

    示例：zuozhen history 202610-007-1
    """
    from zuozhen.commands import render
    from zuozhen.queries import history as trail

    a = get_app(ctx)
    with a.reader() as r:
        rows = trail(r, appeal)
    if json:
        render.emit_json({"appeal": appeal.strip(), "events": rows})
        return
    from rich.padding import Padding

    con = render.out()
    for t in rows:
        detail = t["detail"]
        text = (
            "；".join(
                f"{KEYS.get(k, k)}：{states.label(v) if k in ('status', 'was') else _plain(v)}"
                for k, v in detail.items()
                if v not in (None, "", [], {})
            )
            if isinstance(detail, dict)
            else str(detail)
        )
        action = ACTIONS.get(t["action"], t["action"])
        con.print(
            f"[bold]{t['as_of']}[/bold]  {render.escape(t['operator'])}  [bold]{action}[/bold]"
            f"  {t['entity_id']}  [dim]（录入于 {t['at'][:16].replace('T', ' ')} UTC）[/dim]"
        )
        if text:
            con.print(Padding(render.escape(text), (0, 0, 0, 4)))
    con.print(f"共 {len(rows)} 条留痕。")


def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="要搜索的文字（诉求内容、办理结果、问题类别等）。")],
    json: Json = False,
) -> None:
    """全文搜索诉求（支持中文）。

    示例：zuozhen search 电费补贴
    """
    from zuozhen.commands import render
    from zuozhen.queries import search as find

    a = get_app(ctx)
    with a.reader() as r:
        rows = find(r, text)
    if json:
        render.emit_json({"appeals": rows})
        return
    if not rows:
        render.hint(f"没有找到包含“{text}”的诉求。")
        return
    con = render.out()
    for x in rows:
        con.print(
            f"{x['id']}  {x['status_label']}  {render.escape(x['enterprise'])}  "
            f"{render.escape(x['text'][:60])}"
        )
    con.print(f"共 {len(rows)} 条。")


# -- report record ---------------------------------------------------------------------


def report_record(
    ctx: typer.Context,
    session: Annotated[str, typer.Option("--session", help="场次号，如 S202610-01。")],
    csv: Annotated[
        Path | None, typer.Option("--csv", help="另存为 CSV 文件（Excel/WPS 可直接打开）。")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的 CSV 文件。")] = False,
    json: Json = False,
) -> None:
    """《“坐诊”服务工作记录表》：一个场次的诉求、坐诊领导、现场答复或交办意见。

    示例：zuozhen report record --session S202610-01 --csv 记录表.csv
    """
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.queries import RECORD_HEADER, session_record

    a = get_app(ctx)
    with a.reader() as r:
        rec = session_record(r, session)
    if csv is not None:
        from zuozhen.files.csvout import write_csv

        # Refuses an existing file unless --force (never the case file itself) and
        # neutralises cells Excel would run as formulas.
        write_csv(csv, list(RECORD_HEADER), rec.table(), overwrite=force)
        render.done(f"已写入 {csv}（{len(rec.rows)} 条）。")
    if json:
        render.emit_json(rec)
        return
    if csv is not None:
        return
    s = rec.session
    con = render.out()
    con.print(
        f"[bold]《“坐诊”服务工作记录表》[/bold]  场次 {s['id']}  {s['date']} "
        f"{s['start']}–{s['end']}  {s['kind']}·{render.escape(s['theme'])}"
    )
    con.print(
        f"地点：{render.escape(s['place'])}  领衔：{render.escape(s['lead'] or '—')}  "
        f"参加单位：{render.escape('、'.join(s['units']))}"
    )
    table = Table(pad_edge=False, show_lines=True)
    for col in RECORD_HEADER:
        table.add_column(col, overflow="fold")
    for row in rec.table():
        table.add_row(*(render.escape(c) for c in row))
    con.print(table)
    con.print(f"共 {len(rec.rows)} 条诉求。")
