"""Ticket pages: parse input, call a selector or service, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.middleware import request_client
from accounts.services import personal_data_access_record
from liaison.pagination import paginate
from liaison.scoping import can_see_citizen_data
from suggestions import selectors


@login_required
def suggestions_list(request):
    ticket_filter = selectors.ticket_list(user=request.user, filters=request.GET, request=request)
    page = paginate(request, ticket_filter.qs)
    return render(request, "suggestions/ticket_list.html", {"filter": ticket_filter, "page": page})


@login_required
def suggestions_detail(request, pk):
    ticket = selectors.ticket_detail(user=request.user, pk=pk)
    show_citizen = can_see_citizen_data(request.user, ticket)
    if show_citizen:
        personal_data_access_record(
            user=request.user,
            ticket=ticket,
            client=request_client(request),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    return render(request, "suggestions/ticket_detail.html", {"ticket": ticket, "show_citizen": show_citizen})
