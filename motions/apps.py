from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MotionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "motions"
    verbose_name = _("代表建议与督办事项")
