"""Template helpers for the public directory pages.

- `banded`: counts of people below the threshold are shown as a band, never exactly.
- `organization_jsonld`: schema.org Organization data for a profile, as JSON that
  is safe to place inside a <script> element.
"""

import json
from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from providers.models import SMALL_COUNT_THRESHOLD

register = template.Library()

# Characters that could end the <script> element or start markup inside it.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@register.filter
def banded(value):
    """A count of people, shown as "fewer than 10" when it is that small (0 included)."""
    if value is None or value == "":
        return ""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    if number < SMALL_COUNT_THRESHOLD:
        return _("fewer than %(threshold)s") % {"threshold": SMALL_COUNT_THRESHOLD}
    return intcomma(number)


@register.filter
def figure(value):
    """A rate or multiple without trailing zeros: 31.50 → 31.5, 96.0 → 96."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return value


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
    if provider.workforce:
        # A small workforce is given as a range, as on the page, never exactly.
        data["numberOfEmployees"] = (
            {"@type": "QuantitativeValue", "value": provider.workforce}
            if provider.workforce >= SMALL_COUNT_THRESHOLD
            else {
                "@type": "QuantitativeValue",
                "minValue": 1,
                "maxValue": SMALL_COUNT_THRESHOLD - 1,
            }
        )
    if provider.contact_email:
        data["email"] = provider.contact_email
    return data


@register.simple_tag(takes_context=True)
def organization_jsonld(context, profile):
    """schema.org Organization JSON for `profile`, escaped for a <script> element."""
    return mark_safe(json_for_script(organization_data(profile, context["request"])))  # noqa: S308
