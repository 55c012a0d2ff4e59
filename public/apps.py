from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The online liaison station (网上代表联络站): public pages for citizens, no sign-in."""

    name = "public"
    verbose_name = "网上联络站"
    default_auto_field = "django.db.models.BigAutoField"
