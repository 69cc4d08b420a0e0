"""book: step 3 (挂号), one booking on the command line or a CSV import (``--from-csv``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zuozhen.commands.bookings_import import import_bookings
from zuozhen.commands.common import AllowNew, Json, act, day_label

if TYPE_CHECKING:
    from zuozhen.booking import Booked
    from zuozhen.intake import Taken

# The enterprise and its appeals, as ``book`` and ``intake`` (and their CSV imports) take them.
EnterpriseOpt = Annotated[str | None, typer.Option("--enterprise", help="企业名称。")]
UsccOpt = Annotated[
    str | None, typer.Option("--uscc", help="统一社会信用代码（18 位，校验位会核对）。")
]
ContactOpt = Annotated[str | None, typer.Option("--contact", help="企业联系人。")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="联系电话：手机号，或带区号的座机。")]
AppealsOpt = Annotated[
    list[str] | None,
    typer.Option("--appeal", help="诉求内容（2000 字以内）；可重复，每项一条诉求。"),
]
IndustryOpt = Annotated[str | None, typer.Option("--industry", help="所属行业。")]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="导入时只要有一行有误就全部不导入（退出码 1）。")
]


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("book")(book)


# -- book --------------------------------------------------------------------------------


def book(
    ctx: typer.Context,
    enterprise: EnterpriseOpt = None,
    uscc: UsccOpt = None,
    contact: ContactOpt = None,
    phone: PhoneOpt = None,
    appeal: AppealsOpt = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="诉求类别：政策咨询、服务需求、意见建议；不填为配置的第一类（政策咨询）。",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="所属地区，须是配置名单中的地区（zuozhen config show）。"),
    ] = None,
    industry: IndustryOpt = None,
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
    strict: StrictOpt = False,
    allow_new: AllowNew = False,
    update_enterprise: Annotated[
        bool,
        typer.Option(
            "--update-enterprise",
            help="已登记的信用代码填了不同的企业名称或联系电话时，按本次填写更新（原信息记入留痕）；"
            "不加则拒绝并显示已登记的信息。",
        ),
    ] = False,
    json: Json = False,
) -> None:
    """挂号：登记企业本月的诉求，或从 CSV 批量导入。

    同一企业同一月只有一个挂号，再次挂号时诉求追加到原挂号下（挂号号不变，诉求号顺延）；
    同一挂号中内容相同的诉求不重复登记（提醒并跳过）。信用代码已登记而企业名称或
    联系电话不同的，拒绝并显示已登记的信息（确已更名、换号的加 --update-enterprise）；
    所属地区须在配置名单中（新地区加 --allow-new）。挂号窗口为每月前 5 个工作日
    （按配置），窗口外须用 --late 原因 加号。核实期限自窗口截止日起算 7 个工作日，
    加号自挂号当日起算。

    CSV 导入：表头须含 企业名称,统一社会信用代码,联系人,联系电话,诉求类别,诉求内容
    （可选 所属地区,所属行业,提交时间；列序不限）；缺列整体拒绝，其他列（序号等）忽略并
    提示。同一企业同一月的多行合为一个挂号。地区不在名单中、信用代码已登记而名称或电话
    不同的行为有误的行（同样可加 --allow-new、--update-enterprise）。有误的行逐行报告行号
    和原因，其余各行在一个事务中导入，退出码 0（有误的行在 stderr 列出）；一行都导入
    不了、或用 --strict 而有误行时，什么也不导入，退出码 1；按 Ctrl-C 中断也什么都不导入
    （退出码 130）。文件有“提交时间”列时按提交日期挂号，并按该月的挂号窗口核对（随时
    挂号的案卷不设窗口）；没有则按 --today 当天挂号。窗口外的行须 --late 原因（适用于
    整个文件）。

    示例：zuozhen book --enterprise 云南滇中新材料有限公司 --uscc 91530100MA6K5X7Q2Y
    --contact 王小明 --phone 13812345678 --appeal "电费补贴迟迟未兑现" --region 昆明市

    示例：zuozhen book --from-csv 10月挂号.csv
    """
    if from_csv is not None:
        refuse_beside_csv(
            (enterprise, uscc, contact, phone, appeal),
            {"--category": category, "--region": region, "--industry": industry},
        )
        import_bookings(
            ctx,
            from_csv,
            strict=strict,
            late=late,
            json=json,
            allow_new=allow_new,
            update_enterprise=update_enterprise,
        )
        return
    refuse_incomplete(
        "book",
        "挂号",
        (enterprise, uscc, contact, phone, appeal),
        strict=strict,
        bulk="--from-csv 文件",
    )
    from zuozhen import booking
    from zuozhen.commands import render

    assert enterprise is not None and uscc is not None and contact is not None
    assert phone is not None and appeal is not None
    r = act(
        ctx,
        booking.book,
        enterprise=enterprise,
        uscc=uscc,
        contact=contact,
        phone=phone,
        appeals=list(appeal),
        category=category,
        region=region,
        industry=industry,
        late=late,
        allow_new=allow_new,
        update_enterprise=update_enterprise,
    )
    for w in r.warnings:
        render.warn(render.escape(w))
    if json:
        render.emit_json(r)
        return
    _show_booked(r)


#: What ``book`` and ``intake`` are given of the enterprise and its appeals: enterprise,
#: credit code, contact, phone, appeals.
Entry = tuple[str | None, str | None, str | None, str | None, list[str] | None]
_ENTRY_OPTIONS = (
    "--enterprise 企业名称",
    "--uscc 统一社会信用代码",
    "--contact 联系人",
    "--phone 联系电话",
    "--appeal 诉求内容",
)


def refuse_beside_csv(entry: Entry, more: dict[str, object]) -> None:
    """``--from-csv`` takes the enterprise and its appeals from the file: any of ``entry``
    (enterprise, credit code, contact, phone, appeals) or ``more`` (option → value) also
    filled in on the command line is refused."""
    given = {**dict(zip(_ENTRY_OPTIONS, entry, strict=True)), **more}
    extra = [option.split()[0] for option, value in given.items() if value]
    if extra:
        raise typer.BadParameter(
            f"--from-csv 导入时不能同时填写 {'、'.join(extra)}：企业和诉求信息取自文件。",
            param_hint="--from-csv",
        )


def refuse_incomplete(
    command: str,
    verb: str,
    entry: Entry,
    *,
    strict: bool,
    bulk: str,
    also: dict[str, object] | None = None,
) -> None:
    """One entry typed on the command line (``book``, ``intake``): ``--strict`` belongs to an
    import, and the enterprise, credit code, contact, phone and appeals (``entry``), and
    what the command ``also`` needs first (option and its name → value), must be filled in;
    ``bulk`` is how the import is called instead."""
    if strict:
        raise typer.BadParameter("--strict 只用于 --from-csv 导入。", param_hint="--strict")
    needed = {
        **(also or {}),
        **dict(zip(_ENTRY_OPTIONS, entry, strict=True)),
    }
    missing = [name for name, value in needed.items() if value is None or value == []]
    if missing:
        raise typer.BadParameter(
            f"{verb}缺少：{'、'.join(missing)}（或用 {bulk} 批量导入）。", param_hint=command
        )


def show_entry(r: Booked | Taken, *, changed: bool = False) -> None:
    """The enterprise (with ``changed``, what ``--update-enterprise`` changed of it) and the
    appeals just booked or taken in, as ``book`` and ``intake`` show them."""
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    con = render.out()
    con.print(f"企业    {escape(r.enterprise)}（{r.uscc}）")
    con.print(f"联系人  {escape(r.contact)}  {r.phone}")
    if changed and r.changed:
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


def _show_booked(r: Booked) -> None:
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    verb = "追加到本月已有挂号" if r.merged else "挂号成功"
    late = f"（加号：{escape(r.late_reason)}）" if r.late_reason else ""
    render.done(f"{verb}：挂号号 [bold]{r.booking}[/bold]，新增诉求 {len(r.appeals)} 项{late}。")
    con = render.out()
    show_entry(r, changed=True)
    rolling = r.window.rolling
    start = (
        "挂号当日" if r.late_reason or rolling else f"挂号窗口截止日 {r.window.last.isoformat()}"
    )
    prov = "（暂定：该年官方放假安排未载入）" if r.provisional else ""
    con.print(f"核实期限 {day_label(r.verify_due)}：自{start}起计算，期内与企业对接核实{prov}。")
    first = r.appeals[0]
    render.hint(
        f"下一步：分类分办并排入场次，例如 zuozhen triage {first} --theme 主题 --unit 单位 "
        "--session 场次号 --verified"
    )
