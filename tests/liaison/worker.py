"""Run a real Celery worker for the tests: ``python -m tests.liaison.worker``.

Like ``celery -A liaison worker --pool=solo``, plus the tests' outbox handlers. The
database and Redis come from the environment (DATABASE_URL, REDIS_URL) as in production."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
django.setup()

import tests.liaison.outbox_handlers  # noqa: E402,F401  (registers the tests' handlers)
from liaison.celery import app  # noqa: E402

if __name__ == "__main__":
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
            *sys.argv[1:],
        ]
    )
