"""Writes to a user's own account."""

from django.db import transaction

from providers.models import Industry

from .models import User


@transaction.atomic
def account_profile_update(
    *, user: User, name: str, organisation: str, industry: Industry | None, country: str
) -> User:
    """Store who the user is as providers see them (name, organisation, industry, country)."""
    user.name = name
    user.organisation = organisation
    user.industry = industry
    user.country = country or ""
    user.save(update_fields=["name", "organisation", "industry", "country"])
    return user
