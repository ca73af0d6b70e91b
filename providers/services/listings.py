"""ISSP self-service: create or claim a listing, edit its parts, submit it, manage the team.

Every write here:
- checks that the acting user is a member of the listing (owners for team changes),
- takes the listing's `version` the editor's form was loaded at and refuses the
  save with `StaleEditError` when someone else saved in between (optimistic
  locking: `filter(pk, version).update(version=F + 1)`),
- saves through model `.save()`/`.delete()` so django-simple-history records who
  changed what and when,
- on a published listing holds changes to vetted facts (name, organisation
  identifier, certifications, impact reports) as `PendingChange` rows until an
  admin approves them (`pending_changes_apply`), while other edits go live at once,
- names every logo or evidence file the change may have stopped using to
  `files_release`, which deletes the ones nothing needs once the change commits.
"""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from impactdir.mail import send_templated_mail
from providers.models import (
    CaseStudy,
    CertificationHolding,
    Claim,
    ClaimStatus,
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    Invitation,
    ListingStatus,
    Membership,
    MembershipRole,
    PendingChange,
    PendingChangeAction,
    PendingChangeKind,
    PendingChangeStatus,
    Provenance,
    Provider,
    ProviderService,
    TargetGroup,
    VerificationState,
)
from providers.services.catalogue import provider_refresh_derived
from providers.services.files import files_release

#: Facts an admin vets: on a published listing, changes to them wait for approval.
VETTED_PROFILE_FIELDS = ("name", "org_registry", "org_number")
#: Profile fields an ISSP edits on the profile page (the rest are set by admins or derived).
PROFILE_FIELDS = (
    "name",
    "tagline",
    "description",
    "website",
    "founded_year",
    "hq_country",
    "legal_form",
    "org_registry",
    "org_number",
    "workforce",
    "contact_name",
    "contact_email",
    "contact_phone",
)
PROFILE_M2M_FIELDS = ("pricing_models", "delivery_modes", "industries", "languages", "markets")
CERTIFICATION_FIELDS = (
    "certification",
    "scope",
    "certificate_number",
    "issued_on",
    "expires_on",
    "evidence",
)
REPORT_FIELDS = (
    "period_start",
    "period_end",
    "impact_worker_definition",
    "total_employees",
    "impact_workers",
    "employees_with_disabilities",
    "employees_low_income_areas",
    "women_employees",
    "min_wage_multiple",
    "living_wage_employees",
    "training_hours_per_employee",
    "average_tenure_months",
    "voluntary_turnover_pct",
    "placement_rate_pct",
    "provenance",
    "evidence",
    "verifier",
    "verified_on",
)
#: Counts of people in a report that are part of its total permanent employees.
REPORT_SUBGROUP_FIELDS = (
    "employees_with_disabilities",
    "employees_low_income_areas",
    "women_employees",
    "living_wage_employees",
)
CASE_STUDY_FIELDS = (
    "title",
    "client_industry",
    "service",
    "challenge",
    "approach",
    "results",
    "year",
    "client_quote",
    "quote_attribution",
)
SUBMITTABLE = (ListingStatus.DRAFT, ListingStatus.REJECTED, ListingStatus.INACTIVE)
INVITATION_VALID_FOR = datetime.timedelta(days=14)


class StaleEditError(ValidationError):
    """Someone else saved the listing after the editor loaded it."""


# --------------------------------------------------------------------------
# Guards
# --------------------------------------------------------------------------


def membership_for(*, provider: Provider, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(provider=provider, user=user).first()


def _require_member(provider: Provider, user, *, owner: bool = False) -> Membership:
    membership = membership_for(provider=provider, user=user)
    if membership is None:
        raise PermissionDenied(_("You are not a member of this listing."))
    if owner and membership.role != MembershipRole.OWNER:
        raise PermissionDenied(_("Only an owner of this listing can do this."))
    return membership


def _require_issp(user) -> None:
    if not (user.is_authenticated and user.is_issp):
        raise PermissionDenied(_("Only ISSP staff accounts can manage listings."))


def _lock(provider: Provider, version: int) -> None:
    """Claim the next version of the listing or refuse: someone saved since `version`."""
    updated = Provider.objects.filter(pk=provider.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise StaleEditError(
            _(
                "Someone else saved this listing while you were editing it. Your changes were "
                "not saved. Compare them with the current values below, then save again."
            ),
            code="stale",
        )
    provider.version = version + 1


# --------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------


def _admin_emails() -> list[str]:
    return list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _member_emails(provider: Provider) -> list[str]:
    return list(
        Membership.objects.filter(provider=provider, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )


# --------------------------------------------------------------------------
# Create and claim
# --------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "provider"
    slug, n = base, 2
    while Provider.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def provider_create(*, user, name: str) -> Provider:
    """Create a draft listing; the creator becomes its owner."""
    _require_issp(user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give your organisation's name.")})
    provider = Provider(name=name, slug=_unique_slug(name), status=ListingStatus.DRAFT)
    provider.full_clean()
    provider.save()
    Membership.objects.create(provider=provider, user=user, role=MembershipRole.OWNER)
    return provider


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


@transaction.atomic
def claim_submit(*, user, provider: Provider, message: str, base_url: str = "") -> Claim:
    """Ask to manage an existing published listing; the claim waits in the admin queue."""
    _require_issp(user)
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
        to=_admin_emails(),
        context={"claim": claim, "provider": provider, "base_url": base_url},
    )
    return claim


# --------------------------------------------------------------------------
# Pending changes to vetted facts
# --------------------------------------------------------------------------


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


def _serialise(values: dict) -> dict:
    return {name: _json_value(value) for name, value in values.items()}


def _assign(instance, values: dict) -> None:
    """Set field values given as model objects/Python values or as their JSON form."""
    for name, value in values.items():
        model_field = instance._meta.get_field(name)
        if model_field.many_to_one:
            setattr(instance, model_field.attname, _json_value(value))
        elif isinstance(value, str):
            setattr(instance, name, model_field.to_python(value))
        else:
            setattr(instance, name, value)


def _propose(
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
        existing = (
            PendingChange.objects.open()
            .filter(provider=provider, kind=kind, target_id=target_id)
            .first()
        )
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


def pending_changes_for(provider: Provider):
    return PendingChange.objects.open().filter(provider=provider).select_related("proposed_by")


def pending_change_for_target(provider: Provider, kind: str, target_id: int | None):
    return (
        PendingChange.objects.open()
        .filter(provider=provider, kind=kind, target_id=target_id)
        .first()
    )


@transaction.atomic
def pending_change_withdraw(*, provider: Provider, user, change: PendingChange) -> None:
    """Drop an open proposal before an admin decides on it."""
    _require_member(provider, user)
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


def _apply_change(change: PendingChange, decided_by) -> None:
    provider = change.provider
    data = dict(change.data)
    if change.kind == PendingChangeKind.PROFILE:
        _assign(provider, data)
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
    _assign(instance, data)
    if (
        change.kind == PendingChangeKind.CERTIFICATION
        and change.action == PendingChangeAction.UPDATE
    ):
        # Approving the change is not checking the certificate: it must be verified again.
        instance.verification = VerificationState.UNVERIFIED
    instance.full_clean(exclude=["provider", "is_latest"])
    _record_by(instance, decided_by)
    instance.save()
    if groups is not None:
        _set_report_groups(instance, {int(k): v for k, v in groups.items()})


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
        _apply_change(change, decided_by)
        change.status = PendingChangeStatus.APPLIED
        change.decided_at = now
        _record_by(change, decided_by)
        change.save()
    if changes:
        Provider.objects.filter(pk=provider.pk).update(version=F("version") + 1)
        provider_refresh_derived(provider=provider)
        provider.refresh_from_db()
        send_templated_mail(
            template="listings/changes_approved",
            to=_member_emails(provider),
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
            to=_member_emails(provider),
            context={"provider": provider, "changes": changes, "reason": reason},
        )
    return len(changes)


# --------------------------------------------------------------------------
# Editing parts
# --------------------------------------------------------------------------


@transaction.atomic
def provider_update_profile(*, provider: Provider, user, version: int, data: dict) -> list[str]:
    """Save the profile fields in `data`; returns the vetted fields held for approval."""
    _require_member(provider, user)
    _lock(provider, version)
    # Work on a fresh copy: a ModelForm may already have written its values into `provider`.
    live = Provider.objects.get(pk=provider.pk)
    held = _update_profile(live, user, data)
    provider.refresh_from_db()
    return held


def _update_profile(provider: Provider, user, data: dict) -> list[str]:
    values = {k: v for k, v in data.items() if k in PROFILE_FIELDS}
    m2m = {k: v for k, v in data.items() if k in PROFILE_M2M_FIELDS}
    held: list[str] = []
    if _held(provider):
        proposed = {}
        for name in VETTED_PROFILE_FIELDS:
            if name in values:
                new = values.pop(name)
                if new != getattr(provider, name):
                    proposed[name] = new
        open_change = pending_change_for_target(provider, PendingChangeKind.PROFILE, None)
        if proposed:
            check = Provider(**{n: getattr(provider, n) for n in PROFILE_FIELDS})
            _assign(check, proposed)
            check.full_clean(exclude=["slug"])
            _propose(
                provider=provider,
                user=user,
                kind=PendingChangeKind.PROFILE,
                action=PendingChangeAction.UPDATE,
                target_id=None,
                data=_serialise(proposed),
            )
            held = list(proposed)
        elif open_change:
            open_change.status = PendingChangeStatus.DISCARDED
            open_change.reason = _("Changed back to the published values.")
            open_change.decided_at = timezone.now()
            open_change.save()
    _assign(provider, values)
    provider.full_clean(exclude=["slug"])
    provider.save()
    for name, objects in m2m.items():
        getattr(provider, name).set(objects)
    return held


@dataclass
class ServiceRow:
    service: object
    voice: str = ""
    note: str = ""
    instance: ProviderService | None = None
    delete: bool = False


@transaction.atomic
def provider_update_services(
    *, provider: Provider, user, version: int, rows: list[ServiceRow]
) -> None:
    """Add, change and remove the services a listing offers."""
    _require_member(provider, user)
    _lock(provider, version)
    kept = [row for row in rows if not row.delete and row.service is not None]
    chosen = [row.service.pk for row in kept]
    if len(chosen) != len(set(chosen)):
        raise ValidationError(_("Each service can be listed only once."))
    for row in rows:
        if row.instance is not None and row.instance.provider_id != provider.pk:
            raise PermissionDenied(_("That service does not belong to this listing."))
        if row.delete and row.instance is not None and row.instance.pk:
            row.instance.delete()
    for row in kept:
        if row.service.parent_id is None:
            raise ValidationError(_("Choose a service, not a category."))
        offering = row.instance or ProviderService(provider=provider)
        offering.service = row.service
        offering.voice = row.voice or ""
        offering.note = row.note or ""
        offering.save()
    provider_refresh_derived(provider=provider)


@dataclass
class CentreRow:
    country: str
    city: str = ""
    seats: int | None = None
    headcount: int | None = None
    impact_workers: int | None = None
    languages: list = field(default_factory=list)
    instance: DeliveryCentre | None = None
    delete: bool = False


def centre_validate(*, headcount, impact_workers, seats=None) -> None:
    if headcount is not None and impact_workers is not None and impact_workers > headcount:
        raise ValidationError(
            {"impact_workers": _("Impact workers cannot exceed the centre's headcount.")}
        )


@transaction.atomic
def provider_update_centres(
    *, provider: Provider, user, version: int, rows: list[CentreRow]
) -> None:
    """Add, change and remove a listing's delivery centres."""
    _require_member(provider, user)
    _lock(provider, version)
    for row in rows:
        if row.instance is not None and row.instance.provider_id != provider.pk:
            raise PermissionDenied(_("That delivery centre does not belong to this listing."))
        if row.delete:
            if row.instance is not None and row.instance.pk:
                row.instance.delete()
            continue
        centre_validate(headcount=row.headcount, impact_workers=row.impact_workers)
        centre = row.instance or DeliveryCentre(provider=provider)
        centre.country = row.country
        centre.city = row.city or ""
        centre.seats = row.seats
        centre.headcount = row.headcount
        centre.impact_workers = row.impact_workers
        centre.full_clean(exclude=["provider"])
        centre.save()
        centre.languages.set(row.languages)
    provider_refresh_derived(provider=provider)


def _keep_evidence_on_file(provider: Provider, kind: str, item, values: dict) -> None:
    """Without a new upload, an edit keeps the evidence on file, or the one already proposed.

    The form never re-sends a file; dropping the key keeps the live row's evidence, and on
    a held listing the open proposal's evidence is carried into the new proposal (which
    replaces it), so editing a proposal again does not lose its document.
    """
    if values.get("evidence") not in (None, "") or item is None:
        return
    values.pop("evidence", None)
    if _held(provider):
        open_change = pending_change_for_target(provider, kind, item.pk)
        proposed = open_change.data.get("evidence") if open_change is not None else None
        if proposed and open_change.action == PendingChangeAction.UPDATE:
            values["evidence"] = proposed


def _held(provider: Provider) -> bool:
    """Edits to vetted facts wait for approval on a live listing and on a suspended one,
    so reinstating a suspended listing can never publish facts nobody reviewed."""
    return provider.status in (ListingStatus.PUBLISHED, ListingStatus.SUSPENDED)


@transaction.atomic
def certification_save(
    *,
    provider: Provider,
    user,
    version: int,
    data: dict,
    holding: CertificationHolding | None = None,
) -> CertificationHolding | PendingChange:
    """Add or change a certification held; on a published listing, propose it for approval."""
    _require_member(provider, user)
    if holding is not None and holding.provider_id != provider.pk:
        raise PermissionDenied(_("That certification does not belong to this listing."))
    _lock(provider, version)
    values = {k: v for k, v in data.items() if k in CERTIFICATION_FIELDS}
    _keep_evidence_on_file(provider, PendingChangeKind.CERTIFICATION, holding, values)
    candidate = holding or CertificationHolding(provider=provider)
    if holding is not None:
        candidate = CertificationHolding.objects.get(pk=holding.pk)
    _assign(candidate, values)
    candidate.full_clean(exclude=["provider"], validate_unique=False)
    duplicate = (
        CertificationHolding.objects.filter(
            provider=provider,
            certification_id=candidate.certification_id,
            certificate_number=candidate.certificate_number,
        )
        .exclude(pk=candidate.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError(_("This listing already holds this certificate."))
    if _held(provider):
        return _propose(
            provider=provider,
            user=user,
            kind=PendingChangeKind.CERTIFICATION,
            action=PendingChangeAction.UPDATE if holding else PendingChangeAction.CREATE,
            target_id=holding.pk if holding else None,
            data=_serialise(values),
        )
    if holding is not None:
        # A changed certificate must be checked again.
        candidate.verification = VerificationState.UNVERIFIED
        files_release(evidence=[holding.evidence.name])
    candidate.save()
    return candidate


@transaction.atomic
def certification_delete(
    *, provider: Provider, user, version: int, holding: CertificationHolding
) -> PendingChange | None:
    _require_member(provider, user)
    if holding.provider_id != provider.pk:
        raise PermissionDenied(_("That certification does not belong to this listing."))
    _lock(provider, version)
    if _held(provider):
        return _propose(
            provider=provider,
            user=user,
            kind=PendingChangeKind.CERTIFICATION,
            action=PendingChangeAction.DELETE,
            target_id=holding.pk,
            data={},
        )
    holding.delete()
    files_release(evidence=[holding.evidence.name])
    return None


def report_validate(values: dict, groups: dict[int, int | None]) -> None:
    """Check an impact report's figures against each other; raise ValidationError per field."""
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    start, end = values.get("period_start"), values.get("period_end")
    if start and end and end <= start:
        add("period_end", _("The period must end after it starts."))
    total = values.get("total_employees")
    impact = values.get("impact_workers")
    if total is not None and impact is not None and impact > total:
        add("impact_workers", _("Impact workers cannot exceed total permanent employees."))
    if total is not None:
        for name in REPORT_SUBGROUP_FIELDS:
            count = values.get(name)
            if count is not None and count > total:
                label = ImpactReport._meta.get_field(name).verbose_name
                add(
                    name,
                    _("%(figure)s cannot exceed total permanent employees (%(total)s).")
                    % {"figure": str(label).capitalize(), "total": total},
                )
    for name in ("voluntary_turnover_pct", "placement_rate_pct"):
        value = values.get(name)
        if value is not None and not (0 <= value <= 100):
            add(name, _("A percentage lies between 0 and 100."))
    counted = [n for n in groups.values() if n is not None]
    if impact is not None:
        for n in counted:
            if n > impact:
                add("groups", _("No target group can count more people than the impact workers."))
                break
        if sum(counted) > impact:
            add(
                "groups",
                _(
                    "The target-group counts add up to %(sum)s, more than the %(impact)s impact "
                    "workers. A person counted in two groups should be counted in one."
                )
                % {"sum": sum(counted), "impact": impact},
            )
    provenance = values.get("provenance")
    if provenance == Provenance.THIRD_PARTY and not values.get("verifier"):
        add("verifier", _("Name the third party that verified these figures."))
    if errors:
        raise ValidationError(errors)


def _set_report_groups(report: ImpactReport, groups: dict[int, int | None]) -> None:
    existing = {g.target_group_id: g for g in report.groups.all()}
    for group_id, row in existing.items():
        if group_id not in groups:
            row.delete()
    for group_id, workers in groups.items():
        row = existing.get(group_id) or ImpactReportGroup(report=report, target_group_id=group_id)
        if row.pk is None or row.workers != workers:
            row.workers = workers
            row.save()


@transaction.atomic
def report_save(
    *,
    provider: Provider,
    user,
    version: int,
    data: dict,
    groups: dict[int, int | None],
    report: ImpactReport | None = None,
) -> ImpactReport | PendingChange:
    """Add or change an impact report; on a published listing, propose it for approval."""
    _require_member(provider, user)
    if report is not None and report.provider_id != provider.pk:
        raise PermissionDenied(_("That report does not belong to this listing."))
    unknown = set(groups) - set(
        TargetGroup.objects.filter(pk__in=groups).values_list("pk", flat=True)
    )
    if unknown:
        raise ValidationError(_("Unknown target group."))
    _lock(provider, version)
    values = {k: v for k, v in data.items() if k in REPORT_FIELDS}
    _keep_evidence_on_file(provider, PendingChangeKind.REPORT, report, values)
    candidate = (
        ImpactReport.objects.get(pk=report.pk) if report else ImpactReport(provider=provider)
    )
    _assign(candidate, values)
    report_validate({n: getattr(candidate, n) for n in REPORT_FIELDS}, groups)
    if candidate.provenance == Provenance.DOCUMENTED and not candidate.evidence:
        raise ValidationError({"evidence": _("Attach the document that backs these figures.")})
    candidate.full_clean(exclude=["provider", "is_latest"], validate_unique=False)
    clash = (
        ImpactReport.objects.filter(
            provider=provider,
            period_start=candidate.period_start,
            period_end=candidate.period_end,
        )
        .exclude(pk=candidate.pk)
        .exists()
    )
    if clash:
        raise ValidationError(_("There is already a report for this period."))
    if _held(provider):
        payload = _serialise(values)
        payload["groups"] = {str(k): v for k, v in groups.items()}
        return _propose(
            provider=provider,
            user=user,
            kind=PendingChangeKind.REPORT,
            action=PendingChangeAction.UPDATE if report else PendingChangeAction.CREATE,
            target_id=report.pk if report else None,
            data=payload,
        )
    if report is not None:
        files_release(evidence=[report.evidence.name])
    candidate.save()
    _set_report_groups(candidate, groups)
    provider_refresh_derived(provider=provider)
    return candidate


@transaction.atomic
def report_delete(
    *, provider: Provider, user, version: int, report: ImpactReport
) -> PendingChange | None:
    _require_member(provider, user)
    if report.provider_id != provider.pk:
        raise PermissionDenied(_("That report does not belong to this listing."))
    _lock(provider, version)
    if _held(provider):
        return _propose(
            provider=provider,
            user=user,
            kind=PendingChangeKind.REPORT,
            action=PendingChangeAction.DELETE,
            target_id=report.pk,
            data={},
        )
    report.delete()
    files_release(evidence=[report.evidence.name])
    provider_refresh_derived(provider=provider)
    return None


@transaction.atomic
def case_study_save(
    *, provider: Provider, user, version: int, data: dict, case_study: CaseStudy | None = None
) -> CaseStudy:
    """Add or change a case study (not a vetted fact: live at once)."""
    _require_member(provider, user)
    if case_study is not None and case_study.provider_id != provider.pk:
        raise PermissionDenied(_("That case study does not belong to this listing."))
    _lock(provider, version)
    instance = case_study or CaseStudy(provider=provider)
    _assign(instance, {k: v for k, v in data.items() if k in CASE_STUDY_FIELDS})
    instance.full_clean(exclude=["provider"])
    instance.save()
    provider_refresh_derived(provider=provider)
    return instance


@transaction.atomic
def case_study_delete(*, provider: Provider, user, version: int, case_study: CaseStudy) -> None:
    _require_member(provider, user)
    if case_study.provider_id != provider.pk:
        raise PermissionDenied(_("That case study does not belong to this listing."))
    _lock(provider, version)
    case_study.delete()
    provider_refresh_derived(provider=provider)


@transaction.atomic
def provider_set_logo(*, provider: Provider, user, version: int, logo_name: str) -> None:
    """Point the listing at an already cleaned and stored logo (see providers.uploads)."""
    _require_member(provider, user)
    _lock(provider, version)
    files_release(logos=[_current_logo(provider)])
    provider.logo = logo_name
    provider.save()


@transaction.atomic
def provider_remove_logo(*, provider: Provider, user, version: int) -> None:
    _require_member(provider, user)
    _lock(provider, version)
    files_release(logos=[_current_logo(provider)])
    provider.logo = ""
    provider.save()


def _current_logo(provider: Provider) -> str:
    """The logo the (locked) row points at now, whatever the caller's copy says."""
    return Provider.objects.filter(pk=provider.pk).values_list("logo", flat=True).get()


# --------------------------------------------------------------------------
# Completeness and submission
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    required: bool


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]

    @property
    def score(self) -> int:
        """Share of all items done, as a whole percent."""
        return round(100 * sum(i.done for i in self.items) / len(self.items))

    @property
    def blockers(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.required and not i.done]

    @property
    def complete(self) -> bool:
        return not self.blockers


def with_checklist_facts(queryset):
    """Annotate what the checklist needs, so a list of listings costs one query."""
    return queryset.annotate(
        has_services=Exists(ProviderService.objects.filter(provider=OuterRef("pk"))),
        has_centres=Exists(DeliveryCentre.objects.filter(provider=OuterRef("pk"))),
        has_languages=Exists(Provider.languages.through.objects.filter(provider=OuterRef("pk"))),
        has_reports=Exists(ImpactReport.objects.filter(provider=OuterRef("pk"))),
        has_certifications=Exists(CertificationHolding.objects.filter(provider=OuterRef("pk"))),
        has_case_studies=Exists(CaseStudy.objects.filter(provider=OuterRef("pk"))),
        has_pending=Exists(PendingChange.objects.open().filter(provider=OuterRef("pk"))),
        has_unsent_pending=Exists(
            PendingChange.objects.open().filter(provider=OuterRef("pk"), submitted_at__isnull=True)
        ),
    )


def _fact(provider: Provider, name: str, exists) -> bool:
    value = getattr(provider, name, None)
    return bool(exists()) if value is None else bool(value)


CHECKLIST_LABELS = {
    "name": gettext_lazy("Organisation name"),
    "tagline": gettext_lazy("Tagline"),
    "description": gettext_lazy("Description"),
    "hq_country": gettext_lazy("Headquarters country"),
    "legal_form": gettext_lazy("Legal form"),
    "workforce": gettext_lazy("Total workforce"),
    "contact_email": gettext_lazy("Contact e-mail"),
    "services": gettext_lazy("At least one service"),
    "centres": gettext_lazy("At least one delivery centre"),
    "languages": gettext_lazy("At least one language of service"),
    "reports": gettext_lazy("An impact report"),
    "website": gettext_lazy("Website"),
    "founded_year": gettext_lazy("Year founded"),
    "org_identifier": gettext_lazy("Organisation identifier"),
    "logo": gettext_lazy("Logo"),
    "certifications": gettext_lazy("Certifications"),
    "case_studies": gettext_lazy("A case study"),
}


def provider_checklist(provider: Provider) -> Checklist:
    """What a listing needs before it can be submitted (required) and what makes it stronger."""
    required = {
        "name": bool(provider.name),
        "tagline": bool(provider.tagline),
        "description": bool(provider.description),
        "hq_country": bool(provider.hq_country),
        "legal_form": bool(provider.legal_form),
        "workforce": bool(provider.workforce),
        "contact_email": bool(provider.contact_email),
        "services": _fact(provider, "has_services", provider.services.exists),
        "centres": _fact(provider, "has_centres", provider.centres.exists),
        "languages": _fact(provider, "has_languages", provider.languages.exists),
        "reports": _fact(provider, "has_reports", provider.reports.exists),
    }
    recommended = {
        "website": bool(provider.website),
        "founded_year": bool(provider.founded_year),
        "org_identifier": bool(provider.org_registry and provider.org_number),
        "logo": bool(provider.logo),
        "certifications": _fact(provider, "has_certifications", provider.certifications.exists),
        "case_studies": _fact(provider, "has_case_studies", provider.case_studies.exists),
    }
    items = [ChecklistItem(str(CHECKLIST_LABELS[k]), v, True) for k, v in required.items()]
    items += [ChecklistItem(str(CHECKLIST_LABELS[k]), v, False) for k, v in recommended.items()]
    return Checklist(items)


@transaction.atomic
def provider_submit(*, provider: Provider, user, base_url: str = "") -> str:
    """Send a listing (or a published listing's proposed changes) for review.

    A draft, rejected or inactive listing must be complete; it becomes `submitted`.
    A published (or suspended) listing keeps its status; its open proposals are sent to
    the admin queue.
    Admins and members are told by e-mail. Returns "listing" or "changes".
    """
    _require_member(provider, user)
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    context = {"provider": provider, "user": user, "base_url": base_url}
    if _held(provider):
        unsent = PendingChange.objects.open().filter(provider=provider, submitted_at__isnull=True)
        changes = list(unsent)
        if changes:
            unsent.update(submitted_at=timezone.now())
            context["changes"] = changes
            send_templated_mail(
                template="listings/changes_submitted",
                to=_admin_emails() + _member_emails(provider),
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
        to=_admin_emails() + _member_emails(provider),
        context=context,
    )
    return "listing"


@transaction.atomic
def provider_deactivate(*, provider: Provider, user) -> None:
    """An owner takes a published listing off the public site (published → inactive).

    Open proposals are written into the listing at once: it is no longer public, and
    everything is reviewed again when it is resubmitted.
    """
    _require_member(provider, user, owner=True)
    live = Provider.objects.select_for_update().get(pk=provider.pk)
    if live.status != ListingStatus.PUBLISHED:
        raise ValidationError(_("Only a published listing can be taken offline."))
    for change in PendingChange.objects.open().filter(provider=live).select_for_update():
        change.provider = live
        _apply_change(change, None)
        live.refresh_from_db()
        change.status = PendingChangeStatus.APPLIED
        change.reason = _("Applied when the listing was taken offline.")
        change.decided_at = timezone.now()
        change.save()
    live.status = ListingStatus.INACTIVE
    live.save()
    Provider.objects.filter(pk=live.pk).update(version=F("version") + 1)
    provider_refresh_derived(provider=live)
    provider.refresh_from_db()


# --------------------------------------------------------------------------
# Team
# --------------------------------------------------------------------------


@transaction.atomic
def member_invite(
    *, provider: Provider, invited_by, email: str, role: str, base_url: str = ""
) -> Invitation:
    """Owner invites a colleague by e-mail address; they join once they accept.

    Whether the address has an account is never looked at: every invitee gets
    the same e-mail with a link to accept (signed in with that address, after
    signing up if need be), and the owner sees the same answer either way, so
    the form tells nobody who has an account, and nobody, an operator
    included, becomes a member without saying yes.
    """
    _require_member(provider, invited_by, owner=True)
    email = get_user_model().objects.normalize_email((email or "").strip())
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose owner or editor.")})
    if not email or "@" not in email:
        raise ValidationError({"email": _("Enter an e-mail address.")})
    # Both are on the team page already: saying so reveals nothing.
    if Membership.objects.filter(provider=provider, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    if Invitation.objects.usable().filter(provider=provider, email__iexact=email).exists():
        raise ValidationError({"email": _("An invitation to this address is already open.")})
    invitation = Invitation.objects.create(
        provider=provider,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    context = {
        "provider": provider,
        "invited_by": invited_by,
        "invitation": invitation,
        "accept_url": base_url + reverse("dashboard:invitation", args=[invitation.token]),
        "signup_url": base_url + reverse("account_signup"),
    }
    send_templated_mail(template="listings/invitation", to=[email], context=context)
    return invitation


def invitation_refusal(*, invitation: Invitation, user) -> str:
    """Why `user` may not accept the invitation, or "" when they may.

    Only the invited address's own account may: signed in with that address as
    its e-mail, and the address confirmed (an account made in the admin, say,
    has not shown it owns the address).
    """
    if not (user.is_authenticated and user.is_active):
        return _("Log in with the invited address to accept this invitation.")
    if user.email.lower() != invitation.email.lower():
        return _(
            "This invitation was sent to another e-mail address. Log out and log in (or sign "
            "up) with the invited address to accept it."
        )
    confirmed = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not confirmed:
        return _("Confirm your e-mail address first, then accept the invitation.")
    return ""


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """The invited person, logged in with the invited, confirmed address, joins."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired or was already used."))
    refusal = invitation_refusal(invitation=invitation, user=user)
    if refusal:
        raise PermissionDenied(refusal)
    membership, _created = Membership.objects.get_or_create(
        provider=invitation.provider, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save()
    return membership


@transaction.atomic
def member_remove(*, provider: Provider, removed_by, membership: Membership) -> None:
    """Owner removes a member; the last owner cannot be removed."""
    _require_member(provider, removed_by, owner=True)
    if membership.provider_id != provider.pk:
        raise PermissionDenied(_("That person is not a member of this listing."))
    owners = Membership.objects.select_for_update().filter(
        provider=provider, role=MembershipRole.OWNER
    )
    if membership.role == MembershipRole.OWNER and owners.count() <= 1:
        raise ValidationError(
            _("A listing needs at least one owner. Make someone else an owner first.")
        )
    membership.delete()


@transaction.atomic
def invitation_cancel(*, provider: Provider, cancelled_by, invitation: Invitation) -> None:
    _require_member(provider, cancelled_by, owner=True)
    if invitation.provider_id != provider.pk:
        raise PermissionDenied(_("That invitation is not for this listing."))
    invitation.delete()
