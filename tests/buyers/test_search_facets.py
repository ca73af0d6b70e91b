"""Facet semantics: OR within a facet, AND across, exact disjunctive counts.

The directory is generated with a fixed seed from the seeded taxonomies: providers
in several statuses, with services, delivery centres, certifications (some
expired, some not yet issued), languages, target groups in current and older
reports, sizes, pricing, modes and verification.
"""

import datetime
import random

import pytest
from django.http import QueryDict
from django.utils import timezone

from buyers.search.facets import FACETS
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from providers.models import (
    Certification,
    DeliveryMode,
    Language,
    ListingStatus,
    PartnershipKind,
    PricingModel,
    Provider,
    ProviderType,
    Service,
    TargetGroup,
)
from providers.services.catalogue import providers_refresh_derived
from tests.factories import (
    CertificationHoldingFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
)

pytestmark = pytest.mark.django_db

COUNTRIES = ["KE", "UG", "IN", "PH", "CO", "ZA", "BD", "GH", "PE"]
LANGUAGE_CODES = ["en", "fr", "sw", "es", "hi"]
STATUSES = [ListingStatus.PUBLISHED] * 6 + [
    ListingStatus.DRAFT,
    ListingStatus.SUSPENDED,
    ListingStatus.SUBMITTED,
]


def build_directory(count=48, seed=11):
    """A realistic small directory, deterministic with `seed`; returns the providers."""
    rng = random.Random(seed)
    today = timezone.localdate()
    services = list(Service.objects.leaves().order_by("slug"))
    certifications = list(Certification.objects.order_by("slug")[:6])
    groups = list(TargetGroup.objects.order_by("slug"))
    languages = list(Language.objects.filter(code__in=LANGUAGE_CODES))
    pricing = list(PricingModel.objects.all())
    modes = list(DeliveryMode.objects.all())
    kinds = list(PartnershipKind.objects.all())
    # Its own random numbers: the other facets' draws stay as they were.
    more = random.Random(seed + 1)
    providers = []
    for number in range(count):
        provider = ProviderFactory(
            name=f"{rng.choice(['Amani', 'Bayan', 'Cielo', 'Duma', 'Esperanza'])} {number}",
            slug=f"gen-{seed}-{number}",
            status=rng.choice(STATUSES),
            workforce=rng.choice([None, 12, 48, 50, 120, 249, 250, 800, 1000, 4200]),
            verified_at=timezone.now() if rng.random() < 0.4 else None,
        )
        for service in rng.sample(services, rng.randint(0, 3)):
            ProviderServiceFactory(provider=provider, service=service)
        for country in rng.sample(COUNTRIES, rng.randint(0, 2)):
            DeliveryCentreFactory(provider=provider, country=country)
        for certification in rng.sample(certifications, rng.randint(0, 3)):
            state = rng.choice(["valid", "valid", "expired", "future", "open"])
            issued = today - datetime.timedelta(days=400)
            expires = today + datetime.timedelta(days=200)
            if state == "expired":
                expires = today - datetime.timedelta(days=1)
            elif state == "future":
                issued = today + datetime.timedelta(days=10)
                expires = today + datetime.timedelta(days=400)
            elif state == "open":
                expires = None
            CertificationHoldingFactory(
                provider=provider, certification=certification, issued_on=issued, expires_on=expires
            )
        provider.languages.set(rng.sample(languages, rng.randint(0, 2)))
        provider.pricing_models.set(rng.sample(pricing, rng.randint(0, 2)))
        provider.delivery_modes.set(rng.sample(modes, rng.randint(0, 2)))
        kind = more.choice(["", ProviderType.DEDICATED, ProviderType.DEDICATED, "programme"])
        if kind:
            provider.provider_type = kind
            provider.parent_company = "Globex Outsourcing" if kind == "programme" else ""
            provider.save(update_fields=["provider_type", "parent_company"])
        provider.partnerships_offered.set(more.sample(kinds, more.randint(0, 2)))
        provider.partnerships_sought.set(more.sample(kinds, more.randint(0, 2)))
        if rng.random() < 0.8:
            old = ImpactReportFactory(
                provider=provider,
                period_start=datetime.date(today.year - 3, 1, 1),
                period_end=datetime.date(today.year - 3, 12, 31),
                total_employees=100,
                impact_workers=rng.randint(0, 100),
                is_latest=False,
            )
            old.target_groups.add(rng.choice(groups))
            if rng.random() < 0.8:
                new = ImpactReportFactory(
                    provider=provider,
                    total_employees=200,
                    impact_workers=rng.randint(0, 200),
                    is_latest=False,
                )
                new.target_groups.add(*rng.sample(groups, rng.randint(0, 3)))
        providers.append(provider)
    providers_refresh_derived()
    return providers


def search(query: str, page_size=20, page=1):
    params = parse_search_params(QueryDict(query))
    return params, provider_search(params=params, page=page, page_size=page_size)


def with_only(params, param, value) -> str:
    """The query string of `params` with facet `param` set to just `value`."""
    query = params.to_querydict()
    query.setlist(param, [value])
    return query.urlencode()


@pytest.fixture
def directory():
    return build_directory()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "country=KE&country=UG",
        "service=data-services&size=50-249&size=1000-plus",
        "region=africa&pricing=per-fte&impact_min=25",
        "certification=iso-27001&verified=1",
        "language=en&group=refugees-displaced&mode=remote&sort=impact",
    ],
)
def test_every_option_count_equals_the_results_it_gives(directory, query):
    params, result = search(query)
    assert params.problems == ()
    assert result.total == search_queryset(params).count()
    checked = 0
    for group in result.facets:
        for option in group.options:
            followed_params, followed = search(with_only(params, group.param, option.key))
            assert followed.total == option.count, (group.param, option.key)
            assert search_queryset(followed_params).count() == option.count, (
                group.param,
                option.key,
            )
            checked += 1
    assert checked > 5


def test_values_are_ored_within_a_facet_and_facets_anded(directory):
    published = Provider.objects.published()
    kenya = set(published.delivering_in("KE").values_list("pk", flat=True))
    uganda = set(published.delivering_in("UG").values_list("pk", flat=True))
    verified = set(published.verified().values_list("pk", flat=True))
    assert kenya and uganda and kenya != uganda

    params, result = search("country=KE&country=UG")
    assert result.total == len(kenya | uganda)
    assert set(search_queryset(params).values_list("pk", flat=True)) == kenya | uganda

    params, result = search("country=KE&country=UG&verified=1")
    assert result.total == len((kenya | uganda) & verified)
    assert set(search_queryset(params).values_list("pk", flat=True)) == (kenya | uganda) & verified


def test_counts_stay_disjunctive_within_the_chosen_facet(directory):
    published = Provider.objects.published()
    _params, result = search("country=KE")
    country = next(group for group in result.facets if group.param == "country")
    counts = {option.key: option.count for option in country.options}
    # Choosing Kenya still shows how many deliver from Uganda.
    assert counts["UG"] == published.delivering_in("UG").count()
    assert counts["KE"] == published.delivering_in("KE").count()


def test_unpublished_listings_and_expired_certifications_never_count():
    certification = Certification.objects.get(slug="iso-27001")
    live = ProviderFactory(name="Live one")
    CertificationHoldingFactory(provider=live, certification=certification)
    expired = ProviderFactory(name="Expired one")
    CertificationHoldingFactory(
        provider=expired,
        certification=certification,
        issued_on=timezone.localdate() - datetime.timedelta(days=800),
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    hidden = ProviderFactory(name="Draft one", status=ListingStatus.DRAFT)
    CertificationHoldingFactory(provider=hidden, certification=certification)

    _params, result = search("")
    assert result.total == 2
    group = next(group for group in result.facets if group.param == "certification")
    assert {option.key: option.count for option in group.options} == {"iso-27001": 1}

    params, result = search("certification=iso-27001")
    assert [p.name for p in result.providers] == ["Live one"]
    assert list(search_queryset(params)) == [live]


def test_zero_count_options_are_hidden_unless_chosen(directory):
    _params, result = search("country=PE&country=ZA&size=1-49")
    shown = {
        (group.param, option.key): option.count
        for group in result.facets
        for option in group.options
    }
    for (param, key), count in shown.items():
        if param not in {"country", "size"} or key not in {"PE", "ZA", "1-49"}:
            assert count > 0, (param, key)


def test_index_follows_every_write(directory):
    _params, before = search("country=KE")
    provider = Provider.objects.published().delivering_in("KE").first()
    provider.status = ListingStatus.SUSPENDED
    provider.save()
    _params, after = search("country=KE")
    assert after.total == before.total - 1

    newcomer = ProviderFactory(name="Newcomer")
    DeliveryCentreFactory(provider=newcomer, country="KE")
    _params, again = search("country=KE")
    assert again.total == before.total


def test_facet_table_covers_the_url_contract():
    assert [facet.param for facet in FACETS] == [
        "service",
        "country",
        "region",
        "certification",
        "language",
        "group",
        "type",
        "size",
        "pricing",
        "mode",
        "offers",
        "seeks",
    ]
