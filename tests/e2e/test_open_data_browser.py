"""The open data pages in Chromium: reached from the footer, accessible, files downloadable."""

import pytest
from playwright.sync_api import expect

from providers.opendata.build import build_open_data
from tests.factories import DeliveryCentreFactory, ImpactReportFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def snapshot(settings, tmp_path):
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    provider = ProviderFactory(name="Open Lagoon Services", slug="open-lagoon", workforce=64)
    DeliveryCentreFactory(provider=provider, country="GH", city="Accra", headcount=64)
    ImpactReportFactory(provider=provider, total_employees=64, impact_workers=40)
    return build_open_data(root=settings.OPEN_DATA_ROOT)


def test_a_data_user_finds_the_files_and_their_fields(live_server, page, axe, csp_errors, snapshot):
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Open data").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.get_by_text("1 published provider.")).to_be_visible()
    axe(page)

    response = page.request.get(live_server.url + "/data/organizations.csv")
    assert response.ok
    assert "Open Lagoon Services" in response.text()
    assert response.headers["access-control-allow-origin"] == "*"

    page.get_by_role("link", name="Every field explained").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data fields")
    expect(page.locator("#table-impact_reports")).to_be_visible()
    axe(page)
    assert csp_errors == []
