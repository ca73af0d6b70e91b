"""The database itself refuses data that breaks the catalogue's rules.

Every test first shows the closest legal row is accepted, then that the illegal
one raises IntegrityError naming the constraint that caught it, so a constraint
that is too strict or missing fails here on SQLite and on PostgreSQL alike.
"""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from accounts.models import User
from providers import models as m
from tests.factories import (
    CaseStudyFactory,
    CertificationHoldingFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderServiceFactory,
    RegionFactory,
    ServiceFactory,
    TargetGroupFactory,
)

pytestmark = pytest.mark.django_db

JAN_1 = datetime.date(2024, 1, 1)
DEC_31 = datetime.date(2024, 12, 31)


@contextmanager
def refused(constraint=None):
    """The block must raise IntegrityError, and leave the test's transaction usable.

    `constraint` is a named constraint the error must mention. SQLite names
    CHECK constraints and unique indexes built from expressions, but reports
    plain UNIQUE constraints by their columns; there only the kind is checked.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    message = str(caught.value)
    if constraint is None:
        assert "unique" in message.lower(), message
    elif connection.vendor == "sqlite" and "UNIQUE constraint failed" in message:
        pass
    else:
        assert constraint in message, message


def report(provider, **fields):
    fields = {"period_start": JAN_1, "period_end": DEC_31, "is_latest": False, **fields}
    return ImpactReportFactory.build(provider=provider, **fields)


# --------------------------------------------------------------------------
# Unique slugs and codes of the taxonomies and providers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value", "extra"),
    [
        (m.Service, "slug", "data-annotation", {"name": "Another"}),
        (m.Region, "slug", "africa", {"name": "Another", "m49_code": "999"}),
        (m.Region, "m49_code", "002", {"name": "Another", "slug": "another"}),
        (m.Certification, "slug", "iso-27001", {"name": "Another", "category": "quality"}),
        (m.TargetGroup, "slug", "women", {"name": "Another"}),
        (m.Language, "code", "en", {"name": "Another"}),
        (m.Industry, "slug", "insurance", {"name": "Another"}),
        (m.PricingModel, "slug", "per-fte", {"name": "Another"}),
        (m.DeliveryMode, "slug", "remote", {"name": "Another"}),
    ],
)
def test_taxonomy_slugs_and_codes_are_unique(model, field, value, extra):
    assert model.objects.filter(**{field: value}).exists()  # seeded
    with refused():
        model.objects.create(**{field: value, **extra})


def test_provider_slug_is_unique():
    ProviderFactory(slug="acme-impact")
    with refused():
        m.Provider.objects.create(name="Acme Impact 2", slug="acme-impact")


def test_a_service_cannot_be_its_own_category():
    service = ServiceFactory()
    service.parent = service
    with refused("service_not_own_parent"):
        service.save()


def test_a_country_is_in_a_region_once():
    region = RegionFactory()
    m.RegionCountry.objects.create(region=region, country="KE")
    m.RegionCountry.objects.create(region=RegionFactory(), country="KE")
    with refused("region_country_unique"):
        m.RegionCountry.objects.create(region=region, country="KE")


@pytest.mark.parametrize("code", ["EN", "e", "", "e1", "é", "x-", "1"])
def test_language_codes_are_two_lower_case_letters(code):
    m.Language.objects.create(code="qz", name="Accepted")
    with refused("language_code_iso639_1"):
        m.Language.objects.create(code=code, name="Broken")


def test_three_letter_language_codes_are_refused():
    """PostgreSQL refuses the length (DataError); SQLite ignores lengths, so the check does."""
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        m.Language.objects.create(code="eng", name="English (ISO 639-2)")


# --------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------


def test_provider_impact_share_is_a_percent():
    provider = ProviderFactory(impact_share=100)
    provider.impact_share = 0
    provider.save()
    provider.impact_share = 101
    with refused("provider_impact_share_0_100"):
        provider.save()


def test_provider_impact_share_is_not_negative():
    provider = ProviderFactory()
    provider.impact_share = -1
    with refused("impact_share"):
        provider.save()


@pytest.mark.parametrize("workforce", [0, -5])
def test_provider_workforce_is_at_least_one(workforce):
    provider = ProviderFactory(workforce=1)
    provider.workforce = workforce
    with refused("workforce"):
        provider.save()


def test_a_rejected_listing_has_a_reason():
    ProviderFactory(status=m.ListingStatus.REJECTED, rejection_reason="No evidence of impact.")
    provider = ProviderFactory(status=m.ListingStatus.SUBMITTED)
    provider.status = m.ListingStatus.REJECTED
    with refused("provider_rejection_has_reason"):
        provider.save()


def test_a_provider_offers_a_service_once():
    offering = ProviderServiceFactory()
    ProviderServiceFactory(provider=offering.provider)  # another service is fine
    with refused("provider_service_unique"):
        m.ProviderService.objects.create(provider=offering.provider, service=offering.service)


# --------------------------------------------------------------------------
# Delivery centres
# --------------------------------------------------------------------------


def test_centre_impact_workers_within_headcount():
    DeliveryCentreFactory(headcount=40, impact_workers=40)
    DeliveryCentreFactory(headcount=None, impact_workers=40)
    with refused("centre_impact_workers_within_headcount"):
        DeliveryCentreFactory(headcount=40, impact_workers=41)


@pytest.mark.parametrize("field", ["seats", "headcount", "impact_workers"])
def test_centre_counts_are_not_negative(field):
    with refused(field):
        DeliveryCentreFactory(**{"impact_workers": None, "headcount": None, field: -1})


# --------------------------------------------------------------------------
# Certification holdings
# --------------------------------------------------------------------------


def test_certificate_expires_after_it_was_issued():
    CertificationHoldingFactory(issued_on=JAN_1, expires_on=JAN_1 + datetime.timedelta(days=1))
    CertificationHoldingFactory(issued_on=None, expires_on=JAN_1)
    CertificationHoldingFactory(issued_on=JAN_1, expires_on=None)
    with refused("holding_expiry_after_issue"):
        CertificationHoldingFactory(issued_on=JAN_1, expires_on=JAN_1)
    with refused("holding_expiry_after_issue"):
        CertificationHoldingFactory(issued_on=JAN_1, expires_on=datetime.date(2023, 12, 31))


def test_a_certificate_is_held_once():
    holding = CertificationHoldingFactory(certificate_number="ISMS-1")
    CertificationHoldingFactory(
        provider=holding.provider, certification=holding.certification, certificate_number="ISMS-2"
    )
    with refused("holding_unique_certificate"):
        CertificationHoldingFactory(
            provider=holding.provider,
            certification=holding.certification,
            certificate_number="ISMS-1",
        )


# --------------------------------------------------------------------------
# Impact reports
# --------------------------------------------------------------------------


def test_one_report_per_provider_per_period():
    provider = ProviderFactory()
    report(provider).save()
    report(provider, period_start=datetime.date(2024, 2, 1)).save()
    report(ProviderFactory()).save()
    with refused("report_one_per_provider_period"):
        report(provider).save()


def test_one_latest_report_per_provider():
    provider = ProviderFactory()
    report(provider, is_latest=True).save()
    report(
        provider, period_start=datetime.date(2023, 1, 1), period_end=datetime.date(2023, 12, 31)
    ).save()
    report(ProviderFactory(), is_latest=True).save()
    with refused("report_one_latest_per_provider"):
        report(
            provider,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            is_latest=True,
        ).save()


@pytest.mark.parametrize("end", [JAN_1, datetime.date(2023, 12, 31)])
def test_report_period_ends_after_it_starts(end):
    report(ProviderFactory(), period_end=JAN_1 + datetime.timedelta(days=1)).save()
    with refused("report_period_ordered"):
        report(ProviderFactory(), period_end=end).save()


@pytest.mark.parametrize(
    ("field", "constraint"),
    [
        ("impact_workers", "report_impact_workers_within_workforce"),
        ("employees_with_disabilities", "report_disabled_within_workforce"),
        ("employees_low_income_areas", "report_low_income_within_workforce"),
        ("women_employees", "report_women_within_workforce"),
        ("living_wage_employees", "report_living_wage_within_workforce"),
    ],
)
def test_report_counts_within_total_employees(field, constraint):
    report(ProviderFactory(), total_employees=50, **{"impact_workers": 0, field: 50}).save()
    with refused(constraint):
        report(ProviderFactory(), total_employees=50, **{"impact_workers": 0, field: 51}).save()


@pytest.mark.parametrize(
    ("field", "constraint"),
    [
        ("voluntary_turnover_pct", "report_turnover_0_100"),
        ("placement_rate_pct", "report_placement_0_100"),
    ],
)
@pytest.mark.parametrize("value", ["-0.01", "100.01", "250"])
def test_report_percentages_between_0_and_100(field, constraint, value):
    report(ProviderFactory(), **{field: Decimal("0")}).save()
    report(ProviderFactory(), **{field: Decimal("100")}).save()
    with refused(constraint):
        report(ProviderFactory(), **{field: Decimal(value)}).save()


@pytest.mark.parametrize(
    "field",
    ["impact_workers", "women_employees", "living_wage_employees", "employees_with_disabilities"],
)
def test_report_counts_are_not_negative(field):
    with refused(field):
        report(ProviderFactory(), **{"impact_workers": 0, field: -1}).save()


def test_target_group_counts_are_not_negative():
    saved = report(ProviderFactory())
    saved.save()
    with refused("workers"):
        m.ImpactReportGroup.objects.create(
            report=saved, target_group=TargetGroupFactory(), workers=-1
        )


def test_third_party_provenance_names_the_verifier():
    report(ProviderFactory(), provenance=m.Provenance.THIRD_PARTY, verifier="Audit Co.").save()
    report(ProviderFactory(), provenance=m.Provenance.SELF_REPORTED, verifier="").save()
    with refused("report_third_party_names_verifier"):
        report(ProviderFactory(), provenance=m.Provenance.THIRD_PARTY, verifier="").save()


def test_a_target_group_is_counted_once_per_report():
    saved = report(ProviderFactory())
    saved.save()
    group = TargetGroupFactory()
    m.ImpactReportGroup.objects.create(report=saved, target_group=group, workers=10)
    m.ImpactReportGroup.objects.create(report=saved, target_group=TargetGroupFactory(), workers=5)
    with refused("report_group_unique"):
        m.ImpactReportGroup.objects.create(report=saved, target_group=group, workers=3)


# --------------------------------------------------------------------------
# Case studies
# --------------------------------------------------------------------------


def test_a_client_quote_is_attributed():
    CaseStudyFactory(client_quote="They doubled our throughput.", quote_attribution="COO, Client")
    CaseStudyFactory(client_quote="", quote_attribution="")
    with refused("case_study_quote_attributed"):
        CaseStudyFactory(client_quote="They doubled our throughput.", quote_attribution="")


# --------------------------------------------------------------------------
# Memberships and claims
# --------------------------------------------------------------------------


def test_a_user_is_a_member_of_a_provider_once():
    membership = MembershipFactory()
    MembershipFactory(user=membership.user)  # another provider is fine
    with refused("membership_unique"):
        m.Membership.objects.create(
            provider=membership.provider, user=membership.user, role=m.MembershipRole.EDITOR
        )


def claim(provider, user, **fields):
    return m.Claim.objects.create(
        provider=provider, user=user, message="I run operations there.", **fields
    )


def test_one_pending_claim_per_user_and_provider():
    provider, user = ProviderFactory(), IsspUserFactory()
    claim(provider, user, status=m.ClaimStatus.REJECTED, reason="Could not confirm.")
    claim(provider, user)
    claim(ProviderFactory(), user)
    claim(provider, IsspUserFactory())
    with refused("claim_one_pending_per_user"):
        claim(provider, user)


def test_a_rejected_claim_has_a_reason():
    provider, user = ProviderFactory(), IsspUserFactory()
    pending = claim(provider, user)
    pending.status = m.ClaimStatus.REJECTED
    with refused("claim_rejection_has_reason"):
        pending.save()


# --------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------


def test_email_is_unique_ignoring_case():
    User.objects.create_user("Ann.Example@example.org", "secret-pass-1")
    User.objects.create_user("ann.other@example.org", "secret-pass-1")
    with refused("user_email_ci_unique"):
        User.objects.create_user("ann.example@EXAMPLE.org", "secret-pass-1")


def test_email_is_unique():
    User.objects.create_user("bo@example.org", "secret-pass-1")
    with refused():
        User.objects.create_user("bo@example.org", "secret-pass-1")
