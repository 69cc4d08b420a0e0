"""session plan | list | cancel | postpone, announce, notify: steps 2, 5 and the sessions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Json, get_app

if TYPE_CHECKING:
    from zuozhen.notify import CallList, Sent
    from zuozhen.sessions import Changed, SessionInfo


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["session"]
    group.command("plan")(plan)
    group.command("list")(list_)
    group.command("cancel")(cancel)
    group.command("postpone")(postpone)
    app.command("announce")(announce)
    app.command("notify")(notify)


Units = Annotated[
    list[str] | None,
    typer.Option("--unit", help="联合坐诊单位，可写多次，第一个为牵头单位。"),
]


def _warn_all(warnings: list[str]) -> None:
    from zuozhen.commands import render

    for w in warnings:
        render.warn(render.escape(w))


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
    json: Json = False,
) -> None:
    """安排坐诊场次：一场（--date），或按周安排整月（--month --weekly）。

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
            )
        finally:
            case.close()
        if json:
            render.emit_json(result)
            _warn_all(result.warnings)
            return
        if result.sessions:
            _session_table(
                result.sessions, f"{result.month} 每周坐诊（新安排 {len(result.sessions)} 场）"
            )
            render.done(f"已安排 {len(result.sessions)} 场每周坐诊。")
        if result.skipped:
            render.hint("已安排过、本次跳过：" + "、".join(d.isoformat() for d in result.skipped))
        _warn_all(result.warnings)
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
        )
    finally:
        case.close()
    s = planned.session
    if json:
        render.emit_json(planned)
        _warn_all(planned.warnings)
        return
    _session_table([s])
    render.done(
        f"已安排场次 {s.id}：{s.date.isoformat()}（{s.weekday}）{s.start}–{s.end} {s.kind}“{render.escape(s.theme)}”。"
    )
    _warn_all(planned.warnings)
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
    _warn_all(warnings)
    if key is not None:
        render.hint(
            f"下一步：zuozhen announce --month {key} 生成公告；zuozhen notify 查看叫号名单。"
        )


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
    _warn_all(result.warnings)


def cancel(
    ctx: typer.Context,
    session: Annotated[str, typer.Argument(help="场次号，如 S202610-01。")],
    reason: Annotated[str, typer.Option("--reason", help="取消原因（记入留痕）。")],
    json: Json = False,
) -> None:
    """取消场次：已排诉求保留，须重新排诊、重新叫号。

    示例：zuozhen session cancel S202610-02 --reason 因故取消
    """
    from zuozhen.commands import render
    from zuozhen.sessions import cancel_session

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
    session: Annotated[str, typer.Argument(help="场次号，如 S202610-01。")],
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
    from zuozhen.sessions import postpone_session
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


def announce(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", help="公告月份 YYYY-MM（默认下个月）。")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="格式：md、txt、html 或 json。")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", help="写入文件（原子替换）；不写则输出到屏幕。")
    ] = None,
    publish: Annotated[bool, typer.Option("--publish", help="记录本次发布（留痕）。")] = False,
    json: Json = False,
) -> None:
    """生成某月的“坐诊接诉”公告：场次、挂号时间、地点、挂号方式、联系方式。

    示例：zuozhen announce --month 2026-10 --format html --output 公告-2026-10.html --publish
    """
    import sys

    from zuozhen import announce as domain
    from zuozhen.commands import render
    from zuozhen.notify import write_atomic
    from zuozhen.validation import parse_month

    a = get_app(ctx)
    if json:
        fmt = "json"
    fmt = fmt.strip().lower()
    if fmt not in domain.FORMATS:
        from zuozhen.errors import InputError

        raise InputError(f"公告格式“{fmt}”不对：可选 {'、'.join(domain.FORMATS)}。")
    if month is None:
        t = a.today
        year, mon = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    else:
        year, mon = parse_month(month)
    with a.reader() as r:
        ann = domain.build(r, year, mon)
    text = domain.render(ann, fmt)
    if ann.provisional:
        render.warn(
            f"[bold red]{year} 年国务院放假安排尚未载入，挂号时间"
            f"（{'、'.join(d.isoformat() for d in ann.booking_window)}）为暂定！[/bold red]"
            f"公告中已注明；公布后请运行 zuozhen calendar load 文件.toml 并重新生成公告。"
        )
    target = output.expanduser().resolve() if output is not None else None
    if target is not None:
        write_atomic(target, text.encode("utf-8"), force=True, mode=0o644)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if publish:
        case = a.open()
        try:
            pub = domain.publish(case, a.act, ann, fmt, text, str(target) if target else None)
        finally:
            case.close()
        if pub.late:
            render.warn(
                f"今天（{a.today.isoformat()}）{ann.month} 已经开始：按工作方案，公告应在上月底前发布，"
                "请尽快同步到线上线下服务专窗。"
            )
        render.done(f"已记录发布 {ann.month} 公告（{fmt}，摘要 {pub.sha256[:12]}）。")
    if target is not None:
        render.done(f"公告已写入 {target}（{len(ann.sessions)} 场坐诊）。")
    if not publish:
        render.hint(f"发布后请运行：zuozhen announce --month {ann.month} --publish（记入留痕）。")


def _call_table(listing: CallList) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.notify import is_mobile

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
    con.print("短信内容：")
    for i in listing.items:
        con.print(
            f"[bold]{i.appeal}[/bold]（{i.chars} 字，{i.segments} 条短信）{render.escape(i.text)}",
            soft_wrap=True,
        )


def notify(
    ctx: typer.Context,
    session: Annotated[
        str | None, typer.Option("--session", help="场次号；不写则为今天起所有计划中的场次。")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="导出短信平台批量发送文件（CSV，含完整手机号，记入留痕）。"),
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
    from zuozhen import notify as domain
    from zuozhen.commands import render
    from zuozhen.errors import InputError

    a = get_app(ctx)
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
    if sent:
        assert channel is not None
        case = a.open()
        try:
            result = domain.record_sent(
                case, a.act, channel=channel, session_id=session, appeals=appeal or []
            )
        finally:
            case.close()
        _sent_out(result, json)
        return
    if export is not None:
        case = a.open()
        try:
            exported = domain.export_batch(
                case, a.act, export, session_id=session, appeals=appeal or [], force=force
            )
        finally:
            case.close()
        if json:
            render.emit_json(exported)
        else:
            render.done(
                f"已导出 {exported.numbers} 个号码到 {exported.file}（含完整手机号，已记入留痕；"
                "请妥善保管，发送后删除）。"
            )
        if exported.skipped:
            render.warn(
                f"以下诉求的联系电话是座机，未导出，请电话通知：{'、'.join(exported.skipped)}"
            )
        render.hint(
            "发送成功后记录：zuozhen notify"
            + (f" --session {session}" if session else "")
            + " --sent --channel 短信"
        )
        return
    with a.reader() as r:
        listing = domain.pending(r, a.today, session)
    if appeal:
        wanted = set(x.strip() for x in appeal)
        listing = type(listing)(
            listing.today,
            listing.session,
            [i for i in listing.items if i.appeal in wanted],
            [i for i in listing.done if i.appeal in wanted],
            listing.stranded,
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
    _warn_all(result.warnings)
