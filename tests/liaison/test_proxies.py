"""The client's address behind trusted proxies (``TRUSTED_PROXIES``): one function for the
lockout, the audit trail, the access log and the throttle. X-Forwarded-For is believed
only from a trusted peer; a spoofed one from anyone else is ignored."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import PersonalDataAccess, Role, User
from liaison.proxies import client_ip
from liaison.throttling import UserRateThrottle
from tests.factories import StationFactory, TicketFactory, UserFactory

PROXY = "10.0.0.5"
PASSWORD = "Lianluo-zhan-2024"


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_a_trusted_proxy_names_the_client(settings):
    settings.TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]
    assert _ip(PROXY, "198.51.100.1") == "198.51.100.1"
    # a client-supplied hop left of the real one is not believed; trusted hops are skipped
    assert _ip(PROXY, "6.6.6.6, 198.51.100.1, 10.1.2.3") == "198.51.100.1"
    assert _ip(PROXY, "[2001:db8::1]:443") == "2001:db8::1"
    assert _ip(PROXY, "198.51.100.1:5678") == "198.51.100.1"
    assert _ip(PROXY, "") == PROXY
    assert _ip(PROXY, "not-an-address, 198.51.100.1") == "198.51.100.1"
    assert _ip(PROXY, "198.51.100.1, garbage") == PROXY  # stop at the first hop we cannot read


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert _ip("203.0.113.7", f"198.51.100.1, {PROXY}") == "203.0.113.7"


def test_a_malformed_setting_stops_start_up():
    from liaison.proxies import trusted_networks

    with pytest.raises(ValueError):
        trusted_networks(("10.0.0.0/33",))


def _login(client, password, **extra):
    return client.post(reverse("accounts:login"), {"username": "zhanzhang", "password": password}, **extra)


@pytest.mark.django_db
def test_lockout_counts_each_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    User.objects.create_user(username="zhanzhang", password=PASSWORD)
    for n in range(5):
        _login(client, f"wrong-{n}-password", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _login(client, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "198.51.100.1"
    # another citizen's office behind the same proxy is not locked out with them
    assert _login(client, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


@pytest.mark.django_db
def test_a_spoofed_header_does_not_dodge_the_lockout(client, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    User.objects.create_user(username="zhanzhang", password=PASSWORD)
    for n in range(5):
        _login(
            client, f"wrong-{n}-password", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )
    locked = _login(client, PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.django_db
@pytest.mark.parametrize(("remote", "expected"), [(PROXY, "198.51.100.1"), ("203.0.113.7", "203.0.113.7")])
def test_the_access_log_and_the_audit_trail_record_the_client(
    client, settings, region_tree, remote, expected
):
    settings.TRUSTED_PROXIES = [PROXY]
    station = StationFactory(region=region_tree.townships[0])
    officer = UserFactory()
    officer.roles.create(role=Role.LIAISON_OFFICER, station=station)
    ticket = TicketFactory(station=station)
    client.force_login(officer)
    headers = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client.get(reverse("suggestions:detail", args=[ticket.pk]), **headers).status_code == 200
    assert PersonalDataAccess.objects.get().ip_address == expected
    # a change through a page: the audit trail's context carries the same address
    response = client.post(
        reverse("suggestions:accept", args=[ticket.pk]),
        {"accept-tier": "county_dept", "accept-comment": ""},
        **headers,
    )
    assert response.status_code == 302
    from pghistory.models import Context

    assert Context.objects.order_by("-created_at").first().metadata["ip"] == expected


def test_the_throttle_counts_anonymous_requests_per_client_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request

    def ident(remote, forwarded):
        request = Request(RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded))
        request.user = AnonymousUser()
        return UserRateThrottle().get_ident(request)

    assert ident(PROXY, "198.51.100.1") == "198.51.100.1"
    assert ident("203.0.113.7", "198.51.100.1") == "203.0.113.7"
