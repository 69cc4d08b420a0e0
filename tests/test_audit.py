"""The daily audit list on a seeded case file, checked item by item at several dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import act, plan, scheduled, unchanged
from zuozhen import closing, duties, handoff, hearing
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader
from zuozhen.store.storage import CaseFile
from zuozhen.supervision import DailyList, daily_list

D0 = date(2026, 9, 24)
A, B, C = "202609-001-1", "202609-001-2", "202609-001-3"
D = "202609-002-1"


def items(result: DailyList, which: str) -> list[tuple[str, str, str, int]]:
    rows = result.overdue if which == "overdue" else result.due_soon
    return [
        (i.appeal, i.step, i.due.isoformat(), i.days_overdue if which == "overdue" else i.days_left)
        for i in rows
    ]


def audit(db: Path, today: date, within: int | None = None, unit: str | None = None) -> DailyList:
    with Reader(str(db)) as r:
        return daily_list(r, today, within, unit)


@pytest.fixture
def seeded(db_path: Path, case: CaseFile) -> Path:
    """A: single hand-off; B: joint, undertaken on time; C: resolved on the spot and rated
    不满意; D: scheduled for 09-30, neither verified nor called up."""
    s1 = plan(case, D0, lead="张厅长")
    s2 = plan(case, date(2026, 9, 30), lead="张厅长")
    scheduled(case, s1, "电费补贴未兑现", "用地审批慢", "融资难")
    scheduled(case, s2, "车辆通行证办理难", n=2, enterprise="昆明某物流公司", verified=False)
    # D's verify limit counted from 09-01 rather than the window's close (09-07 → 09-16):
    # an item overdue long before the hand-offs. Its notify limit is triage's own (09-24).
    with case.write(act(date(2026, 9, 1))) as tx:
        duties.open_duty(tx, D, "verify", date(2026, 9, 1), 7, "wd")  # → 09-10
    for aid in (A, B):
        hearing.hear(case, act(D0), aid, refer=True)
    handoff.hand_off(case, act(D0), A, ["省财政厅"])
    handoff.hand_off(case, act(D0), B, ["省自然资源厅", "省住房城乡建设厅"])
    hearing.hear(case, act(D0), C, resolved="现场答复：已对接银行")
    # later acts (they do not touch the 09-24 window)
    handoff.undertake(case, act(date(2026, 10, 9)), B, handler="周五", measures="分工核查")
    closing.rate(case, act(date(2026, 10, 12)), C, service="满意", handling="不满意")
    return db_path


def test_audit_on_hand_off_day(seeded: Path) -> None:
    r = audit(seeded, D0)
    assert r.horizon == date(2026, 9, 30)
    assert items(r, "overdue") == [(D, "verify", "2026-09-10", 11)]
    assert items(r, "due_soon") == [(D, "notify", "2026-09-24", 0)]
    assert [i.unit for i in r.overdue] == ["云南省发展改革委"]
    assert r.overdue[0].enterprise == "昆明某物流公司"


def test_audit_after_the_break(seeded: Path) -> None:
    r = audit(seeded, date(2026, 10, 12))
    assert r.horizon == date(2026, 10, 15)
    # 10-10 is a make-up Saturday: A's plan limit (10-09) is 2 working days overdue on 10-12.
    # D's session (09-30) is over: its outcome is owed (by the next working day, 10-08 after
    # the National Day break), not its call-up, which can no longer be made.
    assert items(r, "overdue") == [
        (D, "verify", "2026-09-10", 18),
        (D, "hear", "2026-10-08", 3),
        (A, "accept", "2026-10-09", 2),
    ]
    assert items(r, "due_soon") == []
    assert [(x.appeal, x.revisit_due) for x in r.dissatisfied] == [(C, date(2026, 10, 26))]

    r = audit(seeded, date(2026, 10, 20))
    assert [x[:3] for x in items(r, "overdue")][-1] == (A, "accept", "2026-10-09")
    assert items(r, "due_soon") == [(A, "report", "2026-10-22", 2)]

    wide = audit(seeded, date(2026, 10, 20), within=7)
    assert wide.horizon == date(2026, 10, 29)
    assert items(wide, "due_soon") == [
        (A, "report", "2026-10-22", 2),
        (C, "revisit", "2026-10-26", 4),
        (B, "report", "2026-10-29", 7),
    ]
    by_unit = wide.by_unit()
    assert by_unit[0][0] == "云南省发展改革委"  # its verify item is the oldest
    assert [u for u, _ in by_unit] == ["云南省发展改革委", "省财政厅", "省自然资源厅"]

    only = audit(seeded, date(2026, 10, 20), within=7, unit="省财政厅")
    assert [(i.appeal, i.step) for i in [*only.overdue, *only.due_soon]] == [
        (A, "accept"),
        (A, "report"),
    ]


def test_done_items_leave_the_list(seeded: Path, case: CaseFile) -> None:
    handoff.undertake(case, act(date(2026, 10, 12)), A, handler="李四", measures="核查")
    handoff.report_back(case, act(date(2026, 10, 20)), A, text="已兑现")
    r = audit(seeded, date(2026, 10, 20), within=7)
    # A's unit steps are done: only the organiser's 销号 is left (5 WD after the report)
    assert [(i.appeal, i.step, i.due.isoformat(), i.unit) for i in r.due_soon if i.appeal == A] == [
        (A, "close", "2026-10-27", "云南省发展改革委")
    ]
    assert all(i.appeal != A for i in r.overdue)
    hearing.hear(case, act(date(2026, 9, 30)), D, refer=True)  # drops verify and notify
    r = audit(seeded, date(2026, 10, 20))
    # recorded: the outcome is no longer owed; the referral owes its hand-off (2 WD)
    assert items(r, "overdue") == [(D, "handoff", "2026-10-09", 8)]


def test_audit_within_zero_and_bad_value(seeded: Path) -> None:
    r = audit(seeded, D0, within=0)
    assert r.horizon == D0 and items(r, "due_soon") == [(D, "notify", "2026-09-24", 0)]
    with pytest.raises(InputError):
        audit(seeded, D0, within=-1)


def test_audit_cli_json_and_fail_on_overdue(seeded: Path, cli: Any) -> None:
    with unchanged(seeded):
        ran = cli(seeded, "audit", "--json", today="2026-10-20")
        assert ran.code == 0
        doc = ran.json()
        assert [(x["appeal"], x["step"], x["due"], x["unit"]) for x in doc["overdue"]] == [
            (D, "verify", "2026-09-10", "云南省发展改革委"),
            (D, "hear", "2026-10-08", "云南省发展改革委"),
            (A, "accept", "2026-10-09", "省财政厅"),
        ]
        assert [(x["appeal"], x["step"], x["due"]) for x in doc["due_soon"]] == [
            (A, "report", "2026-10-22")
        ]
        assert doc["overdue"][2]["days_overdue"] == 8 and doc["overdue"][2]["unit"] == "省财政厅"
        ran = cli(seeded, "audit", "--fail-on-overdue", today="2026-10-20")
        assert ran.code == 3 and "省财政厅" in ran.stdout and "超期 8 个工作日" in ran.stdout
        ran = cli(
            seeded, "audit", "--fail-on-overdue", "--unit", "省自然资源厅", today="2026-10-20"
        )
        assert ran.code == 0


def test_audit_empty_case_file(db_path: Path, cli: Any) -> None:
    ran = cli(db_path, "audit", "--fail-on-overdue", today="2026-10-20")
    assert ran.code == 0 and "没有超期" in ran.stdout


def test_notices_one_per_unit(seeded: Path, tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "督办单"
    ran = cli(seeded, "audit", "notices", "--output", str(out), "--json", today="2026-10-23")
    assert ran.code == 0, ran.stderr
    notices = ran.json()["notices"]
    # A accept and A report are overdue on 10-23; D's organiser steps get no notice
    assert [(n["unit"], n["items"], n["number"]) for n in notices] == [
        ("省财政厅", 2, "云发改坐诊督〔2026〕1号")
    ]
    assert notices[0]["reply_by"] == "2026-10-28"  # 3 working days after 10-23 (a Friday)
    text = Path(notices[0]["path"]).read_text(encoding="utf-8")
    lines = text.splitlines()
    # the office and the number, the signature and the date: each on a line of its own
    assert lines[:2] == ["云南省发展和改革委员会", "云发改坐诊督〔2026〕1号"]
    assert lines[-2:] == ["云南省发展和改革委员会", "2026年10月23日"]
    assert "省财政厅：" in lines and A in text and "2026年10月9日" in text
    assert "2026年10月22日" in text and D not in text and "2026-10" not in text
    assert "承办期限" in text and "反馈期限" in text and "回复期限：2026年10月28日" in text
    assert "|---" not in text
    assert sorted(p.name for p in out.iterdir()) == ["督办单-2026-10-23-省财政厅.md"]
    ran = cli(
        seeded, "audit", "notices", "--output", str(tmp_path / "x"), "--json", today="2026-09-24"
    )
    assert ran.code == 0 and ran.json() == {"notices": []}


def test_the_human_list_shows_every_overdue_item_and_counts_per_unit(
    seeded: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A province's list is long: per unit, every overdue item is listed, the items not yet
    overdue only up to a limit (then how to see them all), and a count per unit first."""
    from zuozhen.commands import supervision as command

    monkeypatch.setattr(command, "PER_UNIT", 0)  # as if every unit had more than the limit
    text = cli(seeded, "audit", "--within", "10", today="2026-10-20").stdout
    lines = text.splitlines()
    # the counts: the organiser 2 overdue, 1 due; 省财政厅 1 overdue (accept), 1 due (report)
    assert any(x.split()[:4] == ["省财政厅", "1", "/", "1"] for x in lines), text
    assert any(x.split()[:4] == ["云南省发展改革委", "2", "/", "1"] for x in lines), text
    # every overdue item, with its state; the one not yet overdue is left out, and said so
    finance = text[text.index("省财政厅（2 项，其中超期 1 项）") :]
    assert f"{A}" in finance and "超期 8 个工作日" in finance and "反馈" not in finance
    assert "另有 1 项尚未列出：zuozhen audit --unit 省财政厅 或 --all 查看全部" in finance
    organiser = text[text.index("云南省发展改革委（") :]
    assert organiser.count(D) >= 2
    # --all and --unit list everything, nothing left out
    for args in (("--all",), ("--unit", "省财政厅")):
        text = cli(seeded, "audit", "--within", "10", *args, today="2026-10-20").stdout
        assert "反馈" in text and "另有" not in text and "还剩" in text
