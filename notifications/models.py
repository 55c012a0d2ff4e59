"""Notifications (通知): the in-app inbox. Delivery by e-mail or SMS goes through the
outbox (``notifications.services.notify_many``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.texts import render


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_user(self, user):
        return self.filter(recipient=user)


class Notification(models.Model):
    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    # what it is about, for filtering and for the e-mail subject: "ticket_escalated", "tickets_registered" …
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            # the unread badge and the inbox page, both per recipient
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the reader's language when it was stored as a text (new rows),
        else as stored (older rows, written in Chinese)."""
        stored = (self.data or {}).get("text", {}).get("title")
        return render(stored) if stored else self.title

    @property
    def display_body(self) -> str:
        stored = (self.data or {}).get("text", {}).get("body")
        return render(stored) if stored else self.body

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ChannelPreference(models.Model):
    """A user's choice of channels for one kind of notification (通知方式). The inbox always
    gets it; e-mail and SMS follow this row, or the kind's default when there is none.
    The channels the system has at all come from ``settings.NOTIFICATION_CHANNELS``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("类型"), max_length=50)
    email = models.BooleanField(_("电子邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)

    class Meta:
        verbose_name = _("通知方式")
        verbose_name_plural = _("通知方式")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="channel_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Reminder(models.Model):
    """A reminder that has been sent (提醒记录): one row per kind, subject (a ticket or a
    reception slot) and date (the deadline, the reception day). The unique key makes the
    reminder job idempotent: a second run, or two runs at once, insert nothing and so send
    nothing (``INSERT … ON CONFLICT DO NOTHING RETURNING``)."""

    kind = models.CharField(_("类型"), max_length=30)
    subject = models.UUIDField(_("对象"))
    for_date = models.DateField(_("日期"))
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "for_date"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.for_date}"
