"""The layout rules of issue 10, kept by CI.

Every module of the package says what it is in a docstring, and none grows beyond about
600 lines: a longer one is split by the clerk's steps. (No function above cyclomatic
complexity 15 is ruff's C901, configured in pyproject.toml.)
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "zuozhen"
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_the_package_is_found() -> None:
    names = {_name(p) for p in _modules()}
    assert {"zuozhen/cli.py", "zuozhen/commands/notify.py", "zuozhen/store/trail.py"} <= names


def test_no_module_above_600_lines() -> None:
    lines = {_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    long = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not long, (
        f"modules above {MAX_LINES} lines (split them by the clerk's steps): "
        + ", ".join(f"{name} ({n} lines)" for name, n in sorted(long.items()))
    )


def test_every_module_has_a_docstring() -> None:
    missing = [
        _name(p)
        for p in _modules()
        if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert not missing, (
        "modules without a module docstring (say what the module is for): " + ", ".join(missing)
    )
