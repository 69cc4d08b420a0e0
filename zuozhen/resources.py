"""Where the shipped data lives (presets, holiday schedules, templates, samples).

In a wheel the top-level ``data/`` folder is packaged as ``zuozhen/data``; in a source
checkout or an editable install it is the repository's own ``data/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

_PACKAGED = Path(__file__).resolve().parent / "data"
_SOURCE = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE


def data_path(*parts: str) -> Path:
    return data_dir().joinpath(*parts)


def templates(*, html: bool) -> jinja2.Environment:
    """The shipped document templates (公告, 通报): strict, so a misspelt name is an error
    rather than a blank, laid out by the template's own lines; ``html`` escapes the values."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_path("templates"))),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
