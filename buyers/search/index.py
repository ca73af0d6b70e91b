"""Precomputed search data: an in-memory facet index per worker process.

Counting facets in SQL over tens of thousands of matching rows costs hundreds of
milliseconds; counting them over bitsets costs microseconds. Each process keeps
one `SearchIndex`: every published provider gets a bit position (in the name
order at build time), and every facet option is a Python int whose set bits are
the providers it matches, computed with the same rules as the ProviderQuerySet
verbs (tests hold the two to identical answers).

Keeping it current: triggers log the id of every provider a write changes
(migration 0011_search_changes), and the index is updated in place from that log
(changes.py), in work proportional to the change. The data's version is the
token of `providers_search_data_token` plus the last logged sequence number; a
search reads it (one cheap query) unless this process's poller (gunicorn) looked
within the last second. A new token — taxonomy changes, restores, migrations —
means a full build, as does the first index of a process. The date matters too
(certificates expire): a new day recomputes the certification bits.

On PostgreSQL the index also holds every published provider's lexemes and name
trigrams (postings.py), so text queries are matched and ranked in memory. A full
build takes a few seconds at 100,000 providers; with the default
settings.SEARCH_INDEX_REBUILD = "background" it runs in a background thread while
searches are answered from the previous index.
"""

import ctypes
import ctypes.util
import datetime
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from buyers.search.bits import bits_to_bool, bool_to_bits
from buyers.search.postings import TextIndex, build_text_index
from providers import disclosure
from providers.models import (
    SIZE_BAND_BOUNDS,
    Certification,
    DeliveryMode,
    Language,
    PricingModel,
    Region,
    RegionCountry,
    Service,
    SizeBand,
    TargetGroup,
)

logger = logging.getLogger(__name__)

TOKEN_TABLE = "providers_search_data_token"  # noqa: S105 (a table name)

#: Positions per chunk of a sort order; a page is found by skipping whole chunks.
CHUNK = 1024

#: Orders the index can page through without the database (relevance needs a query).
INDEX_ORDERS = ("name", "impact", "size", "updated")

#: Gap between neighbours' name-order keys at build time (room for providers placed
#: between them later without renumbering).
ORDINAL_STEP = 1 << 32


_builds = itertools.count(1)


@dataclass
class FacetOption:
    key: str
    label: str
    level: int = 0


@dataclass
class SearchIndex:
    base_token: str
    day: datetime.date
    ids: np.ndarray  # position -> provider id (int64); positions past the build are appended
    all_bits: int
    #: provider id -> position, or -1 (numpy int32 array indexed by id)
    id_to_position: np.ndarray
    #: last change-log sequence number applied (see changes.py)
    seq: int = 0
    #: PostgreSQL: xmin of the snapshot of the last look at the change log, and the
    #: numbers of rows read by transaction id then (they may show up again)
    xmin: int | None = None
    recent: frozenset = frozenset()
    #: facet param -> option key -> bits
    bits: dict = field(default_factory=dict)
    #: facet param -> ordered options (only those a buyer can choose)
    options: dict = field(default_factory=dict)
    #: impact_at_least[p] = providers whose impact share is >= p (0..100)
    impact_at_least: list = field(default_factory=list)
    #: sort -> list of (chunk bits, chunk positions in order as an int32 array)
    orders: dict = field(default_factory=dict)
    #: per position: name-order key, and each numeric order's first key (ascending)
    ordinal: np.ndarray | None = None
    sort_share: np.ndarray | None = None
    sort_size: np.ndarray | None = None
    sort_updated: np.ndarray | None = None
    #: per position: sequence number of the provider's last change (the build's own for
    #: providers unchanged since); result cards are kept per provider and stamp
    stamps: np.ndarray | None = None
    #: slug -> primary key, for the QuerySet verbs; and back, for applying changes
    ids_by_slug: dict = field(default_factory=dict)
    slug_by_id: dict = field(default_factory=dict)
    service_parent: dict = field(default_factory=dict)  # slug -> parent slug
    region_countries: dict = field(default_factory=dict)  # slug -> frozenset of codes
    #: lexemes and name trigrams for text search (PostgreSQL only), as built
    text: TextIndex | None = None
    #: positions whose text changed since the build (text.py asks the database)
    text_stale: int = 0
    #: which build of this process the positions come from (caches of positions use it)
    build: int = field(default_factory=lambda: next(_builds))

    @property
    def token(self) -> str:
        """The version of the data this index shows (cache keys, ETags)."""
        return f"{self.base_token}:{self.seq}"

    @property
    def size(self) -> int:
        return len(self.ids)

    def position_of(self, provider_id: int) -> int | None:
        if 0 <= provider_id < len(self.id_to_position):
            position = int(self.id_to_position[provider_id])
            return position if position >= 0 else None
        return None

    def stamp_of(self, provider_id: int) -> int:
        position = self.position_of(provider_id)
        return int(self.stamps[position]) if position is not None else -1

    def positions_of(self, provider_ids) -> int:
        """Bits of the given provider ids (ids not in the index are ignored)."""
        return _to_bits(list(provider_ids), self.id_to_position, (self.size + 7) // 8)

    def page_ids(self, result_bits: int, order: str, offset: int, limit: int) -> list:
        """Provider ids at [offset, offset + limit) of `result_bits` in the given order."""
        found = []
        skip = offset
        for chunk_bits, chunk_positions in self.orders[order]:
            hits = result_bits & chunk_bits
            if not hits:
                continue
            count = hits.bit_count()
            if skip >= count:
                skip -= count
                continue
            in_result = bits_to_bool(hits, self.size)
            positions = chunk_positions[in_result[chunk_positions]][
                skip : skip + limit - len(found)
            ]
            skip = 0
            found.extend(self.ids[positions].tolist())
            if len(found) == limit:
                break
        return found


_lock = threading.Lock()
_current: SearchIndex | None = None
#: One large build at a time per process: the search index's or the statistics data's
#: (providers.stats.data). Built side by side, with the previous index still held, they
#: took a worker past its memory budget (209 MB at 100,000 providers; measured).
BUILD_LOCK = threading.RLock()


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
        if _lock.acquire(blocking=not background):
            try:
                _current = index = _updated(_current)
            except Exception:
                if not background:
                    raise
                logger.exception("Updating the search index failed; rebuilding it.")
                _rebuild_in_background()
            finally:
                _lock.release()
        return index
    if index is not None and background:
        _rebuild_in_background()
        return index
    if index is None:
        wait_for_rebuild()  # a build started by `warm_search_index` is the one to wait for
        index = _current
        if _is_current(index, _read_version(), today):
            return index
    with _lock:
        index = _current
        if not _is_current(index, _read_version(), today):
            index = _build(today)
            _current = index
            _release_free_memory()
    return index


def _updated(index: SearchIndex) -> SearchIndex:
    """`index` brought up to date in place where it can be, in one snapshot (else rebuilt)."""
    from buyers.search import changes

    today = timezone.localdate()
    with _snapshot(), connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TOKEN_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
        if row is None or row[0] != index.base_token:
            return _build_in_snapshot(today)
        try:
            if index.day != today:
                index = changes.refresh_certifications(cursor, index, today)
            changed, seq, xmin, recent = changes.read_changes(cursor, index)
            if changed:
                index = changes.apply_changes(cursor, index, changed)
        except changes.RebuildNeeded as reason:
            logger.info("Rebuilding the search index: %s", reason)
            return _build_in_snapshot(today)
    index.seq, index.xmin, index.recent = seq, xmin, recent
    return index


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
    try:
        for _attempt in range(5):
            today = timezone.localdate()
            version = _read_version()
            index = _current
            if _is_current(index, version, today):
                return
            if index is not None and index.base_token == version[0]:
                with _lock:
                    _current = _updated(_current)
                continue
            index = _build(today)
            with _lock:
                _current = index
            del index
            _release_free_memory()  # the build's scratch and, once unused, the old index
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
                    with _lock:
                        _current = _updated(_current)
            _last_poll = time.monotonic()
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
    return _current is not None


def warm_search_index() -> None:
    """Start building this process's first index in the background (impactdir/gunicorn_conf.py
    calls this when a worker starts, so its first search finds the index ready or nearly so)."""
    _rebuild_in_background()


def wait_for_rebuild(timeout: float | None = None) -> None:
    """Wait for a background build, if one runs, to finish."""
    builder = _builder
    if builder is not None:
        builder.join(timeout)


def _chunks(order: np.ndarray, size: int) -> list:
    """Cut an order (positions) into chunks of (bits, positions as an int32 array)."""
    chunks = []
    for start in range(0, len(order), CHUNK):
        positions = np.ascontiguousarray(order[start : start + CHUNK], dtype=np.int32)
        mask = np.zeros(size, dtype=bool)
        mask[positions] = True
        chunks.append((bool_to_bits(mask), positions))
    return chunks


def _grouped(sql: str, params=()) -> dict:
    """Run `sql` (which selects a key and {agg} of provider ids, grouped by key): key -> ids.

    On PostgreSQL the ids arrive packed in one bytea per key, read straight into numpy
    (no Python object per id).
    """
    postgres = connection.vendor == "postgresql"
    agg = "string_agg(int8send(%s), ''::bytea)" if postgres else "group_concat(%s)"
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{agg}", agg.replace("%s", "link.provider_id")), params)
        rows = cursor.fetchall()
    if postgres:
        return {key: np.frombuffer(bytes(ids), dtype=">i8") for key, ids in rows}
    return {key: [int(i) for i in ids.split(",")] for key, ids in rows}


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)
_NEVER = -(2**62)  # "updated" of a row without updated_at; still safe to negate


def _provider_columns() -> dict:
    """Published providers in (name, id) order, as numpy columns (read in batches)."""
    columns = {"id": [], "share": [], "workforce": [], "updated": [], "verified": []}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, impact_share, workforce, updated_at, verified_at IS NOT NULL "
            "FROM providers_provider WHERE status = 'published' ORDER BY name, id"
        )
        while batch := cursor.fetchmany(5000):
            columns["id"].append(np.array([row[0] for row in batch], dtype=np.int64))
            # -1: no impact share / no workforce; the minimum: never updated.
            columns["share"].append(
                np.array([-1 if row[1] is None else row[1] for row in batch], dtype=np.int32)
            )
            columns["workforce"].append(
                np.array([-1 if row[2] is None else row[2] for row in batch], dtype=np.int64)
            )
            columns["updated"].append(
                np.array(
                    [
                        _NEVER if row[3] is None else (_aware(row[3]) - _EPOCH) // _MICROSECOND
                        for row in batch
                    ],
                    dtype=np.int64,
                )
            )
            columns["verified"].append(np.array([bool(row[4]) for row in batch], dtype=bool))
    empty = {"id": np.int64, "share": np.int32, "workforce": np.int64, "updated": np.int64}
    return {
        key: np.concatenate(parts) if parts else np.zeros(0, dtype=empty.get(key, bool))
        for key, parts in columns.items()
    }


def _to_bits(ids, id_to_position: np.ndarray, nbytes: int) -> int:
    """Bits of the given provider ids (ids without a position are ignored)."""
    if not len(ids):
        return 0
    found = np.asarray(ids, dtype=np.int64)
    found = id_to_position[found[(found >= 0) & (found < len(id_to_position))]]
    mask = np.zeros(nbytes * 8, dtype=bool)
    mask[found[found >= 0]] = True
    return bool_to_bits(mask)


# The grouped queries below read only the link tables: unpublished providers have no
# position in the index and `_to_bits` drops them, which is far cheaper than joining the
# wide provider table once per facet (2.7 s -> 1.5 s for 100,000 providers).


class _snapshot(transaction.Atomic):
    """One consistent, read-only view of the data (REPEATABLE READ on PostgreSQL)."""

    def __init__(self):
        super().__init__(using=None, savepoint=True, durable=False)

    def __enter__(self):
        outer = connection.in_atomic_block
        super().__enter__()
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _build(today: datetime.date) -> SearchIndex:
    """Build the index from one consistent snapshot."""
    with BUILD_LOCK, _snapshot():
        return _build_in_snapshot(today)


def _release_free_memory() -> None:
    """Hand freed memory (a build's scratch, a replaced index) back to the system (glibc)."""
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc():
    """glibc, tuned so that rebuilding the index does not make a worker grow.

    By default glibc raises its mmap threshold each time a large block is freed, so
    a rebuild's big scratch arrays end up on the heap, where freed memory stays with
    the process (measured: +60 MB after a few rebuilds at 100,000 providers). A fixed
    threshold keeps blocks of 128 KiB and more in mmap, returned to the system on free.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
        libc.malloc_trim  # noqa: B018 (glibc has it; other C libraries may not)
    except (OSError, AttributeError):
        return None
    return libc


_M_MMAP_THRESHOLD = -3
_libc = _load_libc()


def provider_row_values(row) -> tuple[int, int, int, bool]:
    """(impact share or -1, workforce or -1, updated_at in microseconds, verified) of a
    provider row's (impact_share, workforce, updated_at, verified) as the index keeps them."""
    share, workforce, updated, verified = row
    return (
        -1 if share is None else int(share),
        -1 if workforce is None else int(workforce),
        _NEVER if updated is None else (_aware(updated) - _EPOCH) // _MICROSECOND,
        bool(verified),
    )


def size_band_of(workforce: int) -> str | None:
    """The size band of a workforce (-1: none), as the size facet's bits hold it."""
    for band, (low, high) in SIZE_BAND_BOUNDS.items():
        if workforce >= max(low, 1) and (high is None or workforce < high):
            return band.value
    return None


_CERTIFICATION_SQL = (
    "SELECT link.certification_id, {agg} FROM providers_certificationholding link "  # noqa: S608 (constant table names)
    "WHERE (link.expires_on IS NULL OR link.expires_on >= %s) "
    "AND (link.issued_on IS NULL OR link.issued_on <= %s) GROUP BY link.certification_id"
)


def certification_bits(index: SearchIndex, today: datetime.date) -> dict:
    """Certification slug -> bits of the index's providers holding it valid on `today`."""
    slug_of = index.slug_by_id["certification"]
    nbytes = (index.size + 7) // 8
    return {
        slug_of[key]: _to_bits(found, index.id_to_position, nbytes) & index.all_bits
        for key, found in _grouped(_CERTIFICATION_SQL, [today, today]).items()
        if key in slug_of
    }


def _build_in_snapshot(today: datetime.date) -> SearchIndex:
    from buyers.search.changes import snapshot_position

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TOKEN_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
        token = row[0] if row else ""
        seq, xmin = snapshot_position(cursor)
    columns = _provider_columns()
    size = len(columns["id"])
    ids = columns["id"]
    nbytes = (size + 7) // 8
    all_bits = (1 << size) - 1
    # id -> position as an array: turning id lists into bits is then a numpy scatter.
    id_to_position = np.full(int(ids.max()) + 1 if size else 1, -1, dtype=np.int32)
    id_to_position[ids] = np.arange(size, dtype=np.int32)
    index = SearchIndex(
        base_token=token,
        day=today,
        ids=ids,
        all_bits=all_bits,
        id_to_position=id_to_position,
        seq=seq,
        xmin=xmin,
    )
    if connection.vendor == "postgresql":
        index.text = build_text_index(connection, id_to_position, size)

    def bits_by(sql, params=(), key=lambda k: k):
        return {
            key(k): _to_bits(found, id_to_position, nbytes)
            for k, found in _grouped(sql, params).items()
        }

    # Services: a provider offering a service also counts for its category.
    services = list(
        Service.objects.order_by("position", "name").values("id", "slug", "name", "parent_id")
    )
    by_id = {s["id"]: s for s in services}
    offered = bits_by(
        "SELECT link.service_id, {agg} FROM providers_providerservice link "  # noqa: S608 (constant table names)
        "GROUP BY link.service_id"
    )
    service_bits = {}
    for service_id, bits in offered.items():
        service = by_id[service_id]
        service_bits[service["slug"]] = service_bits.get(service["slug"], 0) | bits
        if service["parent_id"] is not None:
            parent = by_id[service["parent_id"]]["slug"]
            service_bits[parent] = service_bits.get(parent, 0) | bits
    index.bits["service"] = service_bits
    service_options = []
    for category in (s for s in services if s["parent_id"] is None):
        service_options.append(FacetOption(category["slug"], category["name"], 0))
        for child in services:
            if child["parent_id"] == category["id"]:
                service_options.append(FacetOption(child["slug"], child["name"], 1))
    index.options["service"] = service_options
    index.ids_by_slug["service"] = {s["slug"]: s["id"] for s in services}
    index.slug_by_id["service"] = {s["id"]: s["slug"] for s in services}
    index.service_parent = {
        s["slug"]: by_id[s["parent_id"]]["slug"] if s["parent_id"] is not None else None
        for s in services
    }

    # Delivery countries and the regions they roll up to.
    country_bits = bits_by(
        "SELECT link.country, {agg} FROM providers_deliverycentre link "  # noqa: S608 (constant table names)
        "GROUP BY link.country",
        key=str,
    )
    index.bits["country"] = country_bits
    index.options["country"] = [FacetOption(code, code) for code in sorted(country_bits)]

    regions = list(Region.objects.order_by("name").values("id", "slug", "name", "parent_id"))
    members: dict = {}
    for region_id, country in RegionCountry.objects.values_list("region_id", "country"):
        members.setdefault(region_id, []).append(str(country))
    region_bits = {}
    for region in regions:
        bits = 0
        for country in members.get(region["id"], ()):
            bits |= country_bits.get(country, 0)
        region_bits[region["slug"]] = bits
    index.bits["region"] = region_bits
    region_options = []
    for top in (r for r in regions if r["parent_id"] is None):
        region_options.append(FacetOption(top["slug"], top["name"], 0))
        for child in regions:
            if child["parent_id"] == top["id"]:
                region_options.append(FacetOption(child["slug"], child["name"], 1))
    index.options["region"] = region_options
    index.ids_by_slug["region"] = {r["slug"]: r["id"] for r in regions}
    index.region_countries = {r["slug"]: frozenset(members.get(r["id"], ())) for r in regions}

    # Certifications: only holdings valid today count (CertificationHolding.valid()).
    certifications = list(Certification.objects.order_by("name").values("id", "slug", "name"))
    index.slug_by_id["certification"] = {c["id"]: c["slug"] for c in certifications}
    index.bits["certification"] = certification_bits(index, today)
    index.options["certification"] = [FacetOption(c["slug"], c["name"]) for c in certifications]
    index.ids_by_slug["certification"] = {c["slug"]: c["id"] for c in certifications}

    # Languages of service.
    languages = list(Language.objects.order_by("name").values("id", "code", "name"))
    code_of = index.slug_by_id["language"] = {lang["id"]: lang["code"] for lang in languages}
    index.bits["language"] = bits_by(
        "SELECT link.language_id, {agg} FROM providers_provider_languages link "  # noqa: S608 (constant table names)
        "GROUP BY link.language_id",
        key=lambda k: code_of[k],
    )
    index.options["language"] = [FacetOption(lang["code"], lang["name"]) for lang in languages]

    # Target groups of the latest impact report.
    groups = list(TargetGroup.objects.order_by("position", "name").values("id", "slug", "name"))
    group_slug = index.slug_by_id["group"] = {g["id"]: g["slug"] for g in groups}
    index.bits["group"] = bits_by(
        "SELECT g.target_group_id, {agg} FROM providers_impactreportgroup g "  # noqa: S608 (constant table names)
        "JOIN providers_impactreport link ON link.id = g.report_id AND link.is_latest "
        "GROUP BY g.target_group_id",
        key=lambda k: group_slug[k],
    )
    index.options["group"] = [FacetOption(g["slug"], g["name"]) for g in groups]
    index.ids_by_slug["group"] = {g["slug"]: g["id"] for g in groups}

    # Pricing models and delivery modes.
    for param, model, table, column in (
        ("pricing", PricingModel, "providers_provider_pricing_models", "pricingmodel_id"),
        ("mode", DeliveryMode, "providers_provider_delivery_modes", "deliverymode_id"),
    ):
        items = list(model.objects.order_by("position", "name").values("id", "slug", "name"))
        slug_of = index.slug_by_id[param] = {item["id"]: item["slug"] for item in items}
        index.bits[param] = bits_by(
            f"SELECT link.{column}, {{agg}} FROM {table} link "  # noqa: S608 (constant table names)
            f"GROUP BY link.{column}",
            key=lambda k, slug_of=slug_of: slug_of[k],
        )
        index.options[param] = [FacetOption(i["slug"], i["name"]) for i in items]
        index.ids_by_slug[param] = {i["slug"]: i["id"] for i in items}

    # Size bands, verification and impact share come from the provider rows.
    positions = np.arange(size, dtype=np.int32)
    workforce = columns["workforce"]
    index.bits["size"] = {}
    for band, (low, high) in SIZE_BAND_BOUNDS.items():
        in_band = (workforce >= max(low, 1)) & ((workforce < high) if high is not None else True)
        index.bits["size"][band.value] = bool_to_bits(in_band)
    index.options["size"] = [FacetOption(band.value, str(band.label)) for band in SizeBand]
    index.bits["verified"] = {"1": bool_to_bits(columns["verified"])}
    index.options["verified"] = [FacetOption("1", "")]
    share = columns["share"]
    index.impact_at_least = [bool_to_bits(share >= percent) for percent in range(101)]

    # Sort orders, each as chunks of positions; ties fall back to the name order.
    # (np.lexsort sorts by its last key first.)
    # Each order's keys are kept per position, so a changed provider can move (changes.py).
    index.ordinal = positions.astype(np.int64) * ORDINAL_STEP
    index.sort_share = -share.astype(np.int64)
    # Workforces below the disclosure threshold are never shown, so they sort as equals.
    size_key = np.where(workforce >= disclosure.THRESHOLD, workforce, np.minimum(workforce, 0))
    index.sort_size = -size_key
    index.sort_updated = -columns["updated"]
    # A provider's stamp: the last change the index has of it; at a build, the build's own
    # sequence number (cards kept from before a rebuild with the same token stay right).
    index.stamps = np.full(size, seq, dtype=np.int64)
    index.orders["name"] = _chunks(positions, size)
    for order, keys in (
        ("impact", index.sort_share),
        ("size", index.sort_size),
        ("updated", index.sort_updated),
    ):
        index.orders[order] = _chunks(np.lexsort((positions, keys)), size)
    return index


def _aware(value):
    """Raw SQLite rows give naive UTC datetimes (or strings); PostgreSQL gives aware ones."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def index_order_by(order: str) -> list:
    """The ORDER BY that gives the same order as the index's `order` (for the database)."""
    return {
        "name": ["name", "id"],
        "impact": [F("impact_share").desc(nulls_last=True), "name", "id"],
        "size": [
            Case(
                When(workforce__lt=disclosure.THRESHOLD, then=Value(0)),
                default=F("workforce"),
                output_field=IntegerField(),
            ).desc(nulls_last=True),
            "name",
            "id",
        ],
        "updated": ["-updated_at", "name", "id"],
    }[order]
