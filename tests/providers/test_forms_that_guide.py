"""The dashboard's forms that guide: checklist links to where each item is filled in,
"Add another" rows, the impact report's provenance group and short inputs with units."""

import re

import pytest
from django.urls import reverse

from providers.checklist import provider_checklist
from providers.models import ImpactReport, ProviderService
from tests.factories import CertificationFactory, ServiceFactory, TargetGroupFactory
from tests.providers.listing_helpers import listing_with_owner

pytestmark = pytest.mark.django_db


def dashboard(name, provider, *args):
    return reverse(f"dashboard:{name}", args=[provider.pk, *args])


def test_every_missing_checklist_item_links_to_the_field_that_fills_it(client):
    provider, owner = listing_with_owner(tagline="", description="", website="")
    ServiceFactory()
    CertificationFactory()
    client.force_login(owner)
    checklist = provider_checklist(provider)
    missing = [item for item in checklist.items if not item.done]
    assert len(missing) >= 8
    html = client.get(dashboard("listing", provider)).content.decode()
    for item in missing:
        assert f'<a href="{item.url}">{item.label}' in html
        path, anchor = item.url.split("#")
        page = client.get(path)
        assert page.status_code == 200, item.url
        assert f'id="{anchor}"' in page.content.decode(), item.url
    # Done items are not links.
    done = next(item for item in checklist.items if item.done)
    assert f'<a href="{done.url}">{done.label}' not in html


def test_overview_links_each_blocker(client):
    provider, owner = listing_with_owner(tagline="")
    client.force_login(owner)
    html = client.get(reverse("dashboard:index")).content.decode()
    assert f'<a href="{dashboard("profile", provider)}#id_tagline">Tagline</a>' in html
    assert f'<a href="{dashboard("report_create", provider)}#id_period_start">' in html


def test_checklist_links_of_another_users_listing_are_refused(client):
    provider, _owner = listing_with_owner(tagline="")
    _other_listing, stranger = listing_with_owner()
    client.force_login(stranger)
    for item in provider_checklist(provider).items:
        assert client.get(item.url.split("#")[0]).status_code == 404, item.url


@pytest.mark.parametrize("rows", [1, 20])
def test_services_page_carries_the_empty_row_for_add_another(
    client, django_assert_max_num_queries, rows
):
    provider, owner = listing_with_owner()
    services = [ServiceFactory() for _ in range(rows)]
    for service in services:
        ProviderService.objects.create(provider=provider, service=service)
    client.force_login(owner)
    with django_assert_max_num_queries(9):
        html = client.get(dashboard("services", provider)).content.decode()
    template = html[html.index("<template data-formset-empty>") : html.index("</template>")]
    assert 'name="services-__prefix__-service"' in template
    assert "Service row __number__" in template
    assert "data-formset-add-row hidden" in html
    assert f'name="services-TOTAL_FORMS" value="{rows + 3}"' in html


def test_services_saved_from_rows_added_beyond_the_servers_extra_rows(client):
    """What the script posts after "Add another" twice: TOTAL_FORMS raised, rows 3 and 4 new."""
    provider, owner = listing_with_owner()
    wanted = [ServiceFactory() for _ in range(5)]
    client.force_login(owner)
    data = {
        "version": provider.version,
        "services-TOTAL_FORMS": "5",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "60",
    }
    for index, service in enumerate(wanted):
        data[f"services-{index}-service"] = str(service.pk)
        data[f"services-{index}-voice"] = "voice"
    response = client.post(dashboard("services", provider), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(provider.services.values_list("service", flat=True)) == {s.pk for s in wanted}


def test_services_beyond_the_maximum_are_refused_and_nothing_changes(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    data = {
        "version": provider.version,
        "services-TOTAL_FORMS": "61",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "60",
    }
    service = ServiceFactory()
    for index in range(61):
        data[f"services-{index}-service"] = str(service.pk)
    response = client.post(dashboard("services", provider), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not ProviderService.objects.exists()


def test_report_form_groups_provenance_and_says_when_each_field_applies(client):
    provider, owner = listing_with_owner()
    TargetGroupFactory(name="Youth")
    client.force_login(owner)
    html = client.get(dashboard("report_create", provider)).content.decode()
    group = html[html.index('<fieldset class="provenance') :]
    group = group[: group.index("</fieldset>")]
    assert "<legend>Provenance</legend>" in group
    assert group.count("<fieldset") == 1  # the radios sit in the one group, not a nested one
    for name in ("provenance", "evidence_file", "verifier", "verified_on"):
        assert f'name="{name}"' in group
    assert 'data-shows-when="provenance=documented"' in group
    assert 'data-shows-when="provenance=third-party"' in group
    assert "Needed when the figures are backed by a document" in group
    assert "Needed when the figures are third-party verified" in group
    # Short number inputs with their units, styled by class (no style attribute).
    assert re.search(r'class="input--short"[^>]*name="voluntary_turnover_pct"', html) or re.search(
        r'name="voluntary_turnover_pct"[^>]*class="input--short"', html
    )
    assert '<span class="input-with-unit__unit" aria-hidden="true">%</span>' in html
    assert '<span class="input-with-unit__unit" aria-hidden="true">×</span>' in html
    assert '<span class="input-with-unit__unit" aria-hidden="true">hours</span>' in html
    assert "style=" not in html
    # Each target-group row: the box, its name, and a count labelled with the group's name.
    assert "Impact workers from “Youth” (optional)" in html


def test_documented_provenance_without_a_document_is_refused(client):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    data = {
        "version": provider.version,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "impact_worker_definition": "Hired from a target group.",
        "total_employees": "100",
        "impact_workers": "60",
        "provenance": "documented",
    }
    response = client.post(dashboard("report_create", provider), data)
    html = response.content.decode()
    assert '<a href="#id_evidence_file">Supporting document: Attach the document' in html
    assert not ImpactReport.objects.exists()


def test_report_form_of_another_users_listing_is_refused(client):
    provider, _owner = listing_with_owner()
    _other, stranger = listing_with_owner()
    client.force_login(stranger)
    assert client.get(dashboard("report_create", provider)).status_code == 404
    assert client.post(dashboard("report_create", provider), {"version": "1"}).status_code == 404
    assert client.get(dashboard("services", provider)).status_code == 404
