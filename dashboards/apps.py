from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "数据看板"

    def ready(self) -> None:
        from dashboards.exports import register_export_kind

        register_export_kind()
