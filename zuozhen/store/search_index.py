"""The search index: every recorded text of every round, one row per text (``search_text``).

``zuozhen search`` must find an appeal by anything written about it: its own words, theme,
共性类别 and the note taken at the session; its enterprise's name and credit code; the
units it went to; for every round the hand-off's units, handler, measures and report, the
extension reasons and legal bases, the result or on-the-spot answer (``closure``), the
rating comment and the re-visit note. Each such text is one row::

    search_text(id, appeal_id, src, src_id, field, round, body)

``src`` is the table the text comes from and ``src_id`` its row (0 for the appeal's own
texts), ``field`` says which text it is (``FIELDS`` gives the clerk's word for it) and
``round`` which hand-off round it belongs to (NULL for the appeal's own texts). A hit
therefore says where it matched, and several words can match in different places of one
appeal (they are intersected per appeal, browse.py).

The rows are kept by triggers on both engines, so every write path — the commands, bulk
imports, the benchmark generator writing with plain sqlite3 — keeps the index current
without knowing about it: an insert adds the row's texts, an update of a searched column
replaces them, a delete removes them. The enterprise's name is copied to each of its
appeals (a rename, which is rare, rewrites them).

* SQLite: ``search_text`` is a plain table, and ``search_fts`` an FTS5 index with the
  trigram tokenizer over its ``body`` (external content, kept by triggers on
  ``search_text``): any substring of three or more characters is found through the index,
  in any script; shorter words use LIKE on ``search_text``.
* SQLite, words of two characters: ``search_fts_bigram``, a contentless FTS5 index (schema
  8) whose document for each ``search_text`` row is the body's bigrams written as words
  (``出口退税`` → ``出口 口退 退税``), with the ``ascii`` tokenizer: every character that is
  not ASCII, and ASCII letters and digits, belong to a word; ASCII letters are folded to
  lower case, as LIKE folds them. A two-character word without ASCII punctuation is found
  by looking up its one token: exactly the rows whose body contains it (search.py). The
  bigrams are written in SQL by triggers on ``search_text`` (``_BIGRAMS``), so every
  write path keeps them, as it keeps the trigram index. A bulk import's texts are fed to
  both indexes at the end of its block instead (``bulk``), the bigrams made in Python.
* PostgreSQL: ILIKE on ``search_text.body``, served by a ``pg_trgm`` GIN index from three
  characters on.

``create(conn)`` builds it on a new case file; ``create(conn, fill=True)`` also indexes the
rows already there (the schema migration that introduced it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

#: field code → the clerk's word for where a text was found.
FIELDS = {
    "text": "诉求内容",
    "theme": "主题",
    "class": "共性类别",
    "hearing_note": "坐诊备注",
    "units": "承办单位",
    "enterprise": "企业名称",
    "uscc": "统一社会信用代码",
    "handoff_units": "交办单位",
    "handler": "承办人",
    "measures": "办理措施",
    "report": "反馈内容",
    "legal_basis": "法定时限依据",
    "extension_reason": "延期理由",
    "extension_basis": "延期依据",
    "answer": "现场答复",
    "result": "办理结果",
    "rating_comment": "评价意见",
    "revisit_note": "回访情况",
    "end_reason": "撤回、作废或合并的原因",
    "return_reason": "退回理由",
    "progress": "阶段进展或分工部分",
}

_ENTERPRISE = (
    "(SELECT e.name FROM booking b JOIN enterprise e ON e.uscc = b.uscc"
    " WHERE b.id = {r}.booking_id)"
)
_USCC = "(SELECT b.uscc FROM booking b WHERE b.id = {r}.booking_id)"


@dataclass(frozen=True, slots=True)
class Source:
    """A table holding searched texts: which columns, and how a row names its appeal."""

    table: str
    key: str | None  # the row's id column; None: the appeal itself (src_id 0)
    appeal: str  # the column naming the appeal
    round: str | None  # the column of the round; None: the appeal's own texts
    fields: tuple[tuple[str, str], ...]  # (field, expression over row ``{r}``)
    watch: tuple[str, ...]  # columns whose change rewrites the row's texts


SOURCES = (
    Source(
        "appeal",
        None,
        "id",
        None,
        (
            ("text", "{r}.text"),
            ("theme", "{r}.theme"),
            ("class", "{r}.problem_class"),
            ("hearing_note", "{r}.hearing_note"),
            ("units", "{units}"),
            ("enterprise", _ENTERPRISE),
            ("uscc", _USCC),
            ("end_reason", "{r}.end_reason"),
        ),
        ("text", "theme", "problem_class", "hearing_note", "units", "booking_id", "end_reason"),
    ),
    Source(
        "handoff",
        "id",
        "appeal_id",
        "round",
        (
            ("handoff_units", "{units}"),
            ("handler", "{r}.handler"),
            ("measures", "{r}.measures"),
            ("report", "{r}.report_text"),
            ("legal_basis", "{r}.legal_basis"),
            ("return_reason", "{r}.return_reason"),
        ),
        ("units", "handler", "measures", "report_text", "legal_basis", "return_reason", "round"),
    ),
    Source(
        "extension",
        "id",
        "appeal_id",
        "round",
        (("extension_reason", "{r}.reason"), ("extension_basis", "{r}.basis")),
        ("reason", "basis", "round"),
    ),
    Source(
        "closure",
        "id",
        "appeal_id",
        "round",
        (
            ("answer", "CASE WHEN {r}.on_spot THEN {r}.result END"),
            ("result", "CASE WHEN {r}.on_spot THEN NULL ELSE {r}.result END"),
        ),
        ("result", "on_spot", "round"),
    ),
    Source(
        "rating", "id", "appeal_id", "round", (("rating_comment", "{r}.comment"),), ("comment",)
    ),
    Source("revisit", "id", "appeal_id", "round", (("revisit_note", "{r}.note"),), ("note",)),
    Source("progress", "id", "appeal_id", "round", (("progress", "{r}.text"),), ("text",)),
)

# -- the texts of one row, in SQL --------------------------------------------------------


def _units(dialect: str, column: str) -> str:
    """A JSON list of units as the clerk writes it: 省财政厅、省税务局."""
    if dialect == "postgresql":
        return f"search_units({column})"
    return (
        "(SELECT group_concat(value, '、') FROM json_each("
        f"CASE WHEN json_valid({column}) AND json_type({column}) = 'array' THEN {column}"
        " ELSE '[]' END))"
    )


def _texts(dialect: str, s: Source, r: str, source: str = "") -> str:
    """SELECT of the row's texts (appeal_id, src, src_id, field, round, body).

    ``r`` names the row: ``new``/``old`` in a trigger, or a table alias defined by
    ``source`` (a FROM clause) when indexing rows in bulk."""
    key = f"{r}.{s.key}" if s.key else "0"
    rnd = f"{r}.{s.round}" if s.round else "CAST(NULL AS INTEGER)"
    parts = [
        f"SELECT {r}.{s.appeal} AS appeal_id, '{s.table}' AS src, {key} AS src_id,"
        f" '{field}' AS field, {rnd} AS round,"
        f" {expr.format(r=r, units=_units(dialect, f'{r}.units'))} AS body{source}"
        for field, expr in s.fields
    ]
    return " UNION ALL ".join(parts)


_COLUMNS = "appeal_id, src, src_id, field, round, body"


def _insert(dialect: str, s: Source, r: str, source: str = "") -> str:
    return (
        f"INSERT INTO search_text ({_COLUMNS}) SELECT {_COLUMNS} FROM"
        f" ({_texts(dialect, s, r, source)}) AS x WHERE body <> ''"
    )


def _delete(s: Source, r: str) -> str:
    key = f"{r}.{s.key}" if s.key else "0"
    return (
        f"DELETE FROM search_text WHERE appeal_id = {r}.{s.appeal}"
        f" AND src = '{s.table}' AND src_id = {key}"
    )


def _changed(s: Source) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in s.watch)


# -- SQLite ----------------------------------------------------------------------------

_SQLITE_TABLE = [
    """CREATE TABLE search_text (
         id INTEGER PRIMARY KEY,
         appeal_id TEXT NOT NULL,
         src TEXT NOT NULL,
         src_id INTEGER NOT NULL,
         field TEXT NOT NULL,
         round INTEGER,
         body TEXT NOT NULL
       )""",
    "CREATE INDEX ix_search_text_appeal ON search_text (appeal_id, src, src_id)",
]

_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "body, content='search_text', content_rowid='id', tokenize='trigram')",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    """CREATE TRIGGER search_text_ai AFTER INSERT ON search_text BEGIN
         INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body);
       END""",
    """CREATE TRIGGER search_text_ad AFTER DELETE ON search_text BEGIN
         INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body);
       END""",
    """CREATE TRIGGER search_text_au AFTER UPDATE ON search_text BEGIN
         INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body);
         INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body);
       END""",
]


#: The bigrams of a body as words (``出口退税`` → ``出口 口退 退税``; a body of one character is
#: itself), in SQL a trigger may hold (no WITH clause): ``json_each`` over a list of
#: ``length - 1`` zeros gives the positions. The delete trigger recomputes the same words
#: from the old body, as a contentless FTS5 table requires.
_BIGRAMS = (
    "(SELECT group_concat(substr({b}, key + 1, 2), ' ') FROM json_each("
    "'[0' || replace(hex(zeroblob(length({b}) - 2)), '00', ',0') || ']'))"
)
BIGRAM_TABLE = "search_fts_bigram"


def bigrams(body: str) -> str:
    """The same words as ``_BIGRAMS`` computes in SQL (tests compare them)."""
    return " ".join(body[k : k + 2] for k in range(max(len(body) - 1, 1)))


def bigram_statements(*, fill: bool = False) -> list[str]:
    """The bigram index of two-character words (SQLite only; schema 8), with ``fill``
    also the statement indexing the rows already in ``search_text``."""
    t = BIGRAM_TABLE
    old, new = _BIGRAMS.format(b="old.body"), _BIGRAMS.format(b="new.body")
    delete = f"INSERT INTO {t}({t}, rowid, body) VALUES ('delete', old.id, {old})"
    insert = f"INSERT INTO {t}(rowid, body) VALUES (new.id, {new})"
    backfill = (
        [f"INSERT INTO {t}(rowid, body) SELECT id, {_BIGRAMS.format(b='body')} FROM search_text"]
        if fill
        else []
    )
    return [
        f"CREATE VIRTUAL TABLE {t} USING fts5(body, content='', tokenize='ascii', detail='none')",
        *backfill,
        f"CREATE TRIGGER search_text_bi AFTER INSERT ON search_text BEGIN {insert}; END",
        f"CREATE TRIGGER search_text_bd AFTER DELETE ON search_text BEGIN {delete}; END",
        "CREATE TRIGGER search_text_bu AFTER UPDATE OF body ON search_text"
        f" WHEN old.body IS NOT new.body BEGIN {delete}; {insert}; END",
    ]


def _sqlite_triggers() -> list[str]:
    out = []
    for s in SOURCES:
        t = s.table
        out += [
            f"CREATE TRIGGER search_{t}_ai AFTER INSERT ON {t} BEGIN"
            f" {_insert('sqlite', s, 'new')}; END",
            f"CREATE TRIGGER search_{t}_au AFTER UPDATE OF {', '.join(s.watch)} ON {t}"
            f" WHEN {_changed(s)} BEGIN {_delete(s, 'old')}; {_insert('sqlite', s, 'new')}; END",
            f"CREATE TRIGGER search_{t}_ad AFTER DELETE ON {t} BEGIN {_delete(s, 'old')}; END",
        ]
    out.append(
        """CREATE TRIGGER search_enterprise_au AFTER UPDATE OF name ON enterprise
           WHEN old.name IS NOT new.name BEGIN
             DELETE FROM search_text WHERE src = 'appeal' AND field = 'enterprise'
               AND appeal_id IN (SELECT a.id FROM booking b JOIN appeal a
                                 ON a.booking_id = b.id WHERE b.uscc = new.uscc);
             INSERT INTO search_text (appeal_id, src, src_id, field, round, body)
               SELECT a.id, 'appeal', 0, 'enterprise', NULL, new.name
               FROM booking b JOIN appeal a ON a.booking_id = b.id
               WHERE b.uscc = new.uscc AND new.name <> '';
           END"""
    )
    return out


# -- PostgreSQL ------------------------------------------------------------------------

_PG_TABLE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE search_text (
         id BIGSERIAL PRIMARY KEY,
         appeal_id VARCHAR NOT NULL,
         src VARCHAR NOT NULL,
         src_id BIGINT NOT NULL,
         field VARCHAR NOT NULL,
         round INTEGER,
         body TEXT NOT NULL
       )""",
    "CREATE INDEX ix_search_text_appeal ON search_text (appeal_id, src, src_id)",
    # A unit list that is not a JSON array (a damaged row) is indexed as nothing, as on
    # SQLite, instead of failing the write.
    """CREATE FUNCTION search_units(u text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
       BEGIN
         RETURN (SELECT string_agg(x, '、' ORDER BY n)
                 FROM json_array_elements_text(u::json) WITH ORDINALITY AS t(x, n));
       EXCEPTION WHEN others THEN
         RETURN NULL;
       END $$""",
]

_PG_INDEX = ["CREATE INDEX ix_search_text_trgm ON search_text USING gin (body gin_trgm_ops)"]


def _pg_triggers() -> list[str]:
    out = []
    for s in SOURCES:
        t = s.table
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in s.watch)
        out += [
            f"""CREATE FUNCTION search_{t}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP IN ('UPDATE', 'DELETE') THEN {_delete(s, "OLD")}; END IF;
                  IF TG_OP IN ('UPDATE', 'INSERT') THEN {_insert("postgresql", s, "NEW")}; END IF;
                  RETURN NULL;
                END $$""",
            f"CREATE TRIGGER search_{t} AFTER INSERT OR DELETE ON {t}"
            f" FOR EACH ROW EXECUTE FUNCTION search_{t}()",
            f"CREATE TRIGGER search_{t}_au AFTER UPDATE OF {', '.join(s.watch)} ON {t}"
            f" FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION search_{t}()",
        ]
    out += [
        """CREATE FUNCTION search_enterprise() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             DELETE FROM search_text s USING booking b, appeal a
               WHERE b.uscc = NEW.uscc AND a.booking_id = b.id AND s.appeal_id = a.id
                 AND s.src = 'appeal' AND s.field = 'enterprise';
             INSERT INTO search_text (appeal_id, src, src_id, field, round, body)
               SELECT a.id, 'appeal', 0, 'enterprise', NULL, NEW.name
               FROM booking b JOIN appeal a ON a.booking_id = b.id
               WHERE b.uscc = NEW.uscc AND NEW.name <> '';
             RETURN NULL;
           END $$""",
        "CREATE TRIGGER search_enterprise_au AFTER UPDATE OF name ON enterprise FOR EACH ROW"
        " WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_enterprise()",
    ]
    return out


# -- building it -----------------------------------------------------------------------


def statements(dialect: str, *, fill: bool = False, short_words: bool = True) -> list[str]:
    """The DDL of the index, and with ``fill`` the statements indexing existing rows.

    Existing rows are indexed in bulk before the triggers exist (one INSERT … SELECT per
    table, then FTS5's ``rebuild``), which is much faster than row by row. ``short_words``
    False leaves out the bigram index (SQLite), for the migration to schema 4 of an old
    file: schema 8 adds it (``bigram_statements``).
    """
    backfill = [_insert(dialect, s, "r", f" FROM {s.table} AS r") for s in SOURCES] if fill else []
    if dialect == "sqlite":
        short = bigram_statements(fill=fill) if short_words else []
        return [*_SQLITE_TABLE, *backfill, *_SQLITE_FTS, *short, *_sqlite_triggers()]
    if dialect == "postgresql":
        return [*_PG_TABLE, *backfill, *_PG_INDEX, *_pg_triggers()]
    raise ValueError(f"no search index for {dialect}")


def create(conn: Any, *, fill: bool = False, short_words: bool = True) -> None:
    """Build the index on a SQLAlchemy connection (inside the caller's transaction)."""
    for sql in statements(conn.dialect.name, fill=fill, short_words=short_words):
        conn.exec_driver_sql(sql)


#: SQLite 3.35 and later take ``WITH … AS MATERIALIZED`` (a bulk block's rows read once).
_MATERIALIZED = sqlite3.sqlite_version_info >= (3, 35)

#: The triggers on ``search_text`` that feed the FTS5 indexes a row at a time (a bulk block
#: drops them and feeds the rows it added in one statement each, ``_feed``).
_FEEDS = ("search_text_ai", "search_text_bi")


def _feed(conn: Any, after: int, names: set[str]) -> None:
    """Index in FTS5 the ``search_text`` rows with an id above ``after``, as the triggers
    ``names`` would have one by one (the same rowids and bodies, the same bigram words)."""
    if "search_text_ai" in names:
        conn.exec_driver_sql(
            "INSERT INTO search_fts(rowid, body) SELECT id, body FROM search_text WHERE id > ?",
            (after,),
        )
    if "search_text_bi" in names:
        raw = conn.connection.dbapi_connection
        raw.create_function(_PY_BIGRAMS, 1, _bigrams_or_none, deterministic=True)
        t = BIGRAM_TABLE
        conn.exec_driver_sql(
            f"INSERT INTO {t}(rowid, body) SELECT id, coalesce({_PY_BIGRAMS}(body),"
            f" {_BIGRAMS.format(b='body')}) FROM search_text WHERE id > ?",
            (after,),
        )


#: ``bigrams`` as an SQL function of the connection feeding a bulk block's texts (cheaper
#: than ``_BIGRAMS``'s JSON list per text).
_PY_BIGRAMS = "zuozhen_bigrams"


def _bigrams_or_none(body: str) -> str | None:
    """``bigrams(body)``, the same words as ``_BIGRAMS`` for a text without NUL (where
    Python's characters are SQLite's); None for one with it, which ``_BIGRAMS`` then makes
    (SQLite's text functions count characters up to a NUL)."""
    if not isinstance(body, str) or "\x00" in body:
        return None
    if len(body) < 3:  # no pair, or one: the text itself
        return body
    return " ".join(map(str.__add__, body, body[1:]))  # ``bigrams``, pairs by zip


def _triggers(conn: Any, names: tuple[str, ...]) -> dict[str, str]:
    marks = ", ".join("?" for _ in names)
    rows = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
        names,
    )
    return {name: sql for name, sql in rows}


@contextmanager
def bulk(conn: Any, table: str, by: str | None = None) -> Iterator[Callable[[list[str]], None]]:
    """Insert many rows of ``table`` and index them in a few statements (a bulk import).

    On SQLite the table's per-row insert trigger is dropped for the block (DDL is part of
    the caller's transaction, so a rollback restores it) and the rows are indexed by the
    function yielded, given their ids (or the values of column ``by``: the appeal ids of
    new appeals' hand-offs), with one INSERT … SELECT per 500; the trigger is created
    again at the end. The triggers feeding the FTS5 indexes from ``search_text`` are
    dropped too, and the texts the block added (ids above the largest before it: the
    block only adds texts) are fed to them at its end in one statement per index, which
    costs less than a trigger program per text. PostgreSQL keeps its trigger (the
    function does nothing)."""
    s = next(s for s in SOURCES if s.table == table)
    if conn.dialect.name != "sqlite":
        yield lambda ids: None
        return
    name = f"search_{table}_ai"
    ddl = _triggers(conn, (name,)).get(name)
    if ddl is None:  # not there (an index being rebuilt): rows are indexed by the caller
        yield lambda ids: None
        return
    key = by or s.key or "id"

    def index(ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ", ".join(f"?{k}" for k in range(1, len(part) + 1))  # reused by each part
            if _MATERIALIZED:  # the rows looked up once, not once per text of a row
                rows = f"SELECT * FROM {table} WHERE {key} IN ({marks})"
                sql = f"WITH r AS MATERIALIZED ({rows}) {_insert('sqlite', s, 'r', ' FROM r')}"
            else:
                sql = _insert("sqlite", s, "r", f" FROM {table} AS r WHERE r.{key} IN ({marks})")
            conn.exec_driver_sql(sql, tuple(part))

    feeds = _triggers(conn, _FEEDS)
    after = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM search_text").scalar()
    for drop in (name, *feeds):
        conn.exec_driver_sql(f"DROP TRIGGER {drop}")
    try:
        yield index
        _feed(conn, after, set(feeds))
    finally:
        for sql in (ddl, *feeds.values()):
            conn.exec_driver_sql(sql)
