"""Admin writes go through the services the dashboard uses.

Compare-and-set locking of the listing's version, the upload checks for logos,
a reason in every history row, and one history timeline of a listing and all
of its parts.
"""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from PIL import Image

from providers import models as m
from providers.services.parts import provider_update_profile
from tests.factories import (
    CaseStudyFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    IsspUserFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
    StaffFactory,
    TargetGroupFactory,
)
from tests.providers.listing_helpers import image_bytes, listing_with_owner
from tests.providers.test_admin import change_form_data
from tests.providers.test_concurrency import loaded_version

pytestmark = pytest.mark.django_db


def operator_client(email):
    client = Client()
    client.force_login(StaffFactory(email=email))
    return client


@pytest.fixture
def operator():
    return operator_client("first-operator@impactdir.example")


def change_url(provider):
    return reverse("admin:providers_provider_change", args=[provider.pk])


def history_of(obj):
    return list(obj.history.order_by("history_date", "history_id"))


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --------------------------------------------------------------------------
# Locking
# --------------------------------------------------------------------------


def test_two_operators_saving_the_same_listing_the_second_gets_the_conflict_message():
    provider = ProviderFactory(name="Shared Listing")
    first = operator_client("one@impactdir.example")
    second = operator_client("two@impactdir.example")
    first_form = change_form_data(provider, name="First Operator's Name")
    second_form = change_form_data(provider, name="Second Operator's Name")
    # Both opened the page at the same version.
    assert first.get(change_url(provider)).status_code == 200
    assert second.get(change_url(provider)).status_code == 200

    assert first.post(change_url(provider), first_form).status_code == 302
    response = second.post(change_url(provider), second_form)

    assert response.status_code == 200
    assert "Someone else changed this listing while you were editing it" in response.text
    provider.refresh_from_db()
    assert provider.name == "First Operator's Name"
    assert provider.version == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database that runs two sessions at once"
)
def test_two_operators_saving_at_the_same_moment_exactly_one_wins():
    provider = ProviderFactory(name="Race Listing")
    clients = [operator_client(f"racer{i}@impactdir.example") for i in range(2)]
    forms = [change_form_data(provider, name=f"Racer {i}") for i in range(2)]
    barrier = threading.Barrier(2)
    statuses = []

    def save(i):
        try:
            barrier.wait()
            statuses.append(clients[i].post(change_url(provider), forms[i]).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 302]  # one saved, the other was shown the conflict
    provider.refresh_from_db()
    assert provider.version == 2
    assert m.Provider.history.filter(id=provider.pk, history_type="~").count() == 1


def test_an_admin_save_claims_one_version_and_records_the_operators_reason(operator):
    provider = ProviderFactory(name="Reasoned Ltd")

    response = operator.post(
        change_url(provider),
        change_form_data(provider, tagline="Checked tagline", change_reason="Typo in tagline"),
    )

    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.version == 2 and provider.tagline == "Checked tagline"
    last = history_of(provider)[-1]
    assert last.history_change_reason == "Typo in tagline"
    assert last.history_user.email == "first-operator@impactdir.example"


def test_an_operators_part_edit_makes_an_open_dashboard_form_stale(operator):
    provider, owner = listing_with_owner(name="Busy Ltd", tagline="Before")
    member = Client()
    member.force_login(owner)
    profile_url = reverse("dashboard:profile", args=[provider.pk])
    version = loaded_version(member.get(profile_url))

    response = operator.post(
        reverse("admin:providers_providerservice_add"),
        {"provider": provider.pk, "service": ServiceFactory().pk, "voice": "", "note": "Added"},
    )
    assert response.status_code == 302
    added = m.ProviderService.objects.get(provider=provider)
    assert history_of(added)[-1].history_change_reason == "Edited by an operator in admin"

    response = member.post(
        profile_url,
        {
            "version": version,
            "name": "Busy Ltd",
            "tagline": "Member's",
            "contact_email": "team@busy.example",
        },
    )
    assert response.status_code == 200
    assert "Someone else saved this listing" in response.text
    provider.refresh_from_db()
    assert provider.tagline == "Before"


# --------------------------------------------------------------------------
# Logos through the upload checks
# --------------------------------------------------------------------------


def logo_upload(data):
    return SimpleUploadedFile("logo.png", data, content_type="image/png")


def test_a_polyglot_logo_uploaded_through_admin_is_refused_and_nothing_is_stored(
    operator, settings, tmp_path
):
    provider = ProviderFactory(name="Polyglot Target")
    polyglot = image_bytes("PNG") + b"<html><script>alert(1)</script></html>"

    response = operator.post(
        change_url(provider), change_form_data(provider, new_logo=logo_upload(polyglot))
    )

    assert response.status_code == 200
    assert "more than an image" in response.text
    provider.refresh_from_db()
    assert provider.logo.name == "" and provider.version == 1
    assert stored_files(tmp_path / "media") == []


def test_a_logo_uploaded_through_admin_is_re_encoded_and_can_be_removed(operator, tmp_path):
    provider = ProviderFactory(name="Logo Ltd")
    original = image_bytes("PNG", size=(640, 480))

    response = operator.post(
        change_url(provider), change_form_data(provider, new_logo=logo_upload(original))
    )

    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.logo.name
    stored = (tmp_path / "media" / provider.logo.name).read_bytes()
    assert stored != original  # re-encoded from pixels, resized to the logo size
    with Image.open(provider.logo.path) as image:
        assert max(image.size) < 640
    assert len(stored_files(tmp_path / "media")) == 2  # the logo and its thumbnail

    provider.refresh_from_db()
    response = operator.post(change_url(provider), change_form_data(provider, remove_logo="on"))
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.logo.name == ""


def test_a_staff_user_without_change_permission_cannot_use_the_logo_service():
    from django.core.exceptions import PermissionDenied

    from providers.services.parts import provider_set_logo

    provider = ProviderFactory()
    clerk = StaffFactory(email="clerk@impactdir.example", is_superuser=False)
    clerk.user_permissions.clear()
    with pytest.raises(PermissionDenied):
        provider_set_logo(provider=provider, user=clerk, version=1, logo_name="logos/x.png")


# --------------------------------------------------------------------------
# One timeline
# --------------------------------------------------------------------------


def test_history_shows_one_timeline_of_the_listing_and_all_its_parts(operator):
    provider, owner = listing_with_owner(name="Timeline Ltd")
    ProviderServiceFactory(provider=provider, service=ServiceFactory(name="Data annotation"))
    DeliveryCentreFactory(provider=provider, city="Gulu", country="UG")
    report = ImpactReportFactory(provider=provider)
    m.ImpactReportGroup.objects.create(
        report=report, target_group=TargetGroupFactory(name="Refugees"), workers=12
    )
    CaseStudyFactory(provider=provider, title="Digitising archives")
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"tagline": "New words"}
    )

    response = operator.get(reverse("admin:providers_provider_history", args=[provider.pk]))

    assert response.status_code == 200
    html = response.text
    for text in [
        "Service offered: Data annotation",
        "Delivery centre: Gulu, Uganda",
        "Refugees",
        "Digitising archives",
        "Timeline Ltd",
    ]:
        assert text in html, text
    assert "New words" in html  # what changed, old → new
    assert owner.email in html  # who


def test_history_timeline_query_count_does_not_grow_with_parts(
    operator, django_assert_max_num_queries
):
    provider = ProviderFactory(name="Many Parts")
    for _ in range(15):
        ProviderServiceFactory(provider=provider)
        DeliveryCentreFactory(provider=provider)
        CaseStudyFactory(provider=provider)
    with django_assert_max_num_queries(30):
        response = operator.get(reverse("admin:providers_provider_history", args=[provider.pk]))
    assert response.status_code == 200


def test_history_timeline_is_refused_to_non_operators(client):
    provider, owner = listing_with_owner(name="Private History")
    url = reverse("admin:providers_provider_history", args=[provider.pk])
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(IsspUserFactory())
    assert client.get(url).status_code == 302
    clerk = StaffFactory(email="no-perms@impactdir.example", is_superuser=False)
    clerk.user_permissions.clear()
    client.force_login(clerk)
    assert client.get(url).status_code == 403


def test_history_timeline_of_an_unknown_listing_is_404(operator):
    assert operator.get("/admin/providers/provider/999999/history/").status_code == 404
    assert operator.get("/admin/providers/provider/%C2%B2/history/").status_code in (302, 404)


# --------------------------------------------------------------------------
# Bulk writes recorded
# --------------------------------------------------------------------------


def test_sending_changes_for_review_records_it_in_each_changes_history():
    from providers.services.submission import provider_submit

    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED, name="Live Ltd")
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Renamed Ltd"}
    )
    change = m.PendingChange.objects.get(provider=provider)

    provider_submit(provider=provider, user=owner, base_url="http://testserver")

    last = history_of(change)[-1]
    assert last.submitted_at is not None
    assert last.history_change_reason == "Sent for review"


def test_an_operators_long_reason_is_kept_whole_in_the_history(operator):
    provider = ProviderFactory(name="Long Reason Ltd")
    reason = "Checked against the registry extract of 3 March; " * 8  # about 400 characters

    response = operator.post(
        change_url(provider), change_form_data(provider, tagline="New", change_reason=reason)
    )

    assert response.status_code == 302
    assert history_of(provider)[-1].history_change_reason == " ".join(reason.split())


def test_approving_changes_makes_the_listing_updated_now():
    import datetime

    from django.utils import timezone

    from providers.services.parts import certification_save
    from providers.services.submission import provider_submit
    from providers.services.vetting import changes_approve
    from tests.factories import CertificationFactory

    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED, name="Live Ltd")
    # A new certification is a change to a vetted fact: it waits for approval, and
    # applying it writes the holding, not the listing's own row.
    certification_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data={
            "certification": CertificationFactory(),
            "scope": "All sites",
            "certificate_number": "Q-1",
            "issued_on": datetime.date(2025, 1, 1),
            "expires_on": datetime.date(2030, 1, 1),
        },
    )
    provider_submit(provider=provider, user=owner, base_url="http://testserver")
    month_ago = timezone.now() - datetime.timedelta(days=30)
    m.Provider.objects.filter(pk=provider.pk).update(updated_at=month_ago)
    before = timezone.now()

    changes_approve(provider=provider, by=StaffFactory(email="approver@impactdir.example"))

    provider.refresh_from_db()
    assert provider.certifications.count() == 1
    assert provider.updated_at >= before
