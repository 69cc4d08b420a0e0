"""3. Chinese help: formatter, context, command and group classes."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from typer import _click
from typer._click.exceptions import (
    ClickException,
    UsageError,
)
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from zuozhen.clikit.errors import PATH_LABELS, localize, plain
from zuozhen.clikit.width import cell_width, join_lines, wrap, wrap_text

USAGE = "用法："
HELP_OPTION = "显示帮助并退出。"
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]…"
_TYPER_METAVARS = {"[OPTIONS]": OPTIONS_METAVAR, "COMMAND [ARGS]...": SUBCOMMAND_METAVAR}
_TYPE_LABELS: dict[Any, str] = {str: "文本", int: "整数", float: "数字", bool: "是/否"}


class HelpFormatter(_click.HelpFormatter):
    """Click's help formatter, measuring in terminal columns and wrapping Chinese."""

    def __init__(
        self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None
    ) -> None:
        super().__init__(indent_increment, width, max_width)
        if width is None:
            import shutil

            # Click's floor of 50 columns would overflow a narrower terminal.
            columns = shutil.get_terminal_size().columns
            self.width = max(min(columns, max_width or 80) - 2, 30)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        head = f"{' ' * self.current_indent}{USAGE if prefix is None else prefix}{prog} "
        if self.width - cell_width(head) >= 20:
            lines = wrap(args, self.width, head, " " * cell_width(head), cjk_breaks=False)
        else:
            pad = " " * (self.current_indent + 4)
            lines = [head.rstrip(), *wrap(args, self.width, pad, pad, cjk_breaks=False)]
        self.write("\n".join(lines) + "\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{' ' * self.current_indent}{heading}：\n")

    def write_text(self, text: str) -> None:
        self.write("\n".join(wrap_text(text, self.width, " " * self.current_indent)) + "\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        if not rows:
            return
        indent = self.current_indent
        first = min(max(cell_width(term) for term, _ in rows), col_max) + col_spacing
        pad = " " * (indent + first)
        text_width = max(self.width - indent - first, 10)
        for term, text in rows:
            names = wrap(term, self.width, " " * indent, " " * (indent + 4), cjk_breaks=False)
            for line in names[:-1]:
                self.write(line + "\n")
            last = names[-1]
            body = wrap_text(text, text_width) if text else []
            if not body:
                self.write(last + "\n")
            elif cell_width(last) <= indent + first - col_spacing:
                self.write(last + " " * (indent + first - cell_width(last)) + body[0] + "\n")
            else:
                self.write(last + "\n" + pad + body[0] + "\n")
            for line in body[1:]:
                self.write((pad + line).rstrip() + "\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        self.write_paragraph()
        self.write_heading(name)
        self.indent()
        try:
            yield
        finally:
            self.dedent()


class Context(_click.Context):
    formatter_class = HelpFormatter


class _Chinese(_click.Command):
    """Help in Chinese; mixed into :class:`Command` and :class:`Group`."""

    context_class = Context

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            if exc.ctx is None:  # the parser's own errors: the usage line needs the context
                exc.ctx, exc.cmd = ctx, self
            raise

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        return [usage_piece(p) for p in super().collect_usage_pieces(ctx)]

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def format_help_text(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        text = inspect.cleandoc(self.help).partition("\f")[0] if self.help else ""
        if self.deprecated:
            text += "（已停用）" if self.deprecated is True else f"（已停用：{self.deprecated}）"
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = help_record(param, ctx)
            if record is not None:
                (arguments if param.param_type_name == "argument" else options).append(record)
        if arguments:
            with formatter.section("参数"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("选项"):
                formatter.write_dl(options)


class Command(_Chinese, TyperCommand):
    """A Typer command with Chinese help."""


class Group(_Chinese, TyperGroup):
    """A Typer group with Chinese help and Chinese usage errors; adopts its commands."""

    def __init__(
        self,
        *,
        commands: dict[str, _click.Command] | Sequence[_click.Command] | None = None,
        **attrs: Any,
    ) -> None:
        super().__init__(commands=commands, **attrs)
        for command in self.commands.values():
            adopt(command)

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(self.commands)  # the names only: lazy commands stay unbuilt

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            known = getattr(self.commands, "help_of", None)
            text = known(name) if known is not None else None
            if text is not None:  # a lazy command's line, from its static table
                rows.append((name, text))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, short_help(command)))
        if rows:
            with formatter.section("命令"):
                formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: _click.Context | None = None,
        **extra: Any,
    ) -> _click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except ClickException as exc:
            raise localize(exc) from None

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            raise localize(exc) from None
        except (typer.Abort, EOFError):
            typer.echo("\n已中止。", err=True)
            raise typer.Exit(1) from None


def adopt(command: _click.Command) -> None:
    """Give a command Typer built the Chinese help: its class becomes the matching subclass,
    which adds no state (Typer offers no way to choose the class of every command)."""
    if type(command) is TyperCommand:
        command.__class__ = Command
    elif type(command) is TyperGroup:
        command.__class__ = Group
        for child in command.commands.values():
            adopt(child)


def short_help(command: _click.Command) -> str:
    """A command's line in its group's list: its short help, or its help's first paragraph."""
    if command.short_help:
        return join_lines(inspect.cleandoc(command.short_help).splitlines())
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    return join_lines(text.split("\n\n")[0].splitlines())


def usage_piece(piece: str) -> str:
    """One piece of the usage line in Chinese: a required argument bare (``诉求号``, Typer
    writes ``{诉求号}``), an optional one in brackets, several as ``检索词…``."""
    piece = _TYPER_METAVARS.get(piece, piece)
    if piece.endswith("..."):
        piece = piece[:-3] + "…"
    if piece.startswith("{") and piece.rstrip("…").endswith("}"):
        piece = piece[1:].replace("}", "", 1)
    return piece


def type_label(param: TyperOption | TyperArgument) -> str:
    """The value's kind, in Chinese, for the help: 文本、整数、路径、a|b|c …"""
    if param.metavar is not None:
        return param.metavar
    return value_label(param)


def value_label(param: TyperOption | TyperArgument) -> str:
    """The value's kind from its type alone (``type_label`` without the metavar)."""
    desc = param.type_descriptor
    if desc.is_choice:
        label = "|".join(plain(c) for c in desc.choices or ())
    elif desc.is_tuple:
        label = ",".join(_TYPE_LABELS.get(a, getattr(a, "__name__", str(a))) for a in _args(desc))
    elif desc.is_file:
        label = "文件"
    elif desc.is_datetime:
        formats = desc.parameter_info.formats
        label = "|".join(formats) if formats else "日期时间"
    elif desc.is_list:
        (item,) = _args(desc)
        if isinstance(item, type) and issubclass(item, Path):
            label = PATH_LABELS[desc.path_type]
        else:
            label = _TYPE_LABELS.get(item, getattr(item, "__name__", str(item)))
    elif desc.is_path:
        label = PATH_LABELS[desc.path_type]
    else:
        kind = desc.annotation
        label = _TYPE_LABELS.get(kind, getattr(kind, "__name__", str(kind)))
    return f"<{label}>" + ("…" if desc.is_list else "")


def _args(desc: Any) -> tuple[Any, ...]:
    from typing import get_args

    return get_args(desc.annotation)


def default_text(param: TyperOption | TyperArgument, ctx: _click.Context) -> str:
    """The default as the help shows it, or "" when there is none to show."""
    if isinstance(param.show_default, str):
        return param.show_default
    if not (param.show_default or ctx.show_default):
        return ""
    value = param.get_default(ctx, call=False)
    if value is None:
        return ""
    if isinstance(param, TyperOption) and param.is_bool_flag:
        if param.secondary_opts:
            return (param.opts if value else param.secondary_opts)[0].lstrip("-/")
        return "是" if value else ""
    if callable(value) and not isinstance(value, Enum):
        return "（动态）"
    if isinstance(value, list | tuple):
        return "、".join(plain(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return plain(value)


def range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"范围：{low}–{high}"
    if low is not None:
        return f"不小于 {low}"
    return f"不大于 {high}" if high is not None else ""


def help_record(param: _click.Parameter, ctx: _click.Context) -> tuple[str, str] | None:
    """(name, help) of one parameter for the options or arguments list, in Chinese."""
    if not isinstance(param, TyperOption | TyperArgument):
        return param.get_help_record(ctx)
    if param.hidden:
        return None
    if isinstance(param, TyperOption):
        names = [", ".join(sorted(param.opts, key=lambda o: len(_prefix(o))))]
        if param.secondary_opts:
            names.append(", ".join(param.secondary_opts))
        if not param.is_flag and not param.count:
            names = [f"{n} {type_label(param)}" for n in names]
        name = " / ".join(names)
    else:
        # An argument is named in Chinese by its metavar (诉求号); its kind follows unless
        # it is plain text, which the name already says.
        name = param.display_name_raw + ("…" if param.nargs != 1 else "")
        kind = value_label(param) if param.metavar is not None else type_label(param)
        if param.metavar is None or kind.rstrip("…") != "<文本>":
            name = f"{name} {kind}"
    notes = []
    if param.show_envvar and param.envvar:
        envvar = param.envvar if isinstance(param.envvar, str) else "、".join(param.envvar)
        notes.append(f"环境变量：{envvar}")
    default = default_text(param, ctx)
    if default:
        notes.append(f"默认：{default}")
    if not (isinstance(param, TyperOption) and param.count and param.min == 0):
        span = range_text(param.min, param.max)
        if span:
            notes.append(span)
    if param.required:
        notes.append("必填")
    text = param.help or ""
    if notes:
        text = f"{text}  [{'；'.join(notes)}]" if text else f"[{'；'.join(notes)}]"
    return name, text


def _prefix(option: str) -> str:
    return option[: len(option) - len(option.lstrip("-/+"))]
