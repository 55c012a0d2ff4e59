"""Citizen opinions (群众意见建议) as tickets, their categories, and handling units (承办单位)."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from deputies.models import Deputy, LeadingCadre
from liaison.audit import audited
from liaison.db import SyncedModel, SyncTracked, sync_index, sync_triggers
from liaison.masking import mask_address, mask_id_number, mask_name, mask_phone
from stations.models import Region, Station, region_path_sql, station_tombstone_scope
from visits.models import ReceptionSession


@audited()
class Category(SyncTracked, models.Model):
    """Opinion category (roads, water, education…); editable by admins."""

    code = models.SlugField(gettext_lazy("代码"), max_length=30, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("意见类别")
        verbose_name_plural = gettext_lazy("意见类别")
        ordering = ["sort_order", "code"]
        indexes = [sync_index("category")]
        triggers = sync_triggers("categories")

    def __str__(self) -> str:
        return self.name


@audited()
class HandlingUnit(SyncTracked, SyncedModel):
    """A body that handles referred opinions: a township government, a county
    department, a utility…, with the region it serves."""

    class Kind(models.TextChoices):
        TOWNSHIP_GOVERNMENT = "township_gov", gettext_lazy("乡镇政府（街道办）")
        COUNTY_DEPARTMENT = "county_dept", gettext_lazy("县级部门")
        CITY_DEPARTMENT = "city_dept", gettext_lazy("市级部门")
        UTILITY = "utility", gettext_lazy("公用事业单位")
        OTHER = "other", gettext_lazy("其他")

    name = models.CharField(gettext_lazy("名称"), max_length=100)
    kind = models.CharField(gettext_lazy("类型"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=gettext_lazy("服务区域"), on_delete=models.PROTECT, related_name="handling_units"
    )
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("承办单位")
        verbose_name_plural = gettext_lazy("承办单位")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="handling_unit_unique_name")]
        indexes = [sync_index("handlingunit")]
        triggers = sync_triggers(
            "handling_units", scope={"region_path": region_path_sql("OLD.region_id"), "unit_id": "OLD.id"}
        )

    def __str__(self) -> str:
        return self.name


SEARCH_MAX_WORDS = 5
SEARCH_MAX_LENGTH = 100


def search_q(text: str, fields: tuple[str, ...], *, phone: str | None = None) -> Q:
    """Every word of ``text`` in one of ``fields`` (``icontains``); a word that is a phone
    number or its last digits also in ``phone``."""
    match = Q()
    for word in (text or "")[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_WORDS]:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        digits = word.replace("-", "")
        if phone and digits.isascii() and digits.isdigit() and len(digits) >= 4:
            any_field |= Q(**{f"{phone}__contains": digits})
        match &= any_field
    return match


# 督办层级: the level a ticket overdue without a reply is escalated to (0 = not escalated)
ESCALATION_LEVELS = {1: gettext_lazy("县级人大常委会督办"), 2: gettext_lazy("市级人大常委会督办")}
MAX_ESCALATION_LEVEL = max(ESCALATION_LEVELS)


class TicketQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> "TicketQuerySet":
        return self.filter(station__region__path__startswith=region.path)

    def received_between(self, start, end) -> "TicketQuerySet":
        return self.filter(received_at__gte=start, received_at__lt=end)

    def open(self) -> "TicketQuerySet":
        return self.exclude(status__in=Ticket.FINAL_STATUSES)

    def counted(self) -> "TicketQuerySet":
        """The tickets the figures count (收集问题): merged duplicates and submissions
        marked as spam (kept, never counted) left out."""
        return self.exclude(status=Ticket.Status.MERGED).exclude(is_spam=True)

    def running(self) -> "TicketQuerySet":
        """Tickets whose deadline is running: accepted or assigned, not yet replied."""
        return self.filter(status__in=Ticket.RUNNING_STATUSES)

    def overdue(self, *, on) -> "TicketQuerySet":
        return self.running().filter(due_on__lt=on)

    def due_by(self, *, on, until) -> "TicketQuerySet":
        """Running tickets due between ``on`` and ``until`` (inclusive), not yet overdue."""
        return self.running().filter(due_on__gte=on, due_on__lte=until)

    def escalated(self) -> "TicketQuerySet":
        return self.filter(Q(tier=Ticket.Tier.STANDING_COMMITTEE) | Q(escalation_level__gt=0))

    def search(self, text: str) -> "TicketQuerySet":
        """Tickets matching every word of ``text`` (at most five) in the content, the
        citizen's name or the ticket number; a word of digits (4 or more, dashes and
        spaces ignored) matches the citizen's phone too. ``ILIKE '%word%'``, served on
        PostgreSQL by the trigram GIN indexes of migration 0013 (they hold Chinese text:
        the database's ctype is UTF-8); elsewhere a plain ``LIKE``."""
        if "\x00" in (text or ""):
            return self.none()  # PostgreSQL text cannot hold NUL: nothing matches
        return self.filter(search_q(text, ("content", "citizen_name", "number"), phone="citizen_phone"))

    def with_reply_summary(self) -> "TicketQuerySet":
        """Annotate the latest reply (text, time) and the latest delivery to the citizen
        (反馈日期) as subqueries, for the ledgers and the printed forms: no query per row."""
        latest_reply = Reply.objects.filter(ticket=models.OuterRef("pk")).order_by("-created_at", "-pk")
        latest_delivery = Delivery.objects.filter(ticket=models.OuterRef("pk")).order_by(
            "-delivered_at", "-pk"
        )
        return self.annotate(
            last_reply_text=models.Subquery(latest_reply.values("text")[:1]),
            last_reply_at=models.Subquery(latest_reply.values("created_at")[:1]),
            last_reply_unit=models.Subquery(latest_reply.values("handling_unit__name")[:1]),
            last_delivered_at=models.Subquery(latest_delivery.values("delivered_at")[:1]),
        )


@audited()
class Ticket(SyncTracked, SyncedModel):
    """One citizen opinion, handled as a ticket until it is closed with a reply.

    First version: enough to carry the demo data and the closure-rate figures. The
    state machine (allowed transitions, events, replies) lives in suggestions/services."""

    class Status(models.TextChoices):
        REGISTERED = "registered", gettext_lazy("已登记")
        ACCEPTED = "accepted", gettext_lazy("已受理")
        ASSIGNED = "assigned", gettext_lazy("已交办")
        REPLIED = "replied", gettext_lazy("已答复")
        DELIVERED = "delivered", gettext_lazy("已反馈群众")
        CLOSED = "closed", gettext_lazy("已办结")
        WITHDRAWN = "withdrawn", gettext_lazy("已撤回")
        MERGED = "merged", gettext_lazy("已合并")

    class Tier(models.TextChoices):
        ON_THE_SPOT = "on_the_spot", gettext_lazy("代表当场答复")
        TOWNSHIP = "township", gettext_lazy("村（社区）、乡镇办理")
        COUNTY_DEPARTMENT = "county_dept", gettext_lazy("县级部门办理")
        STANDING_COMMITTEE = "standing_committee", gettext_lazy("提交人大常委会")
        DEPUTY_SUGGESTION = "deputy_suggestion", gettext_lazy("转为代表建议")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", gettext_lazy("满意")
        BASICALLY = "basically", gettext_lazy("基本满意")
        UNSATISFIED = "unsatisfied", gettext_lazy("不满意")

    class Channel(models.TextChoices):
        """How the opinion reached the station (收集渠道)."""

        STATION = "station", gettext_lazy("站内登记")
        ONLINE = "online", gettext_lazy("网上联络站")

    class NoEvaluation(models.TextChoices):
        """Why a closed ticket has no rating: counted apart from the ratings (not as
        "unsatisfied", and not dropped), so the satisfaction rate stays ratings ÷ rated."""

        REFUSED = "refused", gettext_lazy("拒绝评价")
        UNREACHABLE = "unreachable", gettext_lazy("无法联系")

    FINAL_STATUSES = (Status.CLOSED, Status.WITHDRAWN, Status.MERGED)
    # the deadline runs while the ticket waits for handling and a reply
    RUNNING_STATUSES = (Status.ACCEPTED, Status.ASSIGNED)
    # 答复率: accepted for handling (not withdrawn or merged) …
    UNHANDLED_STATUSES = (Status.REGISTERED, Status.WITHDRAWN, Status.MERGED)
    # … and of those, the reply delivered to the citizen (ticket_close refuses otherwise)
    REPLY_DELIVERED_STATUSES = (Status.DELIVERED, Status.CLOSED)

    # 编号 such as 交城-2023-000123, given at registration (suggestions.numbering)
    number = models.CharField(
        gettext_lazy("编号"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    station = models.ForeignKey(
        Station, verbose_name=gettext_lazy("联络站（点）"), on_delete=models.PROTECT, related_name="tickets"
    )
    reception = models.ForeignKey(
        ReceptionSession,
        verbose_name=gettext_lazy("接待活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    village = models.ForeignKey(
        Region,
        verbose_name=gettext_lazy("村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Citizen's personal information (PIPL): masked outside the ticket's own page.
    citizen_name = models.CharField(gettext_lazy("群众姓名"), max_length=50)
    citizen_phone = models.CharField(gettext_lazy("联系电话"), max_length=20, blank=True)
    citizen_address = models.CharField(gettext_lazy("住址"), max_length=200, blank=True)
    citizen_id_number = models.CharField(gettext_lazy("身份证号"), max_length=18, blank=True)
    consent_to_share = models.BooleanField(
        gettext_lazy("同意向承办单位提供个人信息"),
        default=False,
        help_text=gettext_lazy("未同意的，按匿名方式交办"),
    )

    category = models.ForeignKey(
        Category, verbose_name=gettext_lazy("类别"), on_delete=models.PROTECT, related_name="tickets"
    )
    content = models.TextField(gettext_lazy("意见建议内容"))
    on_the_spot_action = models.TextField(gettext_lazy("现场处理情况"), blank=True)
    received_by_deputy = models.ForeignKey(
        Deputy,
        verbose_name=gettext_lazy("接待代表"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    received_by_cadre = models.ForeignKey(
        LeadingCadre,
        verbose_name=gettext_lazy("接待领导干部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    received_at = models.DateTimeField(gettext_lazy("收集时间"), db_index=True)
    channel = models.CharField(
        gettext_lazy("收集渠道"), max_length=10, choices=Channel.choices, default=Channel.STATION
    )
    # 垃圾信息: a public submission staff marked as spam; kept, not counted (``counted()``)
    is_spam = models.BooleanField(gettext_lazy("垃圾信息"), default=False)

    status = models.CharField(
        gettext_lazy("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    tier = models.CharField(gettext_lazy("分级处理"), max_length=20, choices=Tier.choices, blank=True)
    handling_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=gettext_lazy("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    due_on = models.DateField(gettext_lazy("办理期限"), null=True, blank=True)
    closed_at = models.DateTimeField(gettext_lazy("办结时间"), null=True, blank=True)
    satisfaction = models.CharField(
        gettext_lazy("群众评价"),
        max_length=12,
        choices=Satisfaction.choices,
        blank=True,
        help_text=gettext_lazy("最近一次答复的评价"),
    )
    no_evaluation = models.CharField(
        gettext_lazy("未评价原因"),
        max_length=12,
        choices=NoEvaluation.choices,
        blank=True,
        help_text=gettext_lazy("群众未给出评价时记录原因（拒绝评价、无法联系）"),
    )
    reopen_count = models.PositiveSmallIntegerField(gettext_lazy("重新办理次数"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tickets",
    )
    return_requested_at = models.DateTimeField(gettext_lazy("承办单位申请退回时间"), null=True, blank=True)
    # 0: handled where it was accepted; issue 6 (escalation) raises it (1 county, 2 city…)
    escalation_level = models.PositiveSmallIntegerField(
        gettext_lazy("督办层级"),
        default=0,
        help_text=gettext_lazy("0 未升级；1 县级人大常委会督办；2 市级人大常委会督办"),
    )
    working_days_to_close = models.PositiveSmallIntegerField(
        gettext_lazy("办结用时（工作日）"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("群众意见建议")
        verbose_name_plural = gettext_lazy("群众意见建议")
        indexes = [
            sync_index("ticket"),
            models.Index(fields=["station", "received_at"], name="ticket_station_received_idx"),
            models.Index(fields=["status", "due_on"], name="ticket_status_due_idx"),
            # the category and tier statistics (reports.categories) read a region's tickets of
            # a period from the source: an index range on the time received, covering the
            # columns they group and count by (measured in bench/categories.py)
            models.Index(
                fields=["received_at"],
                include=["station", "category", "tier", "closed_at", "status"],
                name="ticket_received_cover_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_by_deputy__isnull=True) | Q(received_by_cadre__isnull=True),
                name="ticket_one_receiver",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction="") | Q(no_evaluation=""),
                name="ticket_rated_or_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="ticket_closed_iff_closed_at",
            ),
        ]
        triggers = sync_triggers(
            "tickets",
            scope={
                **station_tombstone_scope("OLD.station_id"),
                "deputy_id": "OLD.received_by_deputy_id",
                "unit_id": "OLD.handling_unit_id",
            },
        )

    def __str__(self) -> str:
        return f"{self.category} · {self.content[:20]}"

    @property
    def is_escalated(self) -> bool:
        return self.tier == self.Tier.STANDING_COMMITTEE or self.escalation_level > 0

    @property
    def receiver(self):
        return self.received_by_deputy or self.received_by_cadre

    # Masked forms for lists, exports and reports; the full values only on the
    # ticket page for entitled users (liaison.scoping.can_see_citizen_data).
    @property
    def masked_citizen_name(self) -> str:
        return mask_name(self.citizen_name)

    @property
    def masked_citizen_phone(self) -> str:
        return mask_phone(self.citizen_phone)

    @property
    def masked_citizen_address(self) -> str:
        return mask_address(self.citizen_address)

    @property
    def masked_citizen_id_number(self) -> str:
        return mask_id_number(self.citizen_id_number)


class TicketNumberCounter(models.Model):
    """The last ticket number given out in one county and year (编号计数), bumped by
    ``suggestions.numbering`` with one upsert so concurrent registrations never share one."""

    county = models.ForeignKey(
        Region, verbose_name=gettext_lazy("县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    last = models.PositiveIntegerField(gettext_lazy("已编至"), default=0)

    class Meta:
        verbose_name = gettext_lazy("意见建议编号计数")
        verbose_name_plural = gettext_lazy("意见建议编号计数")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="ticket_number_counter_once")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}: {self.last}"


# --- the workflow: timeline, replies, deliveries, the working-day calendar ------------------


class TimelineEvent(models.Model):
    """One step of a ticket's handling (办理记录): who moved it from which status to which,
    when, with what comment and attachments. Append-only: written by
    ``suggestions.services.ticket_transition`` and never changed (a PostgreSQL trigger
    refuses updates and deletes). Named so as not to clash with the audit trail's
    ``TicketEvent`` (django-pghistory)."""

    # no index of its own: (ticket, at) below serves every lookup by ticket
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=gettext_lazy("意见建议"),
        on_delete=models.PROTECT,
        related_name="timeline",
        db_index=False,
    )
    action = models.CharField(gettext_lazy("操作"), max_length=30)
    from_status = models.CharField(
        gettext_lazy("原状态"), max_length=12, choices=Ticket.Status.choices, blank=True
    )
    to_status = models.CharField(gettext_lazy("新状态"), max_length=12, choices=Ticket.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(gettext_lazy("时间"), default=timezone.now, db_index=True)
    comment = models.TextField(gettext_lazy("说明"), blank=True)
    data = models.JSONField(gettext_lazy("操作内容"), default=dict, blank=True)
    # the deadline an escalation answers; unique per ticket so a retried or concurrent
    # sweep can never escalate a ticket twice for the same missed deadline
    missed_deadline = models.DateField(gettext_lazy("逾期的办理期限"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("办理记录")
        verbose_name_plural = gettext_lazy("办理记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="timeline_ticket_at_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "missed_deadline"],
                condition=Q(action="escalate"),
                name="timeline_escalate_once_per_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(action="escalate") | Q(missed_deadline__isnull=False),
                name="timeline_escalation_names_deadline",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="timeline_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.from_status}→{self.to_status}"

    # labels of events that are not rows of the workflow table
    OTHER_LABELS = {
        "register": gettext_lazy("登记"),
        "merged_in": gettext_lazy("合并件并入"),
        "escalate": gettext_lazy("逾期升级督办"),
        "attach": gettext_lazy("补充附件"),
    }

    @property
    def label(self) -> str:
        from suggestions.workflow import TRANSITIONS

        found = TRANSITIONS.get(self.action)
        return found.label if found else self.OTHER_LABELS.get(self.action, self.action)

    @property
    def summary(self) -> str:
        """The event's data in words, for the timeline."""
        d, parts = self.data or {}, []
        if d.get("tier"):
            parts.append(gettext("分级：{label}").format(label=Ticket.Tier(d["tier"]).label))
        if d.get("handling_unit"):
            parts.append(gettext("承办单位：{handling_unit}").format(handling_unit=d["handling_unit"]))
        if d.get("due_on"):
            parts.append(gettext("办理期限：{due_on}").format(due_on=d["due_on"]))
        if d.get("channel"):
            parts.append(gettext("反馈方式：{label}").format(label=Delivery.Channel(d["channel"]).label))
        if d.get("satisfaction"):
            parts.append(
                gettext("群众评价：{label}").format(label=Ticket.Satisfaction(d["satisfaction"]).label)
            )
        if d.get("given_by") == "citizen_online":
            parts.append(gettext("群众网上自评"))
        if d.get("no_evaluation"):
            parts.append(gettext("未评价：%s") % Ticket.NoEvaluation(d["no_evaluation"]).label)
        if d.get("reopen_count"):
            parts.append(gettext("第 {reopen_count} 次重新办理").format(reopen_count=d["reopen_count"]))
        if d.get("level"):
            parts.append(
                gettext("升级为{get}（原期限 {missed_deadline}）").format(
                    get=ESCALATION_LEVELS.get(d["level"], d["level"]), missed_deadline=self.missed_deadline
                )
            )
        return "；".join(parts)


@audited()
class Attachment(models.Model):
    """A file attached to one timeline event (a reply's documents, a photo, a return letter)."""

    event = models.ForeignKey(
        TimelineEvent,
        verbose_name=gettext_lazy("办理记录"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(gettext_lazy("文件"), upload_to="tickets/%Y/%m/")
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=200)
    content_type = models.CharField(gettext_lazy("类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(gettext_lazy("大小（字节）"))
    # the UUID an API client gave the upload: a retried upload finds it and adds nothing
    client_id = models.UUIDField(gettext_lazy("客户端ID"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = gettext_lazy("附件")
        verbose_name_plural = gettext_lazy("附件")
        ordering = ["pk"]
        triggers = [
            pgtrigger.Protect(name="attachment_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return self.original_name


class Reply(models.Model):
    """The handling unit's (or, for on-the-spot answers, the station's) reply (答复)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=gettext_lazy("意见建议"), on_delete=models.PROTECT, related_name="replies"
    )
    handling_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=gettext_lazy("答复单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("答复人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(gettext_lazy("答复内容"))
    event = models.OneToOneField(
        TimelineEvent, verbose_name=gettext_lazy("办理记录"), on_delete=models.PROTECT, related_name="reply"
    )
    created_at = models.DateTimeField(gettext_lazy("答复时间"), default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("答复")
        verbose_name_plural = gettext_lazy("答复")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


class Delivery(models.Model):
    """A reply delivered to one citizen (答复反馈群众). ``ticket`` is the citizen's ticket: the
    replied ticket itself, or a ticket merged into it (whose citizen gets the same reply)."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", gettext_lazy("当面")
        PHONE = "phone", gettext_lazy("电话")
        SMS = "sms", gettext_lazy("短信")
        ONLINE = "online", gettext_lazy("网上")

    ticket = models.ForeignKey(
        Ticket, verbose_name=gettext_lazy("意见建议"), on_delete=models.PROTECT, related_name="deliveries"
    )
    reply = models.ForeignKey(
        Reply, verbose_name=gettext_lazy("答复"), on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(gettext_lazy("反馈方式"), max_length=10, choices=Channel.choices)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("反馈人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivered_at = models.DateTimeField(gettext_lazy("反馈时间"))
    satisfaction = models.CharField(
        gettext_lazy("群众评价"), max_length=12, choices=Ticket.Satisfaction.choices, blank=True
    )
    event = models.ForeignKey(
        TimelineEvent, verbose_name=gettext_lazy("办理记录"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = gettext_lazy("答复反馈")
        verbose_name_plural = gettext_lazy("答复反馈")
        ordering = ["delivered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["ticket", "reply"], name="delivery_once_per_citizen")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.delivered_at:%Y-%m-%d}"


@audited()
class CalendarDay(SyncTracked, models.Model):
    """One day of China's official calendar: a working day or not (法定节假日、调休上班).

    Seeded for 2023–2026 from the chinese-calendar package (migration 0005); each year,
    when the State Council publishes the next year's holidays, an admin runs
    ``manage.py load_calendar --years 2027 2027`` (after upgrading chinesecalendar) or
    edits the days in the admin. Days missing from the table count Mon–Fri as working
    days (``suggestions.calendar``)."""

    date = models.DateField(gettext_lazy("日期"), unique=True)
    is_working_day = models.BooleanField(gettext_lazy("工作日"))
    note = models.CharField(gettext_lazy("说明"), max_length=50, blank=True)

    class Meta:
        verbose_name = gettext_lazy("工作日历")
        verbose_name_plural = gettext_lazy("工作日历")
        ordering = ["date"]
        indexes = [sync_index("calendarday")]
        triggers = sync_triggers("calendar_days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {gettext('工作日') if self.is_working_day else gettext('休息日')}"
