"""Commands of this area (parse → call → render)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add this module's commands to the app and the shared groups."""
