"""Operators' decisions on listings and claims.

Every decision here is the single place it happens: the admin actions call
these functions and nothing else changes a listing's status on an operator's
behalf. Each one locks the row it decides on, refuses a transition the listing
lifecycle does not allow (with a `ValidationError` saying why), saves through
the model so django-simple-history records who decided and why, and e-mails the
people concerned once the decision is committed.

The listing lifecycle: draft → submitted → published | rejected; published →
suspended (operator) or inactive (provider); suspended → published only when an
operator reinstates it (the provider cannot resubmit a suspended listing, see
`listing_reinstate`). Verification records what an operator checked; it is not
a status.

Edits a provider makes to vetted facts of a published listing wait as
`PendingChange` rows; `changes_approve` and `changes_reject` decide the ones the
provider sent for review.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from impactdir.mail import send_templated_mail
from providers.models import (
    REPORT_VERIFICATION_FIELDS,
    CertificationHolding,
    Claim,
    ClaimStatus,
    ImpactReport,
    ListingStatus,
    Membership,
    MembershipRole,
    PendingChange,
    Provider,
    VerificationState,
)
from providers.services.pending_changes import pending_changes_apply, pending_changes_discard
from providers.services.recipients import member_emails

#: History keeps reasons as text (SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD); this
#: only bounds what one reason may hold.
CHANGE_REASON_MAX_LENGTH = 2000

#: Statuses from which an operator may record a verification: the listing has
#: been put in front of operators and is not withdrawn.
VERIFIABLE_STATUSES = frozenset(
    {ListingStatus.SUBMITTED, ListingStatus.PUBLISHED, ListingStatus.SUSPENDED}
)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def change_reason_text(text: str) -> str:
    """A reason as the history keeps it: one line, at most CHANGE_REASON_MAX_LENGTH."""
    return Truncator(" ".join(text.split())).chars(CHANGE_REASON_MAX_LENGTH)


def _required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message}, code="required")
    return text


def _lock(instance):
    """Re-read `instance` under a row lock so two operators cannot decide at once."""
    instance.refresh_from_db(from_queryset=type(instance).objects.select_for_update())
    return instance


def _require_status(provider: Provider, allowed: Iterable[str], *, message: str) -> None:
    """Refuse the decision unless the listing is in one of the `allowed` statuses.

    `message` is a whole translatable sentence with %(name)s and %(status)s.
    """
    if provider.status not in allowed:
        raise ValidationError(
            message % {"name": provider.name, "status": provider.get_status_display().lower()},
            code="invalid_transition",
        )


def _save(instance, *, by: User, reason: str, update_fields: list[str]) -> None:
    # django-simple-history reads these two attributes when it writes the
    # historical row for this save.
    instance._history_user = by
    instance._change_reason = change_reason_text(reason)
    instance.save(update_fields=update_fields)


def _notify_members(provider: Provider, *, template: str, extra: dict | None = None) -> None:
    """E-mail every member once the decision is committed (a failure never undoes it)."""
    send_templated_mail(
        template=f"vetting/{template}",
        to=member_emails(provider),
        context={"provider": provider, **(extra or {})},
    )


# --------------------------------------------------------------------------
# Listings
# --------------------------------------------------------------------------


@transaction.atomic
def listing_approve(*, provider: Provider, by: User) -> Provider:
    """Publish a submitted listing.

    Only a submitted listing can be approved. Sets `published_at` on its first
    publication, clears any earlier rejection reason, records the decision in
    the history as made by `by`, and e-mails every member of the provider.
    This is the one place approval happens.
    """
    _lock(provider)
    _require_status(
        provider,
        [ListingStatus.SUBMITTED],
        message=_("Only a submitted listing can be approved; “%(name)s” is %(status)s."),
    )
    now = timezone.now()
    provider.status = ListingStatus.PUBLISHED
    provider.rejection_reason = ""
    update_fields = ["status", "rejection_reason", "updated_at"]
    if provider.published_at is None:
        provider.published_at = now
        update_fields.append("published_at")
    _save(provider, by=by, reason="Approved", update_fields=update_fields)
    _notify_members(
        provider,
        template="listing_approved",
    )
    return provider


@transaction.atomic
def listing_reject(*, provider: Provider, by: User, reason: str) -> Provider:
    """Reject a submitted listing with a reason the provider sees.

    The reason is required and must not be blank. It is stored on the listing,
    recorded in the history with `by`, and e-mailed to every member.
    """
    reason = _required_text(
        reason, field="reason", message=_("Give a reason: the provider will read it.")
    )
    _lock(provider)
    _require_status(
        provider,
        [ListingStatus.SUBMITTED],
        message=_("Only a submitted listing can be rejected; “%(name)s” is %(status)s."),
    )
    provider.status = ListingStatus.REJECTED
    provider.rejection_reason = reason
    _save(
        provider,
        by=by,
        reason=f"Rejected: {reason}",
        update_fields=["status", "rejection_reason", "updated_at"],
    )
    _notify_members(
        provider,
        template="listing_rejected",
        extra={"reason": reason},
    )
    return provider


@transaction.atomic
def listing_suspend(*, provider: Provider, by: User, reason: str = "") -> Provider:
    """Take a published listing off the public site.

    Only a published listing can be suspended. The optional reason goes into
    the history (with `by`) and into the e-mail to every member.
    """
    reason = (reason or "").strip()
    _lock(provider)
    _require_status(
        provider,
        [ListingStatus.PUBLISHED],
        message=_("Only a published listing can be suspended; “%(name)s” is %(status)s."),
    )
    provider.status = ListingStatus.SUSPENDED
    _save(
        provider,
        by=by,
        reason=f"Suspended: {reason}" if reason else "Suspended",
        update_fields=["status", "updated_at"],
    )
    _notify_members(
        provider,
        template="listing_suspended",
        extra={"reason": reason},
    )
    return provider


@transaction.atomic
def listing_reinstate(*, provider: Provider, by: User, note: str = "") -> Provider:
    """Put a suspended listing back on the public site once its problem is resolved.

    Only a suspended listing can be reinstated, and only by an operator: the
    provider cannot resubmit a suspended listing (`provider_submit` refuses and
    tells them to contact the directory team). Edits to vetted facts made while
    it was suspended wait as pending changes, so reinstating publishes nothing
    unreviewed. The optional note goes into the history (with `by`) and into
    the e-mail to every member.
    """
    note = (note or "").strip()
    _lock(provider)
    _require_status(
        provider,
        [ListingStatus.SUSPENDED],
        message=_("Only a suspended listing can be reinstated; “%(name)s” is %(status)s."),
    )
    provider.status = ListingStatus.PUBLISHED
    _save(
        provider,
        by=by,
        reason=f"Reinstated: {note}" if note else "Reinstated",
        update_fields=["status", "updated_at"],
    )
    _notify_members(
        provider,
        template="listing_reinstated",
        extra={"note": note},
    )
    return provider


@transaction.atomic
def listing_verify(*, provider: Provider, by: User, notes: str) -> Provider:
    """Record that an operator checked a listing's facts, and what was checked.

    Allowed for submitted, published and suspended listings. Sets
    `verified_at` (now), `verified_by` and `verification_notes` (required, not
    blank); a later verification replaces the earlier one. Recorded in the
    history with `by`. Sends no e-mail.
    """
    notes = _required_text(
        notes, field="notes", message=_("Say what was checked, for example the registry entry.")
    )
    _lock(provider)
    _require_status(
        provider,
        VERIFIABLE_STATUSES,
        message=_(
            "Only a submitted, published or suspended listing can be verified; "
            "“%(name)s” is %(status)s."
        ),
    )
    provider.verified_at = timezone.now()
    provider.verified_by = by
    provider.verification_notes = notes
    _save(
        provider,
        by=by,
        reason=f"Verified: {notes}",
        update_fields=["verified_at", "verified_by", "verification_notes", "updated_at"],
    )
    return provider


@transaction.atomic
def certification_holding_set_verification(
    *, holding: CertificationHolding, by: User, state: str
) -> CertificationHolding:
    """Record an operator's check of one certification holding (certificate and evidence).

    `state` is a `VerificationState` value; anything else is refused. Recorded
    in the holding's history with `by`. Sends no e-mail.
    """
    if state not in VerificationState.values:
        raise ValidationError(
            _("Unknown verification state “%(state)s”.") % {"state": state}, code="invalid"
        )
    _lock(holding)
    holding.verification = state
    _save(
        holding,
        by=by,
        reason=f"Verification: {VerificationState(state).label}",
        update_fields=["verification"],
    )
    return holding


@transaction.atomic
def report_set_verification(
    *, report: ImpactReport, by: User, state: str, notes: str = ""
) -> ImpactReport:
    """Record the directory's own check of an impact report: what was checked, by whom, when.

    This is the directory's verification, apart from the report's provenance
    (the provider's claim that it is self-reported, document-backed or verified
    by a third party). `state` is a `VerificationState` value; anything else is
    refused. Verified and could-not-be-verified need `notes` saying what was
    checked (required, not blank) and record `by` and now as who checked and
    when; unverified clears the check. Recorded in the report's history with
    `by`. Sends no e-mail. Editing the report afterwards sets it back to
    unverified (`ImpactReport.clear_directory_verification`).
    """
    if state not in VerificationState.values:
        raise ValidationError(
            _("Unknown verification state “%(state)s”.") % {"state": state}, code="invalid"
        )
    if state == VerificationState.UNVERIFIED:
        notes = ""
    else:
        notes = _required_text(
            notes,
            field="notes",
            message=_("Say what was checked, for example the payroll summary or the auditor."),
        )
    _lock(report)
    checked = state != VerificationState.UNVERIFIED
    report.directory_verification = state
    report.directory_verification_notes = notes
    report.directory_verified_by = by if checked else None
    report.directory_verified_at = timezone.now() if checked else None
    label = VerificationState(state).label
    _save(
        report,
        by=by,
        reason=f"Directory verification: {label}: {notes}" if notes else f"Verification: {label}",
        update_fields=list(REPORT_VERIFICATION_FIELDS),
    )
    return report


# --------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------


def _require_pending(claim: Claim) -> None:
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError(
            _("This claim was already decided (%(status)s).")
            % {"status": claim.get_status_display().lower()},
            code="already_decided",
        )


def _notify_claimant(claim: Claim, *, template: str, extra: dict | None = None) -> None:
    send_templated_mail(
        template=f"vetting/{template}",
        to=[claim.user.email],
        context={"claim": claim, "provider": claim.provider, **(extra or {})},
    )


@transaction.atomic
def claim_approve(*, claim: Claim, by: User) -> Claim:
    """Grant a pending claim: the claimant becomes an owner of the listing.

    An existing membership is raised to owner. The claim is marked approved by
    `by`, both changes are recorded in the history, and the claimant is
    e-mailed.
    """
    _lock(claim)
    _require_pending(claim)
    membership = Membership.objects.filter(provider=claim.provider, user=claim.user).first()
    if membership is None:
        membership = Membership(provider=claim.provider, user=claim.user, role=MembershipRole.OWNER)
        _save(membership, by=by, reason="Claim approved", update_fields=None)
    elif membership.role != MembershipRole.OWNER:
        membership.role = MembershipRole.OWNER
        _save(membership, by=by, reason="Claim approved", update_fields=["role"])

    claim.status = ClaimStatus.APPROVED
    claim.decided_by = by
    claim.decided_at = timezone.now()
    _save(
        claim,
        by=by,
        reason="Approved",
        update_fields=["status", "decided_by", "decided_at"],
    )
    # Buyers may have written while nobody managed the listing: their inquiries wait.
    waiting = claim.provider.inquiries.filter(answered_at__isnull=True).count()
    _notify_claimant(
        claim,
        template="claim_approved",
        extra={
            "waiting_inquiries": waiting,
            "inbox_url": settings.SITE_URL + reverse("dashboard:inbox"),
        },
    )
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, by: User, reason: str) -> Claim:
    """Refuse a pending claim with a reason the claimant is e-mailed.

    The reason is required and must not be blank; no membership is created.
    """
    reason = _required_text(
        reason, field="reason", message=_("Give a reason: the claimant will read it.")
    )
    _lock(claim)
    _require_pending(claim)
    claim.status = ClaimStatus.REJECTED
    claim.reason = reason
    claim.decided_by = by
    claim.decided_at = timezone.now()
    _save(
        claim,
        by=by,
        reason=f"Rejected: {reason}",
        update_fields=["status", "reason", "decided_by", "decided_at"],
    )
    _notify_claimant(
        claim,
        template="claim_rejected",
    )
    return claim


# --------------------------------------------------------------------------
# Changes to vetted facts of a published listing
# --------------------------------------------------------------------------

#: A listing's sent changes can be decided while it is live, and while it is
#: suspended (the suspension leaves them waiting).
CHANGES_DECIDABLE_STATUSES = frozenset({ListingStatus.PUBLISHED, ListingStatus.SUSPENDED})


def _require_submitted_changes(provider: Provider) -> list[PendingChange]:
    """The changes the provider sent for review, locked; refuse when there are none."""
    _require_status(
        provider,
        CHANGES_DECIDABLE_STATUSES,
        message=_(
            "Only changes to a published or suspended listing can be decided; "
            "“%(name)s” is %(status)s."
        ),
    )
    changes = list(PendingChange.objects.submitted().filter(provider=provider).select_for_update())
    if not changes:
        raise ValidationError(
            _("“%(name)s” has no changes sent for review, so there is nothing to decide.")
            % {"name": provider.name},
            code="nothing_to_decide",
        )
    return changes


def _changes_summary(changes: list[PendingChange]) -> str:
    return ", ".join(f"{c.get_action_display()} {c.get_kind_display()}".lower() for c in changes)


@transaction.atomic
def changes_approve(*, provider: Provider, by: User) -> int:
    """Apply the changes to vetted facts that a provider sent for review.

    Refuses (ValidationError, nothing changed) when the listing has no sent
    changes or a change no longer fits the live data. Otherwise
    `pending_changes.pending_changes_apply` writes them into the live rows, marks them
    applied with `by` in their history, refreshes search data and e-mails the
    members; this function adds the decision to the listing's own history
    ("Changes approved: …", by `by`). Changes the provider has not sent yet stay
    waiting. Returns how many changes were applied.
    """
    _lock(provider)
    changes = _require_submitted_changes(provider)
    try:
        applied = pending_changes_apply(provider=provider, decided_by=by)
    except IntegrityError:
        # Two proposals can each fit the live data yet clash with each other
        # (for example two new reports for one period); the database says so.
        raise ValidationError(
            _(
                "The changes to “%(name)s” clash with each other or with the live listing "
                "(for example two reports for one period), so none were applied. Reject them "
                "with a reason so the provider can correct them."
            )
            % {"name": provider.name},
            code="clash",
        ) from None
    _lock(provider)
    _save(
        provider,
        by=by,
        reason=f"Changes approved: {_changes_summary(changes)}",
        update_fields=["updated_at"],
    )
    return applied


@transaction.atomic
def changes_reject(*, provider: Provider, by: User, reason: str) -> int:
    """Turn down the changes a provider sent for review, with a reason they see.

    The reason is required and must not be blank. The published values stay as
    they are. `pending_changes.pending_changes_discard` marks the changes not approved
    (with `by` in their history) and e-mails the reason to the members; this
    function adds the decision to the listing's history ("Changes rejected: …",
    by `by`). Returns how many changes were turned down.
    """
    reason = _required_text(
        reason, field="reason", message=_("Give a reason: the provider will read it.")
    )
    _lock(provider)
    _require_submitted_changes(provider)
    rejected = pending_changes_discard(provider=provider, reason=reason, decided_by=by)
    _save(
        provider,
        by=by,
        reason=f"Changes rejected: {reason}",
        update_fields=["updated_at"],
    )
    return rejected
