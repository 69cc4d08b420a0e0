"""The CLI's conventions (cli.md): global options, exit codes, help, start-up cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import fingerprint, run_cli, tamper, unchanged
from zuozhen.cli import app


def _all_commands() -> list[list[str]]:
    from typer.main import get_command

    from zuozhen.cli import app as root

    group = get_command(root)
    paths: list[list[str]] = []

    def walk(cmd, prefix):  # type: ignore[no-untyped-def]
        sub = getattr(cmd, "commands", None)
        if sub:
            for name, child in sub.items():
                walk(child, [*prefix, name])
        else:
            paths.append(prefix)

    walk(group, [])
    return paths


def test_every_command_has_help_with_an_example() -> None:
    paths = _all_commands()
    assert ["calendar", "due"] in paths and ["init"] in paths
    for path in paths:
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "示例" in result.stdout and "zuozhen" in result.stdout, path


def test_help_does_not_import_the_database_stack() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['zuozhen', '--help']\n"
        "from zuozhen.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'docx', 'lxml') if m in sys.modules]\n"
        "print('IMPORTED', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IMPORTED []" in out.stdout


def test_missing_case_file_refused_without_creating_it(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    r = run_cli(db, "calendar", "load", "whatever.toml")
    assert r.code == 1 and "找不到案卷" in r.stderr and "zuozhen init" in r.stderr
    assert not db.exists()


def test_init_creates_and_refuses_overwrite(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    r = run_cli(db, "init", "--preset", "city")
    assert r.code == 0 and db.exists()
    with unchanged(db):
        r = run_cli(db, "init")
        assert r.code == 1 and "已存在" in r.stderr


def test_init_with_bad_config_creates_nothing(tmp_path: Path) -> None:
    conf = tmp_path / "office.toml"
    conf.write_text("[limits]\nverify = -1\n", encoding="utf-8")
    db = tmp_path / "new.db"
    r = run_cli(db, "init", "--config", str(conf))
    assert r.code == 1 and "verify" in r.stderr
    assert not db.exists()


def test_bad_today_is_refused(db_path: Path) -> None:
    r = run_cli(db_path, "calendar", "due", "2026-09-24", "15", today="2026/10/01")
    assert r.code == 1 and "YYYY-MM-DD" in r.stderr


def test_usage_error_is_exit_2_in_chinese(db_path: Path) -> None:
    r = run_cli(db_path, "calendar", "due", "2026-09-24")
    assert r.code == 2 and "缺少参数" in r.stderr


def test_calendar_due_json(db_path: Path) -> None:
    r = run_cli(db_path, "calendar", "due", "2026-09-24", "15", "--json")
    assert r.code == 0
    assert r.json() == {"start": "2026-09-24", "n": 15, "due": "2026-10-22", "provisional": False}
    r = run_cli(db_path, "calendar", "due", "2026-09-24", "20", "--json")
    assert r.json()["due"] == "2026-10-29"


def test_calendar_due_provisional_then_loaded(db_path: Path, tmp_path: Path) -> None:
    r = run_cli(db_path, "calendar", "due", "2026-12-25", "10", "--json")
    assert r.json()["provisional"] is True
    # An official 2027 schedule where 2027-01-04 is a holiday and 2027-01-09 a make-up day.
    sched = tmp_path / "2027.toml"
    sched.write_text(
        'year = 2027\nsource = "测试用放假安排"\n'
        'holidays = ["2027-01-01", "2027-01-04"]\nworkdays = ["2027-01-09"]\n',
        encoding="utf-8",
    )
    r = run_cli(db_path, "calendar", "load", str(sched))
    assert r.code == 0, r.stderr
    r = run_cli(db_path, "calendar", "due", "2026-12-25", "10", "--json")
    assert r.json()["provisional"] is False
    # Counting by hand: 12-28..12-31 (4), 01-05..01-08 (4), 01-09 make-up (1), 01-11 (1).
    assert r.json()["due"] == "2027-01-11"


@pytest.mark.parametrize(
    "content",
    [
        "year = 2027\nsource = 'x'\nholidays = ['2028-01-01']\nworkdays = []\n",
        "year = 2027\nsource = 'x'\nholidays = ['2027-01-09']\nworkdays = ['2027-01-09']\n",
        "year = 2027\nholidays = []\nworkdays = []\n",
        "year = 'twenty'\nsource = 'x'\nholidays = []\nworkdays = []\n",
        "this is not toml",
        "year = 2027\nsource = 'x'\nholidays = ['2027-02-30']\nworkdays = []\n",
    ],
)
def test_bad_schedule_refused_unchanged(db_path: Path, tmp_path: Path, content: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(content, encoding="utf-8")
    with unchanged(db_path):
        r = run_cli(db_path, "calendar", "load", str(f))
        assert r.code == 1, r.stderr
        assert r.stderr.strip() and "Traceback" not in r.stderr + r.stdout


def test_backup_and_verify(db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    r = run_cli(db_path, "backup", str(target))
    assert r.code == 0 and target.exists()
    assert fingerprint(target) == fingerprint(db_path)
    r = run_cli(db_path, "backup", str(target))
    assert r.code == 1 and "不会覆盖" in r.stderr
    r = run_cli(db_path, "verify", "--json")
    assert r.code == 0 and r.json()["ok"] is True


def test_verify_names_a_tampered_trail(db_path: Path) -> None:
    # An edit behind the tool's back, its trigger dropped first: what verify must name.
    tamper(
        db_path, "DROP TRIGGER trail_no_update", "UPDATE trail SET operator = '冒名' WHERE id = 1"
    )
    r = run_cli(db_path, "verify")
    assert r.code == 1 and "留痕第 1 条" in r.stdout


def test_unexpected_fault_is_one_chinese_line_and_a_crash_log(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zuozhen.deadlines

    def broken(self: object, start: object, n: int) -> object:
        raise RuntimeError("simulated fault")

    monkeypatch.setenv("ZUOZHEN_CRASH_DIR", str(tmp_path))
    monkeypatch.setattr(zuozhen.deadlines.WorkCalendar, "add_workdays", broken)
    r = run_cli(db_path, "calendar", "due", "2026-09-24", "15")
    assert r.code == 1
    assert "程序内部出错" in r.stderr and "Traceback" not in r.stderr + r.stdout
    logs = list(tmp_path.glob("zuozhen-crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in r.stderr.replace("\n", "")
    assert "simulated fault" in logs[0].read_text(encoding="utf-8")


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "zuozhen",
            "calendar",
            "due",
            "2026-09-24",
            "20",
            "--json",
            "--help",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0 and "示例" in out.stdout
