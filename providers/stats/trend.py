"""The trend of /stats/: the sector's reported figures over reporting years.

Each provider counts once per reporting year (the year its report's period ends), with
its report for that year; the chart is a set of small multiples, one per figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from . import charts
from .charts import Cell, Column, DataTable
from .data import EXACT, StatsData
from .figures import PeopleSum, people_sum
from .metrics import METRICS, Median, median

#: Reporting years the trend shows at most (the most recent ones).
TREND_YEARS = 8


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


def trend(data, keep, csv_url):
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
