"""Everything zuozhen knows about Typer's and Click's internals, in one module.

Typer (pinned ``>=0.26,<0.30``) bundles its own Click as ``typer._click``; nothing else in
zuozhen imports it. In this module:

1. **The parameter hook** (:func:`install_param_hook`). Typer coerces every command-line
   value through a pydantic ``TypeAdapter``, and importing pydantic costs every
   ``zuozhen show`` about 0.1 s. For the plain ``str``, ``int``, ``bool`` and ``Path``
   parameters the hook builds a runtime parameter that accepts the well-formed values
   itself — those whose result is certain, checked against Typer's own path by
   ``tests/test_clikit.py`` — and hands every other value to Typer's own runtime parameter,
   so a refusal is always Typer's own refusal, word for word. The hook goes in only when
   the signatures it relies on are the ones it was written against
   (:func:`param_hook_mismatch`); otherwise the app runs on Typer's own path, only slower.

2. **Display width.** :class:`HelpFormatter` measures text in terminal columns (a CJK
   character is two, see :func:`cell_width`) and wraps Chinese between any two characters
   (never before a closing or after an opening punctuation mark) and English only at
   spaces, so no help line is wider than the terminal.

3. **Chinese help.** :class:`Group` and :class:`Command` write help with Chinese headings
   (用法、参数、选项、命令), type labels and notes ([必填]、[默认：…]). Typer builds each
   command as a ``TyperCommand`` unless every ``.command()`` call names a class; a
   :class:`Group` therefore adopts the commands it is given (:func:`adopt`): their class
   becomes :class:`Command`, a subclass that adds no state and only writes help.

4. **Usage errors in Chinese.** :class:`Group` passes every Click error through
   :func:`localize`: Click's, Typer's and pydantic's messages become one Chinese message
   (:func:`translate`), shown by :class:`ChineseUsageError` with Click's layout and exit
   code 2.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import is_dataclass
from enum import Enum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import IO, Any

import typer
from typer import _click
from typer._click.exceptions import (
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# ---------------------------------------------------------------------------------------
# 1. The parameter hook
# ---------------------------------------------------------------------------------------

_HOOK_MARK = "_zuozhen_param_hook"
_SIMPLE = (str, int, bool, Path)
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})

# What the hook relies on, by name: the signatures of the functions it calls or replaces,
# the fields of the dataclasses it builds or reads, the attributes of ParameterInfo it reads.
_EXPECTED_SIGNATURES = {
    "build_runtime_param": ["descriptor"],
    "RuntimeParam.__init__": ["self", "parameter_info", "annotation"],
    "RuntimeParam.coerce": ["self", "value", "param", "ctx"],
    "RuntimeParam._coerce_value": ["self", "value", "param", "ctx"],
    "coerce_cli_path": ["value", "parameter_info", "path_type", "param", "ctx"],
}
_DESCRIPTOR_FIELDS = {"annotation", "parameter_info", "file_annotation"}
_PARAMETER_INFO_ATTRS = {"parser", "path_type", "clamp", "min", "max"}

_declined: str | None = None


def param_hook_mismatch() -> str | None:
    """Why the parameter hook cannot go into the installed Typer, or None when it can."""
    try:
        from typer import _coercion, core, models
        from typer._param_types import coerce_cli_path
    except ImportError as exc:
        return f"Typer 的内部模块已变化：{exc}"
    runtime = getattr(_coercion, "RuntimeParam", None)
    descriptor = getattr(_coercion, "TypeDescriptor", None)
    build = getattr(core, "build_runtime_param", None)  # the name the hook replaces
    if runtime is None or descriptor is None or build is None:
        return "Typer 里没有 RuntimeParam、TypeDescriptor 或 typer.core.build_runtime_param"
    found = {
        "build_runtime_param": build,
        "RuntimeParam.__init__": runtime.__init__,
        "RuntimeParam.coerce": getattr(runtime, "coerce", None),
        "RuntimeParam._coerce_value": getattr(runtime, "_coerce_value", None),
        "coerce_cli_path": coerce_cli_path,
    }
    for name, expected in _EXPECTED_SIGNATURES.items():
        function = found[name]
        try:
            names = list(inspect.signature(function).parameters) if function else None
        except (TypeError, ValueError):
            names = None
        if names != expected:
            return f"{name} 的签名是 {names}，钩子按 {expected} 编写"
    if not getattr(getattr(runtime, "__dataclass_params__", None), "frozen", False):
        return "RuntimeParam 不再是 frozen dataclass"
    fields = {f.name for f in dataclasses.fields(descriptor)} if is_dataclass(descriptor) else set()
    if not fields >= _DESCRIPTOR_FIELDS:
        return f"TypeDescriptor 没有字段 {sorted(_DESCRIPTOR_FIELDS)}"
    info_params = set(inspect.signature(models.ParameterInfo.__init__).parameters)
    if not info_params >= _PARAMETER_INFO_ATTRS:
        return f"ParameterInfo 没有 {sorted(_PARAMETER_INFO_ATTRS - info_params)}"
    # The hook replaces the name typer.core looks up when a parameter first coerces a value.
    getter = getattr(getattr(core, "_TyperParameter", None), "get_runtime_param", None)
    if getter is None or "build_runtime_param" not in getter.__code__.co_names:
        return "_TyperParameter.get_runtime_param 不再调用 build_runtime_param"
    if build is not getattr(_coercion, "build_runtime_param", None):
        return "typer.core.build_runtime_param 已被别的代码替换"
    return None


def install_param_hook() -> bool:
    """Put the hook into Typer; True when it is in (now or before), False when declined."""
    global _declined
    from typer import core

    if getattr(getattr(core, "build_runtime_param", None), _HOOK_MARK, False):
        return True
    _declined = param_hook_mismatch()
    if _declined is not None:
        return False
    hook = make_param_hook(getattr(core, "build_runtime_param"))  # noqa: B009
    setattr(core, "build_runtime_param", hook)  # noqa: B010
    return True


def param_hook_status() -> str:
    """One line for the crash log: is the hook in, and if not, why."""
    from typer import core

    if getattr(getattr(core, "build_runtime_param", None), _HOOK_MARK, False):
        return "已安装"
    return f"未安装（{_declined or '未调用 install_param_hook'}）"


def is_simple(descriptor: Any) -> bool:
    """A parameter the hook coerces itself: one plain str, int, bool or Path value."""
    info = descriptor.parameter_info
    kind = descriptor.annotation
    if kind not in _SIMPLE or info.parser is not None or descriptor.file_annotation is not None:
        return False
    if kind is Path:
        return info.path_type in (None, Path)
    if kind is int:
        return not info.clamp
    return True


def make_param_hook(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A ``build_runtime_param`` that gives simple parameters a :func:`fast_param_type`."""
    from typer import _coercion

    fast = fast_param_type(_coercion.RuntimeParam, original)

    def build_runtime_param(descriptor: Any) -> Any:
        if is_simple(descriptor):
            return fast(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
        return original(descriptor)

    setattr(build_runtime_param, _HOOK_MARK, True)
    return build_runtime_param


def fast_param_type(base: type[Any], original: Callable[[Any], Any]) -> type[Any]:
    """The runtime parameter class of the hook, derived from Typer's ``RuntimeParam``."""
    from typer._param_types import coerce_cli_path

    @dataclasses.dataclass(frozen=True)
    class FastParam(base):  # type: ignore[misc]
        """Accepts what is certainly valid; everything else goes to Typer's own path."""

        descriptor: Any

        @cached_property
        def typer_path(self) -> Any:
            return original(self.descriptor)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind = self.annotation
            info = self.parameter_info
            if kind is str and type(value) is str:
                return value
            if kind is int:
                number = _plain_int(value)
                if number is not None and _in_range(number, info.min, info.max):
                    return number
            elif kind is bool:
                answer = _plain_bool(value)
                if answer is not None:
                    return answer
            elif kind is Path and (isinstance(value, Path) or type(value) is str):
                try:
                    return coerce_cli_path(
                        value if isinstance(value, Path) else Path(value),
                        info,
                        path_type=Path,
                        param=param,
                        ctx=ctx,
                    )
                except Exception:
                    pass  # refused: Typer's own path says why, in its own words
            return self.typer_path._coerce_value(value, param=param, ctx=ctx)

    return FastParam


def _plain_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) is not str:
        return None
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return int(value)
    except ValueError:  # more digits than int() converts
        return None


def _in_range(number: int, low: float | None, high: float | None) -> bool:
    return (low is None or number >= low) and (high is None or number <= high)


def _plain_bool(value: Any) -> bool | None:
    if type(value) is bool:
        return value
    if type(value) is not str:
        return None
    word = value.strip()
    if not word:
        return False
    if not word.isascii():
        return None
    word = word.lower()
    return True if word in _TRUE else False if word in _FALSE else None


# ---------------------------------------------------------------------------------------
# 2. Display width and wrapping
# ---------------------------------------------------------------------------------------

# No line starts with a closing mark; no line ends with an opening one.
_CLOSING = frozenset("，。、；：？！）］｝〕】〗》〉」』”’…—,.;:?!)]}%·")
_OPENING = frozenset("（［｛〔【〖《〈「『“‘([{")


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Columns the text takes in a terminal: East-Asian wide and fullwidth characters two."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _is_wide(char: str) -> bool:
    return not char.isascii() and _char_width(char) == 2


def _atoms(text: str, cjk_breaks: bool) -> list[tuple[bool, str]]:
    """The unbreakable pieces of a text, each with whether a space came before it.

    A run of narrow characters is one piece; each wide character is a piece of its own
    (``cjk_breaks``); closing marks stick to the piece before, opening marks to the next;
    a bracketed note without spaces (``[默认：zuozhen.db]``) is one piece.
    """
    atoms: list[tuple[bool, str]] = []
    space = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            space, i = True, i + 1
            continue
        j = i + 1
        end = text.find("]", i) if char == "[" else -1
        if end > 0 and not any(c.isspace() for c in text[i:end]):
            j = end + 1  # a bracketed note such as [默认：zuozhen.db] stays whole
        elif not (cjk_breaks and _is_wide(char)):
            while j < n and not text[j].isspace() and not (cjk_breaks and _is_wide(text[j])):
                j += 1
        piece = text[i:j]
        if atoms and not space and (piece[0] in _CLOSING or atoms[-1][1][-1] in _OPENING):
            atoms[-1] = (atoms[-1][0], atoms[-1][1] + piece)
        else:
            atoms.append((space, piece))
        space, i = False, j
    return atoms


def _cut(piece: str, columns: int) -> tuple[str, str]:
    """The head of ``piece`` that fits in ``columns`` (at least one character), and the rest."""
    used = 0
    for k, char in enumerate(piece):
        used += _char_width(char)
        if used > columns:
            return piece[: max(k, 1)], piece[max(k, 1) :]
    return piece, ""


def wrap(
    text: str,
    width: int,
    initial_indent: str = "",
    subsequent_indent: str = "",
    *,
    cjk_breaks: bool = True,
) -> list[str]:
    """Lines of at most ``width`` columns (a word longer than a line is cut)."""
    lines: list[str] = []
    line, used, empty = initial_indent, cell_width(initial_indent), True
    for space, piece in _atoms(text, cjk_breaks):
        size = cell_width(piece)
        gap = 1 if space and not empty else 0
        if not empty and used + gap + size > width:
            lines.append(line)
            line, used, empty, gap = subsequent_indent, cell_width(subsequent_indent), True, 0
        while empty and used + size > width and len(piece) > 1:
            head, piece = _cut(piece, width - used)
            lines.append(line + head)
            line, used = subsequent_indent, cell_width(subsequent_indent)
            size = cell_width(piece)
        line += " " * gap + piece
        used += gap + size
        empty = False
    if not empty or not lines:
        lines.append(line)
    return lines


def join_lines(lines: Iterable[str]) -> str:
    """One paragraph from its source lines: a line break between two CJK characters is
    dropped, any other becomes a space."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and not (_is_wide(out[-1]) and _is_wide(line[0])):
            out += " "
        out += line
    return out


def _paragraphs(text: str) -> Iterator[tuple[int, bool, list[str]]]:
    """(indent, keep as written, lines) per paragraph; ``\\b`` alone on the first line of a
    paragraph keeps its lines as written, as in Click."""
    block: list[str] = []
    for line in [*text.expandtabs().splitlines(), ""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            indent = cell_width(block[0]) - cell_width(block[0].lstrip())
            if block[0].strip() == "\b":
                yield indent, True, block[1:]
            else:
                yield indent, False, block
            block = []


def wrap_text(text: str, width: int, indent: str = "") -> list[str]:
    """Paragraphs of ``text`` wrapped to ``width`` columns, a blank line between them."""
    out: list[str] = []
    for extra, raw, lines in _paragraphs(text):
        if out:
            out.append("")
        prefix = indent + " " * extra
        if raw:
            for line in lines:
                lead = " " * (cell_width(line) - cell_width(line.lstrip()))
                out.extend(wrap(line.strip(), width, indent + lead, indent + lead))
        else:
            out.extend(wrap(join_lines(lines), width, prefix, prefix))
    return out


# ---------------------------------------------------------------------------------------
# 3. Chinese help: formatter, context, command and group classes
# ---------------------------------------------------------------------------------------

USAGE = "用法："
HELP_OPTION = "显示帮助并退出。"
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]…"
_TYPER_METAVARS = {"[OPTIONS]": OPTIONS_METAVAR, "COMMAND [ARGS]...": SUBCOMMAND_METAVAR}
_TYPE_LABELS: dict[Any, str] = {str: "文本", int: "整数", float: "数字", bool: "是/否"}
_PATH_LABELS = {"file": "文件", "dir": "目录", "path": "路径"}


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
        return [_TYPER_METAVARS.get(p, p) for p in super().collect_usage_pieces(ctx)]

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

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
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


def type_label(param: TyperOption | TyperArgument) -> str:
    """The value's kind, in Chinese, for the help: 文本、整数、路径、a|b|c …"""
    if param.metavar is not None:
        return param.metavar
    desc = param.type_descriptor
    if desc.is_choice:
        label = "|".join(_plain(c) for c in desc.choices or ())
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
            label = _PATH_LABELS[desc.path_type]
        else:
            label = _TYPE_LABELS.get(item, getattr(item, "__name__", str(item)))
    elif desc.is_path:
        label = _PATH_LABELS[desc.path_type]
    else:
        kind = desc.annotation
        label = _TYPE_LABELS.get(kind, getattr(kind, "__name__", str(kind)))
    return f"<{label}>" + ("…" if desc.is_list else "")


def _args(desc: Any) -> tuple[Any, ...]:
    from typing import get_args

    return get_args(desc.annotation)


def _plain(value: Any) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


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
        return "、".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return _plain(value)


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
        name = param.display_name_raw + ("…" if param.nargs != 1 and param.metavar is None else "")
        name = f"{name} {type_label(param)}"
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


# ---------------------------------------------------------------------------------------
# 4. Usage errors in Chinese
# ---------------------------------------------------------------------------------------


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
    return any(_is_wide(c) for c in text)


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
            text += f"（可选：{'、'.join(_plain(c) for c in choices)}）"
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
    (r"(file|dir|path) '(.*)' does not exist\.", lambda m: f"{_PATH_LABELS[m[1]]} '{m[2]}' 不存在"),
    (r"(file|dir|path) '(.*)' is a file\.", lambda m: f"{_PATH_LABELS[m[1]]} '{m[2]}' 是文件"),
    (r"(file|dir|path) '(.*)' is a directory\.", lambda m: f"{_PATH_LABELS[m[1]]} '{m[2]}' 是目录"),
    (
        r"(file|dir|path) '(.*)' is not readable\.",
        lambda m: f"{_PATH_LABELS[m[1]]} '{m[2]}' 不可读",
    ),
    (
        r"(file|dir|path) '(.*)' is not writable\.",
        lambda m: f"{_PATH_LABELS[m[1]]} '{m[2]}' 不可写",
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
