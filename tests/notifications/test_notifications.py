"""Notifications: set-based sending, delivery through the outbox, the inbox and its badge."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from liaison import outbox
from liaison.models import OutboxMessage
from notifications import services
from notifications.models import Notification
from notifications.services import Message
from notifications.sms import ConsoleSmsBackend
from tests.factories import UserFactory
from tests.visits.conftest import reception_post

pytestmark = pytest.mark.django_db


def _messages(users, n):
    return [
        Message(
            user_id=users[i % len(users)].pk,
            kind="ticket_escalated",
            title=f"意见已升级 {i}",
            url="/tickets/",
        )
        for i in range(n)
    ]


def _queries_for(messages) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.notify_many(messages)
    return len(ctx.captured_queries)


def test_notify_many_costs_the_same_queries_for_3_or_30_messages(settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email", "sms"]
    users = [UserFactory(email=f"u{i}@example.cn", phone=f"1390000000{i}") for i in range(10)]
    few, many = _queries_for(_messages(users[:3], 3)), _queries_for(_messages(users, 30))
    assert few == many
    # savepoint, INSERT notifications, SELECT addresses, SELECT channel preferences,
    # INSERT outbox, release
    assert many <= 6
    assert Notification.objects.count() == 33
    # one e-mail and one SMS per recipient (not per notification), each listing theirs
    assert OutboxMessage.objects.filter(task_name="notifications.send_email").count() == 3 + 10
    assert OutboxMessage.objects.filter(task_name="notifications.send_sms").count() == 3 + 10


def test_email_goes_through_the_outbox_in_chinese(settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "email"]
    user = UserFactory(email="zhang@example.cn", full_name="张主任")
    nobody = UserFactory(email="")
    services.notify(
        user_ids=[user.pk, nobody.pk],
        kind="ticket_escalated",
        title="意见建议已升级至县人大常委会",
        url="/tickets/",
    )
    services.notify(user_ids=[user.pk], kind="ticket_escalated", title="第二条通知")
    assert OutboxMessage.objects.filter(task_name="notifications.send_email").count() == 2  # not to nobody
    assert mail.outbox == []  # nothing sent inside the caller's transaction
    assert outbox.drain() == 2
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"], ["zhang@example.cn"]]
    first = mail.outbox[0]
    assert first.subject == "【人大代表联络站】意见建议已升级至县人大常委会"
    assert "张主任，您好" in first.body and "/tickets/" in first.body and "请勿直接回复" in first.body


def test_sms_uses_the_configured_backend(settings):
    settings.NOTIFICATION_CHANNELS = ["inbox", "sms"]
    settings.SMS_BACKEND = "notifications.sms.ConsoleSmsBackend"
    ConsoleSmsBackend.outbox.clear()
    user = UserFactory(phone="13912345678", email="a@example.cn")
    services.notify(user_ids=[user.pk], kind="ticket_escalated", title="意见建议已升级")
    assert not OutboxMessage.objects.filter(task_name="notifications.send_email").exists()
    outbox.drain()
    assert ConsoleSmsBackend.outbox == [("13912345678", "【人大代表联络站】意见建议已升级，请登录平台查看。")]


def test_nothing_to_send_costs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.notify_many([]) == 0


def test_the_inbox_shows_only_my_notifications_newest_first_and_pages(client, monkeypatch):
    me, other = UserFactory(), UserFactory()
    services.notify(user_ids=[other.pk], kind="k", title="别人的通知")
    for i in range(5):
        services.notify(user_ids=[me.pk], kind="k", title=f"我的通知{i}")
    client.force_login(me)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "我的通知4" in html and "我的通知0" in html and "别人的通知" not in html
    assert html.index("我的通知4") < html.index("我的通知0") and "更早的通知" not in html
    monkeypatch.setattr("notifications.selectors.PAGE_SIZE", 3)
    from notifications import selectors

    rows, older = selectors.inbox_page(user=me, size=3)
    assert [n.title for n in rows] == ["我的通知4", "我的通知3", "我的通知2"]
    html = client.get(reverse("notifications:list")).content.decode()
    assert "我的通知2" in html and "我的通知1" not in html and f"?before={older}" in html
    html = client.get(reverse("notifications:list"), {"before": older}).content.decode()
    assert (
        "我的通知1" in html and "我的通知0" in html and "我的通知2" not in html and "更早的通知" not in html
    )
    rows2, older2 = selectors.inbox_page(user=me, before=older, size=3)
    assert [n.title for n in rows2] == ["我的通知1", "我的通知0"] and older2 is None


def test_the_inbox_page_has_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    me = UserFactory()
    client.force_login(me)
    services.notify(user_ids=[me.pk], kind="k", title="一条")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("notifications:list"))
    for i in range(20):
        services.notify(user_ids=[me.pk], kind="k", title=f"通知{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("notifications:list"))
    assert len(one.captured_queries) == len(many.captured_queries)
    # session, user, roles (header), the page, the unread badge
    with django_assert_max_num_queries(5):
        client.get(reverse("notifications:list"))


def test_the_header_badge_counts_my_unread_in_one_query(client, user_with_role, station):
    officer = user_with_role(Role.LIAISON_OFFICER, station=station)
    client.force_login(officer)
    html = client.get(reverse("home")).content.decode()
    assert 'class="badge"' not in html  # nothing unread
    services.notify(user_ids=[officer.pk, UserFactory().pk], kind="k", title="通知甲")
    services.notify(user_ids=[officer.pk], kind="k", title="通知乙")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("home")).content.decode()
    assert html.count('<span class="badge" aria-label="2 条未读">2</span>') == 2  # wide and narrow header
    badge_queries = [q for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(badge_queries) == 1

    client.post(reverse("notifications:read_all"))
    assert 'class="badge"' not in client.get(reverse("home")).content.decode()


def test_many_unread_show_as_99_plus(client):
    me = UserFactory()
    services.notify_many(Message(user_id=me.pk, kind="k", title=f"通知{i}") for i in range(120))
    client.force_login(me)
    assert (
        '<span class="badge" aria-label="99+ 条未读">99+</span>'
        in client.get(reverse("home")).content.decode()
    )


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    me = UserFactory()
    services.notify(user_ids=[me.pk], kind="k", title="去看看", url="/tickets/")
    services.notify(user_ids=[me.pk], kind="k", title="外链", url="https://evil.example.com/")
    mine, evil = Notification.objects.order_by("pk")
    client.force_login(me)
    response = client.post(reverse("notifications:read", args=[mine.pk]), {"go": "1"})
    assert response.status_code == 302 and response["Location"] == "/tickets/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    response = client.post(reverse("notifications:read", args=[evil.pk]), {"go": "1"})
    assert response["Location"] == reverse("notifications:list")  # never an open redirect
    assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405


def test_a_reception_with_opinions_tells_the_station_head(day, user_with_role, region_tree, settings):
    settings.NOTIFICATION_CHANNELS = ["inbox"]
    head = user_with_role(Role.STATION_HEAD, region=region_tree.townships[0])
    user_with_role(Role.STATION_HEAD, region=region_tree.townships[1])  # another township
    second_officer = user_with_role(Role.LIAISON_OFFICER, station=day.station)
    day.client.post("/receptions/new/", reception_post(day))
    message = OutboxMessage.objects.get(task_name="visits.tickets_registered")
    assert outbox.drain() == 1, message
    inbox = Notification.objects.filter(kind="tickets_registered").order_by("recipient_id")
    # the keepers of the station but not the officer who recorded it
    assert [n.recipient_id for n in inbox] == sorted([head.pk, second_officer.pk])
    assert "登记了 2 条群众意见建议" in inbox[0].title


def test_in_the_embedded_default_a_reception_notifies_and_mails_in_process(
    day, user_with_role, region_tree, settings, django_capture_on_commit_callbacks
):
    """No worker: the kick after commit drains in-process, and the handler's own outbox
    messages (the e-mail) are drained in turn."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.NOTIFICATION_CHANNELS = ["inbox", "email"]
    head = user_with_role(
        Role.STATION_HEAD, region=region_tree.townships[0], user=UserFactory(email="chair@example.cn")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = day.client.post("/receptions/new/", reception_post(day))
    assert response.status_code == 302
    assert not OutboxMessage.objects.pending().exists()
    assert Notification.objects.get(kind="tickets_registered").recipient == head
    assert [m.to for m in mail.outbox] == [["chair@example.cn"]]
    assert "待决定处理方式" in mail.outbox[0].subject
