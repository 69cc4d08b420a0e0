"""The checked-in lunar festival table against chinese-calendar's official data."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from zuozhen.festivals import FIRST_YEAR, LAST_YEAR, festival_dates, table_years

D = dt.date
ONE = dt.timedelta(days=1)
LABEL = chinese_calendar.holidays


def test_table_covers_1900_2100_with_plausible_dates() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (1900, 2100)
    assert festival_dates(1899) is None and festival_dates(2101) is None
    for year in table_years():
        f = festival_dates(year)
        assert f is not None
        assert D(year, 1, 20) <= f.eve <= D(year, 2, 19), year
        assert D(year, 4, 4) <= f.qingming <= D(year, 4, 6), year
        assert D(year, 5, 27) <= f.dragon_boat <= D(year, 6, 26), year
        assert D(year, 9, 7) <= f.mid_autumn <= D(year, 10, 9), year
        # lunar 1/1 -> 5/5 and 5/5 -> 8/15: 4 or 5 months of 29/30 days (+ a leap month)
        assert 29 * 4 + 4 - 1 <= (f.dragon_boat - f.eve).days <= 30 * 5 + 5 - 1
        assert 29 * 3 + 10 <= (f.mid_autumn - f.dragon_boat).days <= 30 * 4 + 10


@pytest.mark.parametrize("year", range(2004, 2027))
def test_spring_festival_matches_package(year: int) -> None:
    f = festival_dates(year)
    assert f is not None
    # 初一..初三 are Spring Festival holidays in every year of the package
    for k in (1, 2, 3):
        assert LABEL.get(f.eve + k * ONE) == "Spring Festival", (year, f.eve + k * ONE)
    # and the block does not start more than a day before 除夕 nor after 初一
    first = min(d for d, n in LABEL.items() if n == "Spring Festival" and d.year == year)
    assert f.eve - ONE <= first <= f.eve + ONE


@pytest.mark.parametrize("year", range(2008, 2027))  # 清明, 端午, 中秋 are holidays since 2008
def test_qingming_dragon_boat_mid_autumn_match_package(year: int) -> None:
    f = festival_dates(year)
    assert f is not None
    assert LABEL.get(f.qingming) == "Tomb-sweeping Day", year
    _assert_in_block(f.dragon_boat, "Dragon Boat Festival")
    if D(year, 9, 30) <= f.mid_autumn <= D(year, 10, 8):  # merged into the 国庆 block
        _assert_in_block(f.mid_autumn, "Mid-autumn Festival", "National Day")
    else:
        _assert_in_block(f.mid_autumn, "Mid-autumn Festival")


def _assert_in_block(day: dt.date, *labels: str) -> None:
    """The festival is a rest day of the package, labelled as such or next to one.

    The package leaves some weekend days of a block unlabelled (端午 2012-06-23, a
    Saturday, between the labelled 06-22 and 06-24).
    """
    assert not chinese_calendar.is_workday(day), day
    near = [LABEL.get(day + k * ONE) for k in (0, -1, 1)]
    assert near[0] in labels or (near[0] is None and (near[1] in labels or near[2] in labels)), (
        day,
        near,
    )


def test_qingming_agrees_with_package_solar_terms_where_formula_is_valid() -> None:
    # chinese-calendar's 寿星 formula agrees with the astronomical table 1900-2099
    for year in range(1900, 2100):
        f = festival_dates(year)
        assert f is not None
        terms = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 10))
        assert [d for d, name in terms if name == "清明"] == [f.qingming], year


def test_table_regenerates_identically() -> None:
    pytest.importorskip("lunar_python")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "tools" / "gen_festivals.py"
    spec = importlib.util.spec_from_file_location("gen_festivals", path)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for year in (1900, 1978, 2027, 2050, 2100):
        assert tuple(festival_dates(year) or ()) == gen.compute(year)


@pytest.mark.parametrize(
    ("year", "eve", "dragon_boat", "mid_autumn"),
    [
        (2020, D(2020, 1, 24), D(2020, 6, 25), D(2020, 10, 1)),
        (2021, D(2021, 2, 11), D(2021, 6, 14), D(2021, 9, 21)),
        (2022, D(2022, 1, 31), D(2022, 6, 3), D(2022, 9, 10)),
        (2023, D(2023, 1, 21), D(2023, 6, 22), D(2023, 9, 29)),
        (2024, D(2024, 2, 9), D(2024, 6, 10), D(2024, 9, 17)),
        (2025, D(2025, 1, 28), D(2025, 5, 31), D(2025, 10, 6)),
        (2026, D(2026, 2, 16), D(2026, 6, 19), D(2026, 9, 25)),
    ],
)
def test_exact_dates_of_recent_years(
    year: int, eve: dt.date, dragon_boat: dt.date, mid_autumn: dt.date
) -> None:
    f = festival_dates(year)
    assert f is not None
    assert (f.eve, f.dragon_boat, f.mid_autumn) == (eve, dragon_boat, mid_autumn)
