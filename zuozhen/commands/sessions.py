"""session plan | list: step 2, the sessions (坐诊场次); cancel and postpone are in reschedule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import AllowNew, Json, get_app, warn_all

if TYPE_CHECKING:
    from zuozhen.sessions import SessionInfo


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["session"]
    group.command("plan")(plan)
    group.command("list")(list_)


Units = Annotated[
    list[str] | None,
    typer.Option("--unit", help="联合坐诊单位，可写多次，第一个为牵头单位。"),
]


def _session_table(rows: list[SessionInfo], title: str | None = None) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render

    table = Table(title=title, pad_edge=False, box=box.SIMPLE_HEAD)
    table.add_column("场次", no_wrap=True)
    table.add_column("日期 / 时间", no_wrap=True)
    table.add_column("类型·主题", min_width=8, overflow="fold")
    table.add_column("联合坐诊单位", min_width=12, overflow="fold")  # the first leads
    table.add_column("诉求", justify="right", no_wrap=True)
    table.add_column("状态", min_width=4, no_wrap=True)
    for s in rows:
        status = "[red]已取消[/red]" if s.status == "cancelled" else "计划"
        if s.status != "cancelled" and s.postponed_from is not None:
            status = f"[yellow]改期[/yellow]\n原{s.postponed_from:%m-%d}"
        elif s.status != "cancelled" and s.cadence_day is not None and s.cadence_day != s.date:
            status = f"顺延\n原{s.cadence_day:%m-%d}"
        units = "、".join(s.units) or "—"
        if s.lead:
            units += f"\n领衔：{s.lead}"
        table.add_row(
            s.id,
            f"{s.date.isoformat()} {s.weekday}\n{s.start}–{s.end}",
            f"{s.kind}·{render.escape(s.theme)}",
            render.escape(units),
            str(s.appeals),
            status,
        )
    render.out().print(table)


def plan(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", help="坐诊日期 YYYY-MM-DD。")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="类型：主场、专场或加诊（--weekly 默认专场）。")
    ] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="坐诊主题。")] = None,
    unit: Units = None,
    lead: Annotated[str | None, typer.Option("--lead", help="领衔坐诊的领导。")] = None,
    start: Annotated[str | None, typer.Option("--start", help="开始时间 HH:MM。")] = None,
    end: Annotated[str | None, typer.Option("--end", help="结束时间 HH:MM。")] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注。")] = None,
    month: Annotated[
        str | None, typer.Option("--month", help="与 --weekly 一起：按周安排的月份 YYYY-MM。")
    ] = None,
    weekly: Annotated[
        bool, typer.Option("--weekly", help="按配置的每周坐诊日安排整月（遇节假日顺延）。")
    ] = False,
    allow_new: AllowNew = False,
    json: Json = False,
) -> None:
    """安排坐诊场次：一场（--date），或按周安排整月（--month --weekly）。

    主题和单位须在配置名单中（zuozhen config show）；不在名单中的拒绝并提示相近名称，
    确是新的加 --allow-new 加入名单。

    示例：zuozhen session plan --date 2026-10-15 --kind 主场 --theme 政策兑现 --unit 省发展改革委 --unit 省财政厅
    """
    from zuozhen import sessions as domain
    from zuozhen.commands import render
    from zuozhen.errors import InputError
    from zuozhen.validation import parse_date, parse_month

    a = get_app(ctx)
    if weekly or month is not None:
        if date is not None:
            raise InputError(
                "--date 与 --month --weekly 只能二选一：安排一场用 --date，按周安排整月用 --month --weekly。"
            )
        if not weekly or month is None:
            raise InputError(
                "按周安排整月请同时写 --month YYYY-MM 和 --weekly，例如 --month 2026-10 --weekly。"
            )
        year, mon = parse_month(month)
        case = a.open()
        try:
            result = domain.plan_weekly(
                case,
                a.act,
                year=year,
                month=mon,
                kind=kind or "专场",
                theme=theme,
                units=unit,
                lead=lead,
                start=start,
                end=end,
                allow_new=allow_new,
            )
        finally:
            case.close()
        if json:
            render.emit_json(result)
            warn_all(result.warnings)
            return
        if result.sessions:
            _session_table(
                result.sessions, f"{result.month} 每周坐诊（新安排 {len(result.sessions)} 场）"
            )
            render.done(f"已安排 {len(result.sessions)} 场每周坐诊。")
        if result.skipped:
            render.hint("已安排过、本次跳过：" + "、".join(d.isoformat() for d in result.skipped))
        warn_all(result.warnings)
        render.hint(
            f"下一步：zuozhen announce --month {result.month} 生成公告；zuozhen session list --month {result.month} 查看。"
        )
        return
    if date is None:
        raise InputError("请用 --date 指定坐诊日期（或用 --month YYYY-MM --weekly 按周安排整月）。")
    if kind is None or theme is None:
        raise InputError(
            "安排一场坐诊需要 --kind（主场、专场或加诊）和 --theme 主题，以及至少一个 --unit 单位。"
        )
    day = parse_date(date, "坐诊日期")
    case = a.open()
    try:
        planned = domain.plan_session(
            case,
            a.act,
            day=day,
            kind=kind,
            theme=theme,
            units=unit or [],
            lead=lead,
            start=start,
            end=end,
            note=note,
            allow_new=allow_new,
        )
    finally:
        case.close()
    s = planned.session
    if json:
        render.emit_json(planned)
        warn_all(planned.warnings)
        return
    _session_table([s])
    render.done(
        f"已安排场次 {s.id}：{s.date.isoformat()}（{s.weekday}）{s.start}–{s.end} {s.kind}“{render.escape(s.theme)}”。"
    )
    warn_all(planned.warnings)
    render.hint(f"下一步：继续安排本月场次，或 zuozhen announce --month {s.month_key} 生成公告。")


def list_(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", help="只看某月 YYYY-MM。")] = None,
    json: Json = False,
) -> None:
    """查看坐诊场次（含已取消、改期的），以及每场排了多少诉求。

    示例：zuozhen session list --month 2026-10
    """
    from zuozhen import sessions as domain
    from zuozhen.commands import render
    from zuozhen.validation import month_key, parse_month

    a = get_app(ctx)
    key = month_key(*parse_month(month)) if month is not None else None
    with a.reader() as r:
        rows = domain.list_sessions(r, month=key)
        warnings = domain.month_check(r, key) if key is not None else []
    if json:
        render.emit_json({"month": key, "sessions": rows})
        return
    if not rows:
        where = f"{key} " if key else ""
        render.out().print(f"{where}还没有坐诊场次。")
        render.hint("下一步：zuozhen session plan --date 日期 --kind 主场 --theme 主题 --unit 单位")
        return
    _session_table(rows, f"{key} 坐诊场次" if key else "坐诊场次")
    planned = sum(1 for s in rows if s.status == "planned")
    render.out().print(f"共 {len(rows)} 场，其中计划中 {planned} 场。")
    warn_all(warnings)
    if key is not None:
        render.hint(
            f"下一步：zuozhen announce --month {key} 生成公告；zuozhen notify 查看叫号名单。"
        )
