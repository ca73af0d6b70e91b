"""Full builds in a process of their own, handed to the workers as a file.

With settings.SEARCH_INDEX_BUILDS = "process" (the default on PostgreSQL), a worker
that needs a full build (current.py) does not build beside the index it serves:

1. it takes the machine's build lock (a file lock in SEARCH_INDEX_DIR, one per
   database), so the workers of one machine build once, not once each;
2. holding it, it reuses the file another worker's build just wrote, if that file
   is of the database's current token and of this code, or else runs
   `manage.py build_search_index`, which builds in one snapshot (build.py) and
   writes the index there (pickled; written aside and renamed into place);
3. it then drops the index it served and loads the file in its place (current.py:
   searches wait for the load, a fraction of a second at 100,000 providers), and
   applies the changes made since the build's snapshot in place, as after any build.

A worker so holds one index at a time, rebuilds included: building beside the index
it served took a worker at 100,000 providers from 190 MB to 251 MB (bench/memory.py
--rebuild). The build process starts as a fresh Django process (~110 MB) and ends
with its build.

The file is only ever read by processes of the same user: the directory must belong
to that user and be closed to everyone else (pickles run code when loaded), or no file
is read or written there.
"""

import contextlib
import datetime
import fcntl
import hashlib
import io
import logging
import os
import pickle
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from buyers.search import index as index_module
from buyers.search.index import SearchIndex, read_token

logger = logging.getLogger(__name__)

#: Seconds a build process may take before it is stopped (a build at 300,000 providers
#: takes about 20 s).
BUILD_TIMEOUT = 900

#: A file older than this is not reused by a worker: the change log it would have to
#: catch up through is pruned after changes.KEEP_SECONDS.
REUSE_SECONDS = 1800


class HandoverFailed(Exception):
    """The build process failed, or its file cannot be used."""


@dataclass(frozen=True)
class Header:
    """What a file holds, read before the index itself."""

    code: str
    token: str
    seq: int
    day: datetime.date
    written: float


def index_dir() -> Path:
    """SEARCH_INDEX_DIR, made if missing: this user's alone, or refused."""
    configured = settings.SEARCH_INDEX_DIR
    path = (
        Path(configured)
        if configured
        else Path(tempfile.gettempdir()) / (f"impactdir-search-index-{os.getuid()}")
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ImproperlyConfigured(
            f"SEARCH_INDEX_DIR {path} must belong to this user and be closed to others "
            "(chmod 700): the search index files there are loaded as code."
        )
    return path


def _database_key() -> str:
    """One set of files per database: a machine may serve (or test) several."""
    config = connection.settings_dict
    name = f"{connection.vendor}|{config.get('HOST')}|{config.get('PORT')}|{config['NAME']}"
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def index_path() -> Path:
    return index_dir() / f"index-{_database_key()}.pickle"


@cache
def code_fingerprint() -> str:
    """This code's version: a file is loaded only by the code that wrote it (a deploy
    changes what an index holds without a new token)."""
    import numpy

    digest = hashlib.sha256(f"{sys.version}|{numpy.__version__}".encode())
    root = Path(settings.BASE_DIR)
    # The project's own packages (apps and settings), not the tests, the benchmark or data.
    packages = [
        path
        for path in sorted(root.iterdir())
        if (path / "__init__.py").exists() and path.name not in {"tests", "bench"}
    ]
    for package in packages:
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def write_index(index: SearchIndex, path: Path) -> None:
    """Write `index` to `path`: aside first, then renamed into place (readers that
    opened the previous file keep reading it)."""
    header = Header(
        code=code_fingerprint(),
        token=index.base_token,
        seq=index.seq,
        day=index.day,
        written=time.time(),
    )
    aside = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(aside, "wb") as stream:
            pickle.dump(header, stream, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(index, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(aside, path)
    finally:
        aside.unlink(missing_ok=True)


def _header_of(stream: io.BufferedReader) -> Header | None:
    try:
        header = pickle.load(stream)  # noqa: S301 (our own file, in a directory of ours alone)
    except Exception:  # noqa: BLE001 (a torn or foreign file is not used)
        return None
    return header if isinstance(header, Header) else None


def load_index(stream: io.BufferedReader) -> SearchIndex:
    """The index after the header (`built_file`'s stream), as a build of this process."""
    index = pickle.load(stream)  # noqa: S301 (our own file, in a directory of ours alone)
    if not isinstance(index, SearchIndex):
        raise HandoverFailed(f"{stream.name} holds no search index")
    # Caches of positions are keyed by the build of the process that made the index.
    index.build = next(index_module._builds)
    return index


@contextlib.contextmanager
def _build_lock(path: Path):
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _token() -> str:
    with connection.cursor() as cursor:
        return read_token(cursor)


def _reusable(header: Header | None, token: str) -> bool:
    return (
        header is not None
        and header.code == code_fingerprint()
        and header.token == token
        and time.time() - header.written < REUSE_SECONDS
    )


def run_build_process(path: Path) -> None:
    """`manage.py build_search_index --output PATH` on this process's database."""
    command = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "build_search_index",
        "--output",
        str(path),
        # The database this process uses (under tests, the test database).
        "--database-name",
        str(connection.settings_dict["NAME"]),
    ]
    # The settings this process runs with (overridden settings, as in tests, know no module).
    module = getattr(settings, "SETTINGS_MODULE", None) or os.environ["DJANGO_SETTINGS_MODULE"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module}
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and command)
            command,
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as timeout:
        raise HandoverFailed(f"the build process took more than {BUILD_TIMEOUT} s") from timeout
    if done.returncode != 0:
        raise HandoverFailed(
            f"the build process exited with status {done.returncode}: {done.stderr[-2000:]}"
        )
    logger.info("Search index built by a process of its own in %.1f s.", time.monotonic() - started)


@contextlib.contextmanager
def built_file(*, force: bool = False):
    """An open stream of a full build of the current data, past its header.

    Another worker's file is reused when it is of the current token and of this code
    (`force` asks for a new build even then: the one there could not be brought up to
    date). Waits while another worker's build runs.
    """
    path = index_path()
    with _build_lock(path):
        token = _token()
        stream = None
        if not force and path.exists():
            stream = open(path, "rb")  # noqa: SIM115 (handed to the caller)
            if not _reusable(_header_of(stream), token):
                stream.close()
                stream = None
        if stream is None:
            run_build_process(path)
            stream = open(path, "rb")  # noqa: SIM115 (handed to the caller)
            if _header_of(stream) is None:
                stream.close()
                raise HandoverFailed(f"{path} has no header after a build")
    with stream:
        yield stream
