from django.http import Http404


def deputies_list(request):
    raise Http404


def deputies_detail(request, pk):
    raise Http404
