"""What changes behaviour or rights is in the audit trail and on the audit page: regions,
categories, the working-day calendar, reception timetable slots, attachments (of tickets
and of receptions), imports, and users (flags, active, password changes as events without
the hash); each tab scoped like the records; the SQLite demo says it keeps no trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import AccountEvent, Role, User
from onboarding import services as onboarding
from stations.models import Region
from suggestions.models import Attachment, CalendarDay, Category, TimelineEvent
from tests.factories import (
    CategoryFactory,
    ReceptionSessionFactory,
    StationFactory,
    TicketFactory,
    UserFactory,
    make_region_tree,
)
from tests.onboarding.helpers import roster
from visits.models import ReceptionAttachment, ReceptionSlot

pytestmark = pytest.mark.django_db


def events(model):
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event").objects.order_by("pgh_id")


@pytest.fixture
def world():
    tree = make_region_tree()
    staff = UserFactory(username="jia_staff")
    staff.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[0])
    mine = StationFactory(name="甲县联络站", region=tree.townships[0])
    other = StationFactory(name="乙县联络站", region=tree.townships[2])
    return tree, staff, mine, other


def _page_ids(client, kind):
    response = client.get(reverse("accounts:audit"), {"kind": kind})
    assert response.status_code == 200
    return response, {r.event.pgh_obj_id for r in response.context["rows"]}


def _ticket_attachment(station):
    ticket = TicketFactory(station=station)
    event = TimelineEvent.objects.create(ticket=ticket, action="reply", to_status=ticket.status)
    attachment = Attachment(event=event, original_name="答复.pdf", size=3)
    attachment.file.save("a.pdf", ContentFile(b"pdf"), save=False)
    attachment.save()
    return attachment


def _reception_attachment(station):
    session = ReceptionSessionFactory(station=station)
    attachment = ReceptionAttachment(
        session=session, original_name="签到表.jpg", content_type="image/jpeg", size=3
    )
    attachment.file.save("s.jpg", ContentFile(b"jpg"), save=False)
    attachment.save()
    return attachment


def test_every_kind_is_recorded_and_shown_in_scope(client, world):
    tree, staff, mine, other = world
    Region.objects.filter(pk__in=[tree.townships[0].pk, tree.townships[2].pk]).update(name="改名镇")
    slots = [
        ReceptionSlot.objects.create(
            station=s, date=dt.date(2026, 12, 8), starts=dt.time(9), ends=dt.time(11)
        )
        for s in (mine, other)
    ]
    ReceptionSlot.objects.filter(pk=slots[0].pk).update(ends=dt.time(12))
    tickets = [_ticket_attachment(s) for s in (mine, other)]
    receptions = [_reception_attachment(s) for s in (mine, other)]
    category = CategoryFactory(code="water2", name="供水")
    day, _ = CalendarDay.objects.update_or_create(
        date=dt.date(2026, 12, 31), defaults={"is_working_day": True, "note": ""}
    )
    CalendarDay.objects.filter(pk=day.pk).update(is_working_day=False, note="调休")
    client.force_login(staff)

    _, ids = _page_ids(client, "region")
    assert tree.townships[0].pk in ids and tree.townships[2].pk not in ids
    _, ids = _page_ids(client, "slot")
    assert ids == {slots[0].pk}
    _, ids = _page_ids(client, "attachment")
    assert ids == {tickets[0].pk}
    _, ids = _page_ids(client, "reception_attachment")
    assert ids == {receptions[0].pk}
    # reference data every office works under: shown to all who browse the audit
    _, ids = _page_ids(client, "category")
    assert category.pk in ids
    response, ids = _page_ids(client, "calendar")
    assert day.pk in ids
    change = next(r for r in response.context["rows"] if r.event.pgh_label == "update")
    assert ("工作日", "是", "否") in change.changes and ("说明", "", "调休") in change.changes
    slot_update = events(ReceptionSlot).filter(pgh_obj_id=slots[0].pk, pgh_label="update").get()
    assert slot_update.ends == dt.time(12)
    assert Category.objects.filter(pk=category.pk).exists()


def test_imports_are_in_the_trail_of_their_importer(client, world):
    tree, staff, mine, other = world
    Region.objects.filter(pk=tree.counties[0].pk).update(code="141102000000")
    rows = [{"code": "141102009000", "name": "新镇", "parent_code": "141102000000"}]
    job = onboarding.import_start(
        user=staff, kind="regions", name="区划.xlsx", content=roster("regions", rows)
    )
    assert job.status == "previewed", job.report
    onboarding.import_confirm(job=job, user=staff)
    trail = list(events(job.__class__).filter(pgh_obj_id=job.pk).values_list("pgh_label", "status"))
    assert trail[0][0] == "insert" and trail[-1] == ("update", "applied")
    assert len(trail) <= 5  # the progress bar is not an event
    client.force_login(staff)
    _, ids = _page_ids(client, "import")
    assert ids == {job.pk}
    client.force_login(_other_staff(tree))
    _, ids = _page_ids(client, "import")
    assert ids == set()
    # the new region is in the region trail, with who confirmed it
    new = Region.objects.get(code="141102009000")
    assert events(Region).filter(pgh_obj_id=new.pk, pgh_label="insert").exists()


def _other_staff(tree):
    user = UserFactory(username="yi_staff")
    user.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[1])
    return user


def test_users_flags_and_passwords(admin_client):
    user = UserFactory(username="flagged")
    User.objects.filter(pk=user.pk).update(is_staff=True, is_active=False)
    trail = events(User).filter(pgh_obj_id=user.pk)
    assert trail.last().is_staff is True and trail.last().is_active is False
    field_names = {f.name for f in events(User).model._meta.fields}
    assert "password" not in field_names and "last_login" not in field_names
    response, ids = _page_ids(admin_client, "user")
    assert user.pk in ids
    row = next(
        r for r in response.context["rows"] if r.event.pgh_obj_id == user.pk and r.event.pgh_label == "update"
    )
    labels = {label for label, _b, _a in row.changes}
    assert {"有效", "工作人员状态"} & labels or len(labels) >= 2
    from accounts.services import password_changed_by_user

    user.set_password("A-new-pass-2026!")
    user.save()
    password_changed_by_user(user=user)
    assert AccountEvent.objects.filter(user=user, kind="password_changed").exists()
    assert not any(
        "pbkdf2" in str(v) for e in events(User).filter(pgh_obj_id=user.pk).values() for v in e.values()
    )


def test_the_sqlite_demo_says_it_keeps_no_trail(admin_client, monkeypatch):
    from accounts import audit_views

    page = admin_client.get(reverse("accounts:audit"), {"kind": "calendar"}).content.decode()
    assert 'id="audit-not-recorded"' not in page

    class SQLite:
        vendor = "sqlite"

    monkeypatch.setattr(audit_views, "connection", SQLite())
    page = admin_client.get(reverse("accounts:audit"), {"kind": "calendar"}).content.decode()
    assert 'id="audit-not-recorded"' in page and "SQLite" in page
