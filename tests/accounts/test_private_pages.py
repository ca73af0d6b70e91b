"""Private pages tell every cache not to keep them; public pages do not."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from buyers import services
from providers.models import ListingStatus
from tests.factories import BuyerFactory, IsspUserFactory, MembershipFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def assert_private(response):
    assert {"private", "no-store"} <= cache_control(response), response.get("Cache-Control")


@pytest.fixture
def world():
    provider = ProviderFactory(
        name="Kisumu Data Works", slug="kisumu-data-works", status=ListingStatus.PUBLISHED
    )
    buyer = BuyerFactory(email="bea@corp.example")
    staff = IsspUserFactory(email="sam@kisumu.example")
    MembershipFactory(provider=provider, user=staff)
    shortlist = services.shortlist_create(owner=buyer, name="Private list")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider, note="secret")
    saved = services.saved_search_create(owner=buyer, name="Mine", query_string="country=KE")
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], subject="Private subject", body="Private body"
    )
    return {
        "provider": provider,
        "buyer": buyer,
        "staff": staff,
        "shortlist": shortlist,
        "saved": saved,
        "inquiry": inquiry,
    }


def buyer_pages(w):
    s = w["shortlist"]
    return [
        reverse("buyers:workspace"),
        reverse("buyers:shortlists"),
        s.get_absolute_url(),  # the notes
        reverse("buyers:shortlist_export", args=[s.pk]),
        reverse("buyers:shortlist_add") + f"?provider={w['provider'].slug}",
        reverse("buyers:searches"),
        reverse("buyers:search_delete", args=[w["saved"].pk]),
        reverse("buyers:inquiries"),
        w["inquiry"].get_buyer_url(),
        reverse("buyers:inquiry_new") + f"?shortlist={s.pk}",
        reverse("buyers:export_search"),
        "/accounts/password/change/",
        "/accounts/email/",
    ]


def staff_pages(w):
    p = w["provider"]
    return [
        reverse("dashboard:index"),
        reverse("dashboard:listing", args=[p.pk]),
        reverse("dashboard:team", args=[p.pk]),
        reverse("dashboard:inbox"),
        w["inquiry"].get_provider_url(),
    ]


def test_the_buyers_private_pages_are_not_stored(client, world):
    client.force_login(world["buyer"])
    for url in buyer_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private(response)


def test_the_providers_private_pages_are_not_stored(client, world):
    client.force_login(world["staff"])
    for url in staff_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private(response)


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_account_pages_are_not_stored_even_when_signed_out(client, url):
    assert_private(client.get(url))


def test_refusals_and_redirects_in_private_areas_are_not_stored(client, world):
    # Signed out: the redirect to log in.
    assert_private(client.get(world["shortlist"].get_absolute_url()))
    # Someone else's shortlist: a 404 that must not be kept either.
    client.force_login(BuyerFactory(email="other@corp.example"))
    response = client.get(world["shortlist"].get_absolute_url())
    assert response.status_code == 404
    assert_private(response)


def test_a_posted_change_is_not_stored(client, world):
    client.force_login(world["buyer"])
    response = client.post(reverse("buyers:shortlists"), {"name": "Another"})
    assert response.status_code == 302
    assert_private(response)


def test_the_lockout_page_is_not_stored(client):
    user = BuyerFactory(email="locked@corp.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    assert response.status_code == 429
    assert_private(response)


@pytest.mark.parametrize("signed_in", [False, True])
def test_public_pages_are_left_cacheable(world, signed_in):
    client = Client()
    if signed_in:
        client.force_login(world["buyer"])
    for url in [
        "/",
        reverse("search"),
        world["provider"].get_absolute_url(),
        reverse("buyers:compare"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in cache_control(response), url
