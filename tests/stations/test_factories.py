"""The shared factories and fixtures build valid objects (other test modules rely on them)."""

import pytest

from accounts.models import ROLE_SCOPE_FIELD, Role
from stations.models import Region, RegionLevel
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_region_tree_shape(region_tree):
    assert Region.objects.count() == 15
    assert region_tree.city.depth == 1 and region_tree.city.level == RegionLevel.CITY
    for county in region_tree.counties:
        assert county.level == RegionLevel.COUNTY
        assert list(Region.objects.get_children(county)) == region_tree.townships_of(county)
    for township in region_tree.townships:
        assert township.level == RegionLevel.TOWNSHIP
        assert list(Region.objects.get_children(township)) == region_tree.villages_of(township)
    assert all(v.level == RegionLevel.VILLAGE and v.is_leaf() for v in region_tree.villages)
    assert Region.objects.find_problems() == ([], [], [], [], [])


def test_station_and_point_fixtures(station, point, region_tree):
    station.full_clean()
    point.full_clean()
    assert point.parent == station
    assert station.region == region_tree.townships[0]


def test_every_factory_creates_a_valid_object():
    for factory_class in (
        f.StationFactory,
        f.PointFactory,
        f.StationStaffFactory,
        f.StationFundingFactory,
        f.DeputyFactory,
        f.MandateFactory,
        f.DeputyGroupFactory,
        f.LeadingCadreFactory,
        f.ReceptionSessionFactory,
        f.AttendanceFactory,
        f.CategoryFactory,
        f.HandlingUnitFactory,
        f.TicketFactory,
        f.UserFactory,
        f.RoleAssignmentFactory,
    ):
        obj = factory_class()
        obj.full_clean()


@pytest.mark.parametrize("role", list(Role))
def test_user_with_role(user_with_role, role):
    user = user_with_role(role)
    assert user.check_password(f.PASSWORD)
    assignment = user.roles.get()
    field = ROLE_SCOPE_FIELD[role]
    if field:
        assert getattr(assignment, field) is not None


def test_user_with_role_refuses_the_wrong_scope(user_with_role, station):
    with pytest.raises(TypeError):
        user_with_role(Role.COUNTY_STAFF, station=station)
