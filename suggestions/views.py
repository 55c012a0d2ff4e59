from django.http import Http404


def suggestions_list(request):
    raise Http404


def suggestions_detail(request, pk):
    raise Http404
