"""In-memory full-text matching and ranking over published providers (PostgreSQL).

Asking PostgreSQL for every provider matching a broad word (80% of 100,000 rows
match "data") costs about a second: it reads and ranks the search vector of
each matching row. This module keeps the same lexemes in memory instead, as a
posting list per lexeme (the positions of the providers whose search vector
holds it, and the best field it appears in), built from the stored search
vectors in the same snapshot as the facet index (index.py).

A query is parsed by PostgreSQL itself (`websearch_to_tsquery`, so stemming and
stop words are exactly the database's), then evaluated here over the posting
lists with numpy: AND, OR and NOT of lexemes. Phrases (`"data entry"`, and
hyphenated words, which PostgreSQL turns into phrases) need word positions,
which are not kept; those queries are matched by the database instead. Before
any of this the search shortens chains of `-` too long for PostgreSQL's parser,
keeping their meaning (`bound_negations`).

Relevance: each positive query word scores the best field it appears in
(`WEIGHT_POINTS`: name, then tagline and services, then description and case
studies); providers with more points come first, then those whose name is most
like the query (pg_trgm similarity, which also lets a typo in a name match),
then name order. `rank_sql` gives the same order to the database, for exports.
"""

import re
from dataclasses import dataclass

import numpy as np

#: Points a query word scores, by the best field of the search vector it is in
#: (A: name; B: tagline and services; C: description and case studies; D: unused).
WEIGHT_POINTS = {"A": 10, "B": 4, "C": 2, "D": 1}
_CODE_POINTS = np.array([WEIGHT_POINTS[w] for w in "DCBA"], dtype=np.int32)

_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'(?::\*?[A-Da-d]*)?|(<->|<\d+>)|([&|!()]))")

# --------------------------------------------------------------------------
# web-style query text -> text PostgreSQL can always parse
# --------------------------------------------------------------------------

#: Most `-` (NOT) operators kept in a row. PostgreSQL's tsquery parser keeps the
#: operators it has not applied yet on a stack of 32 (STACKDEPTH in tsquery.c);
#: in `websearch_to_tsquery` only a chain of NOTs can pile up there (besides one
#: pending OR and one pending AND), so 31 or more `-` in a row fail the whole
#: query with "tsquery stack too small".
MAX_NEGATIONS_IN_A_ROW = 30

#: Characters PostgreSQL skips while it waits for the operand of a `-`: a chain of
#: NOTs can run through all of them (measured over every Unicode character).
_NEGATION_RUN = re.compile(r"[-\s!&|()<]*-[-\s!&|()<]*")


def bound_negations(text: str) -> str:
    """`text` with no chain of more than MAX_NEGATIONS_IN_A_ROW `-` operators.

    Every chain of NOTs lies inside a run of `-`, spaces and `!&|()<`; where such
    a run holds too many `-`, pairs of them are dropped. A pair of NOTs cancels
    out, so the query means what it meant; every other query is left as it is.
    """

    def shorten(match):
        run = match.group()
        excess = run.count("-") - MAX_NEGATIONS_IN_A_ROW
        if excess <= 0:
            return run
        drop = excess + excess % 2
        kept = []
        for char in reversed(run):
            if char == "-" and drop:
                drop -= 1
                continue
            kept.append(char)
        return "".join(reversed(kept))

    return _NEGATION_RUN.sub(shorten, text)


# --------------------------------------------------------------------------
# tsquery text -> tree
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A parsed tsquery: op is "lexeme", "not", "and", "or" or "phrase"."""

    op: str
    value: str = ""
    children: tuple = ()

    def lexemes(self, *, positive=True) -> set:
        """Lexemes of the query (only those not under a NOT, by default)."""
        if self.op == "lexeme":
            return {self.value}
        if self.op == "not" and positive:
            return set()
        found = set()
        for child in self.children:
            found |= child.lexemes(positive=positive)
        return found

    @property
    def has_phrase(self) -> bool:
        return self.op == "phrase" or any(child.has_phrase for child in self.children)


def _tokens(text: str) -> list:
    tokens = []
    at = 0
    text = text.rstrip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            raise ValueError(f"Unexpected tsquery text at {at}: {text[at : at + 20]!r}")
        lexeme, phrase, op = match.groups()
        if lexeme is not None:
            tokens.append(("lexeme", re.sub(r"\\(.)", r"\1", lexeme.replace("''", "'"))))
        elif phrase is not None:
            tokens.append(("phrase", phrase))
        else:
            tokens.append((op, op))
        at = match.end()
    return tokens


def parse_tsquery(text: str) -> Node | None:
    """Parse PostgreSQL's text form of a tsquery; None for an empty query.

    Precedence, tightest first: `!`, `<->` (phrase), `&`, `|`.
    """
    tokens = _tokens(text)
    if not tokens:
        return None
    at = 0

    def peek():
        return tokens[at][0] if at < len(tokens) else None

    def take():
        nonlocal at
        if at >= len(tokens):
            raise ValueError("Unexpected end of tsquery")
        at += 1
        return tokens[at - 1]

    def primary():
        kind, value = take()
        if kind == "lexeme":
            return Node("lexeme", value)
        if kind == "!":
            return Node("not", children=(primary(),))
        if kind == "(":
            node = disjunction()
            if take()[0] != ")":
                raise ValueError("Unbalanced parentheses in tsquery")
            return node
        raise ValueError(f"Unexpected {value!r} in tsquery")

    def phrase():
        node = primary()
        while peek() == "phrase":
            take()
            node = Node("phrase", children=(node, primary()))
        return node

    def conjunction():
        node = phrase()
        while peek() == "&":
            take()
            node = Node("and", children=(node, phrase()))
        return node

    def disjunction():
        node = conjunction()
        while peek() == "|":
            take()
            node = Node("or", children=(node, conjunction()))
        return node

    node = disjunction()
    if at != len(tokens):
        raise ValueError("Trailing tokens in tsquery")
    return node


# --------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------

#: Lexeme -> providers holding it, each packed as id * 4 + best weight (0 D .. 3 A).
LEXEME_SQL = """
    SELECT u.lexeme, string_agg(int8send(p.id * 4 + CASE
        WHEN 'A' = ANY(u.weights) THEN 3 WHEN 'B' = ANY(u.weights) THEN 2
        WHEN 'C' = ANY(u.weights) THEN 1 ELSE 0 END), ''::bytea)
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


def _unpack(packed: np.ndarray, size: int) -> np.ndarray:
    return np.unpackbits(packed, count=size, bitorder="little").view(bool)


@dataclass
class Postings:
    """Key -> the positions of the providers that have it, each with a 2-bit code.

    A key most providers have is kept as packed bit rows (is there, code's low bit,
    code's high bit: 3 bits per provider); a rarer key as a list of positions and
    codes (5 bytes per provider that has it), whichever is smaller.
    """

    size: int
    #: key -> uint8 array of shape (3, ceil(size / 8)) of packed bits
    dense: dict
    #: key -> row of the sparse lists
    rows: dict
    starts: np.ndarray  # row -> first posting; len(rows) + 1 entries
    positions: np.ndarray  # posting -> provider position (int32)
    codes: np.ndarray  # posting -> code (uint8)

    def members(self, key: str) -> np.ndarray:
        """Boolean array over positions: who has `key`."""
        packed = self.dense.get(key)
        if packed is not None:
            return _unpack(packed[0], self.size)
        found = np.zeros(self.size, dtype=bool)
        found[self._sparse(key)[0]] = True
        return found

    def add_values(self, key: str, values: np.ndarray, into: np.ndarray) -> None:
        """Add values[code] to `into` at the position of each provider that has `key`."""
        packed = self.dense.get(key)
        if packed is not None:
            code = _unpack(packed[1], self.size).astype(np.uint8)
            code += _unpack(packed[2], self.size).astype(np.uint8) * 2
            into += np.where(_unpack(packed[0], self.size), values[code], 0).astype(into.dtype)
            return
        positions, codes = self._sparse(key)
        into[positions] += values[codes]

    def _sparse(self, key: str) -> tuple:
        row = self.rows.get(key)
        if row is None:
            return self.positions[:0], self.codes[:0]
        start, end = self.starts[row], self.starts[row + 1]
        return self.positions[start:end], self.codes[start:end]

    @property
    def nbytes(self) -> int:
        dense = sum(packed.nbytes for packed in self.dense.values())
        return dense + self.positions.nbytes + self.codes.nbytes


#: Bytes of packed ids to ask the database for at a time while building.
FETCH_BYTES = 2 * 1024 * 1024


def _read_postings(connection, sql: str, id_to_position: np.ndarray, size: int) -> Postings:
    """Stream (key, packed ids) rows through a server-side cursor into compact arrays.

    Rows come largest first, so each fetch can ask for as many rows as fit in
    FETCH_BYTES: the common words arrive a few at a time, the rare ones by hundreds.
    """
    nbytes = (size + 7) // 8
    dense = {}
    rows = {}
    counts = []
    positions = []
    codes = []
    last_id = len(id_to_position) - 1
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        fetch = 1
        while batch := cursor.fetchmany(fetch):
            fetch = max(1, min(1000, FETCH_BYTES // max(1, len(batch[-1][1]))))
            for key, packed in batch:
                values = np.frombuffer(packed, dtype=">i8")
                ids = values >> 2
                found = id_to_position[np.minimum(ids, last_id)]
                if ((ids > last_id) | (found < 0)).any():
                    # Cannot happen inside the facet index's snapshot; refuse a wrong index.
                    raise RuntimeError("Search data names providers not in the facet index")
                code = (values & 3).astype(np.uint8)
                if len(values) * 5 > 3 * nbytes:
                    bits = np.zeros((3, size), dtype=bool)
                    bits[0, found] = True
                    bits[1, found] = code & 1
                    bits[2, found] = code >> 1
                    dense[key] = np.packbits(bits, axis=1, bitorder="little")
                else:
                    rows[key] = len(counts)
                    counts.append(len(values))
                    positions.append(found.astype(np.int32))
                    codes.append(code)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return Postings(
        size=size,
        dense=dense,
        rows=rows,
        starts=starts,
        positions=np.concatenate(positions) if positions else np.zeros(0, np.int32),
        codes=np.concatenate(codes) if codes else np.zeros(0, np.uint8),
    )


_ONE = np.ones(4, dtype=np.int32)


@dataclass
class TextIndex:
    size: int
    lexemes: Postings
    trigrams: Postings
    #: position -> number of distinct trigrams in the provider's name
    trigram_counts: np.ndarray

    def matches(self, node: Node) -> np.ndarray:
        """Boolean array over positions: which providers match `node` (no phrases)."""
        if node.op == "lexeme":
            return self.lexemes.members(node.value)
        if node.op == "not":
            return ~self.matches(node.children[0])
        if node.op == "and":
            return self.matches(node.children[0]) & self.matches(node.children[1])
        if node.op == "or":
            return self.matches(node.children[0]) | self.matches(node.children[1])
        raise ValueError(f"{node.op} queries are matched by the database")

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
            self.trigrams.add_values(trigram, _ONE, common)
        union = self.trigram_counts + np.int32(len(query_trigrams)) - common
        similarity = np.zeros(self.size, dtype=np.float32)
        np.divide(
            common.astype(np.float32), union.astype(np.float32), out=similarity, where=union > 0
        )
        return similarity


def build_text_index(connection, id_to_position: np.ndarray, size: int) -> TextIndex:
    """Read every published provider's lexemes and name trigrams.

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


def rank_order(
    candidates: np.ndarray, points: np.ndarray, similarity: np.ndarray, names: np.ndarray
) -> np.ndarray:
    """Positions of `candidates` by points, then name similarity, then name (`names`: each
    position's key in the name order)."""
    return candidates[
        np.lexsort(
            (names[candidates], -similarity[candidates], -points[candidates].astype(np.int64))
        )
    ]


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
