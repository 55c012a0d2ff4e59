from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboards_index, name="index"),
    path("regions/<int:pk>/", views.dashboards_region, name="region"),
    path("regions/<int:pk>/export/", views.dashboards_region_export, name="region_export"),
    path("stations/<uuid:pk>/", views.dashboards_station, name="station"),
    path("stations/<uuid:pk>/export/", views.dashboards_station_export, name="station_export"),
    path("deputies/<uuid:pk>/", views.dashboards_deputy, name="deputy"),
    path("deputies/<uuid:pk>/export/", views.dashboards_deputy_export, name="deputy_export"),
]
