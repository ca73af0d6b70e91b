"""Sharing a shortlist in a real Chromium: without JavaScript, by keyboard, at 390 px, axe-clean."""

import os
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from buyers import services
from buyers.models import EntryNote, ShortlistMember
from tests.factories import BuyerFactory, ProviderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/impactdir-screenshots")) / "sharing"  # noqa: S108
LINK = re.compile(r"http://[^/\s]+(/shortlists/invitation/\S+/)")


def log_in(page, live_server, user):
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def tab_to(page, locator, presses=80):
    for _ in range(presses):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{locator} could not be reached with the Tab key")


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(10_000)
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


@pytest.fixture
def world():
    owner = verified(
        BuyerFactory(email="olga@acme.example", name="Olga Owner", organisation="Acme Corp")
    )
    partner = verified(
        BuyerFactory(email="eddie@globex.example", name="Eddie Editor", organisation="Globex")
    )
    shortlist = services.shortlist_create(owner=owner, name="Consortium call centres")
    for name in ("Kisumu Voice", "Lagos Data Works"):
        services.shortlist_add(shortlist=shortlist, user=owner, provider=ProviderFactory(name=name))
    return owner, partner, shortlist


def test_invite_accept_and_change_rights_without_javascript_by_keyboard(
    live_server, browser, world
):
    owner, partner, shortlist = world
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, owner)
    page.goto(live_server.url + shortlist.get_absolute_url())
    share = page.get_by_role("link", name="Share", exact=True)
    tab_to(page, share)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/shortlists/{shortlist.pk}/sharing/")

    email = page.get_by_label("E-mail address")
    tab_to(page, email)
    page.keyboard.type("Eddie@globex.example")
    page.keyboard.press("Tab")  # the first right: view
    page.keyboard.press("ArrowDown")  # radio group: arrow keys move to "Can edit"
    expect(page.get_by_label("Can edit")).to_be_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("An invitation was e-mailed to Eddie@globex.example")).to_be_visible()
    [message] = mail.outbox
    path = LINK.search(message.body)[1]

    log_in(page, live_server, partner)
    page.goto(live_server.url + path)
    accept = page.get_by_role("button", name="Accept the invitation")
    tab_to(page, accept)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == live_server.url + shortlist.get_absolute_url()
    expect(page.get_by_text("Olga Owner (Acme Corp) · Owner")).to_be_visible()
    member = ShortlistMember.objects.get(shortlist=shortlist)
    assert member.role == "edit"

    # A shared note, by keyboard.
    note = page.get_by_label("Your note on Kisumu Voice")
    tab_to(page, note)
    page.keyboard.type("Strong QA; ask about Swahili")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert EntryNote.objects.get(author=partner).shared

    # The owner lowers the rights to view only.
    log_in(page, live_server, owner)
    page.goto(live_server.url + f"/shortlists/{shortlist.pk}/sharing/")
    rights = page.get_by_label("Rights of Eddie Editor (Globex)")
    tab_to(page, rights)
    rights.select_option("read")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    member.refresh_from_db()
    assert member.role == "read"
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_sharing_pages_are_accessible_and_fit(live_server, page, axe, csp_errors, world, width):
    owner, partner, shortlist = world
    from buyers.shortlists import sharing

    ShortlistMember.objects.create(
        shortlist=shortlist, user=partner, role="edit", invited_email=partner.email
    )
    entry = shortlist.entries.first()
    EntryNote.objects.create(
        entry=entry, author=partner, text="Strong QA; ask about Swahili", shared=True
    )
    invite = sharing.shortlist_invite(
        shortlist=shortlist, user=owner, email="a-rather-long-address.consortium@example.org"
    )
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = [
        (owner, f"/shortlists/{shortlist.pk}/sharing/", "sharing"),
        (owner, shortlist.get_absolute_url(), "owner-detail"),
        (partner, shortlist.get_absolute_url(), "member-detail"),
        (partner, "/shortlists/", "member-list"),
        (None, sharing.invite_url(invite), "invite-anonymous"),
    ]
    for user, path, shot in pages:
        if user is None:
            page.context.clear_cookies()
        else:
            log_in(page, live_server, user)
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        axe(page)
        fits(page, width)
        page.screenshot(path=str(SHOTS / f"{shot}-{width}.png"), full_page=True)
    # An invitation page with an error state, too.
    log_in(page, live_server, partner)
    page.goto(live_server.url + sharing.invite_url(invite))
    expect(page.get_by_role("alert")).to_contain_text("sent to another e-mail address")
    axe(page)
    assert csp_errors == []
