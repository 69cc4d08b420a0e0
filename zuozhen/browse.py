"""Read-only views of appeals: list, show, history, search.

All of them run on the ``Reader`` (plain SQL, no SQLAlchemy import) and return plain data
that the CLI prints or dumps as JSON. SQL is written to run on SQLite and PostgreSQL; the
one dialect difference (full-text search over the index of store/search_index.py) is kept
in ``_matching``. ``show`` gives every round of an appeal (``rounds``), not only the
current one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from zuozhen import names, states
from zuozhen.appeals import LEDGER_ITEM_IDS, is_ledger_item, not_found, unit_list
from zuozhen.config import local_time
from zuozhen.errors import InputError, NotFoundError
from zuozhen.session_status import lead_text
from zuozhen.store.reader import Reader, as_bool, as_date
from zuozhen.validation import (
    mask_name,
    mask_phone,
    month_key,
    normalize_uscc,
    parse_month,
)

# -- list ------------------------------------------------------------------------------


def list_appeals(
    r: Reader,
    *,
    month: str | None = None,
    status: str | Sequence[str] | None = None,
    unit: str | None = None,
    enterprise: str | None = None,
    limit: int | None = None,
    channel: str | None = None,
) -> list[dict[str, Any]]:
    """Appeals filtered by booking month, status (codes, Chinese words or a group such as
    未办结; several at once), unit, enterprise (name or credit code) and channel (坐诊 or a
    configured one), in number order (202610-9997 before 202610-10802: by month, booking
    number, appeal number)."""
    where = ["1 = 1"]
    params: dict[str, Any] = {}
    if month:
        params["month"] = month_key(*parse_month(month, "--month 月份"))
        where.append("a.month = :month")
    if status:
        where.append(_status_filter(states.parse_statuses(status), params))
    if unit:
        unit = names.check_filter(r, names.UNIT, unit)  # a typo is refused, not listed empty
        params["unit"] = unit
        params["pat"] = "%" + json.dumps(unit, ensure_ascii=False) + "%"
        params["pat_ascii"] = "%" + json.dumps(unit) + "%"
        where.append("(a.lead_unit = :unit OR a.units LIKE :pat OR a.units LIKE :pat_ascii)")
    if enterprise is not None:
        where.append(_enterprise_filter(r, enterprise, params))
    if channel is not None:
        params["channel"] = r.config.channel(channel.strip()).name  # unknown: refused
        where.append("b.channel = :channel")
    sql = f"""
        SELECT a.id, a.booking_id, e.name AS enterprise, a.status, a.month, a.category,
               b.channel, b.ref,
               a.theme, a.lead_unit, a.units, a.session_id, a.round, a.outcome,
               a.resolved_on_spot, a.closed_on, a.text
        FROM appeal a
        JOIN booking b ON b.id = a.booking_id
        JOIN enterprise e ON e.uscc = b.uscc
        WHERE {" AND ".join(where)}
        ORDER BY a.month, b.seq, a.seq
    """
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for row in r.iter(sql, params):
        out.append(
            {
                "id": row["id"],
                "booking": row["booking_id"],
                "channel": row["channel"],
                "ref": row["ref"],
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


def _status_filter(codes: tuple[str, ...], params: dict[str, Any]) -> str:
    names = []
    for i, code in enumerate(codes):
        params[f"status{i}"] = code
        names.append(f":status{i}")
    return f"a.status IN ({', '.join(names)})"


_USCC_LIKE = re.compile(r"[0-9A-Za-z]{18}")


def _enterprise_filter(r: Reader, value: str, params: dict[str, Any]) -> str:
    """One enterprise by its credit code, or every enterprise whose name contains the text;
    an enterprise the case file does not know is refused (a typo, not "nothing booked")."""
    text = value.strip()
    if not text:
        raise InputError("--enterprise 需要企业名称（或其中几个字）或统一社会信用代码。")
    if _USCC_LIKE.fullmatch(text):
        params["uscc"] = normalize_uscc(text)
        found = r.scalar("SELECT 1 FROM enterprise WHERE uscc = :uscc", {"uscc": params["uscc"]})
        cond = "b.uscc = :uscc"
    else:
        params["ent"] = "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        found = r.scalar(
            "SELECT 1 FROM enterprise WHERE name LIKE :ent ESCAPE '!' LIMIT 1",
            {"ent": params["ent"]},
        )
        cond = "b.uscc IN (SELECT uscc FROM enterprise WHERE name LIKE :ent ESCAPE '!')"
    if found is None:
        raise InputError(
            f"案卷中没有名称含“{text}”或统一社会信用代码为 {text} 的企业：请核对名称或代码，"
            f"或用 zuozhen search {text} 查找。"
        )
    return cond


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
               b.channel, b.ref, b.event_id,
               e.uscc, e.name AS enterprise, e.contact, e.phone, e.region, e.industry,
               c.date AS session_date, c.kind AS session_kind, c.theme AS session_theme,
               c.lead AS session_lead, c.units AS session_units, l.name AS ledger_name,
               (SELECT MIN(n.id) FROM appeal n
                WHERE {items} AND n.carried_from = a.id) AS carried_to
        FROM appeal a
        JOIN booking b ON b.id = a.booking_id
        LEFT JOIN enterprise e ON e.uscc = b.uscc
        LEFT JOIN consultation c ON c.id = a.session_id
        LEFT JOIN ledger l ON l.id = a.booking_id
        WHERE a.id = :id
        """.format(items=LEDGER_ITEM_IDS.format("n")),  # only ledger items are carried
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
    # A round's dues are its deadline rows (one plan, one report as extended); the original
    # report deadline is what the round's first extension replaced.
    dues = {(d["round"], d["step"]): d for d in deadlines if d["step"] in ("accept", "report")}
    first_old: dict[int, Any] = {}
    for x in reversed(extensions):
        first_old[x["round"]] = x["old_due"]
    reports: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for x in r.rows("SELECT * FROM progress WHERE appeal_id = :id ORDER BY id", p):
        reports.setdefault((x["round"], x["kind"]), []).append(
            {
                "unit": x["unit"],
                "reported_on": as_date(x["reported_on"]),
                "text": x["text"],
                "late": as_bool(x["late"]),
            }
        )
    handoffs = []
    for h in r.rows("SELECT * FROM handoff WHERE appeal_id = :id ORDER BY round", p):
        plan, report = dues.get((h["round"], "accept")), dues.get((h["round"], "report"))
        report_due = report["due"] if report else None
        handoffs.append(
            {
                "round": h["round"],
                "handed_on": as_date(h["handed_on"]),
                "units": unit_list(h["units"]),
                "lead_unit": h["lead_unit"],
                "joint": as_bool(h["joint"]),
                "plan_due": plan["due"] if plan else None,
                "report_due": report_due,
                "report_due_original": first_old.get(h["round"], report_due),
                "provisional": any(d is not None and d["provisional"] for d in (plan, report)),
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
                "progress": reports.get((h["round"], "progress"), []),
                "parts": reports.get((h["round"], "part"), []),
                "returned_on": as_date(h["returned_on"]),
                "returned_by": h["returned_by"],
                "return_reason": h["return_reason"],
                "returned_late": as_bool(h["returned_late"]),
            }
        )
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
    closures = [
        {
            "round": k["round"],
            "outcome": k["outcome"],
            "result": k["result"],
            "closed_on": as_date(k["closed_on"]),
            "on_spot": as_bool(k["on_spot"]),
        }
        for k in r.rows("SELECT * FROM closure WHERE appeal_id = :id ORDER BY round", p)
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
    absences = [
        {"session": x["session_id"], "recorded_on": as_date(x["recorded_on"]), "note": x["note"]}
        for x in r.rows("SELECT * FROM absence WHERE appeal_id = :id ORDER BY id", p)
    ]
    duplicates = [
        {
            "id": x["id"],
            "text": x["text"],
            "enterprise": x["enterprise"],
            "uscc": x["uscc"],
            "merged_on": as_date(x["ended_on"]),
            "reason": x["end_reason"],
        }
        for x in r.rows(
            """
            SELECT a.id, a.text, a.ended_on, a.end_reason, e.name AS enterprise, e.uscc
            FROM appeal a JOIN booking b ON b.id = a.booking_id JOIN enterprise e ON e.uscc = b.uscc
            WHERE a.merged_into = :id ORDER BY a.id
            """,
            p,
        )
    ]
    data = {
        "id": a["id"],
        "booking": a["booking_id"],
        "month": a["month"],
        "booked_on": as_date(a["booked_on"]),
        "late_booking": a["late_reason"],
        "channel": a["channel"],
        "ref": a["ref"],
        "event": a["event_id"],
        "scope": a["scope"],
        "need": a["need"],
        "nature": a["nature"],
        "handling": a["handling"],
        "enterprise": a["enterprise"],
        "uscc": a["uscc"],
        "contact": a["contact"] if unmask or a["contact"] is None else mask_name(a["contact"]),
        "phone": a["phone"] if unmask or a["phone"] is None else mask_phone(a["phone"]),
        # A ledger item (台账事项): its ledger, and the items it continues or that continue it.
        "ledger": {"id": a["booking_id"], "name": a["ledger_name"]} if a["ledger_name"] else None,
        "carried_from": a["carried_from"],
        "carried_to": a["carried_to"],
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
        "session_lead": (
            lead_text(a["session_lead"], unit_list(a["session_units"])) if a["session_id"] else None
        ),
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
        "ended_on": as_date(a["ended_on"]),
        "end_reason": a["end_reason"],
        "into": a["merged_into"],
        "duplicates": duplicates,
        "absences": absences,
        "deadlines": deadlines,
        "handoffs": handoffs,
        "extensions": extensions,
        "ratings": ratings,
        "revisits": revisits,
        "notifications": notifications,
    }
    data["linked"] = _linked(r, key, a["problem_class"])
    data["rounds"] = _rounds(data, closures)
    from zuozhen.amend import amendments

    data["amendments"] = amendments(r, key)
    return AppealView(data)


def _linked(r: Reader, key: str, cls: str | None) -> list[str]:
    """``ledger raise``: a ledger item's appeals of its 共性诉求 class, or an appeal's ledger
    items of its class (the class is the link, ledgers.py)."""
    if not cls:
        return []
    # the other side of the link: an item's appeals, or an appeal's items (by the IDs'
    # range, so showing an appeal does not read every appeal of a million)
    other = "booking_id NOT LIKE 'L%'" if is_ledger_item(key) else LEDGER_ITEM_IDS.format("a")
    sql = f"SELECT id FROM appeal a WHERE problem_class = :c AND {other} ORDER BY id"
    return [str(x) for x in r.column(sql, {"c": cls})]


def _rounds(d: dict[str, Any], closures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every round, the earlier ones too: its hand-off, deadlines, extensions, how it was
    closed (the on-the-spot answer when it was answered at the session), rating, re-visits.

    A round's result comes from its ``closure`` row; a current round closed without one
    (a file written before they were kept) falls back to the appeal's own columns.
    """

    def of(items: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
        return [x for x in items if x["round"] == n]

    closed = {k["round"]: k for k in closures}
    if d["closed_on"] is not None and d["round"] not in closed:
        closed[d["round"]] = {
            "outcome": d["outcome"],
            "result": d["result"],
            "closed_on": d["closed_on"],
            "on_spot": d["resolved_on_spot"] and d["round"] == 1,
        }
    out = []
    for n in range(1, max([d["round"], *closed, *(h["round"] for h in d["handoffs"])]) + 1):
        k = closed.get(n, {})
        handoff = of(d["handoffs"], n)
        rating = of(d["ratings"], n)
        out.append(
            {
                "round": n,
                "hearing": (
                    {
                        "heard_on": d["heard_on"],
                        "official": d["heard_by"],
                        "note": d["hearing_note"],
                    }
                    if n == 1 and d["heard_on"] is not None
                    else None
                ),
                "handoff": handoff[0] if handoff else None,
                "deadlines": of(d["deadlines"], n),
                "extensions": of(d["extensions"], n),
                "outcome": k.get("outcome"),
                "result": k.get("result"),
                "closed_on": k.get("closed_on"),
                "resolved_on_spot": bool(k.get("on_spot")),
                "answer": k.get("result") if k.get("on_spot") else None,
                "rating": rating[0] if rating else None,
                "revisits": of(d["revisits"], n),
                "current": n == d["round"],
            }
        )
    return out


# -- history ---------------------------------------------------------------------------

#: Trail entities that belong to one appeal (``history APPEAL``); every other entity is
#: case-file-wide (sessions, announcements, calendars, imports, exports, the configuration).
APPEAL_ENTITIES = ("appeal", "booking")
_EVENT_COLUMNS = "id, at, as_of, operator, action, entity, entity_id, detail"


def history(r: Reader, appeal_id: str, *, since: date | None = None) -> list[dict[str, Any]]:
    """The appeal's audit trail (留痕): its own events and its booking's, oldest first;
    ``since``: only those dated (as of) or entered on or after that day."""
    key = (appeal_id or "").strip()
    booking = r.scalar("SELECT booking_id FROM appeal WHERE id = :id", {"id": key})
    if booking is None:
        raise not_found(appeal_id, r)
    params: dict[str, Any] = {"id": key, "b": booking}
    cond = _since(r, since, params)
    rows = r.rows(
        f"""
        SELECT {_EVENT_COLUMNS} FROM trail
        WHERE ((entity = 'appeal' AND entity_id = :id) OR (entity = 'booking' AND entity_id = :b))
              {cond}
        ORDER BY id
        """,
        params,
    )
    return _events(r, rows)


def case_history(
    r: Reader, *, since: date | None = None, session: str | None = None
) -> list[dict[str, Any]]:
    """The case file's own trail, oldest first: what no single appeal carries — the
    configuration, sessions planned, cancelled or moved, announcements published, holiday
    schedules loaded, files imported, contact exports. ``session``: that session's events
    and those of the appeals it holds or held that name it. ``since`` as in ``history``."""
    params: dict[str, Any] = {}
    cond = _since(r, since, params)
    if session is None:
        # Every entity but the two of appeals and the seals (store/seal.py, for verify):
        # four ranges of the entity index, so a trail of millions of appeal events is not read.
        rows = r.rows(
            f"""
            SELECT {_EVENT_COLUMNS} FROM trail
            WHERE id IN (SELECT id FROM trail WHERE entity < 'appeal'
                         UNION ALL SELECT id FROM trail WHERE entity > 'appeal' AND entity < 'booking'
                         UNION ALL SELECT id FROM trail WHERE entity > 'booking' AND entity < 'seal'
                         UNION ALL SELECT id FROM trail WHERE entity > 'seal') {cond}
            ORDER BY id
            """,
            params,
        )
        return _events(r, rows)
    return _events(r, _session_events(r, session.strip(), cond, params))


def _session_events(r: Reader, sid: str, cond: str, params: dict[str, Any]) -> list[Any]:
    if r.scalar("SELECT 1 FROM consultation WHERE id = :s", {"s": sid}) is None:
        raise NotFoundError(f"没有场次 {sid}：请用 zuozhen session list 查看场次号。")
    params["s"] = sid
    own = r.rows(
        f"SELECT {_EVENT_COLUMNS} FROM trail WHERE entity = 'session' AND entity_id = :s {cond}"
        " ORDER BY id",
        params,
    )
    appeals = {
        x["id"]
        for x in r.rows(
            "SELECT id FROM appeal WHERE session_id = :s UNION "
            "SELECT appeal_id FROM notification WHERE session_id = :s",
            {"s": sid},
        )
    }
    for t in own:  # a cancelled or moved session names the appeals it had
        appeals.update(_detail(t["detail"]).get("appeals") or [])
    theirs: list[Any] = []
    ids = sorted(appeals)
    for i in range(0, len(ids), 500):
        part = {f"a{k}": aid for k, aid in enumerate(ids[i : i + 500])}
        names = ", ".join(f":{k}" for k in part)
        for t in r.rows(
            f"SELECT {_EVENT_COLUMNS} FROM trail WHERE entity = 'appeal' AND entity_id IN ({names})"
            f" {cond}",
            {**params, **part},
        ):
            if _detail(t["detail"]).get("session") == sid:
                theirs.append(t)
    return sorted([*own, *theirs], key=lambda t: int(t["id"]))


def _since(r: Reader, since: date | None, params: dict[str, Any]) -> str:
    """The condition for events dated (as of) or entered (local time) on or after ``since``."""
    if since is None:
        return ""
    params["since"] = since
    midnight = datetime.combine(since, time(0), r.config.zone())
    params["since_at"] = midnight.astimezone(UTC).isoformat(timespec="microseconds")
    return "AND (as_of >= :since OR at >= :since_at)"


def _detail(raw: str) -> Any:
    try:
        detail = json.loads(raw)
    except ValueError:
        return raw
    return detail


def _events(r: Reader, rows: list[Any]) -> list[dict[str, Any]]:
    """Trail rows as the clerk reads them: ``at`` stays the stored UTC time, ``at_local``
    is the same moment in the case file's time zone (``[organiser] timezone``)."""
    tz = r.config.zone()
    out = []
    for t in rows:
        detail = _detail(t["detail"])
        out.append(
            {
                "id": t["id"],
                "at": t["at"],
                "at_local": local_time(t["at"], tz).isoformat(timespec="seconds"),
                "as_of": as_date(t["as_of"]),
                "operator": t["operator"],
                "action": t["action"],
                "entity": t["entity"],
                "entity_id": t["entity_id"],
                "detail": detail,
            }
        )
    return out
