"""About, privacy, terms and the 404 page in Chromium: reached from the footer by keyboard,
accessible (axe), CSP-clean, readable at 390 px."""

import os
from pathlib import Path

import pytest
from django.template import loader
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/impactdir-screenshots"))  # noqa: S108

PAGES = [("About", "About ImpactDir"), ("Privacy", "Privacy notice"), ("Terms", "Terms of use")]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(("link", "heading"), PAGES)
def test_site_pages_from_the_footer(live_server, page, axe, csp_errors, width, link, heading):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")
    footer_link = page.get_by_role("contentinfo").get_by_role("link", name=link, exact=True)
    footer_link.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe(page)
    # Nothing wider than the window: no sideways scrolling at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{link.lower()}-{width}.png"), full_page=True)
    assert csp_errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_the_404_page_searches_by_keyboard(live_server, page, axe, csp_errors, width):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(live_server.url + "/providers/no-such-provider/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"404-{width}.png"), full_page=True)

    page.get_by_role("searchbox", name="Search the directory").focus()
    page.keyboard.type("data")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/providers/?q=data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find impact sourcing providers")
    assert csp_errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_the_500_page_in_the_sites_layout(live_server, page, axe, width):
    """Rendered as handler500 renders it (no request), shown on the site's origin."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/about/")
    page.set_content(loader.render_to_string("500.html"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.get_by_role("contentinfo").get_by_role("link", name="Privacy")).to_be_visible()
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"500-{width}.png"), full_page=True)
