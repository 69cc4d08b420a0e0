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
from typing import Any

from zuozhen import names, states
from zuozhen.appeals import not_found, unit_list
from zuozhen.errors import InputError
from zuozhen.session_status import lead_text
from zuozhen.store.reader import Reader, as_bool, as_date
from zuozhen.store.search_index import FIELDS
from zuozhen.validation import MAX_TEXT, mask_name, mask_phone, month_key, parse_month

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
               c.lead AS session_lead, c.units AS session_units
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
    data["rounds"] = _rounds(data, closures)
    return AppealView(data)


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

#: At most this many words; a word longer than any recorded text (validation.MAX_TEXT)
#: could never match.
MAX_WORDS = 10
#: The trigram index finds words of at least this many characters; shorter ones use LIKE.
TRIGRAM = 3
_FIELD_ORDER = {name: k for k, name in enumerate(FIELDS)}
_LATIN = re.compile("[A-Za-z]")  # letters whose case LIKE folds


@dataclass(frozen=True, slots=True)
class Found:
    """Appeals with every word somewhere in their texts, and where each matched."""

    words: list[str]
    total: int  # all matching appeals; ``appeals`` holds the first ``limit`` of them
    appeals: list[dict[str, Any]]
    ignored: int  # invisible control characters taken out of the query

    def as_json(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "total": self.total,
            "ignored_characters": self.ignored,
            "appeals": self.appeals,
        }


def search_words(query: str | Sequence[str]) -> tuple[list[str], int]:
    """The words of a query and how many invisible characters were taken out of it.

    Words are split at any whitespace (a full-width space too); control and other
    invisible characters (a NUL from a script or a pasted clipboard, a zero-width space)
    are taken out, exactly as when texts are recorded (validation.clean_text), so a query
    copied from a recorded text still finds it. Every other character is literal.
    """
    raw = query if isinstance(query, str) else " ".join(query)
    words, seen, ignored = [], set(), 0
    for part in raw.split():
        word = "".join(ch for ch in part if ch.isprintable())
        ignored += len(part) - len(word)
        if word and word.lower() not in seen:
            seen.add(word.lower())
            words.append(word)
    if not words:
        if ignored:
            raise InputError(
                f"搜索内容只有 {ignored} 个不可见的控制字符（如 NUL），没有可搜索的文字："
                "请输入要查找的文字，例如 zuozhen search 电费。"
            )
        raise InputError(
            "请给出要搜索的文字，例如 zuozhen search 电费，或 zuozhen search 出口 退税。"
        )
    if len(words) > MAX_WORDS:
        raise InputError(
            f"搜索词太多（{len(words)} 个）：最多 {MAX_WORDS} 个，词之间用空格分开，请只保留关键词。"
        )
    long = [w for w in words if len(w) > MAX_TEXT]
    if long:
        raise InputError(
            f"搜索词过长（{len(long[0])} 字）：记录的文字最长 {MAX_TEXT} 字，请用其中的几个关键词搜索。"
        )
    return words, ignored


def search(r: Reader, query: str | Sequence[str], limit: int = 100) -> Found:
    """Appeals whose recorded texts, of any round, contain every word (search_index.py).

    Each word is looked up on its own and the appeals intersected, so the words may sit in
    different texts (the enterprise's name and a unit's report). Words of three or more
    characters go through the index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL); when
    there is one, shorter words are only checked on the appeals it found; otherwise the
    first short word is a LIKE over every text.
    """
    if not 1 <= limit <= 10_000:
        raise InputError(f"--limit {limit} 不合理：请写 1 到 10000 之间的条数。")
    words, ignored = search_words(query)
    sql, params = _matching(r.dialect, words)
    ids = sorted({row["appeal_id"] for row in r.iter(sql, params)})
    return Found(words, len(ids), _describe(r, ids[:limit], words), ignored)


def _matching(dialect: str, words: list[str]) -> tuple[str, dict[str, str]]:
    """SQL of the ids of the appeals matching every word (repeated when several of an
    appeal's texts match: the caller makes them unique, which lets SQLite scan the table
    in storage order instead of walking an index)."""
    params: dict[str, str] = {}

    def holds(i: int, column: str) -> str:
        w = words[i]
        if dialect == "sqlite" and not _LATIN.search(w):
            params[f"w{i}"] = w  # no letter case to fold: a plain substring test is faster
            return f"instr({column}, :w{i}) > 0"
        params[f"l{i}"] = "%" + w.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
        return f"{column} {'ILIKE' if dialect == 'postgresql' else 'LIKE'} :l{i} ESCAPE '!'"

    def hits(i: int) -> str:
        if dialect == "sqlite" and len(words[i]) >= TRIGRAM:
            params[f"q{i}"] = '"' + words[i].replace('"', '""') + '"'  # one literal phrase
            return (
                "SELECT appeal_id FROM search_text WHERE id IN"
                f" (SELECT rowid FROM search_fts WHERE search_fts MATCH :q{i})"
            )
        return f"SELECT appeal_id FROM search_text WHERE {holds(i, 'body')}"

    indexed = [i for i, w in enumerate(words) if len(w) >= TRIGRAM] or [0]
    found = " INTERSECT ".join(hits(i) for i in indexed)
    rest = [
        "EXISTS (SELECT 1 FROM search_text s WHERE s.appeal_id = m.appeal_id"
        f" AND {holds(i, 's.body')})"
        for i in range(len(words))
        if i not in indexed
    ]
    where = f" WHERE {' AND '.join(rest)}" if rest else ""
    return f"SELECT m.appeal_id FROM ({found}) m{where}", params


def _describe(r: Reader, ids: list[str], words: list[str]) -> list[dict[str, Any]]:
    """The appeals found, each with the texts that hold a word: field, round, an excerpt."""
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        keys = {f"a{k}": x for k, x in enumerate(ids[start : start + 500])}
        among = ", ".join(f":{k}" for k in keys)
        for x in r.iter(
            f"""SELECT a.id, a.booking_id, e.name AS enterprise, a.status, a.round, a.text
                FROM appeal a JOIN booking b ON b.id = a.booking_id
                JOIN enterprise e ON e.uscc = b.uscc WHERE a.id IN ({among})""",
            keys,
        ):
            out[x["id"]] = {
                "id": x["id"],
                "booking": x["booking_id"],
                "enterprise": x["enterprise"],
                "status": x["status"],
                "status_label": states.label(x["status"]),
                "round": x["round"],
                "text": x["text"],
                "matches": [],
            }
        for t in r.iter(
            f"SELECT appeal_id, field, round, body FROM search_text WHERE appeal_id IN ({among})",
            keys,
        ):
            folded = t["body"].lower()
            hit = [w for w in words if w.lower() in folded]
            if hit and t["appeal_id"] in out:
                out[t["appeal_id"]]["matches"].append(
                    {
                        "field": t["field"],
                        "label": FIELDS.get(t["field"], t["field"]),
                        "round": t["round"],
                        "words": hit,
                        "excerpt": _excerpt(t["body"], hit[0]),
                    }
                )
    for item in out.values():
        item["matches"].sort(
            key=lambda m: (m["round"] or 0, _FIELD_ORDER.get(m["field"], 99), m["excerpt"])
        )
    return [out[x] for x in ids if x in out]


def _excerpt(body: str, word: str, width: int = 60) -> str:
    """The text around the word's first occurrence, at most about ``width`` characters."""
    if len(body) <= width:
        return body
    at = max(body.lower().find(word.lower()), 0)
    start = max(0, min(at - width // 3, len(body) - width))
    end = start + max(width, len(word))
    return ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")
