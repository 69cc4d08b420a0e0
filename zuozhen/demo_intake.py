"""The demo's other channels (issue 14): a 12345 export imported twice, a 即办, a 转送 and
intakes triaged and handed off, added to ``zuozhen demo``'s case file by ``add_intakes``.

The 12345 hotline's daily export (``data/sample/12345.csv``, GB18030 as the hotline's
system writes it) is imported on 19 October and again the next day, when every work
order is skipped; a complaint line's call is answered at once (即办); a neighbours' noise
complaint is out of the programme's remit and forwarded (转送); two work orders are
triaged with seed 003's classification and handed off, one of them undertaken; the rest
wait for triage, one of them past its limit on the demo day (the audit shows it).
"""

from __future__ import annotations

from datetime import date

from zuozhen import closing, handoff, intake, intake_import, triage
from zuozhen.resources import data_path
from zuozhen.store.storage import Act, CaseFile

EXPORT = ("sample", "12345.csv")


def add_intakes(case: CaseFile, clerk: str) -> int:
    """Take in the other channels' appeals; returns the acts done."""
    path = data_path(*EXPORT)
    intake_import.import_csv(case, Act(clerk, date(2026, 10, 19)), path, channel="12345")
    again = intake_import.import_csv(case, Act(clerk, date(2026, 10, 20)), path, channel="12345")
    assert again.imported == 0 and again.skipped == 6  # the same export: nothing added
    closing.close_out(
        case,
        Act(clerk, date(2026, 10, 20)),
        "J202610-0006-1",
        outcome="转送",
        result="转送至昆明市生态环境局（噪声扰民投诉由其依法处理），已电话告知企业转送去向",
    )
    intake.intake(
        case,
        Act(clerk, date(2026, 10, 21)),
        channel="投诉",
        ref="TS20261021-003",
        enterprise="大理苍洱数字科技有限公司",
        uscc="91532900MA7N8W4X9Q",
        contact="李强",
        phone="18687250396",
        appeals=["反映办理社保登记时窗口要求重复提交营业执照复印件"],
        category="意见建议",
        resolved="经核实，营业执照已实现电子证照共享，已通知窗口不再要求复印件，并电话告知企业",
    )
    work = [
        ("J202610-0001-1", "省住房城乡建设厅", "程序规范"),
        ("J202610-0002-1", "省工业和信息化厅", "政策措施"),
    ]
    for appeal, unit, nature in work:
        triage.triage(
            case,
            Act(clerk, date(2026, 10, 20)),
            appeal,
            units=[unit],
            classes={"scope": "部门任务", "need": "个性诉求", "nature": nature},
        )
        handoff.hand_off(case, Act(clerk, date(2026, 10, 21)), appeal, [unit])
    handoff.undertake(
        case,
        Act("省工业和信息化厅 张磊", date(2026, 10, 23)),
        "J202610-0002-1",
        handler="张磊",
        measures="核对申报材料清单，指导企业补正后在线提交",
    )
    return 10
