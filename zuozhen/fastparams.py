"""Plain-Python coercion of simple command-line values, so a command does not import pydantic.

Typer (0.2x) coerces every option value through a pydantic ``TypeAdapter``; importing
pydantic costs about 0.1 s, paid by every ``zuozhen show`` and ``zuozhen audit`` the clerk
runs. Nearly all our parameters are plain ``str``, ``int`` or ``Path`` values with no
constraints, which need no pydantic at all: for those, this module builds a runtime
parameter that converts the value directly (same results, same usage errors); anything
else (choices, ranges, parsers, lists, dates, files) still goes through Typer's own path.

``install()`` is called once by ``zuozhen.cli``; if Typer's internals are not the ones this
was written against, it does nothing and Typer works as before, only slower.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("0", "false", "f", "no", "n", "off", "")


def install() -> bool:
    try:
        from typer import _coercion, core
        from typer._click.exceptions import BadParameter
        from typer._param_types import coerce_cli_path
    except ImportError:
        return False
    original = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if original is None or base is None or getattr(original, "_zuozhen_fast", False):
        return False

    class PlainParam(base):  # type: ignore[misc, valid-type]
        """bool / str / int / Path coerced without pydantic."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind = self.annotation
            if kind is bool:
                if isinstance(value, bool):
                    return value
                word = str(value).strip().lower()
                if word in _TRUE:
                    return True
                if word in _FALSE:
                    return False
                raise BadParameter(f"'{value}' is not a valid boolean.", ctx=ctx, param=param)
            if kind is str:
                if isinstance(value, bytes):
                    return value.decode("utf-8", "replace")
                return str(value)
            if kind is int:
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
                try:
                    number = int(str(value).strip())
                except ValueError:
                    raise BadParameter(
                        f"'{value}' is not a valid integer.", ctx=ctx, param=param
                    ) from None
                low, high = self.parameter_info.min, self.parameter_info.max
                if (low is not None and number < low) or (high is not None and number > high):
                    span = (
                        f" {low} 到 {high} 之间"
                        if low is not None and high is not None
                        else (f"不小于 {low} " if low is not None else f"不大于 {high} ")
                    )
                    raise BadParameter(f"应为{span}的整数", ctx=ctx, param=param)
                return number
            path = value if isinstance(value, Path) else Path(value)
            return coerce_cli_path(path, self.parameter_info, path_type=Path, param=param, ctx=ctx)

    def simple(descriptor: Any) -> bool:
        info = descriptor.parameter_info
        kind = descriptor.annotation
        if getattr(info, "parser", None) is not None or descriptor.file_annotation is not None:
            return False
        if kind is bool or kind is str or kind is Path:
            return getattr(info, "path_type", None) in (None, Path) if kind is Path else True
        if kind is int:
            return not getattr(info, "clamp", False)
        return False

    def build_runtime_param(descriptor: Any) -> Any:
        if simple(descriptor):
            return PlainParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )
        return original(descriptor)

    build_runtime_param._zuozhen_fast = True  # type: ignore[attr-defined]
    setattr(core, "build_runtime_param", build_runtime_param)  # noqa: B010
    return True
