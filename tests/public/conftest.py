"""Fixtures of the online liaison station's tests: a station with its world
(``tests.suggestions.factories.make_world``), the SMS outbox, fresh rate-limit counters."""

from __future__ import annotations

import re

import pytest

from notifications.sms import ConsoleSmsBackend
from public import ratelimit
from public.models import StationPublication
from tests.factories import DeputyFactory, MandateFactory
from tests.suggestions.factories import make_world

PHONE = "13987654321"
NAME = "欧阳明月"
ID_NUMBER = "141102199001011234"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    settings.SMS_BACKEND = "notifications.sms.ConsoleSmsBackend"
    ratelimit.reset_all()
    ConsoleSmsBackend.outbox.clear()
    yield
    ratelimit.reset_all()


@pytest.fixture
def w(db):
    world = make_world()
    StationPublication.objects.create(
        station=world.station, opening_hours="周一至周五 9:00–17:00", publishes_requests=True
    )
    world.public_deputy = DeputyFactory(
        home_station=world.station, name="李代表", occupation="果农", phone="13700001111"
    )
    MandateFactory(deputy=world.public_deputy)
    return world


def last_code(phone: str = PHONE) -> str:
    for to, text in reversed(ConsoleSmsBackend.outbox):
        if to == phone:
            return re.search(r"验证码是 (\d{6})", text).group(1)
    raise AssertionError("no SMS sent")
