"""`{% site_languages as languages %}`: (code, name in its own language) for the switcher."""

from django import template

from impactdir import languages as site

register = template.Library()


@register.simple_tag
def site_languages():
    return site.languages_in_own_names()


@register.simple_tag
def own_language_name(code):
    return site.own_name(code)
