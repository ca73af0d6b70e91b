"""What every workspace view shares: who may enter, where to go back to, the overview page."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from .. import selectors


def buyer_required(view):
    """Anonymous visitors go to the login page; signed-in users who are not buyers get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_buyer:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def shortlister_required(view):
    """Anonymous visitors go to the login page; buyers and ISSP staff (who look for partners
    among other providers) keep shortlists; any other account gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_buyer or request.user.is_issp):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(request, default: str) -> str:
    """The `next` the form carried, when it is a path on this site; otherwise `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path: redirect() reads "²" or "home" as the name of a URL pattern.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def error_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def report_error(request, error: ValidationError) -> None:
    for text in error_messages(error):
        messages.error(request, text)


def back(request, default: str):
    return redirect(safe_next(request, default))


@require_safe
@buyer_required
def workspace(request):
    """The buyer's overview: shortlists, saved searches and recent inquiries."""
    context = {
        "shortlists": selectors.shortlists_for(user=request.user),
        "saved_searches": selectors.saved_searches_for(user=request.user),
        "inquiries": selectors.inquiries_sent(user=request.user)[:5],
    }
    return render(request, "buyers/workspace.html", context)
