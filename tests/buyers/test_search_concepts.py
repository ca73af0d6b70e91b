"""Query understanding (buyers/search/concepts.py), on both databases: a search text
that names services, countries, certifications or target groups also finds the
providers listed under them, with exact facet counts, on the page and in exports."""

import datetime

import pytest
from django.http import QueryDict

from buyers.search.current import search_index
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from providers.models import Certification, Service, TargetGroup
from tests.factories import (
    CertificationHoldingFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
)

pytestmark = pytest.mark.django_db

PLAIN = {"tagline": "Back office work", "description": "A team."}


def search(q, **extra):
    querydict = QueryDict(mutable=True)
    querydict["q"] = q
    for key, value in extra.items():
        querydict[key] = value
    params = parse_search_params(querydict)
    return params, provider_search(params=params, page=1, page_size=100)


def found(q, **extra):
    params, result = search(q, **extra)
    database = list(search_queryset(params).values_list("id", flat=True))
    assert result.provider_ids == database, "the page and the database path disagree"
    return result.provider_ids


@pytest.fixture
def listed():
    """Providers whose listings never say the words buyers type for their terms."""
    voice = ProviderFactory(name="Alpha", **PLAIN)
    ProviderServiceFactory(provider=voice, service=Service.objects.get(slug="voice-support"))
    kenya = ProviderFactory(name="Beta", **PLAIN)
    DeliveryCentreFactory(provider=kenya, country="KE")
    both = ProviderFactory(name="Gamma", **PLAIN)
    ProviderServiceFactory(provider=both, service=Service.objects.get(slug="voice-support"))
    DeliveryCentreFactory(provider=both, country="KE")
    certified = ProviderFactory(name="Delta", **PLAIN)
    iso = Certification.objects.get(slug="iso-27001")
    CertificationHoldingFactory(provider=certified, certification=iso)
    lapsed = ProviderFactory(name="Epsilon", **PLAIN)
    CertificationHoldingFactory(
        provider=lapsed,
        certification=iso,
        issued_on=datetime.date.today() - datetime.timedelta(days=800),
        expires_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    hiring = ProviderFactory(name="Zeta", **PLAIN)
    report = ImpactReportFactory(provider=hiring)
    report.target_groups.add(TargetGroup.objects.get(slug="persons-with-disabilities"))
    says = ProviderFactory(name="Eta", tagline="Call centre in Nairobi", description="")
    ProviderFactory(name="Theta", **PLAIN)
    return {
        "voice": voice.pk,
        "kenya": kenya.pk,
        "both": both.pk,
        "certified": certified.pk,
        "lapsed": lapsed.pk,
        "hiring": hiring.pk,
        "says": says.pk,
    }


def test_a_query_naming_terms_is_read_as_those_terms():
    ProviderFactory(name="Alpha", **PLAIN)
    DeliveryCentreFactory(country="KE")
    concepts = search_index().concepts
    voice = frozenset({("service", "voice-support")})
    kenya = frozenset({("country", "KE")})
    assert concepts.recognise("call centre") == [[voice]]
    assert concepts.recognise("Call Centres") == [[voice]]
    assert concepts.recognise("voice support") == [[voice]]
    assert concepts.recognise("Kenya") == [[kenya]]
    assert concepts.recognise("call centre in Kenya") == [[voice, kenya]]
    assert concepts.recognise("ISO 27001") == [[frozenset({("certification", "iso-27001")})]]
    assert concepts.recognise("ISO/IEC 27001") == concepts.recognise("ISO 27001")
    assert concepts.recognise("disability") == [
        [frozenset({("group", "persons-with-disabilities")})]
    ]
    assert concepts.recognise("kenya or data") == [[kenya]]
    # Not a name throughout, or with an exclusion: the text alone decides.
    assert concepts.recognise("data") == []
    assert concepts.recognise("call centre work") == []
    assert concepts.recognise("call centre -outbound") == []
    assert concepts.recognise("in") == []


def test_a_service_name_or_synonym_finds_its_providers(listed):
    assert set(found("call centre")) == {listed["voice"], listed["both"], listed["says"]}
    assert set(found("voice support")) == {listed["voice"], listed["both"]}


def test_a_country_finds_the_providers_delivering_there(listed):
    assert set(found("Kenya")) == {listed["kenya"], listed["both"]}


def test_names_together_find_the_providers_with_all_of_them(listed):
    assert found("call centre in Kenya") == [listed["both"]]
    assert set(found("kenya or iso 27001")) == {
        listed["kenya"],
        listed["both"],
        listed["certified"],
    }


def test_a_certification_finds_only_valid_holdings(listed):
    assert found("ISO 27001") == [listed["certified"]]


def test_a_target_group_finds_the_providers_hiring_from_it(listed):
    assert found("disability") == [listed["hiring"]]
    assert found("persons with disabilities") == [listed["hiring"]]


def test_words_of_the_text_rank_before_the_taxonomy_alone(listed):
    # Eta says "call centre" (4 + 4 points); the voice-support providers have the
    # service's name in their services text, but not these words.
    assert found("call centre")[0] == listed["says"]


def test_facet_counts_stay_exact_with_named_terms(listed):
    params, result = search("call centre")
    country = next(group for group in result.facets if group.param == "country")
    assert {option.key: option.count for option in country.options} == {"KE": 1}
    assert found("call centre", country="KE") == [listed["both"]]
    assert result.total == search_queryset(params).count() == 3


@pytest.mark.parametrize("q", ["call centre", "Kenya", "data"])
def test_query_count_with_named_terms(client, listed, django_assert_max_num_queries, q):
    """Token, text, page and its two prefetches; on PostgreSQL a query naming terms asks
    the database to parse it once more (to rank the terms' providers): six at most."""
    search_index()
    with django_assert_max_num_queries(6):
        response = client.get("/providers/", {"q": q})
    assert response.status_code == 200
