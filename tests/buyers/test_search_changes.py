"""The search index updated in place (buyers/search/changes.py) equals one built afresh.

Each step writes through the ORM or the listing services as the site does — new,
edited, renamed, unpublished and re-published listings, their services, centres,
certifications, reports and target groups — then compares every facet count, every
sort order and text matches of the index brought up to date in place with those of
an index built from scratch from the same data.
"""

import datetime
import random

import pytest
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from buyers.search.build import build_index
from buyers.search.current import search_data_token, search_index
from buyers.search.index import CHANGE_TABLE, INDEX_ORDERS
from buyers.search.parameters import parse_search_params
from buyers.search.selector import provider_search, search_queryset
from providers.models import (
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    ListingStatus,
    PartnershipKind,
    Provider,
    ProviderService,
    ProviderType,
)
from providers.services.catalogue import provider_refresh_derived
from providers.services.parts import CentreRow, provider_update_centres
from tests.factories import (
    CertificationFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    IsspUserFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    TargetGroupFactory,
)

pytestmark = pytest.mark.django_db

COUNTRIES = ["KE", "IN", "ZA", "CO", "PH", "BR"]
WORDS = ["data", "annotation", "voice", "care", "finance", "rural", "youth", "moderation"]


@pytest.fixture(autouse=True)
def _inline(settings):
    settings.SEARCH_INDEX_REBUILD = "inline"


def _taxonomy():
    category = ServiceCategoryFactory()
    services = [ServiceFactory(parent=category) for _ in range(3)]
    certifications = [CertificationFactory() for _ in range(2)]
    groups = [TargetGroupFactory() for _ in range(2)]
    return services, certifications, groups


def _signature(index) -> dict:
    """What an index answers, independent of its positions."""
    ids = index.ids
    live = index.all_bits
    answer = {}
    for param, options in index.bits.items():
        for key, bits in options.items():
            members = sorted(int(ids[p]) for p in range(index.size) if (bits & live) >> p & 1)
            if members:
                answer[(param, key)] = members
    for percent in (0, 10, 50, 90):
        bits = index.impact_at_least[percent] & live
        answer[("impact", percent)] = sorted(
            int(ids[p]) for p in range(index.size) if bits >> p & 1
        )
    for order in INDEX_ORDERS:
        answer[("order", order)] = index.page_ids(live, order, 0, 10_000)
    answer["options"] = {
        param: [(o.key, o.label, o.level) for o in options]
        for param, options in index.options.items()
        if param != "country"
    }
    answer["countries"] = sorted(o.key for o in index.options.get("country", ()))
    return answer


def _fresh(today=None):
    return build_index(today or timezone.localdate())


def _text_answers(index) -> dict:
    found = {}
    for q in ["data", "voice care", "annotation -rural", "youth or finance", '"data annotation"']:
        params = parse_search_params(QueryDict(f"q={q}"), index=index)
        result = provider_search(params=params, page=1, page_size=50, render_cards=False)
        found[q] = (result.total, result.provider_ids)
    return found


def _step(rng, services, certifications, groups, providers):
    action = rng.choice(
        [
            "new",
            "edit",
            "rename",
            "unpublish",
            "republish",
            "service",
            "centre",
            "drop_centre",
            "certificate",
            "report",
            "group",
            "draft",
            "type",
            "partnership",
        ]
    )
    published = [p for p in providers if p.status == ListingStatus.PUBLISHED]
    target = rng.choice(published) if published else None
    if action == "new" or target is None:
        provider = ProviderFactory(
            name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {rng.randint(1, 99)}",
            tagline=" ".join(rng.sample(WORDS, 3)),
            workforce=rng.choice([None, 3, 40, 300, 2500]),
            status=ListingStatus.PUBLISHED,
        )
        providers.append(provider)
    elif action == "edit":
        Provider.objects.filter(pk=target.pk).update(
            tagline=" ".join(rng.sample(WORDS, 2)),
            workforce=rng.choice([None, 5, 60, 700]),
            updated_at=timezone.now() - datetime.timedelta(days=rng.randint(0, 900)),
            verified_at=rng.choice([None, timezone.now()]),
        )
    elif action == "rename":
        Provider.objects.filter(pk=target.pk).update(
            name=rng.choice(["Aardvark", "Zulu", target.name, "Middle"]) + f" {rng.randint(1, 9)}"
        )
    elif action == "unpublish":
        Provider.objects.filter(pk=target.pk).update(status=ListingStatus.SUSPENDED)
        target.status = ListingStatus.SUSPENDED
    elif action == "republish":
        gone = [p for p in providers if p.status != ListingStatus.PUBLISHED]
        if gone:
            back = rng.choice(gone)
            Provider.objects.filter(pk=back.pk).update(status=ListingStatus.PUBLISHED)
            back.status = ListingStatus.PUBLISHED
    elif action == "service":
        service = rng.choice(services)
        link = ProviderService.objects.filter(provider=target, service=service)
        if link.exists():
            link.delete()
        else:
            ProviderServiceFactory(provider=target, service=service)
        provider_refresh_derived(provider=target)
    elif action == "centre":
        DeliveryCentreFactory(provider=target, country=rng.choice(COUNTRIES))
    elif action == "drop_centre":
        for centre in DeliveryCentre.objects.filter(provider=target).order_by("pk")[:1]:
            centre.delete()
    elif action == "certificate":
        certification = rng.choice(certifications)
        CertificationHolding.objects.filter(provider=target, certification=certification).delete()
        CertificationHolding.objects.create(
            provider=target,
            certification=certification,
            expires_on=timezone.localdate() + datetime.timedelta(days=rng.choice([-3, 1, 400])),
        )
    elif action == "report":
        year = 2020 + rng.randint(0, 5)
        if not ImpactReport.objects.filter(provider=target, period_start__year=year).exists():
            ImpactReportFactory(
                provider=target,
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
                impact_workers=rng.choice([2, 30, 80]),
                is_latest=False,
            )
            provider_refresh_derived(provider=target)
    elif action == "group":
        report = ImpactReport.objects.filter(provider=target, is_latest=True).first()
        if report is not None:
            group = rng.choice(groups)
            existing = ImpactReportGroup.objects.filter(report=report, target_group=group)
            if existing.exists():
                existing.delete()
            else:
                ImpactReportGroup.objects.create(report=report, target_group=group)
    elif action == "draft":
        providers.append(ProviderFactory(status=ListingStatus.DRAFT, name="Draft"))
    elif action == "type":
        kind = rng.choice(["", ProviderType.DEDICATED, ProviderType.PROGRAMME])
        Provider.objects.filter(pk=target.pk).update(
            provider_type=kind, parent_company="Globex" if kind == ProviderType.PROGRAMME else ""
        )
    elif action == "partnership":
        field = rng.choice([target.partnerships_offered, target.partnerships_sought])
        kind = rng.choice(list(PartnershipKind.objects.all()))
        if field.filter(pk=kind.pk).exists():
            field.remove(kind)
        else:
            field.add(kind)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_index_updated_in_place_answers_as_one_built_afresh(seed):
    rng = random.Random(seed)
    services, certifications, groups = _taxonomy()
    providers = [
        ProviderFactory(name=f"{w.title()} Co", tagline=w, status=ListingStatus.PUBLISHED)
        for w in WORDS[:5]
    ]
    base = search_index()
    for step in range(40):
        _step(rng, services, certifications, groups, providers)
        if step % 4 == 3:
            index = search_index()
            assert index.base_token == base.base_token, "updated in place, not rebuilt"
            fresh = _fresh()
            assert _signature(index) == _signature(fresh), f"step {step}"
            if connection.vendor == "postgresql":
                assert _text_answers(index) == _text_answers(fresh), f"step {step}"


def test_the_database_path_and_an_updated_index_agree():
    services, _certifications, _groups = _taxonomy()
    provider = ProviderFactory(name="Voice Care", status=ListingStatus.PUBLISHED)
    search_index()
    ProviderServiceFactory(provider=provider, service=services[0])
    DeliveryCentreFactory(provider=provider, country="KE")
    ProviderFactory(name="Data Works", status=ListingStatus.PUBLISHED)
    for query in [f"service={services[0].slug}", "country=KE", "q=voice", "sort=name"]:
        params = parse_search_params(QueryDict(query))
        result = provider_search(params=params, page=1, page_size=50)
        assert result.provider_ids == [p.pk for p in search_queryset(params)], query


def test_a_new_day_recomputes_certificates_in_place():
    certification = CertificationFactory()
    provider = ProviderFactory(status=ListingStatus.PUBLISHED)
    today = timezone.localdate()
    CertificationHolding.objects.create(
        provider=provider, certification=certification, expires_on=today
    )
    index = search_index()
    assert index.bits["certification"][certification.slug]
    from buyers.search.changes import refresh_certifications

    with connection.cursor() as cursor:
        tomorrow = refresh_certifications(cursor, index, today + datetime.timedelta(days=1))
    assert tomorrow.bits["certification"].get(certification.slug, 0) == 0
    assert _signature(tomorrow) == _signature(_fresh(today + datetime.timedelta(days=1)))
    assert index.bits["certification"][certification.slug]  # the old index is untouched


def _logged() -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT provider_id FROM {CHANGE_TABLE} ORDER BY seq")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_editing_a_drafts_centres_through_the_service_changes_no_search_data():
    user = IsspUserFactory()
    draft = ProviderFactory(status=ListingStatus.DRAFT)
    MembershipFactory(provider=draft, user=user)
    draft.refresh_from_db()
    before = search_data_token()
    provider_update_centres(
        provider=draft,
        user=user,
        version=draft.version,
        rows=[CentreRow(country="KE", headcount=20, impact_workers=10)],
    )
    assert DeliveryCentre.objects.filter(provider=draft).exists()
    assert search_data_token() == before


def test_editing_a_published_listings_centres_logs_only_that_listing():
    user = IsspUserFactory()
    published = ProviderFactory(status=ListingStatus.PUBLISHED)
    ProviderFactory(status=ListingStatus.PUBLISHED)
    MembershipFactory(provider=published, user=user)
    published.refresh_from_db()
    index = search_index()
    already = len(_logged())
    provider_update_centres(
        provider=published,
        user=user,
        version=published.version,
        rows=[CentreRow(country="KE", headcount=20, impact_workers=10)],
    )
    assert set(_logged()[already:]) == {published.pk}
    updated = search_index()
    assert updated.base_token == index.base_token  # no rebuild
    assert updated.bits["country"]["KE"] == updated.positions_of([published.pk])
