"""The enterprises that book (企业), as step 3 keeps them: once per 统一社会信用代码.

A booking of an unknown enterprise adds it; a booking that gives other details (name,
contact, phone, region, industry) brings the enterprise up to date, and what changed is
returned as ``{field: [old, new]}`` for the booking's trail event (phones masked there, as
everywhere outside the case file itself). A region or industry left empty keeps what is
known. ``keep`` does this for one booking (``booking.book``), ``keep_many`` for a whole
import (``bookings_import``) in a few statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, update

from zuozhen.models import Enterprise
from zuozhen.store.storage import Tx
from zuozhen.validation import mask_phone

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


@dataclass(frozen=True, slots=True)
class Kept:
    """``keep_many``: how many enterprises were new; what changed for the known ones."""

    created: int
    changes: dict[str, Changes]  # uscc -> its changes


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


def keep(tx: Tx, who: Applicant) -> Changes:
    """Add the enterprise, or bring it up to date; returns what changed."""
    ent = tx.get(Enterprise, who.uscc)
    changed: Changes = {}
    if ent is None:
        tx.session.add(Enterprise(**_new_row(tx, who)))
    else:
        changed = changes(ent, who)
        if changed:
            ent.name, ent.contact, ent.phone = who.name, who.contact, who.phone
            ent.region = who.region or ent.region
            ent.industry = who.industry or ent.industry
            ent.updated_at = tx.at
            tx.session.add(ent)
    tx.session.flush()
    return changed


def keep_many(tx: Tx, latest: dict[str, Applicant]) -> Kept:
    """``keep`` for many enterprises at once (uscc -> its latest details)."""
    known = _load(tx, list(latest))
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changed: dict[str, Changes] = {}
    for code, who in latest.items():
        old = known.get(code)
        if old is None:
            new_rows.append(_new_row(tx, who))
            continue
        diff = changes(old, who)
        if diff:
            changed[code] = diff
            updates.append(
                {
                    "b_uscc": code,
                    "name": who.name,
                    "contact": who.contact,
                    "phone": who.phone,
                    "region": who.region or old["region"],
                    "industry": who.industry or old["industry"],
                    "updated_at": tx.at,
                }
            )
    if new_rows:
        tx.session.execute(insert(_TABLE), new_rows)
    if updates:
        tx.session.execute(
            update(_TABLE)
            .where(_TABLE.c.uscc == bindparam("b_uscc"))
            .values({k: bindparam(k) for k in updates[0] if k != "b_uscc"}),
            updates,
        )
    return Kept(len(new_rows), changed)


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
