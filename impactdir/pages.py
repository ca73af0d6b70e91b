"""The site's own pages: about, privacy notice and terms; /favicon.ico.

The privacy notice names how long things are kept from the settings that decide
it, so that changing a setting cannot leave the notice saying something else.
"""

import math

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe


def _contact():
    return {"contact_email": settings.CONTACT_EMAIL}


@require_safe
def about(request):
    return render(request, "pages/about.html", _contact())


@require_safe
def privacy(request):
    context = {
        **_contact(),
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
        "burst_seconds": settings.LOGIN_BURST_SECONDS,
        "device_days": settings.LOGIN_DEVICE_COOKIE_AGE // 86400,
        "axes_failures": settings.AXES_FAILURE_LIMIT,
        "axes_minutes": math.ceil(settings.AXES_COOLOFF_TIME * 60),
        "login_log_days": settings.LOGIN_LOG_DAYS,
    }
    return render(request, "pages/privacy.html", context)


@require_safe
def terms(request):
    return render(request, "pages/terms.html", _contact())


@require_safe
def favicon(request):
    """/favicon.ico, which browsers and crawlers ask for whatever a page's <head> says."""
    response = HttpResponsePermanentRedirect(static("img/favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
