"""Helpers for the robustness tests (concurrency, crashes, PostgreSQL flow).

``prepare_office`` builds, through the real CLI, a case file where twelve September
appeals were heard and referred (ready to be handed off and closed) and an October session
is planned. ``clerk_main`` is one clerk's day, run in its own OS process by
tests/test_concurrency.py: it waits for a common start time, then books, triages, hands
off and closes through the CLI (in-process Click runner, so a process does 30+ commands
in seconds), and prints one JSON line per command.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from zuozhen.validation import uscc_check_char

ROOT = Path(__file__).resolve().parent.parent
SEPT_SESSION = "S202609-01"
OCT_SESSION = "S202610-01"
CLERK_DAY = "2026-10-09"  # inside October's booking window
PREPARED = 12


def uscc(n: int, prefix: str = "91530100MA") -> str:
    body = f"{prefix}{n:07d}"[:17].rjust(17, "0")
    return body + uscc_check_char(body)


def run(db: str, *args: str, today: str | None = None, operator: str = "测试员") -> Any:
    """The real CLI, in this process: (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from zuozhen.cli import app

    argv = ["--db", db, "--operator", operator]
    if today:
        argv += ["--today", today]
    r = CliRunner().invoke(app, [*argv, *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def must(db: str, *args: str, today: str | None = None) -> Any:
    code, out, err = run(db, *args, today=today)
    assert code == 0, (args, out, err)
    return json.loads(out) if "--json" in args else out


def prepare_office(db: str, n: int = PREPARED) -> list[str]:
    """Sessions S202609-01 (09-24) and S202610-01 (10-22); ``n`` referred appeals."""
    plan = ("session", "plan", "--kind", "主场", "--theme", "政策兑现", "--unit", "省发展改革委")
    s1 = must(db, *plan, "--date", "2026-09-24", "--lead", "张厅长", "--json", today="2026-08-28")
    s2 = must(db, *plan, "--date", "2026-10-22", "--lead", "李厅长", "--json", today="2026-09-20")
    assert (s1["id"], s2["id"]) == (SEPT_SESSION, OCT_SESSION)
    appeals = []
    for i in range(n):
        b = must(
            db,
            "book",
            "--enterprise",
            f"云南预备{i}号科技有限公司",
            "--uscc",
            uscc(900000 + i),
            "--contact",
            "王小明",
            "--phone",
            f"138{i:08d}",
            "--appeal",
            f"电费补贴迟迟未兑现（{i}）",
            "--json",
            today="2026-09-01",
        )
        appeals += b["appeals"]
    for aid in appeals:
        must(db, "triage", aid, "--theme", "政策兑现", "--session", SEPT_SESSION, "--verified",
             today="2026-09-08")  # fmt: skip
    must(db, "notify", "--session", SEPT_SESSION, "--sent", "--channel", "短信", today="2026-09-18")
    for aid in appeals:
        must(db, "session", "hear", aid, "--refer", "--note", "需部门核实", today="2026-09-24")
    return appeals


def clerk_commands(worker: int, bookings: int, prepared: list[str]) -> list[list[str]]:
    """The commands of one clerk, in order (the triage of a new booking comes after it)."""
    return [["book-and-triage", str(worker), str(k)] for k in range(bookings)] + [
        ["handle", aid] for aid in prepared
    ]


UNITS = ("省自然资源厅", "省税务局", "省交通运输厅")


def clerk_main() -> None:
    """``python -c 'from tests.helpers_robust import clerk_main; clerk_main()' DB W N START A…``"""
    db, worker, bookings, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    prepared = sys.argv[5:]
    run(db, "--help")  # import everything before the start line
    while time.time() < float(start):
        time.sleep(0.001)
    out = []

    def step(*args: str) -> Any:
        code, so, se = run(db, *args, today=CLERK_DAY, operator=f"协调员{worker}")
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
