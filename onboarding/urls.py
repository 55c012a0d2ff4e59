from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("", views.onboarding_index, name="index"),
    path("template/", views.onboarding_template, name="template"),
    path("jobs/<uuid:pk>/", views.onboarding_job, name="job"),
    path("jobs/<uuid:pk>/file/", views.onboarding_job_file, name="job_file"),
    path("term-change/", views.onboarding_term_change, name="term_change"),
    path("deputies/<uuid:pk>/mandates/", views.onboarding_mandates, name="mandates"),
]
