"""assign sheet | import: the unit's workbook of open items, and applying what it sent back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Force, Json, get_app, read

if TYPE_CHECKING:
    from zuozhen.unit_sheets import Imported, Rejected


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    assign = groups["assign"]
    assign.command("sheet")(assign_sheet)
    assign.command("import")(assign_import)


def assign_sheet(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option("--unit", help="承办单位（配置名单中的名称）。")],
    output: Annotated[Path, typer.Option("--output", help="要生成的工作簿（.xlsx）。")],
    force: Force = False,
    json: Json = False,
) -> None:
    """办理表：把单位未办结的交办事项写成 Excel 工作簿，发给单位填写承办、进展和反馈。

    每件一行：诉求号、企业、诉求内容、交办日期、承办期限、反馈期限、当前状态（锁定），
    以及单位填写的 承办人、办理措施、承诺办结日期、阶段进展、反馈内容（已记录的预先填好）。
    不含联系人和电话。单位填好交回后用 zuozhen assign import 导入。

    示例：zuozhen assign sheet --unit 省财政厅 --output 办理表-省财政厅.xlsx
    """
    from zuozhen import unit_sheets
    from zuozhen.commands import render

    today = get_app(ctx).today
    r = read(ctx, unit_sheets.write_sheet, today, unit, output, overwrite=force)
    if json:
        render.emit_json(r)
        return
    if not r.items:
        render.warn(f"{r.unit} 目前没有未办结的交办事项，工作簿只有表头。")
    render.done(
        f"已生成 {r.unit} 的办理表 {r.path}：未办结事项 {len(r.items)} 项"
        f"（牵头或单独承办 {r.leading} 项，配合 {len(r.items) - r.leading} 项）。"
    )
    render.hint(f"单位填好交回后：zuozhen assign import {r.path.name}")


def assign_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="办理表", help="单位交回的办理表（.xlsx）。")],
    strict: Annotated[bool, typer.Option("--strict", help="有任何一行有误时全部不导入。")] = False,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit", help="交回的单位；只在工作簿不是 assign sheet 生成、没有记录单位时需要。"
        ),
    ] = None,
    json: Json = False,
) -> None:
    """导入办理表：把单位填写的承办、阶段进展、反馈记入案卷（与 assign accept/progress/report 规则相同）。

    全部正确的行在一个事务中记录；有误的行逐行说明原因（行号为 Excel 左侧的行号），其余照常
    记录；--strict 则只要有一行有误就全部不导入。已记录过的内容跳过，同一文件再次导入不会
    重复记录。文件的 SHA-256 记入留痕。

    示例：zuozhen assign import 办理表-省财政厅.xlsx
    """
    from zuozhen import unit_sheets
    from zuozhen.commands import render

    a = get_app(ctx)
    case = a.open()
    try:
        try:
            r = unit_sheets.import_sheet(case, a.act, file, strict=strict, unit=unit)
        except unit_sheets.ImportRefused as exc:
            _list_rejected(exc.rejected)
            if json:
                render.emit_json(exc)
            raise
    finally:
        case.close()
    if r.rejected:
        _list_rejected(r.rejected)
    if json:
        render.emit_json(r)
        return
    _show(r)


def _list_rejected(rows: list[Rejected]) -> None:
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    con = render.err()
    con.print(f"[red]以下 {len(rows)} 行有误，未导入：[/red]")
    for x in rows[:200]:
        con.print(f"  第 {x.row} 行：{escape(x.error)}")
    if len(rows) > 200:
        con.print(f"  ……另有 {len(rows) - 200} 行（用 --json 可得到完整清单）")


ACTS = {"accept": "承办", "progress": "阶段进展", "report": "反馈", "part": "分工部分反馈"}


def _show(r: Imported) -> None:
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    name = Path(r.file).name
    for x in r.applied:
        acts = "、".join(ACTS[a] for a in x.acts)
        notes = f"（{'；'.join(x.notes)}）" if x.notes else ""
        render.out().print(f"  第 {x.row} 行  {x.appeal}  {acts}{escape(notes)}")
    if not r.applied:
        render.done(
            f"{name}（{r.unit}）没有新的内容：{len(r.skipped)} 行已记录过，"
            f"{len(r.empty)} 行未填写；案卷未改动。"
        )
        return
    render.done(
        f"已从 {name} 导入 {r.unit} 的办理情况 {len(r.applied)} 行；"
        f"已记录过而跳过 {len(r.skipped)} 行，未填写 {len(r.empty)} 行。"
    )
    if r.rejected:
        render.warn(
            f"另有 {len(r.rejected)} 行有误未导入（见上）：请单位改正后再交回，已导入的行不会重复记录。"
        )
