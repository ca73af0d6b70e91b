"""Precomputed search data: an in-memory facet index per worker process.

Counting facets in SQL over tens of thousands of matching rows costs hundreds of
milliseconds; counting them over bitsets costs microseconds. Each process keeps
one `SearchIndex`: every published provider gets a bit position (in the
default name order), and every facet option is a Python int whose set bits are
the providers it matches, computed with the same rules as the ProviderQuerySet
verbs (tests hold the two to identical answers).

The index is rebuilt when the database says the data changed: migration
0003_search installs triggers that rewrite a random token in
`providers_search_data_token` on every insert, update, delete or truncate of a
table the facets depend on, so no write path can leave the index stale. The
token is read once per search (one cheap query). Validity of certifications
depends on the date, so the date is part of the key too.

On PostgreSQL the index also holds every published provider's lexemes and name
trigrams (postings.py), so text queries are matched and ranked in memory.
A full build takes a few seconds at 100,000 providers; by default it runs in a
background thread while searches are answered from the previous index
(settings.SEARCH_INDEX_REBUILD).
"""

import ctypes
import ctypes.util
import datetime
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
from buyers.search.concepts import Concepts, build_concepts
from buyers.search.postings import TextIndex, build_text_index
from buyers.search.sqlite_text import Vocabulary, read_vocabulary
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


@dataclass
class FacetOption:
    key: str
    label: str
    level: int = 0


@dataclass
class SearchIndex:
    token: str
    day: datetime.date
    ids: np.ndarray  # position -> provider id, in (name, id) order (int64)
    all_bits: int
    #: provider id -> position, or -1 (numpy int32 array indexed by id)
    id_to_position: np.ndarray
    #: facet param -> option key -> bits
    bits: dict = field(default_factory=dict)
    #: facet param -> ordered options (only those a buyer can choose)
    options: dict = field(default_factory=dict)
    #: impact_at_least[p] = providers whose impact share is >= p (0..100)
    impact_at_least: list = field(default_factory=list)
    #: sort -> list of (chunk bits, chunk positions in order as an int32 array)
    orders: dict = field(default_factory=dict)
    #: slug -> primary key, for the QuerySet verbs
    ids_by_slug: dict = field(default_factory=dict)
    #: lexemes and name trigrams for text search (PostgreSQL only)
    text: TextIndex | None = None
    #: taxonomy names a query may name (concepts.py)
    concepts: Concepts | None = None
    #: the listings' words, for correcting a query word (SQLite only: sqlite_text.py)
    vocabulary: Vocabulary | None = None

    @property
    def size(self) -> int:
        return len(self.ids)

    def position_of(self, provider_id: int) -> int | None:
        if 0 <= provider_id < len(self.id_to_position):
            position = int(self.id_to_position[provider_id])
            return position if position >= 0 else None
        return None

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


def search_data_token() -> str:
    """The database's current token for search data (changes on every relevant write)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TOKEN_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else ""


def search_data_changed() -> None:
    """Mark search data stale now (triggers do this too; explicit after bulk writes)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {TOKEN_TABLE} SET token = md5(random()::text || clock_timestamp()::text)"  # noqa: S608
            )
        else:
            cursor.execute(f"UPDATE {TOKEN_TABLE} SET token = lower(hex(randomblob(16)))")  # noqa: S608


def _is_current(index: SearchIndex | None, token: str, today: datetime.date) -> bool:
    return index is not None and index.token == token and index.day == today


def search_index() -> SearchIndex:
    """The current index: one token query, plus a rebuild when the data or the date changed.

    With SEARCH_INDEX_REBUILD = "background" (the default), a process that already has an
    index keeps answering from it while a thread builds the new one, so no search waits
    for a rebuild (results lag a change by the rebuild's few seconds). The first index of
    a process, and every index with "inline", is built before the search is answered.
    """
    global _current
    token = search_data_token()
    today = timezone.localdate()
    index = _current
    if _is_current(index, token, today):
        return index
    if index is not None and settings.SEARCH_INDEX_REBUILD == "background":
        _rebuild_in_background()
        return index
    if index is None:
        wait_for_rebuild()  # a build started by `warm_search_index` is the one to wait for
        index = _current
        if _is_current(index, token, today):
            return index
    with _lock:
        index = _current
        if not _is_current(index, token, today):
            index = _build(token, today)
            _current = index
            _release_free_memory()
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
            token = search_data_token()
            today = timezone.localdate()
            if _is_current(_current, token, today):
                return
            index = _build(token, today)
            with _lock:
                _current = index
            del index
            _release_free_memory()  # the build's scratch and, once unused, the old index
    except Exception:
        _last_failure = time.monotonic()
        logger.exception("Rebuilding the search index failed; serving the previous one.")
    finally:
        connections.close_all()  # this thread's connections only


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


def _build(token: str, today: datetime.date) -> SearchIndex:
    """Build the index from one consistent snapshot; the token is re-read inside it."""
    outer = connection.in_atomic_block
    with BUILD_LOCK, transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        token = search_data_token()
        return _build_in_snapshot(token, today)


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


def _build_in_snapshot(token: str, today: datetime.date) -> SearchIndex:
    columns = _provider_columns()
    size = len(columns["id"])
    ids = columns["id"]
    nbytes = (size + 7) // 8
    all_bits = (1 << size) - 1
    # id -> position as an array: turning id lists into bits is then a numpy scatter.
    id_to_position = np.full(int(ids.max()) + 1 if size else 1, -1, dtype=np.int32)
    id_to_position[ids] = np.arange(size, dtype=np.int32)
    index = SearchIndex(
        token=token, day=today, ids=ids, all_bits=all_bits, id_to_position=id_to_position
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

    # Certifications: only holdings valid today count (CertificationHolding.valid()).
    certifications = list(Certification.objects.order_by("name").values("id", "slug", "name"))
    cert_slug = {c["id"]: c["slug"] for c in certifications}
    index.bits["certification"] = bits_by(
        "SELECT link.certification_id, {agg} FROM providers_certificationholding link "  # noqa: S608 (constant table names)
        "WHERE (link.expires_on IS NULL OR link.expires_on >= %s) "
        "AND (link.issued_on IS NULL OR link.issued_on <= %s) GROUP BY link.certification_id",
        [today, today],
        key=lambda k: cert_slug[k],
    )
    index.options["certification"] = [FacetOption(c["slug"], c["name"]) for c in certifications]
    index.ids_by_slug["certification"] = {c["slug"]: c["id"] for c in certifications}

    # Languages of service.
    languages = list(Language.objects.order_by("name").values("id", "code", "name"))
    code_of = {lang["id"]: lang["code"] for lang in languages}
    index.bits["language"] = bits_by(
        "SELECT link.language_id, {agg} FROM providers_provider_languages link "  # noqa: S608 (constant table names)
        "GROUP BY link.language_id",
        key=lambda k: code_of[k],
    )
    index.options["language"] = [FacetOption(lang["code"], lang["name"]) for lang in languages]

    # Target groups of the latest impact report.
    groups = list(TargetGroup.objects.order_by("position", "name").values("id", "slug", "name"))
    group_slug = {g["id"]: g["slug"] for g in groups}
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
        slug_of = {item["id"]: item["slug"] for item in items}
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

    index.concepts = build_concepts(
        services=services,
        regions=regions,
        certifications=certifications,
        groups=groups,
        country_codes=sorted(country_bits),
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            index.vocabulary = read_vocabulary(cursor)

    # Sort orders, each as chunks of positions; ties fall back to the name order.
    # (np.lexsort sorts by its last key first.)
    index.orders["name"] = _chunks(positions, size)
    index.orders["impact"] = _chunks(np.lexsort((positions, -share.astype(np.int64))), size)
    # Workforces below the disclosure threshold are never shown, so they sort as equals.
    size_key = np.where(workforce >= disclosure.THRESHOLD, workforce, np.minimum(workforce, 0))
    index.orders["size"] = _chunks(np.lexsort((positions, -size_key)), size)
    updated = columns["updated"]
    index.orders["updated"] = _chunks(np.lexsort((positions, -updated)), size)
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
