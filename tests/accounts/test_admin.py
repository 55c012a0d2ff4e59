"""The Django admin: every page opens, every change list has a fixed number of queries,
and the role-assignment form explains a scope that does not fit the role."""

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.admin import RoleAssignmentForm
from accounts.models import PersonalDataAccess, Role, RoleAssignment
from deputies.models import Deputy, DeputyGroup, LeadingCadre, Mandate
from stations.models import Region, RegionLevel, Station, StationFunding, StationStaff
from suggestions.models import Category, HandlingUnit, Ticket
from tests import factories as f
from tests.stations.test_selectors import _bulk_region_tree
from visits.models import Attendance, ReceptionSession

pytestmark = pytest.mark.django_db


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser_client(client):
    user = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_changelist_and_add_page_opens(superuser_client, rf, model):
    if model._meta.app_label == "pghistory" and connection.vendor != "postgresql":
        pytest.skip("the audit trail lives in PostgreSQL triggers")
    assert superuser_client.get(_url(model, "changelist")).status_code == 200
    request = rf.get("/")
    request.user = f.UserFactory(is_staff=True, is_superuser=True)
    expected = 200 if admin.site._registry[model].has_add_permission(request) else 403
    assert superuser_client.get(_url(model, "add")).status_code == expected


def _ticket() -> Ticket:
    return f.TicketFactory(handling_unit=f.HandlingUnitFactory(), received_by_deputy=f.DeputyFactory())


def _deputy() -> Deputy:
    deputy = f.DeputyFactory(group=f.DeputyGroupFactory())
    f.MandateFactory(deputy=deputy, level="township")
    f.MandateFactory(deputy=deputy, level="county", congress_region=f.RegionFactory(level=RegionLevel.COUNTY))
    return deputy


def _personal_data_access() -> PersonalDataAccess:
    ticket = f.TicketFactory()
    return PersonalDataAccess.objects.create(
        user=f.UserFactory(), ticket_id=ticket.pk, citizen_name=ticket.citizen_name, fields="citizen_phone"
    )


ROW_MAKERS: dict[type, Callable[[], object]] = {
    Region: lambda: f.RegionFactory(),
    Station: lambda: f.PointFactory(),
    StationStaff: lambda: f.StationStaffFactory(),
    StationFunding: lambda: f.StationFundingFactory(),
    Deputy: _deputy,
    Mandate: lambda: f.MandateFactory(congress_region=f.RegionFactory()),
    DeputyGroup: lambda: f.DeputyGroupFactory(leader=f.DeputyFactory()),
    LeadingCadre: lambda: f.LeadingCadreFactory(),
    ReceptionSession: lambda: f.ReceptionSessionFactory(created_by=f.UserFactory()),
    Attendance: lambda: f.AttendanceFactory(),
    Category: lambda: f.CategoryFactory(),
    HandlingUnit: lambda: f.HandlingUnitFactory(),
    Ticket: _ticket,
    RoleAssignment: lambda: f.RoleAssignmentFactory(role=Role.COUNTY_STAFF),
    PersonalDataAccess: _personal_data_access,
    # accounts.User: rows come from the users the other makers create.
}


def _changelist_queries(client, model) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", [*ROW_MAKERS, f.UserFactory._meta.model], ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(superuser_client, model):
    make = ROW_MAKERS.get(model, lambda: f.UserFactory())
    for _ in range(3):
        make()
    few = _changelist_queries(superuser_client, model)
    for _ in range(27):
        make()
    assert model.objects.count() >= 30
    many = _changelist_queries(superuser_client, model)
    assert few == many, f"{model._meta.label}: {few} queries for 3 rows, {many} for 30"
    assert many <= 12


def _role_form(**data) -> RoleAssignmentForm:
    user = f.UserFactory()
    return RoleAssignmentForm(data={"user": user.pk, "role": data.pop("role"), "is_active": True, **data})


def test_role_assignment_with_a_scope_that_does_not_fit_the_role(superuser_client):
    station = f.StationFactory()
    user = f.UserFactory()
    response = superuser_client.post(
        _url(RoleAssignment, "add"),
        {"user": user.pk, "role": Role.COUNTY_STAFF, "station": station.pk, "is_active": "on"},
    )
    assert response.status_code == 200  # the form again, not a 500 from the check constraint
    errors = response.context["adminform"].form.errors
    assert errors["station"] == ["角色“县级人大工作人员”只能指定区域，请清空“联络站”。"]
    assert errors["region"] == ["角色“县级人大工作人员”须指定区域。"]
    assert not RoleAssignment.objects.exists()


def test_role_assignment_form_rules(region_tree):
    station = f.StationFactory(region=region_tree.townships[0])
    assert _role_form(role=Role.LIAISON_OFFICER, station=station.pk).is_valid()
    assert _role_form(role=Role.COUNTY_STAFF, region=region_tree.counties[0].pk).is_valid()
    assert _role_form(role=Role.ADMIN).is_valid()

    form = _role_form(role=Role.LIAISON_OFFICER)
    assert form.errors["station"] == ["角色“联络员”须指定联络站。"]
    form = _role_form(role=Role.ADMIN, region=region_tree.city.pk)
    assert form.errors["region"] == ["角色“系统管理员”不限定范围，请清空“区域”。"]
    form = _role_form(role=Role.STATION_HEAD, region=region_tree.counties[0].pk)
    assert form.errors["region"] == ["角色“站长（乡镇人大主席）”的区域应为乡镇（街道）一级。"]


def test_role_assignment_through_the_user_page(superuser_client, region_tree):
    user = f.UserFactory()
    prefix = "roles"
    data = {
        "username": user.username,
        "full_name": "赵六",
        "phone": "13700000000",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-role": Role.CITY_STAFF,
        f"{prefix}-0-station": f.StationFactory().pk,
        f"{prefix}-0-is_active": "on",
    }
    response = superuser_client.post(_url(user.__class__, "change", user.pk), data)
    assert response.status_code == 200
    assert "只能指定区域" in response.content.decode()

    data[f"{prefix}-0-station"] = ""
    data[f"{prefix}-0-region"] = region_tree.city.pk
    response = superuser_client.post(_url(user.__class__, "change", user.pk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert user.roles.get().region == region_tree.city


def test_personal_data_access_log_is_read_only(superuser_client):
    access = _personal_data_access()
    model_admin = admin.site._registry[PersonalDataAccess]
    assert superuser_client.get(_url(PersonalDataAccess, "add")).status_code == 403
    response = superuser_client.get(_url(PersonalDataAccess, "change", access.pk))
    assert response.status_code == 200  # viewable ...
    assert b'name="_save"' not in response.content  # ... but not editable
    assert (
        superuser_client.post(_url(PersonalDataAccess, "delete", access.pk), {"post": "yes"}).status_code
        == 403
    )
    assert PersonalDataAccess.objects.filter(pk=access.pk).exists()
    assert model_admin.get_actions(type("R", (), {"user": access.user, "GET": {}})()) == {}


def test_category_list_is_editable(superuser_client):
    category = f.CategoryFactory(sort_order=5)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": category.pk,
        "form-0-sort_order": "1",
        "_save": "保存",
    }
    response = superuser_client.post(_url(Category, "changelist"), data)
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.sort_order, category.is_active) == (1, False)


def test_ticket_change_page_masks_citizen_data(superuser_client):
    ticket = f.TicketFactory(citizen_phone="13912345678", citizen_id_number="142301199001011234")
    page = superuser_client.get(_url(Ticket, "change", ticket.pk)).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert "142301199001011234" not in page
    listing = superuser_client.get(_url(Ticket, "changelist")).content.decode()
    assert ticket.citizen_name not in listing


def test_big_foreign_keys_are_autocompletes(rf):
    """A plain <select> would render thousands of deputies, stations, regions or tickets."""
    request = rf.get("/")
    request.user = f.UserFactory(is_staff=True, is_superuser=True)
    big = {Region, Station, Deputy, Ticket, f.UserFactory._meta.model}
    ours = {"stations", "deputies", "visits", "suggestions", "accounts"}
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ours or not model_admin.has_add_permission(request):
            continue
        forms = [model_admin.get_form(request)]
        forms += [inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)]
        for form in forms:
            for name, field in form.base_fields.items():
                if getattr(field, "queryset", None) is None or field.queryset.model not in big:
                    continue
                if name == "treebeard_ref_node":  # cut to the regions that can have children
                    continue
                widget = getattr(field.widget, "widget", field.widget)
                assert isinstance(widget, AutocompleteSelect | ForeignKeyRawIdWidget), (
                    f"{model._meta.label} {form.__name__}.{name}"
                )
                checked += 1
    assert checked > 20


def test_region_admin_with_a_city_of_thousands_of_regions(superuser_client, django_assert_max_num_queries):
    city = _bulk_region_tree(counties=13, townships=12, villages=20)  # 3,290 regions
    with django_assert_max_num_queries(12):
        response = superuser_client.get(_url(Region, "changelist"))
    assert response.status_code == 200
    # the tree opens one level at a time: only the city is on the first page
    assert response.content.decode().count(city.name) >= 1
    assert "区域0001000100010001" not in response.content.decode()

    response = superuser_client.get(_url(Region, "add"))
    assert response.status_code == 200
    ref_node = response.context["adminform"].form.fields["treebeard_ref_node"]
    assert ref_node.queryset.count() == 1 + 13 + 13 * 12  # villages cannot have children
    assert len(response.content) < 200_000

    response = superuser_client.get(_url(Region, "changelist"), {"q": "区域00010001000100"})
    assert response.status_code == 200


def test_region_admin_checks_the_level(superuser_client, region_tree):
    county = region_tree.counties[0]
    data = {
        "code": "140000000099",
        "name": "新镇",
        "level": RegionLevel.VILLAGE,
        "treebeard_position": "sorted-child",
        "treebeard_ref_node": county.pk,
    }
    response = superuser_client.post(_url(Region, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["level"] == [
        f"位于“{county}”之下的区域层级应为“乡镇（街道）”。"
    ]

    data["level"] = RegionLevel.TOWNSHIP
    response = superuser_client.post(_url(Region, "add"), data)
    assert response.status_code == 302
    new = Region.objects.get(code="140000000099")
    assert Region.objects.get_parent(new) == county


def test_staff_without_permissions_sees_no_admin_pages(client):
    user = f.UserFactory(is_staff=True)
    client.force_login(user)
    assert client.get(_url(Station, "changelist")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_station"))
    assert client.get(_url(Station, "changelist")).status_code == 200


def test_region_and_deputy_autocompletes_answer(superuser_client, region_tree, station):
    f.DeputyFactory(name="王秀英", home_station=station)
    url = reverse("admin:autocomplete")
    response = superuser_client.get(
        url, {"app_label": "stations", "model_name": "station", "field_name": "region", "term": "甲县1镇"}
    )
    assert response.status_code == 200
    names = [r["text"] for r in response.json()["results"]]
    assert "甲县1镇" in names and "乙县1镇" not in names
    response = superuser_client.get(
        url, {"app_label": "deputies", "model_name": "mandate", "field_name": "deputy", "term": "王秀"}
    )
    assert [r["text"] for r in response.json()["results"]] == ["王秀英"]
