"""Each process's current search index: which one, and keeping it up to date.

The data's version is the token of `providers_search_data_token` plus the last
sequence number of the change log, into which triggers write the id of every
provider a write changes (migration 0011_search_changes). A search reads the
version (one cheap query) unless this process's poller (gunicorn workers, twice a
second) looked within the last second, and brings the index up to date:

- a few listings changed: applied in place before the search is answered
  (changes.py; milliseconds);
- a new day: only the certification bits are recomputed (certificates expire);
- a new token — taxonomy changes, restores, migrations — or the first index of a
  process: a full build (build.py). With settings.SEARCH_INDEX_REBUILD =
  "background" (the default) it runs in a thread while searches are answered from
  the previous index; with "inline" the search waits.
"""

import datetime
import gc
import logging
import threading
import time
import weakref

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from buyers.search import handover
from buyers.search.build import BUILD_LOCK, build_index, release_free_memory, snapshot
from buyers.search.changes import RebuildNeeded
from buyers.search.index import TOKEN_TABLE, SearchIndex, read_token

logger = logging.getLogger(__name__)

_lock = threading.Lock()

_current: SearchIndex | None = None


def _read_version() -> tuple[str, int]:
    from buyers.search.changes import version_sql

    with connection.cursor() as cursor:
        cursor.execute(version_sql())
        row = cursor.fetchone()
    return (row[0], int(row[1])) if row else ("", 0)


def search_data_token() -> str:
    """The database's current version of search data (changes on every relevant write)."""
    token, seq = _read_version()
    return f"{token}:{seq}"


def search_data_changed() -> None:
    """Mark all search data stale now: every process rebuilds its index (after bulk
    writes that bypass the triggers, restores and taxonomy changes)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {TOKEN_TABLE} SET token = md5(random()::text || clock_timestamp()::text)"  # noqa: S608
            )
        else:
            cursor.execute(f"UPDATE {TOKEN_TABLE} SET token = lower(hex(randomblob(16)))")  # noqa: S608


def _is_current(index: SearchIndex | None, version: tuple, today: datetime.date) -> bool:
    return (
        index is not None
        and index.base_token == version[0]
        and index.seq == version[1]
        and index.day == today
    )


#: Seconds between two looks of a process's poller at the change log (gunicorn workers).
POLL_SECONDS = 0.5

_last_poll = 0.0

_poller: threading.Thread | None = None

_stop_polling = threading.Event()


def search_index() -> SearchIndex:
    """The current index: one version query, plus an update when the data or the date changed.

    Changes to a few providers are applied in place before the search is answered
    (milliseconds). A full build — the first of a process, or after a new token — runs
    in a background thread with SEARCH_INDEX_REBUILD = "background" (the default)
    while searches are answered from the previous index; with "inline" it runs before
    the search is answered. In a process whose poller looked at the change log within
    the last second, no query is made at all.
    """
    global _current
    index = _current
    if (
        index is not None
        and _poller is not None
        and time.monotonic() - _last_poll < 2 * POLL_SECONDS
        and index.day == timezone.localdate()
    ):
        return index
    version = _read_version()
    today = timezone.localdate()
    if _is_current(index, version, today):
        return index
    background = settings.SEARCH_INDEX_REBUILD == "background"
    if index is not None and index.base_token == version[0]:
        # In place: a few providers changed, or the day did.
        if not _lock.acquire(blocking=not background):
            return index  # another thread is bringing it up to date
        try:
            _current = index = _updated(_current)
            return index
        except Exception as failure:
            if background:
                logger.info("Rebuilding the search index: %s", failure, exc_info=True)
                _rebuild_in_background()
                return index
            if not isinstance(failure, RebuildNeeded):
                raise
        finally:
            _lock.release()
        # Inline, and the change cannot be applied in place: a full build, below.
    elif index is not None and background:
        _rebuild_in_background()
        return index
    if index is None:
        wait_for_rebuild()  # a build started by `warm_search_index` is the one to wait for
        if _current is not None:
            return search_index()  # brought up to date like any other
    _full_build(today, unless_current=True)
    return _current


def _updated(index: SearchIndex) -> SearchIndex:
    """`index` brought up to date in place, in one snapshot (with _lock held).

    Raises RebuildNeeded when it cannot be: the token changed, or the change cannot
    be applied in place (changes.py).
    """
    from buyers.search import changes

    today = timezone.localdate()
    with snapshot(), connection.cursor() as cursor:
        if read_token(cursor) != index.base_token:
            raise RebuildNeeded("the data's token changed")
        if index.day != today:
            index = changes.refresh_certifications(cursor, index, today)
        changed, seq, xmin, recent = changes.read_changes(cursor, index)
        if changed:
            index = changes.apply_changes(cursor, index, changed)
    index.seq, index.xmin, index.recent = seq, xmin, recent
    return index


#: One full build at a time in a process (searches in "inline" mode, the builder thread).
_full_builds = threading.Lock()

#: Set while the index served is being replaced by one built elsewhere (handover.py).
_handing_over = False


def _full_build(today: datetime.date, *, force: bool = False, unless_current: bool = False) -> None:
    """Replace this process's index with a full build of the current data.

    With settings.SEARCH_INDEX_BUILDS = "thread" it is built here, beside the index
    served, which searches use until the new one is ready. With "process" it is built
    by a process of its own (or by another worker's, handover.py) while this one goes
    on serving; the index served is then let go before the new one is loaded, so the
    process never holds two (`force`: not another worker's file, a new build).
    """
    global _current, _handing_over
    with _full_builds:
        if unless_current and _is_current(_current, _read_version(), today):
            return
        if settings.SEARCH_INDEX_BUILDS != "process":
            index = build_index(today)
            with _lock:
                _current = index
            del index
            release_free_memory()  # the build's scratch and, once unused, the old index
            return
        with handover.built_file(force=force) as stream, BUILD_LOCK, _lock:
            _handing_over = True
            try:
                _let_go_of_current()
                _current = handover.load_index(stream)
            finally:
                _handing_over = False


def _let_go_of_current() -> None:
    """Drop the index served (with _lock held) and wait, briefly, until the searches
    running on it are done with it, so that its memory is free before the next is loaded.
    Searches that start meanwhile wait for the next (search_index)."""
    global _current
    if _current is None:
        return
    replaced = weakref.ref(_current)
    _current = None
    deadline = time.monotonic() + 1.0
    while replaced() is not None and time.monotonic() < deadline:
        time.sleep(0.002)
    if replaced() is not None:  # held by a cycle
        gc.collect()
    release_free_memory()


_builder: threading.Thread | None = None

_builder_lock = threading.Lock()

_last_failure = 0.0

#: Seconds to wait after a failed background rebuild before trying again.
RETRY_AFTER = 30.0


def _rebuild_in_background() -> None:
    global _builder
    with _builder_lock:
        if _builder is not None and _builder.is_alive():
            return
        if time.monotonic() - _last_failure < RETRY_AFTER:
            return
        _builder = threading.Thread(target=_rebuild_until_current, name="search-index")
        _builder.daemon = True
        _builder.start()


def _rebuild_until_current() -> None:
    """Build until the index matches the data (writes may land during a build)."""
    global _current, _last_failure
    force = False
    try:
        for _attempt in range(5):
            today = timezone.localdate()
            version = _read_version()
            index = _current
            if _is_current(index, version, today):
                return
            if index is not None and index.base_token == version[0]:
                try:
                    with _lock:
                        _current = _updated(_current)
                    continue
                except RebuildNeeded as reason:
                    logger.info("Rebuilding the search index: %s", reason)
                    # The build it came from could not be brought up to date: a new one.
                    force = True
            del index
            _full_build(today, force=force)
    except Exception:
        _last_failure = time.monotonic()
        logger.exception("Rebuilding the search index failed; serving the previous one.")
    finally:
        connections.close_all()  # this thread's connections only


def start_polling() -> None:
    """Look at the change log every POLL_SECONDS in a thread of this process, so a write
    shows in its searches within a second even when nobody searches meanwhile, and
    searches need no version query (impactdir/gunicorn_conf.py calls this per worker)."""
    global _poller
    if _poller is not None and _poller.is_alive():
        return
    _stop_polling.clear()
    _poller = threading.Thread(target=_poll, name="search-poller", daemon=True)
    _poller.start()


def stop_polling() -> None:
    """Stop this process's poller (tests; a worker's poller ends with the worker)."""
    global _poller
    poller = _poller
    if poller is not None:
        _stop_polling.set()
        poller.join()
        _poller = None


#: Seconds between two prunings of the change log by one process.
PRUNE_SECONDS = 300.0


def collect_replaced_indexes() -> None:
    """Free the indexes that changes replaced, and hand their memory back to the system.

    Searches hold the index they search only while they run: the search form and the
    cleaned parameters, which a page's template context keeps in reference cycles,
    hold it weakly (filters.py, parameters.py). Before, each replaced index waited for
    Python's cyclic garbage collector, whose full collections are rare in a big
    process: at 100,000 providers a gunicorn worker held eight or nine replaced
    indexes at a time and grew by about 0.5 MB per write (measured, see
    bench/memory.py). So the poller still collects after a change it applied when the
    replaced index outlives its last reference (a search was running on it, or some
    other cycle holds it): about 4 ms at 100,000 providers, with what a worker loaded
    before serving frozen (`freeze_loaded_code`).
    """
    gc.collect()
    release_free_memory()


def freeze_loaded_code() -> None:
    """Keep what this process has loaded so far (Django, the modules) out of the garbage
    collector's scans (`gc.freeze`): gunicorn_conf calls it when a worker starts, before
    it serves or builds anything. Never later: whatever is alive when freezing is never
    collected, and a request in flight then would leave its cycles, with the index they
    hold, in the process for good (the poller froze once the first index was built, and
    so kept that index alive for good when a search ran meanwhile).
    """
    gc.collect()
    gc.freeze()


def _poll() -> None:
    global _current, _last_poll
    from buyers.search import changes

    pruned = time.monotonic()
    while not _stop_polling.is_set():
        try:
            index = _current
            if index is None or _builder_running():
                _stop_polling.wait(POLL_SECONDS)
                continue
            version = _read_version()
            if not _is_current(index, version, timezone.localdate()) or index.xmin is not None:
                if index.base_token != version[0]:
                    _rebuild_in_background()
                else:
                    try:
                        with _lock:
                            _current = _updated(_current)
                    except RebuildNeeded as reason:
                        logger.info("Rebuilding the search index: %s", reason)
                        _rebuild_in_background()
            _last_poll = time.monotonic()
            if _current is not index:
                replaced = weakref.ref(index)
                del index
                if replaced() is not None:  # a search holds it, or cycles do
                    collect_replaced_indexes()
                else:
                    release_free_memory()
            if _last_poll - pruned > PRUNE_SECONDS:
                with connection.cursor() as cursor:
                    changes.prune(cursor)
                pruned = _last_poll
        except Exception:
            logger.exception("Looking for search data changes failed; trying again.")
            connections.close_all()
            _stop_polling.wait(5 * POLL_SECONDS)
        _stop_polling.wait(POLL_SECONDS)
    connections.close_all()


def _builder_running() -> bool:
    builder = _builder
    return builder is not None and builder.is_alive()


def search_index_ready() -> bool:
    """Whether this process has an index to answer searches from (impactdir.health)."""
    return _current is not None or _handing_over


def warm_search_index() -> None:
    """Start building this process's first index in the background (impactdir/gunicorn_conf.py
    calls this when a worker starts, so its first search finds the index ready or nearly so)."""
    _rebuild_in_background()


def wait_for_rebuild(timeout: float | None = None) -> None:
    """Wait for a background build, if one runs, to finish."""
    builder = _builder
    if builder is not None:
        builder.join(timeout)
