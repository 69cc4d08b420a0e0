"""Bad input everywhere: every command of the CLI driven with generated arguments.

The command tree is walked (like tests/test_cli_basics.py), so a new command is fuzzed
without touching this file. For each command hypothesis picks options and arguments from
a mix of plausible values (real appeal, session and booking IDs of the demo case file,
configured units, regions and themes and near misses, dates around the demo's months)
and hostile ones (odd Unicode, huge
strings, NUL bytes, wrong dates, SQL and CSV metacharacters, negative numbers, Rich markup);
file options get paths in a scratch folder, sometimes to a file holding generated text.

Every run: no traceback and no crash log ("程序内部出错"), exit code 0, 1 or 2 (3 only for
``audit --fail-on-overdue``), and when the exit code is not 0 the case file is unchanged.

``demo`` is left out (it builds a new file for seconds; its refusal is tested below).
The demo file has appeals in every state, withdrawn, merged and absent ones and a returned
hand-off among them, so ``withdraw``, ``merge``, ``session hear --absent``, ``assign
return``, ``assign progress`` and ``assign report --unit`` meet real targets too.
ZUOZHEN_FUZZ_EXAMPLES sets the number of examples per command (default 15); the examples
are the same on every run unless ZUOZHEN_FUZZ_RANDOM=1 asks for fresh ones.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import fingerprint, run_cli, unchanged

EXAMPLES = int(os.environ.get("ZUOZHEN_FUZZ_EXAMPLES", "15"))
SKIP = {("demo",)}
FILE_PARAMS = {
    "file",
    "--output",
    "--export",
    "--csv",
    "--xlsx",
    "--ics",
    "--config",
    "--from-csv",
}
INT_PARAMS = {"n", "--within", "--seed", "--year"}
TRIED: dict[str, int] = {}


def _commands() -> list[tuple[tuple[str, ...], list[Any]]]:
    from typer.main import get_command

    from zuozhen.cli import app

    out: list[tuple[tuple[str, ...], list[Any]]] = []

    def walk(cmd: Any, prefix: tuple[str, ...]) -> None:
        sub = getattr(cmd, "commands", None)
        if sub:
            if getattr(cmd, "invoke_without_command", False) and prefix:
                out.append((prefix, list(cmd.params)))  # e.g. ``audit`` itself
            for name, child in sub.items():
                walk(child, (*prefix, name))
        elif prefix not in SKIP:
            out.append((prefix, list(cmd.params)))

    walk(get_command(app), ())
    return out


COMMANDS = _commands()

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "'; DROP TABLE appeal; --",
    '" OR 1=1 --',
    "%",
    "_",
    "%' OR '1'='1",
    "=cmd|'/c calc'!A1",
    '"a","b"\r\n"c"',
    "+1,-2\n@SUM(1)",
    "[bold red]x[/]",
    "[/]",
    "\u202e\u200b\ufeff",
    "\U0001f600\U0001f4a9",
    "𠀀𪚥",
    "\ud7ff",
    "-1",
    "-999999999999999999999",
    "0",
    "1e309",
    "NaN",
    "9" * 40,
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "9999-12-31",
    "2026/10/08",
    "26-10-8",
    "2026-10",
    "2026Q5",
    "2026Q0",
    "S202610-99",
    "202610-999-9",
    "202610-001-0",
    "../../etc/passwd",
    "--json",
    "-",
    "省发展改革委" * 3,
    "字" * 2001,
    "x" * 100_000,
]


def plausible(ids: dict[str, list[str]]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ids["appeals"]),
        st.sampled_from(ids["sessions"]),
        st.sampled_from(ids["bookings"]),
        st.sampled_from(ids["units"]),
        st.sampled_from(
            [
                "2026-10-27",
                "2026-10-08",
                "2026-12-31",
                "2027-01-04",
                "2026-10",
                "2026-07",
                "2026Q3",
                "2026Q4",
                "L2026-01",
                "L2026-01-001",
                "主场",
                "专场",
                "加诊",
                "短信",
                "电话",
                "已解决",
                "解释说明",
                "满意",
                "不满意",
                "不属于本单位职责",
                "重复诉求",
                "政策咨询",
                "unit",
                "theme",
                "md",
                "html",
                "json",
                "txt",
                "09:00",
                "25:61",
                "5",
                "15",
                "13812345678",
                "0871-12345678",
                "91530100MA6K00001X",
                "915301006K0000127X",
                "12345",
                "接待日",
                "坐诊",
                "台账",
                "GD20261201001",
                "转送",
                "部门任务",
                "分发交办",
                "E202612-01",
                "走访",
                "渠道",
                "channel",
                "E202610-01",
                "0.3,0.35,0.35",
                "0.5,0.5,0.5",
            ]
        ),
    )


def value_strategy(ids: dict[str, list[str]]) -> st.SearchStrategy[str]:
    return st.one_of(
        plausible(ids),
        st.sampled_from(HOSTILE),
        st.text(max_size=30),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
    )


def file_strategy(scratch: Path, ids: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    # ("path", name) → a path in the scratch folder; ("content", name, text) → a file
    # written with that text first; ("case",) → the case file itself; ("dir",) → a folder.
    names = st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="/\\\x00"), min_size=1, max_size=20
    ).filter(lambda s: s not in (".", ".."))
    return st.one_of(
        st.tuples(st.just("path"), names),
        st.tuples(st.just("content"), names, value_strategy(ids)),
        st.tuples(
            st.just("content"),
            names,
            st.sampled_from(
                [
                    "企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容\n"
                    "某公司,91530100MA6K00001X,王,13812345678,政策咨询,=1+1\n",
                    "企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容\n\x00,\x00\n",
                    'year = 2027\nsource = "x"\nholidays = ["2027-01-01"]\nworkdays = []\n',
                    "year = -1\nsource = 1\n",
                    "[limits]\nverify = 0\n",
                    "工单编号,受理时间,企业名称,统一社会信用代码,联系人,联系电话,诉求内容\n"
                    "GD1,2026-12-01 09:00,某公司,91530100MA6K00001X,王,13812345678,=1+1\n"
                    "GD1,2026-12-01,某公司,91530100MA6K00001X,王,13812345678,另一件\n",
                ]
            ),
        ),
        # A unit's returned workbook (assign import): real appeal IDs, generated fill-ins.
        st.tuples(
            st.just("workbook"),
            st.lists(
                st.tuples(st.sampled_from(ids["appeals"]), value_strategy(ids), plausible(ids)),
                max_size=3,
            ),
        ),
        st.just(("case",)),
        st.just(("dir",)),
        st.just(("missing-dir",)),
    )


def materialise(spec: Any, scratch: Path, db: Path) -> str:
    kind = spec[0]
    if kind == "case":
        return str(db)
    if kind == "dir":
        return str(scratch)
    if kind == "missing-dir":
        return str(scratch / "没有这个目录" / "x.csv")
    if kind == "workbook":
        return _workbook(spec[1], scratch)
    name = spec[1]
    path = scratch / name
    if kind == "content":
        try:
            path.write_bytes(spec[2].encode("utf-8", "surrogatepass"))
        except (OSError, ValueError):
            return str(scratch / "x")
    return str(path)


def _workbook(rows: list[tuple[str, str, str]], scratch: Path) -> str:
    """A returned unit workbook (the contract's header) holding generated values."""
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    path = scratch / "办理表.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "交办事项"
    ws.append(["诉求号", "承办人", "办理措施", "承诺办结日期", "阶段进展", "反馈内容"])
    for appeal, text, other in rows:
        try:
            ws.append([appeal, text[:100], text, other, other, text])
        except (IllegalCharacterError, ValueError):
            ws.append([appeal, "李四", "核查", other, "进展", "已办结"])
    scratch.mkdir(exist_ok=True)
    wb.save(path)
    return str(path)


@pytest.fixture(scope="module")
def demo_file(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, list[str]]]]:
    import sqlite3

    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "demo.db"
    ran = run_cli(db, "demo", "--db", str(db), "--quiet")
    assert ran.code == 0, ran.stderr
    conn = sqlite3.connect(db)
    ids = {
        "appeals": [r[0] for r in conn.execute("SELECT id FROM appeal ORDER BY id")],
        "sessions": [r[0] for r in conn.execute("SELECT id FROM consultation")],
        "bookings": [r[0] for r in conn.execute("SELECT id FROM booking LIMIT 20")],
        # Names of units, regions and themes (config add/retire, --unit/--region/--theme):
        # listed ones, a typo with a close listed name, and one far from every name.
        "units": [
            "省发展改革委",
            "省财政厅",
            "省自然资源厅",
            "省税务局",
            "不存在的单位",
            "省商务局",
            "曲靖市",
            "曲靖",
            "综合",
            "融资信贷",
            "金融服务",
        ],
    }
    conn.close()
    yield db, ids
    total = sum(TRIED.values())
    print(f"\nfuzz: {total} generated command lines over {len(TRIED)} commands")


def _argv_strategy(
    params: list[Any], scratch: Path, ids: dict[str, list[str]]
) -> st.SearchStrategy[list[Any]]:
    """A list of (param, value-spec) pairs; required ones usually present."""
    parts = []
    for p in params:
        name = p.opts[0] if p.param_type_name == "option" else p.name
        if getattr(p, "is_flag", False):
            value: st.SearchStrategy[Any] = st.just(True)
        elif name in FILE_PARAMS:
            value = file_strategy(scratch, ids)
        elif name in INT_PARAMS:
            value = st.one_of(
                st.integers(-(10**20), 10**20).map(str), st.sampled_from(["3", "0", "-1", "x"])
            )
        else:
            value = value_strategy(ids)
        if p.multiple:
            value = st.lists(value, min_size=1, max_size=3)
        keep = st.booleans() if not p.required else st.sampled_from([True] * 9 + [False])
        parts.append(st.tuples(st.just(p), keep, value))
    return st.tuples(*parts).map(list) if parts else st.just([])


def _build(prefix: tuple[str, ...], chosen: list[Any], scratch: Path, db: Path) -> list[str]:
    args = list(prefix)
    for p, keep, value in chosen:
        if not keep:
            continue
        values = value if p.multiple else [value]
        for v in values:
            if isinstance(v, tuple):
                v = materialise(v, scratch, db)
            if p.param_type_name == "option":
                args.append(p.opts[0])
                if v is not True:
                    args.append(v)
            else:
                args.append(v)
    return args


def test_the_commands_of_issue_11_are_fuzzed() -> None:
    found = {prefix: {p.opts[0] if p.param_type_name == "option" else p.name for p in params}
             for prefix, params in COMMANDS}  # fmt: skip
    issue_11 = (("withdraw",), ("merge",), ("assign", "return"), ("assign", "progress"), ("amend",))
    for prefix in issue_11:
        assert prefix in found, prefix
    assert "--absent" in found[("session", "hear")] and "--unit" in found[("assign", "report")]
    assert "--void" in found[("withdraw",)] and "--into" in found[("merge",)]
    assert {"--reason", "--unit", "--result", "--handler", "--measures"} <= found[("amend",)]
    assert not {"--service", "--handling"} & found[("amend",)]  # ratings are never amended


def test_the_commands_of_issue_13_are_fuzzed() -> None:
    """The unit's workbook: written for a (fuzzed) unit, and imported from a file that is
    sometimes a real workbook with generated fill-ins (``_workbook``)."""
    found = {prefix: {p.opts[0] if p.param_type_name == "option" else p.name for p in params}
             for prefix, params in COMMANDS}  # fmt: skip
    assert {"--unit", "--output"} <= found[("assign", "sheet")]
    assert {"file", "--strict", "--unit"} <= found[("assign", "import")]
    assert "file" in FILE_PARAMS and "--output" in FILE_PARAMS


def test_the_intake_of_issue_14_is_fuzzed() -> None:
    found = {prefix: {p.opts[0] if p.param_type_name == "option" else p.name for p in params}
             for prefix, params in COMMANDS}  # fmt: skip
    assert {"--channel", "--ref", "--event", "--date", "--resolved"} <= found[("intake",)]
    assert {"--from-csv", "--strict"} <= found[("intake",)]
    assert {"--scope", "--need", "--nature", "--handling"} <= found[("triage",)]
    assert "--channel" in found[("list",)]


def test_the_word_documents_of_issue_13_are_fuzzed() -> None:
    found = {prefix: {p.opts[0] if p.param_type_name == "option" else p.name for p in params}
             for prefix, params in COMMANDS}  # fmt: skip
    assert {"appeal", "--unit", "--output", "--force"} <= found[("assign", "notice")]
    assert {"--format", "--output"} <= found[("report", "record")]
    assert "--format" in found[("audit", "notices")] and "--date" in found[("announce",)]


def test_the_commands_of_issue_14_are_fuzzed() -> None:
    """Held days, their cadence and the statistics by channel and unit score."""
    found = {prefix: {p.opts[0] if p.param_type_name == "option" else p.name for p in params}
             for prefix, params in COMMANDS}  # fmt: skip
    assert {"--channel", "--date", "--unit", "--lead", "--theme"} <= found[("event", "add")]
    assert "--quarter" in found[("event", "list")] and "--quarter" in found[("audit", "cadence")]
    assert {"--quarter", "--csv"} <= found[("report", "channels")]
    assert {"--quarter", "--weights", "--csv"} <= found[("report", "scores")]


def test_the_ledger_commands_of_issue_15_are_fuzzed() -> None:
    found = {prefix: {p.opts[0] if p.param_type_name == "option" else p.name for p in params}
             for prefix, params in COMMANDS}  # fmt: skip
    assert {"--name", "--source", "--year"} <= found[("ledger", "new")]
    assert {"ledger", "--item", "--unit", "--due", "--measures"} <= found[("ledger", "add")]
    assert {"ledger", "file", "--strict", "--allow-new"} <= found[("ledger", "import")]
    assert {"ledger"} <= found[("ledger", "show")] and "--year" in found[("ledger", "carry")]
    assert ("ledger", "list") in found
    assert {"--class", "--appeal", "--due"} <= found[("ledger", "raise")]
    assert {"ledger", "--csv", "--xlsx", "--format", "--output"} <= found[("report", "ledger")]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("prefix", "params"), COMMANDS, ids=lambda x: "-".join(x) if isinstance(x, tuple) else ""
)
def test_every_command_survives_bad_input(
    prefix: tuple[str, ...],
    params: list[Any],
    demo_file: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, ids = demo_file
    scratch = tmp_path / "scratch"
    monkeypatch.chdir(tmp_path)  # commands writing to the current folder write there

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not os.environ.get("ZUOZHEN_FUZZ_RANDOM"),
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        chosen=_argv_strategy(params, scratch, ids),
        today=st.one_of(
            st.none(), st.sampled_from(["2026-10-27", "2026-09-24", "2026-02-30", "x"])
        ),
    )
    def one(chosen: list[Any], today: str | None) -> None:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        args = _build(prefix, chosen, scratch, db)
        before = fingerprint(db)
        ran = run_cli(db, *args, today=today)
        TRIED[" ".join(prefix)] = TRIED.get(" ".join(prefix), 0) + 1
        shown = repr(args)[:300]
        text = ran.stdout + ran.stderr
        assert "Traceback" not in text, (shown, text[-2000:])
        assert "程序内部出错" not in text, (shown, text[-2000:])
        allowed = {0, 1, 2} | ({3} if "--fail-on-overdue" in args else set())
        assert ran.code in allowed, (shown, ran.code, text[-2000:])
        if ran.code != 0:
            assert fingerprint(db) == before, (shown, "changed the file but exit", ran.code)
            if ran.code in (1, 2):
                assert ran.stderr.strip(), shown  # a refusal says why

    one()


def test_demo_refuses_an_existing_file(db_path: Path) -> None:
    with unchanged(db_path):
        ran = run_cli(db_path, "demo", "--db", str(db_path), "--quiet")
        assert ran.code == 1 and "Traceback" not in ran.stderr
