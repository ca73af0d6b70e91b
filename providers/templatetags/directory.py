"""Template helpers for the public directory pages.

- `organization_jsonld`: schema.org Organization data for a profile, as JSON that
  is safe to place inside a <script> element.
- `figures_stale`: whether a report period that ended on a date is shown as stale.

Counts of people are never formatted here: `providers.disclosure` decides how
each is shown, and templates print its `Shown` values.
"""

import json

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from providers import disclosure
from providers.models import stale_cutoff

register = template.Library()

# Characters that could end the <script> element or start markup inside it.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_for_script(data):
    """JSON text that cannot close or break out of the <script> element holding it."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_ESCAPES)


def organization_data(profile, request):
    """The schema.org Organization a profile describes, with absolute URLs."""
    provider = profile.provider
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": provider.name,
        "url": request.build_absolute_uri(provider.get_absolute_url()),
    }
    if provider.description or provider.tagline:
        data["description"] = provider.description or provider.tagline
    if provider.logo:
        data["logo"] = request.build_absolute_uri(provider.logo.url)
    if provider.founded_year:
        data["foundingDate"] = str(provider.founded_year)
    if provider.hq_country:
        data["address"] = {"@type": "PostalAddress", "addressCountry": provider.hq_country.code}
    if provider.website:
        data["sameAs"] = [provider.website]
    workforce = profile.workforce
    if workforce.is_exact:
        data["numberOfEmployees"] = {"@type": "QuantitativeValue", "value": workforce.value}
    elif workforce.status is disclosure.Status.BANDED:
        # A small workforce is given as a range, as on the page, never exactly.
        data["numberOfEmployees"] = {
            "@type": "QuantitativeValue",
            "minValue": 1,
            "maxValue": disclosure.THRESHOLD - 1,
        }
    if provider.contact_email:
        data["email"] = provider.contact_email
    return data


@register.simple_tag(takes_context=True)
def organization_jsonld(context, profile):
    """schema.org Organization JSON for `profile`, escaped for a <script> element."""
    return mark_safe(json_for_script(organization_data(profile, context["request"])))  # noqa: S308


@register.filter
def figures_stale(period_end) -> bool:
    """Whether impact figures whose period ended on `period_end` are shown as stale today.

    For cards, which hold only the latest report's dates; the profile asks the report
    itself (`ImpactReport.is_stale`), with the same cut-off.
    """
    return period_end is not None and period_end < stale_cutoff(timezone.localdate())
