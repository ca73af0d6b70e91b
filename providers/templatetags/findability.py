"""`{% canonical_url %}`: the address a public page is known by (see providers.findability)."""

from django import template

from providers import findability

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context):
    request = context.get("request")
    return findability.canonical_url(request) if request is not None else ""
