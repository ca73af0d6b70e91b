"""Forms that guide, in Chromium at 390 × 844: the error summary focused and linked,
"Add another" rows, the impact report's provenance fields, checklist links and
"Log in to shortlist". Every page is checked with axe and for CSP violations."""

import os
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from playwright.sync_api import expect

from buyers.models import ShortlistEntry
from providers.models import ImpactReport, ListingStatus, ProviderService
from tests.factories import (
    BuyerFactory,
    ProviderFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    TargetGroupFactory,
)
from tests.providers.listing_helpers import listing_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/uxforms-shots"))  # noqa: S108


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(15_000)
    page.set_viewport_size(PHONE)
    cache.clear()
    yield
    cache.clear()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check(page, axe, csp_errors):
    axe(page)
    assert csp_errors == [], csp_errors


def log_in(page, live_server, user, next_path=""):
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    page.goto(live_server.url + "/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def focused_class(page) -> str:
    return page.evaluate("document.activeElement.className")


def test_report_form_in_error_focuses_the_summary_and_links_to_fields(
    live_server, page, axe, csp_errors
):
    provider, owner = listing_with_owner()
    TargetGroupFactory(name="Youth without work experience", slug="youth-f")
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/dashboard/listings/{provider.pk}/reports/new/")
    check(page, axe, csp_errors)
    # Without a choice the conditional fields are hidden; a choice shows its own.
    expect(page.get_by_label("Verified by (third party)")).to_be_hidden()
    page.get_by_label("Third-party verified (provider's claim)").check()
    expect(page.get_by_label("Verified by (third party)")).to_be_visible()
    expect(page.get_by_label("Supporting document")).to_be_hidden()
    page.get_by_label("Backed by a document").check()
    expect(page.get_by_label("Supporting document")).to_be_visible()
    expect(page.get_by_label("Verified by (third party)")).to_be_hidden()
    page.get_by_label("Third-party verified (provider's claim)").check()

    page.get_by_label("Period start").fill("2025-01-01")
    page.get_by_label("Total permanent employees").fill("100")
    page.locator("#id_impact_workers").fill("120")
    page.get_by_label("Placed into further jobs or education (%)").fill("140")
    page.get_by_role("button", name="Save impact report").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert "error-summary" in focused_class(page)
    # The verifier's field stays shown (it is in error and its provenance is chosen).
    expect(page.get_by_label("Verified by (third party)")).to_be_visible()
    check(page, axe, csp_errors)
    shot(page, "report-form-in-error")

    summary.get_by_role("link", name="Verified by (third party)").click()
    assert page.evaluate("document.activeElement.id") == "id_verifier"
    summary_link = page.locator(".error-summary a[href='#id_placement_rate_pct']")
    summary_link.click()
    assert page.evaluate("document.activeElement.id") == "id_placement_rate_pct"
    assert not ImpactReport.objects.exists()


def test_report_form_without_the_script_shows_every_provenance_field(live_server, page, axe):
    """forms.js refused (as when scripts are off): every provenance field is shown with its
    hint, autofocus alone focuses the summary, and its links are plain anchors."""
    page.route("**/js/forms.js", lambda route: route.abort())
    provider, owner = listing_with_owner()
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/dashboard/listings/{provider.pk}/reports/new/")
    expect(page.get_by_label("Supporting document")).to_be_visible()
    expect(page.get_by_label("Verified by (third party)")).to_be_visible()
    expect(page.get_by_text("Needed when the figures are third-party verified")).to_be_visible()
    page.get_by_role("button", name="Save impact report").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    # autofocus acts once the page has loaded: wait for it (a busy machine is slower).
    expect(summary).to_be_focused()
    summary.locator("a[href='#id_period_start']").click()
    assert page.url.endswith("#id_period_start")
    expect(page.locator("#id_period_start")).to_be_in_viewport()
    axe(page)
    shot(page, "report-form-in-error-no-script")


def test_add_another_service_row_without_a_save(live_server, page, axe, csp_errors):
    category = ServiceCategoryFactory(name="Data services", slug="data-f")
    first = ServiceFactory(name="Data annotation", slug="annotation-f", parent=category)
    ServiceFactory(name="Transcription", slug="transcription-f", parent=category)
    extra = [
        ServiceFactory(name=f"Service {n}", slug=f"s-{n}-f", parent=category) for n in range(4)
    ]
    provider, owner = listing_with_owner()
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/dashboard/listings/{provider.pk}/services/")
    rows = page.locator(".formset-row")
    assert rows.count() == 3
    add = page.get_by_role("button", name="Add another service")
    add.click()
    assert rows.count() == 4
    expect(page.locator(".formset-row").nth(3).locator("legend")).to_have_text("Service row 4")
    assert page.evaluate("document.activeElement.id") == "id_services-3-service"
    assert page.locator("#id_services-TOTAL_FORMS").input_value() == "4"
    check(page, axe, csp_errors)
    shot(page, "services-add-another")
    for index, service in enumerate([first, *extra[:3]]):
        page.locator(f"#id_services-{index}-service").select_option(str(service.pk))
    page.get_by_role("button", name="Save services").click()
    expect(page.get_by_text("Services saved.")).to_be_visible()
    assert ProviderService.objects.filter(provider=provider).count() == 4


def test_checklist_links_lead_to_the_field(live_server, page, axe, csp_errors):
    provider, owner = listing_with_owner(tagline="")
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/dashboard/listings/{provider.pk}/")
    check(page, axe, csp_errors)
    page.locator(".checklist").get_by_role("link", name="Tagline").click()
    assert page.url.endswith("/profile/#id_tagline")
    expect(page.locator("#id_tagline")).to_be_in_viewport()


def test_signup_in_error_at_phone_width(live_server, page, axe, csp_errors):
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Sign up").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert "error-summary" in focused_class(page)
    check(page, axe, csp_errors)
    shot(page, "signup-in-error")
    summary.get_by_role("link", name="How will you use ImpactDir?").click()
    assert page.evaluate("document.activeElement.id") == "id_account_type_0"


def test_saved_search_form_offers_a_name_and_shows_errors(live_server, page, axe, csp_errors):
    buyer = BuyerFactory()
    service = ServiceFactory(name="Data annotation", slug="annotation-s")
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    provider.services.create(service=service)
    log_in(page, live_server, buyer)
    page.goto(live_server.url + "/searches/new/?service=annotation-s&country=KE")
    expect(page.get_by_label("Name")).to_have_value(
        "Service: Data annotation; Delivery country: Kenya"
    )
    expect(page.get_by_text("Delivery country: Kenya", exact=True)).to_be_visible()
    check(page, axe, csp_errors)
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save search").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, axe, csp_errors)
    shot(page, "saved-search-in-error")


def test_log_in_to_shortlist_returns_to_the_profile_with_it_added(
    live_server, page, axe, csp_errors
):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED, name="Lagoon Fictional Data")
    buyer = BuyerFactory()
    EmailAddress.objects.create(user=buyer, email=buyer.email, verified=True, primary=True)
    page.goto(live_server.url + provider.get_absolute_url())
    page.get_by_role("link", name="Log in to shortlist").first.click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/shortlists/add/"))
    page.get_by_label("Email").fill(buyer.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("is on your shortlist “My shortlist”")).to_be_visible()
    assert page.url == live_server.url + provider.get_absolute_url()
    check(page, axe, csp_errors)
    shot(page, "shortlist-after-login")
    assert ShortlistEntry.objects.filter(provider=provider, shortlist__owner=buyer).exists()


def test_profile_form_in_error_at_phone_width(live_server, page, axe, csp_errors):
    provider, owner = listing_with_owner()
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/dashboard/listings/{provider.pk}/profile/")
    page.locator("#id_name").fill("")
    page.locator("#id_contact_email").fill("not an address")
    page.get_by_role("button", name="Save profile").click()
    summary = page.locator(".error-summary")
    expect(summary.locator("a[href='#id_name']")).to_be_visible()
    expect(summary.locator("a[href='#id_contact_email']")).to_be_visible()
    assert "error-summary" in focused_class(page)
    check(page, axe, csp_errors)
    shot(page, "profile-in-error")
    provider.refresh_from_db()
    assert provider.name


@pytest.mark.parametrize("side", ["buyer", "provider"])
def test_a_reply_in_error_keeps_the_text_typed(live_server, page, axe, csp_errors, side):
    from buyers import services
    from tests.factories import MembershipFactory

    provider = ProviderFactory(name="Reply Works")
    member = MembershipFactory(provider=provider).user
    buyer = BuyerFactory()
    [inquiry] = services.inquiry_send(
        buyer=buyer, providers=[provider], subject="Seats", body="How many seats?", questions=[]
    )
    log_in(page, live_server, buyer if side == "buyer" else member)
    expect(page.get_by_role("button", name="Log out")).to_be_attached()
    url = inquiry.get_buyer_url() if side == "buyer" else inquiry.get_provider_url()
    page.goto(live_server.url + url)
    # Too long: the box's maxlength stops typing, so a paste past it is made in script.
    typed = "We can start in March with forty people. " * 125
    page.get_by_label("Your reply").evaluate("(box, text) => { box.value = text; }", typed)
    page.get_by_role("button", name="Send reply").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert "error-summary" in focused_class(page)
    expect(summary).to_contain_text("Shorten your reply to at most 5,000 characters")
    assert page.get_by_label("Your reply").input_value() == typed
    check(page, axe, csp_errors)
    shot(page, f"reply-in-error-{side}")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_body"
    # Empty: said so; then a reply that fits is sent and the box is empty again.
    page.get_by_label("Your reply").fill("   ")
    page.get_by_role("button", name="Send reply").click()
    expect(summary).to_contain_text("Write your reply before sending it.")
    page.get_by_label("Your reply").fill("Forty people from March.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value("")
    assert inquiry.messages.count() == 2
    check(page, axe, csp_errors)
