"""Issue 15's walk-through as each role (officer, chair, unit, deputy, county, city), in a
real browser at 390 px and 1366 px, in Chinese and in English: every page of the role's
navigation (and the detail page of a ticket) opens, is under 200 KB of HTML, does not
scroll sideways on a phone, shows no English word on the Chinese page and none of the
interface's Chinese on the English page (the data, names and opinions, stay Chinese).

Screenshots of the phone pages go to BROWSER_SHOTS_DIR as walk_<role>_<lang>_<n>.png."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Role, User
from liaison.scoping import scoped
from suggestions.models import Ticket
from tests.browser.conftest import CHROMIUM, SHOTS
from tests.factories import PASSWORD, UserFactory
from tests.suggestions.factories import make_world, ticket_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]

S = Ticket.Status
ASCII_WORD = re.compile(r"\b[A-Za-z][A-Za-z]{2,}\b")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# words that are the same in both languages (the product's name, the language switch, file
# formats and the extensions an upload may have), compared in lower case
SAME_IN_BOTH = {"liaison", "english", "excel", "pdf", "csv", "sms", "api", "jpg", "jpeg", "png", "gif"}
SAME_IN_BOTH |= {"doc", "docx", "ofd", "txt", "xlsx", "xls", "wps"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f-]*\d[0-9a-f-]*\b")


def _interface_chinese() -> set[str]:
    """Every Chinese message of the interface (the catalogues' msgids): a run of Chinese on
    the English page that is one of these is an untranslated string, not data."""
    root = Path(settings.BASE_DIR)
    found = set()
    for path in root.glob("**/locale/en/LC_MESSAGES/django.po"):
        if ".venv" in path.parts:
            continue
        found |= {e.msgid.strip() for e in polib.pofile(str(path)) if CJK_RUN.fullmatch(e.msgid.strip())}
    return found


@pytest.fixture
def world(db):
    w = make_world()
    for i, status in enumerate([S.REGISTERED, S.ACCEPTED, S.ASSIGNED, S.REPLIED, S.DELIVERED, S.CLOSED]):
        ticket_in(
            w,
            status,
            content=f"群众反映第{i}件事：村东头道路坑洼积水",
            received_by_deputy=w.deputy.roles.get().deputy,
        )
    city = UserFactory(username="city")
    city.roles.create(role=Role.CITY_STAFF, region=w.tree.city)
    w.city_user = city
    return w


def _data_words(w) -> set[str]:
    """The Chinese of the test data (names of people, places, units, categories)."""
    from deputies.models import Deputy
    from stations.models import Region, Station
    from suggestions.models import Category, HandlingUnit

    words = set()
    for qs, field in (
        (Region.objects.all(), "name"),
        (Station.objects.all(), "name"),
        (HandlingUnit.objects.all(), "name"),
        (Category.objects.all(), "name"),
        (Deputy.objects.all(), "name"),
        (User.objects.all(), "full_name"),
    ):
        for value in qs.values_list(field, flat=True):
            words |= set(CJK_RUN.findall(value))
    return words


ROLES = ["officer", "head", "unitstaff", "deputy", "county", "city"]


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("username", ROLES)
def test_each_roles_pages_in_both_languages(world, live_server, browser, username, width):
    interface = _interface_chinese() - _data_words(world)
    phone = width < 640
    problems: list[str] = []
    errors: list[str] = []
    for language in ("zh-hans", "en"):
        context = browser.new_context(
            viewport={"width": width, "height": 844 if phone else 900},
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
            locale="zh-CN",
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/")
        nav = page.eval_on_selector_all(
            ".main-nav a, .mobile-nav a", "links => [...new Set(links.map(a => a.getAttribute('href')))]"
        )
        assert nav, f"{username}: no navigation"
        urls = ["/", *nav, reverse("notifications:list")]
        # a ticket the role sees (county and city staff see none here: nothing is escalated)
        seen = scoped(User.objects.get(username=username), Ticket.objects.order_by("number")).first()
        if seen is not None:
            urls.append(reverse("suggestions:detail", args=[seen.pk]))
        for n, url in enumerate(dict.fromkeys(urls)):
            response = page.goto(f"{live_server.url}{url}")
            where = f"{username} {language} {width}px {url}"
            if response.status != 200:
                problems.append(f"{where}: HTTP {response.status}")
                continue
            size = len(response.body())
            if size > 200_000:
                problems.append(f"{where}: {size:,} bytes of HTML")
            if phone and page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
                problems.append(f"{where}: scrolls sideways")
            text = page.inner_text("body")
            if language == "zh-hans":
                usernames = set(User.objects.values_list("username", flat=True))
                words = ASCII_WORD.findall(UUID.sub(" ", text))
                english = sorted({w for w in words if w.lower() not in SAME_IN_BOTH and w not in usernames})
                if english:
                    problems.append(f"{where}: English on the Chinese page: {english[:10]}")
            else:
                chinese = sorted({run for run in CJK_RUN.findall(text) if run in interface} - {"中文"})
                if chinese:
                    problems.append(f"{where}: Chinese on the English page: {chinese[:10]}")
            if phone:
                page.screenshot(path=str(SHOTS / f"walk_{username}_{language}_{n}.png"), full_page=False)
        context.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)
