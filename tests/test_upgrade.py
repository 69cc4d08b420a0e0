"""Schema upgrades: a file of the first released schema opens, upgrades, and nothing is lost.

tests/fixtures/case-v1.db was written by schema version 1 (tests/fixtures/make_v1.py) and
is never regenerated. The current code must open a copy of it with every row intact
(version 2 keeps a hand-off's dues only in its deadline rows: the mirror columns are
dropped, nothing else changes; version 3 only adds columns and tables for withdrawn,
voided and merged appeals, returns, progress reports and absences; version 4 keeps every
round's result (``closure``) and indexes every text for ``search``); a simulated next version (an added column, an added
table) must upgrade it through every migration keeping all rows, after writing one backup
copy; a file stamped with a version newer than this program's must be refused through the
CLI (exit 1) and left exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import zuozhen
import zuozhen.store.reader
from tests.factories import (
    book_args,
    fingerprint,
    make_case,
    query,
    run_cli,
    tamper,
    unchanged,
)
from zuozhen.store import migrations

FIXTURE = Path(__file__).parent / "fixtures" / "case-v1.db"
APPEAL = "202607-001-1"
UPGRADES = len(migrations.MIGRATIONS) - 1  # the migrations a version-1 file goes through


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'appeal_fts%' AND name NOT LIKE 'search_fts%'"
        )
    ]
    out = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    conn.close()
    return out


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    copy = tmp_path / "case-v1.db"
    shutil.copy(FIXTURE, copy)
    copy.chmod(0o600)
    return copy


def test_fixture_is_version_1_and_small() -> None:
    assert FIXTURE.stat().st_size < 1_000_000
    conn = sqlite3.connect(FIXTURE)
    assert conn.execute("SELECT max(version) FROM schema_migration").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM appeal").fetchone()[0] >= 40
    conn.close()


def test_current_code_opens_v1_with_nothing_lost(v1: Path) -> None:
    before = counts(v1)
    original = fingerprint(v1)
    shown = run_cli(v1, "show", APPEAL, "--json", today="2026-08-31")
    assert shown.code == 0, shown.stderr
    doc = shown.json()
    assert doc["id"] == APPEAL and doc["enterprise"] and doc["deadlines"]
    backups = list(v1.parent.glob("case-v1.db.v1-*.bak"))
    assert len(backups) == 1 and fingerprint(backups[0]) == original
    listed = run_cli(v1, "list", "--json", today="2026-08-31")
    assert listed.code == 0
    assert len(listed.json()["appeals"]) == before["appeal"]
    history = run_cli(v1, "history", APPEAL, "--json")
    assert history.code == 0 and history.json()["events"]
    verified = run_cli(v1, "verify", "--json")
    assert verified.code == 0 and verified.json()["ok"] is True
    after = counts(v1)
    # Only the migrations' own records are added (each version and its audit-trail event).
    assert after["schema_migration"] == before["schema_migration"] + UPGRADES
    seals = query(v1, "SELECT count(*) FROM trail WHERE action = 'seal'")[0][0]
    assert seals >= 1  # migration 6 sealed every record
    assert after["trail"] == before["trail"] + UPGRADES + seals
    assert {k: after[k] for k in before if k not in ("trail", "schema_migration")} == {
        k: v for k, v in before.items() if k not in ("trail", "schema_migration")
    }
    # and it keeps working: a new booking with the current code
    args = book_args(1, "升级后仍能挂号", enterprise="升级后新挂号有限公司")
    r = run_cli(v1, *args, "--json", today="2026-09-01")
    assert r.code == 0, r.stderr
    assert counts(v1)["appeal"] == before["appeal"] + 1


def test_v1_becomes_v2_hand_off_dues_only_in_deadline_rows(v1: Path) -> None:
    r = run_cli(v1, "list", "--json", today="2026-08-31")
    assert r.code == 0, r.stderr
    conn = sqlite3.connect(v1)
    try:
        assert conn.execute("SELECT max(version) FROM schema_migration").fetchone()[0] >= 2
        columns = {row[1] for row in conn.execute("PRAGMA table_info(handoff)")}
        index = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'ux_deadline_handoff'"
        ).fetchone()
        action, entity_id, detail = conn.execute(
            "SELECT action, entity_id, detail FROM trail WHERE action = 'migrate' "
            "AND entity_id = '2'"
        ).fetchone()
    finally:
        conn.close()
    assert not columns & {"plan_due", "report_due", "report_due_original", "provisional"}
    assert {"handed_on", "lead_unit", "accepted_on", "reported_on", "extensions"} <= columns
    assert index is not None and "UNIQUE" in index[0]
    assert (action, entity_id) == ("migrate", "2")
    # The upgraded file has the shape a new one is created with.
    fresh = v1.parent / "fresh.db"
    make_case(fresh).close()
    for table in ("handoff", "deadline"):
        assert _shape(v1, table) == _shape(fresh, table), table
    # The fixture was written by zuozhen: nothing to restore, no mirror disagreed.
    assert json.loads(detail) == {"name": "handoff_dues_once", "restored": [], "differed": []}


def test_v1_becomes_v3_with_the_shape_of_a_new_file(v1: Path) -> None:
    before = counts(v1)
    r = run_cli(v1, "list", "--json", today="2026-08-31")
    assert r.code == 0, r.stderr
    fresh = v1.parent / "fresh.db"
    make_case(fresh).close()
    for table in ("appeal", "handoff", "progress", "absence"):
        assert _shape(v1, table) == _shape(fresh, table), table
    conn = sqlite3.connect(v1)
    try:
        ended = conn.execute(
            "SELECT count(*) FROM appeal WHERE ended_on IS NOT NULL OR merged_into IS NOT NULL"
        ).fetchone()[0]
        returned = conn.execute(
            "SELECT count(*) FROM handoff WHERE returned_on IS NOT NULL"
        ).fetchone()[0]
        (name,) = conn.execute("SELECT name FROM schema_migration WHERE version = 3").fetchone()
    finally:
        conn.close()
    # Additions only: nothing ended, returned, reported or missed before version 3.
    assert (ended, returned, name) == (0, 0, "ends_and_turns")
    after = counts(v1)
    assert after["progress"] == after["absence"] == 0
    assert {k: after[k] for k in before if k not in ("trail", "schema_migration")} == {
        k: v for k, v in before.items() if k not in ("trail", "schema_migration")
    }


def _shape(path: Path, table: str) -> tuple[object, ...]:
    """Columns (name, type, not null) and indexes (name, unique, partial, columns)."""
    conn = sqlite3.connect(path)
    try:
        columns = sorted(tuple(r[1:4]) for r in conn.execute(f"PRAGMA table_info({table})"))
        indexes = sorted(
            (name, unique, partial, tuple(c[2] for c in conn.execute(f"PRAGMA index_info({name})")))
            for _, name, unique, _, partial in conn.execute(f"PRAGMA index_list({table})")
        )
    finally:
        conn.close()
    return tuple(columns), tuple(indexes)


def _next_version(monkeypatch: pytest.MonkeyPatch) -> int:
    """Pretend this program has one more migration (a column, a table) than it has."""

    def upgrade(conn: Any) -> None:
        conn.exec_driver_sql("ALTER TABLE appeal ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
        conn.exec_driver_sql("CREATE TABLE appeal_tag (appeal_id TEXT NOT NULL, tag TEXT)")
        conn.exec_driver_sql(
            "INSERT INTO appeal_tag SELECT id, '迁移' FROM appeal WHERE status = 'rated'"
        )

    nxt = migrations.LATEST + 1
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        # A column with a value in every row changes every appeal's seal: reseal, as
        # migrations.py asks of such a migration (verify passes after it, below).
        [*migrations.MIGRATIONS, migrations.Migration(nxt, "priority", upgrade, reseal=True)],
    )
    monkeypatch.setattr(migrations, "LATEST", nxt)
    monkeypatch.setattr(zuozhen, "SCHEMA_VERSION", nxt)
    return nxt


def test_v1_upgrades_through_every_migration_after_one_backup(
    v1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_rows = counts(v1)
    before = fingerprint(v1)
    current = tmp_path / "current" / "case-v1.db"
    current.parent.mkdir()
    shutil.copy(v1, current)
    show_before = run_cli(current, "show", APPEAL, "--json", today="2026-08-31").json()
    nxt = _next_version(monkeypatch)
    # A read-only command meets the old file: it is backed up, then migrated once.
    r = run_cli(v1, "show", APPEAL, "--json", today="2026-08-31")
    assert r.code == 0, r.stderr
    assert r.json() == show_before
    backups = list(v1.parent.glob("case-v1.db.v*.bak"))
    assert [b.name.split(".")[2][:3] for b in backups] == ["v1-"]
    assert fingerprint(backups[0]) == before  # the backup is the file as it was
    assert backups[0].stat().st_mode & 0o077 == 0
    conn = sqlite3.connect(v1)
    assert conn.execute("SELECT max(version) FROM schema_migration").fetchone()[0] == nxt
    assert "priority" in [r[1] for r in conn.execute("PRAGMA table_info(appeal)")]
    tagged = conn.execute("SELECT count(*) FROM appeal_tag").fetchone()[0]
    migrated = [
        tuple(r)
        for r in conn.execute(
            "SELECT action, entity_id FROM trail WHERE action <> 'seal' ORDER BY id DESC LIMIT 2"
        )
    ]
    seals = conn.execute("SELECT count(*) FROM trail WHERE action = 'seal'").fetchone()[0]
    conn.close()
    assert tagged == 25 and migrated == [("migrate", str(nxt)), ("migrate", str(nxt - 1))]
    after = counts(v1)
    # The migrations' own events, and the seals of migration 6 (every record, a baseline).
    assert after["trail"] == before_rows["trail"] + UPGRADES + 1 + seals  # one baseline, last
    assert after["schema_migration"] == before_rows["schema_migration"] + UPGRADES + 1
    assert {
        k: v
        for k, v in after.items()
        if k in before_rows and k not in ("trail", "schema_migration")
    } == {k: v for k, v in before_rows.items() if k not in ("trail", "schema_migration")}
    # opening again migrates nothing more and makes no second backup
    assert run_cli(v1, "list", "--json").code == 0
    assert len(list(v1.parent.glob("case-v1.db.v*.bak"))) == 1
    v = run_cli(v1, "verify", "--json")
    assert v.code == 0 and v.json()["ok"] is True


@pytest.mark.parametrize(
    "command",
    [
        ("list",),
        ("show", APPEAL),
        ("audit",),
        ("verify",),
        ("close", APPEAL, "--outcome", "已解决", "--result", "x"),
        ("backup", "copy.db"),
    ],
)
def test_a_newer_file_is_refused_unchanged(v1: Path, command: tuple[str, ...]) -> None:
    # A file written by a newer zuozhen: a schema version this code does not know.
    tamper(v1, "INSERT INTO schema_migration VALUES (99, 'from the future', '2030-01-01')")
    with unchanged(v1):
        r = run_cli(v1, *command)
        assert r.code == 1, r.stdout + r.stderr
        assert "更新版本" in r.stderr and "升级 zuozhen" in r.stderr
        assert "Traceback" not in r.stdout + r.stderr
    assert not list(v1.parent.glob("*.bak")) and not (Path.cwd() / "copy.db").exists()


def test_v1_upgrade_keeps_every_round_and_indexes_every_text(v1: Path) -> None:
    """The search migration: closed rounds kept per round, old texts all searchable."""
    conn = sqlite3.connect(v1)
    closed_now = conn.execute("SELECT count(*) FROM appeal WHERE closed_on IS NOT NULL")
    n_closed = closed_now.fetchone()[0]
    conn.close()
    assert run_cli(v1, "list", "--json").code == 0  # opening migrates
    conn = sqlite3.connect(v1)
    closures = conn.execute(
        "SELECT appeal_id, round, outcome, result, on_spot FROM closure"
        " WHERE appeal_id IN ('202607-001-2', '202607-015-2', '202607-018-1')"
        " ORDER BY appeal_id, round"
    ).fetchall()
    total = conn.execute("SELECT count(*) FROM closure").fetchone()[0]
    fields = dict(conn.execute("SELECT field, count(*) FROM search_text GROUP BY field"))
    old_fts = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'appeal_fts%'")
    assert old_fts.fetchall() == []
    conn.close()
    # 202607-001-2 was answered on the spot, reopened and closed again; the other two were
    # closed after a hand-off, reopened, and are in their second round.
    assert closures == [
        (
            "202607-001-2",
            1,
            "已解决",
            "现场讲解政策条件并发放申报指南，指定专人一对一辅导申报。",
            1,
        ),
        ("202607-001-2", 2, "已解决", "已督促相关单位拨付资金，款项已到账。", 0),
        ("202607-015-2", 1, "已解决", "已出台专项措施，同类问题一并解决。", 0),
        ("202607-018-1", 1, "已解决", "已出台专项措施，同类问题一并解决。", 0),
    ]
    assert total == n_closed + 3  # every closed appeal's round, and three earlier rounds
    for field in ("text", "enterprise", "uscc", "units", "handoff_units", "handler", "measures",
                  "report", "extension_reason", "answer", "result", "rating_comment",
                  "revisit_note"):  # fmt: skip
        assert fields.get(field), field
    rounds = run_cli(v1, "show", "202607-001-2", "--json").json()["rounds"]
    assert [(x["round"], x["answer"], x["result"]) for x in rounds] == [
        (1, "现场讲解政策条件并发放申报指南，指定专人一对一辅导申报。",
         "现场讲解政策条件并发放申报指南，指定专人一对一辅导申报。"),
        (2, None, "已督促相关单位拨付资金，款项已到账。"),
    ]  # fmt: skip
    found = run_cli(v1, "search", "指定专人一对一辅导", "--json").json()["appeals"]
    hits = {a["id"]: [(m["field"], m["round"]) for m in a["matches"]] for a in found}
    assert hits["202607-001-2"] == [("answer", 1)]  # round 1's answer, though reopened
    found = run_cli(v1, "search", "已出台专项措施", "--json").json()["appeals"]
    hits = {(a["id"], m["field"], m["round"]) for a in found for m in a["matches"]}
    assert {("202607-015-2", "result", 1), ("202607-018-1", "result", 1)} <= hits
    # the triggers work on the upgraded file: a new round's texts are found at once
    r = run_cli(v1, "assign", "accept", "202607-015-2", "--handler", "升级后承办人",
                "--measures", "升级以后录入的措施", today="2026-08-31")  # fmt: skip
    assert r.code == 0, r.stderr
    found = run_cli(v1, "search", "升级以后录入", "--json").json()["appeals"]
    assert [(a["id"], a["matches"][0]["round"]) for a in found] == [("202607-015-2", 2)]
    # Two-character words (migration 8's bigram index): the texts of version 1 and the new
    # round's, exactly those that hold the word.
    assert [a["id"] for a in run_cli(v1, "search", "录入", "--json").json()["appeals"]] == [
        "202607-015-2"
    ]
    conn = sqlite3.connect(v1)
    bodies = conn.execute("SELECT id, body FROM search_text").fetchall()
    for word in ("专人", "措施", "资金", "企业"):
        bigram = "SELECT rowid FROM search_fts_bigram WHERE search_fts_bigram MATCH ?"
        hits = {k for (k,) in conn.execute(bigram, (f'"{word}"',))}
        assert hits == {k for k, body in bodies if word in body} != set(), word
    conn.close()


def test_v1_becomes_v7_booking_rebuilt_with_keys_and_triggers_intact(v1: Path) -> None:
    """Migration 7 rebuilds ``booking`` on SQLite (its unique constraint became a partial
    index): the shape of a new file, every booking 坐诊, foreign keys and the search
    triggers that name ``booking`` still working, and verify content."""
    before = counts(v1)
    assert run_cli(v1, "list", "--json", today="2026-08-31").code == 0
    fresh = v1.parent / "fresh.db"
    make_case(fresh).close()
    for table in ("booking", "appeal", "channel_event", "ledger"):
        assert _shape(v1, table) == _shape(fresh, table), table
    conn = sqlite3.connect(v1)
    try:
        channels = conn.execute("SELECT DISTINCT channel FROM booking").fetchall()
        assert channels == [("坐诊",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO appeal (id, booking_id, seq, month, text, category, status,"
                " units, round, resolved_on_spot, renotify, created_at, updated_at)"
                " VALUES ('X-1', 'no-such', 1, '2026-08', 't', '政策咨询', 'booked', '[]', 1,"
                " 0, 0, '', '')"
            )
        # one 坐诊 booking per enterprise and month, still
        month, uscc = conn.execute("SELECT month, uscc FROM booking LIMIT 1").fetchone()
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO booking (id, month, seq, uscc, booked_on, source, created_at,"
                " channel) VALUES ('dup', ?, 99, ?, '2026-08-01', '窗口', '', '坐诊')",
                (month, uscc),
            )
    finally:
        conn.close()
    after = counts(v1)
    assert after["booking"] == before["booking"] and after["appeal"] == before["appeal"]
    found = run_cli(v1, "search", "--json", "企业").json()["appeals"]
    assert found  # the search index's triggers and joins through booking still answer
    v = run_cli(v1, "verify", "--json")
    assert v.code == 0 and v.json()["ok"] is True
