"""Reads of the ISSP dashboard: a user's listings, listings to claim, open proposals.

Each listing's completeness checklist comes from `providers.checklist`.
"""

from django.db.models import Exists, OuterRef

from providers.checklist import provider_checklist, with_checklist_facts
from providers.models import (
    Claim,
    ClaimStatus,
    Invitation,
    Membership,
    MembershipRole,
    PendingChange,
    Provider,
)


def dashboard_overview(*, user) -> dict:
    """The dashboard's first page: the user's listings with their checklists, their claims,
    and the invitations waiting for them, in a fixed number of queries."""
    providers = with_checklist_facts(Provider.objects.filter(memberships__user=user)).order_by(
        "name", "id"
    )
    roles = dict(Membership.objects.filter(user=user).values_list("provider_id", "role"))
    rows = [
        {
            "provider": p,
            "role": MembershipRole(roles[p.pk]).label,
            "checklist": provider_checklist(p),
        }
        for p in providers
    ]
    claims = Claim.objects.filter(user=user).select_related("provider")[:20]
    invitations = (
        Invitation.objects.usable()
        .filter(email__iexact=user.email)
        .exclude(provider__memberships__user=user)
        .select_related("provider")
    )
    return {"rows": rows, "claims": claims, "invitations": invitations}


def claimable_providers(*, user, query: str, limit: int = 20):
    """Published listings matching `query` by name that the user is not yet a member of."""
    query = (query or "").strip()
    if len(query) < 2:
        return Provider.objects.none()
    return (
        Provider.objects.published()
        .filter(name__icontains=query)
        .exclude(memberships__user=user)
        .annotate(
            claim_pending=Exists(
                Claim.objects.filter(provider=OuterRef("pk"), user=user, status=ClaimStatus.PENDING)
            )
        )
        .order_by("name", "id")[:limit]
    )


def pending_changes_for(provider: Provider):
    """The listing's open proposals, oldest first, with who proposed them."""
    return PendingChange.objects.open().filter(provider=provider).select_related("proposed_by")


def pending_change_for_target(provider: Provider, kind: str, target_id: int | None):
    """The open proposal for one vetted thing of the listing, or None."""
    return PendingChange.objects.open().of_item(provider, kind, target_id).first()
