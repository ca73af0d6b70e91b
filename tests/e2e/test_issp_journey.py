"""An ISSP's whole journey in Chromium: sign up, confirm, create, fill in, submit, get published.

Every dashboard page visited is checked with axe and for CSP violations; all of
it works without JavaScript-only controls (plain forms and links).
"""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from providers.models import ListingStatus, Provider
from tests.factories import (
    IsspUserFactory,
    LanguageFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    StaffFactory,
    TargetGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the factories' password
NAME = "Kisumu Fictional Data Collective"


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(15_000)
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


@pytest.fixture
def taxonomy():
    """Transactional tests flush the seeded taxonomy; recreate what the journey picks."""
    category = ServiceCategoryFactory(name="Data services", slug="data-services-j")
    service = ServiceFactory(name="Data annotation", slug="data-annotation-j", parent=category)
    language = LanguageFactory(code="sw", name="Swahili")
    group = TargetGroupFactory(name="Youth without work experience", slug="youth-j")
    return {"service": service, "language": language, "group": group}


def logo_png(tmp_path):
    path = tmp_path / "logo.png"
    image = Image.new("RGBA", (800, 400), (20, 120, 90, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def check_page(page, axe, csp_errors):
    axe(page)
    assert csp_errors == [], csp_errors


def log_in(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_issp_creates_fills_in_and_submits_a_listing_that_gets_published(
    live_server, page, browser, axe, csp_errors, taxonomy, tmp_path
):
    StaffFactory(email="operator@impactdir.example")

    # Sign up on the ISSP path and confirm the address from the e-mail.
    page.goto(live_server.url + "/accounts/signup/")
    check_page(page, axe, csp_errors)
    page.get_by_role("radio", name="I work at an impact sourcing provider").check()
    page.get_by_label("Email").fill("amani@kisumu.example")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    check_page(page, axe, csp_errors)
    user = User.objects.get(email="amani@kisumu.example")
    (message,) = mail.outbox
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)
    page.goto(live_server.url + confirm)
    check_page(page, axe, csp_errors)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(live_server.url + "/accounts/login/")
    mail.outbox = []

    log_in(page, live_server, user.email)
    page.wait_for_url(live_server.url + "/dashboard/")
    check_page(page, axe, csp_errors)

    # Create the listing.
    page.get_by_role("link", name="Create a new listing").click()
    check_page(page, axe, csp_errors)
    page.get_by_label("Organisation name").fill(NAME)
    page.get_by_role("button", name="Create draft listing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    check_page(page, axe, csp_errors)
    expect(page.get_by_text("needed to submit").first).to_be_visible()
    provider = Provider.objects.get(name=NAME)
    assert provider.status == ListingStatus.DRAFT

    parts = page.get_by_role("navigation", name="Parts of this listing")

    # Profile and languages.
    parts.get_by_role("link", name="Profile and languages").click()
    check_page(page, axe, csp_errors)
    page.get_by_label("Tagline").fill("Careful data work by young people from western Kenya")
    page.get_by_label("Description").fill("A fictional collective that trains and employs youth.")
    page.get_by_label("Headquarters country").select_option("KE")
    page.get_by_label("Legal form").select_option("cooperative")
    page.get_by_label("Total workforce").fill("140")
    page.get_by_label("Contact e-mail").fill("hello@kisumu.example")
    page.get_by_role("group", name="Languages of service").get_by_label("Swahili").check()
    page.get_by_role("group", name="Listing written in").get_by_label("Swahili").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    check_page(page, axe, csp_errors)

    # Services.
    parts.get_by_role("link", name="Services").click()
    check_page(page, axe, csp_errors)
    page.locator("#id_services-0-service").select_option(str(taxonomy["service"].pk))
    page.locator("#id_services-0-voice").select_option("non-voice")
    page.get_by_role("button", name="Save services").click()
    expect(page.get_by_text("Services saved.")).to_be_visible()

    # Delivery centres.
    parts.get_by_role("link", name="Delivery centres").click()
    check_page(page, axe, csp_errors)
    page.get_by_role("link", name="Add a delivery centre").click()
    check_page(page, axe, csp_errors)
    page.get_by_label("Country").select_option("KE")
    page.get_by_label("City").fill("Kisumu")
    page.get_by_label("Headcount").fill("120")
    page.get_by_label("Impact workers").fill("90")
    page.get_by_role("checkbox", name="Swahili").check()
    page.get_by_role("button", name="Save delivery centre").click()
    expect(page.get_by_text("Delivery centre saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="Swahili")).to_be_visible()
    check_page(page, axe, csp_errors)

    # An impact report, first with figures that do not add up.
    parts.get_by_role("link", name="Impact reports").click()
    check_page(page, axe, csp_errors)
    page.get_by_role("link", name="Add an impact report").click()
    check_page(page, axe, csp_errors)
    page.get_by_label("Period start").fill("2025-01-01")
    page.get_by_label("Period end").fill("2025-12-31")
    page.get_by_label("Definition of impact worker used").fill("Aged 18-25, no formal job before.")
    page.get_by_label("Total permanent employees").fill("140")
    page.get_by_label("Impact workers:", exact=True).fill("150")
    page.get_by_role("button", name="Save impact report").click()
    expect(page.get_by_text("cannot exceed total permanent employees").first).to_be_visible()
    check_page(page, axe, csp_errors)
    page.get_by_label("Impact workers:", exact=True).fill("100")
    page.locator(f"#id_group_{taxonomy['group'].pk}").check()
    page.get_by_role("button", name="Save impact report").click()
    expect(page.get_by_text("Impact report saved.")).to_be_visible()

    # Logo.
    parts.get_by_role("link", name="Logo").click()
    check_page(page, axe, csp_errors)
    page.get_by_label("Logo").set_input_files(str(logo_png(tmp_path)))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("Logo saved.")).to_be_visible()
    expect(page.get_by_role("img", name=f"Current logo of {NAME}")).to_be_visible()
    check_page(page, axe, csp_errors)

    # The team page, then submit.
    parts.get_by_role("link", name="Team").click()
    check_page(page, axe, csp_errors)
    parts.get_by_role("link", name="Overview and submission").click()
    check_page(page, axe, csp_errors)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Your listing is submitted for review.")).to_be_visible()
    check_page(page, axe, csp_errors)
    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUBMITTED
    assert {m.to[0] for m in mail.outbox} >= {"operator@impactdir.example", user.email}

    # Not public yet.
    response = page.request.get(live_server.url + provider.get_absolute_url())
    assert response.status == 404

    # An operator approves it in Django admin.
    admin_context = browser.new_context()
    admin_page = admin_context.new_page()
    admin_page.goto(live_server.url + "/admin/")
    admin_page.get_by_label("E-mail address").fill("operator@impactdir.example")
    admin_page.get_by_label("Password").fill(PASSWORD)
    admin_page.get_by_role("button", name="Log in").click()
    admin_page.get_by_role("link", name="Listings submitted for review").click()
    row = admin_page.get_by_role("row").filter(has=admin_page.get_by_role("link", name=NAME))
    row.get_by_role("checkbox").check()
    admin_page.get_by_label("Action:").select_option(label="Approve and publish selected listings")
    admin_page.get_by_role("button", name="Run").click()
    expect(admin_page.get_by_text(f"Approved and published “{NAME}”.")).to_be_visible()
    admin_context.close()
    provider.refresh_from_db()
    assert provider.status == ListingStatus.PUBLISHED

    # The listing is on its profile page and in search.
    page.goto(live_server.url + provider.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    page.goto(live_server.url + "/providers/?q=Kisumu")
    expect(page.get_by_role("link", name=re.compile(NAME)).first).to_be_visible()

    # Back on the dashboard, the listing shows as published.
    page.goto(live_server.url + "/dashboard/")
    expect(page.get_by_text("Published").first).to_be_visible()
    check_page(page, axe, csp_errors)


def test_other_dashboard_pages_are_accessible_including_refusals(
    live_server, page, axe, csp_errors
):
    from providers.models import MembershipRole
    from providers.services.parts import certification_delete, provider_update_profile
    from tests.factories import (
        CaseStudyFactory,
        CertificationHoldingFactory,
        MembershipFactory,
        ProviderFactory,
    )

    user = IsspUserFactory(email="wanjiru@kisumu.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    provider = ProviderFactory(name="Published Fictional Co", status=ListingStatus.PUBLISHED)
    MembershipFactory(provider=provider, user=user, role=MembershipRole.OWNER)
    holding = CertificationHoldingFactory(provider=provider)
    CaseStudyFactory(provider=provider)
    ProviderFactory(name="Claimable Fictional Co", status=ListingStatus.PUBLISHED)
    certification_delete(provider=provider, user=user, version=1, holding=holding)

    log_in(page, live_server, user.email)
    page.wait_for_url(live_server.url + "/dashboard/")
    base = f"{live_server.url}/dashboard/listings/{provider.pk}"
    for path in [
        f"{base}/",
        f"{base}/certifications/",
        f"{base}/certifications/new/",
        f"{base}/certifications/{holding.pk}/",
        f"{base}/case-studies/",
        f"{base}/case-studies/new/",
        f"{live_server.url}/dashboard/claim/?q=Claimable",
    ]:
        page.goto(path)
        check_page(page, axe, csp_errors)

    page.get_by_role("link", name="Claim Claimable Fictional Co").click()
    check_page(page, axe, csp_errors)
    page.get_by_role("button", name="Send claim for review").click()
    # The field's own message, and the summary's link to it.
    expect(page.get_by_text("This field is required.", exact=True)).to_be_visible()
    expect(page.locator(".error-summary a[href='#id_message']")).to_be_visible()
    check_page(page, axe, csp_errors)

    # A stale save: someone else saves while this page is open.
    page.goto(f"{base}/profile/")
    provider.refresh_from_db()
    provider_update_profile(
        provider=provider, user=user, version=provider.version, data={"tagline": "Saved elsewhere"}
    )
    page.get_by_label("Tagline").fill("Typed here")
    page.get_by_role("button", name="Save profile").click()
    expect(
        page.get_by_role("heading", name="Someone else saved this listing first")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Saved elsewhere")).to_be_visible()
    check_page(page, axe, csp_errors)
    provider.refresh_from_db()
    assert provider.tagline == "Saved elsewhere"
