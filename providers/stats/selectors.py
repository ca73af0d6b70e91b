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

import functools
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django_countries import countries as country_names

from buyers.search.bits import bits_to_bool
from providers import disclosure
from providers.models import Provenance, SizeBand

from . import charts
from .charts import Cell, Column, DataTable
from .data import EXACT, HIDDEN, PROVENANCES, StatsData, stats_data
from .metrics import METRICS, Median, median

#: Most values kept per filter; more are ignored (and reported), as on search.
MAX_VALUES = 30
#: Answers kept per worker (per data build) for filters asked before; each holds its
#: rendered page body (about 130 KB), so this bounds the cache near 6 MB.
MAX_CACHED_ANSWERS = 48
#: Reporting years the trend shows at most (the most recent ones).
TREND_YEARS = 8

SEARCH_URL = "/providers/"  # reverse("search"), checked by a test

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
# Aggregates of people
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleSum:
    """A sum of published counts of people, and how many counts it leaves out."""

    total: int
    counted: int  # counts added (each shown exactly)
    left_out: int  # counts shown banded or withheld, not added

    @property
    def shown(self) -> disclosure.Shown:
        # The sum of exact counts is 0 or at least the threshold; it still goes through
        # the rule like every count of people.
        return disclosure.count(self.total) if self.counted else disclosure.MISSING

    def cell(self) -> Cell:
        shown = self.shown
        return Cell(str(shown) if not shown.is_missing else "–", shown.machine)

    def left_out_cell(self) -> Cell:
        return Cell.number(self.left_out)


NO_PEOPLE = PeopleSum(0, 0, 0)


def people_sum(values: np.ndarray, states: np.ndarray, keep: np.ndarray) -> PeopleSum:
    """The published counts among `keep` (values hold 0 where a count is not exact)."""
    return PeopleSum(
        total=int(np.sum(values, where=keep)),
        counted=int(np.count_nonzero(keep & (states == EXACT))),
        left_out=int(np.count_nonzero(keep & (states == HIDDEN))),
    )


def _keyed_sums(rows, keep: np.ndarray, keys: int) -> list[PeopleSum]:
    """Per key, the sum of the exact counts of the kept rows (and how many were left out)."""
    kept = keep[rows.position] if len(rows.position) else np.zeros(0, dtype=bool)
    exact = kept & (rows.state == EXACT)
    hidden = kept & (rows.state == HIDDEN)
    totals = np.bincount(rows.key[exact], weights=rows.value[exact], minlength=keys)
    counted = np.bincount(rows.key[exact], minlength=keys)
    left = np.bincount(rows.key[hidden], minlength=keys)
    return [PeopleSum(int(totals[i]), int(counted[i]), int(left[i])) for i in range(keys)]


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
    return [
        FilterOption(
            key=option.key,
            label=option.label,
            level=option.level,
            selected=option.key in chosen,
            providers=(bits_pool & data.bits[param].get(option.key, 0)).bit_count(),
        )
        for option in data.options.get(param, ())
    ]


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
    countries_table, country_map, region_chart = _where(data, bits, keep, csv)
    result.charts["countries"] = country_map
    result.charts["regions"] = region_chart
    result.charts["services"] = _services(data, bits, keep, csv["services"])
    result.charts["groups"] = _groups(data, bits, keep, csv["groups"])
    result.charts["sizes"] = _sizes(data, bits, summary.providers, csv["sizes"])
    result.charts["provenance"] = _provenance(data, keep, csv["provenance"])
    result.charts["certifications"] = _certifications(data, bits, csv["certifications"])
    trend_table, trend_charts = _trend(data, keep, csv["trend"])
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


# --------------------------------------------------------------------------
# Where the work is delivered: countries (a map) and regions
# --------------------------------------------------------------------------


def _where(data, bits, keep, csv):
    centre_sums = _keyed_sums(data.centres, keep, len(data.countries))
    by_country = dict(zip(data.countries, centre_sums, strict=True))
    providers_in = {
        code: (bits & country_bits).bit_count()
        for code, country_bits in data.bits["country"].items()
    }
    names = names_of(providers_in)
    rows = sorted(
        ((names[code], code) for code, n in providers_in.items() if n),
        key=lambda item: item[0],
    )
    table = DataTable(
        caption=_("Providers and impact workers by delivery country"),
        columns=[
            Column("country_code", _("Code")),
            Column("country", _("Country")),
            Column("providers", _("Providers"), numeric=True),
            Column("impact_workers_at_centres", _("Impact workers at its centres"), numeric=True),
            Column("centre_counts_left_out", _("Centre counts left out"), numeric=True),
        ],
    )
    for name, code in rows:
        people = by_country.get(code, NO_PEOPLE)
        table.rows.append(
            [
                Cell.plain(code),
                Cell.plain(name, href=f"{SEARCH_URL}?country={code}"),
                Cell.number(providers_in[code]),
                people.cell(),
                people.left_out_cell(),
            ]
        )
    busiest = sorted(rows, key=lambda item: -providers_in[item[1]])[:3]
    desc = (
        _(
            "Tile map of the world, one square per country, shaded by the number of "
            "providers delivering from it. Most providers: %(list)s."
        )
        % {"list": ", ".join(f"{name} ({providers_in[code]})" for name, code in busiest)}
        if busiest
        else _("Tile map of the world; no published provider delivers from any country yet.")
    )
    country_map = charts.tile_map(
        id="chart-countries",
        title=_("Where the work is delivered"),
        desc=desc,
        table=table,
        values={code: n for code, n in providers_in.items() if n},
        names=names,
        tile_text=_tile_text,
        range_text=_range_text,
        csv_url=csv["countries"],
    )

    # Regions: every region with providers; bars for the top-level ones.
    region_table = DataTable(
        caption=_("Providers and impact workers by region"),
        columns=[
            Column("region", _("Region")),
            Column("part_of", _("Part of")),
            Column("providers", _("Providers"), numeric=True),
            Column("impact_workers_at_centres", _("Impact workers at its centres"), numeric=True),
            Column("centre_counts_left_out", _("Centre counts left out"), numeric=True),
        ],
    )
    labels = {option.key: option.label for option in data.options["region"]}
    bars = []
    for option in data.options["region"]:
        providers = (bits & data.bits["region"].get(option.key, 0)).bit_count()
        if not providers:
            continue
        parts = [
            by_country[c] for c in data.region_countries.get(option.key, ()) if c in by_country
        ]
        people = PeopleSum(
            total=sum(p.total for p in parts),
            counted=sum(p.counted for p in parts),
            left_out=sum(p.left_out for p in parts),
        )
        parent = data.region_parent.get(option.key)
        region_table.rows.append(
            [
                Cell.plain(option.label, href=f"?{urlencode({'region': option.key})}"),
                Cell.plain(labels.get(parent, "") if parent else ""),
                Cell.number(providers),
                people.cell(),
                people.left_out_cell(),
            ]
        )
        if parent is None:
            bars.append((option.label, providers, _providers_text(providers)))
    region_chart = charts.bar_chart(
        id="chart-regions",
        title=_("Providers by region"),
        desc=_bar_desc(
            _("Bar chart of published providers by the region they deliver from."), bars
        ),
        table=region_table,
        items=bars,
        csv_url=csv["regions"],
    )
    return table, country_map, region_chart


def _tile_text(name, value):
    return _tile_template_in(get_language(), value) % {"country": name, "n": value}


@functools.lru_cache(maxsize=512)
def _tile_template_in(language, value):
    if not value:
        return _("%(country)s: no providers")
    return ngettext("%(country)s: %(n)s provider", "%(country)s: %(n)s providers", value)


@functools.lru_cache(maxsize=8)
def country_names_in(language) -> dict:
    """ISO code -> country name in `language` (the active one when called)."""
    return {code: str(name) for code, name in country_names}


def names_of(codes) -> dict:
    names = country_names_in(get_language())
    return {code: names.get(code, code) for code in codes}


def _range_text(low, high):
    if high is None:
        return _("%(low)s or more providers") % {"low": low}
    if low == high:
        return ngettext("%(n)s provider", "%(n)s providers", low) % {"n": low}
    return _("%(low)s–%(high)s providers") % {"low": low, "high": high}


def _providers_text(n):
    return ngettext("%(n)s provider", "%(n)s providers", n) % {"n": f"{n:,}"}


def _bar_desc(kind: str, bars) -> str:
    """A chart description: what it shows and its largest and smallest bars."""
    drawn = [bar for bar in bars if bar[1] > 0]
    if not drawn:
        return kind + " " + _("There is nothing to draw for this selection.")
    largest = max(drawn, key=lambda bar: bar[1])
    smallest = min(drawn, key=lambda bar: bar[1])
    if largest is smallest:
        return kind + " " + _("%(label)s: %(value)s.") % {"label": largest[0], "value": largest[2]}
    return (
        kind
        + " "
        + _("Largest: %(large)s (%(large_value)s); smallest: %(small)s (%(small_value)s).")
        % {
            "large": largest[0],
            "large_value": largest[2],
            "small": smallest[0],
            "small_value": smallest[2],
        }
    )


# --------------------------------------------------------------------------
# Services, target groups, size, provenance, certifications
# --------------------------------------------------------------------------


def _services(data, bits, keep, csv_url):
    table = DataTable(
        caption=_("Providers and impact workers by service"),
        columns=[
            Column("service", _("Service")),
            Column("category", _("Category")),
            Column("providers", _("Providers"), numeric=True),
            Column("impact_workers", _("Impact workers (latest reports)"), numeric=True),
            Column("counts_left_out", _("Provider counts left out"), numeric=True),
        ],
    )
    bars = []
    category = ""
    for option in data.options["service"]:
        if option.level == 0:
            category = option.label
        option_bits = bits & data.bits["service"].get(option.key, 0)
        providers = option_bits.bit_count()
        if not providers:
            continue
        people = people_sum(
            data.impact_workers, data.impact_state, bits_to_bool(option_bits, data.size)
        )
        table.rows.append(
            [
                Cell.plain(option.label, href=f"?{urlencode({'service': option.key})}"),
                Cell.plain("" if option.level == 0 else category),
                Cell.number(providers),
                people.cell(),
                people.left_out_cell(),
            ]
        )
        if option.level == 1:
            bars.append((option.label, providers, _providers_text(providers)))
    return charts.bar_chart(
        id="chart-services",
        title=_("Providers by service"),
        desc=_bar_desc(_("Bar chart of published providers offering each service."), bars),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


def _groups(data, bits, keep, csv_url):
    sums = _keyed_sums(data.groups, keep, len(data.group_slugs))
    by_slug = dict(zip(data.group_slugs, sums, strict=True))
    table = DataTable(
        caption=_("Providers and impact workers by target group"),
        columns=[
            Column("target_group", _("Target group")),
            Column("providers", _("Providers hiring from it"), numeric=True),
            Column("impact_workers", _("Impact workers from it"), numeric=True),
            Column("counts_left_out", _("Counts left out"), numeric=True),
        ],
    )
    bars = []
    for option in data.options["group"]:
        providers = (bits & data.bits["group"].get(option.key, 0)).bit_count()
        people = by_slug.get(option.key, NO_PEOPLE)
        table.rows.append(
            [
                Cell.plain(option.label, href=f"{SEARCH_URL}?group={option.key}"),
                Cell.number(providers),
                people.cell(),
                people.left_out_cell(),
            ]
        )
        bars.append((option.label, providers, _providers_text(providers)))
    return charts.bar_chart(
        id="chart-groups",
        title=_("Providers by target group"),
        desc=_bar_desc(
            _("Bar chart of published providers whose latest report names each target group."), bars
        ),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


def _sizes(data, bits, providers, csv_url):
    table = DataTable(
        caption=_("Providers by workforce size"),
        columns=[
            Column("size_band", _("Workforce")),
            Column("providers", _("Providers"), numeric=True),
        ],
    )
    bars = []
    stated = 0
    for band in SizeBand:
        n = (bits & data.bits["size"].get(band.value, 0)).bit_count()
        stated += n
        table.rows.append([Cell(str(band.label), band.value), Cell.number(n)])
        bars.append((str(band.label), n, _providers_text(n)))
    unstated = providers - stated
    table.rows.append([Cell(_("Not stated"), "not-stated"), Cell.number(unstated)])
    bars.append((_("Not stated"), unstated, _providers_text(unstated)))
    return charts.bar_chart(
        id="chart-sizes",
        title=_("Providers by workforce size"),
        desc=_bar_desc(_("Bar chart of published providers by the size of their workforce."), bars),
        table=table,
        items=bars,
        csv_url=csv_url,
        hatched=frozenset({len(bars) - 1}),
    )


def _percent(part: int, total: int) -> str:
    return str(disclosure.percent_of(part, total)) if total else ""


def _provenance(data, keep, csv_url):
    reported = keep & data.has_report
    counts = np.bincount(data.provenance[reported].astype(np.int64), minlength=len(PROVENANCES))
    total = int(counts.sum())
    table = DataTable(
        caption=_("Latest reports by provenance"),
        columns=[
            Column("provenance", _("Provenance")),
            Column("providers", _("Providers"), numeric=True),
            Column("percent", _("Share of reports (%)"), numeric=True),
        ],
    )
    bars = []
    for i, value in enumerate(PROVENANCES):
        n = int(counts[i])
        percent = _percent(n, total)
        label = str(Provenance(value).label)
        table.rows.append([Cell(label, value), Cell.number(n), Cell.plain(percent)])
        text = _("%(percent)s%% (%(n)s)") % {"percent": percent or "0", "n": f"{n:,}"}
        bars.append((label, n, text))
    return charts.bar_chart(
        id="chart-provenance",
        title=_("How the latest figures are backed"),
        desc=_bar_desc(
            _(
                "Bar chart of latest impact reports: self-reported, backed by a document, "
                "or verified by a third party, as the providers state."
            ),
            bars,
        ),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


def _certifications(data, bits, csv_url):
    table = DataTable(
        caption=_("Providers holding each certification (valid today)"),
        columns=[
            Column("certification", _("Certification")),
            Column("providers", _("Providers"), numeric=True),
        ],
    )
    bars = []
    rows = []
    for option in data.options["certification"]:
        n = (bits & data.bits["certification"].get(option.key, 0)).bit_count()
        if n:
            rows.append((option, n))
    rows.sort(key=lambda item: (-item[1], item[0].label))
    for option, n in rows:
        table.rows.append(
            [
                Cell.plain(option.label, href=f"{SEARCH_URL}?certification={option.key}"),
                Cell.number(n),
            ]
        )
        bars.append((option.label, n, _providers_text(n)))
    return charts.bar_chart(
        id="chart-certifications",
        title=_("Certifications held"),
        desc=_bar_desc(
            _("Bar chart of published providers holding each certification, valid today."), bars
        ),
        table=table,
        items=bars,
        csv_url=csv_url,
    )


# --------------------------------------------------------------------------
# Trend over reporting years
# --------------------------------------------------------------------------


@dataclass
class TrendYear:
    year: int
    reports: int
    impact_workers: PeopleSum
    medians: list[Median]


def trend_years(data: StatsData, keep: np.ndarray) -> list[TrendYear]:
    """Per reporting year (most recent TREND_YEARS): reports, impact workers, medians."""
    reports = data.reports
    kept = keep[reports.position] if len(reports.position) else np.zeros(0, dtype=bool)
    # Reports are sorted by year: each year is one slice.
    all_years, starts = np.unique(reports.year, return_index=True)
    # (Without any report there is no year at all, and no end either.)
    ends = [*starts[1:], len(reports.year)] if len(starts) else []
    years = []
    for year, start, end in zip(all_years.tolist(), starts.tolist(), ends, strict=True):
        selected = kept[start:end]
        if not selected.any():
            continue
        medians = []
        for metric in METRICS:
            if metric.key == "impact_share":
                values = reports.share[start:end][
                    selected & (reports.share_state[start:end] == EXACT)
                ]
            else:
                rates = reports.rates[metric.key][start:end]
                values = rates[selected & (rates >= 0)]
            medians.append(median(metric, values))
        years.append(
            TrendYear(
                year=int(year),
                reports=int(np.count_nonzero(selected)),
                impact_workers=people_sum(
                    reports.impact_workers[start:end], reports.impact_state[start:end], selected
                ),
                medians=medians,
            )
        )
    return years[-TREND_YEARS:]


def _trend(data, keep, csv_url):
    years = trend_years(data, keep)
    columns = [
        Column("year", _("Reporting year")),
        Column("reports", _("Reports"), numeric=True),
        Column("impact_workers", _("Impact workers"), numeric=True),
        Column("impact_worker_counts_left_out", _("Counts left out"), numeric=True),
    ]
    for metric in METRICS:
        code = metric.iris_code
        key = f"{code}_{metric.key}_median" if code else f"{metric.key}_median"
        label = _("%(figure)s, median") % {"figure": metric.label}
        if code:
            label = f"{label} (IRIS+ {code})"
        columns.append(Column(key, label, numeric=True))
    table = DataTable(caption=_("Reported figures by reporting year"), columns=columns)
    for item in years:
        table.rows.append(
            [
                Cell.plain(item.year),
                Cell.number(item.reports),
                item.impact_workers.cell(),
                item.impact_workers.left_out_cell(),
                *(Cell(m.text or "–", m.machine) for m in item.medians),
            ]
        )
    labels = [str(item.year) for item in years]
    small = []
    workers = [
        (
            float(item.impact_workers.total) if item.impact_workers.counted else None,
            item.impact_workers.cell().text,
        )
        for item in years
    ]
    small.append(
        charts.trend_chart(
            id="chart-trend-impact-workers",
            title=_("Impact workers in reports, by reporting year"),
            desc=_trend_desc(_("Impact workers"), labels, workers),
            table=table,
            x_labels=labels,
            series=[(_("Impact workers"), "primary", workers)],
            csv_url=csv_url,
        )
    )
    for i, metric in enumerate(METRICS):
        points = [
            (
                (float(item.medians[i].value), metric.short(item.medians[i].value))
                if item.medians[i].enough
                else (None, "")
            )
            for item in years
        ]
        code = metric.iris_code
        title = _("%(figure)s (%(unit)s), median by reporting year") % {
            "figure": metric.label,
            "unit": metric.unit_label,
        }
        if code:
            title = f"{title} (IRIS+ {code})"
        small.append(
            charts.trend_chart(
                id=f"chart-trend-{metric.key.replace('_', '-')}",
                title=title,
                desc=_trend_desc(metric.label, labels, points),
                table=table,
                x_labels=labels,
                series=[(str(metric.label), "primary", points)],
                csv_url=csv_url,
            )
        )
    return table, small


def _trend_desc(name, labels, points) -> str:
    drawn = [
        (label, text)
        for label, (value, text) in zip(labels, points, strict=True)
        if value is not None
    ]
    if not drawn:
        return _(
            "Line chart of %(figure)s by reporting year: not enough published values to draw."
        ) % {"figure": str(name).lower()}
    first, last = drawn[0], drawn[-1]
    return _(
        "Line chart of %(figure)s by reporting year, from %(first)s in %(first_year)s "
        "to %(last)s in %(last_year)s."
    ) % {
        "figure": str(name).lower(),
        "first": first[1],
        "first_year": first[0],
        "last": last[1],
        "last_year": last[0],
    }


def home_map(providers_by_country: dict) -> charts.TileMap:
    """The home page's small map: published providers per delivery country."""
    names = names_of(providers_by_country)
    busiest = sorted(providers_by_country.items(), key=lambda item: (-item[1], names[item[0]]))[:3]
    table = DataTable(
        caption=_("Providers by delivery country"),
        columns=[
            Column("country", _("Country")),
            Column("providers", _("Providers"), numeric=True),
        ],
        rows=[
            [Cell.plain(names[code]), Cell.number(n)]
            for code, n in sorted(providers_by_country.items(), key=lambda item: names[item[0]])
        ],
    )
    return charts.tile_map(
        id="chart-home-countries",
        title=_("Where the work is delivered"),
        desc=(
            _(
                "Tile map of the world, one square per country, shaded by the number of "
                "providers delivering from it. Most providers: %(list)s."
            )
            % {"list": ", ".join(f"{names[code]} ({n})" for code, n in busiest)}
            if busiest
            else _("Tile map of the world; no published provider delivers from any country yet.")
        ),
        table=table,
        values=providers_by_country,
        names=names,
        tile_text=_tile_text,
        range_text=_range_text,
        csv_url=reverse("stats:csv", args=["countries"]),
        show_codes=False,
    )
