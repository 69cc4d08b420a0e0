"""withdraw, merge: an appeal that ends without being closed (撤回、作废、合并)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import AppealArg, Json, act

if TYPE_CHECKING:
    from zuozhen.withdrawal import Ended


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("withdraw")(withdraw)
    app.command("merge")(merge)


def withdraw(
    ctx: typer.Context,
    appeal: AppealArg,
    reason: Annotated[str, typer.Option("--reason", help="撤回或作废的原因（记入留痕）。")],
    void: Annotated[
        bool, typer.Option("--void", help="作废：误录、测试等错误登记的诉求，不计入任何统计。")
    ] = False,
    json: Json = False,
) -> None:
    """企业撤回诉求，或 --void 作废误录的诉求；办理结束，未完成的期限全部取消，不再列入督办。

    撤回的诉求仍计入受理诉求（另注“企业撤回”），作废的诉求不计入任何统计。已销号或已评价的
    诉求已经办结，不能撤回或作废。

    示例：zuozhen withdraw 202610-007-1 --reason "企业来电撤回，问题已自行解决"

    示例：zuozhen withdraw 202610-009-1 --void --reason "培训时录入的测试数据"
    """
    from zuozhen import withdrawal

    r = act(ctx, withdrawal.withdraw, appeal, reason=reason, void=void)
    from zuozhen.appeals import is_ledger_item

    what = "已作废（不计入统计）" if r.status == "void" else "已由企业撤回"
    if r.status != "void" and is_ledger_item(r.appeal):  # no enterprise: the item is dropped
        what = "已撤销（台账事项不再推进，不计入完成率）"
    _said(r, json, f"诉求 {r.appeal} {what}。")


def merge(
    ctx: typer.Context,
    appeal: AppealArg,
    into: Annotated[str, typer.Option("--into", help="它所重复的诉求号（保留办理的那一项）。")],
    reason: Annotated[str, typer.Option("--reason", help="合并原因（记入留痕）。")],
    json: Json = False,
) -> None:
    """合并重复诉求：把该诉求并入 --into 所指的诉求，只在那一项中统计和办理。

    并入的诉求办理结束，未完成的期限全部取消；其内容和企业在 zuozhen show 主诉求 中列出。
    不能并入自身、已合并、已作废或已撤回的诉求，已有其他诉求并入的诉求也不能再并入别处。

    示例：zuozhen merge 202610-012-1 --into 202610-003-1 --reason "同一企业重复提交"
    """
    from zuozhen import withdrawal

    r = act(ctx, withdrawal.merge, appeal, into=into, reason=reason)
    _said(r, json, f"诉求 {r.appeal} 已并入 {r.into}，今后在 {r.into} 中办理和统计。")


def _said(r: Ended, json: bool, said: str) -> None:
    from zuozhen.commands import render
    from zuozhen.supervision import step_label

    for w in r.warnings:
        render.warn(render.escape(w))
    dropped = "、".join(f"{step_label(s)}（{d.isoformat()}）" for s, _, d in r.dropped)
    render.outcome(
        r,
        json,
        said=said,
        details=[f"  已取消未完成的期限：{dropped}"] if dropped else [],
        next_step=f"查看：zuozhen show {r.into or r.appeal}",
    )
