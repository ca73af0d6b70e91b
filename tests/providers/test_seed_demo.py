"""`seed_demo` builds a varied, fictional, deterministic directory; `demo_logins` shows logins."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from providers import demo
from providers.models import (
    CaseStudy,
    CertificationHolding,
    DeliveryCentre,
    DeliveryMode,
    ImpactReport,
    ImpactReportGroup,
    Industry,
    ListingStatus,
    Membership,
    MembershipRole,
    PricingModel,
    Provider,
    ProviderService,
    Service,
    SizeBand,
)
from tests.factories import (
    CertificationFactory,
    LanguageFactory,
    ProviderFactory,
    RegionFactory,
    ServiceCategoryFactory,
    ServiceFactory,
    TargetGroupFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomy():
    """The taxonomy rows the generator needs; the seed migration may already hold them."""
    data = ServiceCategoryFactory(slug="data-services", name="Data services")
    experience = ServiceCategoryFactory(slug="customer-experience", name="Customer experience")
    ServiceFactory(slug="data-annotation", name="Data annotation", parent=data)
    ServiceFactory(slug="content-moderation", name="Content moderation", parent=data)
    ServiceFactory(slug="voice-support", name="Voice support", parent=experience)
    for code, name in [("en", "English"), ("sw", "Swahili"), ("es", "Spanish"), ("hi", "Hindi")]:
        LanguageFactory(code=code, name=name)
    for slug, name in [("women", "Women"), ("long-term-unemployed", "Long-term unemployed")]:
        TargetGroupFactory(slug=slug, name=name)
    for slug, name in [("iso-27001", "ISO/IEC 27001"), ("iso-9001", "ISO 9001"), ("b-corp", "B")]:
        CertificationFactory(slug=slug, name=name)
    for slug, name in [("insurance", "Insurance"), ("healthcare", "Healthcare")]:
        Industry.objects.get_or_create(slug=slug, defaults={"name": name})
    PricingModel.objects.get_or_create(slug="per-fte", defaults={"name": "Per FTE"})
    DeliveryMode.objects.get_or_create(slug="remote", defaults={"name": "Remote"})
    RegionFactory(slug="europe", name="Europe", m49_code="150")
    RegionFactory(slug="northern-america", name="Northern America", m49_code="021")


def seed(*args, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def snapshot():
    """Everything generated except timestamps, comparable across runs."""
    rows = []
    for p in Provider.objects.order_by("slug"):
        rows.append(
            (
                p.name,
                p.slug,
                p.status,
                p.workforce,
                p.founded_year,
                p.hq_country.code,
                p.tagline,
                p.description,
                p.impact_share,
                p.rejection_reason,
                p.verified_at is not None,
                sorted(p.languages.values_list("code", flat=True)),
                sorted(p.services.values_list("service__slug", "voice", "note")),
                sorted(
                    p.centres.values_list("country", "city", "seats", "headcount", "impact_workers")
                ),
                sorted(
                    p.certifications.values_list(
                        "certification__slug", "certificate_number", "issued_on", "expires_on"
                    )
                ),
                [
                    (
                        r.period_start,
                        r.period_end,
                        r.total_employees,
                        r.impact_workers,
                        r.min_wage_multiple,
                        r.is_latest,
                        sorted(r.groups.values_list("target_group__slug", "workers")),
                    )
                    for r in p.reports.order_by("period_end")
                ],
                sorted(p.case_studies.values_list("title", "year", "results")),
            )
        )
    return rows


def test_seed_builds_a_varied_directory(taxonomy):
    out, _err = seed("--providers", "60")
    assert "Created 60 demo providers (seed 42)" in out
    providers = Provider.objects.all()
    assert providers.count() == 60

    statuses = {status: providers.filter(status=status).count() for status in ListingStatus}
    assert 45 <= statuses[ListingStatus.PUBLISHED] <= 54  # about 85%
    for status in [ListingStatus.DRAFT, ListingStatus.SUBMITTED, ListingStatus.REJECTED]:
        assert statuses[status] >= 1, status
    assert statuses[ListingStatus.SUSPENDED] + statuses[ListingStatus.INACTIVE] >= 1
    assert not providers.filter(status=ListingStatus.REJECTED, rejection_reason="").exists()
    assert 0 < providers.verified().count() < 60

    assert {p.size_band for p in providers} == set(SizeBand)
    assert not providers.filter(services=None).exists()
    assert not providers.filter(centres=None).exists()
    assert not providers.filter(languages=None).exists()
    assert DeliveryCentre.objects.values("country").distinct().count() >= 8

    today = timezone.localdate()
    holdings = CertificationHolding.objects.all()
    assert holdings.expired(on=today).exists()
    assert holdings.filter(expires_on__isnull=True).exists()
    assert holdings.valid(on=today).filter(expires_on__isnull=False).exists()

    latest = ImpactReport.objects.filter(is_latest=True)
    assert latest.stale(on=today).exists()
    assert latest.exclude(period_end__lt=today - datetime.timedelta(days=730)).exists()
    assert ImpactReport.objects.filter(is_latest=False).exists()  # several years
    assert ImpactReportGroup.objects.exists()
    assert CaseStudy.objects.filter(year__lte=today.year - 3).exists()
    assert CaseStudy.objects.filter(year__gt=today.year - 3).exists()


def test_derived_data_is_refreshed(taxonomy):
    seed("--providers", "30")
    for provider in Provider.objects.prefetch_related("reports"):
        reports = sorted(provider.reports.all(), key=lambda r: r.period_end)
        assert [r.is_latest for r in reports] == [False] * (len(reports) - 1) + [True] * bool(
            reports
        )
        # The stored share is the public one: none beside fewer than 10 impact workers.
        public = reports and reports[-1].impact_workers >= 10
        assert provider.impact_share == (reports[-1].impact_share if public else None)
        assert provider.service_text
        for service in provider.services.select_related("service"):
            assert service.service.name in provider.service_text
    assert Provider.objects.exclude(case_study_text="").exists()


def test_every_row_is_valid_and_within_its_constraints(taxonomy):
    """Model validation (fields and constraints) holds for every generated row."""
    seed("--providers", "30")
    for model in [
        Provider,
        ProviderService,
        DeliveryCentre,
        CertificationHolding,
        ImpactReport,
        ImpactReportGroup,
        CaseStudy,
    ]:
        objects = list(model.objects.all())
        assert objects, model
        for obj in objects:
            obj.full_clean()
    for report in ImpactReport.objects.all():
        assert report.impact_workers <= report.total_employees
        assert sum(g.workers or 0 for g in report.groups.all()) <= report.impact_workers
        assert report.provider.founded_year <= report.period_start.year
    for centre in DeliveryCentre.objects.exclude(impact_workers=None):
        assert centre.impact_workers <= centre.headcount
    for provider in Provider.objects.all():
        headcount = sum(c.headcount for c in provider.centres.all())
        assert headcount <= provider.workforce


def test_listing_dates_are_spread_over_the_past_and_auto_now_still_works(taxonomy):
    before = timezone.now()
    seed("--providers", "20")
    after = timezone.now()
    providers = list(Provider.objects.all())
    assert len({p.updated_at for p in providers}) == 20
    assert all(p.created_at <= p.updated_at <= after for p in providers)
    assert min(p.updated_at for p in providers) < before - datetime.timedelta(days=30)
    # The timestamps were set only for the bulk insert: saving stamps "now" again.
    provider = providers[0]
    provider.save()
    provider.refresh_from_db()
    assert provider.updated_at >= after
    assert ProviderFactory().created_at >= after


def test_listings_are_clearly_fictional_and_searchable(taxonomy):
    seed("--providers", "40")
    for provider in Provider.objects.all():
        assert provider.website == f"https://www.{provider.slug}.example/"
        assert provider.contact_email == f"hello@{provider.slug}.example"
        assert "fictional demo listing" in provider.description
        assert provider.tagline
    text = Q(name__icontains="data") | Q(tagline__icontains="data")
    text |= Q(description__icontains="data") | Q(service_text__icontains="data")
    assert Provider.objects.filter(text).count() >= 30  # a broad query matches most
    word = Provider.objects.order_by("pk").first().name.split()[0]
    assert Provider.objects.filter(name__icontains=word).count() <= 2  # a narrow one, few


def test_same_seed_gives_the_same_directory(taxonomy):
    seed("--providers", "30")
    first = snapshot()
    Provider.objects.all().delete()
    seed("--providers", "30", "--batch-size", "7")
    assert snapshot() == first
    Provider.objects.all().delete()
    seed("--providers", "30", "--seed", "7")
    assert {row[0] for row in snapshot()}.isdisjoint({row[0] for row in first})


def test_rerun_adds_nothing_and_a_larger_run_tops_up(taxonomy):
    seed("--providers", "20")
    ids = set(Provider.objects.values_list("pk", flat=True))
    out, _err = seed("--providers", "20")
    assert "Created 0 demo providers" in out
    assert "20 already present were skipped" in out
    assert set(Provider.objects.values_list("pk", flat=True)) == ids
    seed("--providers", "25")
    assert Provider.objects.count() == 25
    assert ids < set(Provider.objects.values_list("pk", flat=True))


def test_append_adds_new_providers_after_the_existing_ones(taxonomy):
    seed("--providers", "10")
    seed("--providers", "5", "--append")
    assert Provider.objects.count() == 15
    assert Provider.objects.values("slug").distinct().count() == 15


def test_if_empty_does_nothing_once_providers_exist(taxonomy):
    seed("--providers", "10", "--if-empty")
    assert Provider.objects.count() == 10
    out, _err = seed("--providers", "20", "--if-empty")
    assert "demo data not loaded" in out
    assert Provider.objects.count() == 10


def test_progress_bar_on_stderr(taxonomy):
    _out, err = seed("--providers", "30", "--batch-size", "10")
    assert "30/30" in err
    assert "100%" in err
    assert "/s" in err
    _out, err = seed("--providers", "30", verbosity=0)
    assert err == ""


def test_query_log_is_not_hoarded_with_debug_on(taxonomy, settings):
    """`make run` seeds with DEBUG on, where Django logs every statement."""
    settings.DEBUG = True
    seed("--providers", "30", "--batch-size", "10")
    assert len(connection.queries) < 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--providers", "-1"], "--providers"),
        (["--batch-size", "0"], "--batch-size"),
        (["--seed", "-3"], "--seed"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(taxonomy, args, message):
    with pytest.raises(CommandError, match=message):
        seed(*args)
    assert not Provider.objects.exists()
    assert not get_user_model().objects.exists()


def test_empty_taxonomies_are_refused(taxonomy):
    Service.objects.leaves().delete()
    Service.objects.all().delete()
    with pytest.raises(CommandError, match="migrate"):
        seed("--providers", "5")
    assert not Provider.objects.exists()


def login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.parametrize("demo_user", demo.DEMO_USERS, ids=lambda u: u.email)
def test_demo_users_can_log_in(client, taxonomy, demo_user):
    seed("--providers", "20")
    user = get_user_model().objects.get(email=demo_user.email)
    validate_password(demo_user.password, user)
    assert EmailAddress.objects.filter(
        user=user, email=demo_user.email, verified=True, primary=True
    ).exists()
    response = login(client, demo_user.email, demo_user.password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    assert login(client, demo_user.email, "not-the-password-123").status_code == 200


def test_demo_users_have_their_roles(taxonomy):
    seed("--providers", "20")
    users = get_user_model().objects
    admin = users.get(email=demo.DEMO_ADMIN.email)
    assert admin.is_staff and admin.is_superuser
    buyer = users.get(email=demo.DEMO_BUYER.email)
    assert buyer.is_buyer and not buyer.is_staff
    issp = users.get(email=demo.DEMO_ISSP.email)
    assert issp.is_issp and not issp.is_staff
    owned = Membership.objects.filter(user=issp, role=MembershipRole.OWNER)
    assert sorted(owned.values_list("provider__status", flat=True)) == ["draft", "published"]
    # A second run neither duplicates users nor changes what the ISSP user owns.
    seed("--providers", "20")
    assert users.filter(email__endswith="@impactdir.example").count() == 3
    assert owned.count() == 2


def test_existing_demo_user_keeps_its_password(taxonomy):
    seed("--providers", "5")
    buyer = get_user_model().objects.get(email=demo.DEMO_BUYER.email)
    buyer.set_password("a-changed-password-98765")
    buyer.save()
    seed("--providers", "5")
    buyer.refresh_from_db()
    assert buyer.check_password("a-changed-password-98765")


def test_demo_logins_prints_the_three_logins(taxonomy):
    seed("--providers", "5")
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert "http://127.0.0.1:8000/admin/" in text
    for user in demo.DEMO_USERS:
        assert user.email in text
        assert user.password in text
    assert "not created yet" not in text


def test_demo_logins_says_when_the_users_are_missing():
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert out.getvalue().count("not created yet") == 3


# Pure generator: no database needed beyond the taxonomy tuple.


def test_names_and_slugs_are_unique_at_benchmark_scale():
    names = [demo.provider_name(i, seed=42) for i in range(100_000)]
    assert len(set(names)) == len(names)
    assert len({slugify(name) for name in names}) == len(names)
    assert all(len(name) <= 60 for name in names)
    with pytest.raises(ValueError, match="index"):
        demo.provider_name(demo.NAME_SPACE, seed=42)


def test_generator_keeps_every_rule_over_many_providers():
    taxonomy = demo.Taxonomy(
        services=((1, "Data annotation", "data-services"), (2, "Voice support", "cx")),
        certifications=((1, "ISO 9001", "iso-9001"), (2, "SA8000", "sa8000")),
        target_groups=((1, "Women", "women"), (2, "Refugees", "refugees")),
        languages={"en": 1, "sw": 2, "es": 3},
        industries=((1, "Insurance"),),
        pricing_models=(1, 2),
        delivery_modes=(1,),
        markets=(1, 2, 3),
    )
    today = datetime.date(2026, 2, 28)
    for index in range(1000):
        bundle = demo.build_provider(index, seed=3, taxonomy=taxonomy, today=today)
        provider = bundle.provider
        assert 3 <= provider.workforce <= 25_000
        assert sum(c.headcount for c, _ in bundle.centres) <= provider.workforce
        assert (provider.status == ListingStatus.REJECTED) == bool(provider.rejection_reason)
        assert [r.is_latest for r, _ in bundle.reports][:1] in ([], [True])
        for centre, languages in bundle.centres:
            assert languages
            assert centre.impact_workers is None or centre.impact_workers <= centre.headcount
            assert centre.seats >= 1
        for report, groups in bundle.reports:
            assert report.period_start < report.period_end < today
            assert report.impact_workers <= report.total_employees
            for name in ["employees_with_disabilities", "women_employees", "living_wage_employees"]:
                value = getattr(report, name)
                assert value is None or value <= report.total_employees
            assert sum(g.workers or 0 for g in groups) <= report.impact_workers
            assert (report.provenance == "third-party") == bool(report.verifier)
        for holding in bundle.holdings:
            assert holding.expires_on is None or holding.expires_on > holding.issued_on
        for study in bundle.case_studies:
            assert bool(study.client_quote) == bool(study.quote_attribution)
            assert provider.founded_year <= study.year <= today.year
