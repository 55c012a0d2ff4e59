"""Number formats of the dashboards."""

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.8262 → "82.6%"; no rate (nothing to divide by) → "—"."""
    if value is None or value == "":
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def num(value) -> str:
    """12345 → "12,345"."""
    if value is None or value == "":
        return "—"
    return f"{value:,}"


@register.filter
def days(value) -> str:
    return "—" if value is None else f"{value:.1f}"
