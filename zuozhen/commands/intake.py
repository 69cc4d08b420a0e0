"""intake: appeals from other channels (12345, 投诉, 接待日 …), one on the command line or
a channel's CSV export (``--from-csv``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zuozhen.commands.booking import (
    AppealsOpt,
    ContactOpt,
    EnterpriseOpt,
    IndustryOpt,
    PhoneOpt,
    StrictOpt,
    UsccOpt,
    refuse_beside_csv,
    refuse_incomplete,
    show_entry,
)
from zuozhen.commands.bookings_import import import_file
from zuozhen.commands.common import AllowNew, Json, act, day_label, optional_date

if TYPE_CHECKING:
    from zuozhen.intake import Taken
    from zuozhen.intake_import import Imported


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    app.command("intake")(intake)


def intake(
    ctx: typer.Context,
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="来源渠道，须是配置中的渠道（zuozhen config show）。"),
    ] = None,
    enterprise: EnterpriseOpt = None,
    uscc: UsccOpt = None,
    contact: ContactOpt = None,
    phone: PhoneOpt = None,
    appeal: AppealsOpt = None,
    ref: Annotated[
        str | None,
        typer.Option("--ref", help="渠道自己的编号（如 12345 工单编号）；带编号的渠道必填。"),
    ] = None,
    event: Annotated[
        str | None,
        typer.Option("--event", help="诉求来自的活动（接待日、同心谈等），如 E202612-01。"),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="受理日期 YYYY-MM-DD；不填为今天（或活动日期）。")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option("--category", help="诉求类别：政策咨询、服务需求、意见建议。"),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="所属地区，须是配置名单中的地区。"),
    ] = None,
    industry: IndustryOpt = None,
    resolved: Annotated[
        str | None,
        typer.Option("--resolved", help="即办：受理时当场答复解决，写明答复内容（直接销号）。"),
    ] = None,
    from_csv: Annotated[
        Path | None,
        typer.Option("--from-csv", help="从渠道导出的 CSV 批量受理（UTF-8 或 GB18030 编码）。"),
    ] = None,
    strict: StrictOpt = False,
    allow_new: AllowNew = False,
    update_enterprise: Annotated[
        bool,
        typer.Option(
            "--update-enterprise",
            help="已登记的信用代码填了不同的企业名称或联系电话时，按本次填写更新。",
        ),
    ] = False,
    json: Json = False,
) -> None:
    """受理：登记坐诊以外渠道（12345、投诉、接待日、同心谈、会客厅、走访、监督员等）的诉求。

    受理的诉求状态为“已受理”，须在期限内分办（zuozhen triage 诉求号 --unit 单位，不排
    场次），之后交办、承办、反馈、销号、评价、回访与坐诊诉求相同。带编号的渠道（12345、
    投诉）须用 --ref 填渠道编号，同一编号只受理一次；不带编号的渠道不填 --ref。--resolved
    即办：当场答复解决，直接销号并等待评价。受理日期不能晚于今天，也不能早于案卷启用的年份。
    企业信息的核对与 book 相同。

    CSV 导入：表头须含 工单编号,受理时间,企业名称,统一社会信用代码,联系人,联系电话,诉求内容
    （可选 诉求类别,所属地区；其他列忽略）；每行一条诉求。工单编号已受理、信用代码和内容
    相同的行跳过，所以同一文件可重复导入；同一工单编号而信用代码或内容不同的行拒绝。
    有误的行逐行报告，其余在一个事务中导入；--strict 有误行时什么也不导入。

    示例：zuozhen intake --channel 12345 --ref GD20261201001 --enterprise 云南滇中新材料有限公司
    --uscc 91530100MA6K5X7Q2Y --contact 王小明 --phone 13812345678 --appeal "厂区路灯不亮"

    示例：zuozhen intake --from-csv 12345工单.csv --channel 12345
    """
    if from_csv is not None:
        refuse_beside_csv(
            (enterprise, uscc, contact, phone, appeal),
            {
                "--ref": ref,
                "--event": event,
                "--date": on,
                "--category": category,
                "--region": region,
                "--industry": industry,
                "--resolved": resolved,
            },
        )
        _from_csv(ctx, from_csv, channel, strict, json, allow_new, update_enterprise)
        return
    refuse_incomplete(
        "intake",
        "受理",
        (enterprise, uscc, contact, phone, appeal),
        strict=strict,
        bulk="--from-csv 文件 --channel 渠道",
        also={"--channel 渠道": channel},
    )
    from zuozhen import intake as domain
    from zuozhen.commands import render

    assert channel is not None and enterprise is not None and uscc is not None
    assert contact is not None and phone is not None and appeal is not None
    r = act(
        ctx,
        domain.intake,
        channel=channel,
        enterprise=enterprise,
        uscc=uscc,
        contact=contact,
        phone=phone,
        appeals=list(appeal),
        ref=ref,
        event=event,
        day=optional_date(on, "受理日期（--date）"),
        category=category,
        region=region,
        industry=industry,
        resolved=resolved,
        allow_new=allow_new,
        update_enterprise=update_enterprise,
    )
    for w in r.warnings:
        render.warn(render.escape(w))
    if json:
        render.emit_json(r)
        return
    _show_taken(r)


def _from_csv(
    ctx: typer.Context,
    path: Path,
    channel: str | None,
    strict: bool,
    json: bool,
    allow_new: bool,
    update_enterprise: bool,
) -> None:
    from zuozhen import intake_import
    from zuozhen.commands import render
    from zuozhen.commands.bookings_import import _list_rejected

    if not channel:
        raise typer.BadParameter("请用 --channel 指明文件来自哪个渠道。", param_hint="--channel")
    r = import_file(
        ctx,
        path,
        lambda case, act: intake_import.import_csv(
            case,
            act,
            path,
            channel=channel,
            strict=strict,
            allow_new=allow_new,
            update_enterprise=update_enterprise,
        ),
        json=json,
    )
    for w in r.warnings:
        render.warn(render.escape(w))
    if r.rejected:
        _list_rejected(r.rejected)
    if json:
        render.emit_json(r)
        return
    _show_imported(r)


def origin_lines(d: dict[str, Any]) -> list[tuple[str, str]]:
    """``show``'s lines of where an appeal came from: its channel and number, the held day
    (活动) and seed 003's classification."""
    lines = [("渠道", d["channel"] + (f"  工单编号 {d['ref']}" if d["ref"] else ""))]
    if d["event"]:
        lines.append(("活动", d["event"]))
    kinds = [d[k] for k in ("scope", "need", "nature", "handling") if d[k]]
    if kinds:
        lines.append(("分类", " / ".join(kinds)))
    return lines


def _show_taken(r: Taken) -> None:
    from zuozhen.commands import render
    from zuozhen.commands.render import escape

    ref = f"，编号 {escape(r.ref)}" if r.ref else ""
    ev = f"，活动 {r.event}" if r.event else ""
    verb = "已受理并即办销号" if r.status == "closed" else "已受理"
    render.done(
        f"{verb}：{escape(r.channel)}渠道{ref}{ev}，受理号 [bold]{r.booking}[/bold]，"
        f"诉求 {len(r.appeals)} 项（受理日期 {r.received_on.isoformat()}）。"
    )
    show_entry(r)
    con = render.out()
    prov = "（暂定：该年官方放假安排未载入）" if r.provisional else ""
    if r.triage_due is not None:
        con.print(f"分办期限 {day_label(r.triage_due)}{prov}")
        render.hint(f"下一步：分办 zuozhen triage {r.appeals[0]} --unit 单位，再交办。")
    elif r.rate_due is not None:
        render.hint(
            f"下一步：请企业评价 zuozhen rate {r.appeals[0]} --service … --handling …"
            f"（{r.rate_due.isoformat()} 前）"
        )


def _show_imported(r: Imported) -> None:
    from zuozhen.commands import render

    render.done(
        f"已从 {Path(r.file).name}（{r.encoding}）受理 {r.channel} 渠道诉求 {r.imported} 项，"
        f"跳过已受理的 {r.skipped} 项；新企业 {r.enterprises_created} 家。"
    )
    if r.rejected:
        render.warn(
            f"共 {r.rows} 行，其中 {len(r.rejected)} 行有误未导入（见上）：改正后可再次导入整个"
            "文件，已受理的工单会跳过。"
        )
    if r.triage_due is not None:
        render.hint(f"分办期限最早 {day_label(r.triage_due)}；下一步：zuozhen list --status 已受理")
