from django.urls import path

from . import views

app_name = "motions"

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_submit, name="submit"),
    path("figures/", views.figures, name="figures"),
    path("figures/export/", views.figures_export, name="figures_export"),
    path("<uuid:pk>/", views.suggestion_detail, name="detail"),
    path("<uuid:pk>/attachment/", views.attachment, name="attachment"),
    # one POST endpoint per record for every row of its table (the row named in ``action``)
    path("<uuid:pk>/act/", views.suggestion_action, name="act"),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/export/", views.supervision_export, name="supervision_export"),
    path("supervision/new/", views.supervision_create, name="supervision_create"),
    path("supervision/<uuid:pk>/", views.supervision_detail, name="supervision_detail"),
    path("supervision/<uuid:pk>/act/", views.supervision_action, name="supervision_act"),
]
