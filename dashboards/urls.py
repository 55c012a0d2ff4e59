from django.urls import path

from . import category_views, views

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

# h18: 意见建议分类统计 (category and tier statistics)
urlpatterns += [
    path("regions/<int:pk>/categories/", category_views.region_categories, name="region_categories"),
    path("stations/<uuid:pk>/categories/", category_views.station_categories, name="station_categories"),
]
