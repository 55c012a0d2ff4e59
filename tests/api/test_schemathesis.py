"""The API against its own OpenAPI schema: the schemathesis CLI with **all** its checks
(no server error, status codes, content types, response headers and bodies against the
schema, schema-invalid data rejected, schema-valid data accepted, missing required
headers, undeclared methods answered 405 with ``Allow``, authentication not ignored, …)
and all its phases (examples, coverage, fuzzing, stateful), as an admin and as a liaison
officer, against the live test server.

Bounded for CI: ``SCHEMATHESIS_MAX_EXAMPLES`` (default 25) cases per operation in the
fuzzing phase and ``SCHEMATHESIS_MAX_TIME`` seconds per role (default 60; 0 for none).
The long run recorded in the README used ``SCHEMATHESIS_MAX_EXAMPLES=500``. ``tests/api/schemathesis.toml`` widens the expected statuses only where
the schema cannot state the rule; ``schemathesis_hooks.py`` adds a check of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import UserRateThrottle

from tests.factories import DeputyFactory, MandateFactory, ReceptionSessionFactory, TicketFactory

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


ROLES = ("admin", "officer")


def schemathesis_run(url: str, key: str, report_dir: Path) -> subprocess.CompletedProcess:
    max_examples = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25")
    max_time = os.environ.get("SCHEMATHESIS_MAX_TIME", "60")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{url}/api/v1/schema/?format=json",
        "--header",
        f"Authorization: Token {key}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--max-examples",
        max_examples,
        "--seed",
        "14",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        # rotating or revoking the token would sign the run out halfway (tests/api/test_reads.py)
        "--exclude-operation-id",
        "token_create",
        "--exclude-operation-id",
        "token_destroy",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    if max_time != "0":
        command += ["--max-time", max_time]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    return subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, env=env, cwd=report_dir, timeout=7200, check=False
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_api_matches_its_schema_as_an_admin_and_as_an_officer(api_world, live_server, monkeypatch, tmp_path):
    # a run sends thousands of requests with one token: throttling is tested elsewhere
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "1000000/minute"})
    station = api_world["station"]
    deputy = DeputyFactory(home_station=station)
    MandateFactory(deputy=deputy)
    ReceptionSessionFactory(station=station)
    TicketFactory(station=station, category=api_world["category"], received_by_deputy=deputy)
    failed = {}
    for role in ROLES:
        report_dir = tmp_path / role
        report_dir.mkdir()
        result = schemathesis_run(live_server.url, Token.objects.get(user=api_world[role]).key, report_dir)
        summary = result.stdout[-12000:]
        print(f"--- {role}\n{summary}")  # the count of generated cases is in the summary (README)
        if result.returncode != 0 or " generated" not in result.stdout:
            failed[role] = summary
    assert not failed, "\n\n".join(f"--- {role}\n{text}" for role, text in failed.items())
