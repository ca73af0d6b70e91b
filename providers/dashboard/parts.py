"""A listing's items: delivery centres, certifications, impact reports and case studies.

Each has a list, an add-or-edit page and a delete. Items are looked up within
the user's listing, so another listing's item is a 404. The services in
`providers.services.parts` check membership again, take the version the page
was loaded at and do the writing; on a listing held for review, a change to a
certification or an impact report is saved as a proposal, and the page says so.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from providers import uploads
from providers.dashboard import selectors
from providers.forms import (
    CaseStudyForm,
    CentreForm,
    CertificationForm,
    ImpactReportForm,
    VersionForm,
)
from providers.models import (
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    PendingChange,
    PendingChangeKind,
    Provider,
)
from providers.services import parts as services
from providers.services.access import StaleEditError

from .shared import EDIT, listing_context, membership_or_404, run_service


@login_required
@require_safe
def centres(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    items = provider.centres.prefetch_related("languages")
    context = listing_context(
        membership,
        items=items,
        delete_form=VersionForm(initial={"version": provider.version}, auto_id=False),
    )
    return render(request, "providers/dashboard/centres.html", context)


@login_required
@EDIT
def centre_edit(request, pk: int, item: int | None = None):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    centre = get_object_or_404(provider.centres, pk=item) if item else None
    form = CentreForm(
        request.POST or None,
        instance=DeliveryCentre.objects.get(pk=centre.pk) if centre else None,
        initial={"version": provider.version},
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        row = services.CentreRow(
            country=data["country"],
            city=data.get("city", ""),
            seats=data.get("seats"),
            headcount=data.get("headcount"),
            impact_workers=data.get("impact_workers"),
            languages=list(data.get("languages") or []),
            instance=centre,
        )
        ok, extra = run_service(
            form,
            lambda: services.provider_update_centres(
                provider=provider, user=request.user, version=data["version"], rows=[row]
            ),
            provider,
        )
        if ok:
            messages.success(request, _("Delivery centre saved."))
            return redirect("dashboard:centres", pk=pk)
    context = listing_context(membership, form=form, item=centre, **extra)
    return render(request, "providers/dashboard/centre_form.html", context)


@login_required
@require_POST
def centre_delete(request, pk: int, item: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    centre = get_object_or_404(provider.centres, pk=item)
    row = services.CentreRow(country=str(centre.country), instance=centre, delete=True)
    return _delete_item(
        request,
        membership,
        centre,
        lambda version: services.provider_update_centres(
            provider=provider, user=request.user, version=version, rows=[row]
        ),
        _("Delivery centre removed."),
        "dashboard:centres",
    )


def _pending_by_target(provider: Provider, kind: str) -> dict:
    return {
        c.target_id: c
        for c in selectors.pending_changes_for(provider).filter(kind=kind)
        if c.target_id
    }


@login_required
@require_safe
def certifications(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    items = provider.certifications.select_related("certification")
    context = listing_context(
        membership,
        items=items,
        pending=_pending_by_target(provider, PendingChangeKind.CERTIFICATION),
        delete_form=VersionForm(initial={"version": provider.version}, auto_id=False),
    )
    return render(request, "providers/dashboard/certifications.html", context)


@login_required
@EDIT
def certification_edit(request, pk: int, item: int | None = None):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    holding = get_object_or_404(provider.certifications, pk=item) if item else None
    initial = {"version": provider.version}
    pending = (
        selectors.pending_change_for_target(provider, PendingChangeKind.CERTIFICATION, item)
        if item
        else None
    )
    if pending is not None:
        initial.update({k: v for k, v in pending.data.items() if k != "evidence"})
    form = CertificationForm(
        request.POST or None,
        request.FILES or None,
        instance=CertificationHolding.objects.get(pk=holding.pk) if holding else None,
        initial=initial,
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.CERTIFICATION_FIELDS}
        evidence = form.cleaned_data.get("evidence_file")
        stored = (
            uploads.evidence_store(evidence, folder="evidence/certifications") if evidence else ""
        )
        data["evidence"] = stored
        result = {}

        def call():
            result["saved"] = services.certification_save(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                data=data,
                holding=holding,
            )

        ok, extra = run_service(form, call, provider)
        if ok:
            if isinstance(result["saved"], PendingChange):
                messages.success(
                    request,
                    _(
                        "Saved as a change waiting for approval; the published listing keeps "
                        "its current certifications until then."
                    ),
                )
            else:
                messages.success(request, _("Certification saved."))
            return redirect("dashboard:certifications", pk=pk)
        uploads.evidence_discard(stored)
    context = listing_context(membership, form=form, item=holding, pending=pending, **extra)
    return render(request, "providers/dashboard/certification_form.html", context)


def _delete_item(request, membership, item, delete, success: str, target: str):
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return redirect(target, pk=membership.provider_id)
    try:
        result = delete(form.cleaned_data["version"])
    except StaleEditError:
        messages.error(
            request,
            _(
                "Someone else saved this listing after you opened this page, so nothing was "
                "removed. Here is the current version; remove it again if you still want to."
            ),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if isinstance(result, PendingChange):
            messages.success(
                request,
                _("The removal waits for approval; the published listing is unchanged until then."),
            )
        else:
            messages.success(request, success)
    return redirect(target, pk=membership.provider_id)


@login_required
@require_POST
def certification_delete(request, pk: int, item: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    holding = get_object_or_404(provider.certifications, pk=item)
    return _delete_item(
        request,
        membership,
        holding,
        lambda version: services.certification_delete(
            provider=provider, user=request.user, version=version, holding=holding
        ),
        _("Certification removed."),
        "dashboard:certifications",
    )


@login_required
@require_safe
def reports(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    items = provider.reports.all()
    context = listing_context(
        membership,
        items=items,
        pending=_pending_by_target(provider, PendingChangeKind.REPORT),
        delete_form=VersionForm(initial={"version": provider.version}, auto_id=False),
    )
    return render(request, "providers/dashboard/reports.html", context)


@login_required
@EDIT
def report_edit(request, pk: int, item: int | None = None):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    report = get_object_or_404(provider.reports, pk=item) if item else None
    pending = (
        selectors.pending_change_for_target(provider, PendingChangeKind.REPORT, item)
        if item
        else None
    )
    initial = {"version": provider.version}
    pending_groups = None
    if pending is not None:
        initial.update({k: v for k, v in pending.data.items() if k not in ("evidence", "groups")})
        pending_groups = pending.data.get("groups", {})
    instance = ImpactReport.objects.prefetch_related("groups").get(pk=report.pk) if report else None
    form = ImpactReportForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        initial=initial,
        report=report,
        pending_groups=pending_groups,
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.REPORT_FIELDS}
        evidence = form.cleaned_data.get("evidence_file")
        stored = uploads.evidence_store(evidence, folder="evidence/reports") if evidence else ""
        data["evidence"] = stored
        result = {}

        def call():
            result["saved"] = services.report_save(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                data=data,
                groups=form.chosen_groups(),
                report=report,
            )

        ok, extra = run_service(form, call, provider)
        if ok:
            if isinstance(result["saved"], PendingChange):
                messages.success(
                    request,
                    _(
                        "Saved as a change waiting for approval; the published listing keeps "
                        "its current impact figures until then."
                    ),
                )
            else:
                messages.success(request, _("Impact report saved."))
            return redirect("dashboard:reports", pk=pk)
        uploads.evidence_discard(stored)
    context = listing_context(membership, form=form, item=report, pending=pending, **extra)
    return render(request, "providers/dashboard/report_form.html", context)


@login_required
@require_POST
def report_delete(request, pk: int, item: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    report = get_object_or_404(provider.reports, pk=item)
    return _delete_item(
        request,
        membership,
        report,
        lambda version: services.report_delete(
            provider=provider, user=request.user, version=version, report=report
        ),
        _("Impact report removed."),
        "dashboard:reports",
    )


@login_required
@require_safe
def case_studies(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    items = provider.case_studies.select_related("service", "client_industry")
    context = listing_context(
        membership,
        items=items,
        delete_form=VersionForm(initial={"version": provider.version}, auto_id=False),
    )
    return render(request, "providers/dashboard/case_studies.html", context)


@login_required
@EDIT
def case_study_edit(request, pk: int, item: int | None = None):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    case_study = get_object_or_404(provider.case_studies, pk=item) if item else None
    form = CaseStudyForm(
        request.POST or None, instance=case_study, initial={"version": provider.version}
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.CASE_STUDY_FIELDS}
        ok, extra = run_service(
            form,
            lambda: services.case_study_save(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                data=data,
                case_study=case_study,
            ),
            provider,
        )
        if ok:
            messages.success(request, _("Case study saved."))
            return redirect("dashboard:case_studies", pk=pk)
    context = listing_context(membership, form=form, item=case_study, **extra)
    return render(request, "providers/dashboard/case_study_form.html", context)


@login_required
@require_POST
def case_study_delete(request, pk: int, item: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    case_study = get_object_or_404(provider.case_studies, pk=item)
    return _delete_item(
        request,
        membership,
        case_study,
        lambda version: services.case_study_delete(
            provider=provider, user=request.user, version=version, case_study=case_study
        ),
        _("Case study removed."),
        "dashboard:case_studies",
    )
