"""Phrase search in memory against PostgreSQL's `@@`, on made-up documents and queries.

Documents of a few lexemes with random positions (some near the 16383 limit,
some kept without positions) and weights, queries of random trees of `!`, `&`,
`|` and `<N>` phrases: PostgreSQL parses each query and answers `@@`; the
one-document functions (`node_matches_document`, `document_points`) and the
index over all documents at once (`TextIndex.matches`, `TextIndex.points`)
must give the same answers.
"""

import random

import numpy as np
import pytest
from django.db import connection

from buyers.search.phrases import MAX_POSITION, _chain
from buyers.search.postings import (
    WEIGHT_POINTS,
    PostingsBuilder,
    TextIndex,
    document_points,
    node_matches_document,
)
from buyers.search.tsquery import Node, parse_tsquery

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]

LEXEMES = ["a", "b", "c", "d"]
CODES = {"D": 0, "C": 1, "B": 2, "A": 3}


def made_up_document(rng: random.Random) -> dict:
    document = {}
    for lexeme in LEXEMES:
        if rng.random() < 0.3:
            continue
        if rng.random() < 0.1:
            document[lexeme] = []  # kept without positions (a stripped lexeme)
            continue
        near_the_end = rng.random() < 0.15
        low, high = (MAX_POSITION - 6, MAX_POSITION) if near_the_end else (1, 9)
        positions = rng.sample(range(low, high + 1), rng.randint(1, 3))
        document[lexeme] = sorted((p, rng.choice("ABCD")) for p in positions)
    return document


def tsvector_text(document: dict) -> str:
    parts = []
    for lexeme, entries in sorted(document.items()):
        if entries:
            parts.append(f"{lexeme}:" + ",".join(f"{p}{w}" for p, w in entries))
        else:
            parts.append(lexeme)
    return " ".join(parts)


def made_up_query(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth >= 4 or roll < 0.3:
        return rng.choice(LEXEMES)
    if roll < 0.45:
        return f"!( {made_up_query(rng, depth + 1)} )"
    if roll < 0.85:
        distance = rng.choice(["<->", "<->", "<0>", "<2>", "<3>", "<16383>", "<16384>"])
        operator = distance
    else:
        operator = rng.choice(["&", "|"])
    return f"( {made_up_query(rng, depth + 1)} {operator} {made_up_query(rng, depth + 1)} )"


def text_index(documents: list) -> TextIndex:
    size = len(documents)
    builder = PostingsBuilder(size, words=True)
    for lexeme in sorted({lexeme for document in documents for lexeme in document}):
        holders = [i for i, document in enumerate(documents) if lexeme in document]
        if not holders:
            continue
        entries = [documents[i][lexeme] for i in holders]
        best = [max((CODES[w] for _p, w in e), default=0) for e in entries]
        builder.add(
            lexeme,
            np.array(holders, dtype=np.int32),
            np.array(best, dtype=np.uint8),
            np.array([len(e) for e in entries], dtype=np.int16),
            np.array([p for e in entries for p, _w in e], dtype=np.int16),
        )
    empty = PostingsBuilder(size, words=False).finish()
    return TextIndex(
        size=size,
        lexemes=builder.finish(),
        trigrams=empty,
        trigram_counts=np.zeros(size, dtype=np.int32),
    )


def postgresql_answers(vectors: list, queries: list) -> tuple:
    """(each query as PostgreSQL prints it, {(query, document): vector @@ query})."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT q::tsquery::text FROM unnest(%s::text[]) q", [queries])
        printed = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT q.i, d.j, d.v::tsvector @@ q.t::tsquery "
            "FROM unnest(%s::text[]) WITH ORDINALITY q(t, i), "
            "unnest(%s::text[]) WITH ORDINALITY d(v, j)",
            [queries, vectors],
        )
        answers = {(i - 1, j - 1): matched for i, j, matched in cursor.fetchall()}
    return printed, answers


@pytest.mark.parametrize("seed", range(6))
def test_one_document_and_the_whole_index_answer_like_postgresql(seed):
    rng = random.Random(seed)
    documents = [made_up_document(rng) for _ in range(60)]
    queries = [made_up_query(rng) for _ in range(120)]
    printed, answers = postgresql_answers([tsvector_text(d) for d in documents], queries)
    index = text_index(documents)
    phrase_matches = 0
    for qi, text in enumerate(printed):
        node = parse_tsquery(text)
        found = index.matches(node)
        points = index.points(node.lexemes())
        for di, document in enumerate(documents):
            expected = answers[qi, di]
            assert node_matches_document(node, document) == expected, (text, document)
            assert bool(found[di]) == expected, (text, document)
            assert points[di] == document_points(node, document)
            phrase_matches += expected and node.has_phrase
    assert phrase_matches > 100  # the made-up queries are not all empty


def made_up_chain(rng: random.Random, words: int) -> str:
    """A phrase of lexemes alone, as `websearch_to_tsquery` makes them, grouped either way."""
    if words == 1:
        return rng.choice(LEXEMES)
    distance = rng.choice(["<->", "<->", "<0>", "<2>", "<3>", "<16382>", "<16383>", "<16384>"])
    left = rng.randint(1, words - 1)
    return f"( {made_up_chain(rng, left)} {distance} {made_up_chain(rng, words - left)} )"


@pytest.mark.parametrize("seed", range(4))
def test_phrases_of_lexemes_alone_answer_like_postgresql(seed):
    """The shorter way for phrases of lexemes (`_chain_matches`): repeated lexemes, `<0>`,
    distances up to and past the last position, lexemes kept without positions."""
    rng = random.Random(100 + seed)
    documents = [made_up_document(rng) for _ in range(80)]
    queries = [made_up_chain(rng, rng.randint(2, 4)) for _ in range(150)]
    printed, answers = postgresql_answers([tsvector_text(d) for d in documents], queries)
    index = text_index(documents)
    matched = 0
    for qi, text in enumerate(printed):
        node = parse_tsquery(text)
        assert _chain(node, 0) is not None, text
        found = index.matches(node)
        for di, document in enumerate(documents):
            assert bool(found[di]) == answers[qi, di], (text, document)
            assert node_matches_document(node, document) == answers[qi, di], (text, document)
        matched += int(found.sum())
    assert matched > 100


def test_phrase_semantics_worth_naming():
    """Cases PostgreSQL's documentation and source spell out, each checked by @@ too."""
    document = {
        "data": [(1, "A"), (5, "C")],
        "entri": [(2, "A")],
        "call": [(7, "C")],
        "centr": [(9, "C")],
        "bare": [],
    }
    cases = {
        "data <-> entri": True,
        "entri <-> data": False,
        "data <-> data": False,  # "data data": a word does not follow itself
        "data <4> data": True,  # positions 1 and 5
        "call <2> centr": True,  # "call the centre": the stop word keeps its place
        "call <-> centr": False,
        "data <0> data": True,
        "data <-> !entri": True,  # data at 5 is not followed by entri
        "!data <-> entri": False,
        # A phrase of phrases counts from the end of its left part (entri at 2).
        "( data <-> entri ) <3> data": True,
        "( data <-> entri ) <2> data": False,
        "( data <-> entri ) <4> call": False,
        "( data <-> entri ) <5> call": True,
        "data <-> ( entri | call )": True,
        "bare": True,  # a lexeme without positions is there
        "bare <-> data": False,  # but a phrase cannot place it
        "!( bare <-> data )": True,
        "bare <-> data | data": True,
    }
    vector = tsvector_text(document)
    printed, answers = postgresql_answers([vector], list(cases))
    for qi, (query, expected) in enumerate(cases.items()):
        assert answers[qi, 0] == expected, query
        node = parse_tsquery(printed[qi])
        assert node_matches_document(node, document) == expected, query
        assert bool(text_index([document]).matches(node)[0]) == expected, query


def test_points_of_one_document_are_the_best_field_of_each_positive_word():
    document = {"data": [(1, "C"), (4, "A")], "entri": [(2, "B")], "bare": []}
    node = parse_tsquery("'data' <-> 'entri' & !'voic' | 'bare' | 'kenya'")
    assert document_points(node, document) == (
        WEIGHT_POINTS["A"] + WEIGHT_POINTS["B"] + WEIGHT_POINTS["D"]
    )
    assert document_points(None, document) == 0
    assert not node_matches_document(None, document)
    assert node_matches_document(Node("lexeme", "bare"), document)
