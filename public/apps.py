from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The online liaison station (网上代表联络站): public pages for citizens, no sign-in."""

    name = "public"
    verbose_name = _("网上联络站")
    default_auto_field = "django.db.models.BigAutoField"
