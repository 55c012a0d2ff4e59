#!/usr/bin/env bash
# make prod-check: start the production stack on loopback, smoke-test it through nginx, stop it.
#
#   nginx (TLS, deploy/nginx/liaison.conf.template) -> gunicorn (deploy/gunicorn.conf.py)
#   one Celery worker, one beat; PostgreSQL and Redis; production settings from the
#   environment as .env.example sets them (DEBUG off, HTTPS, HSTS, FILES_SENT_BY=nginx).
#
# Everything it starts runs from a temporary directory on free loopback ports and is
# stopped on exit, whatever happens; it uses its own database (PROD_CHECK_DATABASE_URL,
# dropped and created afresh) and its own Redis database number. Installs Debian's nginx
# when it is missing (as scripts/ensure-services.sh does PostgreSQL and Redis).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${BIN:-.venv/bin}
DB_URL=${PROD_CHECK_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/liaison_prodcheck}
REDIS=${PROD_CHECK_REDIS_URL:-redis://127.0.0.1:6379/8}
log() { echo "prod-check: $*" >&2; }

missing=()
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx-light)
command -v envsubst >/dev/null 2>&1 || missing+=(gettext-base)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || { log "${missing[*]} missing and apt-get is not available"; exit 1; }
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    log "installing ${missing[*]} with apt-get"
    $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
DATABASE_URL=$DB_URL scripts/ensure-services.sh

free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT=${PROD_CHECK_HTTP_PORT:-$(free_port)}; HTTPS_PORT=${PROD_CHECK_HTTPS_PORT:-$(free_port)}
APP_PORT=${PROD_CHECK_APP_PORT:-$(free_port)}  # fixed ports where the environment names them
WORK=$(mktemp -d /tmp/liaison-prod-check.XXXXXX)
mkdir -p "$WORK"/{media,static,logs,tls,nginx}
# nginx's workers run as an unprivileged user (www-data/nobody) and read static and media.
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local status=$?
    [ -f "$WORK/nginx/nginx.pid" ] && "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -s stop 2>/dev/null || true
    # INT: a quick shutdown for gunicorn, a warm one for Celery
    for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ]; then
        for f in "$WORK"/logs/*; do log "--- last lines of $(basename "$f")"; tail -n 40 "$f" >&2 || true; done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

# The production environment (.env.example's values), on loopback.
export DEBUG=0
export SECRET_KEY
SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export ALLOWED_HOSTS=localhost,127.0.0.1
export CSRF_TRUSTED_ORIGINS="https://localhost:$HTTPS_PORT"
export SITE_URL="https://localhost:$HTTPS_PORT"
export SECURE_PROXY_SSL_HEADER=1 SECURE_SSL_REDIRECT=1 SECURE_HSTS_SECONDS=31536000
export SECURE_HSTS_INCLUDE_SUBDOMAINS=1 SECURE_HSTS_PRELOAD=1 SECURE_COOKIES=1
export TRUSTED_PROXIES=127.0.0.1 FILES_SENT_BY=nginx PROTECTED_MEDIA_URL=/_protected/
export DATABASE_URL=$DB_URL REDIS_URL=$REDIS
export MEDIA_ROOT="$WORK/media" STATIC_ROOT="$WORK/static"
export GUNICORN_BIND="127.0.0.1:$APP_PORT" WEB_CONCURRENCY=2 GUNICORN_ACCESS_LOG="$WORK/logs/access.log"
export LOG_LEVEL=INFO
unset CELERY_TASK_ALWAYS_EAGER CELERY_BROKER_URL CELERY_RESULT_BACKEND 2>/dev/null || true

log "check --deploy with the production settings"
"$BIN/python" manage.py check --deploy --fail-level WARNING

log "fresh database, migrate, collectstatic"
"$BIN/python" - "$DB_URL" <<'EOF'
import sys
from urllib.parse import urlsplit
import psycopg
url = urlsplit(sys.argv[1]); name = url.path.lstrip("/")
with psycopg.connect(sys.argv[1].replace(url.path, "/postgres"), autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    c.execute(f'CREATE DATABASE "{name}"')
EOF
"$BIN/python" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
"$BIN/python" manage.py migrate --noinput >"$WORK/logs/migrate.log"
"$BIN/python" manage.py collectstatic --noinput >"$WORK/logs/collectstatic.log"

log "self-signed certificate for localhost"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>"$WORK/logs/openssl.log"

log "nginx on https://localhost:$HTTPS_PORT (http $HTTP_PORT) -> gunicorn 127.0.0.1:$APP_PORT"
export LIAISON_SERVER_NAME=localhost LIAISON_HTTP_LISTEN="127.0.0.1:$HTTP_PORT"
export LIAISON_HTTPS_LISTEN="127.0.0.1:$HTTPS_PORT" LIAISON_HTTPS_PORT=$HTTPS_PORT
export LIAISON_TLS_CERT="$WORK/tls/cert.pem" LIAISON_TLS_KEY="$WORK/tls/key.pem"
export LIAISON_UPSTREAM="127.0.0.1:$APP_PORT" LIAISON_STATIC_ROOT="$WORK/static" LIAISON_MEDIA_ROOT="$WORK/media"
envsubst '$LIAISON_SERVER_NAME $LIAISON_HTTP_LISTEN $LIAISON_HTTPS_LISTEN $LIAISON_TLS_CERT $LIAISON_TLS_KEY $LIAISON_HTTPS_PORT $LIAISON_UPSTREAM $LIAISON_STATIC_ROOT $LIAISON_MEDIA_ROOT' \
    <deploy/nginx/liaison.conf.template >"$WORK/nginx/liaison.conf"
# The main file a Debian host already has (/etc/nginx/nginx.conf), reduced to what runs
# unprivileged from a directory.
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log $WORK/logs/nginx-access.log;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    include $WORK/nginx/liaison.conf;
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -t 2>"$WORK/logs/nginx-test.log" \
    || { cat "$WORK/logs/nginx-test.log" >&2; exit 1; }

"$BIN/gunicorn" -c deploy/gunicorn.conf.py liaison.wsgi:application >"$WORK/logs/gunicorn.log" 2>&1 &
PIDS+=($!)
"$BIN/celery" -A liaison worker --loglevel INFO --concurrency 1 --hostname "prodcheck@%h" >"$WORK/logs/worker.log" 2>&1 &
PIDS+=($!)
"$BIN/celery" -A liaison beat --loglevel INFO --schedule "$WORK/celerybeat-schedule" >"$WORK/logs/beat.log" 2>&1 &
PIDS+=($!)
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"

for _ in $(seq 120); do
    curl -fsS "http://127.0.0.1:$APP_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$APP_PORT/healthz" >/dev/null || { log "gunicorn did not answer /healthz"; exit 1; }

SMOKE_BASE_URL="https://localhost:$HTTPS_PORT" SMOKE_HTTP_URL="http://localhost:$HTTP_PORT" \
    SMOKE_CA_FILE="$WORK/tls/cert.pem" SMOKE_APP_URL="http://127.0.0.1:$APP_PORT" \
    SMOKE_WORKER_LOG="$WORK/logs/worker.log" "$BIN/python" scripts/prod_smoke.py
log "passed"
