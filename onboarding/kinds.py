"""The kinds of roster: their columns, how a file's rows are checked against the database
(the plan: what would be created, updated, left unchanged, and every problem) and how a
plan is applied.

Every check is set-based: a kind reads the rows, collects the keys they name, looks all
of them up in one query per table, and decides row by row in memory; applying is
``bulk_create``/``bulk_update`` in batches, never a query per row."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Max, Q
from django.db.models.functions import Length, Substr
from django.utils import timezone

from accounts.models import ROLE_SCOPE_FIELD, Role, RoleAssignment, User
from deputies.models import Deputy, DeputyGroup, LeadingCadre, Level, Mandate
from onboarding.cells import id_number_facts, id_number_hash
from onboarding.models import DeputyKey, ImportKind, StationKey
from onboarding.sheets import Column, Problem, RowPlan, display, parse_row
from stations.models import Region, RegionLevel, Station, StationStaff
from suggestions.models import HandlingUnit

BATCH = 2000
YES_NO = (("是", True), ("否", False))


@dataclass(frozen=True)
class ImportScope:
    """Where an importer may write: ``paths`` are region subtrees; ``None`` is everywhere
    (a system admin). Decided by ``liaison.scoping.import_region_paths``."""

    paths: tuple[str, ...] | None

    def covers(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(p) for p in self.paths)


OUT_OF_SCOPE = "不在您的管辖范围内，不能导入"


@dataclass
class Plan:
    problems: list[Problem] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    apply: Callable[[], None] = lambda: None

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def _compare(obj, values: dict, labels: dict[str, str]) -> dict[str, list[str]]:
    """Fields whose value differs: ``{label: [before, after]}``; sets them on ``obj``."""
    changes = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value:
            changes[labels.get(name, name)] = [display(before), display(value)]
            setattr(obj, name, value)
    return changes


def _bump(objs: Iterable) -> None:
    """What ``SyncedModel.save`` does, for ``bulk_update``."""
    now = timezone.now()
    for obj in objs:
        obj.version += 1
        obj.updated_at = now


class Kind:
    key: str
    title: str
    columns: list[Column]
    example: dict[str, str]
    notes: tuple[str, ...] = ()

    def plan(self, rows: Iterable[tuple[int, dict]], *, scope: ImportScope) -> Plan:
        raise NotImplementedError

    def labels(self) -> dict[str, str]:
        return {c.field: c.label for c in self.columns}

    def label(self, name: str) -> str:
        return self.labels()[name]

    def parsed(self, rows, plan: Plan) -> list[tuple[int, dict]]:
        out = []
        cache: dict = {}
        for number, raw in rows:
            values = parse_row(number, raw, self.columns, plan.problems, cache)
            if values is not None:
                out.append((number, values))
        return out


def _duplicate(plan: Plan, seen: dict, key, number: int, column: str, what: str) -> bool:
    if key in seen:
        plan.problems.append(Problem(number, column, f"与第{seen[key]}行重复（同一{what}）"))
        return True
    seen[key] = number
    return False


# --- regions ---------------------------------------------------------------------------

LEVEL_CHOICES = tuple((label, level) for level, label in RegionLevel.choices)


def derived_level(code: str) -> int:
    """A division code's level by its zero tail: 1411 00 000 000 a city, 141102 000 000 a
    county, 141102 001 000 a township, anything else a village."""
    if code[4:] == "0" * 8:
        return RegionLevel.CITY
    if code[6:] == "0" * 6:
        return RegionLevel.COUNTY
    if code[9:] == "000":
        return RegionLevel.TOWNSHIP
    return RegionLevel.VILLAGE


def ancestor_codes(code: str) -> list[str]:
    """The codes that may be this code's parent, nearest first."""
    out = []
    for keep in (9, 6, 4, 2):
        candidate = code[:keep] + "0" * (12 - keep)
        if candidate != code and candidate not in out:
            out.append(candidate)
    return out


class RegionKind(Kind):
    key = ImportKind.REGIONS
    title = "行政区划"
    columns = [
        Column("code", "区划代码", True, "code12", help="12位统计用区划代码，如 141102001000", width=18),
        Column("name", "名称", True, max_length=64, help="如 城北街道"),
        Column(
            "parent_code",
            "上级区划代码",
            False,
            "code12",
            help="可不填：按代码推算（县级代码前6位、乡镇前9位）",
        ),
        Column("level", "层级", False, "choice", LEVEL_CHOICES, help="可不填：按上级推算"),
    ]
    example = {
        "code": "141102001000",
        "name": "城北街道",
        "parent_code": "141102000000",
        "level": "乡镇（街道）",
    }
    notes = (
        "上级须已在系统中，或在本文件中先于或后于本行列出均可。",
        "已有区划只能改名称，不能通过导入调整上级。",
    )

    def plan(self, rows, *, scope):
        plan = Plan()
        parsed = self.parsed(rows, plan)
        wanted = set()
        for _, v in parsed:
            wanted.add(v["code"])
            wanted.update([v["parent_code"]] if v["parent_code"] else ancestor_codes(v["code"]))
        existing = {r.code: r for r in Region.objects.filter(code__in=wanted)}
        in_file: dict[str, tuple[int, dict]] = {}
        seen: dict = {}
        for number, v in parsed:
            if not _duplicate(plan, seen, v["code"], number, self.label("code"), "区划代码"):
                in_file[v["code"]] = (number, v)

        def parent_code_of(v) -> str | None:
            if v["parent_code"]:
                return v["parent_code"]
            for c in ancestor_codes(v["code"]):
                if c in existing or c in in_file:
                    return c
            return None

        updates: list[Region] = []
        new: dict[str, dict] = {}  # code -> {"number", "values", "parent"}
        for code, (number, v) in in_file.items():
            region = existing.get(code)
            if region is not None:
                if not scope.covers(region.path):
                    plan.problems.append(Problem(number, self.label("code"), OUT_OF_SCOPE))
                    continue
                if v["parent_code"] and not region.path.startswith(
                    existing[v["parent_code"]].path if v["parent_code"] in existing else "\0"
                ):
                    plan.problems.append(
                        Problem(number, self.label("parent_code"), "已有区划不能通过导入调整上级区划")
                    )
                    continue
                if v["level"] and v["level"] != region.level:
                    plan.problems.append(Problem(number, self.label("level"), "与系统中该区划的层级不一致"))
                    continue
                changes = _compare(region, {"name": v["name"]}, self.labels())
                if changes:
                    updates.append(region)
                plan.rows.append(
                    RowPlan(number, "update" if changes else "unchanged", f"{code} {v['name']}", changes)
                )
                continue
            parent = parent_code_of(v)
            if parent is not None and parent not in existing and parent not in in_file:
                plan.problems.append(Problem(number, self.label("parent_code"), f"上级区划“{parent}”不存在"))
                continue
            new[code] = {"number": number, "values": v, "parent": parent}

        # paths for the new regions: after the last existing child of each parent
        parent_paths = {existing[n["parent"]].path for n in new.values() if n["parent"] in existing}
        last_child: dict[str, int] = {}
        if parent_paths:
            for row in (
                Region.objects.annotate(pp=Substr("path", 1, Length("path") - Region.steplen))
                .filter(pp__in=parent_paths)
                .values("pp")
                .annotate(last=Max("path"))
            ):
                last_child[row["pp"]] = Region._str2int(row["last"][-Region.steplen :])
        if any(n["parent"] is None for n in new.values()):
            last_root = Region.objects.filter(depth=1).aggregate(last=Max("path"))["last"]
            last_child[""] = Region._str2int(last_root) if last_root else 0
        placed: dict[str, Region] = {}
        failed: set[str] = set()

        def place(code: str, trail: tuple = ()) -> Region | None:
            if code in existing:
                return existing[code]
            if code in placed:
                return placed[code]
            if code in failed or code in trail or code not in new:
                return None
            n = new[code]
            v = n["values"]
            parent = place(n["parent"], (*trail, code)) if n["parent"] else None
            if n["parent"] and parent is None:
                failed.add(code)
                plan.problems.append(
                    Problem(n["number"], self.label("parent_code"), "上级区划有误，无法导入本行")
                )
                return None
            base = parent.path if parent else ""
            step = last_child.get(base, 0) + 1
            last_child[base] = step
            depth = parent.depth + 1 if parent else 1
            level = parent.level + 1 if parent else (v["level"] or derived_level(code))
            if v["level"] and v["level"] != level:
                failed.add(code)
                plan.problems.append(Problem(n["number"], self.label("level"), "层级应比上级低一级"))
                return None
            if level > RegionLevel.VILLAGE:
                failed.add(code)
                plan.problems.append(Problem(n["number"], self.label("code"), "村（社区）以下不能再设区划"))
                return None
            region = Region(
                code=code,
                name=v["name"],
                level=level,
                depth=depth,
                numchild=0,
                path=Region._get_path(base, depth, step),
            )
            if not scope.covers(region.path):
                failed.add(code)
                plan.problems.append(Problem(n["number"], self.label("code"), OUT_OF_SCOPE))
                return None
            if parent is not None:
                parent.numchild += 1
                if parent.code in existing:
                    grown.add(parent.code)
            placed[code] = region
            plan.rows.append(RowPlan(n["number"], "create", f"{code} {v['name']}"))
            return region

        grown: set[str] = set()
        for code in new:
            place(code)

        def apply() -> None:
            Region.objects.bulk_update(updates, ["name"], batch_size=BATCH)
            Region.objects.bulk_create(placed.values(), batch_size=BATCH)
            Region.objects.bulk_update([existing[c] for c in grown], ["numchild"], batch_size=BATCH)

        plan.apply = apply
        plan.rows.sort(key=lambda r: r.row)
        return plan


# --- stations --------------------------------------------------------------------------


class StationKind(Kind):
    key = ImportKind.STATIONS
    title = "联络站（点）"
    columns = [
        Column("code", "站点编号", True, "key", help="本县自定的唯一编号，如 LS-CB-01；再次导入按此更新"),
        Column("name", "名称", True, help="如 城北街道人大代表联络站"),
        Column("kind", "类型", True, "choice", tuple((lbl, v) for v, lbl in Station.Kind.choices)),
        Column("parent_code", "上级站点编号", False, "key", help="联络点必填：所属联络站的编号"),
        Column("region_code", "所在区划代码", True, "code12", width=18),
        Column("address", "地址", False, max_length=200, width=30),
        Column("latitude", "纬度", False, "decimal"),
        Column("longitude", "经度", False, "decimal"),
        Column("themed_base", "主题基地", False, help="如“九大基地”之一；无则留空"),
        Column("established_on", "建站日期", False, "date"),
        Column(
            "status",
            "状态",
            False,
            "choice",
            tuple((lbl, v) for v, lbl in Station.Status.choices),
            help="不填为运行中",
        ),
    ]
    example = {
        "code": "LS-CB-01",
        "name": "城北街道人大代表联络站",
        "kind": "联络站",
        "parent_code": "",
        "region_code": "141102001000",
        "address": "离石区城北街道龙凤南路1号",
        "latitude": "37.5177",
        "longitude": "111.1443",
        "themed_base": "",
        "established_on": "2021-06-01",
        "status": "运行中",
    }
    notes = ("联络点的上级站点可以在本文件中，也可以已在系统中。",)

    FIELDS = ("name", "kind", "address", "latitude", "longitude", "themed_base", "established_on", "status")

    def plan(self, rows, *, scope):
        plan = Plan()
        parsed = self.parsed(rows, plan)
        codes = {v["code"] for _, v in parsed} | {v["parent_code"] for _, v in parsed if v["parent_code"]}
        keys = {
            k.code: k for k in StationKey.objects.filter(code__in=codes).select_related("station__region")
        }
        regions = {r.code: r for r in Region.objects.filter(code__in={v["region_code"] for _, v in parsed})}
        seen: dict = {}
        rows_ok = [
            (n, v)
            for n, v in parsed
            if not _duplicate(plan, seen, v["code"], n, self.label("code"), "站点编号")
        ]
        file_kinds = {v["code"]: v["kind"] for _, v in rows_ok}
        new_ids = {v["code"]: uuid.uuid4() for _, v in rows_ok if v["code"] not in keys}
        # stations made before the importer (the admin, the demo) without a code: a row
        # naming one by its region and name adopts it (gives it the row's code), one query
        unkeyed = {
            (s.region_id, s.name): s
            for s in Station.objects.filter(
                import_key__isnull=True,
                region__in=[r.pk for r in regions.values()],
                name__in={v["name"] for _, v in rows_ok if v["code"] not in keys},
            ).select_related("region")
        }
        adopted: set = set()
        for _, v in rows_ok:
            region = regions.get(v["region_code"])
            station = unkeyed.get((region.pk, v["name"])) if region and v["code"] not in keys else None
            if station is not None and station.pk not in adopted:
                adopted.add(station.pk)
                new_ids[v["code"]] = station.pk
                keys[v["code"]] = StationKey(station=station, code=v["code"])
        creates: list[Station] = []
        new_keys: list[StationKey] = [keys[c] for c in keys if keys[c].pk is None]
        updates: list[Station] = []
        for number, v in rows_ok:
            region = regions.get(v["region_code"])
            if region is None:
                plan.problems.append(
                    Problem(number, self.label("region_code"), f"区划“{v['region_code']}”不存在")
                )
                continue
            if not scope.covers(region.path):
                plan.problems.append(Problem(number, self.label("region_code"), OUT_OF_SCOPE))
                continue
            parent_id = None
            if v["parent_code"]:
                if v["parent_code"] == v["code"]:
                    plan.problems.append(Problem(number, self.label("parent_code"), "不能以自身为上级站"))
                    continue
                if v["parent_code"] in keys:
                    parent = keys[v["parent_code"]].station
                    parent_id, parent_kind = parent.pk, parent.kind
                elif v["parent_code"] in new_ids or v["parent_code"] in file_kinds:
                    parent_id, parent_kind = new_ids.get(v["parent_code"]), file_kinds[v["parent_code"]]
                else:
                    plan.problems.append(
                        Problem(number, self.label("parent_code"), f"上级站点“{v['parent_code']}”不存在")
                    )
                    continue
                if parent_kind == Station.Kind.POINT:
                    plan.problems.append(Problem(number, self.label("parent_code"), "联络点下不能再设站点"))
                    continue
            elif v["kind"] == Station.Kind.POINT:
                plan.problems.append(
                    Problem(number, self.label("parent_code"), "联络点必须填写所属联络站编号")
                )
                continue
            values = {f: v[f] for f in self.FIELDS}
            values["status"] = values["status"] or Station.Status.ACTIVE
            values["address"] = values["address"] or ""
            values["themed_base"] = values["themed_base"] or ""
            key = keys.get(v["code"])
            label = f"{v['code']} {v['name']}"
            if key is None:
                creates.append(Station(id=new_ids[v["code"]], region=region, parent_id=parent_id, **values))
                new_keys.append(StationKey(station_id=new_ids[v["code"]], code=v["code"]))
                plan.rows.append(RowPlan(number, "create", label))
                continue
            station = key.station
            if not scope.covers(station.region.path):
                plan.problems.append(Problem(number, self.label("code"), OUT_OF_SCOPE))
                continue
            changes = _compare(station, values, self.labels())
            if key.pk is None:  # adopted: it gets its code now
                changes[self.label("code")] = ["（空）", v["code"]]
            if station.region_id != region.pk:
                changes[self.label("region_code")] = [station.region.code, region.code]
                station.region = region
            if station.parent_id != parent_id:
                changes[self.label("parent_code")] = [
                    "（原上级）" if station.parent_id else "（空）",
                    v["parent_code"] or "（空）",
                ]
                station.parent_id = parent_id
            if changes:
                updates.append(station)
            plan.rows.append(RowPlan(number, "update" if changes else "unchanged", label, changes))

        def apply() -> None:
            Station.objects.bulk_create(creates, batch_size=BATCH)
            StationKey.objects.bulk_create(new_keys, batch_size=BATCH)
            _bump(updates)
            Station.objects.bulk_update(
                updates, [*self.FIELDS, "region", "parent", "version", "updated_at"], batch_size=BATCH
            )

        plan.apply = apply
        return plan


# --- deputies and their mandates -------------------------------------------------------

LEVELS = tuple((label, value) for value, label in Level.choices)
GENDERS = tuple((label, value) for value, label in Deputy.Gender.choices)


@dataclass
class _NewDeputy:
    """A person the file adds: their id and values until the plan is applied."""

    pk: uuid.UUID
    values: dict


class DeputyKind(Kind):
    """One row per mandate: a person holding two levels is two rows with the same code or
    ID number; a re-elected person's new term is a new row on the same person."""

    key = ImportKind.DEPUTIES
    title = "人大代表及代表资格"
    columns = [
        Column("code", "代表编号", False, "key", help="代表编号与身份证号至少填一项；再次导入按此匹配"),
        Column("id_number", "身份证号", False, "id_number", help="18位，系统只保存其加密摘要", width=22),
        Column("name", "姓名", True, max_length=50),
        Column("gender", "性别", False, "choice", GENDERS, help="填身份证号时可不填"),
        Column("birth_year", "出生年份", False, "int"),
        Column("ethnicity", "民族", False, max_length=20, help="不填为汉族"),
        Column("occupation", "职业/单位职务", False, width=24),
        Column("phone", "联系电话", False, "phone", help="手机11位或带区号的座机"),
        Column("home_station", "所在联络站编号", True, "key", help="联络站（点）模板中的站点编号"),
        Column("group", "代表小组", False, help="所在联络站的代表小组名称；没有的会新建"),
        Column("level", "代表层级", True, "choice", LEVELS),
        Column("term", "届次", True, "term", help="如 16 或 第十六届"),
        Column(
            "congress_region",
            "所属人大区划代码",
            False,
            "code12",
            help="市、县、乡镇级代表所属人大的区划",
            width=18,
        ),
        Column("constituency", "选区/选举单位", False),
        Column("started_on", "任期开始", True, "date"),
        Column("ended_on", "任期结束", False, "date", help="在任的不填"),
        Column("by_election", "是否补选", False, "bool", YES_NO, help="届中补选产生的填“是”；不填为“否”"),
    ]
    example = {
        "code": "LS-0001",
        "id_number": "11010519491231002X",
        "name": "张晓梅",
        "gender": "女",
        "birth_year": "",
        "ethnicity": "汉族",
        "occupation": "城北街道龙凤社区党支部书记",
        "phone": "13912345678",
        "home_station": "LS-CB-01",
        "group": "城北第一代表小组",
        "level": "县级",
        "term": "18",
        "congress_region": "141102000000",
        "constituency": "城北街道第三选区",
        "started_on": "2021-10-01",
        "ended_on": "",
    }
    notes = (
        "每行一个代表资格：同一人兼任多级代表的，写多行，代表编号或身份证号相同。",
        "换届后导入新一届名册：连任代表沿用原代表编号或身份证号，系统为其增加新一届代表资格，保留以往届次。",
    )

    DEPUTY_FIELDS = (
        "name",
        "gender",
        "birth_year",
        "ethnicity",
        "occupation",
        "phone",
        "home_station",
        "group",
    )
    MANDATE_FIELDS = ("congress_region", "constituency", "started_on", "ended_on", "status", "by_election")

    def plan(self, rows, *, scope):
        plan = Plan()
        parsed = self.parsed(rows, plan)
        for _, v in parsed:
            v["id_hash"] = id_number_hash(v["id_number"]) if v["id_number"] else None
        codes = {v["code"] for _, v in parsed if v["code"]}
        hashes = {v["id_hash"] for _, v in parsed if v["id_hash"]}
        keys = list(
            DeputyKey.objects.filter(Q(code__in=codes) | Q(id_number_hash__in=hashes)).select_related(
                "deputy"
            )
        )
        by_code = {k.code: k for k in keys if k.code}
        by_hash = {k.id_number_hash: k for k in keys if k.id_number_hash}
        stations = {
            k.code: k.station
            for k in StationKey.objects.filter(
                code__in={v["home_station"] for _, v in parsed}
            ).select_related("station__region")
        }
        regions = {
            r.code: r
            for r in Region.objects.filter(
                code__in={v["congress_region"] for _, v in parsed if v["congress_region"]}
            )
        }
        groups = {
            (g.station_id, g.name): g
            for g in DeputyGroup.objects.filter(
                station__in=[s.pk for s in stations.values()],
                name__in={v["group"] for _, v in parsed if v["group"]},
            )
        }
        # the known deputies' stations and groups, one instance each (not one per deputy:
        # a re-import of 20,000 rows built 127,000 model instances, half of them copies)
        by_station = {s.pk: s for s in stations.values()}
        missing = {k.deputy.home_station_id for k in keys} - by_station.keys()
        if missing:
            by_station.update(
                {s.pk: s for s in Station.objects.filter(pk__in=missing).select_related("region")}
            )
        group_ids = {k.deputy.group_id for k in keys if k.deputy.group_id}
        by_group = {g.pk: g for g in DeputyGroup.objects.filter(pk__in=group_ids)} if group_ids else {}
        for k in keys:
            k.deputy.home_station = by_station[k.deputy.home_station_id]
            k.deputy.group = by_group.get(k.deputy.group_id)
        mandates = {
            (m.deputy_id, m.level, m.term): m
            for m in Mandate.objects.filter(deputy__in=[k.deputy_id for k in keys]).select_related(
                "congress_region"
            )
        }
        people: dict[str, dict] = {}  # file identity -> {"deputy", "number", "values", "new"}
        alias: dict[str, str] = {}
        seen_mandates: dict = {}
        # what a confirm would create, as plain values: the model instances are built only
        # when applied (building 60,000 of them was a fifth of a 20,000-row preview)
        new_deputies: list[_NewDeputy] = []
        new_keys: list[tuple] = []  # (deputy pk, code, ID-number hash)
        key_updates: list[DeputyKey] = []
        deputy_updates: list[Deputy] = []
        new_groups: dict[tuple, DeputyGroup] = {}
        new_mandates: list[tuple] = []  # (deputy pk, level, term, values)
        mandate_updates: list[Mandate] = []
        labels = self.labels()
        today = timezone.localdate()
        level_labels = {value: str(label) for value, label in Level.choices}  # once, not per row

        for number, v in parsed:
            if not v["code"] and not v["id_hash"]:
                plan.problems.append(Problem(number, self.label("code"), "代表编号与身份证号至少填写一项"))
                continue
            if v["id_number"]:
                year, gender = id_number_facts(v["id_number"])
                if v["gender"] and v["gender"] != gender:
                    plan.problems.append(Problem(number, self.label("gender"), "性别与身份证号不符"))
                    continue
                v["gender"] = gender
                v["birth_year"] = v["birth_year"] or year
            if not v["gender"]:
                plan.problems.append(Problem(number, self.label("gender"), "未填身份证号时“性别”为必填项"))
                continue
            station = stations.get(v["home_station"])
            if station is None:
                plan.problems.append(
                    Problem(number, self.label("home_station"), f"联络站“{v['home_station']}”不存在")
                )
                continue
            if not scope.covers(station.region.path):
                plan.problems.append(Problem(number, self.label("home_station"), OUT_OF_SCOPE))
                continue
            congress = None
            if v["congress_region"]:
                congress = regions.get(v["congress_region"])
                if congress is None:
                    plan.problems.append(
                        Problem(number, self.label("congress_region"), f"区划“{v['congress_region']}”不存在")
                    )
                    continue
            if v["ended_on"] and v["ended_on"] < v["started_on"]:
                plan.problems.append(Problem(number, self.label("ended_on"), "任期结束不能早于开始"))
                continue
            identity = v["code"] or alias.get(v["id_hash"]) or f"id:{v['id_hash']}"
            if v["code"] and v["id_hash"]:
                alias[v["id_hash"]] = v["code"]
            # the person in the database
            key = by_code.get(v["code"]) if v["code"] else None
            key_by_hash = by_hash.get(v["id_hash"]) if v["id_hash"] else None
            if key and key_by_hash and key.pk != key_by_hash.pk:
                plan.problems.append(
                    Problem(number, self.label("id_number"), "该身份证号已属于另一代表编号的代表")
                )
                continue
            key = key or key_by_hash
            group_name = v["group"]
            group = None
            if group_name:
                group = groups.get((station.pk, group_name)) or new_groups.get((station.pk, group_name))
                if group is None:
                    group = DeputyGroup(id=uuid.uuid4(), station=station, name=group_name)
                    new_groups[(station.pk, group_name)] = group
            deputy_values = {
                "name": v["name"],
                "gender": v["gender"],
                "birth_year": v["birth_year"],
                "ethnicity": v["ethnicity"] or "汉族",
                "occupation": v["occupation"] or "",
                "phone": v["phone"] or "",
                "home_station": station,
                "group": group,
            }
            person = people.get(identity)
            changes: dict = {}
            if person is None:
                if key is None:
                    deputy = _NewDeputy(uuid.uuid4(), deputy_values)
                    new_deputies.append(deputy)
                    new_keys.append((deputy.pk, v["code"], v["id_hash"]))
                    person = {"deputy": deputy, "number": number, "values": deputy_values, "new": True}
                else:
                    deputy = key.deputy
                    if not scope.covers(deputy.home_station.region.path):
                        plan.problems.append(Problem(number, self.label("code"), OUT_OF_SCOPE))
                        continue
                    changes = _compare(deputy, deputy_values, labels)
                    if changes:
                        deputy_updates.append(deputy)
                    if (v["code"] and key.code != v["code"]) or (
                        v["id_hash"] and key.id_number_hash != v["id_hash"]
                    ):
                        if v["code"] and key.code != v["code"]:
                            changes[self.label("code")] = [display(key.code), v["code"]]
                            key.code = v["code"]
                        if v["id_hash"] and key.id_number_hash != v["id_hash"]:
                            changes[self.label("id_number")] = [
                                "（空）" if not key.id_number_hash else "（原值）",
                                "（已填）",
                            ]
                            key.id_number_hash = v["id_hash"]
                        key_updates.append(key)
                    person = {"deputy": deputy, "number": number, "values": deputy_values, "new": False}
                people[identity] = person
            else:
                differs = [
                    labels[f]
                    for f in self.DEPUTY_FIELDS
                    if f != "group" and person["values"][f] != deputy_values[f]
                ]
                if differs:
                    plan.problems.append(
                        Problem(
                            number,
                            differs[0],
                            f"与第{person['number']}行同一代表的信息不一致（{'、'.join(differs)}）",
                        )
                    )
                    continue
            deputy = person["deputy"]
            mkey = (deputy.pk, v["level"], v["term"])
            if _duplicate(plan, seen_mandates, mkey, number, self.label("term"), "代表的同一层级同一届次"):
                continue
            status = (
                Mandate.Status.ENDED if v["ended_on"] and v["ended_on"] < today else Mandate.Status.SERVING
            )
            mandate_values = {
                "congress_region": congress,
                "constituency": v["constituency"] or "",
                "started_on": v["started_on"],
                "ended_on": v["ended_on"],
                "status": status,
                "by_election": bool(v["by_election"]),
            }
            label = f"{v['name']} · {level_labels[v['level']]}第{v['term']}届"
            mandate = mandates.get(mkey)
            if mandate is None:
                new_mandates.append((deputy.pk, v["level"], v["term"], mandate_values))
                if person["new"]:
                    plan.rows.append(RowPlan(number, "create", label))
                else:  # a known person's new mandate (a re-election, a second level)
                    changes = {**changes, "代表资格": ["（无）", f"新增第{v['term']}届"]}
                    plan.rows.append(RowPlan(number, "update", label, changes))
                continue
            if mandate.status in (Mandate.Status.TERMINATED, Mandate.Status.RESIGNED):
                # a termination or resignation (its date and reason) is not undone by a roster
                mandate_values["status"] = mandate.status
                mandate_values["ended_on"] = mandate.ended_on
            mchanges = _compare(mandate, mandate_values, {"status": "状态", **labels})
            if mchanges:
                mandate_updates.append(mandate)
            changes = {**changes, **mchanges}
            plan.rows.append(RowPlan(number, "update" if changes else "unchanged", label, changes))

        def apply() -> None:
            DeputyGroup.objects.bulk_create(new_groups.values(), batch_size=BATCH)
            Deputy.objects.bulk_create([Deputy(id=d.pk, **d.values) for d in new_deputies], batch_size=BATCH)
            DeputyKey.objects.bulk_create(
                [DeputyKey(deputy_id=pk, code=code, id_number_hash=h) for pk, code, h in new_keys],
                batch_size=BATCH,
            )
            DeputyKey.objects.bulk_update(key_updates, ["code", "id_number_hash"], batch_size=BATCH)
            _bump(deputy_updates)
            Deputy.objects.bulk_update(
                deputy_updates, [*self.DEPUTY_FIELDS, "version", "updated_at"], batch_size=BATCH
            )
            Mandate.objects.bulk_create(
                [
                    Mandate(deputy_id=pk, level=level, term=term, **values)
                    for pk, level, term, values in new_mandates
                ],
                batch_size=BATCH,
            )
            _bump(mandate_updates)
            Mandate.objects.bulk_update(
                mandate_updates, [*self.MANDATE_FIELDS, "version", "updated_at"], batch_size=BATCH
            )

        plan.apply = apply
        return plan


# --- deputy groups and their leaders ----------------------------------------------------


class DeputyGroupKind(Kind):
    """The deputy groups (代表小组) of each station and their leaders (组长); matched on
    station + name. The leader is named by their deputy code or ID number, and must be a
    deputy of the same station; the members come from the deputies' file."""

    key = ImportKind.DEPUTY_GROUPS
    title = "代表小组及组长"
    columns = [
        Column("station", "站点编号", True, "key", help="联络站（点）模板中的站点编号"),
        Column("name", "小组名称", True, help="同一站点内名称唯一；再次导入按“站点+名称”更新"),
        Column("leader_code", "组长代表编号", False, "key", help="组长的代表编号；无组长留空"),
        Column(
            "leader_id_number",
            "组长身份证号",
            False,
            "id_number",
            help="未填代表编号时可填身份证号",
            width=22,
        ),
    ]
    example = {
        "station": "LS-CB-01",
        "name": "城北第一代表小组",
        "leader_code": "LS-0001",
        "leader_id_number": "",
    }
    notes = ("组长须是本站点的代表：请先导入联络站（点）和人大代表名册。",)

    def plan(self, rows, *, scope):
        plan = Plan()
        parsed = self.parsed(rows, plan)
        stations = {
            k.code: k.station
            for k in StationKey.objects.filter(code__in={v["station"] for _, v in parsed}).select_related(
                "station__region"
            )
        }
        for _, v in parsed:
            v["leader_hash"] = id_number_hash(v["leader_id_number"]) if v["leader_id_number"] else None
        keys = DeputyKey.objects.filter(
            Q(code__in={v["leader_code"] for _, v in parsed if v["leader_code"]})
            | Q(id_number_hash__in={v["leader_hash"] for _, v in parsed if v["leader_hash"]})
        ).select_related("deputy")
        by_code = {k.code: k.deputy for k in keys if k.code}
        by_hash = {k.id_number_hash: k.deputy for k in keys if k.id_number_hash}
        groups = {
            (g.station_id, g.name): g
            for g in DeputyGroup.objects.filter(
                station__in=[s.pk for s in stations.values()], name__in={v["name"] for _, v in parsed}
            ).select_related("leader")
        }
        seen: dict = {}
        creates, updates = [], []
        for number, v in parsed:
            if _duplicate(
                plan, seen, (v["station"], v["name"]), number, self.label("name"), "站点的小组名称"
            ):
                continue
            station = stations.get(v["station"])
            if station is None:
                plan.problems.append(Problem(number, self.label("station"), f"站点“{v['station']}”不存在"))
                continue
            if not scope.covers(station.region.path):
                plan.problems.append(Problem(number, self.label("station"), OUT_OF_SCOPE))
                continue
            leader = None
            if v["leader_code"] or v["leader_hash"]:
                column = self.label("leader_code" if v["leader_code"] else "leader_id_number")
                leader = by_code.get(v["leader_code"]) if v["leader_code"] else by_hash.get(v["leader_hash"])
                if leader is None:
                    plan.problems.append(Problem(number, column, "找不到该代表，请先导入人大代表名册"))
                    continue
                if leader.home_station_id != station.pk:
                    plan.problems.append(Problem(number, column, "组长须是本站点的代表"))
                    continue
            label = f"{station.name} · {v['name']}"
            group = groups.get((station.pk, v["name"]))
            if group is None:
                creates.append(DeputyGroup(station=station, name=v["name"], leader=leader))
                plan.rows.append(RowPlan(number, "create", label))
                continue
            changes = {}
            if group.leader_id != (leader.pk if leader else None):
                changes["组长"] = [
                    display(group.leader.name if group.leader_id else None),
                    display(leader.name if leader else None),
                ]
                group.leader = leader
                updates.append(group)
            plan.rows.append(RowPlan(number, "update" if changes else "unchanged", label, changes))

        def apply() -> None:
            DeputyGroup.objects.bulk_create(creates, batch_size=BATCH)
            _bump(updates)
            DeputyGroup.objects.bulk_update(updates, ["leader", "version", "updated_at"], batch_size=BATCH)

        plan.apply = apply
        return plan


# --- leading cadres ------------------------------------------------------------------------


class CadreKind(Kind):
    """City and county leading cadres (领导干部) who receive citizens at the stations;
    matched on region + name, so a new title (a new post) updates in place."""

    key = ImportKind.CADRES
    title = "领导干部"
    columns = [
        Column("name", "姓名", True, max_length=50),
        Column("title", "职务", True, help="如 区人大常委会副主任"),
        Column("level", "层级", True, "choice", tuple((lbl, v) for v, lbl in LeadingCadre.Level.choices)),
        Column(
            "region_code",
            "所在区划代码",
            True,
            "code12",
            help="市级干部填市的代码，县级干部填县（市、区）的代码；再次导入按“区划+姓名”更新",
            width=18,
        ),
        Column("phone", "联系电话", False, "phone"),
    ]
    example = {
        "name": "王志宏",
        "title": "离石区人大常委会副主任",
        "level": "县级",
        "region_code": "141102000000",
        "phone": "0358-8221234",
    }
    LEVEL_OF = {LeadingCadre.Level.CITY: RegionLevel.CITY, LeadingCadre.Level.COUNTY: RegionLevel.COUNTY}

    def plan(self, rows, *, scope):
        plan = Plan()
        parsed = self.parsed(rows, plan)
        regions = {r.code: r for r in Region.objects.filter(code__in={v["region_code"] for _, v in parsed})}
        cadres = {
            (c.region_id, c.name): c
            for c in LeadingCadre.objects.filter(
                region__in=[r.pk for r in regions.values()], name__in={v["name"] for _, v in parsed}
            )
        }
        seen: dict = {}
        creates, updates = [], []
        for number, v in parsed:
            if _duplicate(
                plan, seen, (v["region_code"], v["name"]), number, self.label("name"), "区划内的姓名"
            ):
                continue
            region = regions.get(v["region_code"])
            if region is None:
                plan.problems.append(
                    Problem(number, self.label("region_code"), f"区划“{v['region_code']}”不存在")
                )
                continue
            if not scope.covers(region.path):
                plan.problems.append(Problem(number, self.label("region_code"), OUT_OF_SCOPE))
                continue
            if region.level != self.LEVEL_OF[v["level"]]:
                plan.problems.append(
                    Problem(
                        number,
                        self.label("region_code"),
                        f"{LeadingCadre.Level(v['level']).label}干部应填{RegionLevel(self.LEVEL_OF[v['level']]).label}级区划",
                    )
                )
                continue
            values = {"title": v["title"], "level": v["level"], "phone": v["phone"] or ""}
            label = f"{region.name} · {v['name']}"
            cadre = cadres.get((region.pk, v["name"]))
            if cadre is None:
                creates.append(LeadingCadre(region=region, name=v["name"], **values))
                plan.rows.append(RowPlan(number, "create", label))
                continue
            changes = _compare(cadre, values, self.labels())
            if changes:
                updates.append(cadre)
            plan.rows.append(RowPlan(number, "update" if changes else "unchanged", label, changes))

        def apply() -> None:
            LeadingCadre.objects.bulk_create(creates, batch_size=BATCH)
            _bump(updates)
            LeadingCadre.objects.bulk_update(
                updates, ["title", "level", "phone", "version", "updated_at"], batch_size=BATCH
            )

        plan.apply = apply
        return plan


# --- handling units --------------------------------------------------------------------


class UnitKind(Kind):
    key = ImportKind.UNITS
    title = "承办单位"
    columns = [
        Column("name", "单位名称", True, help="同一区划内名称唯一；再次导入按“区划+名称”更新"),
        Column("kind", "单位类型", True, "choice", tuple((lbl, v) for v, lbl in HandlingUnit.Kind.choices)),
        Column("region_code", "服务区划代码", True, "code12", width=18),
        Column("is_active", "是否启用", False, "bool", YES_NO, help="不填为“是”"),
    ]
    example = {
        "name": "离石区交通运输局",
        "kind": "县级部门",
        "region_code": "141102000000",
        "is_active": "是",
    }

    def plan(self, rows, *, scope):
        plan = Plan()
        parsed = self.parsed(rows, plan)
        regions = {r.code: r for r in Region.objects.filter(code__in={v["region_code"] for _, v in parsed})}
        units = {
            (u.region_id, u.name): u
            for u in HandlingUnit.objects.filter(
                region__in=[r.pk for r in regions.values()], name__in={v["name"] for _, v in parsed}
            )
        }
        seen: dict = {}
        creates, updates = [], []
        for number, v in parsed:
            if _duplicate(
                plan, seen, (v["region_code"], v["name"]), number, self.label("name"), "区划内的单位名称"
            ):
                continue
            region = regions.get(v["region_code"])
            if region is None:
                plan.problems.append(
                    Problem(number, self.label("region_code"), f"区划“{v['region_code']}”不存在")
                )
                continue
            if not scope.covers(region.path):
                plan.problems.append(Problem(number, self.label("region_code"), OUT_OF_SCOPE))
                continue
            values = {"kind": v["kind"], "is_active": True if v["is_active"] is None else v["is_active"]}
            unit = units.get((region.pk, v["name"]))
            label = f"{region.name} · {v['name']}"
            if unit is None:
                creates.append(HandlingUnit(region=region, name=v["name"], **values))
                plan.rows.append(RowPlan(number, "create", label))
                continue
            changes = _compare(unit, values, self.labels())
            if changes:
                updates.append(unit)
            plan.rows.append(RowPlan(number, "update" if changes else "unchanged", label, changes))

        def apply() -> None:
            HandlingUnit.objects.bulk_create(creates, batch_size=BATCH)
            _bump(updates)
            HandlingUnit.objects.bulk_update(
                updates, ["kind", "is_active", "version", "updated_at"], batch_size=BATCH
            )

        plan.apply = apply
        return plan


# --- station staff ---------------------------------------------------------------------


class StationStaffKind(Kind):
    """The head (站长) and liaison officers (联络员) of each station; matched on station +
    role + name, so a corrected phone or title updates in place."""

    key = ImportKind.STATION_STAFF
    title = "站点工作人员"
    columns = [
        Column("station", "站点编号", True, "key", help="联络站（点）模板中的站点编号"),
        Column("role", "职责", True, "choice", tuple((lbl, v) for v, lbl in StationStaff.Role.choices)),
        Column("name", "姓名", True, max_length=50),
        Column("title", "职务", False, help="如 街道人大工委主任"),
        Column("phone", "联系电话", False, "phone"),
        Column(
            "employment",
            "专兼职",
            False,
            "choice",
            tuple((lbl, v) for v, lbl in StationStaff.Employment.choices),
            help="不填为兼职",
        ),
        Column("is_active", "是否在岗", False, "bool", YES_NO, help="不填为“是”"),
    ]
    example = {
        "station": "LS-CB-01",
        "role": "站长",
        "name": "刘志强",
        "title": "城北街道人大工委主任",
        "phone": "13812345678",
        "employment": "兼职",
        "is_active": "是",
    }
    notes = ("每站只能有一位在岗站长。",)
    FIELDS = ("title", "phone", "employment", "is_active")

    def plan(self, rows, *, scope):
        plan = Plan()
        parsed = self.parsed(rows, plan)
        stations = {
            k.code: k.station
            for k in StationKey.objects.filter(code__in={v["station"] for _, v in parsed}).select_related(
                "station__region"
            )
        }
        staff = {
            (m.station_id, m.role, m.name): m
            for m in StationStaff.objects.filter(station__in=[s.pk for s in stations.values()])
        }
        heads = {m.station_id: m for m in staff.values() if m.role == StationStaff.Role.HEAD and m.is_active}
        seen: dict = {}
        file_heads: dict = {}
        conflicts: list[tuple] = []
        creates, updates = [], []
        for number, v in parsed:
            if _duplicate(
                plan, seen, (v["station"], v["role"], v["name"]), number, self.label("name"), "站点的同一人员"
            ):
                continue
            station = stations.get(v["station"])
            if station is None:
                plan.problems.append(Problem(number, self.label("station"), f"站点“{v['station']}”不存在"))
                continue
            if not scope.covers(station.region.path):
                plan.problems.append(Problem(number, self.label("station"), OUT_OF_SCOPE))
                continue
            values = {
                "title": v["title"] or "",
                "phone": v["phone"] or "",
                "employment": v["employment"] or StationStaff.Employment.PART_TIME,
                "is_active": True if v["is_active"] is None else v["is_active"],
            }
            if v["role"] == StationStaff.Role.HEAD and values["is_active"]:
                if station.pk in file_heads:
                    plan.problems.append(
                        Problem(
                            number,
                            self.label("role"),
                            f"与第{file_heads[station.pk]}行同站重复：每站只能有一位在岗站长",
                        )
                    )
                    continue
                file_heads[station.pk] = number
                current = heads.get(station.pk)
                if current is not None and current.name != v["name"]:
                    # unless the file also marks the current head as not serving (checked below)
                    conflicts.append(
                        (
                            station.pk,
                            Problem(
                                number,
                                self.label("role"),
                                f"该站已有在岗站长“{current.name}”，请在文件中将其标为不在岗",
                            ),
                        )
                    )
            label = f"{station.name} · {v['name']}"
            member = staff.get((station.pk, v["role"], v["name"]))
            if member is None:
                creates.append(StationStaff(station=station, role=v["role"], name=v["name"], **values))
                plan.rows.append(RowPlan(number, "create", label))
                continue
            changes = _compare(member, values, self.labels())
            if changes:
                updates.append(member)
            plan.rows.append(RowPlan(number, "update" if changes else "unchanged", label, changes))

        # a head marked not serving in this file frees the place for the new one
        leaving = {m.station_id for m in updates if m.role == StationStaff.Role.HEAD and not m.is_active}
        plan.problems += [problem for station_pk, problem in conflicts if station_pk not in leaving]

        def apply() -> None:
            _bump(updates)
            # the leaving heads first: one active head per station is a database constraint
            StationStaff.objects.bulk_update(
                updates, [*self.FIELDS, "version", "updated_at"], batch_size=BATCH
            )
            StationStaff.objects.bulk_create(creates, batch_size=BATCH)

        plan.apply = apply
        return plan


# --- user accounts with roles ---------------------------------------------------------

# roles an importer may grant, and the scope each is bound to; system admins are made in
# the admin, never from a file
GRANTABLE = (
    Role.LIAISON_OFFICER,
    Role.STATION_HEAD,
    Role.DEPUTY,
    Role.COUNTY_STAFF,
    Role.CITY_STAFF,
    Role.HANDLING_UNIT,
)


class AccountKind(Kind):
    """Staff accounts and the roles they act in: one row per role. A new account gets an
    unusable password (its holder sets one through the password-reset e-mail); an existing
    one is matched on its username and only gains roles (never loses one here). Every
    role's scope must lie inside the importer's own, so no one grants above themselves."""

    key = ImportKind.ACCOUNTS
    title = "用户账号及角色"
    columns = [
        Column("username", "用户名", True, "key", help="登录名，字母数字；再次导入按此匹配"),
        Column("full_name", "姓名", True, max_length=50),
        Column("phone", "手机号", False, "phone"),
        Column("email", "电子邮箱", False, max_length=254, help="用于设置密码的邮件", width=24),
        Column(
            "role",
            "角色",
            True,
            "choice",
            tuple((label, value) for value, label in Role.choices if value in GRANTABLE),
        ),
        Column("station", "站点编号", False, "key", help="联络员必填"),
        Column(
            "region_code",
            "区划代码",
            False,
            "code12",
            help="站长、县级、市级人大工作人员必填；承办单位所在区划",
            width=18,
        ),
        Column("deputy", "代表编号", False, "key", help="人大代表必填"),
        Column("unit", "承办单位名称", False, help="承办单位工作人员必填（与区划代码一起）"),
    ]
    example = {
        "username": "lishi_cb_officer",
        "full_name": "陈静",
        "phone": "13912345678",
        "email": "chenjing@example.cn",
        "role": "联络员",
        "station": "LS-CB-01",
    }
    notes = ("新账号没有密码：本人通过“忘记密码”邮件设置。", "一人多个角色写多行，用户名相同。")

    def plan(self, rows, *, scope):
        from django.contrib.auth.hashers import make_password

        plan = Plan()
        parsed = self.parsed(rows, plan)
        usernames = {v["username"].lower() for _, v in parsed}
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        existing_roles = defaultdict(set)
        outside: set[int] = set()
        for a in RoleAssignment.objects.filter(user__in=users.values(), is_active=True).select_related(
            "station__region", "region", "deputy__home_station__region", "handling_unit__region"
        ):
            existing_roles[a.user_id].add(
                (a.role, a.station_id, a.region_id, a.deputy_id, a.handling_unit_id)
            )
            path = _assignment_path(a)
            if path is None or not scope.covers(path):
                outside.add(a.user_id)
        stations = {
            k.code: k.station
            for k in StationKey.objects.filter(
                code__in={v["station"] for _, v in parsed if v["station"]}
            ).select_related("station__region")
        }
        regions = {
            r.code: r
            for r in Region.objects.filter(code__in={v["region_code"] for _, v in parsed if v["region_code"]})
        }
        deputies = {
            k.code: k.deputy
            for k in DeputyKey.objects.filter(
                code__in={v["deputy"] for _, v in parsed if v["deputy"]}
            ).select_related("deputy__home_station__region")
        }
        units = {
            (u.region_id, u.name): u
            for u in HandlingUnit.objects.filter(
                name__in={v["unit"] for _, v in parsed if v["unit"]},
                region__in=[r.pk for r in regions.values()],
            )
        }
        seen: dict = {}
        people: dict[str, dict] = {}
        new_users: list[User] = []
        user_updates: list[User] = []
        new_roles: list[RoleAssignment] = []
        for number, v in parsed:
            name = v["username"].lower()
            if not re.fullmatch(r"[a-z0-9_.@+-]{3,150}", name):
                plan.problems.append(
                    Problem(
                        number, self.label("username"), "用户名只能由字母、数字和 _ . @ + - 组成，3位以上"
                    )
                )
                continue
            role = v["role"]
            field_name = ROLE_SCOPE_FIELD[role]
            target, path, column = None, None, None
            if field_name == "station":
                column = self.label("station")
                target = stations.get(v["station"]) if v["station"] else None
                path = target.region.path if target else None
            elif field_name == "region":
                column = self.label("region_code")
                target = regions.get(v["region_code"]) if v["region_code"] else None
                path = target.path if target else None
                wanted = {
                    Role.STATION_HEAD: RegionLevel.TOWNSHIP,
                    Role.COUNTY_STAFF: RegionLevel.COUNTY,
                    Role.CITY_STAFF: RegionLevel.CITY,
                }[role]
                if target is not None and target.level != wanted:
                    plan.problems.append(
                        Problem(number, column, f"该角色应绑定{RegionLevel(wanted).label}级区划")
                    )
                    continue
            elif field_name == "deputy":
                column = self.label("deputy")
                target = deputies.get(v["deputy"]) if v["deputy"] else None
                path = target.home_station.region.path if target else None
            elif field_name == "handling_unit":
                column = self.label("unit")
                region = regions.get(v["region_code"]) if v["region_code"] else None
                target = units.get((region.pk, v["unit"])) if region and v["unit"] else None
                path = target.region.path if target else None
            if target is None:
                plan.problems.append(
                    Problem(number, column, "未填写或找不到该角色的范围（站点、区划、代表或承办单位）")
                )
                continue
            if not scope.covers(path):
                plan.problems.append(Problem(number, column, OUT_OF_SCOPE))
                continue
            key = (
                role,
                target.pk if field_name == "station" else None,
                target.pk if field_name == "region" else None,
                target.pk if field_name == "deputy" else None,
                target.pk if field_name == "handling_unit" else None,
            )
            if _duplicate(plan, seen, (name, key), number, self.label("role"), "用户的同一角色"):
                continue
            values = {"full_name": v["full_name"], "phone": v["phone"] or "", "email": v["email"] or ""}
            person = people.get(name)
            changes: dict = {}
            if person is None:
                user = users.get(name)
                if user is None:
                    user = User(username=name, password=make_password(None), is_active=True, **values)
                    new_users.append(user)
                    person = {"user": user, "new": True, "number": number, "values": values}
                else:
                    if user.is_superuser or user.pk in outside:
                        plan.problems.append(
                            Problem(number, self.label("username"), "该用户名已被管辖范围以外的账号使用")
                        )
                        continue
                    changes = _compare(user, values, self.labels())
                    if changes:
                        user_updates.append(user)
                    person = {"user": user, "new": False, "number": number, "values": values}
                people[name] = person
            elif person["values"] != values:
                plan.problems.append(
                    Problem(
                        number,
                        self.label("full_name"),
                        f"与第{person['number']}行同一用户的姓名、手机或邮箱不一致",
                    )
                )
                continue
            user = person["user"]
            label = f"{name} · {dict(Role.choices)[role]} · {target}"
            if not person["new"] and key in existing_roles[user.pk]:
                plan.rows.append(RowPlan(number, "update" if changes else "unchanged", label, changes))
                continue
            new_roles.append(RoleAssignment(user=user, role=role, **{field_name: target}))
            if person["new"]:
                plan.rows.append(RowPlan(number, "create", label))
            else:
                plan.rows.append(
                    RowPlan(
                        number, "update", label, {**changes, "角色": ["（无）", dict(Role.choices)[role]]}
                    )
                )

        def apply() -> None:
            User.objects.bulk_create(new_users, batch_size=BATCH)
            User.objects.bulk_update(user_updates, ["full_name", "phone", "email"], batch_size=BATCH)
            for assignment in new_roles:
                assignment.user_id = assignment.user.pk
            RoleAssignment.objects.bulk_create(new_roles, batch_size=BATCH)

        plan.apply = apply
        return plan


def _assignment_path(a) -> str | None:
    """Where an existing role assignment lies (None: a system admin, above every region)."""
    if a.station_id:
        return a.station.region.path
    if a.region_id:
        return a.region.path
    if a.deputy_id:
        return a.deputy.home_station.region.path
    if a.handling_unit_id:
        return a.handling_unit.region.path
    return None


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        RegionKind(),
        StationKind(),
        DeputyKind(),
        DeputyGroupKind(),
        CadreKind(),
        UnitKind(),
        StationStaffKind(),
        AccountKind(),
    )
}
