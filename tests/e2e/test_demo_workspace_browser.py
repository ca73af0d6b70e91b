"""A newcomer logs in with the printed demo buyer login and finds the workspace in use."""

import importlib
import io
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from buyers.models import Inquiry, SavedSearch, Shortlist
from providers import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Where the screenshots go, to look at after a run (a temporary folder by default).
SCREENSHOTS = os.environ.get("DEMO_SCREENSHOTS")


@pytest.fixture(autouse=True)
def _fresh_state(page):
    page.set_default_timeout(10_000)
    cache.clear()
    yield
    cache.clear()


def shoot(page, folder, name):
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_demo_buyer_sees_shortlist_saved_search_and_answered_inquiry(
    live_server, page, axe, csp_errors, tmp_path
):
    # The taxonomies, as `migrate` leaves them (a transactional test's flush removes them).
    importlib.import_module("providers.migrations.0002_seed_taxonomies").seed(apps, None)
    call_command("seed_demo", "--providers", "40", stdout=io.StringIO(), stderr=io.StringIO())
    shortlist = Shortlist.objects.get()
    saved = SavedSearch.objects.get()
    inquiry = Inquiry.objects.select_related("provider").get()
    answer = inquiry.messages.get(from_provider=True)
    folder = SCREENSHOTS or tmp_path

    # Log in as `demo_logins` tells a newcomer to.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(demo.DEMO_BUYER.email)
    page.get_by_label("Password").fill(demo.DEMO_BUYER.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(live_server.url + "/workspace/")
    expect(page.get_by_role("link", name=shortlist.name)).to_be_visible()
    expect(page.get_by_role("link", name=saved.name)).to_be_visible()
    expect(page.get_by_role("link", name=inquiry.subject)).to_be_visible()
    axe(page)
    shoot(page, folder, "workspace")

    page.get_by_role("link", name=shortlist.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(shortlist.name)
    for entry in shortlist.entries.select_related("provider"):
        note = entry.notes.get(author=shortlist.owner).text
        expect(page.get_by_label(f"Your note on {entry.provider.name}")).to_have_value(note)
    axe(page)
    shoot(page, folder, "shortlist")

    page.goto(live_server.url + "/searches/")
    expect(page.get_by_role("heading", name=saved.name)).to_be_visible()
    axe(page)
    shoot(page, folder, "searches")

    page.goto(live_server.url + "/inquiries/")
    page.get_by_role("link", name=inquiry.subject).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(inquiry.subject)
    expect(page.get_by_text(answer.body.split("\n\n")[1])).to_be_visible()
    expect(page.get_by_text(inquiry.provider.name).first).to_be_visible()
    axe(page)
    shoot(page, folder, "inquiry")
    assert csp_errors == []
