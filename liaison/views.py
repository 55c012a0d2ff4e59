from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from liaison.selectors import workbench_todo


@login_required
def home(request):
    """The workbench: a to-do list for each of the signed-in user's roles, with the way in
    to each filtered list and the quick actions of those roles."""
    return render(request, "home.html", {"todo": workbench_todo(user=request.user)})
