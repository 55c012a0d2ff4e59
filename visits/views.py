from django.http import Http404


def visits_list(request):
    raise Http404


def visits_detail(request, pk):
    raise Http404
