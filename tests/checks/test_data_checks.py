"""Data checks of issue 15: a reception recorded as completed is not in the future, has
someone present (or a reason) and received citizens (or a reason); a ticket is closed only
with the citizen's rating or the reason there is none, counted apart from the ratings.
Each rule on the page, in the service and over the API; nothing half-saved."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reports.periods import Period, Scope
from reports.selectors import figures
from reports.services import rollups_refresh
from suggestions import services as tickets
from suggestions.models import Ticket, TimelineEvent
from tests.api.concurrency import at_once, client_with, token_for
from tests.suggestions.factories import World, make_world, ticket_in
from tests.visits.conftest import reception_input, reception_post
from visits import services as visits
from visits.models import ReceptionSession

S = Ticket.Status
URL = "/receptions/new/"
PAST = dt.datetime(2024, 5, 10, 9, 0, tzinfo=dt.UTC)


def _record(data, draft=False):
    return visits.reception_record(data=data, client_token=uuid.uuid4(), actor=None, draft=draft)


def _input(day, **changes):
    data = reception_input(
        station=day.station, deputy=day.deputies[0], category=day.categories[0], starts_at=PAST
    )
    from dataclasses import replace

    return replace(data, **changes)


# --- receptions: the service -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_completed_reception_cannot_start_in_the_future_but_a_draft_can(day):
    tomorrow = timezone.now() + dt.timedelta(days=1)
    # later today is not the future: a reception day is logged as it goes on
    later_today = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 59)))
    assert (
        visits.completion_rule_errors(
            kind="themed",
            starts_at=later_today,
            attendees=1,
            citizens_received=1,
            rows=0,
            exception_reason="",
        )
        == {}
    )
    with pytest.raises(ValidationError) as exc:
        _record(_input(day, starts_at=tomorrow))
    assert exc.value.message_dict["starts_at"] == [visits.FUTURE_MESSAGE]
    assert not ReceptionSession.objects.exists() and not Ticket.objects.exists()
    session, created = _record(_input(day, starts_at=tomorrow), draft=True)
    assert created and session.status == ReceptionSession.Status.DRAFT
    # finishing the draft before the day is refused the same way, and changes nothing
    with pytest.raises(ValidationError, match="不能晚于今天"):
        visits.reception_update_draft(session=session, data=_input(day, starts_at=tomorrow), actor=None)
    session.refresh_from_db()
    assert session.status == ReceptionSession.Status.DRAFT and not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_completed_reception_needs_someone_present_or_a_reason(day):
    with pytest.raises(ValidationError) as exc:
        _record(_input(day, deputies=[], rows=[], citizens_received=4))
    assert exc.value.message_dict == {"deputies": [visits.NO_ATTENDEE_MESSAGE]}
    # a leading cadre present is enough
    _record(_input(day, deputies=[], cadres=[day.cadre], rows=[], citizens_received=4))
    reason = "代表临时参加防汛任务，由联络员接待并登记"
    session, _ = _record(_input(day, deputies=[], rows=[], citizens_received=4, exception_reason=reason))
    assert session.exception_reason == reason and not session.attendances.exists()


@pytest.mark.django_db
def test_no_citizens_received_needs_a_reason_except_at_a_themed_activity(day):
    with pytest.raises(ValidationError) as exc:
        _record(_input(day, rows=[], citizens_received=0))
    assert exc.value.message_dict == {"citizens_received": [visits.NO_CITIZENS_MESSAGE]}
    session, _ = _record(_input(day, rows=[], citizens_received=0, exception_reason="当天无群众来访"))
    assert session.citizens_received == 0
    themed = _input(
        day, kind=ReceptionSession.Kind.THEMED, theme="代表履职培训", rows=[], citizens_received=0
    )
    assert _record(themed)[1]
    # ledger rows are citizens heard: 0 is wrong whatever the reason
    with pytest.raises(ValidationError) as exc:
        _record(_input(day, citizens_received=0, exception_reason="无"))
    assert exc.value.message_dict == {"citizens_received": [visits.ROWS_WITHOUT_CITIZENS_MESSAGE.format(2)]}
    assert ReceptionSession.objects.count() == 2 and not Ticket.objects.exists()


# --- receptions: the page and the API -----------------------------------------------------------


@pytest.mark.django_db
def test_the_page_puts_each_completion_error_next_to_its_field(day):
    next_year = str(timezone.localdate().year + 1)
    data = reception_post(day, date=f"{next_year}-05-10", citizens_received="0", cadres=[], rows=[])
    data["deputies"] = []
    response = day.client.post(URL, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["date"] == [visits.FUTURE_MESSAGE]
    assert form.errors["deputies"] == [visits.NO_ATTENDEE_MESSAGE]
    assert form.errors["citizens_received"] == [visits.NO_CITIZENS_MESSAGE]
    assert not ReceptionSession.objects.exists()
    # saved as a draft, the same day next year is fine (a draft is not a completed session)
    data["save_draft"] = "1"
    del data["finish"]
    assert day.client.post(URL, data).status_code == 302
    assert ReceptionSession.objects.get().status == ReceptionSession.Status.DRAFT

    data = reception_post(day, citizens_received="0", rows=[], exception_reason="当天大雪，无群众来访")
    assert day.client.post(URL, data).status_code == 302
    assert ReceptionSession.objects.get(status="done").exception_reason == "当天大雪，无群众来访"


@pytest.mark.django_db
def test_the_api_refuses_a_completed_reception_in_the_future_with_no_one_present(api_world):
    w = api_world
    body = {
        "station": str(w["station"].pk),
        "kind": "station_reception",
        "starts_at": (timezone.now() + dt.timedelta(days=300)).isoformat(),
        "citizens_received": 0,
    }
    response = w["officer_api"].put(f"/api/v1/receptions/{uuid.uuid4()}/", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert {"starts_at", "deputies", "citizens_received"} <= set(errors), errors
    assert not ReceptionSession.objects.exists()
    body.update(starts_at="2024-05-10T09:00:00+08:00", exception_reason="代表因故缺席；当天无群众来访")
    response = w["officer_api"].put(f"/api/v1/receptions/{uuid.uuid4()}/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["exception_reason"] == "代表因故缺席；当天无群众来访"


# --- closing a ticket ------------------------------------------------------------------------


@pytest.fixture
def w(db) -> World:
    return make_world()


def _delivered(w: World) -> Ticket:
    return ticket_in(w, S.DELIVERED)


def test_closing_needs_a_rating_or_a_reason(w):
    ticket = _delivered(w)
    with pytest.raises(ValidationError) as exc:
        tickets.ticket_close(ticket=ticket, actor=w.officer)
    assert exc.value.message_dict == {"satisfaction": [tickets.CLOSE_UNEVALUATED_MESSAGE]}
    ticket.refresh_from_db()
    assert ticket.status == S.DELIVERED
    with pytest.raises(ValidationError, match="只能选一项"):
        tickets.ticket_close(
            ticket=ticket, actor=w.officer, satisfaction="satisfied", no_evaluation="refused"
        )
    closed = tickets.ticket_close(ticket=ticket, actor=w.officer, no_evaluation="refused")
    closed.refresh_from_db()
    assert (closed.status, closed.satisfaction, closed.no_evaluation) == (S.CLOSED, "", "refused")
    event = TimelineEvent.objects.get(ticket=ticket, action="close")
    assert event.data == {"no_evaluation": "refused"} and "未评价：拒绝评价" in event.summary


def test_a_reason_recorded_first_lets_the_ticket_close(w):
    ticket = _delivered(w)
    tickets.ticket_record_satisfaction(ticket=ticket, actor=w.officer, no_evaluation="unreachable")
    ticket = tickets.ticket_close(ticket=ticket, actor=w.officer)
    assert (ticket.status, ticket.no_evaluation) == (S.CLOSED, "unreachable")
    with pytest.raises(ValidationError, match="请选择群众评价"):
        tickets.ticket_record_satisfaction(ticket=_delivered(w), actor=w.officer)


def test_a_new_reply_clears_the_old_reason(w):
    ticket = _delivered(w)
    tickets.ticket_record_satisfaction(ticket=ticket, actor=w.officer, satisfaction="unsatisfied")
    tickets.ticket_reopen(ticket=ticket, actor=w.officer, comment="群众不满意，重新办理")
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.no_evaluation) == ("", "")


def test_the_ticket_page_asks_for_the_rating_in_the_close_form(client, w):
    ticket = _delivered(w)
    client.force_login(w.officer)
    page = client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()
    assert 'name="close-no_evaluation"' in page and 'name="close-satisfaction"' in page
    url = reverse("suggestions:close", args=[ticket.pk])
    response = client.post(url, {"close-expected_version": ticket.version})
    assert response.status_code == 200  # the page again, the close form open with its error
    assert str(tickets.EVALUATION_MISSING_MESSAGE) in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == S.DELIVERED
    response = client.post(
        url, {"close-expected_version": ticket.version, "close-no_evaluation": "unreachable"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.no_evaluation) == (S.CLOSED, "unreachable")
    page = client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()
    assert "未评价（无法联系）" in page


def test_once_rated_the_close_form_no_longer_asks(client, w):
    ticket = _delivered(w)
    tickets.ticket_record_satisfaction(ticket=ticket, actor=w.officer, satisfaction="satisfied")
    client.force_login(w.officer)
    page = client.get(reverse("suggestions:detail", args=[ticket.pk])).content.decode()
    assert 'name="close-no_evaluation"' not in page and 'name="record_satisfaction-no_evaluation"' in page


def test_the_api_transition_refuses_an_unevaluated_close(w):
    ticket = _delivered(w)
    client = client_with(token_for(w.officer))
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"
    response = client.post(url, {"action": "close"}, format="json")
    assert response.status_code == 400 and "satisfaction" in response.json(), response.json()
    response = client.post(url, {"action": "close", "no_evaluation": "maybe"}, format="json")
    assert response.status_code == 400 and "no_evaluation" in response.json()
    response = client.post(url, {"action": "close", "no_evaluation": "refused"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed" and response.json()["no_evaluation"] == "refused"


def test_the_figures_count_the_reasons_apart_from_the_ratings(w):
    rated = [ticket_in(w, S.CLOSED) for _ in range(2)]  # closed as satisfied
    refused, unreachable = _delivered(w), _delivered(w)
    tickets.ticket_close(ticket=refused, actor=w.officer, no_evaluation="refused")
    tickets.ticket_close(ticket=unreachable, actor=w.officer, no_evaluation="unreachable")
    rollups_refresh(full=True)
    year = timezone.localdate(rated[0].received_at).year
    f = figures(scope=Scope(station=w.station), period=Period.year(year))
    assert (f.closed, f.rated, f.satisfied) == (4, 2, 2)
    assert (f.evaluation_refused, f.unreachable, f.not_evaluated) == (1, 1, 2)
    assert f.satisfaction_rate == 1.0  # the reasons are neither "unsatisfied" nor rated


# --- closing at once -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_closes_at_once_close_once_with_one_event():
    w = make_world()
    ticket = _delivered(w)
    token = token_for(w.officer)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/"

    def close(i: int):
        reason = "refused" if i % 2 else "unreachable"
        return client_with(token).post(url, {"action": "close", "no_evaluation": reason}, format="json")

    responses = at_once(20, close)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1 and set(codes) <= {200, 400, 409, 412}, codes
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and ticket.no_evaluation in ("refused", "unreachable")
    assert TimelineEvent.objects.filter(ticket=ticket, action="close").count() == 1
    winner = next(r for r in responses if r.status_code == 200)
    assert winner.json()["no_evaluation"] == ticket.no_evaluation
