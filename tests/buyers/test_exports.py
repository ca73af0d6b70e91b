import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from buyers import services
from buyers.exports import COLUMNS, safe_cell
from providers.models import ListingStatus, Provenance, Provider
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


def read_csv(response):
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+254 700", "'+254 700"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Plain text = fine", "Plain text = fine"),
        (None, ""),
        (42, "42"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_shortlist_export_content_order_notes_and_injection(buyer_client, buyer):
    service = ServiceFactory(name="Data annotation", slug="data-annotation-x")
    cert = CertificationFactory(name="Quality Mark", slug="quality-mark-x")
    evil = ProviderFactory(
        name="=cmd|' /C calc'!A0", slug="evil", tagline="+1 555", website="https://evil.example"
    )
    good = ProviderFactory(name="Good Works", slug="good-works", workforce=300)
    ProviderServiceFactory(provider=good, service=service)
    DeliveryCentreFactory(provider=good, country="KE")
    DeliveryCentreFactory(provider=good, country="UG")
    CertificationHoldingFactory(provider=good, certification=cert)
    report = ImpactReportFactory(
        provider=good,
        total_employees=250,
        impact_workers=150,
        employees_with_disabilities=12,
        provenance=Provenance.THIRD_PARTY,
        verifier="Audit Co",
    )
    Provider.objects.filter(pk=good.pk).update(impact_share=60)
    shortlist = services.shortlist_create(owner=buyer, name="For ESG")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=good, note="@call Monday")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=evil, note="-maybe")

    rows = read_csv(buyer_client.get(reverse("buyers:shortlist_export", args=[shortlist.pk])))
    assert [r["slug"] for r in rows] == ["good-works", "evil"]
    first, second = rows
    assert list(first) == [name for name, _d, _g in COLUMNS] + [
        "shortlist_position",
        "shortlist_note",
        "shortlist_group_notes",
    ]
    assert first["shortlist_note"] == "'@call Monday"
    assert first["shortlist_position"] == "1"
    assert first["services"] == "Data annotation"
    assert first["delivery_countries"] == "Kenya; Uganda"
    assert first["certifications"].startswith("Quality Mark (")
    assert first["OI8869_total_employees"] == "250"
    assert first["impact_workers"] == "150"
    assert first["OI2003_employees_with_disabilities"] == "12"
    assert first["report_period_end"] == report.period_end.isoformat()
    assert first["report_provenance"] == "third-party"
    assert first["report_verifier"] == "Audit Co"
    assert first["report_stale"] == "no"
    assert first["impact_share_pct"] == "60"
    assert first["profile_url"].endswith("/providers/good-works/")
    assert second["name"] == "'=cmd|' /C calc'!A0"
    assert second["tagline"] == "'+1 555"
    assert second["shortlist_note"] == "'-maybe"
    assert second["OI8869_total_employees"] == ""


def test_shortlist_export_leaves_out_unpublished(buyer_client, buyer, provider):
    hidden = ProviderFactory(slug="hidden")
    shortlist = services.shortlist_create(owner=buyer, name="Mixed")
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=provider)
    services.shortlist_add(shortlist=shortlist, user=buyer, provider=hidden)
    Provider.objects.filter(pk=hidden.pk).update(status=ListingStatus.SUSPENDED)
    rows = read_csv(buyer_client.get(reverse("buyers:shortlist_export", args=[shortlist.pk])))
    assert [r["slug"] for r in rows] == [provider.slug]


def test_search_export_has_every_match_not_just_a_page(buyer_client):
    for n in range(25):
        p = ProviderFactory(name=f"Kenya Provider {n:02d}", slug=f"ke-{n:02d}")
        DeliveryCentreFactory(provider=p, country="KE")
    for n in range(3):
        p = ProviderFactory(name=f"Peru Provider {n}", slug=f"pe-{n}")
        DeliveryCentreFactory(provider=p, country="PE")
    ProviderFactory(slug="ke-draft", status=ListingStatus.DRAFT)
    response = buyer_client.get(reverse("buyers:export_search") + "?country=KE&sort=name&page=2")
    rows = read_csv(response)
    assert [r["slug"] for r in rows] == [f"ke-{n:02d}" for n in range(25)]


def test_search_export_ignores_malformed_parameters(buyer_client, provider):
    response = buyer_client.get(
        reverse("buyers:export_search")
        + "?country=ZZZ&impact_min=lots&size=huge&sort=%00&service=%00"
    )
    assert response.status_code == 200
    assert [r["slug"] for r in read_csv(response)] == [provider.slug]
    response = buyer_client.get(reverse("buyers:export_search") + "?q=Kisumu%00")
    assert response.status_code == 200
    read_csv(response)


def test_search_export_needs_login(client, provider):
    response = client.get(reverse("buyers:export_search"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_large_result_is_streamed_in_chunks(buyer_client, django_assert_max_num_queries):
    Provider.objects.bulk_create(
        [
            Provider(
                name=f"Bulk Provider {n:04d}",
                slug=f"bulk-{n:04d}",
                status=ListingStatus.PUBLISHED,
                tagline="=1+1" if n % 500 == 0 else "Data services",
                workforce=50 + n,
            )
            for n in range(2000)
        ]
    )
    response = buyer_client.get(reverse("buyers:export_search") + "?sort=name")
    assert isinstance(response, StreamingHttpResponse)
    # Nothing is read before the body is consumed; then 4 chunks of 500 providers,
    # each with a fixed number of prefetch queries, not one query per provider.
    with django_assert_max_num_queries(60):
        lines = 0
        injected = 0
        for chunk in response.streaming_content:
            lines += 1
            injected += chunk.count(b"'=1+1")
    assert lines == 2001
    assert injected == 4
