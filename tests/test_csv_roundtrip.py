"""Every CSV zuozhen writes, opened and re-saved by a spreadsheet: LibreOffice Calc
headless converts each to XLSX and back to CSV (Chinese locale, UTF-8), and every cell —
credit codes all digits or with an E, phones, landlines with their leading zero, IDs,
dates — comes back as zuozhen meant it (the ``="…"`` cells as the text inside).

Skipped when LibreOffice is absent (Debian: ``apt-get install libreoffice-calc-nogui``);
marked slow, as two LibreOffice runs take several seconds.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.factories import hear, plan, run_cli
from tests.factories import scheduled as on_session
from zuozhen.files.csvin import unwrap

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)",
    ),
]

ALL_DIGITS = "915301001234567805"  # Calc, Excel, WPS: 9.15301001234568E+17
E_FORM = "9153010012345670E8"  # read as 9.15E+23
LANDLINE = "0871-63100000"  # kept as typed: text to a spreadsheet too


def _soffice(args: list[str], profile: Path) -> None:
    assert SOFFICE is not None
    ran = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr


def _cells(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(text, newline="")) if row]


def _same(ours: str, back: str) -> bool:
    if ours == back:
        return True
    try:  # a number may come back in another form (60.0 → 60)
        return float(ours) == float(back)
    except ValueError:
        return False


@pytest.fixture
def exports(db_path: Path, tmp_path: Path) -> list[Path]:
    """Every CSV export of a small month: quarterly, items (with contacts), record, SMS."""
    sid = plan(db_path, date(2026, 10, 21))
    a = on_session(db_path, sid, "电费补贴", "用地审批", n=1, uscc=ALL_DIGITS)
    b = on_session(db_path, sid, "融资难", n=2, uscc=E_FORM, phone="13900001111")
    c = on_session(db_path, sid, "=HYPERLINK(1)", n=3, phone=LANDLINE)
    out = tmp_path / "exports"
    out.mkdir()
    files = {
        "sms": ("notify", "--session", sid, "--export"),
    }
    for name, args in files.items():
        ran = run_cli(db_path, *args, str(out / f"{name}.csv"), today="2026-10-12")
        assert ran.code == 0, ran.stderr
    hear(db_path, date(2026, 10, 21), a[0], resolved="现场答复")
    for appeal in (a[1], *b, *c):
        hear(db_path, date(2026, 10, 21), appeal)
    later = {
        "quarterly": ("report", "quarterly", "--quarter", "2026Q4", "--csv"),
        "items": ("report", "items", "--month", "2026-10", "--with-contacts", "--csv"),
        "record": ("report", "record", "--session", sid, "--csv"),
    }
    for name, args in later.items():
        ran = run_cli(db_path, *args, str(out / f"{name}.csv"), today="2026-10-25")
        assert ran.code == 0, ran.stderr
    return sorted(out.iterdir())


def test_every_csv_survives_libreoffice(exports: list[Path], tmp_path: Path) -> None:
    profile, sheets, back = tmp_path / "lo-profile", tmp_path / "xlsx", tmp_path / "back"
    # Chinese (PRC) locale (2052), UTF-8 (76), comma, double quote, from line 1.
    _soffice(
        [
            "--infilter=CSV:44,34,76,1,,2052",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(sheets),
            *map(str, exports),
        ],
        profile,
    )
    saved = sorted(sheets.glob("*.xlsx"))
    assert len(saved) == len(exports)
    _soffice(
        [
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(back),
            *map(str, saved),
        ],
        profile,
    )
    seen: set[str] = set()
    for original in exports:
        ours = [[unwrap(c) for c in row] for row in _cells(original)]
        again = _cells(back / original.name)
        assert len(again) == len(ours), original.name
        for r, (row, got) in enumerate(zip(ours, again, strict=True)):
            got = got + [""] * (len(row) - len(got))  # Calc drops trailing empty cells
            bad = [(x, y) for x, y in zip(row, got, strict=False) if not _same(x, y)]
            assert not bad, f"{original.name} row {r + 1}: {bad}"
            seen.update(row)
    # the codes at risk were all there to be checked, and came back whole
    assert {ALL_DIGITS, E_FORM, LANDLINE, "13900001111", "2026-10-21"} <= seen
