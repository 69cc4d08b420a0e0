"""assign to | accept | report | extend: step 7 (交办、承办、反馈、延期)."""

from __future__ import annotations

from typing import Annotated

import typer

from zuozhen.commands.common import AllowNew, AppealArg, Json, act, optional_date


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    assign = groups["assign"]
    assign.command("to")(assign_to)
    assign.command("accept")(assign_accept)
    assign.command("report")(assign_report)
    assign.command("extend")(assign_extend)


# -- assign ----------------------------------------------------------------------------


def assign_to(
    ctx: typer.Context,
    appeal: AppealArg,
    unit: Annotated[
        list[str], typer.Option("--unit", help="承办单位；可重复，多个单位时第一个为牵头单位。")
    ],
    allow_new: AllowNew = False,
    json: Json = False,
) -> None:
    """交办：一个单位为单独交办，多个单位为联合交办（第一个牵头）。

    单位须在配置名单中（zuozhen config show）；不在名单中的拒绝并提示相近名称，
    确是新的单位加 --allow-new 加入名单。

    示例：zuozhen assign to 202610-007-1 --unit 省财政厅 --unit 省税务局
    """
    from zuozhen import handoff
    from zuozhen.commands import render

    r = act(ctx, handoff.hand_off, appeal, list(unit), allow_new=allow_new)
    for w in r.warnings:
        render.warn(w)
    kind = f"联合交办（牵头：{r.lead_unit}）" if r.joint else "单独交办"
    rnd = f"第 {r.round} 轮" if r.round > 1 else ""
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 已{rnd}{kind}：{'、'.join(r.units)}。",
        details=[
            f"  明确承办人、时限、措施：{r.plan_due.isoformat()} 前",
            f"  办理反馈：            {r.report_due.isoformat()} 前",
        ],
        warning="期限落在尚未公布放假安排的年份，为暂定日期；载入官方安排后会自动重算。"
        if r.provisional
        else None,
        next_step=f"下一步：zuozhen assign accept {r.appeal} --handler 承办人 --measures 措施",
    )


def assign_accept(
    ctx: typer.Context,
    appeal: AppealArg,
    handler: Annotated[str, typer.Option("--handler", help="承办人。")],
    measures: Annotated[str, typer.Option("--measures", help="办理措施（联合交办写明分工）。")],
    by: Annotated[
        str | None,
        typer.Option("--by", help="承诺办结日期：工作日，不晚于反馈期限；默认为反馈期限。"),
    ] = None,
    json: Json = False,
) -> None:
    """承办：承办单位明确承办人、办理措施和承诺办结日期。

    示例：zuozhen assign accept 202610-007-1 --handler 李四 --measures "核查并兑现补贴" --by 2026-10-20
    """
    from zuozhen import handoff
    from zuozhen.commands import render

    r = act(
        ctx,
        handoff.undertake,
        appeal,
        handler=handler,
        measures=measures,
        by=optional_date(by, "--by 承诺日期"),
    )
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 已由 {r.handler} 承办，承诺 {r.promised_by.isoformat()} 前办结。",
        warning=f"承办确认晚于期限 {r.plan_due.isoformat()}，已记为逾期承办。" if r.late else None,
        next_step=f"下一步：办理后反馈 zuozhen assign report {r.appeal} --text 办理情况"
        f"（期限 {r.report_due.isoformat()}）",
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
    from zuozhen import handoff
    from zuozhen.commands import render

    r = act(ctx, handoff.report_back, appeal, text=text)
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 的办理情况已反馈。",
        warning=f"反馈晚于期限 {r.report_due.isoformat()}，已记为超期反馈。" if r.late else None,
        next_step=f"下一步：销号 zuozhen close {r.appeal} --outcome 已解决 --result 办理结果",
    )


def assign_extend(
    ctx: typer.Context,
    appeal: AppealArg,
    to: Annotated[str, typer.Option("--to", help="新的反馈期限：工作日，须晚于现行期限。")],
    reason: Annotated[str, typer.Option("--reason", help="承办单位书面申请的延期理由。")],
    basis: Annotated[
        str | None, typer.Option("--basis", help="法律法规另有时限规定的，写明依据（从其规定）。")
    ] = None,
    json: Json = False,
) -> None:
    """延期：承办单位书面说明理由后延长反馈期限，或按法律法规规定的时限办理。

    示例：zuozhen assign extend 202610-007-1 --to 2026-11-20 --reason "需跨部门会商" --basis "《行政许可法》第四十二条"
    """
    from zuozhen import handoff
    from zuozhen.commands import render

    new = optional_date(to, "--to 新期限")
    assert new is not None
    r = act(ctx, handoff.extend, appeal, to=new, reason=reason, basis=basis)
    law = f"，依据：{r.basis}" if r.basis else ""
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 反馈期限由 {r.old_due.isoformat()} 延至 {r.new_due.isoformat()}"
        f"（第 {r.extensions} 次延期{law}）。",
    )
