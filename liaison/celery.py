"""The Celery app. Redis is the broker in production; with no broker configured
(the embedded demo default) tasks run in-process (see CELERY_TASK_ALWAYS_EAGER in settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

app = Celery("liaison")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
