"""The working-day engine: counting rules, provisional years, schedule files."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zuozhen.deadlines import (
    Due,
    Schedule,
    WorkCalendar,
    default_calendar,
    package_schedule,
    provisional_schedule,
)
from zuozhen.errors import InputError
from zuozhen.schedules import load_schedule_file, parse_schedule, schedule_to_toml

D = dt.date
DATA = Path(__file__).resolve().parent.parent / "data" / "holidays"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return default_calendar()


@cache
def _brute_workdays() -> tuple[list[dt.date], dict[dt.date, bool]]:
    """Every day of 2004-2026 and chinese-calendar's own verdict, one call per day."""
    days: list[dt.date] = []
    d = D(2004, 1, 1)
    while d.year <= 2026:
        days.append(d)
        d += dt.timedelta(days=1)
    return days, {d: chinese_calendar.is_workday(d) for d in days}


# --- against an independent brute force -------------------------------------------------


def test_add_workdays_matches_brute_force_for_every_start_2004_2026(cal: WorkCalendar) -> None:
    days, is_wd = _brute_workdays()
    checked = 0
    for pos, start in enumerate(days):
        count = 0
        for cur in days[pos + 1 :]:
            if is_wd[cur]:
                count += 1
                assert cal.add_workdays(start, count) == Due(cur, False), (start, count)
                checked += 1
                if count == 30:
                    break
    assert checked > 250_000


def test_is_workday_and_kinds_match_package_every_day(cal: WorkCalendar) -> None:
    days, is_wd = _brute_workdays()
    for d in days:
        info = cal.day(d)
        assert info.workday is is_wd[d] is cal.is_workday(d), d
        assert not info.provisional
        on_holiday, _ = chinese_calendar.get_holiday_detail(d)
        if info.kind == "holiday":
            assert d in chinese_calendar.holidays and info.name
        elif info.kind == "makeup":
            assert d in chinese_calendar.workdays and d.weekday() >= 5
        elif info.kind == "weekend":
            assert d.weekday() >= 5 and on_holiday and d not in chinese_calendar.holidays
        else:
            assert info.kind == "workday" and d.weekday() < 5


def test_workdays_between_matches_brute_force(cal: WorkCalendar) -> None:
    days, is_wd = _brute_workdays()
    start = D(2025, 9, 20)
    total = 0
    for d in days:
        if d <= start or d.year > 2026:
            continue
        total += is_wd[d]
        assert cal.workdays_between(start, d) == total
    assert cal.workdays_between(start, start) == 0
    assert cal.workdays_between(start, D(2025, 1, 1)) == 0


# --- domain examples ----------------------------------------------------------------------


def test_hand_off_examples_from_domain(cal: WorkCalendar) -> None:
    # Thu 2026-09-24: 中秋 9-25..27 and 国庆 10-01..07 are off, Sat 10-10 is worked
    assert cal.add_workdays(D(2026, 9, 24), 15) == Due(D(2026, 10, 22), False)
    assert cal.add_workdays(D(2026, 9, 24), 20) == Due(D(2026, 10, 29), False)
    assert cal.add_workdays(D(2026, 9, 24), 5) == Due(D(2026, 10, 9), False)
    assert cal.add_workdays(D(2026, 9, 24), 6) == Due(D(2026, 10, 10), False)


def test_start_on_rest_day_counts_from_next_day(cal: WorkCalendar) -> None:
    # Saturday 2026-10-03 (国庆): first working day after is Thursday 10-08
    assert cal.add_workdays(D(2026, 10, 3), 1).date == D(2026, 10, 8)
    # plain Saturday 2026-03-07 -> Monday 03-09
    assert cal.add_workdays(D(2026, 3, 7), 1).date == D(2026, 3, 9)
    assert cal.add_workdays(D(2026, 3, 8), 1).date == D(2026, 3, 9)
    # the package's find_workday differs here (it counts the next workday as day 0)
    assert chinese_calendar.find_workday(1, D(2026, 3, 7)) == D(2026, 3, 10)


def test_start_on_makeup_day(cal: WorkCalendar) -> None:
    # Saturday 2026-10-10 is a make-up working day; the start is not counted
    assert cal.day(D(2026, 10, 10)).kind == "makeup"
    assert cal.add_workdays(D(2026, 10, 10), 1).date == D(2026, 10, 12)
    # Friday 10-09 + 1 WD lands on the make-up Saturday
    assert cal.add_workdays(D(2026, 10, 9), 1).date == D(2026, 10, 10)
    # Sunday 2026-01-04 is a make-up day too
    assert cal.add_workdays(D(2026, 1, 3), 1).date == D(2026, 1, 4)


def test_booking_window_october_2026(cal: WorkCalendar) -> None:
    days, provisional = cal.first_workdays(2026, 10, 5)
    assert days == [
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),
        D(2026, 10, 12),
        D(2026, 10, 13),
    ]
    assert provisional is False


def test_booking_window_january_2026_starts_on_makeup_sunday(cal: WorkCalendar) -> None:
    assert chinese_calendar.is_workday(D(2026, 1, 4))  # the package agrees: 调休 Sunday
    days, provisional = cal.first_workdays(2026, 1, 5)
    assert days == [D(2026, 1, 4), D(2026, 1, 5), D(2026, 1, 6), D(2026, 1, 7), D(2026, 1, 8)]
    assert not provisional
    assert cal.day(D(2026, 1, 4)) == cal.day(D(2026, 1, 4))
    info = cal.day(D(2026, 1, 4))
    assert (info.workday, info.kind, info.name) == (True, "makeup", None)


def test_first_workdays_never_leaves_the_month(cal: WorkCalendar) -> None:
    days, _ = cal.first_workdays(2026, 2, 40)
    assert days[0] == D(2026, 2, 2) and days[-1] == D(2026, 2, 28)  # Sat 02-28 is 调休
    assert all(d.month == 2 for d in days)
    assert len(days) == sum(chinese_calendar.is_workday(D(2026, 2, k)) for k in range(1, 29))


def test_add_calendar_days_art_203(cal: WorkCalendar) -> None:
    # a period ending on 2026-10-02 (国庆) ends on the first day after the holiday: 10-08
    assert cal.add_calendar_days(D(2026, 9, 30), 2) == Due(D(2026, 10, 8), False)
    # ending on a plain Saturday -> Monday
    assert cal.add_calendar_days(D(2026, 3, 4), 3).date == D(2026, 3, 9)
    # ending on a make-up Saturday: that is a working day and stands
    assert cal.add_calendar_days(D(2026, 10, 3), 7).date == D(2026, 10, 10)
    # ending on a working day: unchanged
    assert cal.add_calendar_days(D(2026, 3, 2), 7).date == D(2026, 3, 9)
    assert cal.add_calendar_days(D(2026, 3, 2), 0).date == D(2026, 3, 2)


def test_notify_by_moves_back_from_rest_days(cal: WorkCalendar) -> None:
    # session Thursday 2026-03-12, 3 days before -> Monday 03-09
    assert cal.notify_by(D(2026, 3, 12), 3) == Due(D(2026, 3, 9), False)
    # session Tuesday 2026-03-10 -> Saturday 03-07 is off -> Friday 03-06
    assert cal.notify_by(D(2026, 3, 10), 3).date == D(2026, 3, 6)
    # session Thursday 2026-10-08 -> 10-05 in 国庆 -> last working day before: 09-30
    assert cal.notify_by(D(2026, 10, 8), 3).date == D(2026, 9, 30)
    # landing on the make-up Saturday 10-10 is fine
    assert cal.notify_by(D(2026, 10, 13), 3).date == D(2026, 10, 10)


def test_next_and_previous_workday(cal: WorkCalendar) -> None:
    assert cal.next_workday(D(2026, 10, 1)) == D(2026, 10, 8)
    assert cal.next_workday(D(2026, 10, 8)) == D(2026, 10, 8)
    assert cal.next_workday(D(2026, 10, 8), include=False) == D(2026, 10, 9)
    assert cal.next_workday(D(2026, 10, 9), include=False) == D(2026, 10, 10)
    assert cal.previous_workday(D(2026, 10, 7)) == D(2026, 9, 30)
    assert cal.previous_workday(D(2026, 10, 8), include=False) == D(2026, 9, 30)
    assert cal.previous_workday(D(2026, 10, 8)) == D(2026, 10, 8)


def test_weekly_thursdays_postponed_across_national_day(cal: WorkCalendar) -> None:
    # Oct 2026: Thu 10-01 is 国庆 -> next working day that is not a session already:
    # 10-08 is itself the next regular Thursday, so 10-09
    dates = [d.date for d in cal.weekly_dates(2026, 10, 3)]
    assert dates == [
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 15),
        D(2026, 10, 22),
        D(2026, 10, 29),
    ]


def test_weekly_postponed_day_skips_taken(cal: WorkCalendar) -> None:
    taken = {D(2026, 10, 9), D(2026, 10, 10)}
    dates = [d.date for d in cal.weekly_dates(2026, 10, 3, taken)]
    assert D(2026, 10, 12) in dates and not taken & set(dates)
    # September 2026: Fri 09-25 is 中秋, postponed to Mon 09-28 (weekend 26/27 off)
    fridays = [d.date for d in cal.weekly_dates(2026, 9, 4)]
    assert fridays == [D(2026, 9, 4), D(2026, 9, 11), D(2026, 9, 18), D(2026, 9, 28)]
    fridays = [d.date for d in cal.weekly_dates(2026, 9, 4, taken=[D(2026, 9, 28)])]
    assert fridays[-1] == D(2026, 9, 29)


def test_weekly_postponement_may_leave_the_month(cal: WorkCalendar) -> None:
    # Sundays of May 2026: 05-03 is 劳动节 (05-01..05 off) -> Wed 05-06; the others are
    # plain Sundays -> Monday; the last one, 05-31, moves into June
    sundays = cal.weekly_dates(2026, 5, 6)
    assert [s.date for s in sundays] == [
        D(2026, 5, 6),
        D(2026, 5, 11),
        D(2026, 5, 18),
        D(2026, 5, 25),
        D(2026, 6, 1),
    ]
    assert not any(s.provisional for s in sundays)
    # December 2026 Thursdays roll into 2027 only if postponed: 12-31 is a working day
    assert [s.date for s in cal.weekly_dates(2026, 12, 3)][-1] == D(2026, 12, 31)
    # a provisional year flags every date
    assert all(s.provisional for s in cal.weekly_dates(2027, 10, 3))


# --- provisional years and loaded schedules ------------------------------------------------


def test_deadline_into_2027_is_provisional_and_skips_new_year(cal: WorkCalendar) -> None:
    due = cal.add_workdays(D(2026, 12, 25), 10)
    # 12-28..31 (4), 2027-01-01 元旦 off, 01-04..08 (5), 01-11 (10th)
    assert due == Due(D(2027, 1, 11), True)
    assert cal.add_workdays(D(2026, 12, 25), 4) == Due(D(2026, 12, 31), False)
    # a start on Dec 31 counts only days of the next year
    assert cal.add_workdays(D(2026, 12, 31), 1).provisional
    assert cal.is_provisional(D(2027, 3, 1)) and not cal.is_provisional(D(2026, 12, 31))
    # the start day itself is not counted: from Dec 31, 2003 only 2004 days are counted
    assert cal.add_workdays(D(2003, 12, 31), 1) == Due(D(2004, 1, 2), False)
    assert cal.add_workdays(D(2003, 12, 30), 2) == Due(D(2004, 1, 2), True)
    assert cal.add_calendar_days(D(2003, 12, 31), 1) == Due(D(2004, 1, 2), False)
    assert cal.add_calendar_days(D(2003, 12, 30), 2) == Due(D(2004, 1, 2), True)
    # a call-up in 2026 for a session in 2027 depends on 2027 data too
    assert cal.notify_by(D(2027, 1, 5), 10) == Due(D(2026, 12, 25), True)
    assert cal.notify_by(D(2026, 12, 31), 3) == Due(D(2026, 12, 28), False)
    assert cal.is_provisional(D(2003, 12, 31))


def test_provisional_year_holidays_follow_2024_rules(cal: WorkCalendar) -> None:
    s = provisional_schedule(2027)
    names: dict[str, list[dt.date]] = {}
    for d, n in s.holidays.items():
        names.setdefault(n, []).append(d)
    assert names["元旦"] == [D(2027, 1, 1)]
    # 除夕 02-05 through 初三 02-08; Sat 02-06 and Sun 02-07 made up on 02-09 and 02-10 (补假).
    assert names["春节"] == [D(2027, 2, d) for d in (5, 6, 7, 8, 9, 10)]
    # May 1–2 fall on Saturday and Sunday: made up on Monday and Tuesday.
    assert names["劳动节"] == [D(2027, 5, 1), D(2027, 5, 2), D(2027, 5, 3), D(2027, 5, 4)]
    assert names["国庆节"] == [D(2027, 10, d) for d in (1, 2, 3, 4, 5)]
    assert len(names["清明节"]) == len(names["端午节"]) == len(names["中秋节"]) == 1
    assert not s.workdays
    for d, n in s.holidays.items():
        info = cal.day(d)
        assert (info.workday, info.kind, info.name, info.provisional) == (False, "holiday", n, True)
    assert cal.day(D(2027, 2, 11)).kind == "workday"
    # A holiday on a weekday needs no make-up day: 2027-01-01 is a Friday.
    assert cal.day(D(2027, 1, 4)).kind == "workday"


def test_any_year_1900_2100_works(cal: WorkCalendar) -> None:
    for year in (1900, 1950, 2003, 2027, 2050, 2099, 2100):
        due = cal.add_workdays(D(year, 6, 1), 10)
        assert due.provisional and cal.is_workday(due.date)
        assert len(cal.month(year, 2)) in (28, 29)
        assert cal.first_workdays(year, 10, 5)[1]
    assert cal.add_workdays(D(2100, 12, 31), 5).date.year == 2101
    with pytest.raises(InputError):
        cal.add_workdays(D(1800, 1, 1), 1)
    with pytest.raises(InputError):
        cal.add_workdays(D(2101, 12, 30), 30)
    with pytest.raises(InputError):
        cal.add_workdays(D(2026, 1, 1), 0)
    with pytest.raises(InputError):
        cal.first_workdays(2026, 13, 5)
    with pytest.raises(InputError):
        cal.weekly_dates(2026, 10, 7)


def test_loaded_schedule_overrides_and_clears_provisional() -> None:
    text = """
year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知"
workdays = ["2027-01-02"]
[holidays]
"元旦" = ["2027-01-01", "2027-01-04"]
"""
    sched = parse_schedule(text)
    cal = WorkCalendar([sched])
    assert cal.years_loaded() == {2027}
    assert not cal.is_provisional(D(2027, 1, 4))
    # Saturday 01-02 worked, Monday 01-04 off
    assert cal.add_workdays(D(2026, 12, 31), 1) == Due(D(2027, 1, 2), False)
    assert cal.add_workdays(D(2026, 12, 31), 2) == Due(D(2027, 1, 5), False)
    assert cal.day(D(2027, 1, 4)).name == "元旦"
    # the provisional 春节 of 2027 is gone: the loaded file replaces the whole year
    assert cal.is_workday(D(2027, 2, 8))
    assert default_calendar().add_workdays(D(2026, 12, 31), 1) == Due(D(2027, 1, 4), True)
    # 2028 still provisional
    assert cal.add_workdays(D(2027, 12, 30), 3).provisional


def test_loaded_schedule_overrides_a_package_year() -> None:
    base = package_schedule(2026)
    holidays = dict(base.holidays)
    holidays[D(2026, 3, 10)] = "测试"
    cal = WorkCalendar([Schedule(2026, "test", holidays, base.workdays)])
    assert not cal.is_workday(D(2026, 3, 10))
    assert cal.add_workdays(D(2026, 3, 9), 1).date == D(2026, 3, 11)
    assert cal.day(D(2026, 3, 10)).name == "测试"
    assert default_calendar().is_workday(D(2026, 3, 10))


def test_known_years(cal: WorkCalendar) -> None:
    assert cal.known_years() == (2004, 2026)
    assert cal.years_loaded() == set()


# --- schedule files -----------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_shipped_schedule_file_equals_package_calendar(year: int) -> None:
    sched = load_schedule_file(DATA / f"{year}.toml")
    assert sched.year == year and "国务院办公厅" in sched.source
    assert sched.holidays == package_schedule(year).holidays
    assert sched.workdays == package_schedule(year).workdays
    loaded = WorkCalendar([sched])
    plain = default_calendar()
    d = D(year, 1, 1)
    while d.year == year:
        assert loaded.day(d) == plain.day(d) == loaded.day(d)
        assert loaded.is_workday(d) == chinese_calendar.is_workday(d)
        d += dt.timedelta(days=1)


def test_schedule_round_trip_for_every_package_year() -> None:
    for year in range(2004, 2027):
        s = package_schedule(year, source="来源")
        assert parse_schedule(schedule_to_toml(s)) == s


def test_schedule_forms_are_equivalent() -> None:
    head = 'year = 2027\nsource = "通知"\nworkdays = ["2027-02-07", 2027-02-20]\n'
    plain = parse_schedule(
        head + 'holidays = ["2027-01-01", 2027-02-05, "2027/02/06", "2027年2月6日"]'
    )
    assert plain.holidays == {D(2027, 1, 1): "", D(2027, 2, 5): "", D(2027, 2, 6): ""}
    assert plain.workdays == frozenset({D(2027, 2, 7), D(2027, 2, 20)})
    listed = parse_schedule(
        head
        + 'holidays = [{ name = "元旦", dates = ["2027-01-01"] },'
        + ' { name = "国庆节", start = "2027-10-01", end = "2027-10-07" }]'
    )
    assert listed.holidays[D(2027, 10, 7)] == "国庆节" and len(listed.holidays) == 8
    table = parse_schedule(
        head
        + '[holidays]\n"元旦" = ["2027-01-01"]\n国庆节 = { start = 2027-10-01, end = 2027-10-07 }\n'
    )
    assert table == listed
    # Festivals falling together are one item of the notice (2020: “国庆节、中秋节”);
    # the same date under two names is refused, naming both (tests/test_calendar_file.py).
    merged = parse_schedule(
        head + '[holidays]\n"中秋节、国庆节" = ["2027-10-01"]\n"国庆节" = ["2027-10-02"]\n'
    )
    assert merged.holidays == {D(2027, 10, 1): "中秋节、国庆节", D(2027, 10, 2): "国庆节"}
    assert parse_schedule(schedule_to_toml(merged)) == merged


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('year = 2027\nsource = x\nholidays = ["2027-01-01"]', "第 2 行"),
        ('year = 2027\nsource = "x"\nholidays = ["2027-01-01"', "文件末尾"),
        ('source = "x"\nholidays = []', "缺少 year"),
        ('year = "明年"\nsource = "x"\nholidays = []', "year"),
        ('year = 1800\nsource = "x"\nholidays = []', "1900"),
        ('year = true\nsource = "x"\nholidays = []', "year"),
        ("year = 2027\nholidays = []", "source"),
        ('year = 2027\nsource = "  "\nholidays = []', "source"),
        ('year = 2027\nsource = "x"', "holidays"),
        ('year = 2027\nsource = "x"\nholiday = []', "holiday"),
        ('year = 2027\nsource = "x"\nholidays = ["2026-12-31"]', "2026-12-31"),
        ('year = 2027\nsource = "x"\nholidays = ["2027-02-30"]', "2027-02-30"),
        ('year = 2027\nsource = "x"\nholidays = ["下周一"]', "下周一"),
        ('year = 2027\nsource = "x"\nholidays = [20270101]', "holidays 第 1 项"),
        ('year = 2027\nsource = "x"\nholidays = [2027-01-01T08:00:00]', "时刻"),
        ('year = 2027\nsource = "x"\nholidays = "2027-01-01"', "holidays"),
        (
            'year = 2027\nsource = "x"\nholidays = ["2027-02-06"]\nworkdays = ["2027-02-06"]',
            "2027-02-06",
        ),
        ('year = 2027\nsource = "x"\nholidays = []\nworkdays = ["2027-02-08"]', "星期一"),
        ('year = 2027\nsource = "x"\n[holidays]\n"春节" = ["2027-02-05", "2027-13-01"]', "春节"),
        (
            'year = 2027\nsource = "x"\nholidays = [{ name = "国庆节", start = "2027-10-07",'
            ' end = "2027-10-01" }]',
            "早于",
        ),
        (
            'year = 2027\nsource = "x"\nholidays = [{ name = "国庆节", start = "2027-10-07" }]',
            "成对",
        ),
        ('year = 2027\nsource = "x"\nholidays = [{ name = "国庆节" }]', "没有日期"),
        ('year = 2027\nsource = "x"\nholidays = [{ name = 5, dates = ["2027-10-01"] }]', "名称"),
        ('year = 2027\nsource = "x"\nholidays = [{ nam = "a", dates = [] }]', "nam"),
    ],
)
def test_parse_schedule_refuses_bad_files(text: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        parse_schedule(text)
    assert needle in str(info.value)


def test_load_schedule_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="找不到"):
        load_schedule_file(tmp_path / "none.toml")
    bad = tmp_path / "gbk.toml"
    bad.write_bytes('source = "国务院"'.encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        load_schedule_file(bad)
    wrong = tmp_path / "2027.toml"
    wrong.write_text('year = 2027\nsource = "x"\nholidays = ["2028-01-01"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"2027\.toml"):
        load_schedule_file(wrong)


def test_duplicate_holiday_dates_are_deduplicated() -> None:
    s = parse_schedule(
        'year = 2027\nsource = "x"\nholidays = ["2027-01-01", "2027-01-01"]\n'
        'workdays = ["2027-02-20", "2027-02-20"]'
    )
    assert list(s.holidays) == [D(2027, 1, 1)] and s.workdays == {D(2027, 2, 20)}


# --- batch path ----------------------------------------------------------------------------


def test_batch_path_agrees_with_add_workdays(cal: WorkCalendar) -> None:
    starts = [D(2026, 9, 24), D(2026, 10, 3), D(2026, 12, 25), D(2004, 1, 1)]
    ns = [15, 1, 10, 30]
    got = cal.add_workdays_ordinals([s.toordinal() for s in starts], ns)
    assert got == [cal.add_workdays(s, n).date.toordinal() for s, n in zip(starts, ns, strict=True)]
    with pytest.raises(InputError):
        cal.add_workdays_ordinals([D(1700, 1, 1).toordinal()], [1])
    with pytest.raises(InputError):
        cal.add_workdays_ordinals([D(2026, 1, 1).toordinal()], [0])


# --- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 6, 30))
counts = st.integers(min_value=1, max_value=120)


@settings(max_examples=400, deadline=None)
@given(start=starts, n=counts)
def test_due_is_a_later_workday_and_counts_exactly_n(start: dt.date, n: int) -> None:
    cal = default_calendar()
    due = cal.add_workdays(start, n)
    assert due.date > start
    assert cal.is_workday(due.date)
    assert cal.workdays_between(start, due.date) == n
    assert cal.workdays_between(start, due.date - dt.timedelta(days=1)) == n - 1
    expected_prov = any(
        cal.is_provisional(D(y, 1, 1))
        for y in range((start + dt.timedelta(days=1)).year, due.date.year + 1)
    )
    assert due.provisional is expected_prov


@settings(max_examples=300, deadline=None)
@given(start=starts, n=counts, extra=st.integers(min_value=1, max_value=20))
def test_add_workdays_is_strictly_monotone_in_n(start: dt.date, n: int, extra: int) -> None:
    cal = default_calendar()
    assert cal.add_workdays(start, n).date < cal.add_workdays(start, n + extra).date
    # and chaining: n + extra == extra after the n-th
    mid = cal.add_workdays(start, n).date
    assert cal.add_workdays(mid, extra).date == cal.add_workdays(start, n + extra).date


@settings(max_examples=300, deadline=None)
@given(day=starts, days=st.integers(min_value=0, max_value=10))
def test_notify_by_is_a_workday_at_least_days_before(day: dt.date, days: int) -> None:
    cal = default_calendar()
    got = cal.notify_by(day, days).date
    assert cal.is_workday(got)
    assert got <= day - dt.timedelta(days=days)
    assert cal.workdays_between(got, day - dt.timedelta(days=days)) == 0


@settings(max_examples=300, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=60))
def test_calendar_days_end_on_first_workday_on_or_after(start: dt.date, n: int) -> None:
    cal = default_calendar()
    plain = start + dt.timedelta(days=n)
    got = cal.add_calendar_days(start, n).date
    assert got == cal.next_workday(plain)
    assert cal.workdays_between(plain, got) <= 1
