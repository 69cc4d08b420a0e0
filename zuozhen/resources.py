"""Where the shipped data lives (presets, holiday schedules, templates, samples).

In a wheel the top-level ``data/`` folder is packaged as ``zuozhen/data``; in a source
checkout or an editable install it is the repository's own ``data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "data"
_SOURCE = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE


def data_path(*parts: str) -> Path:
    return data_dir().joinpath(*parts)
