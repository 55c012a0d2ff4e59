"""Texts stored now and shown later in the reader's language (notifications).

A ``Text`` is a msgid (the Chinese source, marked with ``gettext_noop`` at the call site so
``makemessages`` finds it) and its parameters; ``str()`` renders it in the active
language. ``as_data()`` is its JSON form, kept beside the rendered text so a page can
render it again for a reader who chose English (``render``). Parameters are data (names,
numbers, dates already formatted) or nested ``Text``s (a label, "承办单位")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def format(self, **more) -> Text:
        return Text(self.msgid, {**self.params, **more})

    def as_data(self) -> dict:
        return {"t": self.msgid, "p": {k: as_data(v) for k, v in self.params.items()}}

    def __str__(self) -> str:
        return render(self.as_data())


def text(msgid: str, **params) -> Text:
    return Text(msgid, params)


def msgid_of(label) -> str:
    """The msgid of a lazy translation (a choice label): the text with no catalogue active."""
    with translation.override(None):
        return str(label)


def label(value) -> Text:
    """A lazy label (``gettext_lazy``/a choice's label) as a nested text."""
    return Text(msgid_of(value))


def as_data(value):
    if isinstance(value, Text):
        return value.as_data()
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)


def render(data) -> str:
    """A stored text in the active language; a plain string as it is."""
    if not isinstance(data, dict) or "t" not in data:
        return "" if data is None else str(data)
    params = {k: render(v) for k, v in (data.get("p") or {}).items()}
    if not params:
        return gettext(data["t"])
    try:
        return gettext(data["t"]).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return data["t"].format(**params)
