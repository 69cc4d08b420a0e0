"""Read-only views of appeals: list, show, history, search.

All of them run on the ``Reader`` (plain SQL, no SQLAlchemy import) and return plain data
that the CLI prints or dumps as JSON. SQL is written to run on SQLite and PostgreSQL; the
one dialect difference (full-text search) is kept in ``search``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from zuozhen import names, states
from zuozhen.appeals import not_found, unit_list
from zuozhen.errors import InputError
from zuozhen.store.reader import Reader, as_bool, as_date
from zuozhen.validation import mask_name, mask_phone, month_key, parse_month

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
        unit = names.check_filter(r, names.UNIT, unit)  # a typo is refused, not listed empty
        params["unit"] = unit
        params["pat"] = "%" + json.dumps(unit, ensure_ascii=False) + "%"
        params["pat_ascii"] = "%" + json.dumps(unit) + "%"
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
                "units": unit_list(row["units"]),
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
        raise not_found(appeal_id, r)
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
                "units": unit_list(h["units"]),
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
        "units": unit_list(a["units"]),
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
        raise not_found(appeal_id, r)
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
