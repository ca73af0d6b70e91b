"""The public profile page `/providers/<slug>/` and its selector."""

import datetime
import json
import re

import pytest
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import server_error

from providers import models as m
from providers.selectors import provider_profile
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _years_ago(years, month=12, day=31):
    return datetime.date(TODAY.year - years, month, day)


@pytest.fixture
def full_provider():
    """A published provider with several of every part a profile shows."""
    provider = f.ProviderFactory(
        name="Savannah Data Works",
        slug="savannah-data-works",
        tagline="Data annotation from Nairobi and Kampala",
        description="A fictional social enterprise training rural youth.",
        website="https://savannah.example",
        founded_year=2012,
        hq_country="KE",
        workforce=640,
        contact_name="Amina Fictional",
        contact_email="hello@savannah.example",
        contact_phone="+254 700 000000",
        verified_at=timezone.now() - datetime.timedelta(days=30),
        verification_notes="Registration and payroll summary checked.",
        assured_date=TODAY - datetime.timedelta(days=10),
    )
    data_cat = f.ServiceCategoryFactory(name="Data things", slug="data-things")
    cx_cat = f.ServiceCategoryFactory(name="Customer things", slug="customer-things")
    for name, cat in [
        ("Image tagging", data_cat),
        ("Record keying", data_cat),
        ("Phone care", cx_cat),
        ("Chat care", cx_cat),
    ]:
        f.ProviderServiceFactory(
            provider=provider,
            service=f.ServiceFactory(name=name, slug=name.lower().replace(" ", "-"), parent=cat),
            note=f"{name} note",
        )
    english = f.LanguageFactory(code="en", name="English")
    swahili = f.LanguageFactory(code="sw", name="Swahili")
    french = f.LanguageFactory(code="fr", name="French")
    provider.languages.add(english, swahili, french)
    for city, country, workers, langs in [
        ("Nairobi", "KE", 300, [english, swahili]),
        ("Kampala", "UG", 120, [english]),
        ("Kigali", "RW", 7, [french, english]),
    ]:
        centre = f.DeliveryCentreFactory(
            provider=provider,
            country=country,
            city=city,
            headcount=max(workers, 50),
            impact_workers=workers,
        )
        centre.languages.add(*langs)
    provider.pricing_models.add(*m.PricingModel.objects.all()[:2])
    provider.delivery_modes.add(*m.DeliveryMode.objects.all()[:2])
    provider.industries.add(*m.Industry.objects.all()[:3])
    provider.markets.add(*m.Region.objects.filter(parent__isnull=True)[:2])
    f.CertificationHoldingFactory(
        provider=provider,
        certification=f.CertificationFactory(name="Valid Security Cert", slug="valid-sec"),
        verification=m.VerificationState.VERIFIED,
    )
    f.CertificationHoldingFactory(
        provider=provider,
        certification=f.CertificationFactory(name="Lapsed Quality Cert", slug="lapsed-q"),
        issued_on=TODAY - datetime.timedelta(days=1000),
        expires_on=TODAY - datetime.timedelta(days=5),
    )
    groups = [
        f.TargetGroupFactory(name="Rural youth test group", slug="rural-youth-t"),
        f.TargetGroupFactory(name="Refugees test group", slug="refugees-t"),
    ]
    for years, latest in [(3, False), (2, False), (1, True)]:
        report = f.ImpactReportFactory(
            provider=provider,
            period_start=_years_ago(years, 1, 1),
            period_end=_years_ago(years),
            total_employees=600,
            impact_workers=400 + years,
            employees_with_disabilities=4,
            min_wage_multiple="1.80",
            is_latest=latest,
            provenance=m.Provenance.THIRD_PARTY,
            verifier="Fictional Audit Ltd",
        )
        m.ImpactReportGroup.objects.create(report=report, target_group=groups[0], workers=380)
        m.ImpactReportGroup.objects.create(report=report, target_group=groups[1], workers=3)
    f.CaseStudyFactory(
        provider=provider,
        title="Recent annotation project",
        year=TODAY.year - 1,
        client_quote="They delivered.",
        quote_attribution="A fictional client",
    )
    f.CaseStudyFactory(provider=provider, title="Old digitisation project", year=TODAY.year - 6)
    return provider


def _get(client, provider):
    return client.get(reverse("providers:detail", kwargs={"slug": provider.slug}))


@pytest.mark.parametrize(
    "status",
    [
        m.ListingStatus.DRAFT,
        m.ListingStatus.SUBMITTED,
        m.ListingStatus.REJECTED,
        m.ListingStatus.SUSPENDED,
        m.ListingStatus.INACTIVE,
    ],
)
def test_unpublished_listings_are_not_found(client, status):
    provider = f.ProviderFactory(status=status, rejection_reason="Incomplete.")

    response = _get(client, provider)

    assert response.status_code == 404
    assert provider.name not in response.content.decode()


def test_unknown_slug_is_not_found_with_our_page(client):
    response = client.get("/providers/no-such-provider/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_profile_only_accepts_get(client, full_provider):
    response = client.post(full_provider.get_absolute_url())

    assert response.status_code == 405


def test_published_profile_shows_every_section(client, full_provider):
    response = _get(client, full_provider)
    html = response.content.decode()

    assert response.status_code == 200
    for text in [
        "Savannah Data Works",
        "Data annotation from Nairobi and Kampala",
        # services, grouped by category, with notes
        "Data things",
        "Customer things",
        "Image tagging",
        "Chat care note",
        # delivery centres with their languages
        "Nairobi, Kenya",
        "Kampala, Uganda",
        "Kigali, Rwanda",
        "English, French",
        # languages, size, pricing, delivery modes, industries, markets
        "Swahili",
        "640",
        "250–999 people",
        m.PricingModel.objects.order_by("position", "name").first().name,
        m.DeliveryMode.objects.order_by("position", "name").first().name,
        m.Industry.objects.order_by("name").first().name,
        # certifications
        "Valid Security Cert",
        "Lapsed Quality Cert",
        # impact: figures with IRIS+ codes, provenance, groups, definition, history
        "OI8869",
        "OI6176",
        "1.8",
        "Third-party verified (provider&#x27;s claim)",
        "Fictional Audit Ltd",
        "Rural youth test group",
        "People hired from a target group at the time of hiring.",
        "Earlier reports",
        # case studies, the recent one marked
        "Recent annotation project",
        "Old digitisation project",
        "They delivered.",
        # contact and verification
        "hello@savannah.example",
        "Amina Fictional",
        "https://savannah.example",
        "Verified by the directory on",
        "Registration and payroll summary checked.",
        "Last confirmed by the provider on",
    ]:
        assert text in html, text


def test_profile_lists_parts_in_a_stable_order(full_provider):
    profile = provider_profile(slug=full_provider.slug)

    assert [c.name for c in profile.services] == ["Customer things", "Data things"]
    data = next(c for c in profile.services if c.name == "Data things")
    assert [s.name for s in data.services] == ["Image tagging", "Record keying"]
    assert [c.city for c in profile.centres] == ["Nairobi", "Kigali", "Kampala"]
    assert profile.centres[1].languages == ["English", "French"]
    assert [c.name for c in profile.certifications] == [
        "Valid Security Cert",
        "Lapsed Quality Cert",
    ]
    assert [s.title for s in profile.case_studies] == [
        "Recent annotation project",
        "Old digitisation project",
    ]
    assert [s.is_recent for s in profile.case_studies] == [True, False]
    assert [r.period_end.year for r in profile.earlier_reports] == [
        TODAY.year - 2,
        TODAY.year - 3,
    ]
    assert profile.impact.period_end == _years_ago(1)
    assert profile.impact.impact_share.value == round(100 * 401 / 600)
    # Target groups keep the taxonomy's order (position, then name).
    assert [g.name for g in profile.impact.groups] == [
        "Refugees test group",
        "Rural youth test group",
    ]


def test_expired_certification_is_marked(client, full_provider):
    html = _get(client, full_provider).content.decode()

    lapsed = html[html.index("Lapsed Quality Cert") :]
    lapsed = lapsed[: lapsed.index("</li>")]
    valid = html[html.index("Valid Security Cert") :]
    valid = valid[: valid.index("</li>")]
    assert "Expired" in lapsed
    assert "Expired" not in valid
    assert "Valid until" in valid


def test_stale_report_is_marked_with_its_period(client):
    provider = f.ProviderFactory()
    f.ImpactReportFactory(
        provider=provider,
        period_start=_years_ago(4, 1, 1),
        period_end=_years_ago(4),
    )

    html = _get(client, provider).content.decode()

    assert "badge--stale" in html
    assert "more than 24 months old" in html
    assert f"January {TODAY.year - 4} – December {TODAY.year - 4}" in html


def test_recent_report_is_not_marked_stale(client):
    provider = f.ProviderFactory()
    f.ImpactReportFactory(provider=provider, period_end=_years_ago(1))

    html = _get(client, provider).content.decode()

    assert "badge--stale" not in html
    assert f"January {TODAY.year - 1} – December {TODAY.year - 1}" in html


def _visible_numbers(html):
    """Every number a reader sees, outside tags and the JSON-LD script."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return set(re.findall(r"(?<![\w.,])\d[\d,]*(?![\w,]|\.\d)", text))


def test_small_centre_count_is_banded_never_exact(client):
    provider = f.ProviderFactory(workforce=300, founded_year=2015)
    f.DeliveryCentreFactory(
        provider=provider, country="RW", city="Kigali", seats=40, headcount=40, impact_workers=7
    )
    f.DeliveryCentreFactory(
        provider=provider, country="KE", city="Nairobi", seats=80, headcount=100, impact_workers=60
    )

    html = _get(client, provider).content.decode()

    kigali_row = html[html.index("Kigali, Rwanda") :]
    kigali_row = kigali_row[: kigali_row.index("</tr>")]
    assert "fewer than 10" in kigali_row
    assert "7" not in _visible_numbers(html)
    assert "60" in _visible_numbers(html)


def test_small_workforce_is_banded_on_the_page_and_in_jsonld(client):
    provider = f.ProviderFactory(workforce=6, founded_year=2015)
    f.DeliveryCentreFactory(provider=provider, seats=20, headcount=6, impact_workers=5)
    f.ImpactReportFactory(provider=provider, total_employees=6, impact_workers=5)

    html = _get(client, provider).content.decode()

    assert not {"5", "6"} & _visible_numbers(html)
    assert "fewer than 10" in html
    assert _jsonld(html)["numberOfEmployees"] == {
        "@type": "QuantitativeValue",
        "minValue": 1,
        "maxValue": 9,
    }


def test_small_target_group_counts_are_banded(client, full_provider):
    html = _get(client, full_provider).content.decode()

    refugees = html[html.index("Refugees test group") :]
    refugees = refugees[: refugees.index("</li>")]
    assert "fewer than 10" in refugees
    # 3 refugees and 4 employees with disabilities are never shown exactly.
    assert not {"3", "4"} & _visible_numbers(html)


def _jsonld(html):
    match = re.search(
        r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html, re.S
    )
    assert match, "no JSON-LD script with a nonce"
    return json.loads(match.group(1))


def test_jsonld_describes_the_organization(client, full_provider):
    data = _jsonld(_get(client, full_provider).content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization"
    assert data["name"] == "Savannah Data Works"
    assert data["url"] == "http://testserver/providers/savannah-data-works/"
    assert data["description"] == "A fictional social enterprise training rural youth."
    assert data["foundingDate"] == "2012"
    assert data["address"] == {"@type": "PostalAddress", "addressCountry": "KE"}
    assert data["sameAs"] == ["https://savannah.example"]
    assert data["numberOfEmployees"] == {"@type": "QuantitativeValue", "value": 640}


def test_profile_names_its_canonical_address(client, full_provider, settings):
    settings.SITE_URL = "https://impactdir.example"
    html = client.get(full_provider.get_absolute_url() + "?utm_source=x").content.decode()

    canonical = (
        '<link rel="canonical" href="https://impactdir.example/providers/savannah-data-works/">'
    )
    assert html.count('rel="canonical"') == 1
    assert canonical in html


def test_jsonld_includes_the_logo_url(client, full_provider):
    full_provider.logo.name = "logos/savannah.png"
    full_provider.save()

    data = _jsonld(_get(client, full_provider).content.decode())

    assert data["logo"] == "http://testserver/media/logos/savannah.png"


def test_a_hostile_name_cannot_break_out_of_the_jsonld(client):
    hostile = "</script><script>alert(1)</script> & <!--"
    provider = f.ProviderFactory(name=hostile, description=hostile)

    html = _get(client, provider).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert html.count("<script") == html.count("</script>")
    data = _jsonld(html)
    assert data["name"] == hostile
    assert data["description"] == hostile
    script = re.search(r'application/ld\+json" nonce="[^"]+">(.*?)</script>', html, re.S)
    assert "\\u003c/script\\u003e" in script.group(1)
    assert "\\u0026" in script.group(1)


def test_profile_without_parts_renders(client):
    provider = f.ProviderFactory(workforce=None, hq_country="", contact_email="", description="")

    response = _get(client, provider)
    html = response.content.decode()

    assert response.status_code == 200
    assert "No impact report yet" in html
    assert "% impact workers" not in html
    assert "No delivery centres listed yet." in html
    data = _jsonld(html)
    assert "numberOfEmployees" not in data
    assert "address" not in data


def test_profile_page_runs_at_most_four_queries(
    client, full_provider, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = _get(client, full_provider)

    assert response.status_code == 200
    assert "Kigali, Rwanda" in response.content.decode()


def test_query_count_does_not_grow_with_the_listing(
    client, full_provider, django_assert_max_num_queries
):
    for year in range(5):
        f.CaseStudyFactory(provider=full_provider, year=TODAY.year - year)
        f.DeliveryCentreFactory(provider=full_provider, country="GH", city=f"Town {year}")
        f.CertificationHoldingFactory(provider=full_provider)

    with django_assert_max_num_queries(4):
        response = _get(client, full_provider)

    assert response.content.decode().count("Town ") >= 5


def test_selector_refuses_unpublished(full_provider):
    full_provider.status = m.ListingStatus.SUSPENDED
    full_provider.save()

    with pytest.raises(m.Provider.DoesNotExist):
        provider_profile(slug=full_provider.slug)


def test_server_error_page_renders_without_a_request():
    # Django's 500 handler renders with an empty context: no request, no user.
    html = loader.get_template("500.html").render()

    assert "Something went wrong" in html
    assert "<script" not in html


def test_server_error_page_survives_a_missing_static_manifest(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = "/nonexistent-static-root"

    html = loader.get_template("500.html").render()

    assert 'href="/static/css/site.css"' in html


def test_server_error_handler_uses_our_page(rf):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_anonymous_visitor_is_offered_login_to_shortlist(client, full_provider):
    html = _get(client, full_provider).content.decode()

    assert "Log in to shortlist" in html
    assert f"?provider={full_provider.slug}" in html


def test_logged_in_buyer_can_shortlist_from_the_profile(
    client, full_provider, django_assert_max_num_queries
):
    client.force_login(f.BuyerFactory())

    with django_assert_max_num_queries(4):
        # user, the profile's two queries, the buyer's shortlists (the session comes from cache)
        html = _get(client, full_provider).content.decode()

    assert "Add to shortlist" in html
    assert 'href="/shortlists/"' in html


def test_selector_reads_a_full_profile_in_two_queries(full_provider, django_assert_num_queries):
    with django_assert_num_queries(2):
        profile = provider_profile(slug=full_provider.slug)

    assert len(profile.centres) == 3
    assert len(profile.certifications) == 2


def test_profiles_of_two_providers_do_not_mix(full_provider):
    other = f.ProviderFactory(name="Other Fictional")
    f.DeliveryCentreFactory(provider=other, country="GH", city="Accra")

    first = provider_profile(slug=full_provider.slug)
    second = provider_profile(slug=other.slug)

    assert [c.city for c in second.centres] == ["Accra"]
    assert second.certifications == []
    assert second.case_studies == []
    assert "Accra" not in [c.city for c in first.centres]


def test_logged_in_issp_user_profile_stays_within_four_queries(
    client, full_provider, django_assert_max_num_queries
):
    client.force_login(f.IsspUserFactory())

    with django_assert_max_num_queries(4):
        # session, user and the profile's two queries (ISSP staff shortlist partners too)
        html = _get(client, full_provider).content.decode()

    assert "Dashboard" in html
    assert "Add to shortlist" in html
