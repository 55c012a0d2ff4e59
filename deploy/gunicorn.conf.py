"""gunicorn's settings for Liaison in production (`gunicorn -c deploy/gunicorn.conf.py liaison.wsgi`).

Everything can be changed from the environment; the defaults suit one 2–4 core host
behind nginx on the same machine.
"""

import multiprocessing
import os

# nginx proxies to this address (deploy/nginx/liaison.conf.template: LIAISON_UPSTREAM).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Synchronous workers: every request is short (long work goes to the Celery worker).
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Believe X-Forwarded-* only from nginx on this host (Django reads them through
# SECURE_PROXY_SSL_HEADER and TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# the workers' heartbeat files, in memory (gunicorn's advice where /tmp is on disk)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl),
# which two instances on one host would share; Liaison does not use it.
control_socket_disable = True
proc_name = "liaison-web"
