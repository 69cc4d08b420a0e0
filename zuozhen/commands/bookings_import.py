"""book --from-csv: step 3 in bulk (挂号导入), with a progress bar and per-line refusals."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from zuozhen.commands.common import day_label, get_app

if TYPE_CHECKING:
    from zuozhen.booking import Progress
    from zuozhen.bookings_check import Rejected
    from zuozhen.bookings_import import Imported
    from zuozhen.store.storage import Act, CaseFile


def import_bookings(
    ctx: typer.Context,
    path: Path,
    *,
    strict: bool,
    late: str | None,
    json: bool,
    allow_new: bool = False,
    update_enterprise: bool = False,
) -> None:
    import sys

    from zuozhen import bookings_import
    from zuozhen.commands import render

    def run(case: CaseFile, act: Act) -> Imported:
        go = partial(
            bookings_import.import_csv,
            case,
            act,
            path,
            strict=strict,
            late=late,
            allow_new=allow_new,
            update_enterprise=update_enterprise,
        )
        return _with_progress(lambda p: go(progress=p)) if sys.stderr.isatty() else go()

    r = import_file(ctx, path, run, json=json)
    for w in r.warnings:
        render.warn(render.escape(w))
    if r.rejected:
        _list_rejected(r.rejected)
    if json:
        render.emit_json(r)
    _show_imported(r)


Result = TypeVar("Result")


def import_file(
    ctx: typer.Context, path: Path, run: Callable[[CaseFile, Act], Result], *, json: bool
) -> Result:
    """``run`` one CSV import (``book`` or ``intake --from-csv``) on the case file. When it
    imports nothing, every bad row is listed (and with ``--json`` the refusal is the JSON
    document); Ctrl-C says nothing was imported and exits 130."""
    from zuozhen import bookings_import
    from zuozhen.commands import render

    a = get_app(ctx)
    case = a.open()
    try:
        return run(case, a.act)
    except bookings_import.ImportRefused as exc:  # intake_import's too
        _list_rejected(exc.rejected)
        if json:
            render.emit_json(exc)
        raise
    except KeyboardInterrupt:
        # The import is one transaction, rolled back on the way here (a booking import's
        # commit itself is never interrupted: bookings_import defers Ctrl-C while it runs).
        render.fail(f"已中断（Ctrl-C）：{path.name} 未导入任何数据，案卷未改动。")
        raise typer.Exit(130) from None
    finally:
        case.close()


def _with_progress(run: Callable[[Progress], Imported]) -> Imported:
    from rich.progress import BarColumn, Progress, TextColumn

    from zuozhen.commands import render

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        console=render.err(),
        transient=True,
    ) as bar:
        task = bar.add_task("导入数据行", total=None)

        def step(line: int, lines: int) -> None:
            if line >= lines:
                bar.update(task, description="数据行已写入，记录留痕", completed=0, total=None)
            else:
                bar.update(
                    task,
                    description=f"导入数据行：第 {line} 行，共 {lines} 行",
                    completed=line,
                    total=lines,
                )

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

    late = f"（其中 {r.late_appeals} 项为窗口外加号：{r.late_reason}）" if r.late_reason else ""
    render.done(
        f"已从 {Path(r.file).name}（{r.encoding}）导入诉求 {r.imported} 项{late}："
        f"新建挂号 {len(r.bookings_created)} 个，追加到已有挂号 {len(r.bookings_extended)} 个；"
        f"新企业 {r.enterprises_created} 家，更新企业信息 {r.enterprises_updated} 家。"
    )
    if r.booked_from != r.booked_to:
        render.hint(
            f"挂号日期按提交时间：{r.booked_from.isoformat()} 至 {r.booked_to.isoformat()}。"
        )
    if r.rejected:
        render.warn(
            f"共 {r.rows} 行，其中 {len(r.rejected)} 行有误未导入（见上）：改正后可只把这些行"
            "另存为新文件再导入，已导入的内容不会重复。"
        )
    if r.verify_dues:
        prov = "（暂定）" if r.provisional else ""
        dues = "、".join(day_label(d) for d in r.verify_dues[:3])
        more = f" 等 {len(r.verify_dues)} 个日期" if len(r.verify_dues) > 3 else ""
        render.hint(f"核实期限 {dues}{more}{prov}。")
    if r.bookings_created or r.bookings_extended:
        render.hint("下一步：zuozhen list --status 已挂号 查看，逐项 zuozhen triage 诉求号 …")
