#!/usr/bin/env bash
# make restore-check: a backup that is known to restore (issue 21).
#
#   1. a fresh database with the demo data (seed_demo at scale 1) and some media files
#   2. scripts/backup.sh (pg_dump + the media tar, as the nightly timer runs it)
#   3. scripts/restore.sh into a NEW database and media folder, then `manage.py migrate`
#      and `manage.py check` against it
#   4. compares the two sides (scripts/restore_fingerprint.py): the row count of every
#      table, the city dashboard's figures for each year with receptions (from the
#      restored rollups, and again recomputed from the restored rows), every media file's
#      size and SHA-256
#
# Both databases (RESTORE_CHECK_DATABASE_URL, default .../liaison_restorecheck, and the
# same name with _restored) are dropped on exit, and the temporary folder removed.
# Needs only PostgreSQL (scripts/ensure-services.sh starts or installs it); tasks run
# in-process. About 40 s at scale 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${BIN:-.venv/bin}
SRC=${RESTORE_CHECK_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/liaison_restorecheck}
TARGET=${SRC}_restored
SERVER=${SRC%/*}/postgres
log() { echo "restore-check: $*" >&2; }

DATABASE_URL=$SRC scripts/ensure-services.sh
WORK=$(mktemp -d /tmp/liaison-restore-check.XXXXXX)
drop_databases() {
    for url in "$SRC" "$TARGET"; do
        psql --dbname="$SERVER" -qc "DROP DATABASE IF EXISTS \"${url##*/}\" WITH (FORCE)" 2>/dev/null || true
    done
}
cleanup() {
    local status=$?
    drop_databases
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

# The embedded task runner (no broker); the rest of the settings as make test has them.
unset REDIS_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND CELERY_TASK_ALWAYS_EAGER 2>/dev/null || true
export MEDIA_ROOT="$WORK/media"

log "a fresh database with the demo data (seed_demo, scale 1)"
drop_databases
psql --dbname="$SERVER" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"${SRC##*/}\""
DATABASE_URL=$SRC "$BIN/python" manage.py migrate --noinput -v0
DATABASE_URL=$SRC "$BIN/python" manage.py seed_demo --no-progress >"$WORK/seed.log"
# Media as the site leaves it: attachments and exports, one with a Chinese name, one empty.
mkdir -p "$WORK/media/attachments/2023/05" "$WORK/media/exports"
head -c 200000 /dev/urandom >"$WORK/media/attachments/2023/05/现场照片.jpg"
printf '台账\n' >"$WORK/media/exports/ledger.csv"
: >"$WORK/media/attachments/2023/05/empty.txt"
DATABASE_URL=$SRC "$BIN/python" scripts/restore_fingerprint.py "$WORK/media" >"$WORK/before.json"

log "backup (scripts/backup.sh)"
DATABASE_URL=$SRC BACKUP_DIR="$WORK/backups" BACKUP_STAMP=check scripts/backup.sh >&2

log "restore into ${TARGET##*/} (scripts/restore.sh), migrate, check"
scripts/restore.sh "$WORK/backups/liaison-check.dump" "$TARGET" \
    "$WORK/backups/media-check.tar.gz" "$WORK/restored-media" >&2
DATABASE_URL=$TARGET MEDIA_ROOT="$WORK/restored-media" "$BIN/python" manage.py migrate --noinput -v0
DATABASE_URL=$TARGET MEDIA_ROOT="$WORK/restored-media" "$BIN/python" manage.py check
DATABASE_URL=$TARGET "$BIN/python" scripts/restore_fingerprint.py "$WORK/restored-media" >"$WORK/after.json"
DATABASE_URL=$TARGET "$BIN/python" scripts/restore_fingerprint.py "$WORK/restored-media" --recompute \
    >"$WORK/recomputed.json"

log "compare"
"$BIN/python" - "$WORK/before.json" "$WORK/after.json" "$WORK/recomputed.json" <<'PY'
import json
import sys

before, after, recomputed = (json.load(open(path, encoding="utf-8")) for path in sys.argv[1:])
problems = []
for name, other in (("restored", after), ("recomputed from the restored rows", recomputed)):
    for part in ("tables", "figures", "media"):
        for key in sorted(set(before[part]) | set(other[part])):
            if before[part].get(key) != other[part].get(key):
                problems.append(f"{part} {key}: {before[part].get(key)!r} -> {other[part].get(key)!r} ({name})")
if not before["media"] or not any(before["tables"].values()):
    problems.append("nothing to compare: the source has no rows or no media")
if problems:
    print("restore-check: the restored copy differs:", *problems[:50], sep="\n  ", file=sys.stderr)
    sys.exit(1)
rows = sum(before["tables"].values())
print(
    f"restore-check: passed: {len(before['tables'])} tables ({rows:,} rows), "
    f"{len(before['figures'])} report periods, {len(before['media'])} media files are the same after restore",
    file=sys.stderr,
)
PY
