#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1 (5432, 6379) for `make test`.
#
#   (a) both already answer          -> no-op (two quick probes)
#   (b) installed but stopped        -> start them, wait until ready
#   (c) not installed (Debian/Ubuntu)-> apt-get install, create the cluster if needed,
#                                       trust local TCP for user postgres, start, wait
# Finally, if DATABASE_URL points at PostgreSQL, create its database when missing.
# Safe to run repeatedly; needs root (or sudo) only for (b) and (c).
set -euo pipefail

PG_WAIT_SECONDS=${PG_WAIT_SECONDS:-60}
REDIS_WAIT_SECONDS=${REDIS_WAIT_SECONDS:-30}

log() { echo "ensure-services: $*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

pg_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
redis_ready() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

# wait_for SECONDS PROBE NAME LOGFILE: poll PROBE until it succeeds; on timeout show LOGFILE.
wait_for() {
    local seconds=$1 probe=$2 what=$3 logfile=$4
    local deadline=$((SECONDS + seconds))
    until "$probe"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "$what did not become ready within ${seconds}s."
            if [ -n "$logfile" ] && [ -r "$logfile" ]; then
                log "last lines of $logfile:"
                tail -n 20 "$logfile" >&2 || true
            fi
            exit 1
        fi
        sleep 0.5
    done
    log "$what is ready."
}

# (a) fast path: nothing to do.
if pg_ready && redis_ready; then
    log "PostgreSQL and Redis already answer on 127.0.0.1."
else
    # (c) install what is missing (only for a service that does not answer already).
    installed_now=0
    missing=()
    pg_ready || command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
    redis_ready || command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    if [ ${#missing[@]} -gt 0 ]; then
        command -v apt-get >/dev/null 2>&1 || die "${missing[*]} not installed and apt-get is not available; install them by hand."
        if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
            die "${missing[*]} not installed; run this script as root (or install sudo)."
        fi
        log "installing ${missing[*]} with apt-get"
        $SUDO apt-get update
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql redis-server
        installed_now=1
    fi

    # (b) PostgreSQL, on the newest configured cluster version (or the newest installed server).
    if [ "$installed_now" -eq 1 ] || ! pg_ready; then
        # shellcheck disable=SC2012 # version folder names are plain numbers
        pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
        # shellcheck disable=SC2012
        [ -n "$pg_version" ] || pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
        [ -n "$pg_version" ] || die "no PostgreSQL server found under /usr/lib/postgresql."
        if [ ! -d "/etc/postgresql/$pg_version/main" ]; then
            log "creating PostgreSQL cluster $pg_version/main"
            $SUDO pg_createcluster "$pg_version" main
        fi
        if [ "$installed_now" -eq 1 ]; then
            # A fresh Debian cluster asks for a password (scram-sha-256) on TCP; the tests
            # connect as postgres without one, so trust loopback TCP (as on CI machines).
            # Done even if apt already started the server (pg_isready doesn't authenticate).
            hba="/etc/postgresql/$pg_version/main/pg_hba.conf"
            if $SUDO grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\.0\.0\.1/32|::1/128)[[:space:]]+(scram-sha-256|md5)' "$hba"; then
                log "switching the loopback TCP lines of $hba to trust"
                $SUDO sed -Ei 's#^(host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\.0\.0\.1/32|::1/128)[[:space:]]+)(scram-sha-256|md5)#\1trust#' "$hba"
                if pg_ready; then # apt started it: make it re-read pg_hba.conf
                    $SUDO pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
                fi
            fi
        fi
        if ! pg_ready; then
            $SUDO install -d -o postgres -g postgres -m 2775 /var/run/postgresql
            # pg_isready exits 1 while the server is still starting up: don't start it twice.
            status=0
            pg_isready -q -h 127.0.0.1 -p 5432 || status=$?
            if [ "$status" -ne 1 ]; then
                log "starting PostgreSQL"
                # shellcheck disable=SC2046
                $SUDO pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ||
                    log "pg_ctlcluster start returned non-zero; waiting anyway"
            fi
            wait_for "$PG_WAIT_SECONDS" pg_ready PostgreSQL "/var/log/postgresql/postgresql-$pg_version-main.log"
        fi
    fi

    # (b) Redis
    if ! redis_ready; then
        $SUDO mkdir -p /var/lib/redis /var/log/redis
        log "starting Redis"
        $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log
        wait_for "$REDIS_WAIT_SECONDS" redis_ready Redis /var/log/redis/ci.log
    fi
fi

# The database named in DATABASE_URL (make test uses .../liaison): pytest creates its own
# test_<name>, but `makemigrations --check` looks at the real one, so create it if missing.
url=${DATABASE_URL:-}
case "$url" in
postgres://* | postgresql://* | pgsql://*)
    db=${url##*/}
    db=${db%%\?*}
    base=${url%/*}
    base=postgresql://${base#*://}
    if [ -n "$db" ] && [[ "$db" =~ ^[A-Za-z0-9_]+$ ]]; then
        if ! out=$(psql "$base/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>&1); then
            shown=$(sed -E 's#//([^:/@ ]*):[^@/ ]*@#//\1:***@#' <<<"$base")
            die "cannot connect to PostgreSQL as in DATABASE_URL ($shown/postgres): $out
  (put the password in DATABASE_URL, or trust 127.0.0.1 for that user in pg_hba.conf)"
        fi
        if [ "$out" != "1" ]; then
            log "creating database $db"
            psql "$base/postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
        fi
    fi
    ;;
esac
