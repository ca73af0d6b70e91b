"""The ISSP dashboard: a user's own listings, their parts, submission and team.

Every view that names a listing finds it through the user's own membership, so
a listing the user is not a member of is a 404, whatever the URL says; items of
a listing (certifications, reports, …) are looked up within that listing. The
services in `providers.services` check membership again and do the
writing; views only parse, call and render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from impactdir.ids import parse_id
from providers import uploads
from providers.dashboard import selectors
from providers.forms import (
    CaseStudyForm,
    CentreForm,
    CertificationForm,
    ClaimForm,
    ClaimSearchForm,
    ImpactReportForm,
    InviteForm,
    LogoForm,
    ProfileForm,
    ProviderCreateForm,
    ServiceFormSet,
    VersionForm,
)
from providers.models import (
    CertificationHolding,
    Claim,
    DeliveryCentre,
    ImpactReport,
    Invitation,
    Membership,
    MembershipRole,
    PendingChange,
    PendingChangeKind,
    Provider,
)
from providers.services import access, onboarding, parts, pending_changes, submission
from providers.services import team as team_services

EDIT = require_http_methods(["GET", "POST"])


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _require_dashboard_user(user) -> None:
    """The dashboard is for ISSP staff and for anyone who is a member of a listing."""
    if not (user.is_issp or user.memberships.exists()):
        raise Http404


def _require_issp(user) -> None:
    if not user.is_issp:
        raise Http404


def _membership(request, pk: int) -> Membership:
    # The URL's <int:pk> takes any number of digits; one past a 64-bit id is no listing.
    if parse_id(str(pk)) is None:
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("provider"), provider_id=pk, user=request.user
    )


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc.messages)


def _show_current_version(form, provider: Provider) -> None:
    """After a stale save, let the next save go ahead at the version now shown."""
    form.data = form.data.copy()
    field_name = form.add_prefix("version")
    form.data[field_name] = str(provider.version)


def _last_editor(provider: Provider):
    last = provider.history.select_related("history_user").first()
    return last


def _stale_context(provider: Provider) -> dict:
    provider.refresh_from_db()
    return {"stale": True, "last_change": _last_editor(provider)}


def _listing_context(membership: Membership, **extra) -> dict:
    provider = membership.provider
    return {
        "provider": provider,
        "membership": membership,
        "is_owner": membership.role == MembershipRole.OWNER,
        "pending_changes": list(selectors.pending_changes_for(provider)),
        **extra,
    }


def _rows_belong(formset) -> bool:
    """False when a posted existing row is not one of this listing's rows (a forged id).

    Model formsets quietly treat such a row as new; we refuse the whole save instead.
    """
    for index, form in enumerate(formset.forms):
        if index < formset.initial_form_count() and form.instance.pk is None:
            form.add_error(None, _("This row does not belong to this listing."))
            return False
    return True


def _run(form, call, provider: Provider) -> tuple[bool, dict]:
    """Call a service; on refusal put its message on the form. Returns (ok, extra context)."""
    try:
        call()
    except access.StaleEditError as exc:
        extra = _stale_context(provider)
        _add_errors(form, exc)
        _show_current_version(form, provider)
        return False, extra
    except ValidationError as exc:
        _add_errors(form, exc)
        return False, {}
    return True, {}


# --------------------------------------------------------------------------
# Index, create, claim
# --------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    _require_dashboard_user(request.user)
    providers = selectors.with_checklist_facts(
        Provider.objects.filter(memberships__user=request.user)
    ).order_by("name", "id")
    roles = dict(Membership.objects.filter(user=request.user).values_list("provider_id", "role"))
    rows = [
        {
            "provider": p,
            "role": MembershipRole(roles[p.pk]).label,
            "checklist": selectors.provider_checklist(p),
        }
        for p in providers
    ]
    claims = Claim.objects.filter(user=request.user).select_related("provider")[:20]
    invitations = (
        Invitation.objects.usable()
        .filter(email__iexact=request.user.email)
        .exclude(provider__memberships__user=request.user)
        .select_related("provider")
    )
    return render(
        request,
        "providers/dashboard/index.html",
        {"rows": rows, "claims": claims, "invitations": invitations},
    )


@login_required
@EDIT
def listing_create(request):
    _require_issp(request.user)
    form = ProviderCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = onboarding.provider_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Your draft listing is created. Fill it in, then submit it for review.")
            )
            return redirect("dashboard:listing", pk=provider.pk)
    return render(request, "providers/dashboard/create.html", {"form": form})


@login_required
@require_GET
def claim_search(request):
    _require_issp(request.user)
    form = ClaimSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = list(
            selectors.claimable_providers(user=request.user, query=form.cleaned_data["q"])
        )
    return render(
        request, "providers/dashboard/claim_search.html", {"form": form, "results": results}
    )


@login_required
@EDIT
def claim_create(request, provider_id: int):
    _require_issp(request.user)
    provider = get_object_or_404(Provider.objects.published(), pk=provider_id)
    if Membership.objects.filter(provider=provider, user=request.user).exists():
        return redirect("dashboard:listing", pk=provider.pk)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            onboarding.claim_submit(
                user=request.user,
                provider=provider,
                message=form.cleaned_data["message"],
                base_url=_base_url(request),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your claim of “%(name)s” is waiting for review. We will e-mail you.")
                % {"name": provider.name},
            )
            return redirect("dashboard:index")
    return render(request, "providers/dashboard/claim.html", {"form": form, "provider": provider})


@login_required
@EDIT
def invitation(request, token: str):
    invitation = get_object_or_404(
        Invitation.objects.usable().select_related("provider"), token=token
    )
    refusal = team_services.invitation_refusal(invitation=invitation, user=request.user)
    if request.method == "POST":
        try:
            membership = team_services.invitation_accept(invitation=invitation, user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                _("You are now a member of “%(name)s”.") % {"name": membership.provider.name},
            )
            return redirect("dashboard:listing", pk=membership.provider_id)
    return render(
        request,
        "providers/dashboard/invitation.html",
        {"invitation": invitation, "refusal": refusal},
    )


# --------------------------------------------------------------------------
# One listing
# --------------------------------------------------------------------------


@login_required
@require_GET
def listing(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    context = _listing_context(
        membership,
        checklist=selectors.provider_checklist(provider),
        submit_form=VersionForm(initial={"version": provider.version}),
        unsent=[c for c in selectors.pending_changes_for(provider) if c.submitted_at is None],
    )
    return render(request, "providers/dashboard/listing.html", context)


@login_required
@require_POST
def listing_submit(request, pk: int):
    membership = _membership(request, pk)
    try:
        what = submission.provider_submit(
            provider=membership.provider, user=request.user, base_url=_base_url(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if what == "changes":
            messages.success(
                request,
                _(
                    "Your changes are sent for review. The published listing stays as it is "
                    "until they are approved."
                ),
            )
        else:
            messages.success(request, _("Your listing is submitted for review."))
    return redirect("dashboard:listing", pk=pk)


@login_required
@require_POST
def listing_deactivate(request, pk: int):
    membership = _membership(request, pk)
    try:
        submission.provider_deactivate(provider=membership.provider, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Your listing is offline. Submit it for review to publish it again."),
        )
    return redirect("dashboard:listing", pk=pk)


@login_required
@EDIT
def profile_edit(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    pending = selectors.pending_change_for_target(provider, PendingChangeKind.PROFILE, None)
    initial = {"version": provider.version}
    if pending is not None:
        initial.update(pending.data)
    # The form gets its own copy: a bound ModelForm writes into its instance.
    form = ProfileForm(
        request.POST or None, instance=Provider.objects.get(pk=provider.pk), initial=initial
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        result = {}

        def call():
            result["held"] = parts.provider_update_profile(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                data=data,
            )

        ok, extra = _run(form, call, provider)
        if ok:
            if result["held"]:
                messages.success(
                    request,
                    _(
                        "Saved. Your change to %(fields)s waits for approval; the published "
                        "listing shows the current values until then. Send it for review from "
                        "the listing page."
                    )
                    % {
                        "fields": ", ".join(
                            str(Provider._meta.get_field(n).verbose_name) for n in result["held"]
                        )
                    },
                )
            else:
                messages.success(request, _("Profile saved."))
            return redirect("dashboard:profile", pk=pk)
        if extra.get("stale"):
            extra["differences"] = _differences(form, provider)
    context = _listing_context(membership, form=form, **extra)
    return render(request, "providers/dashboard/profile.html", context)


def _differences(form, provider: Provider) -> list[tuple[str, str, str]]:
    """(field label, value you entered, value saved now) for each field that differs."""
    rows = []
    for name in parts.PROFILE_FIELDS:
        mine = form.data.get(form.add_prefix(name), "")
        current = getattr(provider, name)
        current_text = "" if current in (None, "") else str(current)
        if str(mine).strip() != current_text:
            rows.append((form.fields[name].label, mine, current_text))
    return rows


@login_required
@EDIT
def services_edit(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    queryset = provider.services.select_related("service__parent")
    formset = ServiceFormSet(request.POST or None, queryset=queryset, prefix="services")
    version_form = VersionForm(request.POST or None, initial={"version": provider.version})
    extra = {}
    if (
        request.method == "POST"
        and formset.is_valid()
        and version_form.is_valid()
        and _rows_belong(formset)
    ):
        rows = [
            parts.ServiceRow(
                service=f.cleaned_data.get("service"),
                voice=f.cleaned_data.get("voice", ""),
                note=f.cleaned_data.get("note", ""),
                instance=f.instance if f.instance.pk else None,
                delete=bool(f.cleaned_data.get("DELETE")),
            )
            for f in formset.forms
            if f.cleaned_data
        ]
        ok, extra = _run(
            version_form,
            lambda: parts.provider_update_services(
                provider=provider,
                user=request.user,
                version=version_form.cleaned_data["version"],
                rows=rows,
            ),
            provider,
        )
        if ok:
            messages.success(request, _("Services saved."))
            return redirect("dashboard:services", pk=pk)
    context = _listing_context(
        membership,
        formset=formset,
        version_form=version_form,
        current_items=list(queryset) if extra.get("stale") else None,
        **extra,
    )
    return render(request, "providers/dashboard/services.html", context)


@login_required
@require_GET
def centres(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    items = provider.centres.prefetch_related("languages")
    context = _listing_context(
        membership, items=items, delete_form=VersionForm(initial={"version": provider.version})
    )
    return render(request, "providers/dashboard/centres.html", context)


@login_required
@EDIT
def centre_edit(request, pk: int, item: int | None = None):
    membership = _membership(request, pk)
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
        row = parts.CentreRow(
            country=data["country"],
            city=data.get("city", ""),
            seats=data.get("seats"),
            headcount=data.get("headcount"),
            impact_workers=data.get("impact_workers"),
            languages=list(data.get("languages") or []),
            instance=centre,
        )
        ok, extra = _run(
            form,
            lambda: parts.provider_update_centres(
                provider=provider, user=request.user, version=data["version"], rows=[row]
            ),
            provider,
        )
        if ok:
            messages.success(request, _("Delivery centre saved."))
            return redirect("dashboard:centres", pk=pk)
    context = _listing_context(membership, form=form, item=centre, **extra)
    return render(request, "providers/dashboard/centre_form.html", context)


@login_required
@require_POST
def centre_delete(request, pk: int, item: int):
    membership = _membership(request, pk)
    provider = membership.provider
    centre = get_object_or_404(provider.centres, pk=item)
    row = parts.CentreRow(country=str(centre.country), instance=centre, delete=True)
    return _delete_item(
        request,
        membership,
        centre,
        lambda version: parts.provider_update_centres(
            provider=provider, user=request.user, version=version, rows=[row]
        ),
        _("Delivery centre removed."),
        "dashboard:centres",
    )


@login_required
@EDIT
def logo_edit(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    form = LogoForm(
        request.POST or None, request.FILES or None, initial={"version": provider.version}
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        name = uploads.logo_store(form.cleaned_data["logo"])
        ok, extra = _run(
            form,
            lambda: parts.provider_set_logo(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                logo_name=name,
            ),
            provider,
        )
        if ok:
            messages.success(request, _("Logo saved."))
            return redirect("dashboard:logo", pk=pk)
        uploads.logo_discard(name)
    context = _listing_context(
        membership,
        form=form,
        remove_form=VersionForm(initial={"version": provider.version}),
        thumbnail_url=_thumbnail_url(provider),
        **extra,
    )
    return render(request, "providers/dashboard/logo.html", context)


def _thumbnail_url(provider: Provider) -> str:
    if not provider.logo:
        return ""
    return default_storage.url(uploads.thumbnail_name(provider.logo.name))


@login_required
@require_POST
def logo_remove(request, pk: int):
    membership = _membership(request, pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            parts.provider_remove_logo(
                provider=membership.provider,
                user=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Logo removed."))
    else:
        messages.error(request, _("The form was incomplete; nothing was changed."))
    return redirect("dashboard:logo", pk=pk)


# --------------------------------------------------------------------------
# Certifications, impact reports, case studies
# --------------------------------------------------------------------------


def _pending_by_target(provider: Provider, kind: str) -> dict:
    return {
        c.target_id: c
        for c in selectors.pending_changes_for(provider).filter(kind=kind)
        if c.target_id
    }


@login_required
@require_GET
def certifications(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    items = provider.certifications.select_related("certification")
    context = _listing_context(
        membership,
        items=items,
        pending=_pending_by_target(provider, PendingChangeKind.CERTIFICATION),
        delete_form=VersionForm(initial={"version": provider.version}),
    )
    return render(request, "providers/dashboard/certifications.html", context)


@login_required
@EDIT
def certification_edit(request, pk: int, item: int | None = None):
    membership = _membership(request, pk)
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
        data = {k: v for k, v in form.cleaned_data.items() if k in parts.CERTIFICATION_FIELDS}
        evidence = form.cleaned_data.get("evidence_file")
        stored = (
            uploads.evidence_store(evidence, folder="evidence/certifications") if evidence else ""
        )
        data["evidence"] = stored
        result = {}

        def call():
            result["saved"] = parts.certification_save(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                data=data,
                holding=holding,
            )

        ok, extra = _run(form, call, provider)
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
    context = _listing_context(membership, form=form, item=holding, pending=pending, **extra)
    return render(request, "providers/dashboard/certification_form.html", context)


def _delete_item(request, membership, item, delete, success: str, target: str):
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return redirect(target, pk=membership.provider_id)
    try:
        result = delete(form.cleaned_data["version"])
    except access.StaleEditError:
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
    membership = _membership(request, pk)
    provider = membership.provider
    holding = get_object_or_404(provider.certifications, pk=item)
    return _delete_item(
        request,
        membership,
        holding,
        lambda version: parts.certification_delete(
            provider=provider, user=request.user, version=version, holding=holding
        ),
        _("Certification removed."),
        "dashboard:certifications",
    )


@login_required
@require_GET
def reports(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    items = provider.reports.all()
    context = _listing_context(
        membership,
        items=items,
        pending=_pending_by_target(provider, PendingChangeKind.REPORT),
        delete_form=VersionForm(initial={"version": provider.version}),
    )
    return render(request, "providers/dashboard/reports.html", context)


@login_required
@EDIT
def report_edit(request, pk: int, item: int | None = None):
    membership = _membership(request, pk)
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
        data = {k: v for k, v in form.cleaned_data.items() if k in parts.REPORT_FIELDS}
        evidence = form.cleaned_data.get("evidence_file")
        stored = uploads.evidence_store(evidence, folder="evidence/reports") if evidence else ""
        data["evidence"] = stored
        result = {}

        def call():
            result["saved"] = parts.report_save(
                provider=provider,
                user=request.user,
                version=form.cleaned_data["version"],
                data=data,
                groups=form.chosen_groups(),
                report=report,
            )

        ok, extra = _run(form, call, provider)
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
    context = _listing_context(membership, form=form, item=report, pending=pending, **extra)
    return render(request, "providers/dashboard/report_form.html", context)


@login_required
@require_POST
def report_delete(request, pk: int, item: int):
    membership = _membership(request, pk)
    provider = membership.provider
    report = get_object_or_404(provider.reports, pk=item)
    return _delete_item(
        request,
        membership,
        report,
        lambda version: parts.report_delete(
            provider=provider, user=request.user, version=version, report=report
        ),
        _("Impact report removed."),
        "dashboard:reports",
    )


@login_required
@require_GET
def case_studies(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    items = provider.case_studies.select_related("service", "client_industry")
    context = _listing_context(
        membership, items=items, delete_form=VersionForm(initial={"version": provider.version})
    )
    return render(request, "providers/dashboard/case_studies.html", context)


@login_required
@EDIT
def case_study_edit(request, pk: int, item: int | None = None):
    membership = _membership(request, pk)
    provider = membership.provider
    case_study = get_object_or_404(provider.case_studies, pk=item) if item else None
    form = CaseStudyForm(
        request.POST or None, instance=case_study, initial={"version": provider.version}
    )
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in parts.CASE_STUDY_FIELDS}
        ok, extra = _run(
            form,
            lambda: parts.case_study_save(
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
    context = _listing_context(membership, form=form, item=case_study, **extra)
    return render(request, "providers/dashboard/case_study_form.html", context)


@login_required
@require_POST
def case_study_delete(request, pk: int, item: int):
    membership = _membership(request, pk)
    provider = membership.provider
    case_study = get_object_or_404(provider.case_studies, pk=item)
    return _delete_item(
        request,
        membership,
        case_study,
        lambda version: parts.case_study_delete(
            provider=provider, user=request.user, version=version, case_study=case_study
        ),
        _("Case study removed."),
        "dashboard:case_studies",
    )


@login_required
@require_POST
def pending_withdraw(request, pk: int, item: int):
    membership = _membership(request, pk)
    provider = membership.provider
    change = get_object_or_404(selectors.pending_changes_for(provider), pk=item)
    try:
        pending_changes.pending_change_withdraw(provider=provider, user=request.user, change=change)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The proposed change is withdrawn."))
    return redirect("dashboard:listing", pk=pk)


# --------------------------------------------------------------------------
# Team
# --------------------------------------------------------------------------


@login_required
@EDIT
def team(request, pk: int):
    membership = _membership(request, pk)
    provider = membership.provider
    is_owner = membership.role == MembershipRole.OWNER
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation = team_services.member_invite(
                    provider=provider,
                    invited_by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    base_url=_base_url(request),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                # The same words whether or not the address has an account.
                messages.success(
                    request,
                    _(
                        "An invitation was e-mailed to %(email)s. They join once they accept "
                        "it, logged in with that address."
                    )
                    % {"email": invitation.email},
                )
                return redirect("dashboard:team", pk=pk)
    members = provider.memberships.select_related("user").order_by("user__email")
    invitations = Invitation.objects.usable().filter(provider=provider)
    context = _listing_context(
        membership,
        form=form,
        members=members,
        invitations=invitations,
    )
    return render(request, "providers/dashboard/team.html", context)


@login_required
@require_POST
def member_remove(request, pk: int, item: int):
    membership = _membership(request, pk)
    provider = membership.provider
    target = get_object_or_404(provider.memberships.select_related("user"), pk=item)
    try:
        team_services.member_remove(provider=provider, removed_by=request.user, membership=target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(email)s was removed.") % {"email": target.user.email})
        if target.user_id == request.user.pk:
            return redirect("dashboard:index")
    return redirect("dashboard:team", pk=pk)


@login_required
@require_POST
def invitation_cancel(request, pk: int, item: int):
    membership = _membership(request, pk)
    provider = membership.provider
    invitation = get_object_or_404(provider.invitations, pk=item)
    team_services.invitation_cancel(
        provider=provider, cancelled_by=request.user, invitation=invitation
    )
    messages.success(request, _("The invitation was cancelled."))
    return redirect("dashboard:team", pk=pk)
