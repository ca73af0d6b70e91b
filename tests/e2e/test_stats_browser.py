"""Pages with charts in a real Chromium: accessible (axe), CSP-clean, readable at 390 px.

The Nu HTML checker runs on the same pages when it is available (VNU_JAR, or
node_modules/vnu-jar in the repository or /tmp, plus java); `.ci/run` installs
it, so CI always runs them.
"""

import datetime
import importlib
import io
import json
import subprocess
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from providers.models import Provider, Service
from providers.stats.data import stats_data
from tests import factories as f
from tests.vnu import require_vnu

seed_migration = importlib.import_module("providers.migrations.0002_seed_taxonomies")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = [390, 1280]


@pytest.fixture
def directory(db):
    if not Service.objects.exists():
        # Transactional tests before this one emptied the tables the migration seeded.
        seed_migration.seed(apps, None)
    call_command("seed_demo", providers=60, seed=3, stdout=io.StringIO(), stderr=io.StringIO())
    provider = (
        Provider.objects.published().filter(reports__is_latest=False).order_by("name").first()
    )
    other = Provider.objects.published().exclude(pk=provider.pk).order_by("name").first()
    stats_data()  # the worker's statistics, so profiles show sector medians
    return provider, other


def _pages(directory):
    provider, other = directory
    return {
        "stats": "/stats/",
        "stats-filtered": "/stats/?region=africa&service=data-services",
        "methodology": "/stats/methodology/",
        "profile": provider.get_absolute_url(),
        "compare": f"/compare/?p={provider.slug}&p={other.slug}",
        "home": "/",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_with_charts_are_accessible_and_fit_a_phone(
    live_server, page, axe, csp_errors, directory, width, tmp_path
):
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in _pages(directory).items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        # Open every data table so axe checks them too.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        axe(page)
        # Nothing but the tile map's own scroll region may be wider than the screen.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
    assert csp_errors == []


def test_charts_carry_title_desc_and_their_table(live_server, page, directory):
    provider, _other = directory
    page.goto(live_server.url + "/stats/")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 10
    for i in range(charts.count()):
        svg = charts.nth(i)
        ids = svg.get_attribute("aria-labelledby").split()
        assert [page.locator(f"#{id_}").evaluate("e => e.tagName") for id_ in ids] == [
            "title",
            "desc",
        ]
        assert svg.get_attribute("style") is None
    assert page.locator("svg [style]").count() == 0
    # Each chart is followed by its numbers and a CSV link.
    assert page.locator(".chart__data table").count() >= 8
    page.goto(live_server.url + provider.get_absolute_url())
    assert page.locator("#chart-provider-trend-title").count() == 1
    assert page.get_by_text("Sector median").first.is_visible()


def test_pages_with_charts_pass_the_nu_html_checker(client, directory, tmp_path):
    command = require_vnu()
    files = []
    for name, path in _pages(directory).items():
        response = client.get(path)
        assert response.status_code == 200
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.content)
        files.append(str(target))
    result = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    assert errors == [], errors[:10]


def test_a_provider_with_a_withheld_share_has_no_bar_for_it(live_server, page, axe):
    a = f.ProviderFactory(name="Alpha Fictional")
    b = f.ProviderFactory(name="Bravo Fictional")
    f.ImpactReportFactory(provider=a, impact_workers=60, voluntary_turnover_pct=Decimal("12"))
    f.ImpactReportFactory(
        provider=b,
        impact_workers=5,
        voluntary_turnover_pct=Decimal("20"),
        period_end=datetime.date.today() - datetime.timedelta(days=40),
        period_start=datetime.date.today() - datetime.timedelta(days=400),
    )
    page.goto(live_server.url + f"/compare/?p={a.slug}&p={b.slug}")
    chart = page.locator("#chart-compare-impact-share-desc").locator("..")
    assert chart.locator("rect.chart__bar").count() == 1
    axe(page)
