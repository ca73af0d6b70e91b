"""Who may do what with a shortlist: its owner, the members it is shared with, nobody else.

Every shortlist URL finds its shortlist through `shortlist_for`, one query
that also reads the visitor's rights, so a revoked member is refused on their
very next request. Anyone the shortlist is not shared with gets a 404 (they
learn nothing of it); a member without the rights a URL needs gets a 403.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from ..models import Shortlist, ShortlistMember, ShortlistRole

OWNER = "owner"

#: What each level allows, in order: a role allows its own level and those before it.
LEVELS = ("read", "edit", OWNER)


@dataclass(frozen=True)
class Access:
    """A shortlist and what the visitor may do with it."""

    shortlist: Shortlist
    role: str  # "owner", "edit" or "read"

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER

    @property
    def can_edit(self) -> bool:
        return self.role in (OWNER, ShortlistRole.EDIT)

    def allows(self, level: str) -> bool:
        return LEVELS.index(self.role) >= LEVELS.index(level)


def shortlist_for(*, user, pk: int, level: str = "read") -> Access:
    """The shortlist `pk` if the user may reach it at `level` ("read", "edit" or "owner").

    Http404 when it is not the user's nor shared with them; PermissionDenied when
    they are a member without the rights `level` needs.
    """
    shortlist = Shortlist.objects.visible_to(user).select_related("owner").filter(pk=pk).first()
    if shortlist is None:
        raise Http404
    access = Access(
        shortlist=shortlist,
        role=OWNER if shortlist.owner_id == user.pk else shortlist.member_role,
    )
    if not access.allows(level):
        raise PermissionDenied
    return access


def role_of(shortlist: Shortlist, user) -> str | None:
    """The user's role on the shortlist, read from the database now (None: no access)."""
    if not user.is_authenticated:
        return None
    if shortlist.owner_id == user.pk:
        return OWNER
    return (
        ShortlistMember.objects.filter(shortlist_id=shortlist.pk, user=user)
        .values_list("role", flat=True)
        .first()
    )


def require(shortlist: Shortlist, user, level: str) -> str:
    """Raise PermissionDenied unless the user may act on the shortlist at `level` now."""
    role = role_of(shortlist, user)
    if role is None or LEVELS.index(role) < LEVELS.index(level):
        raise PermissionDenied
    return role


def person_label(user, fallback: str = "") -> str:
    """How the people of a group see each other: name and organisation, never the address."""
    name, organisation = user.name.strip(), user.organisation.strip()
    if name and organisation:
        return _("%(name)s (%(organisation)s)") % {"name": name, "organisation": organisation}
    if name:
        return name
    if organisation:
        return _("Someone at %(organisation)s") % {"organisation": organisation}
    return fallback or _("Someone who has not given a name")
