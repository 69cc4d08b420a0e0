"""Pulling the plug: SIGKILL in the middle of writes, many times, at random moments.

A real ``zuozhen`` process (``python -m zuozhen``) imports a 20,000-row CSV and is killed
at a random moment, again and again on the same case file; between imports other clerks'
bookings are killed too. After every kill the file opens, passes ``PRAGMA
integrity_check`` and ``zuozhen verify`` (hash chain intact), and holds each interrupted
transaction either whole or not at all: the import's appeals are 0 or all 20,000, never
a part; every booking has its appeals, its deadlines and its one trail event.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import ROOT, run_cli, uscc

ROWS = 20_000
KILLS = 26
TODAY = "2026-10-09"
TEXTS = [
    "企业新购置生产设备，能否申报省级技术改造补助？",
    "新建厂房已竣工三个月，消防验收排期较长，希望协调加快验收。",
    "申请的稳岗返还资金至今未到账，请协助查询办理进度。",
    "出口退税审核时间较长，影响资金周转，希望加快办理。",
]


def write_csv(path: Path, n: int) -> None:
    rnd = random.Random(11)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["企业名称", "统一社会信用代码", "联系人", "联系电话", "诉求类别", "诉求内容"])
        k = 0
        rows = 0
        while rows < n:
            k += 1
            # one enterprise, one phone: its second row must agree with its first (a
            # different phone for a known code is refused, issue 11)
            phone = f"13{rnd.randint(100_000_000, 999_999_999)}"
            for j in range(2 if k % 5 == 0 else 1):
                if rows == n:
                    break
                w.writerow(
                    [
                        f"云南导入{k}号有限公司",
                        uscc(k, "91530100MB"),
                        "王小明",
                        phone,
                        "政策咨询",
                        TEXTS[(k + j) % len(TEXTS)],
                    ]
                )
                rows += 1


def zuozhen(db: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zuozhen",
            "--db",
            str(db),
            "--operator",
            "导入员",
            "--today",
            TODAY,
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


BOOKER = """
import sys
from tests.factories import run_cli, uscc
db, first = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
for n in range(first, first + 1000):
    code, out, err = run_cli(db, "book", "--enterprise", f"窗口{n}号公司", "--uscc", uscc(n, "91530100MC"),
        "--contact", "赵六", "--phone", f"137{n:08d}", "--appeal", f"诉求甲{n}", "--appeal",
        f"诉求乙{n}", today="2026-10-09")
    assert code == 0, err
"""


def check(db: Path) -> tuple[int, int]:
    """The file is whole: integrity, verify, and every transaction all-or-nothing."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        imported = conn.execute("SELECT count(*) FROM appeal WHERE text LIKE '%企业%' OR "
                                "text LIKE '%厂房%' OR text LIKE '%稳岗%' OR text LIKE '%退税%'"
                                ).fetchone()[0]  # fmt: skip
        assert imported in (0, ROWS), imported
        # window bookings: two appeals each, each with its verify deadline, one trail event
        counts = conn.execute(
            "SELECT b.id, count(DISTINCT a.id), count(DISTINCT d.id) FROM booking b "
            "JOIN appeal a ON a.booking_id = b.id LEFT JOIN deadline d ON d.appeal_id = a.id "
            "WHERE b.source = '窗口' GROUP BY b.id"
        ).fetchall()
        assert all(n_a == 2 and n_d >= 2 for _, n_a, n_d in counts), counts[:3]
        window = conn.execute("SELECT count(*) FROM booking WHERE source = '窗口'").fetchone()[0]
        assert len(counts) == window  # no booking without its appeals
        events = conn.execute(
            "SELECT count(*) FROM trail WHERE action = 'book' AND entity = 'booking'"
        ).fetchone()[0]
        assert events == window
    finally:
        conn.close()
    code, out, err = run_cli(str(db), "verify", "--json")
    assert code == 0, out + err
    assert json.loads(out)["ok"] is True
    return imported, window


@pytest.mark.slow
def test_sigkill_never_leaves_half_a_transaction(tmp_path: Path) -> None:
    base = tmp_path / "base.db"
    assert run_cli(str(base), "init")[0] == 0
    db = tmp_path / "case.db"
    shutil.copy(base, db)
    source = tmp_path / "bookings.csv"
    write_csv(source, ROWS)
    rnd = random.Random(int(os.environ.get("ZUOZHEN_CRASH_SEED", "20261009")))
    survived = 0
    states: set[int] = set()
    t_end = time.time() + 50
    first = 1
    for i in range(KILLS):
        if i % 2 == 0:
            proc = zuozhen(db, "book", "--from-csv", str(source), "--json")
            time.sleep(rnd.uniform(0.8, 3.6))
        else:
            proc = subprocess.Popen(
                [sys.executable, "-c", BOOKER, str(db), str(first)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            first += 1000
            assert proc.stdout is not None
            proc.stdout.readline()  # imported everything; now booking in a loop
            time.sleep(rnd.uniform(0.05, 1.0))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        imported, _ = check(db)
        states.add(imported)
        if imported == ROWS:  # the import finished before the kill: start again afresh
            for suffix in ("-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            shutil.copy(base, db)
        survived += 0 if finished else 1
        if time.time() > t_end:
            break
    print(f"crash test: {survived} kills survived; import states seen {sorted(states)}")
    assert survived >= 20
    # the file is still a working case file
    code, _, err = run_cli(str(db), "book", "--from-csv", str(source), "--json", today=TODAY)
    assert code == 0, err
    assert check(db)[0] == ROWS
