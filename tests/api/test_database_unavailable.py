"""While PostgreSQL cannot be reached (restarting, down), the API answers **503** with
``Retry-After`` and a JSON message, not a 500: a client retries a 503 (the offline client
of docs/examples does; it reports a 500 as refused, for a person to look at). Found by
``bench/load_faults.py``: every request during ``pg_ctl restart -m fast`` was a 500.

A database error that is not about reaching the server (a statement cancelled, a
deadlock, a constraint) stays a 500: it is ours to fix, not the client's to wait out."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection

from liaison.api import database_unavailable

ROOT = Path(__file__).resolve().parents[2]

# Run in a subprocess: Django set up against a PostgreSQL port where nothing listens.
PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Token " + "0" * 40)
out = []
for method, path, body in [
    ("get", "/api/v1/tickets/", None),
    ("post", "/api/v1/tickets/", {"content": "x"}),
    ("put", "/api/v1/receptions/5b0c7b0e-9c52-4a43-9d4c-1b8f2c1d3e4f/", {"station": "x"}),
]:
    kwargs = {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
    r = getattr(client, method)(path, **kwargs)
    out.append({"path": path, "status": r.status_code, "retry_after": r.headers.get("Retry-After"),
                "type": r.headers.get("Content-Type"), "body": r.content.decode()})
print("RESULT " + json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_api_answers_503_with_retry_after_while_postgresql_is_unreachable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/liaison_gone",
        DJANGO_SETTINGS_MODULE="liaison.settings",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line, done.stdout[-2000:] + done.stderr[-3000:]
    for answer in json.loads(line[len("RESULT ") :]):
        assert answer["status"] == 503, answer
        assert answer["retry_after"] == "1", answer
        assert answer["type"] == "application/json", answer
        assert json.loads(answer["body"]) == {"detail": "数据库暂时不可用，请稍后重试。"}, answer
    # still logged, with the traceback, as the server error it is
    assert "Service Unavailable: /api/v1/tickets/" in done.stderr
    assert "OperationalError" in done.stderr


@pytest.mark.django_db
def test_a_database_error_that_is_not_about_reaching_the_server_is_not_503():
    """A cancelled statement (SQLSTATE 57014) is an OperationalError too: it stays a 500."""
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert not database_unavailable(raised.value)


@pytest.mark.django_db
def test_a_refused_connection_is_unavailable():
    """psycopg's own failure to connect (no SQLSTATE) is "unavailable"."""
    from django.db import connections

    port = free_port()
    settings = {**connections["default"].settings_dict, "HOST": "127.0.0.1", "PORT": port}
    wrapper = type(connections["default"])(settings, alias="gone")
    try:
        with pytest.raises(OperationalError) as raised:
            wrapper.ensure_connection()
    finally:
        wrapper.close()
    assert database_unavailable(raised.value)


def test_the_schema_documents_the_503_on_every_operation():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, operation)
        for path, ops in schema["paths"].items()
        for method, operation in ops.items()
        if isinstance(operation, dict)
    ]
    assert operations
    for path, method, operation in operations:
        unavailable = operation["responses"].get("503")
        assert unavailable, f"{method.upper()} {path} does not document its 503"
        assert "Retry-After" in unavailable["headers"]
        assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
