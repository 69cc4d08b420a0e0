"""The daily queries use indexes, never a full scan of a big table (EXPLAIN QUERY PLAN).

A case file of a few thousand appeals is generated in bulk (benchmarks/generate.py) and
analysed, so SQLite's planner sees realistic statistics. Every SQL statement that
``audit``, ``list --month``, ``show``, ``report quarterly`` (also of the quarter in
progress), the bulletin, ``report items``, ``search``, ``report channels``, ``report
scores`` and ``event list`` send through the Reader is
captured and explained; a plan step ``SCAN <table>`` of a table that grows with the
appeals (without an index) fails the test. Also checked: the read commands (with ``ledger
show``, ``ledger list`` and ``report ledger`` on a small ledger) do not import SQLAlchemy
or pydantic (the fast read path).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from zuozhen.browse import list_appeals, show_appeal
from zuozhen.bulletin import build
from zuozhen.channel_reports import channels_report, scores_report
from zuozhen.events import list_events
from zuozhen.hearing import session_record
from zuozhen.reports import Quarter, quarterly
from zuozhen.search import search
from zuozhen.service_items import service_items
from zuozhen.store import reader as reader_module
from zuozhen.store.reader import Reader
from zuozhen.supervision import daily_list

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

TODAY = date(2026, 10, 20)
CLASSED = "202501-001-1"  # an appeal with a problem class in the generated file
BIG = (
    "appeal",
    "booking",
    "enterprise",
    "deadline",
    "handoff",
    "extension",
    "rating",
    "revisit",
    "notification",
    "trail",
    "progress",
    "absence",
    "closure",
    "search_text",
)


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plans") / "case.db"
    generate.build(path, 3000, seed=3, log=False)
    return path


def captured(db: Path, fn: Callable[[Reader], object]) -> list[tuple[str, dict[str, Any]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    original = reader_module.Reader.iter

    def spy(self: Reader, sql: str, params: Any = None) -> Iterator[Any]:
        seen.append((sql, dict(params or {})))
        return original(self, sql, params)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reader_module.Reader, "iter", spy)
        with Reader(str(db)) as r:
            r.config  # noqa: B018  (loaded before capturing: not a daily query)
            r.calendar  # noqa: B018
            seen.clear()
            fn(r)
    return seen


def full_scans(db: Path, statements: list[tuple[str, dict[str, Any]]]) -> list[str]:
    bad = []
    with Reader(str(db)) as r:
        conn = r._sqlite
        assert conn is not None
        for sql, params in statements:
            for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params):
                detail = str(row[3])
                words = detail.split()
                # A SCAN reads the whole table (or the whole of an index); so does a SEARCH
                # through an index with no constraint in brackets, and an AUTOMATIC index
                # is built by reading the whole table first.
                whole = words[:1] == ["SCAN"] or (
                    words[:1] == ["SEARCH"] and ("(" not in detail or "AUTOMATIC" in detail)
                )
                if "USING INDEX ix_deadline_open_due" in detail:
                    whole = False  # a partial index: the open deadlines only
                if words[:1] == ["SEARCH"] and "WHERE" not in sql.upper().split():
                    whole = False  # a bare MIN/MAX: one step to the index's end
                if whole and len(words) > 1 and _alias_table(sql, words[1]) in BIG:
                    bad.append(f"{detail}  ← {' '.join(sql.split())[:120]}")
    return bad


def _alias_table(sql: str, alias: str) -> str:
    words = sql.replace(",", " ").replace("(", " ").split()
    for i, w in enumerate(words[1:], 1):
        if w == alias and words[i - 1] in BIG:
            return words[i - 1]
    return alias


def plans(db: Path, statements: list[tuple[str, dict[str, Any]]]) -> str:
    with Reader(str(db)) as r:
        conn = r._sqlite
        assert conn is not None
        return "\n".join(
            str(row[3])
            for sql, params in statements
            for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)
        )


DAILY: dict[str, Callable[[Reader], object]] = {
    "audit": lambda r: daily_list(r, TODAY),
    "list --month": lambda r: list_appeals(r, month="2026-09"),
    "show": lambda r: show_appeal(r, "202609-001-1"),
    # An appeal of a 共性诉求 class: its ledger items are looked up by the class.
    "show (a class)": lambda r: show_appeal(r, CLASSED),
    "report quarterly": lambda r: quarterly(r, Quarter.parse("2026Q3"), today=TODAY),
    # The quarter in progress: only appeals booked by the cut-off (a join of the bookings).
    "report quarterly (this quarter)": lambda r: quarterly(
        r, Quarter.parse("2026Q4"), by="region", today=TODAY
    ),
    "report bulletin": lambda r: build(r, Quarter.parse("2026Q3"), today=TODAY),
    "report items": lambda r: list(service_items(r, "2026-09", today=TODAY)),
    "search": lambda r: search(r, "出口退税"),
    "report record": lambda r: session_record(r, "S202609-01"),
    # Two indexed words; an indexed word and a short one (checked on its appeals only).
    "search two words": lambda r: search(r, "出口退税 研究制定办理方案"),
    "search a short word too": lambda r: search(r, ["出口退税", "退税"]),
    "search one character too": lambda r: search(r, ["出口退税", "税"]),
    "report channels": lambda r: channels_report(r, Quarter.parse("2026Q3"), today=TODAY),
    "report scores": lambda r: scores_report(r, Quarter.parse("2026Q3"), today=TODAY),
    "event list": lambda r: list_events(r, Quarter.parse("2026Q3")),
}


@pytest.mark.parametrize("name", list(DAILY))
def test_daily_queries_use_indexes(bench_db: Path, name: str) -> None:
    statements = captured(bench_db, DAILY[name])
    assert statements, f"{name}: no SQL captured"
    assert full_scans(bench_db, statements) == []


def test_the_classed_appeal_has_a_class(bench_db: Path) -> None:
    with Reader(str(bench_db)) as r:
        assert show_appeal(r, CLASSED).data["class"]


def test_the_audit_is_a_range_scan_of_open_deadlines(bench_db: Path) -> None:
    text = plans(bench_db, captured(bench_db, DAILY["audit"]))
    assert "USING INDEX ix_deadline_open_due (due<?)" in text


def test_list_and_report_search_the_month_index(bench_db: Path) -> None:
    for name in ("list --month", "report quarterly", "report quarterly (this quarter)"):
        text = plans(bench_db, captured(bench_db, DAILY[name]))
        assert "USING INDEX ix_appeal_month (month=?)" in text, name


def test_show_finds_merged_duplicates_and_the_record_its_absences_by_index(
    bench_db: Path,
) -> None:
    assert "ix_appeal_merged_into (merged_into=?)" in plans(
        bench_db, captured(bench_db, DAILY["show"])
    )
    text = plans(bench_db, captured(bench_db, DAILY["report record"]))
    assert "ix_absence_session_id (session_id=?)" in text


def test_search_goes_through_the_trigram_index(bench_db: Path) -> None:
    """A long word through the trigram index, a two-character one through the bigram
    index (schema 8), a one-character word checked on their hits, appeal by appeal."""
    text = plans(bench_db, captured(bench_db, DAILY["search a short word too"]))
    assert "SCAN search_fts VIRTUAL TABLE INDEX" in text
    assert "SCAN search_fts_bigram VIRTUAL TABLE INDEX" in text
    text = plans(bench_db, captured(bench_db, DAILY["search one character too"]))
    assert "search_fts VIRTUAL TABLE INDEX" in text
    assert "SEARCH s USING INDEX ix_search_text_appeal (appeal_id=?)" in text


def test_a_full_scan_is_detected(bench_db: Path) -> None:
    """The check itself works: an unindexed filter on appeals is reported."""
    bad = full_scans(bench_db, [("SELECT id FROM appeal a WHERE a.text LIKE '%电费%'", {})])
    assert bad and "SCAN a" in bad[0]


@pytest.mark.parametrize(
    "args",
    [
        ["audit"],
        ["list", "--month", "2026-09"],
        ["show", "202609-001-1"],
        ["report", "quarterly", "--quarter", "2026Q3"],
        ["search", "出口退税"],
        ["report", "channels", "--quarter", "2026Q3"],
        ["report", "scores", "--quarter", "2026Q3"],
        ["audit", "cadence", "--quarter", "2026Q3"],
    ],
)
def test_read_commands_import_neither_sqlalchemy_nor_pydantic(
    bench_db: Path, args: list[str]
) -> None:
    assert_light(bench_db, args)


@pytest.mark.parametrize(
    "args",
    [
        ["ledger", "show", "L2026-01"],
        ["ledger", "show", "L2026-01", "--json"],
        ["ledger", "list"],
        ["report", "ledger", "L2026-01"],
    ],
)
def test_ledger_read_commands_take_the_fast_path(ledger_db: Path, args: list[str]) -> None:
    assert_light(ledger_db, args)


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.factories import make_case, must

    db = tmp_path_factory.mktemp("ledger") / "case.db"
    make_case(db, "city", date(2026, 3, 2)).close()
    must(db, "ledger", "new", "--name", "整改清单", "--source", "反馈报告", "--year", "2026",
         today="2026-03-02")  # fmt: skip
    must(db, "ledger", "import", "L2026-01", str(ROOT / "data" / "sample" / "ledger-tongliao.csv"),
         today="2026-03-02")  # fmt: skip
    return db


def assert_light(db: Path, args: list[str]) -> None:
    """``zuozhen args`` on ``db`` succeeds without importing SQLAlchemy, sqlmodel or pydantic."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = (
        "import sys\n"
        "from zuozhen.cli import main\n"
        f"sys.argv = ['zuozhen', '--db', {str(db)!r}, '--today', '2026-10-20', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'sqlmodel', 'pydantic'))\n"
        "print('HEAVY', heavy[:5])\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert "HEAVY []" in ran.stdout, ran.stdout[-500:]


def test_generated_file_passes_verify(bench_db: Path) -> None:
    from zuozhen.store.maintenance import verify
    from zuozhen.store.storage import open_case_file

    case = open_case_file(str(bench_db))
    try:
        result = verify(case)
    finally:
        case.close()
    assert result.ok, (result.integrity, result.foreign_keys, result.trail_problems[:3])
    assert result.trail_rows > 3000
