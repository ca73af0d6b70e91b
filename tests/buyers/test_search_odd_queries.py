"""Text queries made of operators: answered on the page and in exports, never a 500.

PostgreSQL's `websearch_to_tsquery` fails on a chain of 31 or more `-` (NOT)
operators ("tsquery stack too small"); on SQLite empty phrases (`""`) once broke
the ranking. The search page and the CSV export must answer every such query.
"""

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import QueryDict
from django.urls import reverse

from buyers.search.parameters import MAX_QUERY_LENGTH, clean_query, parse_search_params
from buyers.search.tsquery import MAX_NEGATIONS_IN_A_ROW, parse_tsquery
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's tsquery parser"
)

ODD_QUERIES = [
    "-" * 33,
    "-" * 200,
    "- " * 40 + "data",
    "-!" * 40 + "data",
    "-(" * 40,
    "data or " + "-" * 40 + "annotation",
    '"data" ' + "-" * 35 + '"annotation work"',
    '""',
    '-""',
    '"""',
    '"" data',
    '-"" -',
    "or",
    "-or",
    "- -",
]


@pytest.fixture
def directory():
    ProviderFactory(name="Kijani Data", tagline="Data annotation")
    ProviderFactory(name="Umoja Books", tagline="Bookkeeping")


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_search_page_answers_queries_made_of_operators(client, directory, q):
    response = client.get(reverse("search"), {"q": q})
    assert response.status_code == 200
    assert "providers" in response.text


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_search_export_streams_every_row_for_queries_made_of_operators(buyer_client, directory, q):
    response = buyer_client.get(reverse("buyers:export_search"), {"q": q})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["slug", "name"]
    assert all(len(row) == len(rows[0]) for row in rows)


def test_many_dashes_in_a_row_keep_their_meaning_in_fewer_dashes():
    # A pair of NOTs cancels out: an odd chain stays odd, an even one even.
    for count in range(MAX_NEGATIONS_IN_A_ROW + 1, 60):
        q, _cut = clean_query("-" * count + "data")
        kept = q.count("-")
        assert kept <= MAX_NEGATIONS_IN_A_ROW
        assert kept % 2 == count % 2
        assert q.endswith("data")
    # Shorter chains and dashes inside words are left alone.
    assert clean_query("-" * MAX_NEGATIONS_IN_A_ROW + "x")[0] == "-" * MAX_NEGATIONS_IN_A_ROW + "x"
    assert clean_query("e-mail -voice --data")[0] == "e-mail -voice --data"
    assert clean_query("a " + "- " * 40 + "b")[0].count("-") == 30


def pg_tsquery(q):
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('english'::regconfig, %s)::text", [q])
        return cursor.fetchone()[0]


@on_postgresql
@pytest.mark.parametrize("prefix", ["", "data ", "data or annotation ", '"call centre" '])
@pytest.mark.parametrize("between", ["", " ", "!", "(", ")", "&", "|", "<", " !( "])
def test_postgresql_parses_every_cleaned_chain_of_negations(prefix, between):
    for count in range(MAX_NEGATIONS_IN_A_ROW - 1, 70):
        raw = prefix + ("-" + between) * count + "kenya"
        q, cut = clean_query(raw)
        text = pg_tsquery(q)  # raises on a chain PostgreSQL cannot hold
        if cut:  # the end of the text is gone; what is left must still parse
            parse_tsquery(text)
            continue
        # The meaning is kept: as many NOTs as typed, modulo pairs.
        assert parse_tsquery(text).lexemes(positive=False) >= {"kenya"}
        assert text.count("!") % 2 == count % 2
    # Without the cleaning the same text fails: this is what the test guards.
    raw = prefix + ("-" + between) * 40 + "kenya"
    with pytest.raises(DatabaseError, match="tsquery stack too small"), transaction.atomic():
        pg_tsquery(raw)


@on_postgresql
def test_cleaning_fits_the_longest_query():
    q, cut = clean_query("-" * (MAX_QUERY_LENGTH * 2))
    assert cut
    assert pg_tsquery(q) == ""
    assert parse_search_params(QueryDict("q=x+" + "-" * 100)).q == "x " + "-" * 30


def test_a_query_of_empty_phrases_matches_nothing_and_sorts_fine(client, directory):
    for q in ['""', '-""', '"""', '"" ""']:
        response = client.get(reverse("search"), {"q": q, "sort": "relevance"})
        assert response.status_code == 200
        assert "Kijani Data" not in response.text
    # Exclusions only: everything but the excluded, ranked alike (then by name).
    response = client.get(reverse("search"), {"q": '-kijani ""'})
    assert response.status_code == 200
    assert "Kijani Data" not in response.text and "Umoja Books" in response.text
