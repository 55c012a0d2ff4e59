"""The client's address, behind the reverse proxies named in ``TRUSTED_PROXIES``.

One function, ``client_ip(request)``, for everything that records or counts an address:
the sign-in lockout (django-axes, through ``AXES_CLIENT_IP_CALLABLE``), the audit trail's
context, the personal-data access log and API throttling.

``X-Forwarded-For`` is believed only when the TCP peer (``REMOTE_ADDR``) is a trusted
proxy; then the header is read from the right, skipping trusted proxies, and the first
address that is not one is the client (nginx's ``real_ip_recursive``). A request that
reaches the server directly can name any address in the header: it is ignored.
(django-ipware, which axes can use, checks the proxies listed *inside* the header and
never the peer, so a direct request with a made-up chain would be believed.)"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` entries as networks (a bare address is a /32 or /128);
    a malformed entry raises ``ValueError`` (settings.py calls this at start-up)."""
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def parse_address(value: str | None) -> Address | None:
    """An address as proxies write it ("1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443");
    ``None`` when it is not one."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in n for n in networks)


def client_ip(request) -> str | None:
    """The client's address: the peer, or what trusted proxies say the peer forwarded."""
    peer = request.META.get("REMOTE_ADDR") or None
    networks = trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _is_trusted(parse_address(peer), networks):
        return peer
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = parse_address(hop)
        if address is None:
            break  # a malformed hop: trust nothing to its left
        client = str(address)
        if not _is_trusted(address, networks):
            break
    return client
