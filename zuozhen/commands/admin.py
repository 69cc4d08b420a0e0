"""Case-file commands: init, backup, verify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zuozhen.commands.common import Json, get_app


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("init")(init)
    app.command("backup")(backup)
    app.command("verify")(verify)


def init(
    ctx: typer.Context,
    preset: Annotated[
        str,
        typer.Option(
            "--preset",
            help="预设：province（省级，每月）、city（市级，每周四）、county（县级“三个听取”，"
            "安宁）或 tongliao（通辽“四诊法”）。",
        ),
    ] = "province",
    config: Annotated[
        Path | None, typer.Option("--config", help="本单位的配置文件（TOML），覆盖预设中的同名项。")
    ] = None,
) -> None:
    """创建新的案卷（不会覆盖已有文件）。

    示例：zuozhen --db 2026.db init --preset city --config 本局配置.toml
    """
    from zuozhen import config as cfg
    from zuozhen.commands import render
    from zuozhen.errors import InputError
    from zuozhen.store.storage import create_case_file

    a = get_app(ctx)
    override = None
    if config is not None:
        try:
            override = config.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"无法读取配置文件 {config}：{exc}。请检查路径和编码（UTF-8）。"
            ) from None
    text = cfg.compose(preset, override)
    case = create_case_file(a.db, text, a.act)
    conf = case.config
    where = case.where
    case.close()
    render.done(
        f"已创建案卷 {where}（{conf.organiser}·{conf.programme}，"
        f"{'每周' if conf.cadence == 'weekly' else '每月'}坐诊）。"
    )
    render.hint("下一步：zuozhen session plan … 安排坐诊场次，或 zuozhen calendar show 查看日历。")


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="备份文件", help="备份文件的路径，不能已存在。")],
    json: Json = False,
) -> None:
    """备份案卷：在他人继续办理时也能得到一致的副本，写完后校验。

    示例：zuozhen backup 备份/zuozhen-2026-10-08.db
    """
    from zuozhen.commands import render
    from zuozhen.store.maintenance import backup as do_backup

    case = get_app(ctx).open()
    try:
        result = do_backup(case, file)
    finally:
        case.close()
    if json:
        render.emit_json(result)
        return
    appeals = result.rows.get("appeal", 0)
    render.done(
        f"已备份到 {result.target}（{result.bytes / 1024:.0f} KB，诉求 {appeals} 条，"
        f"留痕 {result.rows.get('trail', 0)} 条），完整性校验通过。"
    )
    render.hint("恢复：停止使用当前案卷，把备份文件复制为案卷文件名即可（见 README“备份与恢复”）。")


def verify(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option("--full", help="数据库完整性做全面检查（含每个索引与数据表逐条核对，较慢）。"),
    ] = False,
    json: Json = False,
) -> None:
    """检查案卷：数据库完整性、引用关系、留痕哈希链，以及每条记录是否在程序之外被改动。

    示例：zuozhen verify

    示例：zuozhen verify --full      # 每月一次，含索引的全面检查
    """
    from zuozhen.commands import render
    from zuozhen.store.maintenance import verify as do_verify

    case = get_app(ctx).open()
    try:
        result = do_verify(case, full=full)
    finally:
        case.close()
    if json:
        render.emit_json(result)
    else:
        con = render.out()
        mark = {True: "[green]通过[/green]", False: "[red]未通过[/red]"}
        con.print(f"数据库完整性：{mark[result.integrity == 'ok']}（{result.integrity}）")
        con.print(f"引用关系：{mark[not result.foreign_keys]}")
        for line in result.foreign_keys:
            con.print(f"  · {line}")
        con.print(f"留痕哈希链（{result.trail_rows} 条）：{mark[not result.trail_problems]}")
        for line in result.trail_problems:
            con.print(f"  · {line}")
        con.print(f"评价与留痕一致：{mark[not result.ratings]}")
        for line in result.ratings:
            con.print(f"  · {line}")
        con.print(f"记录与留痕一致（{result.records_checked} 条记录）：{mark[not result.records]}")
        for t in result.records:
            con.print(f"  · {t.problem}")
    if not result.ok:
        render.fail("案卷检查未通过：请勿继续录入，联系管理员并从最近一次备份恢复。")
        raise typer.Exit(1)
