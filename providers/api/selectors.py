"""Reads of the JSON API: the rows a page of results shows, and stable ids to providers.

The search itself is `buyers.search` (the page's own code); this module only reads
what the API prints about the providers a search returned, in a fixed number of
queries whatever the page size, and finds a provider by the UUID open data gives it.
"""

import threading

from django.db.models import OuterRef, Prefetch, Subquery
from django_countries import countries

from providers.models import DeliveryCentre, ImpactReport, Provider, ProviderService
from providers.opendata.ids import stable_id
from providers.services.search_data import SearchIndex


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


def provider_uuid(pk: int) -> str:
    """The provider's stable id, the same as in open data."""
    return _uuid_of(pk)


_uuids: dict[int, str] = {}
_by_uuid: tuple[tuple, dict] | None = None
_lock = threading.Lock()


def _uuid_of(pk: int) -> str:
    found = _uuids.get(pk)
    if found is None:
        found = _uuids[pk] = stable_id("provider", pk)
    return found


def provider_pk_for(index: SearchIndex, uuid: str) -> int | None:
    """The primary key of the published provider whose open data id is `uuid`, or None.

    A UUID 5 cannot be turned back into its key, so each process maps the ids of
    the index's providers once per index (the UUIDs themselves are kept across
    indexes: a new index only computes those of newly published providers).
    """
    global _by_uuid
    version = (index.token, index.day)
    current = _by_uuid
    if current is None or current[0] != version:
        with _lock:
            current = _by_uuid
            if current is None or current[0] != version:
                current = _by_uuid = (
                    version,
                    {_uuid_of(pk): pk for pk in index.ids.tolist()},
                )
    return current[1].get(uuid.lower())
