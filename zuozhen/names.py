"""Names from the configuration: the units (单位), regions (地区) and themes (主题) a clerk may use.

A typo in a unit's name (省商务局 for 省商务厅) or a region written two ways (曲靖 and
曲靖市) splits the audit and every statistic, so names given to ``--unit``, ``--region``
and ``--theme`` must be on the lists of the configuration stored in the case file
(``[lists] units``, ``regions``, ``themes``; the presets carry complete lists):

* a name on the list is accepted;
* any other name is refused with the closest listed names, unless the command is given
  ``--allow-new``: then the name is added to the list in the same transaction, with a
  ``config.add`` trail event naming the command that added it;
* a retired name (``config retire``: ``[lists] retired_units`` …) stays valid for what was
  recorded with it (existing appeals, filters on them) but is refused for new entries;
  ``config add`` reinstates it;
* a filter (``list --unit``, ``audit --unit``) accepts the listed and retired names, the
  organiser (whose clerks verify and call up) and any name already recorded in the case
  file; anything else is refused the same way, instead of an empty listing.

Every change of a list (``config add``, ``config retire``, ``--allow-new``) rewrites the
stored configuration and appends one trail event (entity ``config``, the list's key) with
the name, its old and new standing (``null`` not listed, ``active``, ``retired``) and what
caused it. ``init --config`` can still replace the lists as a whole.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zuozhen.errors import InputError, RuleError
from zuozhen.validation import clean_text, closest

if TYPE_CHECKING:
    from zuozhen.config import Channel, Config
    from zuozhen.store.reader import Reader
    from zuozhen.store.storage import Act, CaseFile, Tx

ACTIVE = "active"
RETIRED = "retired"
STANDING_ZH = {ACTIVE: "在用", RETIRED: "已停用", None: "不在名单"}


@dataclass(frozen=True, slots=True)
class Kind:
    """One list of names: its key in ``[lists]``, its Chinese label and its option."""

    key: str  # units | regions | themes
    label: str
    option: str
    limit: int

    @property
    def retired_key(self) -> str:
        return f"retired_{self.key}"


UNIT = Kind("units", "单位", "--unit", 100)
REGION = Kind("regions", "地区", "--region", 50)
THEME = Kind("themes", "主题", "--theme", 50)
KINDS = (UNIT, REGION, THEME)

# A name is one item of lists joined with 、 or commas (CSV cells, 责任单位 columns) and the
# left or right side of ``amend --unit OLD=NEW``: none of these may occur inside it.
_BAD_CHARS = re.compile(r"[、,，;；=\n\r\t]")


def listed(config: Config, kind: Kind) -> tuple[str, ...]:
    """The names in use."""
    names: tuple[str, ...] = getattr(config, kind.key)
    return names


def retired(config: Config, kind: Kind) -> tuple[str, ...]:
    names: tuple[str, ...] = getattr(config, kind.retired_key)
    return names


def standing(config: Config, kind: Kind, name: str) -> str | None:
    if name in listed(config, kind):
        return ACTIVE
    if name in retired(config, kind):
        return RETIRED
    return None


def clean_name(value: str | None, kind: Kind) -> str:
    """A name as typed, trimmed; empty, overlong or list-breaking names are refused."""
    name = clean_text(value, f"{kind.label}名称（{kind.option}）", limit=kind.limit)
    bad = _BAD_CHARS.search(name)
    if bad:
        shown = {"\n": "换行", "\r": "换行", "\t": "制表符"}.get(bad.group(), bad.group())
        raise InputError(
            f"{kind.label}名称“{name}”含有“{shown}”：一个 {kind.option} 只写一个名称，"
            f"多个{kind.label}请写多次 {kind.option}。"
        )
    return name


def _suggest(config: Config, kind: Kind, name: str, *, with_retired: bool = False) -> str:
    known = listed(config, kind) + (retired(config, kind) if with_retired else ())
    close = closest(name, known)
    return f"是不是“{'”或“'.join(close)}”？" if close else ""


def refusal(config: Config, kind: Kind, name: str) -> InputError:
    """Why ``name`` cannot be used for a new entry (retired, or not on the list)."""
    tip = _suggest(config, kind, name)
    if standing(config, kind, name) == RETIRED:
        return InputError(
            f"{kind.label}“{name}”已停用，不能用于新的登记：{tip}请改用在用的{kind.label}"
            f"（zuozhen config show 查看）；如需恢复使用，请运行 zuozhen config add "
            f"{kind.option} {name}。"
        )
    if not listed(config, kind):
        return InputError(
            f"配置中还没有{kind.label}名单，“{name}”无法核对：请先用 zuozhen config add "
            f"{kind.option} {name} 加入名单，或在本命令加 --allow-new。"
        )
    return InputError(
        f"{kind.label}“{name}”不在配置的{kind.label}名单中：{tip}请改用名单中的名称"
        f"（zuozhen config show 查看）；确是新的{kind.label}，请加 --allow-new 把它加入名单。"
    )


def check(config: Config, kind: Kind, value: str, *, allow_new: bool = False) -> str:
    """The name, if a new entry may use it: listed, or new with ``allow_new`` (added later
    by ``admit`` inside the act's transaction). Retired names are refused either way."""
    name = clean_name(value, kind)
    found = standing(config, kind, name)
    if found == ACTIVE or (found is None and allow_new):
        return name
    raise refusal(config, kind, name)


# -- inside a write transaction -----------------------------------------------------------


def admit(
    tx: Tx, kind: Kind, names: list[str] | tuple[str, ...], *, allow_new: bool, via: str
) -> list[str]:
    """Names for a new entry: listed ones pass; new ones are added with ``allow_new`` (one
    trail event each) and refused otherwise; retired ones are refused. Returns notes for the
    clerk about what was added."""
    notes: list[str] = []
    if not names:
        return notes
    config = stored_config(tx)  # the lists as they are now, not as this command began
    for name in dict.fromkeys(names):
        found = standing(config, kind, name)
        if found == ACTIVE:
            continue
        if found == RETIRED or not allow_new:
            raise refusal(config, kind, name)
        notes.append(_added_note(config, kind, name, via))
        _change(tx, kind, name, ACTIVE, via=via)
        config = stored_config(tx)
    return notes


def _added_note(config: Config, kind: Kind, name: str, via: str) -> str:
    note = f"已把“{name}”加入配置的{kind.label}名单（{via} --allow-new），记入留痕。"
    close = closest(name, listed(config, kind), cutoff=0.6)
    if close:
        note += (
            f"名单中已有相近的“{'”“'.join(close)}”：如是笔误，请用 zuozhen config retire "
            f"{kind.option} {name} 停用。"
        )
    return note


def stored_config(tx: Tx) -> Config:
    from zuozhen.config import parse

    return parse(_setting(tx, lock=False).value)


def _setting(tx: Tx, *, lock: bool) -> Any:
    from zuozhen.errors import CaseFileError
    from zuozhen.models import Setting

    row = tx.get(Setting, "config", lock=lock)
    if row is None:
        raise CaseFileError("案卷缺少配置（可能已损坏）：请用 zuozhen verify 检查，或从备份恢复。")
    return row


@dataclass(frozen=True, slots=True)
class Changed:
    """One name's standing changed by ``config add`` / ``config retire``."""

    key: str  # units | regions | themes
    label: str
    name: str
    old: str | None
    new: str
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"list": self.key, "name": self.name, "old": self.old, "new": self.new}


def _change(
    tx: Tx, kind: Kind, name: str, new: str, *, via: str, reason: str | None = None
) -> str | None:
    """Set the standing of ``name`` in the stored configuration; returns the old standing."""
    from zuozhen.config import dumps, parse

    row = _setting(tx, lock=True)
    doc = tomllib.loads(row.value)
    lists = doc.setdefault("lists", {})
    active = [n for n in lists.get(kind.key, []) if n != name]
    gone = [n for n in lists.get(kind.retired_key, []) if n != name]
    old = standing(parse(row.value), kind, name)
    (active if new == ACTIVE else gone).append(name)
    lists[kind.key] = active
    if gone:
        lists[kind.retired_key] = gone
    else:
        lists.pop(kind.retired_key, None)
    text = dumps(doc)
    parse(text)  # the changed configuration must still be valid
    row.value = text
    tx.session.add(row)
    tx.session.flush()
    _forget_config(tx)
    action = "config.add" if new == ACTIVE else "config.retire"
    detail: dict[str, Any] = {"name": name, "old": old, "new": new, "via": via}
    if reason:
        detail["reason"] = reason
    tx.record(action, "config", kind.key, detail)
    return old


def _forget_config(tx: Tx) -> None:
    """The case file's parsed configuration follows the change: this transaction sees the
    new lists, and once it ends (committed or rolled back) they are read again."""
    from sqlalchemy import event

    case = tx.case

    def forget(*_: Any) -> None:
        case.__dict__.pop("config", None)

    event.listen(tx.session, "after_commit", forget)
    event.listen(tx.session, "after_rollback", forget)
    case.__dict__["config"] = stored_config(tx)


# -- config add | retire ------------------------------------------------------------------


def change_many(
    case: CaseFile,
    act: Act,
    new: str,
    pairs: list[tuple[Kind, str]],
    *,
    reason: str | None = None,
) -> list[Changed]:
    """``config add`` (``new`` = active) or ``config retire`` (retired) of several names, in
    one transaction: one refusal leaves every list as it was."""
    given = [(kind, clean_name(value, kind)) for kind, value in pairs]
    why = clean_text(reason, "原因（--reason）", required=False, limit=500) or None
    with case.write(act) as tx:
        step = _add if new == ACTIVE else _retire
        return [step(tx, kind, name, why) for kind, name in given]


def _add(tx: Tx, kind: Kind, name: str, why: str | None) -> Changed:
    config = stored_config(tx)
    found = standing(config, kind, name)
    if found == ACTIVE:
        raise RuleError(f"{kind.label}“{name}”已在名单中，无需添加（zuozhen config show 查看）。")
    warnings = []
    close = closest(name, listed(config, kind), cutoff=0.6)
    if found is None and close:
        warnings.append(
            f"名单中已有相近的“{'”“'.join(close)}”：请确认“{name}”不是笔误"
            f"（如是，请用 zuozhen config retire {kind.option} {name} 停用）。"
        )
    _change(tx, kind, name, ACTIVE, via="config add", reason=why)
    return Changed(kind.key, kind.label, name, found, ACTIVE, tuple(warnings))


def _retire(tx: Tx, kind: Kind, name: str, why: str | None) -> Changed:
    config = stored_config(tx)
    found = standing(config, kind, name)
    if found == RETIRED:
        raise RuleError(f"{kind.label}“{name}”已经停用，无需再次停用。")
    if found is None:
        raise InputError(
            f"{kind.label}“{name}”不在配置的{kind.label}名单中，无从停用："
            f"{_suggest(config, kind, name)}请用 zuozhen config show 查看名单。"
        )
    if kind is UNIT and len(listed(config, kind)) == 1:
        raise RuleError(f"“{name}”是名单中唯一的单位，不能停用：请先添加其他单位。")
    _change(tx, kind, name, RETIRED, via="config retire", reason=why)
    return Changed(kind.key, kind.label, name, ACTIVE, RETIRED)


# -- reading ------------------------------------------------------------------------------


def check_filter(r: Reader, kind: Kind, value: str) -> str:
    """A name to filter by: listed or retired, the organiser (for units), or recorded in
    the case file; anything else is refused with the closest names."""
    name = (value or "").strip()
    config = r.config
    if not name:
        raise InputError(
            f"{kind.option} 不能为空：请写{kind.label}名称（zuozhen config show 查看）。"
        )
    if standing(config, kind, name) is not None:
        return name
    if kind is UNIT and name == config.organiser:
        return name
    if _recorded(r, kind, name):
        return name
    tip = _suggest(config, kind, name, with_retired=True)
    raise InputError(
        f"{kind.label}“{name}”不在配置的{kind.label}名单中，案卷中也没有用过：{tip}"
        "请改用名单中的名称（zuozhen config show 查看）。"
    )


_RECORDED = {
    "units": (
        "SELECT 1 FROM appeal WHERE lead_unit = :n LIMIT 1",
        "SELECT 1 FROM deadline WHERE unit = :n LIMIT 1",
        "SELECT 1 FROM appeal WHERE units LIKE :pat LIMIT 1",
    ),
    "regions": ("SELECT 1 FROM enterprise WHERE region = :n LIMIT 1",),
    "themes": (
        "SELECT 1 FROM appeal WHERE theme = :n LIMIT 1",
        "SELECT 1 FROM consultation WHERE theme = :n LIMIT 1",
    ),
}


def _recorded(r: Reader, kind: Kind, name: str) -> bool:
    """Whether a name outside the lists was recorded before the lists were enforced."""
    import json

    pat = "%" + json.dumps(name, ensure_ascii=False) + "%"
    return any(r.one(sql, {"n": name, "pat": pat}) is not None for sql in _RECORDED[kind.key])


@dataclass(frozen=True, slots=True)
class Lists:
    """``config show``: the lists and the history of their changes."""

    categories: tuple[str, ...]
    lists: dict[str, tuple[str, ...]]
    retired: dict[str, tuple[str, ...]]
    changes: list[dict[str, Any]]
    documents: dict[str, Any] | None = None  # [documents]: how the office's 公文 are headed
    channels: list[dict[str, Any]] | None = None  # [channels]: name, number, cadence, limits

    def as_json(self) -> dict[str, Any]:
        return {
            "categories": self.categories,
            **self.lists,
            "retired": self.retired,
            "changes": self.changes,
            "documents": self.documents,
            "channels": self.channels,
        }


def show(r: Reader) -> Lists:
    import json

    from zuozhen.store.reader import as_date

    config = r.config
    changes = []
    sql = (
        "SELECT at, as_of, operator, action, entity_id, detail FROM trail "
        "WHERE entity = 'config' AND action IN ('config.add', 'config.retire') ORDER BY id"
    )
    for row in r.iter(sql):
        detail = json.loads(row["detail"])
        changes.append(
            {
                "as_of": as_date(row["as_of"]),
                "at": row["at"],
                "operator": row["operator"],
                "list": row["entity_id"],
                "name": detail.get("name"),
                "old": detail.get("old"),
                "new": detail.get("new"),
                "via": detail.get("via"),
                "reason": detail.get("reason"),
            }
        )
    return Lists(
        categories=config.categories,
        lists={k.key: listed(config, k) for k in KINDS},
        retired={k.key: retired(config, k) for k in KINDS},
        changes=changes,
        documents={
            "office": config.docs.office,
            "number_prefix": config.docs.number_prefix,
            "signature": config.docs.signature,
            "reply_days": config.docs.reply_days,
        },
        channels=[_channel(config, c) for c in config.channels],
    )


def _channel(config: Config, c: Channel) -> dict[str, Any]:
    """One channel for ``config show``: its own limits are those differing from the
    programme's."""
    from dataclasses import asdict

    from zuozhen.config import CADENCES

    own = {k: v for k, v in asdict(c.limits).items() if getattr(config.limits, k) != v}
    return {
        "name": c.name,
        "number": c.number,
        "cadence": c.cadence,
        "times": c.times,
        "cadence_text": f"{CADENCES[c.cadence]} {c.times} 次" if c.cadence else None,
        "limits": own,
    }
