"""The error summary at the top of every form page in error (includes/error_summary.html).

GOV.UK's pattern: a box titled "There is a problem", focused on load, one link per
field in error to that field's id, errors of no field listed too; the fields keep
their own messages. Bad input changes nothing.
"""

import re

import pytest
from django.urls import reverse

from buyers.models import SavedSearch, Shortlist
from providers.models import ImpactReport, Provider, ProviderService
from tests.factories import BuyerFactory, IsspUserFactory, ServiceFactory, TargetGroupFactory
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db


def summary(html: str) -> str:
    """The summary box's HTML (fails when the page has none)."""
    start = html.index('class="error-summary"')
    return html[start : html.index("</div>\n</div>", start)]


def links(html: str) -> list[str]:
    return re.findall(r'<a href="#([^"]+)">', summary(html))


def assert_targets_exist(html: str) -> None:
    for target in links(html):
        assert f'id="{target}"' in html, target


def dashboard(name, provider, *args):
    return reverse(f"dashboard:{name}", args=[provider.pk, *args])


def test_report_form_in_error_lists_each_field_and_links_to_it(
    client, django_assert_max_num_queries
):
    provider, owner = listing_with_owner()
    youth = TargetGroupFactory(slug="youth", name="Youth")
    client.force_login(owner)
    data = {
        "version": provider.version,
        "period_start": "2025-01-01",
        "period_end": "",
        "impact_worker_definition": "Hired from a target group.",
        "total_employees": "100",
        "impact_workers": "60",
        "placement_rate_pct": "140",
        "provenance": "third-party",
        f"group_{youth.pk}_workers": "-1",
    }
    # The model's check constraints are validated one query each (Django), not per row.
    with django_assert_max_num_queries(22):
        response = client.post(dashboard("report_create", provider), data)
    html = response.content.decode()
    assert response.status_code == 200
    box = summary(html)
    assert "There is a problem" in box and "autofocus" in box and 'tabindex="-1"' in box
    assert set(links(html)) == {
        "id_period_end",
        "id_placement_rate_pct",
        "id_verifier",
        f"id_group_{youth.pk}_workers",
    }
    assert "Impact workers from “Youth” (optional)" in box
    assert_targets_exist(html)
    # The summary comes before the page's heading, and the fields keep their messages.
    assert html.index('class="error-summary"') < html.index("<h1>")
    assert html.count("Name the third party that verified these figures.") == 2
    assert not ImpactReport.objects.exists()


def test_radio_group_in_error_links_to_its_first_choice(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    response = client.post(dashboard("report_create", provider), {"version": provider.version})
    html = response.content.decode()
    assert "id_provenance_0" in links(html)
    assert_targets_exist(html)


def test_stale_save_is_listed_in_the_summary_without_a_link(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    response = client.post(
        dashboard("centre_create", provider), {"version": provider.version - 1 or 99}
    )
    html = response.content.decode()
    assert "There is a problem" in summary(html)
    assert "Country: This field is required." in summary(html)


def test_services_formset_rows_in_error_are_named_in_the_summary(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    data = {
        "version": provider.version,
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "60",
        "services-0-service": "999999",
    }
    html = client.post(dashboard("services", provider), data).content.decode()
    box = summary(html)
    assert "Service row 1, Service: Select a valid choice." in box
    assert links(html) == ["id_services-0-service"]
    assert not ProviderService.objects.exists()


def test_listing_create_and_signup_and_login_show_the_summary(client):
    client.force_login(IsspUserFactory())
    html = client.post(reverse("dashboard:create"), {"name": ""}).content.decode()
    assert links(html) == ["id_name"]
    count = Provider.objects.count()
    assert count == 0
    client.logout()

    html = client.post(reverse("account_signup"), {"email": "not an address"}).content.decode()
    assert {"id_account_type_0", "id_email", "id_password1"} <= set(links(html))
    assert_targets_exist(html)
    assert html.count('class="error-summary"') == 1

    html = client.post(
        reverse("account_login"), {"login": "nobody@x.example", "password": "wrong"}
    ).content.decode()
    box = summary(html)
    assert "not correct" in box
    assert html.count('class="error-summary"') == 1


def test_saved_search_and_shortlist_forms_show_the_summary(client):
    buyer = BuyerFactory()
    client.force_login(buyer)
    response = client.post(
        reverse("buyers:search_new"), {"name": "", "frequency": "often", "query": "country=KE"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert set(links(html)) == {"id_name", "id_frequency_0"}
    assert not SavedSearch.objects.exists()

    response = client.post(reverse("buyers:shortlists"), {"name": ""})
    assert links(response.content.decode()) == ["id_name"]
    assert not Shortlist.objects.exists()


def test_a_page_without_errors_has_no_summary(client):
    provider, owner = listing_with_owner()
    ServiceFactory()
    client.force_login(owner)
    for name in ("profile", "services", "report_create", "centre_create"):
        assert "error-summary" not in client.get(dashboard(name, provider)).content.decode()
