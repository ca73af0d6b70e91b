"""`manage.py backup` / `manage.py restore`: the database and every uploaded file, both ways.

End to end on the test run's own database (PostgreSQL in CI, SQLite by default): back
it up, restore into a fresh database and fresh folders with the real command in
another process, and serve the restored site there: every published profile and the
CSV export of all rows must be the same, byte for byte, and so must every file.
"""

import importlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from impactdir.backup import BackupError, backup_restore, backup_verify
from providers import uploads
from providers.models import Provider
from tests.factories import CertificationHoldingFactory
from tests.impactdir.gunicorn_server import ROOT, database_url
from tests.impactdir.site_snapshot import site_snapshot
from tests.providers.listing_helpers import image_bytes, stored_evidence

BUYER = "buyer@impactdir.example"  # made by seed_demo

# pg_dump and the restoring process read committed rows only.
pytestmark = pytest.mark.django_db(transaction=True)

seed_migration = importlib.import_module("providers.migrations.0002_seed_taxonomies")


@pytest.fixture
def directory(settings):
    """A small demo directory with a logo on a published listing and evidence files."""
    # The taxonomies come from a data migration; a transactional test before this one
    # flushed them (seeding is idempotent).
    seed_migration.seed(apps, None)
    call_command("seed_demo", "--providers", "24", stdout=io.StringIO(), stderr=io.StringIO())
    published = list(Provider.objects.published().order_by("pk")[:3])
    logo = uploads.logo_store(
        uploads.logo_clean(SimpleUploadedFile("logo.png", image_bytes("PNG", size=(300, 200))))
    )
    published[0].logo = logo
    published[0].save()
    for provider in published[1:]:
        CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    return published


@pytest.fixture
def fresh_target(tmp_path):
    """An empty database of the same engine, and empty folders, for the restore."""
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restored"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = database_url({**connection.settings_dict, "NAME": name})
    else:
        name = None
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    yield {
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "restored-private-media"),
    }
    if name:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(target, *args, settings_module="impactdir.settings"):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(target, DJANGO_SETTINGS_MODULE=settings_module)
    env.setdefault("SECRET_KEY", "restore-test-" + "r" * 40)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def restore(target, archive, *flags):
    return run(target, "manage.py", "restore", str(archive), *flags)


def restored_snapshot(target, tmp_path) -> dict:
    out = tmp_path / "restored-snapshot.json"
    result = run(
        target,
        "-m",
        "tests.impactdir.site_snapshot",
        BUYER,
        str(out),
        settings_module="tests.settings",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text())


def files_of(root) -> dict:
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_same_site(before: dict, after: dict):
    assert sorted(after) == sorted(before)
    for url, body in before.items():
        assert after[url] == body, f"{url} differs after the restore"


def damaged_copy(archive: Path, destination: Path, member_prefix: str) -> Path:
    """The same archive with one byte of one member changed (same size, same manifest)."""
    with tarfile.open(archive) as source, tarfile.open(destination, "w") as copy:
        changed = False
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if not changed and member.name.startswith(member_prefix):
                data = bytes([data[0] ^ 0xFF]) + data[1:]
                changed = True
            copy.addfile(member, io.BytesIO(data))
    assert changed
    return destination


def test_a_backup_restores_into_a_fresh_database_and_folders_as_the_same_site(
    directory, fresh_target, settings, tmp_path
):
    before = site_snapshot(buyer_email=BUYER)
    open_data = [url for url in before if url.startswith("/data/")]
    assert {"/data/organizations.csv", "/data/datapackage.json"} <= set(open_data)
    assert len(before) == Provider.objects.published().count() + 1 + len(open_data) >= 10
    csv_rows = before["/exports/providers.csv"].count("\n")
    assert csv_rows == Provider.objects.published().count() + 1  # header + every row
    assert any(directory[0].logo.name in page for page in before.values())
    media, private = files_of(settings.MEDIA_ROOT), files_of(settings.PRIVATE_MEDIA_ROOT)
    assert len(media) == 2 and len(private) == 2  # logo + thumbnail; two evidence files

    out = io.StringIO()
    call_command("backup", str(tmp_path), stdout=out)
    archive = Path(re.search(r"Wrote (\S+)", out.getvalue()).group(1))
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes and private evidence

    # A damaged archive is refused and changes nothing.
    damaged = damaged_copy(archive, tmp_path / "damaged.tar", "private-media/")
    result = restore(fresh_target, damaged)
    assert result.returncode != 0
    assert "does not match its manifest" in result.stderr
    assert "Traceback" not in result.stderr

    # Without --force this succeeds only into an empty database and empty folders: the
    # damaged archive left them as they were.
    result = restore(fresh_target, archive)
    assert result.returncode == 0, result.stderr
    assert_same_site(before, restored_snapshot(fresh_target, tmp_path))
    assert files_of(fresh_target["MEDIA_ROOT"]) == media
    assert files_of(fresh_target["PRIVATE_MEDIA_ROOT"]) == private

    # A database that is not empty is not overwritten unless asked.
    result = restore(fresh_target, archive)
    assert result.returncode != 0
    assert "is not empty" in result.stderr and "--force" in result.stderr
    result = restore(fresh_target, archive, "--force")
    assert result.returncode == 0, result.stderr
    assert_same_site(before, restored_snapshot(fresh_target, tmp_path))
    assert files_of(fresh_target["PRIVATE_MEDIA_ROOT"]) == private


def test_a_backup_is_checked_whole_before_anything_is_restored(directory, tmp_path):
    out = io.StringIO()
    call_command("backup", str(tmp_path / "backup.tar"), stdout=out)
    archive = tmp_path / "backup.tar"
    call_command("restore", str(archive), "--check", stdout=out)
    assert "checksums match" in out.getvalue()

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}

    def variant(name, change):
        path = tmp_path / f"{name}.tar"
        contents = dict(members)
        change(contents)
        with tarfile.open(path, "w") as tar:
            for member, data in contents.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return path

    def with_manifest(**changes):
        return lambda contents: contents.update(
            {"manifest.json": json.dumps({**manifest, **changes}).encode()}
        )

    cases = {
        "no-manifest": (lambda c: c.pop("manifest.json"), "no readable manifest.json"),
        "extra": (lambda c: c.update({"media/x.txt": b"x"}), "does not list"),
        "missing": (lambda c: c.pop(manifest["files"][-1]["path"]), "lacks files"),
        "other-engine": (
            with_manifest(database={**manifest["database"], "vendor": "oracle"}),
            "holds a oracle database",
        ),
        "newer-code": (
            with_manifest(migrations=[*manifest["migrations"], "providers.9999_future"]),
            "newer ImpactDir",
        ),
        "not-ours": (with_manifest(format="something-else"), "not an ImpactDir backup"),
    }
    for name, (change, message) in cases.items():
        with pytest.raises(BackupError, match=message):
            backup_restore(archive=variant(name, change), check_only=True)

    escape = tmp_path / "escape.tar"
    with tarfile.open(escape, "w") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="not a readable backup"):
        backup_verify(archive=escape, staging=tmp_path / "staging")
    assert not (tmp_path / "outside.txt").exists()


def test_restore_refuses_the_live_database_without_force(directory, tmp_path):
    call_command("backup", str(tmp_path / "backup.tar"), stdout=io.StringIO())
    published = Provider.objects.published().count()

    with pytest.raises(BackupError, match="is not empty"):
        backup_restore(archive=tmp_path / "backup.tar")

    assert Provider.objects.published().count() == published


def test_backup_refuses_to_overwrite_an_archive(db, tmp_path):
    (tmp_path / "backup.tar").write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(tmp_path / "backup.tar"), stdout=io.StringIO())
    assert (tmp_path / "backup.tar").read_bytes() == b"an older backup"
