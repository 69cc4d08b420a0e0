"""Several clerks at once on one case file: nobody locked out, nothing lost, numbers unique.

Six OS processes start at the same instant and each runs a clerk's morning through the
real CLI: eight bookings of two appeals (booking numbers allocated concurrently), the
triage of each new appeal, and the hand-off → undertaking → report → closure of two
prepared appeals, with listings read in between: 32 writes per process, 192 in all.
Afterwards every command succeeded (no "database is locked" reached a clerk), every
booking and appeal number is unique and present, the file passes ``integrity_check`` and
``zuozhen verify`` (the audit trail's hash chain did not fork).

Also here: ``backup`` of a live file while a clerk keeps writing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ROOT, fingerprint, must, run_cli, tamper, uscc
from tests.pg import needs_pg
from tests.scenarios import OCT_SESSION, PREPARED, prepare_office

WORKERS = 6
BOOKINGS = 8  # per worker; each booking has two appeals
WRITES_PER_WORKER = BOOKINGS * (1 + 2) + (PREPARED // WORKERS) * 4
CLERK_DAY = "2026-10-09"  # inside October's booking window


UNITS = ("省自然资源厅", "省税务局", "省交通运输厅")


def clerk_main() -> None:
    """One clerk's morning, in its own OS process (``_start_clerks``).

    ``python -c 'from tests.test_concurrency import clerk_main; clerk_main()' DB W N START A…``:
    waits for the common start time, then books, triages, hands off and closes through the
    CLI (in-process Click runner, so a process does 30+ commands in seconds), and prints
    one JSON line per command.
    """
    db, worker, bookings, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    prepared = sys.argv[5:]
    run_cli(db, "--help")  # import everything before the start line
    while time.time() < float(start):
        time.sleep(0.001)
    out = []

    def step(*args: str) -> Any:
        code, so, se = run_cli(db, *args, today=CLERK_DAY, operator=f"协调员{worker}")
        doc = None
        if code == 0 and "--json" in args:
            doc = json.loads(so)
        out.append({"args": list(args), "code": code, "stderr": se[-500:], "json": doc})
        return doc

    mine = prepared
    for k in range(bookings):
        n = worker * 1000 + k
        b = step(
            "book", "--enterprise", f"并发{worker}-{k}号商贸有限公司", "--uscc", uscc(n),
            "--contact", "李大成", "--phone", f"139{n:08d}",
            "--appeal", f"货车通行证办理难 {worker}-{k}", "--appeal", f"融资担保费率高 {worker}-{k}",
            "--json",
        )  # fmt: skip
        for aid in (b or {}).get("appeals", []):
            step("triage", aid, "--theme", "政策兑现", "--session", OCT_SESSION, "--verified",
                 "--json")  # fmt: skip
        if mine and k % 2 == 1:
            aid, mine = mine[0], mine[1:]
            unit = UNITS[k % len(UNITS)]
            step("assign", "to", aid, "--unit", unit, "--json")
            step("assign", "accept", aid, "--handler", f"经办{worker}", "--measures", "核查")
            step("assign", "report", aid, "--text", "已办理")
            step("close", aid, "--outcome", "已解决", "--result", "已兑现")
        if k % 4 == 0:
            step("list", "--month", "2026-10", "--json")  # readers alongside the writers
    sys.stdout.write("\n".join(json.dumps(x, ensure_ascii=False) for x in out) + "\n")
    sys.stdout.flush()
    os._exit(0)


def _start_clerks(db: str, prepared: list[str]) -> list[subprocess.Popen[str]]:
    start = time.time() + 4.0  # every process imports first, then all start at once
    share = PREPARED // WORKERS
    procs = []
    for w in range(WORKERS):
        mine = prepared[w * share : (w + 1) * share]
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from tests.test_concurrency import clerk_main; clerk_main()",
                    db,
                    str(w + 1),
                    str(BOOKINGS),
                    repr(start),
                    *mine,
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    return procs


def _collect(procs: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        steps += [json.loads(line) for line in out.splitlines() if line.strip()]
    return steps


def _check_clerks(db: str, prepared: list[str], steps: list[dict[str, Any]]) -> dict[str, int]:
    failed = [s for s in steps if s["code"] != 0]
    assert not failed, failed[:3]
    assert not [s for s in steps if "locked" in s["stderr"] or "占用" in s["stderr"]]
    writes = [s for s in steps if s["args"][0] != "list"]
    assert len(writes) == WORKERS * WRITES_PER_WORKER
    booked = [s["json"] for s in steps if s["args"][0] == "book"]
    bookings = [b["booking"] for b in booked]
    appeals = [a for b in booked for a in b["appeals"]]
    assert len(bookings) == WORKERS * BOOKINGS
    assert len(set(bookings)) == len(bookings), Counter(bookings).most_common(3)
    assert len(set(appeals)) == len(appeals) == 2 * len(bookings)
    # Numbers are dense: 202610-001 … 202610-048, nothing skipped, nothing doubled.
    assert sorted(bookings) == [f"202610-{i:03d}" for i in range(1, len(bookings) + 1)]

    listed = must(db, "list", "--json")["appeals"]
    status = {x["id"]: x["status"] for x in listed}
    assert len(status) == PREPARED + len(appeals)
    assert all(status[a] == "scheduled" for a in appeals), Counter(status[a] for a in appeals)
    assert all(status[a] == "closed" for a in prepared), Counter(status[a] for a in prepared)
    v = must(db, "verify", "--json")
    assert v["ok"] is True and v["trail_problems"] == []
    return {"writes": len(writes), "trail": v["trail_rows"]}


@pytest.mark.slow
def test_six_clerks_at_once_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    assert run_cli(str(path), "init")[0] == 0
    prepared = prepare_office(str(path))
    trail_before = sqlite3.connect(path).execute("SELECT count(*) FROM trail").fetchone()[0]
    steps = _collect(_start_clerks(str(path), prepared))
    seen = _check_clerks(str(path), prepared, steps)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT count(*) FROM booking").fetchone()[0] == PREPARED + 48
    assert conn.execute("SELECT count(*) FROM appeal WHERE month = '2026-10'").fetchone()[0] == 96
    # every write appended at least one trail event
    assert seen["trail"] - trail_before >= WORKERS * WRITES_PER_WORKER
    conn.close()


@pytest.mark.slow
@pytest.mark.postgres
@needs_pg
def test_six_clerks_at_once_on_postgres(pg_db: str) -> None:
    assert run_cli(pg_db, "init")[0] == 0
    prepared = prepare_office(pg_db)
    steps = _collect(_start_clerks(pg_db, prepared))
    _check_clerks(pg_db, prepared, steps)


# -- backup of a live file ------------------------------------------------------------------

WRITER = """
import sys, time
from tests.factories import run_cli, uscc
db, stop = sys.argv[1], sys.argv[2]
n = 0
import pathlib
while not pathlib.Path(stop).exists() and n < 400:
    code, out, err = run_cli(db, "book", "--enterprise", f"备份期间{n}号公司", "--uscc", uscc(500000 + n),
        "--contact", "赵六", "--phone", f"137{n:08d}", "--appeal", f"诉求{n}", today="2026-10-09")
    assert code == 0, err
    n += 1
print(n)
"""


@pytest.mark.slow
def test_backup_of_a_live_file_is_consistent(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    assert run_cli(str(path), "init")[0] == 0
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(stop)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    copies = []
    try:
        deadline = time.time() + 30
        while sqlite3.connect(path).execute("SELECT count(*) FROM booking").fetchone()[0] < 5:
            assert time.time() < deadline and writer.poll() is None
            time.sleep(0.05)
        for i in range(3):
            target = tmp_path / f"copy{i}.db"
            code, out, err = run_cli(str(path), "backup", str(target), "--json")
            assert code == 0, err
            copies.append((target, json.loads(out)))
            time.sleep(0.2)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]
    total = int(out.strip())
    counts = []
    for target, doc in copies:
        conn = sqlite3.connect(target)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n_book, n_appeal = (
            conn.execute("SELECT count(*) FROM booking").fetchone()[0],
            conn.execute("SELECT count(*) FROM appeal").fetchone()[0],
        )
        trail, seals = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE action = 'seal') FROM trail"
        ).fetchone()
        conn.close()
        # one booking = one appeal = one event and one seal: a copy mid-transaction would differ
        assert n_book == n_appeal and 5 <= n_book <= total
        assert (trail - seals, seals) == (n_book + 1, n_book + 1)  # + init
        assert doc["rows"]["booking"] == n_book
        assert target.stat().st_mode & 0o077 == 0
        code, out, err = run_cli(str(target), "verify", "--json")
        assert code == 0 and json.loads(out)["ok"] is True
        counts.append(n_book)
    assert counts == sorted(counts) and counts[-1] > counts[0]  # the writer kept writing
    # refuses to overwrite an existing copy, which stays as it was
    before = fingerprint(copies[0][0])
    code, _, err = run_cli(str(path), "backup", str(copies[0][0]))
    assert code == 1 and "不会覆盖" in err
    assert fingerprint(copies[0][0]) == before


# -- verify names what is wrong ---------------------------------------------------------------
# Each test below changes the file behind the tool's back (tamper): states the rules forbid.


def _verify(path: Path) -> tuple[int, str, str]:
    code, out, err = run_cli(str(path), "verify")
    return code, out.replace("\n", ""), err.replace("\n", "")  # Rich wraps at 80 columns


@pytest.fixture
def rated(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "rated.db"
    assert run_cli(str(path), "init")[0] == 0
    aid = prepare_office(str(path), n=1)[0]
    must(str(path), "assign", "to", aid, "--unit", "省税务局", today="2026-09-24")
    must(
        str(path),
        "assign",
        "accept",
        aid,
        "--handler",
        "钱",
        "--measures",
        "核对",
        today="2026-09-25",
    )
    must(str(path), "assign", "report", aid, "--text", "已办", today="2026-09-25")
    must(str(path), "close", aid, "--outcome", "已解决", "--result", "已兑现", today="2026-09-28")
    must(str(path), "rate", aid, "--service", "不满意", "--handling", "不满意", today="2026-09-29")
    assert must(str(path), "verify", "--json")["ok"] is True
    return path, aid


def test_verify_names_a_broken_foreign_key(rated: tuple[Path, str]) -> None:
    path, aid = rated
    tamper(path, f"UPDATE deadline SET appeal_id = '209901-001-1' WHERE appeal_id = '{aid}'")
    code, out, _ = _verify(path)
    assert code == 1 and "引用关系：未通过" in out and "deadline" in out and "appeal" in out
    doc = json.loads(run_cli(str(path), "verify", "--json")[1])
    assert doc["ok"] is False and doc["foreign_keys"]


def test_verify_names_a_tampered_trail_row(rated: tuple[Path, str]) -> None:
    path, _ = rated
    tamper(
        path,
        "DROP TRIGGER trail_no_update",
        "UPDATE trail SET operator = '冒名' WHERE id = 5",
    )
    code, out, _ = _verify(path)
    assert code == 1 and "留痕第 5 条" in out and "改动" in out


def test_verify_names_a_tampered_rating(rated: tuple[Path, str]) -> None:
    path, aid = rated
    tamper(
        path,
        "DROP TRIGGER rating_no_update",
        f"UPDATE rating SET service = '满意', handling = '满意' WHERE appeal_id = '{aid}'",
    )
    code, out, err = _verify(path)
    assert code == 1 and f"诉求 {aid} 第 1 轮评价与留痕不符" in out and "不满意" in out
    assert "从最近一次备份恢复" in err


def test_verify_names_a_deleted_rating(rated: tuple[Path, str]) -> None:
    path, aid = rated
    tamper(path, "DROP TRIGGER rating_no_delete", "DELETE FROM rating")
    code, out, _ = _verify(path)
    assert code == 1 and f"诉求 {aid} 第 1 轮评价已记入留痕" in out and "被删除" in out
