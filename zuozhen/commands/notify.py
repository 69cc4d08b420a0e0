"""notify: step 5 (叫号) — who to call up, the SMS batch, recording the call-ups."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Json, act, get_app, warn_all

if TYPE_CHECKING:
    from zuozhen.notify import CallList, Sent


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("notify")(notify)


def _call_table(listing: CallList) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.notify import is_mobile, sms_segments

    table = Table(pad_edge=False, box=box.SIMPLE_HEAD, title=f"待叫号（{len(listing.items)} 条）")
    table.add_column("诉求", no_wrap=True)
    table.add_column("企业 / 联系人 / 电话", min_width=14, overflow="fold")
    table.add_column("场次 / 时间 / 顺序号", no_wrap=True)
    table.add_column("叫号期限", no_wrap=True)
    for i in listing.items:
        due = i.notify_by.isoformat()
        due = f"[bold red]{due}\n已超期[/bold red]" if i.late else due
        if i.renotify:
            due += "\n[yellow]改期重叫[/yellow]"
        table.add_row(
            i.appeal,
            f"{render.escape(i.enterprise)}\n{render.escape(i.contact_masked)} {i.phone_masked}"
            + ("" if is_mobile(i.phone) else "\n[yellow]座机，请电话通知[/yellow]"),
            f"{i.session} 第 {i.slot} 号\n{i.session_date.isoformat()} {i.start}–{i.end}",
            due,
        )
    con = render.out()
    con.print(table)
    msgs = listing.messages
    con.print(f"短信内容（每家企业每场一条，共 {len(msgs)} 条）：")
    for m in msgs:
        con.print(
            f"[bold]{m.session} 第 {m.slot} 号[/bold] {'、'.join(m.appeals)}"
            f"（{len(m.text)} 字，{sms_segments(m.text)} 条短信）{render.escape(m.text)}",
            soft_wrap=True,
        )


def notify(
    ctx: typer.Context,
    session: Annotated[
        str | None, typer.Option("--session", help="场次号；不写则为今天起所有计划中的场次。")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="导出短信平台批量发送文件（CSV，每家企业每场一条，含完整手机号，记入留痕）。",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="与 --export 一起：覆盖已有文件。")
    ] = False,
    sent: Annotated[bool, typer.Option("--sent", help="记录已叫号（需 --channel）。")] = False,
    channel: Annotated[str | None, typer.Option("--channel", help="叫号方式：短信或电话。")] = None,
    appeal: Annotated[
        list[str] | None,
        typer.Option("--appeal", help="只处理这些诉求（可写多次）；不写则为名单上全部。"),
    ] = None,
    json: Json = False,
) -> None:
    """叫号提醒：谁要通知、最迟哪天、短信内容；导出短信批量文件；记录已叫号。

    示例：zuozhen notify --session S202610-01 --sent --channel 短信
    """
    _check_options(export=export, force=force, sent=sent, channel=channel)
    if sent:
        assert channel is not None  # checked above
        _record_sent(ctx, session, channel, appeal or [], json)
    elif export is not None:
        _export(ctx, session, export, appeal or [], force, json)
    else:
        _call_list(ctx, session, appeal or [], json)


def _check_options(*, export: Path | None, force: bool, sent: bool, channel: str | None) -> None:
    """One thing per run: the list, the export, or recording the call-ups (--sent)."""
    from zuozhen.errors import InputError

    if channel is not None and not sent:
        raise InputError(
            "--channel 只和 --sent 一起使用：记录已叫号请写 --sent --channel 短信（或 电话）。"
        )
    if sent and channel is None:
        raise InputError("记录已叫号请注明方式：--sent --channel 短信（或 电话）。")
    if sent and export is not None:
        raise InputError("--sent 与 --export 请分两次运行：先导出发送，发送成功后再记录 --sent。")
    if force and export is None:
        raise InputError("--force 只和 --export 一起使用。")


def _call_list(ctx: typer.Context, session: str | None, appeals: list[str], json: bool) -> None:
    """Who is to be called up (and who was), for one session or all coming ones."""
    from dataclasses import replace

    from zuozhen import notify as domain
    from zuozhen.commands import render

    a = get_app(ctx)
    with a.reader() as r:
        listing = domain.pending(r, a.today, session)
    if appeals:
        wanted = set(x.strip() for x in appeals)
        listing = replace(
            listing,
            items=[i for i in listing.items if i.appeal in wanted],
            done=[i for i in listing.done if i.appeal in wanted],
        )
    if json:
        render.emit_json(listing)
    else:
        _listing_out(listing)
    if listing.stranded:
        render.warn(
            f"以下诉求所在场次已取消，须重新排诊：{'、'.join(listing.stranded)}"
            "（zuozhen triage 诉求号 --session 场次）。"
        )


def _export(
    ctx: typer.Context,
    session: str | None,
    target: Path,
    appeals: list[str],
    force: bool,
    json: bool,
) -> None:
    """The SMS gateway's batch file (full mobile numbers, so recorded in the trail)."""
    from zuozhen.commands import render
    from zuozhen.notify_batch import export_batch

    exported = act(ctx, export_batch, target, session_id=session, appeals=appeals, force=force)
    if json:
        render.emit_json(exported)
    else:
        render.done(
            f"已导出 {exported.messages} 条短信（{exported.numbers} 个号码，"
            f"{len(exported.appeals)} 件诉求；每家企业每场一条）到 {exported.file}"
            "（含完整手机号，已记入留痕；请妥善保管，发送后删除）。"
        )
    if exported.skipped:
        render.warn(f"以下诉求的联系电话是座机，未导出，请电话通知：{'、'.join(exported.skipped)}")
    render.hint(
        "发送成功后记录：zuozhen notify"
        + (f" --session {session}" if session else "")
        + " --sent --channel 短信"
    )


def _record_sent(
    ctx: typer.Context, session: str | None, channel: str, appeals: list[str], json: bool
) -> None:
    """--sent: the call-ups made, in one transaction."""
    from zuozhen import notify as domain

    result = act(ctx, domain.record_sent, channel=channel, session_id=session, appeals=appeals)
    _sent_out(result, json)


def _listing_out(listing: CallList) -> None:
    from zuozhen.commands import render

    con = render.out()
    scope = (
        f"场次 {listing.session}" if listing.session else f"{listing.today.isoformat()} 起的场次"
    )
    if not listing.items:
        con.print(f"{scope}没有待叫号的诉求。")
    else:
        _call_table(listing)
        late = sum(1 for i in listing.items if i.late)
        if late:
            render.warn(f"{late} 条已过叫号期限，请立即通知企业。")
    if listing.done:
        con.print(
            f"已叫号 {len(listing.done)} 条："
            + "、".join(
                f"{i.appeal}（{i.notified_on.isoformat() if i.notified_on else '—'} {i.channel or ''}）"
                for i in listing.done
            )
        )
    if listing.items:
        s = f" --session {listing.session}" if listing.session else ""
        render.hint(
            f"下一步：zuozhen notify{s} --export 叫号.csv 导出短信批量文件；"
            f"通知后 zuozhen notify{s} --sent --channel 短信（或 电话）记录。"
        )


def _sent_out(result: Sent, json: bool) -> None:
    from zuozhen.commands import render

    if json:
        render.emit_json(result)
    else:
        con = render.out()
        for i in result.items:
            flag = "[red]（超过叫号期限）[/red]" if i.late else ""
            con.print(f"  {i.appeal}  场次 {i.session}  期限 {i.notify_by.isoformat()}{flag}")
        late = sum(1 for i in result.items if i.late)
        render.done(
            f"已记录{result.channel}叫号 {len(result.items)} 条"
            + (f"，其中 {late} 条超过叫号期限" if late else "")
            + "。"
        )
        render.hint(
            "下一步：坐诊当天记录结果：zuozhen session hear 诉求号 --resolved 答复 | --refer"
        )
    warn_all(result.warnings)
