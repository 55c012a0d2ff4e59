"""Closure-rate reports (闭环办理率报表): rollup tables refreshed by the worker.

The rollups hold the counts of ``suggestions.selectors.work_figures`` and the rates of the
dashboards, summed by station and month, so a report for a city, a county, a township or a
station over any run of months sums a few thousand small rows, however many tickets there
are. A deputy's and a handling unit's figures are read from the source rows on their
indexes (``reports.selectors``): per-deputy rollups would copy the source.

- ``StationActivity``: sessions held, station entries and citizens received, per station
  and month; the deputies' and the leading cadres' entries and citizens as columns.
- ``StationTickets``: tickets per station, month received and month closed (the month
  closed is a dimension because "closed" in the figures means closed *before the period
  ends*); the deputies' and the cadres' tickets as columns.
- ``OverdueNow``: open tickets past (or near) their deadline, per station and unit, as of
  the last refresh.

Each row carries its station's region path (``area_path``) so a region subtree is one
indexed prefix scan, with no join. ``RollupDirty`` is an append-only log of the (station,
month) groups whose source rows changed (PostgreSQL statement triggers on tickets,
sessions and attendances append to it); ``reports.services.rollups_refresh`` consumes it
and recomputes just those groups.

The rollups are derived data, so their references to stations, deputies and handling
units carry no database constraint (``derived_from``): a foreign key would make every
rollup insert take ``FOR KEY SHARE`` on the station row until the refresh commits, and a
write that locked the station row ``FOR UPDATE`` (as ``reception_create`` did) would wait on
the refresh, or deadlock with it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from deputies.models import Deputy
from stations.models import Station
from suggestions.models import HandlingUnit


class Group(models.TextChoices):
    DEPUTIES = "deputies", gettext_lazy("人大代表")
    CADRES = "cadres", gettext_lazy("领导干部")
    ALL = "all", gettext_lazy("合计")
    OTHER = "other", gettext_lazy("其他（工作人员登记）")


def derived_from(to: type[models.Model], verbose_name: str, **kwargs) -> models.ForeignKey:
    """A rollup row's reference to a source row, without a database constraint (see the
    module docstring): no lock on the referenced row, no cascade; the full refresh drops
    the rows of a deleted station."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class AreaRow(models.Model):
    station = derived_from(Station, gettext_lazy("联络站（点）"))
    area_path = models.CharField(gettext_lazy("区域路径"), max_length=255, db_index=True)
    month = models.DateField(gettext_lazy("月份"))

    class Meta:
        abstract = True


class ActivityMeasures(models.Model):
    sessions = models.PositiveIntegerField(gettext_lazy("接待活动（场）"), default=0)
    entries = models.PositiveIntegerField(gettext_lazy("进站（人次）"), default=0)
    citizens_received = models.PositiveIntegerField(gettext_lazy("接待群众（人次）"), default=0)

    class Meta:
        abstract = True


class TicketMeasures(models.Model):
    closed_month = models.DateField(gettext_lazy("办结月份"), null=True)
    collected = models.PositiveIntegerField(gettext_lazy("收集问题（件）"), default=0)
    on_time = models.PositiveIntegerField(gettext_lazy("按期办结（件）"), default=0)
    handled = models.PositiveIntegerField(gettext_lazy("受理（件）"), default=0)
    replied = models.PositiveIntegerField(gettext_lazy("答复已反馈（件）"), default=0)
    rated = models.PositiveIntegerField(gettext_lazy("已评价（件）"), default=0)
    satisfied = models.PositiveIntegerField(gettext_lazy("满意及基本满意（件）"), default=0)
    # closed without a rating, by the reason recorded (not "unsatisfied", not dropped)
    evaluation_refused = models.PositiveIntegerField(gettext_lazy("拒绝评价（件）"), default=0)
    unreachable = models.PositiveIntegerField(gettext_lazy("无法联系（件）"), default=0)
    close_days_sum = models.PositiveIntegerField(gettext_lazy("办结用时合计（工作日）"), default=0)
    close_days_count = models.PositiveIntegerField(gettext_lazy("计入用时的办结件"), default=0)

    class Meta:
        abstract = True


class StationActivity(AreaRow, ActivityMeasures):
    """One row per station and month: the totals (``sessions``, ``entries``,
    ``citizens_received``) and, as columns rather than rows, the deputies' and the leading
    cadres' station entries and the citizens of the sessions they attended."""

    deputy_entries = models.PositiveIntegerField(gettext_lazy("代表进站（人次）"), default=0)
    deputy_citizens = models.PositiveIntegerField(gettext_lazy("代表接待群众（人次）"), default=0)
    cadre_entries = models.PositiveIntegerField(gettext_lazy("领导干部进站（人次）"), default=0)
    cadre_citizens = models.PositiveIntegerField(gettext_lazy("领导干部接待群众（人次）"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = gettext_lazy("站点活动月报")
        constraints = [
            models.UniqueConstraint(fields=["station", "month"], name="station_activity_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class StationTickets(AreaRow, TicketMeasures):
    """One row per station, month received and month closed (closed before a period's end
    is ``closed_month <= end``); the deputies' and the cadres' tickets as columns."""

    deputy_collected = models.PositiveIntegerField(gettext_lazy("代表收集（件）"), default=0)
    cadre_collected = models.PositiveIntegerField(gettext_lazy("领导干部收集（件）"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = gettext_lazy("站点意见建议月报")
        indexes = [models.Index(fields=["station", "month"])]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class OverdueNow(models.Model):
    """Open tickets waiting for a reply, past their deadline or due within a few working
    days, per station and handling unit, as of ``as_of``."""

    station = derived_from(Station, gettext_lazy("联络站（点）"))
    area_path = models.CharField(gettext_lazy("区域路径"), max_length=255, db_index=True)
    handling_unit = derived_from(HandlingUnit, gettext_lazy("承办单位"), null=True)
    overdue = models.PositiveIntegerField(gettext_lazy("已逾期（件）"), default=0)
    due_soon = models.PositiveIntegerField(gettext_lazy("即将到期（件）"), default=0)
    as_of = models.DateField(gettext_lazy("统计日期"))

    class Meta:
        verbose_name = verbose_name_plural = gettext_lazy("逾期件统计")
        indexes = [models.Index(fields=["handling_unit"])]

    def __str__(self) -> str:
        return f"{self.station_id} {self.as_of}"


class RollupDirty(models.Model):
    """One entry of the change log: a (station, month) group whose rollup rows must be
    recomputed. Append-only for writers (a plain INSERT by the triggers, no unique index,
    so a write never waits on a row the refresher holds); the refresher takes entries by
    id with ``SKIP LOCKED``, deletes them and recomputes each group once, however many
    entries name it."""

    station_id = models.UUIDField()
    month = models.DateField()

    class Meta:
        verbose_name = verbose_name_plural = gettext_lazy("待刷新的报表分组")
        indexes = [models.Index(fields=["station_id", "month"], name="rollup_dirty_group")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class ReportSnapshot(models.Model):
    """A report fixed as it stood on a date (e.g. the official half-year figures)."""

    title = models.CharField(gettext_lazy("标题"), max_length=100)
    scope_label = models.CharField(gettext_lazy("范围"), max_length=200)
    region = models.ForeignKey(
        "stations.Region",
        verbose_name=gettext_lazy("区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    station = models.ForeignKey(
        Station,
        verbose_name=gettext_lazy("联络站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=gettext_lazy("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deputy = models.ForeignKey(
        Deputy,
        verbose_name=gettext_lazy("代表"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField(gettext_lazy("起始月"))
    period_end = models.DateField(gettext_lazy("截止月"))
    as_of = models.DateTimeField(gettext_lazy("数据截至"))
    figures = models.JSONField(gettext_lazy("数据"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("制作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = gettext_lazy("报表快照")
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"{self.title}（{self.scope_label}）"
