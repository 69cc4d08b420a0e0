"""2. Display width and wrapping: a CJK character is two terminal columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

_CLOSING = frozenset("，。、；：？！）］｝〕】〗》〉」』”’…—,.;:?!)]}%·")
_OPENING = frozenset("（［｛〔【〖《〈「『“‘([{")


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Columns the text takes in a terminal: East-Asian wide and fullwidth characters two."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def is_wide(char: str) -> bool:
    return not char.isascii() and _char_width(char) == 2


def _atoms(text: str, cjk_breaks: bool) -> list[tuple[bool, str]]:
    """The unbreakable pieces of a text, each with whether a space came before it.

    A run of narrow characters is one piece; each wide character is a piece of its own
    (``cjk_breaks``); closing marks stick to the piece before, opening marks to the next;
    a bracketed note without spaces (``[默认：zuozhen.db]``) is one piece.
    """
    atoms: list[tuple[bool, str]] = []
    space = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            space, i = True, i + 1
            continue
        j = i + 1
        end = text.find("]", i) if char == "[" else -1
        if end > 0 and not any(c.isspace() for c in text[i:end]):
            j = end + 1  # a bracketed note such as [默认：zuozhen.db] stays whole
        elif not (cjk_breaks and is_wide(char)):
            while j < n and not text[j].isspace() and not (cjk_breaks and is_wide(text[j])):
                j += 1
        piece = text[i:j]
        if atoms and not space and (piece[0] in _CLOSING or atoms[-1][1][-1] in _OPENING):
            atoms[-1] = (atoms[-1][0], atoms[-1][1] + piece)
        else:
            atoms.append((space, piece))
        space, i = False, j
    return atoms


def _cut(piece: str, columns: int) -> tuple[str, str]:
    """The head of ``piece`` that fits in ``columns`` (at least one character), and the rest."""
    used = 0
    for k, char in enumerate(piece):
        used += _char_width(char)
        if used > columns:
            return piece[: max(k, 1)], piece[max(k, 1) :]
    return piece, ""


def wrap(
    text: str,
    width: int,
    initial_indent: str = "",
    subsequent_indent: str = "",
    *,
    cjk_breaks: bool = True,
) -> list[str]:
    """Lines of at most ``width`` columns (a word longer than a line is cut)."""
    lines: list[str] = []
    line, used, empty = initial_indent, cell_width(initial_indent), True
    for space, piece in _atoms(text, cjk_breaks):
        size = cell_width(piece)
        gap = 1 if space and not empty else 0
        if not empty and used + gap + size > width:
            lines.append(line)
            line, used, empty, gap = subsequent_indent, cell_width(subsequent_indent), True, 0
        while empty and used + size > width and len(piece) > 1:
            head, piece = _cut(piece, width - used)
            lines.append(line + head)
            line, used = subsequent_indent, cell_width(subsequent_indent)
            size = cell_width(piece)
        line += " " * gap + piece
        used += gap + size
        empty = False
    if not empty or not lines:
        lines.append(line)
    return lines


def join_lines(lines: Iterable[str]) -> str:
    """One paragraph from its source lines: a line break between two CJK characters is
    dropped, any other becomes a space."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and not (is_wide(out[-1]) and is_wide(line[0])):
            out += " "
        out += line
    return out


def _paragraphs(text: str) -> Iterator[tuple[int, bool, list[str]]]:
    """(indent, keep as written, lines) per paragraph; ``\\b`` alone on the first line of a
    paragraph keeps its lines as written, as in Click."""
    block: list[str] = []
    for line in [*text.expandtabs().splitlines(), ""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            indent = cell_width(block[0]) - cell_width(block[0].lstrip())
            if block[0].strip() == "\b":
                yield indent, True, block[1:]
            else:
                yield indent, False, block
            block = []


def wrap_text(text: str, width: int, indent: str = "") -> list[str]:
    """Paragraphs of ``text`` wrapped to ``width`` columns, a blank line between them."""
    out: list[str] = []
    for extra, raw, lines in _paragraphs(text):
        if out:
            out.append("")
        prefix = indent + " " * extra
        if raw:
            for line in lines:
                lead = " " * (cell_width(line) - cell_width(line.lstrip()))
                out.extend(wrap(line.strip(), width, indent + lead, indent + lead))
        else:
            out.extend(wrap(join_lines(lines), width, prefix, prefix))
    return out
