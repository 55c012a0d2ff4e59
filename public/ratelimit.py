"""Fixed-window counters on Redis (per client address, per phone) for the public forms.

With ``REDIS_URL`` set (production, the tests) each count is one ``INCR`` + ``EXPIRE`` in
one round trip, shared by every web worker; without it (the embedded demo) Django's cache
holds the counters. The keys hold a hash of the phone, never the phone itself."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

PREFIX = "liaison:public:rl:"


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    seconds: int


# How often one address / one phone may do each thing.
LIMITS = {
    "code_ip": Limit("code_ip", 10, 3600),  # SMS codes asked for from one address per hour
    "code_phone": Limit("code_phone", 5, 3600),  # SMS codes sent to one phone per hour
    "submit_ip": Limit("submit_ip", 20, 3600),
    "submit_phone": Limit("submit_phone", 10, 86400),
    "track_ip": Limit("track_ip", 30, 3600),  # tracking-code checks (code + phone digits)
    "track_code": Limit("track_code", 10, 3600),  # checks against one tracking code
}


@lru_cache(maxsize=1)
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _key(limit: Limit, who: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{who}".encode()).hexdigest()[:32]
    return f"{PREFIX}{limit.name}:{int(time.time()) // limit.seconds}:{digest}"


def hit(name: str, who: str | None, *, once: str = "") -> bool:
    """Count one try by ``who`` against the limit ``name``; False once it is over. With
    ``once`` (a form's token) the same form posted again is not counted again: a retry or a
    double tap returns the first submission and costs nothing."""
    if not who:
        return True
    limit = LIMITS[name]
    key = _key(limit, who)
    if settings.REDIS_URL:
        client = _redis()
        if once and not client.set(f"{key}:once:{_key(limit, once)}", 1, nx=True, ex=limit.seconds):
            count = int(client.get(key) or 0)
        else:
            pipe = client.pipeline()
            pipe.incr(key)
            pipe.expire(key, limit.seconds)
            count = pipe.execute()[0]
    else:
        if once and not cache.add(f"{key}:once:{_key(limit, once)}", 1, limit.seconds):
            count = cache.get(key, 0)
        else:
            cache.add(key, 0, limit.seconds)
            count = cache.incr(key)
    return count <= limit.limit


def reset_all() -> None:
    """Forget every counter (tests)."""
    if settings.REDIS_URL:
        client = _redis()
        for key in client.scan_iter(f"{PREFIX}*"):
            client.delete(key)
    else:
        cache.clear()
