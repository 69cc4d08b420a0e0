"""Step 4 of the ten steps: 接诊 (triage).

Classify (theme, 共性诉求 class), pick the units (分办, the first leads), put the appeal
on a session (排诊) and record the verification with the enterprise (对接核实).

An appeal taken in through ``intake`` (``received``, 已受理) is triaged with ``--unit`` and
no session: it becomes ``referred`` (待交办) and owes the hand-off (``assign to``) within
its channel's ``handoff`` limit. Any appeal may also be given seed 003's classification
(``CLASSES``: 全局工作|部门任务, 共性需求|个性诉求, 政策措施|程序规范) and its handling
mode (部门即办|分发交办|领导批办|专题会办), stored in the appeal's own columns.

Time limits (``duties``): the first triage act meets the ``triage`` limit opened at
booking; verified and on no session, the appeal owes ``schedule``; put on a session it
owes the call-up (``notify``, the session day minus ``limits.notify_days`` moved back to a
working day) and then the outcome (``hear``, ``limits.hear`` working days after the day).

An appeal goes only on a session whose call-up can still be made on time (seed 002
§三(五): at least 3 days before): past that day the scheduling is refused, naming the
next session that is still in time, unless the clerk insists with a reason (``late_call``,
kept in the trail; the call-up is then late from the start and listed so by ``notify``).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select

from zuozhen import appeals, duties, names, states
from zuozhen.deadlines import weekday_zh
from zuozhen.errors import InputError, NotFoundError, RuleError
from zuozhen.models import (
    Appeal,
    Consultation,
    Deadline,
)
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import choose, clean_text

# -- 接诊 (triage) ------------------------------------------------------------------------

#: Seed 003's classification pairs and handling modes: appeal column -> (word, choices).
CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "scope": ("工作范围（--scope）", ("全局工作", "部门任务")),
    "need": ("需求性质（--need）", ("共性需求", "个性诉求")),
    "nature": ("政策属性（--nature）", ("政策措施", "程序规范")),
    "handling": ("办理方式（--handling）", ("部门即办", "分发交办", "领导批办", "专题会办")),
}


def check_classes(given: dict[str, str | None]) -> dict[str, str]:
    """The classification given (``CLASSES``), each value one of its choices."""
    out = {}
    for key, value in given.items():
        if value is not None:
            what, choices = CLASSES[key]
            out[key] = choose(value, choices, what)
    return out


@dataclass(frozen=True, slots=True)
class Triaged:
    appeal: str
    status: str
    theme: str | None
    units: list[str]
    lead_unit: str | None
    session: str | None
    session_date: date | None
    problem_class: str | None
    verified_on: date | None
    verify_due: date | None
    verify_late: bool
    verify_provisional: bool
    notify_by: date | None
    renotify: bool
    warnings: list[str]
    hints: list[str]
    late_call: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "status": self.status,
            "theme": self.theme,
            "units": self.units,
            "lead_unit": self.lead_unit,
            "session": self.session,
            "session_date": self.session_date,
            "class": self.problem_class,
            "verified_on": self.verified_on,
            "verify_due": self.verify_due,
            "verify_late": self.verify_late,
            "provisional": self.verify_provisional,
            "notify_by": self.notify_by,
            "renotify": self.renotify,
            "late_call": self.late_call,
            "warnings": self.warnings,
        }


def triage(
    case: CaseFile,
    act: Act,
    appeal_id: str,
    *,
    theme: str | None = None,
    units: list[str] | None = None,
    session: str | None = None,
    problem_class: str | None = None,
    verified: bool = False,
    allow_new: bool = False,
    late_call: str | None = None,
    classes: dict[str, str | None] | None = None,
) -> Triaged:
    """接诊: classify, pick units, schedule and record the verification of one appeal.

    The theme and units must be on the configured lists (or are added: ``allow_new``);
    ``late_call``: the reason to put the appeal on a session whose call-up day has passed."""
    theme_v = names.clean_name(theme, names.THEME) if theme is not None else None
    units_v = [names.clean_name(u, names.UNIT) for u in units or []]
    appeals.refuse_repeats(units_v)
    cls = clean_text(problem_class, "共性诉求类别（--class）", limit=100) if problem_class else None
    sid = session.strip().upper() if session is not None else None
    if sid == "":
        raise InputError("场次号不能为空：形如 S202610-01，可用 zuozhen session list 查看。")
    reason = None
    if late_call is not None:
        reason = clean_text(late_call, "逾期叫号的理由（--late-call）", limit=200)
        if sid is None:
            raise InputError("--late-call 只在排入场次时使用：请同时用 --session 场次号 指定场次。")
    kinds = check_classes(classes or {})
    nothing = theme_v is None and not units_v and sid is None and cls is None and not verified
    if nothing and not kinds:
        raise InputError(
            "没有要记录的内容：请至少指定 --theme、--unit、--session、--class、--verified、"
            "--scope、--need、--nature 或 --handling 之一。查看诉求请用 zuozhen show 诉求号。"
        )
    with case.write(act) as tx:
        return _triage(
            tx, appeal_id, _Classes(theme_v, units_v, cls, allow_new, kinds), sid, verified, reason
        )


@dataclass(frozen=True, slots=True)
class _Classes:
    """What the clerk classified: theme, units (the first leads), 共性诉求 class."""

    theme: str | None
    units: list[str]
    problem_class: str | None
    allow_new: bool  # names outside the configured lists are added (--allow-new)
    kinds: dict[str, str]  # seed 003's classification and handling mode (CLASSES)


def _triage(
    tx: Tx,
    appeal_id: str,
    given: _Classes,
    sid: str | None,
    verified: bool,
    late_call: str | None = None,
) -> Triaged:
    a = appeals.load(tx, appeal_id)
    states.require(a.id, a.status, "triage")
    booked_on = appeals.booked_on(tx, a)
    detail: dict[str, Any] = {}
    warnings, hints = _classify(tx, a, given, detail)
    slot = _Slot(None, None)
    if a.status == "received":
        _refer(tx, a, sid, detail)
    elif sid is not None:
        slot = _schedule(tx, a, sid, booked_on, detail, late_call, warnings)
    if a.status == "booked":
        a.status = "triaged"
    if a.status != "received":
        duties.meet(tx, a.id, "triage", tx.today)  # 接诊 has begun: the triage limit is met
    duty, verify_late = _verify(tx, a, verified, warnings, detail)
    if (
        a.status == "triaged"
        and a.verified_on is not None
        and duties.current(tx, a.id, "schedule") is None
    ):
        duties.await_schedule(tx, a.id, tx.today)  # verified, on no session: 排诊 owed
    session_row = slot.session
    if session_row is None and a.session_id is not None:
        session_row = tx.get(Consultation, a.session_id, lock=False)
    a.updated_at = tx.at
    tx.session.add(a)
    detail["status"] = a.status
    tx.record("triage", "appeal", a.id, detail)
    return Triaged(
        appeal=a.id,
        status=a.status,
        theme=a.theme,
        units=json.loads(a.units or "[]"),
        lead_unit=a.lead_unit,
        session=a.session_id,
        session_date=session_row.date if session_row else None,
        problem_class=a.problem_class,
        verified_on=a.verified_on,
        verify_due=duty.due if duty else None,
        verify_late=verify_late,
        verify_provisional=bool(duty.provisional) if duty else False,
        notify_by=slot.notify_by,
        renotify=slot.renotify,
        warnings=warnings,
        hints=hints,
        late_call=detail.get("late_call"),
    )


def _refer(tx: Tx, a: Appeal, sid: str | None, detail: dict[str, Any]) -> None:
    """分办 of an intake: with its units the appeal waits for the hand-off (待交办)."""
    if sid is not None:
        raise RuleError(
            f"诉求 {a.id} 是从其他渠道受理的，不排入坐诊场次：请用 zuozhen triage {a.id} "
            "--unit 单位 分办，再 zuozhen assign to 交办。"
        )
    if a.units == "[]" or not a.units:
        return  # classified only: still to be 分办
    a.status = "referred"
    limit = appeals.limits_of(tx, a).handoff
    duties.open_duty(tx, a.id, "handoff", tx.today, limit, "wd", round=a.round)
    detail["referred"] = True


def _classify(
    tx: Tx, a: Appeal, given: _Classes, detail: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """分类梳理、科学分办: theme, units (the first leads), 共性诉求 class; warnings, hints.

    The theme and units are names from the configuration (``names.admit``)."""
    theme, units, cls = given.theme, given.units, given.problem_class
    allow, via = given.allow_new, "triage"
    warnings = names.admit(tx, names.THEME, [theme] if theme else [], allow_new=allow, via=via)
    warnings += names.admit(tx, names.UNIT, units, allow_new=allow, via=via)
    if theme is not None:
        a.theme = theme
        detail["theme"] = theme
    if units:
        a.units = json.dumps(units, ensure_ascii=False)
        a.lead_unit = units[0]
        detail["units"] = units
    for key, value in given.kinds.items():
        setattr(a, key, value)
        detail[key] = value
    hints: list[str] = []
    if cls is not None:
        hints += _class_hints(tx, a, cls)
        a.problem_class = cls
        detail["class"] = cls
    return warnings, hints


def _class_hints(tx: Tx, a: Appeal, cls: str) -> list[str]:
    """A new 共性诉求 class close to one in use: suggest the existing name."""
    used = tx.session.exec(
        select(Appeal.problem_class)
        .where(col(Appeal.problem_class).is_not(None), Appeal.id != a.id)
        .distinct()
    ).all()
    known = [c for c in used if c]
    if cls in known:
        return []
    close = difflib.get_close_matches(cls, known, n=3, cutoff=0.5)
    if not close:
        return []
    return [
        f"已有相近的共性诉求类别：{'、'.join(close)}；如属同一类，请统一用已有名称"
        f"（zuozhen triage {a.id} --class …），便于通报中归类统计。"
    ]


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where ``--session`` put the appeal, and the call-up it now needs."""

    session: Consultation | None
    notify_by: date | None
    renotify: bool = False


def _schedule(
    tx: Tx,
    a: Appeal,
    sid: str,
    booked_on: date,
    detail: dict[str, Any],
    late_call: str | None,
    warnings: list[str],
) -> _Slot:
    """排诊: put the appeal on the session; the call-up limit counts back from its day."""
    row = _open_session(tx, a, sid, booked_on)
    if a.session_id == sid and a.status in ("scheduled", "notified"):
        current = duties.current(tx, a.id, "notify")
        if late_call is not None:
            warnings.append(f"诉求 {a.id} 已排在场次 {sid}，本次未改排，--late-call 理由未使用。")
        return _Slot(row, current.due if current else None)
    _in_time(tx, a, row, late_call, detail, warnings)
    before = a.session_id
    renotify = False
    if a.status == "notified" or (before not in (None, sid) and a.notified_on):
        a.renotify = renotify = True
    limit = tx.case.config.limits.notify_days
    d = duties.open_duty(tx, a.id, "notify", row.date, limit, "before")
    duties.await_hearing(tx, a.id, row.date)
    duties.meet(tx, a.id, "schedule", tx.today)
    a.session_id = sid
    a.status = "scheduled"
    detail.update(session=sid, notify_by=d.due, renotify=renotify)
    if before not in (None, sid):
        detail["moved_from"] = before
    return _Slot(row, d.due, renotify)


def _in_time(
    tx: Tx,
    a: Appeal,
    row: Consultation,
    late_call: str | None,
    detail: dict[str, Any],
    warnings: list[str],
) -> None:
    """The call-up can still be made on time, or the clerk insists with a reason."""
    limit = tx.case.config.limits.notify_days
    by = tx.case.calendar.notify_by(row.date, limit).date
    if tx.today <= by:
        if late_call is not None:
            warnings.append(
                f"场次 {row.id} 还来得及按时叫号（{by.isoformat()} 前），--late-call 理由未使用。"
            )
        return
    if late_call is None:
        raise RuleError(_too_late(tx, a, row, by))
    detail["late_call"] = late_call
    warnings.append(
        f"已按 --late-call 排入场次 {row.id}：叫号期限 {by.isoformat()} 已过，"
        "请尽快叫号，本次叫号记为逾期。"
    )


def _too_late(tx: Tx, a: Appeal, row: Consultation, by: date) -> str:
    limit = tx.case.config.limits.notify_days
    said = (
        f"场次 {row.id}（{row.date.isoformat()} {weekday_zh(row.date)}）已来不及按时叫号："
        f"叫号须在坐诊前 {limit} 日、即 {by.isoformat()} 前完成，今天是 {tx.today.isoformat()}。"
    )
    nxt = next_in_time(tx, exclude=row.id)
    if nxt is None:
        where = "目前没有来得及按时叫号的场次，请先安排场次（zuozhen session plan …）后再排诊；"
    else:
        s, s_by = nxt
        where = (
            f"下一场来得及叫号的场次是 {s.id}（{s.date.isoformat()} {weekday_zh(s.date)}，"
            f"叫号期限 {s_by.isoformat()}）：zuozhen triage {a.id} --session {s.id}；"
        )
    return said + where + "如确需排入本场，请加 --late-call 理由（叫号将记为逾期）。"


def next_in_time(tx: Tx, exclude: str | None = None) -> tuple[Consultation, date] | None:
    """The next planned session whose call-up can still be made on time, and its call-up day."""
    cal, today = tx.case.calendar, tx.today
    limit = tx.case.config.limits.notify_days
    rows = tx.session.exec(
        select(Consultation)
        .where(Consultation.status == "planned", col(Consultation.date) > today)
        .order_by(col(Consultation.date), col(Consultation.start), col(Consultation.id))
    ).all()
    for c in rows:
        if c.id == exclude or not cal.is_workday(c.date):
            continue  # a day that became a rest day is no session to offer
        by = cal.notify_by(c.date, limit).date
        if by >= today:
            return c, by
    return None


def _open_session(tx: Tx, a: Appeal, sid: str, booked_on: date) -> Consultation:
    """The session to put the appeal on: planned, after the booking, not yet held."""
    row = tx.get(Consultation, sid, lock=False)
    if row is None:
        raise NotFoundError(
            f"没有场次号为“{sid}”的坐诊场次：场次号形如 S202610-01，"
            "请用 zuozhen session list 查看已安排的场次。"
        )
    if row.status == "cancelled":
        raise RuleError(
            f"场次 {sid}（{row.date.isoformat()}）已取消，不能排入：请另选场次"
            "（zuozhen session list）。"
        )
    if row.date < booked_on:
        raise RuleError(
            f"场次 {sid} 在 {row.date.isoformat()}，早于诉求 {a.id} 的挂号日期 "
            f"{booked_on.isoformat()}：请选挂号之后的场次（zuozhen session list）。"
        )
    if row.date < tx.today:
        raise RuleError(
            f"场次 {sid} 已于 {row.date.isoformat()} 举行，不能再排入：请选之后的场次"
            "（zuozhen session list）。"
        )
    return row


def _verify(
    tx: Tx, a: Appeal, verified: bool, warnings: list[str], detail: dict[str, Any]
) -> tuple[Deadline | None, bool]:
    """对接核实: record it (once) against its limit; the limit and whether it was missed."""
    today = tx.today
    verify_late = False
    if verified:
        if a.verified_on is not None:
            warnings.append(f"诉求 {a.id} 已于 {a.verified_on.isoformat()} 核实，本次不重复记录。")
        else:
            a.verified_on = today
            met = duties.meet(tx, a.id, "verify", today)
            verify_late = bool(met and met.late)
            detail["verified_on"] = today
            detail["verify_late"] = verify_late
    duty = tx.session.exec(
        select(Deadline)
        .where(Deadline.appeal_id == a.id, Deadline.step == "verify")
        .order_by(col(Deadline.id).desc())
    ).first()
    if duty is not None:
        verify_late = verify_late or bool(duty.late)
        if duty.done_on is None and today > duty.due:
            warnings.append(
                f"核实期限 {duty.due.isoformat()} 已过，尚未记录核实：请尽快与企业对接核实"
                f"（zuozhen triage {a.id} --verified）。"
            )
    if verify_late and verified and a.verified_on == today and duty is not None:
        warnings.append(
            f"核实晚于期限：应在 {duty.due.isoformat()} 前核实，实际 {today.isoformat()}，已记为逾期。"
        )
    return duty, verify_late
