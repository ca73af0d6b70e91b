"""Who is told by e-mail about a listing: its members, and the operators."""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model

from providers.models import Membership, Provider


def operator_emails() -> list[str]:
    """The addresses of the active operators (staff users)."""
    return list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def member_emails(provider: Provider) -> list[str]:
    """The addresses of the listing's active members, owners and editors."""
    return members_emails([provider]).get(provider.pk, [])


def members_emails(providers: Iterable[Provider]) -> dict[int, list[str]]:
    """`member_emails` of each listing, by its id, in one query (a listing without any: absent)."""
    rows = (
        Membership.objects.filter(provider__in=[p.pk for p in providers], user__is_active=True)
        .exclude(user__email="")
        .order_by("provider_id", "user__email")
        .values_list("provider_id", "user__email")
        .distinct()
    )
    emails = defaultdict(list)
    for provider_id, email in rows:
        emails[provider_id].append(email)
    return dict(emails)
