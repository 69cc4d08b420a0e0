"""report channels and report scores: every cell computed by hand (tests/channel_case.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.channel_case import TODAY, U1, U2, U3, build_channels
from tests.factories import copy_case, must, run_cli, unchanged

AS_OF = TODAY.isoformat()
CHANNEL_HEADER = "渠道,受理诉求,即办,交办,已办结,按期办结,超期未办结,办结率,按期办结率,满意率"
SCORE_HEADER = "单位,应响应,按期响应,响应率,已办结,已解决,解决率,评价数,满意率,综合得分"

# Worked out from the story table of tests/channel_case.py, as of 2026-12-10:
# 坐诊 a1 a2 e1 g1 (e2 void, f1 台账 left out): a1 即办; a2, e1, g1 handed off; a1, a2, e1
#   closed; a1 (即办) and a2 (11-20 ≤ 11-23) on time, e1 (12-02 > 11-30) late; ratings a1
#   满意, a2 不满意, e1 基本满意 on the handling → 2/3.
# 接待日 d1 d2 d3: d3 withdrawn counts in 受理诉求 only; d1 handed off, overdue (11-30 <
#   12-10); d2 转送: closed, and on time like a 即办 (disposed of before any hand-off,
#   no report deadline to miss) → 办结率 1/3, 按期 1/1.
# 12345 b1 b2: b2 即办 (on time); b1 closed 11-25 after 11-23 (late); b1 rated 不满意.
# 投诉 c1: handed off; reopened, round 2 open (report due 12-15, not overdue at 12-10);
#   its round-1 rating 不满意 counts → 0/1.
CHANNELS = [
    ["坐诊", "4", "1", "3", "3", "2", "0", "75.0", "66.7", "66.7"],
    ["接待日", "3", "0", "1", "1", "1", "1", "33.3", "100.0", ""],
    ["同心谈", "0", "0", "0", "0", "0", "0", "", "", ""],
    ["会客厅", "0", "0", "0", "0", "0", "0", "", "", ""],
    ["走访", "0", "0", "0", "0", "0", "0", "", "", ""],
    ["12345", "2", "1", "1", "2", "1", "0", "100.0", "50.0", "0.0"],
    ["投诉", "1", "0", "1", "0", "0", "0", "0.0", "", "0.0"],
    ["监督员", "0", "0", "0", "0", "0", "0", "", "", ""],
    ["合计", "10", "2", "6", "6", "4", "1", "60.0", "66.7", "40.0"],
]
# U1: a2 (undertaken 11-03 ≤ 11-09), e1 (11-10 ≤ 11-16) → 2/2; closed a2 已解决, e1
#     解释说明 → 1/2; ratings a2 不满意, e1 基本满意 → 1/2; 0.3×100 + 0.35×50 + 0.35×50.
# U2: b1 (undertaken 11-12 > 11-09), c1 round 1 (11-03) → 1/2; g1's plan deadline 12-14
#     not passed, not undertaken: not counted; closed b1 已解决 → 1/1 (c1 reopened, open);
#     ratings b1 不满意, c1 round 1 不满意 → 0/2; 0.3×50 + 0.35×100 + 0.35×0.
# U3: c1 round 2 (plan 12-01 passed, not undertaken), d1 (11-10 ≤ 11-16) → 1/2; nothing
#     closed or rated → no score. f1 (台账) is not U1's; 即办 and 转送 are no unit's.
# 合计: 4/6, 2/3, 1/4 → 0.3×66.7 + 0.35×66.7 + 0.35×25.0 = 52.105 → 52.1.
SCORES = [
    [U1, "2", "2", "100.0", "2", "1", "50.0", "2", "50.0", "65.0"],
    [U2, "2", "1", "50.0", "1", "1", "100.0", "2", "0.0", "50.0"],
    [U3, "2", "1", "50.0", "0", "0", "", "0", "", ""],
    ["合计", "6", "4", "66.7", "3", "2", "66.7", "4", "25.0", "52.1"],
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    db = tmp_path_factory.mktemp("channels") / "c.db"
    return db, build_channels(db)


@pytest.fixture
def case(built: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    return copy_case(built[0], tmp_path / "c.db")


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def _cells(row: list[object]) -> list[str]:
    return [str(c) for c in row]


def test_channels_every_cell_csv_and_json(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "渠道.csv"
    doc = must(
        case, "report", "channels", "--quarter", "2026Q4", "--csv", str(out), "--json", today=AS_OF
    )
    rows = _csv(out)
    assert ",".join(rows[0]) == CHANNEL_HEADER
    assert rows[1:] == CHANNELS
    assert doc["header"] == CHANNEL_HEADER.split(",")
    assert [_cells(r) for r in doc["table"]] == CHANNELS
    by_name = {r["channel"]: r for r in doc["rows"]}
    assert by_name["接待日"]["closure_rate"] == 33.3
    assert by_name["接待日"]["satisfaction_rate"] is None
    assert by_name["12345"]["immediate"] == 1
    assert doc["total"]["overdue"] == 1
    assert "台账" not in by_name


def test_scores_every_cell_csv_and_json(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "考核.csv"
    doc = must(
        case, "report", "scores", "--quarter", "2026Q4", "--csv", str(out), "--json", today=AS_OF
    )
    rows = _csv(out)
    assert ",".join(rows[0]) == SCORE_HEADER
    assert rows[1:] == SCORES
    assert [_cells(r) for r in doc["table"]] == SCORES
    assert doc["weights"] == [0.3, 0.35, 0.35]
    assert doc["rows"][0]["unit"] == U1 and doc["rows"][0]["score"] == 65.0
    assert doc["rows"][2]["solution_rate"] is None


def test_scores_weights_given_and_configured(case: Path, tmp_path: Path) -> None:
    # 0.5×100 + 0.25×50 + 0.25×50 = 75.0; 0.5×50 + 0.25×100 + 0.25×0 = 50.0.
    doc = must(
        case,
        "report",
        "scores",
        "--quarter",
        "2026Q4",
        "--weights",
        "0.5,0.25,0.25",
        "--json",
        today=AS_OF,
    )
    assert [(r["unit"], r["score"]) for r in doc["rows"]] == [(U1, 75.0), (U2, 50.0), (U3, None)]
    # 0.3×66.7 + 0.35×66.7 + 0.35×25.0 = 52.105; 0.5×66.7 + 0.25×66.7 + 0.25×25 = 56.275
    assert doc["total"]["score"] == 56.3


@pytest.mark.parametrize(
    ("weights", "says"),
    [
        ("0.3,0.3,0.3", "合计为 1"),
        ("0.5,0.5", "三个小数"),
        ("a,b,c", "格式不对"),
        ("1.2,-0.1,-0.1", "0 到 1"),
    ],
)
def test_bad_weights_refused(case: Path, weights: str, says: str) -> None:
    with unchanged(case):
        ran = run_cli(
            case, "report", "scores", "--quarter", "2026Q4", "--weights", weights, today=AS_OF
        )
    assert ran.code == 1 and says in ran.stderr, ran.stderr


def test_config_weights_must_sum_to_one() -> None:
    from zuozhen.config import compose, parse
    from zuozhen.errors import InputError

    text = compose("province")
    assert parse(text).weights == (0.3, 0.35, 0.35)
    assert parse(text + "\n[scores]\nweights = [0.4, 0.3, 0.3]\n").weights == (0.4, 0.3, 0.3)
    with pytest.raises(InputError, match="合计为 1"):
        parse(text + "\n[scores]\nweights = [0.4, 0.4, 0.3]\n")


def test_cut_off_and_quarter_end(case: Path) -> None:
    """--today is a cut-off: d1's report deadline 11-30 has not passed on 11-30; on 12-01
    it has. As of 11-21 nothing of e1 is closed, a2 is (11-20)."""

    def row(day: str, name: str) -> list[str]:
        doc = must(case, "report", "channels", "--quarter", "2026Q4", "--json", today=day)
        return next(_cells(r) for r in doc["table"] if r[0] == name)

    assert row("2026-11-30", "接待日")[6] == "0"
    assert row("2026-12-01", "接待日")[6] == "1"
    assert row("2026-11-21", "坐诊")[1:6] == ["3", "1", "2", "2", "2"]  # g1 not yet booked
    # 2026Q3 holds x1 (12345, 即办 in September) only.
    doc = must(case, "report", "channels", "--quarter", "2026Q3", "--json", today=AS_OF)
    assert next(_cells(r) for r in doc["table"] if r[0] == "12345") == [
        "12345",
        "1",
        "1",
        "0",
        "1",
        "1",
        "0",
        "100.0",
        "100.0",
        "",
    ]


@pytest.mark.parametrize("command", ["channels", "scores"])
def test_bad_quarter_refused(case: Path, command: str) -> None:
    with unchanged(case):
        future = run_cli(case, "report", command, "--quarter", "2027Q1", today=AS_OF)
        bad = run_cli(case, "report", command, "--quarter", "2026Q5", today=AS_OF)
    assert future.code == 1 and "尚未开始" in future.stderr
    assert bad.code == 1 and "季度" in bad.stderr


def test_event_lists_its_appeals(built: tuple[Path, dict[str, str]]) -> None:
    db, ids = built
    doc = must(db, "event", "list", "--quarter", "2026Q4", "--json", today=AS_OF)
    (event,) = doc["events"]
    assert event["id"] == ids["event"] and event["channel"] == "接待日"
    assert event["units"] == [U3]
    assert event["appeals"] == [ids["d1"], ids["d2"], ids["d3"]]


def test_quarterly_by_channel(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    must(
        case,
        "report",
        "quarterly",
        "--quarter",
        "2026Q4",
        "--by",
        "渠道",
        "--csv",
        str(out),
        today=AS_OF,
    )
    rows = {r[0]: r for r in _csv(out)}
    assert rows["渠道"][1] == "受理诉求"
    assert rows["坐诊"][1] == "4" and rows["接待日"][1] == "3" and rows["投诉"][1] == "1"
    assert rows["12345"][1:3] == ["2", "1"]  # 受理诉求, 现场解决 (b2)
    doc = must(
        case, "report", "quarterly", "--quarter", "2026Q4", "--by", "channel", "--json", today=AS_OF
    )
    assert doc["by"] == "channel"
    assert {r["group"]: r["appeals"] for r in doc["rows"]}["接待日"] == 3


def test_bulletin_has_the_channel_table_and_the_three_rates(case: Path, tmp_path: Path) -> None:
    md = tmp_path / "通报.md"
    must(
        case,
        "report",
        "bulletin",
        "--quarter",
        "2026Q4",
        "--format",
        "md",
        "--output",
        str(md),
        today=AS_OF,
    )
    text = md.read_text(encoding="utf-8")
    assert "| 接待日 | 3 | 0 | 1 | 1 | 33.3% | 100.0% | — |" in text
    assert "| **合计** | 10 | 2 | 6 | 6 | 60.0% | 66.7% | 40.0% |" in text
    assert f"| {U1} | 100.0% | 50.0% | 50.0% | 65.0 |" in text
    assert f"| {U3} | 50.0% | — | — | — |" in text
    assert "同心谈" not in text.split("六、分渠道情况")[1].split("七、")[0]  # no appeals: not shown
    html = tmp_path / "通报.html"
    must(case, "report", "bulletin", "--quarter", "2026Q4", "--output", str(html), today=AS_OF)
    page = html.read_text(encoding="utf-8")
    assert "六、分渠道情况" in page and "七、各单位响应率、解决率、满意率" in page
    assert '<td class="num">65.0</td>' in page
    docx = tmp_path / "通报.docx"
    must(
        case,
        "report",
        "bulletin",
        "--quarter",
        "2026Q4",
        "--format",
        "docx",
        "--output",
        str(docx),
        today=AS_OF,
    )
    from docx import Document

    body = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "六、分渠道情况" in body and "七、各单位响应率、解决率、满意率" in body
    cells = [c.text for t in Document(str(docx)).tables for row in t.rows for c in row.cells]
    assert "12345" in cells and "52.1" in cells
