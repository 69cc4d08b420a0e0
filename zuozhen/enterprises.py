"""The enterprises that book (企业), as step 3 keeps them: once per 统一社会信用代码.

A booking of an unknown enterprise adds it. The credit code identifies the enterprise, so
a booking that gives a known code with another **name or phone** is refused, showing the
stored values (a mistyped code would otherwise rename another enterprise, and a new phone
would silently redirect every SMS), unless the clerk confirms the change with
``--update-enterprise``. Names are compared after folding width and spaces (NFKC), phones
in their normalised form (``validation.normalize_phone``: ``+86 138-8800-1234`` is
``13888001234``). Other details (contact, region, industry) are brought up to date. What
changed is returned as ``{field: [old, new]}`` for the booking's trail event, so the old
values stay in the trail (phones masked there, as everywhere outside the enterprise row
itself, PIPL). A region or industry left empty keeps what is known. A new code under a
name already registered with another code is booked with a warning naming that code.

``keep`` does this for one booking (``booking.book``); ``screen`` checks the rows of an
import against the case file and against each other, a chunk at a time, ``Keeper``
writes a whole import (``bookings_import``), a chunk of rows in a few statements, and
``Namesakes`` gathers its new codes for the name warnings, given once at the end.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy import update as sql_update

from zuozhen.errors import RuleError
from zuozhen.models import Enterprise
from zuozhen.store import seal
from zuozhen.store.storage import Tx
from zuozhen.validation import fold_width, mask_phone

CHUNK = 500  # IN-list size for bulk look-ups (well under every engine's parameter limit)
_TABLE = Enterprise.__table__  # type: ignore[attr-defined]

Changes = dict[str, list[str | None]]


@dataclass(frozen=True, slots=True)
class Applicant:
    """The enterprise's details as a booking gives them."""

    name: str
    uscc: str
    contact: str
    phone: str
    region: str | None
    industry: str | None


def changes(old: Enterprise | dict[str, Any], new: Applicant) -> Changes:
    """Fields whose value changes, as [old, new]; phones masked (PIPL)."""

    def get(name: str) -> Any:
        return old[name] if isinstance(old, dict) else getattr(old, name)

    out: Changes = {}
    for name in ("name", "contact", "phone", "region", "industry"):
        value = getattr(new, name)
        if value is None and name in ("region", "industry"):
            continue  # not given: keep what is known
        before = get(name)
        if before != value:
            if name == "phone":
                out[name] = [mask_phone(before) if before else before, mask_phone(value)]
            else:
                out[name] = [before, value]
    return out


def same_name(a: str, b: str) -> bool:
    """One name written two ways (full-width brackets, spaces) is the same name."""
    return _name_key(a) == _name_key(b)


_SPACE = re.compile(r"\s")


def _name_key(name: str) -> str:
    return _SPACE.sub("", fold_width(name))


def _phone_shown(phone: str, other: str) -> str:
    """A phone masked, saying so when the mask hides how it differs from ``other``."""
    shown = mask_phone(phone)
    return shown + "（中间几位不同）" if shown == mask_phone(other) and phone != other else shown


def conflict(code: str, name: str, phone: str, who: Applicant, given: str) -> str | None:
    """Why ``who`` does not match the enterprise stored (or first given) under ``code``:
    another name or phone; None when both match."""
    other_name = not same_name(name, who.name)
    other_phone = phone != who.phone
    if not (other_name or other_phone):
        return None
    stored = f"“{name}”（联系电话 {_phone_shown(phone, who.phone)}）"
    differ = []
    if other_name:
        differ.append(f"企业名称“{who.name}”")
    if other_phone:
        differ.append(f"联系电话 {_phone_shown(who.phone, phone)}")
    return (
        f"统一社会信用代码 {code} 已登记为{stored}，与{given}的{'、'.join(differ)}"
        f"{' ' if other_phone else ''}不一致："
        "请核对代码和企业信息；如企业确已更名或更换联系电话，请加 --update-enterprise 更新"
        "（原信息记入留痕）"
    )


def keep(tx: Tx, who: Applicant, *, update: bool = False) -> Changes:
    """Add the enterprise, or bring it up to date; returns what changed.

    A known code with another name or phone is refused unless ``update``."""
    ent = tx.get(Enterprise, who.uscc)
    changed: Changes = {}
    if ent is None:
        tx.session.add(Enterprise(**_new_row(tx, who)))
    else:
        if not update:
            why = conflict(who.uscc, ent.name, ent.phone, who, "本次填写")
            if why is not None:
                raise RuleError(why + "。")
            who = replace(who, name=ent.name)  # the same name, as it was first written
        changed = changes(ent, who)
        if changed:
            ent.name, ent.contact, ent.phone = who.name, who.contact, who.phone
            ent.region = who.region or ent.region
            ent.industry = who.industry or ent.industry
            ent.updated_at = tx.at
            tx.session.add(ent)
    tx.session.flush()
    return changed


class Keeper:
    """``keep`` for a stream of applicants (a bulk import), a chunk at a time, in one
    transaction: each chunk is one look-up, one insert and one update of the enterprises
    it names, and nothing is held between chunks but the codes created and, for a known
    enterprise that changes, its row before the import (for the trail). Applied in file
    order, the last row of an enterprise has the last word; the rows were ``screen``ed, so
    without ``update`` an enterprise known before the import keeps its name as written.
    """

    __slots__ = ("_before", "_tx", "_update", "created")

    def __init__(self, tx: Tx, *, update: bool = False) -> None:
        self._tx = tx
        self._update = update
        self.created: set[str] = set()
        self._before: dict[str, dict[str, Any]] = {}

    def keep(self, applicants: list[Applicant]) -> None:
        tx = self._tx
        current = _load(tx, list(dict.fromkeys(who.uscc for who in applicants)))
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        for who in applicants:
            code = who.uscc
            row = current.get(code)
            if row is None:
                current[code] = inserts[code] = _new_row(tx, who)
                self.created.add(code)
                continue
            if not self._update and code not in self.created:
                who = replace(who, name=row["name"])
            if not changes(row, who):
                continue
            if code not in self.created:
                self._before.setdefault(code, row)
            new = {
                **row,
                "name": who.name,
                "contact": who.contact,
                "phone": who.phone,
                "region": who.region or row["region"],
                "industry": who.industry or row["industry"],
                "updated_at": tx.at,
            }
            current[code] = new
            (inserts if code in inserts else updates)[code] = new
        if inserts:
            seal.insert_rows(tx.session, _TABLE, list(inserts.values()))
        if updates:
            fields = ("name", "contact", "phone", "region", "industry", "updated_at")
            tx.session.execute(
                sql_update(_TABLE)
                .where(_TABLE.c.uscc == bindparam("b_uscc"))
                .values({k: bindparam(k) for k in fields}),
                [{"b_uscc": code, **{k: r[k] for k in fields}} for code, r in updates.items()],
            )

    def changes(self) -> dict[str, Changes]:
        """Known enterprises the import changed: uscc -> {field: [before, after]}."""
        out: dict[str, Changes] = {}
        after = _load(self._tx, list(self._before))
        for code, old in self._before.items():
            now = after[code]
            who = Applicant(
                *(now[k] for k in ("name", "uscc", "contact", "phone", "region", "industry"))
            )
            diff = changes(old, who)
            if diff:
                out[code] = diff
        return out


def _new_row(tx: Tx, who: Applicant) -> dict[str, Any]:
    return {
        "uscc": who.uscc,
        "name": who.name,
        "contact": who.contact,
        "phone": who.phone,
        "region": who.region,
        "industry": who.industry,
        "created_at": tx.at,
        "updated_at": tx.at,
    }


def _load(tx: Tx, codes: list[str]) -> dict[str, dict[str, Any]]:
    """The known enterprises among ``codes``, as rows."""
    known: dict[str, dict[str, Any]] = {}
    for i in range(0, len(codes), CHUNK):
        chunk = codes[i : i + CHUNK]
        for r in tx.session.execute(_TABLE.select().where(_TABLE.c.uscc.in_(chunk))).mappings():
            known[r["uscc"]] = dict(r)
    return known


def namesakes(tx: Tx, who: Applicant) -> list[str]:
    """A warning when a new code comes with the name of an enterprise registered under
    another code (the same enterprise mistyped, or a second one of the same name)."""
    if tx.get(Enterprise, who.uscc, lock=False) is not None:
        return []
    rows = tx.session.execute(
        select(_TABLE.c.uscc).where(_TABLE.c.name == who.name, _TABLE.c.uscc != who.uscc)
    ).all()
    return [_namesake_warning(who.name, [r[0] for r in rows], who.uscc)] if rows else []


def _namesake_warning(name: str, codes: list[str], code: str) -> str:
    return (
        f"企业名称“{name}”已以统一社会信用代码 {'、'.join(codes)} 登记，本次的代码为 {code}："
        "如是同一家企业，请核对代码（代码录错会把诉求记到另一家企业名下）；确是另一家同名企业可忽略。"
    )


@dataclass(frozen=True, slots=True)
class Screened:
    """``screen``: import lines refused (line -> why); the new codes, each with its first
    line and details (for ``Namesakes``)."""

    refused: dict[int, str]
    fresh: dict[str, tuple[int, Applicant]]


def screen(tx: Tx, rows: list[tuple[int, Applicant]], *, update: bool) -> Screened:
    """An import's rows (line, applicant) checked as ``keep`` checks one booking.

    Without ``update`` a row is refused when its code is known — in the case file, or from
    an earlier row of the file — with another name or phone.
    """
    known = _load(tx, list(dict.fromkeys(who.uscc for _, who in rows)))
    first: dict[str, tuple[int, Applicant]] = {}
    refused: dict[int, str] = {}
    for line, who in rows:
        if not update:
            old = known.get(who.uscc)
            why = (
                conflict(who.uscc, old["name"], old["phone"], who, "本行")
                if old is not None
                else _conflict_in_file(first.get(who.uscc), who)
            )
            if why is not None:
                refused[line] = why
                continue
        first.setdefault(who.uscc, (line, who))
    return Screened(refused, {code: at for code, at in first.items() if code not in known})


def _conflict_in_file(earlier: tuple[int, Applicant] | None, who: Applicant) -> str | None:
    if earlier is None:
        return None
    line, w = earlier
    return conflict(who.uscc, w.name, w.phone, who, f"本行（文件第 {line} 行为准）")


def _name_digest(name: str) -> bytes:
    return hashlib.blake2b(_name_key(name).encode(), digest_size=8).digest()


class Namesakes:
    """``namesakes`` for a whole import: new codes whose name is registered with another
    code, in the case file before the import or on an earlier line of the file.

    Fed the new codes chunk by chunk (``add``), it holds per new enterprise an 8-byte
    digest of its name (``_name_key``), its first line and its code; the case file's
    enterprises are read once, at the end (``warnings``: one pass, there is no index on
    the folded name), so the check costs the same whatever the chunk size.
    """

    __slots__ = ("_codes", "_first", "_later")

    def __init__(self) -> None:
        self._first: dict[bytes, tuple[int, str]] = {}  # digest -> the file's first code
        self._codes: dict[bytes, list[str]] = {}  # a name given with several new codes
        # a new code whose name an earlier new code has: (line, code, name, earlier codes)
        self._later: list[tuple[int, str, str, list[str]]] = []

    def add(self, fresh: dict[str, tuple[int, Applicant]]) -> None:
        """New codes of a chunk (``Screened.fresh``)."""
        for code, (line, who) in sorted(fresh.items(), key=lambda kv: kv[1][0]):
            key = _name_digest(who.name)
            first = self._first.setdefault(key, (line, code))
            if first[1] != code:
                codes = self._codes.setdefault(key, [first[1]])
                self._later.append((line, code, who.name, list(codes)))
                codes.append(code)

    def warnings(self, tx: Tx, created: set[str]) -> list[str]:
        """The warnings, by line; at most five spelt out. ``created``: the import's new
        codes (the rest of the case file was there before it)."""
        if not self._first:
            return []
        stored: dict[bytes, list[str]] = {}
        for code, name in tx.session.execute(select(_TABLE.c.uscc, _TABLE.c.name)):
            if code not in created:
                key = _name_digest(name)
                if key in self._first:
                    stored.setdefault(key, []).append(code)
        found: list[tuple[int, str, str | None, list[str]]] = [
            (line, code, None, stored[key])
            for key, (line, code) in self._first.items()
            if key in stored
        ]
        found += [
            (line, code, name, stored.get(_name_digest(name), []) + earlier)
            for line, code, name, earlier in self._later
        ]
        found.sort(key=lambda f: f[0])
        names = _load(tx, [code for _, code, name, _ in found[:5] if name is None])
        out = [
            f"第 {line} 行："
            + _namesake_warning(name or names[code]["name"], sorted(set(others)), code)
            for line, code, name, others in found[:5]
        ]
        if len(found) > 5:
            out.append(f"另有 {len(found) - 5} 行的企业名称已以其他统一社会信用代码登记，请核对。")
        return out
