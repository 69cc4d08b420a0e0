"""``zuozhen demo``: a realistic case file built through the library, then walked through.

Four months of a provincial programme (July–October 2026, across the National Day break):
sessions of every kind, about 80 fictional Yunnan enterprises with valid credit codes and
about 100 appeals covering every outcome — answered on the spot, single and joint
hand-offs, a late undertaking, extensions with and without a legal basis, explanations,
a reopened appeal, every rating — and the real-world turns (``_turns``): an enterprise
that withdraws, a duplicate merged into the appeal it repeats, an enterprise absent from
its session and called to the next one, a unit that returns an appeal as not its duty
(handed off again jointly, with progress and a co-unit's part, and its handler's name
corrected: 更正). Everything is seeded, so
two runs build the same file.

Each appeal is a *story*: a generator that yields the date of its next act and performs
the act when resumed. The stories run interleaved in date order (a heap), so the audit
trail reads like a real office's: every act goes through the same library function the
CLI calls, with ``--today`` set to the day it happens.
"""

from __future__ import annotations

import heapq
import random
import tomllib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zuozhen import (
    amend,
    booking,
    closing,
    demo_events,
    demo_intake,
    demo_ledger,
    handoff,
    hearing,
    notify,
    sessions,
    supervision,
    triage,
    withdrawal,
)
from zuozhen.config import compose
from zuozhen.deadlines import WorkCalendar
from zuozhen.resources import data_path
from zuozhen.store.storage import Act, CaseFile, create_case_file
from zuozhen.validation import USCC_CHARS, uscc_check_char

MONTHS = ((2026, 7), (2026, 8), (2026, 9), (2026, 10))
TODAY = date(2026, 10, 27)  # the day the walk-through shows
CLERK = "协调员王敏"
SUPERVISOR = "省政府督查室"

# A story yields the date of its next act, or a list of stories to run alongside it.
Story = Generator["date | list[Story]", None, None]


@dataclass(frozen=True, slots=True)
class DemoResult:
    path: Path
    today: date
    enterprises: int
    appeals: int
    sessions: int
    acts: int


@dataclass
class _Firm:
    name: str
    uscc: str
    region: str
    industry: str
    contact: str
    phone: str


@dataclass
class _World:
    case: CaseFile
    cal: WorkCalendar
    rng: random.Random
    content: dict[str, Any]
    acts: int = 0
    sessions_by_month: dict[str, list[tuple[str, date, str, list[str]]]] = field(
        default_factory=dict
    )

    def act(self, when: date, who: str = CLERK) -> Act:
        self.acts += 1
        return Act(who, when)

    def wd(self, start: date, n: int) -> date:
        return self.cal.add_workdays(start, n).date if n > 0 else start


def _firms(
    rng: random.Random, content: dict[str, Any], count: int, taken: set[str] | None = None
) -> list[_Firm]:
    e = content["enterprises"]
    names: set[str] = set(taken or ())
    firms: list[_Firm] = []
    while len(firms) < count:
        region, code = rng.choice(e["regions"])
        industry, trade = rng.choice(e["industries"])
        brand = rng.choice(e["brands"])
        city = region.removesuffix("市").removesuffix("州")
        name = f"{city}{brand}{trade}{rng.choice(e['suffixes'])}"
        if name in names:
            continue
        names.add(name)
        body = "91" + code + "".join(rng.choice(USCC_CHARS[:10] + "ABCDEFGH") for _ in range(9))
        uscc = body + uscc_check_char(body)
        contact = rng.choice(e["surnames"]) + rng.choice(e["given"])
        phone = f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"
        firms.append(_Firm(name, uscc, region, industry, contact, phone))
    return firms


def _plan_month(w: _World, year: int, month: int) -> None:
    """One 主场 and two 专场 (a 加诊 in August), in the second half of the month."""
    themes = list(w.content["appeals"])
    w.rng.shuffle(themes)
    plan = [("主场", 17, "综合"), ("专场", 21, themes[0]), ("专场", 24, themes[1])]
    if month == 8:
        plan.append(("加诊", 27, themes[2]))
    planned: list[tuple[str, date, str, list[str]]] = []
    for kind, day, theme in plan:
        when = w.cal.next_workday(date(year, month, day))
        units = w.rng.sample(list(w.content["sessions"]["units"]), 3)
        lead = "省发展改革委主要负责同志" if kind == "主场" else f"{units[0]}分管负责同志"
        # Sessions are planned at the end of the previous month (step 2, 发布公告).
        planned_on = date(year, month, 1) - timedelta(days=5)
        result = sessions.plan_session(
            w.case, w.act(planned_on), day=when, kind=kind, theme=theme, units=units, lead=lead
        )
        planned.append((result.session.id, when, theme, units))
    w.sessions_by_month[f"{year:04d}-{month:02d}"] = planned


def _story(w: _World, firm: _Firm, year: int, month: int, texts: list[list[str]]) -> Story:
    """One booking and the life of its appeals, yielding the date of each next act."""
    rng, config = w.rng, w.case.config
    window, _ = w.cal.first_workdays(year, month, config.limits.booking_window)
    late = rng.random() < 0.06
    booked_on = w.wd(window[-1], rng.randint(1, 3)) if late else rng.choice(window)
    yield booked_on
    themes = {t: rows for t, rows in w.content["appeals"].items()}
    booked = booking.book(
        w.case,
        w.act(booked_on),
        enterprise=firm.name,
        uscc=firm.uscc,
        contact=firm.contact,
        phone=firm.phone,
        appeals=[t[1] for t in texts],
        category=texts[0][0],
        region=firm.region,
        industry=firm.industry,
        late="企业错过挂号时间，经窗口审核同意加号" if late else None,
    )
    month_sessions = w.sessions_by_month[f"{year:04d}-{month:02d}"]
    children: list[Story] = []
    for appeal_id, (_category, text, klass) in zip(booked.appeals, texts, strict=True):
        theme = next(t for t, rows in themes.items() if any(r[1] == text for r in rows))
        session = next((s for s in month_sessions if s[2] == theme), month_sessions[0])
        children.append(_appeal_story(w, appeal_id, booked_on, theme, klass, session))
    yield children


def _appeal_story(
    w: _World,
    appeal_id: str,
    booked_on: date,
    theme: str,
    klass: str,
    session: tuple[str, date, str, list[str]],
) -> Story:
    rng, config = w.rng, w.case.config
    session_id, session_day, _, session_units = session
    unit = rng.choice(session_units)
    # 接诊: classify, pick the unit and session, verify with the enterprise.
    latest = w.cal.previous_workday(session_day - timedelta(days=4))
    triaged_on = max(booked_on, min(w.wd(booked_on, rng.randint(1, 4)), latest))
    yield triaged_on
    triage.triage(
        w.case,
        w.act(triaged_on),
        appeal_id,
        theme=theme,
        units=[unit],
        session=session_id,
        problem_class=klass,
        verified=rng.random() < 0.95,
    )
    # 叫号: at least three days before the session; now and then a day late.
    notify_by = w.cal.notify_by(session_day, config.limits.notify_days).date
    called = (
        notify_by + timedelta(days=1)
        if rng.random() < 0.05
        else notify_by - timedelta(days=rng.randint(0, 2))
    )
    yield max(called, triaged_on)
    notify.record_sent(
        w.case,
        w.act(max(called, triaged_on)),
        channel=rng.choice(("短信", "短信", "电话")),
        appeals=[appeal_id],
    )
    # 坐诊.
    yield session_day
    answers = w.content["answers"]
    if rng.random() < 0.33:
        hearing.hear(w.case, w.act(session_day), appeal_id, resolved=rng.choice(answers["on_spot"]))
        yield from _rating(
            w, appeal_id, session_day, reopenable=True, unit=unit, pool=session_units
        )
        return
    hearing.hear(w.case, w.act(session_day), appeal_id, refer=True)
    yield from _handling(w, appeal_id, session_day, unit, session_units, round_=1)


def _handling(
    w: _World, appeal_id: str, start: date, unit: str, pool: list[str], round_: int
) -> Story:
    """三办一销号 for one round: hand off, undertake, maybe extend, report, close, rate."""
    rng, config = w.rng, w.case.config
    answers = w.content["answers"]
    handed_on = w.wd(start, rng.randint(1, 2))
    yield handed_on
    joint = rng.random() < 0.35
    units = [unit, *[u for u in pool if u != unit][: rng.randint(1, 2)]] if joint else [unit]
    handed = handoff.hand_off(w.case, w.act(handed_on), appeal_id, units)
    late_accept = rng.random() < 0.08
    accepted_on = w.wd(
        handed_on, config.limits.plan + rng.randint(1, 3) if late_accept else rng.randint(1, 4)
    )
    yield accepted_on
    report_due = handed.report_due
    handoff.undertake(
        w.case,
        w.act(accepted_on, f"{units[0]}承办处室"),
        appeal_id,
        handler=rng.choice(w.content["enterprises"]["surnames"]) + "科长",
        measures=rng.choice(answers["measures"]),
        by=w.cal.add_workdays(accepted_on, 5).date
        if w.cal.add_workdays(accepted_on, 5).date <= report_due
        else None,
    )
    if rng.random() < 0.12:
        asked_on = w.wd(accepted_on, 2)
        yield asked_on
        new_due = w.wd(report_due, 10)
        with_basis = rng.random() < 0.5
        handoff.extend(
            w.case,
            w.act(asked_on, f"{units[0]}承办处室"),
            appeal_id,
            to=new_due,
            reason="需现场踏勘并征求相关部门意见，承办单位书面申请延期",
            basis="《优化营商环境条例》及行业主管部门规定的办理时限" if with_basis else None,
        )
        report_due = new_due
    total = w.cal.workdays_between(handed_on, report_due)
    roll = rng.random()
    if roll < 0.08:  # stalled: still unreported weeks after the deadline (督办 material)
        overrun = rng.randint(20, 40)
    elif roll < 0.18:  # reported a few days late
        overrun = rng.randint(1, 4)
    else:
        overrun = -rng.randint(0, max(total - max(total // 3, 3), 0))
    reported_on = w.wd(handed_on, total + overrun)
    yield reported_on
    explain = rng.random() < 0.1
    handoff.report_back(
        w.case,
        w.act(reported_on, f"{units[0]}承办处室"),
        appeal_id,
        text=rng.choice(answers["explanations"] if explain else answers["reports"]),
    )
    closed_on = w.wd(reported_on, rng.randint(1, 2))
    yield closed_on
    closing.close_out(
        w.case,
        w.act(closed_on),
        appeal_id,
        outcome="解释说明" if explain else "已解决",
        result=rng.choice(answers["explanations"] if explain else answers["reports"]),
    )
    yield from _rating(w, appeal_id, closed_on, reopenable=round_ == 1, unit=unit, pool=pool)


def _rating(
    w: _World,
    appeal_id: str,
    closed_on: date,
    *,
    reopenable: bool = False,
    unit: str | None = None,
    pool: list[str] | None = None,
) -> Story:
    rng = w.rng
    if rng.random() < 0.12:  # some enterprises never rate
        return
    rated_on = w.wd(closed_on, rng.randint(1, 6))
    yield rated_on
    roll = rng.random()
    handling = "满意" if roll < 0.7 else "基本满意" if roll < 0.9 else "不满意"
    service = "满意" if rng.random() < 0.85 else "基本满意"
    if handling == "不满意" and rng.random() < 0.5:
        service = "不满意"
    closing.rate(
        w.case,
        w.act(rated_on, "企业（服务专窗）"),
        appeal_id,
        service=service,
        handling=handling,
        comment="问题尚未真正解决，希望再跟进" if handling == "不满意" else None,
    )
    if handling != "不满意":
        return
    visited_on = w.wd(rated_on, rng.randint(2, 6))
    yield visited_on
    reopen = reopenable and unit is not None and pool is not None and rng.random() < 0.7
    supervision.revisit(
        w.case,
        w.act(visited_on, SUPERVISOR),
        appeal_id,
        note="回访核实：企业反映的问题确未解决到位，需重新办理"
        if reopen
        else "回访核实：已向企业说明办理情况，企业表示理解",
        reopen=reopen,
    )
    if reopen:
        assert unit is not None and pool is not None
        yield from _handling(w, appeal_id, visited_on, unit, pool, round_=2)


# -- real-world turns ------------------------------------------------------------------------


def _turns(w: _World, firms: list[_Firm]) -> list[Story]:
    """One story per turn, drawn from their own seeded generator so the others stay put."""
    withdrawer, duplicator, absentee, returned = firms
    return [
        _withdrawn(w, withdrawer),
        _merged(w, duplicator),
        _absent(w, absentee),
        _returned(w, returned),
    ]


def _book_one(w: _World, firm: _Firm, on: date, *texts: str) -> booking.Booked:
    return booking.book(
        w.case,
        w.act(on),
        enterprise=firm.name,
        uscc=firm.uscc,
        contact=firm.contact,
        phone=firm.phone,
        appeals=list(texts),
        category="服务需求",
        region=firm.region,
        industry=firm.industry,
    )


def _called(w: _World, appeal: str, on: date, session: tuple[str, date, str, list[str]]) -> Story:
    """On ``on``: put on the session, verified; then called up on the last day allowed."""
    yield on
    triage.triage(
        w.case,
        w.act(on),
        appeal,
        theme=session[2],
        units=[session[3][0]],
        session=session[0],
        verified=True,
    )
    called = max(on, w.cal.notify_by(session[1], w.case.config.limits.notify_days).date)
    yield called
    notify.record_sent(w.case, w.act(called), channel="电话", appeals=[appeal])


def _withdrawn(w: _World, firm: _Firm) -> Story:
    window, _ = w.cal.first_workdays(2026, 10, w.case.config.limits.booking_window)
    yield window[0]
    booked = _book_one(
        w, firm, window[0], "申请的技术改造补助资金迟迟未拨付，希望协调财政部门尽快拨付。"
    )
    aid = booked.appeals[0]
    session = w.sessions_by_month["2026-10"][1]
    yield from _called(w, aid, w.wd(window[0], 1), session)
    gone = w.wd(window[0], 7)
    yield gone
    withdrawal.withdraw(w.case, w.act(gone), aid, reason="企业来电撤回：补助资金已到账，无需再坐诊")


def _merged(w: _World, firm: _Firm) -> Story:
    window, _ = w.cal.first_workdays(2026, 10, w.case.config.limits.booking_window)
    text = "园区道路破损严重，大型货车进出困难，希望协调园区管委会尽快修复。"
    yield window[0]
    first = _book_one(w, firm, window[0], text).appeals[0]
    yield window[2]  # the online window sends the same appeal again, with a full stop
    again = _book_one(w, firm, window[2], text + "。")
    assert [d.like for d in again.duplicates] == [first], again.duplicates
    withdrawal.merge(
        w.case, w.act(window[2]), again.appeals[0], into=first, reason="同一企业经网上专窗重复提交"
    )
    session = w.sessions_by_month["2026-10"][0]
    yield from _called(w, first, window[3], session)
    yield session[1]
    hearing.hear(
        w.case, w.act(session[1]), first, resolved="现场协调园区管委会，明确两周内完成道路修复"
    )


def _absent(w: _World, firm: _Firm) -> Story:
    window, _ = w.cal.first_workdays(2026, 9, w.case.config.limits.booking_window)
    yield window[1]
    aid = _book_one(
        w, firm, window[1], "出口退税办理时间较长，资金周转困难，希望加快退税进度。"
    ).appeals[0]
    missed = w.sessions_by_month["2026-09"][1]
    yield from _called(w, aid, w.wd(window[1], 1), missed)
    yield missed[1]
    hearing.hear(w.case, w.act(missed[1]), aid, absent=True, note="企业负责人临时出差，未到场")
    nxt = w.sessions_by_month["2026-10"][0]
    yield from _called(w, aid, w.wd(missed[1], 1), nxt)
    yield nxt[1]
    hearing.hear(
        w.case, w.act(nxt[1]), aid, resolved="现场明确退税审核时限，承诺 10 个工作日内办结"
    )


def _returned(w: _World, firm: _Firm) -> Story:
    window, _ = w.cal.first_workdays(2026, 8, w.case.config.limits.booking_window)
    yield window[2]
    aid = _book_one(
        w, firm, window[2], "企业排污许可证延续办理卡在材料审核环节，希望明确办理部门和时限。"
    ).appeals[0]
    session = w.sessions_by_month["2026-08"][1]
    a, b, c = session[3]
    yield from _called(w, aid, w.wd(window[2], 1), session)
    yield session[1]
    hearing.hear(w.case, w.act(session[1]), aid, refer=True)
    handed = w.wd(session[1], 1)
    yield handed
    handoff.hand_off(w.case, w.act(handed), aid, [a])
    back = w.wd(handed, 2)
    yield back
    handoff.return_(
        w.case,
        w.act(back, f"{a}承办处室"),
        aid,
        unit=a,
        reason=f"排污许可不属于本单位职责，建议交由{b}牵头办理",
    )
    again = w.wd(back, 1)
    yield again
    handoff.hand_off(w.case, w.act(again), aid, [b, c])
    yield (accepted := w.wd(again, 3))
    handoff.undertake(
        w.case,
        w.act(accepted, f"{b}承办处室"),
        aid,
        handler="杨课长",  # a slip, corrected below (更正)
        measures=f"{b}牵头审核许可材料，{c}配合核查排放数据",
    )
    fix = amend.given(handler="杨科长")
    amend.amend(w.case, w.act(accepted), aid, reason="承办人职务录错（课长应为科长）", what=fix)
    yield (mid := w.wd(accepted, 4))
    handoff.progress(
        w.case, w.act(mid, f"{b}承办处室"), aid, text="已完成材料初审，正在组织现场核查"
    )
    yield (part := w.wd(mid, 2))
    handoff.report_back(
        w.case, w.act(part, f"{c}承办处室"), aid, unit=c, text="排放数据核查完毕，符合许可条件"
    )
    yield (done := w.wd(part, 2))
    handoff.report_back(w.case, w.act(done, f"{b}承办处室"), aid, text="排污许可证已完成延续办理")
    yield (closed := w.wd(done, 1))
    closing.close_out(
        w.case, w.act(closed), aid, outcome="已解决", result="排污许可证已延续并送达企业"
    )


def _run(stories: list[Story], until: date) -> None:
    """Advance every story in date order, stopping each at the first act after ``until``."""
    heap: list[tuple[date, int, Story]] = []
    seq = 0

    def advance(story: Story) -> None:
        nonlocal seq
        for step in story:
            if isinstance(step, list):  # spawned stories run alongside this one
                for child in step:
                    advance(child)
                continue
            if step <= until:
                seq += 1
                heapq.heappush(heap, (step, seq, story))
            return

    for story in stories:
        advance(story)
    while heap:
        _, _, story = heapq.heappop(heap)
        advance(story)


def build(
    path: Path,
    *,
    seed: int = 2026,
    today: date = TODAY,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Create the demo case file at ``path`` (which must not exist)."""
    say = progress or (lambda _msg: None)
    content = tomllib.loads(data_path("sample", "demo.toml").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    case = create_case_file(str(path), compose("province"), Act(CLERK, date(2026, 6, 20)))
    try:
        w = _World(case, case.calendar, rng, content)
        firms = _firms(rng, content, 80)
        pool = [(theme, row) for theme, rows in content["appeals"].items() for row in rows]
        stories: list[Story] = []
        say("安排坐诊场次、企业挂号……")
        rng.shuffle(firms)
        for i, (year, month) in enumerate(MONTHS):
            _plan_month(w, year, month)
            # Mostly new enterprises each month, and a few coming back with a new problem.
            returning = rng.sample(firms[: i * 19], 2) if i else []
            for firm in [*firms[i * 19 : (i + 1) * 19], *returning]:
                n = 2 if rng.random() < 0.2 else 1
                picks = rng.sample(pool, n)
                # One booking carries appeals of one theme family, as enterprises usually do.
                stories.append(_story(w, firm, year, month, [row for _, row in picks]))
        turns = _firms(random.Random(seed + 1), content, 4, {f.name for f in firms})
        stories += _turns(w, turns)
        _plan_month(w, 2026, 11)
        say("按日期推进接诊、叫号、坐诊、交办、承办、反馈、销号、评价、回访……")
        _run(stories, today)
        w.acts += demo_intake.add_intakes(case, CLERK)  # 12345, 即办, 转送 (issue 14)
        demo_events.hold_events(case, CLERK)  # 接待日, 同心谈 and 走访 days (issue 14)
        demo_ledger.build_ledger(case, today)  # the assessment-feedback ledger (台账)
        with case.read() as s:
            conn = s.connection()
            counts = {
                name: int(conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one())
                for name in ("enterprise", "appeal", "consultation")
            }
        return DemoResult(
            path, today, counts["enterprise"], counts["appeal"], counts["consultation"], w.acts
        )
    finally:
        case.close()


def walkthrough(db: str, today: date) -> Iterator[tuple[str, list[str]]]:
    """The commands a clerk would type, with a title each (the CLI runs them)."""
    base = ["--db", db, "--today", today.isoformat()]
    yield "月历：本月的工作日、节假日和调休上班日", [*base, "calendar", "show", f"{today:%Y-%m}"]
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    yield (
        "下月公告（每月底发布）",
        [*base, "announce", "--month", f"{nxt:%Y-%m}", "--format", "txt"],
    )
    yield "今日督办清单：超期与即将到期", [*base, "audit"]
    yield "一件诉求的全貌", [*base, "show", "202609-001-1"]
    yield "季度统计（按单位）", [*base, "report", "quarterly", "--quarter", "2026Q3"]
    yield from demo_events.walkthrough(base)
