"""Sending notifications: the inbox rows at once, e-mail and SMS through the outbox.

Set-based: ``notify_many`` costs the same handful of queries for 3 messages or 3,000
(one INSERT per ``BATCH_SIZE`` rows, one SELECT of the recipients' addresses and channel
preferences, one INSERT of outbox messages), so a sweep that notifies thousands of users
stays a few statements.

**Digest rather than flood.** A message with a ``Digest`` folds into the recipient's
unread notification of the same digest key written in the last
``NOTIFICATION_DIGEST_SECONDS``: thirty tickets assigned to a unit in a few minutes are
one notification "30 件意见建议交办给您" linking to the filtered list, not thirty. Such a
notification's e-mail and SMS wait until its window closes, so they carry the final count.

**Channels per kind.** The inbox always; e-mail and SMS as the user chose for the kind
(``ChannelPreference``), else the kind's default (``notifications.kinds``), and only
those the system has (``settings.NOTIFICATION_CHANNELS``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from liaison import outbox
from liaison.models import OutboxMessage
from liaison.texts import Text
from notifications import sms
from notifications.kinds import kind_for
from notifications.models import ChannelPreference, Notification

BATCH_SIZE = 1000
LISTED_MAX = 20  # an e-mail lists at most this many notifications, then says how many more
EMAIL_TASK = "notifications.send_email"
SMS_TASK = "notifications.send_sms"


@dataclass(frozen=True)
class Digest:
    """How a message folds with others of the same ``key`` for one user: the folded
    notification says ``title`` (with ``{n}``, the count) and links to ``url``."""

    key: str
    title: str | Text
    url: str
    body: str | Text = ""


@dataclass(frozen=True)
class Message:
    """One notification for one user. ``title`` and ``body`` given as ``liaison.texts.Text``
    are stored rendered (in the language of the moment, for e-mail and SMS) and as msgid
    + parameters (``data["text"]``), so the inbox shows them in the reader's language."""

    user_id: int
    kind: str
    title: str | Text
    body: str | Text = ""
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    digest: Digest | None = None


def channels() -> list[str]:
    return list(settings.NOTIFICATION_CHANNELS)


def digest_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "NOTIFICATION_DIGEST_SECONDS", 120))


def notify_many(messages: Iterable[Message]) -> int:
    """Write the inbox rows in bulk (folding digest messages into the recipient's recent
    unread digest), then queue one e-mail (and one SMS, if enabled) per recipient who has
    an address and wants the channel, covering all of that recipient's new notifications.
    Call it inside the transaction of the change it is about: the notifications and their
    delivery commit (or roll back) with it. Returns the number of messages taken."""
    messages = list(messages)
    if not messages:
        return 0
    now = timezone.now()
    # stored (and e-mailed) in the site's language whoever acted; the inbox renders the
    # msgid + parameters again in the reader's (Notification.display_title)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        folded = _fold_digests([m for m in messages if m.digest], now)
        rows = [
            Notification(
                recipient_id=m.user_id,
                kind=m.kind,
                title=str(m.title)[:200],
                body=str(m.body),
                url=m.url,
                data=_with_text(
                    {**m.data, "digest": m.digest.key, "count": 1} if m.digest else m.data, m.title, m.body
                ),
                created_at=now,
            )
            for m in messages
            if not (m.digest and (m.user_id, m.digest.key) in folded)
        ]
        Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        wanted = [c for c in channels() if c in ("email", "sms")]
        if wanted and rows:
            _queue_delivery(rows, wanted, now=now)
    return len(messages)


def _fold_digests(messages: list[Message], now) -> set[tuple[int, str]]:
    """Fold digest messages into each recipient's unread notification of the same key
    from the current window (rows locked, one SELECT and one UPDATE whatever their
    number); messages of one call with the same user and key fold into each other.
    Returns the (user, key) pairs that now have a notification: the messages of those
    pairs write no new row, except the first of a pair that had none."""
    if not messages:
        return set()
    by_pair: dict[tuple[int, str], list[Message]] = defaultdict(list)
    for m in messages:
        by_pair[(m.user_id, m.digest.key)].append(m)
    _lock_digests(sorted(f"{u}:{k}" for u, k in by_pair))
    open_rows = {
        (n.recipient_id, n.data.get("digest")): n
        for n in Notification.objects.select_for_update()
        .filter(
            recipient_id__in={u for u, _k in by_pair},
            read_at__isnull=True,
            created_at__gte=now - digest_window(),
            data__digest__in={k for _u, k in by_pair},
        )
        .order_by("pk")
    }
    changed, done = [], set()
    for pair, group in by_pair.items():
        row = open_rows.get(pair)
        if row is None and len(group) == 1:
            continue  # the first of its window: a plain row (written by the caller)
        if row is None:
            first = group[0]
            row = Notification(
                recipient_id=first.user_id,
                kind=first.kind,
                data={"digest": pair[1], "count": 0},
                created_at=now,
            )
        count = int(row.data.get("count", 1)) + len(group)
        digest = group[-1].digest
        title = digest.title.format(n=count)
        row.title = str(title)[:200]
        row.body, row.url = str(digest.body), digest.url
        row.data = _with_text({**row.data, "count": count}, title, digest.body)
        changed.append(row)
        done.add(pair)
    Notification.objects.bulk_update([r for r in changed if r.pk], ["title", "body", "url", "data"])
    fresh = [r for r in changed if not r.pk]
    if fresh:
        Notification.objects.bulk_create(fresh)
        wanted = [c for c in channels() if c in ("email", "sms")]
        if wanted:
            _queue_delivery(fresh, wanted, now=now)
    return done


def _with_text(data: dict, title, body) -> dict:
    """``data`` with the msgid + parameters of the title and body that are ``Text``s."""
    data = {k: v for k, v in (data or {}).items() if k != "text"}
    stored = {
        name: value.as_data() for name, value in (("title", title), ("body", body)) if isinstance(value, Text)
    }
    if stored:
        data["text"] = stored
    return data


def notify(
    *,
    user_ids: Iterable[int],
    kind: str,
    title: str | Text,
    body: str | Text = "",
    url: str = "",
    data: dict | None = None,
) -> int:
    """The same notification to several users."""
    return notify_many(
        Message(user_id=uid, kind=kind, title=title, body=body, url=url, data=data or {})
        for uid in dict.fromkeys(user_ids)
    )


def _lock_digests(names: list[str]) -> None:
    """Serialise writers of the same users' digests until commit (PostgreSQL: transaction
    advisory locks, taken in order, so two steps at once cannot both start a digest; the
    second waits, then sees the first's row). One statement; SQLite writes one at a time."""
    if names and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('notifications.digest:' || n))"
                " FROM unnest(%s::text[]) AS n ORDER BY n",
                [names],
            )


def _wanted_channels(user_ids: list[int], kinds: set[str]) -> dict[tuple[int, str], tuple[bool, bool]]:
    """(e-mail, SMS) per user and kind, from their choices or the kind's default: one query."""
    chosen = {
        (user_id, kind): (email, sms_)
        for user_id, kind, email, sms_ in ChannelPreference.objects.filter(
            user_id__in=user_ids, kind__in=kinds
        ).values_list("user_id", "kind", "email", "sms")
    }
    out = {}
    for user_id in user_ids:
        for kind in kinds:
            default = kind_for(kind)
            out[(user_id, kind)] = chosen.get((user_id, kind), (default.email, default.sms))
    return out


def _queue_delivery(rows: list[Notification], wanted: list[str], *, now) -> None:
    """One e-mail and one SMS per recipient over their rows that want the channel. A
    digest's delivery waits for its window to close (it then says the final count)."""
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        by_user[row.recipient_id].append(row)
    users = list(by_user)
    contacts = (
        get_user_model().objects.filter(pk__in=users, is_active=True).values_list("pk", "email", "phone")
    )
    prefs = _wanted_channels(users, {r.kind for r in rows})
    later = now + digest_window()
    queued = []
    for user_id, email, phone in contacts:
        for channel, address, task, index in (("email", email, EMAIL_TASK, 0), ("sms", phone, SMS_TASK, 1)):
            if channel not in wanted or not address:
                continue
            chosen = [r for r in by_user[user_id] if prefs[(user_id, r.kind)][index]]
            if not chosen:
                continue
            ids = sorted(r.pk for r in chosen)
            digest = any(r.data.get("digest") for r in chosen)
            queued.append(
                OutboxMessage(
                    task_name=task,
                    args=[user_id, ids[:LISTED_MAX]],
                    kwargs={"total": len(ids)},
                    available_at=later if digest else now,
                )
            )
    if queued:
        OutboxMessage.objects.bulk_create(queued, batch_size=BATCH_SIZE)
        transaction.on_commit(outbox.kick)


def _pending(user_id: int, notification_ids: list[int]) -> tuple[Any, list[Notification]]:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None, []
    notifications = list(
        Notification.objects.filter(recipient_id=user_id, pk__in=notification_ids).order_by(
            "created_at", "pk"
        )
    )
    return user, notifications


@translation.override(settings.LANGUAGE_CODE)
def notification_email_send(*, user_id: int, notification_ids: list[int], total: int | None = None) -> bool:
    """Send one e-mail (in Chinese) listing a user's new notifications (the first
    ``LISTED_MAX`` of ``total``)."""
    user, notifications = _pending(user_id, notification_ids)
    if user is None or not user.email or not notifications:
        return False
    total = max(total or 0, len(notifications))
    context = {
        "user": user,
        "notifications": notifications,
        "total": total,
        "more": total - len(notifications),
        "site_url": settings.SITE_URL,
    }
    if total == 1:
        subject = gettext("【人大代表联络站】{title}").format(title=notifications[0].title)
    else:
        subject = gettext("【人大代表联络站】您有 {total} 条新通知").format(total=total)
    send_mail(
        subject=subject,
        message=render_to_string("notifications/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@translation.override(settings.LANGUAGE_CODE)
def notification_sms_send(*, user_id: int, notification_ids: list[int], total: int | None = None) -> bool:
    """Send one short SMS about a user's new notifications."""
    user, notifications = _pending(user_id, notification_ids)
    if user is None or not user.phone or not notifications:
        return False
    total = max(total or 0, len(notifications))
    if total == 1 and notifications[0].data.get("sms"):
        sms.get_backend().send(user.phone, notifications[0].data["sms"])  # a text written for SMS
        return True
    if total == 1:
        text = gettext("【人大代表联络站】{title}").format(title=notifications[0].title)
    else:
        text = gettext("【人大代表联络站】您有{total}条新通知：{title}等").format(
            total=total, title=notifications[0].title
        )
    sms.get_backend().send(user.phone, text + gettext("，请登录平台查看。"))
    return True


@transaction.atomic
def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them (``notification_id`` None).
    Only the user's own: another user's id marks nothing."""
    qs = Notification.objects.for_user(user).unread()
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def channel_preferences_save(*, user, choices: dict[str, tuple[bool, bool]]) -> int:
    """Store the user's (e-mail, SMS) choice for each kind: one upsert whatever their
    number, so a repeated or concurrent save leaves one row per kind. Unknown kinds are
    refused (``ValueError``) rather than stored."""
    from notifications.kinds import KINDS

    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown notification kinds: {sorted(unknown)}")
    rows = [ChannelPreference(user=user, kind=k, email=e, sms=s) for k, (e, s) in choices.items()]
    ChannelPreference.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["email", "sms"]
    )
    return len(rows)
