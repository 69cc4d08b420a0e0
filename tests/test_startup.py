"""Start-up and ``ledger show`` speed (issue 15) without changing a character of output.

* Lazy commands: the top-level group knows names, lines and modules from a static table
  (``cli.COMMANDS``) and builds only the command that runs; the table is checked against
  the eager registration, and every help page and usage error is compared with it.
* ``ledger show``: the text view counts per unit with one GROUP BY and lists only the
  overdue items; its figures are those of the full read (``--json``).
* ``--json``: the faster indented writer gives ``json.dumps(indent=2)``'s text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from enum import IntEnum
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from tests.factories import ROOT, close_out, make_case, must, report_back, run_cli, undertake
from zuozhen import cli
from zuozhen.clikit.help import short_help


def _eager_tree() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(cmd: object, prefix: list[str]) -> None:
        for name, child in getattr(cmd, "commands", {}).items():
            paths.append([*prefix, name])
            walk(child, [*prefix, name])

    walk(get_command(cli.eager_app()), [])
    return paths


# --- lazy commands ------------------------------------------------------------------------


def test_the_static_table_is_the_registration() -> None:
    """Names, order, one-line help and modules of ``COMMANDS`` are what the modules
    register: a command added to a module without the table fails here."""
    eager = get_command(cli.eager_app())
    names = eager.list_commands(None)  # type: ignore[arg-type]
    assert list(cli.COMMANDS) == names
    for name in names:
        assert cli.COMMANDS[name][1] == short_help(eager.commands[name]), name  # type: ignore[attr-defined]
    owners: dict[str, list[str]] = {}
    for module in cli.MODULES:
        scratch, groups = typer.Typer(), cli._groups()
        cli._register(scratch, groups, (module,))
        for info in scratch.registered_commands:
            owners.setdefault(cli.command_name(info), []).append(module)
        for name, group in groups.items():
            if group.registered_commands or group.registered_callback:
                owners.setdefault(name, []).append(module)
    assert {n: list(mods) for n, (mods, _) in cli.COMMANDS.items()} == owners


def test_every_help_page_is_the_eager_one() -> None:
    lazy, eager = cli.app, cli.eager_app()
    paths = _eager_tree()
    assert ["assign", "to"] in paths and ["ledger", "show"] in paths
    for path in paths:
        for columns in ("80", "120"):
            env = {"COLUMNS": columns}
            a = CliRunner().invoke(lazy, [*path, "-h"], env=env)
            b = CliRunner().invoke(eager, [*path, "-h"], env=env)
            assert (a.exit_code, a.stdout) == (b.exit_code, b.stdout), (path, columns)


@pytest.mark.parametrize(
    "args",
    [[], ["shwo"], ["nosuch"], ["assign"], ["assign", "tto"], ["--bogus"], ["ledger", "show"]],
)
def test_usage_errors_are_the_eager_ones(args: list[str]) -> None:
    a = CliRunner().invoke(cli.app, args)
    b = CliRunner().invoke(cli.eager_app(), args)
    assert (a.exit_code, a.output) == (b.exit_code, b.output)
    assert a.exit_code == 2 or args == []


def test_a_typo_is_answered_in_chinese_with_the_closest_command() -> None:
    r = CliRunner().invoke(cli.app, ["shwo"])
    assert r.exit_code == 2 and "没有这个命令：shwo" in r.output and "show" in r.output


def test_a_command_builds_only_itself() -> None:
    """`zuozhen calendar due` imports one command module, and builds one top-level entry."""
    code = (
        "import sys\n"
        "from zuozhen import cli\n"
        "sys.argv = ['zuozhen', 'calendar', 'due', '2026-09-24', '15']\n"
        "group = None\n"
        "original = cli.ZuozhenGroup.__init__\n"
        "def keep(self, **kw):\n"
        "    global group\n"
        "    original(self, **kw)\n"
        "    group = self\n"
        "cli.ZuozhenGroup.__init__ = keep\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "mods = sorted(m for m in sys.modules if m.startswith('zuozhen.commands.'))\n"
        "print('MODULES', mods)\n"
        "print('BUILT', sorted(group.commands._built))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZUOZHEN_DB": "/nonexistent/none.db"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "2026-10-" in out  # it answered
    assert "BUILT ['calendar']" in out
    loaded = out.split("MODULES ")[1].splitlines()[0]
    assert "zuozhen.commands.calendar" in loaded
    for other in ("ledger", "browse", "supervision", "reports", "handoff"):
        assert f"zuozhen.commands.{other}'" not in loaded


def test_get_command_still_walks_every_command() -> None:
    """Tests and tools walk ``get_command(app).commands``: every command is there."""
    lazy = get_command(cli.app)
    due = lazy.commands["calendar"].commands["due"]  # type: ignore[attr-defined]
    assert any(p.name == "n" for p in due.params)
    assert sorted(lazy.commands) == sorted(cli.COMMANDS)  # type: ignore[attr-defined]
    assert "nosuch" not in lazy.commands and lazy.commands.get("nosuch") is None  # type: ignore[attr-defined]


# --- ledger show: the text view counts in SQL, the same figures ------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Tongliao's 48 items: 1–10 closed on time, 11–13 closed late, 14 withdrawn, the rest
    open (past their 完成时限 or not, depending on the day)."""
    db = tmp_path_factory.mktemp("mixed") / "city.db"
    make_case(db, "city", date(2026, 3, 2)).close()
    lid = str(
        must(db, "ledger", "new", "--name", "整改清单", "--source", "反馈报告", "--year", "2026",
             "--json", today="2026-03-02")["id"]
    )  # fmt: skip
    sample = ROOT / "data" / "sample" / "ledger-tongliao.csv"
    must(db, "ledger", "import", lid, str(sample), today="2026-03-02")
    for n in range(1, 14):
        aid = f"{lid}-{n:03d}"
        day = date(2026, 6, 15) if n <= 10 else date(2027, 1, 11)
        undertake(db, date(2026, 3, 5), aid)
        report_back(db, day, aid)
        close_out(db, day, aid)
    ran = run_cli(db, "withdraw", f"{lid}-014", "--reason", "并入其他任务", today="2026-06-15")
    assert ran.code == 0, ran.stderr
    return db, lid


@pytest.mark.parametrize("today", ["2026-06-15", "2026-10-30", "2027-01-11"])
def test_text_view_figures_are_the_full_ones(mixed: tuple[Path, str], today: str) -> None:
    from zuozhen.ledger_report import progress
    from zuozhen.store.reader import Reader

    db, lid = mixed
    day = date.fromisoformat(today)
    with Reader(str(db)) as r:
        full = progress(r, lid, day)
        lean = progress(r, lid, day, full=False)
    assert full.left == lean.left == 1
    assert full.units == lean.units
    figures = ("total", "closed", "on_time", "overdue", "completion_rate")
    assert [getattr(full, f) for f in figures] == [getattr(lean, f) for f in figures]
    assert lean.items == [i for i in full.items if i.overdue]
    if today == "2027-01-11":  # by hand: 47 counted, 13 closed, 10 on time, 34 open and late
        assert (full.total, full.closed, full.on_time, full.overdue) == (47, 13, 10, 34)
    # And the screen shows them: the overdue list is the JSON's overdue_items.
    shown = must(db, "ledger", "show", lid, "--json", today=today)
    text = must(db, "ledger", "show", lid, today=today)
    assert (
        f"共 {shown['total']} 项，已销号 {shown['closed']} 项（按期 {shown['on_time']} 项）" in text
    )
    for aid in shown["overdue_items"]:
        assert aid in text
    listed = [i["id"] for i in shown["items"] if not i["overdue"] and i["id"] in text]
    assert listed == []  # only the overdue items are listed on screen
    assert "另有 1 项已撤回、作废或合并，不计入。" in text


# --- --json: the same text as json.dumps(indent=2) ----------------------------------------


class Level(IntEnum):
    HIGH = 3


def test_json_writer_is_json_dumps_to_the_character() -> None:
    from zuozhen.commands.render import _default, dumps

    value = {
        "a": [1, 2.5, -0.0, 1e300, float("nan"), float("inf"), True, None, {}, [], {"b": []}],
        1: "int key",
        None: "none key",
        2.5: "float key",
        False: "bool key",
        "day": date(2026, 1, 1),
        "tuple": ("t", 1),
        "text": '中文"\n\x00\u2028\\',
        "deep": {"n": {"n": [[], [{}], [[1]]]}},
        "enum": Level.HIGH,
    }
    for v in (value, "s", 1, None, [], {}, [[1]], [{"a": 1}, {"a": 2}]):
        assert dumps(v) == json.dumps(v, ensure_ascii=False, indent=2, default=_default)
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})


def test_ledger_show_json_is_indented_as_before(mixed: tuple[Path, str]) -> None:
    db, lid = mixed
    ran = run_cli(db, "ledger", "show", lid, "--json", today="2026-10-30")
    assert ran.code == 0
    assert ran.stdout == json.dumps(json.loads(ran.stdout), ensure_ascii=False, indent=2) + "\n"


@pytest.mark.postgres
def test_text_view_figures_on_postgres(pg_db: str) -> None:
    """The GROUP BY and the plain-tuple read on PostgreSQL: the same figures as the full read."""
    from zuozhen.ledger_report import progress
    from zuozhen.store.reader import Reader

    must(pg_db, "init", "--preset", "city", today="2026-03-02")
    lid = str(
        must(pg_db, "ledger", "new", "--name", "整改清单", "--source", "反馈报告", "--year",
             "2026", "--json", today="2026-03-02")["id"]
    )  # fmt: skip
    sample = ROOT / "data" / "sample" / "ledger-tongliao.csv"
    must(pg_db, "ledger", "import", lid, str(sample), today="2026-03-02")
    for n in (1, 2):
        aid = f"{lid}-{n:03d}"
        day = date(2026, 6, 15) if n == 1 else date(2027, 1, 11)
        undertake(pg_db, date(2026, 3, 5), aid)
        report_back(pg_db, day, aid)
        close_out(pg_db, day, aid)
    with Reader(pg_db) as r:
        full = progress(r, lid, date(2027, 1, 11))
        lean = progress(r, lid, date(2027, 1, 11), full=False)
    assert (full.total, full.closed, full.on_time, full.overdue) == (48, 2, 1, 46)
    assert full.units == lean.units and lean.items == [i for i in full.items if i.overdue]
    text = must(pg_db, "ledger", "show", lid, today="2027-01-11")
    assert "共 48 项，已销号 2 项（按期 1 项）" in text and f"{lid}-048" in text
