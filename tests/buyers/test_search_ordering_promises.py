"""Each promise of the public page "How results are ordered" (templates/buyers/ordering.html),
held on both databases: PostgreSQL (postings.py) and the SQLite default (sqlite_text.py)."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from providers.models import Service
from providers.services.catalogue import providers_refresh_derived
from tests.factories import CaseStudyFactory, ProviderFactory, ProviderServiceFactory

pytestmark = pytest.mark.django_db


def ordered(query):
    params = parse_search_params(QueryDict(query))
    result = provider_search(params=params, page=1, page_size=50)
    assert result.provider_ids == list(search_queryset(params).values_list("id", flat=True))
    return result.provider_ids


def plain(name, **fields):
    return ProviderFactory(name=name, **{"tagline": "Work", "description": "A team.", **fields})


def test_the_page_states_each_promise_held_here(client):
    text = client.get(reverse("ordering")).content.decode()
    for promise in [
        "no paid placement",
        "by name, from A to Z",
        "Each word of your text scores once",
        "A name that is spelt almost like your text also matches",
        "the names closest to your text come first, then the rest by name",
        "also finds the providers listed under it",
    ]:
        assert promise in text, promise


def test_without_a_text_by_name_then_by_creation():
    second = plain("Same Name")
    first_b = plain("Beta")
    third = plain("Same Name")
    assert ordered("") == [first_b.pk, second.pk, third.pk]


def test_a_word_scores_most_in_the_name_less_in_tagline_or_services_least_elsewhere():
    case_study = plain("Epsilon")
    CaseStudyFactory(provider=case_study, title="Quokka ledger", challenge="", results="")
    description = plain("Delta", description="Quokka counting.")
    service = plain("Gamma")
    ProviderServiceFactory(
        provider=service, service=Service.objects.get(slug="transcription"), note="Quokka notes"
    )
    tagline = plain("Beta", tagline="Quokka work")
    name = plain("Quokka Zeta")
    providers_refresh_derived()
    found = ordered("q=quokka")
    assert found[0] == name.pk
    # Tagline and services weigh alike (then by name), description and case studies too.
    assert found[1:3] == [tagline.pk, service.pk]
    assert found[3:] == [description.pk, case_study.pk]


def test_each_word_scores_once_and_more_points_come_first():
    two_words = plain("Alpha", tagline="Quokka and wallaby")  # 4 + 4
    name_once = plain("Quokka Beta", tagline="Quokka quokka", description="Wallaby")  # 10 + 2
    one_word = plain("Gamma", tagline="Quokka")  # 4
    assert ordered("q=quokka or wallaby") == [name_once.pk, two_words.pk, one_word.pk]


def test_same_points_closest_names_first_then_by_name():
    far = plain("Aardvark Holdings", tagline="Quokka")
    close = plain("Quokka Works", tagline="Other")
    closer = plain("Zz Quokka", tagline="Other")  # same 10 points as "Quokka Works"
    also_far = plain("Bee Holdings", tagline="Quokka")
    result = ordered("q=quokka")
    assert result[2:] == [far.pk, also_far.pk]  # 4 points each, names unlike: by name
    assert result[:2] == [closer.pk, close.pk]  # "Zz Quokka" is more like "quokka"


def test_a_name_spelt_almost_like_the_text_matches():
    kijani = plain("Kijani Labelling")
    plain("Other")
    assert ordered("q=Kijanni Labeling") == [kijani.pk]
