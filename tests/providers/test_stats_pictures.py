"""Statistics beside listings: profile medians and trend, comparison bars, the home page map."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from providers import disclosure
from providers import models as m
from providers.stats.data import public_counts, stats_data
from providers.stats.figures import SEARCH_URL
from tests import factories as f

pytestmark = pytest.mark.django_db

LAST_YEAR = datetime.date.today().year - 1


def peer(turnover, *, country="KE", service="data-annotation", workers=60):
    p = f.ProviderFactory()
    f.DeliveryCentreFactory(provider=p, country=country)
    f.ProviderServiceFactory(provider=p, service=m.Service.objects.get(slug=service))
    f.ImpactReportFactory(provider=p, impact_workers=workers, voluntary_turnover_pct=turnover)
    return p


@pytest.fixture
def peers():
    """Six providers offering data annotation in Africa, and one elsewhere."""
    providers = [peer(Decimal(t)) for t in ("10", "20", "25", "30", "40")]
    own = peer(Decimal("12"), country="UG")
    peer(Decimal("90"), country="IN")  # another region: not a peer
    f.ImpactReportFactory(
        provider=own,
        period_start=datetime.date(LAST_YEAR - 1, 1, 1),
        period_end=datetime.date(LAST_YEAR - 1, 12, 31),
        total_employees=90,
        impact_workers=45,
        voluntary_turnover_pct=Decimal("15"),
        is_latest=False,
    )
    return own, providers


def test_profile_shows_its_figures_beside_the_sector_median(client, peers):
    own, _others = peers
    stats_data()  # the worker's statistics, as after any /stats/ or search request
    html = client.get(own.get_absolute_url()).content.decode()

    assert "Sector median" in html
    # Voluntary turnover 12% beside the median of the six peers (10, 12, 20, 25, 30, 40).
    row = html[html.index("Voluntary turnover rate") :]
    row = row[: row.index("</tr>")]
    assert "12" in row and "22.5%" in row and "(of 6 providers)" in row
    assert "6 published providers that offer Data annotation and deliver in Africa" in html
    assert 'href="/stats/?region=africa&amp;service=data-annotation"' in html


def test_profile_medians_match_the_stats_page_with_the_same_filters(client, peers):
    own, _others = peers
    stats = client.get("/stats/?region=africa&service=data-annotation").content.decode()
    assert "22.5%" in stats[stats.index("Voluntary turnover rate") :][:400]
    assert "22.5%" in client.get(own.get_absolute_url()).content.decode()


def test_no_median_from_fewer_than_five_providers(client):
    own = peer(Decimal("12"))
    for t in ("10", "20", "30"):
        peer(Decimal(t))
    stats_data()
    html = client.get(own.get_absolute_url()).content.decode()
    row = html[html.index("Voluntary turnover rate") :]
    assert "too few providers (4)" in row[: row.index("</tr>")]


def test_profile_medians_add_no_query(client, peers, django_assert_max_num_queries):
    own, _others = peers
    stats_data()
    client.force_login(f.BuyerFactory())
    with django_assert_max_num_queries(4):
        # user, the profile's two queries (the search token comes with the provider),
        # the buyer's shortlists
        html = client.get(own.get_absolute_url()).content.decode()
    assert "Sector median" in html


def test_profile_without_statistics_yet_shows_no_medians_and_builds_nothing(
    client, django_assert_max_num_queries
):
    own = peer(Decimal("12"))
    with django_assert_max_num_queries(2):
        html = client.get(own.get_absolute_url()).content.decode()
    assert "Sector median" not in html


def test_profile_trend_chart_with_its_table_and_csv(client, peers):
    own, _others = peers
    html = client.get(own.get_absolute_url()).content.decode()
    assert 'role="img"' in html and 'aria-labelledby="chart-provider-trend-title' in html
    assert '<title id="chart-provider-trend-title">' in html
    assert "style=" not in html[html.index("<svg") : html.index("</svg>")]
    rows = client.get(reverse("stats:provider_csv", args=[own.slug])).content.decode()
    lines = rows.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("period_start,period_end,OI8869_total_employees,impact_workers")
    assert lines[1].split(",")[2:5] == ["90", "45", "50"]
    assert lines[2].split(",")[5] == "12"  # voluntary turnover of the latest report


def test_trend_csv_of_a_listing_that_is_not_public_is_404(client, peers):
    own, _others = peers
    own.status = m.ListingStatus.SUSPENDED
    own.save()
    assert client.get(reverse("stats:provider_csv", args=[own.slug])).status_code == 404
    assert client.get(reverse("stats:provider_csv", args=["nobody"])).status_code == 404


def test_a_banded_count_is_not_drawn_on_the_trend(client):
    p = peer(Decimal("12"), workers=60)
    f.ImpactReportFactory(
        provider=p,
        period_start=datetime.date(LAST_YEAR - 1, 1, 1),
        period_end=datetime.date(LAST_YEAR - 1, 12, 31),
        total_employees=50,
        impact_workers=7,
        is_latest=False,
    )
    html = client.get(p.get_absolute_url()).content.decode()
    svg = html[html.index('<svg class="chart__svg"') : html.index("</svg>")]
    assert ">7<" not in svg and "fewer than 10" in html


def test_compare_draws_key_figures_as_bars_with_a_csv(client):
    a = peer(Decimal("12.5"), workers=60)
    b = peer(Decimal("30"), workers=5)  # share withheld: 5 impact workers
    html = client.get(f"/compare/?p={a.slug}&p={b.slug}").content.decode()
    assert "Key figures side by side" in html
    assert 'id="chart-compare-voluntary-turnover-pct-title"' in html
    share_chart = html[html.index('id="chart-compare-impact-share-desc"') :]
    share_chart = share_chart[: share_chart.index("</desc>")]
    assert "60%" in share_chart and "withheld" in share_chart
    rows = client.get(f"/stats/compare.csv?p={a.slug}&p={b.slug}").content.decode()
    lines = rows.lstrip("\ufeff").splitlines()
    assert lines[1].startswith(f"{a.slug},") and ",60,12.5," in lines[1]
    assert lines[2].startswith(f"{b.slug},") and ",withheld,30," in lines[2]
    assert client.get(f"/stats/compare.csv?p={a.slug}").status_code == 404


def test_home_links_headline_figures_into_stats_and_draws_a_map(
    client, django_assert_max_num_queries
):
    cache.clear()
    peer(Decimal("12"))
    peer(Decimal("13"), country="IN")
    with django_assert_max_num_queries(6):
        html = client.get(reverse("home")).content.decode()
    assert html.count('href="/stats/') >= 3
    assert 'aria-labelledby="chart-home-countries-title chart-home-countries-desc"' in html
    assert "India: 1 provider" in html and "Kenya: 1 provider" in html
    cache.clear()


def test_search_url_constant_is_the_search_page():
    assert reverse("search") == SEARCH_URL


@settings(max_examples=300, deadline=None)
@given(
    workforce=st.one_of(st.none(), st.integers(1, 400)),
    total=st.integers(1, 400),
    workers_ratio=st.floats(0, 1),
    groups=st.lists(st.one_of(st.none(), st.integers(0, 60)), max_size=4),
    centres=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 200)), st.one_of(st.none(), st.integers(0, 60))
        ),
        max_size=4,
    ),
    seed=st.integers(0, 1000),
)
def test_public_counts_is_the_disclosure_rule(
    workforce, total, workers_ratio, groups, centres, seed
):
    workers = int(total * workers_ratio)
    rng = random.Random(seed)
    # Make sums hold exactly now and then: that is when secondary suppression acts.
    if centres and rng.random() < 0.5:
        workers = sum(w or 0 for _h, w in centres)
        total = max(total, workers, 1)
    if groups and rng.random() < 0.5:
        groups = [*groups[:-1], max(0, workers - sum(g or 0 for g in groups[:-1]))]
    report = dict.fromkeys(disclosure.REPORT_COUNT_FIELDS)
    report.update(total_employees=total, impact_workers=workers)
    ours = public_counts(workforce=workforce, report=report, groups=groups, centres=centres)
    rule = disclosure.listing_figures(
        workforce=workforce, report=report, groups=dict(enumerate(groups)), centres=centres
    )
    assert ours.impact_workers == rule.report["impact_workers"]
    assert ours.impact_share == rule.impact_share
    assert ours.groups == [rule.groups[i] for i in range(len(groups))]
    assert ours.centre_workers == [c.impact_workers for c in rule.centres]
