"""Backups known to restore: scripts/backup.sh dumps the database (pg_dump custom format)
and the media files with rotation; scripts/restore.sh restores the dump into a new
database, where the rows are found again."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from stations.models import Station
from tests.factories import StationFactory, UserFactory, make_region_tree

ROOT = Path(__file__).resolve().parent.parent
BACKUP, RESTORE = str(ROOT / "scripts" / "backup.sh"), str(ROOT / "scripts" / "restore.sh")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs PostgreSQL's client tools"),
]


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def test_backup_rotates_and_restores_into_a_new_database(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL")
    tree = make_region_tree()
    stations = [StationFactory(region=township) for township in tree.townships]
    user = UserFactory(username="backup.probe")
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    env = {
        **os.environ,
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "MEDIA_ROOT": str(media),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_KEEP": "1",
    }
    older = tmp_path / "backups"
    older.mkdir()
    (older / "liaison-20261130T020000Z.dump").write_bytes(b"last night's")  # rotated away
    (older / "media-20261130T020000Z.tar.gz").write_bytes(b"last night's")
    stamp = {"BACKUP_STAMP": "20261201T020000Z"}
    subprocess.run([BACKUP], env={**env, **stamp}, check=True, capture_output=True)  # noqa: S603
    dumps = sorted((tmp_path / "backups").glob("liaison-*.dump"))
    tars = sorted((tmp_path / "backups").glob("media-*.tar.gz"))
    assert [d.name for d in dumps] == ["liaison-20261201T020000Z.dump"], (
        "rotation keeps the newest BACKUP_KEEP"
    )
    assert [t.name for t in tars] == ["media-20261201T020000Z.tar.gz"]
    assert not list((tmp_path / "backups").glob("*.partial"))

    scratch = f"liaison_restore_{uuid.uuid4().hex[:8]}"
    restored_media = tmp_path / "restored-media"
    try:
        args = [RESTORE, str(dumps[-1]), _url(scratch), str(tars[-1]), str(restored_media)]
        subprocess.run(args, check=True, capture_output=True)  # noqa: S603 (our own script)
        with psycopg.connect(_url(scratch)) as db:
            assert db.execute("SELECT count(*) FROM stations_station").fetchone()[0] == len(stations)
            assert db.execute("SELECT username FROM accounts_user WHERE id = %s", [user.pk]).fetchone() == (
                "backup.probe",
            )
            applied = db.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
            assert applied > 20  # the schema's history came along: migrate is a no-op
        assert (restored_media / "attachments" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"
        assert Station.objects.count() == len(stations)  # the live database untouched
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
