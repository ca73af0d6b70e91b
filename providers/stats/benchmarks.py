"""Statistics beside one listing: a profile's trend and sector medians, and comparison bars.

A profile's medians come from the worker's statistics data without a query: the
profile reads the search data token with its provider row, and `held_for(token)`
hands over the data built for it (or, while a background rebuild runs, the
previous data). When a process holds none yet, the profile shows no medians
rather than wait for a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from buyers.search.bits import bits_to_bool
from providers import disclosure
from providers.models.taxonomy import translated

from . import charts
from .charts import Cell, Column, DataTable
from .data import held_for
from .metrics import METRICS, Median
from .selectors import _latest_median, filter_bits

# --------------------------------------------------------------------------
# Sector medians beside a profile
# --------------------------------------------------------------------------

#: Peer groups whose medians a worker keeps (small answers; profiles share them).
MAX_CACHED_PEERS = 2048


@dataclass(frozen=True)
class Benchmarks:
    """Medians of a provider's peers: those offering one of its services in one of its regions."""

    description: str
    stats_url: str
    providers: int
    medians: dict  # metric key -> Median

    def get(self, key: str) -> Median | None:
        return self.medians.get(key)


def _joined(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def profile_benchmarks(
    *, token: str, services: list[str], countries: list[str]
) -> Benchmarks | None:
    """Sector medians for a provider offering `services` (leaf slugs) from `countries` (codes).

    The peers are the published providers that offer any of the same services and
    deliver from any of the same top-level regions: /stats/ with those filters
    shows the same medians. No query; None when the process holds no statistics.
    """
    data = held_for(token)
    if data is None:
        return None
    known = data.bits["service"]
    services = tuple(sorted(slug for slug in set(services) if slug in known))
    regions = tuple(
        sorted({region for code in countries for region in data.top_regions.get(code, ())})
    )
    key = (services, regions, get_language())
    answer = data.peers.get(key)
    if answer is not None:
        return answer
    bits = filter_bits(data, services=services, regions=regions)
    keep = bits_to_bool(bits, data.size)
    labels = {
        param: {option.key: translated(option.label) for option in data.options[param]}
        for param in ("service", "region")
    }
    service_names = _joined([labels["service"][s] for s in services])
    region_names = _joined([labels["region"][r] for r in regions])
    n = bits.bit_count()
    if services and regions:
        description = ngettext(
            "Sector medians are those of the %(n)s published provider that offers "
            "%(services)s and delivers in %(regions)s.",
            "Sector medians are those of the %(n)s published providers that offer "
            "%(services)s and deliver in %(regions)s.",
            n,
        )
    elif services:
        description = ngettext(
            "Sector medians are those of the %(n)s published provider that offers %(services)s.",
            "Sector medians are those of the %(n)s published providers that offer %(services)s.",
            n,
        )
    elif regions:
        description = ngettext(
            "Sector medians are those of the %(n)s published provider that delivers in "
            "%(regions)s.",
            "Sector medians are those of the %(n)s published providers that deliver in "
            "%(regions)s.",
            n,
        )
    else:
        description = ngettext(
            "Sector medians are those of the %(n)s published provider.",
            "Sector medians are those of all %(n)s published providers.",
            n,
        )
    description = description % {
        "n": f"{n:,}",
        "services": service_names,
        "regions": region_names,
    }
    query = urlencode([("region", r) for r in regions] + [("service", s) for s in services])
    answer = Benchmarks(
        description=description,
        stats_url=reverse("stats:index") + (f"?{query}" if query else ""),
        providers=n,
        medians={metric.key: _latest_median(data, metric, keep) for metric in METRICS},
    )
    if len(data.peers) >= MAX_CACHED_PEERS:
        data.peers.clear()
    data.peers[key] = answer
    return answer


# --------------------------------------------------------------------------
# A profile's reports over time
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPoint:
    """One report of a provider as the public may see it (the profile's own data)."""

    period_start: object
    period_end: object
    total_employees: disclosure.Shown
    impact_workers: disclosure.Shown
    impact_share: disclosure.Shown
    rates: dict  # rate field -> Shown
    provenance_label: str


def _shown_cell(shown: disclosure.Shown) -> Cell:
    return Cell(str(shown) if not shown.is_missing else "–", shown.machine)


def _metric_cell(metric, shown: disclosure.Shown) -> Cell:
    if shown.is_exact:
        return Cell(metric.text(Decimal(shown.value)), shown.machine)
    return _shown_cell(shown)


def provider_trend(*, slug: str, points: list[ReportPoint]) -> charts.TrendChart | None:
    """The provider's employees and impact workers across its reports (two or more)."""
    points = sorted(points, key=lambda p: p.period_end)
    if len(points) < 2:
        return None
    columns = [
        Column("period_start", _("Period start")),
        Column("period_end", _("Period end")),
        Column("OI8869_total_employees", _("Employees (IRIS+ OI8869)"), numeric=True),
        Column("impact_workers", _("Impact workers"), numeric=True),
        Column("impact_share_pct", _("Impact-worker share"), numeric=True),
    ]
    rate_metrics = [metric for metric in METRICS if metric.key != "impact_share"]
    for metric in rate_metrics:
        columns.append(
            Column(
                f"{metric.iris_code}_{metric.key}",
                f"{metric.label} (IRIS+ {metric.iris_code})",
                numeric=True,
            )
        )
    columns.append(Column("provenance", _("Provenance")))
    table = DataTable(caption=_("Impact figures in each report"), columns=columns)
    share_metric = METRICS[0]
    for point in points:
        table.rows.append(
            [
                Cell(date_format(point.period_start, "M Y"), point.period_start.isoformat()),
                Cell(date_format(point.period_end, "M Y"), point.period_end.isoformat()),
                _shown_cell(point.total_employees),
                _shown_cell(point.impact_workers),
                _metric_cell(share_metric, point.impact_share),
                *(
                    _metric_cell(m, point.rates.get(m.key, disclosure.MISSING))
                    for m in rate_metrics
                ),
                Cell.plain(point.provenance_label),
            ]
        )
    labels = [point.period_end.strftime("%Y") for point in points]
    if len(set(labels)) < len(labels):
        labels = [point.period_end.strftime("%m/%Y") for point in points]

    def series(attribute):
        return [
            (float(getattr(p, attribute).value), str(getattr(p, attribute)))
            if getattr(p, attribute).is_exact
            else (None, "")
            for p in points
        ]

    employees, workers = series("total_employees"), series("impact_workers")
    first, last = points[0], points[-1]
    desc = _(
        "Line chart of employees and impact workers in each report, from %(start)s to %(end)s: "
        "employees %(first_employees)s to %(last_employees)s, "
        "impact workers %(first_workers)s to %(last_workers)s."
    ) % {
        "start": first.period_end.strftime("%Y"),
        "end": last.period_end.strftime("%Y"),
        "first_employees": first.total_employees,
        "last_employees": last.total_employees,
        "first_workers": first.impact_workers,
        "last_workers": last.impact_workers,
    }
    return charts.trend_chart(
        id="chart-provider-trend",
        title=_("Employees and impact workers by report"),
        desc=desc,
        table=table,
        x_labels=labels,
        series=[
            (_("Employees"), "primary", employees),
            (_("Impact workers"), "secondary", workers),
        ],
        csv_url=reverse("stats:provider_csv", args=[slug]),
    )


# --------------------------------------------------------------------------
# Comparison bars
# --------------------------------------------------------------------------


def compare_charts(*, providers: list, figures: list[dict], csv_url: str) -> list[charts.BarChart]:
    """One bar chart per key figure, a bar per provider; `figures[i]` maps metric key -> Shown."""
    result = []
    for metric in METRICS:
        table = DataTable(
            caption=metric.label,
            columns=[
                Column("provider", _("Provider")),
                Column(metric.key, metric.label, numeric=True),
            ],
        )
        items = []
        for provider, shown_of in zip(providers, figures, strict=True):
            shown = shown_of.get(metric.key, disclosure.MISSING)
            cell = _metric_cell(metric, shown)
            if shown.is_missing:
                cell = Cell(_("not reported"), "")
            table.rows.append([Cell.plain(provider.name, href=provider.get_absolute_url()), cell])
            items.append((provider.name, float(shown.value) if shown.is_exact else 0, cell.text))
        if not any(value for _name, value, _text in items):
            continue
        code = metric.iris_code
        title = f"{metric.label} (IRIS+ {code})" if code else str(metric.label)
        chart = charts.bar_chart(
            id=f"chart-compare-{metric.key.replace('_', '-')}",
            title=title,
            desc=_("Bar chart comparing %(figure)s: %(values)s.")
            % {
                "figure": str(metric.label).lower(),
                "values": "; ".join(f"{name} {text}" for name, _v, text in items),
            },
            table=table,
            items=items,
            csv_url=csv_url,
        )
        chart.differs = len({text for _name, _value, text in items}) > 1
        result.append(chart)
    return result


def compare_table(*, providers: list, figures: list[dict]) -> DataTable:
    """Every key figure of the compared providers, one row each (the comparison's CSV)."""
    table = DataTable(
        caption=_("Key figures of the compared providers"),
        columns=[
            Column("slug", _("Slug")),
            Column("provider", _("Provider")),
            *(
                Column(f"{m.iris_code}_{m.key}" if m.iris_code else m.key, m.label, numeric=True)
                for m in METRICS
            ),
        ],
    )
    for provider, shown_of in zip(providers, figures, strict=True):
        table.rows.append(
            [
                Cell.plain(provider.slug),
                Cell.plain(provider.name),
                *(_metric_cell(m, shown_of.get(m.key, disclosure.MISSING)) for m in METRICS),
            ]
        )
    return table
