"""SMS delivery (短信): a backend interface and a console implementation.

A real gateway (a carrier's or a cloud SMS service) implements ``SmsBackend.send`` and is
selected with the ``SMS_BACKEND`` setting (a dotted path)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend:
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to ``phone``; raise on failure (the outbox retries)."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes messages to the log and keeps the last 100 in ``outbox`` (for the demo and tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)
        print(f"[SMS] {phone}: {text}")  # noqa: T201 - the console backend's purpose
        ConsoleSmsBackend.outbox.append((phone, text))
        del ConsoleSmsBackend.outbox[:-100]


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
