"""A buyer searches, shortlists three providers with notes, compares them, exports CSV,
saves the search and sends an inquiry; the provider's staff reply from the dashboard."""

import csv
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from buyers import services
from buyers.models import Inquiry, SavedSearch, Shortlist, ShortlistEntry
from tests.factories import (
    BuyerFactory,
    DeliveryCentreFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(10_000)
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


def test_buyer_journey(live_server, page, axe, csp_errors):
    names = ["Alpha Annotation", "Bravo Annotation", "Charlie Annotation"]
    providers = []
    for name in [*names, "Delta Voice"]:
        provider = ProviderFactory(name=name, tagline=f"{name} for fictional clients")
        DeliveryCentreFactory(provider=provider, country="KE")
        providers.append(provider)
    staff = IsspUserFactory(email="staff@alpha.example", name="Amina Staff")
    MembershipFactory(provider=providers[0], user=staff)
    buyer = BuyerFactory(email="journey@buyer.example", name="Jo Buyer")
    log_in(page, live_server, buyer)

    # Search.
    page.goto(live_server.url + "/providers/")
    page.get_by_label("Search providers").fill("Annotation")
    page.get_by_label("Search providers").press("Enter")
    expect(page.locator("#result-count")).to_contain_text("3")
    axe(page)

    # Shortlist three providers from their profiles, in place (htmx).
    for n, name in enumerate(names):
        page.get_by_role("link", name=name, exact=True).click()
        axe(page)
        if n == 0:
            page.get_by_role("button", name=f"Add to shortlist {name}").click()
        else:
            page.get_by_label(f"Shortlist to add {name} to").select_option(label="My shortlist")
            page.get_by_role("button", name=f"Add to shortlist {name}").click()
        expect(page.get_by_text(f"{name} added to “My shortlist”.")).to_be_visible()
        expect(page.get_by_text("On “My shortlist”")).to_be_visible()
        page.go_back()
        expect(page.locator("#result-count")).to_contain_text("3")
    search_url = page.url
    assert "q=Annotation" in search_url

    # Notes on each, in the shortlist.
    page.goto(live_server.url + "/shortlists/")
    axe(page)
    page.get_by_role("link", name="My shortlist").click()
    for name in names:
        page.get_by_label(f"Your note on {name}").fill(f"Call {name.split()[0]} on Monday")
        page.get_by_role("button", name=f"Save note {name}").click()
        expect(page.get_by_text(f"Note on {name} saved.")).to_be_visible()
    axe(page)

    # Compare them side by side.
    page.get_by_role("link", name="Compare side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare providers")
    headers = page.locator(".compare-table thead th").all_inner_texts()
    assert [h.strip() for h in headers] == names
    axe(page)
    page.go_back()

    # Export the shortlist as CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    text = open(download_info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == names
    assert rows[0]["shortlist_note"] == "Call Alpha on Monday"

    # Save the search with a daily alert.
    page.goto(search_url)
    page.get_by_role("link", name="Save this search").click()
    axe(page)
    page.get_by_label("Name").fill("Annotation in Kenya")
    page.get_by_label("Daily").check()
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_role("heading", name="Annotation in Kenya")).to_be_visible()
    axe(page)
    saved = SavedSearch.objects.get(owner=buyer)
    assert saved.frequency == "daily" and "q=Annotation" in saved.query_string

    # Send an inquiry to Alpha from the shortlist.
    page.goto(live_server.url + Shortlist.objects.get(owner=buyer).get_absolute_url())
    page.get_by_role("link", name="Send an inquiry Alpha Annotation").click()
    axe(page)
    page.get_by_label("Subject").fill("Annotation team for 2027")
    page.get_by_label("Message").fill("We need 40 annotators from March.")
    page.get_by_label("What capacity").check()
    page.get_by_role("button", name="Send inquiry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annotation team for 2027")
    axe(page)
    inquiry = Inquiry.objects.get()
    assert [m.to for m in mail.outbox if "New inquiry" in m.subject] == [[staff.email]]

    # The provider's staff reply from the dashboard inbox.
    log_in(page, live_server, staff)
    page.goto(live_server.url + "/dashboard/inquiries/")
    axe(page)
    page.get_by_role("link", name="Annotation team for 2027").click()
    axe(page)
    page.get_by_label("Your reply").fill("We have 60 trained annotators free.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    assert inquiry.messages.filter(from_provider=True).count() == 1
    assert any(m.to == [buyer.email] for m in mail.outbox)

    # The buyer reads the reply.
    log_in(page, live_server, buyer)
    page.goto(live_server.url + "/inquiries/")
    axe(page)
    page.get_by_role("link", name="Annotation team for 2027").click()
    expect(page.get_by_text("We have 60 trained annotators free.")).to_be_visible()
    assert csp_errors == []


def test_without_javascript_a_profile_adds_and_the_add_page_creates(live_server, browser):
    provider = ProviderFactory(name="Echo Annotation")
    buyer = BuyerFactory(email="nojs@buyer.example")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, buyer)
    profile = live_server.url + provider.get_absolute_url()
    page.goto(profile)
    page.get_by_role("button", name="Add to shortlist Echo Annotation").click()
    assert page.url == profile
    expect(page.get_by_text("Echo Annotation added to “My shortlist”.")).to_be_visible()
    page.get_by_role("button", name="Remove Echo Annotation from “My shortlist”").click()
    assert page.url == profile
    assert not ShortlistEntry.objects.exists()
    # The page a result card links to, for a new shortlist.
    page.goto(live_server.url + f"/shortlists/add/?id={provider.pk}&next=/providers/")
    page.get_by_label("Name of the new shortlist").fill("Kenya finalists")
    page.get_by_role("button", name="Create and add").click()
    assert page.url == live_server.url + "/providers/"
    expect(page.get_by_text("Echo Annotation added to “Kenya finalists”.")).to_be_visible()
    assert list(
        ShortlistEntry.objects.filter(shortlist__name="Kenya finalists").values_list(
            "provider", flat=True
        )
    ) == [provider.pk]
    context.close()


def test_other_workspace_pages_are_accessible(live_server, page, axe, csp_errors):
    buyer = BuyerFactory(email="pages@buyer.example")
    provider = ProviderFactory(name="Foxtrot Data")
    other = ProviderFactory(name="Golf Support")
    shortlist = services.shortlist_create(owner=buyer, name="Pages")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider, note="n")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=other)
    saved = services.saved_search_create(owner=buyer, name="All", query_string="")
    log_in(page, live_server, buyer)
    for path in [
        "/workspace/",
        f"/shortlists/add/?provider={provider.slug}",
        f"/shortlists/{shortlist.pk}/delete/",
        f"/searches/{saved.pk}/delete/",
        "/searches/",
        "/inquiries/",
        f"/inquiries/new/?shortlist={shortlist.pk}",
        "/exports/",
        f"/compare/?p={provider.slug}&p=unknown-slug",
        f"/compare/?p={provider.slug}&p={other.slug}&diff=1",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        axe(page)
    # The comparison scrolls sideways on a narrow screen, and the region takes keyboard focus.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + f"/compare/?p={provider.slug}&p={other.slug}")
    region = page.get_by_role("region", name="Providers side by side")
    region.focus()
    expect(region).to_be_focused()
    axe(page)
    assert csp_errors == []


def test_shortlist_reorders_by_keyboard(live_server, page):
    buyer = BuyerFactory(email="keys@buyer.example")
    first, second = ProviderFactory(name="Hotel Data"), ProviderFactory(name="India Voice")
    shortlist = services.shortlist_create(owner=buyer, name="Keys")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=first)
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=second)
    log_in(page, live_server, buyer)
    page.goto(live_server.url + shortlist.get_absolute_url())
    target = page.get_by_role("button", name="Move down Hotel Data")
    for _ in range(80):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("“Move down” could not be reached with the Tab key")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".entry h2").first).to_have_text("India Voice")
    assert list(shortlist.entries.values_list("provider__name", flat=True)) == [
        "India Voice",
        "Hotel Data",
    ]


def test_result_card_shortlists_in_place_with_htmx(live_server, page, axe, csp_errors):
    provider = ProviderFactory(name="Juliet Annotation")
    DeliveryCentreFactory(provider=provider, country="KE")
    buyer = BuyerFactory(email="cards@buyer.example")
    services.shortlist_create(owner=buyer, name="Kenya")
    log_in(page, live_server, buyer)
    page.goto(live_server.url + "/providers/?country=KE")
    item = page.locator("li", has=page.get_by_role("heading", name="Juliet Annotation"))
    item.get_by_role("link", name="Add to shortlist").click()
    item.get_by_role("button", name="Add to “Kenya” Juliet Annotation").click()
    expect(item.get_by_text("Juliet Annotation added to “Kenya”.")).to_be_visible()
    # In place: the search page and its URL stayed.
    assert page.url == live_server.url + "/providers/?country=KE"
    assert ShortlistEntry.objects.filter(shortlist__name="Kenya", provider=provider).exists()
    axe(page)
    assert csp_errors == []
