"""The README's examples: every ``zuozhen …`` line it shows parses against the real CLI.

A newcomer copies these lines first, so each one must name a command that exists with
options that exist: the line, with ``--help`` added, goes through the CLI's own parser
(an unknown command or option is a usage error, exit 2), and the help shown is that
command's. Lines are taken from the ```bash blocks (commented examples too) and from the
```cron blocks; every ```toml block must parse, and a holiday schedule must load.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from tests.factories import ROOT, run_cli
from zuozhen.schedules import parse_schedule

README = (ROOT / "README.md").read_text(encoding="utf-8")
SHELL_OPERATORS = {"&&", "||", "|", ";", ">", ">>", "<", "(", ")", "&", "!"}
GLOBAL_OPTIONS = {"--db", "--operator", "--today"}


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.M | re.S)


def command_lines() -> list[str]:
    """Each ``zuozhen …`` command shown in a bash or cron block, continuation lines joined."""
    found: list[str] = []
    for language in ("bash", "cron"):
        for block in blocks(language):
            for line in block.replace("\\\n", " ").splitlines():
                if language == "cron":  # a comment line, or the schedule and one shell line
                    parts = [] if line.lstrip().startswith("#") else [line.replace("\\%", "%")]
                else:  # a commented example ends where its Chinese explanation starts
                    code, _, comment = line.partition("#")
                    parts = [code, re.split(r"[（(]", comment)[0]]
                for part in parts:
                    found += _commands_in(part)
    return found


def _commands_in(text: str) -> list[str]:
    """The ``zuozhen`` commands of one line of shell (split at its operators)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = []
    current: list[str] | None = None
    first = True  # the command word of a shell command comes first
    for token in lexer:
        if token in SHELL_OPERATORS:
            current, first = None, True
            continue
        if first and re.fullmatch(r"(.*[/：:])?zuozhen", token):
            current = ["zuozhen"]
            commands.append(current)
        elif current is not None:
            current.append(token.strip("[]"))  # [--basis …]: an optional part
        first = False
    return [shlex.join(c) for c in commands]


def without_global_options(args: list[str]) -> list[str]:
    out: list[str] = []
    rest = iter(args)
    for a in rest:
        if a in GLOBAL_OPTIONS and not out:
            next(rest)
        else:
            out.append(a)
    return out


COMMANDS = command_lines()


def test_the_readme_shows_the_commands_of_every_step() -> None:
    shown = {tuple(c.split()[1:3]) for c in COMMANDS}
    for step in [("init",), ("session", "plan"), ("book",), ("triage",), ("notify",),
                 ("session", "hear"), ("assign", "to"), ("close",), ("rate",), ("audit",),
                 ("report", "quarterly"), ("calendar", "load"), ("backup",), ("verify",)]:  # fmt: skip
        assert any(s[: len(step)] == step for s in shown), step
    assert len(COMMANDS) >= 30  # the extraction still finds the examples


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command_parses(line: str, tmp_path: Path) -> None:
    args = shlex.split(line)[1:]
    # --db before the command names the case file; --help never opens it.
    ran = run_cli(tmp_path / "none.db", *args, "--help")
    assert ran.code == 0, (line, ran.stdout, ran.stderr)
    usage = re.search(r"用法：\s*\S+ ((?:[a-z]+ )*)", ran.stdout)
    assert usage, ran.stdout
    path = usage.group(1).split()
    words = [a for a in without_global_options(args) if not a.startswith("-")]
    assert path and words[: len(path)] == path, (line, path)


@pytest.mark.parametrize("block", blocks("toml"))
def test_readme_toml_parses(block: str) -> None:
    doc = tomllib.loads(block)
    if "holidays" in doc:
        schedule = parse_schedule(block)
        assert schedule.year == doc["year"]
