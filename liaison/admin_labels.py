"""Chinese names for the third-party apps and models the admin shows (django-axes,
django-pghistory, DRF's tokens): they ship no Chinese, so the admin's index would show
"Axes · Access attempts" and "Pghistory · Events" on a Chinese page. The names are
Liaison's msgids, with English in ``liaison/locale/en``. Only the display names change
(``_meta.verbose_name``), not the models' migration state (``original_attrs``)."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

APP_NAMES = {
    "axes": _("登录安全（锁定）"),
    "pghistory": _("审计记录"),
    "liaison": _("系统"),
}

MODEL_NAMES = {
    ("axes", "AccessAttempt"): (_("登录失败计数"), _("登录失败计数")),
    ("axes", "AccessLog"): (_("登录记录"), _("登录记录")),
    ("axes", "AccessFailureLog"): (_("登录失败记录"), _("登录失败记录")),
    ("pghistory", "Events"): (_("变更事件"), _("变更事件")),
}


def relabel() -> None:
    for label, name in APP_NAMES.items():
        if apps.is_installed(label) or label in apps.app_configs:
            apps.get_app_config(label).verbose_name = name
    for (app_label, model_name), (one, many) in MODEL_NAMES.items():
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        model._meta.verbose_name, model._meta.verbose_name_plural = one, many
