"""The visitor's compare selection: up to five published providers, kept in the session.

It works for anonymous visitors as well as signed-in ones (a buyer need not
have an account to compare), and lives only as long as the session. Only ids
are stored, so reading the selection's size (the "Compare (n)" link on every
page) costs no query; the compare page reads the providers themselves and
drops any that are no longer published.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from providers.models import Provider

from .selectors import MAX_COMPARE

SESSION_KEY = "compare"


def compare_ids(session) -> list[int]:
    """The ids in the selection, in the order they were added (never more than five)."""
    value = session.get(SESSION_KEY, [])
    if not isinstance(value, list):
        return []
    return [pk for pk in value if isinstance(pk, int)][:MAX_COMPARE]


def _store(session, ids: list[int]) -> None:
    if ids:
        session[SESSION_KEY] = ids
    else:
        session.pop(SESSION_KEY, None)


def compare_add(*, session, provider_id: int | None) -> Provider:
    """Add a published provider to the selection; returns it.

    Raises `ValidationError` (and changes nothing) for an id that names no
    published provider (a draft's id is not told apart from an unknown one),
    for a provider already chosen, and when five are chosen already.
    """
    provider = None
    if provider_id is not None:
        provider = Provider.objects.published().only("id", "name", "slug").filter(pk=provider_id)
        provider = provider.first()
    if provider is None:
        raise ValidationError(_("Only published providers can be compared; this one is not."))
    ids = compare_ids(session)
    if provider.pk in ids:
        raise ValidationError(
            _("%(name)s is already in your comparison.") % {"name": provider.name}
        )
    if len(ids) >= MAX_COMPARE:
        raise ValidationError(
            _(
                "You can compare at most %(max)d providers at once. Remove one before "
                "adding %(name)s."
            )
            % {"max": MAX_COMPARE, "name": provider.name}
        )
    _store(session, [*ids, provider.pk])
    return provider


def compare_remove(*, session, provider_id: int | None) -> bool:
    """Take a provider out of the selection; False if it was not in it."""
    ids = compare_ids(session)
    if provider_id not in ids:
        return False
    _store(session, [pk for pk in ids if pk != provider_id])
    return True


def compare_clear(*, session) -> None:
    """Empty the selection."""
    _store(session, [])


def compare_keep(*, session, provider_ids: list[int]) -> None:
    """Keep only the given ids (those still published), in their current order."""
    ids = compare_ids(session)
    kept = [pk for pk in ids if pk in set(provider_ids)]
    if kept != ids:
        _store(session, kept)
