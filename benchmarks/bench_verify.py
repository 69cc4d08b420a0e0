"""Benchmark of ``zuozhen verify``: the hash chain walked and the trail's seals replayed.

    python benchmarks/bench_verify.py [--sizes 10000 100000] [--runs 3]

On the generated case files (benchmarks/generate.py, cached), times ``zuozhen verify
--json`` in a fresh process (median of runs, peak RSS of the child) and the library call in
parts: the chain walk with the seal replay, and the scan of every record's digest.
Target (issue 11): 100,000 appeals (about 740,000 trail rows) under 15 s end to end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import generate  # noqa: E402  (benchmarks/generate.py)
from run import ZUOZHEN, measure  # noqa: E402  (benchmarks/run.py)

from zuozhen.store import seal  # noqa: E402
from zuozhen.store.storage import open_case_file  # noqa: E402
from zuozhen.store.trail import verify_chain  # noqa: E402


def parts(db: Path) -> dict[str, float]:
    case = open_case_file(str(db))
    try:
        with case.read() as s:
            t0 = time.perf_counter()
            seals = 0

            def count(_kind: str, _detail: str) -> None:
                nonlocal seals
                seals += 1

            problems = verify_chain(s, on_seal=count)  # (verify itself reads seals by index)
            t1 = time.perf_counter()
            records = sum(1 for _ in seal.everything(s.connection()))
            t2 = time.perf_counter()
            rows = int(s.connection().exec_driver_sql("SELECT count(*) FROM trail").scalar_one())
    finally:
        case.close()
    assert not problems, problems[:3]
    return {
        "trail_rows": rows,
        "seal_events": seals,
        "records": records,
        "chain_s": t1 - t0,
        "records_s": t2 - t1,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--folder", type=Path, default=generate.DEFAULT_FOLDER)
    args = ap.parse_args()
    print(
        "| appeals | trail rows | seal events | records | chain + replay | record scan "
        "| CLI verify (median) | CLI peak |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        db = generate.ensure(size, folder=args.folder)
        p = parts(db)
        m = measure([ZUOZHEN, "--db", str(db), "verify", "--json"], args.runs)
        print(
            f"| {size:,} | {p['trail_rows']:,} | {p['seal_events']:,} | {p['records']:,} "
            f"| {p['chain_s']:.1f} s | {p['records_s']:.1f} s | {m.median_s:.1f} s "
            f"| {m.peak_mb:.0f} MB |",
            flush=True,
        )
        print(json.dumps({"size": size, **p, "cli_s": m.runs}), file=sys.stderr)


if __name__ == "__main__":
    main()
