"""English is complete: every catalogue of the project (found by glob, so a new app's
``<app>/locale/en`` is picked up without a list) translates every message, none fuzzy,
compiled; every string marked for translation in the code and templates is in some
catalogue (``makemessages`` run on a copy of the source); and the main pages of each role,
rendered in English, show no Chinese outside the data (names, places, opinions)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", ".git", "node_modules", "staticfiles", "media", "__pycache__", ".ci"}
# not shown to users of the site (console commands, tests, benchmarks, docs, scripts)
NOT_EXTRACTED = ("tests", "bench", "docs", "scripts", "deploy")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def catalogues() -> list[Path]:
    found = [
        p
        for p in ROOT.glob("**/locale/en/LC_MESSAGES/django.po")
        if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
    ]
    assert len(found) >= 3
    return sorted(found)


def _key(entry):
    return (entry.msgctxt, entry.msgid)


@pytest.mark.parametrize("path", catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_translated_compiled_and_english(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{path}: untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{path}: fuzzy (check and remove the flag): {fuzzy[:10]}"
    for entry in po.translated_entries():
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            leftover = [w for w in CJK.findall(text) if w not in ("中文", "简体中文")]
            assert not leftover, f"{path}: Chinese left in the English of {entry.msgid!r}: {text!r}"
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"compile {path} (msgfmt -o django.mo django.po)"
    compiled = {_key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path)) if e.msgid}
    written = {_key(e): (e.msgstr, e.msgstr_plural) for e in po.translated_entries()}
    assert compiled == written, f"{path}: the .mo is out of date; run msgfmt -o django.mo django.po"


def _copy_source(dest: Path):
    def ignore(directory, names):
        rel = Path(directory).relative_to(ROOT)
        skip = {
            n
            for n in names
            if n in SKIP_DIRS
            or n.endswith((".po", ".mo", ".pyc", ".sqlite3", ".sqlite3-journal", ".xlsx", ".pdf"))
        }
        if rel == Path("."):
            skip |= {n for n in names if n in NOT_EXTRACTED}
        if rel.name == "management":
            skip |= {"commands"}
        return skip

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_every_marked_string_is_in_a_catalogue(tmp_path):
    src = tmp_path / "src"
    _copy_source(src)
    (src / "locale").mkdir(exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=src,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "SQLITE_PATH": str(tmp_path / "x.sqlite3")},
    )
    extracted = {}
    for po_path in src.glob("**/locale/en/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)):
            extracted.setdefault(_key(entry), entry.occurrences[:1])
    assert len(extracted) > 500
    known = {_key(e) for path in catalogues() for e in polib.pofile(str(path)).translated_entries()}
    missing = {k: where for k, where in extracted.items() if k not in known}
    assert not missing, f"{len(missing)} marked strings have no English in any catalogue, e.g. " + "; ".join(
        f"{k[1]!r} ({w})" for k, w in list(missing.items())[:10]
    )


# ---- pages in English ------------------------------------------------------------------


def _data_strings() -> set[str]:
    """Every Chinese text stored as data in the test world: names, places, opinions."""
    from accounts.models import User
    from deputies.models import Deputy
    from motions.models import CongressSession, DeputySuggestion, SupervisionItem
    from stations.models import Region, Station
    from suggestions.models import Category, HandlingUnit, Ticket
    from visits.models import Attendance, ReceptionSession

    values: set[str] = set()
    for model, fields in (
        (User, ["full_name"]),
        (Region, ["name"]),
        (Station, ["name", "address"]),
        (Deputy, ["name", "occupation", "ethnicity"]),
        (HandlingUnit, ["name"]),
        (Category, ["name"]),
        (ReceptionSession, ["theme", "notes"]),
        (Attendance, ["guest_name"]),
        (Ticket, ["content", "citizen_name", "citizen_address", "citizen_village", "number"]),
        (CongressSession, ["name"]),  # motions (the county and city dashboards show them)
        (DeputySuggestion, ["title", "content"]),
        (SupervisionItem, ["title", "problems"]),
    ):
        names = {f.name for f in model._meta.get_fields()}
        for row in model.objects.values_list(*[f for f in fields if f in names]):
            values.update(str(v) for v in row if v)
    return values


def _chinese_outside_data(html: str, data: set[str]) -> list[str]:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]*\blang=\"zh[^>]*>[^<]*", " ", text)  # the language switcher's 中文
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    joined = "\n".join(data)
    return sorted({w for w in CJK.findall(text) if w not in joined and w != "中文"})


ROLE_PAGES = {
    "officer": [
        "home",
        "stations:list",
        "deputies:list",
        "visits:list",
        "visits:create",
        "visits:upcoming",
        "visits:exports",
        "suggestions:list",
        "suggestions:decision_queue",
        "notifications:list",
        "notifications:settings",
        "dashboards:index",
    ],
    "head": ["home", "suggestions:decision_queue", "dashboards:index", "suggestions:list"],
    "deputy": ["home", "dashboards:index", "suggestions:list", "visits:list"],
    "county": [
        "home",
        "suggestions:supervision_queue",
        "dashboards:index",
        "accounts:audit",
        "stations:list",
    ],
    "city": ["home", "dashboards:index", "suggestions:supervision_queue"],
    "unit": ["home", "suggestions:unit_queue", "suggestions:list", "notifications:list"],
}
RECORD_PAGES = {
    "officer": ["stations:detail", "deputies:detail", "visits:detail", "suggestions:detail"],
    "unit": ["suggestions:detail"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_main_pages_in_english_show_no_chinese_outside_data(client, role):
    from tests.test_permission_matrix import build_world

    world = build_world()
    data = _data_strings()
    client.force_login(world["users"][role])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    urls = [reverse(name) for name in ROLE_PAGES[role]]
    records = world["records"]["A"]
    model_of = {"stations": "station", "deputies": "deputy", "visits": "reception", "suggestions": "ticket"}
    urls += [
        reverse(name, args=[records[model_of[name.split(":")[0]]].pk]) for name in RECORD_PAGES.get(role, [])
    ]
    urls.append("/no-such-page/")
    problems = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), (url, response.status_code)
        html = response.content.decode()
        assert 'lang="en"' in html, url
        leftover = _chinese_outside_data(html, data)
        if leftover:
            problems[url] = leftover[:12]
    assert not problems, problems


@pytest.mark.django_db
def test_the_admin_names_third_party_apps_in_the_page_language(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    chinese = client.get(reverse("admin:index")).content.decode()
    for english in ("Axes", "Access attempts", "Pghistory", ">Events<", ">Liaison<"):
        assert english not in chinese, english
    assert "登录安全（锁定）" in chinese and "变更事件" in chinese
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english_page = client.get(reverse("admin:index")).content.decode()
    assert "Sign-in security (lockout)" in english_page and "Change events" in english_page
    assert not _chinese_outside_data(english_page, {"root", "用户"}), _chinese_outside_data(
        english_page, set()
    )
