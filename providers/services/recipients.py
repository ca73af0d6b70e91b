"""Who is told by e-mail about a listing: its members, and the operators."""

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
    return list(
        Membership.objects.filter(provider=provider, user__is_active=True)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )
