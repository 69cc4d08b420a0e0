"""session plan | list: step 2, the sessions (坐诊场次); cancel and postpone are in reschedule."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import AllowNew, Json, act, get_app, warn_all

if TYPE_CHECKING:
    from zuozhen.session_status import SessionInfo
    from zuozhen.store.reader import Reader


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["session"]
    group.command("plan")(plan)
    group.command("list")(list_)


Units = Annotated[
    list[str] | None,
    typer.Option("--unit", help="联合坐诊单位，可写多次，第一个为牵头单位。"),
]


_STATUS_STYLE = {"held": "green", "unrecorded": "yellow", "cancelled": "red", "no_appeals": "dim"}


def _status_cell(s: SessionInfo) -> str:
    """The status as the clerk reads it, with what else she must know about the day."""
    style = _STATUS_STYLE.get(s.status)
    cell = f"[{style}]{s.status_label}[/{style}]" if style else s.status_label
    if s.status == "unrecorded":
        cell += f"\n{s.waiting} 条未记录"
    if s.rest_day is not None:
        from zuozhen.commands.render import escape
        from zuozhen.session_status import REST_DAY_FLAG

        cell += f"\n[bold red]{REST_DAY_FLAG}[/bold red]\n[red]（{escape(s.rest_day)}）[/red]"
    if s.status != "cancelled" and s.postponed_from is not None:
        cell += f"\n[yellow]改期[/yellow] 原{s.postponed_from:%m-%d}"
    elif s.status != "cancelled" and s.cadence_day is not None and s.cadence_day != s.date:
        cell += f"\n顺延 原{s.cadence_day:%m-%d}"
    return cell


def _session_table(rows: list[SessionInfo], title: str | None = None) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render

    table = Table(title=title, pad_edge=False, box=box.SIMPLE_HEAD)
    table.add_column("场次", no_wrap=True)
    table.add_column("日期 / 时间", no_wrap=True)
    table.add_column("类型·主题", min_width=8, overflow="fold")
    table.add_column("联合坐诊单位 / 领衔", min_width=12, overflow="fold")  # the first leads
    table.add_column("诉求", justify="right", no_wrap=True)
    table.add_column("状态", min_width=9, overflow="fold")
    for s in rows:
        units = ("、".join(s.units) or "—") + f"\n领衔：{s.lead_text}"
        table.add_row(
            s.id,
            f"{s.date.isoformat()} {s.weekday}\n{s.start}–{s.end}",
            f"{s.kind}·{render.escape(s.theme)}",
            render.escape(units),
            str(s.appeals),
            _status_cell(s),
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
    again: Annotated[
        bool,
        typer.Option(
            "--again", help="与已有场次完全相同（日期、类型、主题、单位、时间）仍再安排一场。"
        ),
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

    if weekly or month is not None:
        if again:
            raise InputError("--again 只用于安排一场（--date）；按周安排重复运行不会重复安排。")
        if date is not None:
            raise InputError(
                "--date 与 --month --weekly 只能二选一：安排一场用 --date，按周安排整月用 --month --weekly。"
            )
        if not weekly or month is None:
            raise InputError(
                "按周安排整月请同时写 --month YYYY-MM 和 --weekly，例如 --month 2026-10 --weekly。"
            )
        year, mon = parse_month(month)
        result = act(
            ctx,
            domain.plan_weekly,
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
    planned = act(
        ctx,
        domain.plan_session,
        day=day,
        kind=kind,
        theme=theme,
        units=unit or [],
        lead=lead,
        start=start,
        end=end,
        note=note,
        again=again,
        allow_new=allow_new,
    )
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


def _write_ics(r: Reader, rows: list[SessionInfo], target: Path, force: bool) -> None:
    """--ics: the sessions as an iCalendar file (zuozhen/session_ics.py)."""
    from zuozhen import session_ics
    from zuozhen.commands import render
    from zuozhen.files.outfiles import write_bytes

    data = session_ics.calendar_bytes(
        r.config, rows, session_ics.session_changes(r), session_ics.case_identity(r)
    )
    write_bytes(target, data, overwrite=force, fmt="ics", option="--ics")
    cancelled = sum(1 for s in rows if s.status == "cancelled")
    render.done(
        f"已导出 {len(rows)} 场到 {target}（iCalendar 日历文件，北京时间"
        + (f"；其中 {cancelled} 场已取消，导入后从日历中取消" if cancelled else "")
        + "）。可导入 Outlook、WPS 或手机日历；场次改期、取消后重新导出再导入，日程随之更新。"
    )


def list_(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", help="只看某月 YYYY-MM。")] = None,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            help="导出日历文件（iCalendar .ics），供领导的 Outlook/手机日历导入；再次导入会更新，不重复。",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="与 --ics 一起：覆盖已有文件。")] = False,
    json: Json = False,
) -> None:
    """查看坐诊场次及其状态：计划、已举行、待记录、已过（无诉求）、已取消；落在节假日的标出须改期。

    状态按 --today 判断：日子未到为计划；已到且每条诉求都记录了坐诊结果为已举行；日子已过仍有
    诉求未记录结果为待记录；日子已过而没有任何诉求为已过（无诉求）。

    --ics 文件：每场一个日程（北京时间），已取消的场次标为取消；同一场次改期或取消后再导出、
    再导入，日历中的日程随之更新。

    示例：zuozhen session list --month 2026-10
    """
    from zuozhen import session_status as domain
    from zuozhen.commands import render
    from zuozhen.validation import month_key, parse_month

    a = get_app(ctx)
    key = month_key(*parse_month(month)) if month is not None else None
    if ics is not None:
        from zuozhen.files.outfiles import check_target

        check_target(ics, overwrite=force, fmt="ics", option="--ics")
    elif force:
        from zuozhen.errors import InputError

        raise InputError("--force 只和 --ics 一起使用。")
    with a.reader() as r:
        rows = domain.list_sessions(r, month=key, today=a.today)
        warnings = domain.month_check(r, key) if key is not None else []
        if ics is not None:
            _write_ics(r, rows, ics, force)
    if json:
        render.emit_json({"month": key, "sessions": rows})
        return
    if not rows:
        where = f"{key} " if key else ""
        render.out().print(f"{where}还没有坐诊场次。")
        render.hint("下一步：zuozhen session plan --date 日期 --kind 主场 --theme 主题 --unit 单位")
        return
    _session_table(rows, f"{key} 坐诊场次" if key else "坐诊场次")
    counts = {code: sum(1 for s in rows if s.status == code) for code in domain.STATUS_LABELS}
    parts = [f"{domain.STATUS_LABELS[c]} {n} 场" for c, n in counts.items() if n]
    render.out().print(f"共 {len(rows)} 场：" + "，".join(parts) + "。")
    moved = [s for s in rows if s.rest_day is not None]
    if moved:
        render.warn(
            f"{len(moved)} 场落在节假日，须改期："
            + "、".join(f"{s.id}（{s.date.isoformat()} {s.rest_day}）" for s in moved)
            + f"。改期：zuozhen session postpone {moved[0].id} --to 日期 --reason 遇节假日"
        )
    unrecorded = [s.id for s in rows if s.status == "unrecorded"]
    if unrecorded:
        render.hint(
            f"待记录的场次（{'、'.join(unrecorded)}）请补记坐诊结果："
            "zuozhen session hear 诉求号 --resolved … 或 --refer。"
        )
    warn_all(warnings)
    if key is not None:
        render.hint(
            f"下一步：zuozhen announce --month {key} 生成公告；zuozhen notify 查看叫号名单。"
        )
