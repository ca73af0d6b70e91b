import math

from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from impactdir.languages import language_cookie_set, localized_url

from .forms import AccountProfileForm, DeleteAccountForm
from .services import account_delete, account_profile_update


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows instead of the login form while a login is locked.

    Says what happened, how long to wait and what to do meanwhile, with status
    429 (Too Many Requests) rather than a bare 403.
    """
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": minutes,
    }
    return render(request, "account/lockout.html", context, status=429)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    """Delete your own account, after typing its password.

    Operators' accounts are refused here: another operator deletes them in the admin,
    so that nobody removes the last way into it by mistake.
    """
    user = request.user
    if user.is_staff:
        return render(request, "account/delete.html", {"refused": True}, status=403)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        account_delete(user)
        logout(request)
        messages.success(
            request, _("Your account has been deleted. We sent you an e-mail to say so.")
        )
        return redirect("home")
    listings = [m.provider for m in user.memberships.select_related("provider")]
    status = 400 if form.is_bound else 200
    return render(
        request, "account/delete.html", {"form": form, "listings": listings}, status=status
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """The signed-in user's name and organisation, as the providers they write to see them,
    and their language: once chosen, the page comes back in it."""
    form = AccountProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = account_profile_update(user=request.user, **form.cleaned_data)
        if not user.language:
            messages.success(request, _("Your details are saved."))
            return redirect("account_profile")
        with translation.override(user.language):
            messages.success(request, _("Your details are saved."))
        response = redirect(localized_url(reverse("account_profile"), user.language))
        language_cookie_set(response, user.language)
        return response
    return render(
        request, "account/profile.html", {"form": form}, status=400 if form.errors else 200
    )
