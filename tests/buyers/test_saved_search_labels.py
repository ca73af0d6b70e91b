"""The saved-search form and list describe a search in the search page's words, and the
form offers a name built from them."""

import pytest
from django.urls import reverse

from buyers import selectors, services
from buyers.models import NAME_MAX_LENGTH, SavedSearch
from buyers.search.current import search_index
from tests.factories import (
    BuyerFactory,
    DeliveryCentreFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotation():
    service = ServiceFactory(name="Data annotation", slug="data-annotation")
    provider = ProviderFactory()
    ProviderServiceFactory(provider=provider, service=service)
    DeliveryCentreFactory(provider=provider, country="KE")
    return service


def test_labels_name_the_filters_and_values(annotation):
    labels = selectors.search_filter_labels(
        "q=transcription&service=data-annotation&country=KE&impact_min=50&verified=1&sort=size"
    )
    assert labels == [
        "Text: “transcription”",
        "Service: Data annotation",
        "Delivery country: Kenya",
        "Impact workers at least 50%",
        "Verified only",
        "Sorted by: Workforce size",
    ]
    assert selectors.search_filter_labels("") == []
    # A value the directory does not know (any more) is left out, as the search leaves it out.
    assert selectors.search_filter_labels("service=gone&country=KE") == ["Delivery country: Kenya"]


def test_name_is_built_from_the_labels_and_fits():
    assert selectors.saved_search_name(["Service: Data annotation", "Delivery country: Kenya"]) == (
        "Service: Data annotation; Delivery country: Kenya"
    )
    assert selectors.saved_search_name([]) == "All providers"
    long = selectors.saved_search_name([f"Delivery country: Country number {n}" for n in range(9)])
    assert len(long) <= NAME_MAX_LENGTH and long.endswith("…")


def test_save_form_shows_labels_and_offers_a_name(
    client, annotation, django_assert_max_num_queries
):
    client.force_login(BuyerFactory())
    search_index()  # built once per process, as the search page builds it
    with django_assert_max_num_queries(4):
        response = client.get(reverse("buyers:search_new") + "?country=KE&service=data-annotation")
    html = response.content.decode()
    assert '<li class="badge">Delivery country: Kenya</li>' in html
    assert "country: KE" not in html
    assert 'value="Service: Data annotation; Delivery country: Kenya"' in html


def test_saved_search_list_uses_the_labels(client, annotation, django_assert_max_num_queries):
    buyer = BuyerFactory()
    services.saved_search_create(owner=buyer, name="Kenya", query_string="country=KE")
    client.force_login(buyer)
    html = client.get(reverse("buyers:searches")).content.decode()
    assert '<li class="badge">Delivery country: Kenya</li>' in html


def test_bad_name_keeps_the_labels_and_saves_nothing(client, annotation):
    client.force_login(BuyerFactory())
    response = client.post(
        reverse("buyers:search_new"), {"name": "", "frequency": "none", "query": "country=KE"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and '<a href="#id_name">' in html
    assert "Delivery country: Kenya" in html
    assert not SavedSearch.objects.exists()
