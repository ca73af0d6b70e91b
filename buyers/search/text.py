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
from buyers.search.index import SearchIndex, search_index
from buyers.search.postings import parse_tsquery, rank_order
from buyers.search.query import wanted_terms
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

    @property
    def cost(self) -> int:
        return 1 + len(self.ranked)


#: Text matches cached per process, keyed by data token and query; bounded by positions held.
_text_cache: OrderedDict = OrderedDict()
_text_cache_lock = threading.Lock()
TEXT_CACHE_POSITIONS = 600_000
TEXT_CACHE_ENTRIES = 256


def text_match(index: SearchIndex, q: str) -> TextMatch:
    """Which published providers match `q`, and in which relevance order.

    On PostgreSQL one small query (the database parses the query and gives its name
    trigrams) and the rest in memory (postings.py); phrases add one query, and so
    does ranking the providers of the taxonomy terms a query names. On SQLite,
    one FTS5 query. Kept while the search data token is unchanged.
    """
    key = (index.token, index.day, q)
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
        rows = with_rank(queryset, q, index).values_list("id", "rank", "name_similarity")
        scored = sorted(
            (-rank, -similar, position)
            for pk, rank, similar in rows
            if (position := index.position_of(pk)) is not None
        )
        ranked = np.array([pos for _rank, _similar, pos in scored], dtype=np.int32)
        found = np.zeros(index.size, dtype=bool)
        found[ranked] = True
        match = TextMatch(bits=bool_to_bits(found), ranked=ranked)
    with _text_cache_lock:
        _text_cache[key] = match
        _text_cache.move_to_end(key)
        while len(_text_cache) > TEXT_CACHE_ENTRIES or (
            len(_text_cache) > 1
            and sum(m.cost for m in _text_cache.values()) > TEXT_CACHE_POSITIONS
        ):
            _text_cache.popitem(last=False)
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


def _memory_text_match(index: SearchIndex, q: str) -> TextMatch:
    node, trigrams, threshold = parsed_query(q)
    text = index.text
    if node is None:
        found = np.zeros(index.size, dtype=bool)
    elif node.has_phrase:
        # Word positions are not kept in memory: the database matches phrases.
        ids = Provider.objects.published().filter(
            RawSQL(PG_FTS_SQL, [q], output_field=BooleanField())  # noqa: S611 (constant SQL, q is a parameter)
        )
        found = bits_to_bool(index.positions_of(ids.values_list("id", flat=True)), index.size)
    else:
        found = text.matches(node)
    similarity = text.name_similarity(trigrams)
    similar = similarity.astype(np.float64) >= threshold
    similarity[~similar] = 0
    found |= similar
    points = text.points(node.lexemes() if node is not None else ())
    return TextMatch(
        bits=bool_to_bits(found),
        ranked=rank_order(np.flatnonzero(found), points, similarity),
    )


def _with_named_terms(index: SearchIndex, q: str, match: TextMatch, named: int) -> TextMatch:
    """`match` and the providers of the taxonomy terms `q` names (PostgreSQL), ranked
    together exactly as `_memory_text_match` ranks (selector.search_queryset agrees)."""
    found = match.bits | named
    if found == match.bits:
        return match
    node, trigrams, threshold = parsed_query(q)
    text = index.text
    similarity = text.name_similarity(trigrams)
    similarity[similarity.astype(np.float64) < threshold] = 0
    points = text.points(node.lexemes() if node is not None else ())
    return TextMatch(
        bits=found,
        ranked=rank_order(np.flatnonzero(bits_to_bool(found, index.size)), points, similarity),
    )


def forget_matches() -> None:
    """Empty the match cache (its entries are keyed by a previous data token)."""
    with _text_cache_lock:
        _text_cache.clear()
