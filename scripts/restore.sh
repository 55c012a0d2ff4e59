#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a NEW database (never over the live one):
#
#   scripts/restore.sh /var/backups/liaison/liaison-20261201T020000Z.dump postgres://postgres@127.0.0.1:5432/liaison_restore [media.tar.gz MEDIA_DIR]
#
# The target database must not exist; it is created, the archive restored into it, and
# (given) the media tar unpacked into MEDIA_DIR. Then point DATABASE_URL at it and run
# `manage.py migrate` (a no-op for a dump of the same release) and `manage.py check`.
set -euo pipefail
dump=${1:?the .dump file}
target=${2:?the new database URL}
name=${target##*/}
server=${target%/*}/postgres
psql --dbname="$server" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$name\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$target" "$dump"
if [ $# -ge 4 ]; then
    mkdir -p "$4"
    tar -C "$4" -xzf "$3"
fi
echo "restore: $dump -> $target"
