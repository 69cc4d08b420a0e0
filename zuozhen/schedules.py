"""国务院放假安排 as files: the TOML an office writes for next year, parsed and checked.

``parse_schedule`` reads and validates one year's schedule (holidays as date lists or
ranges, 调休 make-up working days, the source notice); every refusal names the key and
the date at fault, in Chinese. ``schedule_to_toml`` writes the same format back
(``data/holidays/*.toml`` are made with it). The working-day engine that applies a
schedule is ``deadlines.WorkCalendar``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from zuozhen.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path
from zuozhen.deadlines import SCHEDULE_YEARS, Schedule, weekday_zh

_ALLOWED_KEYS = ("year", "source", "holidays", "workdays", "note")
_BARE_KEY_RE = re.compile(r"^(\s*)([^\s\"'=\[\]#{}.,]*[^\x00-\x7f][^\s\"'=\[\]#{}.,]*)(\s*=)", re.M)
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    return repr(value) if not isinstance(value, dt.date) else value.isoformat()


def _parse_date(value: Any, where: str, year: int) -> dt.date:
    example = f'"{year}-10-01"'
    if isinstance(value, dt.datetime):
        raise InputError(
            f'{where} 的 {value.isoformat()} 带有时刻：这里只写日期，如 "{value.date()}"。'
        )
    if isinstance(value, dt.date):
        d = value
    elif isinstance(value, str):
        m = _DATE_RE.match(value)
        if m is None:
            raise InputError(
                f"{where} 的日期 {_fmt(value)} 看不懂：请写成 YYYY-MM-DD，例如 {example}。"
            )
        try:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise InputError(f"{where} 的日期 {_fmt(value)} 不存在，请核对月份和日子。") from None
    else:
        raise InputError(
            f"{where} 应为日期（YYYY-MM-DD，例如 {example}），却写成了 {_fmt(value)}。"
        )
    if d.year != year:
        raise InputError(
            f"{where} 的日期 {d.isoformat()} 不在 {year} 年内：一个文件只写一年（year = {year}）"
            f"的安排，请改正日期，或把它写进 {d.year} 年的文件。"
        )
    return d


def _date_list(value: Any, where: str, year: int) -> list[dt.date]:
    """A date, a list of dates, or a table {dates=[..]} / {start=.., end=..}."""
    if isinstance(value, list):
        return [_parse_date(v, f"{where} 第 {k} 个日期", year) for k, v in enumerate(value, 1)]
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"name", "dates", "date", "start", "end"})
        if unknown:
            raise InputError(
                f"{where} 里有不认识的键 {'、'.join(unknown)}：可用 name、dates、date、start、end。"
            )
        out: list[dt.date] = []
        if "dates" in value:
            out.extend(_date_list(value["dates"], f"{where}.dates", year))
        if "date" in value:
            out.append(_parse_date(value["date"], f"{where}.date", year))
        if "start" in value or "end" in value:
            if "start" not in value or "end" not in value:
                raise InputError(
                    f"{where} 写了 start 或 end 之一：起止日期要成对写（start 和 end）。"
                )
            a = _parse_date(value["start"], f"{where}.start", year)
            b = _parse_date(value["end"], f"{where}.end", year)
            if b < a:
                raise InputError(
                    f"{where} 的结束日期 {b.isoformat()} 早于开始日期 {a.isoformat()}，"
                    "请对调或改正。"
                )
            out.extend(a + dt.timedelta(days=k) for k in range((b - a).days + 1))
        if not out and not ({"dates", "date"} & set(value)):
            raise InputError(f"{where} 没有日期：请写 dates = [..] 或 start = .. 与 end = ..。")
        return out
    return [_parse_date(value, where, year)]


# Where each date was written (for a conflict, both places are named): date -> (name, place)
_Places = dict[dt.date, tuple[str, str]]


def _add_holiday(
    holidays: dict[dt.date, str], places: _Places, d: dt.date, name: str, place: str
) -> None:
    """One 放假 date; the same date under two different holiday names is refused.

    The State Council's notice gives every day off once: festivals that fall together are
    one item of the notice (2020: “国庆节、中秋节：10月1日至8日放假调休”), so a date in two
    differently named entries is a slip of the pen (an overlapping range) and is named.
    """
    old = holidays.get(d)
    if old is None:
        holidays[d] = name
        places[d] = (name, place)
    elif old == name or not name:
        return
    elif not old:
        holidays[d] = name
        places[d] = (name, place)
    else:
        raise InputError(
            f"{d.isoformat()} 出现在两个放假项里：{places[d][1]}；{place}。"
            "通知里每个放假日只属于一项：如两个节日确实同日放假，请照通知合写成一项"
            f"（名称写作“{old}、{name}”）；否则请改正其中一处的日期。"
        )


def _name(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f'{where} 的名称应为文字，如 name = "春节"，却写成了 {_fmt(value)}。')
    return value.strip()


def parse_schedule(text: str) -> Schedule:
    """Parse and validate a holiday schedule file (TOML). Raises InputError in Chinese.

    Accepted (see the module's tests for every form)::

        year = 2027
        source = "国务院办公厅关于2027年部分节假日安排的通知"
        workdays = ["2027-01-31", "2027-02-20"]
        holidays = ["2027-01-01", "2027-02-05"]                  # plain list, or
        holidays = [{ name = "春节", dates = [...] },
                    { name = "国庆节", start = "2027-10-01", end = "2027-10-07" }]
        [holidays]                                               # or a table name -> dates
        "元旦" = ["2027-01-01"]

    Dates may be TOML dates or strings (2027-10-01, 2027/10/01, 2027年10月1日). A date listed
    twice is fine. Refused: a bad ``year`` or ``source``, a date outside the year, a date
    that is both holiday and workday or in two differently named holidays (the message names
    the date and both places), a make-up workday that is not a Saturday or Sunday.
    """
    import tomllib

    try:
        return _schedule_from_dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        error = exc
    # TOML 1.0 wants Chinese keys quoted ("元旦" = [...]); accept them bare too
    quoted = _BARE_KEY_RE.sub(r'\1"\2"\3', text)
    if quoted != text:
        try:
            return _schedule_from_dict(tomllib.loads(quoted))
        except tomllib.TOMLDecodeError:
            pass
    raise _toml_error(error) from None


def _toml_error(exc: Exception) -> InputError:
    msg = str(exc)
    m = re.search(r"line (\d+), column (\d+)", msg)
    if m:
        where = f"第 {m[1]} 行第 {m[2]} 列附近"
    else:
        where = "文件末尾" if "end of document" in msg else "某处"
    return InputError(
        f"节假日安排文件不是合法的 TOML：{where}有语法错误（{msg}）。"
        '请检查引号、逗号和方括号是否成对，日期写成 "2027-10-01"。'
    )


def _schedule_from_dict(raw: dict[str, Any]) -> Schedule:
    unknown = sorted(set(raw) - set(_ALLOWED_KEYS))
    if unknown:
        raise InputError(
            f"节假日安排文件里有不认识的项 {'、'.join(unknown)}：只能有 "
            f"{'、'.join(_ALLOWED_KEYS)}。请检查拼写（例如 holidays 不是 holiday）。"
        )
    year = _year(raw.get("year"))
    source = _source(raw.get("source"), year)
    holidays, places = _holidays(raw, year)
    workdays = _workdays(raw["workdays"], year, places) if "workdays" in raw else set()
    return Schedule(
        year=year,
        source=source,
        holidays=dict(sorted(holidays.items())),
        workdays=frozenset(workdays),
    )


def _year(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    lo, hi = SCHEDULE_YEARS
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        if value is None:
            raise InputError("节假日安排文件缺少 year：请在开头写上年份，例如 year = 2027。")
        raise InputError(
            f"节假日安排文件的 year = {_fmt(value)} 不对：应为 {lo}–{hi} 之间的整数年份，"
            "例如 year = 2027。"
        )
    return value


def _source(value: Any, year: int) -> str:
    """The notice the schedule comes from (出处)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            "节假日安排文件缺少 source（出处）：请写明依据的通知，例如 "
            f'source = "国务院办公厅关于{year}年部分节假日安排的通知"。'
        )
    return value.strip()


def _holidays(raw: dict[str, Any], year: int) -> tuple[dict[dt.date, str], _Places]:
    """放假日期 by name: a plain list, a list of tables, or a table name -> dates."""
    if "holidays" not in raw:
        raise InputError(
            "节假日安排文件缺少 holidays（放假日期）：请按通知列出放假的每一天，例如 "
            f'holidays = ["{year}-01-01"]。'
        )
    holidays: dict[dt.date, str] = {}
    places: _Places = {}
    hraw = raw["holidays"]
    if isinstance(hraw, dict):
        for key, value in hraw.items():
            name = key.strip()
            place = f"holidays.{key}" + _span(value, year)
            for d in _date_list(value, f"holidays.{key}", year):
                _add_holiday(holidays, places, d, name, place)
    elif isinstance(hraw, list):
        for k, item in enumerate(hraw, 1):
            where = f"holidays 第 {k} 项"
            if isinstance(item, dict):
                name = _name(item.get("name"), where)
                dates = _date_list(item, where, year)
                place = where + (f"“{name}”" if name else "") + _span(item, year)
                for d in dates:
                    _add_holiday(holidays, places, d, name, place)
            else:
                d = _parse_date(item, where, year)
                _add_holiday(holidays, places, d, "", f"{where}（{d.isoformat()}）")
    else:
        raise InputError(f"holidays 应为日期列表或“名称 = 日期列表”的表，却写成了 {_fmt(hraw)}。")
    return holidays, places


def _span(value: Any, year: int) -> str:
    """“（start 至 end）” of an entry written as a range, for naming where a date is."""
    if isinstance(value, dict) and "start" in value and "end" in value:
        a = _parse_date(value["start"], "start", year)
        b = _parse_date(value["end"], "end", year)
        return f"（{a.isoformat()} 至 {b.isoformat()}）"
    return ""


def _workdays(value: Any, year: int, places: _Places) -> set[dt.date]:
    """调休上班日: weekend days only, never inside a holiday (the notice lists them apart)."""
    workdays: set[dt.date] = set()
    dates = _date_list(value, "workdays", year)
    for k, d in enumerate(dates, 1):
        if d in places:
            here = f"workdays 第 {k} 个日期" if isinstance(value, list) else "workdays"
            raise InputError(
                f"{d.isoformat()} 出现在两处：{places[d][1]}；{here}。一天不能既放假又调休"
                "上班：通知里调休上班的日子都在放假日期之外，请对照通知改正或删掉其中一处。"
            )
        if d.weekday() < 5:
            raise InputError(
                f"workdays 里的 {d.isoformat()} 是{weekday_zh(d)}：调休上班日只会是"
                "周六或周日（平日本来就上班），请核对通知后改正或删掉。"
            )
        workdays.add(d)
    return workdays


def load_schedule_file(path: str | Path) -> Schedule:
    """Read and parse a schedule file; InputError (Chinese) if unreadable or invalid."""
    from pathlib import Path

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"找不到节假日安排文件 {p}，请检查路径。") from None
    except UnicodeDecodeError:
        raise InputError(f"节假日安排文件 {p} 不是 UTF-8 编码，请另存为 UTF-8 后再导入。") from None
    except OSError as exc:
        raise InputError(f"读不了节假日安排文件 {p}：{exc.strerror or exc}。") from None
    try:
        return parse_schedule(text)
    except InputError as exc:
        raise InputError(f"{p}：{exc}") from None


def _toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_dates(days: Iterable[dt.date]) -> str:
    return "[" + ", ".join(f'"{d.isoformat()}"' for d in sorted(days)) + "]"


def schedule_to_toml(s: Schedule) -> str:
    """The canonical TOML text of a schedule (table form with names); parses back equal."""
    groups: dict[str, list[dt.date]] = {}
    for d, name in sorted(s.holidays.items()):
        groups.setdefault(name, []).append(d)
    lines = [
        f"# {s.year} 年节假日安排：放假日期（holidays）与调休上班日（workdays）",
        f"year = {s.year}",
        f"source = {_toml_str(s.source)}",
        f"workdays = {_toml_dates(s.workdays)}",
        "",
        "[holidays]",
    ]
    lines.extend(f"{_toml_str(name)} = {_toml_dates(days)}" for name, days in groups.items())
    return "\n".join(lines) + "\n"
