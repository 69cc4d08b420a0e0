"""撤回、作废、合并: an appeal that ends without being closed (销号).

* ``withdraw``            企业撤回: the enterprise withdraws its appeal → ``withdrawn``
* ``withdraw(void=True)`` 作废: an entry made in error (a test, a slip) → ``void``
* ``merge``               合并: a duplicate joins the appeal it repeats → ``merged``, with
                          ``merged_into``; its text and enterprise are shown on that appeal
* ``likely_duplicates``   at booking time (``book``, ``book --from-csv``): a new appeal of
                          an enterprise whose text is near-identical to one it already has
                          is pointed out with the ``merge`` command to run (a warning only)

All three ends are terminal (``states.TERMINAL``): every open time limit of the appeal is
dropped (``duties.drop_all``, listed in the trail event), so the daily audit no longer
shows it. A closed or rated appeal is finished and is refused. How each end counts in the
quarterly figures (reports.py): a withdrawn appeal counts as received (受理诉求) and is
shown as 企业撤回 beside it; a voided one counts nowhere; a merged one counts once, in the
appeal it joined (its enterprise too, in 涉及企业).

Merging refuses what would make a chain or lose a count: into itself, into an appeal that
is merged, voided or withdrawn, and an appeal that other duplicates have already joined
(merge those the other way round). A voided appeal may not carry duplicates either.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, select

from zuozhen import appeals, duties, states
from zuozhen.errors import InputError, RuleError
from zuozhen.models import Appeal, Booking, Enterprise
from zuozhen.store.storage import Act, CaseFile, Tx
from zuozhen.validation import clean_text

REASON_LIMIT = 500
#: Texts this similar after normalising (``text_key``) are pointed out as likely duplicates.
NEAR = 0.9


@dataclass(frozen=True, slots=True)
class Ended:
    appeal: str
    status: str  # withdrawn | void | merged
    was: str
    ended_on: date
    reason: str
    into: str | None
    dropped: list[list[Any]]  # [step, round, due] of each open time limit dropped
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal,
            "status": self.status,
            "was": self.was,
            "ended_on": self.ended_on,
            "reason": self.reason,
            "into": self.into,
            "dropped": [{"step": s, "round": r, "due": d} for s, r, d in self.dropped],
        }


# -- 撤回 / 作废 ---------------------------------------------------------------------------


def withdraw(case: CaseFile, act: Act, appeal_id: str, *, reason: str, void: bool = False) -> Ended:
    """企业撤回 (``withdrawn``), or 作废 an entry made in error (``void``)."""
    why = clean_text(
        reason, "作废原因（--reason）" if void else "撤回原因（--reason）", limit=REASON_LIMIT
    )
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "void" if void else "withdraw")
        appeals.booked_on(tx, a)
        if void:
            joined = _duplicates_of(tx, a.id)
            if joined:
                raise RuleError(
                    f"诉求 {a.id} 已有重复诉求 {'、'.join(joined)} 并入，不能作废（作废的诉求不计入统计，"
                    "并入的诉求也会随之消失）：如确属误录，请先把其中一项作为主诉求，其余并入它"
                    f"（zuozhen merge … --into {joined[0]}），再作废 {a.id}；企业撤回请去掉 --void。"
                )
        return _end(tx, a, "void" if void else "withdrawn", why, None)


# -- 合并 --------------------------------------------------------------------------------


def merge(case: CaseFile, act: Act, appeal_id: str, *, into: str, reason: str) -> Ended:
    """合并: ``appeal_id`` repeats ``into`` and joins it (counted once, shown there)."""
    why = clean_text(reason, "合并原因（--reason）", limit=REASON_LIMIT)
    target_id = (into or "").strip()
    if not target_id:
        raise InputError(
            "请用 --into 指定要并入的诉求号（被重复的那一项），例如 --into 202610-007-1。"
        )
    if target_id == (appeal_id or "").strip():
        raise InputError(f"诉求 {target_id} 不能并入它自己：--into 应是它所重复的另一项诉求。")
    with case.write(act) as tx:
        a = appeals.load(tx, appeal_id)
        states.require(a.id, a.status, "merge")
        appeals.booked_on(tx, a)
        t = appeals.load(tx, target_id)
        _refuse_target(a, t)
        joined = _duplicates_of(tx, a.id)
        if joined:
            raise RuleError(
                f"诉求 {a.id} 已有重复诉求 {'、'.join(joined)} 并入，不能再并入其他诉求（合并不能成链）："
                f"如 {a.id} 与 {t.id} 重复，请反过来把 {t.id} 并入 {a.id}"
                f"（zuozhen merge {t.id} --into {a.id} --reason …）。"
            )
        mine, theirs = _enterprise_of(tx, a), _enterprise_of(tx, t)
        warnings = []
        if mine.uscc != theirs.uscc:
            warnings.append(
                f"{a.id} 是“{mine.name}”的诉求，{t.id} 是“{theirs.name}”的诉求：已按重复诉求合并，"
                f"两家企业都会在 {t.id} 中显示。"
            )
        ended = _end(tx, a, "merged", why, t.id, warnings)
        tx.record(
            "merge.joined",
            "appeal",
            t.id,
            {
                "duplicate": a.id,
                "enterprise": mine.name,
                "uscc": mine.uscc,
                "text": a.text,
                "reason": why,
            },
        )
        return ended


def _refuse_target(a: Appeal, t: Appeal) -> None:
    if t.status == "merged":
        raise RuleError(
            f"诉求 {t.id} 本身已并入 {t.merged_into}，不能再作为合并对象（合并不能成链）："
            f"请直接并入 {t.merged_into}（zuozhen merge {a.id} --into {t.merged_into} --reason …）。"
        )
    if t.status in ("void", "withdrawn"):
        raise RuleError(
            f"诉求 {t.id} {states.label(t.status)}，不能作为合并对象：重复的诉求须并入仍在办理或已办结的"
            f"诉求；如 {a.id} 也不再办理，请用 zuozhen withdraw {a.id} --reason …。"
        )


def _end(
    tx: Tx, a: Appeal, status: str, why: str, into: str | None, warnings: list[str] | None = None
) -> Ended:
    """One appeal ends: its open limits dropped, the day and reason kept, one trail event."""
    was = a.status
    dropped = duties.drop_all(tx, a.id)
    a.ended_on, a.end_reason, a.merged_into = tx.today, why, into
    appeals.set_status(tx, a, status)
    action = {"withdrawn": "withdraw", "void": "void", "merged": "merge"}[status]
    tx.record(
        action,
        "appeal",
        a.id,
        {"was": was, "status": status, "reason": why, "into": into, "dropped": dropped},
    )
    return Ended(a.id, status, was, tx.today, why, into, dropped, warnings or [])


def _duplicates_of(tx: Tx, appeal_id: str) -> list[str]:
    """The appeals merged into this one."""
    return list(
        tx.session.exec(
            select(Appeal.id).where(Appeal.merged_into == appeal_id).order_by(col(Appeal.id))
        ).all()
    )


def _enterprise_of(tx: Tx, a: Appeal) -> Enterprise:
    booking = tx.get(Booking, a.booking_id, lock=False)
    assert booking is not None
    firm = tx.get(Enterprise, booking.uscc, lock=False)
    assert firm is not None
    return firm


# -- likely duplicates at booking time ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A new appeal whose text is near-identical to one the enterprise already has."""

    appeal: str
    like: str

    @property
    def command(self) -> str:
        return f"zuozhen merge {self.appeal} --into {self.like} --reason 重复诉求"

    def warning(self, where: str = "") -> str:
        return (
            f"{where}诉求 {self.appeal} 与该企业的诉求 {self.like} 内容几乎相同，可能重复："
            f"如属重复，请运行 {self.command}"
        )

    def as_json(self) -> dict[str, str]:
        return {"appeal": self.appeal, "like": self.like, "merge": self.command}


class _Kept(dict[int, int | None]):
    """``str.translate`` table: a character of a category P, S, Z or C is dropped, any
    other kept; each character's category looked up once, when first met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code))[0] in "PSZC" else code
        self[code] = kept
        return kept


_KEPT = _Kept()


def text_key(text: str) -> str:
    """The text as compared for duplicates: NFKC, case folded, without punctuation,
    symbols, spaces or control characters (“电费补贴。” and “电费补贴” are the same)."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_KEPT)


def _near(a: str, b: str) -> bool:
    if a == b:
        return bool(a)
    if min(len(a), len(b)) < 8:  # short texts: only the same words count
        return False
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= NEAR and m.quick_ratio() >= NEAR and m.ratio() >= NEAR


def likely_duplicates(
    new: Sequence[tuple[str, str]], known: Sequence[tuple[str, str]]
) -> list[Duplicate]:
    """Pairs of (new appeal, the earlier one it repeats) for one enterprise.

    ``new`` and ``known`` are (appeal, text); a new appeal is compared with what the
    enterprise had before (``known``, oldest first) and with the new ones before it.
    """
    earlier = [(aid, text_key(text)) for aid, text in known]
    found = []
    for aid, text in new:
        key = text_key(text)
        like = next((other for other, k in earlier if _near(key, k)), None)
        if like is not None:
            found.append(Duplicate(aid, like))
        earlier.append((aid, key))
    return found


def known_texts(tx: Tx, usccs: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """Per credit code, the (appeal, text) of its appeals a duplicate could join (not
    ended), oldest first; read inside the booking's transaction before it adds any."""
    codes = sorted(set(usccs))
    out: dict[str, list[tuple[str, str]]] = {}
    for i in range(0, len(codes), 500):
        rows = tx.session.exec(
            select(Booking.uscc, Appeal.id, Appeal.text)
            .join(Booking, col(Booking.id) == col(Appeal.booking_id))
            .where(
                col(Booking.uscc).in_(codes[i : i + 500]),
                col(Appeal.status).not_in(states.TERMINAL),
            )
            .order_by(col(Appeal.booking_id), col(Appeal.seq))
        ).all()
        for code, aid, text in rows:
            if code is not None:  # the codes asked for: never a ledger's (no enterprise)
                out.setdefault(code, []).append((aid, text))
    return out
