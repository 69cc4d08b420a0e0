"""A fresh PostgreSQL database per test, when ZUOZHEN_TEST_PG_URL names a server.

CI starts a throw-away server with Debian's ``pg_virtualenv`` and sets the variable (see
.ci/run); without it these tests are skipped. They are marked ``postgres`` and left out of
the default run: ``python -m pytest -m postgres`` selects them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_URL = os.environ.get("ZUOZHEN_TEST_PG_URL")

needs_pg = pytest.mark.skipif(not PG_URL, reason="ZUOZHEN_TEST_PG_URL not set")


@pytest.fixture
def pg_db() -> Iterator[str]:
    """A SQLAlchemy URL of a new, empty database, dropped afterwards (skipped without one)."""
    if not PG_URL:
        pytest.skip("ZUOZHEN_TEST_PG_URL not set")
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    name = f"zz_{uuid.uuid4().hex[:12]}"
    admin = dict(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
    )
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
