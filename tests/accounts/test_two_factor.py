"""Two-factor sign-in (TOTP, django-otp): enrolment with a QR code, the code at sign-in,
recovery codes, the requirement by role, the admin site, and a reset by staff. The codes
are computed here with django-otp's own TOTP function, as the phone would."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AccountEvent, AccountEventKind, Role, RoleAssignment
from stations.models import Region, RegionLevel
from tests.factories import PASSWORD, UserFactory, make_region_tree


def code_for(device: TOTPDevice, *, drift: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


@pytest.fixture
def county_staff(db):
    tree = make_region_tree()
    user = UserFactory(username="county.staff")
    RoleAssignment.objects.create(user=user, role=Role.COUNTY_STAFF, region=tree.counties[0])
    return user


def sign_in(client, username: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})


def test_required_role_enrols_at_first_sign_in_then_signs_in_with_a_code(client, county_staff, settings):
    settings.TWO_FACTOR_REQUIRED = True
    # a wrong code delays the next try by 1, 2, 4... seconds (django-otp's throttling); off
    # here, where a right code follows a wrong one at once
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    response = sign_in(client, county_staff.username)
    assert response.status_code == 302
    # every page sends them to set up two-factor sign-in first; the API says why
    page = client.get(reverse("suggestions:list"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:two_factor"))
    api = client.get("/api/v1/tickets/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"
    setup = client.get(reverse("accounts:two_factor"))
    assert "<svg" in setup.content.decode()  # the QR code, inline (no data: URL, no script)
    device = TOTPDevice.objects.get(user=county_staff, confirmed=False)
    assert client.get(reverse("accounts:two_factor")).status_code == 200
    assert TOTPDevice.objects.get(user=county_staff).pk == device.pk  # same secret on reload
    wrong = client.post(
        reverse("accounts:two_factor"), {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "验证码不正确" in wrong.content.decode()
    done = client.post(reverse("accounts:two_factor"), {"token": code_for(device)})
    html = done.content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", html)
    assert len(codes) == 10 and set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert client.get(reverse("suggestions:list")).status_code == 200  # verified in this session
    assert (
        AccountEvent.objects.filter(user=county_staff, kind=AccountEventKind.TWO_FACTOR_ENROLLED).count() == 1
    )

    # the next sign-in asks for the code before the user is signed in
    client.logout()
    response = sign_in(client, county_staff.username)
    assert response["Location"] == reverse("accounts:two_factor_verify")
    assert client.get(reverse("suggestions:list")).status_code == 302  # not signed in yet
    bad = client.post(reverse("accounts:two_factor_verify"), {"token": "12345"})
    assert "验证码不正确" in bad.content.decode()
    ok = client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device, drift=1)})
    assert ok.status_code == 302
    assert client.get(reverse("suggestions:list")).status_code == 200

    # a recovery code signs in once
    client.logout()
    sign_in(client, county_staff.username)
    assert client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]}).status_code == 302
    client.logout()
    sign_in(client, county_staff.username)
    again = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]})
    assert again.status_code == 200 and "验证码不正确" in again.content.decode()


def test_too_many_wrong_codes_end_the_attempt(client, county_staff):
    services.totp_device_unconfirmed(user=county_staff)
    TOTPDevice.objects.filter(user=county_staff).update(confirmed=True)
    sign_in(client, county_staff.username)
    for _ in range(4):
        client.post(reverse("accounts:two_factor_verify"), {"token": "abcdef"})
    last = client.post(reverse("accounts:two_factor_verify"), {"token": "abcdef"})
    assert last["Location"] == reverse("accounts:login")
    # each wrong code is in the failed sign-in log, beside wrong passwords
    from axes.models import AccessFailureLog

    failed = AccessFailureLog.objects.filter(
        username=county_staff.username, path_info="/accounts/two-factor/verify/"
    )
    assert failed.count() == 5
    assert client.get(reverse("accounts:two_factor_verify"))["Location"] == reverse("accounts:login")


def test_optional_for_other_roles(client, db, settings):
    settings.TWO_FACTOR_REQUIRED = True
    tree = make_region_tree()
    from tests.factories import StationFactory

    officer = UserFactory()
    RoleAssignment.objects.create(
        user=officer, role=Role.LIAISON_OFFICER, station=StationFactory(region=tree.townships[0])
    )
    sign_in(client, officer.username)
    assert client.get(reverse("suggestions:list")).status_code == 200


def test_admin_site_requires_a_verified_device_for_superusers(client, db, settings):
    settings.TWO_FACTOR_REQUIRED = True
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))
    client.get(reverse("accounts:two_factor"))  # the enrolment page makes the device
    device = TOTPDevice.objects.get(user=admin)
    client.post(reverse("accounts:two_factor"), {"token": code_for(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_reset_removes_devices_and_is_audited(client, county_staff, settings):
    settings.TWO_FACTOR_REQUIRED = True
    from tests.factories import StationFactory

    county = county_staff.roles.get().region
    township = Region.objects.filter(path__startswith=county.path, level=RegionLevel.TOWNSHIP).first()
    station = StationFactory(region=township)
    officer = UserFactory()
    RoleAssignment.objects.create(user=officer, role=Role.LIAISON_OFFICER, station=station)
    device = services.totp_device_unconfirmed(user=officer)
    assert services.two_factor_enrol(user=officer, device=device, token=code_for(device))
    assert services.two_factor_reset(actor=county_staff, user=officer)
    assert not TOTPDevice.objects.filter(user=officer).exists()
    event = AccountEvent.objects.get(user=officer, kind=AccountEventKind.TWO_FACTOR_RESET)
    assert event.actor == county_staff
    # the officer signs in with the password alone again
    response = sign_in(client, officer.username)
    assert response.status_code == 302 and response["Location"] != reverse("accounts:two_factor_verify")
