"""``withdrawal.text_key`` (duplicate hints of intake, book and their imports): the text as
compared, NFKC and case folded without characters of the categories P, S, Z and C."""

from __future__ import annotations

import random
import unicodedata

from zuozhen.withdrawal import likely_duplicates, text_key


def by_definition(text: str) -> str:
    norm = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in norm if unicodedata.category(ch)[0] not in "PSZC")


def test_text_key_is_its_definition_for_random_texts() -> None:
    """Control characters, spaces of every kind, ASCII and full-width punctuation,
    symbols, CJK, emoji, private use: the translate table keeps and drops the same."""
    rng = random.Random(14)
    codes = [*range(0x3100), *range(0x4E00, 0x4F00), *range(0xFF00, 0xFFF0)]
    pool = [chr(c) for c in (*codes, 0x1F600, 0xE000, 0xFFFF, 0x10FFFF, 0x2028)]
    for _ in range(3000):
        t = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        assert text_key(t) == by_definition(t), repr(t)
    assert text_key("电费补贴。 ") == text_key("电费补贴") == "电费补贴"
    assert text_key("ＡＢＣ\u3000d-e") == "abcde"


def test_duplicates_found_with_the_keys() -> None:
    found = likely_duplicates([("A-2", "电费补贴，何时到账？")], [("A-1", "电费补贴何时到账")])
    assert [(d.appeal, d.like) for d in found] == [("A-2", "A-1")]
