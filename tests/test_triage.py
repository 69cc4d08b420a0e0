"""接诊 (triage): verify_due, units and suggestions, sessions, verification, states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.factories import (
    Ran,
    book,
    cancel,
    hand_off,
    hear,
    notify_sent,
    plan,
    scheduled,
    triage,
    unchanged,
)
from tests.factories import query as q
from zuozhen.errors import InputError, NotFoundError, RuleError

Cli = Callable[..., Ran]
PLANNED = date(2026, 9, 25)


# -- verify_due -------------------------------------------------------------------------


def test_verify_due_on_time_booking(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    r = triage(db_path, date(2026, 10, 12), aid, theme="政策兑现")
    assert r.verify_due == date(2026, 10, 22)  # window close 10-13 + 7 WD
    assert r.status == "triaged" and r.theme == "政策兑现"


def test_verify_due_late_booking(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 14), late="加号").appeals[0]
    r = triage(db_path, date(2026, 10, 14), aid, verified=True)
    assert r.verify_due == date(2026, 10, 23)  # 10-14 + 7 WD
    assert r.verified_on == date(2026, 10, 14) and not r.verify_late
    assert q(db_path, "SELECT done_on, late FROM deadline WHERE step='verify'") == [
        ("2026-10-14", 0)
    ]


def test_late_verification_is_flagged(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    r = triage(db_path, date(2026, 10, 23), aid, verified=True)
    assert r.verify_due == date(2026, 10, 22) and r.verify_late
    assert any("逾期" in w for w in r.warnings)
    assert q(db_path, "SELECT late FROM deadline WHERE step='verify'") == [(1,)]


# -- units, themes, classes ---------------------------------------------------------------


def test_units_first_leads_and_unknown_unit_refused_with_suggestion(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    with unchanged(db_path), pytest.raises(InputError, match="是不是“省发展改革委”"):
        triage(db_path, date(2026, 10, 12), aid, units=["省财政厅", "省发改委"])
    r = triage(db_path, date(2026, 10, 12), aid, units=["省财政厅", "省发展改革委"])
    assert r.lead_unit == "省财政厅" and r.units == ["省财政厅", "省发展改革委"]
    assert q(db_path, "SELECT lead_unit, units FROM appeal") == [
        ("省财政厅", '["省财政厅", "省发展改革委"]')
    ]


def test_duplicate_unit_refused(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    with unchanged(db_path), pytest.raises(InputError, match="重复"):
        triage(db_path, date(2026, 10, 12), aid, units=["省财政厅", "省财政厅"])


def test_class_suggests_close_classes_already_used(db_path: Path) -> None:
    a1, a2 = book(db_path, date(2026, 10, 9), 1, "一", "二").appeals
    triage(db_path, date(2026, 10, 12), a1, problem_class="补贴兑现慢")
    r = triage(db_path, date(2026, 10, 12), a2, problem_class="补贴兑现迟缓")
    assert any("补贴兑现慢" in h for h in r.hints)
    assert r.problem_class == "补贴兑现迟缓"


def test_unknown_theme_refused(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    with unchanged(db_path), pytest.raises(InputError, match="是不是“融资信贷”"):
        triage(db_path, date(2026, 10, 12), aid, theme="融资信贷难")


# -- sessions ---------------------------------------------------------------------------


def test_schedule_opens_notify_duty(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    assert plan(db_path, date(2026, 10, 22), today=PLANNED) == "S202610-01"
    r = triage(db_path, date(2026, 10, 12), aid, session="s202610-01")
    assert r.status == "scheduled" and r.session == "S202610-01"
    assert r.notify_by == date(2026, 10, 19)  # 3 days before Thu 10-22
    assert q(db_path, "SELECT due FROM deadline WHERE step='notify' AND done_on IS NULL") == [
        ("2026-10-19",)
    ]


def test_moving_a_notified_appeal_asks_for_renotification(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    assert plan(db_path, date(2026, 10, 22), today=PLANNED) == "S202610-01"
    assert plan(db_path, date(2026, 10, 29), today=PLANNED) == "S202610-02"
    triage(db_path, date(2026, 10, 12), aid, session="S202610-01")
    notify_sent(db_path, date(2026, 10, 15), aid)
    r = triage(db_path, date(2026, 10, 16), aid, session="S202610-02")
    assert r.status == "scheduled" and r.renotify
    assert r.notify_by == date(2026, 10, 26)
    open_ = q(db_path, "SELECT due FROM deadline WHERE step='notify' AND done_on IS NULL")
    assert open_ == [("2026-10-26",)]
    assert q(db_path, "SELECT renotify, session_id FROM appeal") == [(1, "S202610-02")]


def test_session_not_found(db_path: Path, cli: Cli) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    with unchanged(db_path):
        ran = cli(db_path, "triage", aid, "--session", "S202610-09", today="2026-10-12")
        assert ran.code == 1 and "S202610-09" in ran.stderr and "session list" in ran.stderr


def test_cancelled_or_earlier_session_refused(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    cancelled = plan(db_path, date(2026, 10, 22), today=PLANNED)
    cancel(db_path, PLANNED, cancelled)
    assert (cancelled, plan(db_path, date(2026, 10, 8), today=PLANNED)) == (
        "S202610-01",
        "S202610-02",
    )
    with unchanged(db_path):
        with pytest.raises(RuleError, match="已取消"):
            triage(db_path, date(2026, 10, 12), aid, session="S202610-01")
        with pytest.raises(RuleError, match="早于"):
            triage(db_path, date(2026, 10, 12), aid, session="S202610-02")


def test_unknown_appeal_and_illegal_state(db_path: Path) -> None:
    (aid,) = scheduled(db_path, plan(db_path, date(2026, 10, 12), today=PLANNED))
    with pytest.raises(NotFoundError):
        triage(db_path, date(2026, 10, 12), "202610-001-9", theme="政策兑现")
    hear(db_path, date(2026, 10, 12), aid)
    hand_off(db_path, date(2026, 10, 12), aid)
    with unchanged(db_path), pytest.raises(RuleError, match="已交办"):
        triage(db_path, date(2026, 10, 12), aid, theme="政策兑现")


def test_nothing_to_record_refused(db_path: Path) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    with pytest.raises(InputError, match="至少"):
        triage(db_path, date(2026, 10, 12), aid)


# -- CLI ----------------------------------------------------------------------------------


def test_cli_triage_json_and_trail(db_path: Path, cli: Cli) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    assert plan(db_path, date(2026, 10, 22), today=PLANNED) == "S202610-01"
    ran = cli(
        db_path,
        "triage",
        aid,
        "--theme",
        "政策兑现",
        "--unit",
        "省财政厅",
        "--unit",
        "省税务局",
        "--session",
        "S202610-01",
        "--class",
        "补贴兑现慢",
        "--verified",
        "--json",
        today="2026-10-12",
    )
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["verify_due"] == "2026-10-22" and doc["status"] == "scheduled"
    assert doc["units"] == ["省财政厅", "省税务局"]
    detail = q(db_path, "SELECT detail FROM trail WHERE action='triage'")[0][0]
    assert "S202610-01" in str(detail) and "补贴兑现慢" in str(detail)


def test_cli_triage_human(db_path: Path, cli: Cli) -> None:
    aid = book(db_path, date(2026, 10, 9)).appeals[0]
    ran = cli(db_path, "triage", aid, "--theme", "政策兑现", today="2026-10-12")
    assert ran.code == 0
    assert "核实期限" in ran.stdout and "2026-10-22" in ran.stdout
    assert f"zuozhen triage {aid} --session" in ran.stderr
