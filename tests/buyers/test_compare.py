import datetime

import pytest
from django.urls import reverse

from providers.models import ListingStatus, Provenance
from tests.factories import (
    CertificationFactory,
    CertificationHoldingFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    ProviderFactory,
    ProviderServiceFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def compare_url(*slugs, **extra):
    query = "&".join([f"p={s}" for s in slugs] + [f"{k}={v}" for k, v in extra.items()])
    return f"{reverse('buyers:compare')}?{query}"


def row_html(html, label):
    start = html.index(label)
    return html[html.rfind("<tr", 0, start) : html.index("</tr>", start)]


@pytest.fixture
def two_providers(db):
    today = datetime.date.today()
    annotation = ServiceFactory(name="Data annotation", slug="data-annotation")
    voice = ServiceFactory(name="Voice support", slug="voice-support")
    iso = CertificationFactory(name="Secure Ops Mark", slug="secure-ops-mark")
    a = ProviderFactory(name="Alpha Annotation", slug="alpha", workforce=120)
    b = ProviderFactory(name="Bravo BPO", slug="bravo", workforce=120)
    ProviderServiceFactory(provider=a, service=annotation)
    ProviderServiceFactory(provider=b, service=annotation)
    ProviderServiceFactory(provider=b, service=voice)
    DeliveryCentreFactory(provider=a, country="KE")
    DeliveryCentreFactory(provider=b, country="UG", city="Kampala")
    CertificationHoldingFactory(
        provider=a, certification=iso, expires_on=today + datetime.timedelta(days=200)
    )
    CertificationHoldingFactory(
        provider=b,
        certification=iso,
        issued_on=today - datetime.timedelta(days=900),
        expires_on=today - datetime.timedelta(days=10),
    )
    ImpactReportFactory(
        provider=a,
        total_employees=100,
        impact_workers=60,
        provenance=Provenance.THIRD_PARTY,
        verifier="Impact Audit Ltd",
    )
    ImpactReportFactory(
        provider=b,
        period_start=datetime.date(today.year - 4, 1, 1),
        period_end=datetime.date(today.year - 4, 12, 31),
        total_employees=100,
        impact_workers=60,
    )
    return a, b


def test_side_by_side_with_differences_marked(client, two_providers, django_assert_max_num_queries):
    a, b = two_providers
    with django_assert_max_num_queries(12):
        response = client.get(compare_url("alpha", "bravo"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Alpha Annotation") < html.index("Bravo BPO")
    services = row_html(html, '<th scope="row">Services')
    assert 'class="differs"' in services and "Voice support" in services
    workforce = row_html(html, '<th scope="row">Workforce')
    assert 'class="differs"' not in workforce and "120" in workforce
    countries = row_html(html, "Delivery countries")
    assert "Kenya" in countries and "Uganda" in countries
    certs = row_html(html, '<th scope="row">Certifications')
    assert "Secure Ops Mark (expires" in certs and "expired</span>" in certs
    period = row_html(html, "Reporting period")
    assert period.count("stale</span>") == 1
    provenance = row_html(html, '<th scope="row">Provenance')
    assert "Third-party verified (provider&#x27;s claim): Impact Audit Ltd" in provenance
    assert "Self-reported" in provenance
    assert "IRIS+ OI8869" in html
    share = row_html(html, "Impact-worker share")
    assert share.count("60%") == 2 and 'class="differs"' not in share


def test_only_differences(client, two_providers):
    html = client.get(compare_url("alpha", "bravo", diff=1)).content.decode()
    assert "Voice support" in html
    assert "Impact-worker share" not in html
    assert "Show all rows" in html


def test_unknown_unpublished_and_too_many_are_reported(client, two_providers):
    ProviderFactory(slug="draft-one", name="Secret Draft", status=ListingStatus.DRAFT)
    for n in range(4):
        ProviderFactory(slug=f"extra-{n}")
    response = client.get(compare_url("alpha", "nope", "draft-one", "bravo", "alpha"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "could not be found or are not published" in html
    assert "<code>nope</code>" in html and "<code>draft-one</code>" in html
    assert "Secret Draft" not in html
    assert "Alpha Annotation" in html and "Bravo BPO" in html

    response = client.get(compare_url("alpha", "bravo", "extra-0", "extra-1", "extra-2", "extra-3"))
    html = response.content.decode()
    assert "At most 5 providers can be compared" in html and "extra-3" in html


@pytest.mark.parametrize(
    "query", ["", "p=alpha", "p=", "p=%00", "p=" + "x" * 5000, "p=alpha&p=alpha"]
)
def test_fewer_than_two_is_explained_not_an_error(client, two_providers, query):
    response = client.get(f"{reverse('buyers:compare')}?{query}")
    assert response.status_code == 200
    assert "Choose between 2 and 5 published providers" in response.content.decode()


def _differs(comparison, label):
    [row] = [row for row in comparison.rows if row.label == label]
    return row.differs


def test_only_differences_that_matter_are_marked():
    from buyers.selectors import provider_compare

    today = datetime.date.today()
    annotation = ServiceFactory(name="Annotation", slug="annotation-m")
    voice = ServiceFactory(name="Voice", slug="voice-m")
    a = ProviderFactory(
        slug="matter-a",
        workforce=120,
        founded_year=2010,
        assured_date=today - datetime.timedelta(days=3),
    )
    b = ProviderFactory(
        slug="matter-b",
        workforce=130,
        founded_year=2012,
        assured_date=today - datetime.timedelta(days=40),
    )
    for provider, services in ((a, [annotation, voice]), (b, [voice, annotation])):
        for service in services:
            ProviderServiceFactory(provider=provider, service=service)
    ImpactReportFactory(provider=a, total_employees=100, impact_workers=60)
    ImpactReportFactory(provider=b, total_employees=100, impact_workers=62)

    close = provider_compare(slugs=["matter-a", "matter-b"])

    # Same size band, same services in another order, 2 points apart, both confirmed
    # recently, founded 2 years apart, same period: nothing worth marking.
    for label in (
        "Workforce",
        "Services",
        "Impact-worker share",
        "Last confirmed by the provider",
        "Founded",
        "Reporting period",
    ):
        assert not _differs(close, label), label
    assert not _differs(close, "Impact workers")

    b.workforce, b.founded_year = 5000, 2020
    b.assured_date = today - datetime.timedelta(days=365 * 3)
    b.save()
    report = b.reports.get()
    report.impact_workers, report.total_employees = 90, 100
    report.save()
    ProviderServiceFactory(provider=b, service=ServiceFactory(slug="extra-m"))

    far = provider_compare(slugs=["matter-a", "matter-b"])

    for label in (
        "Workforce",
        "Services",
        "Impact-worker share",
        "Last confirmed by the provider",
        "Founded",
    ):
        assert _differs(far, label), label
    assert _differs(far, "Impact workers")  # 60 and 90: half as many again
