"""An inquiry to an unclaimed listing: the contact address gets a one-time claim link."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from buyers.models import ClaimLink, Inquiry
from providers.models import Claim, ClaimStatus, ListingStatus, Membership
from providers.services.vetting import claim_approve
from tests.factories import (
    BuyerFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
)

# E-mails go out on commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

VALID = {
    "subject": "Annotation team for 2027",
    "body": "We need 40 annotators for image data from March.",
    "questions": ["capacity"],
}
CLAIM_MESSAGE = {"message": "I run operations; my address is at unclaimed.example."}


@pytest.fixture
def unclaimed(db):
    return ProviderFactory(
        name="Unclaimed Data Co", slug="unclaimed", contact_email="hello@unclaimed.example"
    )


def send(client, provider):
    mail.outbox.clear()
    response = client.post(reverse("buyers:inquiry_new"), {**VALID, "provider": provider.slug})
    assert response.status_code == 302
    return Inquiry.objects.get(provider=provider)


def claim_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/dashboard/inquiries/claim/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_buyer_sees_before_sending_that_the_listing_is_unclaimed(buyer_client, unclaimed):
    profile = buyer_client.get(unclaimed.get_absolute_url()).content.decode()
    assert "Nobody manages this listing on ImpactDir yet" in profile
    form = buyer_client.get(reverse("buyers:inquiry_new") + "?provider=unclaimed")
    html = form.content.decode()
    assert "unclaimed listing" in html
    assert "Your inquiry goes to the public contact address" in html
    assert "hello@unclaimed.example" not in html  # the address itself is not shown


def test_a_claimed_listing_shows_no_such_note(buyer_client, provider, member):
    assert (
        "Nobody manages this listing"
        not in buyer_client.get(provider.get_absolute_url()).content.decode()
    )
    html = buyer_client.get(reverse("buyers:inquiry_new") + f"?provider={provider.slug}")
    assert "unclaimed listing" not in html.content.decode()


def test_the_contact_address_gets_the_inquiry_and_a_one_time_claim_link(buyer_client, unclaimed):
    inquiry = send(buyer_client, unclaimed)
    assert inquiry.sent_unclaimed
    [email] = mail.outbox
    assert email.to == ["hello@unclaimed.example"]
    assert "We need 40 annotators" in email.body
    assert "Bea Buyer, Acme Corp" in email.body
    assert "buyer@example.org" not in email.body
    assert "works once" in email.body and "expires in 30 days" in email.body
    path = claim_path(email)
    link = ClaimLink.objects.get()
    # Only a digest is stored: the token in the e-mail is not in the database.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in link.token_digest and link.inquiry == inquiry
    thread = buyer_client.get(inquiry.get_buyer_url()).content.decode()
    assert "Nobody managed the listing of Unclaimed Data Co when you wrote" in thread


def test_the_link_leads_through_the_claim_flow_to_the_inquiry(client, buyer, unclaimed):
    client.force_login(buyer)
    inquiry = send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    client.logout()

    # Signed out: what the link is for, and how to sign in.
    page = client.get(path)
    assert page.status_code == 200
    assert "Claim “Unclaimed Data Co”" in page.content.decode()
    assert f'href="/accounts/login/?next={path}"' in page.content.decode()
    assert f'href="/accounts/signup/?next={path}"' in page.content.decode()

    claimant = IsspUserFactory(email="ops@unclaimed.example", name="Olu Ops")
    client.force_login(claimant)
    # Not a member yet: the inquiry is not theirs to read.
    assert client.get(inquiry.get_provider_url()).status_code == 404
    mail.outbox.clear()
    response = client.post(path, CLAIM_MESSAGE)
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.user, claim.provider, claim.status) == (claimant, unclaimed, "pending")
    link = ClaimLink.objects.get()
    assert link.used_by == claimant and link.claim == claim and link.used_at
    assert client.get(inquiry.get_provider_url()).status_code == 404  # still under review

    mail.outbox.clear()
    claim_approve(claim=claim, by=StaffFactory())
    [approved] = mail.outbox
    assert "inquiry from a buyer waits for your answer" in approved.body
    assert "/dashboard/inquiries/" in approved.body
    # Now a member: the link takes them to the inquiry, and they answer it.
    assert client.get(path)["Location"] == inquiry.get_provider_url()
    page = client.get(inquiry.get_provider_url())
    assert page.status_code == 200 and "We need 40 annotators" in page.content.decode()
    mail.outbox.clear()
    client.post(reverse("dashboard:inbox_reply", args=[inquiry.pk]), {"body": "Yes, from March."})
    [told] = mail.outbox
    assert told.to == ["buyer@example.org"]
    assert "has claimed its listing on ImpactDir and answered your inquiry" in told.body
    assert inquiry.get_buyer_url() in told.body
    inquiry.refresh_from_db()
    assert inquiry.answered_at is not None
    client.force_login(buyer)
    thread = client.get(inquiry.get_buyer_url()).content.decode()
    assert "they have since claimed it and answered on" in thread
    assert "Yes, from March." in thread


def test_a_used_link_is_refused_to_a_second_user_and_changes_nothing(client, buyer, unclaimed):
    client.force_login(buyer)
    inquiry = send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    first = IsspUserFactory(email="ops@unclaimed.example")
    client.force_login(first)
    assert client.post(path, CLAIM_MESSAGE).status_code == 302

    second = IsspUserFactory(email="someone@else.example")
    client.force_login(second)
    for response in (client.get(path), client.post(path, CLAIM_MESSAGE)):
        assert response.status_code == 410
        assert "This link has already been used." in response.content.decode()
        assert "We need 40 annotators" not in response.content.decode()
    assert Claim.objects.filter(user=second).count() == 0
    assert client.get(inquiry.get_provider_url()).status_code == 404
    assert ClaimLink.objects.get().used_by == first


def test_a_buyer_account_is_refused(client, buyer, unclaimed):
    client.force_login(buyer)
    send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    client.force_login(BuyerFactory(email="nosy@buyer.example"))
    for response in (client.get(path), client.post(path, CLAIM_MESSAGE)):
        assert response.status_code == 403
        assert "signed in with a buyer account" in response.content.decode()
    assert not Claim.objects.exists() and ClaimLink.objects.get().used_at is None


def test_an_expired_link_says_so_and_changes_nothing(client, buyer, unclaimed):
    client.force_login(buyer)
    send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    ClaimLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(IsspUserFactory(email="ops@unclaimed.example"))
    response = client.post(path, CLAIM_MESSAGE)
    assert response.status_code == 410
    assert "This link has expired." in response.content.decode()
    assert "Find the listing to claim" in response.content.decode()
    assert not Claim.objects.exists() and ClaimLink.objects.get().used_at is None


@pytest.mark.parametrize("change", ["tampered", "truncated", "junk"])
def test_a_tampered_link_is_not_valid(client, buyer, unclaimed, change):
    client.force_login(buyer)
    send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    bad = {
        "tampered": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncated": token[:20],
        "junk": "x" * 90,
    }[change]
    client.force_login(IsspUserFactory(email="ops@unclaimed.example"))
    response = client.post(reverse("dashboard:claim_link", args=[bad]), CLAIM_MESSAGE)
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert not Claim.objects.exists() and ClaimLink.objects.get().used_at is None


def test_a_listing_claimed_meanwhile_or_taken_offline_is_not_claimable(client, buyer, unclaimed):
    client.force_login(buyer)
    send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    outsider = IsspUserFactory(email="ops@unclaimed.example")
    MembershipFactory(provider=unclaimed)  # someone else's claim was approved meanwhile
    client.force_login(outsider)
    response = client.post(path, CLAIM_MESSAGE)
    assert response.status_code == 410
    assert "now managed by its team" in response.content.decode()
    Membership.objects.all().delete()
    unclaimed.status = ListingStatus.INACTIVE
    unclaimed.save()
    response = client.post(path, CLAIM_MESSAGE)
    assert response.status_code == 410 and "no longer published" in response.content.decode()
    assert not Claim.objects.exists() and ClaimLink.objects.get().used_at is None


def test_an_empty_claim_message_is_refused_and_the_link_kept(client, buyer, unclaimed):
    client.force_login(buyer)
    send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    client.force_login(IsspUserFactory(email="ops@unclaimed.example"))
    response = client.post(path, {"message": "  "})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Claim.objects.exists() and ClaimLink.objects.get().used_at is None
    assert client.post(path, CLAIM_MESSAGE).status_code == 302
    assert Claim.objects.get().status == ClaimStatus.PENDING


def test_the_link_page_query_count(client, buyer, unclaimed, django_assert_max_num_queries):
    client.force_login(buyer)
    send(client, unclaimed)
    path = claim_path(mail.outbox[0])
    client.force_login(IsspUserFactory(email="ops@unclaimed.example"))
    # session + user, the link with its inquiry and listing, memberships (two checks)
    with django_assert_max_num_queries(5):
        assert client.get(path).status_code == 200
