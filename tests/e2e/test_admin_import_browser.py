"""An operator imports a member list in Django admin, in a real Chromium, by keyboard.

axe checks the whole import page (ours, not one of Django's own admin pages) at
each step: upload form, preview with errors, preview, and the list afterwards is
Django's own, so only its message is checked there.
"""

import importlib
import os
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from providers.models import ListingStatus, Membership, Provider, Service
from tests.factories import StaffFactory

from .test_admin_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

seed_migration = importlib.import_module("providers.migrations.0002_seed_taxonomies")

GOOD = (
    b"name,country,website,services\n"
    b"Nairobi Data Co-op,KE,nairobi-data.example,data-annotation\n"
    b"Cusco Back Office,PE,,data-entry;transcription\n"
)
BAD = b"name,country,services\nNairobi Data Co-op,KE,underwater-basket-weaving\n"


def choose_file(page, content, name="members.csv"):
    page.get_by_label("File to import").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_label("Format").select_option(label="csv")


@pytest.fixture
def taxonomies(db):
    if not Service.objects.exists():
        # Transactional tests before this one emptied the tables the migration seeded.
        seed_migration.seed(apps, None)


@pytest.mark.parametrize("width", [390, 1280])
def test_operator_uploads_previews_and_confirms_an_import(
    live_server, page, axe, csp_errors, taxonomies, width, tmp_path
):
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
    page.set_viewport_size({"width": width, "height": 900})
    StaffFactory(email="operator@impactdir.example")
    log_in(page, live_server, "operator@impactdir.example")
    page.goto(live_server.url + "/admin/providers/provider/")
    page.get_by_role("link", name="Import", exact=True).click()

    expect(page.get_by_role("heading", name="Import providers", level=1)).to_be_visible()
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    axe(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"{shots}/import-form-{width}.png", full_page=True)

    # A file with an error: listed by line, nothing written, no confirm button.
    choose_file(page, BAD)
    page.get_by_role("button", name="Preview import").press("Enter")
    expect(page.get_by_text("Unknown service “underwater-basket-weaving”")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    axe(page)
    page.screenshot(path=f"{shots}/import-errors-{width}.png", full_page=True)
    assert Provider.objects.count() == 0

    choose_file(page, GOOD)
    page.get_by_role("button", name="Preview import").press("Enter")
    expect(page.get_by_text("2 new draft listings, 0 updated, 0 left as they are.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Cusco Back Office")
    expect(row.get_by_role("cell", name="New draft")).to_be_visible()
    axe(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"{shots}/import-preview-{width}.png", full_page=True)
    assert Provider.objects.count() == 0

    page.get_by_role("button", name="Confirm import").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/providers/provider/$"))
    expect(
        page.get_by_text("Import finished: 2 new draft listings, 0 updated, 0 left as they were.")
    ).to_be_visible()
    assert set(Provider.objects.values_list("status", flat=True)) == {ListingStatus.DRAFT}
    assert Provider.objects.count() == 2
    assert not Membership.objects.exists()
    assert csp_errors == []
