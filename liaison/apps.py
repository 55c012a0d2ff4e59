from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    """The project package as an app: it owns cross-app commands (seed_demo) only."""

    name = "liaison"
    verbose_name = "Liaison"
