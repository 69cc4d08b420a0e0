"""The office's Word 公文 (GB/T 9704-2012): the announcement, the 工作记录表, the 交办单 and
the 督办单 (the 通报 is built in bulletin.py from the same parts).

Each function takes what a domain module already collected (``announce.build``,
``hearing.session_record``, ``handoff_notice.collect``, ``supervision.collect_notices``)
and lays it out with ``files.gongwen.Gongwen``; it never reads the case file itself. The
layout's rules (margins, grid, fonts, 发文机关标志, page numbers) are in files/gongwen.py;
what is said is the same as in the Markdown and HTML outputs of the same command.
python-docx is imported only when one of these functions runs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zuozhen.announce import Announcement
    from zuozhen.files.gongwen import Gongwen
    from zuozhen.handoff_notice import HandoffNotice
    from zuozhen.hearing import SessionRecord
    from zuozhen.supervision_notices import SupervisionNotice


def announcement(ann: Announcement) -> Gongwen:
    """The month's 公告 on one A4 page for a typical month (four sessions): the sessions'
    table is set in 五号 and the four parts are run-in headings."""
    from zuozhen.files.gongwen import Gongwen

    v = ann.view()
    doc = Gongwen()
    doc.masthead(ann.office or ann.organiser)
    doc.title(ann.title)
    doc.heading1(
        "一、坐诊安排。",
        f"{v['month_word']}共安排坐诊{len(ann.sessions)}场，地点：{ann.place}。",
    )
    rows = []
    for s in v["sessions"]:
        when = f"{s['short_date']}\n{s['weekday']}"
        if s["postponed_from"]:
            when += f"\n（原定{s['postponed_from']}）"
        rows.append([when, s["time"], s["kind"], s["theme"], s["units_text"], s["lead"]])
    doc.table(
        ["日期", "时间", "类型", "主题", "联合坐诊单位", "领衔坐诊"],
        rows,
        (23, 25, 11, 19, 44, 34),
        size=10.5,
    )
    if ann.rolling:
        booking = (
            "随时挂号（线上全天候受理），按挂号先后排入最近一场来得及在坐诊前"
            f"{ann.notify_days}日叫号的场次。"
        )
    else:
        weekend = (
            f"（其中{'、'.join(v['window_weekend'])}为调休上班日）" if v["window_weekend"] else ""
        )
        booking = f"{v['window_text']}，即{v['month_word']}前{v['window_days']}个工作日{weekend}。"
    doc.heading1("二、挂号时间。", booking)
    doc.heading1(
        "三、挂号方式。",
        f"线上：{ann.online_window}；线下：{ann.counter}，填写《企业“挂号”预约信息表》。"
        f"坐诊前{ann.notify_days}日以电话或短信告知具体时间、地点及场次。"
        + (f"咨询电话：{'；'.join(ann.contacts)}。" if ann.contacts else ""),
    )
    for note in ann.notes:
        doc.small(f"提示：{note}")
    doc.signature(ann.signature or ann.organiser, ann.issued or date.today())
    return doc


def session_record(rec: SessionRecord, office: str, signature: str, issued: date) -> Gongwen:
    """《“坐诊”服务工作记录表》: the session's header, then one row per appeal."""
    from zuozhen.files.gongwen import Gongwen, zh_date

    s = rec.session
    doc = Gongwen()
    doc.masthead(office)
    doc.title("“坐诊”服务工作记录表")
    day = s["date"]
    doc.table(
        ["场次", "日期、时间", "类型、主题", "地点"],
        [
            [
                s["id"],
                f"{zh_date(day) if day else ''} {s['start']}—{s['end']}",
                f"{s['kind']}·{s['theme']}",
                s["place"],
            ]
        ],
        (27, 45, 34, 50),
        size=12,
    )
    doc.small(f"坐诊领导：{s['lead_text']}；联合坐诊单位：{'、'.join(s['units']) or '（无）'}。")
    rows = [
        [
            str(i),
            x["appeal"],
            x["enterprise"],
            x["text"],
            x["answer"] or "",
            "是" if x["resolved_on_spot"] else "否",
            "、".join(x["units"]),
            x["status_label"],
        ]
        for i, x in enumerate(rec.rows, 1)
    ]
    if rows:
        doc.table(
            [
                "序号",
                "诉求号",
                "企业名称",
                "诉求内容",
                "现场答复/处理意见",
                "现场解决",
                "承办单位",
                "状态",
            ],
            rows,
            (8, 25, 22, 34, 30, 10, 16, 11),
            size=10.5,
        )
        absent = f"，其中企业未到场{rec.absent}条" if rec.absent else ""
        doc.small(f"共{len(rec.rows)}条诉求{absent}。")
    else:
        doc.para("本场次没有诉求：无。")
    doc.signature(signature, issued)
    return doc


def handoff_notices(notices: list[HandoffNotice]) -> Gongwen:
    """交办单: one per hand-off, each on its own page (a unit's batch is one file)."""
    from zuozhen.files.gongwen import Gongwen, zh_date

    doc = Gongwen()
    for k, n in enumerate(notices):
        if k:
            doc.page_break()
        doc.masthead(n.office, n.number)
        doc.title("“坐诊接诉”企业诉求交办单")
        doc.addressee("、".join(n.units))
        kind = "联合交办，" + n.units[0] + "牵头" if len(n.units) > 1 else "单独交办"
        doc.para(
            f"经{n.session_text}，现将企业诉求{n.appeal}交你单位办理（{kind}）。"
            f"请于{zh_date(n.plan_due)}前明确承办人、办理措施和办结时限，"
            f"于{zh_date(n.report_due)}前书面反馈办理结果；确需延期的，请书面说明理由。"
        )
        doc.table(
            ["项目", "内容"],
            [
                ["诉求号", n.appeal],
                ["企业名称", n.enterprise],
                ["诉求类别", n.category],
                ["诉求内容", n.text],
                ["坐诊意见", n.note or "现场不能解决，交办承办单位办理"],
                ["交办日期", zh_date(n.handed_on)],
                ["承办期限", zh_date(n.plan_due) + ("（暂定）" if n.provisional else "")],
                ["反馈期限", zh_date(n.report_due) + ("（暂定）" if n.provisional else "")],
            ],
            (30, 126),
            size=12,
        )
        doc.signature(n.signature, n.handed_on)
    return doc


def supervision_notice(n: SupervisionNotice) -> Gongwen:
    """督办单: every overdue step (承办, 反馈) the unit owns, with a reply-by date."""
    from zuozhen.files.gongwen import Gongwen

    doc = Gongwen()
    doc.masthead(n.office, n.number)
    doc.title("“坐诊接诉”企业诉求督办单")
    doc.addressee(n.unit)
    doc.para(n.opening)
    doc.table(
        ["序号", "诉求号", "企业", "环节", "期限", "超期\n工作日"],
        [
            [str(k), i.appeal, i.enterprise, i.step_label, i.due_text, str(i.days_overdue)]
            for k, i in enumerate(n.items, 1)
        ],
        (10, 32, 46, 12, 38, 18),
        size=11,
        numeric=(0, 5),
    )
    doc.para(n.closing)
    doc.signature(n.signature, n.issued)
    return doc
