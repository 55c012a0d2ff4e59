from django.urls import path

from . import views

app_name = "deputies"

urlpatterns = [
    path("", views.deputies_list, name="list"),
    path("<uuid:pk>/", views.deputies_detail, name="detail"),
]
