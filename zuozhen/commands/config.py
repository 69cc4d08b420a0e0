"""config show | add | retire: the names a clerk may use for units, regions and themes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from zuozhen.commands.common import Json, act, read

if TYPE_CHECKING:
    from zuozhen.names import Changed, Kind, Lists


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["config"]
    group.command("show")(show)
    group.command("add")(add)
    group.command("retire")(retire)


Units = Annotated[list[str] | None, typer.Option("--unit", help="单位名称；可写多次。")]
Regions = Annotated[list[str] | None, typer.Option("--region", help="地区名称；可写多次。")]
Themes = Annotated[list[str] | None, typer.Option("--theme", help="主题名称；可写多次。")]
Reason = Annotated[str | None, typer.Option("--reason", help="原因（记入留痕）。")]


def show(ctx: typer.Context, json: Json = False) -> None:
    """查看配置的名单：单位、地区、主题（在用和已停用的），以及名单的增补、停用记录。

    示例：zuozhen config show
    """
    from zuozhen import names
    from zuozhen.commands import render

    lists = read(ctx, names.show)
    if json:
        render.emit_json(lists)
        return
    _print_lists(lists)


LIMIT_WORDS = {
    "verify": "核实",
    "plan": "承办",
    "report_single": "单独交办反馈",
    "report_joint": "联合交办反馈",
    "rate": "评价",
    "revisit": "回访",
    "handoff": "交办",
    "close": "销号",
}


def _print_channels(channels: list[dict[str, Any]]) -> None:
    """The channels: name, whether they carry their own number, cadence, own limits."""
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    con = render.out()
    con.print(f"[bold]诉求渠道[/bold]（{len(channels)} 个）")
    table = Table(show_header=True, pad_edge=False, box=None, padding=(0, 2, 0, 2))
    table.add_column("渠道", no_wrap=True)
    table.add_column("编号", no_wrap=True)
    table.add_column("举办频次（每单位）", no_wrap=True)
    table.add_column("期限", overflow="fold")
    for c in channels:
        own = "、".join(f"{LIMIT_WORDS.get(k, k)} {v} 个工作日" for k, v in c["limits"].items())
        table.add_row(
            escape(c["name"]),
            "带编号" if c["number"] else "—",
            c["cadence_text"] or "—",
            escape(own) if own else "三办一销号期限",
        )
    con.print(table)


def _print_lists(lists: Lists) -> None:
    from rich.padding import Padding

    from zuozhen import names
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    con = render.out()
    for kind in names.KINDS:
        active = lists.lists[kind.key]
        con.print(f"[bold]{kind.label}[/bold]（{len(active)} 个）")
        con.print(Padding(escape("、".join(active) or "—"), (0, 0, 0, 2)))
        gone = lists.retired[kind.key]
        if gone:
            con.print(Padding(f"[dim]已停用：{escape('、'.join(gone))}[/dim]", (0, 0, 0, 2)))
    con.print(f"[bold]诉求类别[/bold]  {escape('、'.join(lists.categories))}")
    if lists.documents:
        d = lists.documents
        prefix = d["number_prefix"]
        con.print(
            f"[bold]公文[/bold]  发文机关标志：{escape(d['office'])}  落款：{escape(d['signature'])}  "
            f"发文字号：{escape(prefix + '督〔年份〕N号') if prefix else '（不编号）'}  "
            f"督办单回复期限：{d['reply_days']} 个工作日"
        )
    if lists.channels:
        _print_channels(lists.channels)
    if lists.changes:
        con.print("[bold]名单变更[/bold]")
        labels = {k.key: k.label for k in names.KINDS}
        for c in lists.changes:
            verb = "停用" if c["new"] == names.RETIRED else "恢复" if c["old"] else "增补"
            why = f"：{c['reason']}" if c.get("reason") else ""
            con.print(
                f"  {c['as_of'].isoformat()}  {escape(c['operator'])}  {verb}"
                f"{labels.get(c['list'], '')}“{escape(c['name'])}”（{escape(c['via'] or '')}）"
                f"{escape(why)}"
            )
    render.hint(
        "增补：zuozhen config add --unit 名称；停用：zuozhen config retire --unit 名称"
        "（停用的名称仍可用于查询已有记录，不能用于新的登记）。"
    )


def _given(
    units: list[str] | None, regions: list[str] | None, themes: list[str] | None
) -> list[tuple[Kind, str]]:
    from zuozhen import names
    from zuozhen.errors import InputError

    pairs = [
        *((names.UNIT, v) for v in units or []),
        *((names.REGION, v) for v in regions or []),
        *((names.THEME, v) for v in themes or []),
    ]
    if not pairs:
        raise InputError("请用 --unit、--region 或 --theme 指定名称，例如 --unit 省教育厅。")
    return pairs


def _change(
    ctx: typer.Context, new: str, pairs: list[tuple[Kind, str]], reason: str | None
) -> list[Changed]:
    """All the names given in one transaction: a refusal leaves every list as it was."""
    from zuozhen import names

    done: list[Changed] = act(ctx, names.change_many, new, pairs, reason=reason)
    return done


def _report(done: list[Changed], json: bool) -> None:
    from zuozhen.commands import render

    if json:
        render.emit_json({"changes": done})
        for c in done:
            for w in c.warnings:
                render.warn(w)
        return
    for c in done:
        if c.new == "retired":
            render.done(f"已停用{c.label}“{c.name}”：不再用于新的登记，已有记录和查询不受影响。")
        elif c.old == "retired":
            render.done(f"已恢复使用{c.label}“{c.name}”。")
        else:
            render.done(f"已把{c.label}“{c.name}”加入名单。")
        for w in c.warnings:
            render.warn(w)


def add(
    ctx: typer.Context,
    unit: Units = None,
    region: Regions = None,
    theme: Themes = None,
    reason: Reason = None,
    json: Json = False,
) -> None:
    """增补名单：加入新的单位、地区或主题，或恢复已停用的名称（记入留痕）。

    示例：zuozhen config add --unit 省教育厅 --reason "教育部门参加专场"
    """
    from zuozhen import names

    _report(_change(ctx, names.ACTIVE, _given(unit, region, theme), reason), json)


def retire(
    ctx: typer.Context,
    unit: Units = None,
    region: Regions = None,
    theme: Themes = None,
    reason: Reason = None,
    json: Json = False,
) -> None:
    """停用名称：不再用于新的登记；已有诉求和按它查询不受影响（记入留痕）。

    示例：zuozhen config retire --unit 省商务局 --reason "录入笔误，应为省商务厅"
    """
    from zuozhen import names

    _report(_change(ctx, names.RETIRED, _given(unit, region, theme), reason), json)
