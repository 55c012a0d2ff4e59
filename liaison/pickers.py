"""Autocomplete pickers: choose a station, deputy, handling unit or reception by name
instead of a raw UUID box or a dropdown of thousands.

Server side, ``/pick/<kind>/?q=…`` answers at most ``PICK_SIZE`` matches as JSON, in scope
(``liaison.scoping.scoped``), searched in SQL, keyset paged (``next`` is a cursor). In
the page, ``PickerSelect`` renders a ``<select>`` holding only the chosen option (so a page
never carries 11,387 deputies), and ``static/js/picker.js`` adds a search box that fills
it; without JavaScript the select still submits the chosen value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liaison.pagination import keyset_page
from liaison.scoping import motion_co_signers_q, scoped

PICK_SIZE = 20
QUERY_MAX = 50


@dataclass(frozen=True)
class Picker:
    """One kind of record to pick: its base queryset (scoped per user), the fields a
    search word is looked for in, a keyset ordering ending in the unique id, and how a
    row reads in the list."""

    queryset: Callable[[], QuerySet]
    search: tuple[str, ...]
    ordering: tuple[str, ...]
    label: Callable[[object], str]
    hint: Callable[[object], str] = lambda obj: ""
    # how the queryset is narrowed to the user (a rule of liaison.scoping)
    narrow: Callable[[object, QuerySet], QuerySet] = scoped


@cache
def pickers() -> dict[str, Picker]:
    from deputies.models import Deputy, LeadingCadre
    from stations.models import Station
    from suggestions.models import HandlingUnit
    from visits.models import ReceptionSession

    return {
        "stations": Picker(
            queryset=lambda: Station.objects.select_related("region"),
            search=("name",),
            ordering=("name", "id"),
            label=lambda s: s.name,
            hint=lambda s: s.region.name,
        ),
        "deputies": Picker(
            queryset=lambda: Deputy.objects.select_related("home_station"),
            search=("name",),
            ordering=("name", "id"),
            label=lambda d: d.name,
            hint=lambda d: d.home_station.name,
        ),
        "cadres": Picker(
            queryset=lambda: LeadingCadre.objects.all(),
            search=("name", "title"),
            ordering=("name", "id"),
            label=lambda c: c.name,
            hint=lambda c: c.title,
        ),
        "units": Picker(
            queryset=lambda: HandlingUnit.objects.select_related("region"),
            search=("name",),
            ordering=("name", "id"),
            label=lambda u: u.name,
            hint=lambda u: u.region.name,
        ),
        # deputy suggestions (motions): joint deputies (联名) and the units to assign
        "joint_deputies": Picker(
            queryset=lambda: Deputy.objects.select_related("home_station"),
            search=("name",),
            ordering=("name", "id"),
            label=lambda d: d.name,
            hint=lambda d: d.home_station.name,
            narrow=lambda user, qs: qs.filter(motion_co_signers_q(user)),
        ),
        "motion_units": Picker(
            queryset=lambda: HandlingUnit.objects.filter(is_active=True).select_related("region"),
            search=("name",),
            ordering=("name", "id"),
            label=lambda u: u.name,
            hint=lambda u: u.region.name,
        ),
        "receptions": Picker(
            queryset=lambda: ReceptionSession.objects.select_related("station"),
            search=("theme", "station__name"),
            ordering=("-starts_at", "-id"),
            label=reception_label,
            hint=lambda s: s.station.name,
        ),
    }


def reception_label(session) -> str:
    from django.utils import timezone

    theme = f" {session.theme}" if session.theme else ""
    return f"{timezone.localtime(session.starts_at):%Y-%m-%d}{theme}"


def picker_search(queryset: QuerySet, fields: tuple[str, ...], text: str) -> QuerySet:
    """Every word of ``text`` in one of ``fields`` (``ILIKE '%word%'``: a trigram index
    serves it on PostgreSQL)."""
    for word in text.split()[:5]:
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


@login_required
def pick(request, kind: str):
    """``{"results": [{"id", "label", "hint"}], "next": cursor | null}``: one page of the
    user's records of ``kind`` matching ``?q=``. Two queries (rows, and none to count)."""
    picker = pickers().get(kind)
    if picker is None:
        raise Http404
    text = (request.GET.get("q") or "").strip()[:QUERY_MAX]
    queryset = picker_search(picker.narrow(request.user, picker.queryset()), picker.search, text)
    page = keyset_page(request, queryset, ordering=picker.ordering, per_page=PICK_SIZE, count_cap=None)
    return JsonResponse(
        {
            "results": [
                {"id": str(obj.pk), "label": picker.label(obj), "hint": picker.hint(obj)} for obj in page
            ],
            "next": page.next_cursor,
        },
        headers={"Cache-Control": "private, no-store"},
    )


def picker_attrs(kind: str) -> dict[str, str]:
    """What picker.js reads from the select: where to ask, and its words."""
    return {
        "data-picker": reverse("pick", args=[kind]),
        "data-placeholder": str(_("输入名称搜索")),
        "data-more": str(_("更多…")),
        "data-none": str(_("没有匹配的记录")),
    }


class PickerSelect(forms.Select):
    """A ``<select>`` with only the empty and the chosen option, wired to ``/pick/<kind>/``
    for ``picker.js``. Its field's queryset is never listed: the chosen option's label
    is read with one ``pk IN`` query, and only when a value is chosen."""

    def __init__(self, kind: str, attrs=None, *, empty_label=None):
        super().__init__({"class": "picker", **(attrs or {})})
        self.kind = kind
        self.empty_label = empty_label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(picker_attrs(self.kind))
        return context

    def optgroups(self, name, value, attrs=None):
        values = [str(v) for v in value if v not in ("", None)]
        field = getattr(self.choices, "field", None)
        chosen = []
        if values and field is not None:
            try:
                chosen = [
                    (str(obj.pk), field.label_from_instance(obj))
                    for obj in field.queryset.filter(pk__in=values)
                ]
            except (ValidationError, ValueError):
                chosen = []
        empty = self.empty_label if self.empty_label is not None else getattr(field, "empty_label", None)
        options = [(None, [self.create_option(name, "", empty or "—", not chosen, 0)], 0)]
        for index, (pk, label) in enumerate(chosen, start=1):
            options.append((None, [self.create_option(name, pk, label, True, index, attrs=attrs)], index))
        return options


class PickerSelectMultiple(forms.SelectMultiple):
    """The multiple-choice form of ``PickerSelect``: the chosen options only."""

    def __init__(self, kind: str, attrs=None):
        super().__init__({"class": "picker", **(attrs or {})})
        self.kind = kind

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(picker_attrs(self.kind))
        return context

    def optgroups(self, name, value, attrs=None):
        values = [str(v) for v in value if v not in ("", None)]
        field = getattr(self.choices, "field", None)
        if not values or field is None:
            return []
        try:
            objs = list(field.queryset.filter(pk__in=values))
        except (ValidationError, ValueError):
            return []
        return [
            (
                None,
                [self.create_option(name, str(obj.pk), field.label_from_instance(obj), True, i, attrs=attrs)],
                i,
            )
            for i, obj in enumerate(objs)
        ]
