"""挂号 (book): the booking window, merging, enterprises, numbers, refusals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.factories import Ran, book, unchanged, uscc
from tests.factories import query as rows
from zuozhen.errors import InputError, RuleError

Cli = Callable[..., Ran]


def verify_due(db: Path, appeal: str) -> str:
    return str(
        rows(db, "SELECT due FROM deadline WHERE appeal_id=? AND step='verify'", appeal)[0][0]
    )


# -- the booking window ----------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-10-08", "2026-10-10", "2026-10-11", "2026-10-13"])
def test_october_window_accepts(db_path: Path, day: str) -> None:
    # 10-10 is a Saturday make-up working day; 10-11 (Sunday) lies inside the window.
    r = book(db_path, date.fromisoformat(day))
    assert r.booking == "202610-001" and r.late_reason is None
    assert [d.isoformat() for d in r.window.dates] == [
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        "2026-10-12",
        "2026-10-13",
    ]
    # 7 WD after the window's close 10-13: 14 15 16 19 20 21 22.
    assert r.verify_due == date(2026, 10, 22)
    assert verify_due(db_path, r.appeals[0]) == "2026-10-22"


@pytest.mark.parametrize("day", ["2026-10-14", "2026-10-07", "2026-10-31"])
def test_october_window_refuses_outside(db_path: Path, day: str) -> None:
    with unchanged(db_path):
        with pytest.raises(RuleError) as exc:
            book(db_path, date.fromisoformat(day))
        assert "2026-10-08 至 2026-10-13" in str(exc.value) and "--late" in str(exc.value)


def test_late_booking_counts_verification_from_its_own_date(db_path: Path) -> None:
    r = book(db_path, date(2026, 10, 14), late="企业临时申请，经处室同意加号")
    assert r.late_reason == "企业临时申请，经处室同意加号"
    # 7 WD after 10-14: 15 16 19 20 21 22 23.
    assert r.verify_due == date(2026, 10, 23)
    assert rows(db_path, "SELECT late_reason FROM booking WHERE id=?", r.booking) == [
        ("企业临时申请，经处室同意加号",)
    ]
    detail = rows(db_path, "SELECT detail FROM trail WHERE action='book'")[0][0]
    assert "企业临时申请" in str(detail)


def test_january_2026_window_opens_on_sunday_makeup_day(db_path: Path) -> None:
    r = book(db_path, date(2026, 1, 4))  # Sunday, a make-up working day
    assert r.window.first == date(2026, 1, 4) and r.window.last == date(2026, 1, 8)
    assert r.verify_due == date(2026, 1, 19)  # 9 12 13 14 15 16 19
    with pytest.raises(RuleError):
        book(db_path, date(2026, 1, 3), 2)
    with pytest.raises(RuleError):
        book(db_path, date(2026, 1, 9), 3)


# -- one booking per enterprise per month ------------------------------------------------


def test_second_booking_same_month_merges(db_path: Path) -> None:
    first = book(db_path, date(2026, 10, 8), 1, "诉求一", "诉求二")
    other = book(db_path, date(2026, 10, 8), 2, "别家的诉求")
    again = book(
        db_path,
        date(2026, 10, 9),
        1,
        "诉求三",
        "诉求一",  # already booked: skipped, not booked twice
        uscc=uscc(1).lower()[:9] + " " + uscc(1).lower()[9:],  # lower case and a space
        phone="+86 139-0871-0000",
        contact="李四",
        update_enterprise=True,  # a new phone is taken only when the clerk confirms it
    )
    assert first.booking == "202610-001" and other.booking == "202610-002"
    assert again.booking == "202610-001" and again.merged
    assert again.appeals == ["202610-001-3"]
    assert again.skipped == ["诉求一"]
    assert rows(db_path, "SELECT count(*) FROM booking") == [(2,)]
    assert rows(db_path, "SELECT contact, phone FROM enterprise WHERE uscc=?", uscc(1)) == [
        ("李四", "13908710000")
    ]
    assert again.changed["contact"] == ["王小明", "李四"]
    assert again.changed["phone"] == ["138****5678", "139****0000"]
    trail = rows(db_path, "SELECT detail FROM trail WHERE action='book' ORDER BY id")
    assert "李四" in str(trail[-1][0]) and "13908710000" not in str(trail[-1][0])


def test_merge_with_nothing_new_is_refused(db_path: Path) -> None:
    book(db_path, date(2026, 10, 8), 1, "诉求一")
    with unchanged(db_path), pytest.raises(RuleError, match="没有新增"):
        book(db_path, date(2026, 10, 9), 1, "诉求一")


def test_next_month_is_a_new_booking(db_path: Path) -> None:
    oct_ = book(db_path, date(2026, 10, 8), 1)
    nov = book(db_path, date(2026, 11, 2), 1)
    assert oct_.booking == "202610-001" and nov.booking == "202611-001" and not nov.merged
    assert nov.appeals == ["202611-001-1"]
    assert rows(db_path, "SELECT count(*) FROM enterprise") == [(1,)]


def test_category_defaults_to_the_first_configured(db_path: Path) -> None:
    r = book(db_path, date(2026, 10, 8))
    assert r.category == "政策咨询"
    r2 = book(db_path, date(2026, 10, 8), 2, category="服务需求")
    assert rows(db_path, "SELECT category FROM appeal WHERE id=?", r2.appeals[0]) == [("服务需求",)]


def test_unknown_region_is_refused_with_the_closest(db_path: Path) -> None:
    with unchanged(db_path), pytest.raises(InputError, match="是不是“昆明市”"):
        book(db_path, date(2026, 10, 8), region="昆明")


def test_appeal_over_2000_characters_refused(db_path: Path) -> None:
    with pytest.raises(InputError, match="2000"):
        book(db_path, date(2026, 10, 8), 1, "长" * 2001)


# -- two clerks at the same moment ----------------------------------------------------------


def test_concurrent_clerks_get_unique_numbers(db_path: Path) -> None:
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def clerk(n: int) -> None:
        try:
            start.wait()
            r = book(db_path, date(2026, 10, 8), n % 6 + 1, f"诉求{n}")
            results.extend(r.appeals)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == len(set(results)) == 8
    # Six enterprises: six bookings numbered 001..006, no number lost or doubled.
    ids = [r[0] for r in rows(db_path, "SELECT id FROM booking ORDER BY id")]
    assert ids == [f"202610-{k:03d}" for k in range(1, 7)]
    assert rows(db_path, "SELECT count(*) FROM appeal") == [(8,)]


# -- through the CLI --------------------------------------------------------------------


def _args(**over: str) -> list[str]:
    base = {
        "--enterprise": "云南滇中新材料科技有限公司",
        "--uscc": uscc(7),
        "--contact": "王小明",
        "--phone": "138 1234 5678",
        "--appeal": "厂房用地审批慢",
    }
    base.update(over)
    return [x for kv in base.items() for x in kv]


def test_cli_book_json(db_path: Path, cli: Cli) -> None:
    ran = cli(db_path, "book", *_args(), "--appeal", "电费补贴", "--json", today="2026-10-09")
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["booking"] == "202610-001"
    assert doc["appeals"] == ["202610-001-1", "202610-001-2"]
    assert doc["verify_due"] == "2026-10-22"


def test_cli_book_human(db_path: Path, cli: Cli) -> None:
    ran = cli(db_path, "book", *_args(), today="2026-10-09")
    assert ran.code == 0
    assert "202610-001-1" in ran.stdout and "138****5678" in ran.stdout
    assert "13812345678" not in ran.stdout
    assert "2026-10-22" in ran.stdout and "zuozhen triage 202610-001-1" in ran.stderr


@pytest.mark.parametrize(
    ("over", "today", "words"),
    [
        ({"--uscc": uscc(7)[:-1] + ("1" if uscc(7)[-1] != "1" else "2")}, "2026-10-09", "校验位"),
        ({"--phone": "1381234567"}, "2026-10-09", "联系电话"),
        ({"--appeal": "   "}, "2026-10-09", "诉求内容（--appeal）不能为空"),
        ({"--category": "投诉举报"}, "2026-10-09", "诉求类别"),
        ({}, "2026/10/09", "YYYY-MM-DD"),
        ({}, "2026-10-14", "挂号窗口"),
        ({"--enterprise": ""}, "2026-10-09", "企业名称不能为空"),
    ],
)
def test_cli_refusals_change_nothing(
    db_path: Path, cli: Cli, over: dict[str, str], today: str, words: str
) -> None:
    with unchanged(db_path):
        ran = cli(db_path, "book", *_args(**over), today=today)
        assert ran.code == 1
        assert words in ran.stderr
        assert "Traceback" not in ran.stderr + ran.stdout


def test_cli_late_booking(db_path: Path, cli: Cli) -> None:
    ran = cli(db_path, "book", *_args(), "--late", "企业急需", "--json", today="2026-10-14")
    assert ran.code == 0, ran.stderr
    assert ran.json()["verify_due"] == "2026-10-23" and ran.json()["late"] is True


def test_cli_missing_option_is_usage_error(db_path: Path, cli: Cli) -> None:
    ran = cli(db_path, "book", "--enterprise", "某公司", today="2026-10-09")
    assert ran.code == 2 and "--uscc" in ran.stderr


def test_book_warnings_keep_the_clerks_brackets(db_path: Path) -> None:
    """A warning quoting the clerk's text keeps "[ce]" on the terminal (a real process:
    Rich would read it as a style tag and drop it)."""
    import os
    import subprocess
    import sys

    text = "出口产品[ce]认证费用补贴"
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "ZUOZHEN_TODAY": "2026-10-09"}
    zuozhen = [sys.executable, "-m", "zuozhen", "--db", str(db_path)]
    first = subprocess.run(
        [*zuozhen, "book", *_args(**{"--appeal": text})],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = subprocess.run(
        [*zuozhen, "book", *_args(**{"--appeal": text}), "--appeal", "电费补贴"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"1 项诉求与已登记的内容相同，未重复登记：{text}" in again.stderr.replace("\n", "")
