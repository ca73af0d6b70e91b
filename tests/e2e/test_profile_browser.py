"""Home page and a provider profile in a real Chromium: accessible, CSP-clean, keyboard-usable."""

import datetime

import pytest

from providers import models as m
from providers.services.vetting import report_set_verification
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider():
    provider = f.ProviderFactory(
        name="Lakeside Fictional Services",
        slug="lakeside-fictional",
        website="https://lakeside.example",
        founded_year=2014,
        contact_name="A. Fictional",
    )
    f.ProviderServiceFactory(provider=provider, note="Bounding boxes and polygons")
    centre = f.DeliveryCentreFactory(provider=provider, impact_workers=7, headcount=40)
    centre.languages.add(f.LanguageFactory())
    f.CertificationHoldingFactory(provider=provider)
    f.CertificationHoldingFactory(
        provider=provider,
        issued_on=datetime.date(2020, 1, 1),
        expires_on=datetime.date(2022, 1, 1),
    )
    report = f.ImpactReportFactory(
        provider=provider,
        period_start=datetime.date(2019, 1, 1),
        period_end=datetime.date(2019, 12, 31),
    )
    m.ImpactReportGroup.objects.create(
        report=report, target_group=f.TargetGroupFactory(), workers=4
    )
    f.CaseStudyFactory(provider=provider, client_quote="Great work.", quote_attribution="A client")
    return provider


def _tab_to(page, times=1):
    for _ in range(times):
        page.keyboard.press("Tab")
    return page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.textContent.trim()]"
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_home_is_accessible_and_keyboard_usable(
    live_server, page, axe, csp_errors, provider, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")

    assert page.get_by_role("heading", level=1).is_visible()
    axe(page)
    assert csp_errors == []

    assert _tab_to(page) == ["A", "Skip to main content"]
    assert _tab_to(page)[0] == "A"  # the brand link home
    assert _tab_to(page) == ["A", "Find providers"]

    page.get_by_label("Search providers by service, country or name").fill("annotation")
    page.keyboard.press("Enter")
    page.wait_for_url("**/providers/?q=annotation")


def test_skip_link_moves_focus_to_main(live_server, page, provider):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    assert page.evaluate("() => document.activeElement.id") == "main"


@pytest.mark.parametrize("width", [1280, 375])
def test_profile_is_accessible_without_csp_errors(
    live_server, page, axe, csp_errors, provider, width
):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(live_server.url + provider.get_absolute_url())

    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Lakeside Fictional Services"
    assert page.locator(".badge--warning", has_text="Expired").count() == 1
    assert page.locator(".badge--stale").first.is_visible()
    assert "fewer than 10" in page.locator("#delivery").inner_text()
    # The JSON-LD script carries the nonce, so the CSP lets the browser parse it.
    assert (
        page.evaluate(
            "() => JSON.parse(document.querySelector('script[type=\"application/ld+json\"]')"
            ".textContent).name"
        )
        == "Lakeside Fictional Services"
    )
    axe(page)
    assert csp_errors == []
    assert _tab_to(page) == ["A", "Skip to main content"]


def test_profile_table_of_contents_works_by_keyboard(live_server, page, provider):
    page.goto(live_server.url + provider.get_absolute_url())

    link = page.get_by_role("link", name="Certifications", exact=True)
    link.focus()
    page.keyboard.press("Enter")

    page.wait_for_url("**#certifications")
    assert page.locator("#certifications").is_visible()


def test_missing_profile_shows_an_accessible_404(live_server, page, axe, csp_errors):
    response = page.goto(live_server.url + "/providers/nobody-here/")

    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    axe(page)
    assert csp_errors == []


def test_buyer_shortlists_from_the_profile_by_keyboard(
    live_server, page, axe, csp_errors, provider, client
):
    buyer = f.BuyerFactory()
    client.force_login(buyer)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + provider.get_absolute_url())
    axe(page)

    page.get_by_role("button", name="Add to shortlist").focus()
    page.keyboard.press("Enter")

    page.get_by_text("On “My shortlist”").wait_for()
    assert buyer.shortlists.get().entries.filter(provider=provider).exists()
    axe(page)
    assert csp_errors == []


def test_home_and_profile_work_without_javascript(live_server, browser, provider):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")

    page.get_by_label("Search providers by service, country or name").fill("Lakeside")
    page.keyboard.press("Enter")
    page.wait_for_url("**/providers/?q=Lakeside")
    page.goto(live_server.url + provider.get_absolute_url())

    assert page.get_by_role("heading", level=1).inner_text() == "Lakeside Fictional Services"
    assert page.get_by_text("Log in to shortlist").is_visible()
    # <details> opens by keyboard without any script.
    summary = page.get_by_text("Who this report counts as an impact worker")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.get_by_text("People hired from a target group at the time of hiring.").is_visible()
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_report_verified_by_the_directory_reads_well_on_profile_and_compare(
    live_server, page, axe, csp_errors, provider, width
):
    operator = f.StaffFactory()
    older = f.ImpactReportFactory(
        provider=provider,
        is_latest=False,
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 12, 31),
        provenance=m.Provenance.THIRD_PARTY,
        verifier="Fictional Audit Ltd",
    )
    for report in (provider.reports.get(is_latest=True), older):
        report_set_verification(
            report=report,
            by=operator,
            state=m.VerificationState.VERIFIED,
            notes="Payroll summary for the period.",
        )
    other = f.ProviderFactory(slug="other-fictional")
    f.ImpactReportFactory(provider=other, provenance=m.Provenance.THIRD_PARTY, verifier="X Ltd")
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(live_server.url + provider.get_absolute_url())
    check = page.locator(".impact-meta__check").inner_text()
    assert "Verified by the directory" in check and "Payroll summary for the period." in check
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    axe(page)

    page.goto(live_server.url + f"/compare/?p={provider.slug}&p={other.slug}")
    heading = page.get_by_role("rowheader", name="Verified by the directory")
    row = page.get_by_role("row").filter(has=heading)
    assert "Yes, on" in row.inner_text() and "Not yet" in row.inner_text()
    axe(page)
    assert csp_errors == []
