"""Production settings: `check --deploy` clean, security headers on every kind of answer,
files handed to nginx only after the permission check, and the health probe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Role
from suggestions.models import Attachment, TimelineEvent
from tests.factories import StationFactory, TicketFactory, UserFactory, make_region_tree

ROOT = Path(__file__).resolve().parent.parent

# What .env.example sets (the production environment), minus the services.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Qf9-kT3pL0vZ2mB8nR4sW6yH1cJ5dG0aE9uI3oP7qK2lM4nB6vC8xZ1",
    "ALLOWED_HOSTS": "liaison.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://liaison.example.gov.cn",
    "SECURE_PROXY_SSL_HEADER": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_COOKIES": "1",
    "FILES_SENT_BY": "nginx",
}


def _check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DJANGO_"))}
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_environment():
    done = _check_deploy(PRODUCTION_ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_without_hsts_and_ssl_redirect():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT")}
    done = _check_deploy(env)
    assert done.returncode != 0
    assert "security.W004" in done.stderr + done.stdout
    assert "security.W008" in done.stderr + done.stdout


def test_the_example_environment_file_sets_what_the_check_needs():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in PRODUCTION_ENV:
        if name != "SECRET_KEY":
            assert f"\n{name}=" in text, name


HEADERS = {
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _assert_security_headers(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.request["PATH_INFO"], name, response.headers)
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp, (directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "geolocation=()", "microphone=()", "payment=()"):
        assert feature in policy


@pytest.mark.django_db
def test_security_headers_on_every_kind_of_answer(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    tree = make_region_tree()
    user = UserFactory()
    user.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[0])
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    anonymous = [
        client.get(reverse("accounts:login"), **https),  # a page, signed out
        client.get("/api/v1/tickets/", **https),  # the API refusing (401/403 JSON)
        client.get("/api/v1/no-such-route/", **https),  # the API's JSON 404
        client.get("/no-such-page/", **https),  # a page 404
        client.get(reverse("admin:login"), **https),  # the admin
        client.get(reverse("healthz"), **https),  # the health probe
    ]
    client.force_login(user)
    signed_in = [
        client.get(reverse("home"), **https),
        client.get(reverse("suggestions:list"), **https),
        client.get("/api/v1/tickets/", **https),
        client.get(reverse("admin:index"), **https),  # 302 to the admin's login: not staff
    ]
    for response in anonymous + signed_in:
        _assert_security_headers(response)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_files_go_to_nginx_only_after_the_permission_check(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FILES_SENT_BY = "nginx"
    tree = make_region_tree()
    ticket = TicketFactory(station=StationFactory(region=tree.townships[0]))
    event = TimelineEvent.objects.create(ticket=ticket, action="reply", to_status="replied")
    attachment = Attachment(event=event, original_name="答复函.pdf", content_type="application/pdf", size=9)
    attachment.file.save("答复 函.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    url = reverse("suggestions:attachment", args=[ticket.pk])
    insider, outsider = UserFactory(), UserFactory()
    insider.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[0])
    outsider.roles.create(role=Role.COUNTY_STAFF, region=tree.counties[1])

    client.force_login(insider)
    response = client.get(url, {"file": attachment.pk})
    assert response.status_code == 200
    assert response.content == b""  # nginx sends the body
    redirect = response.headers["X-Accel-Redirect"]
    assert redirect.startswith("/_protected/")
    assert " " not in redirect and "答" not in redirect  # quoted for nginx
    from urllib.parse import unquote

    assert (tmp_path / unquote(redirect.removeprefix("/_protected/"))).read_bytes() == b"%PDF-1.4\n"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"

    client.force_login(outsider)
    refused = client.get(url, {"file": attachment.pk})
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused.headers


@pytest.mark.django_db
def test_health_probe(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("healthz"))  # plain HTTP, no redirect
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies
    assert client.post(reverse("healthz")).status_code == 405
    assert client.get(reverse("home")).status_code == 301  # everything else goes to HTTPS


@pytest.mark.django_db
def test_readiness_probe_names_the_part_that_is_not_ready(client, settings):
    """``/readyz``: database, migrations, broker and the periodic jobs; 503 and the failing
    part named while one is not ready (a real Redis on a dead port for the broker)."""
    import datetime as dt

    from django.utils import timezone

    from liaison.models import JobRun

    settings.SECURE_SSL_REDIRECT = True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.READY_JOBS_MINUTES = 5
    # no job has ever started: beat or the worker is not running
    response = client.get(reverse("readyz"))  # plain HTTP, no redirect
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "migrations": "ok",
        "jobs": "late",
        "broker": "ok",
    }
    JobRun.objects.create(name="rollups", last_started_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reverse("readyz"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"
    assert "sessionid" not in response.cookies
    JobRun.objects.filter(name="rollups").update(last_started_at=timezone.now() - dt.timedelta(minutes=6))
    assert client.get(reverse("readyz")).json()["jobs"] == "late"
    JobRun.objects.filter(name="rollups").update(last_started_at=timezone.now())
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable" and response.json()["jobs"] == "ok"
    assert client.post(reverse("readyz")).status_code == 405


@pytest.mark.django_db
def test_readiness_probe_on_the_embedded_default_needs_no_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "jobs": "not used",
        "broker": "not used",
    }
