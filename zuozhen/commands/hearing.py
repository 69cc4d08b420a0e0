"""session hear, report record: step 6 (坐诊服务, 《"坐诊"服务工作记录表》)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zuozhen.commands.common import AppealArg, Json, act, read


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    groups["session"].command("hear")(hear)
    groups["report"].command("record")(report_record)


# -- session hear ----------------------------------------------------------------------


def hear(
    ctx: typer.Context,
    appeal: AppealArg,
    resolved: Annotated[
        str | None, typer.Option("--resolved", help="现场答复解决：答复内容。")
    ] = None,
    refer: Annotated[bool, typer.Option("--refer", help="现场不能解决，待交办。")] = False,
    absent: Annotated[
        bool, typer.Option("--absent", help="企业未到场：诉求回到待排诊，另行排入场次。")
    ] = False,
    official: Annotated[
        str | None, typer.Option("--official", help="坐诊领导（默认为场次的领衔领导）。")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="处理意见或备注。")] = None,
    json: Json = False,
) -> None:
    """记录诉求在坐诊中的结果：现场答复解决（--resolved）、待交办（--refer）或企业未到场（--absent）。

    --resolved、--refer、--absent 必须三选一，否则拒绝（退出码 1）。未到场的诉求回到待排诊
    状态，记入本场次的《“坐诊”服务工作记录表》，再用 zuozhen triage 诉求号 --session 场次
    排入其他场次并重新叫号。

    示例：zuozhen session hear 202610-007-1 --resolved "已现场解答电价政策" --official 张厅长

    示例：zuozhen session hear 202610-008-1 --absent --note "电话联系未果"
    """
    from zuozhen import hearing
    from zuozhen.commands import render

    r = act(
        ctx,
        hearing.hear,
        appeal,
        resolved=resolved,
        refer=refer,
        absent=absent,
        official=official,
        note=note,
    )
    who = f"（坐诊领导：{r.official}）" if r.official else ""
    if r.absent:
        said = f"诉求 {r.appeal} 已记录为企业未到场（场次 {r.session}），等待另行排诊。"
        next_step = f"下一步：zuozhen triage {r.appeal} --session 场次号（排入其他场次后重新叫号）"
    elif r.resolved:
        said = f"诉求 {r.appeal} 已在场次 {r.session} 现场答复解决并销号{who}。"
        next_step = (
            f"下一步：请企业评价（zuozhen rate {r.appeal} --service … --handling …），"
            f"期限 {r.rate_due.isoformat() if r.rate_due else ''}。"
        )
    else:
        said = f"诉求 {r.appeal} 已记录为现场不能解决、待交办{who}。"
        next_step = f"下一步：zuozhen assign to {r.appeal} --unit 承办单位"
    render.outcome(r, json, said=said, next_step=next_step)


# -- report record ---------------------------------------------------------------------


def report_record(
    ctx: typer.Context,
    session: Annotated[str, typer.Option("--session", help="场次号，如 S202610-01。")],
    csv: Annotated[
        Path | None, typer.Option("--csv", help="另存为 CSV 文件（Excel/WPS 可直接打开）。")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的 CSV 或 Word 文件。")] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="docx：另存为 Word 公文（须加 --output）。")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Word 文件名（--format docx）。")
    ] = None,
    json: Json = False,
) -> None:
    """《“坐诊”服务工作记录表》：一个场次的诉求、坐诊领导、现场答复或交办意见。

    示例：zuozhen report record --session S202610-01 --csv 记录表.csv
    """
    from rich.table import Table

    from zuozhen.commands import render
    from zuozhen.hearing import RECORD_HEADER, session_record

    if fmt is not None or output is not None:
        _record_docx(ctx, session, fmt, output, force)
        return
    rec = read(ctx, session_record, session)
    if csv is not None:
        from zuozhen.files.csvout import write_csv

        # Refuses an existing file unless --force (never the case file itself) and
        # neutralises cells Excel would run as formulas.
        write_csv(csv, list(RECORD_HEADER), rec.table(), overwrite=force)
        absent = f"，其中未到场 {rec.absent} 条" if rec.absent else ""
        render.done(f"已写入 {csv}（{len(rec.rows)} 条{absent}）。")
    if json:
        render.emit_json(rec)
        return
    if csv is not None:
        return
    s = rec.session
    con = render.out()
    con.print(
        f"[bold]《“坐诊”服务工作记录表》[/bold]  场次 {s['id']}  {s['date']} "
        f"{s['start']}–{s['end']}  {s['kind']}·{render.escape(s['theme'])}"
    )
    con.print(
        f"地点：{render.escape(s['place'])}  领衔：{render.escape(s['lead_text'])}  "
        f"参加单位：{render.escape('、'.join(s['units']))}"
    )
    table = Table(pad_edge=False, show_lines=True)
    for col in RECORD_HEADER:
        table.add_column(col, overflow="fold")
    for row in rec.table():
        table.add_row(*(render.escape(c) for c in row))
    con.print(table)
    absent = f"，其中企业未到场 {rec.absent} 条" if rec.absent else ""
    con.print(f"共 {len(rec.rows)} 条诉求{absent}。")


def _record_docx(
    ctx: typer.Context, session: str, fmt: str | None, output: Path | None, force: bool
) -> None:
    """report record --format docx --output FILE: the 记录表 as a GB/T 9704 Word 公文."""
    from zuozhen import word
    from zuozhen.commands import render
    from zuozhen.commands.common import get_app
    from zuozhen.errors import InputError
    from zuozhen.files.gongwen import save
    from zuozhen.files.outfiles import check_target
    from zuozhen.hearing import session_record
    from zuozhen.validation import choose

    choose(fmt or "", ("docx",), "记录表格式")
    if output is None:
        raise InputError("Word 记录表要写入文件：请加 --output 记录表.docx。")
    check_target(output, overwrite=force, fmt="docx", option="--output")
    a = get_app(ctx)
    with a.reader() as r:
        rec = session_record(r, session)
        docs = r.config.docs
    save(word.session_record(rec, docs.office, docs.signature, a.today), output, overwrite=force)
    absent = f"，其中未到场 {rec.absent} 条" if rec.absent else ""
    render.done(f"已写入 {output}（{len(rec.rows)} 条{absent}）。")
