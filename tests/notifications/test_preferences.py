"""Channel preferences per kind: the settings page, its save (idempotent, concurrent-safe)
and delivery that follows them (the inbox always)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from liaison.models import OutboxMessage
from notifications import services
from notifications.kinds import KINDS
from notifications.models import ChannelPreference, Notification
from tests.api.concurrency import at_once
from tests.factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory(email="me@example.cn", phone="13900002222")


def _deliveries(user) -> set[str]:
    return set(OutboxMessage.objects.filter(args__0=user.pk).values_list("task_name", flat=True))


@pytest.mark.django_db
def test_defaults_then_choices_decide_the_channels(user, settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email", "sms"]
    services.notify(user_ids=[user.pk], kind="ticket_assigned", title="交办")  # default: e-mail only
    assert _deliveries(user) == {"notifications.send_email"}
    OutboxMessage.objects.all().delete()
    services.channel_preferences_save(user=user, choices={"ticket_assigned": (False, True)})
    services.notify(user_ids=[user.pk], kind="ticket_assigned", title="交办")
    assert _deliveries(user) == {"notifications.send_sms"}
    OutboxMessage.objects.all().delete()
    services.channel_preferences_save(user=user, choices={"ticket_assigned": (False, False)})
    services.notify(user_ids=[user.pk], kind="ticket_assigned", title="交办")
    assert _deliveries(user) == set()
    assert Notification.objects.filter(recipient=user).count() == 3  # the inbox always


@pytest.mark.django_db
def test_a_channel_the_system_lacks_is_never_used(user, settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email"]
    services.channel_preferences_save(user=user, choices={"ticket_assigned": (True, True)})
    services.notify(user_ids=[user.pk], kind="ticket_assigned", title="交办")
    assert _deliveries(user) == {"notifications.send_email"}


@pytest.mark.django_db
def test_the_settings_page_shows_and_saves_every_kind(client, user, django_assert_max_num_queries):
    client.force_login(user)
    url = reverse("notifications:settings")
    with django_assert_max_num_queries(8):
        html = client.get(url).content.decode()
    for kind in KINDS.values():
        assert str(kind.label) in html and f'name="{kind.name}-email"' in html
    response = client.post(
        url, {"ticket_assigned-sms": "on", "ticket_replied-email": "on", "bogus-email": "on"}
    )
    assert response.status_code == 302
    saved = dict(ChannelPreference.objects.filter(user=user).values_list("kind", "sms"))
    assert set(saved) == set(KINDS)  # every kind, nothing unknown
    rows = {
        k: (e, s)
        for k, e, s in ChannelPreference.objects.filter(user=user).values_list("kind", "email", "sms")
    }
    assert rows["ticket_assigned"] == (False, True)
    assert rows["ticket_replied"] == (True, False)
    assert rows["reception_tomorrow"] == (False, False)
    html = client.get(url).content.decode()
    assert 'name="ticket_assigned-sms" checked' in html and 'name="ticket_assigned-email" checked' not in html


@pytest.mark.django_db
def test_an_unknown_kind_is_refused(user):
    with pytest.raises(ValueError):
        services.channel_preferences_save(user=user, choices={"nope": (True, True)})
    assert not ChannelPreference.objects.exists()


@pytest.mark.django_db
def test_the_settings_page_in_english(client, user):
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("notifications:settings")).content.decode()
    assert "Notification channels" in html and "Opinion assigned to my unit" in html
    assert "通知方式" not in html


@pytest.mark.django_db(transaction=True)
def test_twenty_saves_at_once_leave_one_row_per_kind():
    user = UserFactory()
    choices = {k: (True, i % 2 == 0) for i, k in enumerate(KINDS)}
    at_once(20, lambda i: services.channel_preferences_save(user=user, choices=choices))
    assert ChannelPreference.objects.filter(user=user).count() == len(KINDS)
    assert dict(ChannelPreference.objects.values_list("kind", "sms")) == {
        k: s for k, (_e, s) in choices.items()
    }
