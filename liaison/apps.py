from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    """The project package as an app: cross-app commands (seed_demo, run_jobs) and the
    outbox (``liaison.outbox``), whose handlers each app declares in ``handlers.py``."""

    name = "liaison"
    verbose_name = "Liaison"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from liaison import requestid
        from liaison.admin_labels import relabel
        from liaison.db import register_utc_datetime_dumper

        register_utc_datetime_dumper()
        relabel()
        requestid.connect()

        # Register every app's outbox handlers before anything enqueues or drains.
        autodiscover_modules("handlers")
