"""Twenty confirms of one preview at once apply it once; two previews of the same file
confirmed at once apply once between them (committed transactions on PostgreSQL)."""

from __future__ import annotations

import pytest

from deputies.models import Deputy, Mandate
from onboarding import services
from onboarding.models import DeputyKey, ImportJob
from tests.api.concurrency import at_once
from tests.onboarding.helpers import build_world, deputy_rows, roster, station_rows

pytestmark = pytest.mark.django_db(transaction=True)


def _confirm(job, user):
    try:
        return services.import_confirm(job=job, user=user).status
    except services.ImportRefused as exc:
        return str(exc)


def test_twenty_confirms_of_one_preview_apply_once():
    world = build_world()
    stations = services.import_start(
        user=world.staff, kind="stations", name="s.xlsx", content=roster("stations", station_rows())
    )
    services.import_confirm(job=stations, user=world.staff)
    job = services.import_start(
        user=world.staff, kind="deputies", name="d.xlsx", content=roster("deputies", deputy_rows())
    )
    assert job.status == ImportJob.Status.PREVIEWED

    results = at_once(20, lambda i: _confirm(job, world.staff))

    assert results == [ImportJob.Status.APPLIED] * 20
    assert (Deputy.objects.count(), DeputyKey.objects.count(), Mandate.objects.count()) == (2, 2, 3)
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.APPLIED, 3)


def test_two_previews_of_one_file_confirmed_at_once_apply_once():
    world = build_world()
    content = roster("stations", station_rows())
    jobs = [
        services.import_start(user=world.staff, kind="stations", name="s.xlsx", content=content)
        for _ in range(2)
    ]

    results = at_once(20, lambda i: _confirm(jobs[i % 2], world.staff))

    assert set(results) == {ImportJob.Status.APPLIED}
    counts = sorted(
        ImportJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("created_count", "unchanged_count")
    )
    assert counts == [(0, 2), (2, 0)]  # the second found everything already there
    from stations.models import Station

    assert Station.objects.count() == 2
