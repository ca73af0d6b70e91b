"""Text search on SQLite, the zero-setup default: FTS5 (migration 0012_sqlite_text).

What a buyer gets is what PostgreSQL gives, built from SQLite's own parts:

- Stemming: `providers_provider_fts` indexes the published providers' search
  text with the Porter stemmer ("disability" finds "disabilities").
- Web-style syntax, read as on PostgreSQL (query.py): words are all wanted,
  "phrases" match words in a row, `-term` excludes, `or` gives alternatives.
  Each term is one FTS5 lookup; they are combined in SQL, so a query of only
  exclusions (`-data`, which FTS5 alone cannot say) works too.
- Relevance: each wanted word scores once, for the best field it is in (the
  same points as on PostgreSQL, postings.WEIGHT_POINTS: name, then tagline and
  services, then description and case studies), through FTS5 column filters.
  FTS5's bm25 is not used: it also counts how often a word occurs and how long
  a field is, which the public ordering page does not say and PostgreSQL does
  not do. Ties go to the names most like the query, then name order.
- Typo tolerance, two ways. A name spelt almost like the query matches, as
  pg_trgm's `%` does on PostgreSQL (`name_similarity`: pg_trgm's similarity,
  computed in Python and registered as an SQL function on every SQLite
  connection). And a wanted word that matches no listing is read as the
  closest word listings do use, by edit distance (rapidfuzz's optimal string
  alignment: a letter left out, added, changed, or two swapped are one edit
  each; 1 edit for words of 4-7 letters, 2 from 8; none for shorter words or
  words with digits), from the vocabulary of `providers_provider_words` (the
  same text, unstemmed), which the index holds (`Vocabulary`); the most used
  word wins a tie. Measured on the demo's 800 words: 98% of one-edit typos of
  words of 4 letters or more come back as the word, 80 µs each. Whether
  the word matches nothing is decided in the same SQL statement (`EXISTS`), so
  a word that matches through its stem ("disability") is never corrected.

The page (text.text_match) and the database path (exports, alerts) run the same
SQL, so they find the same providers in the same order.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from buyers.search.postings import WEIGHT_POINTS
from buyers.search.query import query_groups, wanted_terms, words

FTS = "providers_provider_fts"
VOCABULARY = "providers_provider_words_vocab"
SIMILARITY_FUNCTION = "impactdir_name_similarity"
#: pg_trgm's default for `%`.
SIMILARITY_THRESHOLD = 0.3

#: FTS5 column filters by points: name; tagline and services; description and case studies.
FIELD_POINTS = (
    ("{name}", WEIGHT_POINTS["A"]),
    ("{tagline service_text}", WEIGHT_POINTS["B"]),
    ("{description case_study_text}", WEIGHT_POINTS["C"]),
)


def allowed_edits(word: str) -> int:
    """How far a correction of `word` may be: short words and numbers are never corrected."""
    if len(word) < 4 or any(char.isdigit() for char in word):
        return 0
    return 1 if len(word) < 8 else 2


def suggestion_edits(word: str) -> int:
    """How far a "did you mean" suggestion may be: one edit further than the search's own
    correction from 5 letters on (the buyer chooses to follow it; nothing changes unasked)."""
    limit = allowed_edits(word)
    return limit + 1 if limit and len(word) >= 5 else limit


@dataclass
class Vocabulary:
    """The words of the published listings (unstemmed) and in how many listings each is."""

    counts: dict = field(default_factory=dict)

    def __post_init__(self):
        self._by_length = {}
        for term in self.counts:
            self._by_length.setdefault(len(term), []).append(term)

    def closest(self, word: str, limit: int | None = None) -> str | None:
        """The listings' word closest to `word`, if one is near enough (`allowed_edits`
        unless `limit` is given); `word` itself if known."""
        if word in self.counts:
            return word
        limit = allowed_edits(word) if limit is None else limit
        if not limit:
            return None
        near = []
        for length in range(len(word) - limit, len(word) + limit + 1):
            near.extend(
                process.extract(
                    word,
                    self._by_length.get(length, ()),
                    scorer=OSA.distance,
                    score_cutoff=limit,
                    limit=None,
                )
            )
        if not near:
            return None
        best = min(near, key=lambda hit: (hit[1], -self.counts[hit[0]], hit[0]))
        return best[0]


def suggested_query(q: str, *vocabularies: Vocabulary) -> str | None:
    """`q` with each wanted word none of the vocabularies has replaced by the nearest
    word one has (up to `suggestion_edits` away; the nearest of all, the first
    vocabulary's on a tie), for a "did you mean" link; None if no word changes.

    The query is written back term by term: phrases quoted, exclusions with `-`, `or`
    between alternatives; phrases, exclusions and words with digits are kept as typed.
    """
    return rewritten_query(q, lambda word: _nearest(word, vocabularies))


def rewritten_query(q: str, replacement) -> str | None:
    """`q` with each wanted single word `replacement(word)` gives (not None) put in its
    place, written back term by term (see `suggested_query`); None if no word changes."""
    changed = False
    alternatives = []
    for group in query_groups(q):
        terms = []
        for term in group:
            text = term.text
            said = words(text)
            if not term.negated and not term.phrase and len(said) == 1:
                near = replacement(said[0])
                if near is not None and near != said[0]:
                    text, changed = near, True
            if term.phrase:
                text = '"' + text + '"'
            terms.append(f"-{text}" if term.negated else text)
        alternatives.append(" ".join(terms))
    return " or ".join(alternatives) if changed else None


def correction_candidates(q: str, vocabulary: Vocabulary) -> list:
    """(word, correction) for each wanted word of `q` the search may read as another
    (`_lookup`): it does so only if the word matches no listing (`unmatched_sql`)."""
    found = []
    for group in query_groups(q):
        for term in group:
            lookup = _lookup(term, vocabulary)
            pair = (lookup.text, lookup.correction)
            if lookup.correction is not None and pair not in found:
                found.append(pair)
    return found


def unmatched_sql(candidates: list) -> tuple:
    """SQL for a number whose bit i is set when the word of `candidates[i]` matches no
    listing (so its correction was used), with its parameters; the same on every row."""
    parts = [
        f"((NOT EXISTS (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s)) << {at})"  # noqa: S608 (constant table name)
        for at in range(len(candidates))
    ]
    return " | ".join(parts), [_quoted(word) for word, _correction in candidates]


def _nearest(word: str, vocabularies) -> str | None:
    """The nearest word to an unknown `word` in any of `vocabularies`; None if it is known."""
    if any(word in vocabulary.counts for vocabulary in vocabularies):
        return None
    limit = suggestion_edits(word)
    found = [
        near for vocabulary in vocabularies if (near := vocabulary.closest(word, limit)) is not None
    ]
    return min(found, key=lambda near: OSA.distance(word, near)) if found else None


def read_vocabulary(cursor) -> Vocabulary:
    cursor.execute(f"SELECT term, doc FROM {VOCABULARY}")  # noqa: S608 (constant table name)
    return Vocabulary(dict(cursor.fetchall()))


# --------------------------------------------------------------------------
# name similarity: pg_trgm's, as an SQL function
# --------------------------------------------------------------------------


_TRIGRAM_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=8192)
def trigrams(text: str) -> frozenset:
    """pg_trgm's trigrams: each word (letters and digits) in lower case, padded "  word "."""
    found = set()
    for word in _TRIGRAM_WORD.findall(text.lower()):
        padded = f"  {word} "
        found.update(padded[at : at + 3] for at in range(len(padded) - 2))
    return frozenset(found)


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams over all trigrams of both."""
    first, second = trigrams(a or ""), trigrams(b or "")
    shared = len(first & second)
    union = len(first) + len(second) - shared
    return shared / union if union else 0.0


def name_similarity(name: str, text: str) -> float:
    """The similarity of a name to the wanted words, or 0 below pg_trgm's `%` threshold."""
    value = similarity(name, text)
    return value if value >= SIMILARITY_THRESHOLD else 0.0


def install_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: give every SQLite connection `name_similarity`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SIMILARITY_FUNCTION, 2, name_similarity, deterministic=True
        )


# --------------------------------------------------------------------------
# a query as SQL
# --------------------------------------------------------------------------


def _quoted(text: str) -> str:
    """`text` as one FTS5 string: a phrase of its words (never an FTS5 operator)."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Lookup:
    """An FTS5 string, or a word and its correction (used if the word finds nothing)."""

    text: str
    correction: str | None = None

    def expression(self, columns: str = "") -> tuple:
        prefix = f"{columns} : " if columns else ""
        if self.correction is None:
            return "%s", [prefix + _quoted(self.text)]
        return (
            f"(CASE WHEN EXISTS (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s) THEN %s ELSE %s END)",  # noqa: S608 (constant table name)
            [_quoted(self.text), prefix + _quoted(self.text), prefix + _quoted(self.correction)],
        )

    def condition(self, columns: str = "") -> tuple:
        sql, params = self.expression(columns)
        return (
            f"providers_provider.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH {sql})",  # noqa: S608
            params,
        )


def _lookup(term, vocabulary: Vocabulary) -> _Lookup:
    """A wanted single word that no listing uses may be corrected; anything else is as typed."""
    if not term.negated and not term.phrase:
        said = words(term.text)
        if len(said) == 1 and said[0] not in vocabulary.counts:
            closest = vocabulary.closest(said[0])
            if closest is not None:
                return _Lookup(said[0], closest)
    return _Lookup(term.text)


def match_sql(q: str, vocabulary: Vocabulary) -> tuple:
    """SQL (on providers_provider) for the providers `q` matches, with its parameters.

    Terms without a word (`&`, `""`) are left out, as PostgreSQL leaves them out; a
    query with no term left matches only by name similarity.
    """
    alternatives = []
    params = []
    for group in query_groups(q):
        parts = []
        for term in group:
            if not words(term.text):
                continue
            sql, term_params = _lookup(term, vocabulary).condition()
            parts.append(f"NOT {sql}" if term.negated else sql)
            params.extend(term_params)
        if parts:
            alternatives.append("(" + " AND ".join(parts) + ")")
    text_sql = " OR ".join(alternatives) if alternatives else "0"
    return (
        f"(({text_sql}) OR {SIMILARITY_FUNCTION}(providers_provider.name, %s) > 0)",
        [*params, similarity_text(q)],
    )


def points_sql(q: str, vocabulary: Vocabulary) -> tuple:
    """SQL for a provider's relevance points for `q` (each wanted word once, its best field)."""
    lookups = []
    for group in query_groups(q):
        for term in group:
            if term.negated:
                continue
            lookup = _lookup(term, vocabulary)
            scored = [lookup] if lookup.correction else [_Lookup(w) for w in words(term.text)]
            for each in scored:
                if each not in lookups:
                    lookups.append(each)
    if not lookups:
        return "CAST(0 AS INTEGER)", []
    parts = []
    params = []
    for lookup in lookups:
        whens = []
        for columns, points in FIELD_POINTS:
            sql, when_params = lookup.condition(columns)
            whens.append(f"WHEN {sql} THEN {points}")
            params.extend(when_params)
        parts.append(f"(CASE {' '.join(whens)} ELSE 0 END)")
    return " + ".join(parts), params


def similarity_text(q: str) -> str:
    """The words of `q` a provider's name may resemble: not the excluded ones, not `or`."""
    return " ".join(wanted_terms(q))


def similarity_sql(q: str) -> tuple:
    return f"{SIMILARITY_FUNCTION}(providers_provider.name, %s)", [similarity_text(q)]
