"""Names from the configuration (issue 11, item 4), through the real CLI.

Units, regions and themes outside the configured lists are refused with the closest
names (exit 1, nothing changed), unless ``--allow-new`` adds the name, recorded in the
trail; filters with an unknown name are refused the same way instead of an empty list;
``config show | add | retire`` keep the lists, every change a trail event with the old and
new standing; a retired name stays valid for history, not for new entries. The presets
carry complete lists, and every name the README shows is on them.
"""

from __future__ import annotations

import itertools
import json
import shlex
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.factories import (
    Ran,
    book_args,
    hand_off,
    hear,
    make_case,
    plan,
    query,
    scheduled,
    tamper,
    unchanged,
    uscc,
)
from tests.pg import needs_pg
from tests.test_readme import COMMANDS
from zuozhen.config import compose, parse

Cli = Callable[..., Ran]
D0 = date(2026, 9, 24)  # the session day; hand-offs follow it


@pytest.fixture
def referred(db_path: Path) -> tuple[Path, str]:
    """One appeal heard on D0 and waiting for its hand-off (待交办)."""
    aid = scheduled(db_path, plan(db_path, D0))[0]
    hear(db_path, D0, aid)
    return db_path, aid


def _config_events(db: Path) -> list[dict[str, object]]:
    rows = query(db, "SELECT action, entity_id, detail FROM trail WHERE entity = 'config'")
    return [{"action": a, "list": k, **json.loads(d)} for a, k, d in rows]


def _lists(db: Path, cli: Cli) -> dict[str, object]:
    ran = cli(db, "config", "show", "--json")
    assert ran.code == 0, ran.stderr
    doc: dict[str, object] = ran.json()
    return doc


# -- every command taking a name refuses one outside the lists --------------------------------


def test_assign_to_a_typo_is_refused_naming_the_closest(
    referred: tuple[Path, str], cli: Cli
) -> None:
    db, aid = referred
    with unchanged(db):
        ran = cli(db, "assign", "to", aid, "--unit", "省商务局", today="2026-09-25")
    assert ran.code == 1 and "Traceback" not in ran.stderr
    assert "单位“省商务局”不在配置的单位名单中" in ran.stderr
    assert "是不是“省商务厅”" in ran.stderr and "--allow-new" in ran.stderr
    # the right unit then goes through: nothing was left half done
    assert cli(db, "assign", "to", aid, "--unit", "省商务厅", today="2026-09-25").code == 0


@pytest.mark.parametrize(
    ("args", "typed", "closest"),
    [
        (["triage", "{aid}", "--theme", "融资信贷难"], "融资信贷难", "融资信贷"),
        (
            ["triage", "{aid}", "--unit", "省财政厅", "--unit", "省发改委"],
            "省发改委",
            "省发展改革委",
        ),
        (
            [
                "session",
                "plan",
                "--date",
                "2026-10-22",
                "--kind",
                "专场",
                "--theme",
                "金融",
                "--unit",
                "人民银行云南省分行",
            ],
            "金融",
            "金融服务",
        ),
        (
            [
                "session",
                "plan",
                "--date",
                "2026-10-22",
                "--kind",
                "专场",
                "--theme",
                "金融服务",
                "--unit",
                "人行云南省分行",
            ],
            "人行云南省分行",
            "人民银行云南省分行",
        ),
    ],
)
def test_triage_and_session_plan_refuse_unknown_names(
    db_path: Path, cli: Cli, args: list[str], typed: str, closest: str
) -> None:
    ran = cli(db_path, *book_args(), "--json", today="2026-10-09")
    aid = ran.json()["appeals"][0]
    with unchanged(db_path):
        ran = cli(db_path, *[a.format(aid=aid) for a in args], today="2026-10-12")
    assert ran.code == 1 and f"“{typed}”不在配置的" in ran.stderr
    assert f"是不是“{closest}”" in ran.stderr


def test_book_region_outside_the_list_is_refused(db_path: Path, cli: Cli) -> None:
    with unchanged(db_path):
        ran = cli(db_path, *book_args(region="曲靖"), today="2026-10-09")
    assert ran.code == 1 and "地区“曲靖”" in ran.stderr and "是不是“曲靖市”" in ran.stderr
    assert cli(db_path, *book_args(region="曲靖市"), today="2026-10-09").code == 0


def test_weekly_plan_refuses_an_unknown_unit(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "city.db"
    make_case(db, "city").close()
    with unchanged(db):
        ran = cli(db, "session", "plan", "--month", "2026-10", "--weekly", "--unit", "市商务厅",
                  today="2026-09-20")  # fmt: skip
    assert ran.code == 1 and "是不是“市商务局”" in ran.stderr
    ran = cli(db, "session", "plan", "--month", "2026-10", "--weekly", "--json", today="2026-09-20")
    assert ran.code == 0, ran.stderr  # the default theme 综合 and the rotation are listed


@pytest.mark.parametrize("value", ["", "省财政厅、省税务局", "省财政厅=省税务局"])
def test_malformed_names_are_refused(referred: tuple[Path, str], cli: Cli, value: str) -> None:
    db, aid = referred
    with unchanged(db):
        ran = cli(db, "assign", "to", aid, "--unit", value, "--allow-new", today="2026-09-25")
    assert ran.code == 1 and ("不能为空" in ran.stderr or "只写一个名称" in ran.stderr)


# -- --allow-new ------------------------------------------------------------------------------


def test_allow_new_adds_the_name_once_and_records_it(referred: tuple[Path, str], cli: Cli) -> None:
    db, aid = referred
    ran = cli(db, "assign", "to", aid, "--unit", "省民宗委", "--allow-new", "--json",
              today="2026-09-25")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert ran.json()["units"] == ["省民宗委"]
    assert "已把“省民宗委”加入配置的单位名单" in ran.stderr
    assert "省民族宗教委" in ran.stderr  # the close listed name is pointed out
    assert "省民宗委" in _lists(db, cli)["units"]  # type: ignore[operator]
    events = _config_events(db)
    assert events == [
        {"action": "config.add", "list": "units", "name": "省民宗委", "old": None,
         "new": "active", "via": "assign to"}
    ]  # fmt: skip
    # now listed: the next command needs no flag and adds nothing
    aid2 = scheduled(db, plan(db, date(2026, 10, 22), today=date(2026, 9, 25)), "另一诉求", n=2)[0]
    hear(db, date(2026, 10, 22), aid2)
    assert cli(db, "assign", "to", aid2, "--unit", "省民宗委", today="2026-10-23").code == 0
    assert len(_config_events(db)) == 1


def test_allow_new_on_book_adds_the_region(db_path: Path, cli: Cli) -> None:
    ran = cli(db_path, *book_args(region="滇中新区"), "--allow-new", today="2026-10-09")
    assert ran.code == 0, ran.stderr
    assert "滇中新区" in _lists(db_path, cli)["regions"]  # type: ignore[operator]
    assert _config_events(db_path)[0]["via"] == "book"


def test_a_refused_act_adds_no_name(db_path: Path, cli: Cli) -> None:
    aid = cli(db_path, *book_args(), "--json", today="2026-10-09").json()["appeals"][0]
    with unchanged(db_path):  # the name is admitted, then the session is not found: all undone
        ran = cli(db_path, "triage", aid, "--unit", "省新单位", "--allow-new",
                  "--session", "S202610-09", today="2026-10-12")  # fmt: skip
    assert ran.code == 1 and "S202610-09" in ran.stderr
    assert "省新单位" not in _lists(db_path, cli)["units"]  # type: ignore[operator]


# -- filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--unit", "省商务局"],
        ["audit", "--unit", "省商务局"],
        ["audit", "notices", "--unit", "省商务局", "--output", "督办单"],
    ],
)
def test_filters_refuse_an_unknown_name(
    referred: tuple[Path, str],
    cli: Cli,
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, _ = referred
    monkeypatch.chdir(tmp_path)
    with unchanged(db):
        ran = cli(db, *args, today="2026-11-30")
    assert ran.code == 1 and "是不是“省商务厅”" in ran.stderr
    assert "没有超期或即将到期的事项" not in ran.stdout + ran.stderr
    assert not (tmp_path / "督办单").exists()


def test_filters_take_listed_names_and_the_organiser(referred: tuple[Path, str], cli: Cli) -> None:
    db, aid = referred
    hand_off(db, date(2026, 9, 25), aid, ["省商务厅"])
    listed = cli(db, "list", "--unit", "省商务厅", "--json").json()["appeals"]
    assert [x["id"] for x in listed] == [aid]
    assert cli(db, "list", "--unit", "省教育厅", "--json").json()["appeals"] == []
    assert cli(db, "audit", "--unit", "云南省发展改革委", "--json", today="2026-10-01").code == 0


def test_a_name_recorded_before_the_lists_were_enforced_can_be_filtered(
    referred: tuple[Path, str], cli: Cli
) -> None:
    db, aid = referred
    hand_off(db, date(2026, 9, 25), aid, ["省商务厅"])
    # A case file kept by an older zuozhen: the unit it recorded is not (or no longer) listed.
    text = query(db, "SELECT value FROM setting WHERE key = 'config'")[0][0]
    tamper(db, "UPDATE setting SET value = '"
           + text.replace('"省商务厅", ', "").replace("'", "''") + "' WHERE key = 'config'")  # fmt: skip
    ran = cli(db, "list", "--unit", "省商务厅", "--json")
    assert ran.code == 0 and [x["id"] for x in ran.json()["appeals"]] == [aid]


# -- config show | add | retire ---------------------------------------------------------------


def test_config_show_lists_the_preset(db_path: Path, cli: Cli) -> None:
    doc = _lists(db_path, cli)
    assert "省教育厅" in doc["units"] and "综合" in doc["themes"]  # type: ignore[operator]
    assert len(doc["regions"]) == 16 and doc["changes"] == []  # type: ignore[arg-type]
    assert doc["retired"] == {"units": [], "regions": [], "themes": []}
    human = cli(db_path, "config", "show")
    assert human.code == 0 and "省地方金融管理局" in human.stdout


def test_config_add_and_retire_record_old_and_new(referred: tuple[Path, str], cli: Cli) -> None:
    db, aid = referred
    hand_off(db, date(2026, 9, 25), aid, ["省商务厅"])
    ran = cli(db, "config", "add", "--theme", "文旅消费", "--region", "滇中新区",
              "--reason", "新设专场", "--json", today="2026-09-28")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert [c["name"] for c in ran.json()["changes"]] == ["滇中新区", "文旅消费"]
    ran = cli(
        db, "config", "retire", "--unit", "省商务厅", "--reason", "机构改革", today="2026-09-28"
    )
    assert ran.code == 0, ran.stderr
    events = [(e["action"], e["name"], e["old"], e["new"]) for e in _config_events(db)]
    assert events == [
        ("config.add", "滇中新区", None, "active"),
        ("config.add", "文旅消费", None, "active"),
        ("config.retire", "省商务厅", "active", "retired"),
    ]
    doc = _lists(db, cli)
    assert doc["retired"]["units"] == ["省商务厅"]  # type: ignore[index]
    assert "省商务厅" not in doc["units"]  # type: ignore[operator]
    assert [c["reason"] for c in doc["changes"]] == ["新设专场", "新设专场", "机构改革"]  # type: ignore[union-attr]
    # valid for history: the existing hand-off is still found by it
    assert [x["id"] for x in cli(db, "list", "--unit", "省商务厅", "--json").json()["appeals"]] == [
        aid
    ]
    # but not for new entries, even with --allow-new
    aid2 = scheduled(db, plan(db, date(2026, 10, 22), today=date(2026, 9, 28)), "另一诉求", n=2)[0]
    hear(db, date(2026, 10, 22), aid2)
    with unchanged(db):
        ran = cli(db, "assign", "to", aid2, "--unit", "省商务厅", "--allow-new", today="2026-10-23")
    assert ran.code == 1 and "已停用" in ran.stderr and "config add --unit 省商务厅" in ran.stderr
    # reinstated
    ran = cli(db, "config", "add", "--unit", "省商务厅", today="2026-10-23")
    assert ran.code == 0 and "恢复" in ran.stderr
    assert _config_events(db)[-1]["old"] == "retired"
    assert cli(db, "assign", "to", aid2, "--unit", "省商务厅", today="2026-10-23").code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["config", "add", "--unit", "省财政厅"], "已在名单中"),
        (["config", "add", "--unit", "新单位", "--unit", "新单位"], "已在名单中"),
        (["config", "retire", "--unit", "省财政听"], "是不是“省财政厅”"),
        (["config", "retire", "--theme", "综合", "--theme", "没有这个主题"], "无从停用"),
        (["config", "add"], "--unit、--region 或 --theme"),
        (["config", "add", "--region", "红河州、文山州"], "只写一个名称"),
    ],
)
def test_config_changes_refused_change_nothing(
    db_path: Path, cli: Cli, args: list[str], message: str
) -> None:
    with unchanged(db_path):
        ran = cli(db_path, *args)
    assert ran.code == 1 and message in ran.stderr and "Traceback" not in ran.stderr


def test_config_add_warns_of_a_close_name(db_path: Path, cli: Cli) -> None:
    ran = cli(db_path, "config", "add", "--unit", "省商务局")
    assert ran.code == 0 and "省商务厅" in ran.stderr and "笔误" in ran.stderr


def test_a_retired_name_refused_for_a_new_booking(db_path: Path, cli: Cli) -> None:
    assert cli(db_path, "config", "retire", "--region", "怒江州").code == 0
    with unchanged(db_path):
        ran = cli(db_path, *book_args(region="怒江州"), today="2026-10-09")
    assert ran.code == 1 and "地区“怒江州”已停用" in ran.stderr


# -- the CSV import -------------------------------------------------------------------------


def _csv(path: Path, *regions: str) -> Path:
    head = "企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容,所属地区"
    lines = [head] + [
        f"云南测试{n}号有限公司,{uscc(n)},王小明,13812345678,政策咨询,诉求{n},{r}"
        for n, r in enumerate(regions, 1)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_row_with_an_unknown_region_is_a_bad_row(
    db_path: Path, cli: Cli, tmp_path: Path
) -> None:
    f = _csv(tmp_path / "a.csv", "昆明市", "曲靖", "玉溪市")
    ran = cli(db_path, "book", "--from-csv", str(f), "--json", today="2026-10-09")
    assert ran.code == 0, ran.stderr
    doc = ran.json()
    assert doc["imported"] == 2 and [r["line"] for r in doc["rejected"]] == [3]
    assert "是不是“曲靖市”" in doc["rejected"][0]["error"]
    with unchanged(db_path):
        ran = cli(db_path, "book", "--from-csv", str(_csv(tmp_path / "b.csv", "曲靖")), "--strict",
                  today="2026-10-09")  # fmt: skip
    assert ran.code == 1


def test_import_with_allow_new_adds_the_regions(db_path: Path, cli: Cli, tmp_path: Path) -> None:
    f = _csv(tmp_path / "a.csv", "滇中新区", "滇中新区", "昆明市")
    ran = cli(db_path, "book", "--from-csv", str(f), "--allow-new", "--json", today="2026-10-09")
    assert ran.code == 0 and ran.json()["imported"] == 3, ran.stderr
    events = _config_events(db_path)
    assert [(e["name"], e["via"]) for e in events] == [("滇中新区", "book --from-csv")]


def test_import_row_with_a_retired_region_is_bad_even_with_allow_new(
    db_path: Path, cli: Cli, tmp_path: Path
) -> None:
    assert cli(db_path, "config", "retire", "--region", "怒江州").code == 0
    f = _csv(tmp_path / "a.csv", "怒江州", "昆明市")
    ran = cli(db_path, "book", "--from-csv", str(f), "--allow-new", "--json", today="2026-10-09")
    assert ran.code == 0 and ran.json()["imported"] == 1
    assert "已停用" in ran.json()["rejected"][0]["error"]


# -- the presets and the README ----------------------------------------------------------------


def test_presets_carry_complete_lists() -> None:
    province, city = parse(compose("province")), parse(compose("city"))
    for unit in ("省教育厅", "省药监局", "省地方金融管理局", "人民银行云南省分行", "昆明海关",
                 "省税务局", "国家金融监督管理总局云南监管局", "省通信管理局", "省邮政管理局",
                 "国家统计局云南调查总队", "省气象局", "省烟草专卖局", "省发展改革委"):  # fmt: skip
        assert unit in province.units, unit
    assert len(province.regions) == 16 and "西双版纳州" in province.regions
    for unit in ("市发展改革委", "市工业和信息化局", "市财政局", "市人力资源社会保障局",
                 "市自然资源规划局", "市生态环境局", "市住房城乡建设局", "市交通运输局",
                 "市水务局", "市农业农村局", "市商务局", "市文化和旅游局", "市卫生健康委",
                 "市应急局", "市市场监管局", "市税务局"):  # fmt: skip
        assert unit in city.units, unit
    counties = {"五华区", "盘龙区", "官渡区", "西山区", "东川区", "呈贡区", "晋宁区", "富民县",
                "宜良县", "石林彝族自治县", "嵩明县", "禄劝彝族苗族自治县", "寻甸回族彝族自治县",
                "安宁市"}  # fmt: skip
    assert counties <= set(city.regions) and "滇中新区" in city.regions
    for config in (province, city):
        assert {"综合", "产业发展", "要素保障", "金融服务"} <= set(config.themes)
        assert config.organiser.removeprefix("云南").removeprefix("昆明") in config.units


def test_every_name_the_readme_shows_is_on_a_preset_list() -> None:
    known = {
        "--unit": set(parse(compose("province")).units) | set(parse(compose("city")).units),
        "--region": set(parse(compose("province")).regions) | set(parse(compose("city")).regions),
        "--theme": set(parse(compose("province")).themes) | set(parse(compose("city")).themes),
    }
    shown = 0
    for line in COMMANDS:
        args = shlex.split(line)
        if args[1:2] == ["config"]:
            continue  # config add/retire show names to add or retire
        for option, value in itertools.pairwise(args):
            if option in known and not value.startswith("-"):
                if args[1:2] == ["amend"] and option == "--unit":
                    value = value.partition("=")[2]  # OLD=NEW: OLD is the name typed wrongly
                assert value in known[option], (line, value)
                shown += 1
    assert shown >= 8


def test_the_readme_lists_override_composes_with_the_city_preset() -> None:
    from tests.test_readme import blocks

    override = next(b for b in blocks("toml") if "[lists]" in b)
    config = parse(compose("city", override))
    assert config.regions == ("五华区", "盘龙区", "官渡区", "西山区")
    assert config.retired_units == ("市园林绿化局",) and "市发展改革委" in config.units


def test_init_config_can_still_replace_the_lists(tmp_path: Path, cli: Cli) -> None:
    office = tmp_path / "本局.toml"
    office.write_text('[lists]\nunits = ["甲局", "乙局"]\nregions = ["东区"]\n', encoding="utf-8")
    db = tmp_path / "office.db"
    assert cli(db, "init", "--config", str(office)).code == 0
    doc = _lists(db, cli)
    assert doc["units"] == ["甲局", "乙局"] and doc["regions"] == ["东区"]


def test_a_name_both_listed_and_retired_is_refused_at_init(tmp_path: Path, cli: Cli) -> None:
    office = tmp_path / "本局.toml"
    office.write_text('[lists]\nunits = ["甲局"]\nretired_units = ["甲局"]\n', encoding="utf-8")
    ran = cli(tmp_path / "office.db", "init", "--config", str(office))
    assert ran.code == 1 and "同时列在" in ran.stderr
    assert not (tmp_path / "office.db").exists()


# -- the same on PostgreSQL -------------------------------------------------------------------


@pytest.mark.postgres
@needs_pg
def test_names_and_identity_on_postgresql(pg_db: str, cli: Cli) -> None:
    assert cli(pg_db, "init").code == 0
    refused = cli(pg_db, *book_args(region="曲靖"), today="2026-10-09")
    assert refused.code == 1 and "是不是“曲靖市”" in refused.stderr
    ran = cli(pg_db, *book_args(region="滇中新区"), "--allow-new", "--json", today="2026-10-09")
    assert ran.code == 0, ran.stderr
    other = cli(pg_db, *book_args(phone="13999990000"), today="2026-10-09")
    assert other.code == 1 and "138****5678" in other.stderr
    assert cli(pg_db, "config", "retire", "--region", "滇中新区").code == 0
    doc = cli(pg_db, "config", "show", "--json").json()
    assert doc["retired"]["regions"] == ["滇中新区"]
    assert [(c["name"], c["new"]) for c in doc["changes"]] == [
        ("滇中新区", "active"),
        ("滇中新区", "retired"),
    ]
    assert cli(pg_db, "list", "--unit", "省商务局").code == 1
    assert cli(pg_db, "verify").code == 0
