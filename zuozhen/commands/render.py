"""Rendering results for the clerk (Rich) or for scripts (``--json``).

Domain functions return small frozen results; commands hand them here. With ``--json``
exactly one JSON document goes to stdout and every message goes to stderr, so a script
can pipe the output straight into ``jq``.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

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
    sys.stdout.write(dumps(to_jsonable(value)))
    sys.stdout.write("\n")


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, default=_default)``, the same text
    character for character, in about half the time: with ``indent`` the standard library
    falls back to its generator-based Python encoder (C only without indent), which costs
    0.2 s on a 10,000-item ledger. Strings go through the C ``encode_basestring``; a
    record's key lines are made once per nesting level (``tests/test_outputs.py``)."""
    writer = _Writer()
    writer.write(value, "\n")
    return "".join(writer.out)


class _Writer:
    def __init__(self) -> None:
        from json.encoder import encode_basestring

        self.enc = encode_basestring
        self.out: list[str] = []
        self.lines: dict[str, dict[str, str]] = {}  # indent → key → the start of its line

    def write(self, v: Any, nl: str) -> None:
        t = type(v)
        if t is str:
            self.out.append(self.enc(v))
        elif t is dict:
            self.record(v, nl)
        elif t is list or t is tuple:
            self.array(v, nl)
        else:
            self.scalar(v, nl)

    def record(self, v: dict[Any, Any], nl: str) -> None:
        put, enc = self.out.append, self.enc
        if not v:
            put("{}")
            return
        inner = nl + "  "
        lines = self.lines.setdefault(inner, {})
        mark = "{"
        for k, x in v.items():
            line = lines.get(k) if type(k) is str else None
            if line is None:
                line = inner + enc(_key(k)) + ": "
                if type(k) is str:
                    lines[k] = line
            t = type(x)  # the common values inline: one call less each
            if t is str:
                put(mark + line + enc(x))
            elif x is None:
                put(mark + line + "null")
            elif t is bool:
                put(mark + line + ("true" if x else "false"))
            elif t is int:
                put(mark + line + int.__repr__(x))
            else:
                put(mark + line)
                self.write(x, inner)
            mark = ","
        put(nl + "}")

    def array(self, v: list[Any] | tuple[Any, ...], nl: str) -> None:
        put, enc = self.out.append, self.enc
        if not v:
            put("[]")
            return
        inner = nl + "  "
        try:  # a list of strings (units, IDs) in one join
            put("[" + inner + ("," + inner).join(map(enc, v)) + nl + "]")
            return
        except TypeError:
            pass
        sep = "[" + inner
        for x in v:
            put(sep)
            sep = "," + inner
            if type(x) is str:
                put(enc(x))
            else:
                self.write(x, inner)
        put(nl + "]")

    def scalar(self, v: Any, nl: str) -> None:
        put = self.out.append
        if v is None or v is True or v is False:
            put("null" if v is None else "true" if v else "false")
        elif isinstance(v, str):
            put(self.enc(v))
        elif isinstance(v, int):
            put(int.__repr__(v))
        elif isinstance(v, float):
            put(_float(v))
        elif isinstance(v, list | tuple):
            self.array(list(v), nl)
        elif isinstance(v, dict):
            self.record(dict(v), nl)
        else:
            self.write(_default(v), nl)


def _float(v: float) -> str:
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return float.__repr__(v)


def _key(k: Any) -> str:
    """A key as ``json`` writes it: str as is; bool, None and numbers spelt as JSON."""
    if isinstance(k, str):
        return k
    if k is None or k is True or k is False:
        return "null" if k is None else "true" if k else "false"
    if isinstance(k, int):
        return int.__repr__(k)
    if isinstance(k, float):
        return _float(k)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")


def _say(markup: str, message: str, **kwargs: Any) -> None:
    """Print to stderr; a message carrying the clerk's own text with stray brackets (an
    invalid markup tag such as ``[/]``) is printed literally instead of failing."""
    from rich.errors import MarkupError

    try:
        err().print(markup.format(message), **kwargs)
    except MarkupError:
        err().print(markup.format(escape(message)), **kwargs)


def done(message: str) -> None:
    """A confirmation of what was done (stderr, so --json output stays clean)."""
    _say("[green]✓[/green] {}", message)


def warn(message: str) -> None:
    _say("[yellow]注意：[/yellow]{}", message)


def hint(message: str) -> None:
    _say("[dim]{}[/dim]", message)


def outcome(
    result: Any,
    json: bool,
    *,
    said: str,
    details: Iterable[str] = (),
    warning: str | None = None,
    next_step: str | None = None,
) -> None:
    """What one act did: with ``--json`` its result as the one JSON document; otherwise
    ``said`` (done), its ``details`` (stdout), a ``warning`` and the ``next_step`` (hint)."""
    if json:
        emit_json(result)
        return
    done(said)
    for line in details:
        out().print(line)
    if warning:
        warn(warning)
    if next_step:
        hint(next_step)


def fail(message: str) -> None:
    # Error messages are plain text that may quote what the clerk typed: never markup.
    err().print(f"[red]错误：[/red]{escape(message)}", soft_wrap=True)


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)


def columns(head: list[str], rows: Any, *, width: int | None = None) -> int:
    """A long listing as plain aligned columns, streamed (Rich tables cost ~1 ms a row).

    Column widths (in terminal columns: a CJK character is two) come from the header and
    the first 200 rows, at most 18; the last column takes what is left of the terminal.
    A cell cut to fit ends with “…”. Returns the number of rows printed.
    """
    from itertools import chain, islice

    from rich.cells import cell_len, set_cell_size

    con = out()
    total = width or con.width
    it = iter(rows)
    sample = list(islice(it, 200))
    widths = [
        max([cell_len(h)] + [cell_len(r[i]) for r in sample]) for i, h in enumerate(head[:-1])
    ]
    widths = [min(w, 18) for w in widths]
    last = max(16, total - sum(widths) - 2 * len(widths))
    write = con.file.write

    def cut(text: str, w: int) -> str:
        # A wide character that does not fit leaves a space, not half of itself: drop it.
        return set_cell_size(text, w - 1).rstrip() + "…" if cell_len(text) > w else text

    def line(cells: list[str]) -> str:
        parts = [set_cell_size(cut(c, w), w) for c, w in zip(cells, widths, strict=False)]
        return "  ".join([*parts, cut(cells[-1], last)]).rstrip() + "\n"

    write(line(head))
    tail = max([cell_len(head[-1])] + [cell_len(r[-1]) for r in sample])  # the rule's end
    write("  ".join("─" * w for w in [*widths, min(last, 40, tail)]) + "\n")
    n = 0
    for r in chain(sample, it):
        write(line(r))
        n += 1
    return n
