"""Pages of deputy suggestions and supervision items: parse input, call a selector or a
service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison import scoping
from liaison.files import stored_file_response
from liaison.pagination import keyset_page
from motions import selectors, services
from motions.forms import ItemForm, SubmitForm, suggestion_form, supervision_form
from motions.models import DeputySuggestion, MotionAttachment
from motions.tables import FIGURE_COLUMNS, figure_cells
from motions.workflow import SUGGESTION_TRANSITIONS, SUPERVISION_TRANSITIONS


def _errors_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def suggestion_list(request):
    qs = selectors.suggestions_of(request.user)
    status = request.GET.get("status")
    if status:
        qs = qs.filter(status=status)
    page = keyset_page(request, qs, ordering=("-submitted_at", "-id"))
    return render(
        request,
        "motions/suggestion_list.html",
        {
            "page": page,
            "statuses": DeputySuggestion.Status.choices,
            "status": status,
            "can_submit": scoping.can_submit_motion(request.user),
            "runs": scoping.can_run_motions_somewhere(request.user),
        },
    )


@login_required
def suggestion_submit(request):
    if not scoping.can_submit_motion(request.user):
        raise PermissionDenied(_("只有人大代表和人大常委会工作人员可以提出或登记代表建议。"))
    form = SubmitForm(
        request.POST or None, user=request.user, initial={"source_ticket": request.GET.get("ticket")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            s = services.suggestion_submit(actor=request.user, **data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("代表建议已提交。"))
            return redirect("motions:detail", pk=s.pk)
    return render(request, "motions/form.html", {"form": form, "title": _("提出代表建议")})


def _render_suggestion(request, s, *, bound=None, status=200):
    bound = bound or {}
    actions = selectors.suggestion_actions(request.user, s)
    forms = [(t, bound.get(t.name) or suggestion_form(t, record=s, user=request.user)) for t in actions]
    return render(
        request,
        "motions/suggestion_detail.html",
        {"s": s, "action_forms": forms, "today": timezone.localdate()},
        status=status,
    )


@login_required
def suggestion_detail(request, pk):
    return _render_suggestion(request, selectors.suggestion_detail(user=request.user, suggestion_id=pk))


def _act(request, record, *, table, form_for, apply, render_again, detail):
    """The step named by POST ``action``: 403 for a user who may take no step on the
    record; a step the status does not allow now goes back to the page with a warning."""
    if not any(table.permits(t, request.user, record) for t in table.values()):
        raise PermissionDenied(_("您无权办理本件。"))
    action = request.POST.get("action", "")
    if action not in table:
        messages.warning(request, _("请选择要办理的操作。"))
        return redirect(detail, pk=record.pk)
    try:
        transition = table.check(obj=record, name=action, actor=request.user)
    except ValidationError as exc:
        messages.warning(request, "；".join(exc.messages))
        return redirect(detail, pk=record.pk)
    form = form_for(transition, record=record, user=request.user, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return render_again(request, record, bound={transition.name: form})
    try:
        apply(record, transition.name, form.payload())
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            _errors_into(form, exc)
            return render_again(request, record, bound={transition.name: form})
        messages.error(request, "；".join(exc.messages))
        return redirect(detail, pk=record.pk)
    messages.success(request, _("已%(label)s。") % {"label": _(transition.label)})
    return redirect(detail, pk=record.pk)


@login_required
@require_POST
def suggestion_action(request, pk):
    s = selectors.suggestion_detail(user=request.user, suggestion_id=pk)
    return _act(
        request,
        s,
        table=SUGGESTION_TRANSITIONS,
        form_for=suggestion_form,
        apply=lambda r, name, payload: services.suggestion_transition(
            suggestion=r, action=name, actor=request.user, **payload
        ),
        render_again=_render_suggestion,
        detail="motions:detail",
    )


@login_required
def attachment(request, pk):
    """``?file=<id>``: one attachment of a suggestion's or an item's step, only to those
    who see the record (same 404 otherwise); without ``file``, back to the record."""
    suggestion = selectors.suggestions_of(request.user).filter(pk=pk).first()
    item = None if suggestion else selectors.items_of(request.user).filter(pk=pk).first()
    if suggestion is None and item is None:
        raise Http404(_("未找到该记录，或您无权查看。"))
    wanted = request.GET.get("file", "")
    if not wanted:
        if suggestion:
            return redirect("motions:detail", pk=pk)
        return redirect("motions:supervision_detail", pk=pk)
    if not wanted.isdigit():
        raise Http404(_("未找到该附件。"))
    lookup = {"suggestion_event__suggestion": suggestion} if suggestion else {"supervision_event__item": item}
    found = MotionAttachment.objects.filter(pk=int(wanted), **lookup).first()
    if found is None:
        raise Http404(_("未找到该附件。"))
    return stored_file_response(
        found.file,
        content_type=found.content_type,
        disposition="attachment",
        cache_control="private, no-store",
    )


def _session_choice(request):
    sessions = list(selectors.runnable_sessions(request.user))
    wanted = request.GET.get("session")
    chosen = next((s for s in sessions if str(s.pk) == wanted), None)
    return sessions, chosen


@login_required
def figures(request):
    """Handled on time, A/B/C shares and satisfaction, per lead unit and per session."""
    if not scoping.can_run_motions_somewhere(request.user):
        raise PermissionDenied(_("只有县、市人大常委会工作人员可以查看代表建议办理统计。"))
    sessions, chosen = _session_choice(request)
    data = selectors.suggestion_figures(user=request.user, session=chosen)
    return render(
        request,
        "motions/figures.html",
        {"sessions": sessions, "chosen": chosen, "units": data["units"], "sessions_rows": data["sessions"]},
    )


@login_required
def figures_export(request):
    from openpyxl import Workbook

    from liaison.excel import add_table_sheet, workbook_bytes

    if not scoping.can_run_motions_somewhere(request.user):
        raise PermissionDenied(_("只有县、市人大常委会工作人员可以查看代表建议办理统计。"))
    _sessions, chosen = _session_choice(request)
    data = selectors.suggestion_figures(user=request.user, session=chosen)
    wb = Workbook()
    wb.remove(wb.active)
    subtitle = chosen.name if chosen else _("全部会议")
    columns = [str(c) for c in FIGURE_COLUMNS]
    widths = [28] + [10] * (len(columns) - 1)
    add_table_sheet(
        wb,
        name=str(_("按承办单位")),
        title=str(_("代表建议办理情况（按主办单位）")),
        subtitle=str(subtitle),
        columns=columns,
        rows=[figure_cells(r) for r in data["units"]],
        widths=widths,
    )
    add_table_sheet(
        wb,
        name=str(_("按会议")),
        title=str(_("代表建议办理情况（按会议）")),
        subtitle=str(subtitle),
        columns=columns,
        rows=[figure_cells(r) for r in data["sessions"]],
        widths=widths,
    )
    response = HttpResponse(
        workbook_bytes(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="motion-figures.xlsx"'
    return response


# --- supervision items ----------------------------------------------------------------------


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


@login_required
def supervision_list(request):
    year = _year(request)
    items, summary = selectors.supervision_year(user=request.user, year=year)
    return render(
        request,
        "motions/supervision_list.html",
        {
            "items": items,
            "summary": summary,
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
            "can_create": scoping.can_run_motions_somewhere(request.user),
        },
    )


@login_required
def supervision_export(request):
    """The annual list as Excel (``?type=pdf``: as a PDF to print): each item with its
    departments, dates, votes and status."""
    from openpyxl import Workbook

    from liaison.excel import add_table_sheet, workbook_bytes

    year = _year(request)
    items, summary = selectors.supervision_year(user=request.user, year=year)
    if request.GET.get("type") == "pdf":
        from motions.printing import write_supervision_pdf

        response = HttpResponse(
            write_supervision_pdf(year=year, items=items, summary=summary), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="supervision-{year}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
    wb = Workbook()
    wb.remove(wb.active)
    rate = "—" if summary.satisfaction_rate is None else f"{summary.satisfaction_rate}%"
    on_time = "—" if summary.on_time_rate is None else f"{summary.on_time_rate}%"
    add_table_sheet(
        wb,
        name=str(_("督办事项")),
        title=_("%(year)s 年督办事项清单") % {"year": year},
        subtitle=_("共 %(n)s 项，已办结 %(closed)s 项；按期报告率 %(on_time)s，测评满意率 %(rate)s")
        % {"n": summary.total, "closed": summary.closed, "on_time": on_time, "rate": rate},
        columns=[
            str(c)
            for c in (
                _("序号"),
                _("督办事项"),
                _("来源"),
                _("责任单位"),
                _("限期报告日期"),
                _("报告日期"),
                _("满意票"),
                _("基本满意票"),
                _("不满意票"),
                _("测评结果"),
                _("再督办次数"),
                _("状态"),
            )
        ],
        rows=[
            [
                i.number,
                i.title,
                i.get_source_display(),
                "、".join(u.name for u in i.departments.all()),
                i.report_due,
                i.reported_on,
                i.votes_satisfied,
                i.votes_basic,
                i.votes_unsatisfied,
                i.get_outcome_display(),
                i.resupervise_count,
                i.get_status_display(),
            ]
            for i in items
        ],
        widths=[6, 36, 10, 28, 12, 12, 8, 10, 8, 10, 8, 10],
        number_formats={4: "yyyy-mm-dd", 5: "yyyy-mm-dd"},
    )
    response = HttpResponse(
        workbook_bytes(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="supervision-{year}.xlsx"'
    return response


@login_required
def supervision_create(request):
    if not scoping.can_run_motions_somewhere(request.user):
        raise PermissionDenied(_("只有县、市人大常委会工作人员可以列入督办事项。"))
    form = ItemForm(request.POST or None, user=request.user, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            item = services.supervision_item_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("督办事项已列入。"))
            return redirect("motions:supervision_detail", pk=item.pk)
    return render(request, "motions/form.html", {"form": form, "title": _("列入督办事项")})


def _render_item(request, item, *, bound=None, status=200):
    bound = bound or {}
    actions = selectors.item_actions(request.user, item)
    forms = [(t, bound.get(t.name) or supervision_form(t, record=item, user=request.user)) for t in actions]
    return render(
        request,
        "motions/supervision_detail.html",
        {"item": item, "action_forms": forms, "today": timezone.localdate()},
        status=status,
    )


@login_required
def supervision_detail(request, pk):
    return _render_item(request, selectors.item_detail(user=request.user, item_id=pk))


@login_required
@require_POST
def supervision_action(request, pk):
    item = selectors.item_detail(user=request.user, item_id=pk)
    return _act(
        request,
        item,
        table=SUPERVISION_TRANSITIONS,
        form_for=supervision_form,
        apply=lambda r, name, payload: services.supervision_transition(
            item=r, action=name, actor=request.user, **payload
        ),
        render_again=_render_item,
        detail="motions:supervision_detail",
    )
