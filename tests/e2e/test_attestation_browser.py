"""Confirming a listing in a real Chromium: by keyboard, at 390 px, accessible, CSP-clean.

The owner of a listing not confirmed for over two years sees it marked on its
profile and search card, opens the dashboard link the reminder e-mail gives,
reaches the confirm button with the Tab key and presses it; the profile and
the search card then show no mark.
"""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from providers.models import ListingStatus, MembershipRole, Provider
from tests.factories import (
    DeliveryCentreFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the factories' password
MARK = "Not confirmed in over 2 years"


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(15_000)
    cache.clear()
    yield
    cache.clear()


def test_owner_confirms_by_keyboard_on_a_phone_and_the_mark_goes(
    live_server, page, axe, csp_errors, tmp_path
):
    owner = IsspUserFactory(email="wanjiru@naivasha.example")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    provider = ProviderFactory(name="Naivasha Fictional Data", status=ListingStatus.PUBLISHED)
    DeliveryCentreFactory(provider=provider, country="KE")
    MembershipFactory(provider=provider, user=owner, role=MembershipRole.OWNER)
    Provider.objects.filter(pk=provider.pk).update(
        assured_date=timezone.localdate() - datetime.timedelta(days=800)
    )
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(live_server.url + provider.get_absolute_url())
    expect(page.locator(".profile-header .badge--unconfirmed")).to_have_text(MARK)
    page.screenshot(path=tmp_path / "profile-390.png")
    axe(page)
    page.goto(live_server.url + "/providers/?country=KE")
    card_mark = page.locator(".provider-card .badge--unconfirmed")
    expect(card_mark).to_have_text(MARK)
    card_mark.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "card-390.png")

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/dashboard/")
    # The reminder e-mail's link.
    page.goto(f"{live_server.url}/dashboard/listings/{provider.pk}/#confirm")
    section = page.locator("#confirm")
    expect(section).to_contain_text("Buyers see it marked")
    axe(page)
    button = page.get_by_role("button", name="Confirm the listing is up to date")
    button.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "confirm-390.png")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"

    for _ in range(80):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the confirm button could not be reached with the Tab key")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/dashboard/listings/{provider.pk}/")
    expect(page.get_by_text("your listing is confirmed as up to date today")).to_be_visible()
    expect(section).not_to_contain_text("Buyers see it marked")
    axe(page)
    provider.refresh_from_db()
    assert provider.assured_date == timezone.localdate()

    page.goto(live_server.url + provider.get_absolute_url())
    expect(page.locator(".badge--unconfirmed")).to_have_count(0)
    page.goto(live_server.url + "/providers/?country=KE")
    expect(page.locator(".provider-card")).to_have_count(1)
    expect(page.locator(".badge--unconfirmed")).to_have_count(0)
    assert csp_errors == [], csp_errors
