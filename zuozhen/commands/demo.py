"""demo: build a realistic case file and walk through what a clerk sees."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zuozhen.commands.common import get_app


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("demo")(demo)


def _typed_on_command_line(ctx: typer.Context) -> bool:
    source = ctx.find_root().get_parameter_source("db")
    return source is not None and source.name == "COMMANDLINE"


def demo(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="演示案卷的位置（不能已存在）；默认新建一个临时文件夹。"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="随机种子：相同种子生成相同案卷。")] = 2026,
    quiet: Annotated[bool, typer.Option("--quiet", help="只生成案卷，不演示。")] = False,
) -> None:
    """生成一份逼真的演示案卷（约 80 家企业、100 件诉求、4 个月），并演示日常操作。

    演示案卷放在新建的临时文件夹中，绝不会碰您自己的案卷。

    示例：zuozhen demo
    """
    import contextlib
    import tempfile
    import time

    from zuozhen import demo as demo_lib
    from zuozhen.cli import app as root
    from zuozhen.commands import render
    from zuozhen.errors import InputError
    from zuozhen.store.core import locate

    a = get_app(ctx)
    if db is None and _typed_on_command_line(ctx):
        # `zuozhen --db 演示.db demo` means "put it there"; a case file named only by
        # ZUOZHEN_DB or the default is the clerk's own and is never touched.
        db = locate(a.db).path
        if db is None:
            raise InputError("演示案卷只生成 SQLite 文件：请用 --db 指定一个文件路径。")
    path = (
        db.expanduser().resolve()
        if db
        else Path(tempfile.mkdtemp(prefix="zuozhen-demo-")) / "demo.db"
    )
    con, err = render.out(), render.err()
    err.print(f"正在生成演示案卷 {path} ……")
    started = time.perf_counter()
    result = demo_lib.build(path, seed=seed, progress=render.hint)
    render.done(
        f"演示案卷已生成：{result.enterprises} 家企业、{result.appeals} 件诉求、{result.sessions} 场坐诊、"
        f"{result.acts} 次办理（{time.perf_counter() - started:.1f} 秒）。"
    )
    if quiet:
        return
    for n, (title, argv) in enumerate(demo_lib.walkthrough(str(path), result.today), start=1):
        con.rule(f"[bold]{n}. {title}[/bold]")
        shown = " ".join(a for a in argv[4:])
        con.print(f"[dim]$ zuozhen --db demo.db --today {result.today.isoformat()} {shown}[/dim]\n")
        with contextlib.suppress(SystemExit):
            root(argv, prog_name="zuozhen", standalone_mode=False)
        con.print()
    con.rule()
    con.print(f"演示案卷：{path}")
    con.print("自己试试（日期按演示设定）：")
    con.print(f"  export ZUOZHEN_DB={path} ZUOZHEN_TODAY={result.today.isoformat()}")
    con.print("  zuozhen list --month 2026-10        # 十月的诉求")
    con.print("  zuozhen history 202609-001-1        # 一件诉求的留痕")
    con.print("  zuozhen report bulletin --quarter 2026Q3 --output 通报.html")
