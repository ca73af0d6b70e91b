"""Re-attestation on the site: the confirm button, and the mark on every output."""

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buyers import services as buyer_services
from buyers.search.current import search_index
from impactdir import l10n
from providers.models import ListingStatus, MembershipRole, Provider
from tests.factories import (
    BuyerFactory,
    DeliveryCentreFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
)
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db

MARK = "Not confirmed in over 2 years"


def days_before(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def confirm_url(provider):
    return reverse("dashboard:confirm", args=[provider.pk])


def listing_url(provider):
    return reverse("dashboard:listing", args=[provider.pk])


@pytest.fixture
def marked():
    """A published listing last confirmed 800 days ago, with its owner."""
    provider, owner = listing_with_owner(
        status=ListingStatus.PUBLISHED, name="Old Confirmation Ltd", slug="old-confirmation"
    )
    DeliveryCentreFactory(provider=provider, country="KE")
    Provider.objects.filter(pk=provider.pk).update(assured_date=days_before(800))
    provider.refresh_from_db()
    return provider, owner


@pytest.fixture
def fresh():
    provider = ProviderFactory(name="Fresh Confirmation Ltd", slug="fresh-confirmation")
    DeliveryCentreFactory(provider=provider, country="KE")
    Provider.objects.filter(pk=provider.pk).update(assured_date=days_before(10))
    provider.refresh_from_db()
    return provider


# --------------------------------------------------------------------------
# The dashboard's confirm button
# --------------------------------------------------------------------------


def test_the_listing_page_offers_the_confirmation_and_one_click_confirms(
    client, marked, django_assert_max_num_queries
):
    provider, owner = marked
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        page = client.get(listing_url(provider))
    html = page.content.decode()
    assert 'id="confirm"' in html and "Confirm the listing is up to date" in html
    assert "Buyers see it marked" in html
    assert f'name="confirm-version" value="{provider.version}"' in html

    response = client.post(confirm_url(provider), {"confirm-version": provider.version})

    assert response.status_code == 302 and response.url == listing_url(provider)
    provider.refresh_from_db()
    assert provider.assured_date == timezone.localdate()
    page = client.get(response.url)
    assert "your listing is confirmed as up to date today" in page.content.decode()
    assert "Buyers see it marked" not in page.content.decode()


def test_an_editor_may_confirm_too(client, marked):
    provider, _owner = marked
    editor = IsspUserFactory()
    MembershipFactory(provider=provider, user=editor, role=MembershipRole.EDITOR)
    client.force_login(editor)
    client.post(confirm_url(provider), {"confirm-version": provider.version})
    provider.refresh_from_db()
    assert provider.assured_date == timezone.localdate()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "could not be read"),
        ({"confirm-version": "x"}, "could not be read"),
        ({"confirm-version": "999"}, "changed since you opened the page"),
    ],
)
def test_a_bad_or_stale_confirmation_says_why_and_changes_nothing(client, marked, data, message):
    provider, owner = marked
    client.force_login(owner)
    response = client.post(confirm_url(provider), data, follow=True)
    assert message in response.content.decode()
    provider.refresh_from_db()
    assert provider.assured_date == days_before(800)


def test_a_draft_has_no_confirm_button_and_its_confirmation_is_refused(client):
    provider, owner = listing_with_owner(status=ListingStatus.DRAFT)
    client.force_login(owner)
    assert 'id="confirm"' not in client.get(listing_url(provider)).content.decode()
    response = client.post(
        confirm_url(provider), {"confirm-version": provider.version}, follow=True
    )
    assert "Only a published listing can be confirmed" in response.content.decode()
    provider.refresh_from_db()
    assert provider.assured_date is None


@pytest.mark.parametrize("who", ["other issp", "buyer", "staff"])
def test_no_one_else_can_confirm(client, marked, who):
    provider, _owner = marked
    other = {"other issp": IsspUserFactory, "buyer": BuyerFactory, "staff": StaffFactory}[who]()
    if who == "other issp":
        MembershipFactory(user=other)  # a member of another listing
    client.force_login(other)
    response = client.post(confirm_url(provider), {"confirm-version": provider.version})
    assert response.status_code == 404
    provider.refresh_from_db()
    assert provider.assured_date == days_before(800)


def test_anonymous_is_sent_to_log_in_and_get_is_not_allowed(client, marked):
    provider, owner = marked
    response = client.post(confirm_url(provider), {"confirm-version": provider.version})
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={confirm_url(provider)}"
    client.force_login(owner)
    assert client.get(confirm_url(provider)).status_code == 405
    provider.refresh_from_db()
    assert provider.assured_date == days_before(800)


def test_the_confirmation_needs_the_csrf_token(marked):
    provider, owner = marked
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(confirm_url(provider), {"confirm-version": provider.version})
    assert response.status_code == 403
    provider.refresh_from_db()
    assert provider.assured_date == days_before(800)


# --------------------------------------------------------------------------
# The mark on every output
# --------------------------------------------------------------------------


def card_of(html: str, name: str) -> str:
    start = html.index(f">{name}</a>")
    return html[start : html.index("</article>", start)]


@pytest.mark.parametrize("page_size", [1, 20])
def test_search_cards_mark_the_unconfirmed_and_lose_it_once_confirmed(
    client, settings, marked, fresh, django_assert_max_num_queries, page_size
):
    provider, owner = marked
    settings.SEARCH_PAGE_SIZE = page_size
    never = ProviderFactory(name="Never Confirmed Ltd", slug="never-confirmed")
    Provider.objects.filter(pk=never.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=900)
    )
    search_index()
    url = reverse("search")
    # By name: Fresh, Never, Old; with one card per page, the second page is Never's.
    query = {"sort": "name", "page": "2"} if page_size == 1 else {"sort": "name"}
    with django_assert_max_num_queries(6):
        html = client.get(url, query).content.decode()
    assert MARK in card_of(html, "Never Confirmed Ltd")
    if page_size == 20:
        assert MARK in card_of(html, "Old Confirmation Ltd")
        assert MARK not in card_of(html, "Fresh Confirmation Ltd")
        assert html.count(MARK) == 2

    owner_client = Client()
    owner_client.force_login(owner)
    owner_client.post(confirm_url(provider), {"confirm-version": provider.version})

    html = client.get(url, {"q": "Old Confirmation"}).content.decode()
    assert MARK not in card_of(html, "Old Confirmation Ltd")


def test_the_profile_marks_the_unconfirmed(client, marked, fresh, django_assert_max_num_queries):
    provider, _owner = marked
    with django_assert_max_num_queries(4):
        html = client.get(provider.get_absolute_url()).content.decode()
    assert MARK in html
    assert "has not confirmed this listing in over 2 years" in html
    assert "Impact figures stale" not in html  # the two marks are distinct
    html = client.get(fresh.get_absolute_url()).content.decode()
    assert MARK not in html and "Last confirmed by the provider on" in html


def test_compare_marks_the_unconfirmed_and_shows_the_dates(
    client, marked, fresh, django_assert_max_num_queries
):
    provider, _owner = marked
    url = f"{reverse('buyers:compare')}?p={provider.slug}&p={fresh.slug}"
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert head.count(MARK) == 1
    assert head.index("Old Confirmation Ltd") < head.index(MARK) < head.index("Fresh Confirmation")
    assert "Last confirmed by the provider" in html
    # In the reader's format (impactdir.l10n), English here.
    assert l10n.date(days_before(800)) in html and l10n.date(days_before(10)) in html


def test_csv_exports_say_which_listings_are_not_confirmed(client, marked, fresh):
    provider, _owner = marked
    buyer = BuyerFactory()
    client.force_login(buyer)
    response = client.get(reverse("buyers:export_search"), {"sort": "name"})
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug[provider.slug]["not_confirmed_24_months"] == "yes"
    assert by_slug[fresh.slug]["not_confirmed_24_months"] == "no"
    assert by_slug[provider.slug]["assured_date"] == days_before(800).isoformat()

    shortlist = buyer_services.shortlist_create(owner=buyer, name="Check")
    buyer_services.shortlist_add(shortlist=shortlist, provider=provider, user=buyer)
    response = client.get(reverse("buyers:shortlist_export", args=[shortlist.pk]))
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert [row["not_confirmed_24_months"] for row in rows] == ["yes"]


# --------------------------------------------------------------------------
# The operators' queue
# --------------------------------------------------------------------------


def test_operators_list_listings_by_last_confirmation(client, marked, fresh):
    provider, _owner = marked
    never = ProviderFactory(name="Never Confirmed Ltd", slug="never-confirmed")
    year_old = ProviderFactory(name="Year Old Ltd", slug="year-old")
    Provider.objects.filter(pk=year_old.pk).update(assured_date=days_before(400))
    client.force_login(StaffFactory())
    changelist = reverse("admin:providers_provider_changelist")

    def listed(value):
        response = client.get(changelist, {"confirmed": value})
        assert response.status_code == 200
        return {p.slug for p in response.context["cl"].result_list}

    assert listed("over-24") == {provider.slug}
    assert listed("over-12") == {provider.slug, year_old.slug}
    assert listed("never") == {never.slug}
    html = client.get(changelist, {"_facets": "1"}).content.decode()
    assert "Over 24 months ago (marked on the site) (1)" in html
    assert "last confirmed" in html.lower()
