"""Option types shared by the command modules."""

from __future__ import annotations

from typing import Annotated

import typer

Json = Annotated[bool, typer.Option("--json", help="输出一个 JSON 文档（供脚本使用）。")]
