"""Benchmark of ledgers: ``ledger import`` of a big list and ``ledger show`` on it.

    python benchmarks/bench_ledger.py [--items 10000] [--keep DIR]

Writes a CSV list of N items (units of the city preset, one to three each, 完成时限 on
working days of 2026-12), imports it into a new ledger through the CLI in a subprocess
(every item handed off: one appeal, one hand-off and two deadline rows, two trail events),
then times ``ledger show`` and ``ledger show --json`` end to end (median of 5, bytecode
cached and warmed as in benchmarks/run.py).

Targets: 10,000 items imported under 5 s; ``ledger show`` under 300 ms.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = ["市发展改革委", "市财政局", "市住房城乡建设局", "市自然资源规划局", "市税务局"]
DUES = ["2026-12-01", "2026-12-15", "2026-12-31"]
TODAY = "2026-11-02"


def zuozhen(db: Path, *args: str, warm: bool = False) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZUOZHEN_TODAY": TODAY}
    if warm:  # as users run it: bytecode cached (see benchmarks/run.py)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "zuozhen", "--db", str(db), *args],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def write_list(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["序号", "问题", "责任单位", "整改措施", "完成时限"])
        for i in range(1, n + 1):
            units = "、".join(UNITS[(i + k) % len(UNITS)] for k in range(1 + i % 3))
            w.writerow([i, f"第 {i} 项问题：审批时间偏长", units, "压缩时限", DUES[i % 3]])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args()
    folder = a.keep or Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "ledger.db"
    db.unlink(missing_ok=True)
    src = folder / "list.csv"
    write_list(src, a.items)
    # warm, as users run it: the .pyc files are written by the first commands
    zuozhen(db, "init", "--preset", "city", warm=True)
    zuozhen(
        db, "ledger", "new", "--name", "基准台账", "--source", "基准", "--year", "2026", warm=True
    )
    took = zuozhen(db, "ledger", "import", "L2026-01", str(src), warm=True)
    print(f"ledger import {a.items} items: {took:.2f} s (target < 5 s)")
    for extra in ([], ["--json"]):
        show = ["ledger", "show", "L2026-01", *extra]
        zuozhen(db, *show, warm=True)  # the .pyc files and the page cache
        runs = sorted(zuozhen(db, *show, warm=True) for _ in range(5))
        view = " ".join(["ledger show", *extra])
        print(f"{view} on {a.items} items: median {runs[2] * 1000:.0f} ms (target < 300 ms)")


if __name__ == "__main__":
    main()
