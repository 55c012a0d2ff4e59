from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _stamp_session(sender, request, user, **kwargs):
    """A new session starts its idle clock (so the idle-timeout middleware need not write
    the session on the first request)."""
    if request is not None and hasattr(request, "session"):
        from accounts.middleware import stamp_activity

        stamp_activity(request)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与权限")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_stamp_session, dispatch_uid="accounts.stamp_session")
