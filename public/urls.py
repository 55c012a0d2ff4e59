from django.urls import path

from public import open311, posters, views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("region/<int:pk>/", views.region, name="region"),
    path("station/<uuid:pk>/", views.station, name="station"),
    path("station/<uuid:pk>/submit/", views.submit, name="submit"),
    path("station/<uuid:pk>/poster.pdf", posters.station_poster, name="station_poster"),
    path("deputy/<uuid:pk>/", views.deputy, name="deputy"),
    path("deputy/<uuid:pk>/poster.pdf", posters.deputy_poster, name="deputy_poster"),
    path("track/", views.track, name="track"),
    path("track/rate/", views.rate, name="rate"),
    # Open311 GeoReport v2, read-only (public.open311)
    path("open311/v2/services.json", open311.ServiceList.as_view(), name="open311_services"),
    path("open311/v2/requests.json", open311.RequestList.as_view(), name="open311_requests"),
    path("open311/v2/requests/<str:code>.json", open311.RequestDetail.as_view(), name="open311_request"),
    # staff (signed in, scoped): all deputies' cards of a station; mark a submission as spam
    path("staff/station/<uuid:pk>/cards.pdf", posters.station_cards, name="station_cards"),
    path("staff/ticket/<uuid:pk>/spam/", views.mark_spam, name="mark_spam"),
]
