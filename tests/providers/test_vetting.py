"""Operators' decisions on listings and claims (providers.services.vetting)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from providers.models import (
    ClaimStatus,
    ListingStatus,
    Membership,
    MembershipRole,
    VerificationState,
)
from providers.services.vetting import (
    certification_holding_set_verification,
    claim_approve,
    claim_reject,
    listing_approve,
    listing_reject,
    listing_suspend,
    listing_verify,
)
from tests.factories import (
    CertificationHoldingFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return StaffFactory(email="operator@impactdir.example")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """E-mails go out once the decision commits; run those callbacks in the test."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def submitted_provider(**kwargs):
    provider = ProviderFactory(status=ListingStatus.SUBMITTED, **kwargs)
    MembershipFactory(provider=provider, user=IsspUserFactory(email="owner@provider.example"))
    MembershipFactory(
        provider=provider,
        user=IsspUserFactory(email="editor@provider.example"),
        role=MembershipRole.EDITOR,
    )
    return provider


def latest_history(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


# --------------------------------------------------------------------------
# Approve
# --------------------------------------------------------------------------


def test_approve_publishes_submitted_listing_records_who_and_mails_members(
    admin_user, run_on_commit
):
    provider = submitted_provider(name="Kibera Data Works")

    run_on_commit(listing_approve, provider=provider, by=admin_user)

    provider.refresh_from_db()
    assert provider.status == ListingStatus.PUBLISHED
    assert provider.published_at is not None
    record = latest_history(provider)
    assert record.history_user == admin_user
    assert record.status == ListingStatus.PUBLISHED
    assert record.history_change_reason == "Approved"
    assert recipients() == ["editor@provider.example", "owner@provider.example"]
    assert all("Kibera Data Works" in message.subject for message in mail.outbox)
    assert all("published" in message.body for message in mail.outbox)
    # Each member gets their own message: no member sees another's address.
    assert all(len(message.to) == 1 for message in mail.outbox)


def test_approve_clears_earlier_rejection_and_keeps_first_publication_date(
    admin_user, run_on_commit
):
    provider = submitted_provider()
    run_on_commit(listing_approve, provider=provider, by=admin_user)
    first_published = provider.published_at
    provider.status = ListingStatus.SUBMITTED
    provider.save()
    run_on_commit(listing_reject, provider=provider, by=admin_user, reason="Missing evidence.")
    provider.status = ListingStatus.SUBMITTED
    provider.save()

    run_on_commit(listing_approve, provider=provider, by=admin_user)

    provider.refresh_from_db()
    assert provider.status == ListingStatus.PUBLISHED
    assert provider.rejection_reason == ""
    assert provider.published_at == first_published


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.DRAFT,
        ListingStatus.PUBLISHED,
        ListingStatus.REJECTED,
        ListingStatus.SUSPENDED,
        ListingStatus.INACTIVE,
    ],
)
def test_approve_is_refused_unless_submitted(status, admin_user, run_on_commit):
    provider = ProviderFactory(status=status, rejection_reason="Earlier reason")
    MembershipFactory(provider=provider)
    history_before = provider.history.count()

    with pytest.raises(ValidationError) as excinfo:
        run_on_commit(listing_approve, provider=provider, by=admin_user)

    assert "Only a submitted listing can be approved" in excinfo.value.messages[0]
    provider.refresh_from_db()
    assert provider.status == status
    assert provider.history.count() == history_before
    assert mail.outbox == []


def test_approve_reads_the_current_status_not_a_stale_instance(admin_user, run_on_commit):
    provider = submitted_provider()
    stale = type(provider).objects.get(pk=provider.pk)
    run_on_commit(listing_approve, provider=provider, by=admin_user)
    mail.outbox.clear()

    with pytest.raises(ValidationError):
        run_on_commit(listing_approve, provider=stale, by=admin_user)

    assert mail.outbox == []


# --------------------------------------------------------------------------
# Reject
# --------------------------------------------------------------------------


def test_reject_stores_reason_records_who_and_mails_it_to_members(admin_user, run_on_commit):
    provider = submitted_provider(name="Andes Digitise")
    reason = "The registration number does not match the registry entry."

    run_on_commit(listing_reject, provider=provider, by=admin_user, reason=f"  {reason}\n")

    provider.refresh_from_db()
    assert provider.status == ListingStatus.REJECTED
    assert provider.rejection_reason == reason
    assert provider.published_at is None
    record = latest_history(provider)
    assert record.history_user == admin_user
    assert record.history_change_reason.startswith("Rejected: The registration number")
    assert recipients() == ["editor@provider.example", "owner@provider.example"]
    for message in mail.outbox:
        assert reason in message.body
        assert "Andes Digitise" in message.subject


@pytest.mark.parametrize("reason", ["", "   \n\t ", None])
def test_reject_without_reason_is_refused_and_changes_nothing(reason, admin_user, run_on_commit):
    provider = submitted_provider()
    history_before = provider.history.count()

    with pytest.raises(ValidationError) as excinfo:
        run_on_commit(listing_reject, provider=provider, by=admin_user, reason=reason)

    assert "reason" in excinfo.value.message_dict
    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUBMITTED
    assert provider.rejection_reason == ""
    assert provider.history.count() == history_before
    assert mail.outbox == []


@pytest.mark.parametrize(
    "status",
    [ListingStatus.DRAFT, ListingStatus.PUBLISHED, ListingStatus.SUSPENDED],
)
def test_reject_is_refused_unless_submitted(status, admin_user, run_on_commit):
    provider = ProviderFactory(status=status)

    with pytest.raises(ValidationError) as excinfo:
        run_on_commit(listing_reject, provider=provider, by=admin_user, reason="No.")

    assert "Only a submitted listing can be rejected" in excinfo.value.messages[0]
    provider.refresh_from_db()
    assert provider.status == status
    assert mail.outbox == []


def test_long_reason_is_kept_whole_on_the_listing_and_in_history(admin_user, run_on_commit):
    provider = submitted_provider()
    reason = "Evidence missing. " * 30

    run_on_commit(listing_reject, provider=provider, by=admin_user, reason=reason)

    provider.refresh_from_db()
    assert provider.rejection_reason == reason.strip()
    change_reason = latest_history(provider).history_change_reason
    assert change_reason.startswith("Rejected: Evidence missing.")
    assert change_reason.count("Evidence missing.") == 30


# --------------------------------------------------------------------------
# Suspend
# --------------------------------------------------------------------------


def test_suspend_published_listing_with_reason(admin_user, run_on_commit):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED, name="Delta Support")
    MembershipFactory(provider=provider, user=IsspUserFactory(email="lead@delta.example"))

    run_on_commit(
        listing_suspend, provider=provider, by=admin_user, reason="Complaint under review."
    )

    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUSPENDED
    record = latest_history(provider)
    assert record.history_user == admin_user
    assert record.history_change_reason == "Suspended: Complaint under review."
    assert recipients() == ["lead@delta.example"]
    assert "Complaint under review." in mail.outbox[0].body
    assert "Delta Support" in mail.outbox[0].subject


def test_suspend_without_reason_is_allowed(admin_user, run_on_commit):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    MembershipFactory(provider=provider)

    run_on_commit(listing_suspend, provider=provider, by=admin_user)

    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUSPENDED
    assert latest_history(provider).history_change_reason == "Suspended"
    assert len(mail.outbox) == 1
    assert "The reason" not in mail.outbox[0].body


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.DRAFT,
        ListingStatus.SUBMITTED,
        ListingStatus.SUSPENDED,
        ListingStatus.INACTIVE,
    ],
)
def test_suspend_is_refused_unless_published(status, admin_user, run_on_commit):
    provider = ProviderFactory(status=status)
    MembershipFactory(provider=provider)

    with pytest.raises(ValidationError) as excinfo:
        run_on_commit(listing_suspend, provider=provider, by=admin_user, reason="x")

    assert "Only a published listing can be suspended" in excinfo.value.messages[0]
    provider.refresh_from_db()
    assert provider.status == status
    assert mail.outbox == []


def test_no_members_means_no_mail_but_the_decision_stands(admin_user, run_on_commit):
    provider = ProviderFactory(status=ListingStatus.SUBMITTED)

    run_on_commit(listing_approve, provider=provider, by=admin_user)

    provider.refresh_from_db()
    assert provider.status == ListingStatus.PUBLISHED
    assert mail.outbox == []


def test_no_mail_is_sent_when_the_surrounding_transaction_rolls_back(admin_user):
    from django.db import transaction

    provider = submitted_provider()

    with pytest.raises(RuntimeError), transaction.atomic():
        listing_approve(provider=provider, by=admin_user)
        raise RuntimeError("something later failed")

    provider.refresh_from_db()
    assert provider.status == ListingStatus.SUBMITTED
    assert mail.outbox == []


# --------------------------------------------------------------------------
# Verify
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [ListingStatus.SUBMITTED, ListingStatus.PUBLISHED, ListingStatus.SUSPENDED]
)
def test_verify_records_who_when_and_what_was_checked(status, admin_user, run_on_commit):
    provider = ProviderFactory(status=status)

    run_on_commit(
        listing_verify,
        provider=provider,
        by=admin_user,
        notes="Company registry entry and ISO 27001 certificate checked.",
    )

    provider.refresh_from_db()
    assert provider.status == status
    assert provider.verified_at is not None
    assert provider.verified_by == admin_user
    assert (
        provider.verification_notes == "Company registry entry and ISO 27001 certificate checked."
    )
    record = latest_history(provider)
    assert record.history_user == admin_user
    assert record.history_change_reason.startswith("Verified: Company registry entry")
    assert mail.outbox == []


@pytest.mark.parametrize("notes", ["", "  "])
def test_verify_without_notes_is_refused(notes, admin_user, run_on_commit):
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)

    with pytest.raises(ValidationError) as excinfo:
        run_on_commit(listing_verify, provider=provider, by=admin_user, notes=notes)

    assert "notes" in excinfo.value.message_dict
    provider.refresh_from_db()
    assert provider.verified_at is None
    assert provider.verified_by is None


@pytest.mark.parametrize(
    "status", [ListingStatus.DRAFT, ListingStatus.REJECTED, ListingStatus.INACTIVE]
)
def test_verify_is_refused_for_listings_not_in_front_of_operators(
    status, admin_user, run_on_commit
):
    provider = ProviderFactory(status=status, rejection_reason="r")

    with pytest.raises(ValidationError):
        run_on_commit(listing_verify, provider=provider, by=admin_user, notes="Registry.")

    provider.refresh_from_db()
    assert provider.verified_at is None


# --------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------


@pytest.fixture
def claim():
    from providers.models import Claim

    provider = ProviderFactory(name="Lagos Annotate")
    return Claim.objects.create(
        provider=provider,
        user=IsspUserFactory(email="claimant@lagos.example"),
        message="I am the operations director; my e-mail is on our domain.",
    )


def test_claim_approve_makes_claimant_owner_and_mails_them(claim, admin_user, run_on_commit):
    run_on_commit(claim_approve, claim=claim, by=admin_user)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert claim.decided_by == admin_user
    assert claim.decided_at is not None
    membership = Membership.objects.get(provider=claim.provider, user=claim.user)
    assert membership.role == MembershipRole.OWNER
    assert latest_history(membership).history_user == admin_user
    assert latest_history(claim).history_user == admin_user
    assert [message.to for message in mail.outbox] == [["claimant@lagos.example"]]
    assert "Lagos Annotate" in mail.outbox[0].subject


def test_claim_approve_raises_an_existing_editor_to_owner(claim, admin_user, run_on_commit):
    MembershipFactory(provider=claim.provider, user=claim.user, role=MembershipRole.EDITOR)

    run_on_commit(claim_approve, claim=claim, by=admin_user)

    membership = Membership.objects.get(provider=claim.provider, user=claim.user)
    assert membership.role == MembershipRole.OWNER
    assert Membership.objects.filter(provider=claim.provider).count() == 1


def test_claim_reject_needs_reason_and_mails_it(claim, admin_user, run_on_commit):
    with pytest.raises(ValidationError):
        run_on_commit(claim_reject, claim=claim, by=admin_user, reason=" ")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert mail.outbox == []

    run_on_commit(
        claim_reject, claim=claim, by=admin_user, reason="Your e-mail is not on their domain."
    )

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.reason == "Your e-mail is not on their domain."
    assert claim.decided_by == admin_user
    assert not Membership.objects.filter(provider=claim.provider, user=claim.user).exists()
    assert latest_history(claim).history_user == admin_user
    assert [message.to for message in mail.outbox] == [["claimant@lagos.example"]]
    assert "Your e-mail is not on their domain." in mail.outbox[0].body


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_decided_claim_cannot_be_decided_again(decide, claim, admin_user, run_on_commit):
    run_on_commit(claim_reject, claim=claim, by=admin_user, reason="Not verifiable.")
    mail.outbox.clear()

    with pytest.raises(ValidationError) as excinfo:
        if decide == "approve":
            run_on_commit(claim_approve, claim=claim, by=admin_user)
        else:
            run_on_commit(claim_reject, claim=claim, by=admin_user, reason="Again.")

    assert "already decided" in excinfo.value.messages[0]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert claim.reason == "Not verifiable."
    assert not Membership.objects.filter(user=claim.user).exists()
    assert mail.outbox == []


def test_a_mail_server_failure_is_logged_and_does_not_undo_the_decision(
    admin_user, run_on_commit, settings, caplog
):
    # Nothing listens on port 1: the SMTP backend's connection is refused.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 5},
        }
    }
    provider = submitted_provider()

    run_on_commit(listing_approve, provider=provider, by=admin_user)

    provider.refresh_from_db()
    assert provider.status == ListingStatus.PUBLISHED
    assert any("on_commit" in record.getMessage() for record in caplog.records)


# --------------------------------------------------------------------------
# Certification holdings
# --------------------------------------------------------------------------


@pytest.mark.parametrize("state", [VerificationState.VERIFIED, VerificationState.REJECTED])
def test_holding_verification_is_recorded_with_who(state, admin_user):
    holding = CertificationHoldingFactory()

    certification_holding_set_verification(holding=holding, by=admin_user, state=state)

    holding.refresh_from_db()
    assert holding.verification == state
    record = latest_history(holding)
    assert record.history_user == admin_user
    assert record.history_change_reason == f"Verification: {VerificationState(state).label}"


def test_holding_verification_refuses_an_unknown_state(admin_user):
    holding = CertificationHoldingFactory()

    with pytest.raises(ValidationError):
        certification_holding_set_verification(holding=holding, by=admin_user, state="maybe")

    holding.refresh_from_db()
    assert holding.verification == VerificationState.UNVERIFIED
