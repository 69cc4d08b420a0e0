"""The command line: parse → call the library → render. Nothing else lives here.

Global options (``--db``, ``--operator``, ``--today``) become an ``App`` on the Typer
context. Every ``ZuozhenError`` becomes one Chinese line on stderr and exit code 1 in
``ZuozhenGroup.invoke``; usage errors keep Click's exit code 2, in Chinese
(``zuozhen.clikit``, the one module that knows Typer's and Click's internals, as it knows
how help is written); anything unexpected becomes one Chinese line, a crash log, and exit
code 1. Command modules import the database stack inside their functions, so
``zuozhen --help`` stays fast; and only the module of the command being run is imported
and built (``COMMANDS``, a static table checked against the registration by
tests/test_startup.py), instead of Typer building all hundred commands on every start.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.exceptions import TyperException

from zuozhen import clikit
from zuozhen.clikit.lazy import LazyCommands, build_command, command_name, lazy_group
from zuozhen.commands.common import App
from zuozhen.errors import ZuozhenError

# Plain str/int/bool/Path values without importing pydantic; when the installed Typer is
# not the one the hook knows, commands run on Typer's own path (slower) and the crash log
# says so.
FAST_PARAMS = clikit.install_param_hook()


def crash_log(exc: BaseException) -> Path:
    import tempfile  # only on a crash: importing it costs every command ~10 ms
    import traceback  # the same: with linecache and tokenize ~10 ms

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
    """Maps the project's one error base to exit code 1, in one place; builds only the
    command that is run (``COMMANDS``, see :func:`lazy_commands`)."""

    lazy = True

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        if self.lazy and not self.commands:
            self.commands = lazy_commands()

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


class EagerGroup(ZuozhenGroup):
    """Every command built at start, as Typer does by itself (:func:`eager_app`)."""

    lazy = False


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
        operator = _login_name()
    ctx.obj = App(db=db, operator=operator, today_text=today)


def _login_name() -> str:
    """``getpass.getuser()`` without importing getpass (and termios) when the environment
    names the user, as it does on every login."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if user := os.environ.get(name):
            return user
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _root(cls: type[ZuozhenGroup]) -> typer.Typer:
    root = typer.Typer(
        name="zuozhen",
        cls=cls,
        help="坐诊接诉案卷管理：挂号、分办、交办、承办、督办、销号、评价与通报。\n\n"
        "示例：zuozhen --db 2026.db audit",
        no_args_is_help=True,
        rich_markup_mode=None,  # plain Click help: --help must not import Rich's markdown stack
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_globals)
    return root


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

# The command modules (zuozhen/commands/), in the order they register.
MODULES = (
    "admin",
    "demo",
    "config",
    "calendar",
    "sessions",
    "reschedule",
    "announce",
    "booking",
    "intake",
    "triage",
    "notify",
    "hearing",
    "handoff",
    "unit_sheets",
    "handoff_notice",
    "closing",
    "amend",
    "withdrawal",
    "supervision",
    "events",
    "ledger",
    "browse",
    "reports",
    "channel_reports",
    "bulletin",
)

# Every top-level command and group, in the order of `zuozhen --help`: the modules that
# register into it and its line in the list. Checked against the eager registration by
# tests/test_cli_basics.py (a new command fails that test until it is added here).
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "init": (("admin",), "创建新的案卷（不会覆盖已有文件）。"),
    "demo": (
        ("demo",),
        "生成一份逼真的演示案卷（约 80 家企业、100 件诉求、4 个月），并演示日常操作。",
    ),
    "config": (("config",), "配置名单：查看单位、地区、主题名单，增补或停用名称。"),
    "calendar": (("calendar",), "工作日历：到期日计算、月历、载入国务院放假安排。"),
    "session": (
        ("sessions", "reschedule", "hearing"),
        "坐诊场次：安排、查看、取消或改期，记录坐诊结果。",
    ),
    "announce": (
        ("announce",),
        "生成某月的“坐诊接诉”公告：场次、挂号时间、地点、挂号方式、联系方式。",
    ),
    "book": (("booking",), "挂号：登记企业本月的诉求，或从 CSV 批量导入。"),
    "triage": (("triage",), "接诊：分类梳理、科学分办、排入场次、记录对接核实。"),
    "notify": (
        ("notify",),
        "叫号提醒：谁要通知、最迟哪天、短信内容；导出短信批量文件；记录已叫号。",
    ),
    "assign": (
        ("handoff", "unit_sheets", "handoff_notice"),
        "交办、承办、反馈、延期、退回、阶段性进展（三办一销号）。",
    ),
    "close": (("closing",), "销号：承办单位反馈后，以“已解决”或“解释说明”办结。"),
    "rate": (
        ("closing",),
        "诊后评价：记录企业对坐诊服务和办理情况的评价（每轮一次，记录后不能更改）。",
    ),
    "amend": (("amend",), "更正登记有误的内容：留痕记下原值、新值和原因；评价是企业的，不能更正。"),
    "withdraw": (
        ("withdrawal",),
        "企业撤回诉求，或 --void 作废误录的诉求；办理结束，未完成的期限全部取消，不再列入督办。",
    ),
    "merge": (
        ("withdrawal",),
        "合并重复诉求：把该诉求并入 --into 所指的诉求，只在那一项中统计和办理。",
    ),
    "audit": (
        ("supervision", "events"),
        "督办：每日清单——各环节已超期和即将到期的事项，按单位分组，以及不满意评价待回访。",
    ),
    "list": (("browse",), "按月份、状态、单位、企业、渠道列出诉求，按编号顺序。"),
    "show": (
        ("browse",),
        "查看一条诉求：各环节日期、期限（暂定/逾期标记）、轮次、交办、延期、评价、回访。",
    ),
    "history": (
        ("browse",),
        "查看留痕：谁、何时（按案卷时区，默认北京时间）、按哪一天、做了什么。",
    ),
    "search": (("browse",), "全文搜索诉求：所有轮次记录的全部文字，任意长度，几个词须全部出现。"),
    "report": (
        ("hearing", "ledger", "reports", "channel_reports", "bulletin"),
        "报表：服务事项清单、坐诊记录表、季度统计与通报。",
    ),
    "backup": (("admin",), "备份案卷：在他人继续办理时也能得到一致的副本，写完后校验。"),
    "verify": (
        ("admin",),
        "检查案卷：数据库完整性、引用关系、留痕哈希链，以及每条记录是否在程序之外被改动。",
    ),
    "intake": (
        ("intake",),
        "受理：登记坐诊以外渠道（12345、投诉、接待日、同心谈、会客厅、走访、监督员等）的诉求。",
    ),
    "event": (("events",), "活动日：接待日、同心谈、会客厅、走访等已举办的活动。"),
    "ledger": (("ledger",), "台账：整改清单、重点任务台账，逐项交办、销号推进。"),
}


def _groups() -> dict[str, typer.Typer]:
    return {
        name: typer.Typer(help=text, no_args_is_help=True, cls=clikit.Group, rich_markup_mode=None)
        for name, text in GROUPS.items()
    }


def _register(app: typer.Typer, groups: dict[str, typer.Typer], modules: tuple[str, ...]) -> None:
    """Each command module adds its commands to the app and to the shared groups."""
    from importlib import import_module

    for name in modules:
        import_module(f"zuozhen.commands.{name}").register(app, groups)


def _build(name: str) -> Any:
    """One top-level command or group, from the modules that register into it."""
    scratch, groups = typer.Typer(), _groups()
    _register(scratch, groups, COMMANDS[name][0])
    if name in groups:
        return lazy_group(groups[name], name)
    info = next(i for i in scratch.registered_commands if command_name(i) == name)
    return build_command(info)


def lazy_commands() -> LazyCommands:
    """The top-level commands: names and lines from ``COMMANDS``, each built when used."""
    return LazyCommands(list(COMMANDS), _build, {n: h for n, (_, h) in COMMANDS.items()})


def eager_app() -> typer.Typer:
    """The app with every command registered and built up front (Typer's own way): what
    the lazy ``app`` must match, command for command and help for help."""
    root, groups = _root(EagerGroup), _groups()
    _register(root, groups, MODULES)
    for name, group in groups.items():
        if group.registered_commands or group.registered_callback:
            root.add_typer(group, name=name)
    return root


app = _root(ZuozhenGroup)


def main() -> None:
    app(prog_name="zuozhen")
