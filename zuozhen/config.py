"""The programme's configuration: organiser, place, cadence, time limits and lists.

Every rule that another province or city may set differently is configuration
(domain.md, "Cadences"). ``init`` starts from a preset in ``data/presets/`` and merges an
optional TOML file over it; the result is stored inside the case file as TOML text, so the
case file is self-contained and every later command reads the same rules.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any

from zuozhen.errors import InputError
from zuozhen.resources import data_path

PRESETS = ("province", "city", "county", "tongliao")
#: What each preset is, for ``init --preset``'s help and refusal.
PRESET_LABELS = {
    "province": "省级厅局长坐诊接诉，每月，种子 002",
    "city": "市级局长坐诊接诉，每周四，种子 000",
    "county": "县级“三个听取”，安宁，种子 003",
    "tongliao": "通辽“四诊法”，12345 企业专席等，种子 004",
}
DEFAULT_TIMEZONE = "Asia/Shanghai"
#: China Standard Time, UTC+8 all year since 1991: what Asia/Shanghai is when the system has
#: no time zone database (Windows without the ``tzdata`` package).
CHINA = timezone(timedelta(hours=8), "CST")
_CHINA_NAMES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC")

#: How enterprises book (``[cadence] booking``): ``window`` — the first
#: ``limits.booking_window`` working days of the month (seed 002 §三(三)); ``rolling`` — open
#: every day (seed 000: 明白办 mini-program, 滇中新区 全天候挂号).
BOOKING_RULES = ("window", "rolling")

#: Limits added after the first presets, with their defaults: a case file created earlier
#: (its configuration is stored in it) and an office's override file may leave them out.
#: Why these values: README, "期限怎么算".
LIMIT_DEFAULTS = {"schedule": 3, "hear": 1, "handoff": 2, "close": 5}


@dataclass(frozen=True, slots=True)
class Limits:
    booking_window: int
    verify: int
    notify_days: int
    plan: int
    report_single: int
    report_joint: int
    rate: int
    revisit: int
    due_soon: int
    schedule: int  # 排诊: verified (or back from a cancelled session), put on a session
    hear: int  # 坐诊结果: the outcome recorded after the session day
    handoff: int  # 交办: a referred or reopened appeal handed to its units
    close: int  # 销号: closed after the unit's report


#: A channel's cadence rule (``[channels]``): how many held days per unit and period.
CADENCES = {"half_month": "每半月", "quarter": "每季度", "month": "每月"}
#: The 坐诊 channel: bookings through ``book``; every other channel takes ``intake``.
ZUOZHEN = "坐诊"
#: The channel of ledgers (台账): not an intake channel, never configured.
LEDGER = "台账"
#: The channels every preset carries (cli.md, "Additions"); a stored configuration written
#: before ``[channels]`` existed has these, none with a cadence.
STANDARD_CHANNELS = ("坐诊", "接待日", "同心谈", "会客厅", "走访", "12345", "投诉", "监督员")


@dataclass(frozen=True, slots=True)
class Channel:
    """One way appeals come in (``[channels]``): whether they carry the channel's own
    number (``number``: the 12345 工单编号), the cadence of held days per unit (``cadence``
    one of CADENCES, ``times`` per period; None: no rule), and its own time limits
    (``limits``: the programme's, with the keys the channel sets replaced)."""

    name: str
    number: bool
    cadence: str | None
    times: int
    limits: Limits


@dataclass(frozen=True, slots=True)
class Documents:
    """``[documents]``: the 发文机关标志, the 发文字号's 机关代字, the signature and how many
    working days a unit has to answer a 督办单. A case file created before this table
    existed (its configuration stored in it) signs with the organiser's name and numbers
    nothing."""

    office: str  # 发文机关标志, printed in red at the head
    number_prefix: str  # 机关代字 of the 发文字号: 云发改坐诊 → 云发改坐诊〔2026〕3号; "" none
    signature: str  # 发文机关署名 above the 成文日期
    reply_days: int  # 督办单: reply within this many working days

    def number(self, kind: str, year: int, n: int) -> str:
        """发文字号: 机关代字 (+ the document's own character) 〔year〕 n 号."""
        return f"{self.number_prefix}{kind}〔{year}〕{n}号"


@dataclass(frozen=True, slots=True)
class Config:
    organiser: str
    programme: str
    place: str
    online_window: str
    counter: str
    contacts: tuple[str, ...]
    supervisors: tuple[str, ...]
    cadence: str  # "monthly" | "weekly"
    booking: str  # BOOKING_RULES: "window" | "rolling"
    weekday: int
    sessions_per_year: int | None
    min_zhuchang: int
    zhuanchang: tuple[int, int]
    session_min_hours: float
    default_start: str
    default_end: str
    limits: Limits
    categories: tuple[str, ...]
    themes: tuple[str, ...]
    units: tuple[str, ...]
    regions: tuple[str, ...]
    # Names taken out of use (``config retire``): valid for what was recorded with them,
    # refused for new entries (zuozhen/names.py).
    retired_units: tuple[str, ...] = ()
    retired_regions: tuple[str, ...] = ()
    retired_themes: tuple[str, ...] = ()

    timezone: str = DEFAULT_TIMEZONE  # [organiser] timezone: how times are shown
    documents: Documents | None = None  # [documents]: the 公文 (None: from the organiser)
    channels: tuple[Channel, ...] = ()  # [channels]; 坐诊 always first
    # [scores] weights: 响应率, 解决率, 满意率 in ``report scores`` (summing to 1).
    weights: tuple[float, float, float] = (0.3, 0.35, 0.35)

    def channel(self, name: str) -> Channel:
        """The configured channel of that name; an InputError naming the configured ones."""
        for c in self.channels:
            if c.name == name:
                return c
        raise InputError(
            f"渠道“{name}”未在配置中设置；已设置的渠道：{'、'.join(c.name for c in self.channels)}"
            "。如需新增渠道，请在配置文件 [channels] 中加上后用 zuozhen config 更新。"
        )

    @property
    def docs(self) -> Documents:
        """How the office signs and numbers its 公文 (GB/T 9704-2012)."""
        return self.documents or Documents(self.organiser, "", self.organiser, 3)

    def zone(self) -> tzinfo:
        """The configured time zone, for showing the trail's UTC times (``local_time``)."""
        return zone(self.timezone)


def preset_text(name: str) -> str:
    if name not in PRESETS:
        listed = "；".join(f"{p}（{PRESET_LABELS[p]}）" for p in PRESETS)
        raise InputError(f"没有名为“{name}”的预设；可选：{listed}。")
    return data_path("presets", f"{name}.toml").read_text(encoding="utf-8")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _loads(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}不是有效的 TOML：{exc}。请修正后重试。") from exc


def compose(preset: str, override_text: str | None = None) -> str:
    """The configuration text to store: the preset, with an office's file merged over it."""
    base = preset_text(preset)
    if override_text is None:
        parse(base)
        return base
    merged = _merge(_loads(base, "预设"), _loads(override_text, "配置文件"))
    text = dumps(merged)
    parse(text)  # validate before anything is written
    return text


def dumps(doc: dict[str, Any]) -> str:
    """Write a two-level TOML document (tables of scalars and lists) canonically."""
    lines: list[str] = []
    for table, values in doc.items():
        if not isinstance(values, dict):
            lines.insert(0, f"{table} = {_value(values)}")
            continue
        lines.append(f"\n[{table}]")
        for key, value in values.items():
            lines.append(f"{_key(key)} = {_value(value)}")
    return "\n".join(lines).lstrip("\n") + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table ([channels])
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise InputError(f"配置中不支持的取值：{value!r}。")


def _key(key: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (渠道名 such as 12345 or 接待日)."""
    bare = key.isascii() and key.replace("_", "").replace("-", "").isalnum()
    return key if bare and not key.isdigit() else _value(key)


def _get(doc: dict[str, Any], table: str, key: str, kind: type, *, default: Any = None) -> Any:
    section = doc.get(table, {})
    if not isinstance(section, dict):
        raise InputError(f"配置项 [{table}] 应是一个表。")
    value = section.get(key, default)
    if value is None:
        raise InputError(f"配置缺少 [{table}] {key}，请在配置文件中补上。")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(f"配置项 [{table}] {key} 应是非空文字的列表。")
        return tuple(v.strip() for v in value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InputError(f"配置项 [{table}] {key} 的取值 {value!r} 类型不对。")
    return value


def _positive(doc: dict[str, Any], key: str) -> int:
    value = _get(doc, "limits", key, int, default=LIMIT_DEFAULTS.get(key))
    if not 1 <= value <= 365:
        raise InputError(f"配置项 [limits] {key} = {value} 不合理：应为 1 到 365 之间的整数。")
    return int(value)


def _hhmm(doc: dict[str, Any], key: str) -> str:
    from zuozhen.validation import parse_time

    return parse_time(_get(doc, "cadence", key, str), f"[cadence] {key}")


def parse(text: str) -> Config:
    """Validate configuration text; every problem is an InputError naming the entry."""
    doc = _loads(text, "配置")
    cadence = _get(doc, "cadence", "kind", str)
    if cadence not in ("monthly", "weekly"):
        raise InputError(
            f"[cadence] kind 应为 monthly（每月）或 weekly（每周），而不是“{cadence}”。"
        )
    weekday = _get(doc, "cadence", "weekday", int, default=3)
    if not 0 <= weekday <= 6:
        raise InputError("[cadence] weekday 应为 0（周一）到 6（周日）。")
    zc = _get(doc, "cadence", "zhuanchang", list, default=[2, 3])
    if len(zc) != 2 or not all(isinstance(v, int) for v in zc) or zc[0] > zc[1] or zc[0] < 0:
        raise InputError("[cadence] zhuanchang 应为 [最少, 最多] 两个整数，如 [2, 3]。")
    per_year = doc.get("cadence", {}).get("sessions_per_year")
    if per_year is not None and (not isinstance(per_year, int) or per_year < 1):
        raise InputError("[cadence] sessions_per_year 应为正整数。")
    hours = _get(doc, "cadence", "session_min_hours", float, default=3.0)
    if not 0 < hours <= 12:
        raise InputError("[cadence] session_min_hours 应在 0 到 12 小时之间。")
    limits = Limits(
        **{
            name: _positive(doc, name)
            for name in (
                "booking_window",
                "verify",
                "notify_days",
                "plan",
                "report_single",
                "report_joint",
                "rate",
                "revisit",
                "due_soon",
                *LIMIT_DEFAULTS,
            )
        }
    )
    booking = _get(doc, "cadence", "booking", str, default="window")
    if booking not in BOOKING_RULES:
        raise InputError(
            f"[cadence] booking 应为 window（每月前若干个工作日挂号）或 rolling（随时挂号），"
            f"而不是“{booking}”。"
        )
    if limits.booking_window > 20:
        raise InputError("[limits] booking_window 不能超过 20 个工作日（一个月的工作日数）。")
    config = Config(
        organiser=_get(doc, "organiser", "name", str),
        programme=_get(doc, "organiser", "programme", str),
        place=_get(doc, "organiser", "place", str),
        online_window=_get(doc, "organiser", "online_window", str),
        counter=_get(doc, "organiser", "counter", str),
        contacts=_get(doc, "organiser", "contacts", tuple, default=[]),
        supervisors=_get(doc, "organiser", "supervisors", tuple, default=["督查室"]),
        cadence=cadence,
        booking=booking,
        weekday=weekday,
        sessions_per_year=per_year,
        min_zhuchang=_get(doc, "cadence", "min_zhuchang", int, default=1),
        zhuanchang=(zc[0], zc[1]),
        session_min_hours=hours,
        default_start=_hhmm(doc, "default_start"),
        default_end=_hhmm(doc, "default_end"),
        limits=limits,
        categories=_get(doc, "lists", "categories", tuple),
        themes=_get(doc, "lists", "themes", tuple),
        units=_get(doc, "lists", "units", tuple),
        regions=_get(doc, "lists", "regions", tuple, default=[]),
        retired_units=_get(doc, "lists", "retired_units", tuple, default=[]),
        retired_regions=_get(doc, "lists", "retired_regions", tuple, default=[]),
        retired_themes=_get(doc, "lists", "retired_themes", tuple, default=[]),
        timezone=_timezone(doc),
        documents=_documents(doc, _get(doc, "organiser", "name", str)),
        channels=_channels(doc, limits),
        weights=_weights(doc),
    )
    if not config.units:
        raise InputError("配置中 [lists] units 不能为空：请列出参与坐诊的单位。")
    _check_lists(config)
    return config


def _channels(doc: dict[str, Any], limits: Limits) -> tuple[Channel, ...]:
    """``[channels]``: name = { number, cadence, times, and any [limits] key to override }.

    A configuration without the table (stored before it existed) has the standard channels
    with no cadence; 坐诊 is always there and first. A ledger's 台账 is not a channel.
    """
    section = doc.get("channels")
    if section is None:
        section = {name: {} for name in STANDARD_CHANNELS}
    if not isinstance(section, dict):
        raise InputError("配置项 [channels] 应是一个表：渠道名 = { … }。")
    section = {ZUOZHEN: {}} | section
    out = []
    for name, spec in section.items():
        where = f"[channels] {name}"
        if not isinstance(spec, dict):
            raise InputError(
                f'配置项 {where} 应是一个内联表，如 {{ cadence = "quarter", times = 1 }}。'
            )
        if not name.strip() or name == LEDGER:
            raise InputError(
                f"配置项 {where}：渠道名不能为空，也不能是“{LEDGER}”（台账另有命令）。"
            )
        cadence = spec.get("cadence") or None
        if cadence is not None and cadence not in CADENCES:
            raise InputError(
                f"配置项 {where} cadence 应为 {'、'.join(CADENCES)} 之一（{'、'.join(CADENCES.values())}），"
                f"而不是“{cadence}”。"
            )
        times = spec.get("times", 1)
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 31:
            raise InputError(
                f"配置项 {where} times 应为 1 到 31 之间的整数（每个周期至少举办的次数）。"
            )
        own = {k: v for k, v in spec.items() if k not in ("number", "cadence", "times")}
        unknown = sorted(set(own) - set(Limits.__dataclass_fields__))
        if unknown:
            raise InputError(
                f"配置项 {where} 有未知的键：{'、'.join(unknown)}；可设 number、cadence、times "
                f"或 [limits] 中的期限名。"
            )
        for key, value in own.items():
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
                raise InputError(
                    f"配置项 {where} {key} = {value!r} 不合理：应为 1 到 365 之间的整数。"
                )
        number = spec.get("number", False)
        if not isinstance(number, bool):
            raise InputError(f"配置项 {where} number 应为 true 或 false（是否带渠道自己的编号）。")
        out.append(Channel(name.strip(), number, cadence, times, replace(limits, **own)))
    return tuple(out)


def check_weights(values: Any, where: str = "[scores] weights") -> tuple[float, float, float]:
    """Three fractions (响应率, 解决率, 满意率) between 0 and 1 summing to 1."""
    if (
        not isinstance(values, list | tuple)
        or len(values) != 3
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    ):
        raise InputError(
            f"{where} 应为三个小数（响应率、解决率、满意率的权重），如 0.3,0.35,0.35。"
        )
    r, s, m = (float(v) for v in values)
    if not all(0 <= v <= 1 for v in (r, s, m)) or abs(r + s + m - 1) > 1e-9:
        raise InputError(
            f"{where} 的三个权重 {r:g}、{s:g}、{m:g} 应在 0 到 1 之间且合计为 1"
            f"（现合计 {r + s + m:g}），如 0.3,0.35,0.35。"
        )
    return (r, s, m)


def _weights(doc: dict[str, Any]) -> tuple[float, float, float]:
    """``[scores] weights``, optional (the default 0.3, 0.35, 0.35)."""
    section = doc.get("scores", {})
    if not isinstance(section, dict):
        raise InputError("配置项 [scores] 应是一个表，如 weights = [0.3, 0.35, 0.35]。")
    if "weights" not in section:
        return (0.3, 0.35, 0.35)
    return check_weights(section["weights"])


def _documents(doc: dict[str, Any], organiser: str) -> Documents:
    """``[documents]``, every key optional (a stored configuration may predate it)."""
    office = _get(doc, "documents", "office", str, default=organiser).strip() or organiser
    reply = _get(doc, "documents", "reply_days", int, default=3)
    if not 1 <= reply <= 30:
        raise InputError("[documents] reply_days 应在 1 到 30 个工作日之间。")
    return Documents(
        office=office,
        number_prefix=_get(doc, "documents", "number_prefix", str, default="").strip(),
        signature=_get(doc, "documents", "signature", str, default=office).strip() or office,
        reply_days=reply,
    )


def _check_lists(config: Config) -> None:
    """A name is listed once, and is either in use or retired, never both."""
    for key in ("categories", "themes", "units", "regions"):
        names: tuple[str, ...] = getattr(config, key)
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InputError(
                f"配置项 [lists] {key} 中“{'、'.join(dupes)}”重复列出：每个名称只写一次。"
            )
        retired: tuple[str, ...] = getattr(config, f"retired_{key}", ())
        both = sorted(set(names) & set(retired))
        if both:
            raise InputError(
                f"“{'、'.join(both)}”同时列在 [lists] {key} 和 retired_{key} 中："
                "在用的名称不能同时是已停用的，请删去其中一处。"
            )


# -- the time zone -------------------------------------------------------------------------


def _timezone(doc: dict[str, Any]) -> str:
    name: str = _get(doc, "organiser", "timezone", str, default=DEFAULT_TIMEZONE).strip()
    if name in _CHINA_NAMES or name == "UTC":
        return name
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # Without any time zone database (Windows, no tzdata) a name cannot be checked
        # here; ``zone`` then falls back to UTC and says so.
        if available_timezones():
            raise InputError(
                f"[organiser] timezone “{name}”不是有效的时区名称：请写 IANA 名称，"
                "例如 Asia/Shanghai（北京时间）。"
            ) from None
    return name


@cache
def zone(name: str) -> tzinfo:
    """The time zone of that name; Asia/Shanghai is UTC+8 even without a time zone
    database, any other unknown name is UTC (``zone_label`` then says so)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return CHINA if name in _CHINA_NAMES else UTC


def zone_label(name: str) -> str:
    """How the clerk reads the zone: 北京时间, or its name (UTC when it could not be loaded)."""
    if name in _CHINA_NAMES:
        return "北京时间"
    return "UTC" if zone(name) is UTC else name


def local_time(at: str, tz: tzinfo) -> datetime:
    """A stored UTC time stamp (ISO 8601) in the given zone."""
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)
