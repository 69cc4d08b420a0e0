"""One storage core: each rule of zuozhen/store/core.py, reader.py and trail.py, proven.

* every form of ``--db`` names the same case file to the reader and to the writer, also
  through the real CLI (``show`` and ``assign report``), and bad forms are refused in Chinese;
* one version check and one set of messages: both paths refuse alike, word for word;
* one configuration and calendar loader;
* ``Reader.inside(tx)`` reads the act's own uncommitted rows through the same queries;
* one trail append: one by one or in bulk, the chain is the same, and its format is fixed;
* one allocator for one or many numbers;
* a hand-off's dues are stored once (the deadline rows), and migration 2 keeps them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

import zuozhen
from tests.factories import fingerprint, make_case, only_migration, plan, run_cli, scheduled
from tests.pg import needs_pg
from zuozhen import handoff, hearing
from zuozhen.errors import CaseFileError, InputError, ZuozhenError
from zuozhen.models import Handoff, Setting
from zuozhen.store import core, storage, trail
from zuozhen.store.core import BUSY_TIMEOUT_MS, locate
from zuozhen.store.reader import Reader
from zuozhen.store.storage import Act, open_case_file

FIXTURE = Path(__file__).parent / "fixtures" / "case-v1.db"
ACT = Act("甲", date(2026, 9, 24))


def _message(fn: Any, *args: Any) -> str:
    with pytest.raises(ZuozhenError) as caught:
        fn(*args)
    return str(caught.value)


def _open_both(db: str) -> tuple[Any, Any]:
    """The location the writer and the reader each made of ``db``."""
    case = open_case_file(db)
    try:
        with Reader(db) as r:
            return case.location, r.location
    finally:
        case.close()


# -- one location ----------------------------------------------------------------------------


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A case file ``case.db`` in the current folder (relative forms resolve against it)."""
    monkeypatch.chdir(tmp_path)
    make_case(tmp_path / "case.db").close()
    return (tmp_path / "case.db").resolve()


@pytest.mark.parametrize(
    "form",
    [
        "case.db",
        "./case.db",
        "{abs}",
        "sqlite:///case.db",
        "sqlite:///case.db?timeout=5",
        "sqlite:///./case.db?timeout=0.5",
        "sqlite:///{abs}",  # sqlite:////abs/path
        "sqlite:///{abs}?timeout=5",
        "sqlite+pysqlite:///case.db",
        "SQLITE:///case.db",
    ],
)
def test_every_form_is_the_same_file_to_reader_and_writer(in_folder: Path, form: str) -> None:
    db = form.format(abs=in_folder)
    writer, reader = _open_both(db)
    assert writer == reader == locate(db)
    assert writer.path == in_folder and writer.where == str(in_folder)
    assert make_url(writer.url).database == str(in_folder)


@pytest.mark.parametrize("name", ["年度 案卷.db", "50%.db", "a?b#c.db"])
def test_sqlalchemy_reads_our_sqlite_url_as_the_same_file(tmp_path: Path, name: str) -> None:
    """core.py parses sqlite: URLs itself; SQLAlchemy must agree on what they name."""
    loc = locate(str(tmp_path / name))
    assert make_url(loc.url).database == str(tmp_path / name)
    assert locate(loc.url) == loc  # the URL built here reads back as the same location
    with_query = locate(loc.url + "?timeout=5")
    assert make_url(with_query.url).database == str(tmp_path / name)
    assert make_url(with_query.url).query == {"timeout": "5"}


def scheduled_appeal(
    db: Path | str, booking: str, *, session: str, session_day: date, texts: tuple[str, ...]
) -> list[str]:
    """Appeals of one booking, scheduled into a session on ``session_day`` (built as a clerk would)."""
    del booking, session  # numbers are the case file's own
    return scheduled(db, plan(db, session_day), *texts)


def test_query_parameters_are_kept_and_the_timeout_agrees(in_folder: Path) -> None:
    loc = locate("sqlite:///case.db?timeout=5")
    assert loc.query == (("timeout", "5"),) and loc.busy_timeout_ms == 5000
    assert locate("case.db").busy_timeout_ms == BUSY_TIMEOUT_MS
    for db, wait in (("sqlite:///case.db?timeout=5", 5000), ("case.db", BUSY_TIMEOUT_MS)):
        case = open_case_file(db)
        try:
            with case.read() as s:
                writer = s.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        finally:
            case.close()
        with Reader(db) as r:
            reader = r.scalar("PRAGMA busy_timeout")
        assert writer == reader == wait


def test_a_postgresql_url_is_located_without_connecting() -> None:
    loc = locate("postgresql+psycopg://clerk:s3cret@db.example.gov.cn:5432/zuozhen?sslmode=require")
    assert loc.path is None and loc.dialect == "postgresql"
    assert "s3cret" in loc.url and "s3cret" not in loc.where and "***" in loc.where
    assert loc.query == (("sslmode", "require"),)


@pytest.mark.parametrize(
    ("db", "words"),
    [
        ("", "没有指定案卷"),
        (":memory:", "内存"),
        ("sqlite://", "内存"),
        ("sqlite:///:memory:", "内存"),
        ("sqlite://host/case.db", "无法识别"),
        ("sqlite:///case.db?mode=ro", "不支持参数 mode"),
        ("sqlite:///case.db?timeout=soon", "timeout"),
        ("sqlite:///case.db?timeout", "无法识别"),
        ("sqlite+aiosqlite:///case.db", "驱动"),
        ("mysql://clerk@host/zuozhen", "只支持 SQLite 和 PostgreSQL"),
        ("postgresql+psycopg://clerk@host:port/zuozhen", "无法识别"),
        ("postgresql+psycopg://clerk@host", "缺少数据库名"),
        ("sqlite:///case.db?timeout=1&timeout=2", "重复"),
    ],
)
def test_bad_locations_are_refused_in_chinese(db: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        locate(db)
    for command in (("show", "202609-001-1"), ("assign", "report", "202609-001-1", "--text", "x")):
        ran = run_cli(db, *command)
        assert ran.code == 1 and words in ran.stderr, ran.stderr
        assert "Traceback" not in ran.stdout + ran.stderr


def test_a_refused_url_never_shows_its_password() -> None:
    with pytest.raises(InputError) as refused:
        locate("postgresql+psycopg://clerk:s3cret@host:port/zuozhen")
    assert "s3cret" not in str(refused.value) and "clerk:***@host" in str(refused.value)


def test_locating_a_sqlite_url_imports_no_sqlalchemy(in_folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    code = (
        "import sys\n"
        "from zuozhen.store.reader import Reader\n"
        "with Reader('sqlite:///case.db?timeout=5') as r:\n"
        "    r.config, r.calendar\n"
        "print('HEAVY', sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy')[:3])\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert "HEAVY []" in ran.stdout


def test_show_and_assign_report_accept_the_same_urls(in_folder: Path) -> None:
    (aid,) = scheduled_appeal(
        in_folder, "202609-001", session="S202609-01", session_day=date(2026, 9, 24), texts=("x",)
    )
    case = open_case_file(str(in_folder))
    try:
        hearing.hear(case, ACT, aid, refer=True)
        handoff.hand_off(case, ACT, aid, ["省财政厅"])
        handoff.undertake(case, Act("甲", date(2026, 9, 28)), aid, handler="李", measures="核查")
    finally:
        case.close()
    for db in ("sqlite:///case.db?timeout=5", f"sqlite:///{in_folder}?timeout=5"):
        shown = run_cli(db, "show", aid, "--json", today="2026-10-09")
        assert shown.code == 0, shown.stderr
        assert shown.json()["status"] == "undertaken"
    reported = run_cli(
        "sqlite:///case.db?timeout=5", "assign", "report", aid, "--text", "已办", today="2026-10-09"
    )
    assert reported.code == 0, reported.stderr
    assert run_cli(f"sqlite:///{in_folder}", "show", aid, "--json").json()["status"] == "reported"


# -- one version check, one set of messages ---------------------------------------------------


def test_check_version() -> None:
    assert core.check_version(zuozhen.SCHEMA_VERSION) is False
    assert core.check_version(zuozhen.SCHEMA_VERSION - 1) is True
    with pytest.raises(CaseFileError, match="更新版本"):
        core.check_version(zuozhen.SCHEMA_VERSION + 1)


def test_a_newer_file_is_refused_alike_on_both_paths(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO schema_migration VALUES (?, 'future', '2030')", (99,))
    conn.commit()
    conn.close()
    before = fingerprint(db_path)
    writer = _message(open_case_file, str(db_path))
    reader = _message(Reader, str(db_path))
    assert writer == reader == str(core.newer_file(99))
    assert "结构版本 99" in writer and "未作任何改动" in writer
    assert fingerprint(db_path) == before


def test_missing_and_unreadable_files_read_alike(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.db")
    assert _message(open_case_file, missing) == _message(Reader, missing)
    assert "找不到案卷" in _message(Reader, missing)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    assert _message(open_case_file, str(junk)) == _message(Reader, str(junk))
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    refused = _message(open_case_file, str(other))
    assert refused == _message(Reader, str(other)) and "没有结构版本记录" in refused


def test_missing_configuration_reads_alike(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM setting WHERE key = 'config'")
    conn.commit()
    conn.close()
    case = open_case_file(str(db_path))
    try:
        with Reader(str(db_path)) as r:
            assert _message(lambda: r.config) == _message(lambda: case.config)
    finally:
        case.close()
    assert str(core.no_config()) in _message(lambda: Reader(str(db_path)).config)


def test_one_loader_for_configuration_and_calendar(db_path: Path, tmp_path: Path) -> None:
    official = tmp_path / "2027.toml"
    official.write_text(
        'year = 2027\nsource = "测试"\n[holidays]\n"元旦" = ["2027-01-01", "2027-01-04"]\n',
        encoding="utf-8",
    )
    assert run_cli(db_path, "calendar", "load", str(official), today="2026-12-01").code == 0
    case = open_case_file(str(db_path))
    try:
        with Reader(str(db_path)) as r:
            assert r.config == case.config
            for cal in (r.calendar, case.calendar):
                due = cal.add_workdays(date(2026, 12, 31), 1)
                assert (due.date, due.provisional) == (date(2027, 1, 5), False)
    finally:
        case.close()


# -- Reader inside a write transaction ---------------------------------------------------------


def test_reader_inside_a_write_sees_its_uncommitted_rows(case: Any, db_path: Path) -> None:
    before = fingerprint(db_path)
    with pytest.raises(RuntimeError), case.write(ACT) as tx:
        tx.session.add(Setting(key="probe", value="未提交"))  # pending, not even flushed
        inside = Reader.inside(tx)
        assert inside.scalar("SELECT value FROM setting WHERE key = :k", {"k": "probe"}) == "未提交"
        assert inside.config == case.config  # the same loader, through the transaction
        with Reader(str(db_path)) as outside:  # another clerk sees nothing yet
            assert outside.scalar("SELECT value FROM setting WHERE key = 'probe'") is None
        inside.close()  # leaves the act's transaction open
        tx.session.add(Setting(key="probe2", value="y"))
        tx.session.flush()
        raise RuntimeError("roll back")
    assert fingerprint(db_path) == before


def test_notify_has_no_private_read_path() -> None:
    from zuozhen import notify

    assert not {"Rows", "reader_rows", "tx_rows"} & set(vars(notify))


# -- one trail append ------------------------------------------------------------------------

EVENTS = [
    trail.Event("test.one", "appeal", "202609-001-1", {"n": 1, "名": "甲"}),
    trail.Event("test.two", "booking", "202609-001", None),
    trail.Event("test.three", "import", "abc", {"rows": [1, 2]}),
]


def _trail(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute("SELECT * FROM trail ORDER BY id")]
    finally:
        conn.close()


def test_bulk_and_single_appends_make_the_same_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "utcnow", lambda: "2026-09-24T01:02:03.000004+00:00")
    one, many = tmp_path / "one.db", tmp_path / "many.db"
    for path in (one, many):
        make_case(path).close()
    case = open_case_file(str(one))
    try:
        with case.write(ACT) as tx:
            for e in EVENTS:
                tx.record(e.action, e.entity, e.entity_id, e.detail)
        with case.write(ACT) as tx:
            tx.record_many([])  # nothing to append: the chain is untouched
    finally:
        case.close()
    case = open_case_file(str(many))
    try:
        with case.write(ACT) as tx:
            tx.record_many(EVENTS)
        with case.read() as s:
            assert trail.verify_chain(s) == []
            head = s.get(trail.TrailHead, 1)
    finally:
        case.close()
    rows = _trail(many)
    acts = [r for r in rows if r[4] != "seal"]  # init's seal of the configuration aside
    assert rows == _trail(one) and len(acts) == 1 + len(EVENTS)
    assert head is not None and (head.last_id, head.last_hash) == (rows[-1][0], rows[-1][-1])


def test_the_chain_format_is_fixed(case: Any, db_path: Path) -> None:
    """SHA-256 over prev, at, as_of, operator, action, entity, id, canonical detail (0x1f)."""
    with case.write(ACT) as tx:
        tx.record("test", "appeal", "1", {"b": 2, "a": "甲"})
    *_, (_, at, as_of, operator, action, entity, entity_id, detail, prev, digest) = _trail(db_path)
    assert detail == '{"a":"甲","b":2}' and as_of == "2026-09-24"
    payload = "\x1f".join((prev, at, as_of, operator, action, entity, entity_id, detail))
    assert digest == hashlib.sha256(payload.encode("utf-8")).hexdigest()


def test_the_v1_fixture_still_verifies(tmp_path: Path) -> None:
    copy = tmp_path / "case-v1.db"
    shutil.copy(FIXTURE, copy)
    ran = run_cli(copy, "verify", "--json")
    assert ran.code == 0 and ran.json()["ok"] is True


# -- one allocator -----------------------------------------------------------------------------


def test_allocate_one_or_many(case: Any) -> None:
    with case.write(ACT) as tx:
        assert tx.allocate("booking:2026-09") == 1
        assert tx.allocate("booking:2026-09", 5) == 6  # 2..6 reserved
        assert tx.allocate("booking:2026-09") == 7
        assert tx.allocate("session:2026-09", 3) == 3
        with pytest.raises(ValueError):
            tx.allocate("booking:2026-09", 0)


def test_the_bulk_import_numbers_follow_single_bookings(db_path: Path, tmp_path: Path) -> None:
    from zuozhen.validation import uscc_check_char

    def uscc(n: int) -> str:
        stem = f"91530100MA6K{n:05d}"
        return stem + uscc_check_char(stem)

    book = run_cli(
        db_path,
        *("book", "--enterprise", "先挂号有限公司", "--uscc", uscc(1), "--contact", "王"),
        *("--phone", "13800000001", "--appeal", "单个挂号", "--json"),
        today="2026-10-08",
    )
    assert book.code == 0, book.stderr
    rows = ["企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容"]
    rows += [f"导入{n}有限公司,{uscc(n)},李,1380000000{n},服务需求,诉求{n}" for n in (2, 3)]
    csv = tmp_path / "in.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = run_cli(db_path, "book", "--from-csv", str(csv), "--json", today="2026-10-09")
    assert imported.code == 0, imported.stdout + imported.stderr
    assert imported.json()["bookings_created"] == ["202610-002", "202610-003"]
    verified = run_cli(db_path, "verify", "--json")
    assert verified.code == 0 and verified.json()["ok"] is True


# -- a hand-off's dues, stored once ---------------------------------------------------------


def test_handoff_keeps_no_copy_of_its_dues() -> None:
    gone = {"plan_due", "report_due", "report_due_original", "provisional"}
    assert not gone & set(Handoff.model_fields)


def test_one_plan_and_one_report_deadline_per_round(case: Any, db_path: Path) -> None:
    (aid,) = scheduled_appeal(
        db_path, "202609-001", session="S202609-01", session_day=ACT.today, texts=("x",)
    )
    hearing.hear(case, ACT, aid, refer=True)
    handoff.hand_off(case, ACT, aid, ["省财政厅"])
    handoff.extend(case, ACT, aid, to=date(2026, 11, 30), reason="会商")  # replaces the row
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute(
            "SELECT step, rule, due FROM deadline WHERE appeal_id = ? AND step IN"
            " ('accept', 'report') ORDER BY step",
            (aid,),
        ).fetchall() == [("accept", "wd", "2026-10-09"), ("report", "fixed", "2026-11-30")]
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute(
                "INSERT INTO deadline (appeal_id, round, step, start, rule, due, provisional,"
                " late) VALUES (?, 1, 'report', '2026-09-24', 'fixed', '2026-12-01', 0, 0)",
                (aid,),
            )
    finally:
        conn.close()


def _mirror(path: Path) -> dict[tuple[str, int], tuple[str, str, str, bool]]:
    """The v1 mirror columns of every hand-off: (plan, report, original report, provisional)."""
    conn = sqlite3.connect(path)
    try:
        return {
            (a, r): (p, d, o, bool(v))
            for a, r, p, d, o, v in conn.execute(
                "SELECT appeal_id, round, plan_due, report_due, report_due_original, provisional"
                " FROM handoff"
            )
        }
    finally:
        conn.close()


def _shown(path: Path) -> dict[tuple[str, int], tuple[str, str, str, bool]]:
    out = {}
    with Reader(str(path)) as r:
        for aid in r.column("SELECT DISTINCT appeal_id FROM handoff"):
            for h in run_cli(path, "show", aid, "--json").json()["handoffs"]:
                out[(aid, h["round"])] = (
                    h["plan_due"],
                    h["report_due"],
                    h["report_due_original"],
                    h["provisional"],
                )
    return out


def test_migration_2_keeps_every_hand_offs_dues(tmp_path: Path) -> None:
    copy = tmp_path / "case-v1.db"
    shutil.copy(FIXTURE, copy)
    conn = sqlite3.connect(copy)
    conn.execute("ANALYZE")  # an analysed file stays analysed
    conn.close()
    before = _mirror(copy)
    assert len(before) >= 20 and any(d != o for _, d, o, _ in before.values())  # an extension
    after = _shown(copy)
    assert after == before
    conn = sqlite3.connect(copy)
    stats = {r[0] for r in conn.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'deadline'")}
    conn.close()
    assert {"ix_deadline_appeal_step", "ux_deadline_handoff"} <= stats


def test_migration_2_restores_and_reports_what_the_mirror_alone_held(tmp_path: Path) -> None:
    copy = tmp_path / "case-v1.db"
    shutil.copy(FIXTURE, copy)
    conn = sqlite3.connect(copy)
    conn.execute("DELETE FROM deadline WHERE appeal_id = '202607-004-1' AND step = 'report'")
    conn.execute("UPDATE handoff SET plan_due = '2026-07-31' WHERE appeal_id = '202607-006-1'")
    conn.commit()
    conn.close()
    before = _mirror(copy)
    after = _shown(copy)
    assert after[("202607-004-1", 1)][1] == before[("202607-004-1", 1)][1] == "2026-08-10"
    # Where the mirror disagreed, the deadline row (what the acts judged by) is kept …
    assert after[("202607-006-1", 1)][0] == "2026-07-27"
    conn = sqlite3.connect(copy)
    (detail,) = conn.execute("SELECT detail FROM trail WHERE action = 'migrate'").fetchone()
    conn.close()
    # … and both are on the record.
    assert json.loads(detail) == {
        "name": "handoff_dues_once",
        "restored": [["202607-004-1", 1, "report", "2026-08-10"]],
        "differed": [["202607-006-1", 1, "accept", "2026-07-31", "2026-07-27"]],
    }


def test_migration_2_refuses_two_dues_for_one_round_unchanged(tmp_path: Path) -> None:
    copy = tmp_path / "case-v1.db"
    shutil.copy(FIXTURE, copy)
    conn = sqlite3.connect(copy)
    conn.execute(
        "INSERT INTO deadline (appeal_id, round, step, start, rule, due, provisional, late)"
        " VALUES ('202607-004-1', 1, 'report', '2026-07-27', 'fixed', '2026-09-01', 0, 0)"
    )
    conn.commit()
    conn.close()
    before = fingerprint(copy)
    ran = run_cli(copy, "list")
    assert ran.code == 1 and "无法自动升级" in ran.stderr and "202607-004-1" in ran.stderr
    assert fingerprint(copy) == before
    assert len(list(tmp_path.glob("case-v1.db.v1-*.bak"))) == 1


# -- the same on PostgreSQL ------------------------------------------------------------------


@pytest.mark.postgres
@needs_pg
def test_postgresql_reader_and_writer_agree_and_migration_2_runs(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_migration(monkeypatch, 2)
    make_case_at(pg_db)
    writer, reader = _open_both(pg_db)
    assert writer == reader == locate(pg_db) and writer.path is None
    (aid,) = scheduled_appeal(
        pg_db, "202609-001", session="S202609-01", session_day=ACT.today, texts=("x",)
    )
    case = open_case_file(pg_db)
    try:
        hearing.hear(case, ACT, aid, refer=True)
        handoff.hand_off(case, ACT, aid, ["省财政厅"])
        handoff.extend(case, ACT, aid, to=date(2026, 11, 30), reason="会商")
        shown = run_cli(pg_db, "show", aid, "--json").json()["handoffs"]
        # Back to the version 1 shape: the mirror columns, filled as version 1 kept them.
        with case.write(ACT) as tx:
            conn = tx.session.connection()
            conn.exec_driver_sql("DROP INDEX ux_deadline_handoff")
            conn.exec_driver_sql("DELETE FROM schema_migration WHERE version >= 2")
            for column, kind in (
                ("plan_due", "DATE"),
                ("report_due", "DATE"),
                ("report_due_original", "DATE"),
                ("provisional", "BOOLEAN NOT NULL DEFAULT false"),
            ):
                conn.exec_driver_sql(f"ALTER TABLE handoff ADD COLUMN {column} {kind}")
            conn.exec_driver_sql(
                "UPDATE handoff SET plan_due = '2026-10-09', report_due = '2026-11-30',"
                " report_due_original = '2026-10-22'"
            )
    finally:
        case.close()
    assert run_cli(pg_db, "show", aid, "--json").json()["handoffs"] == shown  # migrated again
    case = open_case_file(pg_db)
    try:
        with case.read() as s:
            conn = s.connection()
            columns = set(
                conn.exec_driver_sql(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'handoff'"
                ).scalars()
            )
            detail = conn.exec_driver_sql(
                "SELECT detail FROM trail WHERE action = 'migrate' AND entity_id = '2'"
                " ORDER BY id DESC"
            ).scalar()
    finally:
        case.close()
    assert "report_due" not in columns and "handed_on" in columns
    assert json.loads(detail) == {"name": "handoff_dues_once", "restored": [], "differed": []}


def make_case_at(db: str) -> None:
    from zuozhen.config import compose

    storage.create_case_file(db, compose("province"), ACT).close()
