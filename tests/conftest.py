"""Shared fixtures. Factories live in ``tests/factories.py``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import ROLE_SCOPE_FIELD, Role, RoleAssignment, User
from stations.models import Station
from tests.factories import (
    PointFactory,
    RegionTree,
    RoleAssignmentFactory,
    StationFactory,
    UserFactory,
    make_region_tree,
)


@pytest.fixture(autouse=True)
def _two_factor_not_required(settings):
    """Two-factor sign-in is required by role in production (``TWO_FACTOR_REQUIRED``); the
    suite signs users in with ``force_login`` and turns it back on where it tests it
    (tests/accounts/test_two_factor.py: ``settings.TWO_FACTOR_REQUIRED = True``)."""
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture
def region_tree(db) -> RegionTree:
    """A city, 2 counties, 4 townships, 8 villages (see ``RegionTree``)."""
    return make_region_tree()


@pytest.fixture
def station(region_tree: RegionTree) -> Station:
    """A liaison station in the first township of ``region_tree``."""
    return StationFactory(name="甲县1镇人大代表联络站", region=region_tree.townships[0])


@pytest.fixture
def point(station: Station, region_tree: RegionTree) -> Station:
    """A liaison point under ``station``, in that township's first village."""
    return PointFactory(name="甲县1镇1村联络点", parent=station, region=region_tree.villages[0])


@pytest.fixture
def user_with_role(db) -> Callable[..., User]:
    """``user_with_role(Role.LIAISON_OFFICER, station=s)`` → a user holding that role over
    that scope. A missing scope is created (a new station, a county region, a deputy or a
    handling unit, as the role needs). Extra ``user=`` reuses an existing user; other
    ``user__*``-free keyword arguments must be scope fields."""

    def make(role: str, *, user: User | None = None, **scope) -> User:
        role = Role(role)
        unknown = set(scope) - {"station", "region", "deputy", "handling_unit"}
        if unknown:
            raise TypeError(f"not scope fields: {sorted(unknown)}")
        scope_field = ROLE_SCOPE_FIELD[role]
        extra = {k for k, v in scope.items() if v is not None and k != scope_field}
        if extra:
            raise TypeError(f"role {role} takes scope {scope_field!r}, not {sorted(extra)}")
        user = user or UserFactory()
        assignment: RoleAssignment = RoleAssignmentFactory(user=user, role=role, **scope)
        assert assignment.pk
        return user

    return make


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A test client request in English leaves English active in the thread (Django
    activates per request and never resets); the next test starts in the site's language."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
