"""session cancel | postpone: step 2 when plans change (取消、改期)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Json, get_app, warn_all

if TYPE_CHECKING:
    from zuozhen.reschedule import Changed


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["session"].command("cancel")(cancel)
    groups["session"].command("postpone")(postpone)


def _changed(result: Changed, verb: str) -> None:
    from zuozhen.commands import render

    s = result.session
    render.done(f"场次 {s.id} 已{verb}：{render.escape(result.reason)}")
    if result.appeals:
        con = render.out()
        if result.action == "cancel":
            con.print(
                f"以下 {len(result.appeals)} 条诉求仍挂在已取消的场次上，须重新排诊并重新叫号："
            )
            for x in result.appeals:
                con.print(f"  {x.appeal}  → zuozhen triage {x.appeal} --session 新场次")
        else:
            con.print(f"以下 {len(result.appeals)} 条诉求须按新时间重新叫号：")
            for x in result.appeals:
                due = x.notify_by.isoformat() if x.notify_by else "—"
                again = "（已叫号，须再次通知）" if x.renotify else ""
                con.print(f"  {x.appeal}  叫号期限 {due}{again}")
            render.hint(f"下一步：zuozhen notify --session {s.id}")
    else:
        render.hint("该场次没有待叫号的诉求。")
    warn_all(result.warnings)


def cancel(
    ctx: typer.Context,
    session: Annotated[str, typer.Argument(metavar="场次号", help="如 S202610-01。")],
    reason: Annotated[str, typer.Option("--reason", help="取消原因（记入留痕）。")],
    json: Json = False,
) -> None:
    """取消场次：已排诉求保留，须重新排诊、重新叫号。

    示例：zuozhen session cancel S202610-02 --reason 因故取消
    """
    from zuozhen.commands import render
    from zuozhen.reschedule import cancel_session

    a = get_app(ctx)
    case = a.open()
    try:
        result = cancel_session(case, a.act, session, reason=reason)
    finally:
        case.close()
    if json:
        render.emit_json(result)
        return
    _changed(result, "取消")


def postpone(
    ctx: typer.Context,
    session: Annotated[str, typer.Argument(metavar="场次号", help="如 S202610-01。")],
    to: Annotated[str, typer.Option("--to", help="新日期 YYYY-MM-DD。")],
    reason: Annotated[str, typer.Option("--reason", help="改期原因（记入留痕）。")],
    start: Annotated[str | None, typer.Option("--start", help="新的开始时间 HH:MM。")] = None,
    end: Annotated[str | None, typer.Option("--end", help="新的结束时间 HH:MM。")] = None,
    json: Json = False,
) -> None:
    """场次改期：场次号不变，已叫号的诉求须按新时间重新叫号。

    示例：zuozhen session postpone S202610-02 --to 2026-10-22 --reason 领导另有公务
    """
    from zuozhen.commands import render
    from zuozhen.reschedule import postpone_session
    from zuozhen.validation import parse_date

    a = get_app(ctx)
    day = parse_date(to, "新日期")
    case = a.open()
    try:
        result = postpone_session(case, a.act, session, to=day, reason=reason, start=start, end=end)
    finally:
        case.close()
    if json:
        render.emit_json(result)
        return
    render.out().print(
        f"{result.session.id}：{result.old_date.isoformat()} → [bold]{result.session.date.isoformat()}[/bold]"
        f"（{result.session.weekday}）{result.session.start}–{result.session.end}"
    )
    _changed(result, "改期")
