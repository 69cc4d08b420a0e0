"""session list --ics: the sessions as iCalendar (RFC 5545), read back with icalendar."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.factories import act, cancel, make_case, opened, plan, run_cli, unchanged
from zuozhen.reschedule import postpone_session

TODAY = "2026-10-12"


def _events(path: Path) -> dict[str, Any]:
    from icalendar import Calendar

    cal = Calendar.from_ical(path.read_bytes())
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def _export(db: Path, target: Path, *more: str) -> None:
    ran = run_cli(db, "session", "list", "--ics", str(target), *more, today=TODAY)
    assert ran.code == 0, ran.stderr
    assert "已导出" in ran.stderr


def _sessions(db: Path) -> tuple[str, str, str]:
    main = plan(db, date(2026, 10, 21), units=("省发展改革委", "省财政厅"),
                lead="省发展改革委主要负责同志")  # fmt: skip
    special = plan(db, date(2026, 10, 27), "专场", theme="融资信贷", start="14:30", end="17:30")
    gone = plan(db, date(2026, 10, 29), "加诊", theme="审批服务")
    cancel(db, date(2026, 10, 12), gone)
    return main, special, gone


def test_sessions_as_events_in_beijing_time(db_path: Path, tmp_path: Path) -> None:
    from icalendar import Calendar

    main, special, gone = _sessions(db_path)
    target = tmp_path / "场次.ics"
    _export(db_path, target)
    raw = target.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and b"\r\n" in raw
    cal = Calendar.from_ical(raw)
    assert str(cal["version"]) == "2.0"
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["tzid"]) == "Asia/Shanghai"
    (std,) = tz.walk("STANDARD")
    assert std["tzoffsetto"].td == timedelta(hours=8)
    events = {str(e["uid"]).split(".")[0]: e for e in cal.walk("VEVENT")}
    assert sorted(events) == sorted([main, special, gone])
    m = events[main]
    start = m["dtstart"].dt
    assert start == datetime.fromisoformat("2026-10-21T09:00:00+08:00")
    assert str(start.tzinfo) == "Asia/Shanghai" and "TZID=Asia/Shanghai" in raw.decode()
    assert m["dtend"].dt.hour == 12
    assert str(m["summary"]) == "主场：政策兑现"
    assert str(m["status"]) == "CONFIRMED" and int(m["sequence"]) == 0
    text = str(m["description"])
    assert "省发展改革委、省财政厅（省发展改革委牵头）" in text
    assert "领衔：省发展改革委主要负责同志" in text
    assert str(m["location"])  # the configured place
    s = events[special]
    assert (s["dtstart"].dt.hour, s["dtstart"].dt.minute, s["dtend"].dt.hour) == (14, 30, 17)
    assert str(s["summary"]) == "专场：融资信贷"
    g = events[gone]
    assert str(g["status"]) == "CANCELLED" and str(g["summary"]).startswith("【已取消】")
    assert int(g["sequence"]) == 1  # planned, then cancelled
    for e in (m, s, g):
        assert e["dtstamp"].dt.tzinfo is not None and e["last-modified"].dt >= e["created"].dt


def test_reimport_updates_the_same_events(db_path: Path, tmp_path: Path) -> None:
    main, special, _ = _sessions(db_path)
    first, again = tmp_path / "a.ics", tmp_path / "b.ics"
    _export(db_path, first)
    _export(db_path, again)
    assert first.read_bytes() == again.read_bytes()  # same case file, same bytes
    with opened(db_path) as case:
        postpone_session(case, act(date(2026, 10, 13)), main, to=date(2026, 10, 23),
                         reason="领导另有公务")  # fmt: skip
    _export(db_path, again, "--force")
    before, after = _events(first), _events(again)
    assert set(before) == set(after)  # the same UIDs: a calendar updates, never duplicates
    uid = next(u for u in after if u.startswith(main + "."))
    assert after[uid]["dtstart"].dt.date() == date(2026, 10, 23)
    assert int(after[uid]["sequence"]) == int(before[uid]["sequence"]) + 1
    # (to the second, as iCalendar writes it: the postponement may fall in the same second)
    assert after[uid]["last-modified"].dt >= before[uid]["last-modified"].dt
    assert "由 2026-10-21 改期" in str(after[uid]["description"])
    other = next(u for u in after if u.startswith(special + "."))
    assert after[other].to_ical() == before[other].to_ical()  # untouched: unchanged


def test_two_case_files_never_share_a_uid(tmp_path: Path) -> None:
    uids = []
    for name in ("a", "b"):
        db = tmp_path / f"{name}.db"
        make_case(db).close()
        plan(db, date(2026, 10, 21))
        _export(db, tmp_path / f"{name}.ics")
        uids.append(set(_events(tmp_path / f"{name}.ics")))
    assert uids[0].isdisjoint(uids[1])
    assert all(u.endswith("@zuozhen") for u in uids[0])


def test_month_filter(db_path: Path, tmp_path: Path) -> None:
    plan(db_path, date(2026, 10, 21))
    nov = plan(db_path, date(2026, 11, 17))
    _export(db_path, tmp_path / "11.ics", "--month", "2026-11")
    assert [u.split(".")[0] for u in _events(tmp_path / "11.ics")] == [nov]


def test_refusals_change_nothing(db_path: Path, tmp_path: Path) -> None:
    plan(db_path, date(2026, 10, 21))
    taken = tmp_path / "已有.ics"
    taken.write_text("keep", encoding="utf-8")
    with unchanged(db_path):
        for args, says in (
            (("--ics", str(tmp_path / "场次.csv")), ".ics"),
            (("--ics", str(tmp_path / "场次")), ".ics"),
            (("--ics", str(taken)), "--force"),
            (("--force",), "--ics"),
            (("--ics", str(tmp_path / "无此目录" / "a.ics")), "不存在"),
        ):
            ran = run_cli(db_path, "session", "list", *args, today=TODAY)
            assert ran.code == 1, args
            assert says in ran.stderr and "Traceback" not in ran.stderr
    assert taken.read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "场次.csv").exists() and not (tmp_path / "场次").exists()


def test_icalendar_loaded_only_for_ics(db_path: Path, tmp_path: Path) -> None:
    plan(db_path, date(2026, 10, 21))
    code = (
        "import sys\n"
        "from zuozhen.cli import main\n"
        "sys.argv = ['zuozhen', '--db', sys.argv[1], 'session', 'list', *sys.argv[2:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print('ICAL', 'icalendar' in sys.modules)\n"
    )
    for extra, loaded in (([], False), (["--ics", str(tmp_path / "a.ics")], True)):
        ran = subprocess.run(
            [sys.executable, "-c", code, str(db_path), *extra],
            capture_output=True,
            text=True,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        assert f"ICAL {loaded}" in ran.stdout
