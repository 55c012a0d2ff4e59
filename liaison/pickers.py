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
from django.utils.http import urlencode
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
    # the rows of a picker tied to one form (``?station=`` of the reception form, the
    # joint deputies of a suggestion): ``(user, request.GET) -> queryset``, already in
    # the user's scope (it is the form's own rule, so the picker never offers a row the
    # form would refuse); ``queryset`` is then unused
    rows_for: Callable[[object, object], QuerySet] | None = None
    # otherwise how ``queryset`` is narrowed to the user (a rule of liaison.scoping)
    narrow: Callable[[object, QuerySet], QuerySet] = scoped


@cache
def pickers() -> dict[str, Picker]:
    from deputies.models import Deputy, LeadingCadre
    from stations.models import Region, RegionLevel, Station
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
        # the reception form's leading cadres: those over the chosen station's region
        # (``?station=``), as the form itself offers them (``reception_form_choices``)
        "reception_cadres": Picker(
            queryset=LeadingCadre.objects.none,
            search=("name", "title"),
            ordering=("name", "id"),
            label=lambda c: f"{c.name}（{c.title}）",
            hint=lambda c: c.get_level_display(),
            rows_for=_reception_cadres,
        ),
        # a deputy suggestion's joint deputies (联名): those of the county congress(es) of
        # the user's scope (``scoping.motion_co_signers_q``, the suggestion form's rule too)
        "joint_deputies": Picker(
            queryset=lambda: Deputy.objects.select_related("home_station"),
            search=("name",),
            ordering=("name", "id"),
            label=lambda d: d.name,
            hint=lambda d: d.home_station.name,
            narrow=lambda user, qs: qs.filter(motion_co_signers_q(user)),
        ),
        # the units a suggestion or a supervision item is assigned to (active ones, in scope)
        "motion_units": Picker(
            queryset=lambda: HandlingUnit.objects.filter(is_active=True).select_related("region"),
            search=("name",),
            ordering=("name", "id"),
            label=lambda u: u.name,
            hint=lambda u: u.region.name,
        ),
        # the station opinions to be turned into a deputy suggestion, by number or words
        "suggestion_sources": Picker(
            queryset=LeadingCadre.objects.none,  # unused: rows_for is the form's own rule
            search=("number", "content"),
            ordering=("-received_at", "-id"),
            label=lambda t: f"{t.number} {t.category.name}：{t.content[:30]}",
            rows_for=lambda user, params: _motions_forms().source_tickets(user),
        ),
        # a role's region (accounts): the city, counties and townships
        "regions": Picker(
            queryset=lambda: Region.objects.filter(
                level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP]
            ),
            search=("name",),
            ordering=("path", "id"),
            label=lambda r: r.name,
            hint=lambda r: r.get_level_display(),
        ),
        "receptions": Picker(
            queryset=lambda: ReceptionSession.objects.select_related("station"),
            search=("theme", "station__name"),
            ordering=("-starts_at", "-id"),
            label=reception_label,
            hint=lambda s: s.station.name,
        ),
    }


def _motions_forms():
    from motions import forms

    return forms


def _reception_cadres(user, params) -> QuerySet:
    from django.utils import timezone

    from visits.selectors import reception_form_choices

    station = params.get("station") or None
    return reception_form_choices(user=user, on=timezone.localdate(), station_id=station).cadres


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
    if picker.rows_for is not None:
        rows = picker.rows_for(request.user, request.GET)
    else:
        rows = picker.narrow(request.user, picker.queryset())
    queryset = picker_search(rows.order_by(), picker.search, text)
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


def picker_attrs(kind: str, params: dict | None = None) -> dict[str, str]:
    """What picker.js reads from the select: where to ask (``params`` narrow the rows, as
    ``?station=`` does for the reception form's cadres), and its words."""
    url = reverse("pick", args=[kind])
    if params:
        url += "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return {
        "data-picker": url,
        "data-placeholder": str(_("输入名称搜索")),
        "data-more": str(_("更多…")),
        "data-none": str(_("没有匹配的记录")),
    }


class PickerSelect(forms.Select):
    """A ``<select>`` with only the empty and the chosen option, wired to ``/pick/<kind>/``
    for ``picker.js``. Its field's queryset is never listed: the chosen option's label
    is read with one ``pk IN`` query, and only when a value is chosen."""

    def __init__(self, kind: str, attrs=None, *, empty_label=None, params=None):
        super().__init__({"class": "picker", **(attrs or {})})
        self.kind = kind
        self.empty_label = empty_label
        self.params = params or {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(picker_attrs(self.kind, self.params))
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

    def __init__(self, kind: str, attrs=None, *, params=None):
        super().__init__({"class": "picker", **(attrs or {})})
        self.kind = kind
        self.params = params or {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(picker_attrs(self.kind, self.params))
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
