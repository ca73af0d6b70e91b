"""The language switcher in Chromium: by keyboard, without JavaScript, keeping the page and its
query string; the first visit in the browser's language; axe-clean in English, French and Arabic."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/impactdir-screenshots"))  # noqa: S108


def switcher(page):
    # Named "Language" in the page's language ("Langue", "اللغة"): found by its id.
    return page.locator("form#language")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_french_browser_switches_to_english_and_back_by_keyboard_without_javascript(
    live_server, browser, width
):
    ProviderFactory(name="Savannah Data Works", slug="savannah-data-works")
    context = browser.new_context(
        java_script_enabled=False, locale="fr-FR", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        # The first visit follows Accept-Language, query string and all.
        page.goto(live_server.url + "/providers/?q=data&sort=name")
        expect(page).to_have_url(f"{live_server.url}/fr/providers/?q=data&sort=name")
        expect(page.locator("html")).to_have_attribute("lang", "fr")

        # English, chosen by keyboard: the same page and query, unprefixed.
        english = switcher(page).get_by_role("button", name="English")
        english.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server.url}/providers/?q=data&sort=name")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        # The choice holds: this French browser is no longer sent to French.
        page.goto(live_server.url + "/about/")
        expect(page).to_have_url(f"{live_server.url}/about/")
        expect(page.locator("html")).to_have_attribute("lang", "en")

        if width >= 1280:
            # The header's link leads to the switcher; Tab reaches its first choice.
            page.goto(live_server.url + "/providers/?q=data&sort=name")
            page.get_by_role("link", name="Language: English").focus()
            page.keyboard.press("Enter")
            expect(page).to_have_url(re.compile(r"#language$"))
            page.keyboard.press("Tab")
            expect(switcher(page).get_by_role("button", name="Français")).to_be_focused()
            page.keyboard.press("Space")
        else:
            # On a phone the header stays one line: the switcher is in the footer.
            assert page.locator(".site-header").bounding_box()["height"] < 60
            page.goto(live_server.url + "/providers/?q=data&sort=name")
            switcher(page).get_by_role("button", name="Español").focus()
            page.keyboard.press("Enter")
        code = "fr" if width >= 1280 else "es"
        expect(page).to_have_url(f"{live_server.url}/{code}/providers/?q=data&sort=name")
        expect(page.locator("html")).to_have_attribute("lang", code)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", ["/providers/?q=data", "/fr/providers/?q=data", "/ar/about/"])
def test_the_switcher_is_accessible_in_every_direction(live_server, page, axe, width, path):
    ProviderFactory(name="Savannah Data Works", slug="savannah-data-works")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + path)

    form = switcher(page)
    expect(form).to_be_visible()
    for name in ["English", "Français", "Español", "Português", "العربية"]:
        expect(form.get_by_text(name, exact=True)).to_be_visible()
    expect(form.locator('[aria-current="true"]')).to_have_count(1)
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").split("?")[0].replace("/", "-") or "home"
    page.screenshot(path=str(SHOTS / f"languages-{name}-{width}.png"), full_page=True)


def test_after_search_updates_in_place_the_switcher_keeps_the_new_query(live_server, page):
    """With JavaScript, search changes its address in place (htmx): the switcher follows it."""
    for n in range(3):
        ProviderFactory(name=f"Data Works {n}", slug=f"data-works-{n}")
    page.goto(live_server.url + "/providers/?q=data")
    page.get_by_label("Sort by").select_option("name")
    expect(page).to_have_url(re.compile(r"sort=name"))

    switcher(page).get_by_role("button", name="Português").click()

    expect(page).to_have_url(re.compile(r"/pt/providers/\?(?=.*q=data)(?=.*sort=name)"))
    expect(page.locator("html")).to_have_attribute("lang", "pt")
