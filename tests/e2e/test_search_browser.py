"""A buyer's search journey in Chromium, with and without JavaScript; axe on every state."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from providers.services.catalogue import providers_refresh_derived
from tests.factories import (
    DeliveryCentreFactory,
    ImpactReportFactory,
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
        if number == 0:  # figures from a period that ended long ago: marked stale on its card
            ImpactReportFactory(
                provider=provider,
                period_start=datetime.date(2019, 1, 1),
                period_end=datetime.date(2019, 12, 31),
            )
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
    assert_count_and_sort_readable(page)
    # Every hint finds someone, its count in words.
    hints = page.locator(".empty__hints a")
    for text in hints.all_inner_texts():
        assert re.search(
            r": (one|two|three|four|five|six|seven|eight|nine|\d{2,}) providers?$", text
        )
    expect(
        page.get_by_role("link", name=re.compile("Remove delivery country: three providers"))
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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def search_requests(page):
    """The in-place (htmx) requests for results the page sends from now on."""
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url)
            if "/providers/" in request.url and request.headers.get("hx-request")
            else None
        ),
    )
    return sent


def first_card_top(page):
    return page.locator(".provider-card").first.bounding_box()["y"]


def on_one_line(first, second):
    a, b = first.bounding_box(), second.bounding_box()
    return a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def assert_count_and_sort_readable(page):
    """The count is one line, never broken; beside the sort where both fit (wide screens),
    otherwise the line above it (a phone); neither overlaps nor leaves the screen."""
    width = page.viewport_size["width"]
    count, sort = page.locator("#result-count"), page.locator(".search__sort")
    line = float(count.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
    box, sort_box = count.bounding_box(), sort.bounding_box()
    assert box["height"] < 1.5 * line, box
    for each in (box, sort_box):
        assert each["x"] >= 0 and each["x"] + each["width"] <= width, each
    if width >= 1024:
        assert on_one_line(count, sort)
    else:
        assert on_one_line(count, sort) or box["y"] + box["height"] <= sort_box["y"] + 1


def test_phone_shows_results_first_and_filters_behind_a_control(live_server, page, axe, directory):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/providers/?country=KE")
    toggle = page.get_by_text("Filters (1)")
    expect(toggle).to_be_visible()
    expect(page.get_by_label("Uganda (3)")).to_be_hidden()
    assert first_card_top(page) < PHONE["height"]
    assert_count_and_sort_readable(page)
    stale = page.get_by_role("article", name="Kenya Data 0").get_by_text("Impact figures stale")
    expect(stale).to_be_visible()
    axe(page)

    sent = search_requests(page)
    toggle.click()
    expect(page.get_by_label("Uganda (3)")).to_be_visible()
    axe(page)
    page.get_by_label("Uganda (3)").check()
    # The panel stays open across the update, with focus on the box just ticked.
    show = page.get_by_role("button", name="Show 10 providers")
    expect(show).to_be_visible()
    expect(page).to_have_url(re.compile(r"country=KE&country=UG|country=UG&country=KE"))
    expect(page.get_by_label("Uganda (3)")).to_be_checked()
    expect(page.get_by_label("Uganda (3)")).to_be_focused()
    # The button sits at the foot of the screen while the panel is open.
    box = show.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]
    axe(page)

    show.click()
    expect(page.get_by_label("Uganda (3)")).to_be_hidden()
    expect(page.get_by_text("Filters (2)")).to_be_visible()
    expect(page.locator("#results")).to_be_focused()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"1–4 of 10 providers"))
    assert len(sent) == 1  # the tick; closing the panel asks for nothing
    axe(page)

    # Escape closes the panel from inside it, back on its control.
    page.get_by_text("Filters (2)").click()
    page.get_by_label("Uganda (3)").focus()
    page.keyboard.press("Escape")
    expect(page.get_by_label("Uganda (3)")).to_be_hidden()
    expect(page.get_by_text("Filters (2)")).to_be_focused()


def test_phone_filters_work_without_javascript(live_server, browser, directory):
    # (axe runs inside the page, so it cannot run here: the test with JavaScript runs it.)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/providers/")
        assert first_card_top(page) < PHONE["height"]
        page.locator("summary.search__toggle").click()
        page.get_by_label("Uganda (3)").check()
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"country=UG"))
        expect(page.locator("#result-count")).to_have_text(re.compile(r"3 providers"))
        expect(page.get_by_label("Uganda (3)")).to_be_hidden()  # closed again
        expect(page.get_by_text("Filters (1)")).to_be_visible()
        assert first_card_top(page) < PHONE["height"]
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_desktop_keeps_the_filter_sidebar(live_server, browser, axe, directory, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/providers/")
        expect(page.locator("summary.search__toggle")).to_be_hidden()
        facets = page.locator(".search__facets").bounding_box()
        results = page.locator(".search__results").bounding_box()
        # Side by side: the filters to the left of the results, their tops level.
        assert facets["x"] + facets["width"] <= results["x"]
        assert abs(facets["y"] - results["y"]) < 40
        expect(page.get_by_label("Uganda (3)")).to_be_visible()
        expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
        assert_count_and_sort_readable(page)
        if javascript:  # axe runs inside the page
            axe(page)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_skip_to_results_reaches_the_first_result_in_three_keys(
    live_server, page, directory, viewport
):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/providers/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to results")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Kenya Data 0")).to_be_focused()


def test_updates_keep_focus_and_announce_the_count(live_server, page, directory):
    page.goto(live_server.url + "/providers/")
    announcer = page.locator("#search-announcer")

    sort = page.get_by_label("Sort by")
    sort.focus()
    sort.select_option(index=1)
    expect(page).to_have_url(re.compile(r"sort="))
    expect(page.get_by_label("Sort by")).to_be_focused()
    expect(announcer).to_have_text("1–4 of 10 providers")

    page.get_by_label("Uganda (3)").focus()
    page.keyboard.press("Space")
    expect(announcer).to_have_text("1–3 of 3 providers")
    expect(page.get_by_label("Uganda (3)")).to_be_focused()

    # A chip goes away with its filter: focus moves to the results, not the page's top.
    page.get_by_role("link", name=re.compile("Delivery country: Uganda")).focus()
    page.keyboard.press("Enter")
    expect(announcer).to_have_text("1–4 of 10 providers")
    expect(page.locator("#results")).to_be_focused()

    # Pages too.
    page.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(announcer).to_have_text("5–8 of 10 providers")
    expect(page.locator("#results")).to_be_focused()


def test_enter_in_the_text_box_sends_one_request(live_server, page, directory):
    page.goto(live_server.url + "/providers/")
    sent = search_requests(page)
    box = page.get_by_label("Search providers")
    box.fill("uganda")
    box.press("Enter")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"3 providers"))
    expect(page).to_have_url(re.compile(r"q=uganda"))
    page.wait_for_timeout(300)  # a second request would have gone out by now
    assert len(sent) == 1
    expect(page.get_by_label("Search providers")).to_be_focused()
    # Leaving the box after typing asks for nothing: Enter or the button does.
    box.fill("kenya")
    page.keyboard.press("Tab")
    page.wait_for_timeout(300)
    assert len(sent) == 1


def test_loading_shows_and_dims_and_a_failure_undoes_the_change(live_server, page, axe, directory):
    page.goto(live_server.url + "/providers/")
    spinner = page.locator(".search__loading")
    error = page.locator("#search-error")
    expect(spinner).to_be_hidden()
    held = []
    page.route("**/providers/?*", lambda route: held.append(route))

    page.get_by_label("Uganda (3)").check()
    expect(spinner).to_be_visible()
    # (Dimmed text is below the contrast axe asks for: axe runs once the update is over.)
    expect(page.locator(".results")).to_have_css("opacity", "0.5")
    held.pop().abort()
    expect(error).to_be_visible()
    expect(error).to_contain_text("could not be updated")
    expect(page.get_by_label("Uganda (3)")).not_to_be_checked()
    expect(page.get_by_label("Uganda (3)")).to_be_focused()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"of 10 providers"))
    expect(page).not_to_have_url(re.compile(r"country="))
    expect(spinner).to_be_hidden()
    expect(page.locator(".results")).to_have_css("opacity", "1")
    axe(page)

    # A server error the same way, for the sort.
    page.unroute("**/providers/?*")
    page.route("**/providers/?*", lambda route: route.fulfill(status=500, body="Server error"))
    before = page.get_by_label("Sort by").input_value()
    page.get_by_label("Sort by").select_option(index=1)
    expect(error).to_be_visible()
    expect(page.get_by_label("Sort by")).to_have_value(before)
    page.get_by_role("button", name="Dismiss").click()
    expect(error).to_be_hidden()
    page.get_by_label("Sort by").select_option(index=1)
    expect(error).to_be_visible()

    # The next update that works clears the message.
    page.unroute("**/providers/?*")
    page.get_by_label("Uganda (3)").check()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"3 providers"))
    expect(error).to_be_hidden()


def test_no_console_errors_over_many_updates(live_server, page, directory):
    messages = []
    page.on("console", lambda msg: messages.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: messages.append(str(error)))
    page.goto(live_server.url + "/providers/")
    page.get_by_label("Kenya (7)").check()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"of 7 providers"))
    page.get_by_label("Sort by").select_option(index=1)
    expect(page).to_have_url(re.compile(r"sort="))
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"5–7 of 7"))
    page.get_by_label("Data annotation (7)").check()
    expect(page).to_have_url(re.compile(r"service="))
    page.get_by_role("link", name=re.compile("Delivery country: Kenya")).click()
    expect(page).not_to_have_url(re.compile(r"country="))
    page.get_by_label("Search providers").fill("kenya")
    page.get_by_label("Search providers").press("Enter")
    expect(page).to_have_url(re.compile(r"q=kenya"))
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"q=kenya"))
    page.set_viewport_size(PHONE)
    page.locator("summary.search__toggle").click()
    page.get_by_role("checkbox", name=re.compile(r"^Kenya")).check()
    expect(page).to_have_url(re.compile(r"country=KE"))
    assert messages == []


def test_phone_zero_results_keep_the_filters_and_suggest_ways_on(
    live_server, page, axe, csp_errors, directory, tmp_path
):
    page.set_viewport_size(PHONE)
    # Data annotation is done in Kenya, voice support in Uganda: nobody does both here.
    page.goto(live_server.url + "/providers/?q=data+annotation&service=e2e-voice&country=KE")
    expect(page.locator("#result-count")).to_have_text("No providers match")
    assert_count_and_sort_readable(page)
    # Every hint finds someone, its count in words.
    hints = page.locator(".empty__hints a")
    for text in hints.all_inner_texts():
        assert re.search(
            r": (one|two|three|four|five|six|seven|eight|nine|\d{2,}) providers?$", text
        )
    # The query names a service: offered as a filter (instead of the text), with its count.
    suggestion = page.get_by_role("link", name="Filter by service: Data annotation (7)")
    expect(suggestion).to_be_visible()
    # Removing the country would still find no one (nobody does both services): not offered.
    relax = page.get_by_role("link", name="Remove service: seven providers")
    expect(relax).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Remove delivery country"))).to_have_count(0)
    page.screenshot(path=str(tmp_path / "zero-results-phone.png"), full_page=True)
    axe(page)
    # The chosen options stay in the panel: checked, greyed, removable.
    page.get_by_text("Filters (2)").click()
    kenya = page.get_by_label("Kenya (0)")
    expect(kenya).to_be_checked()
    expect(page.locator("li.facet__option--none", has=kenya)).to_have_count(1)
    axe(page)
    page.get_by_text("Filters (2)").click()
    suggestion.click()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"1–4 of 7 providers"))
    expect(page).to_have_url(re.compile(r"service=e2e-voice&service=e2e-annotation&country=KE"))
    assert "q=" not in page.url
    assert csp_errors == []
