"""gunicorn's settings for Liaison in production (`gunicorn -c deploy/gunicorn.conf.py liaison.wsgi`).

Everything can be changed from the environment; the defaults suit one 2–4 core host
behind nginx on the same machine.
"""

import multiprocessing
import os
import shutil
import tempfile

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
# gunicorn's default line, with the time taken and the request id (the app's X-Request-ID,
# from nginx's $request_id): one id joins nginx's, gunicorn's and the app's lines.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl),
# which two instances on one host would share; Liaison does not use it.
control_socket_disable = True
proc_name = "liaison-web"


# Prometheus (liaison/metrics.py): each worker writes its request counts and latencies to
# files in PROMETHEUS_MULTIPROC_DIR, and /metrics sums them, whichever worker answers.
# Set before the workers import prometheus_client; emptied at each start (a figure left by
# an earlier run would be counted again); a dead worker's live gauges are dropped.
# PROMETHEUS_MULTIPROC_DIR from the environment (systemd: /run/liaison/prometheus), else a
# fresh temporary folder, removed on exit.
_made_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="liaison-prometheus-")


def on_starting(server):
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _made_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
