"""Done means: on seed_demo's data, the city staff's dashboard shows the published Lüliang
figures (DOMAIN.md) and a township chair sees only that township's share."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from liaison.demo.seed import LULIANG_CODE, audit_paused, delete_demo_data, seed_demo
from reports.models import (
    OverdueNow,
    RollupDirty,
    StationActivity,
    StationTickets,
)
from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from stations.models import Region
from tests.dashboards.conftest import page_figures, shown

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROLLUPS = (StationActivity, StationTickets, OverdueNow, RollupDirty)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """seed_demo at scale 1 and its rollups, once for the module; removed afterwards."""

    def clear():
        for model in ROLLUPS:
            model.objects.all()._raw_delete(model.objects.db)
        with audit_paused(True):
            delete_demo_data()

    with django_db_blocker.unblock():
        clear()
        seed_demo(scale=1, progress=False)
        rollups_refresh(full=True)
        yield
        clear()


def _row(html: str, group: str) -> list[str]:
    row = re.search(rf'data-group="{group}">(.*?)</tr>', html, re.S)[1]
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)


def _signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def test_city_staff_see_the_published_figures(demo, client):
    _signed_in(client, "city")
    h1 = client.get(reverse("dashboards:index"), {"period": "half", "on": "2023-01-01"})
    assert h1.status_code == 200
    html = h1.content.decode()
    assert "吕梁市" in html and "2023年上半年" in html
    assert _row(html, "deputies") == ["7,164", "14,349", "4,344", "3,589", "82.6%"]
    year = client.get(reverse("dashboards:index"), {"period": "year", "year": "2023"}).content.decode()
    assert _row(year, "cadres") == ["1,719", "4,640", "1,733", "1,399", "80.7%"]


def test_the_chair_sees_only_the_township(demo, client):
    _signed_in(client, "chair")
    html = client.get(reverse("dashboards:index"), {"period": "half", "on": "2023-01-01"}).content.decode()
    chair_region = User.objects.get(username="chair").roles.get().region
    assert chair_region.name in html
    report = figures(scope=Scope(region=chair_region), period=Period.half(2023, 1))
    w = report.deputies
    assert _row(html, "deputies")[:4] == [
        shown(w.entries),
        shown(w.citizens_received),
        shown(w.issues_collected),
        shown(w.issues_closed),
    ]
    assert 0 < w.entries < 7164
    assert page_figures(html)["collected"] == shown(report.collected)
    assert "7,164" not in html
    city = Region.objects.get(code=LULIANG_CODE)
    assert client.get(reverse("dashboards:region", args=[city.pk])).status_code == 404
