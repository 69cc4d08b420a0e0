"""Short words through the bigram index (schema 8): the same answers as a plain scan.

A word of two characters is looked up in ``search_fts_bigram`` (store/search_index.py)
instead of a LIKE over every text. These tests hold it to LIKE's meaning exactly — a
substring, ASCII letters folded, other characters literal, every round's texts, ledger
items left out — for random texts and queries (a seeded random test: hypothesis is not a
dependency), through the real CLI after writes, corrections and replacements, and on a
schema-7 file upgraded by migration 8.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from tests.factories import make_case, query, tamper, unchanged
from tests.factories import must as must_cli
from tests.factories import run_cli as run
from tests.test_search import A2, B2, build_office
from zuozhen.search import _matching
from zuozhen.store import search_index

# CJK, ASCII letters of both cases, digits, ASCII and full-width punctuation, spaces.
ALPHABET = '出口退税企业电费融资报关茶园道路abAB09xX,._%!"*()- ，。！“”'
APPEALS = [f"2026{k:02d}-001-1" for k in range(1, 31)] + ["L2026-01-001", "L2026-01-002"]


def fold(s: str) -> str:
    """LIKE's case folding: ASCII letters only."""
    return s.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


def scan(rows: dict[int, tuple[str, str]], words: list[str]) -> set[str]:
    """The appeals (not ledger items) with every word in some text: a plain ``in`` test."""
    texts: dict[str, list[str]] = {}
    for appeal, body in rows.values():
        texts.setdefault(appeal, []).append(fold(body))
    return {
        a
        for a, bodies in texts.items()
        if not a.startswith("L") and all(any(fold(w) in b for b in bodies) for w in words)
    }


def indexed(conn: sqlite3.Connection, words: list[str]) -> set[str]:
    sql, params = _matching("sqlite", words)
    return {row[0] for row in conn.execute(sql, params)}


def text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14)))


def test_random_texts_and_words_find_what_a_scan_finds(tmp_path: Path) -> None:
    """Random texts written, rewritten and deleted through the triggers; random queries of
    one to three words of one to four characters: the indexed answer is the scan's."""
    db = tmp_path / "case.db"
    make_case(db).close()
    rng = random.Random(20261208)
    conn = sqlite3.connect(db)
    rows: dict[int, tuple[str, str]] = {}
    for _ in range(400):
        appeal, body = rng.choice(APPEALS), text(rng)
        cur = conn.execute(
            "INSERT INTO search_text (appeal_id, src, src_id, field, round, body)"
            " VALUES (?, 'appeal', 0, 'text', NULL, ?)",
            (appeal, body),
        )
        assert cur.lastrowid is not None
        rows[cur.lastrowid] = (appeal, body)
    for key in rng.sample(sorted(rows), 120):  # rewritten texts and deleted ones
        if rng.random() < 0.5:
            body = text(rng)
            conn.execute("UPDATE search_text SET body = ? WHERE id = ?", (body, key))
            rows[key] = (rows[key][0], body)
        else:
            conn.execute("DELETE FROM search_text WHERE id = ?", (key,))
            del rows[key]
    conn.commit()
    checked = {1: 0, 2: 0, 3: 0, 4: 0}
    for _ in range(600):
        words = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            size = rng.randint(1, 4)
            body = rng.choice(list(rows.values()))[1]
            if rng.random() < 0.7 and len(body) >= size:  # mostly words that occur
                at = rng.randrange(len(body) - size + 1)
                word = body[at : at + size]
            else:
                word = "".join(rng.choice(ALPHABET) for _ in range(size))
            word = "".join(word.split())
            if word and rng.random() < 0.3:
                word = word.swapcase()
            if word and fold(word) not in {fold(w) for w in words}:
                words.append(word)
                checked[len(word)] += 1
        if words:
            assert indexed(conn, words) == scan(rows, words), words
    conn.close()
    assert min(checked.values()) > 50, checked  # every length was tried, often


def test_the_bigram_words_of_a_text(tmp_path: Path) -> None:
    """The SQL the triggers run writes the words ``bigrams`` describes, and a body's
    index entries go with it (a contentless index must be told the same words)."""
    db = tmp_path / "case.db"
    make_case(db).close()
    conn = sqlite3.connect(db)
    expr = search_index._BIGRAMS.format(b="?1")
    for body in ("出", "出口", "出口退税", "Ab,c d", "“出口”。", "a" * 4000):
        (words,) = conn.execute(f"SELECT {expr}", (body,)).fetchone()
        assert words == search_index.bigrams(body)
    assert search_index.bigrams("出口退税") == "出口 口退 退税"
    conn.close()


def found(db: str, *words: str) -> dict[str, list[tuple[str, int | None]]]:
    doc = must_cli(db, "search", *words, "--json")
    return {a["id"]: [(m["field"], m["round"]) for m in a["matches"]] for a in doc["appeals"]}


@pytest.fixture
def office(tmp_path: Path) -> str:
    db = str(tmp_path / "case.db")
    build_office(db)
    return db


def test_two_character_words_after_writes_corrections_and_replacements(office: str) -> None:
    db = office
    # Written through the commands: a unit's report, a re-visit note, an extension's reason.
    assert found(db, "列入") == {A2: [("report", 1)]}  # 反馈标记：道路已列入计划
    assert found(db, "完工") == {A2: [("revisit_note", 1)]}  # 回访标记：道路确未完工
    assert found(db, "林草", "专班") == {A2: [("handoff_units", 1), ("measures", 1),
                                           ("extension_reason", 1)]}  # fmt: skip
    # The report of round 2, written now.
    must_cli(db, "assign", "report", A2, "--text", "第二轮反馈：桥梁合龙", today="2026-10-28")
    assert found(db, "合龙") == {A2: [("report", 2)]}
    # Corrected (amend): the old words are gone, the new ones found.
    must_cli(db, "amend", A2, "--measures", "限期整改", "--reason", "措施录错",
             today="2026-10-28")  # fmt: skip
    assert found(db, "挂牌") == {}  # round 2's measures were 第二轮措施：挂牌督办
    assert found(db, "整改") == {A2: [("measures", 2)]}
    assert found(db, "专班") == {A2: [("measures", 1)]}  # round 1 keeps its own
    must_cli(db, "amend", B2, "--text", "海关查验时间过长", "--reason", "诉求录错",
             today="2026-10-28")  # fmt: skip
    assert found(db, "报关") == {}  # 出口报关手续复杂, replaced
    assert found(db, "查验") == {B2: [("text", None)]}
    assert B2 not in found(db, "出口")
    # Two short words in different texts of one appeal; a word with ASCII punctuation or
    # of one character falls back to LIKE with the same meaning.
    assert found(db, "合龙", "整改") == {A2: [("measures", 2), ("report", 2)]}
    assert set(found(db, "0%")) == set(found(db, "100%"))
    assert set(found(db, "龙")) == {A2}


def test_ledger_items_are_indexed_but_not_found(office: str) -> None:
    """A ledger item's texts are in the index like any other (its own commands find them),
    and ``search`` leaves ledger items out, as it always has."""
    db = office
    lid = must_cli(db, "ledger", "new", "--name", "重点问题清单", "--source", "领导小组",
                   "--year", "2026", "--json", today="2026-10-28")["id"]  # fmt: skip
    must_cli(db, "ledger", "add", lid, "--item", "冷链仓储用地指标不足", "--unit", "省商务厅",
             "--measures", "统筹年度用地", "--due", "2026-12-30", today="2026-10-28")  # fmt: skip
    rows = query(
        db,
        "SELECT count(*) FROM search_text WHERE id IN (SELECT rowid FROM search_fts_bigram"
        " WHERE search_fts_bigram MATCH '\"冷链\"') AND appeal_id LIKE 'L%'",
    )
    assert rows == [(1,)]
    with unchanged(db):
        assert found(db, "冷链") == {}


def test_a_schema_7_file_is_upgraded_and_indexed(office: str) -> None:
    """Migration 8 on a file without the bigram index (a schema-7 file: the index and its
    triggers dropped, the version unstamped): indexed from the texts already there, kept
    for the writes after, and ``verify`` content."""
    db = office
    before = found(db, "出口", "退税")
    assert before
    tamper(
        db,
        "DROP TRIGGER search_text_bi",
        "DROP TRIGGER search_text_bd",
        "DROP TRIGGER search_text_bu",
        "DROP TABLE search_fts_bigram",
        "DELETE FROM schema_migration WHERE version = 8",
    )
    assert query(db, "SELECT max(version) FROM schema_migration") == [(7,)]
    checked = run(db, "verify", "--json")
    assert checked.code == 0 and checked.json()["ok"] is True, checked.stderr
    assert query(db, "SELECT max(version) FROM schema_migration") == [(8,)]
    (name, detail) = query(
        db, "SELECT s.name, t.detail FROM schema_migration s JOIN trail t"
        " ON t.action = 'migrate' AND t.entity_id = '8' WHERE s.version = 8"
    )[0]  # fmt: skip
    assert name == "short_words" and '"texts"' in detail
    assert list(Path(db).parent.glob("case.db.v7-*.bak"))  # the backup copy, as always
    assert found(db, "出口", "退税") == before
    bodies = dict(query(db, "SELECT id, body FROM search_text"))
    for word in ("出口", "退税", "道路", "标记", "a1"):
        hits = {
            k
            for (k,) in query(
                db,
                "SELECT rowid FROM search_fts_bigram WHERE search_fts_bigram MATCH ?",
                f'"{word}"',
            )
        }
        assert hits == {k for k, b in bodies.items() if word in fold(b)}, word
    must_cli(db, "assign", "report", A2, "--text", "第二轮反馈：桥梁合龙", today="2026-10-28")
    assert found(db, "合龙") == {A2: [("report", 2)]}


def test_the_bulk_bigram_function_is_bigrams() -> None:
    rng = random.Random(3)
    for body in ["", "a", "出口", "出口退", *(text(rng) for _ in range(500))]:
        assert search_index._bigrams_or_none(body) == search_index.bigrams(body)
    assert search_index._bigrams_or_none("a\x00b") is None


def test_a_bulk_block_indexes_what_the_triggers_index(tmp_path: Path) -> None:
    """Texts added inside ``search_index.bulk`` (its FTS5 feeding triggers dropped, the
    texts fed at its end, bigrams made in Python where SQLite's are the same, in SQL for a
    text with NUL) give both indexes the postings the triggers give the same texts."""
    from sqlalchemy import create_engine

    from tests.test_intake_import import _postings

    rng = random.Random(7)
    bodies = [text(rng) for _ in range(300)] + ["a", "出", "ab\x00cd", "\x00x", "退税\x00退税"]
    rows = [(k, rng.choice(APPEALS), b) for k, b in enumerate(bodies, 1)]
    sql = (
        "INSERT INTO search_text (id, appeal_id, src, src_id, field, round, body)"
        " VALUES (?, ?, 'appeal', 0, 'text', NULL, ?)"
    )
    bulk_db, ref_db = tmp_path / "bulk.db", tmp_path / "ref.db"
    for db in (bulk_db, ref_db):
        make_case(db).close()
    with sqlite3.connect(ref_db) as ref:
        ref.executemany(sql, rows)
    engine = create_engine(f"sqlite:///{bulk_db}")
    with engine.begin() as conn:
        conn.exec_driver_sql(sql, rows[0])  # before the block: by the triggers
        with search_index.bulk(conn, "appeal"):
            conn.exec_driver_sql(sql, rows[1:])
    engine.dispose()
    got, want = sqlite3.connect(bulk_db), sqlite3.connect(ref_db)
    got.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
    for table in ("search_fts", "search_fts_bigram"):
        assert _postings(got, table) == _postings(want, table), table
    triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    assert got.execute(triggers).fetchall() == want.execute(triggers).fetchall()
    assert indexed(got, ["退税"]) == indexed(want, ["退税"])
