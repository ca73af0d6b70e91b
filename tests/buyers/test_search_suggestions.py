"""Zero results is not a dead end (issue #14), on both databases: chosen facet options
stay shown (greyed when they give no one), "did you mean" for misspelt words,
facets the query names offered as filters, and relaxation hints; every suggestion's
count is the count of the page it links to."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from buyers.search.current import search_index
from providers.models import Service, TargetGroup
from tests.factories import (
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("search")
PLAIN = {"tagline": "Back office work", "description": "A team."}


@pytest.fixture
def listed():
    voice = ProviderFactory(name="Alpha", **PLAIN)
    ProviderServiceFactory(provider=voice, service=Service.objects.get(slug="voice-support"))
    both = ProviderFactory(name="Gamma", **PLAIN)
    ProviderServiceFactory(provider=both, service=Service.objects.get(slug="voice-support"))
    DeliveryCentreFactory(provider=both, country="KE")
    hiring = ProviderFactory(name="Zeta", **PLAIN)
    report = ImpactReportFactory(provider=hiring)
    report.target_groups.add(TargetGroup.objects.get(slug="persons-with-disabilities"))
    DeliveryCentreFactory(provider=hiring, country="UG")
    ProviderFactory(name="Eta", tagline="Call centre in Nairobi", description="")
    surveys = ProviderFactory(name="Theta", tagline="Survey research", description="Field teams.")
    DeliveryCentreFactory(provider=surveys, country="UG")
    search_index()
    return {"voice": voice.pk, "both": both.pk, "hiring": hiring.pk}


def get(client, query):
    response = client.get(URL, query)
    assert response.status_code == 200
    return response, response.content.decode()


def linked_total(client, url):
    """The result count of the page a suggestion links to (its query string)."""
    response = client.get(URL + url)
    assert response.status_code == 200
    return response.context["result"].total


def test_an_empty_result_keeps_the_chosen_options_greyed_and_removable(client, listed):
    response, html = get(client, {"country": "KE", "group": "persons-with-disabilities"})
    assert response.context["result"].total == 0
    # Both chosen options are still there, checked, greyed since each gives no one now.
    for param, value in (("country", "KE"), ("group", "persons-with-disabilities")):
        item = (
            f'<li class="facet__option facet__option--level0 facet__option--none">'
            f'<input type="checkbox" name="{param}" value="{value}" id="f-{param}-{value}" checked>'
        )
        assert item in html
    # An option that gives someone is not greyed.
    assert (
        '<li class="facet__option facet__option--level0"><input type="checkbox" name="country" '
        'value="UG" id="f-country-UG"> <label for="f-country-UG">Uganda (1)</label>'
    ) in html
    # The relaxation hints stay, and their counts are those of the pages they link to.
    hints = response.context["result"].relaxations
    assert hints
    for hint in hints:
        assert hint.count == linked_total(client, hint.url)


def test_did_you_mean_offers_the_corrected_query_with_its_count(client, listed):
    response, html = get(client, {"q": "sruvy"})
    result = response.context["result"]
    assert result.total == 0
    if connection.vendor != "sqlite":
        # PostgreSQL's index holds stemmed lexemes, no words to offer: no suggestion.
        assert result.spelling is None
        return
    assert result.spelling.label == "survey"
    assert result.spelling.count == 1 == linked_total(client, result.spelling.url)
    assert f'Did you mean <a href="{result.spelling.url}">survey</a>? (one provider)' in html


def test_did_you_mean_knows_the_taxonomy_words(client, listed):
    # No listing says "disability"; the target group's synonym does (both databases).
    response, html = get(client, {"q": "disabilty"})
    spelling = response.context["result"].spelling
    assert spelling.label == "disability"
    assert spelling.count == 1 == linked_total(client, spelling.url)
    assert "Did you mean" in html


def test_did_you_mean_keeps_the_other_filters(client, listed):
    # The survey provider delivers in Uganda only: in Kenya the corrected query finds no
    # one either, so nothing is offered.
    response, _html = get(client, {"q": "sruvy", "country": "KE"})
    assert response.context["result"].spelling is None
    response, _html = get(client, {"q": "sruvy", "country": "UG"})
    spelling = response.context["result"].spelling
    if connection.vendor == "sqlite":
        assert spelling.url == "?q=survey&country=UG"
        assert spelling.count == linked_total(client, spelling.url) == 1


def test_no_suggestion_for_words_nothing_is_near(client, listed):
    response, html = get(client, {"q": "qxzqxz"})
    assert response.context["result"].spelling is None
    assert "Did you mean" not in html


def test_a_query_naming_one_term_offers_that_filter_instead_of_the_text(client, listed):
    response, html = get(client, {"q": "disability"})
    (suggestion,) = response.context["result"].facet_suggestions
    assert suggestion.url == "?group=persons-with-disabilities"
    assert suggestion.count == 1 == linked_total(client, suggestion.url)
    assert "Filter by impact target group: Persons with disabilities (1)" in html
    # The same on a page with results and other filters: every filter is kept.
    response, _html = get(client, {"q": "call centre", "country": "KE"})
    (suggestion,) = response.context["result"].facet_suggestions
    assert suggestion.url == "?service=voice-support&country=KE"
    assert suggestion.count == 1 == linked_total(client, suggestion.url)


def test_a_query_naming_several_terms_keeps_its_text(client, listed):
    response, _html = get(client, {"q": "call centre in Kenya"})
    suggestions = response.context["result"].facet_suggestions
    assert [s.label for s in suggestions] == ["Voice support", "Kenya"]
    for suggestion in suggestions:
        assert "q=call+centre+in+Kenya" in suggestion.url
        assert suggestion.count == 1 == linked_total(client, suggestion.url)


def test_an_active_filter_is_not_suggested_again(client, listed):
    response, _html = get(client, {"q": "disability", "group": "persons-with-disabilities"})
    assert response.context["result"].facet_suggestions == []


def test_the_htmx_partial_carries_the_suggestions(client, listed):
    response = client.get(URL, {"q": "disability"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"Filter by impact target group: Persons with disabilities (1)" in response.content


def count_queries(client, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        get(client, query)
    return len(queries)


def test_suggestions_cost_no_query(client, listed):
    # A query naming a term costs what one naming none costs (counts come from the bits).
    assert count_queries(client, {"q": "disability"}) == count_queries(client, {"q": "alpha"})
    # An empty result with a misspelt word: one more query on SQLite only (the
    # corrected query's count); none for a word nothing is near.
    nothing_near = count_queries(client, {"q": "qxzqxz"})
    extra = 1 if connection.vendor == "sqlite" else 0
    assert count_queries(client, {"q": "sruvy"}) == nothing_near + extra


def test_a_corrected_word_is_never_silent(client, listed):
    """SQLite reads "survy" (no listing uses it) as "survey" and says so; PostgreSQL reads
    no word as another, so it finds no one there and offers nothing it cannot find."""
    response, html = get(client, {"q": "survy research"})
    result = response.context["result"]
    if connection.vendor == "sqlite":
        assert result.total == 1 and result.corrected.label == "survey research"
        assert result.corrected_words == ("survy",)
        assert result.corrected.url == "?q=survey+research"
        assert linked_total(client, result.corrected.url) == result.total
        assert (
            'Showing results for <a href="?q=survey+research">survey research</a>: '
            "no listing uses the word “survy”."
        ) in html
    else:
        assert result.corrected is None and "Showing results for" not in html
    # A word that matches, even only through its stem, is read as typed: no notice.
    for q in ("survey", "surveys", "Theta"):
        response, html = get(client, {"q": q})
        assert response.context["result"].corrected is None and "Showing results for" not in html
    # The notice costs no query: the same statement says which words were corrected
    # (on PostgreSQL "survy teams" finds no one, and "did you mean" looks further).
    if connection.vendor != "sqlite":
        return
    assert count_queries(client, {"q": "survy teams"}) == count_queries(
        client, {"q": "survey teams"}
    )


def test_the_correction_notice_is_in_the_htmx_partial(client, listed):
    response = client.get(URL, {"q": "survy"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "<html" not in content
    assert ("Showing results for" in content) == (connection.vendor == "sqlite")
