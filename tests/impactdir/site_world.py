"""A small directory with one of everything, for tests that walk every page."""

from buyers import services as buyer_services
from buyers.inquiries.claim_links import claim_link_create
from providers.models import ListingStatus, PendingChange
from providers.services.parts import provider_update_profile
from providers.services.team import member_invite
from tests.factories import (
    BuyerFactory,
    CertificationHoldingFactory,
    ProviderFactory,
    StaffFactory,
)
from tests.providers.listing_helpers import listing_with_owner


def one_of_everything() -> dict:
    """A published listing with every part and its owner; a buyer with one of everything."""
    provider, owner = listing_with_owner(
        status=ListingStatus.PUBLISHED, complete=True, name="Lagoon Test Works"
    )
    holding = CertificationHoldingFactory(provider=provider)
    invitation = member_invite(
        provider=provider, invited_by=owner, email="invitee@example.org", role="editor"
    )
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Proposed"}
    )
    unclaimed = ProviderFactory(slug="unclaimed-works")
    buyer = BuyerFactory()
    shortlist = buyer_services.shortlist_create(owner=buyer, name="List")
    buyer_services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider, note="n")
    saved = buyer_services.saved_search_create(
        owner=buyer, name="Kenya", query_string="country=KE", frequency="daily"
    )
    [inquiry] = buyer_services.inquiry_send(
        buyer=buyer,
        providers=[provider],
        subject="Hello",
        body="Capacity?",
        questions=["capacity", "impact-share", "certifications", "pricing"],
    )
    # One inquiry to two listings, one of them unclaimed; the claimed one answers.
    sent = buyer_services.inquiry_send(
        buyer=buyer,
        providers=[provider, unclaimed],
        subject="Both",
        body="Pricing?",
        questions=["capacity", "impact-share", "pricing"],
    )
    buyer_services.inquiry_reply(
        inquiry=sent[0],
        user=owner,
        body="Forty seats.",
        answers={"capacity_amount": 40, "capacity_unit": "seats", "impact_share": 60},
    )
    claim_path = claim_link_create(inquiry=sent[1])
    return {
        "provider": provider,
        "owner": owner,
        "buyer": buyer,
        "staff": StaffFactory(is_superuser=True),
        "unclaimed": unclaimed,
        "holding": holding,
        "invitation": invitation,
        "change": PendingChange.objects.get(provider=provider),
        "shortlist": shortlist,
        "entry": shortlist.entries.get(),
        "saved": saved,
        "inquiry": inquiry,
        "batch": sent[0].batch,
        "claim_path": claim_path,
    }
