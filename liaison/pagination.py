"""Pagination for the list pages.

``keyset_page`` is what list and queue pages use: the next page is the rows after the last
one shown, compared on the whole ordering tuple (which ends in a unique field), so rows
sharing a timestamp page through, a page costs the same at the end of a long list as at
its start, and rows added meanwhile neither repeat nor vanish from the next page. The
count is bounded (``COUNT`` over at most ``count_cap + 1`` rows: "1000+").
``paginate`` (numbered pages) is kept for small admin-like lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

PAGE_SIZE = 50
COUNT_CAP = 1000
SALT = "liaison.pagination.keyset"


def paginate(request, queryset, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page (bad or out-of-range numbers give the nearest valid page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@dataclass
class KeysetPage:
    """One page of a keyset-paged list: its rows, signed cursors to the pages either
    side, and the bounded count of the whole list."""

    object_list: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    capped: bool
    param: str = "cursor"
    keyset = True

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def count_label(self) -> str:
        """The count as shown: exact, or "1000+" past the cap."""
        return f"{self.count}+" if self.capped else str(self.count)


def bounded_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """``(n, capped)``: the number of rows, counting at most ``cap + 1`` of them."""
    n = queryset.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def _field_for(queryset: QuerySet, name: str):
    """The model field (or annotation's output field) a lookup path like
    ``home_station__name`` ends in."""
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    model, field = queryset.model, None
    for part in name.split("__"):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


def _value_of(row, name: str):
    value = row
    for part in name.split("__"):
        value = getattr(value, part, None) if value is not None else None
    return value


def _to_text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def keyset_page(
    request,
    queryset: QuerySet,
    *,
    ordering: tuple[str, ...],
    per_page: int = PAGE_SIZE,
    param: str = "cursor",
    count_cap: int | None = COUNT_CAP,
) -> KeysetPage:
    """One page of ``queryset`` in ``ordering`` (every field in one direction, the last
    unique and no field NULL: order by a ``Coalesce`` annotation instead) after the
    cursor in ``request.GET[param]``. A cursor that does not verify gives the first page.
    Two queries: the rows (one more than a page, to know whether there is a next) and
    the bounded count (none with ``count_cap=None``)."""
    if len({name.startswith("-") for name in ordering}) != 1:  # pragma: no cover - programming error
        raise TypeError("every ordering field must run in the same direction")
    fields = [name.lstrip("-") for name in ordering]
    salt = f"{SALT}:{request.path}:{param}:{','.join(ordering)}"
    position, backwards = None, False
    token = request.GET.get(param)
    if token:
        try:
            payload = signing.loads(token, salt=salt)
            values = payload["p"]
            if len(values) != len(fields):
                raise ValueError(values)
            position = tuple(
                None if v is None else _field_for(queryset, n).to_python(v)
                for n, v in zip(fields, values, strict=True)
            )
            backwards = bool(payload["b"])
        except (signing.BadSignature, ValidationError, ValueError, TypeError, KeyError, FieldDoesNotExist):
            position, backwards = None, False
    count, capped = bounded_count(queryset, count_cap) if count_cap is not None else (0, False)
    descending = ordering[0].startswith("-")
    page_qs = queryset.order_by(*(ordering if not backwards else tuple(_flip(n) for n in ordering)))
    if position is not None:
        after = TupleLessThan if descending != backwards else TupleGreaterThan
        page_qs = page_qs.filter(after(Tuple(*(F(n) for n in fields)), position))
    rows = list(page_qs[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else position is not None
    has_previous = position is not None if not backwards else more

    def encode(row, *, back: bool) -> str:
        values = []
        for n in fields:
            value = _value_of(row, n)
            values.append(None if value is None else _to_text(value))
        return signing.dumps({"p": values, "b": back}, salt=salt, compress=True)

    return KeysetPage(
        object_list=rows,
        next_cursor=encode(rows[-1], back=False) if rows and has_next else None,
        previous_cursor=encode(rows[0], back=True) if rows and has_previous else None,
        count=count,
        capped=capped,
        param=param,
    )
