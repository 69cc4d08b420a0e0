"""amend: correct what was recorded wrongly (更正), with a reason; and its lines in ``show``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from zuozhen.commands.common import AllowNew, AppealArg, Json, act, warn_all


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("amend")(amend)


def amend(
    ctx: typer.Context,
    appeal: AppealArg,
    reason: Annotated[str, typer.Option("--reason", help="更正原因（记入留痕）。")],
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="原单位=正确单位：更正承办单位，未完成的期限随之转到正确单位。",
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="所属地区（企业的信息，该企业的诉求一并更正）。")
    ] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="主题。")] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="诉求类别：政策咨询、服务需求或意见建议。")
    ] = None,
    problem_class: Annotated[str | None, typer.Option("--class", help="共性诉求类别。")] = None,
    text: Annotated[str | None, typer.Option("--text", help="诉求内容。")] = None,
    result: Annotated[
        str | None, typer.Option("--result", help="办理结果（当前轮次或最近一次销号的）。")
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="办结方式：已解决或解释说明（当前轮次或最近一次销号的）。"),
    ] = None,
    handler: Annotated[str | None, typer.Option("--handler", help="承办人（当前轮次）。")] = None,
    measures: Annotated[
        str | None, typer.Option("--measures", help="办理措施（当前轮次）。")
    ] = None,
    allow_new: AllowNew = False,
    json: Json = False,
) -> None:
    """更正登记有误的内容：留痕记下原值、新值和原因；评价是企业的，不能更正。

    可更正诉求内容、类别、主题、共性类别、所属地区、承办单位（原单位=正确单位）、承办人、
    办理措施、办结方式和办理结果；与原值相同的不记录。已撤回、作废或合并的诉求不能更正。

    示例：zuozhen amend 202610-003-1 --unit 省商务局=省商务厅 --reason "交办时单位名称录错"

    示例：zuozhen amend 202610-003-1 --result "已兑现补贴 12 万元" --reason "金额笔误"
    """
    from zuozhen import amend as step
    from zuozhen.commands import render

    what = step.given(
        text=text,
        category=category,
        theme=theme,
        problem_class=problem_class,
        region=region,
        unit=unit,
        handler=handler,
        measures=measures,
        result=result,
        outcome=outcome,
        allow_new=allow_new,
    )
    r = act(ctx, step.amend, appeal, reason=reason, what=what)
    warn_all(r.notes)
    if r.unchanged:
        render.warn(render.escape(f"{'、'.join(r.unchanged)}与原值相同，未作更正。"))
    details = [f"  {render.escape(step.describe(c.as_json()))}" for c in r.changes]
    if r.moved:
        from zuozhen.supervision import step_label

        moved = "、".join(f"{step_label(s)}（{d.isoformat()}）" for s, _, d in r.moved)
        details.append(f"  未完成的期限已转到正确单位：{moved}")
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 已更正 {len(r.changes)} 项（原因：{render.escape(r.reason)}）。",
        details=details,
        next_step=f"查看：zuozhen show {r.appeal}（更正记录）",
    )


def print_amendments(rows: list[dict[str, Any]]) -> None:
    """``show``: the 更正记录 section — when, who, field, old → new, reason."""
    from zuozhen import amend as step
    from zuozhen.commands import render

    if not rows:
        return
    con = render.out()
    con.print(f"[bold]更正记录[/bold]（{len(rows)} 次）")
    for x in rows:
        entered = str(x["at_local"])[:16].replace("T", " ")
        con.print(
            f"  {x['as_of']}  {render.escape(x['operator'])}  "
            f"[dim]（录入于 {entered}）[/dim]  原因：{render.escape(x['reason'] or '')}"
        )
        for c in x["changes"]:
            con.print(f"    {render.escape(step.describe(c))}")
