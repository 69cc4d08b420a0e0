"""ledger new/add/import/list/show/carry: 台账 pushed to closure item by item (销号推进)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zuozhen.commands.common import AllowNew, Force, Json, act, get_app, read, warn_all

if TYPE_CHECKING:
    from collections.abc import Callable

    from zuozhen.ledger_report import Progress
    from zuozhen.ledgers import Added

LedgerArg = Annotated[str, typer.Argument(metavar="台账编号", help="如 L2026-01。")]


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    g = groups["ledger"]
    g.command("new")(new)
    g.command("add")(add)
    g.command("import")(import_)
    g.command("list")(list_)
    g.command("show")(show)
    g.command("carry")(carry)
    g.command("raise")(raise_)
    groups["report"].command("ledger")(report)


def new(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Option("--name", help="台账名称，如“营商环境评估反馈问题整改清单”。")
    ],
    source: Annotated[str, typer.Option("--source", help="来源文件（文件名称或文号）。")],
    year: Annotated[int, typer.Option("--year", help="年度，如 2026。")],
    json: Json = False,
) -> None:
    """新建台账（整改清单、重点任务分工台账、重点问题清单）。

    示例：zuozhen ledger new --name 营商环境评估反馈问题整改清单 --source "通营商办〔2026〕3号" --year 2026
    """
    from zuozhen import ledgers
    from zuozhen.commands import render

    r = act(ctx, ledgers.new, name=name, source=source, year=year)
    render.outcome(
        r,
        json,
        said=f"已新建台账 {r.id}：{r.name}（{r.year} 年度）。",
        next_step=f"导入事项：zuozhen ledger import {r.id} 整改清单.csv；"
        f"逐项添加：zuozhen ledger add {r.id} --item … --unit … --due …",
    )


def add(
    ctx: typer.Context,
    ledger: LedgerArg,
    item: Annotated[str, typer.Option("--item", help="问题（事项内容）。")],
    unit: Annotated[list[str], typer.Option("--unit", help="责任单位；可重复，第一个为牵头单位。")],
    due: Annotated[str, typer.Option("--due", help="完成时限 YYYY-MM-DD（须是工作日）。")],
    measures: Annotated[str | None, typer.Option("--measures", help="整改措施。")] = None,
    allow_new: AllowNew = False,
    json: Json = False,
) -> None:
    """向台账添加一项事项，并交办给责任单位（承办 5 个工作日，反馈期限为完成时限）。

    示例：zuozhen ledger add L2026-01 --item "工程建设项目审批时间偏长" --unit 市住房城乡建设局 --due 2026-12-31
    """
    from zuozhen import ledgers
    from zuozhen.commands import render

    r = _new_item(
        ctx, ledgers.add, ledger, due, item=item, units=unit, measures=measures, allow_new=allow_new
    )
    render.outcome(
        r,
        json,
        said=f"已添加事项 {r.id}，交办给 {'、'.join(r.units)}：承办期限 {r.plan_due.isoformat()}，"
        f"完成时限 {r.due.isoformat()}。",
        next_step=f"承办：zuozhen assign accept {r.id} --handler … --measures …",
    )


def _new_item(
    ctx: typer.Context, fn: Callable[..., Added], ledger: str, due: str, **fields: Any
) -> Added:
    """One new item of LEDGER by ``fn`` (``add`` or ``raise``), due on the 完成时限 the clerk
    typed (``--due``), its warnings shown."""
    from zuozhen.commands.common import optional_date

    when = optional_date(due, "完成时限（--due）")
    assert when is not None
    r: Added = act(ctx, fn, ledger, due=when, **fields)
    warn_all(r.warnings)
    return r


def import_(
    ctx: typer.Context,
    ledger: LedgerArg,
    file: Annotated[
        Path, typer.Argument(metavar="文件", help="CSV（UTF-8 或 GB18030）或 Excel（.xlsx）文件。")
    ],
    strict: Annotated[bool, typer.Option("--strict", help="有任何错误行时全部不导入。")] = False,
    allow_new: AllowNew = False,
    json: Json = False,
) -> None:
    """导入整改清单：表头 序号,问题,责任单位,整改措施,完成时限；逐项交办给责任单位。

    责任单位有多个时用“、”分隔，第一个为牵头单位；完成时限须是工作日。错误行逐行列出，
    其余照常导入（--strict 则全部不导入）；整个文件一个事务。

    示例：zuozhen ledger import L2026-01 整改清单.csv
    """
    from zuozhen import ledger_import
    from zuozhen.commands import render

    r = act(ctx, ledger_import.import_file, ledger, file, strict=strict, allow_new=allow_new)
    warn_all(r.warnings)
    if json:
        render.emit_json(r)
        return
    render.done(f"已向台账 {r.ledger} 导入 {r.imported} 项，均已交办给责任单位。")
    for bad in r.rejected:
        render.warn(render.escape(f"第 {bad['line']} 行未导入：{bad['error']}。"))
    render.hint(f"查看进度：zuozhen ledger show {r.ledger}")


def list_(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year", help="只列该年度的台账。")] = None,
    json: Json = False,
) -> None:
    """列出台账及其完成率。

    示例：zuozhen ledger list --year 2026
    """
    from zuozhen import ledger_report
    from zuozhen.commands import render

    rows = read(ctx, ledger_report.listing, year)
    if json:
        render.emit_json({"ledgers": rows})
        return
    if not rows:
        render.hint("还没有台账：zuozhen ledger new --name … --source … --year …")
        return
    render.columns(
        ["台账", "年度", "事项", "已销号", "完成率", "名称"],
        (
            [
                r.id,
                str(r.year),
                str(r.total),
                str(r.closed),
                _pct(r.completion_rate),
                r.name + (f"（由 {r.carried_from} 结转）" if r.carried_from else ""),
            ]
            for r in rows
        ),
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def show(ctx: typer.Context, ledger: LedgerArg, json: Json = False) -> None:
    """台账进度：事项数、已销号、完成率，各责任单位情况和超期事项。

    示例：zuozhen ledger show L2026-01
    """
    from zuozhen import ledger_report
    from zuozhen.commands import render

    # The text view lists only the overdue items: the figures come from one GROUP BY.
    p = read(ctx, ledger_report.progress, ledger, get_app(ctx).today, full=json)
    if json:
        render.emit_json(p)
        return
    _print_progress(p)


def _print_progress(p: Progress) -> None:
    from zuozhen.commands import render
    from zuozhen.states import label

    con = render.out()
    con.print(f"{p.id} {p.name}（{p.year} 年度；{p.source}）", markup=False)
    if p.carried_from:
        con.print(f"由 {p.carried_from} 结转未销号事项而来。", markup=False)
    if p.carried_to:
        con.print(f"未销号事项已结转到 {p.carried_to}。", markup=False)
    con.print(
        f"共 {p.total} 项，已销号 {p.closed} 项（按期 {p.on_time} 项），完成率 {_pct(p.completion_rate)}；"
        f"超期未销号 {p.overdue} 项（截至 {p.today.isoformat()}）。",
        markup=False,
    )
    if p.units:
        con.print("")
        render.columns(
            ["责任单位", "事项", "已销号", "按期", "超期", "完成率"],
            ([u.unit, *(str(c) for c in u.cells()[1:5]), _pct(u.completion_rate)] for u in p.units),
        )
    late = [i for i in p.items if i.overdue]
    if late:
        con.print("\n超期未销号事项：", markup=False)
        render.columns(
            ["事项", "完成时限", "状态", "问题"],
            ([i.id, str(i.due or ""), label(i.status), i.text] for i in late),
        )
    if p.left:
        con.print(f"\n另有 {p.left} 项已撤回、作废或合并，不计入。", markup=False)


def carry(
    ctx: typer.Context,
    ledger: LedgerArg,
    year: Annotated[int, typer.Option("--year", help="结转到的年度，如 2027。")],
    due: Annotated[
        str | None,
        typer.Option("--due", help="完成时限已过的事项的新完成时限（默认该年度最后一个工作日）。"),
    ] = None,
    json: Json = False,
) -> None:
    """把台账中未销号的事项结转到新年度的台账（标注“结转”），原事项保留并注明去向。

    示例：zuozhen ledger carry L2026-01 --year 2027
    """
    from zuozhen import ledgers
    from zuozhen.commands import render
    from zuozhen.commands.common import optional_date

    r = act(ctx, ledgers.carry, ledger, year=year, due=optional_date(due, "完成时限（--due）"))
    render.outcome(
        r,
        json,
        said=f"已把台账 {r.ledger} 的 {r.carried} 项未销号事项结转到 {r.id}（{r.year} 年度）。",
        next_step=f"查看：zuozhen ledger show {r.id}",
    )


def raise_(
    ctx: typer.Context,
    ledger: LedgerArg,
    due: Annotated[str, typer.Option("--due", help="完成时限 YYYY-MM-DD（须是工作日）。")],
    class_: Annotated[
        str | None, typer.Option("--class", help="共性诉求类别（接诊时 --class 所填）。")
    ] = None,
    appeal: Annotated[
        list[str] | None, typer.Option("--appeal", help="同一类别的诉求号；可重复。")
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", help="责任单位；默认为这些诉求的牵头单位（最多的在前）。"),
    ] = None,
    item: Annotated[str | None, typer.Option("--item", help="事项内容（默认按类别生成）。")] = None,
    allow_new: AllowNew = False,
    json: Json = False,
) -> None:
    """把一类共性诉求列入台账（解决一个诉求，推动解决一类问题），事项与该类诉求互相关联。

    示例：zuozhen ledger raise L2026-02 --class 电费补贴兑现 --due 2026-12-31
    """
    from zuozhen import ledgers
    from zuozhen.commands import render

    r = _new_item(
        ctx,
        ledgers.raise_item,
        ledger,
        due,
        problem_class=class_,
        appeal_ids=appeal or [],
        units=unit,
        item=item,
        allow_new=allow_new,
    )
    render.outcome(
        r,
        json,
        said=f"已把该类共性诉求列入台账：事项 {r.id}，交办给 {'、'.join(r.units)}，"
        f"完成时限 {r.due.isoformat()}。",
        next_step=f"查看关联的诉求：zuozhen show {r.id}",
    )


def report(
    ctx: typer.Context,
    ledger: LedgerArg,
    csv: Annotated[Path | None, typer.Option("--csv", help="导出各单位进展表 CSV。")] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="导出 Excel：进展表和未销号事项两张表。")
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="docx：Word 公文（须给 --output）。")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", help="Word 文件路径。")] = None,
    force: Force = False,
) -> None:
    """台账整改进展报表：各责任单位事项数、已销号、按期、超期、完成率，以及未销号事项清单。

    示例：zuozhen report ledger L2026-01 --format docx --output 整改进展.docx
    """
    from zuozhen import ledger_report as lr
    from zuozhen.commands import render
    from zuozhen.errors import InputError

    if (format is None) != (output is None) or format not in (None, "docx"):
        raise InputError("Word 报表请同时给出 --format docx 和 --output 文件名.docx。")
    a = get_app(ctx)
    with a.reader() as r:
        p = lr.progress(r, ledger, a.today)
        docs = r.config.docs
    if csv is not None:
        from zuozhen.files.csvout import write_csv

        write_csv(csv, lr.HEAD, lr.unit_table(p), overwrite=force)
        render.done(f"已导出 {csv}（{len(p.units)} 个单位，含合计）。")
    if xlsx is not None:
        _xlsx(xlsx, p, force)
        render.done(f"已导出 {xlsx}（进展表；未销号事项 {len(lr.open_items(p))} 项）。")
    if output is not None:
        from zuozhen.files.gongwen import save

        save(lr.to_docx(p, docs.office, docs.signature), output, overwrite=force)
        render.done(f"已生成 {output}（Word 公文）。")
    if csv is None and xlsx is None and output is None:
        _print_progress(p)


def _xlsx(path: Path, p: Progress, force: bool) -> None:
    from zuozhen import ledger_report as lr
    from zuozhen.files.xlsx import Layout, write_xlsx

    note = f"截至 {p.today.isoformat()}"
    write_xlsx(
        path,
        lr.HEAD,
        [
            [*row[:5], "" if row[5] == "" else float(str(row[5]).rstrip("%"))]
            for row in lr.unit_table(p)
        ],
        title="整改进展",
        layout=Layout(heading=f"{p.name}整改进展", note=note, percent_columns=(5,)),
        overwrite=force,
    )
    items = path.with_name(path.stem + "-未销号事项" + path.suffix)
    write_xlsx(
        items,
        lr.ITEM_HEAD,
        lr.open_items(p),
        title="未销号事项",
        layout=Layout(heading=f"{p.name}未销号事项", note=note, text_columns=(1,)),
        overwrite=force,
    )


def who_lines(d: dict[str, Any]) -> list[tuple[str, str]]:
    """Whose appeal: the enterprise, or for a ledger item its ledger (and carry-over)."""
    led, linked = d.get("ledger"), "、".join(d.get("linked") or [])
    if not led:
        return [
            ("企业", f"{d['enterprise']}（{d['uscc']}）"),
            ("联系人", f"{d['contact']}  {d['phone']}"),
        ] + ([("列入台账", linked)] if linked else [])
    out = [("台账", f"{led['id']} {led['name']}（台账事项，无企业评价环节）")]
    out += [("共性诉求", f"{d['class']}：{linked}")] if linked else []
    if d.get("carried_from"):
        out.append(("结转自", str(d["carried_from"])))
    if d.get("carried_to"):
        out.append(("已结转到", str(d["carried_to"])))
    return out
