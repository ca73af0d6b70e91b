"""Compare from result cards and profiles, the compare page on a phone, profile actions on the
first screen, the compact signed-in header and the owners' preview, in a real Chromium."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from buyers.compare import SESSION_KEY
from providers.models import ListingStatus
from tests.factories import (
    BuyerFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    IsspUserFactory,
    ProviderFactory,
    ProviderServiceFactory,
)
from tests.providers.listing_helpers import listing_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/impactdir-screenshots"))  # noqa: S108
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, user):
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.fixture(autouse=True)
def _fresh(page):
    page.set_default_timeout(10_000)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def providers():
    made = []
    for index, name in enumerate(
        ["Alpha Compare Works", "Bravo Compare Works", "Charlie Compare Works", "Delta Compare"]
        + ["Echo Compare Works", "Foxtrot Compare Works"]
    ):
        provider = ProviderFactory(
            name=name,
            tagline=f"{name}: fictional data services",
            website=f"https://{name.split()[0].lower()}.example",
            workforce=100 + 400 * index,
        )
        DeliveryCentreFactory(provider=provider, country="KE" if index % 2 else "UG")
        ProviderServiceFactory(provider=provider)
        ImpactReportFactory(provider=provider, total_employees=100, impact_workers=40 + 8 * index)
        made.append(provider)
    return made


def card(page, name):
    return page.locator("li.results__item", has=page.get_by_role("heading", name=name))


def test_compare_from_cards_and_a_profile(live_server, page, axe, csp_errors, providers):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/providers/?q=compare")
    card(page, "Alpha Compare Works").get_by_role(
        "button", name="Add to compare Alpha Compare Works"
    ).click()
    expect(
        page.get_by_text("Alpha Compare Works added to your comparison (1 of 5).")
    ).to_be_visible()
    assert page.url == live_server.url + "/providers/?q=compare"
    expect(page.get_by_role("link", name="Compare (1)")).to_be_visible()
    axe(page)

    # From a profile; the profile then says it is chosen.
    page.goto(live_server.url + providers[1].get_absolute_url())
    page.get_by_role("button", name="Add to compare Bravo Compare Works").click()
    expect(page.get_by_role("link", name="In your comparison (2)")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Compare (2)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare providers")
    expect(page.get_by_role("columnheader", name="Alpha Compare Works")).to_be_visible()
    expect(page.get_by_role("link", name="Send one inquiry to all 2")).to_be_visible()
    axe(page)
    shot(page, "compare-1280")
    page.get_by_role("button", name="Remove from compare Alpha Compare Works").click()
    expect(page.get_by_text("Removed from your comparison.")).to_be_visible()
    expect(page.get_by_text("Your selection: 1 of 5")).to_be_visible()
    axe(page)
    assert csp_errors == []


def test_without_javascript_a_sixth_is_refused(live_server, browser, providers):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/providers/?q=compare")
    for provider in providers[:5]:
        card(page, provider.name).get_by_role(
            "button", name=f"Add to compare {provider.name}"
        ).click()
        assert page.url == live_server.url + "/providers/?q=compare"
    expect(page.get_by_role("link", name="Compare (5)")).to_be_visible()
    card(page, "Foxtrot Compare Works").get_by_role(
        "button", name="Add to compare Foxtrot Compare Works"
    ).click()
    expect(
        page.get_by_text("You can compare at most 5 providers at once.", exact=False)
    ).to_be_visible()
    expect(page.get_by_role("link", name="Compare (5)")).to_be_visible()
    shot(page, "search-chosen-390")
    page.get_by_role("link", name="Compare (5)").click()
    expect(page.get_by_role("columnheader", name="Echo Compare Works")).to_be_attached()
    page.get_by_role("button", name="Clear the comparison").click()
    expect(page.get_by_text("Your comparison is empty.")).to_be_visible()
    context.close()


def test_the_keyboard_adds_from_a_card(live_server, page, providers):
    page.goto(live_server.url + "/providers/?q=compare")
    button = card(page, "Charlie Compare Works").get_by_role(
        "button", name="Add to compare Charlie Compare Works"
    )
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Compare (1)")).to_be_visible()
    page.get_by_role("link", name="Compare (1)").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/compare/")


def _chosen_session(live_server, page, chosen):
    client = Client()
    for provider in chosen:
        client.post("/compare/add/", {"provider": provider.pk})
    assert client.session[SESSION_KEY] == [p.pk for p in chosen]
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_compare_header_and_first_column_stay_in_view_on_a_phone(
    live_server, page, axe, csp_errors, providers
):
    page.set_viewport_size(PHONE)
    _chosen_session(live_server, page, providers[:5])
    page.goto(live_server.url + "/compare/")
    region = page.get_by_role("region", name="Providers side by side")
    axe(page)
    shot(page, "compare-390")
    box = region.bounding_box()
    assert box["width"] <= PHONE["width"]
    # The wide table scrolls inside its box; the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Bring the table to the top of the screen, then scroll it both ways, as a thumb would.
    region.evaluate("el => el.scrollIntoView({block: 'start', behavior: 'instant'})")
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; el.scrollTop = 600; }")
    page.wait_for_timeout(100)
    assert region.evaluate("el => el.scrollLeft") > 200
    assert region.evaluate("el => el.scrollTop") > 300
    box = region.bounding_box()
    assert box["y"] >= -1  # scrolled to a whole pixel: the header above may end mid-pixel
    name = page.get_by_role("columnheader", name="Echo Compare Works")
    name_box = name.bounding_box()
    assert abs(name_box["y"] - box["y"]) <= 2, (name_box, box)  # stuck to the top
    assert name_box["x"] + name_box["width"] <= box["x"] + box["width"] + 1

    def cell_at(x, y):
        return page.evaluate(
            """([x, y]) => {
                const cell = document.elementFromPoint(x, y).closest('th, td');
                return [cell.tagName, cell.getAttribute('scope'), cell.textContent.trim()];
            }""",
            [x, y],
        )

    # What shows at the start of the box, half-way down, is a row's label, not a
    # figure scrolled under it; at the top end, the name of the last provider.
    starts = [cell_at(box["x"] + 8, box["y"] + box["height"] * part / 6) for part in (2, 3, 4, 5)]
    assert all(tag == "TH" for tag, _scope, _text in starts), starts
    assert "row" in [scope for _tag, scope, _text in starts], starts
    assert cell_at(box["x"] + box["width"] - 20, box["y"] + 10) == [
        "TH",
        "col",
        "Echo Compare Works",
    ]
    page.mouse.wheel(0, 400)
    shot(page, "compare-390-scrolled")
    assert csp_errors == []


def test_compare_page_by_keyboard(live_server, page, providers):
    _chosen_session(live_server, page, providers[:2])
    page.goto(live_server.url + "/compare/")
    page.get_by_role("region", name="Providers side by side").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.get_by_role("link", name="Show only differences").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/compare/?diff=1")
    expect(page.get_by_text("Showing only the rows where the providers differ.")).to_be_visible()


@pytest.mark.parametrize("signed_in", [False, True])
def test_profile_actions_on_the_first_screen_of_a_phone(
    live_server, page, axe, csp_errors, providers, signed_in
):
    page.set_viewport_size(PHONE)
    if signed_in:
        log_in(page, live_server, BuyerFactory())
    page.goto(live_server.url + providers[0].get_absolute_url())
    names = (["Add to shortlist Alpha Compare Works"] if signed_in else ["Log in to shortlist"]) + [
        "Add to compare Alpha Compare Works"
    ]
    controls = [
        page.get_by_role("button", name=n).or_(page.get_by_role("link", name=n)) for n in names
    ]
    controls += [
        page.get_by_role("link", name="Send an inquiry to Alpha Compare Works"),
        page.get_by_role("link", name="Website of Alpha Compare Works"),
    ]
    for control in controls:
        box = control.first.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= PHONE["height"], (control, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    axe(page)
    shot(page, f"profile-390{'-buyer' if signed_in else ''}")
    page.set_viewport_size(DESKTOP)
    shot(page, f"profile-1280{'-buyer' if signed_in else ''}")
    assert csp_errors == []


def test_signed_out_header_is_one_line_on_a_phone(live_server, page, axe):
    page.set_viewport_size(PHONE)
    for path in ("/", "/providers/", "/accounts/login/"):
        page.goto(live_server.url + path)
        height = page.locator("header.site-header").bounding_box()["height"]
        assert height <= 56, (path, height)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # All three links in full on the screen, none scrolled out of the menu's view.
        brand = page.locator("header .brand").bounding_box()
        for name in ("Find providers", "Log in", "Sign up"):
            box = page.locator("header .nav").get_by_role("link", name=name).bounding_box()
            assert box["x"] >= brand["x"] + brand["width"], (path, name, box)
            assert box["x"] + box["width"] <= PHONE["width"], (path, name, box)
            assert abs(box["y"] - brand["y"]) < 24, (path, name, box)  # the brand's line
            assert box["height"] >= 24, (path, name, box)  # a target a thumb can hit
    axe(page)
    page.screenshot(path=str(SHOTS / "header-390-anonymous.png"))
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    assert page.locator("header.site-header").bounding_box()["height"] <= 80


@pytest.mark.parametrize("who", ["buyer", "issp"])
def test_signed_in_header_is_one_line_on_a_phone(live_server, page, axe, who):
    user = BuyerFactory() if who == "buyer" else IsspUserFactory()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, user)
    page.goto(live_server.url + "/providers/")
    header = page.locator("header.site-header")
    height = header.bounding_box()["height"]
    assert height <= 56, height
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(page)
    page.screenshot(path=str(SHOTS / f"header-390-{who}.png"))
    # Every item is still reached by keyboard: Tab scrolls the menu to it.
    logout = page.get_by_role("button", name="Log out")
    for _ in range(12):
        page.keyboard.press("Tab")
        if logout.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Log out was not reached by keyboard")
    box = logout.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"] + 1


@pytest.mark.parametrize("width", [390, 1280])
def test_owner_previews_a_draft(live_server, page, axe, csp_errors, width):
    provider, owner = listing_with_owner(
        status=ListingStatus.DRAFT, complete=True, name="Preview Browser Works", slug="preview-b"
    )
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    log_in(page, live_server, owner)
    page.goto(live_server.url + f"/dashboard/listings/{provider.pk}/")
    page.get_by_role("link", name="Preview the profile as buyers will see it").click()
    expect(page.get_by_text("Preview — not public")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview Browser Works")
    robots = page.locator('meta[name="robots"]').get_attribute("content")
    assert robots == "noindex, nofollow"
    axe(page)
    shot(page, f"preview-{width}")
    assert csp_errors == []
