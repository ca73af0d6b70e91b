"""Deleting your own account: /accounts/delete/, password first, e-mail after."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Session, User
from buyers.models import Inquiry, SavedSearch, Shortlist
from buyers.services import inquiry_send, saved_search_create, shortlist_add, shortlist_create
from providers.models import Membership, Provider
from tests.factories import (
    BuyerFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("account_delete")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def buyer_world():
    buyer = BuyerFactory(email="leaving@buyer.example", name="Lee Leaving")
    other = BuyerFactory(email="staying@buyer.example")
    provider = ProviderFactory(status="published", contact_email="hello@provider.example")
    MembershipFactory(provider=provider, user=IsspUserFactory())
    shortlist = shortlist_create(owner=buyer, name="Finalists")
    shortlist_add(shortlist=shortlist, user=buyer, provider=provider)
    saved_search_create(owner=buyer, name="Kenya", query_string="country=KE", frequency="weekly")
    inquiry_send(
        buyer=buyer, providers=[provider], subject="Capacity", body="Could you start in May?"
    )
    shortlist_create(owner=other, name="Theirs")
    return {"buyer": buyer, "other": other, "provider": provider}


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_says_what_goes_and_asks_for_the_password(client, buyer_world):
    client.force_login(buyer_world["buyer"])
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be undone" in page
    assert 'autocomplete="current-password"' in page


def test_a_wrong_password_deletes_nothing(client, buyer_world):
    client.force_login(buyer_world["buyer"])
    response = client.post(URL, {"password": "not it"})
    assert response.status_code == 400
    assert "That is not your password" in response.content.decode()
    assert User.objects.filter(pk=buyer_world["buyer"].pk).exists()
    assert Shortlist.objects.filter(owner=buyer_world["buyer"]).exists()
    assert mail.outbox == [] or all("deleted" not in m.subject for m in mail.outbox)


def test_an_empty_password_is_a_clear_error(client, buyer_world):
    client.force_login(buyer_world["buyer"])
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "Enter your password to delete your account." in response.content.decode()
    assert User.objects.filter(pk=buyer_world["buyer"].pk).exists()


def test_deleting_takes_what_is_theirs_and_only_that(
    client, buyer_world, django_capture_on_commit_callbacks
):
    buyer, other = buyer_world["buyer"], buyer_world["other"]
    client.force_login(buyer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not User.objects.filter(pk=buyer.pk).exists()
    assert not Shortlist.objects.filter(owner_id=buyer.pk).exists()
    assert not SavedSearch.objects.filter(owner_id=buyer.pk).exists()
    assert not Inquiry.objects.filter(buyer_id=buyer.pk).exists()
    assert not Session.objects.filter(user_id=buyer.pk).exists()
    # Nobody else's data goes, and the provider they wrote to stays.
    assert User.objects.filter(pk=other.pk).exists()
    assert Shortlist.objects.filter(owner=other).count() == 1
    assert Provider.objects.filter(pk=buyer_world["provider"].pk).exists()
    # Logged out, told by e-mail.
    assert client.get(reverse("buyers:shortlists")).status_code == 302
    (sent,) = [m for m in mail.outbox if m.to == ["leaving@buyer.example"]]
    assert sent.subject == "Your ImpactDir account has been deleted"
    assert "Lee Leaving" in sent.body


def test_a_listing_kept_by_the_account_stays_with_its_other_members(
    client, django_capture_on_commit_callbacks
):
    leaving, staying = IsspUserFactory(), IsspUserFactory()
    provider = ProviderFactory(status="published", name="Kept Listing")
    MembershipFactory(provider=provider, user=leaving, role="owner")
    MembershipFactory(provider=provider, user=staying, role="owner")
    client.force_login(leaving)
    assert "Kept Listing" in client.get(URL).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"password": PASSWORD})

    assert Provider.objects.filter(pk=provider.pk, status="published").exists()
    assert list(Membership.objects.filter(provider=provider).values_list("user", flat=True)) == [
        staying.pk
    ]
    (sent,) = [m for m in mail.outbox if m.to == [leaving.email]]
    assert "- Kept Listing" in sent.body


def test_operators_are_refused_and_kept(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"password": PASSWORD}).status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_the_page_query_count(client, buyer_world, django_assert_max_num_queries):
    client.force_login(buyer_world["buyer"])
    client.get(URL)
    with django_assert_max_num_queries(4):
        assert client.get(URL).status_code == 200
