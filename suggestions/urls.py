from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("", views.suggestions_list, name="list"),
    path("<uuid:pk>/", views.suggestions_detail, name="detail"),
]
