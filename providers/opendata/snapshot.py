"""The current snapshot of the open data, as the views see it.

`current_snapshot()` resolves `OPEN_DATA_ROOT/current` once and reads that
snapshot's manifest, so one request serves every byte from the same snapshot even
if a build swaps in a new one meanwhile. Manifests are cached per snapshot
directory: a snapshot never changes once it is current.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from .build import CURRENT
from .catalogue import MANIFEST_FILE_NAME


@dataclass(frozen=True)
class SnapshotFile:
    name: str
    content_type: str
    bytes: int
    sha256: str
    gzip_bytes: int
    gzip_sha256: str
    last_modified: datetime.datetime


@dataclass(frozen=True)
class Snapshot:
    path: Path
    created: datetime.datetime
    providers: int
    files: dict[str, SnapshotFile]

    def file(self, name: str) -> SnapshotFile | None:
        return self.files.get(name)


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


@lru_cache(maxsize=4)
def _load(path: Path) -> Snapshot | None:
    try:
        manifest = json.loads((path / MANIFEST_FILE_NAME).read_text())
    except (OSError, ValueError):
        return None
    files = {
        entry["name"]: SnapshotFile(
            name=entry["name"],
            content_type=entry["content_type"],
            bytes=entry["bytes"],
            sha256=entry["sha256"],
            gzip_bytes=entry["gzip_bytes"],
            gzip_sha256=entry["gzip_sha256"],
            last_modified=_moment(entry["last_modified"]),
        )
        for entry in manifest["files"]
    }
    return Snapshot(
        path=path,
        created=_moment(manifest["created"]),
        providers=manifest["providers"],
        files=files,
    )


def current_snapshot(root: Path | str | None = None) -> Snapshot | None:
    """The snapshot `OPEN_DATA_ROOT/current` points at, or None if none was built yet."""
    link = Path(root or settings.OPEN_DATA_ROOT) / CURRENT
    try:
        path = link.resolve(strict=True)
    except OSError:
        return None
    return _load(path)
