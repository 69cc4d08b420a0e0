"""Everything zuozhen knows about Typer's and Click's internals, in one package.

Typer (pinned ``>=0.26,<0.30``) bundles its own Click as ``typer._click``; nothing else in
zuozhen imports it. In this module:

1. **The parameter hook** (:func:`install_param_hook`). Typer coerces every command-line
   value through a pydantic ``TypeAdapter``, and importing pydantic costs every
   ``zuozhen show`` about 0.1 s. For the plain ``str``, ``int``, ``bool`` and ``Path``
   parameters (and ``list[str]``, the words of ``search``) the hook builds a runtime parameter that accepts the well-formed values
   itself — those whose result is certain, checked against Typer's own path by
   ``tests/test_clikit.py`` — and hands every other value to Typer's own runtime parameter,
   so a refusal is always Typer's own refusal, word for word. The hook goes in only when
   the signatures it relies on are the ones it was written against
   (:func:`param_hook_mismatch`); otherwise the app runs on Typer's own path, only slower.

2. **Display width.** :class:`HelpFormatter` measures text in terminal columns (a CJK
   character is two, see :func:`cell_width`) and wraps Chinese between any two characters
   (never before a closing or after an opening punctuation mark) and English only at
   spaces, so no help line is wider than the terminal.

3. **Chinese help.** :class:`Group` and :class:`Command` write help with Chinese headings
   (用法、参数、选项、命令), type labels and notes ([必填]、[默认：…]). Typer builds each
   command as a ``TyperCommand`` unless every ``.command()`` call names a class; a
   :class:`Group` therefore adopts the commands it is given (:func:`adopt`): their class
   becomes :class:`Command`, a subclass that adds no state and only writes help.

4. **Usage errors in Chinese.** :class:`Group` passes every Click error through
   :func:`localize`: Click's, Typer's and pydantic's messages become one Chinese message
   (:func:`translate`), shown by :class:`ChineseUsageError` with Click's layout and exit
   code 2.

5. **Lazy commands** (:mod:`zuozhen.clikit.lazy`). A group's ``commands`` mapping builds
   each command on first access (Click's "lazy loading subcommands"); the top-level names
   and lines come from a static table in ``zuozhen/cli.py``.
"""

from zuozhen.clikit.errors import localize, translate, translate_text
from zuozhen.clikit.help import Command, Context, Group, HelpFormatter
from zuozhen.clikit.params import (
    install_param_hook,
    is_simple,
    make_param_hook,
    param_hook_mismatch,
    param_hook_status,
)
from zuozhen.clikit.width import cell_width, wrap, wrap_text

__all__ = [
    "Command",
    "Context",
    "Group",
    "HelpFormatter",
    "cell_width",
    "install_param_hook",
    "is_simple",
    "localize",
    "make_param_hook",
    "param_hook_mismatch",
    "param_hook_status",
    "translate",
    "translate_text",
    "wrap",
    "wrap_text",
]
