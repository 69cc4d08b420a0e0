"""Benchmark of the read path: ``audit``, ``list --month`` and ``show`` on big case files.

    python benchmarks/bench_audit.py [--sizes 10000 100000] [--keep DIR]

Builds case files of N appeals in bulk (plain SQL inserts in one transaction, not CLI
calls): 22 months of bookings (2025-01 .. 2026-10), about 1.3 appeals per booking; older
appeals mostly closed and rated with their deadlines met, a few per cent left overdue, the
last two months open with live deadlines. Then times, as of 2026-10-20:

* the library call (``Reader`` + ``audit.daily_list`` / ``browse.list_appeals`` /
  ``browse.show_appeal``), best of 5;
* the end-to-end CLI in a fresh subprocess (``zuozhen … audit --json`` etc.), best of 3.

Target: ``audit`` on 100,000 appeals under 1 s end to end.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import best_of  # noqa: E402  (benchmarks/timing.py)

from zuozhen.browse import list_appeals, show_appeal  # noqa: E402
from zuozhen.config import compose  # noqa: E402
from zuozhen.deadlines import default_calendar  # noqa: E402
from zuozhen.store.reader import Reader  # noqa: E402
from zuozhen.store.storage import Act, create_case_file  # noqa: E402
from zuozhen.supervision import daily_list  # noqa: E402

TODAY = date(2026, 10, 20)
UNITS = [
    "省发展改革委",
    "省工业和信息化厅",
    "省财政厅",
    "省自然资源厅",
    "省住房城乡建设厅",
    "省交通运输厅",
    "省商务厅",
    "省市场监管局",
    "省税务局",
    "省人力资源社会保障厅",
]
TEXTS = [
    "电费补贴迟迟未兑现",
    "厂房用地审批慢",
    "融资贷款难",
    "货车通行证办理难",
    "招工难社保补贴申请",
    "环评审批周期长",
    "出口退税进度慢",
    "拖欠工程款",
]
NOW = "2026-10-20T00:00:00+00:00"


def months() -> list[tuple[int, int]]:
    out = [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 11)]
    return out


def build(path: Path, n: int, seed: int = 7) -> None:
    create_case_file(str(path), compose("province"), Act("bench", date(2025, 1, 1))).close()
    rnd = random.Random(seed)
    cal = default_calendar()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    ms = months()
    per_month = n // len(ms)
    ent_rows, book_rows, appeal_rows, sess_rows, hand_rows, dl_rows, rating_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    ent_count = 0
    made = 0
    for mi, (y, m) in enumerate(ms):
        month = f"{y:04d}-{m:02d}"
        session_day = cal.first_workdays(y, m, 15)[0][-1]
        sid = f"S{y:04d}{m:02d}-01"
        sess_rows.append(
            (
                sid,
                month,
                session_day,
                "主场",
                "政策兑现",
                json.dumps(UNITS[:3]),
                "张厅长",
                "09:00",
                "12:00",
                "云南省政务服务中心",
                "planned",
                NOW,
            )
        )
        target = per_month if mi < len(ms) - 1 else n - made
        seq = 0
        in_month = 0
        recent = (y, m) >= (2026, 9)
        while in_month < target:
            seq += 1
            bid = f"{y:04d}{m:02d}-{seq:03d}"
            ent_count += 1
            uscc = f"91530{ent_count:013d}"
            ent_rows.append((uscc, f"企业{ent_count}", "王小明", "13812345678", NOW, NOW))
            booked = cal.first_workdays(y, m, 5)[0][seq % 5]
            book_rows.append((bid, month, seq, uscc, booked, "窗口", NOW))
            for k in range(1, 1 + min(target - in_month, 1 if rnd.random() < 0.75 else 2)):
                in_month += 1
                made += 1
                aid = f"{bid}-{k}"
                joint = rnd.random() < 0.2
                units = rnd.sample(UNITS, 2 if joint else 1)
                on_spot = rnd.random() < 0.3
                handed = session_day
                plan_due = cal.add_workdays(handed, 5).date
                report_due = cal.add_workdays(handed, 20 if joint else 15).date
                stuck = recent or rnd.random() < 0.02
                if on_spot:
                    status, closed = ("closed" if stuck else "rated"), session_day
                elif stuck:
                    status, closed = rnd.choice(["handed_off", "undertaken", "reported"]), None
                else:
                    status, closed = "rated", report_due - timedelta(days=rnd.randint(0, 5))
                appeal_rows.append(
                    (
                        aid,
                        bid,
                        k,
                        month,
                        rnd.choice(TEXTS) + f"（{aid}）",
                        "服务需求",
                        status,
                        "政策兑现",
                        json.dumps(units, ensure_ascii=False),
                        units[0],
                        sid,
                        booked,
                        0,
                        session_day,
                        "张厅长",
                        1,
                        "已解决" if closed else None,
                        int(on_spot),
                        "已解决" if closed else None,
                        closed,
                        NOW,
                        NOW,
                    )
                )
                if not on_spot:
                    hand_rows.append(
                        (
                            aid,
                            1,
                            handed,
                            json.dumps(units, ensure_ascii=False),
                            units[0],
                            int(joint),
                            0,
                            0,
                            0,
                        )
                    )
                    accepted = status != "handed_off"
                    dl_rows.append(
                        (
                            aid,
                            1,
                            "accept",
                            units[0],
                            handed,
                            5,
                            "wd",
                            plan_due,
                            0,
                            plan_due if accepted else None,
                            0,
                        )
                    )
                    reported = status in ("reported", "rated")
                    dl_rows.append(
                        (
                            aid,
                            1,
                            "report",
                            units[0],
                            handed,
                            20 if joint else 15,
                            "wd",
                            report_due,
                            0,
                            report_due if reported else None,
                            0,
                        )
                    )
                if closed is not None:
                    rate_due = cal.add_workdays(closed, 10).date
                    rated = status == "rated"
                    dl_rows.append(
                        (
                            aid,
                            1,
                            "rate",
                            units[0],
                            closed,
                            10,
                            "wd",
                            rate_due,
                            0,
                            rate_due if rated else None,
                            0,
                        )
                    )
                    if rated:
                        bad = rnd.random() < 0.05
                        rating_rows.append(
                            (aid, 1, "满意", "不满意" if bad else "满意", closed, NOW)
                        )
                        if bad:
                            due = cal.add_workdays(closed, 10).date
                            dl_rows.append(
                                (
                                    aid,
                                    1,
                                    "revisit",
                                    units[0],
                                    closed,
                                    10,
                                    "wd",
                                    due,
                                    0,
                                    None if recent else due,
                                    0,
                                )
                            )
    conn.executemany(
        "INSERT INTO enterprise (uscc, name, contact, phone, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?)",
        ent_rows,
    )
    conn.executemany(
        "INSERT INTO consultation (id, month, date, kind, theme, units, lead, start,"
        ' "end", place, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
        sess_rows,
    )
    conn.executemany(
        "INSERT INTO booking (id, month, seq, uscc, booked_on, source, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        book_rows,
    )
    conn.executemany(
        "INSERT INTO appeal (id, booking_id, seq, month, text, category, status, theme, units,"
        " lead_unit, session_id, verified_on, renotify, heard_on, heard_by, round, outcome,"
        " resolved_on_spot, result, closed_on, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        appeal_rows,
    )
    conn.executemany(
        "INSERT INTO handoff (appeal_id, round, handed_on, units, lead_unit, joint,"
        " accepted_late, reported_late, extensions) VALUES (?,?,?,?,?,?,?,?,?)",
        hand_rows,
    )
    conn.executemany(
        "INSERT INTO deadline (appeal_id, round, step, unit, start, count, rule, due,"
        " provisional, done_on, late) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        dl_rows,
    )
    conn.executemany(
        "INSERT INTO rating (appeal_id, round, service, handling, rated_on,"
        " recorded_at) VALUES (?,?,?,?,?,?)",
        rating_rows,
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def cli(db: Path, *args: str) -> Callable[[], object]:
    exe = Path(sys.executable).with_name("zuozhen")
    argv = [str(exe), "--db", str(db), "--today", TODAY.isoformat(), *args]

    def run() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep the case files in")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="zuozhen-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        db = folder / f"bench-{n}.db"
        if not db.exists():
            t0 = time.perf_counter()
            build(db, n)
            print(
                f"built {db.name}: {n} appeals in {time.perf_counter() - t0:.1f} s", file=sys.stderr
            )
        with Reader(str(db)) as r:
            some = r.scalar("SELECT id FROM appeal WHERE month = '2026-10' LIMIT 1")
            res = daily_list(r, TODAY)
            counts = (len(res.overdue), len(res.due_soon), len(list_appeals(r, month="2026-10")))

        def lib(fn: Callable[[Reader], object], db: Path = db) -> Callable[[], object]:
            def run() -> None:
                with Reader(str(db)) as r:
                    fn(r)

            return run

        audit_lib = best_of(5, lib(lambda r: daily_list(r, TODAY)))
        list_lib = best_of(5, lib(lambda r: list_appeals(r, month="2026-10")))
        show_lib = best_of(5, lib(lambda r, some=some: show_appeal(r, some)))
        audit_cli = best_of(3, cli(db, "audit", "--json"))
        audit_human = best_of(3, cli(db, "audit"))
        list_cli = best_of(3, cli(db, "list", "--month", "2026-10", "--json"))
        show_cli = best_of(3, cli(db, "show", some, "--json"))
        rows.append(
            (n, counts, audit_lib, audit_cli, audit_human, list_lib, list_cli, show_lib, show_cli)
        )
    print()
    print(
        f"as of {TODAY}; library = Reader + function (best of 5); CLI = fresh subprocess "
        "(best of 3)"
    )
    head = (
        "appeals",
        "overdue",
        "due soon",
        "list rows",
        "audit lib",
        "audit CLI json",
        "audit CLI",
        "list lib",
        "list CLI",
        "show lib",
        "show CLI",
    )
    print(" | ".join(head))
    for n, (od, ds, lr), *t in rows:
        print(" | ".join([f"{n:,}", str(od), str(ds), str(lr), *(f"{x * 1000:.0f} ms" for x in t)]))
    if not args.keep:
        print(f"(case files in {folder})", file=sys.stderr)


if __name__ == "__main__":
    main()
