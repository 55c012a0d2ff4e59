"""Roster imports from Excel (名册导入) and the natural keys they match on.

An ``ImportJob`` is the audit record of one upload: the stored file, who, when, what the
preview found and what the confirm applied. ``StationKey`` and ``DeputyKey`` hold the
natural keys congress offices use in their spreadsheets (a station's code, a deputy's code
or ID number) so a corrected file updates in place; they live here, beside the importer,
rather than as columns of ``stations``/``deputies``, which know nothing of imports."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.db import SyncedModel
from stations.models import Station


class ImportKind(models.TextChoices):
    REGIONS = "regions", _("行政区划")
    STATIONS = "stations", _("联络站（点）")
    DEPUTIES = "deputies", _("人大代表及代表资格")
    DEPUTY_GROUPS = "deputy_groups", _("代表小组及组长")
    CADRES = "cadres", _("领导干部")
    UNITS = "units", _("承办单位")
    STATION_STAFF = "station_staff", _("站点工作人员")
    ACCOUNTS = "accounts", _("用户账号及角色")


# every import in the audit trail (who uploaded and who confirmed which file, the counts,
# the status): the progress bar and the long report are left out, they are not changes
@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=["progress", "report"]
)
class ImportJob(SyncedModel):
    """One uploaded roster file: checked (preview), then applied all or nothing (confirm)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队检查中")
        CHECKING = "checking", _("检查中")
        PREVIEWED = "previewed", _("已检查，待确认")
        CONFIRMING = "confirming", _("导入中")
        INVALID = "invalid", _("有错误，未导入")
        APPLIED = "applied", _("已导入")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("导入类型"), max_length=16, choices=ImportKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    sha256 = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变"), default=0)
    problem_count = models.PositiveIntegerField(_("问题"), default=0)
    # what the preview found: {"problems": [{row, column, message}], "rows": [{row, action, key, changes}]}
    report = models.JSONField(_("检查结果"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    checked_at = models.DateTimeField(_("检查完成时间"), null=True, blank=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applied_at__isnull=False),
                name="importjob_applied_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"


class StationKey(models.Model):
    """A station's code (站点编号) as the county's roster names it."""

    station = models.OneToOneField(Station, on_delete=models.CASCADE, related_name="import_key")
    code = models.CharField(_("站点编号"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("站点编号")
        verbose_name_plural = _("站点编号")

    def __str__(self) -> str:
        return self.code


class DeputyKey(models.Model):
    """A deputy's code (代表编号) and/or the keyed hash of their ID number (身份证号): the ID
    number itself is never stored, only HMAC-SHA256 under the site's secret key."""

    deputy = models.OneToOneField(Deputy, on_delete=models.CASCADE, related_name="import_key")
    code = models.CharField(_("代表编号"), max_length=40, unique=True, null=True, blank=True)
    id_number_hash = models.CharField(_("身份证号摘要"), max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("代表编号")
        verbose_name_plural = _("代表编号")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__isnull=False) | Q(id_number_hash__isnull=False), name="deputykey_has_a_key"
            )
        ]

    def __str__(self) -> str:
        return self.code or self.id_number_hash[:8]
