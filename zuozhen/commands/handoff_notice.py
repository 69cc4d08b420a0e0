"""assign notice: the 交办单 as a Word 公文, for one hand-off or a unit's open ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zuozhen.commands.common import Force, Json, get_app


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["assign"].command("notice")(assign_notice)


def assign_notice(
    ctx: typer.Context,
    appeal: Annotated[
        str | None, typer.Argument(metavar="诉求号", help="如 202610-007-1（与 --unit 二选一）。")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Word 文件名，以 .docx 结尾。")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="一个单位全部在办（已交办、已承办）事项的交办单，每件一页。"),
    ] = None,
    force: Force = False,
    json: Json = False,
) -> None:
    """交办单（Word 公文）：一件诉求最近一次交办的交办单，或一个单位全部在办事项的交办单。

    示例：zuozhen assign notice 202610-007-1 --output 交办单-202610-007-1.docx
    示例：zuozhen assign notice --unit 省财政厅 --output 交办单-省财政厅.docx
    """
    from zuozhen import handoff_notice, word
    from zuozhen.commands import render
    from zuozhen.errors import InputError
    from zuozhen.files.gongwen import save
    from zuozhen.files.outfiles import check_target

    if (appeal is None) == (unit is None):
        raise InputError(
            "请写一个诉求号（该诉求的交办单），或用 --unit 单位（该单位全部在办事项），二者选一。"
        )
    if output is None:
        raise InputError("交办单要写入 Word 文件：请加 --output 交办单.docx。")
    check_target(output, overwrite=force, fmt="docx", option="--output")
    with get_app(ctx).reader() as r:
        if appeal is not None:
            notices = [handoff_notice.for_appeal(r, appeal)]
        else:
            assert unit is not None
            notices = handoff_notice.for_unit(r, unit)
    if not notices:
        raise InputError(f"{unit} 目前没有在办（已交办、已承办未反馈）的事项，未生成交办单。")
    save(word.handoff_notices(notices), output, overwrite=force)
    if json:
        render.emit_json({"path": str(output), "notices": [n.as_json() for n in notices]})
        return
    for n in notices:
        render.done(f"{n.number}  {n.appeal} → {'、'.join(n.units)}")
    render.done(f"已写入 {output}（{len(notices)} 份交办单）。")
