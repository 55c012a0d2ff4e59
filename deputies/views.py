"""Deputy pages: parse input, call a selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from deputies import selectors
from liaison.pagination import keyset_page
from liaison.scoping import can_manage_mandates, can_see_deputy_contact


@login_required
def deputies_list(request):
    deputy_filter = selectors.deputy_list(user=request.user, filters=request.GET, request=request)
    page = keyset_page(request, deputy_filter.qs, ordering=("home_station__name", "name", "id"))
    return render(request, "deputies/deputy_list.html", {"filter": deputy_filter, "page": page})


@login_required
def deputies_detail(request, pk):
    deputy = selectors.deputy_detail(user=request.user, pk=pk)
    context = {
        "deputy": deputy,
        "show_contact": can_see_deputy_contact(request.user, deputy),
        "can_manage_mandates": can_manage_mandates(request.user, deputy),
        **selectors.deputy_page_data(deputy=deputy),
    }
    return render(request, "deputies/deputy_detail.html", context)
