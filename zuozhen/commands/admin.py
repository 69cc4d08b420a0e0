"""Case-file commands: init."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zuozhen.cli_support import get_app


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("init")(init)


def init(
    ctx: typer.Context,
    preset: Annotated[
        str, typer.Option("--preset", help="预设：province（省级，每月）或 city（市级，每周四）。")
    ] = "province",
    config: Annotated[
        Path | None, typer.Option("--config", help="本单位的配置文件（TOML），覆盖预设中的同名项。")
    ] = None,
) -> None:
    """创建新的案卷（不会覆盖已有文件）。

    示例：zuozhen --db 2026.db init --preset city --config 本局配置.toml
    """
    from zuozhen import config as cfg
    from zuozhen import render
    from zuozhen.errors import InputError
    from zuozhen.storage import create_case_file

    a = get_app(ctx)
    override = None
    if config is not None:
        try:
            override = config.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"无法读取配置文件 {config}：{exc}。请检查路径和编码（UTF-8）。") from None
    text = cfg.compose(preset, override)
    case = create_case_file(a.db, text, a.act)
    conf = case.config
    where = case.path or case.url
    case.close()
    render.done(f"已创建案卷 {where}（{conf.organiser}·{conf.programme}，"
                f"{'每周' if conf.cadence == 'weekly' else '每月'}坐诊）。")
    render.hint("下一步：zuozhen session plan … 安排坐诊场次，或 zuozhen calendar show 查看日历。")
