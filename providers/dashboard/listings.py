"""A user's listings: the overview, creating or claiming one, a listing's page, submitting it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from providers.checklist import provider_checklist
from providers.dashboard import selectors
from providers.forms import ClaimForm, ClaimSearchForm, ProviderCreateForm, VersionForm
from providers.models import Membership, Provider
from providers.selectors import provider_profile
from providers.services import attestation, onboarding, pending_changes, submission

from .shared import (
    EDIT,
    add_errors,
    base_url,
    issp_or_404,
    listing_context,
    membership_or_404,
    require_dashboard_user,
)


@login_required
@require_safe
def index(request):
    require_dashboard_user(request.user)
    return render(
        request, "providers/dashboard/index.html", selectors.dashboard_overview(user=request.user)
    )


@login_required
@EDIT
def listing_create(request):
    issp_or_404(request.user)
    form = ProviderCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = onboarding.provider_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Your draft listing is created. Fill it in, then submit it for review.")
            )
            return redirect("dashboard:listing", pk=provider.pk)
    return render(request, "providers/dashboard/create.html", {"form": form})


@login_required
@require_safe
def claim_search(request):
    issp_or_404(request.user)
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
    issp_or_404(request.user)
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
                base_url=base_url(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your claim of “%(name)s” is waiting for review. We will e-mail you.")
                % {"name": provider.name},
            )
            return redirect("dashboard:index")
    return render(request, "providers/dashboard/claim.html", {"form": form, "provider": provider})


@login_required
@require_safe
def listing(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    context = listing_context(
        membership,
        checklist=provider_checklist(provider),
        submit_form=VersionForm(initial={"version": provider.version}, auto_id=False),
        confirm_form=VersionForm(
            initial={"version": provider.version}, prefix="confirm", auto_id=False
        ),
        unsent=[c for c in selectors.pending_changes_for(provider) if c.submitted_at is None],
    )
    return render(request, "providers/dashboard/listing.html", context)


@login_required
@require_safe
def listing_preview(request, pk: int):
    """The listing as its public profile will show it, whatever its status, for its team only.

    The same template and the same selector as the public profile, so what the
    team sees is what buyers will see; a banner says it is not public, and
    search engines are asked not to index it. Anyone not on the listing's team
    gets a 404.
    """
    membership = membership_or_404(request, pk)
    profile = provider_profile(pk=membership.provider_id, published_only=False)
    response = render(request, "providers/detail.html", {"profile": profile, "preview": True})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_POST
def listing_submit(request, pk: int):
    membership = membership_or_404(request, pk)
    try:
        what = submission.provider_submit(
            provider=membership.provider, user=request.user, base_url=base_url(request)
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
    membership = membership_or_404(request, pk)
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
@require_POST
def pending_withdraw(request, pk: int, item: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    change = get_object_or_404(selectors.pending_changes_for(provider), pk=item)
    try:
        pending_changes.pending_change_withdraw(provider=provider, user=request.user, change=change)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The proposed change is withdrawn."))
    return redirect("dashboard:listing", pk=pk)


@login_required
@require_POST
def listing_confirm(request, pk: int):
    """One click: the member confirms the published listing is still true (no vetting)."""
    membership = membership_or_404(request, pk)
    form = VersionForm(request.POST, prefix="confirm")
    if not form.is_valid():
        messages.error(request, _("The confirmation could not be read. Please try again."))
        return redirect("dashboard:listing", pk=pk)
    try:
        attestation.provider_confirm(
            provider=membership.provider,
            user=request.user,
            version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Thank you: your listing is confirmed as up to date today."),
        )
    return redirect("dashboard:listing", pk=pk)
