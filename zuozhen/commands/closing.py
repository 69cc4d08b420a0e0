"""close, rate: steps 7 and 8 (销号, 诊后评价)."""

from __future__ import annotations

from typing import Annotated

import typer

from zuozhen.commands.common import AppealArg, Json, act


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("close")(close)
    app.command("rate")(rate)


# -- close, rate -----------------------------------------------------------------------


def close(
    ctx: typer.Context,
    appeal: AppealArg,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome", help="办结方式：已解决、解释说明，或 转送（不属本方案受理范围）。"
        ),
    ],
    result: Annotated[
        str,
        typer.Option(
            "--result",
            help="办理结果；解释说明时写明向企业所作的解释；转送时写明转送去向和告知企业的情况。",
        ),
    ],
    json: Json = False,
) -> None:
    """销号：承办单位反馈后，以“已解决”或“解释说明”办结。

    不属本方案受理范围的诉求，在交办之前（任何渠道、任何未办结状态）可用 --outcome 转送
    办结：--result 写明转送去向并已告知企业；转送的诉求没有承办单位，不等待评价。

    示例：zuozhen close 202610-007-1 --outcome 已解决 --result "补贴已拨付，企业确认"

    示例：zuozhen close J202612-0001-1 --outcome 转送 --result "转送至市信访局，已告知企业"
    """
    from zuozhen import closing
    from zuozhen.commands import render

    r = act(ctx, closing.close_out, appeal, outcome=outcome, result=result)
    if r.rate_due is not None:
        next_step = (
            f"下一步：请企业评价 zuozhen rate {r.appeal} --service … --handling …"
            f"（{r.rate_due.isoformat()} 前）"
        )
    elif r.outcome == "转送":
        next_step = "已转送，无需评价。"
    else:
        next_step = f"台账事项已销号：zuozhen ledger show {r.appeal.rsplit('-', 1)[0]} 查看整改进度"
    render.outcome(r, json, said=f"诉求 {r.appeal} 已销号（{r.outcome}）。", next_step=next_step)


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
    from zuozhen import closing
    from zuozhen.commands import render

    r = act(ctx, closing.rate, appeal, service=service, handling=handling, comment=comment)
    render.outcome(
        r,
        json,
        said=f"诉求 {r.appeal} 的评价已记录：坐诊服务 {r.service}，办理情况 {r.handling}。",
        warning=f"企业不满意，须于 {r.revisit_due.isoformat()} 前督办回访："
        f"zuozhen audit revisit {r.appeal} --note 回访情况 [--reopen]"
        if r.dissatisfied and r.revisit_due
        else None,
    )
