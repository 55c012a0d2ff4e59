"""Reception pages: parse input, call a selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from liaison.pagination import paginate
from visits import selectors


@login_required
def visits_list(request):
    reception_filter = selectors.reception_list(user=request.user, filters=request.GET, request=request)
    page = paginate(request, reception_filter.qs)
    return render(request, "visits/reception_list.html", {"filter": reception_filter, "page": page})


@login_required
def visits_detail(request, pk):
    session = selectors.reception_detail(user=request.user, pk=pk)
    context = {"session": session, **selectors.reception_page_data(session=session)}
    return render(request, "visits/reception_detail.html", context)
