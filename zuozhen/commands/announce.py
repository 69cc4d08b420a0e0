"""announce: step 2 (发布公告), the month's notice of sessions and the booking window."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zuozhen.commands.common import Json, act, get_app


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("announce")(announce)


def announce(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", help="公告月份 YYYY-MM（默认下个月）。")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="格式：md、txt、html、json 或 docx（Word 公文）。")
    ] = "md",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="写入文件（原子替换）；不写则输出到屏幕（docx 必须写文件）。"
        ),
    ] = None,
    issued: Annotated[
        str | None,
        typer.Option("--date", help="成文日期 YYYY-MM-DD（默认 --today）；定时任务请固定它。"),
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
    from zuozhen.validation import parse_date, parse_month

    a = get_app(ctx)
    if json:
        fmt = "json"
    fmt = fmt.strip().lower()
    if fmt not in domain.FORMATS:
        from zuozhen.errors import InputError

        raise InputError(f"公告格式“{fmt}”不对：可选 {'、'.join(domain.FORMATS)}。")
    if fmt == "docx" and output is None:
        from zuozhen.errors import InputError

        raise InputError("Word 公告要写入文件：请加 --output 公告.docx。")
    if output is not None:
        from zuozhen.files.outfiles import check_extension

        check_extension(output, fmt, "--output")  # before the reader, before --publish
    day = parse_date(issued, "--date") if issued else a.today
    if month is None:
        t = a.today
        year, mon = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    else:
        year, mon = parse_month(month)
    with a.reader() as r:
        ann = domain.build(r, year, mon, day)
    if fmt == "docx":
        from zuozhen import word

        data = word.announcement(ann).to_bytes()
    else:
        data = domain.render(ann, fmt).encode("utf-8")
    if ann.provisional:
        render.warn(
            f"[bold red]{year} 年国务院放假安排尚未载入，挂号时间"
            f"（{'、'.join(d.isoformat() for d in ann.booking_window)}）为暂定！[/bold red]"
            f"公告中已注明；公布后请运行 zuozhen calendar load 文件.toml 并重新生成公告。"
        )
    target = output.expanduser().resolve() if output is not None else None
    if target is not None:
        write_atomic(target, data, force=True, mode=0o644)
    else:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
    if publish:
        pub = act(ctx, domain.publish, ann, fmt, data, str(target) if target else None)
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
