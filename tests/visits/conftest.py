"""Fixtures of the reception pages: a station with two deputies in a group, a county
cadre, two categories and a liaison officer signed in."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import Role, User
from deputies.models import Deputy, LeadingCadre
from stations.models import Region, Station
from suggestions.models import Category
from tests.factories import CategoryFactory, DeputyFactory, DeputyGroupFactory, LeadingCadreFactory
from tests.pglocks import db_threads  # noqa: F401 (a fixture, for the lock tests)
from visits.models import ReceptionSession
from visits.services import LedgerRow, ReceptionInput


@dataclass
class Day:
    station: Station
    village: Region
    deputies: list[Deputy]
    cadre: LeadingCadre
    categories: list[Category]
    officer: User
    client: Client


@pytest.fixture
def day(station, region_tree, user_with_role, client) -> Day:
    group = DeputyGroupFactory(station=station, name="第一代表小组")
    deputies = [
        DeputyFactory(name="王建国", home_station=station, group=group),
        DeputyFactory(name="李秀英", home_station=station, group=group),
    ]
    cadre = LeadingCadreFactory(name="赵书记", title="县委副书记", region=region_tree.counties[0])
    categories = [
        CategoryFactory(code="roads", name="道路交通"),
        CategoryFactory(code="water", name="饮水安全"),
    ]
    officer = user_with_role(Role.LIAISON_OFFICER, station=station)
    client.force_login(officer)
    return Day(station, region_tree.villages[0], deputies, cadre, categories, officer, client)


def reception_input(
    *, station: Station, deputy: Deputy, category: Category, starts_at: dt.datetime, rows: int = 2
) -> ReceptionInput:
    """A reception day at ``station`` with ``deputy`` present and ``rows`` ledger rows he
    received, as ``reception_record`` takes it."""
    return ReceptionInput(
        station=station,
        kind=ReceptionSession.Kind.STATION_RECEPTION,
        starts_at=starts_at,
        citizens_received=rows + 1,
        deputies=[deputy],
        rows=[
            LedgerRow(
                citizen_name=f"群众{i}",
                content=f"第{i}条意见：村道需要修缮",
                category=category,
                received_by_deputy=deputy,
            )
            for i in range(rows)
        ],
    )


def reception_post(
    day: Day, *, rows: list[dict] | None = None, token: str | None = None, **overrides
) -> dict:
    """A filled-in reception form as the browser posts it."""
    data = {
        "client_token": token or str(uuid.uuid4()),
        "station": str(day.station.pk),
        "slot": "",
        "kind": "station_reception",
        "theme": "乡村振兴",
        "theme_kind": "mandatory",
        "date": "2024-05-10",
        "start_time": "09:00",
        "end_time": "11:30",
        "deputies": [str(d.pk) for d in day.deputies],
        "cadres": [str(day.cadre.pk)],
        "officials": "孙局长 县交通运输局局长",
        "legal_experts": "周律师，某律师事务所",
        "citizens_received": "12",
        "notes": "群众反映集中在道路和饮水。",
        "finish": "1",
    }
    rows = (
        rows
        if rows is not None
        else [
            {
                "citizen_name": "张三丰",
                "citizen_phone": "13912345678",
                "village": str(day.village.pk),
                "citizen_address": "三组12号",
                "category": str(day.categories[0].pk),
                "content": "村东头道路坑洼，雨天无法通行",
                "receiver": f"deputy:{day.deputies[0].pk}",
                "on_the_spot_action": "代表当场记录，承诺一周内答复",
                "consent_to_share": "on",
            },
            {
                "citizen_name": "刘翠花",
                "citizen_phone": "13800001111",
                "village": "",
                "citizen_address": "",
                "category": str(day.categories[1].pk),
                "content": "自来水水压不足",
                "receiver": f"deputy:{day.deputies[1].pk}",
                "on_the_spot_action": "",
            },
        ]
    )
    data.update(
        {
            "rows-TOTAL_FORMS": str(len(rows)),
            "rows-INITIAL_FORMS": "0",
            "rows-MIN_NUM_FORMS": "0",
            "rows-MAX_NUM_FORMS": "200",
        }
    )
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{i}-{key}"] = value
    data.update(overrides)
    return data


MOMENT = dt.datetime(2024, 5, 10, 9, 0)
