from django.http import Http404


def stations_list(request):
    raise Http404


def stations_detail(request, pk):
    raise Http404
