"""The in-memory search index of one worker process: what it holds and how it is read.

Counting facets in SQL over tens of thousands of matching rows costs hundreds of
milliseconds; counting them over bitsets costs microseconds. Each process keeps
one `SearchIndex`: every published provider gets a bit position (in the name
order at build time; providers published later get the next free ones), and
every facet option is a Python int whose set bits are the providers it matches,
computed with the same rules as the ProviderQuerySet verbs (tests hold the two to
identical answers). On PostgreSQL it also holds every published provider's
lexemes and name trigrams (postings.py), so text queries are matched and ranked
in memory.

build.py builds one from the database, changes.py updates one in place from the
change log, and current.py keeps each process's current one up to date.
"""

import datetime
import itertools
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Case, F, IntegerField, Value, When

from buyers.search.bits import bits_to_bool, bool_to_bits
from buyers.search.concepts import Concepts
from buyers.search.postings import TextIndex
from buyers.search.sqlite_text import Vocabulary
from providers import disclosure
from providers.models import SIZE_BAND_BOUNDS

#: The data's version: the token (replaced when everything must be built afresh) and the
#: change log's last sequence number (migrations 0003_search and 0011_search_changes).
TOKEN_TABLE = "providers_search_data_token"  # noqa: S105 (a table name)


def read_token(cursor) -> str:
    """The data's token (replaced when everything must be built afresh), or "" if none."""
    cursor.execute(f"SELECT token FROM {TOKEN_TABLE} WHERE id = 1")  # noqa: S608
    row = cursor.fetchone()
    return row[0] if row else ""


CHANGE_TABLE = "providers_search_change"

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
    #: facet param -> option key -> the taxonomy row's primary key (the API's term ids)
    ids_by_slug: dict = field(default_factory=dict)
    #: lexemes and name trigrams for text search (PostgreSQL only), as built
    text: TextIndex | None = None
    #: positions whose text changed since the build (text.py asks the database)
    text_stale: int = 0
    #: taxonomy names a query may name (concepts.py)
    concepts: "Concepts | None" = None
    #: the listings' words, for correcting a query word (SQLite only: sqlite_text.py);
    #: as built (a word first used by a listing changed since is not offered)
    vocabulary: "Vocabulary | None" = None
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


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

_MICROSECOND = datetime.timedelta(microseconds=1)

_NEVER = -(2**62)  # "updated" of a row without updated_at; still safe to negate


def _to_bits(ids, id_to_position: np.ndarray, nbytes: int) -> int:
    """Bits of the given provider ids (ids without a position are ignored)."""
    if not len(ids):
        return 0
    found = np.asarray(ids, dtype=np.int64)
    found = id_to_position[found[(found >= 0) & (found < len(id_to_position))]]
    mask = np.zeros(nbytes * 8, dtype=bool)
    mask[found[found >= 0]] = True
    return bool_to_bits(mask)


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
