"""Benchmark of ``book --from-csv``: importing 20,000 and 100,000 CSV rows.

    python benchmarks/bench_import.py [--sizes 20000 100000] [--keep DIR] [--no-library]

Generates a CSV like the online window's export (UTF-8 with BOM, CRLF, the six required
columns plus 所属地区 and 所属行业; valid credit codes; about 1.2 appeals per enterprise,
so rows of one enterprise are merged into one booking), imports it into a fresh case file
through the CLI in a child process (``zuozhen --db … book --from-csv … --json``; its own
peak resident memory, VmHWM, reported from inside it), and once more through the
library (``bookings_import.import_csv``) in this process for the wall time alone. Prints
wall time and rows per second. As of 2026-10-09 (inside October's booking window).

Targets (issue 12): 100,000 rows in under 30 s on a 2-core machine, peaking under 200 MB;
20,000 rows under 120 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zuozhen import bookings_import  # noqa: E402
from zuozhen.config import compose  # noqa: E402
from zuozhen.store.storage import Act, create_case_file  # noqa: E402
from zuozhen.validation import USCC_CHARS, uscc_check_char  # noqa: E402

TODAY = date(2026, 10, 9)
HEADER = [
    "企业名称",
    "统一社会信用代码",
    "联系人",
    "联系电话",
    "诉求类别",
    "诉求内容",
    "所属地区",
    "所属行业",
]
AREAS = [
    ("530100", "昆明市"),
    ("530300", "曲靖市"),
    ("530400", "玉溪市"),
    ("530500", "保山市"),
    ("530600", "昭通市"),
    ("530700", "丽江市"),
    ("530800", "普洱市"),
    ("532300", "楚雄州"),
    ("532500", "红河州"),
    ("532900", "大理州"),
]
WORDS = ["滇中", "高原", "金沙", "彩云", "红土", "澜沧", "苍山", "洱海", "普洱", "石林"]
TRADES = ["新材料", "商贸物流", "生物医药", "现代农业", "文化旅游", "装备制造", "电子信息"]
TEXTS = [
    "企业新购置生产设备，能否申报省级技术改造补助？申报材料和时限是什么？",
    "新建厂房已竣工三个月，消防验收排期较长，希望协调加快验收。",
    "申请的稳岗返还资金至今未到账，请协助查询办理进度。",
    "研发费用加计扣除政策有何调整？小型微利企业如何享受？",
    "企业流动资金紧张，希望对接银行办理应收账款质押融资。",
    "园区道路与企业出入口未接通，大型货车无法进出，请协调。",
    "政府投资项目拖欠我公司工程款，多次催收未果，请协调支付。",
    "出口退税审核时间较长，影响资金周转，希望加快办理。",
    "项目用地土地证办理卡在规划条件核实环节，请协调自然资源部门。",
    "招聘技术工人困难，希望对接职业院校开展订单式培养。",
]
CATEGORIES = ["政策咨询", "服务需求", "意见建议"]


def generate(path: Path, n: int, seed: int = 7) -> int:
    """Write ``n`` rows; returns the number of distinct enterprises."""
    rnd = random.Random(seed)
    rows: list[list[str]] = []
    k = 0
    while len(rows) < n:
        k += 1
        area, region = AREAS[k % len(AREAS)]
        org = "".join(rnd.choice(USCC_CHARS) for _ in range(3)) + f"{k:06d}"
        body = f"91{area}{org}"
        code = body + uscc_check_char(body)
        name = f"云南{rnd.choice(WORDS)}{k}号{rnd.choice(TRADES)}有限公司"
        phone = f"13{rnd.randint(0, 9)}{rnd.randint(10_000_000, 99_999_999)}"
        trade = rnd.choice(TRADES)
        appeals = 2 if rnd.random() < 0.2 else 1  # ~1.2 appeals per enterprise
        for j in rnd.sample(range(len(TEXTS)), appeals):
            rows.append(
                [name, code, "王小明", phone, rnd.choice(CATEGORIES), TEXTS[j], region, trade]
            )
    rows = rows[:n]
    rnd.shuffle(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        w.writerows(rows)
    return len({r[1] for r in rows})


def fresh_case(folder: Path, name: str) -> Path:
    db = folder / name
    create_case_file(str(db), compose("province"), Act("bench", TODAY)).close()
    return db


def bench_library(folder: Path, csv_path: Path, n: int) -> None:
    from zuozhen.store.storage import open_case_file

    db = fresh_case(folder, f"lib-{n}.db")
    case = open_case_file(str(db))
    try:
        t0 = time.perf_counter()
        r = bookings_import.import_csv(case, Act("bench", TODAY), csv_path)
        wall = time.perf_counter() - t0
    finally:
        case.close()
    print(
        f"library  {n:>7,} rows: {wall:6.2f} s  {n / wall:>8,.0f} rows/s  "
        f"imported {r.imported:,}, bookings {len(r.bookings_created):,}, "
        f"rejected {len(r.rejected)}"
    )


# The CLI in a child process that reports its own peak memory (Linux: kilobytes).
PEAK = """
import sys
from zuozhen.cli import app
try:
    app(sys.argv[1:], prog_name="zuozhen")
except SystemExit as exc:
    code = exc.code
# VmHWM: this process's own peak (ru_maxrss would carry over the forking parent's)
with open("/proc/self/status", encoding="ascii") as fh:
    hwm = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
print("peak", hwm, code, file=sys.stderr)
"""


def bench_cli(folder: Path, csv_path: Path, n: int) -> None:
    db = fresh_case(folder, f"cli-{n}.db")
    cmd = [sys.executable, "-c", PEAK, "--db", str(db), "--operator", "bench"]
    t0 = time.perf_counter()
    done = subprocess.run(
        [*cmd, "--today", TODAY.isoformat(), "book", "--from-csv", str(csv_path), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    wall = time.perf_counter() - t0
    _, peak_kb, code = done.stderr.strip().splitlines()[-1].split()
    if code not in ("0", "None"):
        print(done.stderr)
        raise SystemExit(f"CLI import failed with exit code {code}")
    doc = json.loads(done.stdout)
    print(
        f"CLI      {n:>7,} rows: {wall:6.2f} s  {n / wall:>8,.0f} rows/s  "
        f"imported {doc['imported']:,}  peak RSS {int(peak_kb) / 1024:.0f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    ap.add_argument("--no-library", action="store_true", help="skip the in-process run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            csv_path = folder / f"bookings-{n}.csv"
            t0 = time.perf_counter()
            ents = generate(csv_path, n)
            size = csv_path.stat().st_size / 1024 / 1024
            print(
                f"generated {n:,} rows ({ents:,} enterprises, {size:.1f} MB) "
                f"in {time.perf_counter() - t0:.1f} s"
            )
            bench_cli(folder, csv_path, n)
            if not args.no_library:
                bench_library(folder, csv_path, n)


if __name__ == "__main__":
    main()
