import math

from axes.helpers import get_cool_off, get_failure_limit
from django.shortcuts import render


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
