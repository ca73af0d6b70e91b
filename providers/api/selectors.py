"""Reads of the JSON API: the rows a page of results shows, and stable ids to providers.

The search itself is `buyers.search` (the page's own code); this module only reads
what the API prints about the providers a search returned, in a fixed number of
queries whatever the page size, and finds a provider by the UUID open data gives it.
"""

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import get_language
from django_countries import countries

from buyers.search.index import SearchIndex
from providers.models import DeliveryCentre, ImpactReport, Provider, ProviderService
from providers.opendata.ids import stable_id, stable_id_bytes


def page_providers(ids: list) -> list:
    """The published providers of `ids`, in that order, with what a list item shows.

    Three queries: the providers with their latest report's totals, their services,
    their delivery centres. A provider unpublished since the search index was built
    is left out, as on the search page.
    """
    if not ids:
        return []
    latest = ImpactReport.objects.filter(provider=OuterRef("pk"), is_latest=True).order_by()
    queryset = (
        Provider.objects.published()
        .filter(pk__in=ids)
        .only(
            "id",
            "name",
            "slug",
            "tagline",
            "workforce",
            "provider_type",
            "parent_company",
            "verified_at",
            "assured_date",
            "updated_at",
        )
        .annotate(
            report_period_start=Subquery(latest.values("period_start")[:1]),
            report_period_end=Subquery(latest.values("period_end")[:1]),
            report_total_employees=Subquery(latest.values("total_employees")[:1]),
            report_impact_workers=Subquery(latest.values("impact_workers")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "services",
                queryset=ProviderService.objects.select_related("service").only(
                    "provider_id",
                    "service__id",
                    "service__name",
                    "service__slug",
                    "service__position",
                ),
                to_attr="api_services",
            ),
            Prefetch(
                "centres",
                queryset=DeliveryCentre.objects.only("provider_id", "country").order_by("country"),
                to_attr="api_centres",
            ),
        )
    )
    by_id = {provider.pk: provider for provider in queryset}
    providers = [by_id[pk] for pk in ids if pk in by_id]
    for provider in providers:
        provider.api_services.sort(key=lambda ps: (ps.service.position, ps.service.name))
        provider.api_countries = sorted(
            {str(centre.country) for centre in provider.api_centres},
            key=lambda code: str(countries.name(code)),
        )
    return providers


#: List items per process, keyed by search data token, date, language and provider.
_items: OrderedDict = OrderedDict()
_items_lock = threading.Lock()
_items_for: tuple | None = None
ITEM_CACHE_SIZE = 5000


def page_items(index: SearchIndex, ids: list, build: Callable) -> list:
    """The list items of `ids`, in order: `build(provider)` for each provider of
    `page_providers`, kept until the listing changes (its stamp in the index).

    An item shows only listing data, so, like the search page's result cards, it
    stays right until its listing changes or the index is rebuilt; a page whose items
    are all kept costs no query, as a search page whose cards are kept costs none.
    """
    global _items_for
    version = (index.base_token, index.day)
    language = get_language()
    keys = {pk: (language, pk, index.stamp_of(pk)) for pk in ids}
    with _items_lock:
        if _items_for != version:
            _items.clear()
            _items_for = version
        found = {pk: _items.get(key) for pk, key in keys.items()}
    missing = [pk for pk, item in found.items() if item is None]
    if missing:
        built = {provider.pk: build(provider) for provider in page_providers(missing)}
        found.update(built)
        with _items_lock:
            if _items_for == version:
                for pk, item in built.items():
                    _items[keys[pk]] = item
                while len(_items) > ITEM_CACHE_SIZE:
                    _items.popitem(last=False)
    return [found[pk] for pk in ids if found.get(pk) is not None]


def provider_uuid(pk: int) -> str:
    """The provider's stable id, the same as in open data."""
    return stable_id("provider", pk)


#: (index version, sorted 16-byte UUIDs, the provider keys in the same order)
_by_uuid: tuple[tuple, np.ndarray, np.ndarray] | None = None
_lock = threading.Lock()


def _uuid_table(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every provider's UUID as 16 bytes, sorted, with its key: about 2 MB at 100,000
    providers, where a dict of UUID strings took about 10 MB of each worker."""
    raw = np.empty(len(ids), "S16")
    for position, pk in enumerate(ids.tolist()):
        raw[position] = stable_id_bytes("provider", pk)
    order = np.argsort(raw, kind="stable")
    return raw[order], np.asarray(ids)[order]


def provider_pk_for(index: SearchIndex, uuid_text: str) -> int | None:
    """The primary key of the published provider whose open data id is `uuid_text`, or None.

    A UUID 5 cannot be turned back into its key, so each process maps the ids of
    the index's providers once per index, as a sorted array searched by bisection.
    """
    global _by_uuid
    try:
        wanted = np.array([uuid.UUID(uuid_text).bytes], "S16")
    except (ValueError, TypeError, AttributeError):
        return None
    # Providers published since the index was built get positions past its end.
    version = (index.base_token, index.day, index.size)
    current = _by_uuid
    if current is None or current[0] != version:
        with _lock:
            current = _by_uuid
            if current is None or current[0] != version:
                current = _by_uuid = (version, *_uuid_table(index.ids))
    _version, uuids, pks = current
    position = int(np.searchsorted(uuids, wanted[0]))
    if position < len(uuids) and uuids[position] == wanted[0]:
        return int(pks[position])
    return None


_term_keys: tuple[tuple, dict] | None = None


def term_ids(index: SearchIndex) -> dict:
    """{taxonomy kind: {slug or code: primary key}} for the terms a profile names.

    Facet terms come from the index; languages (by ISO code) and industries are read
    once per index, so a provider's detail costs no query for them.
    """
    global _term_keys
    version = (index.base_token, index.day)
    held = _term_keys
    if held is not None and held[0] == version:
        return held[1]
    from providers.models import Industry, Language

    keys = {
        "service": index.ids_by_slug.get("service", {}),
        "region": index.ids_by_slug.get("region", {}),
        "pricing-model": index.ids_by_slug.get("pricing", {}),
        "delivery-mode": index.ids_by_slug.get("mode", {}),
        "certification": index.ids_by_slug.get("certification", {}),
        "partnership": index.ids_by_slug.get("offers", {}),
        "language": dict(Language.objects.values_list("code", "id")),
        "industry": dict(Industry.objects.values_list("slug", "id")),
    }
    _term_keys = (version, keys)
    return keys
