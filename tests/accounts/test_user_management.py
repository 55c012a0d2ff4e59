"""User and role management in scope (issue 16): the escalation matrix, the pages, the
audit, and a concurrent grant."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent, AccountEventKind, Role, RoleAssignment, User
from liaison import scoping
from tests.factories import DeputyFactory, HandlingUnitFactory, StationFactory, UserFactory, make_region_tree


@pytest.fixture
def land(db):
    """One city (2 counties) and a second city; a station, deputy and unit in each county."""
    tree = make_region_tree()
    other = make_region_tree()
    places = {}
    for key, county, township in (
        ("a", tree.counties[0], tree.townships[0]),
        ("b", tree.counties[1], tree.townships[2]),
        ("x", other.counties[0], other.townships[0]),
    ):
        station = StationFactory(region=township)
        places[key] = {
            "county": county,
            "township": township,
            "station": station,
            "deputy": DeputyFactory(home_station=station),
            "unit": HandlingUnitFactory(region=county),
        }
    return tree, other, places


def _user(role=None, **scope) -> User:
    user = UserFactory()
    if role:
        RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


# Every grant a county's staff might try, and whether it may: inside its county the working
# roles, and nothing else (no peers, no superiors, nothing in another county or city).
def _county_attempts(tree, other, p):
    a, b, x = p["a"], p["b"], p["x"]
    return [
        (Role.LIAISON_OFFICER, {"station": a["station"]}, True),
        (Role.STATION_HEAD, {"region": a["township"]}, True),
        (Role.DEPUTY, {"deputy": a["deputy"]}, True),
        (Role.HANDLING_UNIT, {"handling_unit": a["unit"]}, True),
        (Role.COUNTY_STAFF, {"region": a["county"]}, False),  # a peer over the same county
        (Role.COUNTY_STAFF, {"region": b["county"]}, False),  # another county
        (Role.CITY_STAFF, {"region": tree.city}, False),  # a superior
        (Role.CITY_STAFF, {"region": other.city}, False),
        (Role.ADMIN, {}, False),
        (Role.LIAISON_OFFICER, {"station": b["station"]}, False),  # another county's station
        (Role.LIAISON_OFFICER, {"station": x["station"]}, False),  # another city's station
        (Role.STATION_HEAD, {"region": b["township"]}, False),
        (Role.DEPUTY, {"deputy": b["deputy"]}, False),
        (Role.DEPUTY, {"deputy": x["deputy"]}, False),
        (Role.HANDLING_UNIT, {"handling_unit": b["unit"]}, False),
        (Role.HANDLING_UNIT, {"handling_unit": x["unit"]}, False),
    ]


def test_escalation_matrix_county_staff(land):
    tree, other, p = land
    county = _user(Role.COUNTY_STAFF, region=p["a"]["county"])
    for role, scope, allowed in _county_attempts(tree, other, p):
        target = _user(Role.STATION_HEAD, region=tree.townships[1])  # in the county, not tried below
        assert scoping.can_grant_role(county, role, **scope) is allowed, (role, scope)
        if allowed:
            _, changed = services.role_grant(actor=county, user=target, role=role, **scope)
            assert changed
        else:
            with pytest.raises(PermissionDenied):
                services.role_grant(actor=county, user=target, role=role, **scope)
            assert list(target.roles.values_list("role", flat=True)) == [Role.STATION_HEAD]
        # creating an account with that role: the same rule
        if allowed:
            user, _ = services.account_create(
                actor=county, username=f"new-{role}-{target.pk}", role=role, **scope
            )
            assert user.must_change_password
        else:
            with pytest.raises(PermissionDenied):
                services.account_create(actor=county, username=f"new-{role}-{target.pk}", role=role, **scope)
            assert not User.objects.filter(username=f"new-{role}-{target.pk}").exists()


def test_escalation_matrix_city_staff_and_others(land):
    tree, other, p = land
    city = _user(Role.CITY_STAFF, region=tree.city)
    # city staff appoint county staff inside their city, never a peer, an admin or outside
    assert scoping.can_grant_role(city, Role.COUNTY_STAFF, region=p["a"]["county"])
    assert scoping.can_grant_role(city, Role.LIAISON_OFFICER, station=p["b"]["station"])
    assert not scoping.can_grant_role(city, Role.CITY_STAFF, region=tree.city)
    assert not scoping.can_grant_role(city, Role.COUNTY_STAFF, region=p["x"]["county"])
    assert not scoping.can_grant_role(city, Role.ADMIN)
    assert not scoping.can_grant_role(city, Role.LIAISON_OFFICER, station=p["x"]["station"])
    # the working roles grant nothing
    for role, scope in (
        (Role.LIAISON_OFFICER, {"station": p["a"]["station"]}),
        (Role.STATION_HEAD, {"region": p["a"]["township"]}),
        (Role.DEPUTY, {"deputy": p["a"]["deputy"]}),
        (Role.HANDLING_UNIT, {"handling_unit": p["a"]["unit"]}),
    ):
        actor = _user(role, **scope)
        assert not scoping.can_grant_role(actor, Role.LIAISON_OFFICER, station=p["a"]["station"])
        assert not scoping.can_manage_accounts(actor)
    # an admin grants anything
    admin = _user(Role.ADMIN)
    assert scoping.can_grant_role(admin, Role.CITY_STAFF, region=other.city)


def test_county_staff_cannot_take_over_accounts_above_or_outside(land):
    """Deactivate, reset a password or 2FA, grant: only over users all of whose roles the
    actor could have granted; never a staff/superuser account, never themself."""
    tree, _, p = land
    county = _user(Role.COUNTY_STAFF, region=p["a"]["county"])
    officer = _user(Role.LIAISON_OFFICER, station=p["a"]["station"])
    assert scoping.can_manage_user(county, officer)
    # also city staff: out of reach, although one of their roles is inside the county
    city_too = _user(Role.CITY_STAFF, region=tree.city)
    RoleAssignment.objects.create(user=city_too, role=Role.LIAISON_OFFICER, station=p["a"]["station"])
    superuser = _user(Role.LIAISON_OFFICER, station=p["a"]["station"])
    User.objects.filter(pk=superuser.pk).update(is_superuser=True, is_staff=True)
    superuser.refresh_from_db()
    peer = _user(Role.COUNTY_STAFF, region=p["a"]["county"])
    outside = _user(Role.LIAISON_OFFICER, station=p["b"]["station"])
    for target in (city_too, superuser, peer, outside, county):
        assert not scoping.can_manage_user(county, target), target
        for call in (
            lambda t: services.password_reset_by_staff(actor=county, user=t),
            lambda t: services.account_set_active(actor=county, user=t, active=False),
            lambda t: services.two_factor_reset(actor=county, user=t),
            lambda t: services.role_grant(actor=county, user=t, role=Role.DEPUTY, deputy=p["a"]["deputy"]),
        ):
            with pytest.raises(PermissionDenied):
                call(target)
        target.refresh_from_db()
        assert target.is_active and not target.must_change_password
    # revoking a role above: refused too
    city_role = city_too.roles.get(role=Role.CITY_STAFF)
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=county, assignment=city_role)
    assert RoleAssignment.objects.get(pk=city_role.pk).is_active


def test_pages_create_grant_revoke_deactivate_reset(client, land):
    _, _, p = land
    county = _user(Role.COUNTY_STAFF, region=p["a"]["county"])
    client.force_login(county)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "liu.officer",
            "full_name": "刘联络",
            "phone": "13800000000",
            "role": Role.LIAISON_OFFICER,
            "station": p["a"]["station"].pk,
        },
    )
    assert response.status_code == 200, response.content.decode()[:500]
    new = User.objects.get(username="liu.officer")
    password = response.context["password"]
    assert password in response.content.decode() and new.check_password(password) and new.must_change_password
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    # a station outside the county: a form error in Chinese, nothing saved
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "wang",
            "full_name": "王",
            "role": Role.LIAISON_OFFICER,
            "station": p["b"]["station"].pk,
        },
    )
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(username="wang").exists()
    # the same username again: refused with a message
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "liu.officer",
            "full_name": "刘",
            "role": Role.LIAISON_OFFICER,
            "station": p["a"]["station"].pk,
        },
    )
    assert "该用户名已被使用" in response.content.decode()
    detail = reverse("accounts:user_detail", args=[new.pk])
    assert client.get(detail).status_code == 200
    # grant a head role, revoke it
    assert (
        client.post(
            reverse("accounts:user_grant", args=[new.pk]),
            {"role": Role.STATION_HEAD, "region": p["a"]["township"].pk},
        ).status_code
        == 302
    )
    head = new.roles.get(role=Role.STATION_HEAD)
    assert client.post(reverse("accounts:user_revoke", args=[new.pk, head.pk])).status_code == 302
    head.refresh_from_db()
    assert not head.is_active
    # reset: a new temporary password, the old one no longer works
    response = client.post(reverse("accounts:user_password_reset", args=[new.pk]))
    fresh = response.context["password"]
    new.refresh_from_db()
    assert fresh != password and new.check_password(fresh) and new.must_change_password
    assert client.post(reverse("accounts:user_set_active", args=[new.pk]), {"active": "0"}).status_code == 302
    new.refresh_from_db()
    assert not new.is_active
    kinds = list(AccountEvent.objects.filter(user=new).order_by("id").values_list("kind", flat=True))
    assert kinds == [
        AccountEventKind.USER_CREATED,
        AccountEventKind.ROLE_GRANTED,
        AccountEventKind.ROLE_GRANTED,
        AccountEventKind.ROLE_REVOKED,
        AccountEventKind.PASSWORD_RESET,
        AccountEventKind.DEACTIVATED,
    ]
    assert all(password not in e.detail and fresh not in e.detail for e in AccountEvent.objects.all())
    # another county's account: the same 404 as a missing one, for every page
    stranger = _user(Role.LIAISON_OFFICER, station=p["b"]["station"])
    for name, args in (
        ("user_detail", [stranger.pk]),
        ("user_password_reset", [stranger.pk]),
        ("user_set_active", [stranger.pk]),
        ("user_detail", [999999]),
    ):
        send = client.get if name == "user_detail" else client.post
        assert send(reverse(f"accounts:{name}", args=args)).status_code == 404


def test_list_is_scoped_keyset_paged_and_costs_fixed_queries(client, land, django_assert_num_queries):
    _, _, p = land
    county = _user(Role.COUNTY_STAFF, region=p["a"]["county"])
    mine = [_user(Role.LIAISON_OFFICER, station=p["a"]["station"]) for _ in range(3)]
    theirs = _user(Role.LIAISON_OFFICER, station=p["b"]["station"])
    client.force_login(county)
    client.get(reverse("accounts:users"))  # warm the session
    # session, user, roles, bounded count, the page, its roles, the unread notifications
    with django_assert_num_queries(7):
        response = client.get(reverse("accounts:users"))
    html = response.content.decode()
    assert all(u.username in html for u in mine) and theirs.username not in html
    for _ in range(20):
        _user(Role.DEPUTY, deputy=p["a"]["deputy"])
    with django_assert_num_queries(7):
        client.get(reverse("accounts:users"))
    User.objects.filter(pk=mine[0].pk).update(full_name="欧阳独秀")
    found = [u.pk for u in client.get(reverse("accounts:users"), {"q": "欧阳独"}).context["page"]]
    assert found == [mine[0].pk]


def test_audit_page_shows_users_roles_and_account_events(client, land):
    _, _, p = land
    county = _user(Role.COUNTY_STAFF, region=p["a"]["county"])
    officer = _user(Role.LIAISON_OFFICER, station=p["a"]["station"])
    services.password_reset_by_staff(actor=county, user=officer)
    client.force_login(county)
    html = client.get(reverse("accounts:audit"), {"kind": "account"}).content.decode()
    assert officer.username in html and "重置密码" in html
    if connection.vendor == "postgresql":
        html = client.get(reverse("accounts:audit"), {"kind": "user"}).content.decode()
        assert "须修改密码" in html and "pbkdf2" not in html and "argon2" not in html
        assert client.get(reverse("accounts:audit"), {"kind": "role"}).status_code == 200


def test_audit_shows_a_two_county_users_role_events_only_to_the_county_they_name(client, land):
    """A user with roles in counties a and b is in both counties' account audit; each
    county's staff see the role lines of their own county only (the bug: a's staff read
    "granted … · b's station"), the user's other lines (a password reset) both."""
    _, _, p = land
    staff = {key: _user(Role.COUNTY_STAFF, region=p[key]["county"]) for key in ("a", "b")}
    admin = _user(Role.ADMIN)
    both = UserFactory(username="two.counties")
    grant_a, _ = services.role_grant(
        actor=admin, user=both, role=Role.LIAISON_OFFICER, station=p["a"]["station"]
    )
    services.role_grant(actor=admin, user=both, role=Role.LIAISON_OFFICER, station=p["b"]["station"])
    services.role_grant(actor=admin, user=both, role=Role.DEPUTY, deputy=p["b"]["deputy"])
    services.role_revoke(actor=admin, assignment=grant_a)  # (the admin manages both counties)
    services.password_reset_by_staff(actor=admin, user=both)
    names = {key: p[key]["station"].name for key in ("a", "b")}
    assert names["a"] != names["b"]

    def seen(viewer) -> list[tuple[str, str]]:
        rows = scoping.scoped(viewer, AccountEvent.objects.filter(user=both)).order_by("id")
        return [(e.kind, e.detail) for e in rows]

    for key, other in (("a", "b"), ("b", "a")):
        lines = seen(staff[key])
        assert AccountEventKind.PASSWORD_RESET in [kind for kind, _ in lines]
        assert lines and all(
            names[other] not in detail and p[other]["deputy"].name not in detail for _, detail in lines
        )
        client.force_login(staff[key])
        html = client.get(reverse("accounts:audit"), {"kind": "account"}).content.decode()
        assert "two.counties" in html and names[key] in html and names[other] not in html
    assert [kind for kind, _ in seen(staff["a"])].count(
        AccountEventKind.ROLE_GRANTED
    ) == 1  # and its revocation
    assert len(seen(staff["b"])) == 3  # two grants in b, the reset
    assert len(seen(admin)) == 5  # everything


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_grants_make_one_assignment_and_one_event():
    tree = make_region_tree()
    station = StationFactory(region=tree.townships[0])
    county = UserFactory()
    RoleAssignment.objects.create(user=county, role=Role.COUNTY_STAFF, region=tree.counties[0])
    target = UserFactory()
    RoleAssignment.objects.create(user=target, role=Role.DEPUTY, deputy=DeputyFactory(home_station=station))
    barrier = threading.Barrier(20)
    errors = []

    def grant():
        try:
            barrier.wait()
            actor = User.objects.get(pk=county.pk)
            services.role_grant(actor=actor, user=target, role=Role.LIAISON_OFFICER, station=station)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=grant) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert RoleAssignment.objects.filter(user=target, role=Role.LIAISON_OFFICER).count() == 1
    assert AccountEvent.objects.filter(user=target, kind=AccountEventKind.ROLE_GRANTED).count() == 1


def test_roles_outside_the_area_are_not_shown(client, land):
    """A user with a role in the county and one elsewhere: county staff see the account
    (read-only) and only the county's role, not where else it works."""
    tree, _, p = land
    county = _user(Role.COUNTY_STAFF, region=p["a"]["county"])
    both = _user(Role.LIAISON_OFFICER, station=p["a"]["station"])
    RoleAssignment.objects.create(user=both, role=Role.LIAISON_OFFICER, station=p["b"]["station"])
    client.force_login(county)
    for url in (reverse("accounts:users"), reverse("accounts:user_detail", args=[both.pk])):
        html = client.get(url).content.decode()
        assert p["a"]["station"].name in html and p["b"]["station"].name not in html, url
    assert "只能由上级或系统管理员管理" in html  # not the county's to manage
