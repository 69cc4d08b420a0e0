"""The case file layer: creation, refusal, migrations, the append-only hash-chained trail."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

import zuozhen
from tests.factories import fingerprint, make_case, tamper, unchanged
from zuozhen import SCHEMA_VERSION
from zuozhen.errors import CaseFileError, InputError
from zuozhen.models import Trail
from zuozhen.store import migrations
from zuozhen.store.reader import Reader
from zuozhen.store.storage import Act, open_case_file
from zuozhen.store.trail import verify_chain

ACT = Act("甲", date(2026, 10, 8))


def test_case_file_is_readable_by_owner_only(db_path: Path) -> None:
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_init_refuses_to_overwrite(db_path: Path) -> None:
    with unchanged(db_path), pytest.raises(CaseFileError, match="已存在"):
        make_case(db_path)


def test_missing_case_file_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(CaseFileError, match="找不到案卷"):
        open_case_file(str(missing))
    with pytest.raises(CaseFileError, match="找不到案卷"):
        Reader(str(missing))
    assert not missing.exists()


def test_settings_on_every_connection(case) -> None:  # type: ignore[no-untyped-def]
    with case.read() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30000


def test_write_is_one_transaction(case, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    with unchanged(db_path), pytest.raises(RuntimeError), case.write(ACT) as tx:
        tx.record("test", "x", "1", {"a": 1})
        raise RuntimeError("boom")


def test_trail_rejects_update_and_delete(case, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    with case.write(ACT) as tx:
        tx.record("test", "x", "1", {"a": 1})
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="留痕记录只能追加"):
        conn.execute("UPDATE trail SET operator = '乙'")
    with pytest.raises(sqlite3.DatabaseError, match="留痕记录只能追加"):
        conn.execute("DELETE FROM trail")
    conn.close()


def test_trail_chain_detects_tampering(case, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        with case.write(ACT) as tx:
            tx.record("test", "x", str(i), {"i": i})
    with case.read() as s:
        assert verify_chain(s) == []
        rows = s.exec(select(Trail)).all()
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    # An edit behind the tool's back, its trigger dropped first: what verify_chain must find.
    tamper(
        db_path,
        "DROP TRIGGER trail_no_update",
        "UPDATE trail SET operator = '乙' WHERE entity_id = '1'",
    )
    with case.read() as s:
        problems = verify_chain(s)
    tests = [r for r in rows if r.action == "test"]  # the seals of init aside
    assert [p.trail_id for p in problems] == [tests[1].id]
    assert "改动" in problems[0].problem


def test_trail_detects_deleted_tail(case, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(2):
        with case.write(ACT) as tx:
            tx.record("test", "x", str(i))
    # The last event deleted behind the tool's back.
    tamper(
        db_path,
        "DROP TRIGGER trail_no_delete",
        "DELETE FROM trail WHERE id = (SELECT max(id) FROM trail)",
    )
    with case.read() as s:
        assert any("末尾" in p.problem for p in verify_chain(s))


def test_newer_schema_is_refused_unchanged(db_path: Path) -> None:
    # A file written by a newer zuozhen: a schema version this code does not know.
    tamper(db_path, f"INSERT INTO schema_migration VALUES ({SCHEMA_VERSION + 1}, 'future', '2030')")
    with unchanged(db_path):
        with pytest.raises(CaseFileError, match="更新版本"):
            open_case_file(str(db_path))
        with pytest.raises(CaseFileError, match="更新版本"):
            Reader(str(db_path))


def _next_version(monkeypatch: pytest.MonkeyPatch, name: str, upgrade: Any) -> None:
    """Pretend this program has one more migration than it has."""
    nxt = SCHEMA_VERSION + 1
    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, migrations.Migration(nxt, name, upgrade)]
    )
    monkeypatch.setattr(migrations, "LATEST", nxt)
    monkeypatch.setattr(zuozhen, "SCHEMA_VERSION", nxt)


def test_failed_migration_leaves_file_unchanged_and_backed_up(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("ALTER TABLE appeal ADD COLUMN extra TEXT")
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("migration failed half way")

    _next_version(monkeypatch, "broken", broken)
    before = fingerprint(db_path)
    with pytest.raises(RuntimeError, match="half way"):
        open_case_file(str(db_path))
    assert fingerprint(db_path) == before
    conn = sqlite3.connect(db_path)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(appeal)")]
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert "extra" not in cols and "half_done" not in tables
    backups = list(db_path.parent.glob(f"case.db.v{SCHEMA_VERSION}-*.bak"))
    assert len(backups) == 1
    assert fingerprint(backups[0]) == before


def test_successful_migration_is_recorded(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def add_column(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("ALTER TABLE appeal ADD COLUMN extra TEXT")

    _next_version(monkeypatch, "extra", add_column)
    open_case_file(str(db_path)).close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT max(version) FROM schema_migration").fetchone()[0] == (
        SCHEMA_VERSION + 1
    )
    assert conn.execute("SELECT action FROM trail ORDER BY id DESC").fetchone()[0] == "migrate"
    conn.close()


def test_not_a_case_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CaseFileError):
        Reader(str(junk))
    with pytest.raises(CaseFileError):
        open_case_file(str(junk))


def test_counter_numbers_are_unique(case) -> None:  # type: ignore[no-untyped-def]
    seen = []
    for _ in range(5):
        with case.write(ACT) as tx:
            seen.append(tx.allocate("booking:2026-10"))
    assert seen == [1, 2, 3, 4, 5]


def test_bad_database_url(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        open_case_file("sqlite://")
