from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only since Django 5), saying so on the login page it returns to."""

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, gettext("您已安全退出。"))
        return response
