"""Deputy suggestions and supervision items through the real services (the shared engine)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from motions import services
from motions.models import Consultation, DeputySuggestion, SuggestionEvent, SupervisionEvent, SupervisionItem
from motions.workflow import SUGGESTION_TRANSITIONS
from notifications.models import Notification
from suggestions.models import Ticket, TimelineEvent
from tests.factories import TicketFactory
from tests.motions.factories import make_world

pytestmark = pytest.mark.django_db
S = DeputySuggestion.Status


@pytest.fixture
def w():
    return make_world()


def submit(w, **kw):
    return services.suggestion_submit(
        actor=w.lead_user,
        session=w.session,
        submitted_by=w.lead,
        co_signers=[w.joint],
        title="关于修缮县乡公路的建议",
        content="县乡公路年久失修，建议列入年度计划。",
        **kw,
    )


def step(s, action, actor, **kw):
    return services.suggestion_transition(suggestion=s, action=action, actor=actor, **kw)


def consult(w, s, actor, unit=None):
    return step(
        s,
        "consult",
        actor,
        held_on=timezone.localdate(),
        form="visit",
        participants="领衔代表、局长",
        unit=unit,
        comment="到代表家中沟通",
    )


def test_joint_suggestion_full_path(w):
    s = submit(w)
    assert set(s.co_signers.all()) == {w.joint} and s.status == S.SUBMITTED
    s = step(s, "register", w.office, category="urban")
    assert s.number == 1 and s.number_label == "第 1 号"
    second = step(submit(w), "register", w.office, category="economy")
    assert second.number == 2  # numbered per session
    s = step(s, "assign", w.office, lead_unit=w.unit, co_units=[w.co_unit])
    assert s.lead_unit == w.unit and set(s.co_units.all()) == {w.co_unit}
    assert s.due_on == services.legal_due(timezone.localdate(), 3)
    assert Notification.objects.filter(recipient=w.unit_staff, kind="motion_assigned").exists()
    assert Notification.objects.filter(recipient=w.co_staff, kind="motion_assigned").exists()
    # the reply needs the consultation first
    with pytest.raises(ValidationError, match="见面沟通"):
        step(s, "reply", w.unit_staff, text="已列入计划", reply_class="B")
    with pytest.raises(PermissionDenied):  # a unit not on the suggestion
        consult(w, s, w.other_staff)
    s = consult(w, s, w.unit_staff)
    s = consult(w, s, w.co_staff)  # the co-unit consults too
    assert set(Consultation.objects.filter(suggestion=s).values_list("unit", flat=True)) == {
        w.unit.pk,
        w.co_unit.pk,
    }
    with pytest.raises(PermissionDenied):  # only the lead unit replies
        step(s, "reply", w.co_staff, text="协办意见", reply_class="B")
    s = step(s, "reply", w.unit_staff, text="已列入明年计划", reply_class="B")
    assert s.status == S.REPLIED and s.replied_on <= s.due_on
    with pytest.raises(PermissionDenied):  # the joint deputy does not vote; the lead does
        step(s, "evaluate", w.joint_user, satisfaction="unsatisfied")
    s = step(s, "evaluate", w.lead_user, satisfaction="unsatisfied")
    with pytest.raises(ValidationError, match="须说明理由"):
        step(s, "close", w.office)
    s = step(s, "rehandle", w.office, comment="代表认为进度太慢")
    assert s.status == S.ASSIGNED and s.rehandle_count == 1
    assert s.due_on == services.legal_due(timezone.localdate(), 1)
    assert Notification.objects.filter(recipient=w.unit_staff, kind="motion_rehandle").exists()
    s = step(s, "reply", w.unit_staff, text="已安排资金，年内开工", reply_class="A")
    s = step(s, "evaluate", w.lead_user, satisfaction="satisfied")
    s = step(s, "close", w.office)
    assert s.status == S.CLOSED and s.reply_class == "A"
    actions = list(
        SuggestionEvent.objects.filter(suggestion=s).order_by("at", "pk").values_list("action", flat=True)
    )
    assert actions == [
        "submit",
        "register",
        "assign",
        "consult",
        "consult",
        "reply",
        "evaluate",
        "rehandle",
        "reply",
        "evaluate",
        "close",
    ]


def test_legal_deadline_on_the_official_calendar_with_an_extension(w):
    from suggestions.calendar import load_official_days
    from suggestions.models import CalendarDay

    load_official_days(CalendarDay, [2025, 2026])  # as the migration seeds it (a flush may have emptied it)
    # three months from 1 July 2025 is 1 October: National Day holidays run to the 8th
    assert services.legal_due(dt.date(2025, 7, 1), 3) == dt.date(2025, 10, 9)
    s = step(submit(w), "register", w.office, category="urban")
    s = step(s, "assign", w.office, lead_unit=w.unit, assigned_on=dt.date(2025, 7, 1))
    assert s.due_on == dt.date(2025, 10, 9)
    with pytest.raises(ValidationError, match="须填写理由"):
        step(s, "extend", w.office)
    with pytest.raises(PermissionDenied):  # the unit asks; the office grants
        step(s, "extend", w.unit_staff, comment="需跨年度安排资金")
    s = step(s, "extend", w.office, comment="需跨年度安排资金")
    # six months: 1 January 2026 is New Year; Sunday 4 January is a working day (调休)
    assert s.due_on == dt.date(2026, 1, 4) and s.extension_reason == "需跨年度安排资金"
    with pytest.raises(ValidationError, match="不能再次延期"):
        step(s, "extend", w.office, comment="再延")


def test_refusals_name_the_status_and_save_nothing(w):
    s = submit(w)
    with pytest.raises(ValidationError, match="「已提交」，不能执行「交办」"):
        step(s, "assign", w.office, lead_unit=w.unit)
    with pytest.raises(ValidationError) as err:
        step(s, "register", w.office, category="")
    assert "category" in err.value.message_dict
    s.refresh_from_db()
    assert s.number is None and s.status == S.SUBMITTED
    assert SuggestionEvent.objects.filter(suggestion=s).count() == 1
    with pytest.raises(ValidationError, match="已被更新"):
        step(s, "register", w.office, category="urban", expected_version=s.version + 1)
    with pytest.raises(PermissionDenied):  # the other county's office
        other = make_world()
        step(s, "register", other.office, category="urban")


def test_suggestion_from_a_station_opinion_tells_the_ticket(w, user_with_role):
    ticket = TicketFactory(tier=Ticket.Tier.DEPUTY_SUGGESTION, status=Ticket.Status.ACCEPTED)
    from accounts.models import Role

    officer = user_with_role(Role.LIAISON_OFFICER, station=ticket.station)
    s = submit(w, source_ticket=ticket)
    assert s.source_ticket == ticket
    note = TimelineEvent.objects.get(ticket=ticket, action="motion_submitted")
    assert note.from_status == note.to_status == Ticket.Status.ACCEPTED
    assert Notification.objects.filter(recipient=officer, kind="motion_ticket").exists()
    s = step(s, "register", w.office, category="urban")
    s = step(s, "assign", w.office, lead_unit=w.unit)
    s = consult(w, s, w.unit_staff)
    step(s, "reply", w.unit_staff, text="已答复", reply_class="A")
    assert TimelineEvent.objects.filter(ticket=ticket, action="motion_replied").exists()
    assert Notification.objects.filter(recipient=officer, kind="motion_ticket").count() == 2
    other = TicketFactory(tier=Ticket.Tier.TOWNSHIP)
    with pytest.raises(ValidationError, match="转为代表建议"):
        submit(w, source_ticket=other)


def test_a_deputy_submits_only_in_their_own_name(w):
    with pytest.raises(PermissionDenied):
        services.suggestion_submit(
            actor=w.joint_user, session=w.session, submitted_by=w.lead, title="x", content="y"
        )
    with pytest.raises(PermissionDenied):  # the office of another county
        services.suggestion_submit(
            actor=make_world().office, session=w.session, submitted_by=w.lead, title="x", content="y"
        )
    with pytest.raises(ValidationError) as err:
        services.suggestion_submit(
            actor=w.lead_user, session=w.session, submitted_by=w.lead, title=" ", content=""
        )
    assert set(err.value.message_dict) == {"title", "content"}
    assert not DeputySuggestion.objects.exists()


def test_every_row_refused_from_every_other_status(w):
    s = submit(w)
    for name, t in SUGGESTION_TRANSITIONS.items():
        for status in S.values:
            if status in t.sources:
                continue
            DeputySuggestion.objects.filter(pk=s.pk).update(status=status)
            s.refresh_from_db()
            with pytest.raises(ValidationError, match="不能执行"):
                step(s, name, w.admin, comment="理由")


# --- supervision items ----------------------------------------------------------------------


def make_item(w, **kw):
    return services.supervision_item_create(
        actor=w.office,
        region=w.county,
        year=2026,
        title="农村饮水安全审议意见落实情况",
        problems="部分村供水不稳定；水质检测不到位",
        departments=[w.unit, w.co_unit],
        report_due=timezone.localdate() + dt.timedelta(days=30),
        **kw,
    )


def item_step(item, action, actor, **kw):
    return services.supervision_transition(item=item, action=action, actor=actor, **kw)


def test_supervision_item_through_re_report_and_vote(w):
    item = make_item(w)
    assert item.number == 1 and make_item(w).number == 2
    with pytest.raises(PermissionDenied):
        item_step(item, "report_progress", w.other_staff, comment="x")
    item = item_step(item, "report_progress", w.co_staff, comment="已完成 12 个村的管网改造")
    item = item_step(item, "report_result", w.unit_staff, text="整改完成 80%")
    assert item.status == SupervisionItem.Status.REPORTED and item.reported_on <= item.report_due
    with pytest.raises(PermissionDenied):  # the departments do not vote on themselves
        item_step(item, "vote", w.unit_staff, satisfied=1, basic=0, unsatisfied=0)
    item = item_step(item, "vote", w.office, satisfied=5, basic=4, unsatisfied=12)
    assert item.outcome == "unsatisfied"
    with pytest.raises(ValidationError, match="再督办"):
        item_step(item, "close", w.office)
    new_due = timezone.localdate() + dt.timedelta(days=60)
    item = item_step(item, "resupervise", w.office, report_due=new_due, comment="限期两个月重新报告")
    assert item.status == SupervisionItem.Status.SUPERVISING and item.resupervise_count == 1
    assert item.report_due == new_due and item.reported_on is None
    item = item_step(item, "report_result", w.unit_staff, text="全部整改完成")
    item = item_step(item, "vote", w.office, satisfied=15, basic=5, unsatisfied=1)
    assert item.outcome == "satisfied"
    item = item_step(item, "close", w.office)
    assert item.status == SupervisionItem.Status.CLOSED
    actions = list(
        SupervisionEvent.objects.filter(item=item).order_by("at", "pk").values_list("action", flat=True)
    )
    assert actions == [
        "list",
        "report_progress",
        "report_result",
        "vote",
        "resupervise",
        "report_result",
        "vote",
        "close",
    ]


def test_vote_outcome_rule():
    assert services.supervision_outcome(satisfied=3, basic=3, unsatisfied=7) == "unsatisfied"
    assert services.supervision_outcome(satisfied=3, basic=4, unsatisfied=6) == "basic"
    assert services.supervision_outcome(satisfied=7, basic=3, unsatisfied=3) == "satisfied"


def test_only_the_region_office_lists_items(w):
    with pytest.raises(PermissionDenied):
        services.supervision_item_create(
            actor=w.unit_staff,
            region=w.county,
            year=2026,
            title="x",
            problems="y",
            departments=[w.unit],
            report_due=timezone.localdate(),
        )
    with pytest.raises(ValidationError) as err:
        services.supervision_item_create(
            actor=w.office, region=w.county, year=2026, title="", problems="", departments=[], report_due=None
        )
    assert set(err.value.message_dict) == {"title", "problems", "departments", "report_due"}
    assert not SupervisionItem.objects.exists()


def test_the_lead_deputy_belongs_to_the_sessions_congress(w):
    with pytest.raises(ValidationError) as err:
        services.suggestion_submit(
            actor=w.lead_user, session=w.other_session, submitted_by=w.lead, title="x", content="y"
        )
    assert "session" in err.value.message_dict
