"""The home page `/` and its headline figures."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from providers import models as m
from providers.selectors import home_stats
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The home page shares its figures through the cache; each test starts cold.
    cache.clear()
    yield
    cache.clear()


HIDDEN = [
    m.ListingStatus.DRAFT,
    m.ListingStatus.SUBMITTED,
    m.ListingStatus.REJECTED,
    m.ListingStatus.SUSPENDED,
    m.ListingStatus.INACTIVE,
]


@pytest.fixture
def directory():
    """Two published providers and one hidden provider of every other status."""
    annotation = f.ServiceFactory(name="Test annotation", slug="test-annotation")
    moderation = f.ServiceFactory(name="Test moderation", slug="test-moderation")
    kenya = f.ProviderFactory(name="Published Kenya")
    f.DeliveryCentreFactory(provider=kenya, country="KE")
    f.DeliveryCentreFactory(provider=kenya, country="UG", city="Kampala")
    f.ProviderServiceFactory(provider=kenya, service=annotation)
    f.ProviderServiceFactory(provider=kenya, service=moderation)
    f.ImpactReportFactory(provider=kenya, total_employees=200, impact_workers=150)
    # An older report must not be counted twice.
    f.ImpactReportFactory(
        provider=kenya,
        period_start=datetime.date(2019, 1, 1),
        period_end=datetime.date(2019, 12, 31),
        total_employees=100,
        impact_workers=90,
        is_latest=False,
    )
    india = f.ProviderFactory(name="Published India")
    f.DeliveryCentreFactory(provider=india, country="IN", city="Pune")
    f.ProviderServiceFactory(provider=india, service=annotation)
    f.ImpactReportFactory(provider=india, total_employees=80, impact_workers=40)
    for status in HIDDEN:
        hidden = f.ProviderFactory(
            name=f"Hidden {status}", status=status, rejection_reason="Incomplete."
        )
        f.DeliveryCentreFactory(provider=hidden, country="BR", city="Recife")
        f.ProviderServiceFactory(provider=hidden, service=moderation)
        f.ImpactReportFactory(provider=hidden, total_employees=1000, impact_workers=900)
    return annotation, moderation


def test_figures_count_only_published_providers(directory):
    stats = home_stats()

    assert stats.providers == 2
    assert stats.countries == 3  # KE, UG, IN; never the hidden listings' BR
    assert stats.impact_workers == 150 + 40
    assert [(s.slug, s.providers) for s in stats.top_services] == [
        ("test-annotation", 2),
        ("test-moderation", 1),
    ]
    regions = {r.slug: r.providers for r in stats.top_regions}
    assert regions == {"africa": 1, "asia": 1}
    assert stats.top_regions[0].providers >= stats.top_regions[-1].providers


def test_empty_directory_has_zero_figures():
    f.ProviderFactory(status=m.ListingStatus.DRAFT)

    stats = home_stats()

    assert (stats.providers, stats.countries, stats.impact_workers) == (0, 0, 0)
    assert stats.top_services == []
    assert stats.top_regions == []


def test_home_page_shows_search_box_and_figures(client, directory):
    response = client.get(reverse("home"))
    html = response.content.decode()

    assert response.status_code == 200
    assert f'action="{reverse("search")}"' in html
    assert 'name="q"' in html
    assert "Test annotation (2)" in html
    assert "?service=test-annotation" in html
    assert "?region=africa" in html
    assert "Hidden" not in html
    assert "<dd>190</dd>" in html


def test_home_page_only_accepts_get(client):
    assert client.post(reverse("home")).status_code == 405


def test_home_page_query_count(client, directory, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("home"))

    assert response.status_code == 200


def test_home_figures_are_shared_between_visitors(client, directory, django_assert_max_num_queries):
    client.get(reverse("home"))
    f.ProviderFactory(name="Published later")

    with django_assert_max_num_queries(0):
        response = client.get(reverse("home"))

    # Still the cached figures: two providers, not three.
    assert "<dd>2</dd>" in response.content.decode()
    cache.clear()
    assert "<dd>3</dd>" in client.get(reverse("home")).content.decode()


def test_home_query_count_does_not_grow_with_providers(
    client, directory, django_assert_max_num_queries
):
    for n in range(10):
        provider = f.ProviderFactory()
        f.DeliveryCentreFactory(provider=provider, country="GH")
        f.ProviderServiceFactory(provider=provider, service=f.ServiceFactory(slug=f"extra-{n}"))

    with django_assert_max_num_queries(6):
        response = client.get(reverse("home"))

    assert "<dd>12</dd>" in response.content.decode()
