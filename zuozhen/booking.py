"""Step 3 of the ten steps: 挂号 (booking), one enterprise at a time.

* ``booking_window``  the month's booking window: its first ``limits.booking_window``
                      working days (seed 002 §三(三)), when the programme books in a window
                      (``cadence.booking = "window"``, the province); a city that books
                      continuously (``"rolling"``, seed 000: 明白办, 全天候挂号) has none.
* ``book``            挂号: one enterprise, one month, one or more appeals (诉求); a second
                      booking of the same enterprise in the same month adds its appeals to
                      the first (same booking number, appeals numbered on).

Rules (seed 002 §三(三)(四), configuration ``limits``):

* Outside the window a booking is refused unless a reason is given (``late``, 加号),
  which is stored on the booking and in the audit trail. A date before the window opens
  counts as outside it too. Rolling booking has no window: every day is on time.
* Verification (对接核实) is due ``limits.verify`` working days after the close of the
  booking window (its last day), or after the booking date for a late booking or under
  rolling booking. The limit is stored as the appeal's ``verify`` duty when the appeal is
  booked, and the same limit as its ``triage`` duty (接诊: 分类梳理、科学分办 and 核实 are
  one step of seed 002 §三(四), under one 7-working-day limit).
* Enterprises are kept once per 统一社会信用代码 (``enterprises``): a known code with
  another name or phone is refused with the stored values shown, unless
  ``update_enterprise`` (``--update-enterprise``); every change of name, contact, phone,
  region or industry is written into the booking's trail event (phones masked there, as
  everywhere outside the case file itself). A new code under a registered name is warned
  about, naming the registered code.
* The region is a name from the configuration (``names``): another one is refused with
  the closest listed regions, unless ``allow_new`` (``--allow-new``) adds it to the list.
* The same appeal text twice for one enterprise in one month is not booked twice: the
  repeat is skipped with a warning. A text near-identical to one the enterprise already
  has (the same after removing punctuation and spaces, withdrawal.py) is booked and
  pointed out with the ``merge`` command to run.
* The category defaults to the first configured one (政策咨询 in both presets).

The bulk import of the online window's export is ``bookings_import``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from zuozhen import duties, enterprises, names, withdrawal
from zuozhen.config import Config
from zuozhen.deadlines import WorkCalendar
from zuozhen.enterprises import Applicant
from zuozhen.errors import InputError, RuleError
from zuozhen.models import Appeal, Booking
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import (
    choose,
    clean_text,
    mask_phone,
    month_key,
    normalize_phone,
    normalize_uscc,
)

CSV_REQUIRED = ("企业名称", "统一社会信用代码", "联系人", "联系电话", "诉求类别", "诉求内容")
CSV_OPTIONAL = ("所属地区", "所属行业")
APPEAL_LIMIT = 2000
NAME_LIMIT = 200

#: Called as an import goes on: (the file's line reached, lines in the file); the two equal
#: means every row is written and the import's trail follows.
Progress = Callable[[int, int], None]


# -- the booking window ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """The month's booking window: its first N working days."""

    month: str
    dates: list[date]  # rolling booking: the booking day only
    provisional: bool
    rolling: bool = False

    @property
    def first(self) -> date:
        return self.dates[0]

    @property
    def last(self) -> date:
        return self.dates[-1]

    def describe(self) -> str:
        days = "、".join(f"{d.month}月{d.day}日" for d in self.dates)
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}（{days}）"


def booking_window(calendar: WorkCalendar, config: Config, year: int, month: int) -> Window:
    dates, provisional = calendar.first_workdays(year, month, config.limits.booking_window)
    return Window(month_key(year, month), dates, provisional)


@dataclass(frozen=True, slots=True)
class Timing:
    window: Window
    verify_start: date  # the verification clock starts the day after this
    late_reason: str | None


def window_on(calendar: WorkCalendar, config: Config, day: date) -> Window:
    """The booking window ``day`` is judged by: its month's, or under rolling booking the
    day itself (every day is on time)."""
    if config.booking == "rolling":
        return Window(month_key(day.year, day.month), [day], False, True)
    return booking_window(calendar, config, day.year, day.month)


def _timing(calendar: WorkCalendar, config: Config, today: date, late: str | None) -> Timing:
    """On time, or late with a reason (加号); refused otherwise."""
    window = window_on(calendar, config, today)
    if window.rolling:
        return Timing(window, today, None)
    if window.first <= today <= window.last:
        return Timing(window, window.last, None)
    if late is None:
        n = config.limits.booking_window
        when = "尚未开始" if today < window.first else "已经截止"
        raise RuleError(
            f"{today.isoformat()} 不在挂号窗口内：{today.year} 年 {today.month} 月的挂号窗口"
            f"（前 {n} 个工作日）为 {window.describe()}，{when}。"
            "如确需窗口外挂号（加号），请加 --late 原因，例如 --late “企业急需，经处室同意加号”。"
        )
    return Timing(window, max(today, window.last), late)


def unused_late(window: Window, *, rows: bool = False) -> str:
    """The warning for a ``--late`` reason given when the booking (``rows``: every row of
    an import) is on time."""
    if window.rolling:
        return "本案卷随时挂号（不设挂号窗口），无需加号，--late 原因未使用。"
    when = "所有行都" if rows else "今天"
    return f"{when}在挂号窗口内，按时挂号，--late 原因未使用。"


# -- the applicant -----------------------------------------------------------------------


def check_applicant(
    config: Config,
    *,
    enterprise: str,
    uscc: str,
    contact: str,
    phone: str,
    region: str | None = None,
    industry: str | None = None,
) -> Applicant:
    """Validate the enterprise's details (whether the region is listed is ``names``')."""
    place = clean_text(region, "所属地区", required=False, limit=50)
    return Applicant(
        name=clean_text(enterprise, "企业名称", limit=NAME_LIMIT),
        uscc=normalize_uscc(uscc),
        contact=clean_text(contact, "联系人", limit=50),
        phone=normalize_phone(phone),
        region=names.clean_name(place, names.REGION) if place else None,
        industry=clean_text(industry, "所属行业", required=False, limit=50) or None,
    )


def category_of(config: Config, value: str | None) -> str:
    if value is None or not value.strip():
        return config.categories[0]
    return choose(value, config.categories, "诉求类别")


# -- 挂号 ----------------------------------------------------------------------------------


def timing_json(window: Window, late_reason: str | None) -> dict[str, Any]:
    """The booking's timing as ``book --json`` and ``book --from-csv --json`` give it."""
    return {
        "late": late_reason is not None,
        "late_reason": late_reason,
        "booking_rule": "rolling" if window.rolling else "window",
        "booking_window": None if window.rolling else window.dates,
    }


@dataclass(frozen=True, slots=True)
class Booked:
    booking: str
    appeals: list[str]
    texts: list[str]
    category: str
    enterprise: str
    uscc: str
    contact: str
    phone: str  # masked
    booked_on: date
    merged: bool  # added to the enterprise's booking of this month
    late_reason: str | None
    window: Window
    verify_due: date
    provisional: bool
    changed: dict[str, list[str | None]]
    skipped: list[str]
    warnings: list[str]
    duplicates: list[withdrawal.Duplicate]

    def as_json(self) -> dict[str, Any]:
        return {
            "booking": self.booking,
            "appeals": self.appeals,
            "merged": self.merged,
            "enterprise": self.enterprise,
            "uscc": self.uscc,
            "category": self.category,
            "booked_on": self.booked_on,
            **timing_json(self.window, self.late_reason),
            "verify_due": self.verify_due,
            "provisional": self.provisional,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "duplicates": [d.as_json() for d in self.duplicates],
        }


def _appeal_texts(appeals: Iterable[str]) -> tuple[list[str], list[str]]:
    """Cleaned appeal texts, and repeats dropped (kept once)."""
    texts: list[str] = []
    skipped: list[str] = []
    for i, raw in enumerate(appeals, 1):
        text = clean_text(raw, f"第 {i} 项诉求内容（--appeal）", limit=APPEAL_LIMIT)
        (skipped if text in texts else texts).append(text)
    if not texts:
        raise InputError("请用 --appeal 填写至少一项诉求内容（可重复 --appeal 填写多项）。")
    return texts, skipped


def admit_applicant(
    tx: Tx, who: Applicant, *, allow_new: bool, update: bool, via: str
) -> tuple[list[str], enterprises.Changes]:
    """The enterprise of a booking or intake (``via``) in the case file: its region admitted
    to the list (``allow_new``), namesakes under other codes noted, its record kept or, with
    ``update``, changed. Returns the warnings and what changed."""
    places = [who.region] if who.region else []
    notes = names.admit(tx, names.REGION, places, allow_new=allow_new, via=via)
    notes += enterprises.namesakes(tx, who)
    return notes, enterprises.keep(tx, who, update=update)


def add_appeals(
    tx: Tx, booking: Booking, texts: list[str], category: str, status: str, *, first: int = 1
) -> list[str]:
    """One appeal of ``booking`` per text, numbered on from ``first`` (``202610-007-1`` …,
    ``J202612-0001-1`` …), in ``status``; their IDs."""
    ids = []
    for k, text in enumerate(texts, first):
        aid = f"{booking.id}-{k}"
        tx.session.add(
            Appeal(
                id=aid,
                booking_id=booking.id,
                seq=k,
                month=booking.month,
                text=text,
                category=category,
                status=status,
                created_at=tx.at,
                updated_at=tx.at,
            )
        )
        ids.append(aid)
    tx.session.flush()
    return ids


def book(
    case: CaseFile,
    act: Act,
    *,
    enterprise: str,
    uscc: str,
    contact: str,
    phone: str,
    appeals: list[str],
    category: str | None = None,
    region: str | None = None,
    industry: str | None = None,
    late: str | None = None,
    allow_new: bool = False,
    update_enterprise: bool = False,
) -> Booked:
    """挂号: book the enterprise's appeals for the month of ``act.today``.

    ``allow_new`` adds a region outside the configured list to it; ``update_enterprise``
    accepts another name or phone for a known credit code."""
    config = case.config
    who = check_applicant(
        config,
        enterprise=enterprise,
        uscc=uscc,
        contact=contact,
        phone=phone,
        region=region,
        industry=industry,
    )
    cat = category_of(config, category)
    texts, skipped = _appeal_texts(appeals)
    reason = clean_text(late, "加号原因（--late）", limit=200) if late is not None else None
    timing = _timing(case.calendar, config, act.today, reason)
    warnings: list[str] = []
    if reason is not None and timing.late_reason is None:
        warnings.append(unused_late(timing.window))
    for attempt in (1, 2):
        try:
            with case.write(act) as tx:
                notes, changed = admit_applicant(
                    tx, who, allow_new=allow_new, update=update_enterprise, via="book"
                )
                return _book(tx, who, cat, texts, list(skipped), timing, warnings + notes, changed)
        except IntegrityError:
            # PostgreSQL: another clerk created the same enterprise or booking a moment
            # ago; run again and join it. (SQLite serialises writers, so never here.)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _book(
    tx: Tx,
    who: Applicant,
    category: str,
    texts: list[str],
    skipped: list[str],
    timing: Timing,
    warnings: list[str],
    changed: enterprises.Changes,
) -> Booked:
    config, today = tx.case.config, tx.today
    month = month_key(today.year, today.month)

    had = withdrawal.known_texts(tx, [who.uscc]).get(who.uscc, [])

    booking = tx.session.exec(
        select(Booking)
        .where(Booking.month == month, Booking.uscc == who.uscc, Booking.channel == "坐诊")
        .with_for_update()
    ).first()
    merged = booking is not None
    seq0 = 0
    if booking is not None:
        rows = tx.session.exec(
            select(Appeal.seq, Appeal.text).where(Appeal.booking_id == booking.id)
        ).all()
        seq0 = max((s for s, _ in rows), default=0)
        known = {t for _, t in rows}
        fresh = [t for t in texts if t not in known]
        skipped += [t for t in texts if t in known]
        if not fresh:
            raise RuleError(
                f"企业“{who.name}”本月已挂号 {booking.id}，所填诉求都已登记在其中，没有新增内容："
                f"请用 zuozhen list --month {month} 查看，或填写新的诉求。"
            )
        texts = fresh
    else:
        n = tx.allocate(f"booking:{month}")
        booking = Booking(
            id=f"{today.year:04d}{today.month:02d}-{n:03d}",
            month=month,
            seq=n,
            uscc=who.uscc,
            booked_on=today,
            late_reason=timing.late_reason,
            source="窗口",
            created_at=tx.at,
        )
        tx.session.add(booking)
        tx.session.flush()

    ids = add_appeals(tx, booking, texts, category, "booked", first=seq0 + 1)
    due = None
    for aid in ids:
        due = duties.open_duty(tx, aid, "verify", timing.verify_start, config.limits.verify, "wd")
        duties.open_duty(tx, aid, "triage", timing.verify_start, config.limits.verify, "wd")
    assert due is not None
    if skipped:
        warnings.append(
            f"{len(skipped)} 项诉求与已登记的内容相同，未重复登记：{'；'.join(skipped)}"
        )
    duplicates = withdrawal.likely_duplicates(list(zip(ids, texts, strict=True)), had)
    warnings += [d.warning() for d in duplicates]
    tx.record(
        "book",
        "booking",
        booking.id,
        {
            "uscc": who.uscc,
            "enterprise": who.name,
            "appeals": ids,
            "category": category,
            "merged": merged,
            "late_reason": timing.late_reason,
            "verify_start": timing.verify_start,
            "verify_due": due.due,
            "enterprise_changes": changed,
            "skipped": skipped,
        },
    )
    return Booked(
        booking=booking.id,
        appeals=ids,
        texts=texts,
        category=category,
        enterprise=who.name,
        uscc=who.uscc,
        contact=who.contact,
        phone=mask_phone(who.phone),
        booked_on=today,
        merged=merged,
        late_reason=timing.late_reason,
        window=timing.window,
        verify_due=due.due,
        provisional=due.provisional,
        changed=changed,
        skipped=skipped,
        warnings=warnings,
        duplicates=duplicates,
    )
