"""The public pages of the online liaison station (no sign-in): find a station, its
deputies and timetable; submit an opinion; track it and rate the reply. Thin: parse the
input, call a selector or a service, render. Light pages: no script, one small stylesheet."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from liaison import scoping
from liaison.proxies import client_ip
from public import ratelimit, selectors, services
from public.forms import RateForm, SubmitForm, TrackForm
from public.models import PhoneCode
from suggestions.models import Ticket

RATE_LIMITED = gettext_noop("操作过于频繁，请稍后再试。")


def _too_many(request, template: str, context: dict) -> HttpResponse:
    context["error"] = _(RATE_LIMITED)
    return render(request, template, context, status=429)


def index(request):
    text = (request.GET.get("q") or "").strip()[:60]
    results = selectors.station_search(text=text) if text else None
    return render(
        request, "public/index.html", {"regions": selectors.top_regions(), "q": text, "results": results}
    )


def region(request, pk):
    place = selectors.region_or_404(pk)
    return render(
        request,
        "public/region.html",
        {
            "region": place,
            "ancestors": selectors.region_ancestors(region=place),
            "children": selectors.region_children(region=place),
            "stations": selectors.stations_under(region=place),
        },
    )


def station(request, pk):
    found = selectors.station_or_404(pk)
    return render(
        request,
        "public/station.html",
        {
            "station": found,
            "publication": getattr(found, "publication", None),
            "deputies": selectors.station_deputies(station=found),
            "slots": selectors.station_timetable(station=found),
        },
    )


def deputy(request, pk):
    found = selectors.deputy_or_404(pk)
    return render(
        request,
        "public/deputy.html",
        {"deputy": found, "station": found.home_station, "slots": selectors.deputy_timetable(deputy=found)},
    )


def _submit_form(request, found, data=None, files=None, initial=None):
    return SubmitForm(
        data,
        files,
        initial=initial,
        categories=selectors.active_categories(),
        villages=selectors.station_villages(station=found),
    )


@require_http_methods(["GET", "POST"])
def submit(request, pk):
    found = selectors.station_or_404(pk)
    deputy = selectors.station_deputy(
        station=found, pk=request.POST.get("deputy") or request.GET.get("deputy")
    )
    context = {
        "station": found,
        "deputy": deputy,
        "notice_version": services.NOTICE_VERSION,
        "purpose": _(services.PURPOSE),
    }
    if request.method == "GET":
        context["form"] = _submit_form(request, found, initial={"form_token": uuid.uuid4()})
        return render(request, "public/submit.html", context)
    form = _submit_form(request, found, request.POST, request.FILES)
    context["form"] = form
    if request.POST.get("website"):  # the honeypot: a bot filled the hidden field
        context["error"] = _("提交未成功，请稍后重试。")
        return render(request, "public/submit.html", context, status=400)
    ip = client_ip(request)
    if request.POST.get("action") == "send_code":
        try:
            phone = services.normalise_phone(request.POST.get("citizen_phone", ""))
        except ValidationError:
            context["error"] = _("请填写11位手机号码。")
            return render(request, "public/submit.html", context, status=400)
        if not (ratelimit.hit("code_ip", ip) and ratelimit.hit("code_phone", phone)):
            return _too_many(request, "public/submit.html", context)
        services.phone_code_send(phone=phone, purpose=PhoneCode.Purpose.SUBMIT)
        context["notice"] = _("验证码已发送，请查看短信（10分钟内有效）。")
        return render(request, "public/submit.html", context)
    if not form.is_valid():
        context["error"] = _("请检查下面标出的内容。")
        return render(request, "public/submit.html", context, status=400)
    data = form.cleaned_data
    phone_key = "".join(ch for ch in data["citizen_phone"] if ch.isdigit())
    token = str(data["form_token"])
    if not (
        ratelimit.hit("submit_ip", ip, once=token) and ratelimit.hit("submit_phone", phone_key, once=token)
    ):
        return _too_many(request, "public/submit.html", context)
    try:
        done = services.online_submission_create(
            form_token=data["form_token"],
            station=found,
            category=data["category"],
            content=data["content"],
            village=data["village"],
            citizen_name=data["citizen_name"],
            citizen_phone=data["citizen_phone"],
            code=data["code"],
            consent=data["consent"],
            consent_to_share=data["consent_to_share"],
            photos=data["photos"] or [],
            deputy=deputy,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, [_(m) for m in messages])
        context["error"] = _("请检查下面标出的内容。")
        return render(request, "public/submit.html", context, status=400)
    return render(
        request,
        "public/submitted.html",
        {"station": found, "tracking_code": done.submission.tracking_code, "ticket": done.submission.ticket},
    )


def _tracked(request, form_class):
    """The submission named by the form's code and phone digits (rate limited), or a
    response to send instead."""
    form = form_class(request.POST)
    context = {"form": form}
    if not form.is_valid():
        context["error"] = _("请填写查询码和手机号后四位。")
        return None, form, render(request, "public/track.html", context, status=400)
    code = form.cleaned_data["tracking_code"].strip().upper()
    if not (ratelimit.hit("track_ip", client_ip(request)) and ratelimit.hit("track_code", code)):
        return None, form, _too_many(request, "public/track.html", context)
    if request.POST.get("action") == "send_code":
        services.track_code_send(tracking_code=code)
        context["notice"] = _("如查询码正确，验证码已发送到提交时填写的手机（10分钟内有效）。")
        return None, form, render(request, "public/track.html", context)
    try:
        if form.cleaned_data.get("phone_last4") or not form.cleaned_data.get("sms_code"):
            found = services.tracked_submission(
                tracking_code=code, phone_last4=form.cleaned_data["phone_last4"]
            )
        else:
            found = services.tracked_submission_by_sms(
                tracking_code=code, sms_code=form.cleaned_data["sms_code"]
            )
    except PermissionDenied as exc:
        context["error"] = _(str(exc))
        return None, form, render(request, "public/track.html", context, status=404)
    return found, form, None


def _tracked_page(request, submission, *, notice: str = "", rate_form=None, status: int = 200):
    ticket = submission.ticket
    reply = selectors.latest_reply(ticket=ticket)
    can_rate = ticket.status == Ticket.Status.DELIVERED and not ticket.satisfaction and reply is not None
    return render(
        request,
        "public/tracked.html",
        {
            "submission": submission,
            "ticket": ticket,
            "reply": reply,
            "can_rate": can_rate,
            "rate_form": rate_form
            or RateForm(
                initial={
                    "tracking_code": submission.tracking_code,
                    "phone_last4": ticket.citizen_phone[-4:],
                }
            ),
            "notice": notice,
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def track(request):
    if request.method == "GET":
        return render(
            request,
            "public/track.html",
            {"form": TrackForm(initial={"tracking_code": request.GET.get("code", "")[:40]})},
        )
    found, _form, response = _tracked(request, TrackForm)
    return response or _tracked_page(request, found)


@require_POST
def rate(request):
    found, form, response = _tracked(request, RateForm)
    if response:
        return response
    try:
        services.citizen_rate(
            submission=found,
            satisfaction=form.cleaned_data["satisfaction"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        return _tracked_page(
            request, found, notice=" ".join(_(m) for m in exc.messages), rate_form=form, status=400
        )
    found.ticket.refresh_from_db()
    return _tracked_page(request, found, notice=_("感谢您的评价！"))


# --- staff: spam marking (scoped) -----------------------------------------------------


@login_required
@require_POST
def mark_spam(request, pk):
    ticket = scoping.get_scoped_or_404(request.user, Ticket.objects.select_related("station__region"), pk=pk)
    try:
        services.ticket_mark_spam(ticket=ticket, actor=request.user)
    except ValidationError as exc:
        from django.contrib import messages

        messages.error(request, " ".join(exc.messages))
    return redirect("suggestions:detail", pk=ticket.pk)
