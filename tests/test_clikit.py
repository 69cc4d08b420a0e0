"""The Typer layer as a tested contract (zuozhen/clikit/).

- The parameter hook goes into the installed Typer, and declines cleanly (the app then
  runs on Typer's own path) when a signature it relies on has changed.
- Differential: every simple parameter of the real app, fed valid and hostile values,
  gives the same value or the same refusal (same Chinese message) through the hook as
  through Typer's own, pydantic-based path.
- Every command's ``-h`` fits 80 and 120 columns (a CJK character is two) and carries no
  English chrome; usage errors are Chinese with exit code 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
import typer
from typer import _coercion, _param_types
from typer import core as typer_core
from typer._click.exceptions import BadParameter
from typer.main import get_command
from typer.testing import CliRunner

from zuozhen import cli, clikit
from zuozhen.clikit import cell_width, wrap, wrap_text

ROOT = Path(__file__).resolve().parent.parent
ENGLISH_CHROME = (
    "Usage:",
    "Options",
    "Arguments",
    "Commands:",
    "Show this message",
    "[required]",
    "[default:",
    "[env var:",
    "Error:",
    "Try '",
    "Possible options",
    "Did you mean",
    "Invalid value",
    "Input should",
    "Missing ",
    "No such",
    "<str>",
    "<int",
    "<path>",
    "list[",
)


def _tree() -> Iterator[tuple[list[str], Any]]:
    """Every command and group of the real app, with its path."""

    def walk(cmd: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, cmd
        for name, child in getattr(cmd, "commands", {}).items():
            yield from walk(child, [*path, name])

    yield from walk(get_command(cli.app), [])


# --- (a) the hook installs, and declines a changed Typer -------------------------------


@pytest.fixture
def bare_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer.core as Typer ships it (the hook taken out for the test, put back after)."""
    monkeypatch.setattr(typer_core, "build_runtime_param", _coercion.build_runtime_param)


def test_hook_installs_against_the_installed_typer(bare_typer: None) -> None:
    assert cli.FAST_PARAMS is True  # the app's own install, at import
    assert clikit.param_hook_mismatch() is None
    assert clikit.install_param_hook() is True
    hook = typer_core.build_runtime_param
    assert hook is not _coercion.build_runtime_param
    assert clikit.install_param_hook() is True  # a second call changes nothing
    assert typer_core.build_runtime_param is hook
    assert clikit.param_hook_status() == "已安装"
    # The hook is what a parameter uses: a plain int argument gets the fast class.
    due = get_command(cli.app).commands["calendar"].commands["due"]  # type: ignore[attr-defined]
    n = next(p for p in due.params if p.name == "n")
    n._runtime_param = None
    assert type(n.get_runtime_param()).__name__ == "FastParam"


def _changed_build(descriptor: Any, strict: bool = False) -> Any:
    return _coercion.build_runtime_param(descriptor)


def _changed_coerce_value(self: Any, value: Any, param: Any, ctx: Any, raw: bool = False) -> Any:
    raise AssertionError("not called")


def _changed_coerce_path(value: Any, info: Any, *, path_type: Any, ctx: Any = None) -> Any:
    raise AssertionError("not called")


def _changed_getter(self: Any) -> Any:
    raise AssertionError("not called")


MISMATCHES = {
    "build_runtime_param": (typer_core, "build_runtime_param", _changed_build),
    "_coerce_value": (_coercion.RuntimeParam, "_coerce_value", _changed_coerce_value),
    "coerce_cli_path": (_param_types, "coerce_cli_path", _changed_coerce_path),
    "get_runtime_param": (typer_core._TyperParameter, "get_runtime_param", _changed_getter),
}


@pytest.mark.parametrize("what", sorted(MISMATCHES))
def test_hook_declines_a_signature_it_does_not_know(
    bare_typer: None, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    target, name, replacement = MISMATCHES[what]
    monkeypatch.setattr(target, name, replacement)
    before = typer_core.build_runtime_param
    reason = clikit.param_hook_mismatch()
    assert reason is not None
    assert clikit.install_param_hook() is False
    assert typer_core.build_runtime_param is before  # nothing touched
    assert clikit.param_hook_status() == f"未安装（{reason}）"


SHIM = """
import sys
import typer._coercion as coercion, typer.core as core
own = coercion.build_runtime_param
def build_runtime_param(descriptor, strict=False):  # a Typer the hook does not know
    return own(descriptor)
core.build_runtime_param = build_runtime_param
from zuozhen import cli
assert cli.FAST_PARAMS is False
sys.argv = ["zuozhen", *sys.argv[1:]]
try:
    cli.main()
finally:
    print("PYDANTIC", "pydantic" in sys.modules, file=sys.stderr)
"""


def _zuozhen(*args: str, shim: bool = False) -> subprocess.CompletedProcess[str]:
    head = ["-c", SHIM] if shim else ["-m", "zuozhen"]
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *head, *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_without_the_hook_the_app_runs_on_typers_path_with_the_same_messages(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "none.db")
    ok = _zuozhen("--db", db, "calendar", "due", "2026-09-24", "15", "--json", shim=True)
    assert ok.returncode == 0, ok.stderr
    assert '"due": "2026-10-22"' in ok.stdout
    assert "PYDANTIC True" in ok.stderr  # Typer's own path did the work
    for args in (["calendar", "due", "2026-09-24", "0"], ["audit", "--within", "x"]):
        slow = _zuozhen("--db", db, *args, shim=True)
        fast = _zuozhen("--db", db, *args)
        assert slow.returncode == fast.returncode == 2
        assert slow.stderr.replace("PYDANTIC True\n", "") == fast.stderr
        assert "取值无效" in fast.stderr and "Input should" not in fast.stderr


# --- (b) differential: hook against Typer's own path ------------------------------------

STR_VALUES: list[Any] = [
    "abc",
    "",
    " ",
    "中文 诉求",
    "a\x00b",
    "\udcff\udcfe",  # undecodable argv bytes, as Python hands them over
    "--json",
    "x" * 5000,
    "\u202e\u200b\ufeff",
    b"abc",
    b"\xff\xfe",
    "\U0001f600",
    5,
]
INT_VALUES: list[Any] = [
    "15",
    "1",
    "1000",
    "0",
    "-1",
    "1001",
    "+7",
    "007",
    "-0",
    " 12 ",
    "\t7\n",
    "12.0",
    "1.5",
    "1_000",
    "１２",
    "٣",
    "abc",
    "",
    "1e3",
    "0x10",
    "9" * 40,
    "9" * 5000,
    "12\x00",
    15,
    True,
    b"12",
]
BOOL_VALUES: list[Any] = [
    "true",
    "False",
    " yes ",
    "ON",
    "oN",
    "t",
    "0",
    "",
    "  ",
    "2",
    "x",
    "是",
    "ｙｅｓ",
    True,
    False,
    1,
    0,
    b"1",
]
PATH_VALUES: list[Any] = [
    "a.csv",
    "",
    ".",
    " ",
    "~/x.db",
    "目录/文件.csv",
    "./x/",
    "\udcff",
    "a\x00b",
    b"abc",
    Path("p.db"),
    5,
]


WORDS_VALUES: list[Any] = [
    ("出口", "退税"),
    (),
    ("a\x00b", "\udcff\udcfe", "x" * 5000),
    ["中文 诉求"],
    ("abc", b"abc"),
    ("abc", 5),
    (b"\xff\xfe",),
    "abc",
    5,
]


WELL_FORMED: dict[Any, list[Any]] = {
    list[str]: [("出口", "退税"), (), ["a\x00b", "\udcff"]],
    str: ["abc", "", "中文 诉求", "a\x00b", "\udcff", "--json"],
    int: ["15", "1", "+7", "007", 15],
    bool: ["true", "no", "", True, False],
    Path: ["a.csv", "", "目录/文件.csv", Path("p.db")],
}


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[Any, ...]:
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        exc.ctx, exc.param = exc.ctx or ctx, exc.param or param
        return ("refused", exc.format_message(), clikit.translate(exc))
    except Exception as exc:  # a crash must be the same crash too
        return ("crash", type(exc).__name__)
    return ("value", type(result), result)


def _simple_params() -> list[tuple[str, Any, Any]]:
    found = []
    for path, cmd in _tree():
        for param in cmd.params:
            if clikit.is_simple(param.type_descriptor):
                found.append((" ".join(["zuozhen", *path, param.name]), cmd, param))
    return found


SIMPLE = _simple_params()


def test_the_app_has_simple_parameters_of_every_kind() -> None:
    kinds = {param.type_descriptor.annotation for _, _, param in SIMPLE}
    assert kinds == {str, int, bool, Path, list[str]}
    assert len(SIMPLE) > 100


@pytest.mark.parametrize("where, cmd, param", SIMPLE, ids=[s[0] for s in SIMPLE])
def test_hook_gives_typers_values_and_refusals(
    where: str, cmd: Any, param: Any, tmp_path: Path
) -> None:
    desc = param.type_descriptor
    own = _coercion.build_runtime_param(desc)
    fast = clikit.make_param_hook(_coercion.build_runtime_param)(desc)
    assert type(fast).__name__ == "FastParam" and type(own).__name__ != "FastParam"
    ctx = cmd.context_class(cmd, info_name=where)
    kind = desc.annotation
    values = {
        str: STR_VALUES,
        int: INT_VALUES,
        bool: BOOL_VALUES,
        Path: PATH_VALUES,
        list[str]: WORDS_VALUES,
    }[kind]
    if kind is Path:
        (tmp_path / "f.txt").write_text("x", encoding="utf-8")
        values = [*values, str(tmp_path / "f.txt"), str(tmp_path), str(tmp_path / "none")]
    seen = set()
    for value in values:
        expected = _outcome(own, value, param, ctx)
        got = _outcome(fast, value, param, ctx)
        assert got == expected, (where, value)
        seen.add(got[0])
        if got[0] == "refused":  # and said in Chinese, the detail included
            head, _, detail = got[2].partition("的取值无效：")
            assert head.strip() and any("\u4e00" <= c <= "\u9fff" for c in detail), got
    assert "value" in seen
    if kind in (int, bool, Path):
        assert "refused" in seen  # the hostile values did reach a refusal
    # Well-formed values never wake Typer's own path (that is what saves the pydantic import).
    fresh = clikit.make_param_hook(_coercion.build_runtime_param)(desc)
    for value in WELL_FORMED[kind]:
        fresh.coerce(value, param=param, ctx=ctx)
    assert "typer_path" not in vars(fresh)


def test_range_refusal_is_the_same_chinese_both_ways() -> None:
    due = get_command(cli.app).commands["calendar"].commands["due"]  # type: ignore[attr-defined]
    n = next(p for p in due.params if p.name == "n")
    ctx = due.context_class(due, info_name="due")
    fast = clikit.make_param_hook(_coercion.build_runtime_param)(n.type_descriptor)
    own = _coercion.build_runtime_param(n.type_descriptor)
    for value, words in (("0", "不能小于 1"), ("1001", "不能大于 1000"), ("x", "应为整数")):
        assert _outcome(fast, value, n, ctx) == _outcome(own, value, n, ctx)
        assert _outcome(fast, value, n, ctx)[2] == f"参数 工作日数 的取值无效：{words}"


# --- (c) help: Chinese chrome, no line wider than the terminal ---------------------------

COMMAND_PATHS = [path for path, _ in _tree()]


@pytest.mark.parametrize("columns", [80, 120])
def test_every_help_fits_the_terminal_in_chinese(columns: int) -> None:
    assert len(COMMAND_PATHS) > 30
    for path in COMMAND_PATHS:
        r = CliRunner().invoke(cli.app, [*path, "-h"], env={"COLUMNS": str(columns)})
        assert r.exit_code == 0, (path, r.output)
        lines = r.stdout.splitlines()
        assert lines[0].startswith(f"用法：zuozhen {' '.join(path)}".rstrip()), path
        assert "选项：" in lines and "  -h, --help" in r.stdout and "显示帮助并退出。" in r.stdout
        too_wide = [line for line in lines if cell_width(line) > columns]
        assert not too_wide, (path, too_wide)
        english = [word for word in ENGLISH_CHROME if word in r.stdout]
        assert not english, (path, english)


def test_help_notes_are_chinese() -> None:
    r = CliRunner().invoke(cli.app, ["-h"], env={"COLUMNS": "80"})
    assert "[环境变量：ZUOZHEN_DB；默认：zuozhen.db]" in r.stdout
    assert "命令：" in r.stdout and "[选项] 命令 [参数]…" in r.stdout
    r = CliRunner().invoke(cli.app, ["calendar", "due", "-h"], env={"COLUMNS": "80"})
    assert "参数：" in r.stdout and "[范围：1–1000；必填]" in r.stdout
    # A text argument shows its Chinese name alone; any other kind follows the name.
    assert "\n  工作日数 <整数>  " in r.stdout and "\n  起算日           YYYY" in r.stdout
    r = CliRunner().invoke(cli.app, ["backup", "-h"], env={"COLUMNS": "80"})
    assert "备份文件 <路径>" in r.stdout


def test_book_help_in_a_real_80_column_terminal() -> None:
    """The issue's case: ``COLUMNS=80 zuozhen book -h`` printed lines 153 columns wide."""
    r = _zuozhen("book", "-h")
    assert r.returncode == 0
    widths = [cell_width(line) for line in r.stdout.splitlines()]
    assert max(widths) <= 80 and len(widths) > 30
    # A source line break between two CJK characters is no space in the help.
    assert "诉求号顺延）；同一挂号" in r.stdout.replace("\n  ", "")


def test_wrapping_by_display_width() -> None:
    assert cell_width("abc") == 3 and cell_width("诉求") == 4 and cell_width("ｙ") == 2
    assert cell_width("e\u0301") == 1  # a combining accent takes no column
    text = "挂号窗口为每月前 5 个工作日（按配置），窗口外须用 --late 原因 加号。" * 3
    for width in (20, 21, 33, 78):
        lines = wrap(text, width, "  ", "  ")
        assert all(cell_width(line) <= width for line in lines), (width, lines)
        assert "".join(line.strip() for line in lines).replace(" ", "") == (text.replace(" ", ""))
        # No line starts with a closing mark or ends with an opening one.
        assert not any(line.strip()[0] in "，。、；：）」”" for line in lines[1:])
        assert not any(line.rstrip()[-1] in "（「“" for line in lines)
        # English words are never cut while they fit on a line.
        assert all("--late" in line or "--" not in line for line in lines)
    assert wrap("说明 [默认：zuozhen.db] 文本", 20) == ["说明", "[默认：zuozhen.db]", "文本"]
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap_text("第一段\n接着\n\n第二段", 40, "  ") == ["  第一段接着", "", "  第二段"]


def test_usage_line_of_an_error_is_wrapped_too() -> None:
    r = CliRunner().invoke(
        cli.app, ["session", "plan", "--bogus"], env={"COLUMNS": "80"}, catch_exceptions=False
    )
    assert r.exit_code == 2
    assert all(cell_width(line) <= 80 for line in r.stderr.splitlines())


# --- (d) usage errors: Chinese, exit code 2 ----------------------------------------------

USAGE_ERRORS = [
    (["close", "X", "--outcome", "已解决"], "zuozhen close", "缺少选项 --result"),
    (["show"], "zuozhen show", "缺少参数 诉求号"),
    (["search"], "zuozhen search", "缺少参数 检索词"),
    (["audit", "--within", "abc"], "zuozhen audit", "选项 --within 的取值无效：应为整数"),
    (
        ["calendar", "due", "2026-09-24", "0"],
        "zuozhen calendar due",
        "参数 工作日数 的取值无效：不能小于 1",
    ),
    (
        ["calendar", "due", "2026-09-24", "1001"],
        "zuozhen calendar due",
        "参数 工作日数 的取值无效：不能大于 1000",
    ),
    (["book", "--jsn"], "zuozhen book", "没有这个选项：--jsn（可选：--json）"),
    # (calender would also suggest amend: Click lists every command at least 60 % alike)
    (["calandar"], "zuozhen", "没有这个命令：calandar。是不是要用 calendar？"),
    (["report", "quartely"], "zuozhen report", "没有这个命令：quartely。是不是要用 quarterly？"),
    (["show", "A", "B"], "zuozhen show", "多余的参数：B"),
    (["list", "--month"], "zuozhen list", "选项 --month 需要一个取值。"),
    (["list", "--json=1"], "zuozhen list", "选项 --json 不接受取值。"),
    (["--bogus", "list"], "zuozhen", "没有这个选项：--bogus"),
    (["book", "--strict"], "zuozhen book", "--strict 只用于 --from-csv 导入。"),
]


@pytest.mark.parametrize(
    "args, command, message", USAGE_ERRORS, ids=[" ".join(u[0]) for u in USAGE_ERRORS]
)
def test_usage_errors_are_chinese_with_exit_code_2(
    db_path: Path, args: list[str], command: str, message: str
) -> None:
    r = CliRunner().invoke(
        cli.app, ["--db", str(db_path), *args], env={"COLUMNS": "80"}, catch_exceptions=False
    )
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines[0].startswith(f"用法：{command} [选项]"), lines
    assert lines[1] == f"用 '{command} -h' 查看帮助。"
    assert lines[-1] == f"错误：{message}"
    assert not [word for word in ENGLISH_CHROME if word in r.stderr]


def test_every_argument_is_named_in_chinese_on_the_usage_line_and_in_errors() -> None:
    """An argument shows by its Chinese name (诉求号), never its Python one (appeal)."""
    arguments = [
        (path, p)
        for path, cmd in _tree()
        for p in getattr(cmd, "params", [])
        if p.param_type_name == "argument"
    ]
    assert len(arguments) >= 20
    for path, p in arguments:
        assert p.metavar and all(cell_width(c) == 2 for c in p.metavar), (path, p.name)
    r = CliRunner().invoke(cli.app, ["calendar", "due"], env={"COLUMNS": "80"})
    assert r.stderr.splitlines()[0] == "用法：zuozhen calendar due [选项] 起算日 工作日数"
    r = CliRunner().invoke(cli.app, ["search"], env={"COLUMNS": "80"})
    assert r.stderr.splitlines()[0] == "用法：zuozhen search [选项] 检索词…"
    r = CliRunner().invoke(cli.app, ["history", "-h"], env={"COLUMNS": "80"})
    assert r.stdout.splitlines()[0] == "用法：zuozhen history [选项] [诉求号]"
    assert "\n  诉求号  如 202610-007-1；" in r.stdout


def test_a_group_without_its_command_shows_its_help() -> None:
    r = CliRunner().invoke(cli.app, ["calendar"], env={"COLUMNS": "80"})
    assert r.exit_code == 2
    assert r.stderr.startswith("用法：zuozhen calendar [选项] 命令 [参数]…")
    assert "命令：" in r.stderr and "due" in r.stderr


def _toy() -> typer.Typer:
    """Choices and boolean values, which the real app does not use (yet)."""
    app = typer.Typer(cls=clikit.Group, rich_markup_mode=None, add_completion=False)

    @app.command("export")
    def export(
        fmt: Literal["md", "txt"] = typer.Option("md", "--format", help="格式。"),
        fast: bool = typer.Option(False, "--fast", help="快。"),
        flag: bool = typer.Option(True, "--flag/--no-flag", help="开关。"),
        level: int = typer.Option(1, "--level", min=1, help="级别。"),
    ) -> None:
        typer.echo(f"{fmt} {fast} {flag} {level}")

    @app.command("noop")
    def noop() -> None:
        """什么也不做。"""

    return app


def test_choices_flags_and_ranges_in_chinese() -> None:
    app = _toy()
    r = CliRunner().invoke(app, ["export", "--format", "pdf"])
    assert r.exit_code == 2
    assert "错误：选项 --format 的取值无效：“pdf”不在可选范围内（可选：md、txt）" in r.stderr
    r = CliRunner().invoke(app, ["export", "--level", "0"])
    assert r.exit_code == 2 and "错误：选项 --level 的取值无效：不能小于 1" in r.stderr
    r = CliRunner().invoke(app, ["export", "--no-flag", "--format", "TXT"])
    assert r.exit_code == 2 and "“TXT”不在可选范围内" in r.stderr
    r = CliRunner().invoke(app, ["export", "--no-flag", "--format", "txt", "--fast"])
    assert r.exit_code == 0 and r.stdout == "txt True False 1\n"
    r = CliRunner().invoke(app, ["export", "--help"])
    assert "--format <md|txt>" in r.stdout and "[默认：md]" in r.stdout
    assert "--flag / --no-flag" in r.stdout and "[默认：flag]" in r.stdout
    assert "[默认：1；不小于 1]" in r.stdout
    assert not [word for word in ENGLISH_CHROME if word in r.stdout]


@pytest.mark.parametrize(
    "english, chinese",
    [
        ("Input should be greater than or equal to 1", "不能小于 1"),
        ("Input should be less than or equal to 1000", "不能大于 1000"),
        ("Input should be a valid integer, unable to parse string as an integer", "应为整数"),
        (
            "Input should be a valid boolean, unable to interpret input",
            "应为是或否（true/false、yes/no、1/0）",
        ),
        ("Input should be a valid number, unable to parse string as a number", "应为数字"),
        ("Value error, 'x' is not one of 'a', 'b'.", "“x”不在可选范围内（可选：a、b）"),
        ("Value error, embedded null byte", "含有空字符（NUL）"),
        ("Input is not a valid path for <class 'pathlib.Path'>", "不是有效的路径"),
        ("file 'a.csv' does not exist.", "文件 'a.csv' 不存在"),
        ("Missing command.", "缺少命令。"),
        ("No such command 'x'.", "没有这个命令：x。请用 -h 查看可用的命令。"),
    ],
)
def test_messages_translate(english: str, chinese: str) -> None:
    assert clikit.translate_text(english) == chinese
