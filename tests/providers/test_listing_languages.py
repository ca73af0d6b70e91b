"""A provider states which languages its listing is written in; its own texts are marked so."""

import pytest
from django.urls import reverse

from providers.models import Language, ListingStatus
from tests.factories import IsspUserFactory, MembershipFactory
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db


def profile_form(provider, **changes):
    return {
        "version": provider.version,
        "name": provider.name,
        "tagline": "Des données avec un sens",
        "description": "Nous annotons des images à Tunis.",
        "hq_country": "TN",
        "workforce": "120",
        "contact_email": "bonjour@tunis.example",
        **changes,
    }


def test_the_owner_states_the_languages_of_the_listing_and_they_go_live(client):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Tunis Data")
    french = Language.objects.get(code="fr")
    client.force_login(owner)
    form = client.get(reverse("dashboard:profile", args=[provider.pk])).content.decode()
    assert 'name="listing_languages"' in form
    response = client.post(
        reverse("dashboard:profile", args=[provider.pk]),
        profile_form(provider, listing_languages=[french.pk]),
    )
    assert response.status_code == 302
    assert list(provider.listing_languages.values_list("code", flat=True)) == ["fr"]
    assert provider.history.first().history_user == owner

    page = client.get(provider.get_absolute_url()).content.decode()
    assert "Listing written in" in page
    # The provider's own texts carry their language, whatever the site's language is.
    assert '<p class="lead" dir="auto" lang="fr">Des données avec un sens</p>' in page
    assert 'class="prose" dir="auto" lang="fr"' in page


def test_with_several_languages_the_texts_are_not_marked_as_one(client):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    provider.tagline = "Data / données"
    provider.save()
    provider.listing_languages.set(Language.objects.filter(code__in=["fr", "en"]))
    page = client.get(provider.get_absolute_url()).content.decode()
    assert '<p class="lead" dir="auto">Data / données</p>' in page
    assert "Listing written in" in page


def test_an_unknown_language_id_is_refused_and_changes_nothing(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    response = client.post(
        reverse("dashboard:profile", args=[provider.pk]),
        profile_form(provider, listing_languages=["999999", "x"]),
    )
    assert response.status_code == 200
    assert "listing_languages" in response.context["form"].errors
    assert not provider.listing_languages.exists()


def test_another_providers_staff_cannot_state_them(client):
    provider, _owner = listing_with_owner()
    other = IsspUserFactory()
    MembershipFactory(user=other)  # staff of some other listing
    client.force_login(other)
    response = client.post(
        reverse("dashboard:profile", args=[provider.pk]),
        profile_form(provider, listing_languages=[Language.objects.get(code="fr").pk]),
    )
    assert response.status_code in (403, 404)
    assert not provider.listing_languages.exists()


def test_the_api_tells_the_languages_of_the_listing(client):
    provider, _owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    provider.listing_languages.set(Language.objects.filter(code="pt"))
    listed = {item["slug"]: item for item in client.get("/api/v1/providers/").json()["results"]}
    detail = client.get(listed[provider.slug]["url"]).json()
    assert [term["code"] for term in detail["listing_languages"]] == ["pt"]
