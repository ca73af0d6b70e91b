"""Backup and restore of the whole site: the database and every uploaded file, in one archive.

An archive is a tar file holding
- `database.pgdump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3`
  (SQLite: a copy made with SQLite's online backup API),
- `media/…` (MEDIA_ROOT: logos) and `private-media/…` (PRIVATE_MEDIA_ROOT: evidence),
- `manifest.json`, written last: the format, when and from which engine it was made,
  the migrations the database had, and the size and SHA-256 of every other member.

`backup_restore` unpacks into a staging folder and checks every checksum before it
changes anything; it refuses a database or folder that is not empty unless told to
replace it (`force`). The archive holds password hashes and private evidence: it is
written readable by its owner only.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

# Runs the PostgreSQL client tools the deployment provides (pg_dump, pg_restore, psql).
# ruff: noqa: S603, S607

FORMAT = "impactdir-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
#: archive folder -> the setting naming where its files live
FOLDERS = {"media": "MEDIA_ROOT", "private-media": "PRIVATE_MEDIA_ROOT"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class Summary:
    path: Path
    vendor: str
    files: dict  # archive folder -> number of files
    bytes: int
    missing_migrations: list  # restore: migrations this code has and the backup lacks


# --------------------------------------------------------------------------
# Backup
# --------------------------------------------------------------------------


def backup_write(*, destination: Path) -> Summary:
    """Write a complete archive to `destination` (a new file, or a folder to put one in).

    The database is copied first, then the folders: files are written before the rows
    that name them are committed, so every file the copied database names is on disk
    (unless a change removed it in the seconds between). The archive appears under
    its final name only once it is complete.
    """
    destination = Path(destination)
    if destination.is_dir():
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
        destination = destination / f"impactdir-backup-{stamp}.tar"
    if destination.exists():
        raise BackupError(f"{destination} exists already; give a new file name or a folder.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")

    partial = destination.with_name(destination.name + ".partial")
    entries = []
    counts = dict.fromkeys(FOLDERS, 0)
    with tempfile.TemporaryDirectory(prefix="impactdir-backup-") as work:
        dump = Path(work) / DATABASE_MEMBER[vendor]
        migrations = _applied_migrations()
        if vendor == "postgresql":
            _pg_dump(dump)
        else:
            _sqlite_copy(dump)
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise BackupError(
                f"{partial} exists: another backup is running, or one was interrupted "
                "(delete the file if so)."
            ) from None
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w") as tar:
                    entries.append(_add_file(tar, dump, dump.name))
                    for folder, setting in FOLDERS.items():
                        root = Path(getattr(settings, setting))
                        for path in _files_under(root):
                            name = f"{folder}/{path.relative_to(root).as_posix()}"
                            entries.append(_add_bytes(tar, name, path.read_bytes(), path))
                            counts[folder] += 1
                    manifest = {
                        "format": FORMAT,
                        "version": FORMAT_VERSION,
                        "created": datetime.datetime.now(datetime.UTC).isoformat(
                            timespec="seconds"
                        ),
                        "database": {"vendor": vendor, "member": dump.name},
                        "migrations": migrations,
                        "files": entries,
                    }
                    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                    _add_bytes(tar, MANIFEST, data)
                raw.flush()
                os.fsync(raw.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, destination)
    return Summary(
        path=destination,
        vendor=vendor,
        files=counts,
        bytes=destination.stat().st_size,
        missing_migrations=[],
    )


def _files_under(root: Path):
    """Regular files under `root`, in a stable order (symbolic links are not followed)."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600
    with path.open("rb") as source:
        tar.addfile(info, source)
    return {"path": name, "size": info.size, "sha256": digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, path: Path | None = None) -> dict:
    """Add `data` (read once, so the checksum is of exactly what is archived)."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    # Uploaded files keep their permissions (the web server may need to read logos).
    info.mtime = int(path.stat().st_mtime) if path else int(datetime.datetime.now().timestamp())
    info.mode = path.stat().st_mode & 0o777 if path else 0o600
    tar.addfile(info, io.BytesIO(data))
    return {"path": name, "size": info.size, "sha256": hashlib.sha256(data).hexdigest()}


def _applied_migrations() -> list:
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def _sqlite_copy(target: Path) -> None:
    """A consistent copy of the live database, made with SQLite's online backup API."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()


# --------------------------------------------------------------------------
# PostgreSQL client tools
# --------------------------------------------------------------------------

#: OPTIONS keys that are Django's or psycopg's, not libpq connection parameters.
_NOT_LIBPQ = {"isolation_level", "assume_role", "server_side_binding", "pool", "cursor_factory"}


def _libpq(settings_dict: dict) -> tuple[str, dict]:
    """A libpq connection string and environment (the password stays out of `ps`)."""
    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"],
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"],
    }
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key not in _NOT_LIBPQ and isinstance(value, str | int):
            params[key] = value
    conninfo = " ".join(
        f"{key}={_conninfo_quote(value)}"
        for key, value in params.items()
        if value not in (None, "")
    )
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return conninfo, env


def _conninfo_quote(value) -> str:
    """A libpq connection-string value: in single quotes, with \\ and ' escaped."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run(command: list, env: dict, **kwargs) -> subprocess.CompletedProcess:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed. Install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client), of the server's major version or newer."
        )
    result = subprocess.run(command, env=env, capture_output=True, check=False, **kwargs)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise BackupError(f"{tool} failed: {message}")
    return result


def _pg_dump(target: Path) -> None:
    conninfo, env = _libpq(connection.settings_dict)
    _run(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={conninfo}"], env)


def _pg_restore(dump: Path, *, replace: bool) -> None:
    """Restore `dump` in one transaction: all of it, or (on any error) nothing.

    `pg_restore` writes the SQL and `psql` runs it between BEGIN and COMMIT, so that
    with `replace` emptying the schema is undone too if the restore fails. Objects get
    the connecting role as owner (the archive may come from a server with other roles).
    An extension's comment is skipped: only the extension's owner may set it, and the
    extension may already exist in the new database, created by a superuser.
    """
    conninfo, env = _libpq(connection.settings_dict)
    listing = _run(["pg_restore", "--list", str(dump)], env).stdout.decode()
    kept = "\n".join(line for line in listing.splitlines() if "COMMENT - EXTENSION" not in line)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    connection.close()
    quoted = '"' + schema.replace('"', '""') + '"'
    prefix = "SET lock_timeout = '10s';\n"
    if replace:
        prefix += f"DROP SCHEMA {quoted} CASCADE;\nCREATE SCHEMA {quoted};\n"
    with tempfile.TemporaryDirectory(prefix="impactdir-restore-") as work:
        list_file = Path(work) / "restore.list"
        list_file.write_text(kept)
        script = Path(work) / "restore.sql"
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                f"--use-list={list_file}",
                f"--file={script}",
                str(dump),
            ],
            env,
        )
        wrapper = Path(work) / "run.sql"
        wrapper.write_text(f"BEGIN;\n{prefix}\\i '{script}'\nCOMMIT;\n")
        try:
            _run(
                [
                    "psql",
                    "--no-psqlrc",
                    "--quiet",
                    "-v",
                    "ON_ERROR_STOP=1",
                    f"--dbname={conninfo}",
                    f"--file={wrapper}",
                ],
                {**env, "PGOPTIONS": "-c client_min_messages=warning"},
                stdin=subprocess.DEVNULL,
            )
        except BackupError as error:
            if "lock timeout" in str(error):
                raise BackupError(
                    "The database is in use (a lock was not granted within 10 s): stop the "
                    "site (gunicorn) and anything else connected to it, then restore again."
                ) from error
            raise


# --------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------


def backup_verify(*, archive: Path, staging: Path) -> dict:
    """Unpack `archive` into `staging` and check it whole; return its manifest.

    Refuses an archive that is not one of ours, lacks its manifest (an interrupted
    copy), holds a member the manifest does not list or misses one it lists, or
    whose sizes or checksums differ.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"There is no backup at {archive}.")
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            # The "data" filter refuses absolute paths, "..", links and device files.
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} is not a readable backup archive: {error}") from error
    manifest_path = staging / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        raise BackupError(
            f"{archive} has no readable {MANIFEST}: it is not an ImpactDir backup, or it "
            "was cut short."
        ) from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive} is not an ImpactDir backup of format version {FORMAT_VERSION}."
        )
    listed = {entry["path"]: entry for entry in manifest["files"]}
    found = {
        path.relative_to(staging).as_posix()
        for path in staging.rglob("*")
        if path.is_file() and path != manifest_path
    }
    if extra := sorted(found - set(listed)):
        raise BackupError(f"{archive} holds files its manifest does not list: {extra[:5]}")
    if missing := sorted(set(listed) - found):
        raise BackupError(f"{archive} lacks files its manifest lists: {missing[:5]}")
    for name, entry in listed.items():
        path = staging / name
        digest = hashlib.sha256()
        with path.open("rb") as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
        if path.stat().st_size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise BackupError(
                f"The checksum of {name} in {archive} does not match its manifest: the "
                "archive is damaged. Nothing was restored."
            )
    return manifest


def backup_restore(*, archive: Path, force: bool = False, check_only: bool = False) -> Summary:
    """Restore the database and the uploaded files from `archive`, after checking it whole.

    Refuses, changing nothing, a damaged archive, one from another database engine or
    from newer code (migrations this code lacks), and a database or upload folder that
    is not empty unless `force` (which replaces their contents). With `check_only`,
    stops after the checks. Ends by marking search data changed, so every running
    process rebuilds its search index.
    """
    archive = Path(archive)
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(prefix="impactdir-restore-") as work:
        staging = Path(work)
        manifest = backup_verify(archive=archive, staging=staging)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"{archive} holds a {manifest['database']['vendor']} database; this site uses "
                f"{vendor}. Restore it into a {manifest['database']['vendor']} database."
            )
        known = set(_known_migrations())
        if unknown := sorted(set(manifest["migrations"]) - known):
            raise BackupError(
                f"{archive} was made by a newer ImpactDir: this code lacks the migrations "
                f"{', '.join(unknown[:5])}. Restore it with the code it was made with."
            )
        missing = sorted(known - set(manifest["migrations"]))
        counts = {
            folder: sum(1 for e in manifest["files"] if e["path"].startswith(folder + "/"))
            for folder in FOLDERS
        }
        summary = Summary(
            path=archive,
            vendor=vendor,
            files=counts,
            bytes=archive.stat().st_size,
            missing_migrations=missing,
        )
        if check_only:
            return summary

        problems = []
        if tables := connection.introspection.table_names():
            problems.append(
                f"the database {connection.settings_dict['NAME']} is not empty "
                f"({len(tables)} tables)"
            )
        for setting in FOLDERS.values():
            root = Path(getattr(settings, setting))
            if next(_files_under(root), None) is not None:
                problems.append(f"{setting} ({root}) holds files")
        if problems and not force:
            raise BackupError(
                "Refusing to restore: "
                + "; ".join(problems)
                + ". Restore into an empty database and empty folders, or pass --force to "
                "replace what is there. Nothing was changed."
            )

        database = staging / manifest["database"]["member"]
        if vendor == "postgresql":
            _pg_restore(database, replace=bool(tables))
        else:
            _sqlite_restore(database)
        for folder, setting in FOLDERS.items():
            _replace_folder(staging / folder, Path(getattr(settings, setting)))

    from buyers.search.current import search_data_changed

    search_data_changed()
    return summary


def _known_migrations() -> list:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [f"{app}.{name}" for app, name in loader.disk_migrations]


def _sqlite_restore(copy: Path) -> None:
    """Replace the whole database with the archived one, with SQLite's backup API."""
    connection.ensure_connection()
    source = sqlite3.connect(copy)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _replace_folder(source: Path, target: Path) -> None:
    """Make `target` hold exactly the files of `source` (the folder itself is kept)."""
    target.mkdir(parents=True, exist_ok=True)
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if source.is_dir():
        for child in source.iterdir():
            shutil.move(child, target / child.name)
