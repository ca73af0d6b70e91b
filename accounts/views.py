import math

from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import AccountProfileForm
from .services import account_profile_update


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
def profile(request):
    """The signed-in user's name and organisation, as the providers they write to see them."""
    form = AccountProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        account_profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your details are saved."))
        return redirect("account_profile")
    return render(
        request, "account/profile.html", {"form": form}, status=400 if form.errors else 200
    )
