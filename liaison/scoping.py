"""Who may see what, and who may do what: the one place that decides.

Every page, API endpoint, export, report and task input goes through here:

- ``scope_for(user)`` reads the user's active role assignments once per request and
  returns a :class:`Scope`. A user with several roles sees the **union** of their
  scopes (Liaison shows the union rather than a role switcher: a township chair who is
  also a deputy sees both at once, and the page header lists every role).
- ``scoped(user, queryset)`` narrows a queryset of any scoped model to the user's
  scope. ``get_scoped_or_404`` gives the **same 404** for a record that does not exist
  and one outside the scope, so existence never leaks.
- ``can_*`` functions answer "may this role do that"; views answer 403 when they say no.
- ``can_see_citizen_data`` decides who sees a citizen's personal data unmasked (PIPL).

Nothing else re-implements these rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from accounts.models import AccountEvent, AccountEventKind, Role, RoleAssignment, User
from deputies.models import Deputy, DeputyGroup, LeadingCadre, Mandate
from motions.models import DeputySuggestion, SupervisionItem
from stations.models import Region, Station, StationFunding, StationStaff
from suggestions.models import HandlingUnit, Ticket
from visits.models import Attendance, ReceptionSession

M = TypeVar("M", bound=Model)

NOTHING = Q(pk__in=[])

# Roles whose scope is a region subtree, and roles that oversee (may browse the audit
# trail and the reports of) their region.
REGION_ROLES = (Role.STATION_HEAD, Role.COUNTY_STAFF, Role.CITY_STAFF)
OVERSIGHT_ROLES = (Role.COUNTY_STAFF, Role.CITY_STAFF)


@dataclass(frozen=True)
class Scope:
    """The union of what a user's active roles cover."""

    roles: frozenset[str] = frozenset()
    is_admin: bool = False
    # station heads (a township), county staff, city staff: region subtrees
    region_paths: tuple[str, ...] = ()
    oversight_region_paths: tuple[str, ...] = ()
    # liaison officers: these stations and their points
    officer_station_ids: tuple[UUID, ...] = ()
    # deputies: their own records, and their home station with its points
    deputy_ids: tuple[UUID, ...] = ()
    deputy_station_ids: tuple[UUID, ...] = ()
    # handling-unit staff: tickets assigned to these units
    unit_ids: tuple[UUID, ...] = ()
    assignments: tuple[RoleAssignment, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not (self.is_admin or self.roles)

    def oversees(self, path: str) -> bool:
        """Is the region at ``path`` inside a subtree this scope oversees (county/city staff)?"""
        return any(path.startswith(p) for p in self.oversight_region_paths)


def scope_for(user: User) -> Scope:
    """The user's scope, computed once per user object (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_liaison_scope", None)
    if cached is not None:
        return cached
    assignments = tuple(
        RoleAssignment.objects.filter(user=user, is_active=True).select_related(
            "station", "region", "deputy", "handling_unit"
        )
    )
    region_paths: list[str] = []
    oversight_paths: list[str] = []
    officer_stations: list[UUID] = []
    deputy_ids: list[UUID] = []
    deputy_stations: list[UUID] = []
    unit_ids: list[UUID] = []
    for a in assignments:
        if a.role in REGION_ROLES:
            region_paths.append(a.region.path)
            if a.role in OVERSIGHT_ROLES:
                oversight_paths.append(a.region.path)
        elif a.role == Role.LIAISON_OFFICER:
            officer_stations.append(a.station_id)
        elif a.role == Role.DEPUTY:
            deputy_ids.append(a.deputy_id)
            deputy_stations.append(a.deputy.home_station_id)
        elif a.role == Role.HANDLING_UNIT:
            unit_ids.append(a.handling_unit_id)
    scope = Scope(
        roles=frozenset(a.role for a in assignments),
        is_admin=user.is_superuser or any(a.role == Role.ADMIN for a in assignments),
        region_paths=tuple(region_paths),
        oversight_region_paths=tuple(oversight_paths),
        officer_station_ids=tuple(officer_stations),
        deputy_ids=tuple(deputy_ids),
        deputy_station_ids=tuple(deputy_stations),
        unit_ids=tuple(unit_ids),
        assignments=assignments,
    )
    user._liaison_scope = scope
    return scope


def user_roles(user: User) -> tuple[RoleAssignment, ...]:
    """The active role assignments, for the page header."""
    return scope_for(user).assignments


# --- queryset scoping ----------------------------------------------------------------


def _stations_q(scope: Scope, prefix: str = "", *, include_deputy_station: bool = True) -> Q:
    """Records at the stations a scope covers; ``prefix`` leads from the model to the
    station (``""`` for Station itself, ``"station__"`` for a ticket)."""
    return _station_match_q(
        scope,
        path=f"{prefix}region__path",
        pk=f"{prefix}pk",
        parent=f"{prefix}parent",
        include_deputy_station=include_deputy_station,
    )


def _station_match_q(scope: Scope, *, path: str, pk: str, parent: str, include_deputy_station: bool) -> Q:
    """The station rule over named lookups (a station's region path, its id, its parent's
    id): a region role's subtree, an officer's (and a deputy's) station and its points."""
    q = NOTHING
    for region_path in scope.region_paths:
        q |= Q(**{f"{path}__startswith": region_path})
    ids = scope.officer_station_ids
    if include_deputy_station:
        ids += scope.deputy_station_ids
    if ids:
        q |= Q(**{f"{pk}__in": ids}) | Q(**{f"{parent}__in": ids})
    return q


def _region_q(scope: Scope) -> Q:
    """Regions inside the region roles' subtrees, plus the regions of the stations an
    officer or deputy works at."""
    q = NOTHING
    for path in scope.region_paths:
        q |= Q(path__startswith=path)
    station_ids = scope.officer_station_ids + scope.deputy_station_ids
    if station_ids:
        q |= Q(stations__in=station_ids) | Q(stations__parent__in=station_ids)
    return q


def _deputies_q(scope: Scope, prefix: str = "") -> Q:
    """Deputies whose home station is covered; a deputy sees themself (other deputies
    of their station are visible through the station page's public notice)."""
    q = _stations_q(scope, f"{prefix}home_station__", include_deputy_station=False)
    if scope.deputy_ids:
        q |= Q(**{f"{prefix}pk__in": scope.deputy_ids})
    return q


def _receptions_q(scope: Scope) -> Q:
    q = _stations_q(scope, "station__")
    if scope.deputy_ids:
        # receptions the deputy attended elsewhere are their own records too
        q |= Q(pk__in=Attendance.objects.filter(deputy__in=scope.deputy_ids).values("session"))
    return q


def _tickets_q(scope: Scope) -> Q:
    """A ticket is seen by those over its station, by the unit it is assigned to and by
    the deputy who received it; a deputy does not see the rest of their station's
    tickets (those are the citizens' opinions to other deputies)."""
    q = _stations_q(scope, "station__", include_deputy_station=False)
    if scope.deputy_ids:
        q |= Q(received_by_deputy__in=scope.deputy_ids)
    if scope.unit_ids:
        q |= Q(handling_unit__in=scope.unit_ids)
    return q


def _units_q(scope: Scope) -> Q:
    q = NOTHING
    for path in scope.region_paths:
        q |= Q(region__path__startswith=path)
    if scope.unit_ids:
        q |= Q(pk__in=scope.unit_ids)
    return q


def _cadres_q(scope: Scope) -> Q:
    q = NOTHING
    for path in scope.oversight_region_paths:
        q |= Q(region__path__startswith=path)
    return q


# --- account management: which role over which scope a user may grant -----------------
#
# The one rule behind the user-management pages, their services and the audit of users:
# admins grant anything; county/city staff grant the working roles (liaison officer,
# station head, deputy, handling unit) whose scope lies inside their region, and county
# staff over a county strictly inside it (so city staff appoint county staff, nobody
# appoints their own peers or their superiors). Admin and city-staff roles, and the
# staff/superuser flags, are an admin's only. A user may be managed (deactivated, reset)
# only by someone who could have granted every role the user holds.

# the roles oversight staff grant inside their region (the strict ones strictly inside)
GRANTABLE_INSIDE = (Role.LIAISON_OFFICER, Role.STATION_HEAD, Role.DEPUTY, Role.HANDLING_UNIT)
GRANTABLE_STRICTLY_INSIDE = (Role.COUNTY_STAFF,)
# the lookup from a role assignment to the region path its scope lies at
_SCOPE_PATH = {
    Role.LIAISON_OFFICER: "station__region__path",
    Role.STATION_HEAD: "region__path",
    Role.DEPUTY: "deputy__home_station__region__path",
    Role.HANDLING_UNIT: "handling_unit__region__path",
    Role.COUNTY_STAFF: "region__path",
}


def _grantable_q(scope: Scope, prefix: str = "") -> Q:
    """Role assignments ``scope`` may grant or revoke (``prefix`` leads to the assignment)."""
    if scope.is_admin:
        return Q()
    q = NOTHING
    for path in scope.oversight_region_paths:
        for role in GRANTABLE_INSIDE:
            q |= Q(**{f"{prefix}role": role, f"{prefix}{_SCOPE_PATH[role]}__startswith": path})
        for role in GRANTABLE_STRICTLY_INSIDE:
            lookup = f"{prefix}{_SCOPE_PATH[role]}"
            q |= Q(**{f"{prefix}role": role, f"{lookup}__startswith": path}) & ~Q(**{lookup: path})
    return q


def _scope_path(role: str, *, station=None, region=None, deputy=None, handling_unit=None) -> str | None:
    """The region path a would-be assignment's scope lies at (``None``: no region)."""
    if role == Role.LIAISON_OFFICER and station is not None:
        return station.region.path
    if role in (Role.STATION_HEAD, Role.COUNTY_STAFF, Role.CITY_STAFF) and region is not None:
        return region.path
    if role == Role.DEPUTY and deputy is not None:
        return deputy.home_station.region.path
    if role == Role.HANDLING_UNIT and handling_unit is not None:
        return handling_unit.region.path
    return None


def can_grant_role(
    user: User, role: str, *, station=None, region=None, deputy=None, handling_unit=None
) -> bool:
    """May ``user`` grant (or revoke) ``role`` over this scope? The Python twin of
    ``_grantable_q``, for one assignment not yet saved."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    if role not in GRANTABLE_INSIDE + GRANTABLE_STRICTLY_INSIDE:
        return False
    path = _scope_path(role, station=station, region=region, deputy=deputy, handling_unit=handling_unit)
    if not path:
        return False
    strict = role in GRANTABLE_STRICTLY_INSIDE
    return any(path.startswith(own) and not (strict and path == own) for own in scope.oversight_region_paths)


def can_manage_accounts(user: User) -> bool:
    """Admins and county/city staff have the user-management pages."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.oversight_region_paths)


def managed_users_q(user: User) -> Q:
    """Users holding at least one role ``user`` could grant (the user-management list)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.oversight_region_paths:
        return NOTHING
    return Q(pk__in=RoleAssignment.objects.filter(_grantable_q(scope)).values("user"))


def can_manage_user(user: User, target: User) -> bool:
    """May ``user`` deactivate, reset or grant roles to ``target``: an admin (not over
    themself through these pages), or oversight staff who could have granted every role
    ``target`` holds (active or not), and never over a staff or superuser account."""
    scope = scope_for(user)
    if target.pk == user.pk:
        return False
    if scope.is_admin:
        return True
    if target.is_superuser or target.is_staff or not scope.oversight_region_paths:
        return False
    held = RoleAssignment.objects.filter(user=target)
    return held.exists() and not held.exclude(_grantable_q(scope)).exists()


ROLE_EVENT_KINDS = (AccountEventKind.ROLE_GRANTED, AccountEventKind.ROLE_REVOKED)


def _account_events_q(scope: Scope) -> Q:
    """The events of the accounts ``scope`` could manage, but a role's grant or revocation
    only where the viewer could grant that role over that scope: a user with roles in two
    counties is in both counties' audit, and each sees only its own county's role lines
    (a role event written before events named their assignment is shown to admins only)."""
    users = Q(user__in=RoleAssignment.objects.filter(_grantable_q(scope)).values("user"))
    grantable = RoleAssignment.objects.filter(_grantable_q(scope)).values("pk")
    return users & (~Q(kind__in=ROLE_EVENT_KINDS) | Q(assignment__in=grantable))


def _motions_q(scope: Scope) -> Q:
    """A deputy suggestion is seen by county/city staff over its congress's region, by
    its lead and joint deputies, and by its lead unit and co-units."""
    q = NOTHING
    for path in scope.oversight_region_paths:
        q |= Q(session__region__path__startswith=path)
    if scope.deputy_ids:
        joined = DeputySuggestion.co_signers.through.objects.filter(deputy__in=scope.deputy_ids)
        q |= Q(submitted_by__in=scope.deputy_ids) | Q(pk__in=joined.values("deputysuggestion"))
    if scope.unit_ids:
        co = DeputySuggestion.co_units.through.objects.filter(handlingunit__in=scope.unit_ids)
        q |= Q(lead_unit__in=scope.unit_ids) | Q(pk__in=co.values("deputysuggestion"))
    return q


def _supervision_q(scope: Scope) -> Q:
    """A supervision item is seen by county/city staff over its region and by its
    responsible departments."""
    q = NOTHING
    for path in scope.oversight_region_paths:
        q |= Q(region__path__startswith=path)
    if scope.unit_ids:
        mine = SupervisionItem.departments.through.objects.filter(handlingunit__in=scope.unit_ids)
        q |= Q(pk__in=mine.values("supervisionitem"))
    return q


# How each scoped model is narrowed. A model missing here cannot be scoped, and
# ``scoped`` refuses it rather than returning everything.
_RULES = {
    Region: _region_q,
    Station: lambda s: _stations_q(s),
    StationStaff: lambda s: _stations_q(s, "station__"),
    StationFunding: lambda s: _stations_q(s, "station__"),
    Deputy: _deputies_q,
    Mandate: lambda s: _deputies_q(s, "deputy__"),
    DeputyGroup: lambda s: _stations_q(s, "station__"),
    LeadingCadre: _cadres_q,
    ReceptionSession: _receptions_q,
    Attendance: lambda s: Q(session__in=ReceptionSession.objects.filter(_receptions_q(s)).values("pk")),
    Ticket: _tickets_q,
    HandlingUnit: _units_q,
    # users and role assignments: those the user could grant (accounts' pages, the audit)
    RoleAssignment: _grantable_q,
    User: lambda s: Q(pk__in=RoleAssignment.objects.filter(_grantable_q(s)).values("user")),
    AccountEvent: _account_events_q,
    DeputySuggestion: lambda s: _motions_q(s),
    SupervisionItem: lambda s: _supervision_q(s),
}


def scoped(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Narrow ``queryset`` to the records ``user`` may see."""
    model = queryset.model
    if model not in _RULES:
        raise LookupError(f"{model.__name__} has no scoping rule in liaison.scoping")
    scope = scope_for(user)
    if scope.is_admin:
        return queryset
    if scope.is_empty:
        return queryset.none()
    q = _RULES[model](scope)
    queryset = queryset.filter(q)
    if model is Region and (scope.officer_station_ids or scope.deputy_station_ids):
        queryset = queryset.distinct()
    return queryset


def get_scoped_or_404(user: User, queryset: QuerySet[M], **lookup) -> M:
    """The record if it exists and is in scope; the same 404 otherwise."""
    try:
        return scoped(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404(gettext("未找到该记录，或您无权查看。")) from exc


# --- what a role may do ----------------------------------------------------------------


def can_browse_audit(user: User) -> bool:
    """Admins and county/city staff browse the audit trail of records in their scope."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.oversight_region_paths)


def can_browse_sign_ins(user: User) -> bool:
    """Sign-in records of every account are for system admins only."""
    return scope_for(user).is_admin


def can_see_deputy_contact(user: User, deputy: Deputy) -> bool:
    """Staff who work with the deputy's station, and the deputy themself."""
    scope = scope_for(user)
    if scope.is_admin or deputy.pk in scope.deputy_ids:
        return True
    station = deputy.home_station
    return _covers_station(scope, station, include_deputy_station=False)


def can_see_citizen_data(user: User, ticket: Ticket) -> bool:
    """Those who handle the ticket see the citizen's details in full (PIPL):

    - the liaison officers and the station head of the station that registered it;
    - the handling unit it is assigned to, only if the citizen consented to pass their
      details on (otherwise the unit handles it anonymously);
    - county/city staff once it is escalated to the standing committee.

    System admins, deputies and everyone else see them masked."""
    scope = scope_for(user)
    if _logs_at(scope, ticket.station):
        return True
    if ticket.consent_to_share and ticket.handling_unit_id and ticket.handling_unit_id in scope.unit_ids:
        return True
    if ticket.tier == Ticket.Tier.STANDING_COMMITTEE:
        return scope.oversees(ticket.station.region.path)
    return False


def can_print_citizen_data(user: User, ticket: Ticket) -> bool:
    """The printed 交办单 / 答复单 travel between the station and the handling unit, so they
    carry the citizen's details in full only where both hold: ``user`` may see them
    (``can_see_citizen_data``) and the citizen consented to pass them on to the unit.
    Otherwise the paper is masked, as the unit would see the ticket."""
    return ticket.consent_to_share and can_see_citizen_data(user, ticket)


def can_see_draft_row_data(user: User, station: Station) -> bool:
    """A draft reception's ledger rows are not tickets yet: their citizens' details are
    seen in full only by those who keep the station's books (the first rule of
    ``can_see_citizen_data``). Needs ``station.region``."""
    return _logs_at(scope_for(user), station)


def _covers_station(scope: Scope, station: Station, *, include_deputy_station: bool) -> bool:
    """Whether the scope covers ``station`` (needs station.region loaded): those who keep
    it, those who oversee its region, and (optionally) deputies based there."""
    if _logs_at(scope, station):
        return True
    if include_deputy_station and {station.pk, station.parent_id} & set(scope.deputy_station_ids):
        return True
    return scope.oversees(station.region.path)


def _head_paths(scope: Scope) -> tuple[str, ...]:
    return tuple(a.region.path for a in scope.assignments if a.role == Role.STATION_HEAD)


# --- the station's keepers: its liaison officers and the township's station head ----------
# One rule, three forms: for one station, as a filter, and "keeps any station at all".


def _logs_at(scope: Scope, station: Station) -> bool:
    """Officers of the station (or of the station a point hangs under) and the station
    head (township chair) over its region."""
    if station.pk in scope.officer_station_ids or station.parent_id in scope.officer_station_ids:
        return True
    return any(station.region.path.startswith(p) for p in _head_paths(scope))


def _keepers_q(scope: Scope, prefix: str = "") -> Q:
    """``_logs_at`` as a filter; ``prefix`` leads from the model to the station."""
    q = NOTHING
    for path in _head_paths(scope):
        q |= Q(**{f"{prefix}region__path__startswith": path})
    if scope.officer_station_ids:
        ids = scope.officer_station_ids
        q |= Q(**{f"{prefix}pk__in": ids}) | Q(**{f"{prefix}parent__in": ids})
    return q


def station_keeper_ids(station: Station) -> list[int]:
    """``_logs_at`` the other way round: the users who keep ``station`` (its officers, or
    those of the station a point hangs under, and the station head over its region), in
    one query. ``station.region`` must be loaded."""
    keepers = Q(role=Role.LIAISON_OFFICER, station_id__in=[i for i in (station.pk, station.parent_id) if i])
    keepers |= Q(role=Role.STATION_HEAD, region__path__in=Region.path_and_ancestors(station.region.path))
    return list(
        RoleAssignment.objects.filter(keepers, is_active=True, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _keeps_any_station(scope: Scope) -> bool:
    return scope.is_admin or bool(scope.officer_station_ids) or bool(_head_paths(scope))


def can_edit_station(user: User, station: Station) -> bool:
    """Station records are kept by the station's liaison officers, the township chair and
    county/city staff over it; deputies and handling units only read."""
    scope = scope_for(user)
    return scope.is_admin or _covers_station(scope, station, include_deputy_station=False)


# --- receptions, timetable and ledgers (visits) ---------------------------------------------

from visits.models import ReceptionSlot  # noqa: E402

_RULES[ReceptionSlot] = lambda s: _stations_q(s, "station__")


def can_log_reception(user: User, station: Station) -> bool:
    """Who records a reception (and its ledger rows) and publishes the timetable: the
    people who run the station — its liaison officers, the township's station head —
    and admins. County and city staff oversee: they read and export, but do not write
    the station's books; deputies and handling units never do."""
    scope = scope_for(user)
    if station.is_closed:
        return False
    return scope.is_admin or _logs_at(scope, station)


def can_log_receptions_somewhere(user: User) -> bool:
    """Whether the reception form is for this user at all (some station they log at)."""
    return _keeps_any_station(scope_for(user))


def loggable_stations(user: User) -> QuerySet[Station]:
    """Open stations (and points) where ``user`` may log receptions; the same rule as
    ``can_log_reception``, as a queryset."""
    scope = scope_for(user)
    qs = Station.objects.exclude(status=Station.Status.CLOSED)
    return qs if scope.is_admin else qs.filter(_keepers_q(scope))


def can_export_ledger(user: User, station: Station) -> bool:
    """The ledgers (登记簿) of a station are exported by those who keep or oversee its
    books: officers, the station head, county/city staff over it, admins. Deputies and
    handling units do not export them. Personal data inside is full per ticket where
    ``can_see_citizen_data`` says so (the keepers: the paper book carries the citizen's
    contact), masked elsewhere."""
    scope = scope_for(user)
    return scope.is_admin or _covers_station(scope, station, include_deputy_station=False)


def ledger_stations_q(user: User, prefix: str = "") -> Q:
    """``can_export_ledger`` as a filter; ``prefix`` leads from the model to the station
    (``"station__"`` for an export job). Admins: everything."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    q = _keepers_q(scope, prefix)
    for path in scope.oversight_region_paths:
        q |= Q(**{f"{prefix}region__path__startswith": path})
    return q


# --- the ticket workflow (suggestions) -------------------------------------------------------
# The predicates named in suggestions.workflow.TRANSITIONS ("who"). Each takes a ticket
# with ``station__region`` loaded.


def _oversees(scope: Scope, ticket: Ticket) -> bool:
    return scope.oversees(ticket.station.region.path)


def can_decide_ticket(user: User, ticket: Ticket) -> bool:
    """Who decides how a ticket is handled (accept, assign, deliver the reply, close…):
    the station's liaison officers and the station head (township chair); for a ticket
    escalated to the standing committee, also county/city staff over the station; admins."""
    scope = scope_for(user)
    if scope.is_admin or _logs_at(scope, ticket.station):
        return True
    return ticket.is_escalated and _oversees(scope, ticket)


@dataclass(frozen=True)
class VerifiedCitizen:
    """The citizen of one ticket on the online station (网上联络站), verified by the
    tracking code and their phone (``public.services``): not a user, no roles. Only
    ``can_record_satisfaction`` lets them act, on their own ticket."""

    ticket_id: object
    pk: None = None
    is_citizen: bool = True
    is_authenticated: bool = False


def can_record_satisfaction(user, ticket: Ticket) -> bool:
    """Who records the citizen's rating (群众评价): whoever decides the ticket (entered
    for the citizen), or the citizen themself online, on their own ticket only."""
    if isinstance(user, VerifiedCitizen):
        return str(user.ticket_id) == str(ticket.pk)
    return can_decide_ticket(user, ticket)


def can_act_for_unit(user: User, ticket: Ticket) -> bool:
    """Staff of the handling unit the ticket is assigned to (and admins)."""
    scope = scope_for(user)
    return scope.is_admin or (
        ticket.handling_unit_id is not None and ticket.handling_unit_id in scope.unit_ids
    )


def can_reply_ticket(user: User, ticket: Ticket) -> bool:
    """The assigned unit replies; a ticket without a unit (answered on the spot by the
    deputy) has its answer recorded by those who decide on it."""
    if ticket.handling_unit_id is not None:
        return can_act_for_unit(user, ticket)
    return can_decide_ticket(user, ticket)


def can_supervise(user: User, ticket: Ticket) -> bool:
    """County/city staff over the ticket's station follow it up (督办); admins too."""
    scope = scope_for(user)
    return scope.is_admin or _oversees(scope, ticket)


def has_unit_queue(user: User) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.unit_ids)


def has_decision_queue(user: User) -> bool:
    return _keeps_any_station(scope_for(user))


def has_supervision_queue(user: User) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.oversight_region_paths)


def decidable_tickets_q(user: User) -> Q:
    """``can_decide_ticket`` as a filter, for queues (admins: everything)."""
    scope = scope_for(user)
    return Q() if scope.is_admin else _keepers_q(scope, "station__")


def supervised_tickets_q(user: User) -> Q:
    """Tickets in the regions a user oversees (admins: everything)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    q = NOTHING
    for path in scope.oversight_region_paths:
        q |= Q(station__region__path__startswith=path)
    return q


def unit_tickets_q(user: User) -> Q:
    """Tickets assigned to the user's handling units (admins: every assigned ticket)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q(handling_unit__isnull=False)
    return Q(handling_unit__in=scope.unit_ids) if scope.unit_ids else NOTHING


# --- reference data and personal data as filters (the REST API) ---------------------------------

from suggestions.models import CalendarDay, Category  # noqa: E402

# Categories and the working-day calendar are reference data: everyone with a role reads them.
_RULES[Category] = lambda s: Q()
_RULES[CalendarDay] = lambda s: Q()


def citizen_data_q(user: User) -> Q | None:
    """``can_see_citizen_data`` as a filter over tickets, for pages of many tickets
    (the API's lists and sync feeds); ``None`` when the user sees no ticket's data in full."""
    scope = scope_for(user)
    q = _keepers_q(scope, "station__")
    if scope.unit_ids:
        q |= Q(consent_to_share=True, handling_unit__in=scope.unit_ids)
    for path in scope.oversight_region_paths:
        q |= Q(tier=Ticket.Tier.STANDING_COMMITTEE, station__region__path__startswith=path)
    return None if q == NOTHING else q


def deputy_contact_q(user: User) -> Q | None:
    """``can_see_deputy_contact`` as a filter over deputies (``Q()`` for admins, ``None``
    when the user sees no deputy's contact details)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    q = _keepers_q(scope, "home_station__")
    for path in scope.oversight_region_paths:
        q |= Q(home_station__region__path__startswith=path)
    if scope.deputy_ids:
        q |= Q(pk__in=scope.deputy_ids)
    return None if q == NOTHING else q


# --- dashboards (数据看板) -------------------------------------------------------------------
# A region's dashboard is for those whose region role covers it (station heads, county and
# city staff) and admins; a station's for those who keep or oversee it (as its ledgers); a
# deputy's for whoever may see that deputy (``scoped(user, Deputy)``: the deputy, the staff
# of their home station, the staff over its region).


def can_view_region_dashboard(user: User, region: Region) -> bool:
    scope = scope_for(user)
    return scope.is_admin or any(region.path.startswith(p) for p in scope.region_paths)


def can_view_station_dashboard(user: User, station: Station) -> bool:
    """Those who keep or oversee the station's books (as its ledgers). Needs ``station.region``."""
    return can_export_ledger(user, station)


def own_dashboards(user: User) -> list[tuple[str, object]]:
    """The dashboards a user starts from, widest first: ("region", Region) for each region
    role, ("station", Station) for each station an officer keeps, ("deputy", Deputy) for
    a deputy; admins start from the top of the region tree (one query for them)."""
    cached = getattr(user, "_liaison_dashboards", None)
    if cached is not None:
        return cached
    scope = scope_for(user)
    out: list[tuple[str, object]] = []
    if scope.is_admin:
        out += [("region", r) for r in Region.objects.get_root_nodes()]
    regions = sorted(
        (a.region for a in scope.assignments if a.role in REGION_ROLES), key=lambda r: (r.depth, r.path)
    )
    out += [("region", r) for r in regions if ("region", r) not in out]
    out += [("station", a.station) for a in scope.assignments if a.role == Role.LIAISON_OFFICER]
    out += [("deputy", a.deputy) for a in scope.assignments if a.role == Role.DEPUTY]
    if getattr(user, "is_authenticated", False):
        user._liaison_dashboards = out
    return out


# --- oversight: performance files (履职档案) and the annual evaluation -------------------------


def _oversight_files_q(scope: Scope) -> Q:
    """Deputies whose files county/city staff keep: based at a station in their region,
    or holding a mandate of a congress in their region (a deputy of two counties is in
    both counties' files)."""
    q = NOTHING
    for path in scope.oversight_region_paths:
        q |= Q(home_station__region__path__startswith=path)
        q |= Q(pk__in=Mandate.objects.filter(congress_region__path__startswith=path).values("deputy"))
    return q


def performance_files_q(user: User) -> Q:
    """The deputies whose performance file ``user`` may read: staff over them, and a deputy
    their own (station heads and officers see the dashboards, not the files)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    q = _oversight_files_q(scope)
    if scope.deputy_ids:
        q |= Q(pk__in=scope.deputy_ids)
    return q


def access_performance_file(user: User, deputy_pk) -> Deputy:
    """The deputy whose file is asked for: 404 when the deputy is missing or out of sight,
    403 when the user sees the deputy but not their file."""
    base = Deputy.objects.select_related("home_station__region")
    try:
        return base.filter(performance_files_q(user)).distinct().get(pk=deputy_pk)
    except (Deputy.DoesNotExist, ValueError, ValidationError):
        pass
    get_scoped_or_404(user, Deputy.objects.all(), pk=deputy_pk)
    raise PermissionDenied("您无权查看该代表的履职档案。")


def can_review_file_entries(user: User, deputy: Deputy) -> bool:
    """County/city staff over the deputy confirm entries and record them directly."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    if not scope.oversight_region_paths:
        return False
    return Deputy.objects.filter(_oversight_files_q(scope), pk=deputy.pk).exists()


def can_add_file_entry(user: User, deputy: Deputy) -> bool:
    """The deputy themself (for staff to confirm) and the staff over them."""
    return deputy.pk in scope_for(user).deputy_ids or can_review_file_entries(user, deputy)


def can_manage_evaluation(user: User, region: Region) -> bool:
    """County/city staff run, close and adjust the evaluation of a region in their area."""
    scope = scope_for(user)
    return scope.is_admin or scope.oversees(region.path)


def evaluation_regions(user: User) -> list[Region]:
    """The regions a user evaluates from: the top of the tree for an admin, else each
    region an oversight role is bound to (widest first)."""
    scope = scope_for(user)
    if scope.is_admin:
        return list(Region.objects.get_root_nodes())
    regions = [a.region for a in scope.assignments if a.role in OVERSIGHT_ROLES]
    return sorted({r.pk: r for r in regions}.values(), key=lambda r: (r.depth, r.path))


# --- sync tombstones ----------------------------------------------------------------------------
# A deleted record's tombstone carries where the record was (``liaison.Tombstone``: its station,
# the station's parent and region path, its deputy, unit and reception, recorded by the delete
# trigger), and goes only to those the record's own rule above would have shown it to.

from liaison.models import Tombstone  # noqa: E402


def _tombstone_stations_q(scope: Scope, *, include_deputy_station: bool = True) -> Q:
    return _station_match_q(
        scope,
        path="region_path",
        pk="station_id",
        parent="station_parent_id",
        include_deputy_station=include_deputy_station,
    )


def _tombstone_regions_q(scope: Scope) -> Q:
    q = NOTHING
    for path in scope.region_paths:
        q |= Q(region_path__startswith=path)
    return q


def _tombstone_deputy_q(scope: Scope) -> Q:
    return Q(deputy_id__in=scope.deputy_ids) if scope.deputy_ids else NOTHING


def _tombstone_receptions_q(scope: Scope) -> Q:
    """As ``_receptions_q``: a deputy also gets those of sessions they attended elsewhere,
    whether their attendance is still there or was deleted with the session."""
    q = _tombstone_stations_q(scope)
    if scope.deputy_ids:
        attended = Attendance.objects.filter(deputy__in=scope.deputy_ids).values("session")
        deleted = Tombstone.objects.filter(resource="attendances", deputy_id__in=scope.deputy_ids)
        q |= Q(session_id__in=attended) | Q(session_id__in=deleted.values("session_id"))
    return q


def _tombstone_units_q(scope: Scope) -> Q:
    q = _tombstone_regions_q(scope)
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    return q


def _tombstone_deputies_q(scope: Scope) -> Q:
    return _tombstone_stations_q(scope, include_deputy_station=False) | _tombstone_deputy_q(scope)


def _tombstone_tickets_q(scope: Scope) -> Q:
    q = _tombstone_stations_q(scope) | _tombstone_deputy_q(scope)
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    return q


def _tombstone_oversight_q(scope: Scope) -> Q:
    q = NOTHING
    for path in scope.oversight_region_paths:
        q |= Q(region_path__startswith=path)
    return q


def _tombstone_motions_q(scope: Scope) -> Q:
    """As ``_motions_q`` over what a deleted suggestion's tombstone carries: its congress's
    region, its lead deputy and its lead unit (joint deputies and co-units are not kept)."""
    q = _tombstone_oversight_q(scope) | _tombstone_deputy_q(scope)
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    return q


# Per sync feed, the rule of the feed's model (``_RULES``) over the tombstone's columns.
_TOMBSTONE_RULES = {
    "regions": _tombstone_regions_q,
    "stations": _tombstone_stations_q,
    "deputies": _tombstone_deputies_q,
    "mandates": _tombstone_deputies_q,
    "deputy_groups": _tombstone_stations_q,
    "receptions": _tombstone_receptions_q,
    "attendances": _tombstone_receptions_q,
    "tickets": _tombstone_tickets_q,
    "handling_units": _tombstone_units_q,
    "categories": lambda s: Q(),
    "calendar_days": lambda s: Q(),
    "deputy_suggestions": _tombstone_motions_q,  # motions
    "supervision_items": _tombstone_oversight_q,  # motions (the departments are not kept)
}


def scoped_tombstones(user: User, resource: str) -> QuerySet[Tombstone]:
    """The tombstones of feed ``resource`` that ``user`` may receive."""
    if resource not in _TOMBSTONE_RULES:
        raise LookupError(f"sync feed {resource!r} has no tombstone rule in liaison.scoping")
    queryset = Tombstone.objects.filter(resource=resource)
    scope = scope_for(user)
    if scope.is_admin:
        return queryset
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(_TOMBSTONE_RULES[resource](scope))


# --- who must act next: the recipients of the workflow's notifications ----------------------


def unit_staff_ids(unit_ids) -> dict:
    """The active staff of each handling unit (``can_act_for_unit`` the other way round):
    unit id → user ids, in one query whatever the number of units."""
    out: dict = {}
    for user_id, unit_id in RoleAssignment.objects.filter(
        role=Role.HANDLING_UNIT, handling_unit_id__in=list(unit_ids), is_active=True, user__is_active=True
    ).values_list("user_id", "handling_unit_id"):
        out.setdefault(unit_id, []).append(user_id)
    return out


def scheduled_deputy_user_ids(slot_ids) -> list[tuple[int, object]]:
    """(user id, slot id) for each active deputy account sitting at one of the reception
    slots: two queries whatever the number of slots."""
    from visits.models import ReceptionSlot

    through = ReceptionSlot.deputies.through
    deputies: dict = {}
    for slot_id, deputy_id in through.objects.filter(receptionslot_id__in=list(slot_ids)).values_list(
        "receptionslot_id", "deputy_id"
    ):
        deputies.setdefault(deputy_id, []).append(slot_id)
    if not deputies:
        return []
    users = RoleAssignment.objects.filter(
        role=Role.DEPUTY, is_active=True, user__is_active=True, deputy_id__in=list(deputies)
    ).values_list("user_id", "deputy_id")
    return [(user_id, slot_id) for user_id, deputy_id in users for slot_id in deputies[deputy_id]]


def own_slots_q(user: User) -> Q:
    """The reception days that are the user's own work: at the stations they keep (officers,
    station heads; admins: all) and those they sit at as a deputy. For the to-do list."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    q = _keepers_q(scope, "station__")
    if scope.deputy_ids:
        q |= Q(deputies__in=scope.deputy_ids)
    return q


# --- deputy suggestions and supervision items (motions) ------------------------------------
# The predicates named in motions.workflow's tables. Each takes a record with its region
# (``session__region`` / ``region``) loaded.


def _over_region(scope: Scope, region: Region) -> bool:
    return scope.oversees(region.path)


def can_run_motion(user: User, suggestion: DeputySuggestion) -> bool:
    """The county office (代表工作机构) over the congress: registers, numbers, assigns,
    extends, sends back for re-handling and closes; admins too."""
    scope = scope_for(user)
    return scope.is_admin or _over_region(scope, suggestion.session.region)


def can_reply_motion(user: User, suggestion: DeputySuggestion) -> bool:
    """The lead unit (主办单位) replies in writing."""
    scope = scope_for(user)
    return scope.is_admin or (
        suggestion.lead_unit_id is not None and suggestion.lead_unit_id in scope.unit_ids
    )


def motion_units_of(user: User, suggestion: DeputySuggestion) -> list:
    """The lead unit and co-units of ``suggestion`` the user acts for (one query)."""
    scope = scope_for(user)
    ids = {suggestion.lead_unit_id, *suggestion.co_units.values_list("pk", flat=True)} - {None}
    return [u for u in ids if scope.is_admin or u in scope.unit_ids]


def can_act_for_motion_unit(user: User, suggestion: DeputySuggestion) -> bool:
    """The lead unit and the co-units (协办) record their consultations with the deputy."""
    return scope_for(user).is_admin or bool(motion_units_of(user, suggestion))


def can_evaluate_motion(user: User, suggestion: DeputySuggestion) -> bool:
    """The lead deputy votes on the reply (满意度测评); the office may record a paper vote."""
    scope = scope_for(user)
    return suggestion.submitted_by_id in scope.deputy_ids or can_run_motion(user, suggestion)


def can_withdraw_motion(user: User, suggestion: DeputySuggestion) -> bool:
    scope = scope_for(user)
    return suggestion.submitted_by_id in scope.deputy_ids or can_run_motion(user, suggestion)


def can_submit_motion(user: User) -> bool:
    """Deputies submit their own suggestions; the office enters paper ones for a deputy."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.deputy_ids) or bool(scope.oversight_region_paths)


def can_run_motions_somewhere(user: User) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.oversight_region_paths)


def can_run_supervision(user: User, item: SupervisionItem) -> bool:
    """The standing committee's office lists items, records the vote, re-supervises, closes."""
    scope = scope_for(user)
    return scope.is_admin or _over_region(scope, item.region)


def can_report_supervision(user: User, item: SupervisionItem) -> bool:
    """A responsible department reports progress and the result (one query)."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    return bool(scope.unit_ids) and item.departments.filter(pk__in=scope.unit_ids).exists()


def motion_co_signers_q(user: User) -> Q:
    """Over ``Deputy``: whom a user may name as joint deputies (联名代表) of a suggestion,
    the deputies of the county congress(es) of the user's scope (the counties they oversee,
    or the county of their own home station); everyone for an admin."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    own = Deputy.objects.filter(pk__in=scope.deputy_ids).values_list("home_station__region__path", flat=True)
    county = Region.steplen * 2  # RegionLevel.COUNTY
    q = NOTHING
    for path in {*scope.oversight_region_paths, *(p[:county] for p in own if p)}:
        q |= Q(home_station__region__path__startswith=path)
    return q


def motion_sessions_q(user: User) -> Q:
    """The congress sessions whose suggestions the user runs (for the figures page)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    q = NOTHING
    for path in scope.oversight_region_paths:
        q |= Q(region__path__startswith=path)
    return q


# --- navigation: which sections a user's roles can use (one rule, read by the page shell) ---


def _uses_oversight(scope: Scope) -> bool:
    """The oversight pages: county/city staff (their region), deputies (their own file)."""
    return bool(scope.oversight_region_paths or scope.deputy_ids)


def can_use_oversight(user: User) -> bool:
    scope = scope_for(user)
    return scope.is_admin or _uses_oversight(scope)


def nav_sections(user: User) -> frozenset[str]:
    """The sections of the site worth a link for ``user``: none that would only show an
    empty page. Units work on tickets only; deputies on their receptions, their tickets and
    their own dashboard; keepers and overseers on everything of their area."""
    scope = scope_for(user)
    if scope.is_admin:
        return frozenset(
            {"home", "stations", "deputies", "visits", "suggestions", "dashboards", "oversight", "motions"}
        )
    sections = {"home"}
    keeps_or_oversees = _keeps_any_station(scope) or bool(scope.oversight_region_paths)
    if keeps_or_oversees:
        sections |= {"stations", "deputies", "visits", "suggestions", "dashboards"}
    if scope.deputy_ids:
        sections |= {"visits", "suggestions", "dashboards"}
    if scope.unit_ids:
        sections |= {"suggestions"}
    if _uses_oversight(scope):
        sections |= {"oversight"}  # performance files and evaluation (oversight app)
    if scope.oversight_region_paths or scope.deputy_ids or scope.unit_ids:
        sections |= {"motions"}
    return frozenset(sections)


# --- roster imports and term changes (onboarding) ------------------------------------------


def can_import_rosters(user: User) -> bool:
    """County and city staff import rosters (and end terms) inside their region; admins anywhere."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.oversight_region_paths)


def import_region_paths(user: User) -> tuple[str, ...] | None:
    """The region subtrees ``user`` may import into: ``None`` for everywhere (admins), an
    empty tuple for nowhere."""
    scope = scope_for(user)
    if scope.is_admin:
        return None
    return scope.oversight_region_paths


def import_jobs_q(user: User) -> Q:
    """Import jobs a user sees: their own while they may still import; admins all."""
    scope = scope_for(user)
    if scope.is_admin:
        return Q()
    if not scope.oversight_region_paths:
        return NOTHING
    return Q(created_by=user)


def term_mandates_q(user: User) -> Q:
    """Mandates a term change by ``user`` may end: those of a congress inside their regions
    (or, with no congress region recorded, of deputies whose home station is inside)."""
    paths = import_region_paths(user)
    if paths is None:
        return Q()
    q = NOTHING
    for path in paths:
        q |= Q(congress_region__path__startswith=path)
        q |= Q(congress_region__isnull=True, deputy__home_station__region__path__startswith=path)
    return q


# --- the audit page: whose trail a user browses --------------------------------------------

from onboarding.models import ImportJob  # noqa: E402
from suggestions.models import Attachment  # noqa: E402
from visits.models import ReceptionAttachment  # noqa: E402

# attachments go with the record they are attached to
_RULES[Attachment] = lambda s: Q(event__ticket__in=Ticket.objects.filter(_tickets_q(s)).values("pk"))
_RULES[ReceptionAttachment] = lambda s: Q(
    session__in=ReceptionSession.objects.filter(_receptions_q(s)).values("pk")
)


def audit_scoped(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """The records whose audit trail ``user`` browses: those ``scoped`` gives them (the
    reference data every office works under, categories and the working-day calendar,
    included); imports are their importer's (and admins')."""
    if queryset.model is ImportJob:
        return queryset.filter(import_jobs_q(user))
    return scoped(user, queryset)


def can_manage_mandates(user: User, deputy: Deputy) -> bool:
    """By-elections, terminations and resignations (代表资格变动) of a deputy whose home
    station lies inside the user's import regions: county/city staff, admins."""
    paths = import_region_paths(user)
    if paths is None:
        return True
    path = deputy.home_station.region.path
    return any(path.startswith(p) for p in paths)


def can_add_mandate(user: User, deputy: Deputy, congress_region: Region | None) -> bool:
    """A by-election adds a mandate of a congress inside the user's regions (with no
    congress region: of a deputy inside them), the rule ``term_mandates_q`` applies to
    ending one."""
    paths = import_region_paths(user)
    if paths is None:
        return True
    if not can_manage_mandates(user, deputy):
        return False
    return congress_region is None or any(congress_region.path.startswith(p) for p in paths)


def can_view_unit_performance(user: User, unit: HandlingUnit) -> bool:
    """A unit's own staff and the county/city staff over the unit's region (oversight app)."""
    scope = scope_for(user)
    if scope.is_admin or unit.pk in scope.unit_ids:
        return True
    return scope.oversees(unit.region.path)


# --- two-factor sign-in: which accounts must use it (等保) ----------------------------------


def two_factor_required_for(user: User) -> bool:
    """System admins (and staff/superuser accounts) and county/city staff must sign in
    with a second factor; the other roles may."""
    if user.is_superuser or user.is_staff:
        return True
    scope = scope_for(user)
    return scope.is_admin or bool(scope.oversight_region_paths)
