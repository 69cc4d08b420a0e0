"""Configuration: presets carry every rule of domain.md; overrides are validated."""

from __future__ import annotations

import pytest

from zuozhen.config import compose, parse
from zuozhen.errors import InputError


def test_province_preset_carries_seed_002_rules() -> None:
    c = parse(compose("province"))
    assert c.cadence == "monthly"
    assert (c.limits.booking_window, c.limits.verify, c.limits.notify_days) == (5, 7, 3)
    assert (c.limits.plan, c.limits.report_single, c.limits.report_joint) == (5, 15, 20)
    assert c.min_zhuchang == 1 and c.zhuanchang == (2, 3)
    assert c.session_min_hours == 3.0
    assert "穿金路199号" in c.place
    assert c.categories == ("政策咨询", "服务需求", "意见建议")


def test_city_preset_is_weekly_on_thursday() -> None:
    c = parse(compose("city"))
    assert c.cadence == "weekly" and c.weekday == 3 and c.sessions_per_year == 16


def test_override_merges_over_preset() -> None:
    c = parse(
        compose("province", '[organiser]\nname = "贵州省发展改革委"\n[limits]\nverify = 10\n')
    )
    assert c.organiser == "贵州省发展改革委" and c.limits.verify == 10
    assert c.limits.report_joint == 20


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("[limits]\nverify = 0\n", "verify"),
        ("[limits]\nverify = 'seven'\n", "verify"),
        ("[cadence]\nkind = 'daily'\n", "kind"),
        ("[cadence]\nweekday = 9\n", "weekday"),
        ("[cadence]\ndefault_start = '25:00'\n", "HH:MM"),
        ("[lists]\nunits = []\n", "units"),
        ("this is = = not toml", "TOML"),
        ("[channels]\n'接待日' = { cadence = 'weekly' }\n", "cadence"),
        ("[channels]\n'走访' = { cadence = 'month', times = 0 }\n", "times"),
        ("[channels]\n'12345' = { number = 'yes' }\n", "number"),
        ("[channels]\n'12345' = { plan = 0 }\n", "plan"),
        ("[channels]\n'12345' = { speed = 3 }\n", "未知的键"),
        ("[channels]\n'台账' = {}\n", "台账"),
        ("[channels]\n'12345' = 3\n", "内联表"),
    ],
)
def test_bad_override_is_refused(override: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        compose("province", override)


def test_unknown_preset() -> None:
    with pytest.raises(InputError, match="预设"):
        compose("township")


STANDARD = ["坐诊", "接待日", "同心谈", "会客厅", "走访", "12345", "投诉", "监督员"]


@pytest.mark.parametrize("preset", ["province", "city", "county", "tongliao"])
def test_every_preset_carries_the_standard_channels(preset: str) -> None:
    c = parse(compose(preset))
    assert [ch.name for ch in c.channels][: len(STANDARD)] == STANDARD
    # every channel under the 三办一销号 limits of the programme
    assert {ch.limits for ch in c.channels} == {c.limits}
    assert c.channel("12345").number and not c.channel("接待日").number


@pytest.mark.parametrize("preset", ["city", "county"])
def test_city_and_county_carry_seed_003_cadences(preset: str) -> None:
    c = parse(compose(preset))
    rules = {ch.name: (ch.cadence, ch.times) for ch in c.channels[:8] if ch.cadence}
    assert rules == {
        "接待日": ("half_month", 1),
        "同心谈": ("quarter", 1),
        "会客厅": ("quarter", 1),
        "走访": ("month", 3),
    }


def test_an_office_adds_a_channel_with_its_own_limits() -> None:
    text = compose("province", "[channels]\n'企业服务码' = { number = true, plan = 3 }\n")
    c = parse(text)
    mine = c.channel("企业服务码")
    assert mine.number and mine.limits.plan == 3
    assert mine.limits.report_single == c.limits.report_single
    assert "接待日" in [ch.name for ch in c.channels]  # merged, not replaced
    assert parse(text) == c  # the stored text reads back the same


def test_a_configuration_stored_before_channels_has_the_standard_ones() -> None:
    text = compose("province")
    old = text[: text.index("[channels]")] + text[text.index("[lists]") :]
    c = parse(old)
    assert [ch.name for ch in c.channels] == STANDARD
    assert all(ch.cadence is None for ch in c.channels)


def test_an_unconfigured_channel_is_refused_naming_the_configured_ones() -> None:
    c = parse(compose("province"))
    with pytest.raises(InputError, match=r"渠道“微博”未在配置中设置.*12345"):
        c.channel("微博")
