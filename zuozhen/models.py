"""The case file's tables (SQLModel). One module, read top to bottom like the ten steps.

Identifiers are short strings a clerk can type: booking ``202612-007``, appeal
``202612-007-1``, session ``S202612-01``. Dates are ``date`` (the act's official day, which
is ``--today``); ``*_at`` columns are real UTC timestamps of when the row was written.
Lists (units of a session or hand-off) are JSON text, with the leading unit also kept in
its own indexed column for filtering and statistics.

Deadlines are stored, not recomputed per query: every time limit an appeal is under is one
row of ``deadline`` (step, start, count, due, provisional, done), so the daily audit is one
indexed range scan, and loading next year's official holiday schedule recomputes exactly
the rows that were provisional.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows matching ``where`` only, on SQLite and PostgreSQL alike."""
    return Index(
        name,
        *columns,
        unique=unique,
        sqlite_where=text(where),
        postgresql_where=text(where),
    )


class Setting(SQLModel, table=True):
    """Key/value settings; ``config`` holds the programme's configuration as TOML text."""

    key: str = Field(primary_key=True, max_length=64)
    value: str


class SchemaMigration(SQLModel, table=True):
    __tablename__ = "schema_migration"
    version: int = Field(primary_key=True)
    name: str
    applied_at: str


class Counter(SQLModel, table=True):
    """Number allocation (booking numbers per month, session numbers per month)."""

    key: str = Field(primary_key=True, max_length=64)
    value: int = 0


class HolidaySchedule(SQLModel, table=True):
    """An official holiday schedule loaded by the clerk (``calendar load``)."""

    __tablename__ = "holiday_schedule"
    year: int = Field(primary_key=True)
    source: str
    toml: str
    loaded_on: dt.date
    loaded_at: str
    loaded_by: str


class Enterprise(SQLModel, table=True):
    """One enterprise per 统一社会信用代码, with its latest details."""

    uscc: str = Field(primary_key=True, max_length=18)
    name: str
    contact: str
    phone: str
    region: str | None = None
    industry: str | None = None
    created_at: str
    updated_at: str


class Consultation(SQLModel, table=True):
    """A 坐诊 session: 主场, 专场 or 加诊, at least half a day."""

    __tablename__ = "consultation"
    __table_args__ = (Index("ix_consultation_date", "date"),)
    id: str = Field(primary_key=True, max_length=16)
    month: str = Field(index=True, max_length=7)
    date: dt.date
    kind: str  # 主场 | 专场 | 加诊
    theme: str
    units: str  # JSON list; the first is the leading unit
    lead: str | None = None  # the leading official (领衔坐诊)
    start: str
    end: str
    place: str
    status: str = "planned"  # planned | cancelled
    postponed_from: dt.date | None = None
    # Weekly cadence: the regular weekday this session stands for (a holiday Thursday is
    # postponed, 顺延); re-running ``session plan --weekly`` skips days already planned.
    cadence_day: dt.date | None = None
    note: str | None = None
    created_at: str


class ChannelEvent(SQLModel, table=True):
    """A held 接待日, 同心谈, 会客厅 or 走访 day (``event add``): the cadence it counts for is
    its channel's (config ``[channels]``), per unit and period; its appeals name it in
    ``booking.event_id``."""

    __tablename__ = "channel_event"
    id: str = Field(primary_key=True, max_length=16)  # E202612-01
    channel: str = Field(index=True)
    month: str = Field(index=True, max_length=7)
    date: dt.date
    units: str  # JSON list; the first is the leading unit
    lead_unit: str
    lead: str | None = None  # the leading official
    theme: str | None = None
    created_at: str


class Booking(SQLModel, table=True):
    """How appeals came in: a 挂号 (one enterprise, one month, one or more appeals), an
    intake of another channel, or a ledger.

    ``channel`` is ``坐诊`` for bookings (``book``: one per enterprise and month), a
    configured channel's name for an intake (``intake``: one per intake act, ID
    ``J202612-0001``; ``ref`` the channel's own number, such as the 12345 工单编号, unique
    within the channel; ``event_id`` the held day it came from), or ``台账`` for a ledger
    (``ledger new``: the booking's ID is the ledger's, ``L2026-01``, and its appeals are the
    ledger's items; ``uscc`` is empty, there is no enterprise).
    """

    __table_args__ = (
        partial_index(
            "ux_booking_month_uscc", "month", "uscc", where="channel = '坐诊'", unique=True
        ),
        partial_index(
            "ux_booking_channel_ref", "channel", "ref", where="ref IS NOT NULL", unique=True
        ),
        partial_index("ix_booking_event_id", "event_id", where="event_id IS NOT NULL"),
    )
    id: str = Field(primary_key=True, max_length=16)
    month: str = Field(index=True, max_length=7)
    seq: int
    uscc: str | None = Field(default=None, foreign_key="enterprise.uscc", index=True)
    booked_on: dt.date  # the booking or intake date (a ledger: the day it was made)
    late_reason: str | None = None  # 加号: booked outside the booking window
    source: str = "窗口"  # 窗口 | 导入
    created_at: str
    channel: str = "坐诊"  # 坐诊 | a configured channel | 台账
    ref: str | None = None  # the channel's own number (12345 工单编号)
    event_id: str | None = Field(default=None, foreign_key="channel_event.id", max_length=16)


class Ledger(SQLModel, table=True):
    """A 台账 (rectification list or task ledger). Its items are appeals of the booking of
    the same ID (channel ``台账``); ``carried_from`` names last year's ledger whose open
    items it took over (``ledger carry``)."""

    id: str = Field(primary_key=True, foreign_key="booking.id", max_length=16)  # L2026-01
    name: str
    source: str  # the document it comes from
    year: int = Field(index=True)
    carried_from: str | None = Field(default=None, max_length=16)
    created_at: str


class Appeal(SQLModel, table=True):
    """A 诉求: the tracked case. ``status`` follows the state machine in states.py.

    An appeal that ends without being closed — withdrawn by the enterprise (撤回), voided as
    an entry made in error (作废) or merged into the appeal it repeats (合并) — keeps the day
    and the reason in ``ended_on`` and ``end_reason``; a merged one names the appeal it
    joined in ``merged_into`` (withdrawal.py).
    """

    __table_args__ = (
        Index("ix_appeal_status", "status"),
        Index("ix_appeal_lead_unit", "lead_unit"),
        Index("ix_appeal_month", "month"),
        partial_index("ix_appeal_merged_into", "merged_into", where="merged_into IS NOT NULL"),
    )
    id: str = Field(primary_key=True, max_length=24)
    booking_id: str = Field(foreign_key="booking.id", index=True)
    seq: int
    month: str = Field(max_length=7)
    text: str
    category: str  # 政策咨询 | 服务需求 | 意见建议
    status: str = "booked"
    theme: str | None = None
    problem_class: str | None = None  # 共性诉求 class
    units: str = "[]"  # JSON list chosen at triage, then of the latest hand-off
    lead_unit: str | None = None
    session_id: str | None = Field(default=None, foreign_key="consultation.id", index=True)
    verified_on: dt.date | None = None
    notified_on: dt.date | None = None
    notify_channel: str | None = None
    renotify: bool = False  # the session moved or was cancelled: call up again
    heard_on: dt.date | None = None
    heard_by: str | None = None  # attending official
    hearing_note: str | None = None
    round: int = 1  # hand-off round; a reopened appeal starts a new one
    outcome: str | None = None  # 已解决 | 解释说明
    resolved_on_spot: bool = False
    result: str | None = None
    closed_on: dt.date | None = None
    created_at: str
    updated_at: str
    ended_on: dt.date | None = None  # withdrawn, voided or merged on
    end_reason: str | None = None
    merged_into: str | None = Field(default=None, foreign_key="appeal.id", max_length=24)
    # Seed 003's classification at triage: 全局工作|部门任务, 共性需求|个性诉求,
    # 政策措施|程序规范, and how it is handled: 部门即办|分发交办|领导批办|专题会办.
    scope: str | None = None
    need: str | None = None
    nature: str | None = None
    handling: str | None = None
    # A ledger item carried over from last year's ledger (``ledger carry``): that item's ID.
    carried_from: str | None = Field(default=None, max_length=24)


class Handoff(SQLModel, table=True):
    """One 交办 round: units, 承办 and 反馈.

    Its time limits are not kept here: the plan deadline (承办, step ``accept``) and the
    report deadline (反馈, step ``report``, as extended) of the round are its ``deadline``
    rows, one of each (``ux_deadline_handoff``); the original report deadline is the first
    extension's ``old_due``. A unit that sends the appeal back as not its duty (退回) is
    recorded here (``returned_*``; ``returned_late``: after the plan period) and ends the
    round: the next hand-off is a new round.
    """

    __table_args__ = (UniqueConstraint("appeal_id", "round", name="uq_handoff_round"),)
    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    round: int
    handed_on: dt.date
    units: str  # JSON list, first = leading unit
    lead_unit: str
    joint: bool
    accepted_on: dt.date | None = None
    handler: str | None = None
    measures: str | None = None
    promised_by: dt.date | None = None
    accepted_late: bool = False
    reported_on: dt.date | None = None
    report_text: str | None = None
    reported_late: bool = False
    extensions: int = 0
    legal_basis: str | None = None  # 法律法规另有时限规定的，从其规定
    returned_on: dt.date | None = None
    returned_by: str | None = None  # the unit that sent it back (退回)
    return_reason: str | None = None
    returned_late: bool | None = None  # returned after the plan (承办) period


class Progress(SQLModel, table=True):
    """What a unit of a hand-off round reports besides the final report (反馈).

    ``kind`` is ``progress`` (阶段性进展: any number, any unit of the round, no step closed)
    or ``part`` (a co-unit's part of a joint hand-off, once per co-unit; ``late``: after the
    round's report deadline). The leading unit's report is the round's ``report_text``.
    """

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    round: int
    unit: str
    kind: str  # progress | part
    reported_on: dt.date
    text: str
    late: bool = False


class Absence(SQLModel, table=True):
    """未到场: the enterprise did not come to the session; the appeal waits for another."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    session_id: str = Field(foreign_key="consultation.id", index=True)
    recorded_on: dt.date
    note: str | None = None


class Extension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    round: int
    granted_on: dt.date
    old_due: dt.date
    new_due: dt.date
    reason: str
    basis: str | None = None


class Closure(SQLModel, table=True):
    """销号 of one round: how it ended and what the enterprise was told, kept per round.

    The appeal row carries only its current round (a reopen clears ``outcome``/``result``);
    this row keeps every closed round's result, and ``on_spot`` marks the answer given at
    the session (现场答复解决), so a reopened appeal's earlier answers stay on record.
    """

    __table_args__ = (UniqueConstraint("appeal_id", "round", name="uq_closure_round"),)
    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    round: int
    outcome: str  # 已解决 | 解释说明
    result: str
    closed_on: dt.date
    on_spot: bool = False


class Notification(SQLModel, table=True):
    """A 叫号 call-up made by phone or SMS."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    session_id: str = Field(foreign_key="consultation.id")
    sent_on: dt.date
    channel: str  # 短信 | 电话
    late: bool = False


class Rating(SQLModel, table=True):
    """诊后评价: the enterprise's own, once per round, never changed (triggers forbid it)."""

    __table_args__ = (UniqueConstraint("appeal_id", "round", name="uq_rating_round"),)
    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    round: int
    service: str  # 满意 | 基本满意 | 不满意
    handling: str
    comment: str | None = None
    rated_on: dt.date
    recorded_at: str


class Revisit(SQLModel, table=True):
    """督办回访 by the supervisors; ``reopened`` sends the appeal back for a new round."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id", index=True)
    round: int
    visited_on: dt.date
    note: str
    reopened: bool = False


class Deadline(SQLModel, table=True):
    """One time limit of one appeal at one step.

    ``step`` is one of triage, verify, schedule, notify, hear, handoff, accept, report, close,
    rate, revisit (cli.md; ``states.owed_step`` says which one an open appeal waits for). A
    met limit keeps its row (``done_on``, ``late``). ``rule`` says
    how ``due`` was computed from ``start`` and ``count`` so it can be recomputed when an
    official holiday schedule replaces a provisional one: ``wd`` (working days after start),
    ``cd`` (calendar days, art. 203), ``before`` (calendar days before a session, moved back
    to a working day) or ``fixed`` (a date set by extension or by law; never recomputed).
    """

    __table_args__ = (
        partial_index("ix_deadline_open_due", "due", where="done_on IS NULL"),
        # Also covers a round's due (reports join the hand-off dues on it, index only).
        Index("ix_deadline_appeal_step", "appeal_id", "step", "round", "due"),
        # A hand-off round has one plan and one report deadline: the one place they are kept.
        partial_index(
            "ux_deadline_handoff",
            "appeal_id",
            "round",
            "step",
            where="step IN ('accept', 'report')",
            unique=True,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str = Field(foreign_key="appeal.id")
    round: int = 1
    step: str
    unit: str | None = None  # the unit answerable for it, for grouping the audit
    start: dt.date
    count: int | None = None
    rule: str  # wd | cd | before | fixed
    due: dt.date
    provisional: bool = False
    done_on: dt.date | None = None
    late: bool = False


class Trail(SQLModel, table=True):
    """留痕: the append-only, hash-chained audit trail (see trail.py)."""

    __table_args__ = (Index("ix_trail_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: str  # real UTC time of writing, ISO 8601
    as_of: dt.date  # the date the act was recorded as (--today)
    operator: str
    action: str
    entity: str
    entity_id: str
    detail: str  # canonical JSON
    prev_hash: str
    hash: str


class TrailHead(SQLModel, table=True):
    """One row: the last trail id and hash. Locking it serialises appends on PostgreSQL."""

    __tablename__ = "trail_head"
    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = ""
