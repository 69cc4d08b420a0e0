"""Shared fixtures: a case file in tmp_path, and a CLI runner that keeps stdout and stderr apart."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.pg import pg_db  # noqa: F401  (fixture: a fresh PostgreSQL database)
from zuozhen.cli import app
from zuozhen.config import compose
from zuozhen.store.storage import Act, CaseFile, create_case_file, open_case_file

OPERATOR = "测试员"


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(db: str | Path, *args: str, today: str | None = None, operator: str = OPERATOR) -> Ran:
    """Drive the real CLI the way a clerk types it."""
    argv = ["--db", str(db), "--operator", operator]
    if today:
        argv += ["--today", today]
    result = CliRunner().invoke(app, [*argv, *args], catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli() -> Callable[..., Ran]:
    return run_cli


def make_case(path: Path, preset: str = "province", today: date = date(2026, 9, 1)) -> CaseFile:
    return create_case_file(str(path), compose(preset), Act(OPERATOR, today))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "case.db"
    make_case(path).close()
    return path


@pytest.fixture
def case(db_path: Path) -> Any:
    c = open_case_file(str(db_path))
    yield c
    c.close()


def fingerprint(path: Path) -> str:
    """A digest of every row of every table: equal before and after means nothing changed."""
    import sqlite3

    conn = sqlite3.connect(path)
    h = hashlib.sha256()
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'appeal_fts%' AND name NOT LIKE 'search_fts%' ORDER BY name"
        )
    ]
    for t in tables:
        h.update(t.encode())
        for row in conn.execute(f'SELECT * FROM "{t}" ORDER BY 1'):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()
