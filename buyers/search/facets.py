"""The search facets: which parameter filters by what, through the ProviderQuerySet verbs.

One table (`FACETS`) names every multi-valued facet of the URL contract; both
the database path (`filter_providers`, used for exports and alerts) and the
in-memory facet index (index.py) follow it, and tests
hold them to the same answers.
"""

from dataclasses import dataclass

from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from providers.models import ProviderQuerySet


@dataclass(frozen=True)
class Facet:
    param: str
    label: str
    #: ProviderQuerySet verb taking the facet's values.
    verb: str
    #: Whether the verb takes primary keys (looked up from slugs) or the values themselves.
    by_id: bool = True


#: Multi-valued facets in the order the page shows them. Values ORed within, ANDed across.
FACETS = (
    Facet("service", _("Service"), "offering"),
    Facet("country", _("Delivery country"), "delivering_in", by_id=False),
    Facet("region", _("Region"), "delivering_in_region"),
    Facet("certification", _("Certification"), "with_valid_certification"),
    Facet("language", _("Language"), "speaking", by_id=False),
    Facet("group", _("Impact target group"), "hiring_from"),
    Facet("size", _("Workforce size"), "in_size_band", by_id=False),
    Facet("pricing", _("Pricing model"), "priced_by"),
    Facet("mode", _("Delivery mode"), "delivered_as"),
)
FACETS_BY_PARAM = {facet.param: facet for facet in FACETS}

#: Thresholds offered as options of the minimum impact share (any whole percent is accepted).
IMPACT_THRESHOLDS = (10, 25, 50, 75, 90)


def filter_providers(
    queryset: ProviderQuerySet, *, values: dict, impact_min, verified: bool, ids_by_slug: dict
) -> ProviderQuerySet:
    """Apply every active facet to `queryset` with the QuerySet verbs.

    `values` maps a facet param to its cleaned values (slugs or codes); slugs are
    turned into primary keys with `ids_by_slug` (param -> slug -> pk).
    """
    for facet in FACETS:
        chosen = values.get(facet.param) or ()
        if not chosen:
            continue
        if facet.by_id:
            chosen = [ids_by_slug[facet.param][slug] for slug in chosen]
        queryset = getattr(queryset, facet.verb)(*chosen)
    if impact_min is not None:
        queryset = queryset.with_impact_share_at_least(impact_min)
    if verified:
        queryset = queryset.verified()
    return queryset


@dataclass
class FacetOptionView:
    key: str
    label: str
    count: int
    selected: bool
    level: int = 0
    input_id: str = ""


@dataclass
class FacetGroup:
    param: str
    legend: str
    options: list
    kind: str = "checkbox"  # or "radio"
    active: bool = False

    @property
    def options_html(self):
        """The options as list items; built here because a search page shows ~150 of them
        and the template engine spent more time on them than the whole search took."""
        return format_html_join(
            "\n",
            '<li class="facet__option facet__option--level{}"><input type="{}" name="{}" '
            'value="{}" id="{}"{}> <label for="{}">{} ({})</label></li>',
            (
                (
                    option.level,
                    self.kind,
                    self.param,
                    option.key,
                    option.input_id,
                    mark_safe(" checked") if option.selected else "",  # noqa: S308 (constant)
                    option.input_id,
                    option.label,
                    option.count,
                )
                for option in self.options
            ),
        )
