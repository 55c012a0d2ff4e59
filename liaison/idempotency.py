"""``Idempotency-Key`` on POST (as Stripe does; codes from the IETF httpapi draft).

The first request with a key inserts a row **in its own committed transaction** before
it runs, so a repeat that arrives while it still runs finds the row unfinished and gets
409; once it has run, its status and body are stored and every repeat gets the same
response (with ``Idempotent-Replayed: true``). The same key with a different body is
422. Keys are per user and kept ``IDEMPOTENCY_KEY_HOURS`` (at least 24) hours; a request
that failed (an exception, a 5xx) frees its key so the client can retry."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from liaison.models import IdempotencyKey

HEADER = "Idempotency-Key"
# a request still "in progress" after this long died with its process: its key is freed
ABANDONED_AFTER = timedelta(minutes=5)


def key_hours() -> int:
    return max(24, getattr(settings, "IDEMPOTENCY_KEY_HOURS", 48))


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


class KeyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "使用相同幂等键的请求仍在处理中，请稍后重试。"
    default_code = "idempotency_in_progress"


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "该幂等键已用于内容不同的请求。"
    default_code = "idempotency_key_reused"


def _claim(request, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """The key's row and whether this request claimed it (in its own transaction)."""
    try:
        with transaction.atomic():
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
        return IdempotencyKey.objects.get(user=request.user, key=key), False


def idempotent(view_method):
    """Decorate a viewset's POST handler."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise exceptions.ValidationError({HEADER: "幂等键应为 1 到 255 个字符。"})
        fingerprint = request_fingerprint(request)
        record, claimed = _claim(request, key, fingerprint)
        now = timezone.now()
        if not claimed:
            expired = record.created_at < now - timedelta(hours=key_hours())
            abandoned = record.in_progress and record.created_at < now - ABANDONED_AFTER
            if expired or abandoned:
                IdempotencyKey.objects.filter(pk=record.pk).delete()
                record, claimed = _claim(request, key, fingerprint)
        if not claimed:
            if record.request_hash != fingerprint:
                raise KeyReused
            if record.in_progress:
                raise KeyConflict
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            # a view may re-check what the stored answer shows (personal data, scope)
            replay = getattr(self, "idempotent_replay", None)
            return replay(request, response) if replay else response
        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyKey.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            response_body=json.loads(json.dumps(response.data, default=str)),
            completed_at=timezone.now(),
        )
        return response

    return wrapper


def idempotency_keys_prune() -> int:
    """Delete keys older than the retention period."""
    cutoff = timezone.now() - timedelta(hours=key_hours())
    return IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()[0]
