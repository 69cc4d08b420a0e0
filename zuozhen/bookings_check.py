"""Step 3 in bulk, the rows: 挂号导入 checks each row of the online window's export.

``RowCheck`` applies the rules of ``booking.book`` to one CSV row — enterprise name,
credit code (GB 32100 check character), contact, phone, category, appeal text, optional
region and industry — and works out its booking date: the row's 提交时间 when the file has
that column (the moment the enterprise submitted it online), else ``--today``. The date
is held to the booking window of its own month: outside it the row needs the file's
``--late`` reason (加号); under rolling booking (the city) every day is on time. A
submission after ``--today`` is refused. A bad row becomes
``Rejected`` with every reason at once and its physical line number.

``bookings_import`` streams the rows through it and writes the good ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from zuozhen import names
from zuozhen.booking import APPEAL_LIMIT, CSV_REQUIRED, NAME_LIMIT, Timing, _timing, booking_window
from zuozhen.config import Config
from zuozhen.deadlines import WorkCalendar
from zuozhen.enterprises import Applicant
from zuozhen.errors import InputError, RuleError
from zuozhen.files import csvin
from zuozhen.validation import (
    choose,
    clean_text,
    normalize_phone,
    normalize_uscc,
    parse_submitted,
)

#: The online window's submission time: the booking date of its row.
SUBMITTED = "提交时间"


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    error: str


@dataclass(slots=True)
class Line:
    line: int
    who: Applicant
    category: str
    text: str
    day: date  # the booking date: 提交时间, or --today
    timing: Timing  # its window, verification start and late reason


# -- checking the rows ---------------------------------------------------------------------


class RowCheck:
    """The rules of ``booking.book`` for one row of the file.

    Text values that repeat down a column (contact, region, industry) are shared, so the
    rows of a chunk cost little; the booking window is worked out once per date.
    """

    __slots__ = (
        "_calendar",
        "_categories",
        "_config",
        "_late",
        "_optional",
        "_region",
        "_region_cache",
        "_required",
        "_shared",
        "_submitted",
        "_timings",
        "_today",
        "_width",
        "allow_new",
        "late_given",
    )

    def __init__(
        self,
        f: csvin.CsvFile,
        config: Config,
        calendar: WorkCalendar,
        today: date,
        late: str | None,
        allow_new: bool = False,
    ) -> None:
        ix = f.index
        self.allow_new = allow_new
        self._region = partial(names.check, config, names.REGION, allow_new=allow_new)
        self._region_cache: dict[str, str | InputError] = {}
        self._width = len(f.columns)
        self._required = tuple(ix[c] for c in CSV_REQUIRED)
        self._optional = (ix.get("所属地区"), ix.get("所属行业"))
        self._submitted = ix.get(SUBMITTED)
        self._config, self._calendar, self._today, self._late = config, calendar, today, late
        self.late_given = late is not None
        self._categories = config.categories
        self._shared: dict[str, str] = {}
        self._timings: dict[date, Timing | str] = {}
        if self._submitted is None:
            # No submission time: the whole file is booked today, in or outside the window.
            self._timings[today] = _timing(calendar, config, today, late)

    def __call__(self, row: csvin.Row) -> Line | Rejected:
        errors: list[str] = []
        cells = self._cells(row.cells, errors)
        name, code, contact, phone, category, text = (cells[i] for i in self._required)
        name = _try(errors, clean_text, name, "企业名称", limit=NAME_LIMIT)
        code = _try(errors, normalize_uscc, code)
        contact = self._share(_try(errors, clean_text, contact, "联系人", limit=50))
        phone = _try(errors, normalize_phone, phone)
        category = self._category(category, errors)
        text = _try(errors, clean_text, text, "诉求内容", limit=APPEAL_LIMIT)
        at_region, at_industry = self._optional
        region = self._share(_optional(errors, cells, at_region, "所属地区"))
        if region:  # on the configured list (or new, with --allow-new)
            region = _try(errors, self._known_region, region)
        industry = self._share(_optional(errors, cells, at_industry, "所属行业"))
        day, timing = self._when(cells, errors)
        if errors or timing is None:
            return Rejected(row.line, "；".join(errors) + "。")
        who = Applicant(name, code, contact, phone, region or None, industry or None)
        return Line(row.line, who, category, text, day, timing)

    def _known_region(self, raw: str) -> str:
        """``names.check``, remembered (the refusal too) for the next row with the value."""
        hit = self._region_cache.get(raw)
        if hit is None:
            try:
                hit = self._region(raw)
            except InputError as exc:
                hit = exc
            self._region_cache[raw] = hit
        if isinstance(hit, InputError):
            raise hit
        return hit

    def _cells(self, cells: list[str], errors: list[str]) -> list[str]:
        """The row cut or padded to the header's width; extra non-empty cells are an error."""
        width = self._width
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                f"本行有 {len(cells)} 列，比表头的 {width} 列多（内容中的逗号须用引号括起）"
            )
            cells = cells[:width]
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        return cells

    def _share(self, value: str) -> str:
        return self._shared.setdefault(value, value) if len(self._shared) < 10_000 else value

    def _category(self, raw: str, errors: list[str]) -> str:
        value = raw.strip()
        if value in self._categories:
            return value
        if not value:
            errors.append(f"诉求类别为空：应为 {'、'.join(self._categories)} 之一")
            return ""
        return _try(errors, choose, value, self._categories, "诉求类别")

    def _when(self, cells: list[str], errors: list[str]) -> tuple[date, Timing | None]:
        """The booking date and its timing; a date outside its window needs ``late``."""
        day = self._today
        if self._submitted is not None:
            try:
                day = parse_submitted(cells[self._submitted], SUBMITTED)
            except InputError as exc:
                errors.append(str(exc).rstrip("。"))
                return day, None
        timing = self._timings.get(day)
        if timing is None:
            timing = self._timings[day] = self._timing_of(day)
        if isinstance(timing, str):
            errors.append(timing)
            return day, None
        return day, timing

    def _timing_of(self, day: date) -> Timing | str:
        if day > self._today:
            return (
                f"{SUBMITTED} {day.isoformat()} 晚于办理日期 {self._today.isoformat()}"
                "（--today）：请核对导出文件，或按提交后的日期办理"
            )
        try:
            return _timing(self._calendar, self._config, day, self._late)
        except RuleError:
            w = booking_window(self._calendar, self._config, day.year, day.month)
            return (
                f"{SUBMITTED} {day.isoformat()} 不在 {day.year} 年 {day.month} 月的挂号窗口"
                f"（{w.first.isoformat()} 至 {w.last.isoformat()}）内：窗口外的挂号须加"
                " --late 原因（加号）后导入"
            )


def _try(errors: list[str], fn: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """``fn(*args)``, or "" with its Chinese message added to ``errors``."""
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        errors.append(str(exc).rstrip("。"))
        return ""


def _optional(errors: list[str], cells: list[str], at: int | None, what: str) -> str:
    """An optional column's cleaned value ("" when the file has no such column)."""
    if at is None:
        return ""
    return _try(errors, clean_text, cells[at], what, required=False, limit=50)
