"""/api/v1/: every endpoint inherits liaison.api.ScopedViewSet."""

from rest_framework.routers import DefaultRouter

from stations.api import StationViewSet

app_name = "api"

router = DefaultRouter()
router.register("stations", StationViewSet, basename="station")

urlpatterns = router.urls
