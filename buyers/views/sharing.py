"""Sharing a shortlist: the owner's sharing page (invite, rights, revoke), accepting, leaving.

Only the owner reaches the sharing page and its forms; a member gets 403,
anyone else 404. The accept page is reached from the e-mailed link, by
whoever holds it; only the invited address's account can accept.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..forms import MemberRoleForm, ShortlistInviteForm
from ..models import ShortlistRole
from ..shortlists import selectors, sharing
from ..shortlists.access import OWNER, person_label, shortlist_for
from .workspace import report_error, shortlister_required


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "HEAD", "POST"])
@shortlister_required
def shortlist_sharing(request, pk):
    """Who the shortlist is shared with, with what rights; invite someone by e-mail."""
    shortlist = shortlist_for(user=request.user, pk=pk, level=OWNER).shortlist
    form = ShortlistInviteForm(request.POST or None, prefix="invite")
    if request.method == "POST" and form.is_valid():
        try:
            invite = sharing.shortlist_invite(
                shortlist=shortlist,
                user=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # The same words whether or not the address has an account.
            messages.success(
                request,
                _(
                    "An invitation was e-mailed to %(email)s. They join once they accept it, "
                    "logged in with that address."
                )
                % {"email": invite.email},
            )
            return redirect("buyers:shortlist_sharing", pk=shortlist.pk)
    members = selectors.shortlist_members(shortlist=shortlist)
    rows = [
        {
            "member": member,
            "label": person_label(member.user),
            "form": MemberRoleForm(initial={"role": member.role}, prefix=f"m{member.pk}"),
        }
        for member in members
    ]
    return render(
        request,
        "buyers/shortlists/sharing.html",
        {
            "shortlist": shortlist,
            "rows": rows,
            "invites": list(selectors.open_invites(shortlist=shortlist)),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _member(shortlist, member_pk):
    return get_object_or_404(shortlist.members.select_related("user"), pk=member_pk)


@require_POST
@shortlister_required
def shortlist_member_role(request, pk, member_pk):
    shortlist = shortlist_for(user=request.user, pk=pk, level=OWNER).shortlist
    member = _member(shortlist, member_pk)
    form = MemberRoleForm(request.POST, prefix=f"m{member.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose view or edit rights."))
    else:
        sharing.member_set_role(
            shortlist=shortlist, user=request.user, member=member, role=form.cleaned_data["role"]
        )
        messages.success(
            request,
            _("%(person)s: %(rights)s.")
            % {
                "person": person_label(member.user),
                "rights": ShortlistRole(member.role).label,
            },
        )
    return redirect("buyers:shortlist_sharing", pk=shortlist.pk)


@require_POST
@shortlister_required
def shortlist_member_remove(request, pk, member_pk):
    shortlist = shortlist_for(user=request.user, pk=pk, level=OWNER).shortlist
    member = _member(shortlist, member_pk)
    sharing.member_remove(shortlist=shortlist, user=request.user, member=member)
    messages.success(
        request,
        _("%(person)s no longer has access to this shortlist.")
        % {"person": person_label(member.user)},
    )
    return redirect("buyers:shortlist_sharing", pk=shortlist.pk)


@require_POST
@shortlister_required
def shortlist_invite_withdraw(request, pk, invite_pk):
    shortlist = shortlist_for(user=request.user, pk=pk, level=OWNER).shortlist
    invite = get_object_or_404(shortlist.invites.all(), pk=invite_pk)
    sharing.invite_withdraw(shortlist=shortlist, user=request.user, invite=invite)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invite.email}
    )
    return redirect("buyers:shortlist_sharing", pk=shortlist.pk)


@require_POST
@shortlister_required
def shortlist_leave(request, pk):
    """A member leaves a shortlist shared with them (the owner deletes it instead)."""
    access = shortlist_for(user=request.user, pk=pk)
    if access.is_owner:
        raise PermissionDenied
    member = get_object_or_404(access.shortlist.members, user=request.user)
    sharing.member_remove(shortlist=access.shortlist, user=request.user, member=member)
    messages.success(
        request, _("You left the shortlist “%(name)s”.") % {"name": access.shortlist.name}
    )
    return redirect("buyers:shortlists")


@require_http_methods(["GET", "HEAD", "POST"])
def shortlist_invite(request, token):
    """The e-mailed link: what the invitation is, and the button to accept it."""
    try:
        invite = sharing.invite_from_token(token)
    except sharing.InviteUnusable as unusable:
        return render(
            request,
            "buyers/shortlists/invite.html",
            {"problem": str(unusable)},
            status=410,
        )
    if invite is None:
        raise Http404
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            member = sharing.invite_accept(invite=invite, user=request.user)
        except PermissionDenied as refusal:
            messages.error(request, str(refusal))
        except ValidationError as error:
            report_error(request, error)
        else:
            messages.success(
                request,
                _("You have joined the shortlist “%(name)s”.") % {"name": invite.shortlist.name},
            )
            return redirect(member.shortlist)
        return redirect(request.get_full_path())
    here = request.get_full_path()
    return render(
        request,
        "buyers/shortlists/invite.html",
        {
            "invite": invite,
            "owner": person_label(invite.shortlist.owner, fallback=_("An ImpactDir user")),
            "rights": ShortlistRole(invite.role).label,
            "refusal": sharing.invite_refusal(invite=invite, user=request.user),
            "login_url": f"{reverse('account_login')}?next={here}",
            "signup_url": f"{reverse('account_signup')}?next={here}",
        },
    )
