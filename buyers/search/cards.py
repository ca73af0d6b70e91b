"""Result cards: the providers of one page, rendered once per data token and language."""

import threading
from collections import OrderedDict

from django.db.models import OuterRef, Prefetch, Subquery
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django_countries import countries

from buyers.search.index import SearchIndex
from providers.collation import sorted_by_name
from providers.models import DeliveryCentre, ImpactReport, Provider, ProviderService


def card_queryset():
    latest = ImpactReport.objects.filter(provider=OuterRef("pk"), is_latest=True)
    return (
        Provider.objects.published()
        .only(
            "id",
            "name",
            "slug",
            "tagline",
            "logo",
            "workforce",
            "impact_share",
            "provider_type",
            "parent_company",
            "verified_at",
            "updated_at",
            # the "not confirmed in over 2 years" mark (Provider.is_unconfirmed)
            "assured_date",
            "published_at",
            "created_at",
        )
        .annotate(
            report_period_start=Subquery(latest.values("period_start")[:1]),
            report_period_end=Subquery(latest.values("period_end")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "services",
                queryset=ProviderService.objects.select_related("service").only(
                    "provider_id", "service__name", "service__position"
                ),
                to_attr="card_services",
            ),
            Prefetch(
                "centres",
                queryset=DeliveryCentre.objects.only("provider_id", "country").order_by("country"),
                to_attr="card_centres",
            ),
        )
    )


#: Rendered result cards per process, keyed by data token, language and provider.
_card_cache: OrderedDict = OrderedDict()
_card_cache_lock = threading.Lock()
CARD_CACHE_SIZE = 5000


def rendered_cards(index: SearchIndex, ids: list) -> list:
    """(id, card HTML) for `ids`; a card is rendered once per provider change and language.

    A card shows only its listing's data, so it stays right until the listing changes
    (its stamp in the index) or the whole index is rebuilt (the token); this saves the
    page's card queries and most of its template time.
    """
    language = get_language()
    keys = {pk: (index.base_token, index.day, language, pk, index.stamp_of(pk)) for pk in ids}
    with _card_cache_lock:
        found = {pk: _card_cache.get(key) for pk, key in keys.items()}
    missing = [pk for pk, html in found.items() if html is None]
    if missing:
        for provider in card_providers(missing):
            html = render_to_string("includes/provider_card.html", {"provider": provider})
            found[provider.pk] = html
            with _card_cache_lock:
                _card_cache[keys[provider.pk]] = html
        with _card_cache_lock:
            while len(_card_cache) > CARD_CACHE_SIZE:
                _card_cache.popitem(last=False)
    return [(pk, found[pk]) for pk in ids if found.get(pk) is not None]


def card_providers(ids: list) -> list:
    if not ids:
        return []
    by_id = {provider.pk: provider for provider in card_queryset().filter(pk__in=ids)}
    providers = [by_id[pk] for pk in ids if pk in by_id]
    for provider in providers:
        seen = []
        for centre in provider.card_centres:
            code = str(centre.country)
            if code not in seen:
                seen.append(code)
        provider.card_countries = sorted_by_name(countries.name(code) for code in seen)
        provider.card_service_names = [ps.service.translated_name for ps in provider.card_services]
    return providers


def forget_cards() -> None:
    """Empty the card cache (its entries are keyed by a previous data token)."""
    with _card_cache_lock:
        _card_cache.clear()
