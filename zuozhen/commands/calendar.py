"""calendar due | show | load: the official working-day calendar."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Json, get_app

if TYPE_CHECKING:
    from zuozhen.commands.common import App
    from zuozhen.deadlines import WorkCalendar
    from zuozhen.holidays import LoadResult


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["calendar"]
    group.command("due")(due)
    group.command("show")(show)
    group.command("load")(load)


def _calendar(a: App) -> WorkCalendar:
    """The case file's calendar (with loaded schedules); the built-in one without a file."""
    from zuozhen.commands import render
    from zuozhen.store.core import locate

    path = locate(a.db).path
    if path is not None and not path.exists():
        from zuozhen.deadlines import default_calendar

        render.hint(f"未找到案卷 {path}，按内置的官方日历计算（不含自行载入的放假安排）。")
        return default_calendar()
    with a.reader() as r:
        return r.calendar


def due(
    ctx: typer.Context,
    start: Annotated[str, typer.Argument(metavar="起算日", help="YYYY-MM-DD，该日不计入。")],
    n: Annotated[
        int, typer.Argument(metavar="工作日数", help="从起算日往后数的工作日数。", min=1, max=1000)
    ],
    json: Json = False,
) -> None:
    """起算日之后第 N 个工作日（民法典第二百零一条：开始的当日不计入）。

    示例：zuozhen calendar due 2026-09-24 15
    """
    from zuozhen.commands import render
    from zuozhen.deadlines import WEEKDAY_CHARS
    from zuozhen.validation import parse_date

    a = get_app(ctx)
    day = parse_date(start, "起算日")
    result = _calendar(a).add_workdays(day, n)
    if json:
        render.emit_json(
            {"start": day, "n": n, "due": result.date, "provisional": result.provisional}
        )
        return
    wd = WEEKDAY_CHARS[result.date.weekday()]
    render.out().print(
        f"{day.isoformat()} 起 {n} 个工作日 → [bold]{result.date.isoformat()}[/bold]（星期{wd}）"
    )
    if result.provisional:
        render.warn(
            f"{result.date.year} 年的官方放假安排尚未载入，此日期为[bold]暂定[/bold]；"
            "国务院公布后请运行 zuozhen calendar load 文件.toml，系统会自动重算。"
        )


def show(
    ctx: typer.Context,
    month: Annotated[str, typer.Argument(metavar="月份", help="YYYY-MM。")],
) -> None:
    """一个月的日历：工作日、法定节假日、调休上班日。

    示例：zuozhen calendar show 2026-10
    """
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.deadlines import WEEKDAY_CHARS, weekday_zh
    from zuozhen.validation import parse_month

    a = get_app(ctx)
    year, mon = parse_month(month)
    cal = _calendar(a)
    days = cal.month(year, mon)
    table = Table(title=f"{year} 年 {mon} 月", show_lines=False, pad_edge=False)
    for i, w in enumerate(WEEKDAY_CHARS):
        table.add_column(w, justify="center", style="dim" if i >= 5 else None, min_width=6)
    row: list[str] = [""] * days[0].date.weekday()
    for d in days:
        if d.kind == "holiday":
            cell = f"[bold red]{d.date.day}[/bold red]\n[red]{(d.name or '休')[:3]}[/red]"
        elif d.kind == "makeup":
            cell = f"[bold yellow]{d.date.day}[/bold yellow]\n[yellow]班[/yellow]"
        elif d.kind == "weekend":
            cell = f"[dim]{d.date.day}[/dim]\n"
        else:
            cell = f"{d.date.day}\n"
        row.append(cell)
        if len(row) == 7:
            table.add_row(*row)
            row = []
    if row:
        table.add_row(*row, *[""] * (7 - len(row)))
    con = render.out()
    con.print(table)
    workdays = [d for d in days if d.workday]
    con.print(
        f"工作日 {len(workdays)} 天；[red]红色[/red]为法定节假日，[yellow]班[/yellow]为调休上班日。"
    )
    for d in days:
        if d.kind == "holiday":
            con.print(f"  {d.date.isoformat()} {weekday_zh(d.date)}  [red]{d.name or '休息'}[/red]")
        elif d.kind == "makeup":
            con.print(f"  {d.date.isoformat()} {weekday_zh(d.date)}  [yellow]调休上班[/yellow]")
    if any(d.provisional for d in days):
        render.warn(
            f"{year} 年的官方放假安排尚未载入：以上按《全国年节及纪念日放假办法》推算，"
            "不含调休，仅供参考。公布后请运行 zuozhen calendar load 文件.toml。"
        )


def load(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(metavar="放假安排文件", help="TOML：year, source, holidays, workdays。"),
    ],
    json: Json = False,
) -> None:
    """载入国务院办公厅公布的某年放假安排，并重算该年的暂定期限。

    示例：zuozhen calendar load data/holidays/2026.toml
    """
    from zuozhen.commands import render
    from zuozhen.errors import InputError
    from zuozhen.holidays import load_schedule

    a = get_app(ctx)
    case = a.open()
    try:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"无法读取文件 {file}：{exc}。请检查路径，并以 UTF-8 保存。") from None
        result = load_schedule(case, a.act, text)
    finally:
        case.close()
    if json:
        render.emit_json(result)
        return
    _loaded(result)


def _loaded(result: LoadResult) -> None:
    """What changed, in the clerk's words: moved deadlines, sessions now on a rest day."""
    from zuozhen.commands import render
    from zuozhen.commands.common import day_label

    verb = "更新" if result.replaced else "载入"
    render.done(
        f"已{verb} {result.year} 年放假安排（{render.escape(result.source)}）："
        f"节假日 {result.holidays} 天，调休上班 {result.workdays} 天。"
    )
    con = render.out()
    if result.changed:
        con.print(f"按新日历，{len(result.changed)} 个期限的日期变了：")
        for c in result.changed:
            still = "（仍为暂定）" if c.provisional else ""
            con.print(
                f"  {c.appeal}  {c.step_label}期限  {day_label(c.old)} → {day_label(c.new)}{still}"
            )
    if result.confirmed:
        render.hint(f"另有 {result.confirmed} 个暂定期限日期不变，现已按正式日历确定。")
    if not result.changed and not result.confirmed:
        render.hint("没有需要重算的期限。")
    if result.sessions_on_rest_days:
        con.print(
            f"[bold red]{len(result.sessions_on_rest_days)} 场坐诊落在休息日，须改期：[/bold red]"
        )
        for m in result.sessions_on_rest_days:
            waiting = f"，已排 {m.appeals} 条诉求" if m.appeals else ""
            con.print(
                f"  {m.id}  {day_label(m.date)}  {render.escape(m.rest_day)}{waiting}  "
                f"→ zuozhen session postpone {m.id} --to {m.next_workday.isoformat()} "
                "--reason 遇节假日改期"
            )
