"""Read-only views of appeals: list, show, history, search, and the session work record.

All of them run on the ``Reader`` (plain SQL, no SQLAlchemy import) and return plain data
that the CLI prints or dumps as JSON. SQL is written to run on SQLite and PostgreSQL; the
one dialect difference (full-text search) is kept in ``search``.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zuozhen import states
from zuozhen.errors import InputError, NotFoundError
from zuozhen.store.reader import Reader, as_bool, as_date
from zuozhen.validation import mask_name, mask_phone, month_key, parse_month

ID_HINT = "诉求号形如 202610-007-1（挂号号-序号）；可用 zuozhen list 或 zuozhen search 关键词 查找"


def _units(text: str | None) -> list[str]:
    return list(_parse_units(text or "[]"))


@lru_cache(maxsize=4096)
def _parse_units(text: str) -> tuple[str, ...]:
    """Unit lists repeat across a month's thousands of rows: parse each distinct one once."""
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(u) for u in value) if isinstance(value, list) else ()


def not_found(r: Reader, appeal_id: str) -> NotFoundError:
    text = (appeal_id or "").strip()
    tip = ""
    prefix = text.rsplit("-", 1)[0] if text.count("-") >= 1 else text
    if re.fullmatch(r"\d{6}-\d{1,3}(-\d+)?", text):
        near = [
            row["id"]
            for row in r.rows(
                "SELECT id FROM appeal WHERE booking_id = :b ORDER BY seq", {"b": prefix}
            )
        ]
        if not near and text.count("-") == 1:
            near = [
                row["id"]
                for row in r.rows(
                    "SELECT id FROM appeal WHERE booking_id = :b ORDER BY seq", {"b": text}
                )
            ]
        if near:
            tip = f"该挂号下的诉求有：{'、'.join(near[:10])}。"
    return NotFoundError(f"没有诉求号为“{appeal_id}”的诉求：{ID_HINT}。{tip}")


# -- list ------------------------------------------------------------------------------


def list_appeals(
    r: Reader,
    *,
    month: str | None = None,
    status: str | None = None,
    unit: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Appeals filtered by booking month, status (code or Chinese word) and unit."""
    where = ["1 = 1"]
    params: dict[str, Any] = {}
    if month:
        params["month"] = month_key(*parse_month(month, "--month 月份"))
        where.append("a.month = :month")
    if status:
        params["status"] = states.parse_status(status)
        where.append("a.status = :status")
    if unit:
        params["unit"] = unit.strip()
        params["pat"] = "%" + json.dumps(unit.strip(), ensure_ascii=False) + "%"
        params["pat_ascii"] = "%" + json.dumps(unit.strip()) + "%"
        where.append("(a.lead_unit = :unit OR a.units LIKE :pat OR a.units LIKE :pat_ascii)")
    sql = f"""
        SELECT a.id, a.booking_id, e.name AS enterprise, a.status, a.month, a.category,
               a.theme, a.lead_unit, a.units, a.session_id, a.round, a.outcome,
               a.resolved_on_spot, a.closed_on, a.text
        FROM appeal a
        JOIN booking b ON b.id = a.booking_id
        JOIN enterprise e ON e.uscc = b.uscc
        WHERE {" AND ".join(where)}
        ORDER BY a.booking_id, a.seq
    """
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for row in r.iter(sql, params):
        out.append(
            {
                "id": row["id"],
                "booking": row["booking_id"],
                "enterprise": row["enterprise"],
                "status": row["status"],
                "status_label": states.label(row["status"]),
                "month": row["month"],
                "category": row["category"],
                "theme": row["theme"],
                "lead_unit": row["lead_unit"],
                "units": _units(row["units"]),
                "session": row["session_id"],
                "round": row["round"],
                "outcome": row["outcome"],
                "resolved_on_spot": as_bool(row["resolved_on_spot"]),
                "closed_on": as_date(row["closed_on"]),
                "text": row["text"],
            }
        )
    return out


# -- show ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppealView:
    """One appeal with every date, deadline, flag and round."""

    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return self.data


def show_appeal(r: Reader, appeal_id: str, *, unmask: bool = False) -> AppealView:
    key = (appeal_id or "").strip()
    a = r.one(
        """
        SELECT a.*, b.month AS booking_month, b.booked_on, b.late_reason, b.source,
               e.uscc, e.name AS enterprise, e.contact, e.phone, e.region, e.industry,
               c.date AS session_date, c.kind AS session_kind, c.theme AS session_theme,
               c.lead AS session_lead
        FROM appeal a
        JOIN booking b ON b.id = a.booking_id
        JOIN enterprise e ON e.uscc = b.uscc
        LEFT JOIN consultation c ON c.id = a.session_id
        WHERE a.id = :id
        """,
        {"id": key},
    )
    if a is None:
        raise not_found(r, appeal_id)
    p = {"id": key}
    deadlines = [
        {
            "step": d["step"],
            "round": d["round"],
            "unit": d["unit"],
            "start": as_date(d["start"]),
            "count": d["count"],
            "rule": d["rule"],
            "due": as_date(d["due"]),
            "provisional": as_bool(d["provisional"]),
            "done_on": as_date(d["done_on"]),
            "late": as_bool(d["late"]),
        }
        for d in r.rows("SELECT * FROM deadline WHERE appeal_id = :id ORDER BY round, start, id", p)
    ]
    handoffs = []
    for h in r.rows("SELECT * FROM handoff WHERE appeal_id = :id ORDER BY round", p):
        handoffs.append(
            {
                "round": h["round"],
                "handed_on": as_date(h["handed_on"]),
                "units": _units(h["units"]),
                "lead_unit": h["lead_unit"],
                "joint": as_bool(h["joint"]),
                "plan_due": as_date(h["plan_due"]),
                "report_due": as_date(h["report_due"]),
                "report_due_original": as_date(h["report_due_original"]),
                "provisional": as_bool(h["provisional"]),
                "accepted_on": as_date(h["accepted_on"]),
                "handler": h["handler"],
                "measures": h["measures"],
                "promised_by": as_date(h["promised_by"]),
                "accepted_late": as_bool(h["accepted_late"]),
                "reported_on": as_date(h["reported_on"]),
                "report_text": h["report_text"],
                "reported_late": as_bool(h["reported_late"]),
                "extensions": h["extensions"],
                "legal_basis": h["legal_basis"],
            }
        )
    extensions = [
        {
            "round": x["round"],
            "granted_on": as_date(x["granted_on"]),
            "old_due": as_date(x["old_due"]),
            "new_due": as_date(x["new_due"]),
            "reason": x["reason"],
            "basis": x["basis"],
        }
        for x in r.rows("SELECT * FROM extension WHERE appeal_id = :id ORDER BY id", p)
    ]
    ratings = [
        {
            "round": t["round"],
            "service": t["service"],
            "handling": t["handling"],
            "comment": t["comment"],
            "rated_on": as_date(t["rated_on"]),
        }
        for t in r.rows("SELECT * FROM rating WHERE appeal_id = :id ORDER BY round", p)
    ]
    revisits = [
        {
            "round": v["round"],
            "visited_on": as_date(v["visited_on"]),
            "note": v["note"],
            "reopened": as_bool(v["reopened"]),
        }
        for v in r.rows("SELECT * FROM revisit WHERE appeal_id = :id ORDER BY id", p)
    ]
    notifications = [
        {
            "session": n["session_id"],
            "sent_on": as_date(n["sent_on"]),
            "channel": n["channel"],
            "late": as_bool(n["late"]),
        }
        for n in r.rows("SELECT * FROM notification WHERE appeal_id = :id ORDER BY id", p)
    ]
    data = {
        "id": a["id"],
        "booking": a["booking_id"],
        "month": a["month"],
        "booked_on": as_date(a["booked_on"]),
        "late_booking": a["late_reason"],
        "enterprise": a["enterprise"],
        "uscc": a["uscc"],
        "contact": a["contact"] if unmask else mask_name(a["contact"]),
        "phone": a["phone"] if unmask else mask_phone(a["phone"]),
        "region": a["region"],
        "industry": a["industry"],
        "text": a["text"],
        "category": a["category"],
        "theme": a["theme"],
        "class": a["problem_class"],
        "status": a["status"],
        "status_label": states.label(a["status"]),
        "round": a["round"],
        "units": _units(a["units"]),
        "lead_unit": a["lead_unit"],
        "session": a["session_id"],
        "session_date": as_date(a["session_date"]),
        "session_kind": a["session_kind"],
        "verified_on": as_date(a["verified_on"]),
        "notified_on": as_date(a["notified_on"]),
        "renotify": as_bool(a["renotify"]),
        "heard_on": as_date(a["heard_on"]),
        "heard_by": a["heard_by"],
        "hearing_note": a["hearing_note"],
        "resolved_on_spot": as_bool(a["resolved_on_spot"]),
        "outcome": a["outcome"],
        "result": a["result"],
        "closed_on": as_date(a["closed_on"]),
        "deadlines": deadlines,
        "handoffs": handoffs,
        "extensions": extensions,
        "ratings": ratings,
        "revisits": revisits,
        "notifications": notifications,
    }
    return AppealView(data)


# -- history ---------------------------------------------------------------------------


def history(r: Reader, appeal_id: str) -> list[dict[str, Any]]:
    """The appeal's audit trail (留痕): its own events and its booking's, oldest first."""
    key = (appeal_id or "").strip()
    booking = r.scalar("SELECT booking_id FROM appeal WHERE id = :id", {"id": key})
    if booking is None:
        raise not_found(r, appeal_id)
    rows = r.rows(
        """
        SELECT id, at, as_of, operator, action, entity, entity_id, detail FROM trail
        WHERE (entity = 'appeal' AND entity_id = :id) OR (entity = 'booking' AND entity_id = :b)
        ORDER BY id
        """,
        {"id": key, "b": booking},
    )
    out = []
    for t in rows:
        try:
            detail = json.loads(t["detail"])
        except ValueError:
            detail = t["detail"]
        out.append(
            {
                "id": t["id"],
                "at": t["at"],
                "as_of": as_date(t["as_of"]),
                "operator": t["operator"],
                "action": t["action"],
                "entity": t["entity"],
                "entity_id": t["entity_id"],
                "detail": detail,
            }
        )
    return out


# -- search ----------------------------------------------------------------------------


def search(r: Reader, text: str, limit: int = 100) -> list[dict[str, Any]]:
    """Full-text search over appeals (text, result, class, theme, hearing note); Chinese-aware.

    SQLite: the FTS5 trigram table ``appeal_fts`` matches any substring of 3+ characters;
    shorter queries fall back to LIKE. PostgreSQL: ILIKE, served by the pg_trgm index.
    """
    q = (text or "").strip()
    if not q:
        raise InputError("请给出要搜索的文字，例如 zuozhen search 电费。")
    base = """
        SELECT a.id, a.booking_id, e.name AS enterprise, a.status, a.text, a.result
        FROM appeal a JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc
    """
    like = "%" + q.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    lim = f" LIMIT {int(limit)}"
    if r.dialect == "sqlite" and len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'
        sql = (
            base + " WHERE a.rowid IN (SELECT rowid FROM appeal_fts WHERE appeal_fts MATCH :q)"
            " ORDER BY a.id" + lim
        )
        rows = r.rows(sql, {"q": phrase})
    else:
        op = "ILIKE" if r.dialect == "postgresql" else "LIKE"
        fields = ("a.text", "a.result", "a.problem_class", "a.theme", "a.hearing_note", "e.name")
        cond = " OR ".join(f"coalesce({f}, '') {op} :like ESCAPE '!'" for f in fields)
        rows = r.rows(base + f" WHERE {cond} ORDER BY a.id" + lim, {"like": like})
    return [
        {
            "id": x["id"],
            "booking": x["booking_id"],
            "enterprise": x["enterprise"],
            "status": x["status"],
            "status_label": states.label(x["status"]),
            "text": x["text"],
            "result": x["result"],
        }
        for x in rows
    ]


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

    def as_json(self) -> dict[str, Any]:
        return {"session": self.session, "rows": self.rows}

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
        "units": _units(s["units"]),
        "lead": s["lead"],
        "start": s["start"],
        "end": s["end"],
        "place": s["place"],
        "status": s["status"],
    }
    rows = []
    for a in r.rows(
        """
        SELECT a.id, e.name AS enterprise, a.category, a.text, a.heard_by, a.heard_on,
               a.hearing_note, a.resolved_on_spot, a.result, a.units, a.status
        FROM appeal a JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc
        WHERE a.session_id = :id ORDER BY a.booking_id, a.seq
        """,
        {"id": key},
    ):
        on_spot = as_bool(a["resolved_on_spot"])
        answer = a["result"] if on_spot else None
        if answer is None and a["heard_on"] is not None:
            answer = "现场不能解决，交办处理" + (
                f"（{a['hearing_note']}）" if a["hearing_note"] else ""
            )
        rows.append(
            {
                "appeal": a["id"],
                "enterprise": a["enterprise"],
                "category": a["category"],
                "text": a["text"],
                "official": a["heard_by"],
                "heard_on": as_date(a["heard_on"]),
                "answer": answer,
                "resolved_on_spot": on_spot,
                "units": _units(a["units"]),
                "status": a["status"],
                "status_label": states.label(a["status"]),
            }
        )
    return SessionRecord(session, rows)
