"""An operator vets listings in Django admin, in a real Chromium.

Every page an operator works in passes axe (login, the queue, a listing with
every kind of inline row, an impact report, the decision form) and raises no
CSP violation.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from providers.models import ListingStatus, VerificationState
from tests.factories import (
    CaseStudyFactory,
    CertificationHoldingFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderServiceFactory,
    StaffFactory,
    TargetGroupFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the factories' password


def log_in(page, live_server, email):
    page.goto(live_server.url + "/admin/")
    # Not logged in: the admin sends us to its login form (e-mail is the login).
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Vetting queue")).to_be_visible()


def select_and_run(page, row_name, action_label):
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=row_name))
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label=action_label)
    page.get_by_role("button", name="Run").click()


def test_operator_logs_in_opens_the_queue_and_approves_a_listing(live_server, page, csp_errors):
    StaffFactory(email="operator@impactdir.example")
    waiting = ProviderFactory(name="Nairobi Annotation Co-op", status=ListingStatus.SUBMITTED)
    MembershipFactory(provider=waiting, user=IsspUserFactory(email="team@nairobi.example"))
    ProviderFactory(name="Already Live Ltd", status=ListingStatus.PUBLISHED)

    log_in(page, live_server, "operator@impactdir.example")
    page.get_by_role("link", name="Listings submitted for review").click()

    expect(page.get_by_role("link", name="Nairobi Annotation Co-op")).to_be_visible()
    expect(page.get_by_role("link", name="Already Live Ltd")).to_have_count(0)
    select_and_run(page, "Nairobi Annotation Co-op", "Approve and publish selected listings")

    expect(page.get_by_text("Approved and published “Nairobi Annotation Co-op”.")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == ListingStatus.PUBLISHED
    assert [message.to for message in mail.outbox] == [["team@nairobi.example"]]
    assert csp_errors == []


def test_operator_must_give_a_reason_to_reject(live_server, page, csp_errors):
    StaffFactory(email="operator@impactdir.example")
    waiting = ProviderFactory(name="Cusco Back Office", status=ListingStatus.SUBMITTED)
    MembershipFactory(provider=waiting, user=IsspUserFactory(email="team@cusco.example"))

    log_in(page, live_server, "operator@impactdir.example")
    page.get_by_role("link", name="Listings submitted for review").click()
    select_and_run(page, "Cusco Back Office", "Reject selected listings (with a reason)")

    page.get_by_role("button", name="Reject listings").click()
    expect(page.get_by_text("Nothing has been changed")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == ListingStatus.SUBMITTED

    page.get_by_label("Reason").fill("Please add your registry number.")
    page.get_by_role("button", name="Reject listings").click()

    expect(page.get_by_text("Rejected “Cusco Back Office”.")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == ListingStatus.REJECTED
    assert waiting.rejection_reason == "Please add your registry number."
    assert "Please add your registry number." in mail.outbox[0].body
    assert csp_errors == []


def test_admin_login_change_page_and_queue_pass_axe(live_server, page, axe, csp_errors):
    """The pages operators work in pass axe: login, the queue, a listing with every kind
    of inline row, an impact report's page and the decision form."""
    StaffFactory(email="operator@impactdir.example")
    provider = ProviderFactory(name="Every Part Ltd", status=ListingStatus.SUBMITTED)
    MembershipFactory(provider=provider, user=IsspUserFactory(email="team@parts.example"))
    ProviderServiceFactory(provider=provider)
    DeliveryCentreFactory(provider=provider)
    CertificationHoldingFactory(provider=provider, verification=VerificationState.UNVERIFIED)
    report = ImpactReportFactory(provider=provider)
    report.groups.create(target_group=TargetGroupFactory(), workers=20)
    CaseStudyFactory(provider=provider)

    page.goto(live_server.url + "/admin/login/")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    axe(page)
    page.get_by_label("E-mail address").fill("operator@impactdir.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    queue = page.locator("#vetting-queue")
    expect(queue).to_contain_text("Listings submitted for review: 1")
    expect(queue).to_contain_text("Impact reports: 1")
    expect(queue).to_contain_text("Impact reports not yet checked: 1")
    expect(queue).to_contain_text("Certifications not yet checked: 1")
    axe(page)

    page.goto(f"{live_server.url}/admin/providers/provider/{provider.pk}/change/")
    expect(page.get_by_role("heading", name="Every Part Ltd", exact=True)).to_be_visible()
    axe(page)

    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="Impact reports not yet checked").click()
    expect(page.get_by_role("link", name=str(report.provider))).to_be_visible()
    axe(page)
    select_and_run(
        page, str(report.provider), "Mark selected impact reports verified by the directory"
    )
    axe(page)
    page.get_by_label("What was checked").fill("Payroll summary for the period.")
    page.get_by_role("button", name="Verify impact reports").click()
    expect(page.get_by_text("verified by the directory.")).to_be_visible()

    page.goto(f"{live_server.url}/admin/providers/impactreport/{report.pk}/change/")
    expect(page.get_by_text("Payroll summary for the period.")).to_be_visible()
    axe(page)
    assert csp_errors == []
