"""A listing's team: members and invitations (owners invite and remove), accepting one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from providers.forms import InviteForm
from providers.models import Invitation, MembershipRole
from providers.services import team as services

from .shared import EDIT, add_errors, base_url, listing_context, membership_or_404


@login_required
@EDIT
def team(request, pk: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    is_owner = membership.role == MembershipRole.OWNER
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation = services.member_invite(
                    provider=provider,
                    invited_by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    base_url=base_url(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
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
    context = listing_context(
        membership,
        form=form,
        members=members,
        invitations=invitations,
    )
    return render(request, "providers/dashboard/team.html", context)


@login_required
@require_POST
def member_remove(request, pk: int, item: int):
    membership = membership_or_404(request, pk)
    provider = membership.provider
    target = get_object_or_404(provider.memberships.select_related("user"), pk=item)
    try:
        services.member_remove(provider=provider, removed_by=request.user, membership=target)
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
    membership = membership_or_404(request, pk)
    provider = membership.provider
    invitation = get_object_or_404(provider.invitations, pk=item)
    services.invitation_cancel(provider=provider, cancelled_by=request.user, invitation=invitation)
    messages.success(request, _("The invitation was cancelled."))
    return redirect("dashboard:team", pk=pk)


@login_required
@EDIT
def invitation(request, token: str):
    invitation = get_object_or_404(
        Invitation.objects.usable().select_related("provider"), token=token
    )
    refusal = services.invitation_refusal(invitation=invitation, user=request.user)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
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
