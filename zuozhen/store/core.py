"""What the writer (storage.py) and the fast reader (reader.py) share, written once.

* ``locate``        ``--db`` → a ``Location``: every form (a path, ``sqlite:///…`` with query
                    parameters, ``sqlite:////abs/path``, a PostgreSQL URL) means the same
                    case file to every command
* ``busy_timeout``  how long a clerk waits behind another clerk's write
* ``check_version`` the one version check: a newer file is refused, an older one upgraded
* the case-file messages (missing, unreadable, newer, without configuration)
* ``load_config`` / ``load_calendar``: the programme's configuration and working calendar,
  read by the same SQL through whichever connection the caller holds

Nothing here imports SQLAlchemy on the SQLite path: the read commands stay light. A
``sqlite:`` URL is parsed here by the rules SQLAlchemy applies (``sqlite:///`` + the file,
percent-decoded; query parameters after ``?``); ``tests/test_store.py`` checks that
SQLAlchemy reads the URL built here as the same file, so a change in SQLAlchemy fails
a test, not a clerk. Other URLs are parsed by SQLAlchemy itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode

import zuozhen
from zuozhen.errors import CaseFileError, InputError

if TYPE_CHECKING:
    from zuozhen.config import Config
    from zuozhen.deadlines import WorkCalendar

#: Concurrent clerks queue behind each other's writes for up to this long (SQLite).
BUSY_TIMEOUT_MS = 60_000

#: The query parameters a ``sqlite:`` URL may carry; ``timeout`` is in seconds (pysqlite's).
SQLITE_PARAMS = ("timeout",)


# -- where the case file is ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """One case file, however ``--db`` named it."""

    url: str  # for SQLAlchemy (a password included: never print it)
    path: Path | None  # the SQLite file, absolute; None for another database
    where: str  # for messages: the file, or the URL with its password hidden
    query: tuple[tuple[str, str], ...] = ()  # the URL's query parameters, in order

    @property
    def dialect(self) -> str:
        return "sqlite" if self.path is not None else self.url.split(":", 1)[0].split("+")[0]

    @property
    def busy_timeout_ms(self) -> int:
        """``?timeout=`` (seconds) if given, else ``BUSY_TIMEOUT_MS``; SQLite only."""
        for key, value in self.query:
            if key == "timeout":
                return round(float(value) * 1000)
        return BUSY_TIMEOUT_MS


def _bad_url(db: str, why: str) -> InputError:
    shown = re.sub(r"(://[^:/@?]*):[^@/?]*@", r"\1:***@", db)  # never echo a password
    return InputError(
        f"数据库地址“{shown}”无法识别（{why}）：请写 SQLite 文件路径（如 2026.db）、"
        "sqlite:///2026.db，或 PostgreSQL 地址 postgresql+psycopg://用户@主机/库名。"
    )


def locate(db: str) -> Location:
    """The one reading of ``--db``, shared by every command (reads and writes agree)."""
    text = (db or "").strip()
    if not text:
        raise InputError("没有指定案卷：请用 --db 或环境变量 ZUOZHEN_DB 指定案卷文件。")
    if "://" not in text:
        if text == ":memory:":
            raise _memory()
        return _sqlite_location(Path(text).expanduser(), ())
    scheme, _, rest = text.partition("://")
    backend, _, driver = scheme.lower().partition("+")
    if backend == "sqlite":
        if driver not in ("", "pysqlite"):
            raise _bad_url(db, f"不支持的 SQLite 驱动 {driver}")
        return _parse_sqlite(db, rest)
    return _other_location(db)


def _memory() -> InputError:
    return InputError("案卷不能放在内存数据库中：请写一个文件路径。")


def _parse_sqlite(db: str, rest: str) -> Location:
    # SQLAlchemy's form: sqlite:// + "/" + the file (relative, or absolute with one more
    # "/": sqlite:////srv/2026.db) + an optional "?query". Nothing may stand before the "/".
    body, _, query_text = rest.partition("?")
    if not body:
        raise _memory()
    if not body.startswith("/"):
        raise _bad_url(db, "sqlite:// 之后应为 /文件路径，例如 sqlite:///2026.db")
    database = unquote(body[1:])
    if not database or database == ":memory:":
        raise _memory()
    try:
        query = tuple(parse_qsl(query_text, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        raise _bad_url(db, f"查询参数“{query_text}”写法不对") from None
    if len({key for key, _ in query}) < len(query):
        raise _bad_url(db, "查询参数重复")
    for key, value in query:
        if key not in SQLITE_PARAMS:
            raise _bad_url(db, f"SQLite 地址不支持参数 {key}，只支持 {'、'.join(SQLITE_PARAMS)}")
        if key == "timeout":
            try:
                seconds = float(value)
            except ValueError:
                seconds = -1.0
            if not 0 <= seconds <= 86_400:
                raise _bad_url(db, f"timeout 应为等待的秒数，而不是“{value}”")
    return _sqlite_location(Path(database), query)


def _sqlite_location(path: Path, query: tuple[tuple[str, str], ...]) -> Location:
    file = path.resolve()
    # SQLAlchemy percent-decodes the file name and ends it at "?": escape just those two.
    url = "sqlite:///" + str(file).replace("%", "%25").replace("?", "%3F")
    if query:
        url += "?" + urlencode(query)
    return Location(url=url, path=file, where=str(file), query=query)


def _other_location(db: str) -> Location:
    from sqlalchemy.engine import make_url

    try:
        url = make_url(db)
    except Exception:
        raise _bad_url(db, "不是有效的数据库地址") from None
    if url.get_backend_name() != "postgresql":
        raise _bad_url(db, f"不支持的数据库 {url.get_backend_name()}，只支持 SQLite 和 PostgreSQL")
    if not url.database:
        raise _bad_url(db, "缺少数据库名")
    query: list[tuple[str, str]] = []
    for key, value in url.query.items():
        for v in (value,) if isinstance(value, str) else value:
            query.append((key, v))
    return Location(
        url=url.render_as_string(hide_password=False),
        path=None,
        where=url.render_as_string(hide_password=True),
        query=tuple(query),
    )


# -- the version check and the messages ----------------------------------------------------


def check_version(version: int) -> bool:
    """The one version check: True if the file must be upgraded; a newer file is refused."""
    latest = zuozhen.SCHEMA_VERSION
    if version > latest:
        raise newer_file(version)
    return version < latest


def newer_file(version: int) -> CaseFileError:
    return CaseFileError(
        f"案卷由更新版本的 zuozhen 创建（结构版本 {version}），本程序只支持到版本 "
        f"{zuozhen.SCHEMA_VERSION}：请升级 zuozhen 后再打开，案卷未作任何改动。"
    )


def missing_file(where: Path | str) -> CaseFileError:
    return CaseFileError(
        f"找不到案卷 {where}：请先运行 zuozhen init 创建，或用 --db 指定已有的案卷。"
    )


def unreadable(where: Path | str, error: BaseException | None = None) -> CaseFileError:
    """Not a zuozhen case file, damaged, or (a server) not reachable; ``error`` says how."""
    why = ""
    if error is not None:
        text = str(error)
        missing_table = "no such table" in text or "does not exist" in text
        why = "（没有结构版本记录）" if missing_table else f"（{type(error).__name__}）"
    return CaseFileError(
        f"无法读取案卷 {where}{why}：它不是 zuozhen 案卷、已损坏，或数据库无法连接。"
        "请用 zuozhen verify 检查，或从备份恢复。"
    )


def no_config() -> CaseFileError:
    return CaseFileError("案卷缺少配置（可能已损坏）：请用 zuozhen verify 检查，或从备份恢复。")


def busy() -> CaseFileError:
    return CaseFileError("案卷正被其他同事长时间占用，本次操作未执行：请稍后重试。")


# -- configuration and calendar ------------------------------------------------------------

VERSION_SQL = "SELECT max(version) FROM schema_migration"
CONFIG_SQL = "SELECT value FROM setting WHERE key = 'config'"
CALENDAR_SQL = "SELECT toml FROM holiday_schedule ORDER BY year"

#: Runs one SQL statement and returns the first column of every row.
Column = Callable[[str], Iterable[Any]]


def load_config(column: Column) -> Config:
    """The programme's configuration stored in the case file (``init``)."""
    from zuozhen.config import parse

    for text in column(CONFIG_SQL):
        return parse(text)
    raise no_config()


def load_calendar(column: Column) -> WorkCalendar:
    """The official calendar with the holiday schedules loaded into the case file."""
    from zuozhen.deadlines import WorkCalendar
    from zuozhen.schedules import parse_schedule

    return WorkCalendar(parse_schedule(text) for text in column(CALENDAR_SQL))
