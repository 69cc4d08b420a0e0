"""triage: step 4 (接诊: 分类、分办、排诊、核实)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import AllowNew, Json, act, day_label

if TYPE_CHECKING:
    from zuozhen.triage import Triaged


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("triage")(triage)


# -- triage ------------------------------------------------------------------------------


def triage(
    ctx: typer.Context,
    appeal: Annotated[str, typer.Argument(metavar="诉求号", help="如 202610-007-1。")],
    theme: Annotated[str | None, typer.Option("--theme", help="主题（专场主题）。")] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", help="联合坐诊/承办单位；可重复，第一个为牵头单位。"),
    ] = None,
    session: Annotated[
        str | None, typer.Option("--session", help="排入的坐诊场次号，如 S202610-01。")
    ] = None,
    problem_class: Annotated[
        str | None,
        typer.Option("--class", help="共性诉求类别（自由填写；会提示已用过的相近类别）。"),
    ] = None,
    verified: Annotated[
        bool, typer.Option("--verified", help="已与企业对接核实（记为今天）。")
    ] = False,
    allow_new: AllowNew = False,
    late_call: Annotated[
        str | None,
        typer.Option(
            "--late-call",
            help="排入已来不及按时叫号的场次（坐诊前 3 日已过）的理由；记入留痕，叫号记为逾期。",
        ),
    ] = None,
    scope: Annotated[
        str | None, typer.Option("--scope", help="全局工作 或 部门任务（种子 003 分类）。")
    ] = None,
    need: Annotated[str | None, typer.Option("--need", help="共性需求 或 个性诉求。")] = None,
    nature: Annotated[str | None, typer.Option("--nature", help="政策措施 或 程序规范。")] = None,
    handling: Annotated[
        str | None,
        typer.Option("--handling", help="办理方式：部门即办、分发交办、领导批办、专题会办。"),
    ] = None,
    json: Json = False,
) -> None:
    """接诊：分类梳理、科学分办、排入场次、记录对接核实。

    不指定 --session 时状态为“已分办”；指定后为“已排诊”，并按场次日期开始叫号期限
    （提前 3 天）。改排到其他场次时，已叫号的诉求须重新叫号。主题和单位须在配置名单中
    （zuozhen config show），不在名单中的拒绝并提示相近名称，确是新的加 --allow-new。
    叫号期限已过的场次不能排入（会提示下一场来得及叫号的场次），确需排入的加 --late-call 理由。
    从其他渠道受理（zuozhen intake）的诉求不排场次：用 --unit 分办后为“待交办”，再交办。
    --scope、--need、--nature、--handling 记录“三个听取”的分类和办理方式（坐诊诉求也可用）。

    示例：zuozhen triage 202610-007-1 --theme 政策兑现 --unit 省财政厅 --session S202610-01 --verified
    """
    from zuozhen import states, triage
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    r = act(
        ctx,
        triage.triage,
        appeal,
        theme=theme,
        units=list(unit or []),
        session=session,
        problem_class=problem_class,
        verified=verified,
        allow_new=allow_new,
        late_call=late_call,
        classes={"scope": scope, "need": need, "nature": nature, "handling": handling},
    )
    for w in r.warnings:
        render.warn(w)
    for h in r.hints:
        render.hint(h)
    if json:
        render.emit_json(r)
        return
    _show_triaged(r, states.label(r.status), escape)


def _show_triaged(r: Triaged, status: str, escape: Callable[[str], str]) -> None:
    from rich.table import Table

    from zuozhen.commands import render

    render.done(f"诉求 {r.appeal} 已接诊，状态：{status}。")
    con = render.out()
    rows = [
        ("主题", escape(r.theme) if r.theme else "—"),
        (
            "单位",
            escape("、".join(r.units)) + ("（第一个牵头）" if len(r.units) > 1 else "")
            if r.units
            else "—",
        ),
        ("共性类别", escape(r.problem_class) if r.problem_class else "—"),
        (
            "场次",
            f"{r.session}  {day_label(r.session_date)}" if r.session and r.session_date else "—",
        ),
    ]
    if r.verify_due is not None:
        if r.verified_on is not None:
            flag = "  [red]逾期核实[/red]" if r.verify_late else ""
            rows.append(
                (
                    "核实",
                    f"{r.verified_on.isoformat()} 已核实（期限 {r.verify_due.isoformat()}）{flag}",
                )
            )
        else:
            rows.append(("核实期限", day_label(r.verify_due)))
    elif r.verified_on is not None:
        rows.append(("核实", f"{r.verified_on.isoformat()} 已核实"))
    if r.notify_by is not None:
        again = "（场次变更，须重新叫号）" if r.renotify else ""
        if r.late_call:
            again += f"  [red]逾期叫号[/red]（{escape(r.late_call)}）"
        rows.append(("叫号期限", f"{day_label(r.notify_by)}{again}"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for k, v in rows:
        grid.add_row(k, v)
    con.print(grid)
    if r.status == "referred":
        render.hint(f"下一步：交办 zuozhen assign to {r.appeal} --unit 单位")
    elif r.status == "received":
        render.hint(f"下一步：分办 zuozhen triage {r.appeal} --unit 单位")
    elif r.session is None:
        render.hint(
            f"下一步：排入坐诊场次 zuozhen triage {r.appeal} --session 场次号（zuozhen session list 查看）"
        )
    else:
        render.hint(f"下一步：叫号 zuozhen notify --session {r.session}")
