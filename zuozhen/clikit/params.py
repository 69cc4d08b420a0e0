"""1. The parameter hook: plain str/int/bool/Path values (and lists of str) without pydantic.

See the package docstring.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import is_dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

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
    """A parameter the hook coerces itself: one plain str, int, bool or Path value, or a
    list of str (``search TEXT…``)."""
    info = descriptor.parameter_info
    kind = descriptor.annotation
    if info.parser is not None or descriptor.file_annotation is not None:
        return False
    if kind == list[str]:
        return True
    if kind not in _SIMPLE:
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
            if (
                kind == list[str]
                and type(value) in (tuple, list)
                and all(type(v) is str for v in value)
            ):
                return list(value)
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
