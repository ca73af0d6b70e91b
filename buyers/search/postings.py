"""In-memory full-text matching and ranking over published providers (PostgreSQL).

Asking PostgreSQL for every provider matching a broad word (80% of 100,000 rows
match "data") costs about a second: it reads and ranks the search vector of
each matching row. This module keeps the same lexemes in memory instead, as a
posting list per lexeme (the positions of the providers whose search vector
holds it, and the best field it appears in) with the lexeme's word positions in
each of them, built from the stored search vectors in the same snapshot as the
facet index (index.py).

A query is parsed by PostgreSQL itself (`websearch_to_tsquery`, so stemming and
stop words are exactly the database's), then evaluated here over the posting
lists with numpy: AND, OR and NOT of lexemes, and phrases (`"data entry"`, and
hyphenated words, which PostgreSQL turns into phrases) over the word positions
with PostgreSQL's phrase semantics (phrases.py); reading the database's parse
and bounding the query text beforehand are tsquery.py's. `node_matches_document`
and `document_points` answer the same for one document held outside the index.

Relevance: each positive query word scores the best field it appears in
(`WEIGHT_POINTS`: name, then tagline and services, then description and case
studies); providers with more points come first, then those whose name is most
like the query (pg_trgm similarity, which also lets a typo in a name match),
then name order. `rank_sql` gives the same order to the database, for exports.
"""

from dataclasses import dataclass

import numpy as np

from buyers.search.growing import GrowingArray
from buyers.search.phrases import document_matches, phrase_matches
from buyers.search.tsquery import Node
from buyers.search.word_positions import WordPositions

#: Points a query word scores, by the best field of the search vector it is in
#: (A: name; B: tagline and services; C: description and case studies; D: unused).
WEIGHT_POINTS = {"A": 10, "B": 4, "C": 2, "D": 1}
_CODE_POINTS = np.array([WEIGHT_POINTS[w] for w in "DCBA"], dtype=np.int32)

# --------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------

#: Lexeme -> providers holding it, each packed as id * 4 + best weight (0 D .. 3 A); then
#: for each of them how many positions the lexeme has there (int2, 0 when the vector
#: keeps it without positions) and the positions (array_send's elements without its
#: 20-byte header: a 4-byte length and a 2-byte position each). All three aggregates
#: see each group's rows in the same order.
LEXEME_SQL = """
    SELECT u.lexeme,
        string_agg(int8send(p.id * 4 + CASE
            WHEN 'A' = ANY(u.weights) THEN 3 WHEN 'B' = ANY(u.weights) THEN 2
            WHEN 'C' = ANY(u.weights) THEN 1 ELSE 0 END), ''::bytea),
        string_agg(int2send(coalesce(cardinality(u.positions), 0)::int2), ''::bytea),
        string_agg(substring(array_send(u.positions) FROM 21), ''::bytea)
    FROM providers_provider p CROSS JOIN LATERAL unnest(p.search_vector) u
    WHERE p.status = 'published'
    GROUP BY u.lexeme
    ORDER BY count(*) DESC
"""

#: Name trigram (as pg_trgm extracts them) -> providers whose name has it, packed as id * 4.
TRIGRAM_SQL = """
    SELECT t, string_agg(int8send(p.id * 4), ''::bytea)
    FROM providers_provider p CROSS JOIN LATERAL unnest(show_trgm(p.name)) t
    WHERE p.status = 'published'
    GROUP BY t
    ORDER BY count(*) DESC
"""

_ARRAY_ELEMENT = np.dtype([("length", ">i4"), ("position", ">i2")])


def _unpack(packed: np.ndarray, size: int) -> np.ndarray:
    return np.unpackbits(packed, count=size, bitorder="little").view(bool)


@dataclass
class Postings:
    """Key -> the positions of the providers that have it, each with a 2-bit code.

    A key most providers have is kept as packed bit rows (is there, code's low bit,
    code's high bit: 3 bits per provider); a rarer key as a list of positions and
    codes (5 bytes per provider that has it), whichever is smaller. Lexemes also
    keep their word positions (`words`).
    """

    size: int
    #: key -> uint8 array of shape (3, ceil(size / 8)) of packed bits
    dense: dict
    #: key -> row (every key; a dense key's row has no sparse postings)
    rows: dict
    starts: np.ndarray  # row -> first posting; len(rows) + 1 entries
    positions: np.ndarray  # posting -> provider position (int32), ascending in a row
    codes: np.ndarray  # posting -> code (uint8)
    words: "WordPositions | None" = None

    def members(self, key: str) -> np.ndarray:
        """Boolean array over positions: who has `key`."""
        packed = self.dense.get(key)
        if packed is not None:
            return _unpack(packed[0], self.size)
        found = np.zeros(self.size, dtype=bool)
        found[self._sparse(key)[0]] = True
        return found

    def holders(self, key: str) -> np.ndarray:
        """Positions of the providers that have `key`, ascending."""
        packed = self.dense.get(key)
        if packed is not None:
            return np.flatnonzero(_unpack(packed[0], self.size)).astype(np.int32)
        return self._sparse(key)[0]

    def occurrences(self, key: str, only: np.ndarray | None = None) -> tuple:
        """The word positions of lexeme `key`: (providers that have it, ascending; how
        many positions each has; all the positions, each provider's ascending).

        A lexeme a provider's vector keeps without positions has one, position 0.
        With `only` (a boolean array over providers) just those providers are read.
        """
        row = self.rows.get(key)
        if row is None or self.words is None:
            return np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.uint16)
        packed = self.dense.get(key)
        if only is not None and packed is not None:
            held = _unpack(packed[0], self.size)
            kept = only[held]  # per provider that has it (ascending), as holders() lists them
            holders = np.flatnonzero(held & only if not kept.all() else held).astype(np.int32)
        else:
            holders = self.holders(key)
            kept = None if only is None else only[holders]
            if kept is not None and not kept.all():
                holders = holders[kept]
        if kept is not None and kept.all():
            kept = None
        lengths, positions = self.words.of_row(row, kept)
        return holders, lengths, positions

    def add_values(self, key: str, values: np.ndarray, into: np.ndarray) -> None:
        """Add values[code] to `into` at the position of each provider that has `key`."""
        packed = self.dense.get(key)
        if packed is not None:
            # Each provider's three bits as one number (is there | code << 1), looked up.
            table = np.zeros(8, dtype=into.dtype)
            table[1::2] = values
            found = np.unpackbits(packed[0], count=self.size, bitorder="little")
            found |= np.unpackbits(packed[1], count=self.size, bitorder="little") << 1
            found |= np.unpackbits(packed[2], count=self.size, bitorder="little") << 2
            into += table.take(found)
            return
        positions, codes = self._sparse(key)
        into[positions] += values[codes]

    def add_ones(self, key: str, into: np.ndarray) -> None:
        """Add 1 to `into` at the position of each provider that has `key`."""
        packed = self.dense.get(key)
        if packed is not None:
            into += np.unpackbits(packed[0], count=self.size, bitorder="little")
            return
        into[self._sparse(key)[0]] += 1

    def _sparse(self, key: str) -> tuple:
        row = self.rows.get(key)
        if row is None:
            return self.positions[:0], self.codes[:0]
        start, end = self.starts[row], self.starts[row + 1]
        return self.positions[start:end], self.codes[start:end]

    @property
    def nbytes(self) -> int:
        dense = sum(packed.nbytes for packed in self.dense.values())
        words = self.words.nbytes if self.words is not None else 0
        return dense + self.starts.nbytes + self.positions.nbytes + self.codes.nbytes + words


class PostingsBuilder:
    """Collects keys one at a time (each: its providers, codes, and word positions)."""

    def __init__(self, size: int, *, words: bool):
        self.size = size
        self.words = words
        self.dense = {}
        self.rows = {}
        self.counts = GrowingArray(np.int64)
        self.positions = GrowingArray(np.int32)
        self.codes = GrowingArray(np.uint8)
        self.word_counts = GrowingArray(np.int64)
        self.word_small = GrowingArray(np.uint8)  # position if 1..255, else 0
        self.word_firsts = GrowingArray(bool)
        self.word_exceptions = GrowingArray(np.int64)
        self.word_exception_positions = GrowingArray(np.uint16)

    def add(self, key, found: np.ndarray, code: np.ndarray, counts=None, word_positions=None):
        """`found`: provider positions; `code`: 2-bit codes; `counts`: how many word
        positions each provider has (0: none kept); `word_positions`: all of them, in
        the same provider order (each provider's ascending)."""
        order = np.argsort(found, kind="stable")
        found, code = found[order], code[order]
        if len(found) * 5 > 3 * ((self.size + 7) // 8):
            bits = np.zeros((3, self.size), dtype=bool)
            bits[0, found] = True
            bits[1, found] = code & 1
            bits[2, found] = code >> 1
            self.dense[key] = np.packbits(bits, axis=1, bitorder="little")
            self.counts.append([0])
        else:
            self.counts.append([len(found)])
            self.positions.append(found)
            self.codes.append(code)
        self.rows[key] = len(self.rows)
        if self.words:
            entries, firsts = _word_entries(counts[order], _starts(counts)[order], word_positions)
            exceptions = np.flatnonzero((entries == 0) | (entries > 255))
            self.word_exceptions.append(exceptions + self.word_small.used)
            self.word_exception_positions.append(entries[exceptions])
            entries[exceptions] = 0
            self.word_counts.append([len(entries)])
            self.word_small.append(entries)
            self.word_firsts.append(firsts)

    def finish(self) -> Postings:
        postings = Postings(
            size=self.size,
            dense=self.dense,
            rows=self.rows,
            starts=_starts(self.counts.array(), total=True),
            positions=self.positions.array(),
            codes=self.codes.array(),
        )
        if self.words:
            postings.words = WordPositions(
                starts=_starts(self.word_counts.array(), total=True),
                small=self.word_small.array(),
                firsts=np.packbits(self.word_firsts.array(), bitorder="little"),
                exceptions=self.word_exceptions.array(),
                exception_positions=self.word_exception_positions.array(),
            )
        return postings


def _starts(counts, *, total=False) -> np.ndarray:
    """Where each run of `counts` starts in their concatenation (and where it ends, if total)."""
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts if total else starts[:-1]


def _word_entries(counts: np.ndarray, sources: np.ndarray, word_positions: np.ndarray):
    """(uint16 positions, first-of-a-provider flags) for providers with `counts`
    positions each, found at `sources` in `word_positions`: a provider with none
    gets one entry, position 0."""
    counts = counts.astype(np.int64)
    lengths = np.maximum(counts, 1)
    firsts = _starts(lengths)
    total = int(lengths.sum())
    within = np.arange(total, dtype=np.int64) - np.repeat(firsts, lengths)
    placed = np.repeat(counts > 0, lengths)
    entries = np.zeros(total, dtype=np.uint16)
    if placed.any():
        source = (np.repeat(sources, lengths) + within)[placed]
        entries[placed] = word_positions[source]
    first = np.zeros(total, dtype=bool)
    first[firsts] = True
    return entries, first


#: Bytes of packed ids to ask the database for at a time while building.
FETCH_BYTES = 2 * 1024 * 1024


def _read_postings(connection, sql: str, id_to_position: np.ndarray, size: int) -> Postings:
    """Stream (key, packed ids[, counts, positions]) rows through a server-side cursor.

    Rows come largest first, so each fetch can ask for as many rows as fit in
    FETCH_BYTES: the common words arrive a few at a time, the rare ones by hundreds.
    """
    builder = None
    last_id = len(id_to_position) - 1
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        fetch = 1
        while batch := cursor.fetchmany(fetch):
            last = batch[-1]
            row_bytes = len(last[1]) + sum(len(part or b"") for part in last[2:])
            fetch = max(1, min(1000, FETCH_BYTES // max(1, row_bytes)))
            for key, packed, *words in batch:
                if builder is None:
                    builder = PostingsBuilder(size, words=bool(words))
                values = np.frombuffer(packed, dtype=">i8")
                ids = values >> 2
                found = id_to_position[np.minimum(ids, last_id)]
                if ((ids > last_id) | (found < 0)).any():
                    # Cannot happen inside the facet index's snapshot; refuse a wrong index.
                    raise RuntimeError("Search data names providers not in the facet index")
                code = (values & 3).astype(np.uint8)
                if words:
                    counts = np.frombuffer(words[0], dtype=">i2")
                    elements = np.frombuffer(words[1] or b"", dtype=_ARRAY_ELEMENT)
                    builder.add(key, found, code, counts, elements["position"])
                else:
                    builder.add(key, found, code)
    return (builder or PostingsBuilder(size, words=False)).finish()


@dataclass
class TextIndex:
    size: int
    lexemes: Postings
    trigrams: Postings
    #: position -> number of distinct trigrams in the provider's name
    trigram_counts: np.ndarray

    def matches(self, node: Node, phrases: dict | None = None) -> np.ndarray:
        """Boolean array over positions: which providers match `node` (as `@@` does).

        `phrases` keeps each phrase's answer while one query is matched (the same
        phrase may come twice: `"data entry" x or "data entry"`).
        """
        phrases = {} if phrases is None else phrases
        if node.op == "lexeme":
            return self.lexemes.members(node.value)
        if node.op == "not":
            return ~self.matches(node.children[0], phrases)
        if node.op in ("and", "or"):
            left = self.matches(node.children[0], phrases)
            right = self.matches(node.children[1], phrases)
            return left & right if node.op == "and" else left | right
        if node.op == "phrase":
            if node not in phrases:
                phrases[node] = phrase_matches(
                    node, self.size, self.lexemes.occurrences, self.lexemes.members
                )
            return phrases[node]
        raise ValueError(f"Unknown tsquery operator {node.op!r}")

    def points(self, lexemes) -> np.ndarray:
        """Relevance points per position for the given (positive) query lexemes."""
        score = np.zeros(self.size, dtype=np.int32)
        for lexeme in lexemes:
            self.lexemes.add_values(lexeme, _CODE_POINTS, score)
        return score

    def name_similarity(self, query_trigrams) -> np.ndarray:
        """pg_trgm's similarity(name, query) per position, as float32 like pg_trgm computes it.

        `query_trigrams` is `show_trgm(query)` from the database (distinct trigrams).
        """
        common = np.zeros(self.size, dtype=np.int32)
        for trigram in query_trigrams:
            self.trigrams.add_ones(trigram, common)
        union = self.trigram_counts + np.int32(len(query_trigrams)) - common
        similarity = np.zeros(self.size, dtype=np.float32)
        np.divide(
            common.astype(np.float32), union.astype(np.float32), out=similarity, where=union > 0
        )
        return similarity


def build_text_index(connection, id_to_position: np.ndarray, size: int) -> TextIndex:
    """Read every published provider's lexemes (with word positions) and name trigrams.

    Run inside the facet index's snapshot; `id_to_position[provider id]` is the
    provider's position in that index, or -1.
    """
    trigrams = _read_postings(connection, TRIGRAM_SQL, id_to_position, size)
    counts = np.bincount(trigrams.positions, minlength=size).astype(np.int32)
    for packed in trigrams.dense.values():
        counts += _unpack(packed[0], size)
    return TextIndex(
        size=size,
        lexemes=_read_postings(connection, LEXEME_SQL, id_to_position, size),
        trigrams=trigrams,
        trigram_counts=counts,
    )


# --------------------------------------------------------------------------
# One document outside the index
# --------------------------------------------------------------------------


def _document_positions(document: dict):
    def positions(lexeme):
        entries = document.get(lexeme)
        if entries is None:
            return None
        return sorted({int(position) for position, _weight in entries})

    return positions


def node_matches_document(node: Node | None, document: dict) -> bool:
    """Whether one search vector matches `node` as PostgreSQL's `@@` says.

    `document` maps each lexeme of the vector to its (position, weight) pairs, as
    `unnest(search_vector)` gives them (weight "A" to "D"); an empty list for a
    lexeme kept without positions. An empty query (None) matches nothing.
    """
    if node is None:
        return False
    return document_matches(node, _document_positions(document))


def document_points(node: Node | None, document: dict) -> int:
    """The relevance points `TextIndex.points(node.lexemes())` gives this one document."""
    if node is None:
        return 0
    total = 0
    for lexeme in node.lexemes():
        entries = document.get(lexeme)
        if entries is None:
            continue
        # The best field the lexeme is in; a lexeme without positions counts as D.
        best = min((weight for _position, weight in entries), default="D")
        total += WEIGHT_POINTS[best]
    return total


def rank_order(
    candidates: np.ndarray, points: np.ndarray, similarity: np.ndarray, names: np.ndarray
) -> np.ndarray:
    """Positions of `candidates` (ascending) by points, then name similarity, then name
    (`names`: each position's key in the name order, all distinct).

    The same order as one `np.lexsort` of the three keys, in a fraction of its time
    (a broad query ranks 80,000 providers): positions are in name order as the index
    is built, so the name order is usually there already; points take a stable radix
    sort (16-bit keys); the few providers whose names are like the query (similarity
    above 0) are sorted apart and go first among those with their points.
    """
    if not len(candidates):
        return candidates
    keys = names[candidates]
    if (keys[1:] > keys[:-1]).all():
        by_name = candidates
    else:  # providers changed since the build have moved in the name order
        by_name = candidates[np.argsort(keys, kind="stable")]
    scored = points[by_name]
    best = int(scored.max())
    if best - int(scored.min()) >= 1 << 15:
        return candidates[
            np.lexsort((keys, -similarity[candidates], -points[candidates].astype(np.int64)))
        ]
    # Ascending: most points first (a radix sort takes one pass over 8 bits, two over 16).
    rank = (best - scored).astype(np.uint8 if best - int(scored.min()) < 256 else np.int16)
    similar = similarity[by_name]
    alike = np.flatnonzero(similar > 0)
    if not len(alike):
        return by_name[np.argsort(rank, kind="stable")]
    # By points, then similarity (descending), then name (their place in by_name).
    alike = alike[np.lexsort((alike, -similar[alike], rank[alike]))]
    joined = np.concatenate((alike, np.flatnonzero(~(similar > 0))))
    return by_name[joined[np.argsort(rank[joined], kind="stable")]]


def rank_sql(lexemes) -> tuple[str, list]:
    """SQL for the points of (at least one of) `lexemes` on providers_provider, and its params."""
    parts = []
    params = []
    for lexeme in sorted(lexemes):
        whens = " ".join(
            f"WHEN search_vector @@ (%s::tsquery) THEN {WEIGHT_POINTS[weight]}" for weight in "ABCD"
        )
        parts.append(f"(CASE {whens} ELSE 0 END)")
        quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
        params.extend(f"{quoted}:{weight}" for weight in "ABCD")
    return " + ".join(parts), params
