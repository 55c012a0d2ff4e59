"""Reception pages: parse input, call a selector or service, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from accounts.services import full_views_log
from liaison.files import stored_file_response
from liaison.pagination import keyset_page
from liaison.scoping import can_export_ledger, can_log_reception, can_log_receptions_somewhere
from suggestions.selectors import registration_warnings
from visits import selectors, services
from visits.forms import (
    LedgerExportForm,
    LedgerFormSet,
    ReceptionForm,
    SlotForm,
    add_completion_errors,
    check_rows_against_station,
    error_summary,
    receiver_cadre_ids,
    reception_input,
)
from visits.models import ExportJob, ReceptionSession

# What a ledger shows of a citizen (no ID number), and the access log's client for it.
LEDGER_FIELDS = ("citizen_name", "citizen_phone", "citizen_address")
LEDGER_CLIENT = "ledger_export"


@login_required
def visits_list(request):
    reception_filter = selectors.reception_list(user=request.user, filters=request.GET, request=request)
    ordering = selectors.RECEPTION_ORDERINGS.get(request.GET.get("o") or "", ("-starts_at", "-id"))
    page = keyset_page(request, reception_filter.qs, ordering=ordering)
    context = {
        "filter": reception_filter,
        "page": page,
        "can_log": can_log_receptions_somewhere(request.user),
        "my_stations": selectors.my_stations(user=request.user),
    }
    return render(request, "visits/reception_list.html", context)


@login_required
def visits_detail(request, pk):
    session = selectors.reception_detail(user=request.user, pk=pk)
    context = {
        "session": session,
        **selectors.reception_page_data(session=session),
        "attachments": selectors.reception_attachments(session=session),
        "tickets": (tickets := selectors.reception_tickets(session=session)),
        "warnings": registration_warnings(user=request.user, station=session.station, tickets=tickets),
        "can_edit": session.status == ReceptionSession.Status.DRAFT
        and can_log_reception(request.user, session.station),
    }
    return render(request, "visits/reception_detail.html", context)


# --- the reception form ------------------------------------------------------------------


def _save(request, form, formset, *, session: ReceptionSession | None):
    """Both forms are valid: record (or update the draft), or put the service's refusal
    next to the fields. Returns a response, or None to re-render with errors."""
    draft = "save_draft" in request.POST
    station = form.cleaned_data["station"]
    if not can_log_reception(request.user, station):
        raise PermissionDenied
    if not check_rows_against_station(form, formset):
        return None
    data = reception_input(form, formset)
    try:
        if session is None:
            session, created = services.reception_record(
                data=data, client_token=form.cleaned_data["client_token"], actor=request.user, draft=draft
            )
            if not created:
                messages.info(request, gettext("该接待活动已经登记过（重复提交未重复保存）。"))
                return redirect("visits:detail", session.pk)
        else:
            session = services.reception_update_draft(
                session=session, data=data, actor=request.user, draft=draft
            )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                field = {"starts_at": "date", "ends_at": "end_time"}.get(field, field)
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None
    if draft:
        messages.success(request, gettext("已保存为草稿，可稍后继续填写。"))
        return redirect("visits:edit", session.pk)
    count = session.tickets.count()
    messages.success(
        request, gettext("接待活动已登记，{count} 条意见建议已进入办理流程。").format(count=count)
    )
    return redirect("visits:detail", session.pk)


def _reception_page(request, *, session: ReceptionSession | None, initial: dict, row_initial: list):
    station_id = request.POST.get("station") if request.method == "POST" else initial.get("station")
    choices = selectors.reception_form_choices(
        user=request.user, on=timezone.localdate(), station_id=station_id
    )
    wanted = receiver_cadre_ids(request.POST if request.method == "POST" else None, initial, row_initial)
    row_kwargs = {
        "choices": choices,
        "receiver_cadres": choices.cadres.filter(pk__in=wanted) if wanted else (),
    }
    if request.method == "POST":
        form = ReceptionForm(request.POST, request.FILES, choices=choices)
        formset = LedgerFormSet(request.POST, prefix="rows", form_kwargs=row_kwargs)
        valid = form.is_valid() & formset.is_valid()  # both, so every error shows at once
        add_completion_errors(form, formset)
        if valid and not form.errors:
            response = _save(request, form, formset, session=session)
            if response is not None:
                return response
        lost_files = bool(request.FILES.getlist("attachments"))
        status = 400
    else:
        form = ReceptionForm(initial=initial, choices=choices)
        formset = LedgerFormSet(prefix="rows", initial=row_initial, form_kwargs=row_kwargs)
        lost_files = False
        status = 200
    context = {
        "form": form,
        "formset": formset,
        "errors": error_summary(form, formset) if form.is_bound else [],
        "session": session,
        "lost_files": lost_files,
        "groups": _deputy_groups(form),
        "chosen_station": choices.chosen,
        "has_cadres": choices.chosen is not None and choices.cadres.exists(),
        # a user over several stations picks one first (its people fill the form)
        "need_station": request.method == "GET" and session is None and choices.chosen is None,
    }
    return render(request, "visits/reception_form.html", context, status=status)


def _deputy_groups(form) -> list[dict]:
    """The deputies' checkboxes grouped by station and deputy group (代表小组), so a
    whole group can be ticked at once; ``data-station`` lets the page hide the others."""
    groups: dict[tuple, dict] = {}
    by_pk = {d.pk: d for d in form.choices.deputies}
    for widget in form["deputies"]:
        deputy = by_pk.get(uuid.UUID(str(widget.data["value"])))
        if deputy is None:
            continue
        key = (deputy.home_station_id, deputy.group_id)
        group = groups.setdefault(
            key,
            {
                "station": deputy.home_station_id,
                "station_name": deputy.home_station.name,
                "name": deputy.group.name if deputy.group else gettext("未编组代表"),
                "widgets": [],
            },
        )
        group["widgets"].append(widget)
    return list(groups.values())


@login_required
@require_http_methods(["GET", "POST"])
def visits_create(request):
    if not can_log_receptions_somewhere(request.user):
        raise PermissionDenied
    initial: dict = {"date": timezone.localdate(), "kind": ReceptionSession.Kind.STATION_RECEPTION}
    slot_id = request.GET.get("slot")
    if slot_id:
        slot = selectors.slot_for_user(user=request.user, pk=slot_id)
        initial.update(
            station=slot.station_id,
            slot=slot.pk,
            date=slot.date,
            start_time=slot.starts,
            end_time=slot.ends,
            deputies=[d.pk for d in slot.deputies.all()],
        )
    elif request.GET.get("station"):
        initial["station"] = request.GET["station"]
    else:
        only = list(selectors.loggable_station_ids(user=request.user)[:2])
        if len(only) == 1:
            initial["station"] = only[0]
    return _reception_page(request, session=None, initial=initial, row_initial=[])


@login_required
@require_http_methods(["GET", "POST"])
def visits_edit(request, pk):
    session = selectors.reception_draft(user=request.user, pk=pk)
    if not can_log_reception(request.user, session.station):
        raise PermissionDenied
    if session.status != ReceptionSession.Status.DRAFT:
        messages.info(request, services.DONE_IS_FINAL_MESSAGE)
        return redirect("visits:detail", session.pk)
    local_start = timezone.localtime(session.starts_at)
    attendances = list(session.attendances.all())
    initial = {
        "client_token": session.client_token or uuid.uuid4(),
        "station": session.station_id,
        "slot": session.slot_id,
        "kind": session.kind,
        "theme": session.theme,
        "theme_kind": session.theme_kind,
        "date": local_start.date(),
        "start_time": local_start.time(),
        "end_time": timezone.localtime(session.ends_at).time() if session.ends_at else None,
        "deputies": [a.deputy_id for a in attendances if a.deputy_id],
        "cadres": [a.cadre_id for a in attendances if a.cadre_id],
        "officials": "\n".join(
            f"{a.guest_name} {a.guest_title}".strip() for a in attendances if a.role == "official"
        ),
        "legal_experts": "\n".join(
            f"{a.guest_name} {a.guest_title}".strip() for a in attendances if a.role == "legal_expert"
        ),
        "citizens_received": session.citizens_received,
        "notes": session.notes,
        "exception_reason": session.exception_reason,
    }
    return _reception_page(request, session=session, initial=initial, row_initial=session.draft_rows)


@login_required
def visits_attachments(request, pk):
    """A session's attachments; ``?file=<id>`` sends one (``&thumb=1`` its thumbnail),
    only to those who may see the session."""
    session = selectors.reception_detail(user=request.user, pk=pk)
    attachments = selectors.reception_attachments(session=session)
    wanted = request.GET.get("file")
    if wanted:
        attachment = next((a for a in attachments if str(a.pk) == wanted), None)
        if attachment is None:
            raise Http404
        stored = (
            attachment.thumbnail if request.GET.get("thumb") and attachment.thumbnail else attachment.file
        )
        content_type = "image/jpeg" if stored is attachment.thumbnail else attachment.content_type
        return stored_file_response(
            stored, content_type=content_type, disposition="inline", cache_control="private, max-age=3600"
        )
    return render(request, "visits/attachments.html", {"session": session, "attachments": attachments})


# --- timetable ------------------------------------------------------------------------------


@login_required
def visits_upcoming(request):
    slots = selectors.upcoming_slots(user=request.user, on=timezone.localdate())
    return render(request, "visits/upcoming.html", {"slots": slots})


@login_required
def visits_timetable(request, pk):
    station = selectors.station_for_user(user=request.user, pk=pk)
    context = {
        "station": station,
        **selectors.station_timetable(station=station, on=timezone.localdate()),
        "can_manage": can_log_reception(request.user, station),
        "can_export": can_export_ledger(request.user, station),
    }
    return render(request, "visits/timetable.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visits_slot_create(request, pk):
    station = selectors.station_for_user(user=request.user, pk=pk)
    if not can_log_reception(request.user, station):
        raise PermissionDenied
    deputies = selectors.slot_deputy_choices(station=station)
    if request.method == "POST" and request.POST.get("cancel"):
        slot = selectors.slot_for_user(user=request.user, pk=request.POST["cancel"])
        if slot.station_id != station.pk:
            raise Http404
        try:
            services.slot_cancel(slot=slot)
            messages.success(request, gettext("已取消该接待安排。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("visits:timetable", station.pk)
    form = SlotForm(request.POST or None, deputies=deputies, initial={"repeat_weeks": 1})
    if request.method == "POST" and form.is_valid():
        try:
            slots = services.slot_publish(station=station, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, gettext("已发布 {len} 个接待日。").format(len=len(slots)))
            return redirect("visits:timetable", station.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "visits/slot_form.html", {"station": station, "form": form}, status=status)


# --- ledgers --------------------------------------------------------------------------------


@login_required
def visits_ledger(request, pk):
    """The ledger page: choose the book, the period and the format. A small book is
    sent at once; a large one becomes a background export with progress shown."""
    station = selectors.station_for_user(user=request.user, pk=pk)
    if not can_export_ledger(request.user, station):
        raise PermissionDenied
    today = timezone.localdate()
    if "book" in request.GET:
        form = LedgerExportForm(request.GET)
    else:
        form = LedgerExportForm(
            initial={
                "book": "reception",
                "format": "xlsx",
                "date_from": today.replace(month=1, day=1),
                "date_to": today,
            }
        )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        args = {"book": data["book"], "date_from": data["date_from"], "date_to": data["date_to"]}
        count = selectors.ledger_tickets(user=request.user, station=station, **args).count()
        if count > services.LEDGER_SYNC_MAX_ROWS:
            job = services.ledger_export_start(user=request.user, station=station, fmt=data["format"], **args)
            return redirect(f"{reverse('visits:exports')}?job={job.pk}")
        ledger = services.ledger_render(user=request.user, station=station, fmt=data["format"], **args)
        full_views_log(request=request, tickets=ledger.full_views, fields=LEDGER_FIELDS, client=LEDGER_CLIENT)
        return _file_response(ledger.content, ledger.name, data["format"])
    status = 400 if form.is_bound else 200
    return render(request, "visits/ledger.html", {"station": station, "form": form}, status=status)


def _file_response(content: bytes, name: str, fmt: str) -> HttpResponse:
    from visits.ledgers import CONTENT_TYPES

    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = _attachment_header(name)
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment_header(name: str, *, stem: str = "ledger") -> str:
    from urllib.parse import quote

    ascii_name = f"{stem}." + name.rsplit(".", 1)[-1]
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@login_required
def visits_exports(request):
    """My ledger exports. ``?job=<id>`` shows one (the page polls it until the file is
    ready); ``&download=1`` sends the file. Another user's job, or one of a station the
    user may no longer export, answers 404; a file showing citizens' details the user may
    no longer see in full, 403. Each download is logged like a page view."""
    jobs = selectors.export_jobs(user=request.user)
    job_id = request.GET.get("job")
    if not job_id:
        return render(request, "visits/exports.html", {"jobs": jobs[:20]})
    try:
        job = jobs.get(pk=job_id)
    except (ExportJob.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404(gettext("未找到该导出任务。")) from exc
    if not services.EXPORT_KINDS[job.kind].may_fetch(request.user, job):
        raise Http404(gettext("未找到该导出任务。"))
    if request.GET.get("download"):
        if job.status != ExportJob.Status.DONE or not job.file:
            raise Http404(gettext("文件尚未生成。"))
        full_views = selectors.export_full_views(user=request.user, job=job)
        if full_views is None:
            raise PermissionDenied(gettext("您的权限已变更，该文件中的群众信息已不能完整查看，请重新导出。"))
        full_views_log(request=request, tickets=full_views, fields=LEDGER_FIELDS, client=LEDGER_CLIENT)
        response = FileResponse(job.file.open("rb"), content_type=_content_type(job.format))
        response["Content-Disposition"] = _attachment_header(job.file.name.rsplit("/", 1)[-1], stem=job.kind)
        response["Cache-Control"] = "private, no-store"
        return response
    template = "visits/_export_status.html" if request.GET.get("partial") else "visits/export_job.html"
    return render(request, template, {"job": job})


def _content_type(fmt: str) -> str:
    from visits.ledgers import CONTENT_TYPES

    return CONTENT_TYPES[fmt]
