"""Sign-in (with the second factor), sign-out, the password change that ends a forced
step, and the two-factor pages."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import TokenForm
from accounts.middleware import stamp_activity
from accounts.models import User

PENDING_KEY = "liaison_2fa_pending"  # a user who gave the right password, before the code
PENDING_ATTEMPTS = 5
ENROL_KEY = "liaison_2fa_enrol_device"


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only since Django 5), saying so on the login page it returns to."""

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, _("您已安全退出。"))
        return response


class LoginView(auth_views.LoginView):
    """The password first; a user with an authenticator is signed in only after its code
    (``two_factor_verify``). Says why when an idle session ended."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["idle_minutes"] = settings.SESSION_IDLE_MINUTES if self.request.GET.get("idle") else None
        return context

    def form_valid(self, form):
        user = form.get_user()
        if services.has_two_factor(user):
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "attempts": 0,
            }
            return redirect("accounts:two_factor_verify")
        response = super().form_valid(form)
        stamp_activity(self.request)
        return response


@never_cache
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator, or a recovery code."""
    pending = request.session.get(PENDING_KEY)
    user = User.objects.filter(pk=pending["user"], is_active=True).first() if pending else None
    if user is None:
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            del request.session[PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            stamp_activity(request)
            target = pending["next"]
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse(settings.LOGIN_REDIRECT_URL)
            return redirect(target)
        services.two_factor_failure_record(request=request, user=user)
        pending["attempts"] += 1
        if pending["attempts"] >= PENDING_ATTEMPTS:
            del request.session[PENDING_KEY]
            messages.error(request, _("验证码错误次数过多，请重新登录。"))
            return redirect("accounts:login")
        request.session[PENDING_KEY] = pending
        form.add_error("token", _("验证码不正确或已过期，请重试。"))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


def _qr_svg(device: TOTPDevice) -> str:
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=5, title=_("两步验证二维码")))  # noqa: S308 (segno's own SVG)


def _next_url(request) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
@login_required
def two_factor(request):
    """Set up two-factor sign-in (a QR code for the authenticator app, then its code), or
    confirm it for this session, or see that it is on and renew the recovery codes."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = TokenForm(request.POST or None)
    if confirmed is not None:
        # enrolled: a session that has not given a code yet gives one now
        if user.is_verified():
            return render(request, "accounts/two_factor.html", {"enabled": True})
        if request.method == "POST" and form.is_valid():
            device = match_token(user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error("token", _("验证码不正确或已过期，请重试。"))
        return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})
    device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=request.session.get(ENROL_KEY)).first()
    if device is None:
        device = services.totp_device_unconfirmed(user=user)
        request.session[ENROL_KEY] = device.pk
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_enrol(user=user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            request.session.pop(ENROL_KEY, None)
            device.refresh_from_db()
            otp_login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "new": True},
            )
        form.add_error("token", _("验证码不正确：请核对手机时间，并输入应用中当前显示的 6 位数字。"))
    context = {"form": form, "qr": _qr_svg(device), "secret": device.config_url, "next": _next_url(request)}
    return render(request, "accounts/two_factor.html", context)


@never_cache
@require_POST
@login_required
def recovery_codes(request):
    """New recovery codes, shown once (printable); the old ones stop working."""
    if not request.user.is_verified():
        return redirect("accounts:two_factor")
    codes = services.recovery_codes_generate(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("home")})


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change page; a forced change (first sign-in, a reset, expiry) ends here."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = services.password_change_due(self.request.user)
        context["next"] = self.request.GET.get("next", "")
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed_by_user(user=self.request.user)
        target = self.request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()}):
            return redirect(target)
        return response
