"""Evidence is served only to the listing's members and to operators, as a sandboxed attachment.

Every URL that serves evidence is asked for by a member, an operator, an ISSP user of
another listing, a buyer, a staff account without the permission and an anonymous
visitor; only the first two get the file. Files are real, in the test's private storage.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from providers import models as m
from providers.evidence import change_evidence_url, item_evidence_url
from tests.factories import (
    BuyerFactory,
    CertificationHoldingFactory,
    ImpactReportFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
    UserFactory,
)
from tests.providers.listing_helpers import (
    image_bytes,
    listing_with_owner,
    pdf_bytes,
    stored_evidence,
)

pytestmark = pytest.mark.django_db

CERTIFICATE = pdf_bytes()


@pytest.fixture
def listing():
    provider, owner = listing_with_owner(status=m.ListingStatus.PUBLISHED)
    holding = CertificationHoldingFactory(provider=provider, evidence=stored_evidence(CERTIFICATE))
    report = ImpactReportFactory(
        provider=provider,
        evidence=stored_evidence(image_bytes("PNG"), folder="evidence/reports", extension="png"),
    )
    change = m.PendingChange.objects.create(
        provider=provider,
        kind=m.PendingChangeKind.CERTIFICATION,
        action=m.PendingChangeAction.UPDATE,
        target_id=holding.pk,
        data={"evidence": stored_evidence(CERTIFICATE)},
        proposed_by=owner,
    )
    return provider, owner, holding, report, change


def _urls(holding, report, change):
    return {
        "certification": (item_evidence_url(holding), m.CertificationHolding),
        "report": (item_evidence_url(report), m.ImpactReport),
        "change": (change_evidence_url(change), m.CertificationHolding),
        "certification-version": (
            item_evidence_url(holding, file=holding.evidence.name),
            m.CertificationHolding,
        ),
    }


def _other_issp():
    user = IsspUserFactory()
    MembershipFactory(provider=ProviderFactory(status=m.ListingStatus.PUBLISHED), user=user)
    return user


def _staff_without_permission():
    return UserFactory(is_staff=True)


REFUSED = {
    "other-listing-member": _other_issp,
    "buyer": BuyerFactory,
    "staff-without-permission": _staff_without_permission,
    "anonymous": None,
}


@pytest.mark.parametrize("which", ["certification", "report", "change", "certification-version"])
@pytest.mark.parametrize("who", list(REFUSED))
def test_anyone_but_members_and_operators_is_refused(client, listing, which, who):
    _provider, _owner, holding, report, change = listing
    if REFUSED[who] is not None:
        client.force_login(REFUSED[who]())
    url, _model = _urls(holding, report, change)[which]
    response = client.get(url)
    assert response.status_code == 404
    assert "Content-Disposition" not in response


def _assert_attachment(response, content: bytes, content_type: str):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == content_type
    assert "sandbox" in [
        d.strip().split(" ")[0] for d in response["Content-Security-Policy"].split(";")
    ]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize("which", ["certification", "report", "change"])
def test_members_and_operators_download_the_file(
    client, settings, listing, which, django_assert_max_num_queries
):
    provider, owner, holding, report, change = listing
    url, _model = _urls(holding, report, change)[which]
    name = {"certification": holding.evidence.name, "report": report.evidence.name}.get(
        which, change.data["evidence"]
    )
    content = (Path(settings.PRIVATE_MEDIA_ROOT) / name).read_bytes()
    content_type = "image/png" if which == "report" else "application/pdf"
    editor = IsspUserFactory()
    MembershipFactory(provider=provider, user=editor, role=m.MembershipRole.EDITOR)
    for user in (owner, editor, StaffFactory()):
        client.force_login(user)
        with django_assert_max_num_queries(5):
            response = client.get(url)
        _assert_attachment(response, content, content_type)
        assert provider.slug in response["Content-Disposition"]


def test_an_operator_needs_the_view_permission_of_that_kind_of_evidence(client, listing):
    _provider, _owner, holding, report, _change = listing
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_certificationholding"))
    client.force_login(staff)
    assert client.get(item_evidence_url(holding)).status_code == 200
    assert client.get(item_evidence_url(report)).status_code == 404


def test_an_older_version_is_for_operators_only_and_only_while_it_is_kept(client, listing):
    provider, owner, holding, _report, _change = listing
    old = holding.evidence.name
    holding.evidence = stored_evidence(pdf_bytes())
    holding.save()
    old_url = item_evidence_url(holding, file=old)

    client.force_login(owner)  # a member gets the live file, never another one
    assert client.get(item_evidence_url(holding)).status_code == 200
    assert client.get(old_url).status_code == 404

    client.force_login(StaffFactory())
    _assert_attachment(client.get(old_url), CERTIFICATE, "application/pdf")
    # A name the holding never had is refused, even if the file exists.
    other = CertificationHoldingFactory(evidence=stored_evidence())
    assert client.get(item_evidence_url(holding, file=other.evidence.name)).status_code == 404
    assert client.get(item_evidence_url(holding, file="../../settings.py")).status_code == 404


def test_missing_or_absent_files_are_a_404_not_an_error(client, listing, settings):
    provider, owner, holding, report, change = listing
    client.force_login(owner)
    (Path(settings.PRIVATE_MEDIA_ROOT) / holding.evidence.name).unlink()
    assert client.get(item_evidence_url(holding)).status_code == 404
    bare = CertificationHoldingFactory(provider=provider)
    assert client.get(item_evidence_url(bare)).status_code == 404
    assert client.get(reverse("evidence:reports", args=[report.pk + 1000])).status_code == 404
    assert client.get(reverse("evidence:change", args=[change.pk + 1000])).status_code == 404
    profile = m.PendingChange.objects.create(
        provider=provider, kind=m.PendingChangeKind.PROFILE, action="update", data={"name": "X"}
    )
    assert client.get(reverse("evidence:change", args=[profile.pk])).status_code == 404


def test_evidence_is_not_in_public_media_and_has_no_public_url(listing, settings):
    _provider, _owner, holding, _report, _change = listing
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / holding.evidence.name).is_file()
    assert not (Path(settings.MEDIA_ROOT) / holding.evidence.name).exists()
    with pytest.raises(ValueError):
        holding.evidence.url  # noqa: B018


def test_the_dashboard_links_to_the_checked_view(client, listing):
    provider, owner, holding, report, change = listing
    client.force_login(owner)
    page = client.get(reverse("dashboard:certifications", args=[provider.pk])).text
    assert item_evidence_url(holding) in page
    assert change_evidence_url(change) in page  # the proposal's document, in the pending list
    assert "/media/evidence" not in page
    form = client.get(reverse("dashboard:certification_edit", args=[provider.pk, holding.pk]))
    assert item_evidence_url(holding) in form.text
    assert change_evidence_url(change) in form.text
    form = client.get(reverse("dashboard:report_edit", args=[provider.pk, report.pk]))
    assert item_evidence_url(report) in form.text


def test_the_admin_links_to_the_checked_view(client, listing):
    provider, _owner, holding, report, change = listing
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:providers_provider_change", args=[provider.pk])).text
    assert item_evidence_url(holding, file=holding.evidence.name).replace("&", "&amp;") in page
    assert item_evidence_url(report, file=report.evidence.name) in page
    assert "/media/evidence" not in page
    page = client.get(
        reverse("admin:providers_certificationholding_change", args=[holding.pk])
    ).text
    assert item_evidence_url(holding, file=holding.evidence.name) in page
    page = client.get(reverse("admin:providers_pendingchange_change", args=[change.pk])).text
    assert change_evidence_url(change) in page
    assert item_evidence_url(holding) in page


def test_an_admin_history_page_links_to_the_version_it_shows(client, listing):
    _provider, _owner, holding, _report, _change = listing
    old = holding.evidence.name
    first = holding.history.earliest()
    holding.evidence = stored_evidence()
    holding.save()
    client.force_login(StaffFactory())
    page = client.get(
        reverse(
            "admin:providers_certificationholding_simple_history",
            args=[holding.pk, first.history_id],
        )
    ).text
    assert item_evidence_url(holding, file=old) in page


def test_a_private_root_inside_public_media_fails_the_system_check(settings, tmp_path):
    from providers.storage import check_private_media_root

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "media" / "private")
    assert [error.id for error in check_private_media_root()] == ["providers.E001"]
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private-media")
    assert check_private_media_root() == []
