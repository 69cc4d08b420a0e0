"""Parsing and checking what the clerk types: dates, months, quarters, codes, phones.

Every function returns a normalised value or raises ``InputError`` with a Chinese message
that names the value, says what is wrong and what a correct one looks like.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from operator import mul

from zuozhen.errors import InputError

# GB 32100-2015: 统一社会信用代码 uses these 31 characters (no I, O, S, V, Z).
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_INDEX = {c: i for i, c in enumerate(USCC_CHARS)}

MAX_TEXT = 4000
#: The longest 承办人 (a name, or names and a phone line) a hand-off keeps.
HANDLER_LIMIT = 100


def parse_date(value: str, what: str = "日期") -> date:
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise InputError(f"{what}“{value}”格式不对：请写成 YYYY-MM-DD，例如 2026-10-08。")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{what}“{value}”不是日历上存在的日期，请检查月份和日。") from None


def parse_month(value: str, what: str = "月份") -> tuple[int, int]:
    text = value.strip() if isinstance(value, str) else ""
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"{what}“{value}”格式不对：请写成 YYYY-MM，例如 2026-10。")
    year = int(m.group(1))
    if not 1900 <= year <= 2100:
        raise InputError(f"{what}“{value}”的年份超出范围（1900–2100）。")
    return year, int(m.group(2))


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def parse_quarter(value: str) -> tuple[int, int]:
    text = value.strip().upper() if isinstance(value, str) else ""
    m = re.fullmatch(r"(\d{4})Q([1-4])", text)
    if not m or not 1900 <= int(m.group(1)) <= 2100:
        raise InputError(f"季度“{value}”格式不对：请写成 YYYYQn，例如 2026Q4。")
    return int(m.group(1)), int(m.group(2))


def parse_time(value: str, what: str = "时间") -> str:
    text = value.strip() if isinstance(value, str) else ""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise InputError(f"{what}“{value}”格式不对：请写成 HH:MM，例如 09:00。")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def uscc_check_char(first17: str) -> str:
    if len(first17) != len(USCC_WEIGHTS):
        raise ValueError(f"uscc_check_char needs 17 characters, not {len(first17)}")
    total = sum(map(mul, map(_USCC_INDEX.__getitem__, first17), USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def fold_width(value: str | None) -> str:
    """Full-width letters, digits and signs as their ASCII forms (NFKC): ９１５３ → 9153."""
    return unicodedata.normalize("NFKC", value or "")


# Hyphens and dashes people type between digit groups (NFKC leaves most of them alone).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_USCC_GAPS = re.compile(rf"[\s\-{_DASHES}]")  # what people type between a code's groups


def normalize_uscc(value: str) -> str:
    """统一社会信用代码: 18 characters, GB 32100-2015 check character verified.

    Full-width characters are folded (NFKC) and letters upper-cased first, so a code typed
    with a Chinese input method (９１５３…) is the same code."""
    code = _USCC_GAPS.sub("", fold_width(value)).upper()
    if not code:
        raise InputError("统一社会信用代码不能为空：请填写营业执照上的 18 位代码。")
    if len(code) != 18:
        raise InputError(
            f"统一社会信用代码“{value}”应为 18 位（现为 {len(code)} 位），请对照营业执照核对。"
        )
    bad = [c for c in code if c not in _USCC_INDEX]
    if bad:
        raise InputError(
            f"统一社会信用代码“{value}”含有不允许的字符“{bad[0]}”"
            "（代码不使用 I、O、S、V、Z），请对照营业执照核对。"
        )
    if not code[2:8].isdigit():
        raise InputError(f"统一社会信用代码“{value}”第 3–8 位应为行政区划代码（数字）。")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InputError(
            f"统一社会信用代码“{value}”校验位不对（按 GB 32100-2015 应为“{expected}”），"
            "很可能有字符录错，请对照营业执照核对。"
        )
    return code


_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalize_phone(value: str) -> str:
    """A mainland mobile number or a landline with area code, in one form, so two ways of
    writing one number compare equal: full-width digits folded (NFKC), spaces, hyphens,
    dashes and brackets removed, the country code (+86, 0086, 86 before a mobile) dropped.
    ``+86 138-8800-1234`` is ``13888001234``."""
    raw = fold_width(value).strip()
    if not raw:
        raise InputError("联系电话不能为空：请写手机号（11 位）或带区号的座机。")
    digits = re.sub(rf"[\s\-(){_DASHES}]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if not digits.isdigit() or not digits.isascii():
        raise InputError(f"联系电话“{value}”含有非数字字符：请写手机号（11 位）或带区号的座机。")
    if _MOBILE.fullmatch(digits):
        return digits
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area_len = 3 if digits[1] in "12" else 4
        area, local = digits[:area_len], digits[area_len:]
        if 7 <= len(local) <= 8 and local[0] != "0":
            return f"{area}-{local}"
    raise InputError(
        f"联系电话“{value}”不是有效的号码：手机号应为 1 开头的 11 位数字，"
        "座机应带区号（如 0871-63100000）。"
    )


def mask_phone(phone: str) -> str:
    """138****5678 / 0871-****0000: enough for the clerk to recognise, not to dial."""
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def clean_text(
    value: str | None, what: str, *, required: bool = True, limit: int = MAX_TEXT
) -> str:
    text = (value or "").strip()
    if not text.isprintable():  # most texts are: skip the character-by-character filter
        text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    if required and not text:
        raise InputError(f"{what}不能为空，请填写内容。")
    if len(text) > limit:
        raise InputError(f"{what}过长（{len(text)} 字），请控制在 {limit} 字以内。")
    return text


def choose(value: str, allowed: tuple[str, ...] | list[str], what: str) -> str:
    text = (value or "").strip()
    if text not in allowed:
        raise InputError(f"{what}“{value}”不在可选范围内；可选：{'、'.join(allowed)}。")
    return text


def closest(value: str, known: Iterable[str], n: int = 3, cutoff: float = 0.4) -> list[str]:
    """The closest known names (for a unit, theme or region typed slightly wrong).

    Similarity is difflib's ratio; between equally similar names the one sharing the
    longer beginning comes first (省商务局 → 省商务厅 before 省税务局: a slip is usually
    at the end of a name)."""
    names = list(dict.fromkeys(known))
    scored = []
    for k in names:
        matcher = difflib.SequenceMatcher(None, value, k)
        if matcher.real_quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
            prefix = next(
                (i for i, (a, b) in enumerate(zip(value, k, strict=False)) if a != b), len(value)
            )
            scored.append((matcher.ratio(), prefix, k))
    close = [k for _, _, k in sorted(scored, key=lambda t: (-t[0], -t[1]))[:n]]
    if not close:  # a fragment such as 发改委 or 财政: match by containment
        close = [k for k in names if value and (value in k or k in value)][:n]
    return close


_SUBMITTED = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)


def parse_submitted(value: str, what: str = "提交时间") -> date:
    """The date of a time stamp as exports write it: 2026-10-09 14:05:33, 2026/10/9 14:05,
    2026年10月9日, … (local time, as the online window shows it; the time of day is not kept)."""
    text = (value or "").strip()
    m = _SUBMITTED.fullmatch(text)
    if not m:
        shown = f"“{value}”" if text else "为空"
        raise InputError(
            f"{what}{shown}无法识别：应为日期或日期加时间，例如 2026-10-09 或 2026-10-09 14:05。"
        )
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise InputError(f"{what}“{value}”不是日历上存在的日期，请检查月份和日。") from None
