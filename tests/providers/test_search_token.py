"""Which writes tell the search index to rebuild (providers_search_data_token)."""

import pytest
from django.db import connection
from django.db.models import F

from buyers.search.current import search_data_token
from providers.models import DeliveryCentre, ImpactReportGroup, ListingStatus, Provider
from tests.factories import (
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
    TargetGroupFactory,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the provider triggers look at rows on PostgreSQL"
)


def changes(write) -> bool:
    before = search_data_token()
    write()
    return search_data_token() != before


def test_writes_to_published_listings_change_the_token():
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    assert changes(lambda: ProviderFactory(status=ListingStatus.PUBLISHED))
    assert changes(lambda: Provider.objects.filter(pk=provider.pk).update(tagline="New"))
    provider.refresh_from_db()
    provider.name = "Renamed"
    assert changes(provider.save)
    assert changes(lambda: ProviderServiceFactory(provider=provider))
    assert changes(lambda: Provider.objects.filter(pk=provider.pk).delete())


def test_publishing_and_unpublishing_change_the_token():
    provider = ProviderFactory(status=ListingStatus.SUBMITTED)
    assert changes(lambda: Provider.objects.filter(pk=provider.pk).update(status="published"))
    assert changes(lambda: Provider.objects.filter(pk=provider.pk).update(status="suspended"))


@on_postgresql
def test_writes_that_cannot_change_search_leave_the_token_alone():
    draft = ProviderFactory(status=ListingStatus.DRAFT)
    published = ProviderFactory(status=ListingStatus.PUBLISHED)
    assert not changes(lambda: ProviderFactory(status=ListingStatus.DRAFT))
    assert not changes(lambda: Provider.objects.filter(pk=draft.pk).update(tagline="Draft"))
    draft.refresh_from_db()
    draft.name = "Still a draft"
    assert not changes(draft.save)
    # The optimistic-locking bump when a change to a published listing is held for review.
    assert not changes(
        lambda: Provider.objects.filter(pk=published.pk).update(version=F("version") + 1)
    )
    # A statement that changes nothing.
    assert not changes(lambda: Provider.objects.filter(pk=published.pk).update(name=published.name))
    service = ServiceFactory()  # (a new service is a change to the taxonomy)
    assert not changes(lambda: ProviderServiceFactory(provider=draft, service=service))
    assert not changes(lambda: ImpactReportFactory(provider=draft))
    # Deleting a draft with its rows elsewhere (Django cascades, statement by statement).
    assert not changes(lambda: Provider.objects.filter(pk=draft.pk).delete())


def test_writes_to_the_rows_of_a_published_listing_change_the_token():
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    assert changes(lambda: ProviderServiceFactory(provider=provider))
    assert changes(lambda: DeliveryCentreFactory(provider=provider, country="KE"))
    report = ImpactReportFactory(provider=provider)
    group = TargetGroupFactory()
    assert changes(
        lambda: ImpactReportGroup.objects.create(report=report, target_group=group, workers=3)
    )
    assert changes(lambda: DeliveryCentre.objects.filter(provider=provider).update(country="UG"))
    assert changes(lambda: DeliveryCentre.objects.filter(provider=provider).delete())
    assert changes(lambda: Provider.objects.filter(pk=provider.pk).delete())


def test_certifications_and_impact_reports_of_published_listings_change_the_token():
    """On SQLite too: 0006 rebuilt these tables and dropped their triggers (0011 restores them)."""
    from tests.factories import CertificationHoldingFactory

    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    assert changes(lambda: CertificationHoldingFactory(provider=provider))
    assert changes(lambda: ImpactReportFactory(provider=provider))
