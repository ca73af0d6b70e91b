"""Sending a listing, or a published listing's proposed changes, for review; taking it offline.

A draft, rejected or inactive listing is submitted once its checklist
(`providers.checklist.provider_checklist`) has nothing required left.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from impactdir.mail import send_templated_mail
from providers.checklist import provider_checklist
from providers.models import ListingStatus, PendingChange, PendingChangeStatus, Provider
from providers.services.access import listings_touch, require_member
from providers.services.catalogue import provider_refresh_derived
from providers.services.pending_changes import held_for_review, pending_change_write
from providers.services.recipients import member_emails, operator_emails

SUBMITTABLE = (ListingStatus.DRAFT, ListingStatus.REJECTED, ListingStatus.INACTIVE)


@transaction.atomic
def provider_submit(*, provider: Provider, user, base_url: str = "") -> str:
    """Send a listing (or a published listing's proposed changes) for review.

    A draft, rejected or inactive listing must be complete; it becomes `submitted`.
    A published (or suspended) listing keeps its status; its open proposals are sent to
    the admin queue.
    Admins and members are told by e-mail. Returns "listing" or "changes".
    """
    require_member(provider, user)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    context = {"provider": provider, "user": user, "base_url": base_url}
    if held_for_review(provider):
        unsent = PendingChange.objects.open().filter(provider=provider, submitted_at__isnull=True)
        changes = list(unsent)
        if changes:
            # One save per change (not a bulk UPDATE) so that each history records
            # who sent it for review, and when.
            now = timezone.now()
            for change in changes:
                change.submitted_at = now
                change._change_reason = _("Sent for review")
                change.save(update_fields=["submitted_at"])
            context["changes"] = changes
            send_templated_mail(
                template="listings/changes_submitted",
                to=operator_emails() + member_emails(provider),
                context=context,
            )
            return "changes"
        if provider.status == ListingStatus.PUBLISHED:
            raise ValidationError(_("There are no changes waiting to be sent for review."))
    if provider.status not in SUBMITTABLE:
        if provider.status == ListingStatus.SUBMITTED:
            raise ValidationError(_("This listing is already waiting for review."))
        raise ValidationError(
            _("A suspended listing cannot be submitted; please contact the directory team.")
        )
    checklist = provider_checklist(provider)
    if not checklist.complete:
        missing = ", ".join(item.label for item in checklist.blockers)
        raise ValidationError(
            _("The listing is not complete yet. Still missing: %(missing)s.") % {"missing": missing}
        )
    provider.status = ListingStatus.SUBMITTED
    provider.save()
    send_templated_mail(
        template="listings/submitted",
        to=operator_emails() + member_emails(provider),
        context=context,
    )
    return "listing"


@transaction.atomic
def provider_deactivate(*, provider: Provider, user) -> None:
    """An owner takes a published listing off the public site (published → inactive).

    Open proposals are written into the listing at once: it is no longer public, and
    everything is reviewed again when it is resubmitted.
    """
    require_member(provider, user, owner=True)
    live = Provider.objects.select_for_update().get(pk=provider.pk)
    if live.status != ListingStatus.PUBLISHED:
        raise ValidationError(_("Only a published listing can be taken offline."))
    for change in PendingChange.objects.open().filter(provider=live).select_for_update():
        change.provider = live
        pending_change_write(change, None)
        live.refresh_from_db()
        change.status = PendingChangeStatus.APPLIED
        change.reason = _("Applied when the listing was taken offline.")
        change.decided_at = timezone.now()
        change.save()
    live.status = ListingStatus.INACTIVE
    live.save()
    listings_touch([live.pk], updated=False)
    provider_refresh_derived(provider=live)
    provider.refresh_from_db()
