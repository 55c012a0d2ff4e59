from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("", views.stations_list, name="list"),
    path("<uuid:pk>/", views.stations_detail, name="detail"),
]
