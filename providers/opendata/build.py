"""Build a snapshot of the open data: every file, written in bounded memory, swapped in at once.

`build_open_data(root=…)` writes a new snapshot directory under `root/snapshots/`
and then points `root/current` (a symbolic link) at it with one atomic rename, so
a reader sees either the old snapshot or the new one, never a half-written one.
The two newest snapshots are kept (a download that started from the previous one
can finish); older ones are removed. A lock file keeps two builds from running
at once.

Listings are read in chunks inside one transaction (REPEATABLE READ on
PostgreSQL), so every file describes the same state of the directory. Each
listing is written to the JSON file and to every CSV table as soon as it is read,
and each file is then hashed and gzip-compressed in fixed-size blocks: memory
does not grow with the number of providers.

Two builds of unchanged data write byte-identical files, except for the snapshot
time (`created`) in `datapackage.json` and in the JSON header. A file whose bytes
did not change keeps the Last-Modified time it had in the previous snapshot.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import gzip
import hashlib
import json
import os
import resource
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation

from . import hsds, tabular
from .catalogue import (
    DATAPACKAGE_FILE_NAME,
    HSDS_FILE_NAME,
    LICENSE,
    MANIFEST_FILE_NAME,
    PACKAGE_NAME,
    TITLE,
    published_files,
)
from .records import published_listings
from .tables import TABLES, term_rows
from .terms import Terms

BLOCK_SIZE = 1024 * 1024
SNAPSHOTS = "snapshots"
CURRENT = "current"
LOCK = ".build.lock"


class BuildInProgress(Exception):
    """Another build holds the lock."""


class InvalidOrganization(Exception):
    """An organization did not validate against the HSDS schema: nothing was published."""


@dataclass(frozen=True)
class FileInfo:
    name: str
    content_type: str
    bytes: int
    sha256: str
    gzip_bytes: int
    gzip_sha256: str
    last_modified: str


@dataclass(frozen=True)
class BuildResult:
    path: Path
    created: datetime.datetime
    providers: int
    files: list[FileInfo]
    seconds: float
    peak_rss_mb: float
    validated: bool

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def total_gzip_bytes(self) -> int:
        return sum(f.gzip_bytes for f in self.files)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _site(path: str) -> str:
    return settings.SITE_URL + path


@contextlib.contextmanager
def _lock(root: Path):
    with open(root / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(f"Another build of the open data is running in {root}.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _consistent_reads():
    """One transaction over the whole read, so that every chunk sees the same data."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        # Already inside a transaction (tests): its own snapshot applies.
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _finish(path: Path, content_type: str, previous: dict, created: str) -> FileInfo:
    """Hash the file and write its gzip twin beside it, a block at a time."""
    plain, packed = hashlib.sha256(), hashlib.sha256()
    size = 0

    class _Hashing:
        def __init__(self, stream):
            self.stream = stream
            self.bytes = 0

        def write(self, data):
            packed.update(data)
            self.bytes += len(data)
            return self.stream.write(data)

        def flush(self):
            self.stream.flush()

    with open(path, "rb") as source, open(f"{path}.gz", "wb") as target:
        sink = _Hashing(target)
        # mtime=0 and no file name: the same bytes give the same .gz in every build.
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0, compresslevel=6) as out:
            while block := source.read(BLOCK_SIZE):
                plain.update(block)
                size += len(block)
                out.write(block)
    digest = plain.hexdigest()
    before = previous.get(path.name)
    unchanged = before is not None and before.get("sha256") == digest
    return FileInfo(
        name=path.name,
        content_type=content_type,
        bytes=size,
        sha256=digest,
        gzip_bytes=sink.bytes,
        gzip_sha256=packed.hexdigest(),
        last_modified=before["last_modified"] if unchanged else created,
    )


def _json_header(created: str) -> dict:
    return {
        "title": TITLE,
        "description": (
            "Every published listing of ImpactDir, the directory of impact sourcing service "
            "providers, as Open Referral HSDS 3.0 organizations. Counts of people are objects "
            "with a value and a status: the value is given only when ImpactDir's disclosure "
            "rule shows the count exactly."
        ),
        "hsds_version": "3.0",
        "created": created,
        "license": LICENSE,
        "attribution": f"ImpactDir ({_site('/')})",
        "homepage": _site(reverse("opendata:index")),
        "documentation": _site(reverse("opendata:fields")),
        "disclosure_rule": _site(reverse("disclosure")),
        "schema": _site(reverse("opendata:file", args=[hsds.SCHEMA_FILE_NAME])),
        "figures": hsds.figure_definitions(),
    }


def _datapackage(created: str, infos: dict[str, FileInfo]) -> dict:
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": TITLE,
        "description": (
            "Every published listing of ImpactDir as CSV tables. The ids are the same UUIDs as "
            "in the HSDS JSON file. Counts of people take two columns: the value (given only "
            "when ImpactDir's disclosure rule shows the count exactly) and its status."
        ),
        "homepage": _site(reverse("opendata:index")),
        "created": created,
        "licenses": [LICENSE],
        "sources": [{"title": "ImpactDir", "path": _site("/")}],
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "title": str(table.title),
                "description": str(table.description),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": infos[table.path].bytes,
                "hash": f"sha256:{infos[table.path].sha256}",
                "schema": table.schema(),
            }
            for table in TABLES
        ],
    }


def _write_snapshot(work: Path, *, created: str, today, previous: dict, validate: bool):
    """Write every file of a snapshot into `work`; returns (providers, file infos)."""
    content_types = {f.name: f.content_type for f in published_files()}
    tables = TABLES
    providers = 0
    with contextlib.ExitStack() as files:
        writers = {
            table.name: tabular.TableWriter(
                table,
                files.enter_context(open(work / table.path, "w", encoding="utf-8", newline="")),
            )
            for table in tables
        }
        out = files.enter_context(open(work / HSDS_FILE_NAME, "w", encoding="utf-8"))
        files.enter_context(_consistent_reads())
        terms = Terms.load()
        for row in term_rows(terms):
            writers["terms"].write(row)
        header = json.dumps(_json_header(created), ensure_ascii=False)
        out.write(header[:-1] + ',"organizations":[')
        check = hsds.validator() if validate else None
        for listing in published_listings(today=today, terms=terms):
            organization = hsds.organization(listing)
            if check is not None:
                error = next(iter(check.iter_errors(organization)), None)
                if error is not None:
                    path = "/".join(str(part) for part in error.absolute_path)
                    raise InvalidOrganization(
                        f"Organization {listing.id} (provider {listing.pk}) is not valid "
                        f"HSDS at {path or '/'}: {error.message}"
                    )
            out.write("\n" if providers == 0 else ",\n")
            out.write(json.dumps(organization, ensure_ascii=False, separators=(",", ":")))
            for table in tables[1:]:
                writer = writers[table.name]
                for row in table.rows(listing):
                    writer.write(row)
            providers += 1
        out.write("\n]}\n")

    shutil.copyfile(hsds.SCHEMA_PATH, work / hsds.SCHEMA_FILE_NAME)
    infos = {}
    for name in [HSDS_FILE_NAME, hsds.SCHEMA_FILE_NAME, *(t.path for t in tables)]:
        infos[name] = _finish(work / name, content_types[name], previous, created)
    with open(work / DATAPACKAGE_FILE_NAME, "w", encoding="utf-8") as out:
        json.dump(_datapackage(created, infos), out, ensure_ascii=False, indent=2)
        out.write("\n")
    infos[DATAPACKAGE_FILE_NAME] = _finish(
        work / DATAPACKAGE_FILE_NAME, content_types[DATAPACKAGE_FILE_NAME], previous, created
    )
    return providers, [infos[f.name] for f in published_files()]


def _previous_files(root: Path) -> dict:
    try:
        manifest = json.loads((root / CURRENT / MANIFEST_FILE_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return {entry["name"]: entry for entry in manifest.get("files", [])}


def _swap(root: Path, snapshot: Path) -> None:
    """Point `root/current` at `snapshot` with one atomic rename."""
    link = root / f".{CURRENT}-{secrets.token_hex(4)}"
    os.symlink(Path(SNAPSHOTS) / snapshot.name, link)
    os.replace(link, root / CURRENT)


def _prune(snapshots: Path, keep: set[Path]) -> None:
    for entry in snapshots.iterdir():
        if entry.resolve() not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def build_open_data(
    *, root: Path | str, now: datetime.datetime | None = None, validate: bool = True
) -> BuildResult:
    """Write a new snapshot of every published listing under `root` and make it current.

    Every organization is checked against the HSDS schema as it is written (unless
    `validate` is false), and the first one that fails stops the build
    (`InvalidOrganization`) with the current snapshot left in place: a file that
    breaks the schema is never published. Raises `BuildInProgress` when another
    build runs.
    """
    started = time.perf_counter()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    created = _iso(now)
    with _lock(root):
        snapshots = root / SNAPSHOTS
        snapshots.mkdir(exist_ok=True)
        previous_path = (root / CURRENT).resolve() if (root / CURRENT).exists() else None
        previous = _previous_files(root)
        stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        work = snapshots / f".building-{stamp}-{secrets.token_hex(4)}"
        work.mkdir()
        try:
            with translation.override(settings.LANGUAGE_CODE):
                providers, files = _write_snapshot(
                    work,
                    created=created,
                    today=timezone.localdate(now),
                    previous=previous,
                    validate=validate,
                )
            seconds = time.perf_counter() - started
            peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            manifest = {
                "created": created,
                "providers": providers,
                "files": [asdict(info) for info in files],
                "build_seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_rss_mb, 1),
                "validated": validate,
            }
            (work / MANIFEST_FILE_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
            final = snapshots / work.name.removeprefix(".building-")
            work.rename(final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        _swap(root, final)
        _prune(snapshots, {final.resolve(), *([previous_path] if previous_path else [])})
    return BuildResult(
        path=final,
        created=now,
        providers=providers,
        files=files,
        seconds=time.perf_counter() - started,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        validated=validate,
    )
