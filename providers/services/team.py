"""A listing's team: owners invite colleagues, who join by accepting; owners remove members."""

import datetime
import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from impactdir.mail import send_templated_mail
from providers.models import Invitation, Membership, MembershipRole, Provider
from providers.services.access import require_member

INVITATION_VALID_FOR = datetime.timedelta(days=14)


@transaction.atomic
def member_invite(
    *, provider: Provider, invited_by, email: str, role: str, base_url: str = ""
) -> Invitation:
    """Owner invites a colleague by e-mail address; they join once they accept.

    Whether the address has an account is never looked at: every invitee gets
    the same e-mail with a link to accept (signed in with that address, after
    signing up if need be), and the owner sees the same answer either way, so
    the form tells nobody who has an account, and nobody, an operator
    included, becomes a member without saying yes.
    """
    require_member(provider, invited_by, owner=True)
    email = get_user_model().objects.normalize_email((email or "").strip())
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose owner or editor.")})
    if not email or "@" not in email:
        raise ValidationError({"email": _("Enter an e-mail address.")})
    # Both are on the team page already: saying so reveals nothing.
    if Membership.objects.filter(provider=provider, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    if Invitation.objects.usable().filter(provider=provider, email__iexact=email).exists():
        raise ValidationError({"email": _("An invitation to this address is already open.")})
    invitation = Invitation.objects.create(
        provider=provider,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    context = {
        "provider": provider,
        "invited_by": invited_by,
        "invitation": invitation,
        "accept_url": base_url + reverse("dashboard:invitation", args=[invitation.token]),
        "signup_url": base_url + reverse("account_signup"),
    }
    send_templated_mail(template="listings/invitation", to=[email], context=context)
    return invitation


def invitation_refusal(*, invitation: Invitation, user) -> str:
    """Why `user` may not accept the invitation, or "" when they may.

    Only the invited address's own account may: signed in with that address as
    its e-mail, and the address confirmed (an account made in the admin, say,
    has not shown it owns the address).
    """
    if not (user.is_authenticated and user.is_active):
        return _("Log in with the invited address to accept this invitation.")
    if user.email.lower() != invitation.email.lower():
        return _(
            "This invitation was sent to another e-mail address. Log out and log in (or sign "
            "up) with the invited address to accept it."
        )
    confirmed = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not confirmed:
        return _("Confirm your e-mail address first, then accept the invitation.")
    return ""


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """The invited person, logged in with the invited, confirmed address, joins."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired or was already used."))
    refusal = invitation_refusal(invitation=invitation, user=user)
    if refusal:
        raise PermissionDenied(refusal)
    membership, _created = Membership.objects.get_or_create(
        provider=invitation.provider, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save()
    return membership


@transaction.atomic
def member_remove(*, provider: Provider, removed_by, membership: Membership) -> None:
    """Owner removes a member; the last owner cannot be removed."""
    require_member(provider, removed_by, owner=True)
    if membership.provider_id != provider.pk:
        raise PermissionDenied(_("That person is not a member of this listing."))
    owners = Membership.objects.select_for_update().filter(
        provider=provider, role=MembershipRole.OWNER
    )
    if membership.role == MembershipRole.OWNER and owners.count() <= 1:
        raise ValidationError(
            _("A listing needs at least one owner. Make someone else an owner first.")
        )
    membership.delete()


@transaction.atomic
def invitation_cancel(*, provider: Provider, cancelled_by, invitation: Invitation) -> None:
    """An owner withdraws an invitation; its link stops working."""
    require_member(provider, cancelled_by, owner=True)
    if invitation.provider_id != provider.pk:
        raise PermissionDenied(_("That invitation is not for this listing."))
    invitation.delete()
