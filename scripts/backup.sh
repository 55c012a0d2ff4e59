#!/usr/bin/env bash
# Back up Liaison: the database as a pg_dump custom-format archive and the media files
# (attachments, exports) as a tar, into BACKUP_DIR, keeping the newest BACKUP_KEEP of each.
# Run it nightly (deploy/systemd/liaison-backup.timer); restore with scripts/restore.sh.
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/srv/liaison/media BACKUP_DIR=/var/backups/liaison scripts/backup.sh
#
# Each file is written under a .partial name and renamed when complete, so a backup cut
# short never looks like a good one and is never the one rotation keeps.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?DATABASE_URL must name the database to back up}"
DEST=${BACKUP_DIR:-/var/backups/liaison}
KEEP=${BACKUP_KEEP:-14}
MEDIA=${MEDIA_ROOT:-media}
stamp=${BACKUP_STAMP:-$(date -u +%Y%m%dT%H%M%SZ)}  # BACKUP_STAMP: a name of your own
mkdir -p "$DEST"

dump="$DEST/liaison-$stamp.dump"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dump.partial"
mv "$dump.partial" "$dump"

media="$DEST/media-$stamp.tar.gz"
if [ -d "$MEDIA" ]; then
    tar -C "$MEDIA" -czf "$media.partial" .
    mv "$media.partial" "$media"
fi

# rotation: the newest $KEEP of each kind stay (names sort by time)
for pattern in 'liaison-*.dump' 'media-*.tar.gz'; do
    find "$DEST" -maxdepth 1 -name "$pattern" | sort -r | tail -n +"$((KEEP + 1))" | xargs -r rm -f --
done
rm -f "$DEST"/*.partial
echo "backup: $dump${MEDIA:+ and $media}"
