"""Edits ISSP staff make to their listing, part by part.

The profile, services offered, delivery centres, certifications, impact
reports, case studies and the logo. Every write checks membership and takes the listing's version
(`providers.services.access`), saves through the models so the history records
who changed what, and refreshes the derived search data. On a listing held for
review (`held_for_review`), changes to vetted facts become proposals
(`providers.services.pending_changes`) while the other edits go live at once.
Files a change may have stopped using are named to `files_release`, which
deletes the ones nothing needs once the change commits.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.models import (
    CaseStudy,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
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
from providers.services.access import lock_version, require_member, require_member_or_operator
from providers.services.catalogue import provider_refresh_derived
from providers.services.files import files_release
from providers.services.pending_changes import (
    assign_values,
    held_for_review,
    json_values,
    pending_change_propose,
    report_groups_set,
)

#: Facts an admin vets: on a published listing, changes to them wait for approval. Who
#: provides the service (a dedicated provider or an outsourcer's programme, and its parent
#: company) is such a fact: buyers choose by it, and an operator checks it at vetting.
VETTED_PROFILE_FIELDS = ("name", "org_registry", "org_number", "provider_type", "parent_company")
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
    "provider_type",
    "parent_company",
    "workforce",
    "contact_name",
    "contact_email",
    "contact_phone",
)
#: Partnerships offered and sought are the provider's own statement of intent (like the
#: languages it serves in): they go live at once, also on a published listing.
PROFILE_M2M_FIELDS = (
    "pricing_models",
    "delivery_modes",
    "industries",
    "languages",
    "markets",
    "listing_languages",
    "partnerships_offered",
    "partnerships_sought",
)
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


@transaction.atomic
def provider_update_profile(*, provider: Provider, user, version: int, data: dict) -> list[str]:
    """Save the profile fields in `data`; returns the vetted fields held for approval."""
    require_member(provider, user)
    lock_version(provider, version)
    # Work on a fresh copy: a ModelForm may already have written its values into `provider`.
    live = Provider.objects.get(pk=provider.pk)
    held = _update_profile(live, user, data)
    provider.refresh_from_db()
    return held


def _update_profile(provider: Provider, user, data: dict) -> list[str]:
    values = {k: v for k, v in data.items() if k in PROFILE_FIELDS}
    m2m = {k: v for k, v in data.items() if k in PROFILE_M2M_FIELDS}
    held: list[str] = []
    if held_for_review(provider):
        proposed = {}
        for name in VETTED_PROFILE_FIELDS:
            if name in values:
                new = values.pop(name)
                if new != getattr(provider, name):
                    proposed[name] = new
        open_change = (
            PendingChange.objects.open().of_item(provider, PendingChangeKind.PROFILE).first()
        )
        if proposed:
            check = Provider(**{n: getattr(provider, n) for n in PROFILE_FIELDS})
            assign_values(check, proposed)
            check.full_clean(exclude=["slug"])
            pending_change_propose(
                provider=provider,
                user=user,
                kind=PendingChangeKind.PROFILE,
                action=PendingChangeAction.UPDATE,
                target_id=None,
                data=json_values(proposed),
            )
            held = list(proposed)
        elif open_change:
            open_change.status = PendingChangeStatus.DISCARDED
            open_change.reason = _("Changed back to the published values.")
            open_change.decided_at = timezone.now()
            open_change.save()
    assign_values(provider, values)
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
    require_member(provider, user)
    lock_version(provider, version)
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
    """Refuse a centre with more impact workers than people (the form checks the same)."""
    if headcount is not None and impact_workers is not None and impact_workers > headcount:
        raise ValidationError(
            {"impact_workers": _("Impact workers cannot exceed the centre's headcount.")}
        )


@transaction.atomic
def provider_update_centres(
    *, provider: Provider, user, version: int, rows: list[CentreRow]
) -> None:
    """Add, change and remove a listing's delivery centres."""
    require_member(provider, user)
    lock_version(provider, version)
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
    if held_for_review(provider):
        open_change = PendingChange.objects.open().of_item(provider, kind, item.pk).first()
        proposed = open_change.data.get("evidence") if open_change is not None else None
        if proposed and open_change.action == PendingChangeAction.UPDATE:
            values["evidence"] = proposed


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
    require_member(provider, user)
    if holding is not None and holding.provider_id != provider.pk:
        raise PermissionDenied(_("That certification does not belong to this listing."))
    lock_version(provider, version)
    values = {k: v for k, v in data.items() if k in CERTIFICATION_FIELDS}
    _keep_evidence_on_file(provider, PendingChangeKind.CERTIFICATION, holding, values)
    candidate = holding or CertificationHolding(provider=provider)
    if holding is not None:
        candidate = CertificationHolding.objects.get(pk=holding.pk)
    assign_values(candidate, values)
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
    if held_for_review(provider):
        return pending_change_propose(
            provider=provider,
            user=user,
            kind=PendingChangeKind.CERTIFICATION,
            action=PendingChangeAction.UPDATE if holding else PendingChangeAction.CREATE,
            target_id=holding.pk if holding else None,
            data=json_values(values),
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
    """Remove a certification held; on a listing held for review, propose the removal."""
    require_member(provider, user)
    if holding.provider_id != provider.pk:
        raise PermissionDenied(_("That certification does not belong to this listing."))
    lock_version(provider, version)
    if held_for_review(provider):
        return pending_change_propose(
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


def _report_contents(report: ImpactReport, groups: dict[int, int | None] | None = None):
    """What a report says (its fields and target-group counts), to tell whether an edit
    changed it; `groups` are the counts about to be saved, else the stored ones."""
    if groups is None:
        groups = dict(report.groups.values_list("target_group_id", "workers")) if report.pk else {}
    return {name: getattr(report, name) for name in REPORT_FIELDS}, dict(groups)


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
    require_member(provider, user)
    if report is not None and report.provider_id != provider.pk:
        raise PermissionDenied(_("That report does not belong to this listing."))
    unknown = set(groups) - set(
        TargetGroup.objects.filter(pk__in=groups).values_list("pk", flat=True)
    )
    if unknown:
        raise ValidationError(_("Unknown target group."))
    lock_version(provider, version)
    values = {k: v for k, v in data.items() if k in REPORT_FIELDS}
    _keep_evidence_on_file(provider, PendingChangeKind.REPORT, report, values)
    candidate = (
        ImpactReport.objects.get(pk=report.pk) if report else ImpactReport(provider=provider)
    )
    before = _report_contents(candidate) if report else None
    assign_values(candidate, values)
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
    if held_for_review(provider):
        payload = json_values(values)
        payload["groups"] = {str(k): v for k, v in groups.items()}
        return pending_change_propose(
            provider=provider,
            user=user,
            kind=PendingChangeKind.REPORT,
            action=PendingChangeAction.UPDATE if report else PendingChangeAction.CREATE,
            target_id=report.pk if report else None,
            data=payload,
        )
    if report is not None:
        files_release(evidence=[report.evidence.name])
        if _report_contents(candidate, groups) != before:
            # The directory's check covered the report as it was.
            candidate.clear_directory_verification()
    candidate.save()
    report_groups_set(candidate, groups)
    provider_refresh_derived(provider=provider)
    return candidate


@transaction.atomic
def report_delete(
    *, provider: Provider, user, version: int, report: ImpactReport
) -> PendingChange | None:
    """Remove an impact report; on a listing held for review, propose the removal."""
    require_member(provider, user)
    if report.provider_id != provider.pk:
        raise PermissionDenied(_("That report does not belong to this listing."))
    lock_version(provider, version)
    if held_for_review(provider):
        return pending_change_propose(
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
    require_member(provider, user)
    if case_study is not None and case_study.provider_id != provider.pk:
        raise PermissionDenied(_("That case study does not belong to this listing."))
    lock_version(provider, version)
    instance = case_study or CaseStudy(provider=provider)
    assign_values(instance, {k: v for k, v in data.items() if k in CASE_STUDY_FIELDS})
    instance.full_clean(exclude=["provider"])
    instance.save()
    provider_refresh_derived(provider=provider)
    return instance


@transaction.atomic
def case_study_delete(*, provider: Provider, user, version: int, case_study: CaseStudy) -> None:
    """Remove a case study (not a vetted fact: at once)."""
    require_member(provider, user)
    if case_study.provider_id != provider.pk:
        raise PermissionDenied(_("That case study does not belong to this listing."))
    lock_version(provider, version)
    case_study.delete()
    provider_refresh_derived(provider=provider)


@transaction.atomic
def provider_set_logo(*, provider: Provider, user, version: int, logo_name: str) -> None:
    """Point the listing at an already cleaned and stored logo (see providers.uploads)."""
    require_member_or_operator(provider, user)
    lock_version(provider, version)
    files_release(logos=[_current_logo(provider)])
    provider.logo = logo_name
    provider.save()


@transaction.atomic
def provider_remove_logo(*, provider: Provider, user, version: int) -> None:
    """Take the logo off the listing; the file goes once nothing needs it."""
    require_member_or_operator(provider, user)
    lock_version(provider, version)
    files_release(logos=[_current_logo(provider)])
    provider.logo = ""
    provider.save()


def _current_logo(provider: Provider) -> str:
    """The logo the (locked) row points at now, whatever the caller's copy says."""
    return Provider.objects.filter(pk=provider.pk).values_list("logo", flat=True).get()
