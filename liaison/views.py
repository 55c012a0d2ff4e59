from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from liaison.selectors import workbench_summary


@login_required
def home(request):
    """The workbench: what the signed-in user's roles cover, with the way in to each list."""
    return render(request, "home.html", {"summary": workbench_summary(user=request.user)})
