"""Changes to vetted facts, held for an operator's approval.

On a published (or suspended) listing, an edit to a vetted fact (the name, the
organisation identifier, a certification, an impact report) is recorded as a
`PendingChange` holding the proposed values in their JSON form; the live rows
stay untouched, so the public profile and search keep the published values.
The provider sends the proposals for review (`providers.services.submission`);
an operator's approval writes them into the live rows (`pending_changes_apply`),
a rejection discards them with a reason (`pending_changes_discard`).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from impactdir.mail import send_templated_mail
from providers.models import (
    CertificationHolding,
    ImpactReport,
    ImpactReportGroup,
    ListingStatus,
    PendingChange,
    PendingChangeAction,
    PendingChangeKind,
    PendingChangeStatus,
    Provider,
    VerificationState,
)
from providers.services.access import listings_touch, require_member
from providers.services.catalogue import provider_refresh_derived
from providers.services.files import files_release
from providers.services.recipients import member_emails


def held_for_review(provider: Provider) -> bool:
    """Edits to vetted facts wait for approval on a live listing and on a suspended one,
    so reinstating a suspended listing can never publish facts nobody reviewed."""
    return provider.status in (ListingStatus.PUBLISHED, ListingStatus.SUSPENDED)


def _json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return value


def json_values(values: dict) -> dict:
    """Field values in the JSON form a proposal stores (dates, decimals, ids, file names)."""
    return {name: _json_value(value) for name, value in values.items()}


def assign_values(instance, values: dict) -> None:
    """Set field values given as model objects/Python values or as their JSON form."""
    for name, value in values.items():
        model_field = instance._meta.get_field(name)
        if model_field.many_to_one:
            setattr(instance, model_field.attname, _json_value(value))
        elif isinstance(value, str):
            setattr(instance, name, model_field.to_python(value))
        else:
            setattr(instance, name, value)


def report_groups_set(report: ImpactReport, groups: dict[int, int | None]) -> None:
    """Make the report's target-group counts exactly `groups` (target group id → workers)."""
    existing = {g.target_group_id: g for g in report.groups.all()}
    for group_id, row in existing.items():
        if group_id not in groups:
            row.delete()
    for group_id, workers in groups.items():
        row = existing.get(group_id) or ImpactReportGroup(report=report, target_group_id=group_id)
        if row.pk is None or row.workers != workers:
            row.workers = workers
            row.save()


def pending_change_propose(
    *,
    provider: Provider,
    user,
    kind: str,
    action: str,
    target_id: int | None,
    data: dict,
) -> PendingChange:
    """Record (or replace) the open proposal for one vetted thing of a published listing."""
    existing = None
    if target_id is not None or kind == PendingChangeKind.PROFILE:
        existing = PendingChange.objects.open().of_item(provider, kind, target_id).first()
    if existing is not None and existing.action == PendingChangeAction.CREATE:
        action = PendingChangeAction.CREATE
    if existing is not None and existing.action == action and existing.data == data:
        return existing  # saving the same proposal again keeps its place in the queue
    if existing is not None:
        files_release(evidence=[existing.data.get("evidence", "")])
    change = existing or PendingChange(provider=provider, kind=kind, target_id=target_id)
    change.action = action
    change.data = data
    change.proposed_by = user
    change.submitted_at = None
    change.save()
    return change


@transaction.atomic
def pending_change_withdraw(*, provider: Provider, user, change: PendingChange) -> None:
    """Drop an open proposal before an admin decides on it.

    The listing's row is locked first, as an operator's decision locks it, so a
    withdrawal and an approval of the same change cannot both go through.
    """
    require_member(provider, user)
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    change = PendingChange.objects.filter(pk=change.pk).first() or change
    if change.provider_id != provider.pk or change.status != PendingChangeStatus.PENDING:
        raise ValidationError(_("This change is no longer waiting for approval."))
    change.status = PendingChangeStatus.DISCARDED
    change.reason = _("Withdrawn by %(user)s.") % {"user": user}
    change.decided_at = timezone.now()
    change.save()
    files_release(evidence=[change.data.get("evidence", "")])


def _record_by(instance, user) -> None:
    """Name the admin in the history row (outside a request, the middleware cannot)."""
    if user is not None:
        instance._history_user = user


def pending_change_write(change: PendingChange, decided_by) -> None:
    """Write one proposal into the live row it adds, changes or removes.

    The caller marks the change applied; `decided_by` is named in the history.
    """
    provider = change.provider
    data = dict(change.data)
    if change.kind == PendingChangeKind.PROFILE:
        assign_values(provider, data)
        _record_by(provider, decided_by)
        provider.full_clean(exclude=["slug"])
        provider.save()
        return
    model = CertificationHolding if change.kind == PendingChangeKind.CERTIFICATION else ImpactReport
    if change.action == PendingChangeAction.DELETE:
        doomed = model.objects.filter(provider=provider, pk=change.target_id).first()
        if doomed is not None:
            _record_by(doomed, decided_by)
            doomed.delete()
            files_release(evidence=[doomed.evidence.name])
        return
    groups = data.pop("groups", None)
    if change.action == PendingChangeAction.CREATE:
        instance = model(provider=provider)
    else:
        instance = model.objects.filter(provider=provider, pk=change.target_id).first()
        if instance is None:
            files_release(evidence=[data.get("evidence", "")])
            return  # removed meanwhile; nothing left to change
    files_release(evidence=[instance.evidence.name, data.get("evidence", "")])
    assign_values(instance, data)
    if (
        change.kind == PendingChangeKind.CERTIFICATION
        and change.action == PendingChangeAction.UPDATE
    ):
        # Approving the change is not checking the certificate: it must be verified again.
        instance.verification = VerificationState.UNVERIFIED
    if change.kind == PendingChangeKind.REPORT and change.action == PendingChangeAction.UPDATE:
        # Nor is it checking the report: the directory must verify it again.
        instance.clear_directory_verification()
    instance.full_clean(exclude=["provider", "is_latest"])
    _record_by(instance, decided_by)
    instance.save()
    if groups is not None:
        report_groups_set(instance, {int(k): v for k, v in groups.items()})


@transaction.atomic
def pending_changes_apply(*, provider: Provider, decided_by=None) -> int:
    """Write a listing's submitted proposals into its live rows (called when an admin approves).

    Returns how many changes were applied. Raises ValidationError, changing nothing, when a
    proposal no longer fits the live data (for example a report period now taken).
    """
    # Apply onto the row as it is now (locked), never onto a copy the caller loaded earlier:
    # saving a stale copy would undo edits made since.
    live = Provider.objects.select_for_update().get(pk=provider.pk)
    changes = list(PendingChange.objects.submitted().filter(provider=live).select_for_update())
    now = timezone.now()
    for change in changes:
        change.provider = live
        pending_change_write(change, decided_by)
        change.status = PendingChangeStatus.APPLIED
        change.decided_at = now
        _record_by(change, decided_by)
        change.save()
    if changes:
        # An applied change is an edit of the listing: a new version, and "updated" now.
        listings_touch([provider.pk])
        provider_refresh_derived(provider=provider)
        provider.refresh_from_db()
        send_templated_mail(
            template="listings/changes_approved",
            to=member_emails(provider),
            context={"provider": provider, "changes": changes},
        )
    return len(changes)


@transaction.atomic
def pending_changes_discard(*, provider: Provider, reason: str, decided_by=None) -> int:
    """Turn down a listing's submitted proposals with a reason the provider sees."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: the provider will read it.")})
    changes = list(PendingChange.objects.submitted().filter(provider=provider))
    for change in changes:
        change.status = PendingChangeStatus.DISCARDED
        change.reason = reason
        change.decided_at = timezone.now()
        _record_by(change, decided_by)
        change.save()
        files_release(evidence=[change.data.get("evidence", "")])
    if changes:
        send_templated_mail(
            template="listings/changes_rejected",
            to=member_emails(provider),
            context={"provider": provider, "changes": changes, "reason": reason},
        )
    return len(changes)
