"""Filters shared by the list pages and the API (django-filter), and the strict parsing of
filter and query parameter values the API uses."""

import datetime
import re
import uuid
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField as FilterChoiceField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend

from liaison.scoping import scoped
from stations.models import Region, RegionLevel


def scoped_regions(request) -> QuerySet[Region]:
    """Regions offered in a filter: counties and townships the user may see."""
    if request is None:
        return Region.objects.none()
    return scoped(request.user, Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP]))


class RegionSubtreeFilter(django_filters.ModelChoiceFilter):
    """Choose a region; match everything in its subtree (``<prefix>region__path``)."""

    def __init__(self, *args, path_field: str = "region__path", **kwargs):
        self.path_field = path_field
        kwargs.setdefault("queryset", scoped_regions)
        kwargs.setdefault("label", _("区域"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.path_field}__startswith": value.path})


# --- strict values: what a filter or query parameter may be ----------------------------------------
# A value either parses exactly or is refused (400 with a field message): no silent "no filter"
# for a misspelt boolean, no truncated "0.5" for an id, no UTC offset PostgreSQL cannot read.

ASCII_INTEGER = re.compile(r"-?[0-9]{1,20}")
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
BOOLEANS = {"true": True, "false": False, "True": True, "False": False}
INT4_MAX = 2**31 - 1
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)
LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)
INT8_MAX = 2**63 - 1


def parse_integer(value: str, *, minimum: int, maximum: int) -> int:
    """ASCII digits only (``int("²")`` raises, ``int("١")`` succeeds: neither is welcome)."""
    if not isinstance(value, str) or not ASCII_INTEGER.fullmatch(value):
        raise ValidationError(
            gettext("应为 {minimum} 到 {maximum} 之间的整数。").format(minimum=minimum, maximum=maximum),
            code="invalid",
        )
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValidationError(
            gettext("应为 {minimum} 到 {maximum} 之间的整数。").format(minimum=minimum, maximum=maximum),
            code="range",
        )
    return number


def parse_instant(value: str, *, clamp: bool = False) -> datetime.datetime:
    """An RFC 3339 date-time with its UTC offset (any offset RFC 3339 allows, ±23:59), as UTC.

    PostgreSQL refuses offsets beyond ±15:59, so nothing with an offset goes to the database:
    the instant does. An instant outside the years 1–9999 (``0001-01-01T00:00:00+01:00``) is
    refused, or with ``clamp`` (a filter's bound) moved to the nearest representable one, which
    selects exactly the same rows."""
    match = RFC3339.fullmatch(value) if isinstance(value, str) else None
    message = gettext("应为带时区的 RFC 3339 日期时间，如 2024-05-01T09:30:00+08:00。")
    if match is None:
        raise ValidationError(message, code="invalid")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    try:
        local = datetime.datetime(  # noqa: DTZ001 - the offset is applied below, by hand
            year, month, day, hour, minute, min(second, 59), int((fraction or ".0")[1:7].ljust(6, "0"))
        )
    except ValueError as exc:
        raise ValidationError(message, code="invalid") from exc
    shift = datetime.timedelta(0)
    if offset not in ("Z", "z"):
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValidationError(message, code="invalid")
        shift = datetime.timedelta(hours=hours, minutes=minutes) * (1 if offset[0] == "+" else -1)
    try:
        instant = local - shift
    except OverflowError as exc:
        if not clamp:
            raise ValidationError(
                gettext("日期时间超出可表示的范围（公元 1–9999 年）。"), code="range"
            ) from exc
        return EARLIEST if shift > datetime.timedelta(0) else LATEST
    return instant.replace(tzinfo=datetime.UTC)


def parse_date(value: str) -> datetime.date:
    match = ISO_DATE.fullmatch(value) if isinstance(value, str) else None
    try:
        return datetime.date(*(int(g) for g in match.groups()))  # type: ignore[union-attr]
    except (AttributeError, ValueError) as exc:
        raise ValidationError(gettext("应为 YYYY-MM-DD 格式的日期。"), code="invalid") from exc


def parse_uuid(value: str) -> uuid.UUID:
    """The canonical 8-4-4-4-12 form only (``uuid.UUID`` also takes braces and ``urn:uuid:``)."""
    if not isinstance(value, str) or not UUID_TEXT.fullmatch(value):
        raise ValidationError(gettext("应为 UUID，如 3f2b8c1e-0d4a-4c8e-9b1a-2f6d5e7c9a01。"), code="invalid")
    return uuid.UUID(value)


def parse_boolean(value: str) -> bool:
    if value not in BOOLEANS:
        raise ValidationError(gettext("应为 true 或 false。"), code="invalid")
    return BOOLEANS[value]


class StrictField(forms.Field):
    """A form field that hands the raw text to one ``parse`` function; a present but empty
    value is an error too (only an absent one means "no filter")."""

    empty_values = [None]

    def parse(self, value: str) -> Any:
        raise NotImplementedError

    def to_python(self, value):
        if value is None:
            return None
        return self.parse(value)


class StrictIntegerField(StrictField):
    def __init__(self, *args, minimum: int = 1, maximum: int = INT8_MAX, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        super().__init__(*args, **kwargs)

    def parse(self, value):
        return parse_integer(value, minimum=self.minimum, maximum=self.maximum)


class StrictInstantField(StrictField):
    def parse(self, value):
        return parse_instant(value, clamp=True)


class StrictDateField(StrictField):
    def parse(self, value):
        return parse_date(value)


class StrictUUIDField(StrictField):
    def parse(self, value):
        return parse_uuid(value)


class StrictBooleanField(StrictField):
    def parse(self, value):
        return parse_boolean(value)


class StrictChoiceField(FilterChoiceField):
    """One of the choices, exactly; no empty choice, no "null" choice."""

    empty_values = [None]

    def __init__(self, *args, **kwargs):
        kwargs.update(empty_label=None, null_label=None)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return None if value is None else str(value)

    def validate(self, value):
        if value is not None and not self.valid_value(value):
            # the value goes in params: django-filter formats messages with ``%``
            raise ValidationError(
                gettext("「%(value)s」不是可选值之一。"), code="invalid_choice", params={"value": value}
            )


class StrictCharField(forms.CharField):
    """Text, not empty. A NUL character is kept: no stored text can hold one, so it matches
    nothing (``CharFilter``) instead of being refused as if it were malformed."""

    empty_values = [None]
    default_validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value):
        if value == "":
            raise ValidationError(gettext("不能为空。"), code="blank")
        return super().to_python(value)


# The filters: django-filter's own classes (so drf-spectacular reads their type), each with a
# strict field; ``filter()`` skips only an absent value.


class _Strict:
    def filter(self, qs, value):
        if value is None:
            return qs
        return super().filter(qs, value)


class IntegerFilter(_Strict, django_filters.NumberFilter):
    field_class = StrictIntegerField

    def __init__(self, *args, minimum: int = 1, maximum: int = INT8_MAX, **kwargs):
        super().__init__(*args, minimum=minimum, maximum=maximum, **kwargs)
        # what drf-spectacular shows (its own guess would be an unbounded integer)
        self._spectacular_annotation = {"field": {"type": "integer", "minimum": minimum, "maximum": maximum}}


class InstantFilter(_Strict, django_filters.IsoDateTimeFilter):
    field_class = StrictInstantField


class DateFilter(_Strict, django_filters.DateFilter):
    field_class = StrictDateField


class UUIDFilter(_Strict, django_filters.UUIDFilter):
    field_class = StrictUUIDField


class BooleanFilter(_Strict, django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ChoiceFilter(_Strict, django_filters.ChoiceFilter):
    field_class = StrictChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null_value", None)
        super().__init__(*args, **kwargs)


class CharFilter(_Strict, django_filters.CharFilter):
    field_class = StrictCharField

    def filter(self, qs, value):
        if value is not None and "\x00" in value:
            return qs.none()  # PostgreSQL text cannot hold NUL: nothing matches
        return super().filter(qs, value)


def _integer_bounds(field) -> dict:
    big = isinstance(field, (models.BigIntegerField, models.BigAutoField))
    low = 0 if isinstance(field, (models.PositiveIntegerField, models.PositiveSmallIntegerField)) else None
    return {
        "minimum": 1 if field.primary_key else (low if low is not None else -INT8_MAX - 1),
        "maximum": INT8_MAX if big else INT4_MAX,
    }


STRICT_FILTER_DEFAULTS = {
    **FILTER_FOR_DBFIELD_DEFAULTS,
    models.AutoField: {"filter_class": IntegerFilter, "extra": _integer_bounds},
    models.BigAutoField: {"filter_class": IntegerFilter, "extra": _integer_bounds},
    models.IntegerField: {"filter_class": IntegerFilter, "extra": _integer_bounds},
    models.SmallIntegerField: {"filter_class": IntegerFilter, "extra": _integer_bounds},
    models.BigIntegerField: {"filter_class": IntegerFilter, "extra": _integer_bounds},
    models.PositiveIntegerField: {"filter_class": IntegerFilter, "extra": _integer_bounds},
    models.PositiveSmallIntegerField: {"filter_class": IntegerFilter, "extra": _integer_bounds},
    models.CharField: {"filter_class": CharFilter},
    models.SlugField: {"filter_class": CharFilter},
    models.TextField: {"filter_class": CharFilter},
    models.BooleanField: {"filter_class": BooleanFilter},
    models.DateField: {"filter_class": DateFilter},
    models.DateTimeField: {"filter_class": InstantFilter},
    models.UUIDField: {"filter_class": UUIDFilter},
}


class StrictFilterSet(django_filters.FilterSet):
    """The base of every API filter set: fields named in ``Meta.fields`` get the strict
    filters above (choices become a strict ``ChoiceFilter``)."""

    FILTER_DEFAULTS = STRICT_FILTER_DEFAULTS

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if field.choices and lookup_type == "exact":
            return ChoiceFilter, {"choices": field.choices}
        return filter_class, params


class StrictFilterBackend(DjangoFilterBackend):
    """The API's filter backend (settings): the strict filters also for the filter sets it
    builds from a view's ``filterset_fields``. (Here, not in liaison.api: DRF imports it
    while its own generics module loads.)"""

    filterset_base = StrictFilterSet


def _descending(fmt, label):
    return fmt % label


_descending_lazy = lazy(_descending, str)


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering, with choice labels that stay lazy: its own builds the
    "(descending)" labels once at import, in the language of the moment (Chinese). The
    word is ours: django-filter has no Chinese for it (a Chinese page showed "(descending)")."""

    descending_fmt = _("%s（降序）")

    def build_choices(self, fields, labels):
        ascending = [(param, labels.get(field, param)) for field, param in fields.items()]
        descending = [
            (f"-{param}", labels.get(f"-{param}", _descending_lazy(self.descending_fmt, label)))
            for param, label in ascending
        ]
        return [val for pair in zip(ascending, descending, strict=True) for val in pair]
