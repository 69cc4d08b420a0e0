"""The bulletin's pass made in shares side by side (zuozhen/twin.py, quarter_pass.shares).

The figures of every share of the enterprises, merged, are those of one pass over the
whole quarter — group by group, in the same order — and a side reader never shows a
change the command's own reader does not (a change committed after its snapshot).
"""

from __future__ import annotations

import sys
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from tests.factories import must
from zuozhen.quarter_pass import WHOLE, Tallies, shares, tally
from zuozhen.reports import Quarter
from zuozhen.store.reader import Reader
from zuozhen.twin import can_share, side_by_side

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

KEYS = ("unit", "theme", "region", "channel", "class")
QUARTER = Quarter(2026, 3)


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("twin") / "case.db"
    generate.build(path, 1500, seed=5, log=False)
    return path


def _plain(t: Tallies) -> dict[str, object]:
    return {
        "groups": {
            k: [(name, (x.count, x.days)) for name, x in g.items()] for k, g in t.groups.items()
        },
        "enterprises": t.enterprises,
    }


@pytest.mark.parametrize("n", [2, 3, 7])
@pytest.mark.parametrize("today", [date(2026, 8, 14), date(2026, 10, 20)])
@pytest.mark.parametrize("month", ["2026-08", None])  # cut by its bookings / by the codes
def test_shares_merged_are_the_whole_pass(
    case: Path, n: int, today: date, month: str | None
) -> None:
    with Reader(str(case)) as r:
        parts = shares(r, n, month)
        assert len(parts) == n and parts[0][0] is None and parts[-1][1] is None
        assert all(a[1] == b[0] for a, b in pairwise(parts))
        whole = tally(r, QUARTER, KEYS, today=today, enterprises=True)
        each = [tally(r, QUARTER, KEYS, today=today, enterprises=True, within=p) for p in parts]
    assert all(sum(t.groups["unit"][g].count["appeals"] for g in t.groups["unit"]) for t in each)
    assert _plain(Tallies.merge(each)) == _plain(whole)
    assert whole.enterprises and whole.groups["unit"]


def test_one_share_is_the_whole(case: Path) -> None:
    with Reader(str(case)) as r:
        assert shares(r, 1) == shares(r, 1, "2026-08") == [WHOLE]


def test_a_side_reader_never_shows_a_later_change(case: Path, tmp_path: Path) -> None:
    """A change committed after the command's snapshot: every task still reads that
    snapshot (the side readers' work is done again on the command's reader)."""
    db = tmp_path / "case.db"
    db.write_bytes(case.read_bytes())
    sql = "SELECT COUNT(*) FROM appeal WHERE status = 'withdrawn'"
    with Reader(str(db)) as r:
        assert can_share(r)
        before = r.scalar(sql)
        aid = r.scalar(
            "SELECT id FROM appeal WHERE status = 'handed_off' AND booking_id NOT LIKE 'L%'"
            " ORDER BY id LIMIT 1"
        )
        must(db, "withdraw", aid, "--reason", "企业已自行解决", today="2026-10-20")

        def count(rd: Reader) -> object:
            return rd.scalar(sql)

        assert side_by_side(r, [count, count, count]) == [before] * 3
    with Reader(str(db)) as r:
        assert side_by_side(r, [count, count]) == [before + 1] * 2
