"""Building a search index from the database, in one consistent snapshot.

A full build reads every published provider (a few seconds at 100,000): when a
process starts, when the data's token changes (taxonomy edits, restores, bulk
writes that bypass the triggers) and when a change cannot be applied in place.
Listing changes are applied in place instead (changes.py).
"""

import ctypes
import ctypes.util
import datetime
import threading

import numpy as np
from django.db import connection, transaction

from buyers.search.bits import bool_to_bits
from buyers.search.concepts import build_concepts
from buyers.search.index import (
    _EPOCH,
    _MICROSECOND,
    _NEVER,
    CHANGE_TABLE,
    CHUNK,
    ORDINAL_STEP,
    TOKEN_TABLE,
    FacetOption,
    SearchIndex,
    _aware,
    _to_bits,
)
from buyers.search.postings import build_text_index
from buyers.search.sqlite_text import read_vocabulary
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

#: One large build at a time per process: the search index's or the statistics data's
#: (providers.stats.data). Built side by side, with the previous index still held, they
#: took a worker past its memory budget (209 MB at 100,000 providers; measured).
BUILD_LOCK = threading.RLock()


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


# The grouped queries below read only the link tables: unpublished providers have no
# position in the index and `_to_bits` drops them, which is far cheaper than joining the
# wide provider table once per facet (2.7 s -> 1.5 s for 100,000 providers).


class snapshot(transaction.Atomic):
    """One consistent, read-only view of the data (REPEATABLE READ on PostgreSQL)."""

    def __init__(self):
        super().__init__(using=None, savepoint=True, durable=False)

    def __enter__(self):
        outer = connection.in_atomic_block
        super().__enter__()
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def build_index(today: datetime.date) -> SearchIndex:
    """Build the index from one consistent snapshot."""
    with BUILD_LOCK, snapshot():
        return build_in_snapshot(today)


def release_free_memory() -> None:
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


def build_in_snapshot(today: datetime.date) -> SearchIndex:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TOKEN_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
        token = row[0] if row else ""
        seq, xmin = _log_position(cursor)
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


def _log_position(cursor) -> tuple[int, int | None]:
    """(the change log's last sequence number, the snapshot's xmin on PostgreSQL)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            f"SELECT COALESCE(MAX(seq), 0), pg_snapshot_xmin(pg_current_snapshot())::text "  # noqa: S608
            f"FROM {CHANGE_TABLE}"
        )
        seq, xmin = cursor.fetchone()
        return int(seq), int(xmin)
    cursor.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {CHANGE_TABLE}")  # noqa: S608
    return int(cursor.fetchone()[0]), None
