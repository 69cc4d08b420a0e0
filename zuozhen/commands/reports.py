"""report quarterly | items: the figures the leadership reads (step 10)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Force, Json, get_app

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from rich.text import Text

    from zuozhen.reports import QuarterlyReport
    from zuozhen.service_items import ServiceItem


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    group = groups["report"]
    group.command("quarterly")(quarterly)
    group.command("items")(items)


# Two-line column heads so the statistics fit an 80-column terminal.
TERMINAL_HEADS = {
    "受理诉求": "受理\n诉求",
    "现场解决": "现场\n解决",
    "按期办结": "按期\n办结",
    "超期未办结": "超期\n未办结",
    "解释说明": "解释\n说明",
    "平均办理工作日": "平均\n工作日",
    "评价数": "评价\n数",
    "满意率": "满意\n率%",
}
QuarterOpt = Annotated[str, typer.Option("--quarter", help="季度，YYYYQn，例如 2026Q4。")]


def _bar(rate: float | None, width: int = 10) -> Text:
    """A small horizontal bar for a percentage: green ≥ 90, yellow ≥ 70, red below."""
    from rich.text import Text

    if rate is None:
        return Text("—".ljust(width) + "      ", style="dim")
    style = "green" if rate >= 90 else ("yellow" if rate >= 70 else "red")
    eighths = round(rate / 100 * width * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")
    text = Text(bar.ljust(width), style=style)
    text.append(f" {rate:5.1f}%", style="bold" if rate < 70 else "")
    return text


def _print_quarterly(rep: QuarterlyReport) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.reports import BY_LABEL

    con = render.out()
    title = f"{rep.quarter.title}坐诊接诉统计（按{BY_LABEL[rep.by]}）"
    table = Table(title=title, box=box.SIMPLE_HEAVY, pad_edge=False, padding=(0, 0))
    head = rep.header()
    # 企业撤回 is shown beside 受理诉求 here (the CSV's columns are fixed by cli.md).
    withdrawn = rep.total.withdrawn > 0
    table.add_column(head[0], min_width=8, max_width=16)
    for h in head[1:]:
        table.add_column(TERMINAL_HEADS.get(h, h), justify="right", no_wrap=True)
        if h == "受理诉求" and withdrawn:
            table.add_column("其中\n撤回", justify="right", no_wrap=True)
    figures = [*rep.rows, rep.total]
    for i, cells in enumerate(rep.table()):
        last = i == len(rep.rows)
        shown = [render.escape(str(cells[0]))] + [
            "" if c == "" else (f"{c:.1f}" if isinstance(c, float) else str(c)) for c in cells[1:]
        ]
        if withdrawn:
            shown.insert(2, str(figures[i].withdrawn))
        table.add_row(*shown, style="bold" if last else None, end_section=i == len(rep.rows) - 1)
    con.print(table)
    if withdrawn:
        con.print(
            f"[dim]受理诉求含企业撤回 {rep.total.withdrawn} 件，不计入办结率分母；"
            "作废、已并入的诉求不计入。[/dim]"
        )
    glance = Table(
        title="一览：按期办结率 与 满意率（绿 ≥90%，黄 ≥70%，红 <70%）",
        box=box.SIMPLE,
        pad_edge=False,
    )
    glance.add_column(head[0], no_wrap=True, max_width=24)
    glance.add_column("按期办结率", no_wrap=True)
    glance.add_column("满意率", no_wrap=True)
    for f in [*rep.rows, rep.total]:
        glance.add_row(
            render.escape(f.group),
            _bar(f.on_time_rate),
            _bar(f.satisfaction_rate),
            style="bold" if f is rep.total else None,
        )
    con.print(glance)
    con.print(
        f"[dim]数据截至 {rep.as_of.isoformat()}，此后办理的不计；超期未办结按 "
        f"{rep.overdue_on.isoformat()} 判断。\n各项口径见 zuozhen report quarterly --help。[/dim]"
    )


def quarterly(
    ctx: typer.Context,
    quarter: QuarterOpt,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="分组：unit（单位）、theme（主题）、region（地区）、class（类别）、"
            "channel（渠道），中文或代码均可。",
        ),
    ] = "unit",
    csv: Annotated[
        Path | None, typer.Option("--csv", help="导出 CSV（UTF-8 带 BOM，Excel/WPS 直接打开）。")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="导出 Excel 工作簿（.xlsx）。")
    ] = None,
    force: Force = False,
    json: Json = False,
) -> None:
    """季度统计：受理、现场解决、交办、办结、按期、超期、延期、满意率等，按单位/主题/地区/类别。

    口径：一切按 --today 当日（默认今天）为止的案卷计，此后的挂号、交办、延期、销号、评价
    都不计入；诉求按挂号月份归入季度，按当日的牵头单位归属（交办后为最近一轮交办的牵头单位）；
    企业撤回的计入受理诉求（终端显示“其中撤回”），作废的不计入，并入其他诉求的重复诉求
    只在所并入的诉求中计一次；重新交办的诉求按最近一轮计，本轮销号才算已办结；已办结含现场解决；按期办结指在本轮
    （延期后的）反馈期限内销号，现场解决视为按期；超期未办结指季度末（或 --today，取较早者）
    已过本轮反馈期限仍未销号；平均办理工作日为本轮交办次日至销号日的工作日数的平均值；
    评价数为评价的次数（每轮评价都计，按单位时归被评价那一轮的牵头单位）；
    满意率 =（满意 + 基本满意）/ 评价数，按“办理情况”评价计。尚未开始的季度不能统计。

    示例：zuozhen report quarterly --quarter 2026Q4 --csv 2026Q4.csv
    """
    from zuozhen.commands import render
    from zuozhen.files.outfiles import check_target
    from zuozhen.reports import Quarter, check_by
    from zuozhen.reports import quarterly as compute

    a = get_app(ctx)
    q = Quarter.parse(quarter)
    by = check_by(by)
    today = a.today
    q.require_started(today)
    for target, fmt in ((csv, "csv"), (xlsx, "xlsx")):
        if target is not None:
            check_target(target, overwrite=force, fmt=fmt, option=f"--{fmt}")
    with a.reader() as r:
        rep = compute(r, q, by=by, today=today)
    if csv is not None:
        from zuozhen.files.csvout import write_csv

        n = write_csv(csv, rep.header(), rep.table(), overwrite=force)
        render.done(f"已导出 {csv}（{n} 行，含合计；UTF-8 带 BOM，可直接用 Excel/WPS 打开）。")
    if xlsx is not None:
        from zuozhen.files.xlsx import Layout, write_xlsx
        from zuozhen.reports import BY_LABEL

        layout = Layout(
            heading=f"{q.title}“厅局长坐诊接诉”诉求办理情况统计（按{BY_LABEL[by]}）",
            note=f"数据截至 {rep.as_of.isoformat()}；超期未办结按 {rep.overdue_on.isoformat()} 判断",
            percent_columns=rep.sheet_rates(),
            decimal_columns=(rep.sheet_header().index("平均办理工作日"),),
        )
        n = write_xlsx(
            xlsx,
            rep.sheet_header(),
            rep.sheet_table(),
            title=f"{q.code}统计",
            layout=layout,
            overwrite=force,
        )
        render.done(f"已导出 {xlsx}（{n} 行，含合计；另含按期办结率）。")
    if json:
        render.emit_json(rep)
        return
    if not rep.rows:
        render.warn(f"{q.title}（{'、'.join(q.months)}）没有挂号受理的诉求。")
        return
    if csv is None and xlsx is None:
        _print_quarterly(rep)
        render.hint(
            f"导出：zuozhen report quarterly --quarter {q.code} --csv {q.code}.csv；"
            f"季度通报：zuozhen report bulletin --quarter {q.code} --output {q.code}通报.html"
        )


def items(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="月份，YYYY-MM。")],
    csv: Annotated[
        Path | None, typer.Option("--csv", help="导出 CSV（UTF-8 带 BOM，含完整诉求内容）。")
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="导出 Excel 工作簿（.xlsx）。")
    ] = None,
    with_contacts: Annotated[
        bool,
        typer.Option("--with-contacts", help="包含联系人和联系电话（个人信息：导出会记入留痕）。"),
    ] = False,
    force: Force = False,
    json: Json = False,
) -> None:
    """当月《“厅局长坐诊接诉”服务事项清单》：诉求、企业、类别、主题、承办单位、场次、状态、期限。

    默认不含联系人和电话；加 --with-contacts 才包含，并把谁在何时导出了哪个文件、多少行记入留痕。

    示例：zuozhen report items --month 2026-10 --csv 2026-10服务事项清单.csv
    """
    from zuozhen.commands import render
    from zuozhen.files.outfiles import check_target
    from zuozhen.service_items import (
        check_month,
        item_header,
        record_contacts_export,
        service_items,
    )

    a = get_app(ctx)
    m = check_month(month, a.today)
    for target, fmt in ((csv, "csv"), (xlsx, "xlsx")):
        if target is not None:
            check_target(target, overwrite=force, fmt=fmt, option=f"--{fmt}")
    title = f"{m[:4]}年{int(m[5:])}月“厅局长坐诊接诉”服务事项清单"
    head = item_header(with_contacts=with_contacts)
    files = [str(p) for p in (csv, xlsx) if p is not None]

    def export(items: Callable[[], Iterable[ServiceItem]]) -> int:
        """Write the requested files; ``items`` is called once per file (streamed)."""
        n = 0
        if csv is not None:
            from zuozhen.files.csvout import write_csv

            n = write_csv(
                csv,
                head,
                (i.cells(with_contacts=with_contacts) for i in items()),
                overwrite=force,
                private=with_contacts,  # phone numbers: owner-only
            )
        if xlsx is not None:
            from zuozhen.files.xlsx import Layout, write_xlsx

            codes = [0, 2]  # appeal number, credit code
            if with_contacts:
                codes.append(4)  # phone
            n = write_xlsx(
                xlsx,
                head,
                (i.cells(with_contacts=with_contacts) for i in items()),
                title=f"{m}服务事项清单",
                layout=Layout(
                    heading=title,
                    note=f"数据截至 {a.today.isoformat()}",
                    text_columns=tuple(codes),
                ),
                overwrite=force,
                private=with_contacts,  # phone numbers: owner-only
            )
        return n

    if with_contacts:
        # Personal data leaves the case file: read, write and record in one transaction,
        # so a failed write records nothing and no export is left unrecorded.
        case = a.open()
        try:
            with a.reader() as r, case.write(a.act) as tx:
                rows = list(service_items(r, m, today=a.today, with_contacts=True))
                n = export(lambda: rows)
                where = "、".join(files) or ("JSON 输出" if json else "终端显示")
                record_contacts_export(tx, month=m, target=where, rows=len(rows), columns=head)
        finally:
            case.close()
        render.warn(
            f"本次输出含联系人和联系电话（{len(rows)} 行），已记入留痕；请妥善保管，勿外传。"
        )
    else:
        with a.reader() as r:
            n = export(lambda: service_items(r, m, today=a.today))
            rows = list(service_items(r, m, today=a.today)) if (json or not files) else []
    if files:
        extra = "含联系人和电话" if with_contacts else "不含联系人和电话"
        render.done(f"已导出 {'、'.join(files)}（{n} 行；{extra}）。")
        if n == 0:
            render.warn(f"{m} 没有挂号的诉求，清单只有表头。")
    if json:
        render.emit_json({"month": m, "items": rows})
        return
    if files:
        return
    if not rows:
        render.warn(f"{m} 没有挂号的诉求。")
        render.hint("挂号：zuozhen book --enterprise … --uscc … --contact … --phone … --appeal …")
        return
    _print_items(title, rows, with_contacts=with_contacts)
    render.hint(f"导出完整清单：zuozhen report items --month {m} --csv {m}服务事项清单.csv")


def _print_items(title: str, rows: list[ServiceItem], *, with_contacts: bool) -> None:
    from rich import box
    from rich.table import Table

    from zuozhen.commands import render

    def short(text: str, n: int = 16) -> str:
        return text if len(text) <= n else text[: n - 1] + "…"

    # Fits 80 columns: the category and full text are in the CSV export.
    table = Table(title=title, box=box.SIMPLE_HEAVY, pad_edge=False, padding=(0, 0))
    table.add_column("诉求编号", no_wrap=True)
    table.add_column("企业", min_width=8, max_width=16, overflow="fold")
    if with_contacts:
        table.add_column("联系人", no_wrap=True)
        table.add_column("电话", no_wrap=True)
    table.add_column("诉求内容", min_width=8, max_width=18, overflow="fold")
    table.add_column("主题", min_width=4, max_width=8, overflow="fold")
    table.add_column("承办单位", min_width=8, max_width=16, overflow="fold")
    table.add_column("坐诊", no_wrap=True, min_width=9)
    table.add_column("状态", no_wrap=True, min_width=6)
    table.add_column("反馈期限", no_wrap=True, min_width=10)
    for i in rows:
        cells = [i.appeal, render.escape(short(i.enterprise, 16))]
        if with_contacts:
            cells += [render.escape(i.contact or ""), i.phone or ""]
        session = (
            f"{i.session_date.month}-{i.session_date.day:02d}{i.session_kind}"
            if i.session_date
            else "—"
        )
        cells += [
            render.escape(short(i.text)),
            render.escape(i.theme or "—"),
            render.escape("、".join(i.units) or "—"),
            session,
            i.status_label,
            i.report_due.isoformat() if i.report_due else "",
        ]
        table.add_row(*cells)
    render.out().print(table)
    render.out().print(f"共 {len(rows)} 项。")
