"""Sessions: planning rules (working day, half a day, kinds), weekly cadence, cancel/postpone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.factories import (
    OPERATOR,
    act,
    hear,
    make_case,
    notify_sent,
    opened,
    plan,
    query,
    scheduled,
    unchanged,
)
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.reschedule import cancel_session, postpone_session
from zuozhen.session_status import list_sessions
from zuozhen.sessions import plan_session, plan_weekly
from zuozhen.store.reader import Reader

TODAY = date(2026, 9, 20)


@pytest.fixture
def city_db(tmp_path: Path) -> Path:
    path = tmp_path / "city.db"
    make_case(path, "city").close()
    return path


def _plan(db: Path, day: date, kind: str = "主场", **kw: object) -> object:
    with opened(db) as case:
        args: dict = {"day": day, "kind": kind, "theme": "政策兑现", "units": ["省发展改革委"]}
        args.update(kw)
        return plan_session(case, act(TODAY), **args)


def _weekly(db: Path, year: int, month: int, **kw: object):  # type: ignore[no-untyped-def]
    with opened(db) as case:
        return plan_weekly(case, act(TODAY), year=year, month=month, **kw)  # type: ignore[arg-type]


def _sessions(db: Path, month: str | None = None) -> list:
    with Reader(str(db)) as r:
        return list_sessions(r, month=month)


# -- one session ---------------------------------------------------------------------------


def test_national_day_refused_with_holiday_name_and_next_workday(db_path: Path) -> None:
    with unchanged(db_path):
        with pytest.raises(RuleError) as e:
            _plan(db_path, date(2026, 10, 1))
        assert "国庆节" in str(e.value) and "2026-10-08" in str(e.value)


def test_sunday_refused_as_weekend(db_path: Path) -> None:
    with unchanged(db_path):
        with pytest.raises(RuleError) as e:
            _plan(db_path, date(2026, 10, 11))
        assert "周末" in str(e.value) and "2026-10-12" in str(e.value)


def test_makeup_saturday_accepted(db_path: Path) -> None:
    planned = _plan(db_path, date(2026, 10, 10))
    assert planned.session.id == "S202610-01"  # type: ignore[attr-defined]
    assert planned.session.date == date(2026, 10, 10)  # type: ignore[attr-defined]
    assert planned.session.place.startswith("云南省政务服务中心")  # type: ignore[attr-defined]


def test_defaults_from_config_and_numbering(db_path: Path) -> None:
    a = _plan(db_path, date(2026, 10, 15))
    b = _plan(db_path, date(2026, 10, 16), "专场")
    assert (a.session.start, a.session.end) == ("09:00", "12:00")  # type: ignore[attr-defined]
    assert b.session.id == "S202610-02"  # type: ignore[attr-defined]


def test_shorter_than_half_a_day_refused(db_path: Path) -> None:
    with unchanged(db_path):
        with pytest.raises(RuleError) as e:
            _plan(db_path, date(2026, 10, 15), start="14:00", end="16:59")
        assert "半天" in str(e.value)
    # exactly three hours is enough
    _plan(db_path, date(2026, 10, 15), start="14:00", end="17:00")


def test_end_before_start_refused(db_path: Path) -> None:
    with unchanged(db_path), pytest.raises(InputError):
        _plan(db_path, date(2026, 10, 15), start="12:00", end="09:00")


def test_unknown_kind_and_empty_units_refused(db_path: Path) -> None:
    with unchanged(db_path):
        with pytest.raises(InputError):
            _plan(db_path, date(2026, 10, 15), "门诊")
        with pytest.raises(InputError):
            _plan(db_path, date(2026, 10, 15), units=[])
        with pytest.raises(InputError):
            _plan(db_path, date(2026, 10, 15), units=["  "])


def test_unknown_unit_refused_with_suggestion(db_path: Path) -> None:
    with unchanged(db_path), pytest.raises(InputError, match="是不是“省财政厅”"):
        _plan(db_path, date(2026, 10, 15), units=["省财政听"])
    planned = _plan(db_path, date(2026, 10, 15), units=["省财政听"], allow_new=True)
    assert any("加入配置的单位名单" in w for w in planned.warnings)  # type: ignore[attr-defined]
    assert planned.session.units == ["省财政听"]  # type: ignore[attr-defined]


def test_month_warnings_zhuchang_and_zhuanchang(db_path: Path) -> None:
    first = _plan(db_path, date(2026, 10, 15), "专场")
    assert any("没有主场" in w for w in first.warnings)  # type: ignore[attr-defined]
    assert any("1 场专场" in w for w in first.warnings)  # type: ignore[attr-defined]
    _plan(db_path, date(2026, 10, 16), "专场")
    third = _plan(db_path, date(2026, 10, 20), "主场")
    assert third.warnings == []  # type: ignore[attr-defined]
    _plan(db_path, date(2026, 10, 21), "专场")
    extra = _plan(db_path, date(2026, 10, 22), "加诊")
    assert extra.warnings == []  # type: ignore[attr-defined]  # 加诊 is allowed
    fourth = _plan(db_path, date(2026, 10, 23), "专场")
    assert any("4 场专场" in w and "多于" in w for w in fourth.warnings)  # type: ignore[attr-defined]


def test_past_date_allowed_with_warning(db_path: Path) -> None:
    planned = _plan(db_path, date(2026, 9, 10))
    assert any("早于今天" in w for w in planned.warnings)  # type: ignore[attr-defined]


def test_plan_is_recorded_in_trail(db_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 15))
    rows = query(
        db_path,
        "SELECT action, operator FROM trail WHERE entity = 'session' AND entity_id = ?",
        sid,
    )
    assert rows == [("session.plan", OPERATOR)]


# -- weekly cadence ------------------------------------------------------------------------


def test_weekly_october_2026_postpones_national_day(city_db: Path) -> None:
    result = _weekly(city_db, 2026, 10)
    got = [(s.date, s.cadence_day) for s in result.sessions]
    # 10-01 (Thu) is 国庆节 → next working day without a session: 10-08 is Thursday's own
    # session, so 10-09 (Fri).
    assert got == [
        (date(2026, 10, 8), date(2026, 10, 8)),
        (date(2026, 10, 9), date(2026, 10, 1)),
        (date(2026, 10, 15), date(2026, 10, 15)),
        (date(2026, 10, 22), date(2026, 10, 22)),
        (date(2026, 10, 29), date(2026, 10, 29)),
    ]
    assert [s.id for s in result.sessions] == [f"S202610-0{k}" for k in range(1, 6)]
    # same rule as the calendar's own weekly_dates on an empty month
    with opened(city_db) as case:
        expected = [d.date for d in case.calendar.weekly_dates(2026, 10, 3)]
    assert [s.date for s in result.sessions] == expected


def test_weekly_rerun_does_not_duplicate(city_db: Path) -> None:
    _weekly(city_db, 2026, 10)
    before = len(_sessions(city_db))
    again = _weekly(city_db, 2026, 10)
    assert again.sessions == []
    assert len(again.skipped) == 5
    assert len(_sessions(city_db)) == before == 5


def test_weekly_postponed_day_taken_moves_on(city_db: Path) -> None:
    # 10-09 already has a session: 10-01 is postponed to 10-10 (a make-up Saturday).
    _plan(city_db, date(2026, 10, 9), "加诊", units=["市发展改革委"])
    result = _weekly(city_db, 2026, 10)
    postponed = [s for s in result.sessions if s.cadence_day == date(2026, 10, 1)]
    assert [s.date for s in postponed] == [date(2026, 10, 10)]


def test_weekly_thursday_with_a_session_counts_as_planned(city_db: Path) -> None:
    _plan(city_db, date(2026, 10, 15), "专场", units=["市科技局"])
    result = _weekly(city_db, 2026, 10)
    assert date(2026, 10, 15) in result.skipped
    assert sum(1 for s in _sessions(city_db, "2026-10") if s.date == date(2026, 10, 15)) == 1


def test_weekly_cancelled_session_is_not_recreated(city_db: Path) -> None:
    result = _weekly(city_db, 2026, 10)
    with opened(city_db) as case:
        cancel_session(case, act(TODAY), result.sessions[2].id, reason="因故取消")
    again = _weekly(city_db, 2026, 10)
    assert again.sessions == []


def test_weekly_units_rotate_through_config(city_db: Path) -> None:
    oct_ = _weekly(city_db, 2026, 10)
    nov = _weekly(city_db, 2026, 11)
    units = [s.units[0] for s in oct_.sessions + nov.sessions]
    assert units[:3] == ["市发展改革委", "市工业和信息化局", "市科技局"]
    assert units[5] == "市人力资源社会保障局"  # November continues the turn
    assert all(s.theme == "综合" for s in oct_.sessions)


def test_weekly_given_units_and_theme(city_db: Path) -> None:
    result = _weekly(city_db, 2026, 11, theme="融资信贷", units=["市财政局"])
    assert {s.theme for s in result.sessions} == {"融资信贷"}
    assert all(s.units == ["市财政局"] for s in result.sessions)


# -- cancel / postpone ---------------------------------------------------------------------


def test_postpone_keeps_appeals_and_reopens_call_up(db_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 15))
    (a1,) = scheduled(db_path, sid)
    notify_sent(db_path, date(2026, 10, 9), a1)
    (a2,) = scheduled(db_path, sid, n=2)
    with opened(db_path) as case:
        result = postpone_session(
            case, act(TODAY), sid, to=date(2026, 10, 21), reason="领导另有公务"
        )
    assert result.session.id == sid and result.session.date == date(2026, 10, 21)
    assert result.session.postponed_from == date(2026, 10, 15)
    by = {x.appeal: x for x in result.appeals}
    # 10-21 (Wed) - 3 days = Sunday 10-18 → moved back to Friday 10-16
    assert by[a1].notify_by == date(2026, 10, 16)
    assert by[a1].renotify is True and by[a2].renotify is False
    rows = query(db_path, "SELECT id, status, renotify, session_id FROM appeal ORDER BY id")
    dues = query(
        db_path,
        "SELECT appeal_id, due FROM deadline WHERE step='notify' AND done_on IS NULL ORDER BY 1",
    )
    assert rows == [(a1, "scheduled", 1, sid), (a2, "scheduled", 0, sid)]
    assert dues == [(a1, "2026-10-16"), (a2, "2026-10-16")]


def test_postpone_to_rest_day_refused(db_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 15))
    with unchanged(db_path), opened(db_path) as case, pytest.raises(RuleError):
        postpone_session(case, act(TODAY), sid, to=date(2026, 10, 18), reason="x")


def test_cancel_drops_call_up_and_keeps_appeals(db_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 15))
    (a1,) = scheduled(db_path, sid)
    notify_sent(db_path, date(2026, 10, 9), a1)
    with opened(db_path) as case:
        result = cancel_session(case, act(TODAY), sid, reason="场地检修")
        with pytest.raises(RuleError):
            cancel_session(case, act(TODAY), sid, reason="again")
        with pytest.raises(NotFoundError):
            cancel_session(case, act(TODAY), "S209901-01", reason="x")
    assert result.session.status == "cancelled"
    assert [x.appeal for x in result.appeals] == [a1]
    [row] = query(db_path, "SELECT status, renotify, session_id FROM appeal")
    [(open_notify,)] = query(
        db_path, "SELECT count(*) FROM deadline WHERE step='notify' AND done_on IS NULL"
    )
    assert row == ("scheduled", 1, sid)
    assert open_notify == 0
    # the cancelled session is out of the month's count
    assert [s.status for s in _sessions(db_path, "2026-10")] == ["cancelled"]


def test_cancel_refused_after_hearing(db_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 15))
    (aid,) = scheduled(db_path, sid)
    hear(db_path, date(2026, 10, 15), aid)  # held: referred at the session
    with unchanged(db_path), opened(db_path) as case, pytest.raises(RuleError):
        cancel_session(case, act(TODAY), sid, reason="x")


# -- CLI ------------------------------------------------------------------------------------


def test_cli_plan_json_and_list(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ran = cli(
        db_path,
        "session", "plan", "--date", "2026-10-15", "--kind", "主场", "--theme", "政策兑现",
        "--unit", "省发展改革委", "--unit", "省财政厅", "--json",
        today="2026-09-20",
    )  # fmt: skip
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["id"] == "S202610-01" and doc["date"] == "2026-10-15"
    assert doc["units"] == ["省发展改革委", "省财政厅"]
    listed = cli(db_path, "session", "list", "--month", "2026-10", "--json").json()
    assert [s["id"] for s in listed["sessions"]] == ["S202610-01"]


def test_cli_weekly_json(city_db: Path, cli) -> None:  # type: ignore[no-untyped-def]
    ran = cli(city_db, "session", "plan", "--month", "2026-10", "--weekly", "--json")
    assert ran.code == 0, ran.stderr
    dates = [s["date"] for s in ran.json()["sessions"]]
    assert dates == ["2026-10-08", "2026-10-09", "2026-10-15", "2026-10-22", "2026-10-29"]
    again = cli(city_db, "session", "plan", "--month", "2026-10", "--weekly", "--json").json()
    assert again["sessions"] == []


PLAN = ("session", "plan", "--kind", "主场", "--theme", "政策兑现", "--unit", "省发展改革委")


def test_cli_rest_day_refusal(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    with unchanged(db_path):
        ran = cli(db_path, *PLAN, "--date", "2026-10-01")
        assert ran.code == 1
        assert "国庆节" in ran.stderr and "Traceback" not in ran.stderr


def test_cli_bad_date_form(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    with unchanged(db_path):
        ran = cli(db_path, *PLAN, "--date", "2026/10/15")
        assert ran.code == 1 and "YYYY-MM-DD" in ran.stderr


def test_cli_cancel_and_postpone(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    sid = plan(db_path, date(2026, 10, 15))
    ran = cli(db_path, "session", "postpone", sid, "--to", "2026-10-22", "--reason", "改期",
              "--json", today="2026-09-20")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert ran.json()["date"] == "2026-10-22"
    ran = cli(db_path, "session", "cancel", sid, "--reason", "取消", today="2026-09-20")
    assert ran.code == 0 and "已取消" in ran.stderr


def test_provisional_year_session_warns(db_path: Path) -> None:
    planned = _plan(db_path, date(2027, 3, 4))
    assert any("暂定" in w and "2027" in w for w in planned.warnings)  # type: ignore[attr-defined]
    current = _plan(db_path, date(2026, 10, 15))
    assert not any("暂定" in w for w in current.warnings)  # type: ignore[attr-defined]
