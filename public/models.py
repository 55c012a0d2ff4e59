"""The online liaison station (网上代表联络站): what citizens see and send without signing in.

- ``StationPublication``: what a station chooses to publish (opening times, a public
  contact, whether its tickets appear in the Open311 feed).
- ``DeputyPhoto``: a deputy's public photo, if one was uploaded.
- ``PhoneCode``: a one-time SMS code (验证码) proving the citizen holds the phone.
- ``OnlineSubmission``: one opinion sent online: its ticket, the unguessable tracking code
  (查询码) and the PIPL consent record (告知同意：notice version, time, purpose, consent
  to pass the details to the handling unit).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deputies.models import Deputy
from liaison.audit import audited
from stations.models import Station
from suggestions.models import Ticket


@audited()
class StationPublication(models.Model):
    """What one station publishes on the online station (代表信息公示)."""

    station = models.OneToOneField(
        Station, verbose_name=_("联络站"), on_delete=models.CASCADE, related_name="publication"
    )
    opening_hours = models.CharField(_("开放时间"), max_length=200, blank=True)
    public_contact = models.CharField(
        _("联络员公开联系方式"),
        max_length=100,
        blank=True,
        help_text=_("站点愿意公开的办公电话等；留空则不显示"),
    )
    publishes_requests = models.BooleanField(
        _("公开办理情况（Open311）"),
        default=False,
        help_text=_("开放后，本站意见建议的办理进度（不含个人信息）可公开查询"),
    )

    class Meta:
        verbose_name = _("站点公示设置")
        verbose_name_plural = _("站点公示设置")

    def __str__(self) -> str:
        return str(self.station)


class DeputyPhoto(models.Model):
    """A deputy's public photo (代表照片), shown on the public pages."""

    deputy = models.OneToOneField(
        Deputy, verbose_name=_("代表"), on_delete=models.CASCADE, related_name="public_photo"
    )
    photo = models.ImageField(_("照片"), upload_to="public/deputies/")

    class Meta:
        verbose_name = _("代表照片")
        verbose_name_plural = _("代表照片")

    def __str__(self) -> str:
        return str(self.deputy)


class PhoneCode(models.Model):
    """One one-time code sent by SMS. Only a hash is kept; a code is good for a few
    minutes, a few tries, and once."""

    class Purpose(models.TextChoices):
        SUBMIT = "submit", _("提交意见")
        TRACK = "track", _("查询进度")

    phone = models.CharField(_("手机号"), max_length=20)
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(_("验证码摘要"), max_length=128)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "purpose", "created_at"], name="phonecode_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


@audited()
class OnlineSubmission(models.Model):
    """One opinion sent on the online station: the ticket it became, its tracking code,
    and the citizen's consent under the PIPL (个人信息保护法 art. 14, 17, 23)."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("意见建议"), on_delete=models.PROTECT, related_name="online_submission"
    )
    tracking_code = models.CharField(_("查询码"), max_length=32, unique=True)
    # the form's own token: the same form posted twice (a double tap, a retry) is one submission
    form_token = models.UUIDField(_("表单令牌"), unique=True, editable=False)
    notice_version = models.CharField(_("告知书版本"), max_length=20)
    consented_at = models.DateTimeField(_("同意时间"))
    purpose = models.CharField(_("处理目的"), max_length=200)
    consent_to_share = models.BooleanField(_("同意向承办单位提供个人信息"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网上提交")
        verbose_name_plural = _("网上提交")
        constraints = [
            models.CheckConstraint(condition=~Q(notice_version=""), name="online_submission_notice_version"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}"
