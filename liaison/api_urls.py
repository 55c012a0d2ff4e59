"""/api/v1/: every record endpoint inherits liaison.api.ScopedViewSet."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import TokenViewSet
from deputies.api import DeputyGroupViewSet, DeputyViewSet, MandateViewSet
from motions.api import DeputySuggestionViewSet, SupervisionItemViewSet
from reports.api import ReportView
from stations.api import RegionViewSet, StationViewSet
from suggestions.api import CalendarDayViewSet, CategoryViewSet, HandlingUnitViewSet, TicketViewSet
from visits.api import AttendanceViewSet, ReceptionViewSet
from visits.attachments_api import ReceptionAttachmentViewSet, TicketAttachmentViewSet

app_name = "api"

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("stations", StationViewSet, basename="station")
router.register("deputies", DeputyViewSet, basename="deputy")
router.register("mandates", MandateViewSet, basename="mandate")
router.register("deputy-groups", DeputyGroupViewSet, basename="deputygroup")
router.register("receptions", ReceptionViewSet, basename="reception")
router.register("attendances", AttendanceViewSet, basename="attendance")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("handling-units", HandlingUnitViewSet, basename="handlingunit")
router.register("categories", CategoryViewSet, basename="category")
router.register("calendar-days", CalendarDayViewSet, basename="calendarday")
router.register("deputy-suggestions", DeputySuggestionViewSet, basename="deputysuggestion")  # motions
router.register("supervision-items", SupervisionItemViewSet, basename="supervisionitem")  # motions

token = TokenViewSet.as_view({"get": "show", "post": "create", "delete": "revoke"})
# files hang off their reception or ticket: list and upload, and one file's download
reception_attachments = ReceptionAttachmentViewSet.as_view({"get": "list", "post": "create"})
reception_attachment = ReceptionAttachmentViewSet.as_view({"get": "download"})
ticket_attachments = TicketAttachmentViewSet.as_view({"get": "list", "post": "create"})
ticket_attachment = TicketAttachmentViewSet.as_view({"get": "download"})

urlpatterns = [
    path("token/", token, name="token"),
    path("reports/", ReportView.as_view(), name="reports"),
    # (ids parsed by the views, so a malformed one is the API's JSON 404, not the resolver's)
    path("receptions/<str:pk>/attachments/", reception_attachments, name="reception-attachments"),
    path(
        "receptions/<str:pk>/attachments/<str:attachment_id>/",
        reception_attachment,
        name="reception-attachment",
    ),
    path("tickets/<str:pk>/attachments/", ticket_attachments, name="ticket-attachments"),
    path("tickets/<str:pk>/attachments/<str:attachment_id>/", ticket_attachment, name="ticket-attachment"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # GET only: OPTIONS would render the page template without its context (a 500)
    path(
        "docs/",
        # the split view serves its script from a URL (?script=): no inline script for the CSP
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", http_method_names=["get", "head"]),
        name="docs",
    ),
    *router.urls,
]
