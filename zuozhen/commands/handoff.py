"""assign to | accept | report | extend | return | progress: step 7 (交办、承办、反馈、延期、退回、阶段性进展)."""

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
    assign.command("return")(assign_return)
    assign.command("progress")(assign_progress)


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
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit", help="联合交办的配合单位反馈其分工部分时填写；不填或填牵头单位为最终反馈。"
        ),
    ] = None,
    json: Json = False,
) -> None:
    """反馈：承办单位反馈办理情况；联合交办时配合单位用 --unit 反馈其分工部分。

    只有牵头单位的反馈（不带 --unit，或 --unit 为牵头单位）完成反馈环节；配合单位的分工部分
    每个单位一次，与牵头单位的反馈一并在 zuozhen show 中列出。

    示例：zuozhen assign report 202610-007-1 --text "补贴已于10月15日拨付到位"

    示例：zuozhen assign report 202610-008-1 --unit 省税务局 --text "退税部分已办结"
    """
    from zuozhen import handoff
    from zuozhen.commands import render

    r = act(ctx, handoff.report_back, appeal, text=text, unit=unit)
    waiting = f"尚待配合单位 {'、'.join(r.waiting)} 反馈分工部分。" if r.waiting else None
    if r.part:
        render.outcome(
            r,
            json,
            said=f"诉求 {r.appeal} 已记录 {r.unit} 的分工部分反馈。",
            warning=f"晚于反馈期限 {r.report_due.isoformat()}。" if r.late else None,
            next_step=waiting
            or f"下一步：牵头单位反馈办理情况 zuozhen assign report {r.appeal} --text …",
        )
        return
    late = f"反馈晚于期限 {r.report_due.isoformat()}，已记为超期反馈。" if r.late else None
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 的办理情况已反馈。",
        warning=" ".join(w for w in (late, waiting) if w) or None,
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


def assign_return(
    ctx: typer.Context,
    appeal: AppealArg,
    unit: Annotated[str, typer.Option("--unit", help="提出退回的承办单位（本轮交办的单位之一）。")],
    reason: Annotated[
        str, typer.Option("--reason", help="退回理由，例如“不属于本单位职责”及应由哪个单位办理。")
    ],
    json: Json = False,
) -> None:
    """退回：承办单位认为不属于本单位职责，说明理由退回；诉求回到待交办，重新交办为新的一轮。

    承办期限内、外均可退回（超过承办期限的记为逾期退回）；本轮未完成的期限取消，该单位
    不再列为承办单位，退回记录在本轮交办中（zuozhen show、zuozhen history 可查）。

    示例：zuozhen assign return 202610-007-1 --unit 省商务厅 --reason "不属于本单位职责，建议交省工业和信息化厅"
    """
    from zuozhen import handoff
    from zuozhen.commands import render

    r = act(ctx, handoff.return_, appeal, unit=unit, reason=reason)
    rest = f"，现余承办单位：{'、'.join(r.units)}" if r.units else ""
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 第 {r.round} 轮已由 {r.unit} 退回{rest}，等待重新交办。",
        warning=f"退回晚于承办期限 {r.plan_due.isoformat()}，已记为逾期退回。" if r.late else None,
        next_step=f"下一步：重新交办 zuozhen assign to {r.appeal} --unit 承办单位"
        f"（第 {r.round + 1} 轮）",
    )


def assign_progress(
    ctx: typer.Context,
    appeal: AppealArg,
    text: Annotated[str, typer.Option("--text", help="阶段性进展情况。")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="报送单位（本轮承办单位之一），默认牵头单位。")
    ] = None,
    json: Json = False,
) -> None:
    """阶段性进展：承办单位在反馈之前报送办理进展，可多次报送，不影响各环节期限。

    示例：zuozhen assign progress 202610-007-1 --text "已完成现场踏勘，正在会商方案"
    """
    from zuozhen import handoff
    from zuozhen.commands import render

    r = act(ctx, handoff.progress, appeal, text=text, unit=unit)
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 已记录 {r.unit} 的第 {r.count} 次阶段性进展（{r.reported_on.isoformat()}）。",
    )
