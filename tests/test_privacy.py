"""Personal data (PIPL): phone numbers masked everywhere unless explicitly asked for.

An office is set up through the CLI: three September appeals (heard, handed off, one
closed and rated), an enterprise that booked again with a new phone number, and an October
appeal waiting to be called up. Every listing and export is then read and must not hold
any full phone number: list, show, notify (its call-up list), report items, quarterly
CSV/XLSX, bulletin, audit, history, search, session record. Only the two explicit options
give full numbers — ``report items --with-contacts`` and ``notify --export`` (the SMS
gateway file) — and each such request is recorded in the audit trail. The case file, its
backups and every export holding contacts are readable by the owner only (0600).
"""

from __future__ import annotations

import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from tests.factories import OPERATOR, must, run_cli, uscc
from tests.scenarios import OCT_SESSION, SEPT_SESSION, prepare_office
from zuozhen.validation import mask_phone

NEW_PHONE = "13912345678"
LANDLINE = "0871-63123456"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("privacy")
    db = folder / "office.db"
    assert run_cli(str(db), "init")[0] == 0
    sept = prepare_office(str(db), n=3)
    a, b, _ = sept
    must(str(db), "assign", "to", a, "--unit", "省税务局", today="2026-09-24")
    must(str(db), "assign", "to", b, "--unit", "省财政厅", today="2026-09-24")
    must(
        str(db), "assign", "accept", a, "--handler", "钱", "--measures", "核对", today="2026-09-28"
    )
    must(str(db), "assign", "report", a, "--text", "已办", today="2026-10-09")
    must(str(db), "close", a, "--outcome", "已解决", "--result", "已兑现", today="2026-10-09")
    must(str(db), "rate", a, "--service", "满意", "--handling", "不满意", today="2026-10-12")
    # The first enterprise books again in October with a new number, confirmed by the
    # clerk: the change is in the trail.
    must(str(db), "book", "--enterprise", "云南预备0号科技有限公司", "--uscc", uscc(900000),
         "--contact", "王小明", "--phone", NEW_PHONE, "--appeal", "新的诉求：用工难",
         "--update-enterprise", "--json", today="2026-10-09")  # fmt: skip
    landline = must(str(db), "book", "--enterprise", "昆明座机商贸有限公司", "--uscc", uscc(77),
                    "--contact", "张三丰", "--phone", LANDLINE, "--appeal", "货车通行证", "--json",
                    today="2026-10-09")  # fmt: skip
    listed = must(str(db), "list", "--month", "2026-10", "--json")["appeals"]
    october = [x["id"] for x in listed]
    for aid in october:
        must(str(db), "triage", aid, "--session", OCT_SESSION, "--verified", today="2026-10-12")
    assert landline["appeals"][0] in october
    return db, sept + october


def phones(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    out = [r[0] for r in conn.execute("SELECT phone FROM enterprise")]
    conn.close()
    assert NEW_PHONE in out and LANDLINE in out and len(out) == 4
    return out


def assert_no_phone(db: Path, text: str, where: str) -> None:
    for p in phones(db):
        assert p not in text, f"{where}: full number {p} shown"
        assert p.replace("-", "") not in text, f"{where}: full number {p} shown"
        assert p[-8:] not in text, f"{where}: the dialable part of {p} shown"


def out(db: Path, *args: str, today: str = "2026-10-16") -> str:
    code, so, se = run_cli(str(db), *args, today=today)
    assert code in (0, 3), (args, so, se)
    return so + se


@pytest.mark.parametrize(
    "command",
    [
        ("list",),
        ("list", "--json"),
        ("list", "--month", "2026-10", "--json"),
        ("audit", "--all"),
        ("audit", "--json"),
        ("search", "诉求"),
        ("search", "电费补贴", "--json"),
        ("session", "list", "--json"),
        ("report", "items", "--month", "2026-10"),
        ("report", "items", "--month", "2026-10", "--json"),
        ("report", "items", "--month", "2026-09", "--json"),
        ("report", "quarterly", "--quarter", "2026Q4"),
        ("report", "quarterly", "--quarter", "2026Q3", "--json"),
        ("report", "quarterly", "--quarter", "2026Q4", "--by", "region", "--json"),
        ("report", "bulletin", "--quarter", "2026Q4", "--format", "md"),
        ("report", "bulletin", "--quarter", "2026Q3"),
        ("report", "record", "--session", SEPT_SESSION, "--json"),
        ("report", "record", "--session", OCT_SESSION),
    ],
    ids=lambda c: " ".join(c),
)
def test_listings_and_reports_never_show_a_full_number(
    office: tuple[Path, list[str]], command: tuple[str, ...]
) -> None:
    db, _ = office
    assert_no_phone(db, out(db, *command), " ".join(command))


def test_show_and_history_mask_the_number(office: tuple[Path, list[str]]) -> None:
    db, appeals = office
    for aid in appeals:
        for args in (
            ("show", aid),
            ("show", aid, "--json"),
            ("history", aid),
            ("history", aid, "--json"),
        ):
            assert_no_phone(db, out(db, *args), " ".join(args))
    shown = out(db, "show", appeals[-1], "--json")
    assert mask_phone(LANDLINE) in shown  # recognisable, not dialable
    # the booking's trail event of the phone change holds only masked numbers
    conn = sqlite3.connect(db)
    details = " ".join(r[0] for r in conn.execute("SELECT detail FROM trail"))
    conn.close()
    assert_no_phone(db, details, "trail")
    assert mask_phone(NEW_PHONE) in details


def test_notify_list_masks_the_number(office: tuple[Path, list[str]]) -> None:
    db, _ = office
    for args in (("notify",), ("notify", "--json"), ("notify", "--session", OCT_SESSION, "--json")):
        text = out(db, *args, today="2026-10-16")
        assert_no_phone(db, text, " ".join(args))
    assert mask_phone(NEW_PHONE) in out(db, "notify", "--json", today="2026-10-16")


def test_exports_without_contacts_hold_no_number(
    office: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, _ = office
    files = {
        "items.csv": ("report", "items", "--month", "2026-10", "--csv"),
        "items.xlsx": ("report", "items", "--month", "2026-10", "--xlsx"),
        "q.csv": ("report", "quarterly", "--quarter", "2026Q4", "--csv"),
        "q.xlsx": ("report", "quarterly", "--quarter", "2026Q4", "--xlsx"),
        "b.html": ("report", "bulletin", "--quarter", "2026Q4", "--output"),
        "rec.csv": ("report", "record", "--session", SEPT_SESSION, "--csv"),
        "notices": ("audit", "notices", "--output"),
    }
    for name, args in files.items():
        target = tmp_path / name
        out(db, *args, str(target), today="2026-11-30")
        for f in [target] if target.is_file() else sorted(target.iterdir()):
            assert_no_phone(db, read_any(f), name)


def read_any(path: Path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_bytes().decode("utf-8-sig", "replace")


def trail_actions(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT action, operator, detail FROM trail ORDER BY id").fetchall()
    conn.close()
    return rows


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_items_with_contacts_is_recorded_and_owner_only(
    office: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, _ = office
    n = len(trail_actions(db))
    csv, xlsx = tmp_path / "contacts.csv", tmp_path / "contacts.xlsx"
    out(db, "report", "items", "--month", "2026-10", "--with-contacts", "--csv", str(csv),
        "--xlsx", str(xlsx))  # fmt: skip
    for f in (csv, xlsx):
        assert NEW_PHONE in read_any(f), f  # asked for: full numbers
        assert owner_only(f), f"{f.name} is readable by others: {oct(f.stat().st_mode)}"
    shown = out(db, "report", "items", "--month", "2026-10", "--with-contacts")
    assert NEW_PHONE in shown
    new = trail_actions(db)[n:]
    assert [a for a, _, _ in new] == ["export.contacts", "export.contacts"]
    assert str(csv) in new[0][2] and "终端显示" in new[1][2]
    assert all(op == OPERATOR for _, op, _ in new)


def test_sms_gateway_export_is_recorded_and_owner_only(
    office: tuple[Path, list[str]], tmp_path: Path
) -> None:
    db, _ = office
    n = len(trail_actions(db))
    batch = tmp_path / "叫号.csv"
    out(db, "notify", "--session", OCT_SESSION, "--export", str(batch), today="2026-10-16")
    text = read_any(batch)
    assert NEW_PHONE in text and LANDLINE not in text  # landlines are phoned, not texted
    assert owner_only(batch)
    new = trail_actions(db)[n:]
    assert [a for a, _, _ in new] == ["notify.export"] and str(batch) in new[0][2]


def test_case_file_and_backup_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    assert run_cli(str(db), "init")[0] == 0
    assert owner_only(db)
    copy = tmp_path / "copy.db"
    assert run_cli(str(db), "backup", str(copy))[0] == 0
    assert owner_only(copy)
