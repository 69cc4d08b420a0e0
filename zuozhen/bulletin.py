"""The quarterly 通报 (step 10): figures, the per-unit table, a chart, what is overdue.

``build`` collects everything from the Reader (the same figures as ``report quarterly``,
as of the same cut-off, see reports.py for their definitions); ``render_bulletin`` fills the Jinja2 templates
``data/templates/bulletin.html.j2`` and ``bulletin.md.j2``, so an office can change the
wording without code. The HTML is one self-contained file — inline CSS and an inline SVG
bar chart, no script, no external asset — laid out for A4 when printed from a browser.
Output is deterministic: the same case file, quarter and ``--today`` give the same bytes.
No personal data appears: overdue items name the appeal, the unit and the deadline only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from zuozhen.errors import InputError
from zuozhen.ledger_report import LEDGER_HEAD, LEDGER_KEYS, ledger_line, of_quarter
from zuozhen.reports import (
    Figures,
    OverdueItem,
    Quarter,
    QuarterlyReport,
    overdue_items,
    quarterly_many,
    top_classes,
)
from zuozhen.store.reader import Reader

if TYPE_CHECKING:
    from zuozhen.channel_reports import ChannelReport, ScoreReport
    from zuozhen.files.gongwen import Gongwen

#: The pass over the quarter is made in this many shares, side by side (twin.py).
SHARES = 2
FORMATS = ("html", "md", "docx")  # docx: bulletin_docx, a GB/T 9704 Word 公文
OVERDUE_SHOWN = 30  # the bulletin lists the most overdue; the table gives the full count
ON_TIME_COLOUR = "#2f5d9e"
SATISFACTION_COLOUR = "#3a8f5c"


@dataclass(frozen=True, slots=True)
class Bulletin:
    quarter: Quarter
    organiser: str
    programme: str
    as_of: date  # the cut-off (--today): figures as the case file stood at its end
    overdue_on: date  # the day overdue is judged on: the quarter's end or the cut-off
    enterprises: int
    by_unit: QuarterlyReport
    by_theme: QuarterlyReport
    by_region: QuarterlyReport
    overdue: list[OverdueItem]
    classes: list[tuple[str, int]]
    office: str = ""  # [documents] office: 发文机关标志
    signature: str = ""  # [documents] signature, above the date (the cut-off)
    # 六、分渠道 and 七、单位三率 (channel_reports.py: report channels / report scores).
    by_channel: ChannelReport | None = None
    scores: ScoreReport | None = None
    ledgers: tuple[Any, ...] = ()  # ledger_report.Progress of the quarter's ledgers (台账)

    @property
    def total(self) -> Figures:
        return self.by_unit.total


def build(r: Reader, quarter: Quarter, *, today: date) -> Bulletin:
    """Every figure of the 通报 as of ``today``. The tables by unit, theme, region and
    channel, the enterprises and the problem classes come from one pass over the quarter
    (quarter_pass.py); the overdue items, the units' three rates and the ledgers have their
    own queries. On SQLite the pass is made in two halves (by enterprise) beside those
    queries, each on a reader of its own (twin.py)."""
    from zuozhen.channel_reports import channels_report
    from zuozhen.quarter_pass import WHOLE, Tallies, shares, tally
    from zuozhen.twin import can_share, side_by_side

    cfg = r.config
    quarter.require_started(today)
    keys = ("unit", "theme", "region", "channel", "class")

    def part(within: tuple[str | None, str | None]) -> Callable[[Reader], Any]:
        return lambda rd: tally(rd, quarter, keys, today=today, enterprises=True, within=within)

    parts = shares(r, SHARES, quarter.months[1]) if can_share(r) else [WHOLE]
    *passes, rest = side_by_side(
        r, [*map(part, parts), partial(_others, quarter=quarter, today=today)]
    )
    t = Tallies.merge(passes)
    reports = quarterly_many(r, quarter, ("unit", "theme", "region"), today=today, tallies=t)
    overdue, scores, ledgers = rest
    return Bulletin(
        quarter=quarter,
        organiser=cfg.organiser,
        programme=cfg.programme,
        as_of=today,
        overdue_on=quarter.overdue_on(today),
        enterprises=t.enterprises or 0,
        by_unit=reports["unit"],
        by_theme=reports["theme"],
        by_region=reports["region"],
        overdue=overdue,
        classes=top_classes(t, limit=10),
        office=cfg.docs.office,
        signature=cfg.docs.signature,
        by_channel=channels_report(r, quarter, today=today, tallies=t),
        scores=scores,
        ledgers=ledgers,
    )


def _others(
    r: Reader, *, quarter: Quarter, today: date
) -> tuple[list[OverdueItem], ScoreReport, tuple[Any, ...]]:
    """What the bulletin reads besides its pass: the overdue items, the units' three
    rates (report scores) and the quarter's ledgers."""
    from zuozhen.channel_reports import scores_report

    judged = quarter.overdue_on(today)
    return (
        overdue_items(r, quarter, today=today, limit=OVERDUE_SHOWN),
        scores_report(r, quarter, today=today),
        tuple(of_quarter(r, quarter.first_day, quarter.last_day, judged)),
    )


def _num(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{suffix}"


def _zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def chart_svg(rows: list[Figures]) -> str:
    """Horizontal bars per unit: 按期办结率 and 满意率 on a 0–100 % axis (inline SVG)."""
    label_w, bar_w, right = 190, 420, 56
    top, row_h, bar_h, axis_h = 34, 38, 13, 26
    width = label_w + bar_w + right
    height = top + row_h * max(len(rows), 1) + axis_h
    e = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="各单位按期办结率和满意率">',
        '<g font-size="12" fill="#222">',
        f'<rect x="{label_w}" y="8" width="12" height="12" fill="{ON_TIME_COLOUR}"/>',
        f'<text x="{label_w + 18}" y="18">按期办结率</text>',
        f'<rect x="{label_w + 110}" y="8" width="12" height="12" fill="{SATISFACTION_COLOUR}"/>',
        f'<text x="{label_w + 128}" y="18">满意率</text>',
    ]
    axis_y = top + row_h * max(len(rows), 1)
    for pct in (0, 25, 50, 75, 100):
        x = label_w + bar_w * pct / 100
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="#ccc" stroke-width="{1 if pct else 1.2}"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#555">{pct}%</text>'
        )
    for i, f in enumerate(rows):
        y = top + i * row_h
        name = f.group if len(f.group) <= 13 else f.group[:12] + "…"
        out.append(
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">{e(name)}</text>'
        )
        for j, (rate, colour, none) in enumerate(
            (
                (f.on_time_rate, ON_TIME_COLOUR, "尚无办结"),
                (f.satisfaction_rate, SATISFACTION_COLOUR, "尚无评价"),
            )
        ):
            by = y + 5 + j * (bar_h + 2)
            if rate is None:
                out.append(
                    f'<text x="{label_w + 4}" y="{by + bar_h - 2}" fill="#8c959f" '
                    f'font-size="10">{none}</text>'
                )
                continue
            w = bar_w * rate / 100
            out.append(
                f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>'
            )
            out.append(
                f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 2}" font-size="11">'
                f"{rate:.1f}%</text>"
            )
    out.append(
        f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + bar_w}" y2="{axis_y}" stroke="#555"/>'
    )
    out.append("</g></svg>")
    return "\n".join(out)


def _row_view(f: Figures) -> dict[str, Any]:
    return {
        "group": f.group,
        "appeals": f.appeals,
        "withdrawn": f.withdrawn,
        "on_spot": f.resolved_on_spot,
        "handed_off": f.handed_off,
        "closed": f.closed,
        "on_time": f.closed_on_time,
        "overdue": f.overdue,
        "extended": f.extended,
        "explained": f.explained,
        "avg_workdays": _num(f.avg_workdays),
        "rated": f.rated,
        "satisfaction": _num(f.satisfaction_rate, "%"),
        "closure_rate": _num(f.closure_rate, "%"),
        "on_time_rate": _num(f.on_time_rate, "%"),
        "behind": (f.on_time_rate is not None and f.on_time_rate < 70)
        or (f.satisfaction_rate is not None and f.satisfaction_rate < 70)
        or f.overdue > 0,
    }


def view(b: Bulletin) -> dict[str, Any]:
    t = b.total
    q = b.quarter
    return {
        "title": f"{b.programme}工作{q.title}通报",
        "programme": b.programme,
        "organiser": b.organiser,
        "quarter": q.code,
        "quarter_title": q.title,
        "period": f"{_zh(q.first_day)}至{_zh(q.last_day)}",
        "months": "、".join(f"{int(m[5:])}月" for m in q.months),
        "as_of": _zh(b.as_of),
        "overdue_on": _zh(b.overdue_on),
        "headline": {
            "appeals": t.appeals,
            "withdrawn": t.withdrawn,
            "enterprises": b.enterprises,
            "on_spot": t.resolved_on_spot,
            "handed_off": t.handed_off,
            "others": t.appeals - t.resolved_on_spot - t.handed_off,
            "reopened_handed": t.reopened_handed,
            "closed": t.closed,
            "closure_rate": _num(t.closure_rate, "%"),
            "on_time": t.closed_on_time,
            "on_time_rate": _num(t.on_time_rate, "%"),
            "overdue": t.overdue,
            "extended": t.extended,
            "explained": t.explained,
            "avg_workdays": _num(t.avg_workdays),
            "rated": t.rated,
            "satisfaction": _num(t.satisfaction_rate, "%"),
        },
        "units": [_row_view(f) for f in b.by_unit.rows],
        "withdrawn_by_unit": "、".join(
            f"{f.group} {f.withdrawn} 件" for f in b.by_unit.rows if f.withdrawn
        ),
        "total": _row_view(t),
        "themes": [_row_view(f) for f in b.by_theme.rows],
        "regions": [_row_view(f) for f in b.by_region.rows],
        "overdue": [
            {
                "appeal": o.appeal,
                "unit": o.unit,
                "due": o.due.isoformat(),
                "days": o.days_overdue,
            }
            for o in b.overdue
        ],
        "overdue_more": max(0, t.overdue - len(b.overdue)),
        "overdue_total": t.overdue,
        "classes": [{"name": n, "count": c} for n, c in b.classes],
        "chart": chart_svg(b.by_unit.rows),
        "empty": t.appeals == 0,
        "signature": b.signature or b.organiser,
        "signed_on": _zh(b.as_of),
        "summary": summary(b),
        "counting_rule": COUNTING_RULE,
        **_channel_views(b),
        "ledgers": [ledger_line(p) for p in b.ledgers],
    }


def _channel_views(b: Bulletin) -> dict[str, Any]:
    """六、分渠道情况 (channels with appeals, and 合计) and 七、各单位三率 (report scores)."""
    channels = []
    if b.by_channel is not None:
        for f in [*(c for c in b.by_channel.rows if c.appeals), b.by_channel.total]:
            channels.append(
                {
                    "channel": f.channel,
                    "appeals": f.appeals,
                    "immediate": f.immediate,
                    "handed_off": f.handed_off,
                    "closed": f.closed,
                    "closure_rate": _num(f.closure_rate, "%"),
                    "on_time_rate": _num(f.on_time_rate, "%"),
                    "satisfaction": _num(f.satisfaction_rate, "%"),
                }
            )
    scores = []
    weights = ""
    if b.scores is not None:
        weights = "、".join(f"{w:g}" for w in b.scores.weights)
        for u in [*b.scores.rows, b.scores.total]:
            scores.append(
                {
                    "unit": u.unit,
                    "response": _num(u.response_rate, "%"),
                    "solution": _num(u.solution_rate, "%"),
                    "satisfaction": _num(u.satisfaction_rate, "%"),
                    "score": _num(u.score),
                }
            )
    return {
        "channels": channels if len(channels) > 1 else [],
        "scores": scores if len(scores) > 1 else [],
        "weights": weights,
        "scores_rule": SCORES_RULE.format(weights=weights or "—"),
    }


#: How the per-unit three rates are counted (every format says it under the table).
SCORES_RULE = (
    "响应率 = 在承办期限（交办后 5 个工作日）内承办的交办 / 承办期限已过或已承办的交办；"
    "解决率 = 已解决 / 已办结（解释说明不算解决）；满意率 =（满意 + 基本满意）/ 评价数；"
    "均按单位牵头的交办计。综合得分 = 三率按权重（响应率、解决率、满意率依次为 {weights}）加权。"
)


#: How 现场解决 and 交办 add up to 受理诉求 (issue 13): written in every format.
COUNTING_RULE = (
    "受理诉求 = 现场答复解决 + 交办 + 其他（尚未坐诊、待交办、交办前撤回等）；"
    "坐诊现场答复解决后经回访重新交办的诉求计入交办，不再计入现场答复解决。"
)


def summary(b: Bulletin) -> str:
    """The paragraph of 一、总体情况 (the same words in every format); 无 for an empty quarter."""
    t = b.total
    if t.appeals == 0:
        return "无。本季度没有挂号受理的诉求。"
    withdrawn = f"（其中企业撤回 {t.withdrawn} 件）" if t.withdrawn else ""
    others = t.appeals - t.resolved_on_spot - t.handed_off
    respot = (
        f"（含现场答复解决后经回访重新交办的 {t.reopened_handed} 件）" if t.reopened_handed else ""
    )
    avg = (
        f"交办事项平均办理 {_num(t.avg_workdays)} 个工作日。"
        if t.avg_workdays is not None
        else "交办事项尚无办结。"
    )
    return (
        f"{b.quarter.title}，共受理企业诉求 {t.appeals} 件{withdrawn}，涉及企业 {b.enterprises} 家。"
        f"其中坐诊现场答复解决 {t.resolved_on_spot} 件，交办 {t.handed_off} 件{respot}，"
        f"其他 {others} 件（尚未坐诊、待交办或交办前撤回）；"
        f"已办结 {t.closed} 件，办结率 {_num(t.closure_rate, '%')}；"
        f"按期办结 {t.closed_on_time} 件，按期办结率 {_num(t.on_time_rate, '%')}；"
        f"超期未办结 {t.overdue} 件，延期 {t.extended} 件，解释说明 {t.explained} 件；{avg}"
        f"企业评价 {t.rated} 次，满意率 {_num(t.satisfaction_rate, '%')}。"
    )


def _md_cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def warm_up(fmt: str) -> None:
    """Import what writing ``fmt`` needs (python-docx; Jinja2): run in a thread while the
    case file is read, it uses a processor the queries leave idle."""
    if fmt == "docx":
        import zuozhen.files.gongwen  # noqa: F401
    else:
        import jinja2  # noqa: F401
        import markupsafe  # noqa: F401


def render_bulletin(b: Bulletin, fmt: str = "html") -> str:
    import jinja2
    from markupsafe import Markup

    from zuozhen.resources import templates

    if fmt not in FORMATS or fmt == "docx":
        raise InputError(f"通报格式“{fmt}”不支持：可选 html 或 md。")
    env = templates(html=fmt == "html")
    env.filters["md"] = _md_cell
    data = view(b)
    if fmt == "html":
        data["chart"] = Markup(data["chart"])
    name = f"bulletin.{fmt}.j2"
    try:
        return env.get_template(name).render(**data)
    except jinja2.TemplateNotFound:
        raise InputError(f"找不到通报模板 {name}：请检查 data/templates/ 文件夹。") from None
    except jinja2.TemplateError as exc:
        raise InputError(f"通报模板 {name} 有误：{exc}。请修正模板后重试。") from None


_UNIT_HEADER = (
    "单位",
    "受理\n诉求",
    "现场\n解决",
    "交办",
    "已\n办结",
    "按期\n办结",
    "超期\n未办结",
    "延期",
    "解释\n说明",
    "平均\n工作日",
    "评价\n数",
    "满意率",
    "按期\n办结率",
)


def bulletin_docx(b: Bulletin) -> Gongwen:
    """The 通报 as a GB/T 9704 Word 公文: the same sections and words as the HTML, the
    tables in 小五 so the thirteen columns of the unit table fit the 版心's width."""
    from zuozhen.files.gongwen import Gongwen

    v = view(b)
    doc = Gongwen()
    doc.masthead(b.office or b.organiser)
    doc.title(v["title"])
    doc.small(
        f"统计期间：{v['period']}（按挂号月份{v['months']}计）；数据截至：{v['as_of']}",
        indent=False,
    )
    doc.heading1("一、总体情况")
    doc.para(v["summary"])
    doc.heading1("二、各单位办理情况")
    if v["units"]:
        rows = [
            [
                u["group"] + (" ▲" if u["behind"] else ""),
                *(u[k] for k in _UNIT_KEYS),
            ]
            for u in v["units"]
        ]
        rows.append(["合计", *(v["total"][k] for k in _UNIT_KEYS)])
        doc.table(
            _UNIT_HEADER,
            rows,
            (31, *([9.2] * 8), 11, 9.4, 15.5, 15.5),
            size=9,
            numeric=tuple(range(1, 13)),
            bold_last=True,
        )
        doc.small("注：标 ▲ 的单位有超期未办结事项，或按期办结率、满意率低于70%。" + COUNTING_RULE)
    else:
        doc.para("无。")
    doc.heading1("三、超期未办结事项")
    if v["overdue"]:
        doc.table(
            ["序号", "诉求编号", "牵头单位", "反馈期限", "超期工作日"],
            [
                [str(k), o.appeal, o.unit, _zh(o.due), str(o.days_overdue)]
                for k, o in enumerate(b.overdue, 1)
            ],
            (12, 30, 52, 38, 24),
            size=10.5,
            numeric=(0, 4),
        )
        more = (
            f"以上列出超期最久的{len(v['overdue'])}件；超期未办结共{v['overdue_total']}件，明细见 zuozhen audit。"
            if v["overdue_more"]
            else ""
        )
        doc.small(f"超期工作日计至{v['overdue_on']}（季度末，或统计日如更早）。{more}")
    else:
        doc.para(f"无。截至{v['overdue_on']}，本季度受理的诉求没有超期未办结事项。")
    doc.heading1("四、共性诉求")
    if v["classes"]:
        doc.table(
            ["序号", "问题类别", "诉求件数"],
            [[str(k), c["name"], str(c["count"])] for k, c in enumerate(v["classes"], 1)],
            (16, 110, 30),
            size=10.5,
            numeric=(0, 2),
        )
    else:
        doc.para("无。本季度诉求尚未归集问题类别。")
    doc.heading1("五、分主题、分地区情况")
    if v["themes"] or v["regions"]:
        for label, part in (("主题", v["themes"]), ("地区", v["regions"])):
            doc.heading2(f"（{'一' if label == '主题' else '二'}）按{label}")
            doc.table(
                [label, "受理", "已办结", "办结率", "满意率"],
                [
                    [t["group"], t["appeals"], t["closed"], t["closure_rate"], t["satisfaction"]]
                    for t in part
                ]
                or [["无", "", "", "", ""]],
                (60, 24, 24, 24, 24),
                size=10.5,
                numeric=(1, 2, 3, 4),
            )
    else:
        doc.para("无。")
    _docx_channels(doc, v)
    if v["ledgers"]:
        doc.heading1("附：台账整改进展")
        doc.table(
            LEDGER_HEAD, [[str(x[k]) for k in LEDGER_KEYS] for x in v["ledgers"]],
            (30, 62, 16, 16, 16, 16), size=10.5, numeric=(2, 3, 4, 5),
        )  # fmt: skip
    doc.small("统计口径：" + COUNTING_RULE + NOTE_TAIL)
    doc.signature(v["signature"], b.as_of)
    return doc


def _docx_channels(doc: Gongwen, v: dict[str, Any]) -> None:
    """六、分渠道情况 and 七、各单位响应率、解决率、满意率 of the Word 通报."""
    doc.heading1("六、分渠道情况")
    if v["channels"]:
        keys = ("appeals", "immediate", "handed_off", "closed")
        rates = ("closure_rate", "on_time_rate", "satisfaction")
        doc.table(
            ["渠道", "受理", "即办", "交办", "已办结", "办结率", "按期办结率", "满意率"],
            [
                [c["channel"], *(str(c[k]) for k in keys), *(c[k] for k in rates)]
                for c in v["channels"]
            ],
            (30, 16, 16, 16, 18, 20, 22, 18),
            size=10.5,
            numeric=tuple(range(1, 8)),
            bold_last=True,
        )
    else:
        doc.para("无。")
    doc.heading1("七、各单位响应率、解决率、满意率")
    if v["scores"]:
        doc.table(
            ["单位", "响应率", "解决率", "满意率", "综合得分"],
            [
                [u["unit"], u["response"], u["solution"], u["satisfaction"], u["score"]]
                for u in v["scores"]
            ],
            (60, 24, 24, 24, 24),
            size=10.5,
            numeric=(1, 2, 3, 4),
            bold_last=True,
        )
        doc.small("注：" + v["scores_rule"])
    else:
        doc.para("无。本季度尚无单位牵头办理的交办。")


_UNIT_KEYS = (
    "appeals",
    "on_spot",
    "handed_off",
    "closed",
    "on_time",
    "overdue",
    "extended",
    "explained",
    "avg_workdays",
    "rated",
    "satisfaction",
    "on_time_rate",
)

#: The rest of the bulletin's note on how the figures are counted (as the HTML says it).
NOTE_TAIL = (
    "各项数据均为截至统计日案卷中的情况，此后办理的事项不计入。诉求按挂号月份归入季度，"
    "按截至统计日的牵头单位归属；已办结含坐诊现场答复解决，重新交办后须本轮再次销号才计为已办结；"
    "按期办结指在本轮（延期后的）反馈期限内销号；超期未办结指截至季度末（或统计日，取较早者）"
    "已过本轮反馈期限仍未销号。企业撤回的诉求计入受理诉求，作废的误录不计入，重复诉求只计一次。"
    "办结率 = 已办结 /（受理诉求 − 企业撤回）；按期办结率 = 按期办结 / 已办结；"
    "满意率 =（满意 + 基本满意）/ 评价数。"
)
