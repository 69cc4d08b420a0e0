"""``zuozhen search``: every recorded text of every round, several words all matching.

Words are split on white space (a full-width space too); every character is literal;
control and invisible characters are left out with a note. Words of three or more
characters go through the trigram index (store/search_index.py: FTS5 on SQLite, pg_trgm on
PostgreSQL); on SQLite words of two characters go through the bigram index; other words
are matched with LIKE, on the indexed words' hits when there are any. Each appeal found
says where each word matched (field and round).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zuozhen import states
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader
from zuozhen.store.search_index import BIGRAM_TABLE, FIELDS
from zuozhen.validation import (
    MAX_TEXT,
)

# -- search ----------------------------------------------------------------------------

#: At most this many words; a word longer than any recorded text (validation.MAX_TEXT)
#: could never match.
MAX_WORDS = 10
#: The trigram index finds words of at least this many characters; shorter ones use LIKE.
TRIGRAM = 3
#: Words of exactly this many characters use the bigram index (SQLite), when every
#: character belongs to a word of its ``ascii`` tokenizer (not ASCII punctuation).
BIGRAM = 2
_FIELD_ORDER = {name: k for k, name in enumerate(FIELDS)}
_LATIN = re.compile("[A-Za-z]")  # letters whose case LIKE folds


@dataclass(frozen=True, slots=True)
class Found:
    """Appeals with every word somewhere in their texts, and where each matched."""

    words: list[str]
    total: int  # all matching appeals; ``appeals`` holds the first ``limit`` of them
    appeals: list[dict[str, Any]]
    ignored: int  # invisible control characters taken out of the query

    def as_json(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "total": self.total,
            "ignored_characters": self.ignored,
            "appeals": self.appeals,
        }


def search_words(query: str | Sequence[str]) -> tuple[list[str], int]:
    """The words of a query and how many invisible characters were taken out of it.

    Words are split at any whitespace (a full-width space too); control and other
    invisible characters (a NUL from a script or a pasted clipboard, a zero-width space)
    are taken out, exactly as when texts are recorded (validation.clean_text), so a query
    copied from a recorded text still finds it. Every other character is literal.
    """
    raw = query if isinstance(query, str) else " ".join(query)
    words, seen, ignored = [], set(), 0
    for part in raw.split():
        word = "".join(ch for ch in part if ch.isprintable())
        ignored += len(part) - len(word)
        if word and word.lower() not in seen:
            seen.add(word.lower())
            words.append(word)
    if not words:
        if ignored:
            raise InputError(
                f"搜索内容只有 {ignored} 个不可见的控制字符（如 NUL），没有可搜索的文字："
                "请输入要查找的文字，例如 zuozhen search 电费。"
            )
        raise InputError(
            "请给出要搜索的文字，例如 zuozhen search 电费，或 zuozhen search 出口 退税。"
        )
    if len(words) > MAX_WORDS:
        raise InputError(
            f"搜索词太多（{len(words)} 个）：最多 {MAX_WORDS} 个，词之间用空格分开，请只保留关键词。"
        )
    long = [w for w in words if len(w) > MAX_TEXT]
    if long:
        raise InputError(
            f"搜索词过长（{len(long[0])} 字）：记录的文字最长 {MAX_TEXT} 字，请用其中的几个关键词搜索。"
        )
    return words, ignored


def search(r: Reader, query: str | Sequence[str], limit: int = 100) -> Found:
    """Appeals whose recorded texts, of any round, contain every word (search_index.py).

    Each word is looked up on its own and the appeals intersected, so the words may sit in
    different texts (the enterprise's name and a unit's report). Words of three or more
    characters go through the index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), and on
    SQLite words of two characters through the bigram index; when there is one, other
    words are only checked on the appeals it found; otherwise the first word is a LIKE
    over every text.
    """
    if not 1 <= limit <= 10_000:
        raise InputError(f"--limit {limit} 不合理：请写 1 到 10000 之间的条数。")
    words, ignored = search_words(query)
    by_ref, rest = _refs(r, words)
    found: set[str] | None = None
    if by_ref:
        found = set.intersection(*by_ref.values())
    if rest and found != set():
        sql, params = _matching(r.dialect, rest)
        hits = {row["appeal_id"] for row in r.iter(sql, params)}
        found = hits if found is None else found & hits
    ids = sorted(found or ())
    items = _describe(r, ids[:limit], rest)
    for item in items:  # the channel's number (12345 工单编号) is a match of its own
        for ref in by_ref:
            item["matches"].insert(
                0,
                {
                    "field": "ref",
                    "label": "工单编号",
                    "round": None,
                    "words": [ref],
                    "excerpt": ref,
                },
            )
    return Found(words, len(ids), items, ignored)


def _refs(r: Reader, words: list[str]) -> tuple[dict[str, set[str]], list[str]]:
    """Words that are a channel's own number (工单编号, ``booking.ref``): the appeals of
    each, looked up through the (channel, ref) index; and the other words."""
    channels = {f"c{k}": c.name for k, c in enumerate(r.config.channels)}
    among = ", ".join(f":{k}" for k in channels)
    by_ref: dict[str, set[str]] = {}
    rest: list[str] = []
    for w in words:
        rows = r.rows(
            "SELECT a.id FROM booking b JOIN appeal a ON a.booking_id = b.id"
            f" WHERE b.channel IN ({among}) AND b.ref = :ref",
            {**channels, "ref": w},
        )
        if rows:
            by_ref[w] = {row["id"] for row in rows}
        else:
            rest.append(w)
    return by_ref, rest


def _matching(dialect: str, words: list[str]) -> tuple[str, dict[str, str]]:
    """SQL of the ids of the appeals matching every word (repeated when several of an
    appeal's texts match: the caller makes them unique, which lets SQLite scan the table
    in storage order instead of walking an index)."""
    params: dict[str, str] = {}

    def holds(i: int, column: str) -> str:
        w = words[i]
        if dialect == "sqlite" and not _LATIN.search(w):
            params[f"w{i}"] = w  # no letter case to fold: a plain substring test is faster
            return f"instr({column}, :w{i}) > 0"
        params[f"l{i}"] = "%" + w.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        return f"{column} {'ILIKE' if dialect == 'postgresql' else 'LIKE'} :l{i} ESCAPE '!'"

    def rowids(i: int) -> str:  # SQLite: the texts holding word i, from its index
        table = "search_fts" if len(words[i]) >= TRIGRAM else BIGRAM_TABLE
        params[f"q{i}"] = '"' + words[i].replace('"', '""') + '"'  # one literal phrase
        return f"SELECT rowid FROM {table} WHERE {table} MATCH :q{i}"

    def hits(i: int) -> str:
        if dialect == "sqlite" and (len(words[i]) >= TRIGRAM or _bigram(words[i])):
            return f"SELECT appeal_id FROM search_text WHERE id IN ({rowids(i)})"
        return f"SELECT appeal_id FROM search_text WHERE {holds(i, 'body')}"

    indexed = [
        i for i, w in enumerate(words) if len(w) >= TRIGRAM or (dialect == "sqlite" and _bigram(w))
    ] or [0]
    found = " INTERSECT ".join(hits(i) for i in indexed)
    if dialect == "sqlite" and len(indexed) > 1:
        # Each text found by any word is read once (words found together, as they mostly
        # are, cost one lookup instead of one per word); an appeal needs a text of each.
        each = ", ".join(f"h{i} AS MATERIALIZED ({rowids(i)})" for i in indexed)
        found = (
            f"WITH {each} SELECT appeal_id FROM search_text WHERE id IN"
            f" ({' UNION '.join(f'SELECT rowid FROM h{i}' for i in indexed)})"
            f" GROUP BY appeal_id HAVING {' AND '.join(f'max(id IN h{i})' for i in indexed)}"
        )
    rest = [
        "EXISTS (SELECT 1 FROM search_text s WHERE s.appeal_id = m.appeal_id"
        f" AND {holds(i, 's.body')})"
        for i in range(len(words))
        if i not in indexed
    ]
    rest.append("m.appeal_id NOT LIKE 'L%'")  # ledger items: no enterprise's appeals
    return f"SELECT m.appeal_id FROM ({found}) m WHERE {' AND '.join(rest)}", params


def _bigram(word: str) -> bool:
    """A word the bigram index finds exactly: two characters, each either not ASCII or an
    ASCII letter or digit (the ``ascii`` tokenizer splits at ASCII punctuation)."""
    return len(word) == BIGRAM and all(not c.isascii() or c.isalnum() for c in word)


def _describe(r: Reader, ids: list[str], words: list[str]) -> list[dict[str, Any]]:
    """The appeals found, each with the texts that hold a word: field, round, an excerpt."""
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        keys = {f"a{k}": x for k, x in enumerate(ids[start : start + 500])}
        among = ", ".join(f":{k}" for k in keys)
        for x in r.iter(
            f"""SELECT a.id, a.booking_id, e.name AS enterprise, a.status, a.round, a.text
                FROM appeal a JOIN booking b ON b.id = a.booking_id
                JOIN enterprise e ON e.uscc = b.uscc WHERE a.id IN ({among})""",
            keys,
        ):
            out[x["id"]] = {
                "id": x["id"],
                "booking": x["booking_id"],
                "enterprise": x["enterprise"],
                "status": x["status"],
                "status_label": states.label(x["status"]),
                "round": x["round"],
                "text": x["text"],
                "matches": [],
            }
        for t in r.iter(
            f"SELECT appeal_id, field, round, body FROM search_text WHERE appeal_id IN ({among})",
            keys,
        ):
            folded = t["body"].lower()
            hit = [w for w in words if w.lower() in folded]
            if hit and t["appeal_id"] in out:
                out[t["appeal_id"]]["matches"].append(
                    {
                        "field": t["field"],
                        "label": FIELDS.get(t["field"], t["field"]),
                        "round": t["round"],
                        "words": hit,
                        "excerpt": _excerpt(t["body"], hit[0]),
                    }
                )
    for item in out.values():
        item["matches"].sort(
            key=lambda m: (m["round"] or 0, _FIELD_ORDER.get(m["field"], 99), m["excerpt"])
        )
    return [out[x] for x in ids if x in out]


def _excerpt(body: str, word: str, width: int = 60) -> str:
    """The text around the word's first occurrence, at most about ``width`` characters."""
    if len(body) <= width:
        return body
    at = max(body.lower().find(word.lower()), 0)
    start = max(0, min(at - width // 3, len(body) - width))
    end = start + max(width, len(word))
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")
