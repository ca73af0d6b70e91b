"""A listing that goes offline and then changes is not shown to buyers as it is now.

Once a provider takes its listing offline (or an operator suspends it), its staff
can change anything without review. A buyer's shortlist, CSV export, inquiries
and e-mails show only the name the listing had when the buyer added it or wrote
to it, marked "no longer published", and nothing else of it.
"""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from buyers import services
from providers.models import ListingStatus, PendingChange
from providers.services import vetting
from providers.services.parts import provider_update_profile
from providers.services.submission import provider_deactivate, provider_submit
from tests.factories import BuyerFactory, ProviderFactory
from tests.providers.listing_helpers import admin_user, listing_with_owner

pytestmark = pytest.mark.django_db

VETTED = "Savannah Data Works"
UNVETTED = ("Totally Different Ltd", "Unreviewed claims of grandeur", "98765")


@pytest.fixture
def listing():
    provider, owner = listing_with_owner(
        status=ListingStatus.PUBLISHED,
        complete=True,
        name=VETTED,
        tagline="Careful annotation from Nairobi",
        workforce=321,
    )
    return provider, owner


@pytest.fixture
def buyer_things(listing, django_capture_on_commit_callbacks):
    provider, owner = listing
    buyer = BuyerFactory(email="bea@corp.example")
    shortlist = services.shortlist_create(owner=buyer, name="Vendors")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider, note="call them")
    still_live = ProviderFactory(name="Still Live Co", status=ListingStatus.PUBLISHED)
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=still_live)
    with django_capture_on_commit_callbacks(execute=True):
        [inquiry] = services.inquiry_send(
            buyer=buyer, providers=[provider], subject="Capacity", body="Can you take 10 FTE?"
        )
    return buyer, shortlist, inquiry


def go_offline(how, provider, owner):
    if how == "inactive":
        provider_deactivate(provider=provider, user=owner)
    else:
        vetting.listing_suspend(provider=provider, by=admin_user(), reason="Checking")
    provider.refresh_from_db()


def change_everything(provider, owner):
    """The owner renames the listing and rewrites what a buyer would read."""
    provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"name": UNVETTED[0], "tagline": UNVETTED[1], "workforce": int(UNVETTED[2])},
    )
    provider.refresh_from_db()


def assert_only_vetted(text):
    for unvetted in UNVETTED:
        assert unvetted not in text


@pytest.mark.parametrize("how", ["inactive", "suspended"])
def test_the_buyers_pages_show_only_what_was_published(
    client, listing, buyer_things, how, django_capture_on_commit_callbacks
):
    provider, owner = listing
    buyer, shortlist, inquiry = buyer_things
    go_offline(how, provider, owner)
    change_everything(provider, owner)
    if how == "inactive":
        assert provider.name == UNVETTED[0]  # the rename is live in the database
    with django_capture_on_commit_callbacks(execute=True):
        services.inquiry_reply(inquiry=inquiry, user=owner, body="We changed a lot.")

    client.force_login(buyer)
    detail = client.get(shortlist.get_absolute_url()).text
    assert VETTED in detail and "no longer published" in detail
    assert "Careful annotation" not in detail and "321 people" not in detail
    assert_only_vetted(detail)
    assert "Still Live Co" in detail

    for url in [
        reverse("buyers:shortlists"),
        reverse("buyers:workspace"),
        reverse("buyers:inquiries"),
        inquiry.get_buyer_url(),
        reverse("buyers:inquiry_new") + f"?shortlist={shortlist.pk}",
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert_only_vetted(page.text)
    thread = client.get(inquiry.get_buyer_url()).text
    assert f"To {VETTED}" in thread and "We changed a lot." in thread
    assert VETTED in client.get(reverse("buyers:inquiries")).text

    export = client.get(reverse("buyers:shortlist_export", args=[shortlist.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Still Live Co"]  # only published listings
    assert_only_vetted(str(rows))

    [reply_mail] = [m for m in mail.outbox if m.to == [buyer.email]]
    assert f"{VETTED} replied" in reply_mail.body
    assert_only_vetted(reply_mail.subject + reply_mail.body)

    entry = shortlist.entries.get(provider=provider)
    note = client.post(
        reverse("buyers:entry_note", args=[shortlist.pk, entry.pk]), {"note": "x"}, follow=True
    )
    assert f"Note on {VETTED} saved." in note.text
    removed = client.post(
        reverse("buyers:entry_remove", args=[shortlist.pk, entry.pk]), follow=True
    )
    assert f"{VETTED} removed" in removed.text
    assert_only_vetted(note.text + removed.text)


def test_a_rename_held_for_review_and_applied_on_going_offline_is_not_shown(
    client, listing, buyer_things
):
    provider, owner = listing
    buyer, shortlist, _inquiry = buyer_things
    # Proposed while published: held for review, the live name stays.
    change_everything(provider, owner)
    assert provider.name == VETTED and PendingChange.objects.open().exists()
    # Taking the listing offline writes the unreviewed proposal into the row.
    go_offline("inactive", provider, owner)
    assert provider.name == UNVETTED[0]

    client.force_login(buyer)
    detail = client.get(shortlist.get_absolute_url()).text
    assert VETTED in detail
    assert_only_vetted(detail)


def test_the_provider_still_sees_its_own_current_name(client, listing, buyer_things):
    provider, owner = listing
    _buyer, _shortlist, inquiry = buyer_things
    go_offline("inactive", provider, owner)
    change_everything(provider, owner)
    client.force_login(owner)
    assert UNVETTED[0] in client.get(inquiry.get_provider_url()).text


def test_once_published_again_the_new_name_is_shown(client, listing, buyer_things):
    provider, owner = listing
    buyer, shortlist, _inquiry = buyer_things
    go_offline("inactive", provider, owner)
    change_everything(provider, owner)
    provider_submit(provider=provider, user=owner)
    vetting.listing_approve(provider=provider, by=admin_user())

    client.force_login(buyer)
    detail = client.get(shortlist.get_absolute_url()).text
    assert UNVETTED[0] in detail and "no longer published" not in detail


def test_offline_entries_cost_no_extra_query(
    client, listing, buyer_things, django_assert_max_num_queries
):
    provider, owner = listing
    buyer, shortlist, _inquiry = buyer_things
    for n in range(5):
        other = ProviderFactory(name=f"Gone {n}", status=ListingStatus.PUBLISHED)
        services.shortlist_add(shortlist=shortlist, user=buyer, provider=other)
        other.status = ListingStatus.INACTIVE
        other.save()
    go_offline("inactive", provider, owner)
    client.force_login(buyer)
    # The shortlist page's own budget (tests/buyers/test_workspace_permissions.py):
    # offline entries add nothing to it.
    with django_assert_max_num_queries(7):
        page = client.get(shortlist.get_absolute_url())
    assert page.text.count("no longer published") == 6


def test_a_listing_without_history_is_named_only_as_no_longer_published(client, buyer_things):
    buyer, shortlist, _inquiry = buyer_things
    entry = shortlist.entries.select_related("provider").first()
    entry.provider.history.all().delete()
    type(entry.provider).objects.filter(pk=entry.provider_id).update(
        status=ListingStatus.INACTIVE, name=UNVETTED[0]
    )
    client.force_login(buyer)
    detail = client.get(shortlist.get_absolute_url()).text
    assert "A listing that is no longer published" in detail
    assert_only_vetted(detail)


def test_the_shortlist_button_names_no_listing_that_is_not_published(client, listing, buyer_things):
    provider, owner = listing
    buyer, shortlist, _inquiry = buyer_things
    go_offline("inactive", provider, owner)
    change_everything(provider, owner)
    draft = ProviderFactory(name="Secret Draft Ltd", status=ListingStatus.DRAFT)
    client.force_login(buyer)
    for slug in (provider.slug, draft.slug):
        response = client.post(
            reverse("buyers:shortlist_remove"),
            {"provider": slug, "shortlist": shortlist.pk},
            follow=True,
        )
        assert "That provider could not be found." in response.text
        assert "Secret Draft" not in response.text
        assert_only_vetted(response.text)
    # The offline entry is removed from the shortlist's own page instead.
    assert shortlist.entries.filter(provider=provider).exists()
