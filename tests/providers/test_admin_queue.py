"""The vetting queue on the admin index: how many items wait in each part, each count what
its link lists."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from providers import models as m
from providers.admin.queue import vetting_queue
from providers.services.parts import provider_update_profile, report_save
from providers.services.submission import provider_submit
from tests.factories import (
    CaseStudyFactory,
    CertificationHoldingFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    IsspUserFactory,
    ProviderFactory,
    ProviderServiceFactory,
    StaffFactory,
)
from tests.providers.listing_helpers import listing_with_owner, report_values

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


@pytest.fixture
def staff():
    return StaffFactory(email="operator@impactdir.example")


def directory():
    """Two submitted listings with parts, a published one with changes and unchecked parts,
    a draft whose parts wait for nobody, and claims."""
    for name in ("Sent One", "Sent Two"):
        sent = ProviderFactory(name=name, status=m.ListingStatus.SUBMITTED)
        ProviderServiceFactory(provider=sent)
        ProviderServiceFactory(provider=sent)
        DeliveryCentreFactory(provider=sent)
        CaseStudyFactory(provider=sent)
    CertificationHoldingFactory(provider=m.Provider.objects.get(name="Sent One"))
    ImpactReportFactory(provider=m.Provider.objects.get(name="Sent Two"))

    live, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED, name="Live Ltd")
    CertificationHoldingFactory(provider=live)
    CertificationHoldingFactory(provider=live, verification=m.VerificationState.VERIFIED)
    ImpactReportFactory(provider=live, is_latest=True)
    report_save(
        provider=live,
        user=owner,
        version=live.version,
        data=report_values(
            period_start=datetime.date(2023, 1, 1), period_end=datetime.date(2023, 12, 31)
        ),
        groups={},
    )
    live.refresh_from_db()
    provider_update_profile(
        provider=live, user=owner, version=live.version, data={"name": "Live Renamed"}
    )
    provider_submit(provider=live, user=owner)

    draft = ProviderFactory(name="Draft Ltd", status=m.ListingStatus.DRAFT)
    CertificationHoldingFactory(provider=draft)
    ImpactReportFactory(provider=draft)
    ProviderServiceFactory(provider=draft)

    m.Claim.objects.create(provider=live, user=IsspUserFactory(), message="I work there.")
    m.Claim.objects.create(
        provider=live, user=IsspUserFactory(), message="Me too.", status=m.ClaimStatus.APPROVED
    )


def entries(user):
    return {str(entry.label): entry for entry in vetting_queue(user)}


def test_each_part_shows_how_many_items_wait(staff):
    directory()

    queue = entries(staff)

    listings = queue["Listings submitted for review"]
    assert listings.count == 2
    assert {str(label): n for label, n in listings.parts} == {
        "services offered": 4,
        "delivery centres": 2,
        "certifications": 1,
        "impact reports": 1,
        "case studies": 2,
    }
    changes = queue["Changes waiting for review"]
    assert changes.count == 1
    assert {str(label): n for label, n in changes.parts} == {
        "Name, organisation identifier or type of provider": 1,
        "Certification": 0,
        "Impact report": 1,
    }
    # Unchecked on submitted and published listings; the draft's wait for nobody.
    assert queue["Certifications not yet checked"].count == 2
    assert queue["Impact reports not yet checked"].count == 2
    assert queue["Claims waiting for review"].count == 1


def test_every_count_is_what_its_link_lists(client, staff):
    directory()
    client.force_login(staff)

    for entry in vetting_queue(staff):
        page = client.get(entry.url)
        assert page.status_code == 200, entry.url
        assert page.context["cl"].result_count == entry.count, entry.label


def test_the_index_shows_the_counts_in_few_queries(client, staff, django_assert_max_num_queries):
    directory()
    client.force_login(staff)

    with django_assert_max_num_queries(20):
        html = client.get(INDEX).text

    assert 'id="vetting-queue"' in html
    assert "Listings submitted for review</a>: <strong>2</strong>" in html
    assert "Services offered: 4" in html
    assert "Impact reports not yet checked</a>: <strong>2</strong>" in html
    assert "Claims waiting for review</a>: <strong>1</strong>" in html


def test_staff_see_only_the_parts_they_may_view(client):
    directory()
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_impactreport", content_type__app_label="providers")
    )
    client.force_login(viewer)

    html = client.get(INDEX).text

    assert "Impact reports not yet checked" in html
    for hidden in ("Listings submitted", "Changes waiting", "Certifications not", "Claims"):
        assert hidden not in html


def test_no_queue_for_staff_without_vetting_rights(client):
    client.force_login(StaffFactory(is_superuser=False))
    assert 'id="vetting-queue"' not in client.get(INDEX).text


@pytest.mark.parametrize("value", ["no", "1", "%00", "yes&waiting=no"])
def test_odd_waiting_filter_values_never_error(client, staff, value):
    client.force_login(staff)
    for name in ("impactreport", "certificationholding"):
        url = reverse(f"admin:providers_{name}_changelist")
        assert client.get(f"{url}?waiting={value}").status_code in (200, 302)
