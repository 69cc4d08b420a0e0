"""The one-pass figures (zuozhen/quarter_pass.py) against the slow reference path.

A generated case file (benchmarks/generate.py) of a few thousand appeals — reopened
appeals, extensions, ratings in several rounds, intake channels — is given, by hand, what
the generator never makes: withdrawn, voided and merged appeals, appeals without a theme
or class and enterprises without a region. Every figure of every group of ``report
quarterly`` (each ``--by``), of ``report channels`` and of the bulletin (its tables, its
enterprises and its problem classes) must equal what the queries used before the one
pass give (tests/reference_figures.py) — and so must ``report quarterly`` and ``report
channels`` on their own, which keep a statement each — as of cut-offs inside, at the end of and after a
quarter, and for a quarter long past. ``report bulletin`` itself runs through the CLI on
the same file and its HTML is checked against the same reference figures.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import date
from pathlib import Path

import pytest

from tests import reference_figures as ref
from tests.factories import must
from zuozhen.bulletin import build
from zuozhen.channel_reports import channels_report
from zuozhen.quarter_pass import tally
from zuozhen.reports import BY, Quarter, quarterly, quarterly_many
from zuozhen.store.reader import Reader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

CUT_OFFS = [
    (Quarter(2026, 3), date(2026, 8, 14)),  # the quarter in progress
    (Quarter(2026, 3), date(2026, 9, 30)),  # its last day
    (Quarter(2026, 3), date(2026, 10, 20)),  # after it
    (Quarter(2026, 2), date(2026, 10, 20)),  # long past
    (Quarter(2026, 4), date(2026, 10, 20)),  # begun, nearly empty
]
FIELDS = tuple(ref.FIELDS.values())


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pass") / "case.db"
    generate.build(path, 4000, seed=11, log=False)
    conn = sqlite3.connect(path, isolation_level=None)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM appeal WHERE month BETWEEN '2026-04' AND '2026-09' ORDER BY id"
        )
    ]
    some = ids[::37]
    with conn:
        for k, aid in enumerate(some):
            kind = k % 5
            if kind == 0:  # withdrawn: before and after some cut-offs
                ended = "2026-08-01" if k % 2 else "2026-09-20"
                conn.execute(
                    "UPDATE appeal SET status = 'withdrawn', ended_on = ?, closed_on = NULL"
                    " WHERE id = ?",
                    (ended, aid),
                )
            elif kind == 1:
                conn.execute("UPDATE appeal SET status = 'void' WHERE id = ?", (aid,))
            elif kind == 2:
                conn.execute(
                    "UPDATE appeal SET status = 'merged', merged_into = ? WHERE id = ?",
                    (ids[0], aid),
                )
            elif kind == 3:
                conn.execute(
                    "UPDATE appeal SET theme = NULL, problem_class = '' WHERE id = ?", (aid,)
                )
            else:
                conn.execute(
                    "UPDATE enterprise SET region = '' WHERE uscc = (SELECT b.uscc FROM booking b"
                    " JOIN appeal a ON a.booking_id = b.id WHERE a.id = ?)",
                    (aid,),
                )
    conn.close()
    return path


def _figures(f: object) -> dict[str, int]:
    return {name: getattr(f, name) for name in FIELDS}


@pytest.mark.parametrize(("quarter", "today"), CUT_OFFS, ids=lambda x: str(x))
def test_every_figure_of_every_grouping(case: Path, quarter: Quarter, today: date) -> None:
    with Reader(str(case)) as r:
        t = tally(r, quarter, BY, today=today, enterprises=True)  # the bulletin's one pass
        passed = quarterly_many(r, quarter, BY, today=today, tallies=t)
        for by in BY:
            slow = ref.quarterly(r, quarter, by, today)
            assert {f.group: _figures(f) for f in passed[by].rows} == slow, (by, today)
            alone = quarterly(r, quarter, by=by, today=today)  # report quarterly's statement
            assert {f.group: _figures(f) for f in alone.rows} == slow, (by, today)
        want = ref.channels(r, quarter, today)
        for got in (
            channels_report(r, quarter, today=today, tallies=t),
            channels_report(r, quarter, today=today),
        ):
            rows = {c.channel: c.as_json() for c in got.rows}
            for name, figures in want.items():
                assert {k: rows[name][k] for k in figures} == figures, (name, today)
            assert all(rows[c]["appeals"] == 0 for c in rows.keys() - want.keys())
        assert t.enterprises == ref.enterprises(r, quarter, today)


@pytest.mark.parametrize(("quarter", "today"), CUT_OFFS[1:4], ids=lambda x: str(x))
def test_the_bulletin_figures(case: Path, quarter: Quarter, today: date) -> None:
    with Reader(str(case)) as r:
        b = build(r, quarter, today=today)
        assert b.enterprises == ref.enterprises(r, quarter, today) > 0
        assert b.classes == ref.classes(r, quarter, today)
        for by, rep in (("unit", b.by_unit), ("theme", b.by_theme), ("region", b.by_region)):
            assert {f.group: _figures(f) for f in rep.rows} == ref.quarterly(r, quarter, by, today)
        assert b.by_channel is not None
        want = ref.channels(r, quarter, today)
        assert {c.channel: c.appeals for c in b.by_channel.rows if c.appeals} == {
            k: v["appeals"] for k, v in want.items() if v["appeals"]
        }
    assert "（未分类）" in {f.group for f in b.by_theme.rows}
    assert "（未填地区）" in {f.group for f in b.by_region.rows}


def test_the_cli_bulletin_shows_the_reference_figures(case: Path, tmp_path: Path) -> None:
    q, today = CUT_OFFS[2]
    out = tmp_path / "通报.md"
    must(
        case, "report", "bulletin", "--quarter", q.code, "--format", "md", "--output", str(out),
        today=today.isoformat(),
    )  # fmt: skip
    text = out.read_text(encoding="utf-8")
    with Reader(str(case)) as r:
        units = ref.quarterly(r, q, "unit", today)
        served = ref.enterprises(r, q, today)
    total = sum(f["appeals"] for f in units.values())
    withdrawn = sum(f["withdrawn"] for f in units.values())
    assert f"共受理企业诉求 {total} 件（其中企业撤回 {withdrawn} 件），涉及企业 {served} 家" in text
    lines: dict[str, str] = {}
    for line in text.split("## 二")[1].split("## 三")[0].splitlines():  # 二、各单位办理情况
        lines.setdefault(line.split(" | ")[0].strip("| ▲"), line)
    for unit, f in units.items():  # a unit's row: 受理诉求, 现场解决, 交办, 已办结, …
        cells = lines[unit].split(" | ")[1:5]
        assert cells == [str(f[k]) for k in ("appeals", "resolved_on_spot", "handed_off", "closed")]
