"""交办单 (step 7): the Word notice that hands an appeal to its units.

``assign notice APPEAL`` writes the 交办单 of the appeal's current hand-off; ``assign notice
--unit U`` writes one file with a 交办单 per page for every hand-off the unit still holds
open (交办 or 承办, not yet reported back, not returned). Each carries what the unit needs
to start: the appeal, the enterprise (no contact person or phone: the unit asks the
organiser), the opinion recorded at the session, the hand-off date and the two time limits
of 三办一销号 (承办 within ``limits.plan``, 反馈 within 15/20 working days, as extended).

The 发文字号 is ``[documents] number_prefix`` + 交〔year of the hand-off〕 + the hand-off's
own number in the case file, so a 交办单 printed again carries the same number. Reading
only: nothing in the case file changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from zuozhen import names
from zuozhen.errors import NotFoundError, RuleError
from zuozhen.store.reader import Reader, as_bool, as_date

_SQL = """
SELECT h.id AS handoff_id, h.appeal_id, h.round, h.handed_on, h.units,
       a.text, a.category, a.hearing_note, a.session_id, e.name AS enterprise,
       c.date AS session_date, c.kind AS session_kind, c.theme AS session_theme,
       pd.due AS plan_due, rd.due AS report_due,
       COALESCE(pd.provisional, 0) OR COALESCE(rd.provisional, 0) AS provisional
FROM handoff h
JOIN appeal a ON a.id = h.appeal_id
JOIN booking b ON b.id = a.booking_id
JOIN enterprise e ON e.uscc = b.uscc
LEFT JOIN consultation c ON c.id = a.session_id
LEFT JOIN deadline pd ON pd.appeal_id = h.appeal_id AND pd.round = h.round AND pd.step = 'accept'
LEFT JOIN deadline rd ON rd.appeal_id = h.appeal_id AND rd.round = h.round AND rd.step = 'report'
"""


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    appeal: str
    round: int
    units: list[str]
    enterprise: str
    category: str
    text: str
    note: str | None
    session_text: str
    handed_on: date
    plan_due: date
    report_due: date
    provisional: bool
    number: str
    office: str
    signature: str

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "round": self.round,
            "units": self.units,
            "number": self.number,
            "handed_on": self.handed_on,
            "plan_due": self.plan_due,
            "report_due": self.report_due,
        }


def _notice(r: Reader, row: Any) -> HandoffNotice:
    docs = r.config.docs
    handed = as_date(row["handed_on"])
    plan_due, report_due = as_date(row["plan_due"]), as_date(row["report_due"])
    assert handed is not None and plan_due is not None and report_due is not None
    day = as_date(row["session_date"])
    if day is not None:
        session = (
            f"{day.year}年{day.month}月{day.day}日“{row['session_theme']}”{row['session_kind']}坐诊"
        )
    else:
        session = "受理核实"
    if int(row["round"]) > 1:
        session += "及督办回访"
    return HandoffNotice(
        appeal=row["appeal_id"],
        round=int(row["round"]),
        units=list(json.loads(row["units"] or "[]")),
        enterprise=row["enterprise"],
        category=row["category"],
        text=row["text"],
        note=row["hearing_note"],
        session_text=session,
        handed_on=handed,
        plan_due=plan_due,
        report_due=report_due,
        provisional=as_bool(row["provisional"]),
        number=docs.number("交", handed.year, int(row["handoff_id"])),
        office=docs.office,
        signature=docs.signature,
    )


def for_appeal(r: Reader, appeal_id: str) -> HandoffNotice:
    """The 交办单 of the appeal's latest hand-off."""
    key = (appeal_id or "").strip()
    row = r.one(_SQL + " WHERE h.appeal_id = :a ORDER BY h.round DESC LIMIT 1", {"a": key})
    if row is None:
        if r.one("SELECT 1 FROM appeal WHERE id = :a", {"a": key}) is None:
            raise NotFoundError(
                f"没有诉求“{appeal_id}”：诉求号形如 202610-001-1，可用 zuozhen list 查看。"
            )
        raise RuleError(
            f"诉求 {key} 还没有交办，没有交办单：请先 zuozhen assign to {key} --unit 承办单位。"
        )
    return _notice(r, row)


def for_unit(r: Reader, unit: str) -> list[HandoffNotice]:
    """Every hand-off the unit holds open (handed off or undertaken, not reported back,
    not returned), oldest first; the unit leads it or shares it."""
    name = names.check_filter(r, names.UNIT, unit)
    out = []
    for row in r.iter(
        _SQL + " WHERE h.reported_on IS NULL AND h.returned_on IS NULL"
        " AND a.status IN ('handed_off', 'undertaken') AND a.round = h.round"
        " ORDER BY h.handed_on, h.appeal_id"
    ):
        if name in json.loads(row["units"] or "[]"):
            out.append(_notice(r, row))
    return out
