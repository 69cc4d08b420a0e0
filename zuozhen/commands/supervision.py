"""audit, audit revisit, audit notices: step 9 (督办, 回访, 督办单)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import AppealArg, Json, act, get_app, read

if TYPE_CHECKING:
    from datetime import date

    from zuozhen.supervision import DailyList, Item


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    audit = groups["audit"]
    audit.callback(invoke_without_command=True, no_args_is_help=False, help=audit_list.__doc__)(
        audit_list
    )
    audit.command("revisit")(audit_revisit)
    audit.command("notices")(audit_notices)


#: Exit code of ``audit --fail-on-overdue`` when something is overdue (for scripts / cron).
EXIT_OVERDUE = 3


#: Items not yet overdue shown per unit (and rating reminders shown) in the human view
#: unless --all or --unit is given; a unit's overdue items are always listed in full.
PER_UNIT = 30
#: The enterprise column's width in terminal cells (a CJK character is two).
NAME_CELLS = 18


def _state(i: Item, today: date) -> tuple[str, bool]:
    """The item's state in the clerk's words, and whether it is late (shown in red)."""
    if i.days_overdue:
        return f"超期 {i.days_overdue} 个工作日", True
    if i.due < today:
        return "已超期", True
    if i.due == today:
        return "今天到期", False
    return f"还剩 {i.days_left} 个工作日", False


def _shown(unit: str, items: list[Item], today: date, limit: int | None) -> list[Item]:
    """A unit's overdue items in full, then at most ``limit`` others; rating reminders
    (no unit's duty) at most ``limit`` in all."""
    if limit is None:
        return items
    from zuozhen.supervision import NO_UNIT_GROUP

    if unit == NO_UNIT_GROUP:
        return items[:limit]
    late = [i for i in items if i.due < today]
    return late + items[len(late) : len(late) + limit]


def _print_list(result: DailyList, limit: int | None = PER_UNIT) -> None:
    """The daily list as plain aligned lines (a Rich table costs about 1 ms a row, seconds
    for a province's list): a count per unit first, then each unit's items."""
    from functools import cache

    from rich.cells import cell_len, set_cell_size

    from zuozhen.commands import render
    from zuozhen.supervision import NO_UNIT_GROUP, step_label

    con = render.out()
    later = f"，以后到期 {len(result.later)} 项" if result.later else ""
    con.print(
        f"[bold]督办清单[/bold]  截至 {result.today.isoformat()}：超期 "
        f"[red]{len(result.overdue)}[/red] 项，{result.within} 个工作日内到期（至 "
        f"{result.horizon.isoformat()}）{len(result.due_soon)} 项{later}。"
    )
    if not result.overdue and not result.due_soon:
        con.print("[green]没有超期或即将到期的事项。[/green]")
    today = result.today
    groups = [(u, items, _shown(u, items, today, limit)) for u, items in result.by_unit()]
    colour = con.is_terminal and con.color_system is not None and not con.no_color
    red = ("\x1b[31m", "\x1b[0m") if colour else ("", "")
    write = con.file.write

    @cache
    def cells(text: str) -> int:  # terminal cells: a CJK character is two
        return len(text) if text.isascii() else cell_len(text)

    def cell(text: str, width: int) -> str:
        if cells(text) > width:  # a wide character that does not fit: dropped, not halved
            text = set_cell_size(text, width - 1).rstrip() + "…"
        return text + " " * (width - cells(text))

    if len(groups) > 1:
        write("\n按单位（超期 / 即将到期" + (" / 以后到期" if result.later else "") + "）：\n")
        wide = min(40, max(cells(u) for u, _, _ in groups))
        for unit, items, _ in groups:
            late = sum(1 for i in items if i.due < today)
            soon = sum(1 for i in items if today <= i.due <= result.horizon)
            rest = f" / {len(items) - late - soon:>5}" if result.later else ""
            write(f"  {cell(unit, wide)}  {late:>5} / {soon:>5}{rest}\n")
    ids = max([6] + [cells(i.appeal or i.session or "") for _, _, sh in groups for i in sh])
    steps = max([4] + [cells(step_label(i.step)) for _, _, sh in groups for i in sh])
    head = "  ".join(
        [cell("诉求号", ids), cell("企业", NAME_CELLS), cell("环节", steps), cell("期限", 14)]
    )
    for unit, items, shown in groups:
        late = sum(1 for i in items if i.due < today)
        write(f"\n{unit}（{len(items)} 项，其中超期 {late} 项）\n  {head}  情况\n")
        for i in shown:
            state, is_late = _state(i, today)
            due = i.due.isoformat() + ("（暂定）" if i.provisional else "")
            which = cell(i.appeal or i.session or "", ids)
            name = cell(i.enterprise, NAME_CELLS)
            step = cell(step_label(i.step), steps)
            state = f"{red[0]}{state}{red[1]}" if is_late else state
            write(f"  {which}  {name}  {step}  {cell(due, 14)}  {state}\n")
        if len(shown) < len(items):
            more = len(items) - len(shown)
            see = (
                "zuozhen audit --all"
                if unit == NO_UNIT_GROUP
                else (f"zuozhen audit --unit {unit} 或 --all")
            )
            write(f"  …另有 {more} 项尚未列出：{see} 查看全部\n")
    if result.dissatisfied:
        write(f"\n不满意评价待回访（{len(result.dissatisfied)} 项）\n")
        listed = result.dissatisfied if limit is None else result.dissatisfied[:limit]
        for d in listed:
            note = f"：{d.comment}" if d.comment else ""
            write(
                f"  {d.appeal}  {d.enterprise}  服务{d.service}/办理{d.handling}"
                f"{note}  回访期限 {d.revisit_due.isoformat()}\n"
            )
        if len(listed) < len(result.dissatisfied):
            write(
                f"  …另有 {len(result.dissatisfied) - len(listed)} 项：zuozhen audit --all"
                " 查看全部\n"
            )
    con.file.flush()
    _print_cadence(result, limit)
    if result.overdue:
        render.hint("生成督办单：zuozhen audit notices --output 督办单/")


def _print_cadence(result: DailyList, limit: int | None) -> None:
    """Units still short of a channel's cadence in a period about to end (cadence.py)."""
    from zuozhen.commands import render

    groups: dict[tuple[str, str], list[str]] = {}
    ends = {}
    for row in result.cadence:
        key = (row.channel, row.period.label)
        groups.setdefault(key, []).append(f"{row.unit}（{row.held}/{row.required}）")
        ends[key] = row.period.end
    if not groups:
        return
    con = render.out()
    con.print()
    con.print("[bold]举办频次即将到期[/bold]（本周期结束前尚未达标的单位，举办/要求）")
    for (channel, label), units in groups.items():
        shown = units if limit is None else units[:limit]
        more = f" …等 {len(units)} 个单位" if len(shown) < len(units) else ""
        con.print(
            f"  {render.escape(channel)} {label}（{ends[(channel, label)].isoformat()} 截止）："
            + render.escape("、".join(shown))
            + more
        )
    render.hint(
        "记录已举办的活动：zuozhen event add；全季度情况：zuozhen audit cadence --quarter …"
    )


def audit_list(
    ctx: typer.Context,
    within: Annotated[
        int | None, typer.Option("--within", help="列出 N 个工作日内到期的事项（默认取配置）。")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只看某个单位。")] = None,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            help="列出全部未办事项：超期的总是全部列出，其余不限每个单位 30 项，尚未临近期限的也列出（JSON 中为 later）。",
        ),
    ] = False,
    fail_on_overdue: Annotated[
        bool,
        typer.Option(
            "--fail-on-overdue", help=f"有超期事项时以退出码 {EXIT_OVERDUE} 结束（供脚本使用）。"
        ),
    ] = False,
    json: Json = False,
) -> None:
    """督办：每日清单——各环节已超期和即将到期的事项，按单位分组，以及不满意评价待回访。

    每一件未办结的诉求都有一个待办环节和期限（分办、核实、排诊、叫号、坐诊结果、交办、
    承办、反馈、销号），遇节假日的场次列为“场次改期”；诊后评价由企业自主作出，
    只作提醒，不算任何单位的责任。--all 列出全部未办事项。
    --fail-on-overdue：有超期事项时退出码为 3（无超期为 0），便于定时任务报警。

    示例：zuozhen audit --within 5
    """
    if ctx.invoked_subcommand is not None:
        return
    from zuozhen.commands import render
    from zuozhen.supervision import daily_list

    result = read(ctx, daily_list, get_app(ctx).today, within, unit, everything=all_)
    if json:
        render.emit_json(result)
    else:
        _print_list(result, None if all_ or unit else PER_UNIT)
    if fail_on_overdue and result.overdue:
        raise typer.Exit(EXIT_OVERDUE)


def audit_revisit(
    ctx: typer.Context,
    appeal: AppealArg,
    note: Annotated[str, typer.Option("--note", help="回访情况。")],
    reopen: Annotated[bool, typer.Option("--reopen", help="需要重新办理：退回重新交办。")] = False,
    json: Json = False,
) -> None:
    """督办回访；--reopen 把已销号的诉求退回，开始新一轮交办。

    示例：zuozhen audit revisit 202610-007-1 --note "企业反映补贴未全额到位" --reopen
    """
    from zuozhen import supervision
    from zuozhen.commands import render

    r = act(ctx, supervision.revisit, appeal, note=note, reopen=reopen)
    if r.reopened:
        said = f"诉求 {r.appeal} 已回访并退回重新办理（第 {r.new_round} 轮）。"
        next_step = f"下一步：zuozhen assign to {r.appeal} --unit 承办单位（期限重新起算）"
    else:
        said, next_step = f"诉求 {r.appeal} 的回访情况已记录。", None
    render.outcome(r, json, said=said, next_step=next_step)


def audit_notices(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", help="督办单存放的文件夹。")] = Path("."),
    unit: Annotated[str | None, typer.Option("--unit", help="只生成某个单位的督办单。")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="格式：md（纯文本，默认）或 docx（Word 公文）。")
    ] = "md",
    json: Json = False,
) -> None:
    """生成督办单：每个有超期承办、反馈事项的单位一份，编发文字号，注明回复期限（记入留痕）。

    示例：zuozhen audit notices --format docx --output 督办单/
    """
    from zuozhen import supervision_notices as notices_
    from zuozhen.commands import render
    from zuozhen.validation import choose

    kind = choose(fmt, notices_.FORMATS, "督办单格式")
    notices_.check_folder(output)
    drafts = read(ctx, notices_.collect, get_app(ctx).today, unit)
    notices = act(ctx, notices_.issue, drafts, output, kind) if drafts else []
    if json:
        render.emit_json({"notices": [n.as_json() for n in notices]})
        return
    if not notices:
        render.done("没有单位的承办、反馈环节超期，无需生成督办单。")
        return
    for n in notices:
        render.done(
            f"{n.number}  {n.unit}：{len(n.items)} 项，{n.reply_by.isoformat()} 前回复 → {n.path}"
        )
