"""The API documentation in Chromium: reached from the footer, accessible, no CSP errors,
readable on a phone."""

import pytest
from playwright.sync_api import expect

from tests.factories import ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_data_user_reads_the_api_docs(live_server, page, axe, csp_errors):
    ProviderFactory(name="Docs Harbour Services", slug="docs-harbour")
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="API").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("JSON API")
    expect(page.get_by_role("heading", name="Search providers")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="/api/v1/openapi.json").first.click()
    assert '"openapi"' in page.content()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/api/v1/docs/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width
    axe(page)
    assert csp_errors == []
