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
from buyers.search.facets import FILTERS, THRESHOLD, Facet
from buyers.search.index import (
    _EPOCH,
    _MICROSECOND,
    _NEVER,
    CHANGE_TABLE,
    CHUNK,
    ORDINAL_STEP,
    FacetOption,
    SearchIndex,
    _aware,
    _to_bits,
    read_token,
)
from buyers.search.postings import build_text_index
from buyers.search.sqlite_text import read_vocabulary
from providers import disclosure

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


def _row_branches() -> list:
    """(facet, branch) of every declared branch read from the provider's own row."""
    return [(f, b) for f in FILTERS for b in f.branches if b.of_provider_row]


def _provider_columns(today: datetime.date) -> dict:
    """Published providers in (name, id) order, as numpy columns (read in batches); with
    "keys", the option key (or None) of each provider-row branch (`_row_branches`)."""
    branches = _row_branches()
    values, params = [], []
    for _facet, branch in branches:
        value, value_params = branch.row_value(today)
        values.append(f", {value}")
        params += value_params
    columns = {"id": [], "share": [], "workforce": [], "updated": [], "verified": []}
    keys = [[] for _ in branches]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT link.id, link.impact_share, link.workforce, link.updated_at, "  # noqa: S608 (declared SQL)
            f"link.verified_at IS NOT NULL{''.join(values)} "
            "FROM providers_provider link WHERE link.status = 'published' "
            "ORDER BY link.name, link.id",
            params,
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
            for at, found in enumerate(keys):
                found += [row[5 + at] for row in batch]
    empty = {"id": np.int64, "share": np.int32, "workforce": np.int64, "updated": np.int64}
    columns = {
        key: np.concatenate(parts) if parts else np.zeros(0, dtype=empty.get(key, bool))
        for key, parts in columns.items()
    }
    columns["keys"] = {
        branch: found for (_facet, branch), found in zip(branches, keys, strict=True)
    }
    return columns


def _row_bits(found: list) -> dict:
    """Option key -> bits of a provider-row branch's keys (one per position, or None)."""
    keys = np.array(["" if key is None else str(key) for key in found], dtype=str)
    unique, inverse = np.unique(keys, return_inverse=True)
    bits = {}
    for at, key in enumerate(unique):
        if key:
            bits[str(key)] = bool_to_bits(inverse == at)
    return bits


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


def facet_bits(
    facet: Facet, today: datetime.date, id_to_position, nbytes: int, row_keys=None, built=None
) -> dict:
    """Option key -> bits of one facet on `today` from its declaration: its branches'
    membership SQL in one query, provider ids grouped by key (unpublished providers have no
    position and drop). In a build: with `row_keys` (the pass over the providers) its
    provider-row branches from those, and with `built` (facet param -> bits so far) its
    roll-ups from the bits they roll up."""
    found: dict = {}
    branches = facet.branches
    rollups = ()
    if built is not None:
        rollups = tuple(branch for branch in branches if branch.rollup_of)
        branches = tuple(branch for branch in branches if not branch.rollup_of)
    if row_keys is not None:
        for branch in branches:
            if branch.of_provider_row:
                for key, bits in _row_bits(row_keys[branch]).items():
                    found[key] = found.get(key, 0) | bits
        branches = tuple(branch for branch in branches if not branch.of_provider_row)
    if branches:
        sql, params = Facet.membership_of(branches, today)
        grouped = _grouped(
            f"SELECT link.option_key, {{agg}} FROM ({sql}) link GROUP BY link.option_key",  # noqa: S608 (declared SQL)
            params,
        )
        for key, ids in grouped.items():
            found[str(key)] = found.get(str(key), 0) | _to_bits(ids, id_to_position, nbytes)
    for branch in rollups:
        of = found if branch.rollup_of == facet.param else built[branch.rollup_of]
        rolled: dict = {}
        with connection.cursor() as cursor:
            cursor.execute(branch.rollup)
            for key, part in cursor.fetchall():
                rolled[str(key)] = rolled.get(str(key), 0) | of.get(str(part), 0)
        for key, bits in rolled.items():
            found[key] = found.get(key, 0) | bits
    return found


def _at_least(found: dict, bounds: tuple) -> list:
    """A threshold facet's bits per value -> bits of the providers at or above each value."""
    low, high = bounds
    by_value = {}
    for key, bits in found.items():
        value = min(max(int(key), low), high)
        by_value[value] = by_value.get(value, 0) | bits
    at_least, running = [0] * (high - low + 1), 0
    for value in range(high, low - 1, -1):
        running |= by_value.get(value, 0)
        at_least[value - low] = running
    return at_least


def dated_facets() -> tuple:
    """Facets whose membership depends on the day (a certificate's validity)."""
    return tuple(f for f in FILTERS if any(branch.dated for branch in f.branches))


def build_in_snapshot(today: datetime.date) -> SearchIndex:
    with connection.cursor() as cursor:
        token = read_token(cursor)
        seq, xmin = _log_position(cursor)
    columns = _provider_columns(today)
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

    # Every facet from its declaration (facets.py): its options, and its bits from its
    # membership SQL, grouped by option key.
    for facet in FILTERS:
        found = facet_bits(facet, today, id_to_position, nbytes, columns["keys"], index.bits)
        if facet.kind == THRESHOLD:
            # The one threshold (impact_min): providers at or above each whole percent.
            index.impact_at_least = _at_least(found, facet.bounds)
            continue
        rows = facet.option_rows()
        index.options[facet.param] = [FacetOption(k, label, level) for k, label, level, _ in rows]
        pks = {key: pk for key, _label, _level, pk in rows if pk is not None}
        if pks:
            index.ids_by_slug[facet.param] = pks
        index.bits[facet.param] = found

    index.concepts = build_concepts(index.options)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            index.vocabulary = read_vocabulary(cursor)

    # Sort orders, each as chunks of positions; ties fall back to the name order.
    # (np.lexsort sorts by its last key first.)
    # Each order's keys are kept per position, so a changed provider can move (changes.py).
    positions = np.arange(size, dtype=np.int32)
    workforce = columns["workforce"]
    share = columns["share"]
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
