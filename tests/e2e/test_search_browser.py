"""A buyer's search journey in Chromium, with and without JavaScript; axe on every state."""

import re

import pytest
from playwright.sync_api import expect

from providers.services.catalogue import providers_refresh_derived
from tests.factories import (
    DeliveryCentreFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def directory(settings):
    settings.SEARCH_PAGE_SIZE = 4
    # Transactional tests flush the seeded taxonomies: make the services here.
    annotation = ServiceFactory(
        name="Data annotation", slug="e2e-annotation", parent__name="Data", parent__slug="e2e-data"
    )
    support = ServiceFactory(
        name="Voice support", slug="e2e-voice", parent__name="Support", parent__slug="e2e-support"
    )
    for number in range(7):
        provider = ProviderFactory(name=f"Kenya Data {number}", slug=f"kenya-data-{number}")
        DeliveryCentreFactory(provider=provider, country="KE")
        ProviderServiceFactory(provider=provider, service=annotation)
    for number in range(3):
        provider = ProviderFactory(name=f"Uganda Voice {number}", slug=f"uganda-voice-{number}")
        DeliveryCentreFactory(provider=provider, country="UG")
        ProviderServiceFactory(provider=provider, service=support)
    providers_refresh_derived()


def count_text(page):
    return page.locator("#result-count").inner_text().strip()


def test_search_journey_with_javascript(live_server, page, axe, csp_errors, directory):
    page.goto(live_server.url + "/providers/")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"1–4 of 10 providers"))
    expect(page.get_by_label("Kenya (7)")).to_be_visible()
    expect(page.get_by_label("Uganda (3)")).to_be_visible()
    axe(page)

    # Tick a filter: results and counts update in place and the URL follows.
    page.get_by_label("Kenya (7)").check()
    expect(page).to_have_url(re.compile(r"country=KE"))
    expect(page.locator("#result-count")).to_have_text(re.compile(r"1–4 of 7 providers"))
    # Disjunctive: Uganda still shows its own count; services count within Kenya.
    expect(page.get_by_label("Uganda (3)")).to_be_visible()
    expect(page.get_by_label("Data annotation (7)")).to_be_visible()
    expect(page.get_by_label("Kenya (7)")).to_be_checked()
    axe(page)

    # Page on: the filter is kept.
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"country=KE.*page=2|page=2.*country=KE"))
    expect(page.locator("#result-count")).to_have_text(re.compile(r"5–7 of 7 providers"))
    expect(page.get_by_role("link", name="Kenya Data 6")).to_be_visible()
    axe(page)

    # Search text together with the filter.
    page.get_by_label("Search providers").fill("uganda")
    page.get_by_label("Search providers").press("Enter")
    expect(page.locator("#result-count")).to_have_text("No providers match")
    expect(
        page.get_by_role("link", name=re.compile("Remove delivery country: 3 providers"))
    ).to_be_visible()
    axe(page)

    # Remove the country chip: only the text remains.
    page.get_by_role("link", name=re.compile(r"Delivery country: Kenya")).click()
    expect(page.locator("#result-count")).to_have_text(
        re.compile(r"1–3 of 3 providers|3 providers")
    )
    expect(page).not_to_have_url(re.compile(r"country="))
    axe(page)

    # Back goes to the previous state.
    page.go_back()
    expect(page).to_have_url(re.compile(r"country=KE"))
    expect(page.locator("#result-count")).to_have_text("No providers match")
    axe(page)
    assert csp_errors == []


def test_search_works_without_javascript(live_server, browser, axe, directory):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/providers/")
        page.get_by_label("Uganda (3)").check()
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"country=UG"))
        expect(page.locator("#result-count")).to_have_text(re.compile(r"3 providers"))
        page.get_by_role("link", name="Clear all").click()
        expect(page.locator("#result-count")).to_have_text(re.compile(r"of 10 providers"))
    finally:
        context.close()


def test_filters_work_by_keyboard(live_server, page, directory):
    page.goto(live_server.url + "/providers/")
    checkbox = page.get_by_label("Uganda (3)")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"country=UG"))
    expect(page.locator("#result-count")).to_have_text(re.compile(r"3 providers"))
    # Focus stays on the control the buyer used after the update.
    expect(page.get_by_label("Uganda (3)")).to_be_focused()
