"""report channels | scores: statistics by channel and the units' three rates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Force, Json, get_app

if TYPE_CHECKING:
    from datetime import date

    from rich.table import Table

    from zuozhen.channel_reports import ChannelReport, ScoreReport
    from zuozhen.commands.common import App
    from zuozhen.reports import Quarter


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["report"]
    group.command("channels")(channels)
    group.command("scores")(scores)


QuarterOpt = Annotated[str, typer.Option("--quarter", help="季度，YYYYQn，例如 2026Q4。")]
CsvOpt = Annotated[
    Path | None, typer.Option("--csv", help="导出 CSV（UTF-8 带 BOM，Excel/WPS 直接打开）。")
]


def _print(title: str, head: list[str], table: list[list[object]], note: str) -> None:
    from zuozhen.commands import render

    con = render.out()
    t = _figures(title, head, table, spaced=True)
    if con.measure(t, options=con.options.update_width(10_000)).maximum > con.width:
        # A unit's name stays on one line: 国家金融监督管理总局云南监管局 beside nine figures
        # fits 80 columns with one space between the columns instead of three.
        t = _figures(title, head, table, spaced=False)
    con.print(t)
    con.print(f"[dim]{note}[/dim]")


def _figures(title: str, head: list[str], table: list[list[object]], *, spaced: bool) -> Table:
    """The report as a table: the names (channels or units) on one line each, cut with …
    only where the terminal is too narrow for them and the figures."""
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render

    t = Table(
        title=title,
        box=box.SIMPLE_HEAVY,
        pad_edge=False,
        padding=(0, 1 if spaced else 0),
        show_edge=spaced,
    )
    t.add_column(head[0], min_width=8, no_wrap=True, overflow="ellipsis")
    for h in head[1:]:
        label = h if len(h) <= 2 else f"{h[:2]}\n{h[2:]}"
        t.add_column(label, justify="right", no_wrap=True)
    for i, cells in enumerate(table):
        last = i == len(table) - 1
        shown = [render.escape(str(cells[0]))] + [
            "—" if c == "" else (f"{c:.1f}" if isinstance(c, float) else str(c)) for c in cells[1:]
        ]
        t.add_row(*shown, style="bold" if last else None, end_section=i == len(table) - 2)
    return t


def _export(csv: Path | None, force: bool, head: list[str], table: list[list[object]]) -> None:
    if csv is None:
        return
    from zuozhen.commands import render
    from zuozhen.files.csvout import write_csv

    n = write_csv(csv, head, table, overwrite=force)
    render.done(f"已导出 {csv}（{n} 行，含合计；UTF-8 带 BOM，可直接用 Excel/WPS 打开）。")


def _prepare(
    ctx: typer.Context, quarter: str, csv: Path | None, force: bool
) -> tuple[App, Quarter, date]:
    """The app, the quarter (started by --today) and the cut-off; the CSV target checked."""
    from zuozhen.files.outfiles import check_target
    from zuozhen.reports import Quarter

    a = get_app(ctx)
    q = Quarter.parse(quarter)
    today = a.today
    q.require_started(today)
    if csv is not None:
        check_target(csv, overwrite=force, fmt="csv", option="--csv")
    return a, q, today


def channels(
    ctx: typer.Context,
    quarter: QuarterOpt,
    csv: CsvOpt = None,
    force: Force = False,
    json: Json = False,
) -> None:
    """按渠道统计：坐诊、接待日、12345 等各渠道的受理、即办、交办、办结、按期、超期与满意率。

    口径：诉求按挂号或受理月份归入季度，--today 之后办理的不计；作废、已并入的不计，
    企业撤回的只计入受理诉求；台账事项不计入。即办为当场答复解决（坐诊现场解决、
    intake --resolved）且未交办，计为按期办结；转送计为已办结、不计按期办结；超期未办结
    为季度末（或 --today，取较早者）已过反馈期限仍未销号；办结率 = 已办结 / 受理诉求，
    按期办结率 = 按期办结 / 已办结，满意率 =（满意 + 基本满意）/ 评价数（按办理情况，
    每轮评价都计）。百分比保留一位小数，无可计算的为空。

    示例：zuozhen report channels --quarter 2026Q4 --csv 渠道-2026Q4.csv
    """
    from zuozhen.channel_reports import channels_report
    from zuozhen.commands import render

    a, q, today = _prepare(ctx, quarter, csv, force)
    with a.reader() as r:
        rep: ChannelReport = channels_report(r, q, today=today)
    _export(csv, force, rep.header(), rep.table())
    if json:
        render.emit_json(rep)
        return
    if csv is None:
        _print(
            f"{q.title}诉求办理情况（按渠道）",
            rep.header(),
            rep.table(),
            f"数据截至 {rep.as_of.isoformat()}；超期未办结按 {rep.overdue_on.isoformat()} 判断。"
            "口径见 zuozhen report channels --help。",
        )


def scores(
    ctx: typer.Context,
    quarter: QuarterOpt,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            help="响应率、解决率、满意率的权重，三个小数合计为 1，如 0.3,0.35,0.35"
            "（默认取配置 [scores] weights）。",
        ),
    ] = None,
    csv: CsvOpt = None,
    force: Force = False,
    json: Json = False,
) -> None:
    """单位考核：各单位的响应率、解决率、满意率和综合得分。

    口径：按单位牵头的交办计。应响应为承办期限（5 个工作日）已过或已承办的交办（每轮都计），
    按期响应为在承办期限内承办；已办结、已解决按销号那一轮的牵头单位计，解决率 = 已解决 /
    已办结（解释说明不算解决，转送、即办不计入任何单位）；评价按被评价那一轮的牵头单位计，
    满意率 =（满意 + 基本满意）/ 评价数。综合得分 = 权重 × 三率（按显示的一位小数计算），
    保留一位小数；三率有一项为空时得分为空。--today 之后办理的不计。

    示例：zuozhen report scores --quarter 2026Q4 --weights 0.3,0.35,0.35
    """
    from zuozhen.channel_reports import parse_weights, scores_report
    from zuozhen.commands import render

    w = parse_weights(weights)
    a, q, today = _prepare(ctx, quarter, csv, force)
    with a.reader() as r:
        rep: ScoreReport = scores_report(r, q, today=today, weights=w)
    _export(csv, force, rep.header(), rep.table())
    if json:
        render.emit_json(rep)
        return
    if csv is None:
        if not rep.rows:
            render.warn(f"{q.title}没有单位牵头办理的交办，无可考核。")
            return
        r_, s_, m_ = rep.weights
        _print(
            f"{q.title}单位考核（响应率 × {r_:g} + 解决率 × {s_:g} + 满意率 × {m_:g}）",
            rep.header(),
            rep.table(),
            f"数据截至 {rep.as_of.isoformat()}。口径见 zuozhen report scores --help。",
        )
