"""Which published providers a text query matches, and in which relevance order.

On PostgreSQL the database parses the query (`websearch_to_tsquery`, so stemming
and stop words are the database's own) and the in-memory postings (postings.py)
answer it; on SQLite, FTS5 does (sqlite_text.py). On both, a query that names
taxonomy terms also finds their providers (concepts.py). The database path
(`text_filtered`, `with_rank`) serves exports and alerts. Matches are cached per
data token.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import BooleanField, FloatField, IntegerField, Q
from django.db.models.expressions import RawSQL

from buyers.search import sqlite_text
from buyers.search.bits import bits_to_bool, bool_to_bits
from buyers.search.concepts import concept_bits, concept_condition
from buyers.search.current import search_index
from buyers.search.index import SearchIndex
from buyers.search.postings import rank_order, rank_sql
from buyers.search.query import wanted_terms
from buyers.search.tsquery import parse_tsquery
from providers.models import Provider

#: pg_trgm's default for `%` (used when the database has no other setting).
DEFAULT_SIMILARITY_THRESHOLD = 0.3


def similarity_text(q: str) -> str:
    """The words of `q` a provider's name may resemble (typo tolerance): without the
    -excluded words and phrases and without `or`, so `-data` finds no "Data Co"."""
    return " ".join(wanted_terms(q))


#: PostgreSQL full-text match of a web-style query (one parameter: the query).
PG_FTS_SQL = "search_vector @@ websearch_to_tsquery('english'::regconfig, %s)"


def _pg_match_sql() -> str:
    """Full-text match, or a name like the wanted words (parameters: q, similarity_text(q))."""
    return f"({PG_FTS_SQL} OR providers_provider.name %% %s)"


def text_filtered(queryset, q: str, index: SearchIndex | None = None):
    """The providers of `queryset` that `q` matches, or that the taxonomy terms it names list."""
    index = index or search_index()
    if connection.vendor == "postgresql":
        condition = Q(
            RawSQL(_pg_match_sql(), [q, similarity_text(q)], output_field=BooleanField())  # noqa: S611 (constant SQL, q is a parameter)
        )
    else:
        sql, params = sqlite_text.match_sql(q, index.vocabulary or sqlite_text.Vocabulary())
        condition = Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 (built SQL, q in parameters)
    named = index.concepts.recognise(q) if index.concepts else []
    if named:
        condition |= concept_condition(index, named)
    return queryset.filter(condition)


def with_rank(queryset, q: str, index: SearchIndex | None = None):
    """SQLite's relevance: `rank` (the query words' points) and `name_similarity`.

    Order by both, descending, then name and id: the order of the search page.
    """
    index = index or search_index()
    vocabulary = index.vocabulary or sqlite_text.Vocabulary()
    points, points_params = sqlite_text.points_sql(q, vocabulary)
    similar, similar_params = sqlite_text.similarity_sql(q)
    return queryset.annotate(
        rank=RawSQL(points, points_params, output_field=IntegerField()),  # noqa: S611 (built SQL, q in parameters)
        name_similarity=RawSQL(similar, similar_params, output_field=FloatField()),  # noqa: S611 (constant SQL)
    )


@dataclass
class TextMatch:
    """Providers matching a text query: their bits, and their positions in relevance order."""

    bits: int
    ranked: np.ndarray
    #: SQLite: (word, correction) for each word that matched no listing and was read as
    #: the correction (sqlite_text); the page says so. PostgreSQL corrects no word.
    corrections: tuple = ()

    def __post_init__(self):
        self.ranked = _positions(self.ranked)

    @property
    def cost(self) -> int:
        return 1 + len(self.ranked)


def _positions(ranked: np.ndarray) -> np.ndarray:
    """Positions as int32 (an index holds far fewer than 2**31 providers): the caches of
    matches hold up to 600,000 of them each, half the memory of numpy's int64 indices."""
    return ranked if ranked.dtype == np.int32 else ranked.astype(np.int32)


#: Text matches cached per process, keyed by data token and query; bounded by positions held.
_text_cache: OrderedDict = OrderedDict()
_text_cache_lock = threading.Lock()
TEXT_CACHE_POSITIONS = 600_000
TEXT_CACHE_ENTRIES = 256


def text_match(index: SearchIndex, q: str) -> TextMatch:
    """Which published providers match `q`, and in which relevance order.

    On PostgreSQL one small query (the database parses the query and gives its name
    trigrams) and the rest in memory (postings.py), phrases included; providers
    changed since the index was built, and ranking the providers of the taxonomy
    terms a query names, add one query each. On SQLite, one FTS5 query. Kept while
    the data's version is unchanged.
    """
    # Positions are those of one build of the index, at one version of the data.
    key = (index.token, index.day, index.build, q)
    with _text_cache_lock:
        hit = _text_cache.get(key)
        if hit is not None:
            _text_cache.move_to_end(key)
            return hit
    if index.text is not None:
        match = _memory_text_match(index, q)
        named = index.concepts.recognise(q) if index.concepts else []
        if named:
            match = _with_named_terms(index, q, match, concept_bits(index, named))
    else:
        queryset = text_filtered(Provider.objects.published(), q, index)
        queryset = with_rank(queryset, q, index)
        # Which words were read as their correction, in the same statement (every row says).
        candidates = sqlite_text.correction_candidates(
            q, index.vocabulary or sqlite_text.Vocabulary()
        )
        if candidates:
            sql, params = sqlite_text.unmatched_sql(candidates)
            queryset = queryset.annotate(
                unmatched=RawSQL(sql, params, output_field=IntegerField())  # noqa: S611 (built SQL, words in parameters)
            )
            rows = list(queryset.values_list("id", "rank", "name_similarity", "unmatched"))
        else:
            rows = [(*row, 0) for row in queryset.values_list("id", "rank", "name_similarity")]
        # Ties in name order (a position's key in it: positions past the build are appended).
        scored = sorted(
            (-rank, -similar, int(index.ordinal[position]), position)
            for pk, rank, similar, _unmatched in rows
            if (position := index.position_of(pk)) is not None
        )
        unmatched = rows[0][3] if rows else 0
        corrections = tuple(pair for at, pair in enumerate(candidates) if unmatched >> at & 1)
        ranked = np.array([entry[-1] for entry in scored], dtype=np.int32)
        found = np.zeros(index.size, dtype=bool)
        found[ranked] = True
        match = TextMatch(bits=bool_to_bits(found), ranked=ranked, corrections=corrections)
    with _text_cache_lock:
        _text_cache[key] = match
        _text_cache.move_to_end(key)
        _evict(_text_cache)
    return match


def parsed_query(q: str) -> tuple:
    """(tsquery tree or None, name trigrams, similarity threshold) from PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery('english'::regconfig, %s)::text, show_trgm(%s), "
            "current_setting('pg_trgm.similarity_threshold', true)",
            [q, similarity_text(q)],
        )
        tsquery, trigrams, threshold = cursor.fetchone()
    return parse_tsquery(tsquery), trigrams, float(threshold or DEFAULT_SIMILARITY_THRESHOLD)


@dataclass
class _BuiltMatch:
    """A text query's matches among the providers as the index was built (postings only),
    with each ranked provider's points and name similarity, so that providers changed
    since can be taken out and put back in their place (`_merged`)."""

    bits: int
    ranked: np.ndarray
    points: np.ndarray  # aligned with `ranked`
    similarity: np.ndarray  # aligned with `ranked` (float32, 0 below the threshold)
    lexemes: frozenset
    threshold: float
    #: the database's parse of the query (kept: ranking named terms' providers needs it)
    node: object = None
    trigrams: tuple = ()

    def __post_init__(self):
        self.ranked = _positions(self.ranked)

    @property
    def cost(self) -> int:
        return 1 + len(self.ranked)


#: Matches over the built postings, per build and query: they stay right however many
#: listings change (the changed ones are answered apart), so a write costs the cache of
#: final matches (per version) only the merge of those few.
_built_cache: OrderedDict = OrderedDict()


def _memory_text_match(index: SearchIndex, q: str) -> TextMatch:
    key = (index.build, q)
    with _text_cache_lock:
        built = _built_cache.get(key)
        if built is not None:
            _built_cache.move_to_end(key)
    if built is None:
        node, trigrams, threshold = parsed_query(q)
        built = _built_match(index, node, trigrams, threshold)
        with _text_cache_lock:
            _built_cache[key] = built
            _evict(_built_cache)
    if not index.text_stale and index.size == index.text.size:
        return TextMatch(bits=built.bits, ranked=built.ranked)
    return _merged(index, q, built)


def _built_match(index: SearchIndex, node, trigrams, threshold) -> _BuiltMatch:
    text = index.text
    found = text.matches(node) if node is not None else np.zeros(text.size, dtype=bool)
    similarity = text.name_similarity(trigrams)
    similar = similarity.astype(np.float64) >= threshold
    similarity[~similar] = 0
    found |= similar
    lexemes = node.lexemes() if node is not None else set()
    points = text.points(lexemes)
    ranked = rank_order(np.flatnonzero(found), points, similarity, index.ordinal)
    return _BuiltMatch(
        bits=bool_to_bits(found),
        ranked=ranked,
        points=points[ranked],
        similarity=similarity[ranked],
        lexemes=frozenset(lexemes),
        threshold=threshold,
        node=node,
        trigrams=tuple(trigrams),
    )


def _changed_rows(index: SearchIndex, q: str, lexemes) -> list:
    """(position, matched, name similarity, points) of the published providers changed since
    the index was built, from the database: one query by id (none when there are none)."""
    positions = np.flatnonzero(bits_to_bool(index.text_stale & index.all_bits, index.size))
    if not len(positions):
        return []
    points_sql, points_params = rank_sql(lexemes) if lexemes else ("0", [])
    ids = index.ids[positions].tolist()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {PG_FTS_SQL}, similarity(name, %s), {points_sql} "  # noqa: S608 (constant SQL)
            f"FROM providers_provider WHERE id IN ({', '.join(['%s'] * len(ids))})",
            [q, similarity_text(q), *points_params, *ids],
        )
        rows = cursor.fetchall()
    found = []
    for provider_id, matched, name_similarity, provider_points in rows:
        position = index.position_of(provider_id)
        if position is not None:
            found.append((position, bool(matched), np.float32(name_similarity), provider_points))
    return found


def _merged(index: SearchIndex, q: str, built: _BuiltMatch) -> TextMatch:
    """`built` without the providers changed since the build, and with them as they are now,
    each put where the relevance order wants it (points, then similarity, then name)."""
    keep = ~bits_to_bool(index.text_stale, index.size)[built.ranked]
    ranked = built.ranked[keep]
    points = -built.points[keep].astype(np.int64)
    similarity = -built.similarity[keep]
    names = index.ordinal[ranked]
    changed = []
    for position, matched, name_similarity, provider_points in _changed_rows(
        index, q, built.lexemes
    ):
        similar = float(name_similarity) >= built.threshold
        if matched or similar:
            shown = name_similarity if similar else np.float32(0)
            changed.append((-int(provider_points), -shown, int(index.ordinal[position]), position))
    changed.sort()
    bits = built.bits & ~index.text_stale
    places = []
    for point_key, similarity_key, name_key, position in changed:
        bits |= 1 << position
        low = int(np.searchsorted(points, point_key, "left"))
        high = int(np.searchsorted(points, point_key, "right"))
        equal = similarity[low:high]
        low, high = (
            low + int(np.searchsorted(equal, similarity_key, "left")),
            low + int(np.searchsorted(equal, similarity_key, "right")),
        )
        places.append(low + int(np.searchsorted(names[low:high], name_key)))
    ranked = np.insert(ranked, places, [entry[3] for entry in changed]).astype(np.int32)
    return TextMatch(bits=bits, ranked=ranked)


def _scores(index: SearchIndex, q: str, node, trigrams, threshold) -> tuple:
    """(name similarity, points) of every position: from the postings, and for providers
    changed since the build from the database; similarity 0 below the threshold."""
    text = index.text
    size = index.size
    similarity = np.zeros(size, dtype=np.float32)
    similarity[: text.size] = text.name_similarity(trigrams)
    lexemes = node.lexemes() if node is not None else set()
    points = np.zeros(size, dtype=np.int32)
    points[: text.size] = text.points(lexemes)
    if index.text_stale:
        stale = bits_to_bool(index.text_stale, size)
        similarity[stale] = 0
        points[stale] = 0
        for position, _matched, name_similarity, provider_points in _changed_rows(
            index, q, lexemes
        ):
            similarity[position] = name_similarity
            points[position] = provider_points
    similarity[similarity.astype(np.float64) < threshold] = 0
    return similarity, points


def _with_named_terms(index: SearchIndex, q: str, match: TextMatch, named: int) -> TextMatch:
    """`match` and the providers of the taxonomy terms `q` names (PostgreSQL), ranked
    together exactly as `_memory_text_match` ranks (selector.search_queryset agrees)."""
    found = match.bits | (named & index.all_bits)
    if found == match.bits:
        return match
    with _text_cache_lock:
        built = _built_cache.get((index.build, q))
    if built is not None:  # parsed for `match` a moment ago
        node, trigrams, threshold = built.node, built.trigrams, built.threshold
    else:
        node, trigrams, threshold = parsed_query(q)
    similarity, points = _scores(index, q, node, trigrams, threshold)
    candidates = np.flatnonzero(bits_to_bool(found, index.size))
    return TextMatch(bits=found, ranked=rank_order(candidates, points, similarity, index.ordinal))


def _evict(cache: OrderedDict) -> None:
    while len(cache) > TEXT_CACHE_ENTRIES or (
        len(cache) > 1 and sum(m.cost for m in cache.values()) > TEXT_CACHE_POSITIONS
    ):
        cache.popitem(last=False)


def forget_matches(*, built: bool = True) -> None:
    """Empty the match cache (its entries are keyed by a previous version of the data),
    and unless `built` is False the matches over a previous build's postings too."""
    with _text_cache_lock:
        _text_cache.clear()
        if built:
            _built_cache.clear()
