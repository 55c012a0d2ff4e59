"""The station timetable: published reception days, the deputies who sit, held or not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.visits.conftest import reception_post
from visits.models import ReceptionSession, ReceptionSlot
from visits.services import slot_publish

pytestmark = pytest.mark.django_db


def test_publish_weekly_slots_and_log_one(day, django_assert_max_num_queries):
    # from today: the day's reception is logged as completed (a later one could not be yet)
    start = timezone.localdate()
    response = day.client.post(
        reverse("visits:slot_create", args=[day.station.pk]),
        {
            "date": start.isoformat(),
            "starts": "09:00",
            "ends": "11:30",
            "deputies": [str(day.deputies[0].pk)],
            "note": "每周接待日",
            "repeat_weeks": "3",
        },
    )
    assert response.status_code == 302
    slots = list(ReceptionSlot.objects.order_by("date"))
    assert [s.date for s in slots] == [start + dt.timedelta(weeks=w) for w in range(3)]
    assert list(slots[0].deputies.all()) == [day.deputies[0]]

    with django_assert_max_num_queries(10):
        html = day.client.get(reverse("visits:timetable", args=[day.station.pk])).content.decode()
    assert html.count("按此安排登记接待活动") == 3 and "王建国" in html

    # the form opened from a slot is filled in from it
    page = day.client.get(reverse("visits:create"), {"slot": slots[0].pk})
    assert page.context["form"].initial["slot"] == slots[0].pk

    data = reception_post(day, slot=str(slots[0].pk), date=start.isoformat())
    assert day.client.post("/receptions/new/", data).status_code == 302
    session = ReceptionSession.objects.get()
    assert session.slot == slots[0]
    html = day.client.get(reverse("visits:timetable", args=[day.station.pk])).content.decode()
    assert "已接待" in html

    # a held slot cannot be logged twice nor cancelled
    again = reception_post(day, slot=str(slots[0].pk), date=start.isoformat())
    assert day.client.post("/receptions/new/", again).status_code == 400
    cancel = day.client.post(reverse("visits:slot_create", args=[day.station.pk]), {"cancel": slots[0].pk})
    assert cancel.status_code == 302 and ReceptionSlot.objects.filter(pk=slots[0].pk).exists()


def test_upcoming_list_is_scoped(day, django_assert_max_num_queries):
    from tests.factories import StationFactory

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    slot_publish(
        station=day.station, date=tomorrow, starts=dt.time(9), ends=dt.time(11), deputies=day.deputies
    )
    slot_publish(
        station=StationFactory(name="别处联络站"), date=tomorrow, starts=dt.time(9), ends=dt.time(11)
    )
    with django_assert_max_num_queries(8):
        html = day.client.get(reverse("visits:upcoming")).content.decode()
    assert day.station.name in html and "别处联络站" not in html and "李秀英" in html


def test_bad_slot_is_refused(day):
    response = day.client.post(
        reverse("visits:slot_create", args=[day.station.pk]),
        {"date": "2030-01-01", "starts": "11:00", "ends": "09:00", "repeat_weeks": "1"},
    )
    assert response.status_code == 400 and "结束时间须晚于开始时间" in response.content.decode()
    assert not ReceptionSlot.objects.exists()
