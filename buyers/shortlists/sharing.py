"""Sharing a shortlist: the owner invites people by e-mail, sets their rights, revokes them.

An invitation is e-mailed as a link that carries the invitation's id and a
random key, signed with the site's secret and dated (`django.core.signing`):
a link that was altered, has passed `INVITE_VALID_FOR`, was used once or was
withdrawn does nothing. Whether an address has an account is never looked at
when inviting: everyone gets the same e-mail and accepts logged in with the
invited, confirmed address (signing up first if need be), so the form tells
the owner nothing about who has an account.
"""

import datetime
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from impactdir.mail import send_templated_mail

from ..models import Shortlist, ShortlistInvite, ShortlistMember, ShortlistRole
from . import access
from .access import OWNER, person_label

INVITE_VALID_FOR = datetime.timedelta(days=14)
#: People in a group besides the owner, members and open invitations together.
MAX_GROUP = 30
#: Invitations one owner may send per hour, over all their shortlists.
INVITES_PER_HOUR = 20
SALT = "buyers.shortlist-invite"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def invite_token(invite: ShortlistInvite) -> str:
    """The signed, dated token of the invitation's accept link."""
    return signing.TimestampSigner(salt=SALT).sign_object({"i": invite.pk, "k": invite.key})


def invite_url(invite: ShortlistInvite) -> str:
    return reverse("buyers:shortlist_invite", kwargs={"token": invite_token(invite)})


class InviteUnusable(Exception):
    """The link is genuine but can no longer be used; `str()` says why, for its holder."""


def invite_from_token(token: str) -> ShortlistInvite | None:
    """The open invitation a link names; None for a link that was never genuine.

    Raises InviteUnusable for a genuine link that expired, was used or was withdrawn.
    """
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=INVITE_VALID_FOR)
    except signing.SignatureExpired:
        raise InviteUnusable(_("This invitation has expired. Ask for a new one.")) from None
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        return None
    invite = (
        ShortlistInvite.objects.select_related("shortlist__owner")
        .filter(pk=data["i"], key=str(data.get("k", "")))
        .first()
    )
    if invite is None:
        raise InviteUnusable(_("This invitation was withdrawn. Ask for a new one."))
    if invite.accepted_at is not None:
        raise InviteUnusable(_("This invitation was already used."))
    if invite.expires_at <= timezone.now():
        raise InviteUnusable(_("This invitation has expired. Ask for a new one."))
    return invite


def _clean_email(email: str) -> str:
    email = get_user_model().objects.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter an e-mail address.")}) from None
    return email


def _clean_role(role: str) -> str:
    if role not in ShortlistRole.values:
        raise ValidationError({"role": _("Choose view or edit rights.")})
    return role


@transaction.atomic
def shortlist_invite(
    *, shortlist: Shortlist, user, email: str, role: str = ShortlistRole.READ
) -> ShortlistInvite:
    """The owner invites someone, by e-mail address, to the shortlist's group with these rights.

    The e-mail carries the accept link. Refused: the owner's own address, an
    address already in the group or with an open invitation, a group of
    `MAX_GROUP`, more than `INVITES_PER_HOUR` invitations an hour.
    """
    access.require(shortlist, user, OWNER)
    email, role = _clean_email(email), _clean_role(role)
    # Lock the owner's row: two invitations at once cannot both pass the counts.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if email.lower() == user.email.lower():
        raise ValidationError({"email": _("This is your own address: the shortlist is yours.")})
    # The owner invited every member by this address: saying so reveals nothing.
    if (
        shortlist.members.filter(invited_email__iexact=email).exists()
        or shortlist.members.filter(user__email__iexact=email).exists()
    ):
        raise ValidationError({"email": _("This person is already in the group.")})
    if shortlist.invites.open().filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": _("An invitation to this address is open already. Withdraw it to send anew.")}
        )
    if shortlist.members.count() + shortlist.invites.open().count() >= MAX_GROUP:
        raise ValidationError(
            _("A shortlist is shared with at most %(max)d people.") % {"max": MAX_GROUP}
        )
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    if (
        ShortlistInvite.objects.filter(invited_by=user, created_at__gte=hour_ago).count()
        >= INVITES_PER_HOUR
    ):
        raise ValidationError(
            _("You have sent %(max)d invitations in the last hour. Please try again later.")
            % {"max": INVITES_PER_HOUR}
        )
    # A used or expired invitation to the address is of no more use.
    shortlist.invites.filter(email__iexact=email).delete()
    invite = ShortlistInvite.objects.create(
        shortlist=shortlist,
        email=email,
        role=role,
        key=secrets.token_urlsafe(32),
        invited_by=user,
        expires_at=timezone.now() + INVITE_VALID_FOR,
    )
    accept_path = invite_url(invite)
    send_templated_mail(
        template="buyers/shortlist_invite",
        to=[email],
        context={
            "invite": invite,
            "shortlist": shortlist,
            "owner": person_label(user, fallback=_("An ImpactDir user")),
            "rights": ShortlistRole(role).label,
            "accept_url": absolute_url(accept_path),
            "signup_url": absolute_url(reverse("account_signup") + f"?next={accept_path}"),
        },
    )
    return invite


def invite_refusal(*, invite: ShortlistInvite, user) -> str:
    """Why `user` may not accept the invitation, or "" when they may.

    Only the invited address's own account may: logged in with that address,
    confirmed (an account made in the admin has not shown it owns the address).
    """
    if not (user.is_authenticated and user.is_active):
        return _("Log in (or sign up) with the invited address to accept this invitation.")
    if invite.shortlist.owner_id == user.pk:
        return _("This shortlist is yours already.")
    if user.email.lower() != invite.email.lower():
        return _(
            "This invitation was sent to another e-mail address. Log out, then log in (or sign "
            "up) with the invited address to accept it."
        )
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invite.email, verified=True
    ).exists():
        return _("Confirm your e-mail address first, then accept the invitation.")
    return ""


@transaction.atomic
def invite_accept(*, invite: ShortlistInvite, user) -> ShortlistMember:
    """The invited person joins the group with the invitation's rights; the link is used up.

    Someone already in the group keeps their place and gets the invitation's rights.
    The owner is told by e-mail.
    """
    invite = (
        ShortlistInvite.objects.select_for_update()
        .select_related("shortlist__owner")
        .get(pk=invite.pk)
    )
    if invite.accepted_at is not None or invite.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired or was already used."))
    refusal = invite_refusal(invite=invite, user=user)
    if refusal:
        raise PermissionDenied(refusal)
    try:
        with transaction.atomic():
            member, created = ShortlistMember.objects.update_or_create(
                shortlist=invite.shortlist,
                user=user,
                defaults={"role": invite.role, "invited_email": invite.email},
            )
    except IntegrityError:  # accepted at the same moment in another tab
        member = ShortlistMember.objects.get(shortlist=invite.shortlist, user=user)
    invite.accepted_at = timezone.now()
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by"])
    owner = invite.shortlist.owner
    send_templated_mail(
        template="buyers/shortlist_joined",
        to=[owner.email],
        context={
            "shortlist": invite.shortlist,
            "who": person_label(user, fallback=invite.email),
            "email": invite.email,
            "rights": ShortlistRole(member.role).label,
            "url": absolute_url(reverse("buyers:shortlist_sharing", args=[invite.shortlist_id])),
        },
    )
    return member


@transaction.atomic
def member_set_role(*, shortlist: Shortlist, user, member: ShortlistMember, role: str) -> None:
    """The owner changes a member's rights; they hold from the member's next request."""
    access.require(shortlist, user, OWNER)
    if member.shortlist_id != shortlist.pk:
        raise PermissionDenied
    member.role = _clean_role(role)
    member.save(update_fields=["role"])


@transaction.atomic
def member_remove(*, shortlist: Shortlist, user, member: ShortlistMember) -> None:
    """The owner revokes a member, or a member leaves; access ends with this request.

    The member's notes are kept, shown to nobody but their author, should they
    be invited again.
    """
    if member.shortlist_id != shortlist.pk:
        raise PermissionDenied
    if member.user_id != user.pk:
        access.require(shortlist, user, OWNER)
    member.delete()


@transaction.atomic
def invite_withdraw(*, shortlist: Shortlist, user, invite: ShortlistInvite) -> None:
    """The owner withdraws an invitation; its link stops working at once."""
    access.require(shortlist, user, OWNER)
    if invite.shortlist_id != shortlist.pk:
        raise PermissionDenied
    invite.delete()
