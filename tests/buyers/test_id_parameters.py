"""Ids in query strings and forms: only plain ASCII digits name a row; nothing else is a 500."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from buyers import services
from buyers.models import Inquiry, Shortlist, ShortlistEntry
from providers.models import ListingStatus
from tests.factories import ProviderFactory, ServiceCategoryFactory, StaffFactory
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
BAD = ["²", "①", "٣", "1_0", " 1", "-1", "0", "9" * 40, "1.0", "\x00"]


def arabic(pk: int) -> str:
    return str(pk).translate(ARABIC_INDIC)


@pytest.fixture
def shortlist(buyer, provider):
    shortlist = services.shortlist_create(owner=buyer, name="Mine")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider)
    return shortlist


@pytest.mark.parametrize("value", BAD)
def test_add_page_with_a_bad_provider_id_is_a_404(buyer_client, provider, value):
    response = buyer_client.get(reverse("buyers:shortlist_add"), {"id": value})
    assert response.status_code == 404


def test_add_page_does_not_read_other_digits_as_an_id(buyer_client, provider):
    url = reverse("buyers:shortlist_add")
    assert buyer_client.get(url, {"id": str(provider.pk)}).status_code == 200
    assert buyer_client.get(url, {"id": arabic(provider.pk)}).status_code == 404


@pytest.mark.parametrize("value", BAD)
def test_inquiry_to_a_bad_shortlist_id_is_a_404(buyer_client, shortlist, value):
    url = reverse("buyers:inquiry_new")
    assert buyer_client.get(url, {"shortlist": value}).status_code == 404
    response = buyer_client.post(url, {"shortlist": value, "subject": "Hi", "body": "Hello"})
    assert response.status_code == 404
    assert not Inquiry.objects.exists()


def test_inquiry_does_not_read_other_digits_as_a_shortlist_id(buyer_client, shortlist):
    url = reverse("buyers:inquiry_new")
    assert buyer_client.get(url, {"shortlist": str(shortlist.pk)}).status_code == 200
    assert buyer_client.get(url, {"shortlist": arabic(shortlist.pk)}).status_code == 404


@pytest.mark.parametrize("value", [*BAD, "arabic"])
def test_shortlist_button_with_a_bad_shortlist_id_changes_nothing(
    buyer_client, buyer, shortlist, value
):
    other = ProviderFactory(name="Second Provider", slug="second-provider")
    value = arabic(shortlist.pk) if value == "arabic" else value
    response = buyer_client.post(
        reverse("buyers:shortlist_add"), {"provider": other.slug, "shortlist": value}, follow=True
    )
    assert response.status_code == 200
    assert "That provider could not be found." in response.content.decode()
    assert not ShortlistEntry.objects.filter(provider=other).exists()

    response = buyer_client.post(
        reverse("buyers:shortlist_remove"),
        {"provider": shortlist.entries.get().provider.slug, "shortlist": value},
        follow=True,
    )
    assert response.status_code == 200
    assert "That shortlist could not be found." in response.content.decode()
    assert shortlist.entries.count() == 1
    assert Shortlist.objects.count() == 1


@pytest.mark.parametrize("value", ["²", "①", "٣", "9" * 40])
def test_admin_category_filter_with_a_bad_id_is_not_an_error(client, value):
    client.force_login(StaffFactory())
    ServiceCategoryFactory()
    response = client.get(reverse("admin:providers_service_changelist"), {"category": value})
    assert response.status_code == 200


def test_admin_action_refuses_a_selection_in_other_digits(client):
    client.force_login(StaffFactory())
    provider = ProviderFactory(status=ListingStatus.SUBMITTED)
    response = client.post(
        reverse("admin:providers_provider_changelist"),
        {"action": "approve_listings", ACTION_CHECKBOX_NAME: [arabic(provider.pk)], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert "The selection was not understood" in response.content.decode()
    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUBMITTED


@pytest.mark.parametrize("name", ["listing", "team", "profile", "certifications"])
def test_a_dashboard_listing_id_past_64_bits_is_a_404(client, name):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    assert client.get(reverse(f"dashboard:{name}", args=[10**25])).status_code == 404
    assert client.get(reverse(f"dashboard:{name}", args=[provider.pk])).status_code == 200
