"""Rendering results for the clerk (Rich) or for scripts (``--json``).

Domain functions return small frozen results; commands hand them here. With ``--json``
exactly one JSON document goes to stdout and every message goes to stderr, so a script
can pipe the output straight into ``jq``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_jsonable(value: Any) -> Any:
    if hasattr(value, "as_json"):
        return value.as_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return value


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2, default=_default))
    sys.stdout.write("\n")


def done(message: str) -> None:
    """A confirmation of what was done (stderr, so --json output stays clean)."""
    err().print(f"[green]✓[/green] {message}")


def warn(message: str) -> None:
    err().print(f"[yellow]注意：[/yellow]{message}")


def hint(message: str) -> None:
    err().print(f"[dim]{message}[/dim]")


def fail(message: str) -> None:
    err().print(f"[red]错误：[/red]{message}", soft_wrap=True)


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)
