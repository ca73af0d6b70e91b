"""A rename of a published listing, from the member's dashboard to the operator's approval.

Real Chromium: the member queues a new name and sends it for review (axe and CSP
checked on every dashboard page), an operator opens the changes queue from the
admin index, reads the live and proposed values and approves; only then does
the public profile show the new name.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from providers.models import ListingStatus, MembershipRole, PendingChange, PendingChangeStatus
from tests.factories import IsspUserFactory, MembershipFactory, ProviderFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the factories' password
OLD = "Eldoret Fictional Transcribers"
NEW = "Rift Valley Fictional Transcription"


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(15_000)
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


def check_page(page, axe, csp_errors):
    axe(page)
    assert csp_errors == [], csp_errors


def test_member_renames_a_published_listing_and_an_operator_approves_it(
    live_server, page, browser, axe, csp_errors
):
    member = IsspUserFactory(email="chebet@eldoret.example")
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    StaffFactory(email="operator@impactdir.example")
    provider = ProviderFactory(name=OLD, status=ListingStatus.PUBLISHED)
    MembershipFactory(provider=provider, user=member, role=MembershipRole.OWNER)
    profile_url = live_server.url + provider.get_absolute_url()

    # The member proposes the new name and sends it for review.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/dashboard/")
    page.goto(f"{live_server.url}/dashboard/listings/{provider.pk}/profile/")
    check_page(page, axe, csp_errors)
    page.get_by_label(re.compile(r"^Name")).fill(NEW)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("waits for approval")).to_be_visible()
    check_page(page, axe, csp_errors)
    page.get_by_role("navigation", name="Parts of this listing").get_by_role(
        "link", name="Overview and submission"
    ).click()
    check_page(page, axe, csp_errors)
    page.get_by_role("button", name="Send changes for review").click()
    expect(page.get_by_text("Your changes are sent for review.")).to_be_visible()
    check_page(page, axe, csp_errors)

    # Still the published name for everyone.
    page.goto(profile_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(OLD)
    check_page(page, axe, csp_errors)

    # The operator approves it from the changes queue.
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    admin.set_default_timeout(15_000)
    admin_csp = []
    admin.on(
        "console",
        lambda message: (
            admin_csp.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    admin.goto(live_server.url + "/admin/")
    admin.get_by_label("E-mail address").fill("operator@impactdir.example")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.get_by_role("link", name="Changes waiting for review").click()
    admin.get_by_role("link", name=OLD).click()
    values = admin.get_by_role("row").filter(has=admin.get_by_role("rowheader", name="Name"))
    expect(values).to_contain_text(OLD)
    expect(values).to_contain_text(NEW)
    change = re.compile("Change: Name, organisation identifier or type of provider")
    admin.get_by_role("link", name=change).click()
    expect(admin.get_by_role("cell", name=NEW)).to_be_visible()
    admin.go_back()
    admin.get_by_label("Action:").select_option(
        label="Approve pending changes of selected listings"
    )
    admin.get_by_role("button", name="Run").click()
    expect(admin.get_by_text(f"Approved and applied the changes to “{NEW}”.")).to_be_visible()
    assert admin_csp == []
    admin_context.close()

    change = PendingChange.objects.get()
    assert change.status == PendingChangeStatus.APPLIED
    provider.refresh_from_db()
    assert provider.name == NEW
    assert member.email in {message.to[0] for message in mail.outbox}

    # Now the public profile shows the new name.
    page.goto(profile_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW)
    check_page(page, axe, csp_errors)
