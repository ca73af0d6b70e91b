"""Inquiries that reach someone, in a browser at phone width with JavaScript off.

A buyer who said who they are writes to a shortlist with one unclaimed listing
(told before sending); the claimed provider answers the standard questions in
structured fields; the buyer compares the answers side by side; the unclaimed
listing's contact address opens its one-time claim link. Every page passes axe.
"""

import os
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from buyers import services
from buyers.models import Inquiry, InquiryBatch
from providers.models import Industry, PricingModel
from tests.factories import (
    BuyerFactory,
    CertificationFactory,
    CertificationHoldingFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


#: Screenshots to look at: $SCREENSHOT_DIR, or the test's own temporary directory.
@pytest.fixture
def shots(tmp_path):
    return os.environ.get("SCREENSHOT_DIR") or str(tmp_path)


def log_in(page, live_server, user):
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def phone_page(browser, *, javascript: bool):
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


@pytest.fixture
def phone(browser):
    """A phone-width page (axe runs in the page, so JavaScript is on here)."""
    context, page = phone_page(browser, javascript=True)
    yield page
    context.close()


@pytest.fixture
def phone_without_js(browser):
    """A phone-width page with JavaScript off: the forms must work without it."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_state():
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def test_unclaimed_claimed_answers_compared(live_server, phone, axe, shots):
    page = phone
    csp_errors = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    Industry.objects.get_or_create(
        slug="financial-services", defaults={"name": "Financial services"}
    )[0]
    per_hour = PricingModel.objects.get_or_create(slug="per-hour", defaults={"name": "Per hour"})[0]
    claimed = ProviderFactory(name="Kisumu Data Works", slug="kisumu")
    unclaimed = ProviderFactory(
        name="Lagos Voice", slug="lagos", contact_email="hello@lagos.example"
    )
    iso = CertificationFactory(name="ISO 27001", slug="iso-27001")
    CertificationHoldingFactory(provider=claimed, certification=iso)
    staff = IsspUserFactory(email="staff@kisumu.example", name="Amina Staff")
    MembershipFactory(provider=claimed, user=staff)
    buyer = BuyerFactory(email="ana@bank.example", name="", organisation="")

    # The buyer says who they are on the account page.
    log_in(page, live_server, buyer)
    page.goto(live_server.url + "/accounts/profile/")
    page.get_by_label("Your name").fill("ana@bank.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Write your name, not an e-mail address").first).to_be_visible()
    axe(page)
    page.get_by_label("Your name").fill("Ana Ruiz")
    page.get_by_label("Organisation").fill("Example Bank")
    page.get_by_label("Industry").select_option(label="Financial services")
    page.get_by_label("Country").select_option(label="Spain")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    page.screenshot(path=f"{shots}/account-profile.png", full_page=True)
    no_sideways_scroll(page)

    # The profile of the unclaimed listing says what an inquiry to it means.
    page.goto(live_server.url + unclaimed.get_absolute_url())
    expect(page.get_by_text("Nobody manages this listing on ImpactDir yet")).to_be_visible()
    axe(page)

    # One inquiry to both, from a shortlist: told before sending.
    shortlist = services.shortlist_create(owner=buyer, name="Finalists")
    for provider in (claimed, unclaimed):
        services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider)
    page.goto(live_server.url + f"/inquiries/new/?shortlist={shortlist.pk}")
    expect(page.locator("#unclaimed-note")).to_contain_text("Lagos Voice")
    axe(page)
    page.screenshot(path=f"{shots}/inquiry-new.png", full_page=True)
    no_sideways_scroll(page)
    page.get_by_label("Subject").fill("Transcription 2027")
    page.get_by_label("Message").fill("Can you take 20 hours of audio a week?")
    for label in (
        "What capacity",
        "What share of the team",
        "Which certifications",
        "How would you price",
    ):
        page.get_by_label(re.compile(label)).check()
    page.get_by_role("button", name="Send inquiry").click()
    batch = InquiryBatch.objects.get()
    expect(page).to_have_url(live_server.url + batch.get_absolute_url())
    to_claimed = Inquiry.objects.get(provider=claimed)

    # The claimed provider sees who wrote and answers in structured fields.
    log_in(page, live_server, staff)
    page.goto(live_server.url + "/dashboard/inquiries/")
    expect(page.get_by_text("Ana Ruiz, Example Bank (Financial services, Spain)")).to_be_visible()
    axe(page)
    page.goto(live_server.url + to_claimed.get_provider_url())
    page.get_by_label("Impact-worker share of the team on this account (%)").fill("140")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    axe(page)
    page.get_by_label("Capacity").fill("40")
    page.get_by_label("Unit").select_option(label="seats")
    page.get_by_label("Impact-worker share of the team on this account (%)").fill("65")
    page.get_by_label("Pricing model").select_option(label=per_hour.name)
    page.get_by_label("Pricing details").fill("USD 9 to 11 an hour")
    page.screenshot(path=f"{shots}/provider-answer-form.png", full_page=True)
    no_sideways_scroll(page)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    expect(page.locator(".answer")).to_contain_text("40 seats")
    axe(page)

    # The buyer compares the answers side by side.
    log_in(page, live_server, buyer)
    page.goto(live_server.url + batch.get_absolute_url())
    table = page.get_by_role("region", name="Each provider's latest answers, side by side")
    expect(table).to_contain_text("65%")
    expect(table).to_contain_text("No answer yet")
    axe(page)
    page.screenshot(path=f"{shots}/answers-compared.png", full_page=True)
    no_sideways_scroll(page)
    page.goto(live_server.url + Inquiry.objects.get(provider=unclaimed).get_buyer_url())
    expect(page.get_by_text("Nobody managed the listing of Lagos Voice")).to_be_visible()
    axe(page)

    # The unclaimed listing's contact address opens its claim link.
    [email] = [m for m in mail.outbox if m.to == ["hello@lagos.example"]]
    path = re.search(r"https?://[^/\s]+(/dashboard/inquiries/claim/[^/\s]+/)", email.body)[1]
    page.context.clear_cookies()
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="Claim “Lagos Voice”")).to_be_visible()
    axe(page)
    log_in(page, live_server, IsspUserFactory(email="ops@lagos.example"))
    page.goto(live_server.url + path)
    page.get_by_label("How are you connected to this organisation?").fill("I run operations.")
    page.screenshot(path=f"{shots}/claim-link.png", full_page=True)
    page.get_by_role("button", name="Send claim for review").click()
    expect(page.get_by_text("Your claim of “Lagos Voice” is waiting for review")).to_be_visible()
    page.goto(live_server.url + path)
    expect(page.get_by_text("This link has already been used.")).to_be_visible()
    axe(page)
    page.screenshot(path=f"{shots}/claim-link-used.png", full_page=True)
    no_sideways_scroll(page)
    assert csp_errors == []


def test_answering_and_comparing_work_without_javascript(live_server, phone_without_js):
    page = phone_without_js
    a = ProviderFactory(name="Kisumu Data Works", slug="kisumu")
    b = ProviderFactory(name="Lagos Voice", slug="lagos")
    staff = IsspUserFactory(email="staff@kisumu.example", name="Amina Staff")
    MembershipFactory(provider=a, user=staff)
    MembershipFactory(provider=b)
    buyer = BuyerFactory(email="ana@bank.example", name="Ana Ruiz", organisation="Example Bank")
    sent = services.inquiry_send(
        buyer=buyer,
        providers=[a, b],
        subject="Transcription 2027",
        body="Can you take 20 hours of audio a week?",
        questions=["capacity", "impact-share"],
    )
    log_in(page, live_server, staff)
    page.goto(live_server.url + sent[0].get_provider_url())
    page.get_by_label("Capacity").fill("12")
    page.get_by_label("Unit").select_option(label="people")
    page.get_by_label("Impact-worker share of the team on this account (%)").fill("55")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    log_in(page, live_server, buyer)
    page.goto(live_server.url + sent[0].batch.get_absolute_url())
    expect(page.get_by_role("cell", name="55%")).to_be_visible()
    expect(page.get_by_role("cell", name="12 people")).to_be_visible()
