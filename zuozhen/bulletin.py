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
from dataclasses import dataclass
from datetime import date
from typing import Any

from zuozhen.errors import InputError
from zuozhen.reports import (
    Figures,
    OverdueItem,
    Quarter,
    QuarterlyReport,
    enterprises_served,
    overdue_items,
    problem_classes,
    quarterly_many,
)
from zuozhen.store.reader import Reader

FORMATS = ("html", "md")
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

    @property
    def total(self) -> Figures:
        return self.by_unit.total


def build(r: Reader, quarter: Quarter, *, today: date) -> Bulletin:
    cfg = r.config
    reports = quarterly_many(r, quarter, ("unit", "theme", "region"), today=today)
    return Bulletin(
        quarter=quarter,
        organiser=cfg.organiser,
        programme=cfg.programme,
        as_of=today,
        overdue_on=quarter.overdue_on(today),
        enterprises=enterprises_served(r, quarter, today=today),
        by_unit=reports["unit"],
        by_theme=reports["theme"],
        by_region=reports["region"],
        overdue=overdue_items(r, quarter, today=today, limit=OVERDUE_SHOWN),
        classes=problem_classes(r, quarter, today=today, limit=10),
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
    }


def _md_cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_bulletin(b: Bulletin, fmt: str = "html") -> str:
    import jinja2
    from markupsafe import Markup

    from zuozhen.resources import templates

    if fmt not in FORMATS:
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
