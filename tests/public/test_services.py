"""The online station's services: a submission is a ticket registered by the same service
as a ledger row (channel online), in the decision queue, its keepers told; the one-time
code; tracking by code and phone digits; the citizen's rating through ticket_transition;
spam kept but not counted; photos stripped of EXIF."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from notifications.models import Notification
from public import services
from public.models import OnlineSubmission, PhoneCode
from suggestions import selectors as ticket_selectors
from suggestions import services as ticket_services
from suggestions.models import Delivery, Ticket, TimelineEvent
from tests.public.conftest import NAME, PHONE, last_code


def submit(w, **kw):
    services.phone_code_send(phone=PHONE, purpose=PhoneCode.Purpose.SUBMIT)
    args = {
        "form_token": uuid.uuid4(),
        "station": w.station,
        "category": w.category,
        "content": "村口路灯坏了三个月",
        "village": w.tree.villages[0],
        "citizen_name": NAME,
        "citizen_phone": PHONE,
        "code": last_code(),
        "consent": True,
        "consent_to_share": True,
    }
    return services.online_submission_create(**{**args, **kw})


def handled_to_delivery(w, ticket: Ticket) -> Ticket:
    t = ticket_services.ticket_accept(ticket=ticket, actor=w.officer, tier=Ticket.Tier.COUNTY_DEPARTMENT)
    t = ticket_services.ticket_assign(ticket=t, actor=w.officer, handling_unit=w.unit)
    t = ticket_services.ticket_reply(ticket=t, actor=w.unit_staff, text="路灯已于本周更换")
    return ticket_services.ticket_deliver_reply(ticket=t, actor=w.officer, channel=Delivery.Channel.ONLINE)


def test_submission_is_a_ticket_in_the_decision_queue(w):
    done = submit(w)
    assert done.created
    sub = OnlineSubmission.objects.get()
    ticket = sub.ticket
    assert (ticket.channel, ticket.status, ticket.station) == ("online", "registered", w.station)
    assert ticket.number  # numbered like every ledger row
    assert TimelineEvent.objects.filter(ticket=ticket, action="register").count() == 1
    # the PIPL consent record
    assert sub.notice_version == services.NOTICE_VERSION and sub.purpose and sub.consented_at
    assert sub.consent_to_share and ticket.consent_to_share
    # unguessable tracking code, not the id
    assert len(sub.tracking_code) == 16 and sub.tracking_code not in str(ticket.pk)
    queue = ticket_selectors.decision_queue(user=w.officer)
    assert ticket.pk in {t.pk for _title, _key, rows, _n in queue.sections for t in rows}
    assert Notification.objects.filter(recipient=w.officer, kind="ticket_submitted_online").exists()


def test_the_same_form_twice_is_one_submission(w):
    token = uuid.uuid4()
    first = submit(w, form_token=token)
    again = submit(w, form_token=token)
    assert first.created and not again.created
    assert again.submission.pk == first.submission.pk
    assert Ticket.objects.count() == 1


def test_a_wrong_code_is_refused_and_counted(w):
    services.phone_code_send(phone=PHONE, purpose=PhoneCode.Purpose.SUBMIT)
    with pytest.raises(ValidationError) as exc:
        submit_with_code(w, "000000" if last_code() != "000000" else "111111")
    assert "code" in exc.value.message_dict
    assert PhoneCode.objects.get().attempts == 1
    assert not Ticket.objects.exists()


def submit_with_code(w, code):
    return services.online_submission_create(
        form_token=uuid.uuid4(),
        station=w.station,
        category=w.category,
        content="内容",
        village=None,
        citizen_name=NAME,
        citizen_phone=PHONE,
        code=code,
        consent=True,
        consent_to_share=False,
    )


def test_a_code_is_spent_after_five_wrong_tries(w):
    services.phone_code_send(phone=PHONE, purpose=PhoneCode.Purpose.SUBMIT)
    good = last_code()
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(services.CODE_MAX_ATTEMPTS):
        with pytest.raises(ValidationError):
            submit_with_code(w, wrong)
    with pytest.raises(ValidationError):
        submit_with_code(w, good)
    assert not Ticket.objects.exists()


def test_no_consent_nothing_saved(w):
    with pytest.raises(ValidationError) as exc:
        submit(w, consent=False)
    assert "consent" in exc.value.message_dict
    assert not Ticket.objects.exists() and not OnlineSubmission.objects.exists()


def test_tracking_needs_the_code_and_the_phone_digits(w):
    sub = submit(w).submission
    assert services.tracked_submission(tracking_code=sub.tracking_code.lower(), phone_last4=PHONE[-4:]) == sub
    for code, last4 in ((sub.tracking_code, "0000"), ("A" * 16, PHONE[-4:]), ("", PHONE[-4:])):
        with pytest.raises(PermissionDenied):
            services.tracked_submission(tracking_code=code, phone_last4=last4)


def test_citizen_rates_through_the_same_transition(w):
    sub = submit(w).submission
    handled_to_delivery(w, sub.ticket)
    sub.refresh_from_db()
    ticket = services.citizen_rate(submission=sub, satisfaction="satisfied", comment="很快")
    assert ticket.satisfaction == "satisfied"
    event = ticket.timeline.order_by("-at", "-pk").first()
    assert (event.action, event.actor, event.data["given_by"]) == (
        "record_satisfaction",
        None,
        "citizen_online",
    )
    assert Delivery.objects.get(ticket=ticket).satisfaction == "satisfied"
    # the station closes it; it counts in the satisfaction rate like any rating
    ticket_services.ticket_close(ticket=ticket, actor=w.officer)


def test_unsatisfied_starts_the_reopen_path(w):
    sub = submit(w).submission
    handled_to_delivery(w, sub.ticket)
    sub.refresh_from_db()
    services.citizen_rate(submission=sub, satisfaction="unsatisfied")
    assert Notification.objects.filter(recipient=w.officer, kind="ticket_citizen_unsatisfied").exists()
    ticket = ticket_services.ticket_reopen(ticket=sub.ticket, actor=w.officer, comment="群众不满意，重新交办")
    assert ticket.status == "accepted" and ticket.reopen_count == 1


def test_a_citizen_may_rate_only_a_delivered_reply_and_only_their_own(w):
    sub = submit(w).submission
    with pytest.raises(ValidationError):
        services.citizen_rate(submission=sub, satisfaction="satisfied")  # not delivered yet
    other = submit(w, form_token=uuid.uuid4()).submission
    handled_to_delivery(w, other.ticket)
    from liaison.scoping import VerifiedCitizen

    with pytest.raises(PermissionDenied):
        ticket_services.ticket_record_satisfaction(
            ticket=other.ticket, actor=VerifiedCitizen(ticket_id=sub.ticket.pk), satisfaction="satisfied"
        )


def test_spam_is_kept_but_not_counted(w):
    sub = submit(w).submission
    assert Ticket.objects.counted().filter(pk=sub.ticket.pk).exists()
    ticket = services.ticket_mark_spam(ticket=sub.ticket, actor=w.officer)
    assert ticket.is_spam and ticket.status == "withdrawn"
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert not Ticket.objects.counted().filter(pk=ticket.pk).exists()
    assert services.ticket_mark_spam(ticket=ticket, actor=w.officer).version == ticket.version  # once
    with pytest.raises(PermissionDenied):
        services.ticket_mark_spam(ticket=ticket, actor=w.deputy)


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 30.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photos_are_sniffed_and_stripped(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    raw = _jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()
    done = submit(w, photos=[SimpleUploadedFile("gps.png", raw, content_type="image/png")])
    event = TimelineEvent.objects.get(ticket=done.submission.ticket, action="register")
    attachment = event.attachments.get()
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert not stored.getexif()
    with pytest.raises(ValidationError) as exc:
        submit(w, form_token=uuid.uuid4(), photos=[SimpleUploadedFile("x.jpg", b"<html>not a photo</html>")])
    assert "photos" in exc.value.message_dict


def test_online_ratings_count_in_the_station_figures_and_spam_does_not(w):
    from django.utils import timezone

    from reports.periods import Period, Scope
    from reports.selectors import figures
    from reports.services import rollups_refresh

    rated = submit(w).submission
    handled_to_delivery(w, rated.ticket)
    rated.refresh_from_db()
    ticket = services.citizen_rate(submission=rated, satisfaction="unsatisfied")
    spam = submit(w, form_token=uuid.uuid4()).submission
    services.ticket_mark_spam(ticket=spam.ticket, actor=w.officer)
    rollups_refresh(full=True)
    period = Period.year(timezone.localdate().year)
    got = figures(scope=Scope(station=w.station), period=period)
    assert (got.collected, got.rated, got.satisfied) == (1, 1, 0)
    assert got.satisfaction_rate == 0
    # the station reopens it, it is handled again, the citizen is now satisfied
    ticket = ticket_services.ticket_reopen(ticket=ticket, actor=w.officer, comment="重新交办")
    t = ticket_services.ticket_assign(ticket=ticket, actor=w.officer, handling_unit=w.unit)
    t = ticket_services.ticket_reply(ticket=t, actor=w.unit_staff, text="已再次维修")
    ticket_services.ticket_deliver_reply(ticket=t, actor=w.officer, channel=Delivery.Channel.ONLINE)
    rated.refresh_from_db()
    services.citizen_rate(submission=rated, satisfaction="satisfied")
    rollups_refresh(full=True)
    got = figures(scope=Scope(station=w.station), period=period)
    assert (got.collected, got.rated, got.satisfied, got.satisfaction_rate) == (1, 1, 1, 1.0)
