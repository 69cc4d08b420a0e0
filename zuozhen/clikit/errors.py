"""4. Usage errors in Chinese: Click's, Typer's and pydantic's messages as one Chinese message."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from functools import lru_cache
from typing import IO, Any

import typer
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument, TyperOption

from zuozhen.clikit.width import is_wide

PATH_LABELS = {"file": "文件", "dir": "目录", "path": "路径"}


def plain(value: Any) -> str:
    """An option's default or choice as the clerk types it (an Enum by its value)."""
    return str(value.value) if isinstance(value, Enum) else str(value)


class ChineseUsageError(UsageError):
    """A usage error put into Chinese; shown as Click shows one, in Chinese (exit code 2)."""

    def show(self, file: IO[Any] | None = None) -> None:
        ctx = self.ctx
        color = ctx.color if ctx is not None else None
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = f"用 '{ctx.command_path} {ctx.help_option_names[0]}' 查看帮助。\n"
            typer.echo(f"{ctx.get_usage()}\n{hint}", file=file, err=True, color=color)
        typer.echo(f"错误：{self.format_message()}", file=file, err=True, color=color)


class ChineseClickError(ClickException):
    """Any other Click error (exit code 1), in Chinese."""

    def show(self, file: IO[Any] | None = None) -> None:
        typer.echo(f"错误：{self.format_message()}", file=file, err=True)


def localize(exc: ClickException) -> ClickException:
    """The same error with its message in Chinese (the help page of ``no_args_is_help``
    and an error already in Chinese are returned as they are)."""
    if isinstance(exc, ChineseUsageError | ChineseClickError | NoArgsIsHelpError):
        return exc
    if isinstance(exc, UsageError):
        zh: ClickException = ChineseUsageError(translate(exc), ctx=exc.ctx)
    else:
        zh = ChineseClickError(translate(exc))
    zh.exit_code = exc.exit_code
    return zh


def _has_cjk(text: str) -> bool:
    return any(is_wide(c) for c in text)


def _kind(param: Any, param_type: str | None = None) -> str:
    kind = param_type or getattr(param, "param_type_name", "parameter")
    return "选项" if kind == "option" else "参数"


def _param_name(exc: BadParameter) -> str:
    hint = exc.param_hint
    if hint is not None:
        return hint if isinstance(hint, str) else " / ".join(hint)
    param = exc.param
    if isinstance(param, TyperOption) and param.opts:
        return " / ".join(param.opts)
    if isinstance(param, TyperOption | TyperArgument):
        return param.display_name_raw
    return ""


def translate(exc: ClickException) -> str:
    """The message of a Click error, in Chinese."""
    if isinstance(exc, MissingParameter):
        name = _param_name(exc)
        text = f"缺少{_kind(exc.param, exc.param_type)}" + (f" {name}" if name else "")
        choices = getattr(getattr(exc.param, "type_descriptor", None), "choices", None)
        if choices:
            text += f"（可选：{'、'.join(plain(c) for c in choices)}）"
        if exc.message:
            text += f"：{translate_text(exc.message)}"
        return text
    if isinstance(exc, BadParameter):
        if _has_cjk(exc.message):  # zuozhen's own words, written for the clerk
            return exc.message
        name = _param_name(exc)
        detail = translate_text(exc.message)
        if not name:
            return f"取值无效：{detail}"
        kind = _kind(exc.param) if exc.param is not None else "选项"
        return f"{kind} {name} 的取值无效：{detail}"
    if isinstance(exc, NoSuchOption):
        text = f"没有这个选项：{exc.option_name}"
        if exc.possibilities:
            text += f"（可选：{'、'.join(sorted(exc.possibilities))}）"
        return text
    return translate_text(exc.message)


def _quoted(listing: str) -> str:
    """The listing ``'a', 'b'`` as ``a、b``."""
    return "、".join(re.findall(r"'([^']*)'", listing)) or listing


_Rule = tuple[str, str | Callable[[re.Match[str]], str]]
_RULES: list[_Rule] = [
    # Click and Typer
    (
        r"No such command '(.*)'\.(?: Did you mean (.+)\?)?",
        lambda m: (
            f"没有这个命令：{m[1]}。"
            + (f"是不是要用 {_quoted(m[2])}？" if m[2] else "请用 -h 查看可用的命令。")
        ),
    ),
    (r"Missing command\.", "缺少命令。"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", r"多余的参数：\1"),
    (r"Option '(.+)' requires an argument\.", r"选项 \1 需要一个取值。"),
    (r"Option '(.+)' requires (\d+) arguments\.", r"选项 \1 需要 \2 个取值。"),
    (r"Option '(.+)' does not take a value\.", r"选项 \1 不接受取值。"),
    (r"Argument '(.+)' takes (\d+) values\.", r"参数 \1 需要 \2 个取值。"),
    (r"No such option: (.+)", r"没有这个选项：\1"),
    (r"Value must be an iterable\.", "应给出多个取值。"),
    (r"Value (.+) is not a valid (.+)\.", r"\1 不是有效的\2。"),
    (r"'(.*)' is not one of (.+)\.", lambda m: f"“{m[1]}”不在可选范围内（可选：{_quoted(m[2])}）"),
    (r"(.+) does not match the formats (.+)\.", r"\1 不符合格式 \2"),
    (r"(file|dir|path) '(.*)' does not exist\.", lambda m: f"{PATH_LABELS[m[1]]} '{m[2]}' 不存在"),
    (r"(file|dir|path) '(.*)' is a file\.", lambda m: f"{PATH_LABELS[m[1]]} '{m[2]}' 是文件"),
    (r"(file|dir|path) '(.*)' is a directory\.", lambda m: f"{PATH_LABELS[m[1]]} '{m[2]}' 是目录"),
    (
        r"(file|dir|path) '(.*)' is not readable\.",
        lambda m: f"{PATH_LABELS[m[1]]} '{m[2]}' 不可读",
    ),
    (
        r"(file|dir|path) '(.*)' is not writable\.",
        lambda m: f"{PATH_LABELS[m[1]]} '{m[2]}' 不可写",
    ),
    (r"Could not open file '(.*)': (.*)", r"无法打开文件 '\1'：\2"),
    (r"embedded null (?:byte|character)", "含有空字符（NUL）"),
    # pydantic (Typer's own coercion)
    (r"Value error, (.*)", lambda m: translate_text(m[1])),
    (r"Input should be a valid integer.*", "应为整数"),
    (r"Unable to parse input string as an integer, exceeded maximum size", "整数位数过多"),
    (r"Input should be greater than or equal to (.+)", r"不能小于 \1"),
    (r"Input should be less than or equal to (.+)", r"不能大于 \1"),
    (r"Input should be greater than (.+)", r"应大于 \1"),
    (r"Input should be less than (.+)", r"应小于 \1"),
    (r"Input should be a finite number", "应为有限的数"),
    (r"Input should be a valid number.*", "应为数字"),
    (r"Input should be a valid boolean.*", "应为是或否（true/false、yes/no、1/0）"),
    (r"(?:Input should be a valid string|None is not a valid string).*", "应为文本"),
    (r"Input is not a valid path.*", "不是有效的路径"),
    (r"Input should be a valid (?:datetime|date).*", "应为日期时间"),
]


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]]:
    return [(re.compile(pattern, re.DOTALL), repl) for pattern, repl in _RULES]


def translate_text(message: str) -> str:
    """One message of Click, Typer or pydantic, in Chinese (an unknown one as it is)."""
    for pattern, repl in _compiled():
        match = pattern.fullmatch(message)
        if match:
            return repl(match) if callable(repl) else match.expand(repl)
    return message
