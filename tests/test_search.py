"""Search over every recorded text of every round, and ``show`` with every round (issue 12).

One office is built through the real CLI: an enterprise whose two appeals go every way
(answered on the spot, then reopened; handed off jointly, undertaken, extended with a
legal basis, reported, closed, rated 不满意, re-visited and reopened into a second round
with another unit), and a second enterprise for words that must not co-occur. Every text
a clerk records carries a marker word found in no other text, so each kind of text is
searched for on its own. The same script runs on PostgreSQL when a server is given, and
every search must answer the same there.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests.factories import fingerprint, only_migration, uscc
from tests.factories import run_cli as run
from tests.pg import needs_pg
from zuozhen import hearing, search
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader

TEA, TEA_CODE = "大理苍山茶业有限公司", uscc(11)
TRUCKS, TRUCKS_CODE = "昆明滇池物流有限公司", uscc(12)
# Appeals in booking order: the tea company's two, then the logistics company's two.
A1, A2, B1, B2 = "202609-001-1", "202609-001-2", "202609-002-1", "202609-002-2"
SYNTAX = '咨询"AND"(NEAR)*-号 OR 100%_!'  # FTS and LIKE syntax, to be taken literally


def must(db: str, *args: str, today: str | None = None) -> Any:
    code, out, err = run(db, *args, today=today)
    assert code == 0, (args, out, err)
    return json.loads(out) if "--json" in args else out


def build_office(db: str) -> None:
    """The office's September and October, through the CLI; see the module docstring."""
    must(db, "init")
    sid = must(db, "session", "plan", "--date", "2026-09-24", "--kind", "主场", "--theme",
               "外贸外资", "--unit", "省商务厅", "--lead", "张厅长", "--json",
               today="2026-08-28")["id"]  # fmt: skip
    book = ("--contact", "王小明", "--phone", "13812345678")
    must(db, "book", "--enterprise", TEA, "--uscc", TEA_CODE, *book,
         "--appeal", "茶叶出口退税进度慢", "--appeal", "茶园道路硬化申请无人受理", "--json",
         today="2026-09-01")  # fmt: skip
    must(db, "book", "--enterprise", TRUCKS, "--uscc", TRUCKS_CODE, *book,
         "--appeal", "货车通行证办理难", "--appeal", "出口报关手续复杂", "--appeal", SYNTAX,
         "--json", today="2026-09-02")  # fmt: skip
    for aid in (A1, A2, B1, B2, "202609-002-3"):
        extra = ("--class", "类别标记甲") if aid == A2 else ()
        must(db, "triage", aid, "--theme", "外贸外资", "--session", sid, "--verified", *extra,
             "--json", today="2026-09-08")  # fmt: skip
    must(db, "notify", "--session", sid, "--sent", "--channel", "短信", today="2026-09-18")
    day = "2026-09-24"
    must(db, "session", "hear", A1, "--resolved", "现场答复标记：当场明确退税时限", today=day)
    must(db, "session", "hear", A2, "--refer", "--note", "坐诊备注标记", today=day)
    must(db, "session", "hear", B1, "--refer", today=day)
    must(db, "session", "hear", B2, "--refer", today=day)
    # A2, round 1: joint hand-off, every step, closed, rated 不满意, re-visited and reopened.
    must(db, "assign", "to", A2, "--unit", "省交通运输厅", "--unit", "省林草局", today=day)
    must(db, "assign", "accept", A2, "--handler", "承办人赵标记", "--measures",
         "措施标记：成立道路专班", today="2026-09-28")  # fmt: skip
    must(db, "assign", "extend", A2, "--to", "2026-11-20", "--reason", "延期理由标记：需征求林草意见",
         "--basis", "延期依据标记：某条例第七条", today="2026-10-12")  # fmt: skip
    must(db, "assign", "report", A2, "--text", "反馈标记：道路已列入计划", today="2026-10-20")
    must(db, "close", A2, "--outcome", "已解决", "--result", "结果标记：道路已开工",
         today="2026-10-21")  # fmt: skip
    must(db, "rate", A2, "--service", "满意", "--handling", "不满意", "--comment",
         "评价意见标记：进度太慢", today="2026-10-22")  # fmt: skip
    must(db, "audit", "revisit", A2, "--note", "回访标记：道路确未完工", "--reopen",
         today="2026-10-23")  # fmt: skip
    # Round 2 goes to one unit only: 省林草局 is in round 1's hand-off alone.
    must(db, "assign", "to", A2, "--unit", "省交通运输厅", today="2026-10-26")
    must(db, "assign", "accept", A2, "--handler", "承办人钱", "--measures", "第二轮措施：挂牌督办",
         today="2026-10-27")  # fmt: skip
    # A1, answered on the spot, rated 不满意 and reopened: its answer must stay on record.
    must(db, "rate", A1, "--service", "满意", "--handling", "不满意", today="2026-09-25")
    must(db, "audit", "revisit", A1, "--note", "企业仍有疑问", "--reopen", today="2026-09-28")
    must(db, "assign", "to", A1, "--unit", "省税务局", today="2026-09-29")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("search") / "case.db")
    build_office(db)
    return db


def found(db: str, *words: str) -> dict[str, list[tuple[str, int | None]]]:
    """search --json: appeal → [(field, round)] of the texts that matched."""
    doc = must(db, "search", *words, "--json")
    assert doc["total"] == len(doc["appeals"])
    return {a["id"]: [(m["field"], m["round"]) for m in a["matches"]] for a in doc["appeals"]}


# -- every kind of text, of every round ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("茶园道路硬化", {A2: ("text", None)}),
        ("外贸外资", {A1: ("theme", None), B1: ("theme", None)}),
        ("类别标记甲", {A2: ("class", None)}),
        ("坐诊备注标记", {A2: ("hearing_note", None)}),
        ("当场明确退税时限", {A1: ("answer", 1)}),
        ("承办人赵标记", {A2: ("handler", 1)}),
        ("成立道路专班", {A2: ("measures", 1)}),
        ("道路已列入计划", {A2: ("report", 1)}),
        ("需征求林草意见", {A2: ("extension_reason", 1)}),
        ("某条例第七条", {A2: ("extension_basis", 1)}),
        ("道路已开工", {A2: ("result", 1)}),
        ("进度太慢", {A2: ("rating_comment", 1)}),
        ("道路确未完工", {A2: ("revisit_note", 1)}),
        ("挂牌督办", {A2: ("measures", 2)}),
        ("省林草局", {A2: ("handoff_units", 1)}),
        ("省税务局", {A1: ("handoff_units", 2)}),
        (TEA, {A1: ("enterprise", None), A2: ("enterprise", None)}),
        (TEA_CODE, {A1: ("uscc", None), A2: ("uscc", None)}),
        (TEA_CODE.lower(), {A1: ("uscc", None), A2: ("uscc", None)}),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_each_kind_of_text_is_found(office: str, query: str, where: dict[str, Any]) -> None:
    hits = found(office, query)
    assert set(hits) >= set(where), hits
    for aid, spot in where.items():
        assert spot in hits[aid], (aid, hits[aid])
    if query not in ("外贸外资",):  # every marker is in no other appeal
        assert set(hits) == set(where)


def test_an_earlier_rounds_result_and_answer_survive_a_reopen(office: str) -> None:
    a2 = must(office, "show", A2, "--json")
    assert (a2["status"], a2["round"], a2["result"]) == ("undertaken", 2, None)
    first, second = a2["rounds"]
    assert (first["round"], first["outcome"], first["result"], first["closed_on"]) == (
        1,
        "已解决",
        "结果标记：道路已开工",
        "2026-10-21",
    )
    assert first["handoff"]["units"] == ["省交通运输厅", "省林草局"]
    assert first["handoff"]["measures"] == "措施标记：成立道路专班"
    assert first["handoff"]["report_text"] == "反馈标记：道路已列入计划"
    assert [x["reason"] for x in first["extensions"]] == ["延期理由标记：需征求林草意见"]
    assert first["rating"]["comment"] == "评价意见标记：进度太慢"
    assert [(v["note"], v["reopened"]) for v in first["revisits"]] == [
        ("回访标记：道路确未完工", True)
    ]
    assert {d["step"] for d in first["deadlines"]} >= {"accept", "report", "rate", "revisit"}
    assert not first["current"] and second["current"]
    assert second["handoff"]["units"] == ["省交通运输厅"] and second["result"] is None
    assert second["handoff"]["measures"] == "第二轮措施：挂牌督办"
    a1 = must(office, "show", A1, "--json")
    assert a1["rounds"][0]["answer"] == "现场答复标记：当场明确退税时限"
    assert a1["rounds"][0]["resolved_on_spot"] is True
    assert a1["rounds"][0]["hearing"]["official"] == "张厅长"
    assert a1["rounds"][1]["handoff"]["units"] == ["省税务局"]
    human = must(office, "show", A2)
    for text in ("第 1 轮", "第 2 轮（当前）", "结果标记：道路已开工", "评价意见标记", "回访标记",
                 "延期理由标记", "第二轮措施"):  # fmt: skip
        assert text in human, text
    assert "现场答复标记" in must(office, "show", A1)


def test_the_session_record_keeps_the_on_the_spot_answer_after_a_reopen(office: str) -> None:
    with Reader(office) as r:
        rows = {x["appeal"]: x for x in hearing.session_record(r, "S202609-01").rows}
    assert rows[A1]["answer"] == "现场答复标记：当场明确退税时限"
    assert rows[A1]["resolved_on_spot"] is True


# -- words, lengths, characters -------------------------------------------------------


def test_names_and_words_of_any_length(office: str) -> None:
    assert set(found(office, "大理苍山茶业有限公司")) == {A1, A2}  # 10 characters
    assert set(found(office, "苍山茶")) == {A1, A2}  # 3: the trigram index
    assert set(found(office, "苍山")) == {A1, A2}  # 2: LIKE
    assert set(found(office, "茶")) == {A1, A2}  # 1
    assert set(found(office, "苍山茶业有限公司啊")) == set()


def test_several_words_must_all_match(office: str) -> None:
    assert set(found(office, "出口", "退税")) == {A1}  # 出口 is in B2 too, 退税 is not
    assert set(found(office, "出口 退税")) == {A1}  # one argument, a space between
    assert set(found(office, "出口\u3000退税")) == {A1}  # a full-width space
    assert set(found(office, "出口")) == {A1, B2}
    assert found(office, "通行证", "茶叶") == {}  # each found, never in one appeal
    assert found(office, "货车通行证", "茶园道路") == {}  # both through the index
    # Words in different texts of one appeal: the enterprise and a round-1 unit.
    hits = found(office, "苍山茶业", "省林草局")
    assert list(hits) == [A2] and {("enterprise", None), ("handoff_units", 1)} <= set(hits[A2])
    assert set(found(office, "道路已开工", "茶园")) == {A2}  # indexed word, then LIKE
    assert set(found(office, "出口", "出口")) == {A1, B2}  # a repeated word counts once


def test_human_view_says_where_it_matched(office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out = must(office, "search", "道路")
    assert A2 in out and "办理结果（第 1 轮）" in out and "办理措施（第 1 轮）" in out
    assert out.rstrip().endswith("共 1 条。")
    monkeypatch.setenv("COLUMNS", "40")
    heads = [line for line in must(office, "search", "标记").splitlines() if line[:1] == "2"]
    assert [h.split()[0] for h in heads] == [A1, A2]  # one line per appeal, cut to fit
    assert all(cell_len(h) <= 40 and h.endswith("…") for h in heads), heads
    monkeypatch.delenv("COLUMNS")
    code, out, err = run(office, "search", "通行证", "茶叶")
    assert code == 0 and out == "" and "没有找到" in err and "同一件诉求" in err
    code, out, _ = run(office, "search", "标记", "--limit", "1")
    assert code == 0 and "共 2 条，列出前 1 条" in out
    doc = must(office, "search", "标记", "--limit", "1", "--json")
    assert doc["total"] == 2 and [a["id"] for a in doc["appeals"]] == [A1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"AND"(NEAR)*', {"202609-002-3"}),
        ("100%_!", {"202609-002-3"}),
        ("%", {"202609-002-3"}),
        ("_", {"202609-002-3"}),
        ("!", {"202609-002-3"}),
        ("*-号", {"202609-002-3"}),
        ('"', {"202609-002-3"}),
        ("OR", {"202609-002-3"}),
        ("出口 OR 通行证", set()),  # OR is a word like any other, not an operator
        ("NEAR(出口 退税)", set()),
        ("退税*", set()),
        ("-退税", set()),
        ("^出口", set()),
        ("body:出口", set()),
        ("'", set()),
        ("\\", set()),
        ("出口 NOT 退税", set()),
    ],
)
def test_query_syntax_is_literal(office: str, query: str, expected: set[str]) -> None:
    code, out, err = run(office, "search", "--json", "--", *query.split())
    assert code == 0, err
    assert {a["id"] for a in json.loads(out)["appeals"]} == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("00\x00", None),  # the fuzzed case of issue 12: searches for "00"
        ("出\x00口", {A1, B2}),
        ("退\x1b税", {A1}),
        ("退\u200b税", {A1}),  # a zero-width space, as recorded texts never hold it
        ("\udcff退税", {A1}),  # undecodable argv bytes
        ("退税\x7f\x85", {A1}),
    ],
)
def test_control_characters_are_taken_out(
    office: str, query: str, expected: set[str] | None
) -> None:
    code, out, err = run(office, "search", query, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["ignored_characters"] >= 1 and "不可见控制字符" in err
    if expected is not None:
        assert {a["id"] for a in doc["appeals"]} == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("\x00",), "不可见的控制字符"),
        (("\x00\x01", "\u200b"), "不可见的控制字符"),
        ((" ",), "请给出要搜索的文字"),
        (("",), "请给出要搜索的文字"),
        (tuple(f"词{k}" for k in range(11)), "搜索词太多"),
        (("字" * 4001,), "搜索词过长"),
        (("出口", "--limit", "0"), "--limit"),
        (("出口", "--limit", "10001"), "--limit"),
    ],
)
def test_refusals_are_chinese_and_change_nothing(
    office: str, args: tuple[str, ...], message: str
) -> None:
    before = fingerprint(Path(office))
    code, out, err = run(office, "search", *args)
    assert code == 1 and out == "" and message in err, (code, err)
    assert "Traceback" not in err and "程序内部出错" not in err
    assert fingerprint(Path(office)) == before


def test_no_words_is_a_usage_error(office: str) -> None:
    code, _, err = run(office, "search")
    assert code == 2 and "Traceback" not in err


def test_a_long_query_and_a_long_text(office: str) -> None:
    assert found(office, "字" * 4000) == {}
    assert found(office, "道路已开工" * 100) == {}


# -- the index follows every change ---------------------------------------------------


def test_the_index_follows_changes(tmp_path: Path) -> None:
    db = str(tmp_path / "case.db")
    build_office(db)
    # The enterprise books again under a new name: every appeal of it is found by it.
    must(db, "book", "--enterprise", "大理苍山茶业集团有限公司", "--uscc", TEA_CODE,
         "--contact", "王小明", "--phone", "13812345678", "--appeal", "新的诉求",
         "--update-enterprise", "--json",
         today="2026-10-08")  # fmt: skip
    assert set(found(db, "茶业集团")) == {A1, A2, "202610-001-1"}
    assert found(db, TEA) == {}
    # Texts written after the fact: a second round's report, a closure.
    must(db, "assign", "report", A2, "--text", "第二轮反馈：全线贯通", today="2026-10-28")
    must(db, "close", A2, "--outcome", "解释说明", "--result", "第二轮结果：已解释",
         today="2026-10-29")  # fmt: skip
    hits = found(db, "全线贯通")
    assert hits == {A2: [("report", 2)]}
    assert found(db, "第二轮结果") == {A2: [("result", 2)]}
    assert found(db, "道路已开工") == {A2: [("result", 1)]}  # round 1 stays
    import sqlite3

    conn = sqlite3.connect(db)
    fts = conn.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")
    fts.close()
    conn.close()


def test_search_is_read_only(office: str) -> None:
    before = fingerprint(Path(office))
    for words in (("出口", "退税"), ("道路已开工",), ("\x00出",)):
        assert run(office, "search", *words)[0] == 0
    assert fingerprint(Path(office)) == before


def test_library_errors_are_input_errors(office: str) -> None:
    with Reader(office) as r:
        with pytest.raises(InputError, match="不可见"):
            search.search(r, "\x00")
        with pytest.raises(InputError, match="--limit"):
            search.search(r, "出口", limit=0)
        assert search.search_words(["出口\u3000退税", "出口"]) == (["出口", "退税"], 0)
        assert search.search_words("\x00出\x00口\t退税") == (["出口", "退税"], 2)


# -- PostgreSQL: the same answers ------------------------------------------------------

QUERIES = [
    ("出口", "退税"),
    ("出口退税",),
    ("道路已开工",),
    ("苍山",),
    ("茶",),
    (TEA,),
    (TEA_CODE.lower(),),
    ("省林草局",),
    ("苍山茶业", "省林草局"),
    ("道路已开工", "茶园"),
    ("通行证", "茶叶"),
    ("%",),
    ("_",),
    ('"AND"(NEAR)*',),
    ("00\x00",),
    ("标记",),
]


@pytest.mark.postgres
@needs_pg
def test_postgres_answers_the_same(pg_db: str, tmp_path: Path) -> None:
    lite = str(tmp_path / "case.db")
    build_office(lite)
    build_office(pg_db)
    for words in QUERIES:
        assert must(pg_db, "search", *words, "--json") == must(lite, "search", *words, "--json")
    for aid in (A1, A2):
        assert (
            must(pg_db, "show", aid, "--json")["rounds"]
            == must(lite, "show", aid, "--json")["rounds"]
        )
    # The index follows a rename on PostgreSQL too.
    for db in (lite, pg_db):
        must(db, "book", "--enterprise", "大理苍山茶业集团有限公司", "--uscc", TEA_CODE,
             "--contact", "王小明", "--phone", "13812345678", "--appeal", "新的诉求",
             "--update-enterprise",
             today="2026-10-08")  # fmt: skip
    assert found(pg_db, "茶业集团") == found(lite, "茶业集团")
    assert set(found(pg_db, "茶业集团")) == {A1, A2, "202610-001-1"}
    for db in (lite, pg_db):
        code, _, err = run(db, "search", "\x00")
        assert code == 1 and "不可见" in err


@pytest.mark.postgres
@needs_pg
def test_postgres_upgrade_fills_the_index_and_keeps_every_round(
    pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL case file from before the search migration (no closure rows, no index)
    is migrated in place; the other migrations it already had run as no-ops."""
    only_migration(monkeypatch, 4)
    from datetime import date

    from zuozhen.store import search_index
    from zuozhen.store.storage import Act, open_case_file

    lite = str(tmp_path / "case.db")
    build_office(lite)
    build_office(pg_db)
    case = open_case_file(pg_db)
    try:
        with case.write(Act("测试员", date(2026, 10, 30))) as tx:
            conn = tx.session.connection()
            for source in search_index.SOURCES:
                conn.exec_driver_sql(f"DROP FUNCTION search_{source.table}() CASCADE")
            for sql in (
                "DROP FUNCTION search_enterprise() CASCADE",
                "DROP TABLE search_text",
                "DROP FUNCTION search_units(text)",
                "DROP TABLE closure",
                "CREATE INDEX ix_appeal_text_trgm ON appeal USING gin (text gin_trgm_ops)",
                "DELETE FROM schema_migration WHERE version > 1",
            ):
                conn.exec_driver_sql(sql)
    finally:
        case.close()
    for words in QUERIES:  # the first command migrates the database
        assert must(pg_db, "search", *words, "--json") == must(lite, "search", *words, "--json")
    for aid in (A1, A2):
        assert (
            must(pg_db, "show", aid, "--json")["rounds"]
            == must(lite, "show", aid, "--json")["rounds"]
        )
    assert must(pg_db, "verify", "--json")["ok"] is True
    history = must(pg_db, "history", A2, "--json")  # still readable, nothing lost
    assert [e["action"] for e in history["events"]].count("close") == 1


def test_progress_return_and_withdrawal_texts_are_found(tmp_path: Path) -> None:
    """Texts recorded by the real-world turns are searched like every other text."""
    from tests.factories import hand_off, make_case, plan, scheduled
    from zuozhen import handoff, hearing, withdrawal
    from zuozhen.store.storage import Act, open_case_file

    db = tmp_path / "turns.db"
    make_case(db).close()
    sid = plan(db, date(2026, 9, 24))
    first, second = scheduled(db, sid, "电费补贴迟迟未兑现", "用地审批进度缓慢")
    case = open_case_file(str(db))
    try:
        on = Act("测试员", date(2026, 9, 24))
        hearing.hear(case, on, first, refer=True)
        hand_off(case, date(2026, 9, 24), first, ("省财政厅", "省发展改革委"))
        handoff.progress(case, on, first, text="已召开协调会议形成纪要")
        handoff.return_(case, on, first, unit="省发展改革委", reason="不属于本单位职责范围")
        withdrawal.withdraw(case, on, second, reason="企业已自行解决不再需要")
    finally:
        case.close()
    for words, appeal in (("协调会议形成纪要", first), ("不属于本单位职责", first),
                          ("企业已自行解决", second)):  # fmt: skip
        ran = run(db, "search", words, "--json", today="2026-09-24")
        assert ran.code == 0, ran.stderr
        assert [a["id"] for a in ran.json()["appeals"]] == [appeal], words
