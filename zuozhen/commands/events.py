"""event add | list, audit cadence: the held days of the other channels and their cadence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import AllowNew, Json, act, get_app, warn_all

if TYPE_CHECKING:
    from zuozhen.cadence import CadenceReport, CadenceRow
    from zuozhen.events import Event


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["event"]
    group.command("add")(add)
    group.command("list")(list_)
    groups["audit"].command("cadence")(cadence)


QuarterOpt = Annotated[str | None, typer.Option("--quarter", help="季度，YYYYQn，例如 2026Q4。")]


def _event_table(rows: list[Event], title: str | None = None) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.deadlines import weekday_zh

    table = Table(title=title, pad_edge=False, box=box.SIMPLE_HEAD)
    table.add_column("编号", no_wrap=True)
    table.add_column("渠道", no_wrap=True)
    table.add_column("日期", no_wrap=True)
    table.add_column("举办单位 / 带队", min_width=12, overflow="fold")
    table.add_column("主题", overflow="fold")
    table.add_column("诉求", overflow="fold")
    for e in rows:
        units = "、".join(e.units) + (f"\n带队：{e.lead}" if e.lead else "")
        table.add_row(
            e.id,
            render.escape(e.channel),
            f"{e.date.isoformat()} {weekday_zh(e.date)}",
            render.escape(units),
            render.escape(e.theme or "—"),
            "、".join(e.appeals) or "—",
        )
    render.out().print(table)


def add(
    ctx: typer.Context,
    channel: Annotated[
        str, typer.Option("--channel", help="渠道：接待日、同心谈、会客厅、走访等。")
    ],
    date: Annotated[str, typer.Option("--date", help="举办日期 YYYY-MM-DD（不晚于今天）。")],
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", help="举办单位，可写多次，第一个为牵头单位。"),
    ] = None,
    lead: Annotated[str | None, typer.Option("--lead", help="带队领导。")] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="主题（须在配置名单中）。")] = None,
    allow_new: AllowNew = False,
    json: Json = False,
) -> None:
    """记录已举办的活动日：企业接待日、政企同心谈、营商会客厅、走访等（坐诊场次用 session plan）。

    渠道须在配置 [channels] 中；按工单编号受理的渠道（12345、投诉）没有活动日。
    日期不能晚于今天，也不能早于案卷起始年份；节假日、周末也可以（走访常在周末）。
    单位、主题须在配置名单中。同一渠道、同一天、同样单位的活动不重复记录。
    活动中受理的诉求用 zuozhen intake --event 编号 录入，与活动关联。

    示例：zuozhen event add --channel 接待日 --date 2026-10-09 --unit 市发展改革委 --lead 副主任
    """
    from zuozhen import events as domain
    from zuozhen.commands import render
    from zuozhen.validation import parse_date

    day = parse_date(date, "活动日期")
    added = act(
        ctx,
        domain.add_event,
        channel=channel,
        day=day,
        units=unit or [],
        lead=lead,
        theme=theme,
        allow_new=allow_new,
    )
    if json:
        render.emit_json(added)
        warn_all(added.warnings)
        return
    e = added.event
    _event_table([e])
    render.done(f"已记录{e.channel}活动 {e.id}：{e.date.isoformat()}，{'、'.join(e.units)}。")
    warn_all(added.warnings)
    render.hint(f"活动中受理的诉求：zuozhen intake --channel {e.channel} --event {e.id} …")


def list_(ctx: typer.Context, quarter: QuarterOpt = None, json: Json = False) -> None:
    """查看活动日（接待日、同心谈、会客厅、走访等）及其受理的诉求。

    示例：zuozhen event list --quarter 2026Q4
    """
    from zuozhen.commands import render
    from zuozhen.events import list_events
    from zuozhen.reports import Quarter

    q = Quarter.parse(quarter) if quarter is not None else None
    with get_app(ctx).reader() as r:
        rows = list_events(r, q)
    if json:
        render.emit_json({"quarter": q.code if q else None, "events": rows})
        return
    where = f"{q.title}" if q else ""
    if not rows:
        render.out().print(f"{where}还没有记录活动日。")
        render.hint("记录：zuozhen event add --channel 接待日 --date 日期 --unit 单位")
        return
    _event_table(rows, f"{where}活动日")
    counts: dict[str, int] = {}
    for e in rows:
        counts[e.channel] = counts.get(e.channel, 0) + 1
    render.out().print(
        f"共 {len(rows)} 次：" + "，".join(f"{k} {n} 次" for k, n in counts.items()) + "。"
    )


def _cadence_cell(row: CadenceRow) -> str:
    if row.ok:
        return f"[green]{row.held}/{row.required}[/green]"
    if not row.ended:
        return f"[yellow]{row.held}/{row.required}[/yellow]"
    return f"[red]{row.held}/{row.required}[/red]"


def _print_cadence(rep: CadenceReport) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render

    con = render.out()
    channels = list(dict.fromkeys(r.channel for r in rep.rows))
    for ch in channels:
        rows = [r for r in rep.rows if r.channel == ch]
        periods = list(dict.fromkeys(r.period for r in rows))
        table = Table(
            title=f"{ch}（每个单位每期至少 {rows[0].required} 次）",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        table.add_column("单位", overflow="fold", min_width=8)
        for p in periods:
            table.add_column(p.label.replace("半月", "\n半月"), justify="right", no_wrap=True)
        for unit in dict.fromkeys(r.unit for r in rows):
            cells = {r.period: r for r in rows if r.unit == unit}
            table.add_row(render.escape(unit), *(_cadence_cell(cells[p]) for p in periods))
        con.print(table)
    short = rep.shortfalls
    if short:
        con.print(f"[bold red]未达标 {len(short)} 项[/bold red]（已结束的周期，举办 < 要求）：")
        for r in short:
            con.print(
                f"  {render.escape(r.channel)}  {render.escape(r.unit)}  {r.period.label}"
                f"  举办 {r.held} 次，要求 {r.required} 次"
            )
    else:
        con.print("[green]已结束的周期都已达标。[/green]")
    con.print(
        f"[dim]截至 {rep.as_of.isoformat()}：黄色为进行中的周期（尚可补办），"
        "红色为已结束未达标；同一单位同一天只计一次。[/dim]"
    )


def cadence(
    ctx: typer.Context,
    quarter: Annotated[str, typer.Option("--quarter", help="季度，YYYYQn，例如 2026Q4。")],
    json: Json = False,
) -> None:
    """举办频次检查：有频次要求的渠道（如接待日每半月 1 天、同心谈每季度 1 次、走访每月 3 天），
    每个单位每个周期要求几次、已举办几次。

    单位为配置名单中在用的全部单位；半月为每月 1–15 日、16 日–月末；一次活动有几个
    举办单位，就为每个单位各计一次；同一单位同一天只计一次；--today 之后的不计。

    示例：zuozhen audit cadence --quarter 2026Q4
    """
    from zuozhen.cadence import cadence_report
    from zuozhen.commands import render
    from zuozhen.reports import Quarter

    a = get_app(ctx)
    q = Quarter.parse(quarter)
    with a.reader() as r:
        rep = cadence_report(r, q, a.today)
    if json:
        render.emit_json(rep)
        return
    if not rep.rows:
        render.out().print(
            render.escape("配置中没有设定举办频次的渠道（[channels] 的 cadence），无需检查。")
        )
        return
    _print_cadence(rep)
