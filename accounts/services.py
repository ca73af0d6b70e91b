"""Writes to accounts that the site makes itself (allauth makes the rest)."""

from django.conf import settings
from django.db import transaction
from simple_history.models import HistoricalRecords

from impactdir.mail import send_templated_mail
from providers.models import Industry

from .models import User


@transaction.atomic
def account_delete(user) -> None:
    """Delete `user` and everything that is theirs, and tell them by e-mail.

    What goes with the account is what the privacy notice lists: sessions, shortlists
    and notes, saved searches, the inquiries they started, memberships and claims
    (the database's cascades). Listings they kept stay, with their other members or
    unclaimed; messages they wrote in other threads and the listings' history stay
    without their name. The e-mail leaves once the deletion has committed.
    """
    kept = [membership.provider.name for membership in user.memberships.select_related("provider")]
    send_templated_mail(
        template="accounts/account_deleted",
        to=[user.email],
        context={"name": user.name, "listings": kept, "contact_email": settings.CONTACT_EMAIL},
    )
    # The cascade writes history rows (a membership's deletion); simple_history would
    # name the request's user — this one — as their author, a row pointing at an
    # account that no longer exists. They are written without an author instead.
    context = HistoricalRecords.context
    request = getattr(context, "request", None)
    if request is not None:
        del context.request
    try:
        user.delete()
    finally:
        if request is not None:
            context.request = request


@transaction.atomic
def account_profile_update(
    *,
    user: User,
    name: str,
    organisation: str,
    industry: Industry | None,
    country: str,
    language: str,
) -> User:
    """Store who the user is as providers see them (name, organisation, industry, country),
    and the language of the site and e-mails for them ("" for not chosen)."""
    user.name = name
    user.organisation = organisation
    user.industry = industry
    user.country = country or ""
    user.language = language or ""
    user.save(update_fields=["name", "organisation", "industry", "country", "language"])
    return user


def account_language_set(*, user: User, language: str) -> User:
    """Store the language `user` chose with the switcher (one of settings.LANGUAGES)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"not a language of the site: {language!r}")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
