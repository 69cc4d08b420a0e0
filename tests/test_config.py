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
    ],
)
def test_bad_override_is_refused(override: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        compose("province", override)


def test_unknown_preset() -> None:
    with pytest.raises(InputError, match="预设"):
        compose("county")
