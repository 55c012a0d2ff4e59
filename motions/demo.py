"""Demo data of this app (``manage.py seed_demo``, ``liaison.demo.seed``): the login county's
congress session of the demo year with its suggestions in every state, and the year's
supervision items in every state, each with the timeline its steps would have written.
Deterministic (one seeded ``random.Random``); dated in the demo year, so the dashboards and
the circulars of that year show their figures; written in bulk, a few hundred rows."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from deputies.models import Deputy
from motions.models import (
    CongressSession,
    Consultation,
    DeputySuggestion,
    MotionAttachment,
    Satisfaction,
    SuggestionEvent,
    SupervisionEvent,
    SupervisionItem,
)
from motions.services import EXTENDED_MONTHS, REHANDLE_MONTHS, REPLY_MONTHS, legal_due
from suggestions.models import HandlingUnit, Ticket, TimelineEvent

S = DeputySuggestion.Status
I = SupervisionItem.Status  # noqa: E741

TITLES = [
    ("关于加快农村公路提档升级的建议", DeputySuggestion.Category.URBAN),
    ("关于完善城区停车设施的建议", DeputySuggestion.Category.URBAN),
    ("关于加强农村饮水安全保障的建议", DeputySuggestion.Category.AGRICULTURE),
    ("关于扶持核桃产业发展的建议", DeputySuggestion.Category.AGRICULTURE),
    ("关于改善乡镇卫生院医疗条件的建议", DeputySuggestion.Category.SOCIAL),
    ("关于解决城区学校大班额问题的建议", DeputySuggestion.Category.SOCIAL),
    ("关于优化营商环境的建议", DeputySuggestion.Category.ECONOMY),
    ("关于支持中小企业融资的建议", DeputySuggestion.Category.ECONOMY),
    ("关于加强校园周边交通安全治理的建议", DeputySuggestion.Category.GOVERNANCE),
    ("关于推进矛盾纠纷多元化解的建议", DeputySuggestion.Category.GOVERNANCE),
    ("关于加快老旧小区改造的建议", DeputySuggestion.Category.URBAN),
    ("关于提高农村养老服务水平的建议", DeputySuggestion.Category.SOCIAL),
    ("关于加强文水河生态治理的建议", DeputySuggestion.Category.AGRICULTURE),
    ("关于规范农贸市场管理的建议", DeputySuggestion.Category.GOVERNANCE),
    ("关于增加城乡公交线路的建议", DeputySuggestion.Category.URBAN),
    ("关于加强基层文化设施建设的建议", DeputySuggestion.Category.SOCIAL),
    ("关于推进电商进农村的建议", DeputySuggestion.Category.ECONOMY),
    ("关于加强食品安全监管的建议", DeputySuggestion.Category.GOVERNANCE),
    ("关于完善冬季清洁取暖补贴政策的建议", DeputySuggestion.Category.OTHER),
    ("关于加快县城污水管网建设的建议", DeputySuggestion.Category.URBAN),
    ("关于加强乡村医生队伍建设的建议", DeputySuggestion.Category.SOCIAL),
    ("关于发展乡村旅游的建议", DeputySuggestion.Category.ECONOMY),
    ("关于加强农田水利设施维护的建议", DeputySuggestion.Category.AGRICULTURE),
    ("关于规范物业服务管理的建议", DeputySuggestion.Category.GOVERNANCE),
]

# (status, reply class, satisfaction, rehandled, late, extended): one per suggestion, so
# every state, every class and vote, a re-handled, a late and an extended one are there
PLAN = [
    (S.SUBMITTED, "", "", 0, False, False),
    (S.SUBMITTED, "", "", 0, False, False),
    (S.REGISTERED, "", "", 0, False, False),
    (S.REGISTERED, "", "", 0, False, False),
    (S.WITHDRAWN, "", "", 0, False, False),
    (S.ASSIGNED, "", "", 0, False, False),
    (S.ASSIGNED, "", "", 0, False, True),
    (S.ASSIGNED, "", "", 1, False, False),  # voted 不满意 and sent back
    (S.REPLIED, "A", "", 0, False, False),
    (S.REPLIED, "B", "", 0, True, False),
    (S.EVALUATED, "C", Satisfaction.UNSATISFIED, 0, False, False),
    (S.EVALUATED, "A", Satisfaction.SATISFIED, 0, False, False),
    (S.EVALUATED, "B", Satisfaction.BASIC, 0, False, False),
    (S.CLOSED, "A", Satisfaction.SATISFIED, 0, False, False),
    (S.CLOSED, "A", Satisfaction.SATISFIED, 0, False, False),
    (S.CLOSED, "A", Satisfaction.SATISFIED, 0, False, False),
    (S.CLOSED, "A", Satisfaction.BASIC, 0, False, False),
    (S.CLOSED, "B", Satisfaction.SATISFIED, 0, False, False),
    (S.CLOSED, "B", Satisfaction.BASIC, 0, True, False),
    (S.CLOSED, "B", Satisfaction.SATISFIED, 0, False, True),
    (S.CLOSED, "C", Satisfaction.BASIC, 0, False, False),
    (S.CLOSED, "A", Satisfaction.SATISFIED, 1, False, False),  # re-handled, then satisfied
    (S.CLOSED, "C", Satisfaction.SATISFIED, 0, False, False),
    (S.CLOSED, "A", Satisfaction.SATISFIED, 0, False, False),
]

ITEMS = [
    ("县人大常委会关于全县义务教育均衡发展情况报告的审议意见", "教师编制不足，农村学校教学设施薄弱"),
    ("县人大常委会关于全县安全生产工作情况报告的审议意见", "部分企业主体责任落实不到位，隐患整改不彻底"),
    ("县人大常委会关于农村人居环境整治情况报告的审议意见", "垃圾转运设施不足，长效管护机制不健全"),
    ("县人大常委会关于全县食品安全工作情况报告的审议意见", "小作坊、小摊贩监管薄弱"),
    ("县人大常委会关于城乡居民医疗保险工作情况报告的审议意见", "异地就医结算不便，基层报销比例偏低"),
    ("县人大常委会关于文物保护工作情况报告的审议意见", "部分文物保护单位年久失修"),
    ("县人大常委会关于县城集中供热工作情况报告的审议意见", "管网老化，部分小区室温不达标"),
    ("县人大常委会关于优化营商环境工作情况报告的审议意见", "审批事项多、时限长"),
    ("重点督办建议：加快农村公路提档升级", "部分通村道路路面破损、安全设施缺失"),
    ("重点督办建议：解决城区学校大班额问题", "城区学位紧张，部分班级超过 55 人"),
    ("县人大常委会关于全县水资源管理工作情况报告的审议意见", "地下水超采，节水措施落实不够"),
    ("县人大常委会关于法治政府建设情况报告的审议意见", "行政执法不够规范，执法公示不到位"),
]
# (status, reported late, outcome, re-supervised)
ITEM_PLAN = [
    (I.SUPERVISING, False, "", 0),
    (I.SUPERVISING, False, "", 0),
    (I.SUPERVISING, False, "", 1),  # voted 不满意, re-supervised
    (I.REPORTED, False, "", 0),
    (I.REPORTED, True, "", 0),
    (I.EVALUATED, False, Satisfaction.UNSATISFIED, 0),
    (I.EVALUATED, False, Satisfaction.BASIC, 0),
    (I.CLOSED, False, Satisfaction.SATISFIED, 0),
    (I.CLOSED, False, Satisfaction.SATISFIED, 0),
    (I.CLOSED, True, Satisfaction.BASIC, 0),
    (I.CLOSED, False, Satisfaction.SATISFIED, 1),
    (I.CLOSED, False, Satisfaction.SATISFIED, 0),
]
VOTES = {
    Satisfaction.SATISFIED: (21, 4, 1),
    Satisfaction.BASIC: (9, 15, 2),
    Satisfaction.UNSATISFIED: (5, 6, 15),
}


@dataclass
class _Timeline:
    """The events of one record, each a day after the last unless dated."""

    rows: list
    model: type
    fk: str

    def add(self, record, action: str, from_status: str, to_status: str, day: dt.date, **data) -> None:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        comment = data.pop("comment", "")
        self.rows.append(
            self.model(
                **{self.fk: record},
                action=action,
                from_status=from_status,
                to_status=to_status,
                at=at,
                comment=comment,
                data=data,
            )
        )


def seed_motions(*, scope: dict, seed: int, year: int) -> dict[str, int]:
    """The login county's (``scope["county"]``) session of ``year`` and its suggestions,
    and its supervision items of ``year``. The login deputy leads some, the login unit
    leads some; returns the row counts."""
    rng = random.Random(f"liaison-demo-motions:{seed}")
    county = scope["county"]
    session = CongressSession.objects.create(
        region=county,
        name=f"{county.name}第十七届人民代表大会第三次会议",
        opens_on=dt.date(year, 1, 6),
        closes_on=dt.date(year, 1, 9),
    )
    deputies = list(
        Deputy.objects.filter(home_station__region__path__startswith=county.path).order_by("id")[:400]
    )
    units = list(
        HandlingUnit.objects.filter(region=county, kind=HandlingUnit.Kind.COUNTY_DEPARTMENT).order_by("name")
    )
    login_deputy, login_unit = scope["deputy"], scope["unit"]
    tickets = list(
        Ticket.objects.filter(
            station__region__path__startswith=county.path, tier=Ticket.Tier.DEPUTY_SUGGESTION
        ).order_by("received_at", "id")[:2]
    )
    suggestions, joint, co, events, consultations = [], [], [], [], []
    timeline = _Timeline(events, SuggestionEvent, "suggestion")
    number = 0
    for n, ((title, category), plan) in enumerate(zip(TITLES, PLAN, strict=True)):
        status, reply_class, satisfaction, rehandled, late, extended = plan
        lead = login_deputy if n % 4 == 0 else rng.choice(deputies)
        unit = login_unit if n % 3 == 0 else rng.choice(units)
        submitted = dt.date(year, 1, 7) if n < 16 else dt.date(year, rng.randint(2, 5), rng.randint(1, 28))
        s = DeputySuggestion(
            session=session,
            timing=DeputySuggestion.Timing.DURING if n < 16 else DeputySuggestion.Timing.BETWEEN,
            title=title,
            content=f"{title.removeprefix('关于').removesuffix('的建议')}，群众反映强烈，建议有关部门统筹研究、加快解决。",
            submitted_by=lead,
            submitted_at=timezone.make_aware(dt.datetime.combine(submitted, dt.time(9, 0))),
            source_ticket=tickets.pop(0) if tickets and n in (8, 13) else None,
            status=status,
        )
        suggestions.append(s)
        for d in rng.sample([d for d in deputies if d.pk != lead.pk], rng.choice((0, 0, 1, 2, 4))):
            joint.append(DeputySuggestion.co_signers.through(deputysuggestion=s, deputy=d))
        timeline.add(s, "submit", "", S.SUBMITTED, submitted, co_signers=0, source_ticket="")
        if status == S.SUBMITTED:
            continue
        if status == S.WITHDRAWN:
            timeline.add(
                s,
                "withdraw",
                S.SUBMITTED,
                S.WITHDRAWN,
                submitted + dt.timedelta(days=3),
                comment="已与有关部门沟通解决，撤回",
            )
            continue
        number += 1
        s.number, s.category = number, category
        registered = submitted + dt.timedelta(days=12)
        timeline.add(s, "register", S.SUBMITTED, S.REGISTERED, registered, number=number, category=category)
        if status == S.REGISTERED:
            continue
        s.lead_unit, s.assigned_on = unit, registered + dt.timedelta(days=14)
        s.due_on = legal_due(s.assigned_on, REPLY_MONTHS)
        helpers = [u for u in units if u.pk != unit.pk][: rng.choice((0, 1, 1, 2))]
        co += [DeputySuggestion.co_units.through(deputysuggestion=s, handlingunit=u) for u in helpers]
        timeline.add(
            s,
            "assign",
            S.REGISTERED,
            S.ASSIGNED,
            s.assigned_on,
            lead_unit=unit.name,
            co_units=[u.name for u in helpers],
            assigned_on=s.assigned_on.isoformat(),
            due_on=s.due_on.isoformat(),
        )
        met = s.assigned_on + dt.timedelta(days=rng.randint(10, 30))
        if n % 5 != 0 or status != S.ASSIGNED:  # one assigned one not met yet
            event = SuggestionEvent(
                suggestion=s,
                action="consult",
                from_status=S.ASSIGNED,
                to_status=S.ASSIGNED,
                at=timezone.make_aware(dt.datetime.combine(met, dt.time(15, 0))),
                comment="当面听取代表意见，介绍办理打算。",
                data={
                    "held_on": met.isoformat(),
                    "form": "visit",
                    "participants": "分管领导、经办人、领衔代表",
                },
            )
            events.append(event)
            consultations.append(
                Consultation(
                    suggestion=s,
                    unit=unit,
                    held_on=met,
                    form=rng.choice(Consultation.Form.values),
                    participants="分管领导、经办人、领衔代表",
                    notes="当面听取代表意见，介绍办理打算。",
                    event=event,
                )
            )
        if extended:
            s.extension_reason = "涉及跨部门协调和资金安排，需延期答复"
            s.due_on = legal_due(s.assigned_on, EXTENDED_MONTHS)
            timeline.add(
                s,
                "extend",
                S.ASSIGNED,
                S.ASSIGNED,
                met + dt.timedelta(days=20),
                comment=s.extension_reason,
                due_on=s.due_on.isoformat(),
            )
        if status == S.ASSIGNED and not rehandled:
            continue
        if rehandled:  # a first reply voted 不满意, sent back for a month
            first = s.due_on - dt.timedelta(days=10)
            timeline.add(
                s,
                "reply",
                S.ASSIGNED,
                S.REPLIED,
                first,
                comment="已列入研究。",
                reply_class="C",
                on_time=True,
            )
            timeline.add(
                s,
                "evaluate",
                S.REPLIED,
                S.EVALUATED,
                first + dt.timedelta(days=7),
                satisfaction=Satisfaction.UNSATISFIED,
            )
            s.rehandle_count = 1
            s.assigned_on = first + dt.timedelta(days=12)
            s.due_on = legal_due(s.assigned_on, REHANDLE_MONTHS)
            timeline.add(
                s,
                "rehandle",
                S.EVALUATED,
                S.ASSIGNED,
                s.assigned_on,
                comment="代表不满意，重新办理",
                rehandle_count=1,
                due_on=s.due_on.isoformat(),
            )
            if status == S.ASSIGNED:
                continue
        s.reply_class = reply_class
        s.replied_on = (
            s.due_on + dt.timedelta(days=6) if late else s.due_on - dt.timedelta(days=rng.randint(3, 40))
        )
        s.replied_on = max(s.replied_on, s.assigned_on + dt.timedelta(days=1))
        s.reply_text = {
            "A": "所提建议已采纳，相关工作已完成。",
            "B": "所提建议已列入年度计划，正在推进。",
            "C": "所提问题受政策和资金所限，留作参考，已向代表说明。",
        }[reply_class]
        timeline.add(
            s,
            "reply",
            S.ASSIGNED,
            S.REPLIED,
            s.replied_on,
            comment=s.reply_text,
            reply_class=reply_class,
            on_time=s.replied_on <= s.due_on,
        )
        if status == S.REPLIED:
            continue
        s.satisfaction = satisfaction
        voted = s.replied_on + dt.timedelta(days=rng.randint(5, 20))
        timeline.add(s, "evaluate", S.REPLIED, S.EVALUATED, voted, satisfaction=satisfaction)
        if status == S.CLOSED:
            timeline.add(
                s, "close", S.EVALUATED, S.CLOSED, voted + dt.timedelta(days=5), satisfaction=satisfaction
            )
    session.last_number = number
    session.save(update_fields=["last_number"])
    DeputySuggestion.objects.bulk_create(suggestions)
    TimelineEvent.objects.bulk_create(  # the station's opinions turned into these: their timeline says so
        TimelineEvent(
            ticket=s.source_ticket,
            action="motion_submitted",
            from_status=s.source_ticket.status,
            to_status=s.source_ticket.status,
            at=s.submitted_at,
            comment=f"已转为代表建议：{s.title}，请告知群众",
        )
        for s in suggestions
        if s.source_ticket is not None
    )
    DeputySuggestion.co_signers.through.objects.bulk_create(joint)
    DeputySuggestion.co_units.through.objects.bulk_create(co)
    SuggestionEvent.objects.bulk_create(events)
    Consultation.objects.bulk_create(consultations)

    items, departments, item_events = [], [], []
    item_timeline = _Timeline(item_events, SupervisionEvent, "item")
    for n, ((title, problems), (status, late, outcome, again)) in enumerate(
        zip(ITEMS, ITEM_PLAN, strict=True)
    ):
        listed = dt.date(year, 2 + n % 6, 10)
        due = dt.date(year, min(12, listed.month + 4), 28)
        item = SupervisionItem(
            region=county,
            year=year,
            number=n + 1,
            title=title,
            source=SupervisionItem.Source.KEY_SUGGESTION
            if title.startswith("重点")
            else SupervisionItem.Source.REVIEW,
            problems=problems,
            report_due=due,
            status=status,
        )
        items.append(item)
        mine = [login_unit] if n % 3 == 0 else []
        for u in [*mine, *rng.sample([u for u in units if u.pk != login_unit.pk], 1 + n % 2)]:
            departments.append(SupervisionItem.departments.through(supervisionitem=item, handlingunit=u))
        item_timeline.add(item, "list", "", I.SUPERVISING, listed, report_due=due.isoformat())
        item_timeline.add(
            item,
            "report_progress",
            I.SUPERVISING,
            I.SUPERVISING,
            listed + dt.timedelta(days=40),
            comment="已制定整改方案，正在推进。",
            kind="progress",
        )
        if again:  # reported, voted 不满意, re-supervised with a new date
            first = due - dt.timedelta(days=5)
            item_timeline.add(
                item,
                "report_result",
                I.SUPERVISING,
                I.REPORTED,
                first,
                comment="整改工作已基本完成。",
                on_time=True,
            )
            item_timeline.add(
                item,
                "vote",
                I.REPORTED,
                I.EVALUATED,
                first + dt.timedelta(days=3),
                **dict(
                    zip(("satisfied", "basic", "unsatisfied"), VOTES[Satisfaction.UNSATISFIED], strict=True)
                ),
                outcome=Satisfaction.UNSATISFIED,
            )
            item.resupervise_count = 1
            item.report_due = due = min(dt.date(year, 12, 30), first + dt.timedelta(days=60))
            item_timeline.add(
                item,
                "resupervise",
                I.EVALUATED,
                I.SUPERVISING,
                first + dt.timedelta(days=5),
                comment="测评不满意，限期重新整改",
                report_due=due.isoformat(),
                resupervise_count=1,
            )
        if status == I.SUPERVISING:
            continue
        item.reported_on = due + dt.timedelta(days=4) if late else due - dt.timedelta(days=rng.randint(1, 15))
        item.result_text = "已按审议意见逐项整改，整改情况报告已提交常委会。"
        item_timeline.add(
            item,
            "report_result",
            I.SUPERVISING,
            I.REPORTED,
            item.reported_on,
            comment=item.result_text,
            on_time=item.reported_on <= due,
        )
        if status == I.REPORTED:
            continue
        item.votes_satisfied, item.votes_basic, item.votes_unsatisfied = VOTES[outcome]
        item.outcome = outcome
        voted = item.reported_on + dt.timedelta(days=7)
        item_timeline.add(
            item,
            "vote",
            I.REPORTED,
            I.EVALUATED,
            voted,
            satisfied=item.votes_satisfied,
            basic=item.votes_basic,
            unsatisfied=item.votes_unsatisfied,
            outcome=outcome,
        )
        if status == I.CLOSED:
            item_timeline.add(
                item, "close", I.EVALUATED, I.CLOSED, voted + dt.timedelta(days=3), outcome=outcome
            )
    SupervisionItem.objects.bulk_create(items)
    SupervisionItem.departments.through.objects.bulk_create(departments)
    SupervisionEvent.objects.bulk_create(item_events)
    return {
        "DeputySuggestion": len(suggestions),
        "SuggestionEvent": len(events),
        "SupervisionItem": len(items),
        "SupervisionEvent": len(item_events),
    }


# what ``liaison.demo.seed.delete_demo_data`` deletes first (children first), and the
# append-only triggers it lets the demo's own records go past
DEMO_MODELS = [
    MotionAttachment,
    Consultation,
    SuggestionEvent,
    SupervisionEvent,
    DeputySuggestion.co_signers.through,
    DeputySuggestion.co_units.through,
    SupervisionItem.departments.through,
    SupervisionItem,
    DeputySuggestion,
    CongressSession,
]
APPEND_ONLY_TRIGGERS = [
    "motions.Consultation:consultation_append_only",
    "motions.SuggestionEvent:motion_event_append_only",
    "motions.SupervisionEvent:supervision_event_append_only",
]
