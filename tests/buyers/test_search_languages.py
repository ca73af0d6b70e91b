"""Search in every language of the directory (issue #17), on SQLite and PostgreSQL:

- a buyer who types a service's name in French, Spanish, Portuguese or Arabic (or a
  synonym in that language) finds that service's providers, whatever the interface
  language, on the page and on the database path (exports, alerts);
- facet options show in the page's language and alphabetical facets sort by those names
  (accents and case aside), while the URL keeps language-independent codes;
- the per-process caches (search index, rendered cards) built in one language serve
  every other its own names.

The translations are the catalogues' (locale/*/LC_MESSAGES/django.mo); expected names
are read from them with gettext, so a test fails when a name is left untranslated.
"""

import re

import django_countries
import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from buyers.search.concepts import FILLER, concept_words
from buyers.search.current import search_index
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from providers.collation import sort_key
from providers.models import Service, TargetGroup
from providers.taxonomy_data import SERVICES, SYNONYMS_BY_LANGUAGE, TARGET_GROUPS
from tests.buyers.test_search_facets import build_directory
from tests.factories import (
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
)

pytestmark = pytest.mark.django_db

PLAIN = {"tagline": "Back office work", "description": "A team."}

#: Delivery countries whose names sort differently in every language (and by code).
COUNTRIES = ["DE", "EG", "ES", "KE", "US"]


def _search(q, **extra):
    querydict = QueryDict(mutable=True)
    querydict["q"] = q
    for key, value in extra.items():
        querydict[key] = value
    params = parse_search_params(querydict)
    return params, provider_search(params=params, page=1, page_size=100)


def found(q, **extra):
    params, result = _search(q, **extra)
    database = list(search_queryset(params).values_list("id", flat=True))
    assert result.provider_ids == database, "the page and the database path disagree"
    return set(result.provider_ids)


def _service(slug, provider_name, country=None):
    provider = ProviderFactory(name=provider_name, **PLAIN)
    ProviderServiceFactory(provider=provider, service=Service.objects.get(slug=slug))
    if country:
        DeliveryCentreFactory(provider=provider, country=country)
    return provider.pk


@pytest.fixture
def listed():
    """Providers whose listings (in English) never name their services."""
    ids = {
        "moderation": _service("content-moderation", "Alpha"),
        "annotation": _service("data-annotation", "Beta"),
        "voice": _service("voice-support", "Gamma"),
        "voice_kenya": _service("voice-support", "Delta", country="KE"),
    }
    hiring = ProviderFactory(name="Epsilon", **PLAIN)
    report = ImpactReportFactory(provider=hiring)
    report.target_groups.add(TargetGroup.objects.get(slug="persons-with-disabilities"))
    ids["hiring"] = hiring.pk
    ids["other"] = ProviderFactory(name="Zeta", **PLAIN).pk
    return ids


@pytest.mark.parametrize("interface", ["en", "fr", "ar"])
@pytest.mark.parametrize(
    "q, who",
    [
        ("modération de contenu", "moderation"),
        ("Moderation de contenu", "moderation"),
        ("moderación de contenido", "moderation"),
        ("moderação de conteúdo", "moderation"),
        ("إشراف على المحتوى", "moderation"),
        ("الإشراف على المحتوى", "moderation"),
        ("anotación de datos", "annotation"),
        ("annotation de données", "annotation"),
        ("anotação de dados", "annotation"),
        ("وسم البيانات", "annotation"),
    ],
)
def test_a_service_named_in_any_language_finds_its_providers(listed, interface, q, who):
    with translation.override(interface):
        assert listed[who] in found(q)
        assert listed["other"] not in found(q)


@pytest.mark.parametrize("language", ["fr", "es", "pt", "ar"])
@pytest.mark.parametrize(
    "slug, who",
    [
        ("content-moderation", "moderation"),
        ("data-annotation", "annotation"),
        ("voice-support", "voice"),
    ],
)
def test_every_translated_service_name_is_understood(listed, language, slug, who):
    english = Service.objects.get(slug=slug).name
    with translation.override(language):
        name = gettext(english)
    assert name != english, f"{english!r} has no {language} translation"
    assert listed[who] in found(name.lower())


@pytest.mark.parametrize(
    "q",
    [
        "centre d'appels",
        "centres d'appels au Kenya",
        "centro de llamadas",
        "call center",
        "central de atendimento",
        "مركز اتصال",
        "مراكز الاتصال",
    ],
)
def test_synonyms_in_other_languages_are_read_as_their_terms(listed, q):
    ids = found(q)
    assert listed["voice_kenya"] in ids
    if "Kenya" not in q:
        assert listed["voice"] in ids
    else:
        assert listed["voice"] not in ids, "the country named narrows"


def test_a_target_group_named_in_french_finds_the_providers_hiring_it(listed):
    assert listed["hiring"] in found("personnes handicapées")
    with translation.override("es"):
        name = gettext(TargetGroup.objects.get(slug="persons-with-disabilities").name)
    assert listed["hiring"] in found(name)


def test_a_country_named_in_another_language_is_a_delivery_country(listed):
    assert found("centre d'appels Kenia") >= {listed["voice_kenya"]}
    assert listed["voice"] not in found("centro de llamadas en Kenia")


def test_the_facet_suggestion_names_the_term_in_the_page_language(listed):
    with translation.override("fr"):
        _params, result = _search("moderation de contenu")
        expected = gettext("Content moderation")
    labels = [suggestion.label for suggestion in result.facet_suggestions]
    assert expected in labels
    # The link is the language-independent code.
    assert any("service=content-moderation" in s.url for s in result.facet_suggestions)


def test_every_synonym_names_a_term_and_reads_as_words():
    known = {
        "service": {slug for _c, _n, services in SERVICES for slug, _name in services},
        "group": {slug for slug, _name in TARGET_GROUPS},
        "country": set(django_countries.countries.countries),
    }
    for language, table in SYNONYMS_BY_LANGUAGE.items():
        for (param, key), synonyms in table.items():
            assert key in known[param], (language, param, key)
            for synonym in synonyms:
                assert concept_words(synonym), (language, synonym)
                assert not set(concept_words(synonym)) <= FILLER, (language, synonym)


def test_concept_words_ignore_accents_case_and_the_arabic_article():
    assert concept_words("Modération de CONTENU") == ["moderation", "de", "contenu"]
    assert concept_words("الإشراف على المحتوى") == concept_words("إشراف على محتوى")
    assert concept_words("الفقرة") == concept_words("الفقره")


# -- facets in the page's language -----------------------------------------------------


@pytest.fixture
def countries():
    for code in COUNTRIES:
        provider = ProviderFactory(name=f"Provider {code}", **PLAIN)
        DeliveryCentreFactory(provider=provider, country=code)
        ProviderServiceFactory(provider=provider, service=Service.objects.get(slug="transcription"))


def _facet(result, param):
    return next(group for group in result.facets if group.param == param)


@pytest.mark.parametrize("language", ["en", "fr", "es", "pt", "ar"])
def test_country_options_sort_by_their_names_in_the_page_language(countries, language):
    with translation.override(language):
        _params, result = _search("")
        labels = [option.label for option in _facet(result, "country").options]
    assert labels == sorted(labels, key=sort_key)
    assert len(labels) == len(COUNTRIES)


def test_french_countries_sort_without_regard_to_accents(countries):
    with translation.override("fr"):
        _params, result = _search("")
    labels = [option.label for option in _facet(result, "country").options]
    assert labels[:2] == ["Allemagne", "Égypte"], labels
    assert labels.index("Égypte") < labels.index("Espagne") < labels.index("États-Unis d'Amérique")
    assert labels[-1] == "Kenya"


def test_arabic_countries_sort_in_arabic_order(countries):
    with translation.override("ar"):
        _params, result = _search("")
    keys = [option.key for option in _facet(result, "country").options]
    # إسبانيا، ألمانيا، الولايات المتحدة، كينيا، مصر: hamza aside, alef; then sin before lam
    assert keys == ["ES", "DE", "US", "KE", "EG"]


def test_regions_sort_by_translated_name_with_sub_regions_under_their_region(countries):
    with translation.override("fr"):
        _params, result = _search("")
    options = _facet(result, "region").options
    tops = [option.label for option in options if option.level == 0]
    assert tops == sorted(tops, key=sort_key)
    assert gettext_in("fr", "Europe") in tops
    for at, option in enumerate(options):
        if option.level == 1:
            assert options[at - 1].level in (0, 1)


def gettext_in(language, text):
    with translation.override(language):
        return gettext(text)


def test_services_keep_their_taxonomy_order_with_translated_names(listed):
    with translation.override("fr"):
        _params, result = _search("")
    services = _facet(result, "service").options
    keys = [option.key for option in services]
    assert keys.index("data-services") < keys.index("data-annotation")
    assert keys.index("data-annotation") < keys.index("content-moderation")
    labels = {option.key: option.label for option in services}
    assert labels["content-moderation"] == gettext_in("fr", "Content moderation")
    assert labels["content-moderation"] != "Content moderation"


# -- the page, and caches built in one language ---------------------------------------


def _page(client, language, query=None):
    client.cookies["django_language"] = language
    with translation.override(language):
        url = reverse("search")
    return client.get(url, query or {}, headers={"accept-language": language})


def test_the_search_page_in_french_and_arabic_shows_translated_names(client, listed, countries):
    english = _page(client, "en").content.decode()  # caches built in English first
    assert "Content moderation" in english

    for language in ("fr", "ar"):
        html = _page(client, language).content.decode()
        moderation = gettext_in(language, "Content moderation")
        assert moderation in html
        assert re.search(r"<label[^>]*>Content moderation \(", html) is None
        # The card (cached per language) names the service in the page's language too.
        assert html.count(moderation) >= 2, "facet and card"
        # Codes in the URL do not change with the language.
        assert 'value="content-moderation"' in html


def test_cards_rendered_in_english_are_not_served_to_a_french_page(listed):
    search_index()
    with translation.override("en"):
        _params, english = _search("")
    with translation.override("fr"):
        _params, french = _search("")
    moderation = gettext_in("fr", "Content moderation")
    english_cards = "".join(html for _pk, html in english.cards)
    french_cards = "".join(html for _pk, html in french.cards)
    assert "Content moderation" in english_cards and moderation not in english_cards
    assert moderation in french_cards and "Content moderation" not in french_cards


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_query_count_is_the_same_in_every_language(
    client, settings, django_assert_max_num_queries, language
):
    build_directory(count=30, seed=3)
    search_index()
    for query in ({}, {"q": "modération de contenu"}, {"country": ["KE", "UG"]}):
        with django_assert_max_num_queries(6):
            response = _page(client, language, query)
        assert response.status_code == 200


def test_the_api_names_terms_in_english_whatever_the_language(client, listed):
    client.cookies["django_language"] = "fr"
    response = client.get("/api/v1/taxonomies/", headers={"accept-language": "fr"})
    assert response.status_code == 200
    names = {
        term["code"]: term["name"]
        for taxonomy in response.json()["taxonomies"]
        for term in taxonomy["terms"]
    }
    assert names["content-moderation"] == "Content moderation"
    assert names["KE"] == "Kenya"
    facets = client.get(
        "/api/v1/providers/facets/",
        {"q": "modération de contenu"},
        headers={"accept-language": "fr"},
    ).json()
    service = next(facet for facet in facets["facets"] if facet["parameter"] == "service")
    assert {"code": "content-moderation", "name": "Content moderation"}.items() <= next(
        option for option in service["options"] if option["code"] == "content-moderation"
    ).items()
