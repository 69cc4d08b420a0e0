"""Step 5 叫号: the SMS gateway's batch file (``notify --export``), one row per message.

One message per enterprise and session (``zuozhen.notify.messages``): its slot and the
appeals it comes with. The batch carries full mobile numbers (that is its purpose), so it
is written only on request, owner-only, never over an existing file unless forced, and
the export is recorded in the audit trail (who, file, how many messages, how many
distinct numbers, which appeals). The 手机号码 cell stays plain digits, not ``="…"``
(``zuozhen.files.csvout``): the gateway reads the file as it is, and an 11-digit mobile
number survives Excel, WPS and Calc unchanged (tests/test_csv_roundtrip.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zuozhen.errors import InputError, RuleError
from zuozhen.files.outfiles import check_extension
from zuozhen.notify import (
    CallItem,
    CallMessage,
    call_list,
    is_mobile,
    messages,
    with_siblings,
    write_atomic,
)
from zuozhen.store.reader import Reader

if TYPE_CHECKING:
    from zuozhen.store.storage import Act, CaseFile

EXPORT_HEADER = (
    "手机号码",
    "短信内容",
    "诉求号",
    "企业名称",
    "联系人",
    "场次",
    "坐诊日期",
    "顺序号",
)


@dataclass(frozen=True, slots=True)
class Exported:
    file: Path
    messages: int  # rows of the batch: one per enterprise and session
    numbers: int  # distinct mobile numbers
    appeals: list[str]
    skipped: list[str]  # appeals without a mobile number (call them instead)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "messages": self.messages,
            "numbers": self.numbers,
            "appeals": self.appeals,
            "skipped": self.skipped,
        }


def batch_csv(items: Sequence[CallItem]) -> tuple[str, list[CallMessage], list[str]]:
    """The gateway batch (full numbers), one row per message; the messages in it and the
    appeals without a mobile number."""
    from zuozhen.files.csvout import neutralise

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EXPORT_HEADER)
    included: list[CallMessage] = []
    skipped: list[str] = []
    for m in messages(items):
        if not is_mobile(m.phone):
            skipped.extend(m.appeals)
            continue
        included.append(m)
        w.writerow(
            (
                m.phone,  # plain digits for the gateway (module docstring)
                *(
                    neutralise(c)
                    for c in (
                        m.text,
                        "、".join(m.appeals),
                        m.enterprise,
                        m.contact,
                        m.session,
                        m.session_date,
                        m.slot,
                    )
                ),
            )
        )
    return buf.getvalue(), included, skipped


def export_batch(
    case: CaseFile,
    act: Act,
    file: Path,
    *,
    session_id: str | None = None,
    appeals: Sequence[str] = (),
    force: bool = False,
) -> Exported:
    """Write the SMS gateway batch (UTF-8 with BOM) and record the export (留痕)."""
    path = file.expanduser().resolve()
    check_extension(path, "csv", "--export")
    if path.exists() and not force:
        raise InputError(f"文件 {path} 已存在，不会覆盖：请换一个文件名，或加 --force 覆盖。")
    with case.write(act) as tx:
        listing = call_list(Reader.inside(tx), act.today, session_id)
        items = _select(listing.items, appeals)
        if not items:
            raise RuleError(
                "没有需要叫号的诉求，未生成文件：请先用 zuozhen triage 诉求号 --session 场次 排诊。"
            )
        text, sent, skipped = batch_csv(items)
        included = [a for m in sent for a in m.appeals]
        numbers = len({m.phone for m in sent})
        if not included:
            raise RuleError(
                f"待叫号的诉求（{'、'.join(skipped)}）都只有座机号码，无法发短信，未生成文件："
                "请电话通知后用 zuozhen notify --sent --channel 电话 记录。"
            )
        tx.record(
            "notify.export",
            "session",
            listing.session or "upcoming",
            {
                "file": str(path),
                "messages": len(sent),
                "numbers": numbers,
                "appeals": included,
                "skipped": skipped,
                "full_numbers": True,
            },
        )
        write_atomic(path, text.encode("utf-8-sig"), force=force)
    return Exported(path, len(sent), numbers, included, skipped)


def _select(items: list[CallItem], appeals: Sequence[str]) -> list[CallItem]:
    if not appeals:
        return items
    wanted = [a.strip() for a in appeals]
    by_id = {i.appeal: i for i in items}
    missing = [a for a in wanted if a not in by_id]
    if missing:
        raise RuleError(
            f"诉求 {'、'.join(missing)} 不在本次待叫号名单中：请用 zuozhen notify 查看名单，"
            "或先排诊（zuozhen triage 诉求号 --session 场次）。"
        )
    chosen = set(with_siblings(items, wanted))
    return [i for i in items if i.appeal in chosen]
