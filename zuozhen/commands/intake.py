"""book (挂号, one booking or a CSV import) and triage (接诊: 分类、分办、排诊、核实)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.common import Json, get_app

if TYPE_CHECKING:
    from zuozhen.intake import Booked, Imported, Progress, Rejected, Triaged

WEEKDAYS = "一二三四五六日"


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("book")(book)
    app.command("triage")(triage)


def _day(d: object) -> str:
    from datetime import date

    assert isinstance(d, date)
    return f"{d.isoformat()}（星期{WEEKDAYS[d.weekday()]}）"


# -- book --------------------------------------------------------------------------------


def book(
    ctx: typer.Context,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="企业名称。")] = None,
    uscc: Annotated[
        str | None, typer.Option("--uscc", help="统一社会信用代码（18 位，校验位会核对）。")
    ] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="企业联系人。")] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", help="联系电话：手机号，或带区号的座机。")
    ] = None,
    appeal: Annotated[
        list[str] | None,
        typer.Option("--appeal", help="诉求内容（2000 字以内）；可重复，每项一条诉求。"),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="诉求类别：政策咨询、服务需求、意见建议；不填为配置的第一类（政策咨询）。",
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="所属地区（不在配置名单中会提醒）。")
    ] = None,
    industry: Annotated[str | None, typer.Option("--industry", help="所属行业。")] = None,
    late: Annotated[
        str | None,
        typer.Option("--late", help="窗口外挂号（加号）的原因；挂号窗口外必须填写，记入留痕。"),
    ] = None,
    from_csv: Annotated[
        Path | None,
        typer.Option(
            "--from-csv",
            help="从网上专窗导出的 CSV 批量导入（每行一条诉求；UTF-8 或 GB18030 编码）。",
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="导入时只要有一行有误就全部不导入（退出码 1）。")
    ] = False,
    json: Json = False,
) -> None:
    """挂号：登记企业本月的诉求，或从 CSV 批量导入。

    同一企业同一月只有一个挂号，再次挂号时诉求追加到原挂号下（挂号号不变，诉求号顺延）；
    同一挂号中内容相同的诉求不重复登记（提醒并跳过）。挂号窗口为每月前 5 个工作日
    （按配置），窗口外须用 --late 原因 加号。核实期限自窗口截止日起算 7 个工作日，
    加号自挂号当日起算。

    CSV 导入：表头须含 企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容
    （可选 所属地区,所属行业；列序不限）；表头不符整体拒绝。同一企业的多行合为一个挂号。
    有误的行逐行报告行号和原因，其余各行在一个事务中导入，退出码 0（有误的行在 stderr
    列出）；一行都导入不了、或用 --strict 而有误行时，什么也不导入，退出码 1。所有行按
    --today 当天挂号，同样适用挂号窗口规则，--late 原因 适用于整个文件。

    示例：zuozhen book --enterprise 云南滇中新材料有限公司 --uscc 91530100MA6K3XXXXX
    --contact 王小明 --phone 13812345678 --appeal "电费补贴迟迟未兑现"

    示例：zuozhen book --from-csv 10月挂号.csv
    """
    if from_csv is not None:
        given = [
            name
            for name, value in (
                ("--enterprise", enterprise),
                ("--uscc", uscc),
                ("--contact", contact),
                ("--phone", phone),
                ("--appeal", appeal),
                ("--category", category),
                ("--region", region),
                ("--industry", industry),
            )
            if value
        ]
        if given:
            raise typer.BadParameter(
                f"--from-csv 导入时不能同时填写 {'、'.join(given)}：企业和诉求信息取自文件。",
                param_hint="--from-csv",
            )
        _import(ctx, from_csv, strict=strict, late=late, json=json)
        return
    if strict:
        raise typer.BadParameter("--strict 只用于 --from-csv 导入。", param_hint="--strict")
    missing = [
        name
        for name, value in (
            ("--enterprise 企业名称", enterprise),
            ("--uscc 统一社会信用代码", uscc),
            ("--contact 联系人", contact),
            ("--phone 联系电话", phone),
            ("--appeal 诉求内容", appeal),
        )
        if value is None or value == []
    ]
    if missing:
        raise typer.BadParameter(
            f"挂号缺少：{'、'.join(missing)}（或用 --from-csv 文件 批量导入）。",
            param_hint="book",
        )
    from zuozhen import intake
    from zuozhen.commands import render

    a = get_app(ctx)
    case = a.open()
    try:
        assert enterprise is not None and uscc is not None and contact is not None
        assert phone is not None and appeal is not None
        r = intake.book(
            case,
            a.act,
            enterprise=enterprise,
            uscc=uscc,
            contact=contact,
            phone=phone,
            appeals=list(appeal),
            category=category,
            region=region,
            industry=industry,
            late=late,
        )
    finally:
        case.close()
    for w in r.warnings:
        render.warn(w)
    if json:
        render.emit_json(r)
        return
    _show_booked(r)


def _show_booked(r: Booked) -> None:
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    verb = "追加到本月已有挂号" if r.merged else "挂号成功"
    late = f"（加号：{escape(r.late_reason)}）" if r.late_reason else ""
    render.done(f"{verb}：挂号号 [bold]{r.booking}[/bold]，新增诉求 {len(r.appeals)} 项{late}。")
    con = render.out()
    con.print(f"企业    {escape(r.enterprise)}（{r.uscc}）")
    con.print(f"联系人  {escape(r.contact)}  {r.phone}")
    if r.changed:
        names = {"name": "名称", "contact": "联系人", "phone": "电话", "region": "地区"}
        parts = [f"{names.get(k, '行业')} {v[0] or '—'} → {v[1]}" for k, v in r.changed.items()]
        con.print(f"[yellow]企业信息已更新[/yellow]  {escape('；'.join(parts))}")
    table = Table(show_header=True, pad_edge=False, box=None)
    table.add_column("诉求号", no_wrap=True)
    table.add_column("类别", no_wrap=True)
    table.add_column("诉求内容", overflow="fold")
    for aid, text in zip(r.appeals, r.texts, strict=True):
        table.add_row(aid, r.category, escape(text if len(text) <= 60 else text[:59] + "…"))
    con.print(table)
    start = "挂号当日" if r.late_reason else f"挂号窗口截止日 {r.window.last.isoformat()}"
    prov = "（暂定：该年官方放假安排未载入）" if r.provisional else ""
    con.print(f"核实期限 {_day(r.verify_due)}：自{start}起 7 个工作日内与企业对接核实{prov}。")
    first = r.appeals[0]
    render.hint(
        f"下一步：分类分办并排入场次，例如 zuozhen triage {first} --theme 主题 --unit 单位 "
        "--session 场次号 --verified"
    )


def _import(ctx: typer.Context, path: Path, *, strict: bool, late: str | None, json: bool) -> None:
    import sys

    from zuozhen import intake
    from zuozhen.commands import render

    a = get_app(ctx)
    case = a.open()
    try:
        try:
            if sys.stderr.isatty():
                r = _with_progress(
                    lambda p: intake.import_csv(
                        case, a.act, path, strict=strict, late=late, progress=p
                    )
                )
            else:
                r = intake.import_csv(case, a.act, path, strict=strict, late=late)
        except intake.ImportRefused as exc:
            _list_rejected(exc.rejected)
            if json:
                render.emit_json(exc)
            raise
    finally:
        case.close()
    for w in r.warnings:
        render.warn(w)
    if r.rejected:
        _list_rejected(r.rejected)
    if json:
        render.emit_json(r)
    _show_imported(r)


def _with_progress(run: Callable[[Progress], Imported]) -> Imported:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from zuozhen.commands import render

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=render.err(),
        transient=True,
    ) as bar:
        task = bar.add_task("核对数据行", total=None)

        def step(done: int, total: int) -> None:
            if done >= total:
                bar.update(
                    task, description=f"已核对 {total} 行，写入案卷", completed=0, total=None
                )
            else:
                bar.update(task, completed=done, total=total)

        return run(step)


def _list_rejected(rows: list[Rejected]) -> None:
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    con = render.err()
    con.print(f"[red]以下 {len(rows)} 行有误，未导入：[/red]")
    for r in rows[:200]:
        con.print(f"  第 {r.line} 行：{escape(r.error)}")
    if len(rows) > 200:
        con.print(f"  ……另有 {len(rows) - 200} 行（用 --json 可得到完整清单）")


def _show_imported(r: Imported) -> None:
    from zuozhen.commands import render

    late = f"（加号：{r.late_reason}）" if r.late_reason else ""
    render.done(
        f"已从 {Path(r.file).name}（{r.encoding}）导入诉求 {r.imported} 项{late}："
        f"新建挂号 {len(r.bookings_created)} 个，追加到已有挂号 {len(r.bookings_extended)} 个；"
        f"新企业 {r.enterprises_created} 家，更新企业信息 {r.enterprises_updated} 家。"
    )
    if r.rejected:
        render.warn(
            f"共 {r.rows} 行，其中 {len(r.rejected)} 行有误未导入（见上）：改正后可只把这些行"
            "另存为新文件再导入，已导入的内容不会重复。"
        )
    if r.verify_due is not None:
        prov = "（暂定）" if r.provisional else ""
        render.hint(f"核实期限 {_day(r.verify_due)}{prov}。")
    if r.bookings_created or r.bookings_extended:
        render.hint("下一步：zuozhen list --status 已挂号 查看，逐项 zuozhen triage 诉求号 …")


# -- triage ------------------------------------------------------------------------------


def triage(
    ctx: typer.Context,
    appeal: Annotated[str, typer.Argument(help="诉求号，如 202610-007-1。")],
    theme: Annotated[str | None, typer.Option("--theme", help="主题（专场主题）。")] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", help="联合坐诊/承办单位；可重复，第一个为牵头单位。"),
    ] = None,
    session: Annotated[
        str | None, typer.Option("--session", help="排入的坐诊场次号，如 S202610-01。")
    ] = None,
    problem_class: Annotated[
        str | None,
        typer.Option("--class", help="共性诉求类别（自由填写；会提示已用过的相近类别）。"),
    ] = None,
    verified: Annotated[
        bool, typer.Option("--verified", help="已与企业对接核实（记为今天）。")
    ] = False,
    json: Json = False,
) -> None:
    """接诊：分类梳理、科学分办、排入场次、记录对接核实。

    不指定 --session 时状态为“已分办”；指定后为“已排诊”，并按场次日期开始叫号期限
    （提前 3 天）。改排到其他场次时，已叫号的诉求须重新叫号。

    示例：zuozhen triage 202610-007-1 --theme 政策兑现 --unit 省财政厅 --session S202610-01 --verified
    """
    from zuozhen import intake, states
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    a = get_app(ctx)
    case = a.open()
    try:
        r = intake.triage(
            case,
            a.act,
            appeal,
            theme=theme,
            units=list(unit or []),
            session=session,
            problem_class=problem_class,
            verified=verified,
        )
    finally:
        case.close()
    for w in r.warnings:
        render.warn(w)
    for h in r.hints:
        render.hint(h)
    if json:
        render.emit_json(r)
        return
    _show_triaged(r, states.label(r.status), escape)


def _show_triaged(r: Triaged, status: str, escape: Callable[[str], str]) -> None:
    from rich.table import Table

    from zuozhen.commands import render

    render.done(f"诉求 {r.appeal} 已接诊，状态：{status}。")
    con = render.out()
    rows = [
        ("主题", escape(r.theme) if r.theme else "—"),
        (
            "单位",
            escape("、".join(r.units)) + ("（第一个牵头）" if len(r.units) > 1 else "")
            if r.units
            else "—",
        ),
        ("共性类别", escape(r.problem_class) if r.problem_class else "—"),
        ("场次", f"{r.session}  {_day(r.session_date)}" if r.session and r.session_date else "—"),
    ]
    if r.verify_due is not None:
        if r.verified_on is not None:
            flag = "  [red]逾期核实[/red]" if r.verify_late else ""
            rows.append(
                (
                    "核实",
                    f"{r.verified_on.isoformat()} 已核实（期限 {r.verify_due.isoformat()}）{flag}",
                )
            )
        else:
            rows.append(("核实期限", _day(r.verify_due)))
    elif r.verified_on is not None:
        rows.append(("核实", f"{r.verified_on.isoformat()} 已核实"))
    if r.notify_by is not None:
        again = "（场次变更，须重新叫号）" if r.renotify else ""
        rows.append(("叫号期限", f"{_day(r.notify_by)}{again}"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for k, v in rows:
        grid.add_row(k, v)
    con.print(grid)
    if r.session is None:
        render.hint(
            f"下一步：排入坐诊场次 zuozhen triage {r.appeal} --session 场次号（zuozhen session list 查看）"
        )
    else:
        render.hint(f"下一步：叫号 zuozhen notify --session {r.session}")
