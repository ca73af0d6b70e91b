"""/stats/: sector statistics from published listings, filtered like search, safe for people."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search
from providers import models as m
from providers.stats.metrics import METRICS_BY_KEY, MIN_PROVIDERS, median
from providers.stats.selectors import CHART_NAMES, sector_stats
from tests import factories as f

pytestmark = pytest.mark.django_db

LAST_YEAR = datetime.date.today().year - 1


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def provider(
    *, country="KE", service="data-annotation", status=m.ListingStatus.PUBLISHED, **report
):
    p = f.ProviderFactory(status=status, workforce=report.pop("workforce", 120))
    f.DeliveryCentreFactory(
        provider=p,
        country=country,
        headcount=report.pop("headcount", 100),
        impact_workers=report.pop("centre_workers", 60),
    )
    f.ProviderServiceFactory(provider=p, service=m.Service.objects.get(slug=service))
    if report.pop("no_report", False):
        return p
    f.ImpactReportFactory(provider=p, **{"total_employees": 100, "impact_workers": 60, **report})
    return p


def test_counts_only_published_listings(client):
    provider(impact_workers=50)
    provider(country="UG", impact_workers=30)
    for status in (m.ListingStatus.DRAFT, m.ListingStatus.SUSPENDED, m.ListingStatus.SUBMITTED):
        provider(status=status, impact_workers=70)

    result = sector_stats(querydict=_query())
    assert result.summary.providers == 2
    assert result.summary.impact_workers.total == 80
    assert result.summary.countries == 2
    html = client.get(reverse("stats:index")).content.decode()
    assert "<dd>2</dd>" in html and "<dd>80</dd>" in html


def _query(**params):
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for key, values in params.items():
        q.setlist(key, values if isinstance(values, list) else [values])
    return q


def test_banded_counts_are_left_out_of_sums_and_said_so(client):
    provider(impact_workers=50)
    provider(impact_workers=7, total_employees=100)  # banded: "fewer than 10"
    result = sector_stats(querydict=_query())

    assert result.summary.impact_workers.total == 50
    assert result.summary.impact_workers.left_out == 1
    html = client.get(reverse("stats:index")).content.decode()
    assert "1 provider&#x27;s count is shown as fewer than 10" in html or (
        "1 provider's count is shown as fewer than 10" in html
    )


def test_a_centre_count_the_profile_withholds_is_not_summed():
    # Two centres: 4 impact workers (banded) and 56 beside a report total of 60. The
    # profile withholds the 56 (else 60 - 56 gives the banded 4), so no sum may hold it.
    p = f.ProviderFactory(workforce=200)
    f.DeliveryCentreFactory(provider=p, country="KE", headcount=100, impact_workers=4)
    f.DeliveryCentreFactory(provider=p, country="UG", headcount=100, impact_workers=56)
    f.ProviderServiceFactory(provider=p, service=m.Service.objects.get(slug="data-annotation"))
    f.ImpactReportFactory(provider=p, total_employees=200, impact_workers=60)

    rows = {
        row[0].machine: row
        for row in sector_stats(querydict=_query()).chart("countries").table.rows
    }
    assert rows["KE"][3].machine == "" and rows["KE"][4].machine == "1"
    assert rows["UG"][3].machine == "" and rows["UG"][4].machine == "1"


def test_medians_need_at_least_five_providers():
    for turnover in ("10", "20", "30", "40"):
        provider(voluntary_turnover_pct=Decimal(turnover))
    result = sector_stats(querydict=_query())
    turnover = next(m for m in result.summary.medians if m.metric.key == "voluntary_turnover_pct")
    assert not turnover.enough and turnover.providers == 4

    provider(voluntary_turnover_pct=Decimal("21.25"))
    result = sector_stats(querydict=_query())
    turnover = next(m for m in result.summary.medians if m.metric.key == "voluntary_turnover_pct")
    assert turnover.enough and turnover.value == Decimal("21.25") and turnover.providers == 5


def test_median_of_an_even_number_is_exact():
    metric = METRICS_BY_KEY["voluntary_turnover_pct"]
    import numpy as np

    assert median(metric, np.array([1000, 1001, 2000, 3000, 4000, 5000])).value == Decimal("25.00")
    assert median(metric, np.array([1, 2, 3, 4, 5, 6])).value == Decimal("0.035")
    assert MIN_PROVIDERS == 5


def test_median_share_uses_published_shares_only():
    for workers in (20, 30, 40, 50, 60):
        provider(impact_workers=workers)
    # A share made of fewer than 10 impact workers is withheld on profiles: not in the median.
    provider(impact_workers=5)
    provider(impact_workers=6)
    result = sector_stats(querydict=_query())
    share = result.summary.medians[0]
    assert share.metric.key == "impact_share"
    assert share.providers == 5 and share.value == 40


def test_filters_select_exactly_what_search_selects(client):
    provider(country="KE", service="data-annotation")
    provider(country="KE", service="voice-support")
    provider(country="IN", service="data-annotation")
    provider(country="CO", service="sales")
    provider(country="US", service="data-entry", status=m.ListingStatus.DRAFT)

    for params in (
        {"region": "africa"},
        {"region": ["africa", "asia"]},
        {"service": "data-services"},
        {"service": "data-annotation", "region": "eastern-africa"},
        {"service": ["sales", "voice-support"], "region": "latin-america-caribbean"},
    ):
        stats = sector_stats(querydict=_query(**params))
        search = provider_search(params=parse_search_params(_query(**params)), page=1, page_size=20)
        assert stats.summary.providers == search.total, params


def test_unknown_filter_values_are_reported_never_an_error(client):
    provider()
    for query in (
        "?region=atlantis",
        "?service=%3Cscript%3E",
        "?service=" + "x" * 500,
        "?region=africa&region=africa&service=",
        "?region=%00",
    ):
        response = client.get(reverse("stats:index") + query)
        assert response.status_code == 200, query
    html = client.get(reverse("stats:index") + "?region=atlantis&region=africa").content.decode()
    assert "Ignored unknown region “atlantis”." in html
    assert (
        "<script>" not in client.get(reverse("stats:index") + "?service=<script>").content.decode()
    )


def test_every_chart_has_a_csv_with_the_same_filters(client):
    provider(country="KE")
    provider(country="IN")
    for name in CHART_NAMES:
        rows = csv_rows(client.get(reverse("stats:csv", args=[name]) + "?region=asia"))
        assert rows or name in ("groups", "certifications"), name
    countries = csv_rows(client.get(reverse("stats:csv", args=["countries"]) + "?region=asia"))
    assert [row["country_code"] for row in countries] == ["IN"]
    assert client.get(reverse("stats:csv", args=["nothing"])).status_code == 404
    assert client.post(reverse("stats:index")).status_code == 405


def test_trend_takes_one_report_per_provider_and_year():
    p = provider(
        impact_workers=40,
        period_start=datetime.date(LAST_YEAR, 1, 1),
        period_end=datetime.date(LAST_YEAR, 12, 31),
    )
    f.ImpactReportFactory(
        provider=p,
        period_start=datetime.date(LAST_YEAR - 1, 1, 1),
        period_end=datetime.date(LAST_YEAR - 1, 6, 30),
        impact_workers=20,
        is_latest=False,
    )
    f.ImpactReportFactory(
        provider=p,
        period_start=datetime.date(LAST_YEAR - 1, 7, 1),
        period_end=datetime.date(LAST_YEAR - 1, 12, 31),
        impact_workers=30,
        is_latest=False,
    )
    rows = {r[0].machine: r for r in sector_stats(querydict=_query()).chart("trend").table.rows}
    assert rows[str(LAST_YEAR - 1)][1].machine == "1"  # one report: the one ending last
    assert rows[str(LAST_YEAR - 1)][2].machine == "30"
    assert rows[str(LAST_YEAR)][2].machine == "40"


def test_stats_page_runs_one_query_once_built(client, django_assert_max_num_queries):
    for n in range(3):
        provider(impact_workers=20 + n)
    client.get(reverse("stats:index"))  # builds the search index and the statistics

    with django_assert_max_num_queries(1):
        response = client.get(reverse("stats:index") + "?region=africa")
    assert response.status_code == 200


def test_stats_query_count_does_not_grow_with_providers(client, django_assert_max_num_queries):
    for n in range(30):
        p = provider(country=("KE", "IN", "CO")[n % 3], impact_workers=15 + n)
        f.CertificationHoldingFactory(provider=p)
        f.ImpactReportFactory(
            provider=p,
            period_start=datetime.date(LAST_YEAR - 1, 1, 1),
            period_end=datetime.date(LAST_YEAR - 1, 12, 31),
            is_latest=False,
        )
    client.get(reverse("stats:index"))

    with django_assert_max_num_queries(1):
        response = client.get(reverse("stats:index") + "?service=data-services")
    assert response.status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(reverse("stats:csv", args=["trend"])).status_code == 200


def test_a_logged_in_visitor_adds_only_the_user_query(client, django_assert_max_num_queries):
    provider()
    client.force_login(f.BuyerFactory())
    client.get(reverse("stats:index"))
    with django_assert_max_num_queries(2):  # the user and the search data token
        assert client.get(reverse("stats:index")).status_code == 200


def test_a_write_rebuilds_the_statistics(client):
    provider(impact_workers=50)
    assert sector_stats(querydict=_query()).summary.impact_workers.total == 50
    provider(impact_workers=20)
    assert sector_stats(querydict=_query()).summary.impact_workers.total == 70


def test_methodology_page(client):
    html = client.get(reverse("stats:methodology")).content.decode()
    assert "fewer than 5 providers" in html
    assert "OI1638" in html and "PI3527" in html
    assert "left out" in html


@pytest.mark.parametrize("providers", [0, 1])
def test_a_directory_without_impact_reports_has_statistics_too(client, providers):
    """A new directory (or one whose providers have not reported yet) was a 500."""
    for _ in range(providers):
        f.ProviderFactory()

    response = client.get(reverse("stats:index"))

    assert response.status_code == 200
    assert client.get(reverse("stats:csv", args=["trend"])).status_code == 200
