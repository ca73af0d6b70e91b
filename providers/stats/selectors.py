"""Sector statistics for /stats/: published listings only, filtered by region and service.

`sector_stats(querydict=...)` answers from the worker's statistics data
(data.py) in one SQL query (the search data token), whatever the number of
providers: a filter is an intersection of the search index's bitsets and every
figure a numpy reduction over the listings' public figures. The same filter
means the same providers as on /providers/.

What is counted (the methodology page says the same in words):
- providers: published listings;
- counts of people are sums of published counts only (`disclosure.sum_exact`): a
  count shown banded or withheld is left out, and the number of listings (or
  centres) left out is given beside each sum;
- medians are of published values only, never from fewer than
  `metrics.MIN_PROVIDERS` providers;
- figures of a provider's latest report, except the trend, which takes each
  provider's report for each reporting year (the year its period ends).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buyers.search.bits import bits_to_bool
from buyers.search.facets import FILTERS_BY_PARAM, in_page_order
from providers.models.taxonomy import translated

from . import charts
from .data import EXACT, StatsData, stats_data
from .figures import (
    PeopleSum,
    certifications,
    groups,
    people_sum,
    provenance,
    services,
    sizes,
    where,
)
from .metrics import METRICS, Median, median
from .trend import trend

#: Most values kept per filter; more are ignored (and reported), as on search.
MAX_VALUES = 30
#: Answers kept per worker (per data build) for filters asked before; each holds its
#: rendered page body (about 130 KB), so this bounds the cache near 6 MB.
MAX_CACHED_ANSWERS = 48

CHART_NAMES = (
    "countries",
    "regions",
    "services",
    "groups",
    "sizes",
    "provenance",
    "certifications",
    "trend",
)


# --------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterOption:
    key: str
    label: str
    level: int
    selected: bool
    providers: int


@dataclass
class Filters:
    services: tuple = ()
    regions: tuple = ()
    problems: list = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.services or self.regions)

    @property
    def querydict(self) -> QueryDict:
        """The filters kept, as the starting point of every filter link."""
        query = QueryDict(mutable=True)
        if self.regions:
            query.setlist("region", list(self.regions))
        if self.services:
            query.setlist("service", list(self.services))
        return query

    @property
    def query(self) -> str:
        """The canonical query string of the filters (for CSV links)."""
        return urlencode(
            [("region", r) for r in self.regions] + [("service", s) for s in self.services]
        )


def parse_filters(data: StatsData, querydict) -> Filters:
    """The known `service` and `region` values of a query; the rest is reported, never an error."""
    filters = Filters()
    for param, label in (("service", _("service")), ("region", _("region"))):
        known = {option.key for option in data.options.get(param, ())}
        kept = []
        for raw in querydict.getlist(param):
            value = raw.strip()
            if not value:
                continue
            if value not in known:
                shown = value if len(value) <= 40 else value[:39] + "…"
                filters.problems.append(
                    _("Ignored unknown %(facet)s “%(value)s”.") % {"facet": label, "value": shown}
                )
            elif value not in kept:
                kept.append(value)
        if len(kept) > MAX_VALUES:
            filters.problems.append(
                _("Only the first %(n)d values of %(facet)s were used.")
                % {"n": MAX_VALUES, "facet": label}
            )
            kept = kept[:MAX_VALUES]
        setattr(filters, f"{param}s", tuple(kept))
    return filters


def _union(data: StatsData, param: str, keys) -> int:
    bits = 0
    for key in keys:
        bits |= data.bits[param].get(key, 0)
    return bits


def filter_bits(data: StatsData, *, services=(), regions=()) -> int:
    """Providers offering any of `services` and delivering in any of `regions` (as bits)."""
    bits = data.all_bits
    if services:
        bits &= _union(data, "service", services)
    if regions:
        bits &= _union(data, "region", regions)
    return bits


# --------------------------------------------------------------------------
# The page's data
# --------------------------------------------------------------------------


@dataclass
class Summary:
    providers: int
    reporting: int
    countries: int
    impact_workers: PeopleSum
    medians: list[Median]


@dataclass
class SectorStats:
    filters: Filters
    service_options: list[FilterOption]
    region_options: list[FilterOption]
    summary: Summary
    charts: dict  # name -> chart
    trend_charts: list  # the small multiples drawn from the "trend" table

    #: the rendered page body, cached with the answer (per filters and language)
    body: str | None = None

    def chart(self, name):
        return self.charts[name]

    def rendered_body(self, template: str, context: dict) -> str:
        """The page body for these statistics, rendered once and kept with them."""
        if self.body is None:
            self.body = render_to_string(template, {"stats": self, **context})
        return self.body


def sector_stats(*, querydict) -> SectorStats:
    """Everything /stats/ shows for the filters in `querydict` (one SQL query)."""
    data = stats_data()
    filters = parse_filters(data, querydict)
    key = (filters.services, filters.regions, get_language())
    answer = data.answers.get(key)
    if answer is None:
        answer = _compute(data, Filters(services=filters.services, regions=filters.regions))
        if len(data.answers) >= MAX_CACHED_ANSWERS:
            data.answers.clear()  # rare: a crawler walking every combination
        data.answers[key] = answer
    if filters.problems:
        # Problems are about this request's spelling, not about the filters kept; the
        # page shows them outside the cached body.
        return SectorStats(**{**answer.__dict__, "filters": filters})
    return answer


def _options(data, param, bits_pool, chosen) -> list[FilterOption]:
    options = [
        FilterOption(
            key=option.key,
            label=translated(option.label),
            level=option.level,
            selected=option.key in chosen,
            providers=(bits_pool & data.bits[param].get(option.key, 0)).bit_count(),
        )
        for option in data.options.get(param, ())
    ]
    return in_page_order(FILTERS_BY_PARAM[param], options)


def _compute(data: StatsData, filters: Filters) -> SectorStats:
    bits = filter_bits(data, services=filters.services, regions=filters.regions)
    keep = bits_to_bool(bits, data.size)
    csv = _csv_urls(filters)
    summary = _summary(data, bits, keep)
    result = SectorStats(
        filters=filters,
        # Each option counts with the other filter applied, as search's facets do.
        service_options=_options(
            data, "service", filter_bits(data, regions=filters.regions), filters.services
        ),
        region_options=_options(
            data, "region", filter_bits(data, services=filters.services), filters.regions
        ),
        summary=summary,
        charts={},
        trend_charts=[],
    )
    countries_table, country_map, region_chart = where(data, bits, keep, csv)
    result.charts["countries"] = country_map
    result.charts["regions"] = region_chart
    result.charts["services"] = services(data, bits, keep, csv["services"])
    result.charts["groups"] = groups(data, bits, keep, csv["groups"])
    result.charts["sizes"] = sizes(data, bits, summary.providers, csv["sizes"])
    result.charts["provenance"] = provenance(data, keep, csv["provenance"])
    result.charts["certifications"] = certifications(data, bits, csv["certifications"])
    trend_table, trend_charts = trend(data, keep, csv["trend"])
    result.charts["trend"] = charts.TableOnly(trend_table, csv["trend"])
    result.trend_charts = trend_charts
    return result


def _csv_urls(filters: Filters) -> dict:
    query = filters.query
    return {
        name: reverse("stats:csv", args=[name]) + (f"?{query}" if query else "")
        for name in CHART_NAMES
    }


def _summary(data, bits, keep) -> Summary:
    countries = sum(1 for b in data.bits["country"].values() if b & bits)
    medians = [_latest_median(data, metric, keep) for metric in METRICS]
    return Summary(
        providers=bits.bit_count(),
        reporting=int((keep & data.has_report).sum()),
        countries=countries,
        impact_workers=people_sum(data.impact_workers, data.impact_state, keep),
        medians=medians,
    )


def _latest_median(data, metric, keep) -> Median:
    if metric.key == "impact_share":
        return median(metric, data.share[keep & (data.share_state == EXACT)])
    values = data.rates[metric.key]
    return median(metric, values[keep & (values >= 0)])
