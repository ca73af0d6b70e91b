"""Text search in memory (buyers/search/postings.py) against PostgreSQL's own answers."""

import io

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict

from buyers.search.bits import bits_to_bool, bool_to_bits
from buyers.search.concepts import concept_condition
from buyers.search.current import search_index
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from buyers.search.sqlite_text import similarity as sqlite_similarity
from buyers.search.text import forget_matches, similarity_text, text_match
from buyers.search.tsquery import Node, parse_tsquery
from providers.models import Provider

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)

# ----------------------------------------------------------------- parsing tsquery text


def lexeme(value):
    return Node("lexeme", value)


def test_parse_tsquery_reads_lexemes_and_operators_with_their_precedence():
    assert parse_tsquery("") is None
    assert parse_tsquery("'data'") == lexeme("data")
    assert parse_tsquery("'a' | 'b' & !'c'") == Node(
        "or",
        children=(
            lexeme("a"),
            Node("and", children=(lexeme("b"), Node("not", children=(lexeme("c"),)))),
        ),
    )
    assert parse_tsquery("!( 'call' <-> 'centr' ) & 'kenya'") == Node(
        "and",
        children=(
            Node(
                "not",
                children=(Node("phrase", "<->", children=(lexeme("call"), lexeme("centr"))),),
            ),
            lexeme("kenya"),
        ),
    )


def test_parse_tsquery_unescapes_quotes_and_backslashes():
    assert parse_tsquery("'o''brien'") == lexeme("o'brien")
    assert parse_tsquery(r"'back\\slash' & 'x':*") == Node(
        "and", children=(lexeme("back\\slash"), lexeme("x"))
    )


def test_parse_tsquery_knows_positive_lexemes_and_phrases():
    node = parse_tsquery("'data' <2> 'entri' & !'voic' | 'kenya'")
    assert node.lexemes() == {"data", "entri", "kenya"}
    assert node.lexemes(positive=False) == {"data", "entri", "voic", "kenya"}
    assert node.has_phrase
    assert not parse_tsquery("'data' & !'entri'").has_phrase


@pytest.mark.parametrize("text", ["'data' &", "( 'a'", "'a' 'b'", "&", "'unterminated"])
def test_parse_tsquery_refuses_text_it_does_not_understand(text):
    with pytest.raises(ValueError):
        parse_tsquery(text)


def test_bitsets_and_boolean_arrays_convert_both_ways():
    found = np.zeros(21, dtype=bool)
    found[[0, 3, 8, 20]] = True
    bits = bool_to_bits(found)
    assert bits == (1 << 0) | (1 << 3) | (1 << 8) | (1 << 20)
    assert (bits_to_bool(bits, 21) == found).all()


def test_names_may_resemble_only_the_words_the_buyer_wants():
    assert similarity_text("data") == "data"
    assert similarity_text('"content moderation" -voice') == "content moderation"
    assert similarity_text('kijani or umoja -"call centre" -x') == "kijani umoja"
    assert similarity_text("-data") == ""
    assert similarity_text("- data") == "- data"


# ----------------------------------------------------------------- memory == database

QUERIES = [
    "data",
    "data annotation",
    "data -annotation",
    "annotation or bookkeeping",
    '"content moderation"',
    '-"customer support" kenya',
    "support",
    "-support",
    "Kijanni",
    "the",
    "e-mail",
    "zzzz qqqq",
    "café ñandú",
    # Queries naming taxonomy terms (concepts.py) add the terms' providers.
    "call centre",
    "Kenya",
    "ISO 27001",
    "disability",
    "call centre in Kenya",
    # Phrases, matched over word positions in memory.
    '"data entry"',
    "data-entry",
    "in-house",
    "low-income -non-profit",
    '"data data"',
    '"call the centre"',
    '"call centre"',
    '"data entry" -"call centre"',
    '-"data entry" data',
    '"data entry" or "content moderation"',
    '"entry data"',
    '"annotation and labelling" kenya',
    '"the the"',
]

PHRASES = [q for q in QUERIES if '"' in q or "-" in q.lstrip("-")]


@pytest.fixture
def demo_directory():
    call_command("seed_demo", "--providers", "120", stdout=io.StringIO(), stderr=io.StringIO())
    forget_matches()
    return search_index()


def database_matches(q):
    """PostgreSQL's own matches for `q`, and the providers of the taxonomy terms `q` names
    (query understanding, buyers/search/concepts.py: "bookkeeping" names a service),
    found with the facets' QuerySet verbs, not the index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM providers_provider WHERE status = 'published' AND ("
            "search_vector @@ websearch_to_tsquery('english'::regconfig, %s) OR name %% %s)",
            [q, similarity_text(q)],
        )
        matches = {row[0] for row in cursor.fetchall()}
    index = search_index()
    named = index.concepts.recognise(q)
    if named:
        listed = Provider.objects.published().filter(concept_condition(index, named))
        matches |= set(listed.values_list("id", flat=True))
    return matches


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("q", QUERIES)
def test_memory_matches_and_orders_exactly_like_the_database(demo_directory, q):
    params = parse_search_params(QueryDict(f"q={q}"))
    result = provider_search(params=params, page=1, page_size=500)
    expected = database_matches(params.q)
    assert set(result.provider_ids) == expected
    assert result.total == len(expected)
    assert result.provider_ids == list(search_queryset(params).values_list("id", flat=True))


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("q", PHRASES)
def test_phrases_are_matched_in_memory_after_the_one_parse_query(
    demo_directory, q, django_assert_num_queries
):
    cleaned = parse_search_params(QueryDict(f"q={q}")).q
    with django_assert_num_queries(1):  # websearch_to_tsquery and show_trgm
        match = text_match(demo_directory, cleaned)
    found = {int(demo_directory.ids[position]) for position in match.ranked}
    assert found == database_matches(cleaned)


@on_postgresql
@pytest.mark.django_db
def test_the_directory_has_matches_for_the_broad_queries(demo_directory):
    """Guards the test above from comparing empty sets."""
    assert len(database_matches("data")) > 10
    assert len(database_matches("support")) > 10
    assert 0 < len(database_matches("-support")) < demo_directory.size
    # Phrases find fewer than their words: positions are compared, not only presence.
    assert len(database_matches('"data entry"')) > 10
    assert 0 < len(database_matches('"entry data"')) < len(database_matches("entry data"))
    assert database_matches("in-house")  # a hyphenated word: a phrase of its parts
    # Both ways of keeping a lexeme (packed bits when common, positions when rare) are used.
    assert demo_directory.text.lexemes.dense
    assert demo_directory.text.lexemes.rows


@on_postgresql
@pytest.mark.django_db
def test_name_similarity_is_pg_trgm_similarity_to_the_last_bit(demo_directory):
    index = demo_directory
    for q in ["Amani", "Kijanni Labeling", "data solutions", "x"]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT show_trgm(%s)", [q])
            trigrams = cursor.fetchone()[0]
            cursor.execute(
                "SELECT id, similarity(name, %s) FROM providers_provider "
                "WHERE status = 'published'",
                [q],
            )
            expected = dict(cursor.fetchall())
        similarity = index.text.name_similarity(trigrams)
        for provider_id, value in expected.items():
            # PostgreSQL prints the float4 it computed in its shortest exact form.
            assert similarity[index.position_of(provider_id)] == np.float32(value)


@on_postgresql
@pytest.mark.django_db
def test_sqlite_name_similarity_is_pg_trgm_similarity(demo_directory):
    """SQLite computes pg_trgm's similarity in Python (sqlite_text.py): the same numbers."""
    queries = ["Amani", "Kijanni Labeling", "data solutions", "x", "Café Ñandú", "e-mail 24/7"]
    with connection.cursor() as cursor:
        for q in queries:
            cursor.execute(
                "SELECT name, similarity(name, %s) FROM providers_provider ORDER BY id", [q]
            )
            for name, value in cursor.fetchall():
                assert np.float32(sqlite_similarity(name, q)) == np.float32(value), (name, q)


@on_postgresql
@pytest.mark.django_db
def test_name_weighs_more_than_tagline_and_tagline_more_than_description(demo_directory):
    low = Provider.objects.published().order_by("id").first()
    Provider.objects.filter(pk=low.pk).update(description=low.description + " Zebrafinch.")
    mid = Provider.objects.published().order_by("id")[1]
    Provider.objects.filter(pk=mid.pk).update(tagline="Zebrafinch work")
    top = Provider.objects.published().order_by("id")[2]
    Provider.objects.filter(pk=top.pk).update(name="Zebrafinch Partners")
    result = provider_search(
        params=parse_search_params(QueryDict("q=zebrafinch")), page=1, page_size=20
    )
    assert result.provider_ids == [top.pk, mid.pk, low.pk]


@pytest.mark.django_db
def test_excluding_a_word_never_finds_names_like_it():
    from tests.factories import ProviderFactory

    ProviderFactory(name="Kijani Labelling", tagline="Image annotation")
    ProviderFactory(name="Umoja Books", tagline="Bookkeeping")
    result = provider_search(
        params=parse_search_params(QueryDict("q=-kijani")), page=1, page_size=20
    )
    assert [provider.name for provider in result.providers] == ["Umoja Books"]
