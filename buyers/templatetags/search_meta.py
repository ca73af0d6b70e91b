"""Titles and descriptions of search and comparison pages: what was asked, page, order.

Each page of each search is its own entry in a browser's history, a bookmark
list or a shared link, so its title names the filters (the chips' labels), the
page number past the first and the order when it is not the default one.
"""

from django import template
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from buyers.search.parameters import DEFAULT_SORT, SORTS
from providers.findability import absolute_url

register = template.Library()


def _filters(result) -> str:
    return "; ".join(str(chip.label) for chip in result.chips)


@register.simple_tag
def search_title(result) -> str:
    parts = [_filters(result)] if result.chips else []
    parts.append(_("Find providers"))
    default_sort = "relevance" if result.params.q else DEFAULT_SORT
    if result.sort != default_sort and result.sort in SORTS:
        parts.append(_("sorted by %(sort)s") % {"sort": SORTS[result.sort]})
    if result.page > 1:
        parts.append(
            _("page %(page)d of %(pages)d") % {"page": result.page, "pages": result.num_pages}
        )
    return " – ".join(parts)


@register.simple_tag
def search_description(result) -> str:
    if result.chips:
        return ngettext(
            "%(count)d impact sourcing provider for %(filters)s, with services, delivery "
            "countries, certifications and impact figures.",
            "%(count)d impact sourcing providers for %(filters)s, with services, delivery "
            "countries, certifications and impact figures.",
            result.total,
        ) % {"count": result.total, "filters": _filters(result)}
    return ngettext(
        "Search %(count)d impact sourcing provider by service, delivery country, "
        "certification and whom they employ.",
        "Search %(count)d impact sourcing providers by service, delivery country, "
        "certification and whom they employ.",
        result.total,
    ) % {"count": result.total}


@register.simple_tag
def names_list(providers) -> str:
    """`A, B and C`: the providers' names as one phrase (for a comparison's title)."""
    return get_text_list([provider.name for provider in providers], _("and"))


@register.simple_tag(takes_context=True)
def full_public_url(context) -> str:
    """The page's public address with its query string: a comparison is its query."""
    request = context["request"]
    return absolute_url(request.get_full_path())
