"""The embedded default (what ``make demo`` runs) works with nothing configured.

With no DATABASE_URL, REDIS_URL or CELERY_* in the environment, Liaison must migrate a
SQLite file, run Celery tasks in-process and serve its pages from ``runserver``. This runs
everything in subprocesses, so the test process's own settings (PostgreSQL under
``make test``) don't matter, and it needs no PostgreSQL or Redis.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
STRIPPED = ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE")
SERVER_START_SECONDS = 30

pytestmark = pytest.mark.slow


def _dotenv_overrides() -> list[str]:
    """Names in BASE_DIR/.env that would replace the embedded default (settings read .env)."""
    path = BASE_DIR / ".env"
    if not path.exists():
        return []
    pattern = re.compile(r"^\s*(?:export\s+)?(DATABASE_URL|REDIS_URL|CELERY_[A-Z_]+|SQLITE_PATH)\s*=")
    return [m.group(1) for line in path.read_text().splitlines() if (m := pattern.match(line))]


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without any database/broker configuration, and a temporary
    SQLite file instead of the developer's db.sqlite3."""
    if overrides := _dotenv_overrides():
        pytest.skip(f".env sets {', '.join(overrides)}: the embedded default can't be tested here")
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED and not k.startswith("CELERY_")}
    env["SQLITE_PATH"] = str(tmp_path / "embedded.sqlite3")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DEBUG", None)
    return env


def _manage(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    result = subprocess.run(  # noqa: S603 (argv built here, no shell)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local http URL)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


PROBE = """
import json
from django.conf import settings
from django.db import connection
print(json.dumps({
    "vendor": connection.vendor,
    "name": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "tables": connection.introspection.table_names(),
}))
"""


def test_embedded_default_migrates_and_serves(embedded_env: dict[str, str]) -> None:
    sqlite_path = embedded_env["SQLITE_PATH"]

    _manage(embedded_env, "migrate", "--noinput")
    probe = json.loads(_manage(embedded_env, "shell", "-c", PROBE).strip().splitlines()[-1])
    assert probe["vendor"] == "sqlite"
    assert probe["name"] == sqlite_path
    assert probe["eager"] is True
    assert probe["broker"] == "memory://"
    assert {"accounts_user", "django_migrations"} <= set(probe["tables"])
    assert Path(sqlite_path).stat().st_size > 0

    port = _free_port()
    log_path = Path(sqlite_path).with_name("runserver.log")
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 (fixed argv)
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=embedded_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert server.poll() is None, f"runserver exited early:\n{log_path.read_text()}"
            try:
                status, body = _get(f"{base}/admin/login/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"runserver did not answer in {SERVER_START_SECONDS}s:\n{log_path.read_text()}"
                    )
                time.sleep(0.2)

        assert status == 200, body[:2000]
        assert 'id="login-form"' in body
        assert 'name="username"' in body

        status, body = _get(f"{base}/accounts/login/")
        assert status == 200, body[:2000]
        assert "<form" in body
        assert 'name="username"' in body
        assert 'name="password"' in body
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
