"""Each process's case-study library in memory: bitsets over published case studies.

Position 0 is the newest published case study (by year, then the latest added), so
a page of any result is its lowest set bits. Each option of each library facet has
the bitset of the case studies it selects; counts are popcounts of ANDs, as in the
provider search (a page with five facets and ~200 options costs about a
millisecond at 200,000 case studies, and no query).

The library follows the search data's version (`search_index()`: its token, the
change log's last sequence number and the day), which every write to a listing
moves: a case study saved through the services or the admin refreshes its
provider's search text. With settings.SEARCH_INDEX_REBUILD = "inline" (tests) a
new version rebuilds the library before the page is answered; with "background"
(the default) a thread rebuilds it at most every REBUILD_SECONDS while the page
is answered from the previous one (so the library may show listings as they were
up to half a minute ago: counts and pages come from one build, and stay exact
together). Only library pages start a rebuild: nothing is built in a worker
nobody asks for the library.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection, connections

from buyers.search.bits import bits_to_bool, bool_to_bits
from buyers.search.build import BUILD_LOCK, facet_bits, release_free_memory, snapshot
from buyers.search.current import search_index
from buyers.search.index import FacetOption
from providers.models import ListingStatus

from .facets import LIBRARY_FACETS

logger = logging.getLogger(__name__)

#: Least seconds between two background rebuilds of one process's library (a build of
#: 100,000 case studies takes seconds of a core: not after every write of a busy minute).
REBUILD_SECONDS = 30.0


@dataclass
class LibraryIndex:
    #: the search data's version the build started from: (token, sequence, day)
    version: tuple
    ids: np.ndarray  # position -> case study id (int64), newest first
    #: case study id -> position, or -1 (int32 array indexed by id)
    id_to_position: np.ndarray
    all_bits: int
    #: facet param -> option key -> bits
    bits: dict = field(default_factory=dict)
    #: facet param -> ordered options (FacetOption), as the page lists them
    options: dict = field(default_factory=dict)
    #: a query's words -> the bits of the case studies holding them all (selector.py);
    #: a new build starts empty, so no match outlives the data it was read from
    text_bits: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.ids)

    def bits_of(self, case_study_ids) -> int:
        """The bitset of the given case study ids (unknown or unpublished ones dropped)."""
        return _to_bits(case_study_ids, self.id_to_position, self.size)

    def page_ids(self, bits: int, offset: int, limit: int) -> list:
        """Case study ids at [offset, offset + limit) of `bits`, newest first."""
        if not bits:
            return []
        positions = np.flatnonzero(bits_to_bool(bits, self.size))[offset : offset + limit]
        return self.ids[positions].tolist()


def _to_bits(case_study_ids, id_to_position: np.ndarray, size: int) -> int:
    ids = np.fromiter(case_study_ids, dtype=np.int64)
    ids = ids[(ids >= 0) & (ids < len(id_to_position))]
    positions = id_to_position[ids]
    found = np.zeros(size, dtype=bool)
    found[positions[positions >= 0]] = True
    return bool_to_bits(found)


def build_library(version: tuple) -> LibraryIndex:
    """Build the library from one consistent snapshot (one query per facet, plus two).

    One large build at a time per process (`BUILD_LOCK`, shared with the search index
    and the statistics data: built side by side at a worker's start they took it past
    its memory budget), and the case study ids of each option arrive packed, as the
    search index's do (`facet_bits`): no Python object per case study and option.
    """
    with BUILD_LOCK, snapshot(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT cs.id FROM providers_casestudy cs "
            "JOIN providers_provider p ON p.id = cs.provider_id "
            "WHERE p.status = %s ORDER BY cs.year DESC, cs.id DESC",
            [ListingStatus.PUBLISHED],
        )
        ids = np.fromiter((row[0] for row in cursor), dtype=np.int64)
        size = len(ids)
        id_to_position = np.full(int(ids.max()) + 1 if size else 0, -1, dtype=np.int32)
        id_to_position[ids] = np.arange(size, dtype=np.int32)
        bits, options = {}, {}
        for facet in LIBRARY_FACETS:
            bits[facet.param] = facet_bits(facet, version[2], id_to_position, (size + 7) // 8)
            rows = [
                FacetOption(key, label, level) for key, label, level, _id in facet.option_rows()
            ]
            if facet.param == "year":
                rows.reverse()  # newest first
            options[facet.param] = tuple(rows)
    return LibraryIndex(
        version=version,
        ids=ids,
        id_to_position=id_to_position,
        all_bits=(1 << size) - 1,
        bits=bits,
        options=options,
    )


def _version() -> tuple:
    search = search_index()
    return (search.base_token, search.seq, search.day)


_current: LibraryIndex | None = None
_lock = threading.Lock()
_builder: threading.Thread | None = None
_builder_lock = threading.Lock()
_last_start = 0.0


def library_index() -> LibraryIndex:
    """The current library: rebuilt when the search data's version moved (see the module)."""
    global _current
    version = _version()
    library = _current
    builder = _builder
    if library is None and builder is not None:
        builder.join()  # a first build started by `warm_library` is the one to wait for
        library = _current
    if library is not None:
        if library.version == version:
            return library
        if settings.SEARCH_INDEX_REBUILD == "background":
            _rebuild_in_background()
            return library
    with _lock:
        library = _current
        if library is None or library.version != version:
            library = _current = build_library(version)
    return library


def _rebuild_in_background() -> None:
    global _builder, _last_start
    with _builder_lock:
        if _builder is not None and _builder.is_alive():
            return
        if time.monotonic() - _last_start < REBUILD_SECONDS:
            return
        _last_start = time.monotonic()
        _builder = threading.Thread(target=_rebuild, name="case-study-library", daemon=True)
        _builder.start()


def _rebuild() -> None:
    global _current
    try:
        library = build_library(_version())
        with _lock:
            _current = library
        del library
        release_free_memory()
    except Exception:
        logger.exception("Rebuilding the case-study library failed; serving the previous one.")
    finally:
        connections.close_all()  # this thread's connections only


def warm_library() -> None:
    """Build this process's first library in the background (gunicorn workers, at start)."""
    _rebuild_in_background()
