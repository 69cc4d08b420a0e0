"""Benchmark of the working-day engine (a plain script, not a test).

    python benchmarks/bench_deadlines.py [--queries 100000] [--seed 7]

Compares, on the same random queries (start in 2004-2026, n in 1..30):

* ``WorkCalendar.add_workdays`` (one call per deadline, returns ``Due``);
* ``WorkCalendar.add_workdays_ordinals`` (batch fast path: two list look-ups each);
* a ``chinese_calendar.find_workday(n, start)`` loop: a speed reference only, since its
  semantics differ when the start is a rest day.

Also times WorkCalendar construction in a fresh interpreter (what a CLI call pays).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import chinese_calendar  # noqa: E402
from timing import best_of  # noqa: E402  (benchmarks/timing.py)

from zuozhen.deadlines import WorkCalendar, package_schedule  # noqa: E402


def cold_construction_ms() -> tuple[float, float]:
    """(import ms, first WorkCalendar() ms) in a fresh interpreter, best of 5."""
    code = (
        "import time; t=time.perf_counter(); import zuozhen.deadlines as z; "
        "u=time.perf_counter(); z.WorkCalendar(); v=time.perf_counter(); "
        "print((u-t)*1e3, (v-u)*1e3)"
    )
    runs = []
    with tempfile.TemporaryDirectory() as cache_dir:
        # byte-compiled as an installed package would be (outside the work tree)
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache_dir}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for _ in range(6):
            out = subprocess.check_output(
                [sys.executable, "-c", code], cwd=ROOT, text=True, env=env
            )
            a, b = out.split()
            runs.append((float(a), float(b)))
    runs = runs[1:]  # the first run compiles
    return min(r[0] for r in runs), min(r[1] for r in runs)


def cli_wall_ms(runs: int = 10) -> list[tuple[str, float]]:
    """Median wall time of CLI start-up, as a clerk pays it, against ``python -c pass``.

    Byte-compiled like an installed package (the work environment sets
    PYTHONDONTWRITEBYTECODE, which would recompile every module on every run).
    """
    import shutil
    import statistics

    exe = shutil.which("zuozhen") or str(Path(sys.executable).with_name("zuozhen"))
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("zuozhen --help", [exe, "--help"]),
        (
            "zuozhen calendar due 2026-09-24 15",
            [exe, "--db", "/nonexistent/zz.db", "calendar", "due", "2026-09-24", "15"],
        ),
    ]
    out: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as cache_dir:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache_dir}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for name, argv in cases:
            subprocess.run(argv, env=env, capture_output=True, check=False)  # warm the cache
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                subprocess.run(argv, env=env, capture_output=True, check=False)
                times.append((time.perf_counter() - t0) * 1e3)
            out.append((name, statistics.median(times)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    lo, hi = (
        dt.date(2004, 1, 1).toordinal(),
        dt.date(2026, 11, 15).toordinal(),
    )  # n<=30 stays in 2026
    starts = [dt.date.fromordinal(rng.randint(lo, hi)) for _ in range(args.queries)]
    ns = [rng.randint(1, 30) for _ in range(args.queries)]
    start_ords = [d.toordinal() for d in starts]
    pairs = list(zip(starts, ns, strict=True))

    cal = WorkCalendar()
    add = cal.add_workdays
    find = chinese_calendar.find_workday

    cold = WorkCalendar([package_schedule(2026)])  # own index: its Due cache starts empty
    cold_add = cold.add_workdays
    t_engine_cold = best_of(1, lambda: [cold_add(s, n) for s, n in pairs])
    t_engine = best_of(5, lambda: [add(s, n) for s, n in pairs])
    t_batch = best_of(5, lambda: cal.add_workdays_ordinals(start_ords, ns))
    # find_workday is slow: time it on a slice and scale
    k = min(args.queries, 20_000)
    t_find = best_of(2, lambda: [find(n, s) for s, n in pairs[:k]]) * (args.queries / k)

    # same answers where start is a working day (find_workday's semantics agree there)
    agree = all(
        add(s, n).date == find(n, s) for s, n in pairs[:5000] if chinese_calendar.is_workday(s)
    )
    batch = cal.add_workdays_ordinals(start_ords, ns)
    assert batch == [add(s, n).date.toordinal() for s, n in pairs]

    t_warm = best_of(20, WorkCalendar)
    sched = [package_schedule(2025), package_schedule(2026)]
    t_loaded = best_of(20, lambda: WorkCalendar(sched))
    t_import, t_first = cold_construction_ms()

    q = args.queries
    rows = [
        ("chinese_calendar.find_workday loop", t_find, 1.0),
        ("WorkCalendar.add_workdays, first pass", t_engine_cold, t_find / t_engine_cold),
        ("WorkCalendar.add_workdays (Due)", t_engine, t_find / t_engine),
        ("WorkCalendar.add_workdays_ordinals (batch)", t_batch, t_find / t_batch),
    ]
    print(f"{q:,} deadline queries (start 2004-2026, n 1..30), best of runs")
    print(f"{'method':<46}{'seconds':>10}{'deadlines/s':>16}{'vs find_workday':>18}")
    for name, secs, ratio in rows:
        print(f"{name:<46}{secs:>10.4f}{q / secs:>16,.0f}{ratio:>17,.0f}x")
    print()
    print(f"{'construction':<46}{'ms':>10}")
    print(f"{'import zuozhen.deadlines (fresh process, .pyc)':<46}{t_import:>10.1f}")
    print(f"{'first WorkCalendar() (builds the index)':<46}{t_first:>10.1f}")
    print(f"{'WorkCalendar() again (shared index)':<46}{t_warm * 1e3:>10.3f}")
    print(f"{'WorkCalendar(2 loaded schedules)':<46}{t_loaded * 1e3:>10.1f}")
    print()
    print(f"agrees with find_workday on working-day starts: {agree}")
    print()
    print(f"{'CLI start-up (median of 10, wall)':<46}{'ms':>10}")
    for name, ms in cli_wall_ms():
        print(f"{name:<46}{ms:>10.1f}")


if __name__ == "__main__":
    main()
