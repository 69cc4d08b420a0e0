"""叫号提醒: the call-up list, notify_by, late, the SMS batch export and recording the call-up."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.factories import OPERATOR, act, fingerprint, hear, opened, plan, query, unchanged
from tests.factories import scheduled as on_session  # the fixture below is `scheduled`
from zuozhen import notify, notify_batch
from zuozhen.errors import InputError, RuleError
from zuozhen.reschedule import cancel_session, postpone_session
from zuozhen.store.reader import Reader

TODAY = date(2026, 10, 8)


def _pending(db: Path, today: date = TODAY, session: str | None = None) -> notify.CallList:
    with Reader(str(db)) as r:
        return notify.pending(r, today, session)


@pytest.fixture
def scheduled(db_path: Path) -> tuple[Path, str, list[str]]:
    """A session on Wednesday 2026-10-21 with three appeals of two bookings."""
    sid = plan(db_path, date(2026, 10, 21))
    b, c = on_session(db_path, sid, "电费补贴迟迟未兑现", "用地审批慢", n=1,
                     on=date(2026, 10, 8), enterprise="昆明甲公司", contact="李四")  # fmt: skip
    (a,) = on_session(db_path, sid, n=2, on=date(2026, 10, 9), enterprise="昆明乙公司",
                     phone="13900001111")  # fmt: skip
    return db_path, sid, [a, b, c]


def test_notify_by_on_weekend_moves_back_to_friday(scheduled: tuple[Path, str, list[str]]) -> None:
    db, _, _ = scheduled
    listing = _pending(db)
    # 10-21 (Wed) minus 3 days = Sunday 10-18 → Friday 10-16
    assert {i.notify_by for i in listing.items} == {date(2026, 10, 16)}
    assert not any(i.late for i in listing.items)
    assert all(i.late for i in _pending(db, date(2026, 10, 17)).items)


def test_slots_follow_booking_order(scheduled: tuple[Path, str, list[str]]) -> None:
    db, _, (a, b, c) = scheduled
    items = _pending(db).items
    assert [(i.appeal, i.slot) for i in items] == [(b, 1), (c, 1), (a, 2)]


def test_items_mask_personal_data_and_carry_sms(scheduled: tuple[Path, str, list[str]]) -> None:
    db, _, _ = scheduled
    item = _pending(db).items[0]
    doc = item.as_json()
    assert doc["phone"] == "138****5678" and doc["contact"] == "李*"
    assert "13812345678" not in str(doc) and "李四" not in str(doc)
    assert "10月21日（周三）09:00—12:00" in item.text and "顺序号1号" in item.text
    assert doc["chars"] == len(item.text)
    assert doc["segments"] == notify.sms_segments(item.text)


def test_sms_segments() -> None:
    assert notify.sms_segments("字" * 70) == 1
    assert notify.sms_segments("字" * 71) == 2
    assert notify.sms_segments("字" * 134) == 2
    assert notify.sms_segments("字" * 135) == 3


def test_all_upcoming_sessions_and_not_past_ones(db_path: Path) -> None:
    past = plan(db_path, date(2026, 9, 24))
    future = plan(db_path, date(2026, 10, 21))
    on_session(db_path, past)
    on_session(db_path, future, n=2)
    assert [i.session for i in _pending(db_path, date(2026, 10, 12)).items] == [future]


def test_sent_records_late_after_notify_by(scheduled: tuple[Path, str, list[str]]) -> None:
    db, sid, (a, b, c) = scheduled
    with opened(db) as case:
        on_time = notify.record_sent(case, act(date(2026, 10, 16)), channel="电话", appeals=[a])
        late = notify.record_sent(case, act(date(2026, 10, 17)), channel="短信", session_id=sid)
    assert [(i.appeal, i.late) for i in on_time.items] == [(a, False)]
    assert sorted((i.appeal, i.late) for i in late.items) == sorted([(b, True), (c, True)])
    notes = query(db, "SELECT appeal_id, channel, late, sent_on FROM notification ORDER BY 1")
    appeals = query(db, "SELECT id, status, notified_on, renotify FROM appeal ORDER BY id")
    duties = query(
        db, "SELECT appeal_id, done_on, late FROM deadline WHERE step='notify' ORDER BY 1"
    )
    trail = query(db, "SELECT entity_id FROM trail WHERE action='notify.sent' ORDER BY 1")
    assert notes == [
        (b, "短信", 1, "2026-10-17"),
        (c, "短信", 1, "2026-10-17"),
        (a, "电话", 0, "2026-10-16"),
    ]
    assert {r[1] for r in appeals} == {"notified"} and {r[3] for r in appeals} == {0}
    assert duties == [(b, "2026-10-17", 1), (c, "2026-10-17", 1), (a, "2026-10-16", 0)]
    assert sorted(r[0] for r in trail) == sorted([a, b, c])
    # called up: no longer pending, listed as done
    listing = _pending(db, date(2026, 10, 18))
    assert listing.items == [] and len(listing.done) == 3


def test_sent_refuses_appeal_not_scheduled_nothing_changed(db_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 21))
    (ok,) = on_session(db_path, sid)
    (bad,) = on_session(db_path, sid, n=2)
    hear(db_path, date(2026, 10, 21), bad)  # referred: past the call-up
    with unchanged(db_path):
        with opened(db_path) as case:
            with pytest.raises(RuleError) as e:
                notify.record_sent(case, act(TODAY), channel="短信", appeals=[ok, bad])
            with pytest.raises(InputError):
                notify.record_sent(case, act(TODAY), channel="微信", appeals=[ok])
        assert bad in str(e.value)


def test_sent_refused_after_the_session(scheduled: tuple[Path, str, list[str]]) -> None:
    db, _, (a, _, _) = scheduled
    with unchanged(db), opened(db) as case, pytest.raises(RuleError):
        notify.record_sent(case, act(date(2026, 10, 22)), channel="电话", appeals=[a])


def test_postponed_session_needs_new_call_up(scheduled: tuple[Path, str, list[str]]) -> None:
    db, sid, (a, b, c) = scheduled
    with opened(db) as case:
        notify.record_sent(case, act(TODAY), channel="短信", session_id=sid)
        postpone_session(case, act(TODAY), sid, to=date(2026, 10, 27), reason="改期")
    items = _pending(db).items
    assert sorted(i.appeal for i in items) == sorted([a, b, c])
    assert all(i.renotify and "时间有变更" in i.text for i in items)
    assert {i.notify_by for i in items} == {date(2026, 10, 23)}  # Tue 10-27 - 3 = Sat → Fri


def test_cancelled_session_appeals_are_stranded(scheduled: tuple[Path, str, list[str]]) -> None:
    db, sid, appeals = scheduled
    with opened(db) as case:
        cancel_session(case, act(TODAY), sid, reason="取消")
    listing = _pending(db)
    assert listing.items == [] and sorted(listing.stranded) == sorted(appeals)
    with pytest.raises(RuleError):
        _pending(db, session=sid)


def test_export_has_full_numbers_bom_and_is_recorded(
    scheduled: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    db, sid, appeals = scheduled
    target = tmp_path / "batch.csv"
    with opened(db) as case:
        result = notify_batch.export_batch(case, act(TODAY), target, session_id=sid)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:2] == ["手机号码", "短信内容"]
    # one SMS per enterprise: 甲 (two appeals) once, 乙 once; plain digits for the gateway
    assert [r[0] for r in rows[1:]] == ["13812345678", "13900001111"]
    assert result.numbers == 2 and result.messages == 2
    assert sorted(result.appeals) == sorted(appeals)
    assert target.stat().st_mode & 0o077 == 0  # owner only: it holds personal data
    trail = query(db, "SELECT operator, entity_id, detail FROM trail WHERE action='notify.export'")
    assert len(trail) == 1 and trail[0][0] == OPERATOR and trail[0][1] == sid
    assert str(target) in trail[0][2] and '"numbers":2' in trail[0][2]
    assert '"messages":2' in trail[0][2]


def test_export_refuses_to_overwrite(
    scheduled: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    db, sid, _ = scheduled
    target = tmp_path / "batch.csv"
    target.write_text("keep", encoding="utf-8")
    before = fingerprint(db)
    with opened(db) as case:
        with pytest.raises(InputError):
            notify_batch.export_batch(case, act(TODAY), target, session_id=sid)
        assert target.read_text(encoding="utf-8") == "keep"
        assert fingerprint(db) == before
        notify_batch.export_batch(case, act(TODAY), target, session_id=sid, force=True)
    assert target.read_text(encoding="utf-8-sig").startswith("手机号码")


def test_export_skips_landlines(db_path: Path, tmp_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 21))
    (mobile,) = on_session(db_path, sid)
    (landline,) = on_session(db_path, sid, n=2, phone="0871-63100000")
    with opened(db_path) as case:
        result = notify_batch.export_batch(case, act(TODAY), tmp_path / "b.csv")
    assert result.appeals == [mobile] and result.skipped == [landline]


def test_export_neutralises_formula_cells(db_path: Path, tmp_path: Path) -> None:
    sid = plan(db_path, date(2026, 10, 21))
    on_session(db_path, sid, enterprise="=HYPERLINK(1)")
    with opened(db_path) as case:
        notify_batch.export_batch(case, act(TODAY), tmp_path / "b.csv")
    rows = list(csv.reader((tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][3] == "'=HYPERLINK(1)"


# -- CLI ------------------------------------------------------------------------------------


def test_cli_json_items(scheduled: tuple[Path, str, list[str]], cli) -> None:  # type: ignore[no-untyped-def]
    db, sid, _ = scheduled
    ran = cli(db, "notify", "--session", sid, "--json", today="2026-10-17")
    assert ran.code == 0, ran.stderr
    items = ran.json()["items"]
    assert len(items) == 3
    assert {i["notify_by"] for i in items} == {"2026-10-16"}
    assert all(i["late"] is True for i in items)
    assert "13812345678" not in ran.stdout


def test_cli_sent_and_refusals(scheduled: tuple[Path, str, list[str]], cli) -> None:  # type: ignore[no-untyped-def]
    db, sid, (a, _, _) = scheduled
    with unchanged(db):
        for args in (
            ("notify", "--sent"),
            ("notify", "--channel", "短信"),
            ("notify", "--sent", "--channel", "传真"),
            ("notify", "--appeal", "202699-001-1", "--sent", "--channel", "短信"),
        ):
            ran = cli(db, *args, today="2026-10-08")
            assert ran.code == 1, args
            assert "Traceback" not in ran.stderr and ran.stderr.strip()
    ran = cli(db, "notify", "--appeal", a, "--sent", "--channel", "短信", "--json",
              today="2026-10-08")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert ran.json()["items"] == [
        {"appeal": a, "session": sid, "notify_by": "2026-10-16", "late": False}
    ]


def test_cli_export(scheduled: tuple[Path, str, list[str]], cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _, _ = scheduled
    target = tmp_path / "叫号.csv"
    ran = cli(db, "notify", "--export", str(target), today="2026-10-08")
    assert ran.code == 0, ran.stderr
    assert "13812345678" in target.read_text(encoding="utf-8-sig")
    again = cli(db, "notify", "--export", str(target), today="2026-10-08")
    assert again.code == 1 and "--force" in again.stderr


# -- one call-up per enterprise and session -------------------------------------------------


def test_one_message_per_enterprise_lists_its_slot_and_appeals(
    scheduled: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    db, sid, (a, b, c) = scheduled
    listing = _pending(db)
    assert [(m.slot, m.appeals) for m in listing.messages] == [(1, [b, c]), (2, [a])]
    first, second = listing.messages
    assert f"顺序号1号（诉求2件：{b}、{c}）" in first.text
    assert f"顺序号2号（诉求号{a}）" in second.text
    # every item of an enterprise carries its one message (the JSON stays per appeal)
    assert {i.text for i in listing.items if i.appeal in (b, c)} == {first.text}
    target = tmp_path / "batch.csv"
    with opened(db) as case:
        notify_batch.export_batch(case, act(TODAY), target, session_id=sid)
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 3  # header + one row per enterprise
    assert [(r[1], r[2], r[7]) for r in rows[1:]] == [
        (first.text, f"{b}、{c}", "1"),
        (second.text, a, "2"),
    ]


def test_a_number_shared_by_two_enterprises_counts_once(db_path: Path, tmp_path: Path) -> None:
    """One agent's mobile for two firms: each firm gets its own message (its own slot),
    and the export counts one number."""
    sid = plan(db_path, date(2026, 10, 21))
    (x,) = on_session(db_path, sid, "用电报装慢", n=1, on=date(2026, 10, 8))
    (y,) = on_session(db_path, sid, "用地审批慢", n=2, on=date(2026, 10, 8), phone="13812345678")
    listing = _pending(db_path)
    assert [(i.appeal, i.slot) for i in listing.items] == [(x, 1), (y, 2)]
    with opened(db_path) as case:
        result = notify_batch.export_batch(case, act(TODAY), tmp_path / "b.csv")
    assert result.messages == 2 and result.numbers == 1


def test_many_appeals_named_up_to_three() -> None:
    assert notify._appeals_note(["1", "2", "3", "4", "5"]) == "（诉求5件：1、2、3等）"


def test_sent_for_one_appeal_records_its_enterprise_siblings(
    scheduled: tuple[Path, str, list[str]],
    cli,  # type: ignore[no-untyped-def]
) -> None:
    db, _, (a, b, c) = scheduled
    ran = cli(db, "notify", "--appeal", b, "--sent", "--channel", "短信", "--json",
              today="2026-10-08")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert [i["appeal"] for i in ran.json()["items"]] == [b, c]
    assert [i.appeal for i in _pending(db).items] == [a]


def test_cli_export_counts_each_number_once(
    scheduled: tuple[Path, str, list[str]],
    cli,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    db, sid, _ = scheduled
    ran = cli(db, "notify", "--session", sid, "--export", str(tmp_path / "叫号.csv"),
              today="2026-10-08")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert "已导出 2 条短信（2 个号码，3 件诉求" in ran.stderr + ran.stdout
    listed = cli(db, "notify", "--session", sid, "--json", today="2026-10-08").json()
    assert len(listed["items"]) == 3 and len(listed["messages"]) == 2
