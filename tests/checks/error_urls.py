"""The project's URLs plus three views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from liaison.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def refuse(request):
    raise PermissionDenied("只有本站联络员可以导出登记簿。")


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/refuse/", refuse),
    path("test-errors/broken/", broken),
    path("api/test-errors/broken/", broken),
    *urlpatterns,
]
