from django.contrib import admin
from django.urls import include, path

from liaison import health, metrics, pickers, views

urlpatterns = [
    path("", views.home, name="home"),
    path("stations/", include("stations.urls")),
    path("deputies/", include("deputies.urls")),
    path("receptions/", include("visits.urls")),
    path("tickets/", include("suggestions.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("oversight/", include("oversight.urls")),  # --- oversight ---
    path("motions/", include("motions.urls")),  # deputies' suggestions and supervision items
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("onboarding/", include("onboarding.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("pick/<slug:kind>/", pickers.pick, name="pick"),
    path("api/v1/", include("liaison.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),  # loopback or METRICS_TOKEN only
    path("public/", include("public.urls")),  # the online liaison station (public)
]

# JSON under /api/, Django's pages elsewhere (liaison.api)
handler400 = "liaison.api.handler400"
handler403 = "liaison.api.handler403"
handler404 = "liaison.api.handler404"
handler500 = "liaison.api.handler500"
