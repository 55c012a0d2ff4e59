from django.urls import path

from . import views
from .workflow import SUGGESTION_TRANSITIONS, SUPERVISION_TRANSITIONS

app_name = "motions"

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_submit, name="submit"),
    path("figures/", views.figures, name="figures"),
    path("figures/export/", views.figures_export, name="figures_export"),
    path("<uuid:pk>/", views.suggestion_detail, name="detail"),
    path("<uuid:pk>/attachment/", views.attachment, name="attachment"),
    # one POST endpoint per row of each table: motions:<action>, motions:supervision_<action>
    *(
        path(f"<uuid:pk>/{name.replace('_', '-')}/", views.suggestion_action, {"action": name}, name=name)
        for name in SUGGESTION_TRANSITIONS
    ),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/new/", views.supervision_create, name="supervision_create"),
    path("supervision/<uuid:pk>/", views.supervision_detail, name="supervision_detail"),
    *(
        path(
            f"supervision/<uuid:pk>/{name.replace('_', '-')}/",
            views.supervision_action,
            {"action": name},
            name=f"supervision_{name}",
        )
        for name in SUPERVISION_TRANSITIONS
    ),
]
