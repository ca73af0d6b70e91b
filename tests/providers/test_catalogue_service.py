import datetime

import pytest

from providers.models import ImpactReport
from providers.services.catalogue import provider_refresh_derived, providers_refresh_derived
from tests.factories import (
    CaseStudyFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def test_latest_report_and_share_follow_the_newest_period():
    provider = ProviderFactory()
    old = ImpactReportFactory(
        provider=provider,
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2022, 12, 31),
        total_employees=200,
        impact_workers=50,
        is_latest=False,
    )
    new = ImpactReportFactory(
        provider=provider,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 12, 31),
        total_employees=300,
        impact_workers=200,
        is_latest=False,
    )

    provider_refresh_derived(provider=provider)

    assert list(ImpactReport.objects.filter(is_latest=True)) == [new]
    assert provider.impact_share == 67

    new.delete()
    provider_refresh_derived(provider=provider)

    old.refresh_from_db()
    assert old.is_latest
    assert provider.impact_share == 25


def test_search_text_gathers_services_and_case_studies():
    provider = ProviderFactory()
    service = ServiceFactory(name="Data annotation", parent__name="Data services")
    ProviderServiceFactory(provider=provider, service=service, note="LiDAR")
    CaseStudyFactory(provider=provider, title="Labelling street scenes")

    provider_refresh_derived(provider=provider)

    assert "Data services Data annotation LiDAR" in provider.service_text
    assert "Labelling street scenes" in provider.case_study_text


def test_bulk_refresh_touches_only_the_given_providers():
    first, second = ProviderFactory(), ProviderFactory()
    ImpactReportFactory(provider=first, is_latest=False, total_employees=40, impact_workers=20)
    ImpactReportFactory(provider=second, is_latest=False, total_employees=40, impact_workers=36)

    providers_refresh_derived(provider_ids=[first.pk])

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.impact_share == 50
    assert second.impact_share is None


def test_share_of_fewer_than_ten_impact_workers_is_not_stored_for_search():
    """A share times the published total would give a banded count back (providers.disclosure)."""
    small, large = ProviderFactory(), ProviderFactory()
    ImpactReportFactory(provider=small, total_employees=40, impact_workers=9)
    ImpactReportFactory(provider=large, total_employees=40, impact_workers=10)

    providers_refresh_derived(provider_ids=[small.pk, large.pk])

    small.refresh_from_db()
    large.refresh_from_db()
    assert small.impact_share is None
    assert large.impact_share == 25
