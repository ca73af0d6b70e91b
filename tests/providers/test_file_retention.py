"""Replaced and removed files are deleted once nothing needs them, and only after commit.

Real files in the test's own MEDIA_ROOT and PRIVATE_MEDIA_ROOT; the real services and
dashboard views; after-commit callbacks run as they would after a real commit. What
"needed" means is documented in `providers.services.files`.
"""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from providers import models as m
from providers import uploads
from providers.evidence import item_evidence_url
from providers.services.parts import (
    certification_delete,
    certification_save,
    provider_remove_logo,
    provider_set_logo,
    report_delete,
    report_save,
)
from providers.services.pending_changes import pending_change_withdraw
from providers.services.submission import provider_submit
from providers.services.vetting import (
    certification_holding_set_verification,
    changes_approve,
    changes_reject,
    listing_verify,
)
from providers.uploads import thumbnail_name
from tests.factories import (
    CertificationHoldingFactory,
    ImpactReportFactory,
    StaffFactory,
)
from tests.providers.listing_helpers import (
    image_bytes,
    listing_with_owner,
    pdf_bytes,
    stored_evidence,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block registers for after the commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def private(settings, name: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / name


def public(settings, name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def upload_logo(client, provider, size=(300, 300)):
    provider.refresh_from_db()
    response = client.post(
        reverse("dashboard:logo", args=[provider.pk]),
        {
            "version": provider.version,
            "logo": SimpleUploadedFile("logo.png", image_bytes("PNG", size=size)),
        },
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    return provider.logo.name


def cert_data(holding=None, evidence=""):
    return {
        "certification": holding.certification if holding else None,
        "certificate_number": holding.certificate_number if holding else "",
        "issued_on": datetime.date(2025, 1, 1),
        "expires_on": datetime.date(2028, 1, 1),
        "evidence": evidence,
    }


def save_cert(provider, user, holding, evidence=""):
    provider.refresh_from_db()
    return certification_save(
        provider=provider,
        user=user,
        version=provider.version,
        data=cert_data(holding, evidence),
        holding=holding,
    )


# --------------------------------------------------------------------------
# Logos: only the live listing needs them
# --------------------------------------------------------------------------


def test_a_replaced_logo_and_its_thumbnail_are_deleted(client, settings, committed):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    with committed():
        first = upload_logo(client, provider)
    with committed():
        second = upload_logo(client, provider, size=(400, 200))
    assert not public(settings, first).exists()
    assert not public(settings, thumbnail_name(first)).exists()
    assert public(settings, second).is_file()
    assert public(settings, thumbnail_name(second)).is_file()
    # The old URL no longer serves anything: the file is gone from what the web server serves.
    assert sorted(p.name for p in (public(settings, "logos")).iterdir()) == sorted(
        [Path(second).name, Path(thumbnail_name(second)).name]
    )

    with committed():
        response = client.post(
            reverse("dashboard:logo_remove", args=[provider.pk]), {"version": provider.version}
        )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.logo.name == ""
    assert not public(settings, second).exists()
    assert not public(settings, thumbnail_name(second)).exists()


def test_a_logo_is_not_deleted_by_a_change_that_is_rolled_back(client, settings, committed):
    provider, owner = listing_with_owner()
    client.force_login(owner)
    with committed():
        logo = upload_logo(client, provider)
    provider.refresh_from_db()

    class Abort(Exception):
        pass

    with committed() as callbacks, pytest.raises(Abort), transaction.atomic():
        provider_remove_logo(provider=provider, user=owner, version=provider.version)
        raise Abort
    assert callbacks == []
    assert public(settings, logo).is_file()
    provider.refresh_from_db()
    assert provider.logo.name == logo


@pytest.mark.django_db(transaction=True)
def test_deletion_waits_for_a_real_commit(settings):
    provider, owner = listing_with_owner()
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    old = holding.evidence.name

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        save_cert(provider, owner, holding, evidence=stored_evidence())
        assert private(settings, old).is_file()  # still referenced until the commit
        raise Abort
    assert private(settings, old).is_file()
    holding.refresh_from_db()
    assert holding.evidence.name == old

    save_cert(provider, owner, holding, evidence=stored_evidence())
    assert not private(settings, old).exists()


# --------------------------------------------------------------------------
# Evidence: live rows, open proposals, and what an operator verified
# --------------------------------------------------------------------------


def test_replacing_unverified_evidence_through_the_dashboard_deletes_the_old(
    client, settings, committed
):
    provider, owner = listing_with_owner()
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    old = holding.evidence.name
    client.force_login(owner)
    with committed():
        response = client.post(
            reverse("dashboard:certification_edit", args=[provider.pk, holding.pk]),
            {
                "version": provider.version,
                "certification": holding.certification.pk,
                "certificate_number": holding.certificate_number,
                "issued_on": "2025-01-01",
                "expires_on": "2028-01-01",
                "evidence_file": SimpleUploadedFile("new.pdf", pdf_bytes()),
            },
        )
    assert response.status_code == 302
    holding.refresh_from_db()
    assert holding.evidence.name != old
    assert private(settings, holding.evidence.name).is_file()
    assert not private(settings, old).exists()


def test_an_edit_without_a_new_file_keeps_the_evidence(settings, committed):
    provider, owner = listing_with_owner()
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    with committed():
        save_cert(provider, owner, holding)
    holding.refresh_from_db()
    assert private(settings, holding.evidence.name).is_file()


def test_removing_a_certification_deletes_its_unverified_evidence(settings, committed):
    provider, owner = listing_with_owner()
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    report = ImpactReportFactory(
        provider=provider, evidence=stored_evidence(folder="evidence/reports")
    )
    with committed():
        certification_delete(
            provider=provider, user=owner, version=provider.version, holding=holding
        )
    provider.refresh_from_db()
    with committed():
        report_delete(provider=provider, user=owner, version=provider.version, report=report)
    assert not private(settings, holding.evidence.name).exists()
    assert not private(settings, report.evidence.name).exists()


def test_evidence_an_operator_verified_is_kept_for_the_audit(client, settings, committed):
    provider, owner = listing_with_owner(status=m.ListingStatus.SUBMITTED)
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    checked = holding.evidence.name
    staff = StaffFactory()
    certification_holding_set_verification(
        holding=holding, by=staff, state=m.VerificationState.VERIFIED
    )
    provider.status = m.ListingStatus.DRAFT  # back with the provider, who replaces the file
    provider.save()
    with committed():
        save_cert(provider, owner, holding, evidence=stored_evidence())
    holding.refresh_from_db()
    assert holding.verification == m.VerificationState.UNVERIFIED
    assert private(settings, checked).is_file()
    # And the operator auditing the decision can open it.
    client.force_login(staff)
    assert client.get(item_evidence_url(holding, file=checked)).status_code == 200


def test_evidence_live_when_the_listing_was_verified_is_kept(settings, committed):
    provider, owner = listing_with_owner(status=m.ListingStatus.SUBMITTED)
    report = ImpactReportFactory(
        provider=provider, evidence=stored_evidence(folder="evidence/reports")
    )
    before = report.evidence.name
    provider.status = m.ListingStatus.DRAFT
    provider.save()
    # Replaced before anyone checked it: not needed.
    with committed():
        provider.refresh_from_db()
        report_save(
            provider=provider,
            user=owner,
            version=provider.version,
            data={"evidence": stored_evidence(folder="evidence/reports")},
            groups={},
            report=report,
        )
    assert not private(settings, before).exists()
    report.refresh_from_db()
    checked = report.evidence.name

    provider.status = m.ListingStatus.SUBMITTED
    provider.save()
    listing_verify(provider=provider, by=StaffFactory(), notes="Registry entry and reports.")
    provider.status = m.ListingStatus.DRAFT
    provider.save()
    with committed():
        provider.refresh_from_db()
        report_save(
            provider=provider,
            user=owner,
            version=provider.version,
            data={"evidence": stored_evidence(folder="evidence/reports")},
            groups={},
            report=report,
        )
    report.refresh_from_db()
    assert report.evidence.name != checked
    assert private(settings, checked).is_file()  # what the verification covered
    assert private(settings, report.evidence.name).is_file()


def published_with_holding():
    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED)
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence())
    return provider, owner, holding


def test_evidence_of_a_withdrawn_or_replaced_proposal_is_deleted(settings, committed):
    provider, owner, holding = published_with_holding()
    live = holding.evidence.name
    with committed():
        first = save_cert(provider, owner, holding, evidence=stored_evidence())
    proposed = first.data["evidence"]
    assert private(settings, proposed).is_file()  # an open proposal needs it

    with committed():
        second = save_cert(provider, owner, holding, evidence=stored_evidence())
    assert second.pk == first.pk
    assert not private(settings, proposed).exists()  # replaced by the new proposal
    proposed = second.data["evidence"]

    with committed():
        again = save_cert(provider, owner, holding)  # no new file: the proposal keeps its own
    assert again.data["evidence"] == proposed
    assert private(settings, proposed).is_file()

    with committed():
        pending_change_withdraw(provider=provider, user=owner, change=again)
    assert not private(settings, proposed).exists()
    assert private(settings, live).is_file()  # the live row still needs its own


def test_approving_a_change_deletes_the_evidence_it_replaces(settings, committed):
    provider, owner, holding = published_with_holding()
    live = holding.evidence.name
    change = save_cert(provider, owner, holding, evidence=stored_evidence())
    provider_submit(provider=provider, user=owner)
    with committed():
        changes_approve(provider=provider, by=StaffFactory())
    holding.refresh_from_db()
    assert holding.evidence.name == change.data["evidence"]
    assert private(settings, holding.evidence.name).is_file()
    assert not private(settings, live).exists()


def test_rejecting_a_change_deletes_its_evidence(settings, committed):
    provider, owner, holding = published_with_holding()
    change = save_cert(provider, owner, holding, evidence=stored_evidence())
    provider_submit(provider=provider, user=owner)
    with committed():
        changes_reject(provider=provider, by=StaffFactory(), reason="Illegible scan.")
    assert not private(settings, change.data["evidence"]).exists()
    assert private(settings, holding.evidence.name).is_file()


def test_an_approved_removal_deletes_the_evidence(settings, committed):
    provider, owner, holding = published_with_holding()
    certification_delete(provider=provider, user=owner, version=provider.version, holding=holding)
    assert private(settings, holding.evidence.name).is_file()  # removal still waiting
    provider_submit(provider=provider, user=owner)
    with committed():
        changes_approve(provider=provider, by=StaffFactory())
    assert not m.CertificationHolding.objects.filter(pk=holding.pk).exists()
    assert not private(settings, holding.evidence.name).exists()


def test_deleting_in_admin_deletes_the_files(client, settings, committed):
    provider, owner, holding = published_with_holding()
    report = ImpactReportFactory(
        provider=provider, evidence=stored_evidence(folder="evidence/reports")
    )
    client.force_login(StaffFactory())
    with committed():
        response = client.post(
            reverse("admin:providers_certificationholding_delete", args=[holding.pk]),
            {"post": "yes"},
        )
    assert response.status_code == 302
    assert not private(settings, holding.evidence.name).exists()

    provider.refresh_from_db()  # the operator's delete claimed the listing's next version
    with committed():
        provider_set_logo(
            provider=provider,
            user=owner,
            version=provider.version,
            logo_name=uploads.logo_store(
                uploads.logo_clean(SimpleUploadedFile("l.png", image_bytes()))
            ),
        )
    provider.refresh_from_db()
    logo = provider.logo.name
    with committed():
        response = client.post(
            reverse("admin:providers_provider_delete", args=[provider.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not m.Provider.objects.filter(pk=provider.pk).exists()
    assert not public(settings, logo).exists()
    assert not public(settings, thumbnail_name(logo)).exists()
    assert not private(settings, report.evidence.name).exists()
