"""The production stack's smoke test, through nginx (run by scripts/prod-check.sh).

It runs with the stack's own environment (production settings: DEBUG off, HTTPS, HSTS,
FILES_SENT_BY=nginx) and talks to nginx over TLS as a browser and a phone app would:

1. plain HTTP is sent to HTTPS; static files come from nginx with its headers;
2. a liaison officer signs in on the page and logs a reception day with two opinions
   (the reception form itself, CSRF and all); the tickets are on the ticket list;
3. a job runs: the worker drains the outbox message the reception wrote (the station
   keepers' notice);
4. a photo uploaded over the API downloads through nginx (X-Accel-Redirect) for the
   officer, byte for byte, and is refused to a county staff member of another county;
   the internal location and the media path answer 404 to everyone;
5. the security headers are on pages, the API and files;
6. beat's schedule reaches the worker: a periodic job completes and is recorded (``JobRun``);
7. every answer carries nginx's request id (X-Request-ID), which the reception's outbox
   messages keep; the worker logs JSON lines; /metrics answers 404 through nginx and the
   Prometheus figures straight from gunicorn on loopback.

Exit status 0 when every check passed; the first failure is printed with what came back.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import sys
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
django.setup()

import requests  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from PIL import Image  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import Role  # noqa: E402
from liaison.models import JobRun, OutboxMessage  # noqa: E402
from suggestions.models import Ticket  # noqa: E402
from tests.api.test_reception_writes import _page_post  # noqa: E402
from tests.factories import CategoryFactory, DeputyFactory, StationFactory, UserFactory, make_region_tree  # noqa: E402
from visits.models import ReceptionSession  # noqa: E402

BASE = os.environ["SMOKE_BASE_URL"].rstrip("/")  # https://localhost:PORT
HTTP_BASE = os.environ["SMOKE_HTTP_URL"].rstrip("/")  # http://localhost:PORT
CA = os.environ["SMOKE_CA_FILE"]
# requests lets these override a Session's own `verify`: trust only the stack's certificate.
os.environ["REQUESTS_CA_BUNDLE"] = os.environ["CURL_CA_BUNDLE"] = CA
PASSWORD = secrets.token_urlsafe(16)  # the two users' password, new each run


def check(condition: bool, what: str, response: requests.Response | None = None) -> None:
    if condition:
        print(f"  ok  {what}")
        return
    print(f"FAIL  {what}")
    if response is not None:
        print(f"      {response.request.method} {response.url} -> {response.status_code}")
        for name, value in response.headers.items():
            print(f"      {name}: {value}")
        print("      " + response.text[:800].replace("\n", "\n      "))
    sys.exit(1)


def security_headers(response: requests.Response, what: str) -> None:
    h = response.headers
    check(h.get("Strict-Transport-Security", "").startswith("max-age="), f"{what}: HSTS", response)
    check(h.get("X-Content-Type-Options") == "nosniff", f"{what}: nosniff", response)
    check("nginx/" not in h.get("Server", ""), f"{what}: no server version", response)


def world():
    tree = make_region_tree()
    station = StationFactory(name="冒烟测试联络站", region=tree.townships[0])
    deputies = [
        DeputyFactory(name="王建国", home_station=station),
        DeputyFactory(name="李秀英", home_station=station),
    ]
    category = CategoryFactory(code="smoke-roads", name="道路交通")
    officer = UserFactory(username=f"officer-{uuid.uuid4().hex[:6]}")
    officer.set_password(PASSWORD)
    officer.save()
    officer.roles.create(role=Role.LIAISON_OFFICER, station=station)
    outsider = UserFactory(username=f"county-{uuid.uuid4().hex[:6]}")
    outsider.set_password(PASSWORD)
    outsider.save()
    outsider.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[1])
    # county staff sign in with two factors (TWO_FACTOR_REQUIRED): an enrolled authenticator
    TOTPDevice.objects.create(user=outsider, name="TOTP", confirmed=True)
    return station, deputies, tree.villages[0], category, officer, outsider


def sign_in(username: str) -> requests.Session:
    browser = requests.Session()
    browser.verify = CA
    page = browser.get(f"{BASE}/accounts/login/")
    check(page.status_code == 200, "sign-in page", page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = browser.post(
        f"{BASE}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        headers={"Referer": f"{BASE}/accounts/login/"},
        allow_redirects=False,
    )
    check(done.status_code == 302, f"{username} signs in", done)
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is not None:  # the second step: a TOTP code computed here, as the phone would
        check(done.headers["Location"].endswith("/accounts/two-factor/verify/"), "asked for the code", done)
        page = browser.get(f"{BASE}/accounts/two-factor/verify/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        done = browser.post(
            f"{BASE}/accounts/two-factor/verify/",
            data={"csrfmiddlewaretoken": token, "token": code},
            headers={"Referer": f"{BASE}/accounts/two-factor/verify/"},
            allow_redirects=False,
        )
        check(done.status_code == 302, f"{username} gives the TOTP code", done)
    cookie = next(c for c in browser.cookies if c.name == "sessionid")
    check(cookie.secure, "the session cookie is Secure")
    return browser


def main() -> None:
    print("smoke test through nginx:", BASE)
    station, deputies, village, category, officer, outsider = world()

    # 1. HTTP -> HTTPS; static files from nginx
    plain = requests.get(f"{HTTP_BASE}/accounts/login/", allow_redirects=False, timeout=10)
    check(
        plain.status_code == 301 and plain.headers["Location"].startswith("https://"),
        "HTTP goes to HTTPS",
        plain,
    )
    css = requests.get(f"{BASE}/static/css/liaison.css", verify=CA, timeout=10)
    check(css.status_code == 200 and "text/css" in css.headers["Content-Type"], "static CSS from nginx", css)
    security_headers(css, "static file")

    # 2. the officer signs in and logs a reception day on the page
    browser = sign_in(officer.username)
    home = browser.get(f"{BASE}/")
    check(home.status_code == 200, "home page", home)
    security_headers(home, "page")
    check(home.headers.get("Referrer-Policy") == "same-origin", "page: Referrer-Policy", home)
    check("camera=()" in home.headers.get("Permissions-Policy", ""), "page: Permissions-Policy", home)
    form_url = f"{BASE}/receptions/new/?station={station.pk}"
    form = browser.get(form_url)
    check(form.status_code == 200, "reception form", form)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    data = _page_post(station, deputies, village, category, kind="station_reception")
    data["csrfmiddlewaretoken"] = csrf
    saved = browser.post(form_url, data=data, headers={"Referer": form_url}, allow_redirects=False)
    check(saved.status_code == 302, "the reception is saved", saved)
    session = ReceptionSession.objects.get(station=station)
    tickets = list(Ticket.objects.filter(reception=session).order_by("content"))
    check(len(tickets) == 2, "two opinions became two tickets")
    listing = browser.get(f"{BASE}/tickets/")
    check(
        listing.status_code == 200 and "自来水水压不足" in listing.text,
        "the tickets are on the list",
        listing,
    )
    detail = browser.get(f"{BASE}/tickets/{tickets[0].pk}/")
    check(detail.status_code == 200 and tickets[0].content in detail.text, "the ticket's page", detail)

    # 3. the worker runs what the reception queued, and the catch-up records the jobs
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        pending = OutboxMessage.objects.filter(done_at__isnull=True, failed_at__isnull=True).count()
        if pending == 0 and OutboxMessage.objects.filter(done_at__isnull=False).exists():
            break
        time.sleep(0.5)
    done = OutboxMessage.objects.filter(done_at__isnull=False).count()
    check(pending == 0 and done > 0, f"the worker drained the outbox ({done} done, {pending} pending)")

    # 4. a photo over the API, downloaded through nginx only by who may see it
    api = requests.Session()
    api.verify = CA
    api.headers["Authorization"] = f"Token {Token.objects.create(user=officer).key}"
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(picture, format="JPEG")
    photo_id = str(uuid.uuid4())
    upload = api.post(
        f"{BASE}/api/v1/receptions/{session.pk}/attachments/",
        data={"id": photo_id},
        files={"file": ("现场照片.jpg", picture.getvalue(), "image/jpeg")},
    )
    check(upload.status_code == 201, "photo uploaded over the API", upload)
    download_url = f"{BASE}/api/v1/receptions/{session.pk}/attachments/{photo_id}/"
    got = api.get(download_url)
    check(
        got.status_code == 200 and got.content == picture.getvalue(), "the officer downloads the photo", got
    )
    check(got.headers.get("Content-Type") == "image/jpeg", "the photo's Content-Type survives nginx", got)
    check(
        got.headers.get("Cache-Control") == "private, no-store", "the app's Cache-Control survives nginx", got
    )
    check("X-Accel-Redirect" not in got.headers, "nginx hides X-Accel-Redirect", got)
    security_headers(got, "file")
    page_photo = browser.get(f"{BASE}/receptions/{session.pk}/attachments/", params={"file": photo_id})
    check(
        page_photo.status_code == 200 and page_photo.content == picture.getvalue(),
        "the photo on the page",
        page_photo,
    )
    stranger = sign_in(outsider.username)
    refused = stranger.get(f"{BASE}/receptions/{session.pk}/attachments/", params={"file": photo_id})
    check(refused.status_code == 404, "another county's staff get 404", refused)
    stored = session.attachments.get(pk=photo_id).file.name
    for path in (f"/_protected/{stored}", f"/media/{stored}"):
        direct = requests.get(f"{BASE}{path}", verify=CA, timeout=10)
        check(direct.status_code == 404, f"{path.split('/')[1]}/… answers 404 without the app", direct)

    # 5. the API's answers carry the headers too
    listing = api.get(f"{BASE}/api/v1/tickets/")
    check(listing.status_code == 200, "the API through nginx", listing)
    security_headers(listing, "API")

    # 6. beat's schedule reaches the worker: the rollups job (every minute) completes
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not JobRun.objects.filter(last_completed_at__isnull=False).exists():
        time.sleep(1)
    runs = {r.name: r.last_completed_at for r in JobRun.objects.filter(last_completed_at__isnull=False)}
    check(bool(runs), f"beat's jobs run and are recorded (JobRun: {', '.join(runs) or 'none'})")

    # 7. request ids, JSON logs, metrics
    request_id = saved.headers.get("X-Request-ID", "")
    check(re.fullmatch(r"[0-9a-f]{32}", request_id) is not None, "nginx's request id in the answer", saved)
    kept = set(
        OutboxMessage.objects.filter(created_at__gte=session.created_at).values_list("request_id", flat=True)
    )
    check(request_id in kept, f"the reception's outbox messages keep its request id ({kept})")
    worker_log = Path(os.environ["SMOKE_WORKER_LOG"]).read_text().splitlines()
    started = [line for line in worker_log if line.startswith("{") and '"task liaison.' in line]
    check(
        bool(started) and all('"request_id": "' in line for line in started), "the worker logs JSON with ids"
    )
    public = requests.get(f"{BASE}/metrics", verify=CA, timeout=10)
    check(public.status_code == 404, "/metrics is not served through nginx", public)
    scraped = requests.get(f"{os.environ['SMOKE_APP_URL']}/metrics", timeout=10)
    check(
        scraped.status_code == 200
        and "django_http_requests_total_by_view_transport_method_total" in scraped.text
        and "liaison_outbox_pending " in scraped.text
        and "liaison_job_last_success_timestamp_seconds{" in scraped.text,
        "Prometheus figures from gunicorn on loopback",
        scraped,
    )
    print("smoke test passed")


if __name__ == "__main__":
    main()
