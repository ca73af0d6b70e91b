"""Service-level tests of ISSP self-service: lifecycle, vetted-fact approval and permissions."""

import datetime
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from providers.checklist import provider_checklist
from providers.models import (
    CertificationHolding,
    Claim,
    ClaimStatus,
    ImpactReport,
    Invitation,
    ListingStatus,
    Membership,
    MembershipRole,
    PendingChange,
    PendingChangeStatus,
    Provider,
)
from providers.services import vetting
from providers.services.catalogue import provider_refresh_derived
from providers.services.onboarding import claim_submit, provider_create
from providers.services.parts import (
    certification_delete,
    certification_save,
    provider_set_logo,
    provider_update_centres,
    provider_update_profile,
    provider_update_services,
    report_save,
)
from providers.services.pending_changes import pending_changes_apply, pending_changes_discard
from providers.services.submission import provider_deactivate, provider_submit
from providers.services.team import invitation_accept, member_invite, member_remove
from tests.factories import (
    BuyerFactory,
    CertificationFactory,
    CertificationHoldingFactory,
    ImpactReportFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    TargetGroupFactory,
)
from tests.providers.listing_helpers import admin_user, listing_with_owner, report_values

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------
# Create and claim
# --------------------------------------------------------------------------


def test_issp_creates_a_draft_and_becomes_its_owner():
    user = IsspUserFactory()
    provider = provider_create(user=user, name="  Kazi Data Works  ")
    assert provider.status == ListingStatus.DRAFT
    assert provider.name == "Kazi Data Works"
    assert provider.slug == "kazi-data-works"
    assert Membership.objects.get(provider=provider).user == user
    assert Membership.objects.get(provider=provider).role == MembershipRole.OWNER
    assert provider.history.count() == 1
    again = provider_create(user=user, name="Kazi Data Works")
    assert again.slug == "kazi-data-works-2"


def test_buyer_cannot_create_and_blank_name_is_refused():
    with pytest.raises(PermissionDenied):
        provider_create(user=BuyerFactory(), name="Anything")
    with pytest.raises(ValidationError):
        provider_create(user=IsspUserFactory(), name="   ")
    assert Provider.objects.count() == 0


def test_claim_waits_for_admin_and_admins_are_told(django_capture_on_commit_callbacks):
    admin = admin_user()
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    user = IsspUserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_submit(user=user, provider=provider, message="I am the CEO.")
    assert claim.status == ClaimStatus.PENDING
    assert not Membership.objects.filter(provider=provider, user=user).exists()
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert provider.name in mail.outbox[0].subject

    vetting.claim_approve(claim=claim, by=admin)
    assert Membership.objects.get(provider=provider, user=user).role == MembershipRole.OWNER


@pytest.mark.parametrize(
    "case",
    ["buyer", "member", "duplicate", "unpublished", "empty message"],
)
def test_claims_that_make_no_sense_are_refused(case):
    provider = ProviderFactory(
        status=ListingStatus.DRAFT if case == "unpublished" else ListingStatus.PUBLISHED
    )
    user = BuyerFactory() if case == "buyer" else IsspUserFactory()
    message = "" if case == "empty message" else "I work there."
    if case == "member":
        MembershipFactory(provider=provider, user=user)
    if case == "duplicate":
        Claim.objects.create(provider=provider, user=user, message="first")
    before = Claim.objects.count()
    with pytest.raises((ValidationError, PermissionDenied)):
        claim_submit(user=user, provider=provider, message=message)
    assert Claim.objects.count() == before


# --------------------------------------------------------------------------
# Completeness and submission
# --------------------------------------------------------------------------


def test_checklist_lists_what_blocks_submission():
    provider, owner = listing_with_owner(tagline="", complete=False)
    checklist = provider_checklist(provider)
    blockers = {item.label for item in checklist.blockers}
    assert "Tagline" in blockers
    assert "At least one service" in blockers
    assert "An impact report" in blockers
    assert not checklist.complete
    assert 0 < checklist.score < 100

    with pytest.raises(ValidationError) as refused:
        provider_submit(provider=provider, user=owner)
    assert "Tagline" in str(refused.value)
    provider.refresh_from_db()
    assert provider.status == ListingStatus.DRAFT


def test_complete_listing_is_submitted_and_admins_and_members_are_told(
    django_capture_on_commit_callbacks,
):
    admin = admin_user()
    provider, owner = listing_with_owner(complete=True)
    editor = IsspUserFactory()
    MembershipFactory(provider=provider, user=editor, role=MembershipRole.EDITOR)
    assert provider_checklist(provider).complete

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_submit(provider=provider, user=editor) == "listing"
    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUBMITTED
    assert sorted(m.to[0] for m in mail.outbox) == sorted([admin.email, owner.email, editor.email])

    with pytest.raises(ValidationError):
        provider_submit(provider=provider, user=owner)

    vetting.listing_approve(provider=provider, by=admin)
    provider.refresh_from_db()
    assert provider.status == ListingStatus.PUBLISHED


def test_only_members_submit():
    provider, _owner = listing_with_owner(complete=True)
    with pytest.raises(PermissionDenied):
        provider_submit(provider=provider, user=IsspUserFactory())
    provider.refresh_from_db()
    assert provider.status == ListingStatus.DRAFT


# --------------------------------------------------------------------------
# Editing: draft edits are live, vetted facts of a published listing wait
# --------------------------------------------------------------------------


def test_draft_profile_edit_is_saved_with_history():
    provider, owner = listing_with_owner()
    held = provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"name": "New Name", "tagline": "New tagline", "workforce": 300},
    )
    assert held == []
    provider.refresh_from_db()
    assert (provider.name, provider.tagline, provider.workforce) == (
        "New Name",
        "New tagline",
        300,
    )
    assert provider.version == 2
    assert provider.history.first().name == "New Name"


def test_published_vetted_edit_waits_while_other_edits_go_live(
    client, django_capture_on_commit_callbacks
):
    admin = admin_user()
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Old Name")
    held = provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"name": "Renamed Ltd", "org_number": "C-123", "tagline": "Fresh tagline"},
    )
    assert sorted(held) == ["name", "org_number"]
    provider.refresh_from_db()
    assert provider.name == "Old Name"
    assert provider.org_number == ""
    assert provider.tagline == "Fresh tagline"
    page = client.get(provider.get_absolute_url())
    assert "Old Name" in page.text
    assert "Renamed Ltd" not in page.text

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_submit(provider=provider, user=owner) == "changes"
    provider.refresh_from_db()
    assert provider.status == ListingStatus.PUBLISHED
    assert {m.to[0] for m in mail.outbox} == {admin.email, owner.email}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert pending_changes_apply(provider=provider, decided_by=admin) == 1
    provider.refresh_from_db()
    assert (provider.name, provider.org_number) == ("Renamed Ltd", "C-123")
    assert provider.history.first().history_user == admin
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert PendingChange.objects.get().status == PendingChangeStatus.APPLIED


def test_reverting_a_vetted_field_drops_the_proposal():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Same")
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Other"}
    )
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Same"}
    )
    assert not PendingChange.objects.open().exists()


def test_rejected_changes_leave_the_listing_as_published(django_capture_on_commit_callbacks):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Kept")
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Not this"}
    )
    provider_submit(provider=provider, user=owner)
    with pytest.raises(ValidationError):
        pending_changes_discard(provider=provider, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        pending_changes_discard(provider=provider, reason="Registry does not match.")
    provider.refresh_from_db()
    assert provider.name == "Kept"
    assert "Registry does not match." in mail.outbox[-1].body
    assert PendingChange.objects.get().status == PendingChangeStatus.DISCARDED


def test_certification_on_published_listing_waits_for_approval():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    certification = CertificationFactory()
    data = {
        "certification": certification,
        "certificate_number": "ISO-1",
        "issued_on": datetime.date(2025, 1, 1),
        "expires_on": datetime.date(2028, 1, 1),
        "scope": "",
        "evidence": "",
    }
    result = certification_save(provider=provider, user=owner, version=provider.version, data=data)
    assert isinstance(result, PendingChange)
    assert not CertificationHolding.objects.filter(provider=provider).exists()
    provider_submit(provider=provider, user=owner)
    pending_changes_apply(provider=provider)
    holding = CertificationHolding.objects.get(provider=provider)
    assert holding.certificate_number == "ISO-1"
    assert holding.expires_on == datetime.date(2028, 1, 1)

    provider.refresh_from_db()
    certification_delete(provider=provider, user=owner, version=provider.version, holding=holding)
    assert CertificationHolding.objects.filter(pk=holding.pk).exists()
    provider_submit(provider=provider, user=owner)
    pending_changes_apply(provider=provider)
    assert not CertificationHolding.objects.filter(pk=holding.pk).exists()


def test_certification_on_draft_is_saved_at_once_and_expiry_checked():
    provider, owner = listing_with_owner()
    certification = CertificationFactory()
    bad = {
        "certification": certification,
        "issued_on": datetime.date(2025, 1, 1),
        "expires_on": datetime.date(2024, 1, 1),
    }
    with pytest.raises(ValidationError):
        certification_save(provider=provider, user=owner, version=provider.version, data=bad)
    provider.refresh_from_db()
    assert not CertificationHolding.objects.exists()
    good = {**bad, "expires_on": datetime.date(2027, 1, 1)}
    holding = certification_save(provider=provider, user=owner, version=provider.version, data=good)
    assert holding.pk and holding.provider == provider


@pytest.mark.parametrize(
    ("overrides", "groups", "field"),
    [
        ({"impact_workers": 201}, {}, "impact_workers"),
        ({"women_employees": 250}, {}, "women_employees"),
        ({"employees_with_disabilities": 201}, {}, "employees_with_disabilities"),
        ({"voluntary_turnover_pct": Decimal("100.5")}, {}, "voluntary_turnover_pct"),
        ({"placement_rate_pct": Decimal("-1")}, {}, "placement_rate_pct"),
        ({}, {"a": 80, "b": 50}, "groups"),
        ({}, {"a": 121}, "groups"),
        ({"period_end": datetime.date(2024, 12, 31)}, {}, "period_end"),
        ({"provenance": "third-party", "verifier": ""}, {}, "verifier"),
    ],
)
def test_report_figures_are_checked_against_each_other(overrides, groups, field):
    provider, owner = listing_with_owner()
    group_ids = {name: TargetGroupFactory(slug=f"g-{name}").pk for name in groups}
    with pytest.raises(ValidationError) as refused:
        report_save(
            provider=provider,
            user=owner,
            version=provider.version,
            data=report_values(**overrides),
            groups={group_ids[name]: n for name, n in groups.items()},
        )
    assert field in refused.value.message_dict
    assert not ImpactReport.objects.exists()
    provider.refresh_from_db()
    assert provider.version == 1


def test_valid_report_is_saved_with_groups_and_refreshes_the_impact_share():
    provider, owner = listing_with_owner()
    a, b = TargetGroupFactory(slug="ga"), TargetGroupFactory(slug="gb")
    report = report_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data=report_values(women_employees=200),
        groups={a.pk: 70, b.pk: None},
    )
    assert {(g.target_group_id, g.workers) for g in report.groups.all()} == {
        (a.pk, 70),
        (b.pk, None),
    }
    provider.refresh_from_db()
    assert provider.impact_share == 60


def test_report_on_published_listing_keeps_published_figures_until_approved():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    old = ImpactReportFactory(provider=provider, total_employees=100, impact_workers=10)
    provider_refresh_derived(provider=provider)
    assert provider.impact_share == 10
    report_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data=report_values(period_start=old.period_start, period_end=old.period_end),
        groups={},
        report=old,
    )
    old.refresh_from_db()
    provider.refresh_from_db()
    assert (old.total_employees, old.impact_workers, provider.impact_share) == (100, 10, 10)
    provider_submit(provider=provider, user=owner)
    pending_changes_apply(provider=provider)
    old.refresh_from_db()
    provider.refresh_from_db()
    assert (old.total_employees, old.impact_workers, provider.impact_share) == (200, 120, 60)


def test_documented_provenance_needs_a_document():
    provider, owner = listing_with_owner()
    with pytest.raises(ValidationError) as refused:
        report_save(
            provider=provider,
            user=owner,
            version=provider.version,
            data=report_values(provenance="documented"),
            groups={},
        )
    assert "evidence" in refused.value.message_dict


def test_non_members_cannot_edit_any_part():
    provider, _owner = listing_with_owner()
    stranger = IsspUserFactory()
    other_listing, other_owner = listing_with_owner()
    calls = [
        lambda: provider_update_profile(
            provider=provider, user=stranger, version=1, data={"name": "x"}
        ),
        lambda: provider_update_services(provider=provider, user=stranger, version=1, rows=[]),
        lambda: provider_update_centres(provider=provider, user=stranger, version=1, rows=[]),
        lambda: report_save(
            provider=provider, user=stranger, version=1, data=report_values(), groups={}
        ),
        lambda: provider_set_logo(provider=provider, user=stranger, version=1, logo_name="x"),
        lambda: member_invite(
            provider=provider, invited_by=other_owner, email="a@b.example", role="editor"
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    provider.refresh_from_db()
    assert (provider.version, provider.logo.name) == (1, "")


def test_an_item_of_another_listing_cannot_be_changed_through_mine():
    mine, owner = listing_with_owner()
    theirs, _ = listing_with_owner()
    their_holding = CertificationHoldingFactory(provider=theirs)
    with pytest.raises(PermissionDenied):
        certification_delete(provider=mine, user=owner, version=mine.version, holding=their_holding)
    assert CertificationHolding.objects.filter(pk=their_holding.pk).exists()


# --------------------------------------------------------------------------
# Team
# --------------------------------------------------------------------------


def test_an_existing_account_is_invited_not_added(django_capture_on_commit_callbacks):
    provider, owner = listing_with_owner()
    colleague = IsspUserFactory(email="colleague@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        result = member_invite(
            provider=provider,
            invited_by=owner,
            email="Colleague@Example.org",
            role=MembershipRole.EDITOR,
            base_url="http://testserver",
        )
    assert isinstance(result, Invitation)
    assert not Membership.objects.filter(user=colleague).exists()
    assert mail.outbox[0].to == ["Colleague@example.org"]
    assert f"http://testserver/dashboard/invitations/{result.token}/" in mail.outbox[0].body
    with pytest.raises(ValidationError):
        member_invite(provider=provider, invited_by=owner, email=colleague.email, role="editor")
    with pytest.raises(ValidationError):
        member_invite(provider=provider, invited_by=owner, email=owner.email, role="editor")


def test_new_address_gets_an_invitation_link_and_joins_after_sign_up(
    django_capture_on_commit_callbacks,
):
    provider, owner = listing_with_owner()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = member_invite(
            provider=provider,
            invited_by=owner,
            email="newcomer@example.org",
            role=MembershipRole.OWNER,
            base_url="http://testserver",
        )
    assert isinstance(invitation, Invitation)
    assert f"/dashboard/invitations/{invitation.token}/" in mail.outbox[0].body
    assert "/accounts/signup/" in mail.outbox[0].body

    impostor = IsspUserFactory(email="someone-else@example.org")
    with pytest.raises(PermissionDenied):
        invitation_accept(invitation=invitation, user=impostor)
    newcomer = IsspUserFactory(email="newcomer@example.org")
    EmailAddress.objects.create(user=newcomer, email=newcomer.email, verified=True, primary=True)
    membership = invitation_accept(invitation=invitation, user=newcomer)
    assert membership.role == MembershipRole.OWNER
    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, user=newcomer)


def test_expired_invitation_is_refused():
    provider, owner = listing_with_owner()
    invitation = member_invite(
        provider=provider, invited_by=owner, email="late@example.org", role="editor"
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, user=IsspUserFactory(email="late@example.org"))
    assert Membership.objects.filter(provider=provider).count() == 1


def test_editors_cannot_manage_the_team_and_the_last_owner_stays():
    provider, owner = listing_with_owner()
    editor = IsspUserFactory()
    editor_membership = MembershipFactory(
        provider=provider, user=editor, role=MembershipRole.EDITOR
    )
    owner_membership = Membership.objects.get(provider=provider, user=owner)
    with pytest.raises(PermissionDenied):
        member_invite(provider=provider, invited_by=editor, email="x@y.example", role="owner")
    with pytest.raises(PermissionDenied):
        member_remove(provider=provider, removed_by=editor, membership=owner_membership)
    with pytest.raises(ValidationError):
        member_remove(provider=provider, removed_by=owner, membership=owner_membership)
    assert Membership.objects.filter(provider=provider).count() == 2

    member_remove(provider=provider, removed_by=owner, membership=editor_membership)
    assert list(Membership.objects.filter(provider=provider)) == [owner_membership]


def test_saving_other_fields_keeps_a_sent_proposal_in_the_queue():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Live")
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Proposed"}
    )
    provider_submit(provider=provider, user=owner)
    sent_at = PendingChange.objects.get().submitted_at
    assert sent_at is not None
    # The profile form shows the proposal, so it is posted again with another edit.
    provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"name": "Proposed", "tagline": "Edited meanwhile"},
    )
    assert PendingChange.objects.get().submitted_at == sent_at
    # A different proposal must be sent again.
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Proposed 2"}
    )
    assert PendingChange.objects.get().submitted_at is None


def test_an_approved_certificate_change_needs_verifying_again():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED)
    holding = CertificationHoldingFactory(provider=provider, verification="verified")
    certification_save(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"certification": holding.certification, "certificate_number": "NEW-1"},
        holding=holding,
    )
    holding.refresh_from_db()
    assert (holding.certificate_number, holding.verification) != ("NEW-1", "unverified")
    provider_submit(provider=provider, user=owner)
    pending_changes_apply(provider=provider)
    holding.refresh_from_db()
    assert (holding.certificate_number, holding.verification) == ("NEW-1", "unverified")


def test_approving_with_a_stale_copy_does_not_undo_later_edits():
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, name="Live")
    admins_copy = Provider.objects.get(pk=provider.pk)
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Renamed"}
    )
    provider_submit(provider=provider, user=owner)
    provider_update_profile(
        provider=provider,
        user=owner,
        version=provider.version,
        data={"name": "Renamed", "tagline": "Edited after sending"},
    )
    pending_changes_apply(provider=admins_copy)
    provider.refresh_from_db()
    assert (provider.name, provider.tagline) == ("Renamed", "Edited after sending")
    assert admins_copy.name == "Renamed"


def test_owner_takes_a_published_listing_offline_and_resubmits_it(client):
    provider, owner = listing_with_owner(status=ListingStatus.PUBLISHED, complete=True)
    editor = IsspUserFactory()
    MembershipFactory(provider=provider, user=editor, role=MembershipRole.EDITOR)
    provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Proposed"}
    )
    with pytest.raises(PermissionDenied):
        provider_deactivate(provider=provider, user=editor)
    provider_deactivate(provider=provider, user=owner)
    provider.refresh_from_db()
    assert (provider.status, provider.name) == (ListingStatus.INACTIVE, "Proposed")
    assert not PendingChange.objects.open().exists()
    assert client.get(provider.get_absolute_url()).status_code == 404
    with pytest.raises(ValidationError):
        provider_deactivate(provider=provider, user=owner)
    assert provider_submit(provider=provider, user=owner) == "listing"
    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUBMITTED


def test_vetted_edits_to_a_suspended_listing_wait_for_review_even_after_reinstatement(
    client, django_capture_on_commit_callbacks
):
    admin = admin_user()
    provider, owner = listing_with_owner(status=ListingStatus.SUSPENDED, name="Old Name")

    held = provider_update_profile(
        provider=provider, user=owner, version=provider.version, data={"name": "Unreviewed"}
    )
    assert held == ["name"]
    with django_capture_on_commit_callbacks(execute=True):
        assert provider_submit(provider=provider, user=owner) == "changes"
    with pytest.raises(ValidationError):
        provider_submit(provider=provider, user=owner)  # nothing left to send

    vetting.listing_reinstate(provider=provider, by=admin)
    provider.refresh_from_db()
    assert (provider.status, provider.name) == (ListingStatus.PUBLISHED, "Old Name")
    assert "Unreviewed" not in client.get(provider.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        vetting.changes_approve(provider=provider, by=admin)
    provider.refresh_from_db()
    assert provider.name == "Unreviewed"
