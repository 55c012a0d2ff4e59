"""Writes of the oversight app, the same request twenty times at once (PostgreSQL)."""

import uuid

import pytest

from oversight import services
from oversight.models import EvaluationResult, EvaluationRun, FileEntry
from tests.api.concurrency import at_once
from tests.factories import UserFactory
from tests.oversight.world import YEAR, build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_entry_for_twenty_identical_submissions():
    world = build_world()
    user = UserFactory()
    token = uuid.uuid4()
    before = FileEntry.objects.count()

    def submit(_):
        return services.file_entry_submit(
            deputy=world.d2,
            actor=user,
            kind="training",
            occurred_on=f"{YEAR}-03-01",
            title="履职培训",
            source="培训通知",
            confirmed=False,
            client_token=token,
        ).pk

    ids = at_once(20, submit)
    assert len(set(ids)) == 1
    assert FileEntry.objects.count() == before + 1


def test_twenty_runs_at_once_leave_one_run_with_one_result_per_deputy():
    world = build_world()
    at_once(20, lambda _: services.evaluation_run(region=world.city, year=YEAR, actor=None).pk)
    assert EvaluationRun.objects.count() == 1
    assert EvaluationResult.objects.count() == 3


def test_twenty_reviews_at_once_confirm_once():
    world = build_world()
    user = UserFactory()
    entry = FileEntry.objects.get(deputy=world.d1, status=FileEntry.Status.PENDING)
    at_once(
        20, lambda _: services.file_entry_review(entry_id=entry.pk, deputy=world.d1, actor=user, confirm=True)
    )
    entry.refresh_from_db()
    assert entry.status == FileEntry.Status.CONFIRMED
    Event = FileEntry.pgh_event_model
    assert Event.objects.filter(pgh_obj_id=entry.pk, status=FileEntry.Status.CONFIRMED).count() == 1
