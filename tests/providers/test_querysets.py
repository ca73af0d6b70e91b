"""The catalogue's QuerySet verbs and the model helpers search and profiles build on."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.text import slugify

from providers import models as m
from tests.factories import (
    CaseStudyFactory,
    CertificationFactory,
    CertificationHoldingFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


def names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def provider(name, **fields):
    return ProviderFactory(name=name, slug=slugify(name), **fields)


def service(slug):
    return m.Service.objects.get(slug=slug)


def region(slug):
    return m.Region.objects.get(slug=slug)


# --------------------------------------------------------------------------
# Listing status and verification
# --------------------------------------------------------------------------


def test_published_keeps_only_published_listings():
    for status in m.ListingStatus:
        provider(f"P-{status}", status=status, rejection_reason="Reason.")
    assert names(m.Provider.objects.published()) == ["P-published"]


def test_verified_keeps_providers_an_admin_verified():
    provider("Checked", verified_at=timezone.now(), verified_by=StaffFactory())
    provider("Unchecked")
    assert names(m.Provider.objects.verified()) == ["Checked"]


# --------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------


@pytest.fixture
def offerings():
    annotator = provider("Annotator")
    ProviderServiceFactory(provider=annotator, service=service("data-annotation"))
    ProviderServiceFactory(provider=annotator, service=service("transcription"))
    voice = provider("Voice")
    ProviderServiceFactory(provider=voice, service=service("voice-support"))
    provider("Nothing")
    return annotator, voice


def test_offering_a_service(offerings):
    assert names(m.Provider.objects.offering(service("data-annotation"))) == ["Annotator"]
    assert names(m.Provider.objects.offering(service("voice-support").pk)) == ["Voice"]
    assert names(m.Provider.objects.offering(service("procurement"))) == []


def test_offering_a_category_matches_its_services_once(offerings):
    assert names(m.Provider.objects.offering(service("data-services"))) == ["Annotator"]
    assert names(m.Provider.objects.offering(service("back-office"))) == []


def test_offering_several_services_is_an_or(offerings):
    both = m.Provider.objects.offering(service("customer-experience"), service("data-annotation"))
    assert names(both) == ["Annotator", "Voice"]


def test_service_categories_and_leaves():
    assert m.Service.objects.categories().count() == 4
    assert m.Service.objects.leaves().count() == 17
    assert service("data-services").is_category
    assert not service("data-entry").is_category
    assert str(service("data-entry")) == "Data services → Data entry"


# --------------------------------------------------------------------------
# Where the work is done
# --------------------------------------------------------------------------


@pytest.fixture
def centres():
    nairobi = provider("Nairobi")
    DeliveryCentreFactory(provider=nairobi, country="KE", city="Nairobi")
    DeliveryCentreFactory(provider=nairobi, country="KE", city="Kisumu")
    kampala = provider("Kampala", hq_country="GB")
    DeliveryCentreFactory(provider=kampala, country="UG")
    cairo = provider("Cairo")
    DeliveryCentreFactory(provider=cairo, country="EG")
    manila = provider("Manila", hq_country="KE")
    DeliveryCentreFactory(provider=manila, country="PH")
    provider("Nowhere", hq_country="KE")


def test_delivering_in_a_country_looks_at_centres_not_headquarters(centres):
    assert names(m.Provider.objects.delivering_in("KE")) == ["Nairobi"]
    assert names(m.Provider.objects.delivering_in("KE", "PH")) == ["Manila", "Nairobi"]
    kenya = m.DeliveryCentre.objects.filter(country="KE").first().country
    assert names(m.Provider.objects.delivering_in(kenya)) == ["Nairobi"]
    assert names(m.Provider.objects.delivering_in("BR")) == []


def test_delivering_in_a_region_includes_its_sub_regions(centres):
    assert names(m.Provider.objects.delivering_in_region(region("eastern-africa"))) == [
        "Kampala",
        "Nairobi",
    ]
    assert names(m.Provider.objects.delivering_in_region(region("africa"))) == [
        "Cairo",
        "Kampala",
        "Nairobi",
    ]
    assert names(m.Provider.objects.delivering_in_region(region("asia").pk)) == ["Manila"]
    assert names(
        m.Provider.objects.delivering_in_region(region("northern-africa"), region("asia"))
    ) == ["Cairo", "Manila"]
    assert names(m.Provider.objects.delivering_in_region(region("europe"))) == []


# --------------------------------------------------------------------------
# Certifications
# --------------------------------------------------------------------------


def test_with_valid_certification_leaves_out_expired_and_not_yet_issued():
    iso = m.Certification.objects.get(slug="iso-27001")

    def holder(name, issued_on, expires_on):
        CertificationHoldingFactory(
            provider=provider(name), certification=iso, issued_on=issued_on, expires_on=expires_on
        )

    holder("Current", TODAY - 300 * DAY, TODAY + 60 * DAY)
    holder("Expires today", TODAY - 300 * DAY, TODAY)
    holder("Issued today", TODAY, TODAY + 300 * DAY)
    holder("No dates", None, None)
    holder("Expired yesterday", TODAY - 300 * DAY, TODAY - DAY)
    holder("Issued tomorrow", TODAY + DAY, TODAY + 300 * DAY)
    CertificationHoldingFactory(provider=provider("Other certificate"))

    valid = m.Provider.objects.with_valid_certification(iso, on=TODAY)
    assert names(valid) == ["Current", "Expires today", "Issued today", "No dates"]
    assert names(m.Provider.objects.with_valid_certification(iso.pk, on=TODAY + 61 * DAY)) == [
        "Issued today",
        "Issued tomorrow",
        "No dates",
    ]


def test_with_valid_certification_defaults_to_today_and_ors_certifications():
    today = timezone.localdate()
    iso, soc = (m.Certification.objects.get(slug=s) for s in ["iso-27001", "soc-2"])
    CertificationHoldingFactory(provider=provider("Iso"), certification=iso)
    CertificationHoldingFactory(provider=provider("Soc"), certification=soc)
    CertificationHoldingFactory(
        provider=provider("Lapsed"),
        certification=iso,
        issued_on=today - 400 * DAY,
        expires_on=today - DAY,
    )
    assert names(m.Provider.objects.with_valid_certification(iso)) == ["Iso"]
    assert names(m.Provider.objects.with_valid_certification(iso, soc)) == ["Iso", "Soc"]


def test_holding_valid_and_expired():
    cert = CertificationFactory()
    current = CertificationHoldingFactory(
        certification=cert, issued_on=TODAY - 10 * DAY, expires_on=TODAY
    )
    lapsed = CertificationHoldingFactory(
        certification=cert, issued_on=TODAY - 10 * DAY, expires_on=TODAY - DAY
    )
    future = CertificationHoldingFactory(
        certification=cert, issued_on=TODAY + DAY, expires_on=TODAY + 10 * DAY
    )
    open_ended = CertificationHoldingFactory(certification=cert, issued_on=None, expires_on=None)
    holdings = m.CertificationHolding.objects
    assert set(holdings.valid(on=TODAY)) == {current, open_ended}
    assert set(holdings.expired(on=TODAY)) == {lapsed}
    assert set(holdings.expired(on=TODAY + DAY)) == {lapsed, current}
    assert not current.is_expired(on=TODAY)
    assert current.is_expired(on=TODAY + DAY)
    assert not open_ended.is_expired(on=TODAY)
    assert not future.is_expired(on=TODAY)


# --------------------------------------------------------------------------
# Languages, target groups, pricing and delivery
# --------------------------------------------------------------------------


def test_speaking_any_of_the_languages():
    french = provider("French")
    french.languages.set(m.Language.objects.filter(code__in=["fr", "en"]))
    swahili = provider("Swahili")
    swahili.languages.set(m.Language.objects.filter(code="sw"))
    provider("Silent")
    assert names(m.Provider.objects.speaking("fr")) == ["French"]
    assert names(m.Provider.objects.speaking("sw", "fr")) == ["French", "Swahili"]
    assert names(m.Provider.objects.speaking("en", "fr")) == ["French"]
    assert names(m.Provider.objects.speaking("pt")) == []


def test_hiring_from_looks_only_at_the_latest_report():
    refugees = m.TargetGroup.objects.get(slug="refugees-displaced")
    disabled = m.TargetGroup.objects.get(slug="persons-with-disabilities")

    def reporter(name, group, *, year, latest):
        report = ImpactReportFactory(
            provider=m.Provider.objects.get_or_create(name=name, slug=slugify(name))[0],
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
            is_latest=latest,
        )
        m.ImpactReportGroup.objects.create(report=report, target_group=group, workers=5)

    reporter("Now", refugees, year=2025, latest=True)
    reporter("Formerly", refugees, year=2023, latest=False)
    reporter("Formerly", disabled, year=2024, latest=True)
    assert names(m.Provider.objects.hiring_from(refugees)) == ["Now"]
    assert names(m.Provider.objects.hiring_from(disabled.pk)) == ["Formerly"]
    assert names(m.Provider.objects.hiring_from(refugees, disabled)) == ["Formerly", "Now"]


def test_priced_by_and_delivered_as():
    per_fte, outcome = (m.PricingModel.objects.get(slug=s) for s in ["per-fte", "outcome-based"])
    remote, onsite = (m.DeliveryMode.objects.get(slug=s) for s in ["remote", "onsite"])
    a = provider("A")
    a.pricing_models.set([per_fte, outcome])
    a.delivery_modes.set([remote])
    b = provider("B")
    b.pricing_models.set([outcome])
    b.delivery_modes.set([onsite, remote])
    provider("C")
    assert names(m.Provider.objects.priced_by(per_fte)) == ["A"]
    assert names(m.Provider.objects.priced_by(outcome.pk)) == ["A", "B"]
    assert names(m.Provider.objects.priced_by(m.PricingModel.objects.get(slug="hybrid"))) == []
    assert names(m.Provider.objects.delivered_as(onsite)) == ["B"]
    assert names(m.Provider.objects.delivered_as(remote, onsite.pk)) == ["A", "B"]


# --------------------------------------------------------------------------
# Size and impact share
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workforce", "band"),
    [
        (None, None),
        (0, None),
        (1, "1-49"),
        (49, "1-49"),
        (50, "50-249"),
        (249, "50-249"),
        (250, "250-999"),
        (999, "250-999"),
        (1000, "1000-plus"),
        (250_000, "1000-plus"),
    ],
)
def test_size_band_for(workforce, band):
    assert m.size_band_for(workforce) == band


def test_in_size_band_at_the_band_edges():
    for size in [1, 49, 50, 249, 250, 999, 1000, 250_000]:
        provider(f"W{size:06d}", workforce=size)
    provider("Unknown", workforce=None)
    providers = m.Provider.objects
    assert names(providers.in_size_band("1-49")) == ["W000001", "W000049"]
    assert names(providers.in_size_band(m.SizeBand.MEDIUM)) == ["W000050", "W000249"]
    assert names(providers.in_size_band("250-999")) == ["W000250", "W000999"]
    assert names(providers.in_size_band("1000-plus")) == ["W001000", "W250000"]
    assert names(providers.in_size_band("1-49", "1000-plus")) == [
        "W000001",
        "W000049",
        "W001000",
        "W250000",
    ]
    assert providers.in_size_band().count() == 9
    for p in providers.exclude(workforce=None):
        assert providers.in_size_band(p.size_band).filter(pk=p.pk).exists()


def test_size_band_label():
    assert provider("Big", workforce=1200).size_band_label == m.SizeBand.XLARGE.label
    assert provider("Unknown", workforce=None).size_band_label == ""


def test_with_impact_share_at_least():
    for share in [None, 0, 49, 50, 100]:
        provider(f"S{share}", impact_share=share)
    assert names(m.Provider.objects.with_impact_share_at_least(50)) == ["S100", "S50"]
    assert names(m.Provider.objects.with_impact_share_at_least(0)) == ["S0", "S100", "S49", "S50"]
    assert names(m.Provider.objects.with_impact_share_at_least(100)) == ["S100"]


@pytest.mark.parametrize(
    ("workers", "employees", "share"),
    [
        (60, 100, 60),
        (0, 100, 0),
        (100, 100, 100),
        (1, 3, 33),
        (2, 3, 67),
        # Halves round up, like people round percentages (Python's round() would give 12).
        (1, 8, 13),
        (5, 8, 63),
        (1, 200, 1),
        (0, 0, None),
    ],
)
def test_impact_share_is_a_whole_percent(workers, employees, share):
    report = m.ImpactReport(impact_workers=workers, total_employees=employees)
    assert report.impact_share == share


# --------------------------------------------------------------------------
# Impact reports
# --------------------------------------------------------------------------


def make_report(owner, end, *, latest):
    return ImpactReportFactory(
        provider=owner, period_start=end.replace(month=1, day=1), period_end=end, is_latest=latest
    )


def test_with_latest_report_and_latest_per_provider():
    reporting = provider("Reporting")
    make_report(reporting, datetime.date(2023, 12, 31), latest=False)
    newest = make_report(reporting, datetime.date(2024, 12, 31), latest=True)
    other = make_report(provider("Other"), datetime.date(2022, 6, 30), latest=True)
    provider("Silent")

    annotated = {p.name: p.latest_report_id for p in m.Provider.objects.with_latest_report()}
    assert annotated == {"Reporting": newest.pk, "Other": other.pk, "Silent": None}
    assert set(m.ImpactReport.objects.latest_per_provider()) == {newest, other}


@pytest.mark.parametrize(
    ("on", "cutoff"),
    [
        (datetime.date(2026, 6, 15), datetime.date(2024, 6, 15)),
        (datetime.date(2026, 1, 1), datetime.date(2024, 1, 1)),
        (datetime.date(2026, 12, 31), datetime.date(2024, 12, 31)),
        (datetime.date(2026, 1, 31), datetime.date(2024, 1, 31)),
        (datetime.date(2026, 3, 29), datetime.date(2024, 3, 29)),
        # 24 months before a leap day is the last day of February.
        (datetime.date(2028, 2, 29), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 2, 28), datetime.date(2024, 2, 28)),
    ],
)
def test_stale_cutoff_is_24_months_before(on, cutoff):
    assert m.stale_cutoff(on) == cutoff


def test_stale_reports_ended_more_than_24_months_ago():
    on = datetime.date(2026, 1, 31)
    just_stale = make_report(provider("Old"), datetime.date(2024, 1, 30), latest=True)
    just_fresh = make_report(provider("Edge"), datetime.date(2024, 1, 31), latest=True)
    fresh = make_report(provider("New"), datetime.date(2025, 12, 31), latest=True)
    assert list(m.ImpactReport.objects.stale(on=on)) == [just_stale]
    assert just_stale.is_stale(on=on)
    assert not just_fresh.is_stale(on=on)
    assert not fresh.is_stale(on=on)


def test_stale_defaults_to_today():
    today = timezone.localdate()
    old = make_report(provider("Old"), datetime.date(today.year - 3, 12, 31), latest=True)
    make_report(provider("New"), datetime.date(today.year - 1, 12, 31), latest=True)
    assert list(m.ImpactReport.objects.stale()) == [old]
    assert old.is_stale()


def test_figure_codes_list_what_was_reported_with_iris_codes_in_order():
    report = ImpactReportFactory(
        total_employees=200,
        impact_workers=120,
        women_employees=90,
        min_wage_multiple=Decimal("1.50"),
        voluntary_turnover_pct=Decimal("12.50"),
    )
    assert report.figure_codes() == [
        ("total_employees", "OI8869"),
        ("impact_workers", ""),
        ("women_employees", ""),
        ("min_wage_multiple", "OI6176"),
        ("voluntary_turnover_pct", "OI1638"),
    ]


def test_figure_codes_include_zero_values():
    report = ImpactReportFactory(
        total_employees=10, impact_workers=0, employees_with_disabilities=0
    )
    assert [name for name, _code in report.figure_codes() if getattr(report, name) == 0] == [
        "impact_workers",
        "employees_with_disabilities",
    ]


# --------------------------------------------------------------------------
# Case studies
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "recent"), [(2026, True), (2025, True), (2024, True), (2023, False), (1999, False)]
)
def test_case_study_is_recent_for_three_years(year, recent):
    assert CaseStudyFactory(year=year).is_recent(on=TODAY) is recent


def test_case_study_is_recent_defaults_to_today():
    this_year = timezone.localdate().year
    assert CaseStudyFactory(year=this_year).is_recent()
    assert not CaseStudyFactory(year=this_year - 3).is_recent()


# --------------------------------------------------------------------------
# Verbs chain into one query
# --------------------------------------------------------------------------


def test_verbs_chain_into_a_single_query_without_duplicates(django_assert_num_queries):
    match = provider("Match", workforce=300, impact_share=70)
    for country in ["KE", "KE", "UG"]:
        DeliveryCentreFactory(provider=match, country=country)
    for slug in ["data-annotation", "data-entry"]:
        ProviderServiceFactory(provider=match, service=service(slug))
    match.languages.set(m.Language.objects.filter(code__in=["en", "sw"]))
    CertificationHoldingFactory(provider=match, certification=CertificationFactory())
    unpublished = provider("Draft", status=m.ListingStatus.DRAFT, workforce=300, impact_share=70)
    DeliveryCentreFactory(provider=unpublished, country="KE")
    ProviderServiceFactory(provider=unpublished, service=service("data-annotation"))

    data_services, east_africa = service("data-services").pk, region("eastern-africa").pk

    with django_assert_num_queries(1):
        found = list(
            m.Provider.objects.published()
            .offering(data_services)
            .delivering_in("KE", "UG")
            .delivering_in_region(east_africa)
            .speaking("en", "sw")
            .in_size_band("250-999")
            .with_impact_share_at_least(50)
            .with_latest_report()
        )
    assert found == [match]
