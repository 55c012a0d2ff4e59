"""Seed (and reset) the demo data: N city trees, inserted table by table in bulk."""

from __future__ import annotations

import contextlib
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pgtrigger
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models.deletion import DO_NOTHING

from accounts.models import PersonalDataAccess, Role, RoleAssignment, User
from deputies.models import Deputy, DeputyGroup, LeadingCadre, Mandate
from liaison.demo import names as N
from liaison.demo.generate import YEAR, build_city
from motions.demo import APPEND_ONLY_TRIGGERS, seed_motions
from motions.demo import DEMO_MODELS as MOTION_MODELS
from onboarding.codes import assign_station_codes
from onboarding.models import DeputyKey, StationKey
from reports.models import (
    OverdueNow,
    ReportSnapshot,
    RollupDirty,
    StationActivity,
    StationTickets,
)
from stations.models import Region, Station, StationFunding, StationStaff
from suggestions.models import (
    Attachment,
    Category,
    Delivery,
    HandlingUnit,
    Reply,
    Ticket,
    TicketNumberCounter,
    TimelineEvent,
)
from suggestions.numbering import backfill_ticket_numbers
from visits.models import Attendance, ReceptionSession

DEFAULT_SEED = 20230630
DEMO_PASSWORD = "Liaison-demo-2023"  # noqa: S105 (the published demo password)
LULIANG_CODE = "141100000000"
BATCH_SIZE = 2000
DEMO_USERNAMES = ("admin", "city", "county", "chair", "officer", "deputy", "unit")

# Deleted children first (set-based, in dependency order).
DOMAIN_MODELS: list[type[models.Model]] = [
    *MOTION_MODELS,  # deputy suggestions and supervision items (motions.demo)
    # the reports' rollups and snapshots, then the tickets' handling records
    ReportSnapshot,
    StationActivity,
    StationTickets,
    OverdueNow,
    RollupDirty,
    Delivery,
    Reply,
    Attachment,
    TimelineEvent,
    Ticket,
    TicketNumberCounter,
    Attendance,
    ReceptionSession,
    Mandate,
    RoleAssignment,
    Deputy,
    DeputyGroup,
    LeadingCadre,
    HandlingUnit,
    StationStaff,
    StationFunding,
    Station,
    Region,
]


@dataclass
class Login:
    username: str
    role: str
    scope: str
    password: str = DEMO_PASSWORD


@dataclass
class SeedResult:
    created: bool
    logins: list[Login]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def demo_exists() -> bool:
    return Region.objects.filter(code=LULIANG_CODE).exists()


def tracked_trigger_uris() -> list[str]:
    """The pghistory audit triggers of the models the seeder writes (not other triggers)."""
    written = set(DOMAIN_MODELS)
    return [
        f"{m._meta.app_label}.{m._meta.object_name}:{t.name}"
        for m, t in pgtrigger.registered()
        if m in written and t.name.startswith(("insert", "update", "delete"))
    ]


@contextlib.contextmanager
def audit_paused(enabled: bool) -> Iterator[None]:
    """Seed data is not a user change: skip the audit triggers for this thread's inserts.

    ``pgtrigger.ignore`` sets a transaction-local flag the triggers check; they stay
    installed and fire again for every other connection and after the block."""
    if enabled and connection.vendor == "postgresql":
        with pgtrigger.ignore(*tracked_trigger_uris()):
            yield
    else:
        yield


def _delete_all(model: type[models.Model]) -> None:
    """One ``DELETE FROM table`` once nothing references its rows any more (children go
    first); otherwise Django's collector (e.g. for another app's rows pointing here)."""
    qs = model._base_manager.all()
    referencing = [
        rel
        for rel in model._meta.related_objects
        if rel.on_delete is not DO_NOTHING and rel.related_model is not model
    ]
    if any(
        rel.related_model._base_manager.filter(**{f"{rel.field.name}__isnull": False}).exists()
        for rel in referencing
    ):
        qs.delete()
    else:
        qs._raw_delete(qs.db)


def delete_demo_data() -> None:
    """Delete the domain data and the demo logins: set-based, children first."""
    PersonalDataAccess.objects.filter(user__username__in=DEMO_USERNAMES).delete()
    User.objects.filter(username__in=DEMO_USERNAMES).delete()
    DeputyGroup.objects.update(leader=None)  # break the deputy <-> group cycle
    append_only = (
        pgtrigger.ignore("suggestions.TimelineEvent:timeline_event_append_only", *APPEND_ONLY_TRIGGERS)
        if connection.vendor == "postgresql"
        else contextlib.nullcontext()
    )
    with append_only:  # the demo's own handling records go with its tickets
        for model in (StationKey, DeputyKey):  # the importer's keys go with their records
            _delete_all(model)
        for model in DOMAIN_MODELS:
            _delete_all(model)


def ensure_categories() -> dict[str, Category]:
    """The default categories (normally seeded by the data migration; a flushed test
    database may lack them)."""
    from importlib import import_module

    defaults = import_module("suggestions.migrations.0003_default_categories").DEFAULT_CATEGORIES
    Category.objects.bulk_create(
        [Category(code=c, name=n, sort_order=o) for c, n, o in defaults], ignore_conflicts=True
    )
    return {c.code: c for c in Category.objects.filter(is_active=True)}


def city_names(scale: int, seed: int) -> list[tuple[str, str, list[str] | None]]:
    """(code prefix, city name, county names) per copy: copy 1 is 吕梁市 with its real
    names, the others get generated distinct names and codes 9001…, 9002…; distinct also
    without their suffix (嘉泰县 and 嘉泰区 would both number tickets 嘉泰-2023-…)."""
    from suggestions.numbering import short_name

    rng = random.Random(f"liaison-demo-names:{seed}")
    taken = {short_name(N.CITY_NAME)} | {short_name(c[1]) for c in N.COUNTIES}
    out: list[tuple[str, str, list[str] | None]] = [(N.CITY_CODE4, N.CITY_NAME, None)]
    for k in range(1, scale):

        def fresh(suffix: str) -> str:
            while True:
                name = "".join(rng.sample(N.CITY_SYLLABLES, 2)) + suffix
                if short_name(name) not in taken:
                    taken.add(short_name(name))
                    return name

        counties = [fresh(real[-1]) for _s, real, _t in N.COUNTIES]
        out.append((f"{9000 + k:04d}", fresh("市"), counties))
    return out


def _bulk_insert(model: type[models.Model], rows: list, bar) -> None:
    for i in range(0, len(rows), BATCH_SIZE):
        chunk = rows[i : i + BATCH_SIZE]
        model.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
        if bar is not None:
            bar.update(len(chunk))


def _copy_insert(model: type[models.Model], rows: list, bar) -> None:
    """PostgreSQL: stream the rows with ``COPY … FROM STDIN`` (psycopg 3), skipping
    Django's per-row SQL compilation. Only for models whose primary keys are already set."""
    fields = model._meta.concrete_fields
    relations = [f for f in fields if f.is_relation]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # through the execute wrappers: sets pgtrigger's ignore flag
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # noqa: S608 (our own names)
            for n, obj in enumerate(rows, 1):
                for f in relations:  # ids of related rows saved after the object was built
                    if getattr(obj, f.attname) is None and f.is_cached(obj):
                        related = f.get_cached_value(obj)
                        if related is not None:
                            setattr(obj, f.attname, related.pk)
                copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])
                if bar is not None and n % BATCH_SIZE == 0:
                    bar.update(BATCH_SIZE)
    if bar is not None:
        bar.update(len(rows) % BATCH_SIZE)


def create_logins(scope: dict) -> list[Login]:
    """One login per role over the first city's scopes (one shared demo password)."""
    password_hash = make_password(DEMO_PASSWORD)
    specs = [
        ("admin", "系统管理员", Role.ADMIN, {}, "全部"),
        ("city", "市人大工作人员", Role.CITY_STAFF, {"region": scope["city"]}, scope["city"].name),
        ("county", "县人大工作人员", Role.COUNTY_STAFF, {"region": scope["county"]}, scope["county"].name),
        ("chair", "站长", Role.STATION_HEAD, {"region": scope["township"]}, scope["township"].name),
        ("officer", "联络员", Role.LIAISON_OFFICER, {"station": scope["station"]}, scope["station"].name),
        ("deputy", scope["deputy"].name, Role.DEPUTY, {"deputy": scope["deputy"]}, scope["deputy"].name),
        ("unit", "承办单位", Role.HANDLING_UNIT, {"handling_unit": scope["unit"]}, scope["unit"].name),
    ]
    logins = []
    for username, full_name, role, role_scope, label in specs:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "password": password_hash,
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
                "is_active": True,
            },
        )
        RoleAssignment.objects.get_or_create(user=user, role=role, **role_scope)
        logins.append(Login(username, role.label, label))
    return logins


def existing_logins() -> list[Login]:
    out = []
    for ra in RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES).select_related(
        "user", "station", "region", "deputy", "handling_unit"
    ):
        scope = ra.station or ra.region or ra.deputy or ra.handling_unit
        out.append(Login(ra.user.username, ra.get_role_display(), str(scope) if scope else "全部"))
    order = {u: i for i, u in enumerate(DEMO_USERNAMES)}
    return sorted(out, key=lambda lg: order.get(lg.username, 99))


def seed_demo(
    *,
    scale: int = 1,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    audit: bool = False,
    progress: bool = True,
    use_copy: bool = True,
) -> SeedResult:
    """Create ``scale`` city trees (Lüliang first) and the demo logins, in one transaction.

    Without ``reset`` an existing demo is left alone. ``audit=True`` lets the audit
    triggers record the seed inserts (slower; off by default). On PostgreSQL the tables
    after ``Region`` go in with COPY unless ``use_copy`` is false (then ``bulk_create``)."""
    started = time.monotonic()
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if demo_exists() and not reset:
        return SeedResult(created=False, logins=existing_logins())
    from tqdm import tqdm

    counts: dict[str, int] = {}
    with audit_paused(not audit), transaction.atomic():  # rollback first, then pgtrigger resets
        if reset:
            delete_demo_data()
        categories = ensure_categories()
        roots = Region.objects.get_root_nodes()
        last = roots.last()
        next_root = (int(last.path[: Region.steplen], 36) + 1) if last else 1
        scope = None
        bar = tqdm(total=0, unit="rows", disable=not progress, file=sys.stderr, desc="seed_demo")
        for k, (code4, city_name, county_names) in enumerate(city_names(scale, seed)):
            data = build_city(
                seed=seed,
                copy_index=k,
                root_step=next_root + k,
                city_code4=code4,
                city_name=city_name,
                county_names=county_names,
                categories=categories,
            )
            tables = [(Region, data.regions), *data.tables()]
            bar.total += sum(len(rows) for _m, rows in tables)
            bar.set_postfix_str(city_name)
            for model, rows in tables:
                copy_ok = use_copy and connection.vendor == "postgresql" and model is not Region
                (_copy_insert if copy_ok else _bulk_insert)(model, rows, bar)
                counts[model.__name__] = counts.get(model.__name__, 0) + len(rows)
            if k == 0:
                scope = data.login_scope
            del data
        bar.close()
        backfill_ticket_numbers()  # one set-based UPDATE (a window function per county and year)
        assign_station_codes(Station, StationKey)  # so a county's stations file matches them
        counts.update(seed_motions(scope=scope, seed=seed, year=YEAR))  # the login county's
        logins = create_logins(scope)
    return SeedResult(created=True, logins=logins, counts=counts, seconds=time.monotonic() - started)


def database_label() -> str:
    db = settings.DATABASES["default"]
    return f"{connection.vendor}:{db.get('NAME')}"
