"""The search page: text search, sorting, paging, malformed input, queries, htmx."""

import datetime
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from buyers.search.current import search_index
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from providers.models import ListingStatus, Service
from providers.services.catalogue import providers_refresh_derived
from tests.buyers.test_search_facets import build_directory
from tests.factories import (
    CaseStudyFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
)

pytestmark = pytest.mark.django_db

URL = "/providers/"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def names(result):
    return [provider.name for provider in result.providers]


def run(query, page_size=20, page=None):
    params = parse_search_params(QueryDict(query))
    return provider_search(params=params, page=page or params.page, page_size=page_size)


@pytest.fixture
def texts():
    annotation = Service.objects.get(slug="data-annotation")
    moderation = Service.objects.get(slug="content-moderation")
    voice = Service.objects.get(slug="voice-support")
    a = ProviderFactory(
        name="Kijani Labelling",
        tagline="Image annotation for autonomous vehicles",
        description="A fictional team in Nairobi.",
    )
    ProviderServiceFactory(provider=a, service=annotation)
    b = ProviderFactory(
        name="Sauti Support",
        tagline="Multilingual voice support",
        description="Content moderation and voice work.",
    )
    ProviderServiceFactory(provider=b, service=voice)
    ProviderServiceFactory(provider=b, service=moderation)
    c = ProviderFactory(
        name="Safi Trust",
        tagline="Trust and safety",
        description="We review user content for platforms.",
    )
    ProviderServiceFactory(provider=c, service=moderation)
    d = ProviderFactory(
        name="Umoja Books",
        tagline="Bookkeeping",
        description="Finance back office; no annotation at all here? Only a mention.",
    )
    CaseStudyFactory(provider=d, title="Ledger clean-up for a retailer")
    ProviderFactory(
        name="Hidden Annotation",
        tagline="Annotation",
        status=ListingStatus.DRAFT,
    )
    providers_refresh_derived()
    return a, b, c, d


# ----------------------------------------------------------------- text search


def test_text_search_matches_name_tagline_services_and_case_studies(texts):
    assert names(run("q=kijani")) == ["Kijani Labelling"]
    assert "Safi Trust" in names(run("q=moderation"))
    assert names(run("q=ledger")) == ["Umoja Books"]
    assert "Hidden Annotation" not in names(run("q=annotation"))


def test_text_search_accepts_web_style_queries(texts):
    assert set(names(run('q="content moderation"'))) == {"Sauti Support", "Safi Trust"}
    assert names(run('q="content moderation" -voice')) == ["Safi Trust"]
    assert set(names(run("q=kijani or umoja"))) == {"Kijani Labelling", "Umoja Books"}


def test_relevance_puts_a_name_match_before_a_description_match(texts):
    result = run("q=annotation")
    assert result.sort == "relevance"
    assert names(result)[0] == "Kijani Labelling"
    assert names(result)[-1] == "Umoja Books"
    params = parse_search_params(QueryDict("q=annotation"))
    assert [p.name for p in search_queryset(params)] == names(result)


def test_a_typo_in_a_name_still_finds_the_provider(texts):
    assert names(run("q=Kijanni Labeling")) == ["Kijani Labelling"]
    assert names(run("q=Sauty Suport")) == ["Sauti Support"]


@on_postgresql
def test_stored_search_vector_is_generated_and_indexed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = "
            "'providers_provider'::regclass AND attname = 'search_vector'"
        )
        assert cursor.fetchone() == ("s",)
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'providers_provider' "
            "AND indexname IN ('provider_search_vector', 'provider_name_trgm') ORDER BY 1"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 2
    assert all("USING gin" in definition for definition in definitions)


def test_text_and_facets_combine(texts):
    a, b, c, _d = texts
    DeliveryCentreFactory(provider=c, country="UG")
    DeliveryCentreFactory(provider=b, country="KE")
    result = run("q=moderation&country=UG")
    assert names(result) == ["Safi Trust"]
    country = next(group for group in result.facets if group.param == "country")
    assert {o.key: o.count for o in country.options} == {"KE": 1, "UG": 1}


# ----------------------------------------------------------------- sorting


def test_every_sort_orders_the_page_like_the_database():
    build_directory(count=30, seed=5)
    for sort in ["name", "impact", "size", "updated"]:
        params = parse_search_params(QueryDict(f"sort={sort}"))
        expected = [p.pk for p in search_queryset(params)]
        pages = []
        for page in (1, 2, 3):
            result = provider_search(params=params, page=page, page_size=7)
            pages.extend(p.pk for p in result.providers)
        assert pages == expected[:21], sort


def test_sorts_mean_what_they_say():
    ProviderFactory(name="Zed", workforce=5000, impact_share=None)
    big_share = ProviderFactory(name="Alpha", workforce=20)
    ImpactReportFactory(provider=big_share, total_employees=20, impact_workers=18)
    middle = ProviderFactory(name="Mid", workforce=300)
    ImpactReportFactory(provider=middle, total_employees=300, impact_workers=30)
    providers_refresh_derived()
    assert names(run("")) == ["Alpha", "Mid", "Zed"]
    assert names(run("sort=impact")) == ["Alpha", "Mid", "Zed"]
    assert names(run("sort=size")) == ["Zed", "Mid", "Alpha"]
    assert names(run("sort=name")) == ["Alpha", "Mid", "Zed"]


def test_default_order_is_relevance_with_a_query_and_name_without(texts):
    assert run("").sort == "name"
    assert run("q=annotation").sort == "relevance"
    # Relevance without a query falls back to the documented default.
    assert run("sort=relevance").sort == "name"


# ----------------------------------------------------------------- pagination


def test_pagination_keeps_every_filter(client):
    for number in range(25):
        provider = ProviderFactory(name=f"Kenyan {number:02d}")
        DeliveryCentreFactory(provider=provider, country="KE")
    ProviderFactory(name="Elsewhere")
    response = client.get(URL, {"country": "KE", "sort": "name", "q": "kenyan"})
    html = response.content.decode()
    links = re.findall(r'href="(\?[^"]*page=[^"]*)"', html)
    assert links
    for link in links:
        query = QueryDict(link[1:].replace("&amp;", "&"))
        assert query["country"] == "KE"
        assert query["sort"] == "name"
        assert query["q"] == "kenyan"
    second = client.get(URL, {"country": "KE", "sort": "name", "q": "kenyan", "page": 2})
    assert "Kenyan 20" in second.content.decode()
    assert "Kenyan 00" not in second.content.decode()
    assert "21–25 of 25 providers" in second.content.decode()


def test_a_page_past_the_end_shows_the_last_page(client):
    for number in range(3):
        ProviderFactory(name=f"Only {number}")
    response = client.get(URL, {"page": "999999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no page 999999" in html
    assert "Only 2" in html


# ----------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "query",
    [
        {"impact_min": "abc"},
        {"impact_min": "101"},
        {"impact_min": "-5"},
        {"page": "999999"},
        {"page": "0"},
        {"page": "x" * 50},
        {"page": "١٢"},
        {"service": "no-such-service"},
        {"country": "XX"},
        {"country": "ke"},
        {"language": "zz"},
        {"size": "huge"},
        {"sort": "random"},
        {"verified": "yes"},
        {"q": "a" * 5000},
        {"q": "\x00\x01 nul \u202e evil \ufffd"},
        {"q": "ｆｕｌｌ ｗｉｄｔｈ"},
        {"q": '"unbalanced quote -'},
        {"q": "&:|!()<->*"},
        {"q": "the"},
        {"q": "-"},
        {"q": "  "},
        {"region": "<script>"},
    ],
)
def test_malformed_parameters_never_fail(client, query):
    ProviderFactory(name="Somebody")
    response = client.get(URL, query)
    assert response.status_code == 200
    assert b"<script>" not in response.content.split(b"<body>")[1]


def test_invalid_utf8_and_nul_bytes_in_the_url_never_fail(client):
    ProviderFactory(name="Somebody")
    response = client.get(URL + "?q=%ff%fe%00nul%E2%80%AE&country=%00&service=%C0%AF")
    assert response.status_code == 200


def test_problems_are_reported_and_good_values_kept(client):
    provider = ProviderFactory(name="Kept")
    DeliveryCentreFactory(provider=provider, country="KE")
    response = client.get(
        URL + "?country=KE&country=XX&impact_min=abc&service=nope&q=" + "k" * 5000
    )
    html = response.content.decode()
    assert "Ignored unknown delivery country “XX”." in html
    assert "Ignored minimum impact share “abc”" in html
    assert "Ignored unknown service “nope”." in html
    assert "The search text was cut to its first 200 characters." in html
    params = parse_search_params(QueryDict("country=KE&country=XX&country=ke"))
    assert params.get("country") == ("KE",)


def test_long_query_is_cut_not_refused():
    params = parse_search_params(QueryDict("q=" + "data " * 1000))
    assert len(params.q) <= 200
    result = provider_search(params=params, page=1, page_size=20)
    assert result.total == 0


# ----------------------------------------------------------------- the page


def test_page_shows_counts_chips_and_cards(client):
    provider = ProviderFactory(name="Card Co", tagline="We label data", workforce=120)
    provider.verified_at = timezone.now()
    provider.save()
    ProviderServiceFactory(provider=provider, service=Service.objects.get(slug="data-annotation"))
    DeliveryCentreFactory(provider=provider, country="KE")
    ImpactReportFactory(
        provider=provider,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        total_employees=100,
        impact_workers=55,
    )
    providers_refresh_derived()
    response = client.get(URL, {"country": "KE", "service": "data-annotation"})
    html = response.content.decode()
    assert "Data annotation (1)" in html
    assert "Kenya (1)" in html
    assert "Card Co" in html and "We label data" in html
    assert "55% of the workforce" in html and "December 2025" in html
    assert "50–249 people" in html
    assert "Verified" in html
    assert "Delivery country: Kenya" in html
    assert 'href="?service=data-annotation"' in html  # the Kenya chip's remove link
    assert "Clear all" in html
    assert reverse("ordering") in html


def test_empty_result_names_the_filter_to_relax(client):
    kenyan = ProviderFactory(name="Kenyan")
    DeliveryCentreFactory(provider=kenyan, country="KE")
    ProviderFactory(name="Verified elsewhere", verified_at=timezone.now())
    response = client.get(URL, {"country": "KE", "verified": "1"})
    html = response.content.decode()
    assert "No providers match all of these filters." in html
    assert "Remove delivery country: one provider" in html
    assert "Remove verified only: one provider" in html


def test_empty_result_offers_only_relaxations_that_find_someone(client):
    kenyan = ProviderFactory(name="Kenyan")
    DeliveryCentreFactory(provider=kenyan, country="KE")
    ProviderServiceFactory(provider=kenyan, service=Service.objects.get(slug="data-annotation"))
    elsewhere = ProviderFactory(name="Verified elsewhere", verified_at=timezone.now())
    DeliveryCentreFactory(provider=elsewhere, country="UG")
    query = {"country": "KE", "verified": "1", "service": "data-annotation"}
    response = client.get(URL, query)
    html = response.content.decode()
    # Removing the country or the service still finds no one: only "verified" is offered.
    assert [(h.label, h.count) for h in response.context["result"].relaxations] == [
        ("verified only", 1)
    ]
    assert "Remove verified only: one provider" in html
    assert ": 0 provider" not in html and "Remove delivery country" not in html
    # No single removal finds anyone: no hint, the way back is to clear them all.
    response = client.get(URL, {**query, "q": "zzzzqqqq"})
    html = response.content.decode()
    assert response.context["result"].relaxations == []
    assert "Removing any one of them still finds no provider" in html
    assert "clear all filters" in html and "No provider has been published yet" not in html


def test_htmx_gets_the_partial_and_history_restore_the_page(client):
    ProviderFactory(name="Partial Co")
    partial = client.get(URL, headers={"HX-Request": "true"})
    assert b"Partial Co" in partial.content
    assert b"<html" not in partial.content
    assert b'id="q"' in partial.content
    restore = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.content
    # One URL, two answers: a shared cache must key them by the header.
    for response in (partial, restore, client.get(URL)):
        assert "HX-Request" in response["Vary"]


def test_ordering_page_is_linked_and_says_no_paid_placement(client):
    response = client.get(reverse("ordering"))
    assert response.status_code == 200
    assert b"no paid placement" in response.content


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"country": ["KE", "UG"], "size": "50-249"},
        {"q": "data", "verified": "1"},
        {"q": "data", "sort": "impact", "page": "2"},
    ],
)
def test_query_count_is_small_and_constant(
    client, settings, django_assert_max_num_queries, page_size, query
):
    build_directory(count=30, seed=3)
    settings.SEARCH_PAGE_SIZE = page_size
    search_index()  # built once per change of the data, not per request
    with django_assert_max_num_queries(6):
        response = client.get(URL, query)
    assert response.status_code == 200


@pytest.mark.parametrize("page_size", [1, 20])
def test_query_count_for_a_signed_in_buyer(
    client, settings, django_assert_max_num_queries, page_size
):
    from tests.factories import BuyerFactory

    build_directory(count=30, seed=4)
    settings.SEARCH_PAGE_SIZE = page_size
    client.force_login(BuyerFactory())
    search_index()
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"q": "amani", "country": "KE"})
    assert response.status_code == 200
