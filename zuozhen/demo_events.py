"""The demo's held days of the other channels (``event add``) and what the walk-through
shows of them: 企业接待日 days of several units, a 政企同心谈 and a 走访 day, then the
events of the quarter and the statistics by channel and the units' three rates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zuozhen.store.storage import CaseFile

#: (channel, day, units — the first leads, leading official, theme)
EVENTS = (
    (
        "接待日",
        date(2026, 7, 9),
        ("省发展改革委", "省工业和信息化厅"),
        "省发展改革委副主任",
        "综合",
    ),
    ("接待日", date(2026, 7, 23), ("省商务厅",), "省商务厅副厅长", None),
    ("接待日", date(2026, 8, 13), ("省财政厅", "省市场监管局"), None, "政策兑现"),
    ("同心谈", date(2026, 9, 17), ("省工业和信息化厅", "省发展改革委"), "分管副省长", None),
    ("接待日", date(2026, 9, 24), ("省工业和信息化厅",), None, None),
    ("走访", date(2026, 10, 15), ("省工业和信息化厅",), "企业服务专员", None),
)


def hold_events(case: CaseFile, clerk: str) -> list[str]:
    """Record the demo's held days, each as of its own day; their IDs."""
    from zuozhen.events import add_event
    from zuozhen.store.storage import Act

    return [
        add_event(
            case,
            Act(clerk, day),
            channel=channel,
            day=day,
            units=list(units),
            lead=lead,
            theme=theme,
        ).event.id
        for channel, day, units, lead, theme in EVENTS
    ]


def walkthrough(base: list[str]) -> Iterator[tuple[str, list[str]]]:
    """What the walk-through shows of the channels (after the quarterly statistics)."""
    yield "上季度的活动日（接待日、同心谈、走访）", [*base, "event", "list", "--quarter", "2026Q3"]
    # This quarter so far: the 12345 work orders, the 即办 and the 转送 came in October.
    yield "按渠道统计（本季度截至今日）", [*base, "report", "channels", "--quarter", "2026Q4"]
    yield "单位考核：响应率、解决率、满意率", [*base, "report", "scores", "--quarter", "2026Q3"]
