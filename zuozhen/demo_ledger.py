"""The demo's assessment-feedback ledger (台账, seed 004): twelve items of a 营商环境评估反馈问题
整改清单 handed to provincial units on 2026-07-01, eight of them closed by the demo's day,
the rest open (one never undertaken), so ``ledger show L2026-01`` has something to show.
Called by one line of demo.py's ``build``.
"""

from __future__ import annotations

from datetime import date

from zuozhen import closing, handoff, ledgers
from zuozhen.store.storage import Act, CaseFile

CLERK = "王敏"
MADE = date(2026, 7, 1)
ITEMS = [
    (
        "工程建设项目审批全流程用时高于全国平均水平",
        ["省住房城乡建设厅", "省自然资源厅"],
        "2026-09-30",
    ),
    (
        "企业开办平台与税务、社保系统数据未完全共享",
        ["省市场监管局", "省人力资源社会保障厅"],
        "2026-09-30",
    ),
    ("低压小微企业接电时间偏长", ["省发展改革委"], "2026-08-31"),
    ("不动产登记与缴税未全面实现“一窗受理”", ["省自然资源厅"], "2026-09-30"),
    ("中小微企业首贷率偏低，信用信息共享不充分", ["省财政厅", "省发展改革委"], "2026-10-30"),
    ("部分涉税事项仍需线下办理", ["省财政厅"], "2026-08-31"),
    ("进出口环节收费公示不到位", ["省商务厅"], "2026-09-30"),
    ("政府采购预付款制度落实不到位", ["省财政厅"], "2026-10-30"),
    ("招投标领域存在不合理限制条件", ["省发展改革委", "省住房城乡建设厅"], "2026-10-16"),
    ("知识产权质押融资规模小", ["省市场监管局"], "2026-12-31"),
    ("涉企行政检查多头、重复", ["省市场监管局", "省司法厅"], "2026-12-31"),
    ("拖欠中小企业账款清偿进度慢", ["省工业和信息化厅", "省财政厅"], "2026-12-31"),
]
#: The items closed, and on which day: 8 of 12 (66.7%); item 9 after its 完成时限. Item 12
#: was never undertaken: its 承办 is overdue (the unit's 督办单).
CLOSED = {1: "2026-09-18", 2: "2026-09-25", 3: "2026-08-20", 4: "2026-09-10",
          6: "2026-08-27", 7: "2026-09-29", 8: "2026-10-15", 9: "2026-10-22"}  # fmt: skip
NOT_UNDERTAKEN = 12
_SPOT = "证据：整改报告及相关文件已存档"


def build_ledger(case: CaseFile, today: date) -> str:
    """The ledger and its items' handling up to ``today``; returns its ID."""
    made = ledgers.new(
        case,
        Act(CLERK, MADE),
        name="营商环境评估反馈问题整改清单",
        source="省营商环境评估反馈报告",
        year=2026,
    )
    for text, units, due in ITEMS:
        ledgers.add(
            case, Act(CLERK, MADE), made.id, item=text, units=units, due=date.fromisoformat(due)
        )
    for n, (_text, _units, _due) in enumerate(ITEMS, 1):
        aid = f"{made.id}-{n:03d}"
        if n == NOT_UNDERTAKEN:
            continue
        handoff.undertake(
            case, Act(CLERK, date(2026, 7, 6)), aid, handler="整改专班", measures="按清单整改"
        )
        done = CLOSED.get(n)
        if done is None or date.fromisoformat(done) > today:
            continue
        day = Act(CLERK, date.fromisoformat(done))
        handoff.report_back(case, day, aid, text="已完成整改")
        outcome = "解释说明" if n == 4 else "已解决"
        closing.close_out(case, day, aid, outcome=outcome, result=_SPOT)
    return made.id
