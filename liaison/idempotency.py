"""Writes that are never applied twice: ``Idempotency-Key`` on POST, and a per-record lock
for upserts by client UUID.

``@idempotent`` (as Stripe does; codes from the IETF httpapi draft) runs the view in ONE
transaction with its key: it inserts the key's row, runs the view, and stores the response
in that row before the commit. So a key is either absent (the work rolled back: refused,
failed, crashed, timed out, connection lost) or completed with its response, never "work
committed, key free" nor "key taken, work lost". A concurrent repeat waits on the key's
unique index for the first transaction (at most ``LOCK_WAIT_MS``, then 409 with
``Retry-After``): on its commit it replays the stored response (``Idempotent-Replayed:
true``), on its rollback it runs itself. The same key with a different body is 422. Keys
are per user and kept ``IDEMPOTENCY_KEY_HOURS`` (at least 24) hours.

``lock_client_ids`` serialises writers of the same client-chosen UUIDs (PUT upserts, POST
with an ``id``, batch records) until their transaction ends, so "does it exist?" and the
create or update that follows cannot race."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from liaison.models import IdempotencyKey

HEADER = "Idempotency-Key"
# how long a repeat waits for the first request's transaction before answering 409
LOCK_WAIT_MS = 5000
RETRY_AFTER_SECONDS = 1
# response headers replayed with the stored body
REPLAYED_HEADERS = ("ETag", "Location")
# the first key of pg_advisory_xact_lock(int, int) for client-UUID locks (the two-key
# space does not overlap the one-key space that liaison.jobs uses)
CLIENT_ID_LOCK_SPACE = 0x1D3  # "ID"
LOCK_NOT_AVAILABLE = "55P03"


def key_hours() -> int:
    return max(24, getattr(settings, "IDEMPOTENCY_KEY_HOURS", 48))


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


class KeyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("使用相同幂等键的请求仍在处理中，请稍后重试。")
    default_code = "idempotency_in_progress"
    wait = RETRY_AFTER_SECONDS  # DRF's exception handler turns it into Retry-After


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("该幂等键已用于内容不同的请求。")
    default_code = "idempotency_key_reused"


class _Refused(Exception):
    """A 4xx/5xx the view returned (not raised): roll its transaction back, answer it."""

    def __init__(self, response):
        self.response = response


def is_lock_timeout(exc: BaseException) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE


@contextmanager
def lock_wait(milliseconds: int) -> Iterator[None]:
    """``lock_timeout`` for the statements inside (PostgreSQL), then back to what it was."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [f"{milliseconds}ms"],
        )
        previous = cursor.fetchone()[0]
    try:
        yield
    finally:
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def _claim(request, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """The key's row, and whether this request inserted it (in the request's transaction).
    Otherwise the row is a committed, completed one: another request finished first."""
    while True:
        try:
            with lock_wait(LOCK_WAIT_MS), transaction.atomic():
                return (
                    IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_hash=fingerprint,
                    ),
                    True,
                )
        except IntegrityError:
            pass
        except OperationalError as exc:
            if is_lock_timeout(exc):
                raise KeyConflict from exc
            raise
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None:  # pruned between the insert and the read: claim it again
            continue
        if stored.created_at < timezone.now() - timedelta(hours=key_hours()):
            stored.delete()
            continue
        return stored, False


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        raise KeyReused
    body = json.loads(stored.response_body) if stored.response_body else None
    response = Response(body, status=stored.status_code)
    for name, value in (stored.response_headers or {}).items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method):
    """Decorate a viewset's POST handler: with an ``Idempotency-Key`` header it runs inside
    one transaction with its key (see the module's docstring); without one, as it is."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise exceptions.ValidationError({HEADER: gettext("幂等键应为 1 到 255 个字符。")})
        fingerprint = request_fingerprint(request)
        try:
            with transaction.atomic():
                record, claimed = _claim(request, key, fingerprint)
                if not claimed:
                    # a view may re-check what the stored answer shows (personal data, scope)
                    replayed = _replay(record, fingerprint)
                    recheck = getattr(self, "idempotent_replay", None)
                    return recheck(request, replayed) if recheck else replayed
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 400:
                    raise _Refused(response)
                IdempotencyKey.objects.filter(pk=record.pk).update(
                    status_code=response.status_code,
                    response_body=json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False),
                    response_headers={h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)},
                    completed_at=timezone.now(),
                )
                return response
        except _Refused as refused:
            return refused.response

    return wrapper


def _lock_key(value: uuid.UUID) -> int:
    """A signed 32-bit key from a UUID (collisions only make two writers wait in turn)."""
    return int.from_bytes(value.bytes[:4], "big", signed=True)


def lock_client_ids(ids: Iterable[uuid.UUID]) -> None:
    """Hold a transaction-level lock on each client-chosen UUID, taken in one order (so two
    batches with the same ids cannot deadlock); must run inside ``transaction.atomic``.
    A no-op off PostgreSQL (SQLite already runs one writer at a time)."""
    keys = sorted({_lock_key(i) for i in ids})
    if not keys or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, k)) FROM (SELECT unnest(%s::int[]) AS k ORDER BY 1) AS keys",
            [CLIENT_ID_LOCK_SPACE, keys],
        )


def idempotency_keys_prune() -> int:
    """Delete keys older than the retention period."""
    cutoff = timezone.now() - timedelta(hours=key_hours())
    return IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()[0]
