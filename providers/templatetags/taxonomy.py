"""Taxonomy names in the page's language.

Services, regions, target groups, certifications, languages, industries, pricing
models, delivery modes and partnership kinds are stored under their English names
and translated by gettext when shown (`providers.models.translated`):

- `{{ service.name|term }}`: the name (or description) in the active language;
- `{% for item in profile.languages|by_term_name %}`: items (with a `name`, or
  names themselves) in the alphabetical order of their translated names, accents
  and case aside (`providers.collation`), for lists that have no order of their own.
"""

from django import template

from providers.collation import sort_key
from providers.models import translated

register = template.Library()


@register.filter
def term(text) -> str:
    """A stored (English) taxonomy name or description in the active language."""
    return translated(str(text)) if text is not None else ""


@register.filter
def by_term_name(items) -> list:
    """`items` sorted by their translated names (an item's `name`, or the item)."""

    def name(item):
        return translated(str(getattr(item, "name", item)))

    return sorted(items or (), key=lambda item: sort_key(name(item)))


@register.filter
def term_names(items) -> list:
    """The translated names of `items` (as `by_term_name` reads them), in that order."""
    return [translated(str(getattr(item, "name", item))) for item in by_term_name(items)]
