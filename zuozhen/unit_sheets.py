"""Step 7 on paper: the unit's workbook of open items (交办事项办理情况表) and its return.

Units reply in spreadsheets (domain.md); rather than the clerk retyping every 承办人,
measure, progress line and report, the organiser sends each unit a workbook of its open
items and applies what comes back:

* ``write_sheet``  ``assign sheet --unit U``: one row per open item of the unit — the
                   current round of an appeal handed off to it, not yet reported by it
                   (a co-unit's row stays until the appeal is closed, for its part) —
                   with the facts (locked) and the columns the unit fills in, pre-filled
                   with what is already recorded. No contact names or phones: the unit
                   needs the appeal, not the enterprise's people. Reading only.
* ``import_sheet`` ``assign import FILE``: each row of the returned workbook applied by
                   the acts of ``handoff.py`` — 承办人 + 办理措施 (+ 承诺办结日期) as
                   ``assign accept``, 阶段进展 as ``assign progress``, 反馈内容 as ``assign
                   report`` (the leading unit's report, or a co-unit's part: the workbook
                   records which unit it was made for). The same rules apply, so a rest
                   day, a date past the report deadline or a step out of order is refused
                   with the act's own message.

Import rules: every row is one savepoint inside ONE transaction — a bad row is rolled
back alone and named with its row number and the reason; ``strict`` applies nothing if any
row is bad; nothing is applied either when no row is good. A row whose values are already
recorded (the pre-filled values, or the same file imported again) is skipped, so a second
import of one file changes nothing: not even the trail. When something is applied, one
``assign.import`` event records the file, its SHA-256, the unit and every row's fate,
and each act's own event names the file (``source``). Rows for appeals not open, not of
the unit's current round, or made for an earlier round are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zuozhen import appeals, names, states
from zuozhen.errors import InputError, RuleError, ZuozhenError
from zuozhen.files import unit_workbook
from zuozhen.files.unit_workbook import FilledRow, Line
from zuozhen.store.reader import Reader, as_date
from zuozhen.validation import MAX_TEXT, clean_text

if TYPE_CHECKING:
    from zuozhen.models import Appeal, Handoff
    from zuozhen.store.storage import Act, CaseFile, Tx

#: States in which a unit of the current round still has something to send.
OPEN_FOR_UNITS = ("handed_off", "undertaken", "reported")

NOTES: list[tuple[str, str]] = [
    ("诉求号", "本事项的编号，导入时据此找到诉求。不要改动，也不要增删行。"),
    ("企业名称、诉求内容", "提出诉求的企业和诉求原文（不含联系人和电话）。"),
    ("交办日期", "交办给本单位的日期；各项期限从其次日起按工作日计算。"),
    ("交办方式", "单独交办，或联合交办（写明本单位是牵头单位还是配合单位）。"),
    ("承办期限", "明确承办人、办理措施和承诺办结日期的期限（交办后 5 个工作日内）。"),
    ("反馈期限", "反馈办理情况的期限（单独交办 15 个、联合交办 20 个工作日；延期后为新的期限）。"),
    ("当前状态", "制表时案卷中的状态。"),
    (
        "承办人",
        "承办本事项的负责人（必要时写明处室和电话）。与“办理措施”一并填写，即确认承办；"
        "联合交办由牵头单位填写，配合单位的这一栏为灰色，不填。",
    ),
    ("办理措施", "准备采取的办理措施；联合交办时写明分工。"),
    (
        "承诺办结日期",
        "可不填（即为反馈期限）。须是工作日（周末、法定节假日不行，调休上班日可以），"
        "不早于导入当天，不晚于反馈期限；需要更长时间的，请另行书面申请延期。",
    ),
    (
        "阶段进展",
        "反馈之前的阶段性进展，可多次报送：写入新的内容即记录一次，与已记录的相同则不重复记录。",
    ),
    (
        "反馈内容",
        "办理情况的反馈。牵头单位（或单独承办单位）的反馈完成反馈环节，须已确认承办（可在同一行"
        "一并填写）；联合交办的配合单位填写的是本单位分工部分的办理情况，每个单位一次。",
    ),
    (
        "交回",
        "填好后保存为 .xlsx，交回协调员，由其导入（zuozhen assign import 文件）。有误的行会"
        "逐行说明原因，其余各行照常记录；同一文件再次导入不会重复记录。",
    ),
]


# -- the workbook sent to the unit ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sheet:
    unit: str
    path: Path
    made_on: date
    items: list[str]  # appeal IDs, in the workbook's order
    leading: int  # of which the unit leads (fills in 承办)

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "file": str(self.path),
            "made_on": self.made_on,
            "items": self.items,
            "count": len(self.items),
            "leading": self.leading,
        }


def open_items(r: Reader, unit: str, today: date) -> list[Line]:
    """The unit's open items as of ``today``, by report deadline then number."""
    import json

    from zuozhen.appeals import due_join, unit_list

    rows = r.rows(
        f"""
        SELECT a.id, a.text, a.status, a.round, e.name AS enterprise, h.handed_on, h.units,
               h.lead_unit, h.joint, h.accepted_on, h.handler, h.measures, h.promised_by,
               p.due AS plan_due, q.due AS report_due
        FROM appeal a
        JOIN handoff h ON h.appeal_id = a.id AND h.round = a.round
        JOIN booking b ON b.id = a.booking_id
        JOIN enterprise e ON e.uscc = b.uscc
        {due_join("p", "accept")}
        {due_join("q", "report")}
        WHERE a.status IN ('handed_off', 'undertaken', 'reported')
          AND (h.units LIKE :pat OR h.units LIKE :pat_ascii)
        ORDER BY q.due, a.id
        """,
        {
            "pat": "%" + json.dumps(unit, ensure_ascii=False) + "%",
            "pat_ascii": "%" + json.dumps(unit) + "%",
        },
    )
    said: dict[tuple[str, int, str], str] = {}
    for p in r.rows(
        "SELECT appeal_id, round, kind, text FROM progress WHERE unit = :u ORDER BY id", {"u": unit}
    ):
        said[(p["appeal_id"], p["round"], p["kind"])] = p["text"]  # the latest of each kind
    lines = []
    for row in rows:
        units = unit_list(row["units"])
        lead = row["lead_unit"] == unit
        part = said.get((row["id"], row["round"], "part"))
        if unit not in units or (row["status"] == "reported" and (lead or part is not None)):
            continue
        lines.append(_line(row, unit, units, lead, part, said, today))
    return lines


def _line(
    row: Any,
    unit: str,
    units: list[str],
    lead: bool,
    part: str | None,
    said: dict[tuple[str, int, str], str],
    today: date,
) -> Line:
    plan_due, report_due = as_date(row["plan_due"]), as_date(row["report_due"])
    if len(units) == 1:
        mode = "单独交办"
    elif lead:
        mode = f"联合交办（牵头；配合：{'、'.join(units[1:])}）"
    else:
        mode = f"联合交办（配合；牵头：{row['lead_unit']}）"
    accepted = as_date(row["accepted_on"])
    state = {
        "handed_off": "已交办，待承办",
        "undertaken": f"已承办（{accepted.isoformat() if accepted else ''}）",
        "reported": "牵头单位已反馈",
    }[row["status"]]
    if part is not None:
        state += "；本单位分工部分已反馈"
    if row["status"] == "handed_off" and plan_due is not None and plan_due < today:
        state += "；承办已超期"
    if row["status"] != "reported" and report_due is not None and report_due < today:
        state += "；反馈已超期"
    return Line(
        appeal=row["id"],
        round=int(row["round"]),
        enterprise=row["enterprise"],
        text=row["text"],
        handed_on=as_date(row["handed_on"]) or today,
        mode=mode,
        plan_due=plan_due,
        report_due=report_due,
        state=state,
        lead=lead,
        handler=row["handler"] if lead else None,
        measures=row["measures"] if lead else None,
        promised_by=as_date(row["promised_by"]) if lead else None,
        progress=said.get((row["id"], row["round"], "progress")),
        report=part,
    )


def write_sheet(
    r: Reader, today: date, unit: str, output: Path, *, overwrite: bool = False
) -> Sheet:
    """``assign sheet``: the unit's workbook of open items (the unit must be a configured
    name, or one recorded in the case file)."""
    name = names.check_filter(r, names.UNIT, unit)
    lines = open_items(r, name, today)
    path = unit_workbook.write(
        output,
        unit=name,
        made_on=today,
        organiser=r.config.organiser,
        lines=lines,
        notes=NOTES,
        overwrite=overwrite,
    )
    return Sheet(name, path, today, [x.appeal for x in lines], sum(x.lead for x in lines))


# -- the workbook returned -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int
    error: str


@dataclass(frozen=True, slots=True)
class Applied:
    row: int
    appeal: str
    acts: list[str]  # accept | progress | report | part
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Imported:
    file: str
    sha256: str
    unit: str
    made_on: date | None
    rows: int
    applied: list[Applied]
    skipped: list[int]  # rows whose values were all recorded already
    empty: list[int]  # rows with nothing filled in
    rejected: list[Rejected]

    def as_json(self) -> dict[str, Any]:
        return {
            "applied": len(self.applied),
            "rejected": [{"row": x.row, "error": x.error} for x in self.rejected],
            "skipped": len(self.skipped),
            "empty": len(self.empty),
            "rows": self.rows,
            "file": self.file,
            "sha256": self.sha256,
            "unit": self.unit,
            "made_on": self.made_on,
            "changes": [
                {"row": x.row, "appeal": x.appeal, "acts": x.acts, "notes": x.notes}
                for x in self.applied
            ],
        }


class ImportRefused(InputError):
    """Nothing was applied; ``rejected`` lists every bad row (for --json)."""

    def __init__(self, message: str, rows: int, rejected: list[Rejected]) -> None:
        super().__init__(message)
        self.rows = rows
        self.rejected = rejected

    def as_json(self) -> dict[str, Any]:
        return {
            "applied": 0,
            "rejected": [{"row": x.row, "error": x.error} for x in self.rejected],
            "rows": self.rows,
            "error": str(self),
        }


def import_sheet(
    case: CaseFile, act: Act, path: Path, *, strict: bool = False, unit: str | None = None
) -> Imported:
    """``assign import``: apply a returned workbook (see the module docstring)."""
    filled = unit_workbook.read(path)
    given = names.clean_name(unit, names.UNIT) if unit is not None else None
    if filled.unit and given and filled.unit != given:
        raise InputError(
            f"文件 {filled.path.name} 是为“{filled.unit}”制作的办理表，与 --unit {given} 不符："
            "请核对是哪个单位交回的文件；案卷未被改动。"
        )
    who = filled.unit or given
    if who is None:
        raise InputError(
            f"文件 {filled.path.name} 中没有记录是哪个单位的办理表（不是 zuozhen assign sheet 生成的，"
            "或是复制到了新工作簿中）：请加 --unit 单位名称 指明交回的单位。"
        )
    source = f"assign import {filled.path.name} sha256:{filled.sha256[:16]}"
    with case.write(act) as tx:
        who = names.check_filter(Reader.inside(tx), names.UNIT, who)
        applied: list[Applied] = []
        skipped: list[int] = []
        empty: list[int] = []
        rejected: list[Rejected] = []
        first: dict[str, int] = {}
        for row in filled.rows:
            if not row.appeal:
                rejected.append(
                    Rejected(row.row, "诉求号为空：本行有填写内容，但不知道是哪件诉求。")
                )
                continue
            if row.appeal in first:
                rejected.append(
                    Rejected(row.row, f"诉求号 {row.appeal} 与第 {first[row.appeal]} 行重复。")
                )
                continue
            first[row.appeal] = row.row
            if row.empty:
                empty.append(row.row)
                continue
            try:
                with tx.session.begin_nested():
                    done = _apply(tx, who, row, filled.rounds.get(row.appeal), source)
            except ZuozhenError as exc:
                rejected.append(Rejected(row.row, str(exc)))
                continue
            if done.acts:
                applied.append(done)
            else:
                skipped.append(row.row)
        result = Imported(
            str(filled.path),
            filled.sha256,
            who,
            filled.made_on,
            len(filled.rows),
            applied,
            skipped,
            empty,
            rejected,
        )
        if rejected and (strict or not applied):
            raise _refuse(result, strict)
        if applied:
            tx.record("assign.import", "import", filled.sha256[:16], _summary(result))
        return result


def _refuse(r: Imported, strict: bool) -> ImportRefused:
    shown = "；".join(f"第 {x.row} 行：{x.error}" for x in r.rejected[:3])
    more = f"……共 {len(r.rejected)} 行" if len(r.rejected) > 3 else ""
    if strict:
        head = f"文件 {Path(r.file).name} 有 {len(r.rejected)} 行有误，按 --strict 未导入任何内容"
    else:
        head = f"文件 {Path(r.file).name} 没有可以导入的行"
    return ImportRefused(
        f"{head}：{shown}{more}。请改正后重新导入；案卷未被改动。", r.rows, r.rejected
    )


def _summary(r: Imported) -> dict[str, Any]:
    return {
        "file": Path(r.file).name,
        "sha256": r.sha256,
        "unit": r.unit,
        "made_on": r.made_on,
        "rows": r.rows,
        "applied": [{"row": x.row, "appeal": x.appeal, "acts": x.acts} for x in r.applied],
        "skipped": r.skipped,
        "empty": len(r.empty),
        "rejected": [{"row": x.row, "error": x.error} for x in r.rejected],
    }


# -- one row --------------------------------------------------------------------------------


def _apply(tx: Tx, unit: str, row: FilledRow, made_round: int | None, source: str) -> Applied:
    """One row: 承办, then 阶段进展, then 反馈, each by the act of handoff.py unless what the
    row says is recorded already. Any refusal undoes the whole row (its savepoint)."""
    a = appeals.load(tx, row.appeal)
    h = _current_for(tx, a, unit, made_round)
    lead = unit == h.lead_unit
    done = Applied(row.row, a.id, [])
    if row.promised_error:
        raise InputError(row.promised_error)
    if row.handler or row.measures or row.promised is not None:
        _accept(tx, a, h, lead, row, source, done)
    if row.progress:
        _progress(tx, a, unit, row.progress, source, done)
    if row.report:
        _report(tx, a, h, unit, lead, row.report, source, done)
    return done


def _current_for(tx: Tx, a: Appeal, unit: str, made_round: int | None) -> Handoff:
    """The current hand-off, if the appeal is still open for this unit in the round the
    workbook was made for."""
    if a.status not in OPEN_FOR_UNITS:
        why = {
            "closed": "已销号",
            "rated": "已销号并评价",
            "referred": "已退回或待重新交办",
            "reopened": "回访后待重新交办",
        }.get(a.status, f"当前状态为“{states.label(a.status)}”")
        raise RuleError(
            f"诉求 {a.id} {why}，不是未办结的交办事项，本行未导入：请用 zuozhen show {a.id} 查看。"
        )
    if made_round is not None and made_round != a.round:
        raise RuleError(
            f"本行是诉求 {a.id} 第 {made_round} 轮交办时的办理表，现已是第 {a.round} 轮，本行未导入："
            f"请重新生成办理表（zuozhen assign sheet --unit {unit}）。"
        )
    h = appeals.current_handoff(tx, a)
    units = appeals.unit_list(h.units)
    if unit not in units:
        raise RuleError(
            f"诉求 {a.id} 第 {a.round} 轮的承办单位是 {'、'.join(units)}，不是本表的单位“{unit}”，"
            "本行未导入。"
        )
    return h


def _accept(
    tx: Tx, a: Appeal, h: Handoff, lead: bool, row: FilledRow, source: str, done: Applied
) -> None:
    from zuozhen import handoff

    if not lead:
        raise RuleError(
            f"诉求 {a.id} 为联合交办，由牵头单位 {h.lead_unit} 确认承办（承办人、办理措施、承诺办结"
            "日期）；配合单位的办理情况请写在“阶段进展”或“反馈内容”栏，本行未导入。"
        )
    if h.accepted_on is not None:
        same = (
            _same(h.handler, row.handler)
            and _same(h.measures, row.measures)
            and row.promised in (None, h.promised_by)
        )
        if not same:
            promised = h.promised_by.isoformat() if h.promised_by else "—"
            raise RuleError(
                f"诉求 {a.id} 已于 {h.accepted_on.isoformat()} 确认承办（承办人 {h.handler}，"
                f"承诺 {promised} 前办结），表中所填与之不同：已记录的承办信息不在办理表中修改，"
                "确需更正请联系协调员，本行未导入。"
            )
        return
    missing = [n for n, v in (("承办人", row.handler), ("办理措施", row.measures)) if not v]
    if missing:
        raise InputError(
            f"确认承办须同时填写承办人和办理措施，本行缺少“{'、'.join(missing)}”，本行未导入。"
        )
    r = handoff.undertake_in(
        tx, a.id, handler=row.handler, measures=row.measures, by=row.promised, source=source
    )
    done.acts.append("accept")
    if r.late:
        done.notes.append(f"承办确认晚于期限 {r.plan_due.isoformat()}，记为逾期承办")


def _progress(tx: Tx, a: Appeal, unit: str, text: str, source: str, done: Applied) -> None:
    from sqlmodel import select

    from zuozhen import handoff
    from zuozhen.models import Progress

    said = tx.session.exec(
        select(Progress.text).where(
            Progress.appeal_id == a.id,
            Progress.round == a.round,
            Progress.unit == unit,
            Progress.kind == "progress",
        )
    ).all()
    if any(_same(t, text) for t in said):
        return
    handoff.progress_in(tx, a.id, text=text, unit=unit, source=source)
    done.acts.append("progress")


def _report(
    tx: Tx, a: Appeal, h: Handoff, unit: str, lead: bool, text: str, source: str, done: Applied
) -> None:
    from sqlmodel import select

    from zuozhen import handoff
    from zuozhen.models import Progress

    if lead:
        if h.reported_on is not None:
            if _same(h.report_text, text):
                return
            raise RuleError(
                f"诉求 {a.id} 已于 {h.reported_on.isoformat()} 反馈，表中的反馈内容与已记录的不同："
                "反馈只记录一次，补充情况请联系协调员，本行未导入。"
            )
        if a.status == "handed_off":
            raise RuleError(
                f"诉求 {a.id} 尚未确认承办，不能反馈：请在本行同时填写承办人和办理措施，本行未导入。"
            )
        r = handoff.report_back_in(tx, a.id, text=text, source=source)
        done.acts.append("report")
    else:
        part = tx.session.exec(
            select(Progress.text).where(
                Progress.appeal_id == a.id,
                Progress.round == a.round,
                Progress.unit == unit,
                Progress.kind == "part",
            )
        ).first()
        if part is not None and _same(part, text):
            return
        r = handoff.report_back_in(tx, a.id, text=text, unit=unit, source=source)
        done.acts.append("part")
    if r.late:
        done.notes.append(f"反馈晚于期限 {r.report_due.isoformat()}，记为超期反馈")


def _same(stored: str | None, given: str) -> bool:
    """What the unit wrote equals what is recorded, once cleaned as the acts clean it."""
    return stored == clean_text(given, "", required=False, limit=MAX_TEXT * 10)
