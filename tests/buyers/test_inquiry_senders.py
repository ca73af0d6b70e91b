"""Who wrote: providers see "Name, Organisation (industry, country)", never an e-mail address.

ISSP staff write to other providers (to find partners) as one of their listings.
"""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from buyers import services
from buyers.models import Inquiry
from providers.models import Industry
from tests.factories import BuyerFactory, IsspUserFactory, MembershipFactory, ProviderFactory

pytestmark = pytest.mark.django_db(transaction=True)

VALID = {"subject": "Partner for a bid", "body": "We look for a voice partner in Kenya."}


@pytest.fixture
def described_buyer(db):
    finance = Industry.objects.get_or_create(
        slug="financial-services", defaults={"name": "Financial services"}
    )[0]
    return BuyerFactory(
        email="ana@bank.example",
        name="Ana Ruiz",
        organisation="Example Bank",
        industry=finance,
        country="ES",
    )


def test_the_provider_sees_name_organisation_industry_country(
    client, described_buyer, provider, member, django_assert_max_num_queries
):
    mail.outbox.clear()
    [inquiry] = services.inquiry_send(buyer=described_buyer, providers=[provider], **VALID)
    label = "Ana Ruiz, Example Bank (Financial services, Spain)"
    [email] = mail.outbox
    assert label in email.body and "ana@bank.example" not in email.body
    client.force_login(member)
    inbox = client.get(reverse("dashboard:inbox")).content.decode()
    thread = client.get(inquiry.get_provider_url()).content.decode()
    for html in (inbox, thread):
        assert label in html
        assert "ana@bank.example" not in html
    # More threads from described buyers cost the inbox no query more.
    for n in range(3):
        other = BuyerFactory(
            email=f"b{n}@x.example", organisation=f"Org {n}", industry=described_buyer.industry
        )
        services.inquiry_send(buyer=other, providers=[provider], **VALID)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("dashboard:inbox")).status_code == 200


def test_a_buyer_who_gave_nothing_is_a_buyer(client, provider, member):
    anonymous = BuyerFactory(email="quiet@buyer.example", name="")
    [inquiry] = services.inquiry_send(buyer=anonymous, providers=[provider], **VALID)
    client.force_login(member)
    thread = client.get(inquiry.get_provider_url()).content.decode()
    assert "From A buyer" in thread and "quiet@buyer.example" not in thread


def test_an_issp_writes_to_another_provider_as_its_listing(client, provider, member):
    partner = ProviderFactory(name="Lagos Voice Partners", slug="lagos-voice")
    partner_staff = MembershipFactory(provider=partner).user
    client.force_login(member)  # a member of Kisumu Data Works
    form = client.get(reverse("buyers:inquiry_new") + "?provider=lagos-voice")
    assert form.status_code == 200
    assert "You write for Kisumu Data Works" in form.content.decode()
    mail.outbox.clear()
    response = client.post(reverse("buyers:inquiry_new"), {**VALID, "provider": "lagos-voice"})
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302 and response["Location"] == inquiry.get_buyer_url()
    assert (inquiry.buyer, inquiry.sender_provider, inquiry.provider) == (member, provider, partner)
    [email] = mail.outbox
    assert email.to == [partner_staff.email]
    assert "Sam Staff, Kisumu Data Works (impact sourcing provider)" in email.body
    assert member.email not in email.body
    client.force_login(partner_staff)
    thread = client.get(inquiry.get_provider_url()).content.decode()
    assert "Sam Staff, Kisumu Data Works (impact sourcing provider)" in thread
    # The sender reads its sent inquiries and the answer on the sending side.
    client.post(reverse("dashboard:inbox_reply", args=[inquiry.pk]), {"body": "Happy to talk."})
    client.force_login(member)
    assert "Partner for a bid" in client.get(reverse("buyers:inquiries")).content.decode()
    assert "Happy to talk." in client.get(inquiry.get_buyer_url()).content.decode()


def test_an_issp_cannot_write_to_its_own_listing(client, provider, member):
    client.force_login(member)
    form = client.get(reverse("buyers:inquiry_new") + f"?provider={provider.slug}")
    assert form.status_code == 400
    assert "Your own listing, so left out" in form.content.decode()
    response = client.post(reverse("buyers:inquiry_new"), {**VALID, "provider": provider.slug})
    assert response.status_code == 400
    with pytest.raises(ValidationError, match="own listing"):
        services.inquiry_send(buyer=member, providers=[provider], sender_provider=provider, **VALID)
    assert not Inquiry.objects.exists()


def test_an_issp_with_several_listings_chooses_one_of_its_own(client, provider, member):
    second = ProviderFactory(name="Kisumu Voice", slug="kisumu-voice")
    MembershipFactory(provider=second, user=member)
    stranger = ProviderFactory(name="Stranger Co", slug="stranger")
    partner = ProviderFactory(name="Lagos Voice Partners", slug="lagos-voice")
    client.force_login(member)
    url = reverse("buyers:inquiry_new")
    refused = client.post(url, {**VALID, "provider": "lagos-voice"})
    assert refused.status_code == 400
    assert "Choose which of your listings you write for." in refused.content.decode()
    refused = client.post(url, {**VALID, "provider": "lagos-voice", "sender": stranger.pk})
    assert refused.status_code == 400
    assert "Choose one of your own listings." in refused.content.decode()
    assert not Inquiry.objects.exists()
    client.post(url, {**VALID, "provider": "lagos-voice", "sender": second.pk})
    assert Inquiry.objects.get().sender_provider == second
    assert Inquiry.objects.get().provider == partner


def test_an_issp_without_a_listing_is_told_to_make_one(client):
    client.force_login(IsspUserFactory(email="new@issp.example"))
    ProviderFactory(slug="lagos-voice")
    response = client.post(reverse("buyers:inquiry_new"), {**VALID, "provider": "lagos-voice"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:index")
    assert not Inquiry.objects.exists()


def test_a_buyer_cannot_claim_to_write_for_a_listing(buyer, provider):
    with pytest.raises(PermissionDenied):
        services.inquiry_send(buyer=buyer, providers=[provider], sender_provider=provider, **VALID)
    assert not Inquiry.objects.exists()
