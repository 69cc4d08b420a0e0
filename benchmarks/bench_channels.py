"""Benchmark of ``report channels`` and ``report scores`` on big case files.

    python benchmarks/bench_channels.py [--sizes 100000 1000000] [--runs 3] [--folder DIR]

On the generated case files (benchmarks/generate.py, cached; whatever channels the
generator gives), times for the quarter 2026Q3 as of 2026-10-20:

* **lib** — the library call (``Reader`` + ``channels_report`` / ``scores_report``),
  median of runs;
* **CLI** — ``zuozhen report channels|scores --quarter 2026Q3 --json`` in a fresh
  process, median of runs, with the child's peak memory.

Target (issue 14): each under 2 s at 1,000,000 appeals.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import generate  # noqa: E402  (benchmarks/generate.py)
from run import ZUOZHEN, lib_time, measure  # noqa: E402  (benchmarks/run.py)

from zuozhen.channel_reports import channels_report, scores_report  # noqa: E402
from zuozhen.reports import Quarter  # noqa: E402
from zuozhen.store.reader import Reader  # noqa: E402

QUARTER = "2026Q3"
TODAY = date(2026, 10, 20)
TAIL = ("--quarter", QUARTER, "--json")


def library(db: Path, runs: int) -> dict[str, float]:
    q = Quarter.parse(QUARTER)
    with Reader(str(db)) as r:
        appeals = int(
            r.scalar("SELECT COUNT(*) FROM appeal WHERE month IN (:m0, :m1, :m2)", q.params())
        )
        channels = {
            str(x["channel"]): int(x["n"])
            for x in r.rows("SELECT channel, COUNT(*) AS n FROM booking GROUP BY channel")
        }
        return {
            "quarter_appeals": appeals,
            "channels": channels,  # type: ignore[dict-item]
            "channels_s": lib_time(lambda: channels_report(r, q, today=TODAY), runs),
            "scores_s": lib_time(lambda: scores_report(r, q, today=TODAY), runs),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--folder", type=Path, default=generate.DEFAULT_FOLDER)
    args = ap.parse_args()
    print(
        "| appeals | of the quarter | lib channels | lib scores | CLI channels | CLI scores "
        "| CLI peak |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        db = generate.ensure(size, folder=args.folder)
        lib = library(db, args.runs)
        cli = {
            name: measure(
                [ZUOZHEN, "--db", str(db), "--today", TODAY.isoformat(), "report", name, *TAIL],
                args.runs,
            )
            for name in ("channels", "scores")
        }
        print(
            f"| {size:,} | {lib['quarter_appeals']:,} | {lib['channels_s']:.2f} s "
            f"| {lib['scores_s']:.2f} s | {cli['channels'].median_s:.2f} s "
            f"| {cli['scores'].median_s:.2f} s "
            f"| {max(m.peak_mb for m in cli.values()):.0f} MB |",
            flush=True,
        )
        print(
            json.dumps(
                {"size": size, **lib, **{f"cli_{k}_s": m.runs for k, m in cli.items()}},
                ensure_ascii=False,
            ),
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
