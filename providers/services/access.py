"""Who may change a listing, and optimistic locking of its edits.

Every ISSP write checks that the acting user is a member of the listing
(`require_member`; an owner for team changes; `require_member_or_operator` where
operators make the same edit in admin), then claims the next version of
the listing with `lock_version`: `filter(pk, version).update(version=F + 1)`,
where `version` is the one the editor's form was loaded at. Zero rows updated
means someone else saved in between: the save is refused with `StaleEditError`
and the editor is shown the current values.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.models import Membership, MembershipRole, Provider


class StaleEditError(ValidationError):
    """Someone else saved the listing after the editor loaded it."""


def membership_for(*, provider: Provider, user) -> Membership | None:
    """The user's membership of the listing, or None (always None when logged out)."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(provider=provider, user=user).first()


def require_member(provider: Provider, user, *, owner: bool = False) -> Membership:
    """The user's membership of the listing; PermissionDenied for anyone else (or a non-owner)."""
    membership = membership_for(provider=provider, user=user)
    if membership is None:
        raise PermissionDenied(_("You are not a member of this listing."))
    if owner and membership.role != MembershipRole.OWNER:
        raise PermissionDenied(_("Only an owner of this listing can do this."))
    return membership


def is_operator(user) -> bool:
    """A directory operator: active staff who may change listings in admin."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("providers.change_provider")
    )


def require_member_or_operator(provider: Provider, user) -> Membership | None:
    """The user's membership, or None for an operator; PermissionDenied for anyone else.

    For the edits operators make in admin through the same services as members.
    """
    if is_operator(user):
        return membership_for(provider=provider, user=user)
    return require_member(provider, user)


def require_issp(user) -> None:
    """PermissionDenied unless the user is signed in with an ISSP staff account."""
    if not (user.is_authenticated and user.is_issp):
        raise PermissionDenied(_("Only ISSP staff accounts can manage listings."))


def listings_touch(provider_ids, *, updated: bool = True) -> None:
    """Give each listing its next version (and, with `updated`, "updated" now) unconditionally:
    for writes that are already serialised (an operator's, an approval under its row lock),
    so that a member's form opened before them is refused as stale by `lock_version`."""
    values = {"version": F("version") + 1}
    if updated:
        values["updated_at"] = timezone.now()
    Provider.objects.filter(pk__in=list(provider_ids)).update(**values)


def lock_version(provider: Provider, version: int) -> None:
    """Claim the next version of the listing or refuse: someone saved since `version`."""
    updated = Provider.objects.filter(pk=provider.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise StaleEditError(
            _(
                "Someone else saved this listing while you were editing it. Your changes were "
                "not saved. Compare them with the current values below, then save again."
            ),
            code="stale",
        )
    provider.version = version + 1
