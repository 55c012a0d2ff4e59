from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.visits_list, name="list"),
    path("new/", views.visits_create, name="create"),
    path("upcoming/", views.visits_upcoming, name="upcoming"),
    path("exports/", views.visits_exports, name="exports"),
    path("<uuid:pk>/", views.visits_detail, name="detail"),
    path("<uuid:pk>/edit/", views.visits_edit, name="edit"),
    path("<uuid:pk>/attachments/", views.visits_attachments, name="attachments"),
    path("stations/<uuid:pk>/timetable/", views.visits_timetable, name="timetable"),
    path("stations/<uuid:pk>/timetable/new/", views.visits_slot_create, name="slot_create"),
    path("stations/<uuid:pk>/ledger/", views.visits_ledger, name="ledger"),
]
