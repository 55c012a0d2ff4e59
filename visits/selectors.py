"""Reads of reception sessions, already scoped through liaison.scoping."""

from django.db.models import Count, Q

from liaison.scoping import get_scoped_or_404, scoped
from visits.filters import ReceptionFilter
from visits.models import Attendance, ReceptionSession


def reception_list(*, user, filters=None, request=None) -> ReceptionFilter:
    """Sessions the user may see, newest first, with how many deputies and leading
    cadres were present (counted in SQL, no query per row)."""
    queryset = (
        scoped(user, ReceptionSession.objects.all())
        .select_related("station")
        .annotate(
            deputies_present=Count(
                "attendances", filter=Q(attendances__role=Attendance.Role.DEPUTY, attendances__present=True)
            ),
            cadres_present=Count(
                "attendances",
                filter=Q(attendances__role=Attendance.Role.LEADING_CADRE, attendances__present=True),
            ),
        )
        .order_by("-starts_at")
    )
    return ReceptionFilter(filters, queryset=queryset, request=request)


def reception_detail(*, user, pk) -> ReceptionSession:
    return get_scoped_or_404(
        user, ReceptionSession.objects.select_related("station__region", "created_by"), pk=pk
    )


def reception_page_data(*, session: ReceptionSession) -> dict:
    return {
        "attendances": list(session.attendances.select_related("deputy", "cadre").order_by("role", "pk")),
    }
