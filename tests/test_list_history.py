"""list and history, issue 12: number order, several states and 未办结, one enterprise's
appeals; trail times in the case file's time zone; the case file's own trail
(history --since, history --session)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import Ran
from tests.factories import book, fingerprint, make_case, uscc
from tests.test_query_plans import bench_db, captured, full_scans
from zuozhen import config as config_module
from zuozhen.browse import case_history, list_appeals
from zuozhen.store import storage
from zuozhen.store.reader import Reader

Cli = Callable[..., Ran]
__all__ = ["bench_db"]  # the generated case file of tests/test_query_plans.py, a fixture here too


def set_counter(db: Path, key: str, value: int) -> None:
    """Jump a booking counter, as if thousands of bookings had been made this month."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("UPDATE counter SET value = ? WHERE key = ?", (value, key))
        conn.commit()
    finally:
        conn.close()


# -- list ---------------------------------------------------------------------------------


def test_list_sorts_numbers_as_numbers(db_path: Path, cli: Cli) -> None:
    day = date(2026, 10, 9)
    book(db_path, day, 1, "第一项")
    set_counter(db_path, "booking:2026-10", 9996)
    assert book(db_path, day, 2, "甲", "乙").booking == "202610-9997"
    set_counter(db_path, "booking:2026-10", 10801)
    assert book(db_path, day, 3).booking == "202610-10802"
    ran = cli(db_path, "list", "--month", "2026-10", "--json")
    ids = [a["id"] for a in ran.json()["appeals"]]
    assert ids == ["202610-001-1", "202610-9997-1", "202610-9997-2", "202610-10802-1"]
    assert ran.code == 0
    text = cli(db_path, "list").stdout
    assert text.index("202610-9997-1") < text.index("202610-10802-1")


@pytest.fixture
def mixed(db_path: Path) -> Path:
    """Five appeals of three enterprises in four states (set directly: only list is tested)."""
    day = date(2026, 10, 9)
    book(db_path, day, 1, "诉求一", "诉求二")
    book(db_path, day, 2, "诉求三", enterprise="大理苍山茶业有限公司")
    book(db_path, day, 3, "诉求四", "诉求五")
    conn = sqlite3.connect(db_path)
    try:
        for aid, status in [
            ("202610-001-1", "handed_off"),
            ("202610-001-2", "undertaken"),
            ("202610-002-1", "closed"),
            ("202610-003-1", "rated"),
        ]:
            conn.execute("UPDATE appeal SET status = ? WHERE id = ?", (status, aid))
        conn.commit()
    finally:
        conn.close()
    return db_path


def ids(ran: Ran) -> list[str]:
    assert ran.code == 0, ran.stderr
    return [a["id"] for a in ran.json()["appeals"]]


def test_list_takes_several_states(mixed: Path, cli: Cli) -> None:
    assert ids(cli(mixed, "list", "--status", "已交办", "--json")) == ["202610-001-1"]
    both = ["202610-001-1", "202610-001-2"]
    assert ids(cli(mixed, "list", "--status", "已交办,已承办", "--json")) == both
    assert ids(cli(mixed, "list", "--status", "已交办, undertaken", "--json")) == both
    assert ids(cli(mixed, "list", "--status", "已交办、已承办", "--json")) == both


def test_list_open_and_done(mixed: Path, cli: Cli) -> None:
    still_open = ["202610-001-1", "202610-001-2", "202610-003-2"]
    assert ids(cli(mixed, "list", "--status", "未办结", "--json")) == still_open
    assert ids(cli(mixed, "list", "--status", "open", "--json")) == still_open
    assert ids(cli(mixed, "list", "--status", "OPEN", "--json")) == still_open
    assert ids(cli(mixed, "list", "--status", "已办结", "--json")) == [
        "202610-002-1",
        "202610-003-1",
    ]


def test_list_refuses_an_unknown_state(mixed: Path, cli: Cli) -> None:
    ran = cli(mixed, "list", "--status", "已交办,办完了")
    assert ran.code == 1 and "没有“办完了”这种状态" in ran.stderr and "未办结（open）" in ran.stderr
    assert "Traceback" not in ran.stderr and ran.stdout == ""


def test_list_one_enterprise_by_code_or_name(mixed: Path, cli: Cli) -> None:
    by_code = ids(cli(mixed, "list", "--enterprise", uscc(1), "--json"))
    assert by_code == ["202610-001-1", "202610-001-2"]
    assert ids(cli(mixed, "list", "--enterprise", uscc(1).lower(), "--json")) == by_code
    assert ids(cli(mixed, "list", "--enterprise", "苍山茶业", "--json")) == ["202610-002-1"]
    both = ["202610-003-2"]
    assert (
        ids(cli(mixed, "list", "--enterprise", "测试3号", "--status", "未办结", "--json")) == both
    )


def test_list_refuses_an_unknown_enterprise(mixed: Path, cli: Cli) -> None:
    ran = cli(mixed, "list", "--enterprise", "不存在的公司")
    assert ran.code == 1 and "没有名称含“不存在的公司”" in ran.stderr
    bad_code = uscc(1)[:-1] + ("0" if uscc(1)[-1] != "0" else "1")
    ran = cli(mixed, "list", "--enterprise", bad_code)
    assert ran.code == 1 and "校验位" in ran.stderr
    ran = cli(mixed, "list", "--enterprise", uscc(99))
    assert ran.code == 1 and uscc(99) in ran.stderr
    ran = cli(mixed, "list", "--enterprise", "%")
    assert ran.code == 1  # a LIKE wildcard is a character like any other


# -- history: the time zone -------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The real time written into the trail, set by the test (UTC ISO)."""
    now = ["2026-10-09T17:30:00.000000+00:00"]
    monkeypatch.setattr(storage, "utcnow", lambda: now[0])
    yield now


def test_history_shows_times_in_beijing_time(db_path: Path, cli: Cli, clock: list[str]) -> None:
    clock[0] = "2026-10-09T17:30:00.000000+00:00"  # 01:30 on 10-10 in Beijing
    book(db_path, date(2026, 10, 9), 1, "诉求一")
    doc = cli(db_path, "history", "202610-001-1", "--json").json()
    event = doc["events"][-1]
    assert event["at"] == "2026-10-09T17:30:00.000000+00:00"  # stored UTC, unchanged
    assert event["at_local"] == "2026-10-10T01:30:00+08:00"
    text = cli(db_path, "history", "202610-001-1").stdout
    assert "录入于 2026-10-10 01:30 北京时间" in text and "UTC" not in text


def test_history_in_another_configured_zone(tmp_path: Path, cli: Cli, clock: list[str]) -> None:
    over = tmp_path / "本单位.toml"
    over.write_text('[organiser]\ntimezone = "Asia/Urumqi"\n', encoding="utf-8")
    db = tmp_path / "x.db"
    assert cli(db, "init", "--config", str(over), today="2026-09-01").code == 0
    book(db, date(2026, 10, 9), 1, "诉求一")
    event = cli(db, "history", "202610-001-1", "--json").json()["events"][-1]
    assert event["at_local"] == "2026-10-09T23:30:00+06:00"
    assert "录入于 2026-10-09 23:30 Asia/Urumqi" in cli(db, "history", "202610-001-1").stdout


def test_an_unknown_time_zone_is_refused_at_init(tmp_path: Path, cli: Cli) -> None:
    over = tmp_path / "bad.toml"
    over.write_text('[organiser]\ntimezone = "Beijing"\n', encoding="utf-8")
    db = tmp_path / "x.db"
    ran = cli(db, "init", "--config", str(over))
    assert ran.code == 1 and "timezone “Beijing”不是有效的时区名称" in ran.stderr
    assert not db.exists()


def test_without_a_time_zone_database_beijing_time_is_utc_plus_8(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import zoneinfo

    def missing(name: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    config_module.zone.cache_clear()
    try:
        tz = config_module.zone("Asia/Shanghai")
        assert tz.utcoffset(None) == timedelta(hours=8)
        at = config_module.local_time("2026-06-30T20:00:00+00:00", tz)
        assert at.isoformat() == "2026-07-01T04:00:00+08:00"
        assert config_module.zone("Europe/Paris") is UTC  # honest: shown as UTC
        assert config_module.zone_label("Europe/Paris") == "UTC"
        assert config_module.zone_label("Asia/Shanghai") == "北京时间"
    finally:
        config_module.zone.cache_clear()
    assert isinstance(config_module.CHINA, timezone)


def test_presets_carry_the_time_zone() -> None:
    for preset in config_module.PRESETS:
        assert config_module.parse(config_module.preset_text(preset)).timezone == "Asia/Shanghai"
        assert 'timezone = "Asia/Shanghai"' in config_module.preset_text(preset)


# -- history of the case file -------------------------------------------------------------------


def _at(day: str, hhmm: str = "02:00") -> str:
    """A UTC stamp that is ``day`` at ``hhmm`` + 8 h in Beijing."""
    return f"{day}T{hhmm}:00.000000+00:00"


@pytest.fixture
def office(tmp_path: Path, cli: Cli, clock: list[str]) -> Path:
    """Two sessions, an announcement, two appeals in different sessions, a call-up and
    a hearing, each entered on its own day."""
    db = tmp_path / "case.db"
    clock[0] = _at("2026-09-01")
    make_case(db).close()

    def do(day: str, *args: str) -> Ran:
        clock[0] = _at(day)
        ran = cli(db, *args, today=day)
        assert ran.code == 0, ran.stderr
        return ran

    plan = ("session", "plan", "--theme", "政策兑现", "--unit", "省发展改革委")
    do("2026-09-20", *plan, "--date", "2026-10-21", "--kind", "主场")
    do("2026-09-21", *plan, "--date", "2026-10-23", "--kind", "专场")
    do("2026-09-28", "announce", "--month", "2026-10", "--publish", "--format", "txt")
    clock[0] = _at("2026-10-09")
    book(db, date(2026, 10, 9), 1, "诉求一")
    book(db, date(2026, 10, 9), 2, "诉求二")
    do("2026-10-12", "triage", "202610-001-1", "--session", "S202610-01", "--verified")
    do("2026-10-12", "triage", "202610-002-1", "--session", "S202610-02", "--verified")
    do("2026-10-15", "notify", "--session", "S202610-01", "--sent", "--channel", "电话")
    do("2026-10-21", "session", "hear", "202610-001-1", "--refer")
    return db


def actions(ran: Ran) -> list[tuple[str, str, str]]:
    assert ran.code == 0, ran.stderr
    return [(e["action"], e["entity_id"], e["as_of"]) for e in ran.json()["events"]]


def test_history_of_the_case_file(office: Path, cli: Cli) -> None:
    assert actions(cli(office, "history", "--json")) == [
        ("init", "config", "2026-09-01"),
        ("session.plan", "S202610-01", "2026-09-20"),
        ("session.plan", "S202610-02", "2026-09-21"),
        ("announce.publish", "2026-10", "2026-09-28"),
    ]
    text = cli(office, "history").stdout
    assert "发布公告" in text and "公告 2026-10" in text and "场次 S202610-02" in text
    assert "录入于 2026-09-28 10:00 北京时间" in text
    assert "202610-001-1" not in text  # appeals have their own history


def test_history_since(office: Path, cli: Cli, clock: list[str]) -> None:
    assert actions(cli(office, "history", "--since", "2026-09-21", "--json")) == [
        ("session.plan", "S202610-02", "2026-09-21"),
        ("announce.publish", "2026-10", "2026-09-28"),
    ]
    # entered late: dated 09-15 (as of), but entered on 10-20 — shown "since 10-01" too
    clock[0] = _at("2026-10-20")
    plan = ("session", "plan", "--theme", "融资信贷", "--unit", "省财政厅", "--kind", "加诊")
    assert cli(office, *plan, "--date", "2026-10-29", today="2026-09-15").code == 0
    assert actions(cli(office, "history", "--since", "2026-10-01", "--json")) == [
        ("session.plan", "S202610-03", "2026-09-15")
    ]
    # an appeal's history takes --since as well
    assert actions(cli(office, "history", "202610-001-1", "--since", "2026-10-15", "--json")) == [
        ("notify.sent", "202610-001-1", "2026-10-15"),
        ("session.hear", "202610-001-1", "2026-10-21"),
    ]


def test_history_of_one_session(office: Path, cli: Cli) -> None:
    assert actions(cli(office, "history", "--session", "S202610-01", "--json")) == [
        ("session.plan", "S202610-01", "2026-09-20"),
        ("triage", "202610-001-1", "2026-10-12"),
        ("notify.sent", "202610-001-1", "2026-10-15"),
        ("session.hear", "202610-001-1", "2026-10-21"),
    ]
    assert actions(cli(office, "history", "--session", "S202610-02", "--json")) == [
        ("session.plan", "S202610-02", "2026-09-21"),
        ("triage", "202610-002-1", "2026-10-12"),
    ]


def test_history_of_a_cancelled_session_keeps_its_appeals(
    office: Path, cli: Cli, clock: list[str]
) -> None:
    clock[0] = _at("2026-10-16")
    ran = cli(office, "session", "cancel", "S202610-02", "--reason", "领导出差", today="2026-10-16")
    assert ran.code == 0, ran.stderr
    got = actions(cli(office, "history", "--session", "S202610-02", "--json"))
    assert ("triage", "202610-002-1", "2026-10-12") in got
    assert ("session.cancel", "S202610-02", "2026-10-16") in got
    assert ("session.cancelled", "202610-002-1", "2026-10-16") in got


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["history", "202610-001-1", "--session", "S202610-01"], 2, "只能写一个"),
        (["history", "--session", "S209901-01"], 1, "没有场次 S209901-01"),
        (["history", "--since", "2026-13-01"], 1, "--since 日期"),
        (["history", "202699-001-1"], 1, "202699-001-1"),
    ],
)
def test_history_refusals(office: Path, cli: Cli, args: list[str], code: int, words: str) -> None:
    before = fingerprint(office)
    ran = cli(office, *args)
    assert ran.code == code and words in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr
    assert fingerprint(office) == before


def test_history_json_is_one_document(office: Path, cli: Cli) -> None:
    doc = cli(office, "history", "--since", "2026-09-28", "--json").json()
    assert doc["since"] == "2026-09-28" and doc["session"] is None
    assert datetime.fromisoformat(doc["events"][0]["at_local"]).utcoffset() == timedelta(hours=8)


# -- query plans ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "read",
    [
        lambda r: case_history(r),
        lambda r: case_history(r, since=date(2026, 10, 1)),
        lambda r: list_appeals(r, enterprise=r.scalar("SELECT max(uscc) FROM enterprise")),
        lambda r: list_appeals(r, month="2026-09", status="未办结"),
    ],
    ids=["history", "history --since", "list --enterprise CODE", "list --month --status"],
)
def test_new_views_use_indexes(bench_db: Path, read: Callable[[Reader], object]) -> None:
    statements = captured(bench_db, read)
    assert statements and full_scans(bench_db, statements) == []
