"""Shared fixtures: a case file in tmp_path, the CLI runner, the report quarter.

What the fixtures build comes from the test kit (tests/factories.py, tests/scenarios.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.factories import Ran, copy_case, make_case, run_cli
from tests.pg import pg_db  # noqa: F401  (fixture: a fresh PostgreSQL database)
from tests.scenarios import build_quarter
from zuozhen.store.storage import CaseFile, open_case_file


@pytest.fixture
def cli() -> Callable[..., Ran]:
    return run_cli


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "case.db"
    make_case(path).close()
    return path


@pytest.fixture
def case(db_path: Path) -> Iterator[CaseFile]:
    c = open_case_file(str(db_path))
    yield c
    c.close()


@pytest.fixture(scope="session")
def quarter_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report quarter (tests/scenarios.py), built once: some sixty acts."""
    path = tmp_path_factory.mktemp("quarter") / "quarter.db"
    make_case(path).close()
    build_quarter(path)
    return path


@pytest.fixture
def quarter_db(quarter_template: Path, tmp_path: Path) -> Path:
    """A test's own copy of the report quarter."""
    return copy_case(quarter_template, tmp_path / "case.db")
