"""Pagination for the list pages."""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def paginate(request, queryset, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page (bad or out-of-range numbers give the nearest valid page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
