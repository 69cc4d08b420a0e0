"""The test kit: case-file state built the way a clerk builds it.

Every step below calls the domain function of the step (``booking.book``,
``triage.triage``, ``hearing.hear`` …) as ``OPERATOR`` on a given day, so the rules that
guard the clerk also guard every test's setup: a rule added later that forbids a setup
makes the test say so, instead of testing a state that can no longer arise. Defaults are
the plain case (the province preset, one unit, a valid code, 王小明 on 13812345678), so a
test says only what matters to it.

* the case file: ``make_case``, ``opened``, ``copy_case``, ``query``, ``fingerprint``,
  ``unchanged`` (a block that must change nothing), ``tamper``
* the CLI as a clerk types it: ``run_cli`` (a ``Ran``), ``must``
* the steps: ``plan`` 安排场次, ``cancel`` 取消场次, ``book`` 挂号 (``book_args``: the
  same at the CLI), ``triage`` 接诊, ``notify_sent`` 叫号, ``hear`` 坐诊, ``hand_off`` 交办,
  ``undertake`` 承办, ``report_back`` 反馈, ``extend`` 延期, ``close_out`` 销号,
  ``rate`` 评价, ``revisit`` 回访
* ``scheduled``: book appeals and put them on a session (排诊), the start of most handling
  tests (longer stories are in ``tests/scenarios.py``)

Each step takes the case file as an open ``CaseFile`` (a scenario of many steps opens it
once) or as a path or URL (the step opens and closes it).

Raw SQL writes live in ``tamper`` only: for states the rules forbid (an edited trail, a
changed rating, a broken reference), which is what ``verify`` and the database triggers
are tested against. Each caller says why it needs one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from typer.testing import CliRunner

from zuozhen import booking, closing, handoff, hearing, notify, supervision
from zuozhen import triage as triage_step
from zuozhen.cli import app
from zuozhen.config import compose
from zuozhen.reschedule import cancel_session
from zuozhen.sessions import plan_session
from zuozhen.store.storage import Act, CaseFile, create_case_file, open_case_file
from zuozhen.validation import uscc_check_char

ROOT = Path(__file__).resolve().parent.parent  # the working folder of test subprocesses
OPERATOR = "测试员"
CASE_START = date(2026, 9, 1)  # the day every test's case file is created (init)

CaseRef = CaseFile | Path | str


def act(day: date, operator: str = OPERATOR) -> Act:
    return Act(operator, day)


def uscc(n: int, prefix: str = "91530100MA") -> str:
    """A valid 统一社会信用代码 (GB 32100 check character), distinct for each ``n``."""
    body = f"{prefix}{n:07d}"[:17].rjust(17, "0")
    return body + uscc_check_char(body)


# -- the case file ----------------------------------------------------------------------


def make_case(path: Path | str, preset: str = "province", today: date = CASE_START) -> CaseFile:
    """``zuozhen init --preset …``: a new case file, open."""
    return create_case_file(str(path), compose(preset), act(today))


@contextmanager
def opened(case: CaseRef) -> Iterator[CaseFile]:
    """The case file: as given when it is open, else opened for the block and closed."""
    if isinstance(case, CaseFile):
        yield case
        return
    c = open_case_file(str(case))
    try:
        yield c
    finally:
        c.close()


def copy_case(source: Path, target: Path) -> Path:
    """A copy of a closed SQLite case file (its write-ahead log too, if one is left)."""
    shutil.copy2(source, target)
    wal = Path(f"{source}-wal")
    if wal.exists():
        shutil.copy2(wal, f"{target}-wal")
    return target


def query(db: Path | str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of a read-only query, through plain sqlite3."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def tamper(db: Path | str, *sql: str) -> None:
    """Change the file behind the tool's back (foreign keys off), one statement after another.

    Only for states the rules forbid; the caller says why it needs one.
    """
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        for statement in sql:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def fingerprint(path: Path | str) -> str:
    """A digest of every row of every table: equal before and after means nothing changed."""
    conn = sqlite3.connect(path)
    h = hashlib.sha256()
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'appeal_fts%' AND name NOT LIKE 'search_fts%' ORDER BY name"
        )
    ]
    for t in tables:
        h.update(t.encode())
        for row in conn.execute(f'SELECT * FROM "{t}" ORDER BY 1'):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()


@contextmanager
def unchanged(db: Path | str) -> Iterator[None]:
    """The block must leave every row of the case file as it was (a refusal changes nothing)."""
    before = fingerprint(db)
    yield
    assert fingerprint(db) == before, "the case file was changed"


# -- the CLI ----------------------------------------------------------------------------


class Ran(NamedTuple):
    """One command's exit code, stdout and stderr (kept apart, as a terminal shows them)."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(db: Path | str, *args: str, today: str | None = None, operator: str = OPERATOR) -> Ran:
    """Drive the real CLI the way a clerk types it (in this process)."""
    argv = ["--db", str(db), "--operator", operator]
    if today:
        argv += ["--today", today]
    result = CliRunner().invoke(app, [*argv, *args], catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def must(db: Path | str, *args: str, today: str | None = None) -> Any:
    """A command that must succeed: its JSON document with ``--json``, else its stdout."""
    ran = run_cli(db, *args, today=today)
    assert ran.code == 0, (args, ran.stdout, ran.stderr)
    return ran.json() if "--json" in args else ran.stdout


# -- the clerk's steps --------------------------------------------------------------------


def plan(
    case: CaseRef,
    day: date,
    kind: str = "主场",
    *,
    today: date = CASE_START,
    theme: str = "政策兑现",
    units: Sequence[str] = ("省发展改革委",),
    **kw: Any,
) -> str:
    """安排场次 (``session plan --date``; ``lead``, ``start``, ``end`` as it takes them):
    the new session's number."""
    with opened(case) as c:
        planned = plan_session(c, act(today), day=day, kind=kind, theme=theme, units=[*units], **kw)
    return planned.session.id


def cancel(case: CaseRef, day: date, session: str, reason: str = "因故取消") -> None:
    """取消场次 (``session cancel``)."""
    with opened(case) as c:
        cancel_session(c, act(day), session, reason=reason)


def applicant(n: int = 1, *texts: str, **kw: Any) -> dict[str, Any]:
    """What enterprise ``n`` (云南测试n号有限公司, its own valid code) books, ``kw`` over it."""
    return {
        "enterprise": f"云南测试{n}号有限公司",
        "uscc": uscc(n),
        "contact": "王小明",
        "phone": "13812345678",
        "appeals": list(texts) or ["电费补贴迟迟未兑现"],
        **kw,
    }


def book(case: CaseRef, day: date, n: int = 1, *texts: str, **kw: Any) -> booking.Booked:
    """挂号: enterprise ``n`` books ``texts`` (``applicant``)."""
    with opened(case) as c:
        return booking.book(c, act(day), **applicant(n, *texts, **kw))


def book_args(n: int = 1, *texts: str, **kw: Any) -> list[str]:
    """The same booking typed at the CLI: ``zuozhen book --enterprise … --appeal …``."""
    args = ["book"]
    for key, value in applicant(n, *texts, **kw).items():
        for v in value if key == "appeals" else [value]:
            args += ["--appeal" if key == "appeals" else f"--{key}", v]
    return args


def triage(case: CaseRef, day: date, appeal: str, **kw: Any) -> triage_step.Triaged:
    """接诊: theme, units, session, class, verified — as ``triage.triage`` takes them."""
    with opened(case) as c:
        return triage_step.triage(c, act(day), appeal, **kw)


def notify_sent(case: CaseRef, day: date, *appeals: str, channel: str = "短信") -> notify.Sent:
    """叫号 recorded (``notify --sent``) for the given appeals."""
    with opened(case) as c:
        return notify.record_sent(c, act(day), channel=channel, appeals=list(appeals))


def hear(
    case: CaseRef, day: date, appeal: str, *, resolved: str | None = None, **kw: Any
) -> hearing.Heard:
    """坐诊: answered on the spot with ``resolved``, otherwise referred (待交办)."""
    with opened(case) as c:
        return hearing.hear(c, act(day), appeal, resolved=resolved, refer=resolved is None, **kw)


def hand_off(
    case: CaseRef, day: date, appeal: str, units: Sequence[str] = ("省财政厅",)
) -> handoff.HandedOff:
    """交办: one unit, or several (joint, the first leads)."""
    with opened(case) as c:
        return handoff.hand_off(c, act(day), appeal, list(units))


def undertake(
    case: CaseRef, day: date, appeal: str, *, handler: str = "李四", **kw: Any
) -> handoff.Undertaken:
    """承办: the handler, the measures, the promised date (``by``: the report deadline)."""
    kw.setdefault("measures", "核查办理")
    with opened(case) as c:
        return handoff.undertake(c, act(day), appeal, handler=handler, **kw)


def report_back(case: CaseRef, day: date, appeal: str, text: str = "已办理") -> handoff.Reported:
    """反馈: the unit's report."""
    with opened(case) as c:
        return handoff.report_back(c, act(day), appeal, text=text)


def extend(
    case: CaseRef, day: date, appeal: str, *, to: date, reason: str = "需会商", **kw: Any
) -> handoff.Extended:
    """延期: a later report deadline on the unit's written reason (``basis``: a law's)."""
    with opened(case) as c:
        return handoff.extend(c, act(day), appeal, to=to, reason=reason, **kw)


def close_out(
    case: CaseRef, day: date, appeal: str, *, outcome: str = "已解决", result: str = "已办理"
) -> closing.Closed:
    """销号 after the unit's report."""
    with opened(case) as c:
        return closing.close_out(c, act(day), appeal, outcome=outcome, result=result)


def rate(case: CaseRef, day: date, appeal: str, **kw: Any) -> closing.Rated:
    """诊后评价, once per round: ``service`` and ``handling`` 满意 unless given."""
    kw = {"service": "满意", "handling": "满意", **kw}
    with opened(case) as c:
        return closing.rate(c, act(day), appeal, **kw)


def revisit(
    case: CaseRef, day: date, appeal: str, *, note: str = "已回访", reopen: bool = False
) -> supervision.Revisited:
    """督办回访; ``reopen`` starts a new round (重新交办)."""
    with opened(case) as c:
        return supervision.revisit(c, act(day), appeal, note=note, reopen=reopen)


# -- scenarios ----------------------------------------------------------------------------


def scheduled(
    case: CaseRef,
    session: str,
    *texts: str,
    n: int = 1,
    on: date | None = None,
    verified: bool = True,
    **book_kw: Any,
) -> list[str]:
    """Enterprise ``n`` books ``texts`` and each appeal is put on ``session`` (已排诊).

    Booked and triaged on ``on``, by default the first day of the booking window of the
    session's month; verified with the enterprise at triage unless ``verified=False``.
    """
    with opened(case) as c:
        day = on or _window_opens(c, session)
        booked = book(c, day, n, *texts, **book_kw)
        for aid in booked.appeals:
            triage(c, day, aid, session=session, verified=verified)
    return booked.appeals


def _window_opens(case: CaseFile, session: str) -> date:
    from zuozhen.models import Consultation

    with case.read() as s:
        row = s.get(Consultation, session)
    assert row is not None, session
    return booking.booking_window(case.calendar, case.config, row.date.year, row.date.month).first


def only_migration(monkeypatch: Any, version: int) -> None:
    """A simulated old file that already has every other migration: those run as no-ops.

    For tests that rebuild the shape before one migration by hand on a new case file (no
    old PostgreSQL file exists to upgrade): only ``version`` really runs again."""
    import dataclasses

    from zuozhen.store import migrations

    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [
            m if m.version in (1, version) else dataclasses.replace(m, upgrade=lambda conn: None)
            for m in migrations.MIGRATIONS
        ],
    )
