"""Reads of a shared shortlist: its group, the notes a person may see, the sharing page."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ..models import EntryNote, Shortlist, ShortlistInvite, ShortlistMember, ShortlistRole
from .access import OWNER, person_label


@dataclass(frozen=True)
class Person:
    """Someone in a shortlist's group as the others see them: a label and their rights."""

    label: str
    role: str  # "owner", "edit" or "read"
    is_you: bool = False

    @property
    def role_label(self) -> str:
        return _("Owner") if self.role == OWNER else ShortlistRole(self.role).label


def shortlist_members(*, shortlist: Shortlist) -> list[ShortlistMember]:
    """The shortlist's members with their users, in the order they joined (one query)."""
    return list(shortlist.members.select_related("user").order_by("joined_at", "id"))


def shortlist_group(*, shortlist: Shortlist, members: list[ShortlistMember], user) -> list[Person]:
    """The owner, then the members: names and organisations, never e-mail addresses.

    `shortlist.owner` should be loaded with it (`shortlist_for` does).
    """
    owner = shortlist.owner
    return [
        Person(label=person_label(owner), role=OWNER, is_you=owner.pk == user.pk),
        *(
            Person(label=person_label(m.user), role=m.role, is_you=m.user_id == user.pk)
            for m in members
        ),
    ]


def visible_notes(*, shortlist: Shortlist, user) -> QuerySet[EntryNote]:
    """The notes on the shortlist's entries the user may read: their own, and the notes the
    people now in the group share (an ex-member's notes are shown to nobody but them)."""
    in_group = Q(author_id=shortlist.owner_id) | Q(
        author__in=ShortlistMember.objects.filter(shortlist=shortlist).values("user_id")
    )
    return (
        EntryNote.objects.filter(entry__shortlist=shortlist)
        .filter(Q(author=user) | (Q(shared=True) & in_group))
        .select_related("author")
        .order_by("updated_at", "id")
    )


@dataclass
class EntryNotes:
    """One entry's notes as one person sees them."""

    own: EntryNote | None = None
    others: list[tuple[str, EntryNote]] = field(default_factory=list)


def notes_by_entry(*, shortlist: Shortlist, user) -> dict[int, EntryNotes]:
    """Per entry id: the user's own note and the others' shared ones, with their authors' labels."""
    by_entry = defaultdict(EntryNotes)
    for note in visible_notes(shortlist=shortlist, user=user):
        if note.author_id == user.pk:
            by_entry[note.entry_id].own = note
        else:
            by_entry[note.entry_id].others.append((person_label(note.author), note))
    return by_entry


def open_invites(*, shortlist: Shortlist) -> QuerySet[ShortlistInvite]:
    return shortlist.invites.open().order_by("created_at", "id")
