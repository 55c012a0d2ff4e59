"""Station pages: parse input, call a selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from liaison.pagination import keyset_page
from stations import selectors


@login_required
def stations_list(request):
    station_filter = selectors.station_list(user=request.user, filters=request.GET, request=request)
    ordering = selectors.station_list_ordering(request.GET.get("o"))
    page = keyset_page(request, station_filter.qs, ordering=ordering)
    return render(request, "stations/station_list.html", {"filter": station_filter, "page": page})


@login_required
def stations_detail(request, pk):
    station = selectors.station_detail(user=request.user, pk=pk)
    context = {"station": station, **selectors.station_page_data(station=station)}
    return render(request, "stations/station_detail.html", context)
