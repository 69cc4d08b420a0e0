"""The benchmark runner: the clerk's daily commands on 10,000 / 100,000 / 1,000,000 appeals.

    python benchmarks/run.py [--sizes 10000 100000 1000000] [--runs 5] [--json FILE]

For each size (case files from ``benchmarks/generate.py``, cached under
/tmp/zuozhen-bench/) and each command — ``audit``, ``list --month``, ``show``,
``report quarterly``, the quarterly CSV export, the quarterly bulletin (HTML and Word),
``search 出口退税`` (through the trigram index) and ``search 出口 退税`` (two short words:
through the bigram index, schema 8) — it measures (``--only NAME…``: only those commands):

* **CLI**: median wall time of a fresh ``zuozhen`` process, as the clerk runs it (human
  output, to a file), and that child's peak memory (``/usr/bin/time -f %M``, else
  ``ru_maxrss`` from ``os.wait4``);
* **lib**: median time of the library call alone (``Reader`` + the query function) in this
  process;
* **floor**: the same query written directly in SQL and run by the ``sqlite3`` command-line
  program on the same file (a fresh process too, output to a file), and the ratio CLI/floor;
* whether the command imported SQLAlchemy or pydantic (``python -X importtime``).

And the start-up: ``zuozhen --help``, ``zuozhen assign --help``, ``zuozhen calendar due
2026-09-24 15`` and ``zuozhen show ID`` (10,000 appeals) against ``python -c pass``.

Bytecode caching: this machine sets ``PYTHONDONTWRITEBYTECODE=1``, which makes every import
recompile (~+100 ms). Users' installs have .pyc files, so the children run without it, and
every command is run once to warm the cache (and the OS page cache) before timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402

TODAY = generate.TODAY
MONTH = "2026-09"
QUARTER = "2026Q3"
SEARCH = "出口退税"
WORDS = ["出口", "退税"]  # two short words: no trigram, a LIKE over every text
ZUOZHEN = str(Path(sys.executable).with_name("zuozhen"))
SQLITE3 = shutil.which("sqlite3")
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["COLUMNS"] = "100"


@dataclass
class Measure:
    median_s: float
    runs: list[float]
    peak_mb: float


@dataclass
class Row:
    size: int
    name: str
    cli: Measure
    lib_s: float | None
    floor: Measure | None
    heavy_imports: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.cli.median_s / self.floor.median_s if self.floor else None

    @property
    def lib_ratio(self) -> float | None:
        if self.floor is None or self.lib_s is None:
            return None
        return self.lib_s / self.floor.median_s


def child(argv: list[str], *, stdin: str | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, output to a scratch file.

    The peak comes from ``/usr/bin/time -f %M`` when it exists: a child forked from this
    (large) process would report this process's resident size as its own high-water mark,
    since Linux keeps ``ru_maxrss`` across exec. Without it, ``os.wait4``'s ``ru_maxrss``.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as inp,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        if stdin is not None:
            inp.write(stdin.encode())
            inp.seek(0)
        cmd = [TIME, "-f", "%M", "-o", rss.name, *argv] if TIME else argv
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=inp, stdout=out, stderr=subprocess.PIPE, env=ENV)
        assert p.stderr is not None
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode not in (0, 3):
            raise SystemExit(f"{' '.join(argv)} failed ({p.returncode}):\n{err.decode()[-2000:]}")
        kb = int(rss.read().split()[-1]) if TIME else usage.ru_maxrss
    return dt, kb / 1024


def measure(argv: list[str], runs: int, *, stdin: str | None = None) -> Measure:
    child(argv, stdin=stdin)  # warm: .pyc files and the OS page cache
    times, peak = [], 0.0
    for _ in range(runs):
        t, mb = child(argv, stdin=stdin)
        times.append(t)
        peak = max(peak, mb)
    return Measure(statistics.median(times), times, peak)


def lib_time(fn: Callable[[], object], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def heavy_imports(argv: list[str]) -> list[str]:
    p = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    mods = set()
    for line in p.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        top = name.split(".")[0]
        if top in ("sqlalchemy", "sqlmodel", "pydantic"):
            mods.add(top)
    return sorted(mods)


# -- the floor: the same queries, written directly --------------------------------------------


def library_sql(db: Path, fn: Callable[[Any], object]) -> str:
    """The statements ``fn(reader)`` sends, with their parameters written in: where a
    command's SQL is built from the definitions (the reports' cut-off, zuozhen/asof.py),
    the floor runs exactly what the library runs."""
    import re

    from zuozhen.store.reader import Reader

    seen: list[str] = []
    original = Reader.iter

    def spy(self: Reader, sql: str, params: Any = None) -> Any:
        values = dict(params or {})

        def literal(m: re.Match[str]) -> str:
            v = values[m.group(1)]
            return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

        seen.append(re.sub(r"(?<!:):(\w+)", literal, sql).strip() + ";")
        return original(self, sql, params)

    setattr(Reader, "iter", spy)  # noqa: B010  (only for the capture below)
    try:
        with Reader(str(db)) as r:
            r.config  # noqa: B018  (not part of the command's query)
            r.calendar  # noqa: B018
            seen.clear()
            fn(r)
    finally:
        setattr(Reader, "iter", original)  # noqa: B010
    return "\n".join(seen)


def floor_sql(db: Path, appeal: str, horizon: str) -> dict[str, str]:
    from zuozhen.reports import Quarter, quarterly
    from zuozhen.service_items import service_items

    q = Quarter.parse(QUARTER)
    quarterly_sql = library_sql(db, lambda r: quarterly(r, q, today=TODAY))
    items_sql = library_sql(db, lambda r: list(service_items(r, MONTH, today=TODAY)))
    show = "\n".join(
        [
            f"""SELECT a.*, b.*, e.*, c.date, c.kind, c.theme, c.lead FROM appeal a
JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc
LEFT JOIN consultation c ON c.id = a.session_id WHERE a.id = '{appeal}';"""
        ]
        + [
            f"SELECT * FROM {t} WHERE appeal_id = '{appeal}';"
            for t in ("deadline", "handoff", "extension", "rating", "revisit", "notification")
        ]
    )
    return {
        "audit": f"""
SELECT d.appeal_id, d.step, d.due, d.unit, d.provisional, d.round, a.lead_unit, a.status,
       e.name FROM deadline d JOIN appeal a ON a.id = d.appeal_id
JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc
WHERE d.done_on IS NULL AND d.due <= '{horizon}' ORDER BY d.due, d.appeal_id, d.step;
SELECT d.appeal_id, d.due, e.name, t.service, t.handling, t.rated_on FROM deadline d
JOIN appeal a ON a.id = d.appeal_id JOIN booking b ON b.id = a.booking_id
JOIN enterprise e ON e.uscc = b.uscc JOIN rating t ON t.appeal_id = d.appeal_id
AND t.round = d.round WHERE d.done_on IS NULL AND d.step = 'revisit' ORDER BY d.due;""",
        "list --month": f"""
SELECT a.id, e.name, a.status, a.units, a.text FROM appeal a
JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc
WHERE a.month = '{MONTH}' ORDER BY a.booking_id, a.seq;""",
        "show": show,
        "report quarterly": quarterly_sql,
        "report quarterly --csv": quarterly_sql,
        "report bulletin": quarterly_sql,
        "report bulletin --format docx": quarterly_sql,
        "report items --csv": items_sql,
        "search": _search_floor(
            f"""SELECT appeal_id FROM search_text WHERE id IN
  (SELECT rowid FROM search_fts WHERE search_fts MATCH '"{SEARCH}"')"""
        ),
        "search (two words)": _search_floor(
            f"""SELECT appeal_id FROM search_text WHERE id IN
  (SELECT rowid FROM search_fts_bigram WHERE search_fts_bigram MATCH '"{WORDS[0]}"')
INTERSECT SELECT appeal_id FROM search_text WHERE id IN
  (SELECT rowid FROM search_fts_bigram WHERE search_fts_bigram MATCH '"{WORDS[1]}"')"""
        ),
    }


def _search_floor(matching: str) -> str:
    """``search``: the matching appeals counted, the first 100 with their texts."""
    return f"""
CREATE TEMP TABLE m AS SELECT DISTINCT appeal_id FROM ({matching}) ORDER BY appeal_id;
SELECT count(*) FROM m;
SELECT a.id, e.name, a.status, a.text, s.field, s.round, s.body
FROM (SELECT appeal_id FROM m ORDER BY appeal_id LIMIT 100) p
JOIN appeal a ON a.id = p.appeal_id JOIN booking b ON b.id = a.booking_id
JOIN enterprise e ON e.uscc = b.uscc JOIN search_text s ON s.appeal_id = a.id;"""


def floor_argv(db: Path, sql: str, csv: bool = False) -> tuple[list[str], str | None]:
    if SQLITE3:
        return [SQLITE3, "-readonly", *(["-csv"] if csv else []), str(db)], sql
    code = (
        "import sqlite3,sys\n"
        f"c=sqlite3.connect('file:{db}?mode=ro', uri=True)\n"
        "for s in sys.stdin.read().split(';'):\n"
        "    s=s.strip()\n"
        "    if s:\n"
        "        for r in c.execute(s): print(*r, sep='|')\n"
    )
    return [sys.executable, "-c", code], sql


# -- one size --------------------------------------------------------------------------------


def run_size(
    size: int, runs: int, folder: Path, seed: int, only: list[str] | None = None
) -> list[Row]:
    from zuozhen.browse import list_appeals, show_appeal
    from zuozhen.bulletin import build as bulletin
    from zuozhen.files.csvout import write_csv
    from zuozhen.reports import Quarter, quarterly
    from zuozhen.search import search
    from zuozhen.service_items import item_header, service_items
    from zuozhen.store.reader import Reader
    from zuozhen.supervision import daily_list

    db = generate.ensure(size, seed, folder)
    with Reader(str(db)) as r:
        appeal = r.scalar(
            "SELECT a.id FROM appeal a WHERE a.month = :m AND a.round = 2 ORDER BY a.id LIMIT 1",
            {"m": "2026-08"},
        ) or r.scalar("SELECT id FROM appeal WHERE month = :m ORDER BY id LIMIT 1", {"m": MONTH})
        horizon = r.calendar.add_workdays(TODAY, r.config.limits.due_soon).date.isoformat()
    q = Quarter.parse(QUARTER)
    scratch = Path(tempfile.mkdtemp(prefix="zuozhen-run-"))
    out_csv = scratch / "q.csv"
    base = [ZUOZHEN, "--db", str(db), "--today", TODAY.isoformat()]

    def lib(fn: Callable[[Reader], object]) -> Callable[[], object]:
        def go() -> None:
            with Reader(str(db)) as rd:
                fn(rd)

        return go

    def export(rd: Reader) -> None:
        rep = quarterly(rd, q, today=TODAY)
        write_csv(scratch / "lib.csv", rep.header(), rep.table(), overwrite=True)

    def items(rd: Reader) -> None:
        rows = (x.cells() for x in service_items(rd, MONTH, today=TODAY))
        write_csv(scratch / "lib-items.csv", item_header(), rows, overwrite=True)

    html, docx = str(scratch / "b.html"), str(scratch / "b.docx")
    word = ["report", "bulletin", "--quarter", QUARTER, "--format", "docx"]
    commands: list[tuple[str, list[str], Callable[[Reader], object]]] = [
        ("audit", ["audit"], lambda rd: daily_list(rd, TODAY)),
        ("list --month", ["list", "--month", MONTH], lambda rd: list_appeals(rd, month=MONTH)),
        ("show", ["show", appeal], lambda rd: show_appeal(rd, appeal)),
        (
            "report quarterly",
            ["report", "quarterly", "--quarter", QUARTER],
            lambda rd: quarterly(rd, q, today=TODAY),
        ),
        (
            "report quarterly --csv",
            ["report", "quarterly", "--quarter", QUARTER, "--csv", str(out_csv), "--force"],
            export,
        ),
        (
            "report bulletin",
            ["report", "bulletin", "--quarter", QUARTER, "--output", html, "--force"],
            lambda rd: bulletin(rd, q, today=TODAY),
        ),
        (
            "report bulletin --format docx",
            [*word, "--output", docx, "--force"],
            lambda rd: bulletin(rd, q, today=TODAY),
        ),
        ("search", ["search", SEARCH], lambda rd: search(rd, SEARCH)),
        ("search (two words)", ["search", *WORDS], lambda rd: search(rd, WORDS)),
        (
            "report items --csv",
            ["report", "items", "--month", MONTH, "--csv", str(scratch / "items.csv"), "--force"],
            items,
        ),
    ]
    floors = floor_sql(db, appeal, horizon)
    rows = []
    for name, args, fn in commands:
        if only and not any(name.startswith(o) for o in only):
            continue
        cli = measure([*base, *args], runs)
        argv, sql = floor_argv(db, floors[name], csv=name.endswith("--csv"))
        floor = measure(argv, runs, stdin=sql)
        heavy = heavy_imports([ZUOZHEN, *base[1:], *args])
        rows.append(Row(size, name, cli, lib_time(lib(fn), runs), floor, heavy))
        print(f"  {size:>9,} {name:<24} {cli.median_s * 1000:7.0f} ms", file=sys.stderr)
    shutil.rmtree(scratch, ignore_errors=True)
    return rows


def startup(runs: int, db: Path, size: int) -> list[Row]:
    with_db = [ZUOZHEN, "--db", str(db), "--today", TODAY.isoformat()]
    from zuozhen.store.reader import Reader

    with Reader(str(db)) as r:
        appeal = r.scalar(
            "SELECT id FROM appeal WHERE month = :m ORDER BY id LIMIT 1", {"m": MONTH}
        )
    base = measure([sys.executable, "-c", "pass"], runs)
    out = [Row(0, "python -c pass", base, None, None)]
    for name, argv in (
        ("zuozhen --help", [ZUOZHEN, "--help"]),
        ("zuozhen assign --help", [ZUOZHEN, "assign", "--help"]),  # one group, built lazily
        ("zuozhen calendar due", [ZUOZHEN, "calendar", "due", "2026-09-24", "15"]),
        (f"zuozhen show ({size:,})", [*with_db, "show", appeal]),
    ):
        m = measure(argv, runs)
        row = Row(0, name, m, None, base, heavy_imports(argv))
        out.append(row)
    return out


# -- output ----------------------------------------------------------------------------------


def ms(x: float | None) -> str:
    return "—" if x is None else f"{x * 1000:,.0f} ms" if x < 10 else f"{x:,.1f} s"


def table(start: list[Row], rows: list[Row]) -> str:
    lines = [
        f"zuozhen benchmark — {date.today().isoformat()}, {platform.processor() or platform.machine()},"
        f" {os.cpu_count()} cores, Python {platform.python_version()}, SQLite "
        f"{__import__('sqlite3').sqlite_version}",
        "as of 2026-10-20; CLI = fresh `zuozhen` process, human output to a file, bytecode cached"
        " (PYTHONDONTWRITEBYTECODE unset, warmed); median of runs; peak = child's max RSS"
        f" ({'/usr/bin/time -f %M' if TIME else 'ru_maxrss'}); lib = library call in-process;",
        f"floor = same SQL in a fresh `{'sqlite3 CLI' if SQLITE3 else 'python sqlite3'}` process;"
        " heavy = SQLAlchemy/pydantic imported by the command.",
        "",
        "| start-up | median | peak | vs python -c pass | heavy |",
        "|---|---:|---:|---:|---|",
    ]
    for r in start:
        vs = f"+{(r.cli.median_s - r.floor.median_s) * 1000:.0f} ms" if r.floor else ""
        lines.append(
            f"| `{r.name}` | {ms(r.cli.median_s)} | {r.cli.peak_mb:.0f} MB | {vs} "
            f"| {', '.join(r.heavy_imports) or 'none'} |"
        )
    lines += [
        "",
        "| appeals | command | CLI median | CLI peak | floor (sqlite3) | CLI × floor | lib "
        "| lib × floor | heavy |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        assert r.floor is not None
        lines.append(
            f"| {r.size:,} | `{r.name}` | {ms(r.cli.median_s)} | {r.cli.peak_mb:.0f} MB "
            f"| {ms(r.floor.median_s)} | {r.ratio:.1f}× | {ms(r.lib_s)} | {r.lib_ratio:.1f}× "
            f"| {', '.join(r.heavy_imports) or 'none'} |"
        )
    sizes = sorted({r.size for r in rows})
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        lines += [
            "",
            f"growth {lo:,} → {hi:,} appeals ({hi // lo}× the data): CLI time ×",
        ]
        parts = []
        for name in dict.fromkeys(r.name for r in rows):
            a = next(r for r in rows if r.size == lo and r.name == name)
            b = next(r for r in rows if r.size == hi and r.name == name)
            parts.append(f"`{name}` {b.cli.median_s / a.cli.median_s:.1f}")
        lines.append(", ".join(parts))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--folder", type=Path, default=generate.DEFAULT_FOLDER)
    ap.add_argument("--json", type=Path, default=None, help="also save the results as JSON")
    ap.add_argument(
        "--only", nargs="+", default=None, help="only the commands whose names start so"
    )
    args = ap.parse_args()
    for n in args.sizes:
        generate.ensure(n, args.seed, args.folder)
    smallest = min(args.sizes)
    start = startup(args.runs * 2, generate.ensure(smallest, args.seed, args.folder), smallest)
    rows: list[Row] = []
    for n in args.sizes:
        rows += run_size(n, args.runs, args.folder, args.seed, args.only)
    print(table(start, rows))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "today": TODAY.isoformat(),
                    "floor": "sqlite3 CLI" if SQLITE3 else "python sqlite3",
                    "startup": [asdict(r) for r in start],
                    "rows": [
                        {**asdict(r), "ratio": r.ratio, "lib_ratio": r.lib_ratio} for r in rows
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
