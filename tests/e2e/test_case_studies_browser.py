"""The case-study library in Chromium: filters by mouse, keyboard and without
JavaScript, the phone's Filters panel, the home page's newest; axe on each page."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from providers.models import Industry
from providers.services.catalogue import providers_refresh_derived
from tests.factories import (
    CaseStudyFactory,
    DeliveryCentreFactory,
    ProviderFactory,
    ServiceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
YEAR = datetime.date.today().year


@pytest.fixture
def library(settings):
    settings.CASE_STUDY_PAGE_SIZE = 4
    # Transactional tests flush the seeded taxonomies: make what the studies name here.
    annotation = ServiceFactory(
        name="Data annotation", slug="e2e-annotation", parent__name="Data", parent__slug="e2e-data"
    )
    support = ServiceFactory(
        name="Voice support", slug="e2e-voice", parent__name="Support", parent__slug="e2e-support"
    )
    retail = Industry.objects.create(name="Retail", slug="e2e-retail")
    banking = Industry.objects.create(name="Banking", slug="e2e-banking")
    for number in range(5):
        provider = ProviderFactory(name=f"Kenya Data {number}", slug=f"kenya-data-{number}")
        DeliveryCentreFactory(provider=provider, country="KE")
        CaseStudyFactory(
            provider=provider,
            title=f"Labelling shelf photos, part {number + 1}",
            service=annotation,
            client_industry=retail,
            year=YEAR - 1 - number % 2,
            results="Forty thousand photos labelled in six weeks, at 99.2% accuracy.",
            client_quote="Faster than our own team, and more careful.",
            quote_attribution="Operations lead, a fictional grocer",
        )
    provider = ProviderFactory(name="Uganda Voice", slug="uganda-voice")
    DeliveryCentreFactory(provider=provider, country="UG")
    CaseStudyFactory(
        provider=provider,
        title="Answering a bank's customers in Luganda",
        service=support,
        client_industry=banking,
        year=YEAR,
    )
    providers_refresh_derived()


def count_text(page):
    return page.locator("#result-count").inner_text().strip()


def test_library_with_javascript(live_server, page, axe, csp_errors, library, tmp_path):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/case-studies/")
    expect(page).to_have_title("Case studies · ImpactDir")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"1–4 of six case studies"))
    first = page.get_by_role("article").first
    expect(first).to_contain_text("Answering a bank's customers in Luganda")
    expect(first.get_by_role("link", name="Uganda Voice", exact=True)).to_be_visible()
    page.screenshot(path=tmp_path / "library-desktop.png", full_page=True)
    axe(page)

    page.get_by_label("Retail (5)").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"industry=e2e-retail"))
    expect(page.locator("#result-count")).to_have_text(re.compile(r"1–4 of five case studies"))
    # The other facets count with the industry applied; its own keeps its other options.
    expect(page.get_by_label("Uganda (0)")).to_have_count(0)
    expect(page.get_by_label("Banking (1)")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Page 2").click()
    expect(page).to_have_url(re.compile(r"industry=e2e-retail&page=2"))
    expect(page.locator("#result-count")).to_have_text(re.compile(r"5–5 of five"))
    page.get_by_role("link", name="Clear all").click()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"of six case studies"))
    # An entry leads to the case study on its provider's profile.
    page.get_by_role("link", name="On Uganda Voice’s profile").click()
    expect(page).to_have_url(re.compile(r"/providers/uganda-voice/#case-study-\d+$"))
    expect(page.locator(":target")).to_contain_text("Answering a bank's customers")
    assert csp_errors == []


def test_library_without_javascript_on_a_phone(live_server, browser, library, tmp_path):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/case-studies/")
        toggle = page.locator("summary.search__toggle")
        expect(toggle).to_be_visible()
        expect(page.get_by_label("Uganda (1)")).to_be_hidden()
        assert page.get_by_role("article").first.bounding_box()["y"] < PHONE["height"]
        page.screenshot(path=tmp_path / "library-phone.png", full_page=True)
        toggle.click()
        page.get_by_label("Uganda (1)").check()
        page.screenshot(path=tmp_path / "library-phone-open.png")
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"country=UG"))
        expect(page.locator("#result-count")).to_have_text("one case study")
        expect(page.get_by_text("Filters (1)")).to_be_visible()
        # Nothing wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        page.screenshot(path=tmp_path / "library-phone-filtered.png", full_page=True)
    finally:
        context.close()


def test_library_phone_with_javascript(live_server, page, axe, library):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/case-studies/?country=KE")
    expect(page.get_by_text("Filters (1)")).to_be_visible()
    axe(page)
    page.get_by_text("Filters (1)").click()
    expect(page.get_by_label("Kenya (5)")).to_be_visible()
    axe(page)


def test_filters_work_by_keyboard(live_server, page, library):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/case-studies/")
    page.get_by_label("Voice support (1)").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Apply filters").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"service=e2e-voice"))
    expect(page.locator("#result-count")).to_have_text("one case study")
    page.get_by_label("Search case studies").focus()
    page.keyboard.type("luganda")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=luganda"))
    expect(page.locator("#result-count")).to_have_text("one case study")


def test_home_page_shows_the_newest(live_server, page, axe, library, tmp_path):
    page.goto(live_server.url + "/")
    section = page.get_by_role("region", name="Recent case studies")
    expect(section.get_by_role("article")).to_have_count(3)
    expect(section.get_by_role("article").first).to_contain_text("Answering a bank's customers")
    axe(page)
    page.set_viewport_size(PHONE)
    section.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "home-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    section.get_by_role("link", name=re.compile("All case studies")).click()
    expect(page).to_have_url(re.compile(r"/case-studies/$"))
