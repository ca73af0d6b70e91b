"""Text search on SQLite, the zero-setup default: FTS5 (migration 0011, sqlite_text.py).

The page (text.text_match) and the database path (search_queryset: exports,
alerts) must find the same providers in the same order; stemming, typo
tolerance, web-style syntax and the ordering page's points must hold here as on
PostgreSQL.
"""

import importlib
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from hypothesis import given

from buyers.search.current import search_index
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from buyers.search.sqlite_text import FTS, Vocabulary, allowed_edits, similarity
from buyers.search.text import _text_cache
from providers.models import ListingStatus, Provider, Service
from providers.services.catalogue import providers_refresh_derived
from tests.buyers.test_search_text_properties import FUZZ, queries
from tests.buyers.test_search_text_properties import query as made_up
from tests.factories import DeliveryCentreFactory, ProviderFactory, ProviderServiceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 search"),
]


def search(q, page_size=1000, **extra):
    querydict = QueryDict(mutable=True)
    querydict["q"] = q
    for key, value in extra.items():
        querydict[key] = value
    params = parse_search_params(querydict)
    return params, provider_search(params=params, page=1, page_size=page_size)


def found(q):
    return set(search(q)[1].provider_ids)


def indexed_ids():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def demo_directory():
    call_command("seed_demo", "--providers", "120", stdout=io.StringIO(), stderr=io.StringIO())
    _text_cache.clear()
    return search_index()


# ----------------------------------------------------------------- the tables and triggers


def test_the_migration_leaves_full_text_tables_and_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE name LIKE 'providers_provider_fts%' "
            "OR name LIKE 'providers_provider_words%' ORDER BY name"
        )
        names = {name for kind, name in cursor.fetchall() if kind in {"table", "trigger"}}
    assert {
        "providers_provider_fts",
        "providers_provider_words",
        "providers_provider_words_vocab",
        "providers_provider_fts_insert",
        "providers_provider_fts_update",
        "providers_provider_fts_delete",
    } <= names


class _Editor:
    """Enough of a schema editor for migration 0011's raw SQL."""

    connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_migration_fills_the_text_index_from_existing_listings_and_undoes_cleanly():
    migration = importlib.import_module("providers.migrations.0012_sqlite_text")
    live = ProviderFactory(name="Zebrafinch Works")
    ProviderFactory(name="Zebrafinch Drafts", status=ListingStatus.DRAFT)
    migration.backwards(None, _Editor())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master "
            "WHERE name LIKE 'providers_provider_fts%' OR name LIKE 'providers_provider_words%'"
        )
        assert cursor.fetchone()[0] == 0
    migration.forwards(None, _Editor())
    assert indexed_ids() == {live.pk}
    assert found("zebrafinch") == {live.pk}


def test_triggers_keep_only_published_listings_in_the_text_index():
    live = ProviderFactory(name="Zebrafinch Works")
    draft = ProviderFactory(name="Zebrafinch Drafts", status=ListingStatus.DRAFT)
    assert live.pk in indexed_ids() and draft.pk not in indexed_ids()
    assert found("zebrafinch") == {live.pk}

    Provider.objects.filter(pk=draft.pk).update(status=ListingStatus.PUBLISHED)
    Provider.objects.filter(pk=live.pk).update(name="Quokka Works")
    assert found("zebrafinch") == {draft.pk}
    assert found("quokka") == {live.pk}

    Provider.objects.filter(pk=live.pk).update(status=ListingStatus.SUSPENDED)
    assert found("quokka") == set()
    draft.delete()
    assert indexed_ids() == set(Provider.objects.published().values_list("pk", flat=True))


def test_services_text_is_searchable_once_the_catalogue_refreshes_it():
    provider = ProviderFactory(name="Plain Name", tagline="", description="")
    ProviderServiceFactory(
        provider=provider,
        service=Service.objects.get(slug="transcription"),
        note="Medical dictation",
    )
    assert found("dictations") == set()
    providers_refresh_derived()
    assert found("dictations") == {provider.pk}


# ----------------------------------------------------------------- what a newcomer types


def test_a_word_finds_its_other_forms(demo_directory):
    assert found("disabilities")
    assert found("disability") == found("disabilities")


def test_a_misspelt_word_finds_what_the_word_finds(demo_directory):
    annotation = found("annotation")
    assert annotation
    assert found("anotation") == annotation
    assert found("annotaiton") == annotation  # two letters swapped: one edit


def test_call_centre_finds_the_voice_support_providers(demo_directory):
    voice = set(
        Provider.objects.published()
        .offering(Service.objects.get(slug="voice-support").pk)
        .values_list("pk", flat=True)
    )
    assert voice
    assert voice <= found("call centre")


def test_kenya_finds_every_provider_delivering_in_kenya(demo_directory):
    kenya = set(Provider.objects.published().delivering_in("KE").values_list("pk", flat=True))
    assert kenya
    assert kenya <= found("Kenya")


QUERIES = [
    "data",
    "data annotation",
    "data -annotation",
    "annotation or bookkeeping",
    '"content moderation"',
    '"data entry"',
    '-"customer support" kenya',
    "support",
    "-support",
    "disability",
    "anotation",
    "anotation -data",
    "call centre",
    "call centre in Kenya",
    "Kenya",
    "ISO 27001",
    "the",
    "e-mail",
    "zzzz qqqq",
    "café ñandú",
    '""',
    "&",
    "- data",
    "data or",
]


def test_page_and_database_path_find_the_same_in_the_same_order(demo_directory):
    for q in QUERIES:  # one directory for all: seeding it is most of the time
        params, result = search(q)
        database = list(search_queryset(params).values_list("id", flat=True))
        assert result.provider_ids == database, q
        assert result.total == len(result.provider_ids), q


def test_the_directory_has_matches_for_the_broad_queries(demo_directory):
    """Guards the test above from comparing empty lists."""
    size = demo_directory.size
    assert 10 < len(found("data")) < size
    assert 0 < len(found("-support")) < size
    assert 0 < len(found('"data entry"')) <= len(found("data entry"))


def test_a_phrase_wants_its_words_in_a_row():
    in_a_row = ProviderFactory(name="Alpha", tagline="Data entry", description="")
    apart = ProviderFactory(name="Beta", tagline="Entry of data", description="")
    assert found("data entry") == {in_a_row.pk, apart.pk}
    assert found('"data entry"') == {in_a_row.pk}
    assert found("data-entry") == {in_a_row.pk}  # a hyphenated word is a phrase, as on PostgreSQL


def test_web_style_syntax_means_what_it_means_on_postgresql(demo_directory):
    data, annotation = found("data"), found("annotation")
    published = set(demo_directory.ids.tolist())
    assert found("data annotation") == data & annotation
    assert found("data -annotation") == data - annotation
    assert found("data or annotation") == data | annotation
    assert found("-data") == published - data
    assert found("data &") == data  # a term without a word is left out
    assert found("&") == set()


# ----------------------------------------------------------------- ranking and typos


@pytest.fixture
def fields():
    low = ProviderFactory(name="Alpha Low", tagline="Work", description="Zebrafinch counting.")
    mid = ProviderFactory(name="Beta Mid", tagline="Zebrafinch work", description="Other.")
    top = ProviderFactory(name="Zebrafinch Partners", tagline="Work", description="Other.")
    both = ProviderFactory(name="Gamma Both", tagline="Zebrafinch and quokka", description="Other.")
    return low, mid, top, both


def test_name_weighs_more_than_tagline_and_tagline_more_than_description(fields):
    low, mid, top, _both = fields
    params, result = search("zebrafinch")
    assert result.provider_ids[0] == top.pk
    assert result.provider_ids[-1] == low.pk
    assert list(search_queryset(params).values_list("id", flat=True)) == result.provider_ids


def test_each_word_scores_once_for_its_best_field(fields):
    low, mid, top, both = fields
    # zebrafinch in the name (10) > zebrafinch and quokka in the tagline (4 + 4) > one (4).
    assert search("quokka or zebrafinch")[1].provider_ids == [top.pk, both.pk, mid.pk, low.pk]
    # A word said twice still scores once.
    twice = search("zebrafinch zebrafinch")[1].provider_ids
    assert twice == search("zebrafinch")[1].provider_ids


def test_a_typo_in_a_name_still_finds_the_provider():
    kijani = ProviderFactory(name="Kijani Labelling", tagline="Image work", description="")
    sauti = ProviderFactory(name="Sauti Support", tagline="Voice work", description="")
    assert search("Kijanni Labeling")[1].provider_ids == [kijani.pk]
    assert search("Sauty Suport")[1].provider_ids == [sauti.pk]
    # A name like the text, though no word of the text is in it (pg_trgm's `%`).
    assert kijani.pk in found("Kijanilabelling")


def test_trigram_similarity_counts_shared_trigrams_like_pg_trgm():
    assert similarity("word", "word") == 1.0
    assert similarity("", "") == 0.0
    # "  a", " ab", "ab " and "  a", " ac", "ac ": one shared, five in all.
    assert similarity("ab", "ac") == 1 / 5
    assert similarity("Café", "CAFÉ") == 1.0
    assert similarity("Café", "Cafe") == 3 / 7  # pg_trgm keeps accents


def test_corrections_go_to_the_closest_and_most_used_word():
    vocabulary = Vocabulary({"annotation": 5, "notation": 2, "annotations": 9, "data": 40})
    assert vocabulary.closest("annotation") == "annotation"
    assert vocabulary.closest("anotation") == "annotation"  # 1 edit, like notation: more used
    assert Vocabulary({"notation": 9, "annotation": 5}).closest("anotation") == "notation"
    assert vocabulary.closest("dta") is None  # too short to correct
    assert vocabulary.closest("zzzzzzzz") is None
    assert allowed_edits("data") == 1 and allowed_edits("annotation") == 2
    assert allowed_edits("27001") == 0


def test_a_word_that_matches_through_its_stem_is_not_corrected():
    disabled = ProviderFactory(name="Alpha", tagline="Disabilities first", description="")
    ProviderFactory(name="Beta", tagline="Durability first", description="")
    assert found("disability") == {disabled.pk}


def test_excluding_a_misspelt_word_excludes_nothing_else():
    annotation = ProviderFactory(name="Alpha", tagline="Annotation", description="")
    other = ProviderFactory(name="Beta", tagline="Bookkeeping", description="")
    assert found("-anotation") == {annotation.pk, other.pk}


def test_text_and_facets_stay_exact_with_the_named_terms():
    in_kenya = ProviderFactory(name="Alpha", tagline="Bookkeeping", description="")
    DeliveryCentreFactory(provider=in_kenya, country="KE")
    says_kenya = ProviderFactory(name="Beta", tagline="Work from Kenya", description="")
    DeliveryCentreFactory(provider=says_kenya, country="UG")
    params, result = search("kenya")
    assert set(result.provider_ids) == {in_kenya.pk, says_kenya.pk}
    country = next(group for group in result.facets if group.param == "country")
    assert {option.key: option.count for option in country.options} == {"KE": 1, "UG": 1}
    assert search("kenya", country="UG")[1].provider_ids == [says_kenya.pk]
    # The provider that says "Kenya" scores a point for it; the other only delivers there.
    assert result.provider_ids == [says_kenya.pk, in_kenya.pk]
    assert list(search_queryset(params).values_list("id", flat=True)) == result.provider_ids


@FUZZ
@given(raw=queries)
def test_made_up_queries_find_the_same_on_the_page_and_the_database_path(demo_directory, raw):
    """Words, operators, quotes and odd characters (test_search_text_properties' pieces)."""
    params = parse_search_params(made_up(raw))
    result = provider_search(params=params, page=1, page_size=500)
    if not params.q:
        return
    assert result.provider_ids == list(search_queryset(params).values_list("id", flat=True))
    assert set(result.provider_ids) <= set(demo_directory.ids.tolist())
