"""Any text a buyer types: PostgreSQL parses it, and memory answers exactly as the database.

tests/buyers/test_search_text.py holds the in-memory search to PostgreSQL's own
answers for a list of normal queries; here hypothesis makes up queries of words,
operators, quotes and odd characters and holds it to the same answers.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buyers.search.current import search_index
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from buyers.search.text import forget_matches, text_match
from buyers.search.tsquery import parse_tsquery
from tests.buyers.test_search_text import database_matches

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]

PIECES = [
    "data",
    "annotation",
    "support",
    "kenya",
    "voice",
    "e-mail",
    "call centre",
    '"data entry"',
    "entry",
    "data data",
    "call the centre",
    "-data-entry",
    "the",
    "or",
    "OR",
    "-",
    "--",
    '"',
    "'",
    "!",
    "&",
    "|",
    "(",
    ")",
    "<->",
    "<2>",
    ":*",
    ":A",
    "\\",
    "*",
    " ",
    "  ",
    "²",
    "①",
    "٣",
    "café",
    "a-b-c",
    "-" * 31,
]

queries = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), min_size=1, max_size=14).map(
    "".join
)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def query(raw):
    querydict = QueryDict(mutable=True)
    querydict["q"] = raw
    return querydict


@pytest.fixture
def demo_directory():
    call_command("seed_demo", "--providers", "120", stdout=io.StringIO(), stderr=io.StringIO())
    forget_matches()
    return search_index()


@FUZZ
@given(raw=queries)
def test_postgresql_parses_every_cleaned_query_and_so_do_we(raw):
    q = parse_search_params(query(raw)).q
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('english'::regconfig, %s)::text", [q])
        parse_tsquery(cursor.fetchone()[0])


@FUZZ
@given(raw=queries)
def test_memory_answers_made_up_queries_exactly_like_the_database(demo_directory, raw):
    params = parse_search_params(query(raw))
    result = provider_search(params=params, page=1, page_size=500)
    if not params.q:
        return
    expected = database_matches(params.q)
    assert set(result.provider_ids) == expected
    assert result.total == len(expected)
    assert result.provider_ids == list(search_queryset(params).values_list("id", flat=True))


@FUZZ
@given(raw=queries)
def test_any_query_phrases_included_costs_the_one_parse_query(
    demo_directory, raw, django_assert_num_queries
):
    q = parse_search_params(query(raw)).q
    if not q:
        return
    forget_matches()
    with django_assert_num_queries(1):
        text_match(demo_directory, q)
