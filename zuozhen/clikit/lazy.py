"""5. Lazy commands: a group builds a command only when it is used.

Typer turns every registered function into a Click command up front (``typer.main.
get_command``), reading each signature and evaluating its annotations: about a millisecond
per command, a tenth of a second for zuozhen's hundred commands on every start. Click's
documented answer is a group whose ``get_command`` loads the command it is asked for
("lazy loading subcommands"). Here the group keeps Typer's own classes and only its
``commands`` mapping changes: :class:`LazyCommands` knows the names (and, for the top-level
list, the one-line help) and builds a command on first access. A name it does not know is
missing, as from a dict, so Click's "no such command" and Typer's suggestions are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any

import typer
from typer import _click
from typer.main import get_command_from_info, get_command_name, get_group_from_info
from typer.models import CommandInfo

from zuozhen.clikit.help import Group, adopt


class LazyCommands(MutableMapping[str, _click.Command]):
    """A group's commands by name, in the given order, each built on first access."""

    def __init__(
        self,
        names: Sequence[str],
        build: Callable[[str], _click.Command],
        helps: Mapping[str, str] | None = None,
    ) -> None:
        self._names = list(names)
        self._build = build
        self._helps = dict(helps or {})
        self._built: dict[str, _click.Command] = {}

    def help_of(self, name: str) -> str | None:
        """The one-line help known without building the command, if any."""
        return None if name in self._built else self._helps.get(name)

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            command = self._build(name)
            adopt(command)
            self._built[name] = command
        return self._built[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


def command_name(info: CommandInfo) -> str:
    """The name Typer gives a registered command."""
    assert info.callback is not None
    return info.name or get_command_name(info.callback.__name__)


def build_command(info: CommandInfo) -> _click.Command:
    """One registered function as Typer builds it (plain help: no Rich markup)."""
    return get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)


def lazy_group(sub: typer.Typer, name: str) -> Group:
    """The group ``app.add_typer(sub, name=name)`` would build, its commands built on first
    access. ``sub`` is consumed (its registered commands are moved into the group)."""
    infos = {command_name(info): info for info in sub.registered_commands}
    sub.registered_commands = []
    holder = typer.Typer()
    holder.add_typer(sub, name=name)
    group = get_group_from_info(
        holder.registered_groups[0],
        pretty_exceptions_short=True,
        suggest_commands=True,
        rich_markup_mode=None,
    )
    assert isinstance(group, Group), "zuozhen's groups are clikit.Group"
    group.commands = LazyCommands(list(infos), lambda n: build_command(infos[n]))
    return group


def short_helps(group: Any) -> dict[str, str]:
    """Each command's line in ``group``'s list (built: for checking a static table)."""
    from zuozhen.clikit.help import short_help

    return {name: short_help(command) for name, command in group.commands.items()}
