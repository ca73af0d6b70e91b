from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from buyers.case_studies.selector import recent_case_studies_cached

from . import disclosure
from .models import Provider
from .selectors import home_stats_cached, provider_profile


@require_safe
def home(request):
    return render(
        request,
        "providers/home.html",
        {"stats": home_stats_cached(), "case_studies": recent_case_studies_cached(limit=3)},
    )


@require_safe
def provider_detail(request, slug):
    try:
        profile = provider_profile(slug=slug)
    except Provider.DoesNotExist:
        raise Http404(_("No published provider has this address.")) from None
    return render(request, "providers/detail.html", {"profile": profile})


@require_safe
def disclosure_rule(request):
    """How every public figure about people is shown: exact, banded or withheld."""
    return render(request, "providers/disclosure.html", {"threshold": disclosure.THRESHOLD})
