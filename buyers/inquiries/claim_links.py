"""One-time links that bring an unclaimed listing's people into the claim flow.

An inquiry to a listing without staff goes to the listing's public contact
address with a link. The link is a random token (only its SHA-256 digest is
stored, in `ClaimLink`): a row rather than a signed value because "single use"
needs state on the server anyway, and the row also records who used it and the
claim it produced. It expires after `LINK_DAYS`. Using it means sending a claim
of that listing through the existing claim and vetting flow
(`providers.services.onboarding.claim_submit`); once an operator approves it,
the claimant is a member and reads the inquiry in the dashboard inbox like any
other.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from providers.models import Claim, ClaimStatus, Membership, Provider
from providers.services import onboarding

from ..models import ClaimLink, Inquiry

LINK_DAYS = 30


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def claim_link_create(*, inquiry: Inquiry) -> str:
    """A new one-time link for the inquiry's listing; returns its path (the token is not stored)."""
    token = secrets.token_urlsafe(32)
    ClaimLink.objects.create(
        inquiry=inquiry,
        token_digest=_digest(token),
        expires_at=timezone.now() + datetime.timedelta(days=LINK_DAYS),
    )
    return reverse("dashboard:claim_link", kwargs={"token": token})


# Why a link cannot be used; the view shows each in its own words.
INVALID = "invalid"
EXPIRED = "expired"
USED = "used"
GONE = "gone"  # the listing is no longer published
CLAIMED = "claimed"  # the listing has staff now: someone else claimed it


@dataclass
class LinkState:
    """What a link leads to: the link (None when unknown) and why it cannot be used, if so."""

    link: ClaimLink | None
    problem: str = ""

    @property
    def provider(self) -> Provider | None:
        return self.link.inquiry.provider if self.link else None


def _state(link: ClaimLink | None) -> LinkState:
    if link is None:
        return LinkState(None, INVALID)
    if link.used_at is not None:
        return LinkState(link, USED)
    if link.expires_at <= timezone.now():
        return LinkState(link, EXPIRED)
    provider = link.inquiry.provider
    if not provider.is_published:
        return LinkState(link, GONE)
    if Membership.objects.filter(provider=provider, user__is_active=True).exists():
        return LinkState(link, CLAIMED)
    return LinkState(link)


def claim_link_state(*, token: str) -> LinkState:
    """The link a token names and whether it can still be used (it is never changed here)."""
    if not token or len(token) > 100:
        return LinkState(None, INVALID)
    link = (
        ClaimLink.objects.select_related("inquiry__provider", "used_by")
        .filter(token_digest=_digest(token))
        .first()
    )
    return _state(link)


def _require_issp(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.is_issp):
        raise PermissionDenied(
            _("Claiming a listing needs an account for people who work at a provider.")
        )


@transaction.atomic
def claim_link_redeem(*, token: str, user: User, message: str, base_url: str = "") -> Claim:
    """Send a claim of the link's listing for review and use the link up.

    Raises PermissionDenied for anyone but ISSP staff, ValidationError when the
    link is unknown, used, expired or its listing no longer claimable, or the
    claim itself is refused; then nothing changes. A claimant who already has
    a claim waiting on the listing uses the link for that claim.
    """
    _require_issp(user)
    state = claim_link_state(token=token)
    if state.link is not None:
        # Lock the row: two requests with one link cannot both use it.
        state = _state(
            ClaimLink.objects.select_for_update()
            .select_related("inquiry__provider")
            .get(pk=state.link.pk)
        )
    if state.problem:
        raise ValidationError(PROBLEMS[state.problem], code=state.problem)
    link = state.link
    provider = link.inquiry.provider
    claim = Claim.objects.filter(
        provider=provider, user=user, status=ClaimStatus.PENDING
    ).first() or onboarding.claim_submit(
        user=user, provider=provider, message=message, base_url=base_url
    )
    link.used_at = timezone.now()
    link.used_by = user
    link.claim = claim
    link.save(update_fields=["used_at", "used_by", "claim"])
    return claim


PROBLEMS = {
    INVALID: gettext_lazy(
        "This link is not valid. Check that you opened the whole link from the e-mail."
    ),
    EXPIRED: gettext_lazy("This link has expired."),
    USED: gettext_lazy("This link has already been used."),
    GONE: gettext_lazy("This listing is no longer published, so it cannot be claimed."),
    CLAIMED: gettext_lazy("This listing is now managed by its team, who can read the inquiry."),
}
