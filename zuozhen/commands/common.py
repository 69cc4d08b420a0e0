"""What command modules share: the ``App`` built from the global options."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Act, CaseFile


@dataclass
class App:
    """What every command needs: where the case file is, who acts, as of which day."""

    db: str
    operator: str
    today_text: str | None
    _reader: Reader | None = field(default=None, repr=False)

    @property
    def today(self) -> date:
        if not self.today_text:
            return date.today()
        from zuozhen.validation import parse_date

        return parse_date(self.today_text, "--today 日期")

    @property
    def act(self) -> Act:
        from zuozhen.store.storage import Act

        return Act(operator=self.operator, today=self.today)

    def open(self) -> CaseFile:
        from zuozhen.store.storage import open_case_file

        self.today  # noqa: B018  (a bad --today is refused before the file is touched)
        return open_case_file(self.db)

    def reader(self) -> Reader:
        from zuozhen.store.reader import Reader

        self.today  # noqa: B018
        return Reader(self.db)


def get_app(ctx: typer.Context) -> App:
    obj = ctx.find_root().obj
    assert isinstance(obj, App)
    return obj


Json = Annotated[bool, typer.Option("--json", help="输出一个 JSON 文档（供脚本使用）。")]

AppealArg = Annotated[str, typer.Argument(metavar="诉求号", help="如 202610-007-1。")]
Force = Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件。")]
AllowNew = Annotated[
    bool,
    typer.Option(
        "--allow-new",
        help="所填单位、地区或主题不在配置名单中时，把它加入名单（记入留痕）；不加则拒绝并提示相近名称。",
    ),
]


def optional_date(value: str | None, what: str) -> date | None:
    """A date the clerk typed (``what`` names the option in the message), or None."""
    if value is None:
        return None
    from zuozhen.validation import parse_date

    return parse_date(value, what)


def act(ctx: typer.Context, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Open the case file, do one act of the domain, close it."""
    a = get_app(ctx)
    case = a.open()
    try:
        return fn(case, a.act, *args, **kwargs)
    finally:
        case.close()


def read(ctx: typer.Context, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Open the case file on the fast read path, do one read of the domain, close it."""
    with get_app(ctx).reader() as r:
        return fn(r, *args, **kwargs)


def warn_all(warnings: list[str]) -> None:
    from zuozhen.commands import render

    for w in warnings:
        render.warn(render.escape(w))


def day_label(d: object) -> str:
    """2026-10-09（星期五）"""
    from zuozhen.deadlines import weekday_zh

    assert isinstance(d, date)
    return f"{d.isoformat()}（{weekday_zh(d)}）"
