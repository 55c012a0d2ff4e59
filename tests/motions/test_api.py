"""The REST API of deputy suggestions and supervision items: scoped reads, the write
actions through the same forms and services as the pages, and concurrency."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from motions import services
from motions.models import Consultation, DeputySuggestion, SuggestionEvent, SupervisionEvent
from tests.api.concurrency import at_once, client_with, token_for
from tests.motions.factories import make_world


def assigned(w):
    s = services.suggestion_submit(
        actor=w.lead_user,
        session=w.session,
        submitted_by=w.lead,
        co_signers=[w.joint],
        title="建议",
        content="内容",
    )
    s = services.suggestion_transition(suggestion=s, action="register", actor=w.office, category="urban")
    return services.suggestion_transition(suggestion=s, action="assign", actor=w.office, lead_unit=w.unit)


@pytest.mark.django_db
def test_the_office_runs_a_suggestion_over_the_api(django_assert_max_num_queries):
    w = make_world()
    office = client_with(token_for(w.office))
    lead = client_with(token_for(w.lead_user))
    r = lead.post(
        reverse("api:deputysuggestion-list"),
        {
            "session": w.session.pk,
            "submitted_by": str(w.lead.pk),
            "co_signers": [str(w.joint.pk)],
            "title": "标题",
            "content": "内容",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    url = reverse("api:deputysuggestion-transitions", args=[pk])
    r = office.post(url, {"action": "register", "category": "nope"}, format="json")
    assert r.status_code == 400 and "category" in r.json()
    r = office.post(url, {"action": "register", "category": "urban"}, format="json")
    assert r.status_code == 200 and r.json()["number"] == 1
    r = office.post(
        url, {"action": "assign", "lead_unit": str(w.unit.pk), "co_units": [str(w.co_unit.pk)]}, format="json"
    )
    assert r.status_code == 200 and r.json()["co_units"] == [str(w.co_unit.pk)]
    assert r.json()["due_on"] == services.legal_due(timezone.localdate(), 3).isoformat()
    # the unit sees it now; the other unit does not (the same 404 as a missing one)
    assert (
        client_with(token_for(w.unit_staff))
        .get(reverse("api:deputysuggestion-detail", args=[pk]))
        .status_code
        == 200
    )
    other = client_with(token_for(w.other_staff))
    assert other.get(reverse("api:deputysuggestion-detail", args=[pk])).status_code == 404
    assert other.get(reverse("api:deputysuggestion-detail", args=[uuid.uuid4()])).status_code == 404
    with django_assert_max_num_queries(12):
        r = office.get(reverse("api:deputysuggestion-list"))
    assert [x["id"] for x in r.json()["results"]] == [pk]


@pytest.mark.django_db
def test_a_stale_step_is_412():
    w = make_world()
    s = assigned(w)
    unit = client_with(token_for(w.unit_staff))
    url = reverse("api:deputysuggestion-transitions", args=[s.pk])
    body = {
        "action": "consult",
        "held_on": timezone.localdate().isoformat(),
        "form": "visit",
        "participants": "局长",
    }
    r = unit.post(url, body, format="json", HTTP_IF_MATCH=f'"{s.version - 1}"')
    assert r.status_code == 412
    assert not Consultation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_transition_requests_make_one_event():
    """The same consultation POSTed 20 times at once with the version the page showed: one
    is applied (one event, one consultation), the others answer 412 (stale)."""
    w = make_world()
    s = assigned(w)
    token = token_for(w.unit_staff)
    url = reverse("api:deputysuggestion-transitions", args=[s.pk])
    body = {
        "action": "consult",
        "held_on": timezone.localdate().isoformat(),
        "form": "visit",
        "participants": "局长",
    }
    before = SuggestionEvent.objects.filter(suggestion=s).count()

    def post(_i):
        return client_with(token).post(url, body, format="json", HTTP_IF_MATCH=f'"{s.version}"').status_code

    codes = at_once(20, post)
    assert sorted(codes) == [200] + [412] * 19
    assert SuggestionEvent.objects.filter(suggestion=s).count() == before + 1
    assert Consultation.objects.filter(suggestion=s).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_votes_with_one_idempotency_key_count_once():
    w = make_world()
    item = services.supervision_item_create(
        actor=w.office,
        region=w.county,
        year=2026,
        title="事项",
        problems="问题",
        departments=[w.unit],
        report_due=timezone.localdate() + dt.timedelta(days=10),
    )
    item = services.supervision_transition(item=item, action="report_result", actor=w.unit_staff, text="结果")
    token = token_for(w.office)
    url = reverse("api:supervisionitem-transitions", args=[item.pk])
    body = {"action": "vote", "satisfied": 10, "basic": 3, "unsatisfied": 1}

    def post(_i):
        return client_with(token).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="vote-1").status_code

    codes = at_once(20, post)
    assert set(codes) <= {200, 409} and 200 in codes  # 409: a repeat that waited past the lock limit
    assert SupervisionEvent.objects.filter(item=item, action="vote").count() == 1


@pytest.mark.django_db
def test_refused_steps_change_nothing():
    w = make_world()
    s = assigned(w)
    deputy = client_with(token_for(w.lead_user))
    url = reverse("api:deputysuggestion-transitions", args=[s.pk])
    r = deputy.post(url, {"action": "extend", "comment": "想延期"}, format="json")
    assert r.status_code == 403
    r = deputy.post(url, {"action": "evaluate", "satisfaction": "satisfied"}, format="json")
    assert r.status_code == 400 and "已交办" in r.content.decode()  # not replied yet
    r = deputy.post(url, {"action": "nonsense"}, format="json")
    assert r.status_code == 400
    assert DeputySuggestion.objects.get(pk=s.pk).version == s.version


@pytest.mark.django_db(transaction=True)
def test_twenty_registrations_at_once_get_numbers_one_to_twenty():
    w = make_world()
    pending = [
        services.suggestion_submit(
            actor=w.lead_user, session=w.session, submitted_by=w.lead, title=f"建议{n}", content="c"
        )
        for n in range(20)
    ]
    token = token_for(w.office)

    def post(i):
        url = reverse("api:deputysuggestion-transitions", args=[pending[i].pk])
        return (
            client_with(token)
            .post(url, {"action": "register", "category": "urban"}, format="json")
            .status_code
        )

    assert at_once(20, post) == [200] * 20
    numbers = sorted(DeputySuggestion.objects.filter(session=w.session).values_list("number", flat=True))
    assert numbers == list(range(1, 21))


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_submissions_with_one_key_make_one_suggestion():
    w = make_world()
    token = token_for(w.lead_user)
    body = {"session": w.session.pk, "submitted_by": str(w.lead.pk), "title": "同一件", "content": "内容"}

    def post(_i):
        return (
            client_with(token)
            .post(reverse("api:deputysuggestion-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")
            .status_code
        )

    codes = at_once(20, post)
    assert set(codes) <= {201, 409} and 201 in codes
    assert DeputySuggestion.objects.filter(title="同一件").count() == 1
