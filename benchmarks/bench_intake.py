"""Benchmark of ``intake --from-csv``: 100,000 12345 work orders, imported and re-imported.

    python benchmarks/bench_intake.py [--sizes 20000 100000] [--keep DIR]

Generates a CSV like a 12345 hotline's daily export (GB18030, CRLF, the seven required
columns plus 诉求类别, 所属地区 and two columns the import ignores; valid credit codes;
about 1.3 work orders per enterprise; 受理时间 spread over the last weeks), imports it
into a fresh case file through the CLI in a child process (``zuozhen --db … intake
--from-csv … --channel 12345 --json``; its own peak resident memory, VmHWM, reported from
inside it), then imports the same file again (every row skipped). Prints wall time, rows
per second and peak memory of both runs. As of 2026-12-07.

Targets (issue 14): 100,000 rows in under 30 s and under 300 MB peak; the same file again
in under 10 s with 0 rows added.
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
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zuozhen.config import compose  # noqa: E402
from zuozhen.store.storage import Act, create_case_file  # noqa: E402
from zuozhen.validation import USCC_CHARS, uscc_check_char  # noqa: E402

TODAY = date(2026, 12, 7)
HEADER = [
    "工单编号",
    "受理时间",
    "企业名称",
    "统一社会信用代码",
    "联系人",
    "联系电话",
    "诉求内容",
    "诉求类别",
    "所属地区",
    "来电号码",
    "承办状态",
]
AREAS = [
    ("530100", "五华区"),
    ("530100", "盘龙区"),
    ("530100", "官渡区"),
    ("530100", "西山区"),
    ("530100", "呈贡区"),
    ("530100", "安宁市"),
    ("530100", "滇中新区"),
]
WORDS = ["滇中", "高原", "金沙", "彩云", "红土", "澜沧", "苍山", "洱海", "普洱", "石林"]
TRADES = ["新材料", "商贸物流", "生物医药", "现代农业", "文化旅游", "装备制造", "电子信息"]
TEXTS = [
    "厂区门口路灯损坏多日，夜间货车进出不安全，请尽快维修。",
    "办理营业执照变更登记时线上系统一直提示材料不全，请协助。",
    "申请的稳岗返还资金至今未到账，请协助查询办理进度。",
    "园区周边道路施工封闭，未设置绕行标志，影响企业物流。",
    "反映政府投资项目拖欠我公司工程款，多次催收未果。",
    "咨询小微企业房产税、城镇土地使用税减免政策如何申请。",
    "企业用水报装等待时间过长，希望加快接入。",
    "反映某部门执法检查频次过高，影响正常生产经营。",
]
CATEGORIES = ["政策咨询", "服务需求", "意见建议"]


def generate(path: Path, n: int, seed: int = 11) -> int:
    """Write ``n`` work orders; returns the number of distinct enterprises."""
    rnd = random.Random(seed)
    rows: list[list[str]] = []
    k = 0
    while len(rows) < n:
        k += 1
        area, region = AREAS[k % len(AREAS)]
        org = "".join(rnd.choice(USCC_CHARS) for _ in range(3)) + f"{k:06d}"
        body = f"91{area}{org}"
        code = body + uscc_check_char(body)
        name = f"昆明{rnd.choice(WORDS)}{k}号{rnd.choice(TRADES)}有限公司"
        phone = f"13{rnd.randint(0, 9)}{rnd.randint(10_000_000, 99_999_999)}"
        orders = 2 if rnd.random() < 0.3 else 1
        for j in rnd.sample(range(len(TEXTS)), orders):
            day = TODAY - timedelta(days=rnd.randint(0, 40))
            at = f"{day.isoformat()} {rnd.randint(8, 20):02d}:{rnd.randint(0, 59):02d}:00"
            ref = f"GD{day:%Y%m%d}{len(rows) + 1:07d}"
            rows.append(
                [
                    ref,
                    at,
                    name,
                    code,
                    "王小明",
                    phone,
                    TEXTS[j],
                    rnd.choice(CATEGORIES),
                    region,
                    "0871-12345",
                    "待派单",
                ]
            )
    rows = rows[:n]
    with path.open("w", encoding="gb18030", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        w.writerows(rows)
    return len({r[3] for r in rows})


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


def run_cli(db: Path, csv_path: Path) -> tuple[float, int, dict[str, object]]:
    cmd = [sys.executable, "-c", PEAK, "--db", str(db), "--operator", "bench"]
    t0 = time.perf_counter()
    done = subprocess.run(
        [
            *cmd,
            "--today",
            TODAY.isoformat(),
            "intake",
            "--from-csv",
            str(csv_path),
            "--channel",
            "12345",
            "--json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    wall = time.perf_counter() - t0
    _, peak_kb, code = done.stderr.strip().splitlines()[-1].split()
    if code not in ("0", "None"):
        print(done.stderr[-3000:])
        raise SystemExit(f"CLI import failed with exit code {code}")
    return wall, int(peak_kb), json.loads(done.stdout)


def bench(folder: Path, csv_path: Path, n: int) -> None:
    db = folder / f"intake-{n}.db"
    db.unlink(missing_ok=True)
    create_case_file(str(db), compose("city"), Act("bench", date(2026, 1, 5))).close()
    for label in ("first ", "again "):
        wall, peak_kb, doc = run_cli(db, csv_path)
        print(
            f"CLI {label} {n:>7,} rows: {wall:6.2f} s  {n / wall:>8,.0f} rows/s  "
            f"imported {doc['imported']:,}  skipped {doc['skipped']:,}  "
            f"rejected {len(doc['rejected'])}  peak RSS {peak_kb / 1024:.0f} MB"  # type: ignore[arg-type]
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            csv_path = folder / f"12345-{n}.csv"
            t0 = time.perf_counter()
            ents = generate(csv_path, n)
            size = csv_path.stat().st_size / 1024 / 1024
            print(
                f"generated {n:,} rows ({ents:,} enterprises, {size:.1f} MB) "
                f"in {time.perf_counter() - t0:.1f} s"
            )
            bench(folder, csv_path, n)


if __name__ == "__main__":
    main()
