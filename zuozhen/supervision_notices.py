"""督办单 (step 9): one numbered notice per unit for every overdue step the unit owns.

A unit owns two steps of the closed loop (supervision.UNIT_STEPS): 承办 (``accept``: name
the handler, measures and date within ``limits.plan`` working days) and 反馈 (``report``:
the result within 15/20 working days, as extended). Every such step overdue as of
``--today`` goes on the unit's 督办单, whatever the appeal's state; the organiser's own
steps and the enterprise's rating never do.

Each notice carries a 发文字号 — ``[documents] number_prefix`` + 督〔year〕n号, n running
through the year (the counter ``notice:YEAR``) — and a reply-by date ``reply_days``
working days after the day it is issued. Issuing is an act: the number, the unit, its
items and the file are recorded in the trail (``audit.notice``), in the transaction that
writes the files, so a failed write leaves neither numbers nor files. Issued again on the
same day (a corrected run), a unit's notice keeps the number it was given.

``collect`` reads (Reader), ``issue`` writes; ``markdown`` and word.supervision_notice
lay a notice out, the one for Notepad/WPS as text, the other as a GB/T 9704 Word 公文.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from zuozhen.errors import InputError
from zuozhen.supervision import STEP_LABELS, UNIT_STEPS, Item, daily_list

if TYPE_CHECKING:
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Act, CaseFile, Tx

FORMATS = ("md", "docx")


def zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True, slots=True)
class NoticeItem:
    appeal: str
    enterprise: str
    step: str
    due: date
    provisional: bool
    days_overdue: int

    @property
    def step_label(self) -> str:
        return STEP_LABELS.get(self.step, self.step)

    @property
    def due_text(self) -> str:
        return zh(self.due) + ("（暂定）" if self.provisional else "")


@dataclass(frozen=True, slots=True)
class SupervisionNotice:
    """One unit's 督办单, as issued (``number`` empty until ``issue`` numbers it)."""

    unit: str
    items: list[NoticeItem]
    issued: date
    reply_by: date
    office: str
    signature: str
    organiser: str
    number: str = ""
    seq: int = 0
    path: Path | None = field(default=None, compare=False)

    @property
    def opening(self) -> str:
        accept = sum(1 for i in self.items if i.step == "accept")
        report = len(self.items) - accept
        parts = "、".join(
            p
            for p in (f"承办{accept}项" if accept else "", f"反馈{report}项" if report else "")
            if p
        )
        return (
            f"截至{zh(self.issued)}，你单位承办的企业诉求中，以下{len(self.items)}项已超过规定时限"
            f"（{parts}），现予督办。"
        )

    @property
    def closing(self) -> str:
        return (
            f"请抓紧办理，并于{zh(self.reply_by)}前将办理情况书面回复{self.organiser}；"
            "确需延期的，请书面说明理由，按程序申请延期。"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "number": self.number,
            "path": str(self.path) if self.path else None,
            "items": len(self.items),
            "reply_by": self.reply_by.isoformat(),
            "steps": [{"appeal": i.appeal, "step": i.step, "due": i.due} for i in self.items],
        }


def collect(r: Reader, today: date, unit: str | None = None) -> list[SupervisionNotice]:
    """The units with an overdue 承办 or 反馈 step, each with all of them (read-only)."""
    listing = daily_list(r, today, 0, unit)
    groups: dict[str, list[Item]] = {}
    for item in listing.overdue:
        if item.step in UNIT_STEPS and item.unit is not None and item.appeal is not None:
            groups.setdefault(item.unit, []).append(item)
    docs = r.config.docs
    reply_by = r.calendar.add_workdays(today, docs.reply_days).date
    out = []
    for name in sorted(groups):
        items = sorted(groups[name], key=lambda i: (i.due, i.appeal or "", i.step))
        out.append(
            SupervisionNotice(
                unit=name,
                items=[
                    NoticeItem(
                        i.appeal or "", i.enterprise, i.step, i.due, i.provisional, i.days_overdue
                    )
                    for i in items
                ],
                issued=today,
                reply_by=reply_by,
                office=docs.office,
                signature=docs.signature,
                organiser=r.config.organiser,
            )
        )
    return out


def _safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "单位"


def check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} 不是文件夹：请用 --output 指定一个文件夹。")


def _issued_today(tx: Tx) -> dict[str, int]:
    """Units already given a notice on this day, with its number (a corrected re-run)."""
    from sqlmodel import select

    from zuozhen.models import Trail

    rows = tx.session.exec(
        select(Trail.detail).where(Trail.action == "audit.notice", Trail.as_of == tx.today)
    )
    out: dict[str, int] = {}
    for detail in rows:
        d = json.loads(detail)
        out[str(d["unit"])] = int(d["seq"])
    return out


def issue(
    case: CaseFile, act: Act, drafts: list[SupervisionNotice], folder: Path, fmt: str
) -> list[SupervisionNotice]:
    """Number the notices, write one file each and record them, in one transaction."""
    from dataclasses import replace

    from zuozhen.files.outfiles import write_bytes

    if fmt not in FORMATS:
        raise InputError(f"督办单格式“{fmt}”不对：可选 md 或 docx。")
    check_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"无法创建文件夹 {folder}：{exc}。") from None
    out = []
    with case.write(act) as tx:
        known = _issued_today(tx)
        year = tx.today.year
        for draft in drafts:
            seq = known.get(draft.unit) or tx.allocate(f"notice:{year}")
            n = replace(draft, seq=seq, number=case.config.docs.number("督", year, seq))
            path = folder / f"督办单-{tx.today.isoformat()}-{_safe_name(n.unit)}.{fmt}"
            data = render(n, fmt)
            write_bytes(path, data, overwrite=True, fmt=fmt)
            n = replace(n, path=path)
            if draft.unit not in known:
                tx.record(
                    "audit.notice",
                    "unit",
                    n.unit,
                    {
                        "unit": n.unit,
                        "seq": seq,
                        "number": n.number,
                        "reply_by": n.reply_by.isoformat(),
                        "items": [[i.appeal, i.step, i.due.isoformat()] for i in n.items],
                        "file": str(path),
                    },
                )
            out.append(n)
    return out


def render(n: SupervisionNotice, fmt: str) -> bytes:
    if fmt == "docx":
        from zuozhen import word

        return word.supervision_notice(n).to_bytes()
    return markdown(n).encode("utf-8")


def markdown(n: SupervisionNotice) -> str:
    """The notice as text for Notepad or WPS: the office and the number on lines of
    their own, Chinese dates, the items as a numbered list (no table syntax)."""
    lines = [
        n.office,
        n.number,
        "",
        "# “坐诊接诉”企业诉求督办单",
        "",
        f"{n.unit}：",
        "",
        n.opening,
        "",
    ]
    for k, i in enumerate(n.items, 1):
        lines.append(
            f"{k}. 诉求 {i.appeal}（{i.enterprise}）：{i.step_label}期限 {i.due_text}，"
            f"已超期 {i.days_overdue} 个工作日。"
        )
    lines += ["", n.closing, "", f"回复期限：{zh(n.reply_by)}", "", n.signature, zh(n.issued), ""]
    return "\n".join(lines)
