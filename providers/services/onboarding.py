"""Reaching a listing: ISSP staff create a draft (and own it) or claim a published one;
operators import unclaimed drafts in bulk (`provider_import_save`)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.text import slugify
from django.utils.translation import gettext as _

from impactdir.mail import send_templated_mail
from providers.models import (
    Claim,
    ClaimStatus,
    ListingStatus,
    Membership,
    MembershipRole,
    Provider,
    ProviderService,
    Service,
)
from providers.services.access import lock_version, require_issp
from providers.services.recipients import operator_emails


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "provider"
    slug, n = base, 2
    while Provider.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def provider_create(*, user, name: str) -> Provider:
    """Create a draft listing; the creator becomes its owner."""
    require_issp(user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give your organisation's name.")})
    provider = Provider(name=name, slug=_unique_slug(name), status=ListingStatus.DRAFT)
    provider.full_clean()
    provider.save()
    Membership.objects.create(provider=provider, user=user, role=MembershipRole.OWNER)
    return provider


def provider_is_importable(provider: Provider) -> bool:
    """Whether an import may write to this listing: a draft nobody has claimed yet.

    Everything else belongs to its team or has been vetted, so an import leaves it alone."""
    if provider.pk is None:
        return True
    return (
        provider.status == ListingStatus.DRAFT
        and not Membership.objects.filter(provider=provider).exists()
    )


#: The many-to-many fields an import may set (`provider_import_save`).
IMPORTABLE_RELATIONS = ("pricing_models", "delivery_modes", "industries", "languages", "markets")


@transaction.atomic
def provider_import_save(
    *,
    provider: Provider,
    services: list[Service] | None = None,
    related: dict[str, list] | None = None,
    reason: str,
    preview: bool = False,
) -> Provider:
    """Save one imported listing as an unclaimed draft, with one history row giving `reason`.

    A new listing gets a unique slug from its name, as `provider_create` gives it; an
    existing one must still be importable (`provider_is_importable`). `services`
    (leaf services) replaces the services offered unless it is None; `related` maps
    fields of `IMPORTABLE_RELATIONS` to their new values. Derived search data is the
    caller's to refresh, once for the whole import (`providers_refresh_derived`).
    With `preview` the caller rolls the writes back (an import's dry run): no history
    is recorded, as it would be thrown away.
    """
    if not provider_is_importable(provider):
        raise ValidationError(_("This listing is claimed or past the draft stage."))
    created = provider.pk is None
    if created:
        provider.slug = _unique_slug(provider.name)
    else:
        # An update claims the next version as every edit does, so an operator's open
        # admin form of this draft then refuses to overwrite what the import wrote.
        lock_version(provider, provider.version)
    provider.status = ListingStatus.DRAFT
    # The slug was just made unique; the model's constraints concern fields an import
    # cannot set (impact share, rejection reason) or that validators check (workforce
    # at least 1). The database enforces both all the same.
    provider.full_clean(validate_unique=False, validate_constraints=False)
    # simple-history records on post_save and on every many-to-many change; hold it
    # until the relations are set, so the listing gets one history row of its final state.
    provider.skip_history_when_saving = True
    try:
        provider.save()
        for field, values in (related or {}).items():
            if field not in IMPORTABLE_RELATIONS:
                raise ValueError(f"{field} cannot be imported")
            getattr(provider, field).set(values)
    finally:
        del provider.skip_history_when_saving
    provider._change_reason = reason
    post_save.send(
        sender=Provider,
        instance=provider,
        created=created,
        update_fields=None,
        raw=False,
        using=provider._state.db,
    )
    if services is not None:
        _services_replace(provider=provider, services=services, reason=reason, preview=preview)
    return provider


def _services_replace(
    *, provider: Provider, services: list[Service], reason: str, preview: bool
) -> None:
    wanted = {service.pk for service in services}
    for offering in ProviderService.objects.filter(provider=provider).exclude(
        service_id__in=wanted
    ):
        offering._change_reason = reason
        if preview:
            offering.skip_history_when_saving = True
        offering.delete()
    present = set(
        ProviderService.objects.filter(provider=provider).values_list("service_id", flat=True)
    )
    for service in services:
        if service.pk not in present:
            offering = ProviderService(provider=provider, service=service)
            offering._change_reason = reason
            if preview:
                offering.skip_history_when_saving = True
            offering.save()


@transaction.atomic
def claim_submit(*, user, provider: Provider, message: str, base_url: str = "") -> Claim:
    """Ask to manage an existing published listing; the claim waits in the admin queue."""
    require_issp(user)
    message = (message or "").strip()
    if provider.status != ListingStatus.PUBLISHED:
        raise ValidationError(_("Only published listings can be claimed."))
    if Membership.objects.filter(provider=provider, user=user).exists():
        raise ValidationError(_("You are already a member of this listing."))
    if not message:
        raise ValidationError({"message": _("Tell us how you are connected to this organisation.")})
    if Claim.objects.filter(provider=provider, user=user, status=ClaimStatus.PENDING).exists():
        raise ValidationError(_("You already have a claim on this listing waiting for review."))
    claim = Claim(provider=provider, user=user, message=message)
    claim.full_clean()
    claim.save()
    send_templated_mail(
        template="listings/claim_submitted",
        to=operator_emails(),
        context={"claim": claim, "provider": provider, "base_url": base_url},
    )
    return claim
