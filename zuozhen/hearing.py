"""Step 6 of the ten steps: 坐诊服务 — the appeal's outcome at its session.

* ``hear``            answered on the spot (现场答复解决: closed, the rating expected), not
                      solvable there and to be handed off (现场不能解决、待交办), or the
                      enterprise did not come (``absent``, 未到场: status ``absent``, an
                      ``absence`` row for the session; the appeal waits for another session,
                      into which ``triage --session`` puts it, and must be called up again); an
                      outcome meets the ``hear`` limit, and a referral owes the hand-off.
* ``session_record``  《"坐诊"服务工作记录表》, the sheet of one session; an enterprise absent
                      from it stays on its sheet as 未到场 after moving to another session.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Any

from zuozhen import appeals, duties, states
from zuozhen.appeals import unit_list
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.models import Absence, Appeal, Consultation
from zuozhen.session_status import lead_text
from zuozhen.store.reader import Reader, as_bool, as_date
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import clean_text

# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heard:
    appeal: str
    session: str
    official: str | None
    resolved: bool
    status: str
    rate_due: date | None = None
    absent: bool = False


# -- 6 坐诊服务 ----------------------------------------------------------------------------


def hear(
    case: CaseFile,
    act: Act,
    appeal_id: str,
    *,
    resolved: str | None = None,
    refer: bool = False,
    absent: bool = False,
    official: str | None = None,
    note: str | None = None,
) -> Heard:
    """Record the appeal's outcome at its session: answered on the spot, to be handed off,
    or the enterprise did not come (未到场)."""
    if (resolved is not None) + refer + absent != 1:
        raise InputError(
            "请三选一：--resolved 答复内容（现场答复解决）、--refer（现场不能解决，待交办）"
            "或 --absent（企业未到场）。"
        )
    answer = clean_text(resolved, "现场答复内容") if resolved is not None else None
    who = clean_text(official, "坐诊领导", required=False, limit=100) or None
    memo = clean_text(note, "备注", required=False) or None
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "hear")
        assert a.session_id is not None
        s = tx.get(Consultation, a.session_id, lock=False)
        assert s is not None
        if s.status == "cancelled":
            raise RuleError(
                f"场次 {s.id} 已取消，不能记录坐诊结果：请先把诉求 {a.id} 改排到其他场次"
                f"（zuozhen triage {a.id} --session 场次）。"
            )
        if tx.today < s.date:
            raise RuleError(
                f"场次 {s.id} 定于 {s.date.isoformat()} 举行，尚未坐诊：请在坐诊当天或之后记录结果。"
            )
        # The session happened: the call-up limit is moot, and its outcome is recorded.
        duties.drop(tx, a.id, "notify")
        duties.meet(tx, a.id, "hear", tx.today)
        if absent:
            return _absent(tx, a, s, memo)
        who = who or s.lead
        a.heard_on, a.heard_by, a.hearing_note = tx.today, who, memo
        duties.drop(tx, a.id, "verify")  # the enterprise was met: verification is moot
        rate_due = None
        if answer is not None:
            a.resolved_on_spot = True
            rate_due = appeals.close_and_await_rating(
                tx, a, outcome="已解决", result=answer, on_spot=True
            )
        else:
            appeals.set_status(tx, a, "referred")
            duties.await_handoff(tx, a.id, tx.today, a.round)
        tx.record(
            "session.hear",
            "appeal",
            a.id,
            {
                "session": s.id,
                "official": who,
                "resolved": answer is not None,
                "result": answer,
                "note": memo,
            },
        )
        return Heard(a.id, s.id, who, answer is not None, a.status, rate_due)


def _absent(tx: Tx, a: Appeal, s: Consultation, memo: str | None) -> Heard:
    """未到场: back to waiting for a session; the absence stays on this session's sheet.

    The appeal keeps its session (``show`` names the one it missed) until ``triage
    --session`` puts it on another; it must then be called up again. Verification, if
    still owed, stays due.
    """
    tx.session.add(Absence(appeal_id=a.id, session_id=s.id, recorded_on=tx.today, note=memo))
    was = a.status
    appeals.set_status(tx, a, "absent")
    duties.await_schedule(tx, a.id, tx.today)  # to be put on another session
    tx.record(
        "session.absent",
        "appeal",
        a.id,
        {"session": s.id, "was": was, "status": "absent", "note": memo},
    )
    return Heard(a.id, s.id, None, False, a.status, None, absent=True)


# -- 《"坐诊"服务工作记录表》 --------------------------------------------------------------


RECORD_HEADER = (
    "诉求号",
    "企业名称",
    "诉求类别",
    "诉求内容",
    "坐诊领导",
    "现场答复/处理意见",
    "是否现场解决",
    "承办单位",
    "状态",
)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    session: dict[str, Any]
    rows: list[dict[str, Any]]

    @property
    def absent(self) -> int:
        """How many enterprises did not come (未到场)."""
        return sum(1 for x in self.rows if x["absent"])

    def as_json(self) -> dict[str, Any]:
        return {"session": self.session, "rows": self.rows, "absent": self.absent}

    def table(self) -> list[list[str]]:
        return [
            [
                x["appeal"],
                x["enterprise"],
                x["category"],
                x["text"],
                x["official"] or "",
                x["answer"] or "",
                "是" if x["resolved_on_spot"] else "否",
                "、".join(x["units"]),
                x["status_label"],
            ]
            for x in self.rows
        ]


def session_record(r: Reader, session_id: str) -> SessionRecord:
    """The data of one session's 《"坐诊"服务工作记录表》."""
    key = (session_id or "").strip().upper()
    s = r.one("SELECT * FROM consultation WHERE id = :id", {"id": key})
    if s is None:
        known = [x["id"] for x in r.rows("SELECT id FROM consultation ORDER BY id")]
        near = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        tip = f"是不是 {'、'.join(near)}？" if near else "可用 zuozhen session list 查看场次。"
        raise NotFoundError(f"没有场次“{session_id}”：场次号形如 S202610-01。{tip}")
    session = {
        "id": s["id"],
        "date": as_date(s["date"]),
        "kind": s["kind"],
        "theme": s["theme"],
        "units": unit_list(s["units"]),
        "lead": s["lead"],
        "lead_text": lead_text(s["lead"], unit_list(s["units"])),
        "start": s["start"],
        "end": s["end"],
        "place": s["place"],
        "status": s["status"],
    }
    # Its appeals now, and those absent from it that have since moved to another session.
    absences = {
        x["appeal_id"]: x["note"]
        for x in r.rows(
            "SELECT appeal_id, note FROM absence WHERE session_id = :id ORDER BY id", {"id": key}
        )
    }
    rows = []
    for a in r.rows(
        """
        SELECT a.id, e.name AS enterprise, a.category, a.text, a.heard_by, a.heard_on,
               a.hearing_note, a.resolved_on_spot, a.result, a.units, a.status, a.session_id,
               k.result AS spot_answer
        FROM appeal a JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc
        LEFT JOIN closure k ON k.appeal_id = a.id AND k.round = 1 AND k.on_spot = TRUE
        WHERE a.id IN (SELECT id FROM appeal WHERE session_id = :id
                       UNION SELECT appeal_id FROM absence WHERE session_id = :id)
        ORDER BY a.booking_id, a.seq
        """,
        {"id": key},
    ):
        here = a["session_id"] == key
        # Absent, unless put back on this session the same day and heard after all.
        absent = a["id"] in absences and not (here and a["heard_on"] is not None)
        on_spot = as_bool(a["resolved_on_spot"]) and here
        # The answer given at the session, kept even after a reopen cleared the appeal's result.
        answer = (a["spot_answer"] or (a["result"] if on_spot else None)) if here else None
        if absent:
            note = absences[a["id"]]
            answer = (
                "企业未到场"
                + ("" if here or not a["session_id"] else f"，已改排场次 {a['session_id']}")
                + (f"（{note}）" if note else "")
            )
        elif answer is None and a["heard_on"] is not None:
            answer = "现场不能解决，交办处理" + (
                f"（{a['hearing_note']}）" if a["hearing_note"] else ""
            )
        rows.append(
            {
                "appeal": a["id"],
                "enterprise": a["enterprise"],
                "category": a["category"],
                "text": a["text"],
                "official": None if absent else a["heard_by"],
                "heard_on": None if absent else as_date(a["heard_on"]),
                "answer": answer,
                "resolved_on_spot": on_spot,
                "absent": absent,
                "units": unit_list(a["units"]),
                "status": a["status"],
                "status_label": states.label(a["status"]),
            }
        )
    return SessionRecord(session, rows)
