"""The same code on PostgreSQL: schema, append-only rules, numbering, the CLI."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy.exc import DBAPIError

from tests.factories import run_cli
from tests.pg import needs_pg
from zuozhen.config import compose
from zuozhen.errors import CaseFileError
from zuozhen.store.storage import Act, create_case_file, open_case_file
from zuozhen.store.trail import verify_chain

pytestmark = [pytest.mark.postgres, needs_pg]
ACT = Act("甲", date(2026, 10, 8))


def test_create_open_and_refuse_overwrite(pg_db: str) -> None:
    create_case_file(pg_db, compose("province"), ACT).close()
    with pytest.raises(CaseFileError, match="不会覆盖"):
        create_case_file(pg_db, compose("province"), ACT)
    case = open_case_file(pg_db)
    assert case.config.limits.report_joint == 20
    case.close()


def test_trail_and_rating_are_append_only(pg_db: str) -> None:
    case = create_case_file(pg_db, compose("province"), ACT)
    with case.write(ACT) as tx:
        tx.record("test", "x", "1", {"a": 1})
    with pytest.raises(DBAPIError, match="留痕记录只能追加"), case.write(ACT) as tx:
        tx.session.connection().exec_driver_sql("UPDATE trail SET operator = '乙'")
    with pytest.raises(DBAPIError, match="留痕记录只能追加"), case.write(ACT) as tx:
        tx.session.connection().exec_driver_sql("DELETE FROM trail")
    with pytest.raises(DBAPIError, match="企业评价"), case.write(ACT) as tx:
        tx.session.connection().exec_driver_sql("DELETE FROM rating")
    with case.read() as s:
        assert verify_chain(s) == []
    case.close()


def test_numbers_unique_under_concurrency(pg_db: str) -> None:
    create_case_file(pg_db, compose("province"), ACT).close()
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        case = open_case_file(pg_db)
        for _ in range(10):
            with case.write(ACT) as tx:
                n = tx.allocate("booking:2026-10")
                tx.record("test", "counter", str(n))
            with lock:
                got.append(n)
        case.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 41))
    case = open_case_file(pg_db)
    with case.read() as s:
        assert verify_chain(s) == []  # the chain never forked
    case.close()


def test_cli_on_postgres(pg_db: str) -> None:
    assert run_cli(pg_db, "init").code == 0
    r = run_cli(pg_db, "calendar", "due", "2026-09-24", "20", "--json")
    assert r.code == 0 and r.json()["due"] == "2026-10-29"
    r = run_cli(pg_db, "verify", "--json")
    assert r.code == 0 and r.json()["ok"] is True
    from sqlalchemy.engine import make_url

    password = make_url(pg_db).password
    again = run_cli(pg_db, "init")
    assert again.code == 1 and "不会覆盖" in again.stderr
    assert password and password not in again.stderr + again.stdout


def test_an_edit_behind_the_back_is_named_on_postgres(pg_db: str) -> None:
    """The seals replay the same on PostgreSQL: an UPDATE outside zuozhen is named."""
    from sqlalchemy import create_engine, text

    from tests.factories import book_args

    assert run_cli(pg_db, "init").code == 0
    booked = run_cli(pg_db, *book_args(1, "用地审批慢", "融资难"), "--json", today="2026-09-01")
    assert booked.code == 0, booked.stderr
    first, second = booked.json()["appeals"]
    assert run_cli(pg_db, "verify", "--json").json()["records"] == []
    engine = create_engine(pg_db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE appeal SET text = '篡改' WHERE id = :a"), {"a": second})
        conn.execute(text("UPDATE deadline SET due = due + 1 WHERE appeal_id = :a"), {"a": first})
    engine.dispose()
    r = run_cli(pg_db, "verify", "--json")
    assert r.code == 1
    assert [t["id"] for t in r.json()["records"]] == [first, second]
