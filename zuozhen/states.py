"""The state machine of an appeal (诉求), written once.

    received (已受理, intake) ─triage --unit─► referred (待交办); intake --resolved: closed (即办)
    booked ─triage─► triaged ─triage --session─► scheduled ─notify --sent─► notified
      └──────────────── triage --session ────────────►┘
    scheduled | notified ─hear --resolved─► closed (现场答复解决, 已销号)
    scheduled | notified ─hear --absent───► absent (未到场) ─triage --session─► scheduled
    scheduled | notified ─hear --refer────► referred (待交办)
    referred | reopened ─assign to─► handed_off (已交办) ─assign accept─► undertaken (已承办)
    handed_off | undertaken ─assign return─► referred (退回; the next assign to is a new round)
    undertaken ─assign report─► reported (已反馈) ─close─► closed (已销号) ─rate─► rated
    closed | rated ─audit revisit --reopen─► reopened (重新交办) ─assign to─► handed_off …

    any open state ─withdraw─────────► withdrawn (企业撤回)    ┐ terminal: every open time
    any open state ─withdraw --void──► void (作废, 误录)        │ limit dropped, out of the
    any open state ─merge --into X───► merged (已合并 into X)  ┘ daily audit
    any open state never handed off ─close --outcome 转送─► closed (转送, no unit)

``assign progress`` (阶段性进展) and a co-unit's ``assign report --unit`` change no state.
A closed or rated appeal is finished: it is not withdrawn, voided or merged (it stays in
the statistics as closed; a fault found later is a re-visit's business).

Every command that changes an appeal asks ``require`` first; an illegal step is refused
with a message naming the appeal's state and what must happen first. Each transition is
one transaction and one audit-trail event (the command's own ``tx.record``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zuozhen.errors import RuleError

LABELS: dict[str, str] = {
    "received": "已受理",
    "booked": "已挂号",
    "triaged": "已分办",
    "scheduled": "已排诊",
    "notified": "已叫号",
    "referred": "待交办",
    "handed_off": "已交办",
    "undertaken": "已承办",
    "reported": "已反馈",
    "closed": "已销号",
    "rated": "已评价",
    "reopened": "重新交办",
    "absent": "未到场",
    "withdrawn": "已撤回",
    "void": "已作废",
    "merged": "已合并",
}
STATES = tuple(LABELS)
#: Ended without being closed (withdrawal.py): nothing more happens to them.
TERMINAL = ("withdrawn", "void", "merged")
#: Closed (销号), rated or not: finished, in the statistics as closed.
FINISHED = ("closed", "rated")
#: The states in which an appeal is still being handled, listed rather than derived: any
#: other state (closed, rated, and those an office adds later such as withdrawn, void or
#: merged) has ended and owes no step.
OPEN_STATES = (
    "received",
    "booked",
    "triaged",
    "scheduled",
    "notified",
    "referred",
    "handed_off",
    "undertaken",
    "reported",
    "reopened",
    "absent",
)


def is_open(state: str) -> bool:
    return state in OPEN_STATES


def owed_step(state: str, *, verified: bool, in_session: bool, session_passed: bool) -> str | None:
    """The step an open appeal waits for: its open time limit (``deadline.step``) says when.

    Nothing stalls unseen (domain.md): until an appeal ends, the step named here is due on
    some day and the daily audit shows it. ``in_session``: on a session that is still
    planned; ``session_passed``: that session's day is before today. None for an ended
    appeal.
    """
    if state in ("booked", "received"):
        return "triage"
    if state == "absent":  # 未到场: to be put on another session
        return "schedule"
    if state == "triaged":
        return "schedule" if verified else "verify"
    if state in ("scheduled", "notified"):
        if not in_session:  # its session was cancelled: to be put on another one
            return "schedule"
        return "notify" if state == "scheduled" and not session_passed else "hear"
    return {
        "referred": "handoff",
        "reopened": "handoff",
        "handed_off": "accept",
        "undertaken": "report",
        "reported": "close",
    }.get(state)


@dataclass(frozen=True, slots=True)
class Step:
    label: str  # the clerk's word for the act
    sources: tuple[str, ...]  # states it may start from
    first: str  # what must happen first, when refused


STEPS: dict[str, Step] = {
    "triage": Step(
        "分办",
        ("received", "booked", "triaged", "scheduled", "notified", "absent"),
        "分办只能在坐诊或交办之前进行",
    ),
    "notify": Step(
        "叫号",
        ("scheduled", "notified"),
        "须先用 zuozhen triage 诉求号 --session 场次 排入坐诊场次",
    ),
    "hear": Step(
        "记录坐诊结果",
        ("scheduled", "notified"),
        "须先排入坐诊场次（zuozhen triage 诉求号 --session 场次）",
    ),
    "hand_off": Step(
        "交办",
        ("referred", "reopened"),
        "须先在坐诊中记录为现场不能解决（zuozhen session hear 诉求号 --refer）",
    ),
    "undertake": Step("承办", ("handed_off",), "须先交办（zuozhen assign to 诉求号 --unit 单位）"),
    "report_back": Step(
        "反馈", ("undertaken",), "须先由承办单位确认承办（zuozhen assign accept 诉求号 …）"
    ),
    "extend": Step("延期", ("handed_off", "undertaken"), "延期只能在交办之后、反馈之前申请"),
    "return": Step(
        "退回",
        ("handed_off", "undertaken"),
        "退回只能在交办之后、承办单位反馈之前（zuozhen assign return 诉求号 --unit 单位 --reason 理由）",
    ),
    "progress": Step(
        "报送阶段性进展", ("handed_off", "undertaken"), "阶段性进展在交办之后、反馈之前报送"
    ),
    "part": Step(
        "反馈分工部分",
        ("handed_off", "undertaken", "reported"),
        "联合交办的配合单位在交办之后、销号之前反馈其分工部分",
    ),
    "forward": Step(
        "转送",
        ("received", "booked", "triaged", "scheduled", "notified", "absent", "referred"),
        "转送只能在交办之前：已交办的诉求由承办单位办理",
    ),
    "close": Step(
        "销号", ("reported",), "须先由承办单位反馈办理情况（zuozhen assign report 诉求号 …）"
    ),
    "rate": Step("评价", ("closed",), "须先销号（zuozhen close 诉求号 …）"),
    "revisit": Step("回访", ("closed", "rated"), "回访针对已销号的诉求"),
    "reopen": Step("重新交办", ("closed", "rated"), "只有已销号的诉求才能重新交办"),
    "withdraw": Step("撤回", OPEN_STATES, ""),
    "void": Step("作废", OPEN_STATES, ""),
    "merge": Step("合并", OPEN_STATES, ""),
    "amend": Step("更正", (*OPEN_STATES, *FINISHED), ""),
}


def label(state: str) -> str:
    return LABELS.get(state, state)


def parse_status(value: str) -> str:
    """Accept the code (handed_off) or the clerk's word (已交办)."""
    text = value.strip()
    if text in LABELS:
        return text
    for code, word in LABELS.items():
        if text == word:
            return code
    raise RuleError(
        f"没有“{value}”这种状态；可选：{'、'.join(f'{w}（{c}）' for c, w in LABELS.items())}。"
    )


#: Groups of states a listing may ask for by one word (list --status open).
GROUPS: dict[str, tuple[str, ...]] = {
    "open": OPEN_STATES,
    "未办结": OPEN_STATES,
    "done": ("closed", "rated"),
    "已办结": ("closed", "rated"),
}


def parse_statuses(values: str | Sequence[str]) -> tuple[str, ...]:
    """Several states for a filter: each value a code, a word or a group (open/未办结,
    done/已办结), several in one value separated by commas (已交办,已承办); in the
    machine's order, each once."""
    given = [values] if isinstance(values, str) else list(values)
    parts = [p.strip() for v in given for p in v.replace("，", ",").replace("、", ",").split(",")]
    chosen: set[str] = set()
    for part in filter(None, parts):
        group = GROUPS.get(part.lower() if part.isascii() else part)
        if group is not None:
            chosen.update(group)
            continue
        try:
            chosen.add(parse_status(part))
        except RuleError:
            raise RuleError(
                f"没有“{part}”这种状态；可选：{'、'.join(f'{w}（{c}）' for c, w in LABELS.items())}，"
                "或 未办结（open）、已办结（done）；多个状态用逗号分隔。"
            ) from None
    if not chosen:
        raise RuleError("请给出要列出的状态，例如 --status 已交办,已承办 或 --status 未办结。")
    return tuple(s for s in STATES if s in chosen)


# States in which a step has already been taken (refused as "done already", not "too early").
_DONE: dict[str, tuple[str, ...]] = {
    "hear": ("referred", "handed_off", "undertaken", "reported", "closed", "rated", "reopened"),
    "undertake": ("undertaken", "reported"),
    "report_back": ("reported",),
    "close": ("closed", "rated"),
}


def require(appeal_id: str, state: str, step: str) -> None:
    rule = STEPS[step]
    if state in rule.sources:
        return
    if state in TERMINAL:
        raise RuleError(
            f"诉求 {appeal_id} {label(state)}，办理已经结束，不能{rule.label}"
            + (
                f"：请在它并入的诉求上办理（zuozhen show {appeal_id} 可查看并入哪一项）。"
                if state == "merged"
                else "。"
            )
        )
    if state in FINISHED and step in ("withdraw", "void", "merge"):
        raise RuleError(
            f"诉求 {appeal_id} 当前状态为“{label(state)}”，已经办结，不能{rule.label}："
            "办结的诉求按已办结计入统计；如企业对结果有异议，请回访"
            f"（zuozhen audit revisit {appeal_id} --note …，确需重办加 --reopen）。"
        )
    if step == "return" and state == "reported":
        raise RuleError(
            f"诉求 {appeal_id} 承办单位已反馈办理情况，不能再退回：如结果不当，请销号后回访并重新交办"
            f"（zuozhen audit revisit {appeal_id} --note … --reopen）。"
        )
    if state in _DONE.get(step, ()):
        raise RuleError(
            f"诉求 {appeal_id} 当前状态为“{label(state)}”：{rule.label}已经办过，不能重复办理。"
        )
    if step == "rate" and state == "rated":
        raise RuleError(
            f"诉求 {appeal_id} 已评价：评价由企业自主作出，一经记录不能更改或重复评价。"
        )
    if step == "hand_off" and state == "received":
        raise RuleError(
            f"诉求 {appeal_id} 已受理、尚未分办，不能交办：请先分办，"
            f"例如 zuozhen triage {appeal_id} --unit 单位。"
        )
    if step in ("hand_off",) and state in ("closed", "rated"):
        raise RuleError(
            f"诉求 {appeal_id} 已销号，不能直接交办：如需重新办理，请先回访并重新交办"
            f"（zuozhen audit revisit {appeal_id} --note … --reopen）。"
        )
    raise RuleError(
        f"诉求 {appeal_id} 当前状态为“{label(state)}”，不能{rule.label}：{rule.first}。"
    )
