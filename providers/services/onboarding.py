"""ISSP staff reach a listing: create a draft (and own it), or claim a published one."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from impactdir.mail import send_templated_mail
from providers.models import Claim, ClaimStatus, ListingStatus, Membership, MembershipRole, Provider
from providers.services.access import require_issp
from providers.services.recipients import operator_emails


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "provider"
    slug, n = base, 2
    while Provider.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def provider_create(*, user, name: str) -> Provider:
    """Create a draft listing; the creator becomes its owner."""
    require_issp(user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give your organisation's name.")})
    provider = Provider(name=name, slug=_unique_slug(name), status=ListingStatus.DRAFT)
    provider.full_clean()
    provider.save()
    Membership.objects.create(provider=provider, user=user, role=MembershipRole.OWNER)
    return provider


@transaction.atomic
def claim_submit(*, user, provider: Provider, message: str, base_url: str = "") -> Claim:
    """Ask to manage an existing published listing; the claim waits in the admin queue."""
    require_issp(user)
    message = (message or "").strip()
    if provider.status != ListingStatus.PUBLISHED:
        raise ValidationError(_("Only published listings can be claimed."))
    if Membership.objects.filter(provider=provider, user=user).exists():
        raise ValidationError(_("You are already a member of this listing."))
    if not message:
        raise ValidationError({"message": _("Tell us how you are connected to this organisation.")})
    if Claim.objects.filter(provider=provider, user=user, status=ClaimStatus.PENDING).exists():
        raise ValidationError(_("You already have a claim on this listing waiting for review."))
    claim = Claim(provider=provider, user=user, message=message)
    claim.full_clean()
    claim.save()
    send_templated_mail(
        template="listings/claim_submitted",
        to=operator_emails(),
        context={"claim": claim, "provider": provider, "base_url": base_url},
    )
    return claim
