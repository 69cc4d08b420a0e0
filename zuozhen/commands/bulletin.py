"""report bulletin: step 10 (季度通报), the self-contained notice for the leadership."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zuozhen.commands.common import Force, get_app


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["report"].command("bulletin")(bulletin)


QuarterOpt = Annotated[str, typer.Option("--quarter", help="季度，YYYYQn，例如 2026Q4。")]


def bulletin(
    ctx: typer.Context,
    quarter: QuarterOpt,
    fmt: Annotated[
        str, typer.Option("--format", help="格式：html（默认）、md 或 docx（Word 公文）。")
    ] = "html",
    output: Annotated[
        Path | None,
        typer.Option("--output", help="写入文件（默认输出到屏幕；docx 必须写文件）。"),
    ] = None,
    force: Force = False,
) -> None:
    """季度通报：主要指标、各单位情况表与柱状图、超期事项、共性诉求、按主题和地区分布。

    HTML 为单个自包含文件（内嵌样式和图表，无脚本），可在浏览器中打开并按 A4 打印；
    docx 为党政机关公文格式（GB/T 9704-2012）的 Word 文档。尚未开始的季度不能通报。

    示例：zuozhen report bulletin --quarter 2026Q4 --output 2026Q4通报.html
    """
    import sys

    from zuozhen.bulletin import FORMATS, build, render_bulletin
    from zuozhen.commands import render
    from zuozhen.files.outfiles import check_target, write_text
    from zuozhen.reports import Quarter
    from zuozhen.validation import choose

    a = get_app(ctx)
    q = Quarter.parse(quarter)
    kind = choose(fmt, FORMATS, "通报格式")
    today = a.today
    q.require_started(today)
    if kind == "docx" and output is None:
        from zuozhen.errors import InputError

        raise InputError("Word 通报要写入文件：请加 --output 通报.docx。")
    if output is not None:
        check_target(output, overwrite=force, fmt=kind, option="--output")
    from threading import Thread

    from zuozhen.bulletin import warm_up

    warming = Thread(target=warm_up, args=(kind,))
    warming.start()
    try:
        with a.reader() as r:
            doc = build(r, q, today=today)
    finally:
        warming.join()
    if kind == "docx":
        from zuozhen.bulletin import bulletin_docx
        from zuozhen.files.gongwen import save

        assert output is not None
        save(bulletin_docx(doc), output, overwrite=force)
        render.done(f"已生成 {q.title}通报：{output}")
    elif output is None:
        sys.stdout.write(render_bulletin(doc, kind))
    else:
        write_text(output, render_bulletin(doc, kind), overwrite=force, fmt=kind, option="--output")
        render.done(f"已生成 {q.title}通报：{output}")
        if kind == "html":
            render.hint("用浏览器打开即可查看，打印时选择 A4 纸张。")
    if doc.total.appeals == 0:
        render.warn(f"{q.title}没有挂号受理的诉求，通报各部分写“无”。")
