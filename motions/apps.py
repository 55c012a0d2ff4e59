from django.apps import AppConfig


class MotionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "motions"
    verbose_name = "代表建议与督办事项"
