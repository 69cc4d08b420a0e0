"""Bulk generator of realistic case files: 10,000 / 100,000 / 1,000,000 appeals.

    python benchmarks/generate.py --size 100000 [--seed 7] [--folder /tmp/zuozhen-bench]

The file is created by the library (``storage.create_case_file``: schema, triggers, full-text
index, configuration, the first trail row), then filled in bulk with ``sqlite3``
``executemany``, one month of bookings per transaction batch. During generation only,
``journal_mode = OFF`` and ``synchronous = OFF`` (nothing else reads the half-built file,
which is written under a temporary name and renamed when complete); at the end the file is
switched back to WAL, analysed (``ANALYZE``) and checkpointed, so it is an ordinary case
file that ``zuozhen verify`` accepts.

What is in it, for 22 booking months (2025-01 .. 2026-10) as of 2026-10-20:

* enterprises (valid 统一社会信用代码, region, industry, contact) — about one per three
  appeals, so many book again in later months; bookings in the booking window (4 % 加号);
  1–3 appeals per booking;
* sessions (主场 + 专场) per month, more for bigger files (at most 99 a month);
* every appeal walked through the state machine on the official working-day calendar
  (dues computed in batches with ``WorkCalendar.add_workdays_ordinals``): triage with
  verification, call-up, hearing (30 % resolved on the spot), hand-off (20 % joint),
  acceptance, report (3 % extended), closing, rating (5 % 不满意 → re-visit, a quarter of
  those reopened for a second round). Whatever would happen after 2026-10-20 has not
  happened, so the last months hold appeals in every open state with live deadlines; a
  few in a thousand older appeals are stuck at a step (overdue);
* handoffs, extensions, notifications, ratings, revisits, every closed round's result
  (``closure``), and one ``deadline`` row per time limit (open or done, late flags set) — a
  hand-off's plan and report deadlines are only these rows, as the library keeps them;
  every open appeal owes the step its state names (``states.owed_step``), as the commands
  open and meet them;
* the search index (``search_text`` and its FTS5 index), filled by the triggers that keep
  it on every write, as the rows go in;
* the audit trail: one row per act, as the commands record them (book, triage, notify,
  hear, hand-off, accept, extend, report, close, rate, revisit) — about 7 rows per appeal,
  the largest table, as in real life. Rows are hash-chained exactly as ``trail.append``
  does, so ``verify`` passes; within each booking month they are in date order.

Files are cached as ``{folder}/case-{size}-s{seed}-g{GEN_VERSION}.db``; a rerun reuses them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zuozhen.config import compose, parse  # noqa: E402
from zuozhen.deadlines import WorkCalendar  # noqa: E402
from zuozhen.store import seal  # noqa: E402
from zuozhen.store.storage import Act, create_case_file, open_case_file  # noqa: E402
from zuozhen.store.trail import GENESIS  # noqa: E402
from zuozhen.validation import uscc_check_char  # noqa: E402

GEN_VERSION = 6  # 3: dues only in deadline rows; 4: closure + search index; 5: owed steps; 6: seals
TODAY = date(2026, 10, 20)
T = TODAY.toordinal()
DEFAULT_FOLDER = Path(os.environ.get("ZUOZHEN_BENCH_DIR", "/tmp/zuozhen-bench"))
MONTHS = [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 11)]
NEVER = 10**9  # an act that has not happened (ordinal far in the future)

CLERKS = ["李文娟", "王海燕", "赵志强", "陈晓梅"]
OFFICIALS = ["张厅长", "刘局长", "杨主任", "周副厅长", "吴副局长", "孙处长"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"]
INDUSTRIES = ["制造业", "批发和零售业", "建筑业", "农林牧渔业", "信息技术", "交通运输", "住宿餐饮"]
NAME_ROOTS = ["滇池", "彩云", "金马", "碧鸡", "高原", "澜沧", "石林", "苍山", "洱海", "普洱"]
NAME_TAILS = ["科技", "实业", "农业开发", "建材", "物流", "食品", "电子", "新能源", "茶业", "医药"]
PROBLEMS = [
    ("政策兑现", "电费补贴迟迟未兑现", "企业去年申报的电费补贴至今未拨付"),
    ("政策兑现", "稳岗返还资金未到账", "申请的稳岗返还已公示但资金未到账"),
    ("融资信贷", "融资贷款难", "企业缺少抵押物，银行授信额度不足"),
    ("融资信贷", "贷款贴息申请进度慢", "贴息申请提交三个月无答复"),
    ("要素保障", "厂房用地审批慢", "新建厂房用地指标迟迟未落实"),
    ("要素保障", "用电增容等待时间长", "生产线扩建需要增容，供电方案未批复"),
    ("审批服务", "环评审批周期长", "技改项目环评审批超过承诺时限"),
    ("审批服务", "施工许可办理材料重复", "多个部门要求重复提交同一材料"),
    ("涉企执法", "多头检查频次过高", "同一月内被多个部门重复检查"),
    ("市场准入", "跨省资质认定难", "外省资质在本省不被认可"),
    ("拖欠账款", "拖欠工程款", "政府投资项目工程款拖欠一年以上"),
    ("拖欠账款", "国企拖欠货款", "供货后国有企业长期不付款"),
    ("人才用工", "招工难社保补贴申请", "新招员工社保补贴申请流程不清"),
    ("科技创新", "高新技术企业认定咨询", "咨询高新技术企业认定条件和研发费用加计扣除"),
    ("外贸外资", "出口退税进度慢", "出口退税审核时间较长影响资金周转"),
    ("外贸外资", "货车通行证办理难", "口岸货车通行证办理手续复杂"),
]
CLASSES = ["政策落实不到位", "审批时限长", "资金拨付慢", "标准不统一", "信息不对称"]
REGION_CODES = ["530100", "530300", "530400", "530500", "530600", "530700", "530800"]


def _at(day: int, k: int) -> str:
    """A UTC timestamp on the act's day (working hours, Beijing time), as storage.utcnow."""
    secs = 3600 + (k * 7919) % 28000  # 01:00 .. 08:46 UTC = 09:00 .. 16:46 in Beijing
    return (
        f"{date.fromordinal(day).isoformat()}T{secs // 3600:02d}:{secs // 60 % 60:02d}:"
        f"{secs % 60:02d}.{(k * 104729) % 1000000:06d}+00:00"
    )


def _dump(detail: dict[str, object]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Builder:
    def __init__(self, conn: sqlite3.Connection, n: int, seed: int) -> None:
        self.conn = conn
        self.n = n
        self.rnd = random.Random(seed)
        self.cal = WorkCalendar()
        self.config = parse(compose("province"))
        self.units = list(self.config.units)
        self.themes = list(self.config.themes)
        self.regions = list(self.config.regions)
        self.iso: dict[int, str] = {}
        head = conn.execute("SELECT last_id, last_hash FROM trail_head WHERE id = 1").fetchone()
        self.trail_id, self.trail_hash = int(head[0]), str(head[1] or GENESIS)
        self.trail_rows = 0

    # -- helpers ---------------------------------------------------------------------------

    def d(self, ordinal: int | None) -> str | None:
        if ordinal is None or ordinal >= NEVER:
            return None
        s = self.iso.get(ordinal)
        if s is None:
            s = self.iso[ordinal] = date.fromordinal(ordinal).isoformat()
        return s

    def wd(self, starts: list[int], ns: list[int]) -> list[int]:
        """Batch: ``ns[i]`` working days after ``starts[i]`` (0 = the start itself)."""
        idx = [i for i, k in enumerate(ns) if k > 0 and starts[i] < NEVER]
        out = list(starts)
        if idx:
            dues = self.cal.add_workdays_ordinals([starts[i] for i in idx], [ns[i] for i in idx])
            for i, v in zip(idx, dues, strict=True):
                out[i] = v
        return out

    # -- enterprises -----------------------------------------------------------------------

    def enterprises(self, count: int) -> list[tuple[str, str, str]]:
        rnd = self.rnd
        rows, out = [], []
        at = _at(date(2025, 1, 2).toordinal(), 1)
        for k in range(count):
            region = rnd.choice(self.regions)
            body = f"91{REGION_CODES[k % len(REGION_CODES)]}{k + 10**8:09d}"[:17]
            uscc = body + uscc_check_char(body)
            name = (
                f"{region[:2]}{rnd.choice(NAME_ROOTS)}{rnd.choice(NAME_TAILS)}"
                f"{'有限公司' if k % 3 else '股份有限公司'}{k}"
            )
            contact = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(["", *GIVEN])
            phone = f"1{rnd.choice('3578')}{rnd.randrange(10**9):09d}"
            rows.append((uscc, name, contact, phone, region, rnd.choice(INDUSTRIES), at, at))
            out.append((uscc, name, region))
        self.conn.executemany(
            "INSERT INTO enterprise (uscc, name, contact, phone, region, industry, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        return out

    # -- one month -------------------------------------------------------------------------

    def month(self, y: int, m: int, count: int, ents: list[tuple[str, str, str]]) -> None:
        rnd, cal = self.rnd, self.cal
        month = f"{y:04d}-{m:02d}"
        window = [x.toordinal() for x in cal.first_workdays(y, m, 5)[0]]
        days = [x.toordinal() for x in cal.first_workdays(y, m, 25)[0]]
        later = [x for x in days if x > window[-1] + 2] or days[-3:]
        # Sessions: one 主场 and 专场, more for big files, on working days after the window.
        k_sessions = min(99, max(3, count // 400))
        sessions = []
        for j in range(k_sessions):
            day = later[(j * len(later)) // k_sessions]
            units = rnd.sample(self.units, 3)
            sid = f"S{y:04d}{m:02d}-{j + 1:02d}"
            notify_due = cal.notify_by(date.fromordinal(day), self.config.limits.notify_days)
            sessions.append((sid, day, units, notify_due.date.toordinal()))
        created = _at(window[0] - 3, 0)
        self.conn.executemany(
            'INSERT INTO consultation (id, month, date, kind, theme, units, lead, start, "end",'
            " place, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    sid,
                    month,
                    self.d(day),
                    "主场" if j == 0 else "专场",
                    self.themes[j % len(self.themes)],
                    json.dumps(units, ensure_ascii=False),
                    OFFICIALS[j % len(OFFICIALS)],
                    "09:00",
                    "12:00",
                    self.config.place,
                    "planned",
                    created,
                )
                for j, (sid, day, units, _) in enumerate(sessions)
            ],
        )
        # Bookings and their appeals.
        nbook_guess = count  # at most one booking per appeal
        chosen = rnd.sample(range(len(ents)), min(len(ents), nbook_guess))
        A: list[dict[str, object]] = []
        bookings = []
        made, b = 0, 0
        while made < count:
            e = ents[chosen[b % len(chosen)]]
            b += 1
            bid = f"{y:04d}{m:02d}-{b:03d}"
            late = rnd.random() < 0.04
            booked = rnd.choice(later[:3]) if late else rnd.choice(window)
            r = rnd.random()
            k = 1 if r < 0.72 else (2 if r < 0.93 else 3)
            k = min(k, count - made)
            bookings.append((bid, month, b, e[0], booked, late, k, e[1]))
            for s in range(1, k + 1):
                made += 1
                sess = sessions[rnd.randrange(len(sessions))]
                A.append({"id": f"{bid}-{s}", "bid": bid, "seq": s, "booked": booked, "s": sess})
        self.conn.executemany(
            "INSERT INTO booking (id, month, seq, uscc, booked_on, late_reason, source,"
            " created_at, channel) VALUES (?,?,?,?,?,?,?,?,'坐诊')",
            [
                (
                    bid,
                    month,
                    seq,
                    uscc,
                    self.d(booked),
                    "企业因故错过挂号时段，经同意加号" if late else None,
                    "导入" if seq % 3 == 0 else "窗口",
                    _at(booked, seq),
                )
                for bid, month, seq, uscc, booked, late, _, _ in bookings
            ],
        )
        self.conn.execute(
            "INSERT INTO counter (key, value) VALUES (?, ?), (?, ?)",
            (f"booking:{month}", b, f"session:{month}", len(sessions)),
        )
        self.walk(A)
        self.write(month, bookings, A)

    def walk(self, A: list[dict[str, object]]) -> None:
        """Every appeal's timeline on the working-day calendar, cut at TODAY."""
        rnd, limits = self.rnd, self.config.limits
        n = len(A)
        for a in A:
            p = rnd.random()
            text = PROBLEMS[rnd.randrange(len(PROBLEMS))]
            a["theme"], a["title"], a["body"] = text
            a["category"] = "政策咨询" if p < 0.3 else ("意见建议" if p > 0.85 else "服务需求")
            a["class"] = CLASSES[rnd.randrange(len(CLASSES))] if rnd.random() < 0.4 else None
            joint = rnd.random() < 0.2
            a["units"] = rnd.sample(self.units, rnd.choice((2, 3)) if joint else 1)
            a["joint"] = joint
            a["on_spot"] = rnd.random() < 0.3
            a["stuck"] = (
                rnd.choice(("accept", "report", "close", "rate"))
                if (rnd.random() < 0.004)
                else None
            )
        booked = [int(a["booked"]) for a in A]  # type: ignore[call-overload]
        # Triage with verification: 1–6 working days after booking (3 % late: 8–10).
        vr = [rnd.randint(8, 10) if rnd.random() < 0.03 else rnd.randint(1, 6) for _ in A]
        verify_due = self.wd(booked, [limits.verify] * n)
        verified = self.wd(booked, vr)
        for i, a in enumerate(A):
            _, sday, _, notify_due = a["s"]  # type: ignore[misc]
            verified[i] = min(verified[i], sday - 1)  # triage comes before the session
            a["verify_due"], a["verified"] = verify_due[i], verified[i]
            a["session_day"] = sday
            a["notify_due"] = notify_due
            a["notified"] = min(max(verified[i], notify_due - rnd.randint(0, 3)), sday - 1)
            a["heard"] = sday
        heard = [int(a["heard"]) for a in A]  # type: ignore[call-overload]
        schedule_due = self.wd(verified, [limits.schedule] * n)
        hear_due = self.wd(heard, [limits.hear] * n)
        for i, a in enumerate(A):
            a["schedule_due"], a["hear_due"] = schedule_due[i], hear_due[i]
        handed = self.wd(heard, [rnd.choice((0, 0, 1, 2, 3)) for _ in A])
        self.round(A, handed, 1, heard)
        # Re-visits of dissatisfied ratings; a quarter reopened for a second round.
        again = [a for a in A if a.get("revisit_reopen")]
        if again:
            visited = [int(a["visited"]) for a in again]  # type: ignore[call-overload]
            handed2 = self.wd(visited, [rnd.choice((0, 1, 3)) for _ in again])
            self.round(again, handed2, 2, visited)

    def round(
        self, A: list[dict[str, object]], handed: list[int], rnd_no: int, owed: list[int]
    ) -> None:
        """One hand-off round; ``owed``: the day the hand-off became due (hearing, re-visit)."""
        rnd, limits = self.rnd, self.config.limits
        n = len(A)
        handoff_due = self.wd(owed, [limits.handoff] * n)
        plan_due = self.wd(handed, [limits.plan] * n)
        rep_n = [limits.report_joint if a["joint"] else limits.report_single for a in A]
        report_due = self.wd(handed, rep_n)
        acc = self.wd(
            handed, [rnd.randint(6, 8) if rnd.random() < 0.04 else rnd.randint(1, 5) for _ in A]
        )
        ext = [rnd.random() < 0.03 for _ in A]
        new_due = self.wd(report_due, [10] * n)
        granted = self.wd(acc, [2] * n)
        rep = self.wd(
            handed,
            [
                rnd.randint(k + 1, k + 4) if rnd.random() < 0.04 else rnd.randint(5, k)
                for k in rep_n
            ],
        )
        closed = self.wd(rep, [rnd.choice((0, 1, 1, 2, 3)) for _ in A])
        close_due = self.wd(rep, [limits.close] * n)
        for i, a in enumerate(A):
            r = a.setdefault("rounds", [])
            assert isinstance(r, list)
            spot = rnd_no == 1 and a["on_spot"]
            h = {"round": rnd_no}
            if spot:
                h["closed"] = int(a["heard"])  # type: ignore[call-overload]
            else:
                stuck = a["stuck"]
                h["handed"] = handed[i]
                h["plan_due"], h["report_due"] = plan_due[i], report_due[i]
                h["owed"], h["handoff_due"] = owed[i], handoff_due[i]
                h["close_due"] = close_due[i]
                h["report_due_orig"] = report_due[i]
                h["accepted"] = NEVER if stuck == "accept" else acc[i]
                if ext[i] and rep[i] > report_due[i] - 3:
                    h["ext"] = (granted[i], report_due[i], new_due[i])
                    h["report_due"] = new_due[i]
                    rep[i] = min(rep[i], new_due[i])
                h["reported"] = NEVER if stuck in ("accept", "report") else rep[i]
                h["closed"] = NEVER if stuck in ("accept", "report", "close") else closed[i]
            r.append(h)
        cl = [int(x["rounds"][-1]["closed"]) for x in A]  # type: ignore[index]
        rate_due = self.wd(cl, [limits.rate] * n)
        rated = self.wd(
            cl, [rnd.randint(11, 14) if rnd.random() < 0.04 else rnd.randint(1, 9) for _ in A]
        )
        revisit_due = self.wd(rated, [limits.revisit] * n)
        visited = self.wd(rated, [rnd.randint(2, 9) for _ in A])
        for i, a in enumerate(A):
            h = a["rounds"][-1]  # type: ignore[index]
            h["rate_due"] = rate_due[i]
            h["rated"] = NEVER if a["stuck"] == "rate" else rated[i]
            x = rnd.random()
            h["handling"] = "满意" if x < 0.8 else ("基本满意" if x < 0.95 else "不满意")
            if rnd_no == 2:
                h["handling"] = "满意" if x < 0.9 else "基本满意"
            if h["handling"] == "不满意":
                h["revisit_due"], h["visited"] = revisit_due[i], visited[i]
                reopen = rnd.random() < 0.25 and visited[i] <= T
                a["revisit_reopen"] = reopen
                h["reopened"] = reopen
                a["visited"] = visited[i]

    # -- rows ------------------------------------------------------------------------------

    def write(self, month: str, bookings: list[tuple], A: list[dict[str, object]]) -> None:
        d, rnd = self.d, self.rnd
        events: list[tuple[int, int, str, str, str, str]] = []  # day, order, action, entity…
        by_booking: dict[str, list[str]] = {}
        for a in A:
            by_booking.setdefault(str(a["bid"]), []).append(str(a["id"]))
        for bid, _, _, uscc, booked, late, _, name in bookings:
            events.append(
                (
                    booked,
                    0,
                    "book",
                    "booking",
                    bid,
                    _dump(
                        {
                            "uscc": uscc,
                            "enterprise": name,
                            "appeals": by_booking[bid],
                            "late_reason": "加号" if late else None,
                        }
                    ),
                )
            )
        appeals, handoffs, exts, notes, ratings, revisits, dls = [], [], [], [], [], [], []
        closures: list[tuple[object, ...]] = []  # every closed round, kept after a reopen
        for a in A:
            aid = str(a["id"])
            booked = int(a["booked"])  # type: ignore[call-overload]
            sid, sday, _, ndue = a["s"]  # type: ignore[misc]
            units = a["units"]
            assert isinstance(units, list)
            lead = units[0]
            units_json = json.dumps(units, ensure_ascii=False)
            verified, notified, heard = (
                int(a["verified"]),  # type: ignore[call-overload]
                int(a["notified"]),  # type: ignore[call-overload]
                int(a["heard"]),  # type: ignore[call-overload]
            )
            # The verification limit, met on the day of triage (--verified).
            verify_done = (
                aid,
                1,
                "verify",
                None,
                d(booked),
                7,
                "wd",
                d(a["verify_due"]),
                0,
                d(verified),
                int(verified > a["verify_due"]),
            )
            # 接诊 begins with the triage act (the same limit as the verification).
            triage_done = (aid, 1, "triage", *verify_done[3:])
            hear_row = (aid, 1, "hear", None, d(sday), 1, "wd", d(a["hear_due"]), 0)
            status = "booked"
            if verified <= T < sday and rnd.random() < 0.3:
                # Triaged, not yet put into a session: no call-up limit yet.
                appeals.append(self.appeal_row(a, month, "triaged", None, verified))
                events.append(
                    (
                        verified,
                        1,
                        "triage",
                        "appeal",
                        aid,
                        _dump({"units": units, "session": None, "verified_on": d(verified)}),
                    )
                )
                dls.append(verify_done)
                dls.append(triage_done)
                # verified, on no session yet: 排诊 owed
                sched = (d(verified), 3, "wd", d(a["schedule_due"]), 0, None, 0)
                dls.append((aid, 1, "schedule", None, *sched))  # type: ignore[arg-type]
                continue
            # verify + triage (one act: triage --verified --session)
            if verified <= T:
                status = "scheduled"
                events.append(
                    (
                        verified,
                        1,
                        "triage",
                        "appeal",
                        aid,
                        _dump({"units": units, "session": sid, "verified_on": d(verified)}),
                    )
                )
                dls.append(verify_done)
                dls.append(triage_done)
                heard_done = heard <= T
                dls.append((*hear_row, d(heard) if heard_done else None, 0))  # type: ignore[arg-type]
            elif heard > T:
                owed = (d(booked), 7, "wd", d(a["verify_due"]), 0, None, 0)
                dls.append((aid, 1, "verify", None, *owed))  # type: ignore[arg-type]
                dls.append((aid, 1, "triage", None, *owed))  # type: ignore[arg-type]
            notified_on = None
            if verified <= T and notified <= T:
                status = "notified"
                notified_on = notified
                notes.append(
                    (
                        aid,
                        sid,
                        d(notified),
                        "短信" if rnd.random() < 0.7 else "电话",
                        int(notified > ndue),
                    )
                )
                events.append(
                    (
                        notified,
                        2,
                        "notify.sent",
                        "appeal",
                        aid,
                        _dump({"session": sid, "channel": "短信"}),
                    )
                )
                dls.append(
                    (
                        aid,
                        1,
                        "notify",
                        None,
                        d(sday),
                        3,
                        "before",
                        d(ndue),
                        0,
                        d(notified),
                        int(notified > ndue),
                    )
                )
            elif verified <= T and heard > T:
                dls.append((aid, 1, "notify", None, d(sday), 3, "before", d(ndue), 0, None, 0))
            heard_on = heard if heard <= T and verified <= T else None
            official = OFFICIALS[int(sid[-2:]) % len(OFFICIALS)]
            outcome = result = note = closed_on = None
            rnd_no = 1
            extensions = 0
            if heard_on is not None:
                note = None if a["on_spot"] else "需相关部门研究办理"
                status = "closed" if a["on_spot"] else "referred"
                if a["on_spot"]:
                    outcome, result = (
                        "已解决",
                        "现场答复：" + str(a["body"])[:12] + "，已明确办理路径",
                    )
                    closures.append((aid, 1, outcome, result, d(heard), 1))
                events.append(
                    (
                        heard,
                        3,
                        "session.hear",
                        "appeal",
                        aid,
                        _dump(
                            {
                                "session": sid,
                                "official": official,
                                "resolved": bool(a["on_spot"]),
                                "result": result,
                                "note": note,
                            }
                        ),
                    )
                )
                for h in a["rounds"]:  # type: ignore[attr-defined]
                    r = h["round"]
                    if "handed" in h:  # 交办 owed from the hearing or the re-visit
                        hd = h["handed"]
                        done = hd <= T
                        dls.append(
                            (
                                aid,
                                r,
                                "handoff",
                                None,
                                d(h["owed"]),
                                2,
                                "wd",
                                d(h["handoff_due"]),
                                0,
                                d(hd) if done else None,
                                int(done and hd > h["handoff_due"]),
                            )
                        )
                    if r == 2 and h.get("handed", NEVER) > T:
                        rnd_no = r  # reopened: a new round, not yet handed off
                        break
                    rnd_no = r
                    if "handed" in h:
                        hd = h["handed"]
                        if hd > T:
                            break
                        status = "handed_off"
                        outcome = result = closed_on = None
                        events.append(
                            (
                                hd,
                                4,
                                "assign.to",
                                "appeal",
                                aid,
                                _dump(
                                    {
                                        "round": r,
                                        "units": units,
                                        "plan_due": d(h["plan_due"]),
                                        "report_due": d(h["report_due_orig"]),
                                    }
                                ),
                            )
                        )
                        acc, rep, cl = h["accepted"], h["reported"], h["closed"]
                        ext = h.get("ext")
                        ext_on = ext is not None and ext[0] <= T and ext[0] < rep
                        cur_due = h["report_due"] if ext_on else h["report_due_orig"]
                        acc_done = acc <= T
                        rep_done = rep <= T and acc_done
                        cl_done = cl <= T and rep_done
                        if acc_done:
                            status = "undertaken"
                            events.append(
                                (
                                    acc,
                                    5,
                                    "assign.accept",
                                    "appeal",
                                    aid,
                                    _dump(
                                        {"round": r, "handler": "经办人", "promised_by": d(cur_due)}
                                    ),
                                )
                            )
                        dls.append(
                            (
                                aid,
                                r,
                                "accept",
                                lead,
                                d(hd),
                                5,
                                "wd",
                                d(h["plan_due"]),
                                0,
                                d(acc) if acc_done else None,
                                int(acc_done and acc > h["plan_due"]),
                            )
                        )
                        if ext_on:
                            g, old, new = ext
                            extensions = 1
                            exts.append(
                                (
                                    aid,
                                    r,
                                    d(g),
                                    d(old),
                                    d(new),
                                    "涉及多部门会商，需延长办理时间",
                                    None,
                                )
                            )
                            events.append(
                                (
                                    g,
                                    6,
                                    "assign.extend",
                                    "appeal",
                                    aid,
                                    _dump({"round": r, "old_due": d(old), "new_due": d(new)}),
                                )
                            )
                            dls.append(
                                (
                                    aid,
                                    r,
                                    "report",
                                    lead,
                                    d(g),
                                    None,
                                    "fixed",
                                    d(new),
                                    0,
                                    d(rep) if rep_done else None,
                                    int(rep_done and rep > new),
                                )
                            )
                        else:
                            n_rep = 20 if a["joint"] else 15
                            dls.append(
                                (
                                    aid,
                                    r,
                                    "report",
                                    lead,
                                    d(hd),
                                    n_rep,
                                    "wd",
                                    d(cur_due),
                                    0,
                                    d(rep) if rep_done else None,
                                    int(rep_done and rep > cur_due),
                                )
                            )
                        handoffs.append(
                            (
                                aid,
                                r,
                                d(hd),
                                units_json,
                                lead,
                                int(bool(a["joint"])),
                                d(acc) if acc_done else None,
                                "经办人" if acc_done else None,
                                "研究制定办理方案" if acc_done else None,
                                d(cur_due) if acc_done else None,
                                int(acc_done and acc > h["plan_due"]),
                                d(rep) if rep_done else None,
                                "已按要求办理并答复企业" if rep_done else None,
                                int(rep_done and rep > cur_due),
                                extensions,
                            )
                        )
                        if rep_done:
                            status = "reported"
                            events.append(
                                (
                                    rep,
                                    7,
                                    "assign.report",
                                    "appeal",
                                    aid,
                                    _dump({"round": r, "late": rep > cur_due}),
                                )
                            )
                            dls.append(
                                (
                                    aid,
                                    r,
                                    "close",
                                    None,
                                    d(rep),
                                    5,
                                    "wd",
                                    d(h["close_due"]),
                                    0,
                                    d(cl) if cl_done else None,
                                    int(cl_done and cl > h["close_due"]),
                                )
                            )
                        if not cl_done:
                            break
                        status, closed_on = "closed", cl
                        x = rnd.random()
                        outcome = "解释说明" if x < 0.12 else "已解决"
                        result = (
                            "已协调解决" if outcome == "已解决" else "政策不支持，已向企业解释说明"
                        )
                        closures.append((aid, r, outcome, result, d(cl), 0))
                        events.append(
                            (
                                cl,
                                8,
                                "close",
                                "appeal",
                                aid,
                                _dump({"round": r, "outcome": outcome, "result": result}),
                            )
                        )
                    else:
                        closed_on = h["closed"]
                    # rating
                    cl = h["closed"]
                    rated = h["rated"]
                    if rated <= T:
                        status = "rated"
                        rated_done = True
                        ratings.append(
                            (
                                aid,
                                r,
                                "满意" if h["handling"] != "不满意" else "基本满意",
                                h["handling"],
                                None,
                                d(rated),
                                _at(rated, 9),
                            )
                        )
                        events.append(
                            (
                                rated,
                                9,
                                "rate",
                                "appeal",
                                aid,
                                _dump(
                                    {
                                        "round": r,
                                        "service": "满意"
                                        if h["handling"] != "不满意"
                                        else "基本满意",
                                        "handling": h["handling"],
                                    }
                                ),
                            )
                        )
                    else:
                        rated_done = False
                    dls.append(
                        (
                            aid,
                            r,
                            "rate",
                            lead,
                            d(cl),
                            10,
                            "wd",
                            d(h["rate_due"]),
                            0,
                            d(rated) if rated_done else None,
                            int(rated_done and rated > h["rate_due"]),
                        )
                    )
                    if rated_done and h["handling"] == "不满意":
                        v = h["visited"]
                        v_done = v <= T
                        dls.append(
                            (
                                aid,
                                r,
                                "revisit",
                                lead,
                                d(rated),
                                10,
                                "wd",
                                d(h["revisit_due"]),
                                0,
                                d(v) if v_done else None,
                                int(v_done and v > h["revisit_due"]),
                            )
                        )
                        if v_done:
                            revisits.append(
                                (aid, r, d(v), "电话回访，已向企业说明情况", int(h["reopened"]))
                            )
                            events.append(
                                (
                                    v,
                                    10,
                                    "audit.revisit",
                                    "appeal",
                                    aid,
                                    _dump({"round": r, "reopen": bool(h["reopened"])}),
                                )
                            )
                            if h["reopened"]:
                                status = "reopened"
                                outcome = result = closed_on = None
                                continue
                    break
            appeals.append(
                (
                    aid,
                    a["bid"],
                    a["seq"],
                    month,
                    f"{a['title']}：{a['body']}（{aid}）",
                    a["category"],
                    status,
                    a["theme"],
                    a["class"],
                    units_json,
                    lead,
                    sid,
                    d(verified) if verified <= T else None,
                    d(notified_on),
                    "短信" if notified_on else None,
                    d(heard_on),
                    official if heard_on else None,
                    note,
                    rnd_no,
                    outcome,
                    int(bool(a["on_spot"]) and heard_on is not None),
                    result,
                    d(closed_on),
                    _at(booked, 1),
                    _at(min(T, booked + 30), 2),
                )
            )
        c = self.conn
        c.executemany(
            "INSERT INTO appeal (id, booking_id, seq, month, text, category, status, theme,"
            " problem_class, units, lead_unit, session_id, verified_on, notified_on,"
            " notify_channel, heard_on, heard_by, hearing_note, round, outcome,"
            " resolved_on_spot, result, closed_on, created_at, updated_at, renotify)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
            appeals,
        )
        c.executemany(
            "INSERT INTO handoff (appeal_id, round, handed_on, units, lead_unit, joint,"
            " accepted_on, handler, measures, promised_by, accepted_late, reported_on,"
            " report_text, reported_late, extensions) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            handoffs,
        )
        c.executemany(
            "INSERT INTO closure (appeal_id, round, outcome, result, closed_on, on_spot)"
            " VALUES (?,?,?,?,?,?)",
            closures,
        )
        c.executemany(
            "INSERT INTO extension (appeal_id, round, granted_on, old_due, new_due, reason, basis)"
            " VALUES (?,?,?,?,?,?,?)",
            exts,
        )
        c.executemany(
            "INSERT INTO notification (appeal_id, session_id, sent_on, channel, late)"
            " VALUES (?,?,?,?,?)",
            notes,
        )
        c.executemany(
            "INSERT INTO rating (appeal_id, round, service, handling, comment, rated_on,"
            " recorded_at) VALUES (?,?,?,?,?,?,?)",
            ratings,
        )
        c.executemany(
            "INSERT INTO revisit (appeal_id, round, visited_on, note, reopened) VALUES (?,?,?,?,?)",
            revisits,
        )
        c.executemany(
            "INSERT INTO deadline (appeal_id, round, step, unit, start, count, rule, due,"
            " provisional, done_on, late) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            dls,
        )
        self.trail(events)

    def appeal_row(
        self, a: dict[str, object], month: str, status: str, sid: str | None, verified: int
    ) -> tuple[object, ...]:
        """An appeal that has not reached its session (triaged only)."""
        aid, booked = a["id"], int(a["booked"])  # type: ignore[call-overload]
        units = a["units"]
        assert isinstance(units, list)
        return (
            aid,
            a["bid"],
            a["seq"],
            month,
            f"{a['title']}：{a['body']}（{aid}）",
            a["category"],
            status,
            a["theme"],
            a["class"],
            json.dumps(units, ensure_ascii=False),
            units[0],
            sid,
            self.d(verified),
            None,
            None,
            None,
            None,
            None,
            1,
            None,
            0,
            None,
            None,
            _at(booked, 1),
            _at(verified, 2),
        )

    def trail(self, events: list[tuple[int, int, str, str, str, str]]) -> None:
        """Append the month's acts in date order, hash-chained exactly as trail.append."""
        events.sort(key=lambda e: (e[0], e[1], e[4]))
        rows = []
        prev, tid = self.trail_hash, self.trail_id
        sha = hashlib.sha256
        for k, (day, _, action, entity, entity_id, detail) in enumerate(events):
            tid += 1
            at = _at(day, tid)
            as_of = self.d(day)
            op = CLERKS[k % len(CLERKS)]
            h = sha(
                "\x1f".join((prev, at, as_of, op, action, entity, entity_id, detail)).encode()
            ).hexdigest()
            rows.append((tid, at, as_of, op, action, entity, entity_id, detail, prev, h))
            prev = h
        self.conn.executemany(
            "INSERT INTO trail (id, at, as_of, operator, action, entity, entity_id, detail,"
            " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        self.trail_hash, self.trail_id = prev, tid
        self.trail_rows += len(rows)

    def finish(self) -> None:
        self.conn.execute(
            "UPDATE trail_head SET last_id = ?, last_hash = ? WHERE id = 1",
            (self.trail_id, self.trail_hash),
        )


def case_path(size: int, seed: int = 7, folder: Path = DEFAULT_FOLDER) -> Path:
    return folder / f"case-{size}-s{seed}-g{GEN_VERSION}.db"


def build(path: Path, n: int, seed: int = 7, *, log: bool = True) -> dict[str, float]:
    """Build a case file of ``n`` appeals at ``path`` (must not exist). Returns timings."""
    t0 = time.perf_counter()
    tmp = path.with_name(path.name + ".part")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    create_case_file(str(tmp), compose("province"), Act("基准生成", date(2025, 1, 2))).close()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA cache_size = -500000")
    conn.execute("PRAGMA temp_store = MEMORY")
    bld = Builder(conn, n, seed)
    conn.execute("BEGIN")
    ents = bld.enterprises(max(300, n // 3))
    per = n // len(MONTHS)
    for i, (y, m) in enumerate(MONTHS):
        count = per if i < len(MONTHS) - 1 else n - per * (len(MONTHS) - 1)
        bld.month(y, m, count, ents)
        if i % 4 == 3:  # a few big transactions, not one giant one
            conn.execute("COMMIT")
            conn.execute("BEGIN")
        if log:
            print(
                f"  {y}-{m:02d}: {count} appeals, {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                end="\r",
            )
    bld.finish()
    conn.execute("COMMIT")
    t1 = time.perf_counter()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    sealed = _seal(tmp)
    os.replace(tmp, path)
    t2 = time.perf_counter()
    if log:
        print(
            f"built {path.name}: {n:,} appeals, {bld.trail_rows:,} trail rows in {t2 - t0:.0f} s"
            f" (inserts {t1 - t0:.0f} s, analyse and seal {sealed:,} records {t2 - t1:.0f} s), "
            f"{path.stat().st_size / 1e6:.0f} MB",
            file=sys.stderr,
        )
    return {"seconds": t2 - t0, "trail_rows": float(bld.trail_rows)}


def _seal(path: Path) -> int:
    """Seal every record, as ``zuozhen`` does after each change (store/seal.py), so that
    ``verify`` replays the trail and passes; returns the records sealed."""
    case = open_case_file(str(path))
    try:
        with case.write(Act("基准生成", date(2025, 12, 31))) as tx:
            return seal.seal_all(tx.session, at=tx.at, as_of=tx.today, operator=tx.act.operator)
    finally:
        case.close()


def ensure(size: int, seed: int = 7, folder: Path = DEFAULT_FOLDER) -> Path:
    """The cached case file of ``size`` appeals, built if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    path = case_path(size, seed, folder)
    if not path.exists():
        build(path, size, seed)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, nargs="+", default=[10_000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    ap.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = ap.parse_args()
    for n in args.size:
        path = case_path(n, args.seed, args.folder)
        if args.force:
            path.unlink(missing_ok=True)
        print(ensure(n, args.seed, args.folder))


if __name__ == "__main__":
    main()
