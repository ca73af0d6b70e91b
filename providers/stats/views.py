"""/stats/: sector statistics with charts, each chart's data as CSV, and the methodology."""

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from buyers.exports import safe_cell
from providers import disclosure
from providers.models import Provider

from .metrics import METRICS, MIN_PROVIDERS
from .selectors import CHART_NAMES, sector_stats


class _Echo:
    def write(self, value):
        return value


def _csv_response(table, filename: str) -> HttpResponse:
    writer = csv.writer(_Echo())
    body = "\ufeff" + "".join(
        writer.writerow([safe_cell(v) for v in row]) for row in table.csv_rows()
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def stats(request):
    """The sector at a glance; `region` and `service` (repeatable) filter it."""
    result = sector_stats(querydict=request.GET)
    numbers = {"min_providers": MIN_PROVIDERS, "threshold": disclosure.THRESHOLD}
    context = {
        "stats": result,
        "body": result.rendered_body("providers/stats/body.html", numbers),
        **numbers,
    }
    return render(request, "providers/stats/index.html", context)


@require_safe
def chart_csv(request, name):
    """The data table of one chart of /stats/, with the same filters."""
    if name not in CHART_NAMES:
        raise Http404(_("There is no such statistics table."))
    result = sector_stats(querydict=request.GET)
    return _csv_response(result.chart(name).table, f"impactdir-stats-{name}.csv")


@require_safe
def methodology(request):
    """How each statistic is computed, and what is left out and why."""
    context = {
        "metrics": METRICS,
        "min_providers": MIN_PROVIDERS,
        "threshold": disclosure.THRESHOLD,
    }
    return render(request, "providers/stats/methodology.html", context)


@require_safe
def provider_trend_csv(request, slug):
    """A published provider's reports over time, as its profile draws them."""
    from providers.selectors import provider_profile

    try:
        profile = provider_profile(slug=slug)
    except Provider.DoesNotExist:
        raise Http404(_("No published provider has this address.")) from None
    if profile.trend is None:
        raise Http404(_("This provider has fewer than two reports."))
    return _csv_response(profile.trend.table, f"impactdir-{slug}-reports.csv")


@require_safe
def compare_csv(request):
    """The key figures of the providers compared at /compare/ with the same `p` parameters."""
    from buyers.selectors import provider_compare

    comparison = provider_compare(slugs=request.GET.getlist("p"))
    if not comparison.ready:
        raise Http404(_("Choose at least two published providers to compare."))
    return _csv_response(comparison.figures_table, "impactdir-comparison.csv")
