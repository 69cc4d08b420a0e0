"""The command line: parse → call the library → render. Nothing else lives here.

Global options (``--db``, ``--operator``, ``--today``) become an ``App`` on the Typer
context. Every ``ZuozhenError`` becomes one Chinese line on stderr and exit code 1 in
``ZuozhenGroup.invoke``; usage errors keep Click's exit code 2, in Chinese
(``zuozhen.clikit``, the one module that knows Typer's and Click's internals, as it knows
how help is written); anything unexpected becomes one Chinese line, a crash log, and exit
code 1. Command modules import the database stack inside their functions, so
``zuozhen --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.exceptions import TyperException

from zuozhen import clikit
from zuozhen.commands.common import App
from zuozhen.errors import ZuozhenError

# Plain str/int/bool/Path values without importing pydantic; when the installed Typer is
# not the one the hook knows, commands run on Typer's own path (slower) and the crash log
# says so.
FAST_PARAMS = clikit.install_param_hook()


def crash_log(exc: BaseException) -> Path:
    import tempfile  # only on a crash: importing it costs every command ~10 ms

    folder = Path(os.environ.get("ZUOZHEN_CRASH_DIR", tempfile.gettempdir()))
    path = folder / f"zuozhen-crash-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
    path.write_text(
        f"zuozhen {' '.join(sys.argv[1:])}\n"
        f"typer {typer.__version__}，参数快速通道：{clikit.param_hook_status()}\n\n"
        + "".join(traceback.format_exception(exc)),
        encoding="utf-8",
    )
    return path


# The order of the ten steps, for `zuozhen --help`.
ORDER = (
    "init",
    "demo",
    "config",
    "calendar",
    "session",
    "announce",
    "book",
    "triage",
    "notify",
    "assign",
    "close",
    "rate",
    "amend",
    "withdraw",
    "merge",
    "audit",
    "list",
    "show",
    "history",
    "search",
    "report",
    "backup",
    "verify",
)


class ZuozhenGroup(clikit.Group):
    """Maps the project's one error base to exit code 1, in one place."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))
        return sorted(names, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))

    def invoke(self, ctx: Any) -> Any:
        from zuozhen.commands import render

        try:
            return super().invoke(ctx)
        except ZuozhenError as exc:
            render.fail(str(exc))
            raise typer.Exit(1) from None
        except (TyperException, typer.Exit, typer.Abort, KeyboardInterrupt):
            raise  # usage errors arrive in Chinese (clikit.Group), exit code 2
        except BrokenPipeError:
            raise typer.Exit(1) from None
        except Exception as exc:
            path = crash_log(exc)
            render.fail(
                f"程序内部出错（{type(exc).__name__}），案卷未被改动。详情已写入 {path}，请发给维护人员。"
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    name="zuozhen",
    cls=ZuozhenGroup,
    help="坐诊接诉案卷管理：挂号、分办、交办、承办、督办、销号、评价与通报。\n\n"
    "示例：zuozhen --db 2026.db audit",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain Click help: --help must not import Rich's markdown stack
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _globals(
    ctx: typer.Context,
    db: Annotated[
        str,
        typer.Option("--db", envvar="ZUOZHEN_DB", help="案卷：SQLite 文件路径或 SQLAlchemy URL。"),
    ] = "zuozhen.db",
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator", envvar="ZUOZHEN_OPERATOR", help="经办人（记入留痕），默认登录名。"
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today", envvar="ZUOZHEN_TODAY", help="按哪一天办理（YYYY-MM-DD），默认今天。"
        ),
    ] = None,
) -> None:
    """坐诊接诉案卷管理。"""
    if not operator:
        import getpass

        try:
            operator = getpass.getuser()
        except Exception:
            operator = "unknown"
    ctx.obj = App(db=db, operator=operator, today_text=today)


GROUPS = {
    "config": "配置名单：查看单位、地区、主题名单，增补或停用名称。",
    "calendar": "工作日历：到期日计算、月历、载入国务院放假安排。",
    "session": "坐诊场次：安排、查看、取消或改期，记录坐诊结果。",
    "assign": "交办、承办、反馈、延期、退回、阶段性进展（三办一销号）。",
    "event": "活动日：接待日、同心谈、会客厅、走访等已举办的活动。",
    "audit": "督办：每日到期与超期清单，回访，举办频次。",
    "report": "报表：服务事项清单、坐诊记录表、季度统计与通报。",
    "ledger": "台账：整改清单、重点任务台账，逐项交办、销号推进。",
}


def _register() -> None:
    """Each command module adds its commands to the app and to the shared groups."""
    from zuozhen.commands import (
        admin,
        amend,
        announce,
        booking,
        browse,
        bulletin,
        calendar,
        channel_reports,
        closing,
        demo,
        events,
        handoff,
        handoff_notice,
        hearing,
        intake,
        ledger,
        notify,
        reports,
        reschedule,
        sessions,
        supervision,
        triage,
        unit_sheets,
        withdrawal,
    )
    from zuozhen.commands import config as config_names

    groups = {
        name: typer.Typer(help=text, no_args_is_help=True, cls=clikit.Group, rich_markup_mode=None)
        for name, text in GROUPS.items()
    }
    steps = (
        sessions,
        reschedule,
        announce,
        booking,
        intake,
        triage,
        notify,
        hearing,
        handoff,
        unit_sheets,
        handoff_notice,
        closing,
        amend,
        withdrawal,
        supervision,
        events,
        ledger,
    )
    for module in (
        admin,
        demo,
        config_names,
        calendar,
        *steps,
        browse,
        reports,
        channel_reports,
        bulletin,
    ):
        module.register(app, groups)
    for name, group in groups.items():
        if group.registered_commands or group.registered_callback:
            app.add_typer(group, name=name)


_register()


def main() -> None:
    app(prog_name="zuozhen")
