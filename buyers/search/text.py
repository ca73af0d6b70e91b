"""Which published providers a text query matches, and in which relevance order.

On PostgreSQL the database parses the query (`websearch_to_tsquery`, so stemming
and stop words are the database's own) and the in-memory postings (postings.py)
answer it; on SQLite a contains-search does. The database path (`text_filtered`,
`with_rank`) serves exports and alerts. Matches are cached per data token.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import BooleanField, Case, FloatField, Q, Value, When
from django.db.models.expressions import RawSQL

from buyers.search.bits import bool_to_bits
from buyers.search.index import SearchIndex
from buyers.search.postings import parse_tsquery, rank_order
from providers.models import Provider

#: pg_trgm's default for `%` (used when the database has no other setting).
DEFAULT_SIMILARITY_THRESHOLD = 0.3
_TERMS = re.compile(r'(-?)"([^"]*)"|(\S+)')


def _wanted_terms(q: str) -> list[str]:
    """The words and phrases of `q` a buyer wants: not -excluded ones, not `or`, not `""`."""
    kept = []
    for match in _TERMS.finditer(q):
        negate, phrase, word = match.groups()
        if phrase is not None:
            if not negate and phrase.strip():
                kept.append(phrase.strip())
        elif word.lower() != "or" and not (word.startswith("-") and len(word) > 1):
            kept.append(word)
    return kept


def similarity_text(q: str) -> str:
    """The words of `q` a provider's name may resemble (typo tolerance): without the
    -excluded words and phrases and without `or`, so `-data` finds no "Data Co"."""
    return " ".join(_wanted_terms(q))


#: PostgreSQL full-text match of a web-style query (one parameter: the query).
PG_FTS_SQL = "search_vector @@ websearch_to_tsquery('english'::regconfig, %s)"


def _pg_match_sql() -> str:
    """Full-text match, or a name like the wanted words (parameters: q, similarity_text(q))."""
    return f"({PG_FTS_SQL} OR providers_provider.name %% %s)"


def _contains_condition(q: str) -> Q:
    """Web-style query for the SQLite fallback: "phrases", -exclusions, `or` between terms."""
    groups = [[]]
    for match in _TERMS.finditer(q):
        negate, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            groups.append([])
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negate, word = "-", word[1:]
        term = phrase if phrase is not None else word
        if term:
            groups[-1].append((bool(negate), term))
    condition = Q()
    for group in groups:
        if not group:
            continue
        group_q = Q()
        for negate, term in group:
            term_q = (
                Q(name__icontains=term)
                | Q(tagline__icontains=term)
                | Q(service_text__icontains=term)
                | Q(description__icontains=term)
                | Q(case_study_text__icontains=term)
            )
            group_q &= ~term_q if negate else term_q
        condition |= group_q
    return condition


def text_filtered(queryset, q: str):
    if connection.vendor == "postgresql":
        return queryset.filter(
            RawSQL(_pg_match_sql(), [q, similarity_text(q)], output_field=BooleanField())  # noqa: S611 (constant SQL, q is a parameter)
        )
    condition = _contains_condition(q)
    return queryset.filter(condition) if condition else queryset.none()


def with_rank(queryset, q: str):
    """SQLite's relevance: a name holding the first wanted term ranks above a match elsewhere.

    A query of only exclusions or empty phrases (`-data`, `""`) wants no term: all rank alike.
    """
    first = next(iter(_wanted_terms(q)), None)
    if first is None:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    return queryset.annotate(
        rank=Case(
            When(name__icontains=first, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
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
    trigrams) and the rest in memory (postings.py), phrases included. On
    SQLite, a contains-search. Kept while the search data token is unchanged.
    """
    key = (index.token, index.day, q)
    with _text_cache_lock:
        hit = _text_cache.get(key)
        if hit is not None:
            _text_cache.move_to_end(key)
            return hit
    if index.text is not None:
        match = _memory_text_match(index, q)
    else:
        queryset = text_filtered(Provider.objects.published(), q)
        rows = with_rank(queryset, q).values_list("id", "rank")
        scored = sorted(
            (-rank, position)
            for pk, rank in rows
            if (position := index.position_of(pk)) is not None
        )
        ranked = np.array([pos for _rank, pos in scored], dtype=np.int32)
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
    found = np.zeros(index.size, dtype=bool) if node is None else text.matches(node)
    similarity = text.name_similarity(trigrams)
    similar = similarity.astype(np.float64) >= threshold
    similarity[~similar] = 0
    found |= similar
    points = text.points(node.lexemes() if node is not None else ())
    return TextMatch(
        bits=bool_to_bits(found),
        ranked=rank_order(np.flatnonzero(found), points, similarity),
    )


def forget_matches() -> None:
    """Empty the match cache (its entries are keyed by a previous data token)."""
    with _text_cache_lock:
        _text_cache.clear()
