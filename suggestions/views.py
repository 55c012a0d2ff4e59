"""Ticket pages: parse input, call a selector or service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import full_views_log
from liaison import scoping
from liaison.files import stored_file_response
from liaison.pagination import keyset_page
from liaison.scoping import can_see_citizen_data
from motions import selectors as motion_selectors
from suggestions import selectors, services
from suggestions.forms import action_form


@login_required
def suggestions_list(request):
    ticket_filter = selectors.ticket_list(user=request.user, filters=request.GET, request=request)
    ordering = selectors.ticket_list_ordering(request.GET.get("o"))
    page = keyset_page(request, ticket_filter.qs, ordering=ordering)
    selectors.with_deadlines(page.object_list)
    return render(
        request,
        "suggestions/ticket_list.html",
        {
            "filter": ticket_filter,
            "page": page,
            "queues": {
                "unit": scoping.has_unit_queue(request.user),
                "decide": scoping.has_decision_queue(request.user),
                "supervise": scoping.has_supervision_queue(request.user),
            },
        },
    )


def _detail_context(request, ticket, *, bound: dict | None = None) -> dict:
    """Everything the ticket page shows; ``bound`` replaces an action's blank form with
    the submitted one (to show its errors)."""
    bound = bound or {}
    selectors.with_deadlines([ticket])
    actions = selectors.available_actions(request.user, ticket)
    forms = [
        (t, bound.get(t.name) or action_form(t, ticket=ticket, user=request.user))
        for t in actions
        if t.name != "merge"
    ]
    merge = next((t for t in actions if t.name == "merge"), None)
    return {
        "ticket": ticket,
        "timeline": selectors.ticket_timeline(ticket=ticket),
        "replies": selectors.ticket_replies(ticket=ticket),
        "deliveries": selectors.ticket_deliveries(ticket=ticket),
        "merged": selectors.merged_tickets_delivery(ticket=ticket),
        "action_forms": forms,
        "merge_form": (bound.get("merge") or action_form(merge, ticket=ticket, user=request.user))
        if merge
        else None,
        "similar": selectors.similar_open_tickets(user=request.user, ticket=ticket) if merge else [],
        "earlier": selectors.citizen_earlier_tickets(user=request.user, ticket=ticket),
        # 转为代表建议: the deputy suggestions made of it (motions)
        "motions": motion_selectors.ticket_motions(user=request.user, ticket=ticket),
    }


def _render_detail(request, ticket, *, bound: dict | None = None, status: int = 200):
    show_citizen = can_see_citizen_data(request.user, ticket)
    if show_citizen:
        full_views_log(request=request, tickets=[(ticket.pk, ticket.citizen_name)])
    context = {**_detail_context(request, ticket, bound=bound), "show_citizen": show_citizen}
    return render(request, "suggestions/ticket_detail.html", context, status=status)


@login_required
def suggestions_detail(request, pk):
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    return _render_detail(request, ticket)


@login_required
@require_POST
def ticket_action(request, pk, action: str):
    """One workflow action from the ticket page (POST, then redirect back)."""
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    try:  # a role that may not answers 403 (PermissionDenied passes through)
        transition = services.transition_check(ticket=ticket, action=action, actor=request.user)
    except ValidationError as exc:
        # typically a double submit or a page left open while someone else acted
        messages.warning(request, "；".join(exc.messages))
        return redirect("suggestions:detail", pk=ticket.pk)
    form = action_form(transition, ticket=ticket, user=request.user, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _render_detail(request, ticket, bound={action: form})
    try:
        services.ticket_transition(ticket=ticket, action=action, actor=request.user, **form.payload())
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
            return _render_detail(request, ticket, bound={action: form})
        messages.error(request, "；".join(exc.messages))
        return redirect("suggestions:detail", pk=ticket.pk)
    messages.success(request, _("已{label}。").format(label=transition.label))
    return redirect("suggestions:detail", pk=ticket.pk)


def _queue_page(request, *, title: str, queue_for, intro: str):
    """The queue's sections, each with its first rows; ``?section=<key>`` one section
    paged to its end by keyset."""
    key = request.GET.get("section")
    if key:
        found = selectors.queue_section(request, queue_for(user=request.user, lists=False), key)
        if found is None:
            raise Http404(_("没有这一栏待办。"))
        section_title, page = found
        context = {"sections": [(section_title, key, page, page.count_label)], "paged": page}
    else:
        queue = queue_for(user=request.user)
        context = {"queue": queue, "sections": queue.sections}
    return render(request, "suggestions/queue.html", {"title": title, "intro": intro, **context})


@login_required
def unit_queue(request):
    if not scoping.has_unit_queue(request.user):
        raise PermissionDenied(_("只有承办单位工作人员有此待办。"))
    return _queue_page(
        request,
        title=_("承办单位待办"),
        queue_for=selectors.unit_queue,
        intro=_("交办给本单位、尚未答复的意见建议。请在办理期限内答复；不属于本单位职责的，可申请退回。"),
    )


@login_required
def decision_queue(request):
    if not scoping.has_decision_queue(request.user):
        raise PermissionDenied(_("只有联络站工作人员和站长有此待办。"))
    return _queue_page(
        request,
        title=_("联络站待办"),
        queue_for=selectors.decision_queue,
        intro=_("待受理、交办、处理退回申请和反馈答复的件，逾期件，以及待群众评价、办结的件。"),
    )


@login_required
def supervision_queue(request):
    if not scoping.has_supervision_queue(request.user):
        raise PermissionDenied(_("只有县、市人大工作人员有此督办页。"))
    return _queue_page(
        request,
        title=_("督办"),
        queue_for=selectors.supervision_queue,
        intro=_("提交常委会或上报督办的件，以及辖区内的逾期件。"),
    )


@login_required
def ticket_attachment(request, pk):
    """``?file=<id>`` sends one of the ticket's attachments, only to those who may see the
    ticket (files are never linked by their public media URL)."""
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    wanted = request.GET.get("file")
    if not wanted:
        return redirect("suggestions:detail", pk=ticket.pk)
    attachment = selectors.ticket_attachment(ticket=ticket, attachment_id=wanted)
    if attachment is None:
        raise Http404(_("未找到该附件。"))
    return stored_file_response(
        attachment.file,
        content_type=attachment.content_type,
        disposition="attachment",
        cache_control="private, no-store",
    )


# --- the printed forms: 交办单 / 答复单 --------------------------------------------------

TICKET_FORM_CLIENT = "ticket_form"


@login_required
def ticket_form_pdf(request, pk, form: str):
    """The 交办单 (once the ticket is assigned to a unit) or 答复单 (once replied) as a PDF
    to print, stamp and sign. Same 404 as the ticket page for a ticket out of scope; 404
    too for a form the ticket has not reached. A paper showing the citizen in full is
    logged like the ticket page."""
    from suggestions.printing import form_filename, write_form

    ticket = selectors.ticket_for_print(user=request.user, pk=pk)
    if form == "referral" and not ticket.handling_unit_id:
        raise Http404(_("本件尚未交办承办单位。"))
    if form == "reply" and not ticket.last_reply_text:
        raise Http404(_("本件尚无答复。"))
    full = scoping.can_print_citizen_data(request.user, ticket)
    content = write_form(ticket, form, full=full)
    if full:
        full_views_log(request=request, tickets=[(ticket.pk, ticket.citizen_name)], client=TICKET_FORM_CLIENT)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = _inline_header(form_filename(ticket, form), form)
    response["Cache-Control"] = "private, no-store"
    return response


def _inline_header(name: str, form: str) -> str:
    from urllib.parse import quote

    return f"inline; filename=\"{form}.pdf\"; filename*=UTF-8''{quote(name)}"
