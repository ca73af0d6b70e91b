"""Shared by the open data tests: a fully populated listing, a build, and readers of its files."""

import csv
import datetime
import io
import json
from pathlib import Path

from django.utils import timezone

from providers import models as m
from providers.opendata.build import build_open_data
from providers.opendata.catalogue import HSDS_FILE_NAME
from providers.opendata.ids import stable_id
from providers.services.catalogue import provider_refresh_derived
from tests import factories as f

TODAY = datetime.date.today()


def full_listing(**overrides):
    """A published provider with every part open data publishes, some of each twice."""
    values = {
        "name": "Baobab Data Cooperative",
        "slug": "baobab-data",
        "tagline": "Data annotation from Accra and Kumasi",
        "description": "A fictional cooperative training young people without work experience.",
        "website": "https://baobab.example/",
        "founded_year": 2014,
        "hq_country": "GH",
        "legal_form": m.LegalForm.COOPERATIVE,
        "org_registry": "Registrar-General (fictional)",
        "org_number": "CS-000123",
        "workforce": 480,
        "contact_name": "Ama Fictional",
        "contact_email": "hello@baobab.example",
        "contact_phone": "+233 20 000 0000",
        "logo": "logos/baobab.png",
        "verified_at": timezone.now() - datetime.timedelta(days=40),
        "verification_notes": "Registration certificate checked.",
        "assured_date": TODAY - datetime.timedelta(days=5),
        "published_at": timezone.now() - datetime.timedelta(days=400),
    }
    values.update(overrides)
    provider = f.ProviderFactory(**values)
    category = f.ServiceCategoryFactory(name="Data things", slug="data-things")
    annotation = f.ServiceFactory(name="Image tagging", slug="image-tagging", parent=category)
    keying = f.ServiceFactory(name="Record keying", slug="record-keying", parent=category)
    f.ProviderServiceFactory(
        provider=provider, service=annotation, voice=m.VoiceKind.NON_VOICE, note="Bounding boxes"
    )
    f.ProviderServiceFactory(provider=provider, service=keying)
    english = f.LanguageFactory(code="en", name="English")
    twi = f.LanguageFactory(code="ak", name="Akan")
    provider.languages.add(english, twi)
    accra = f.DeliveryCentreFactory(
        provider=provider, country="GH", city="Accra", seats=300, headcount=400, impact_workers=250
    )
    accra.languages.add(english, twi)
    f.DeliveryCentreFactory(
        provider=provider, country="GH", city="Kumasi", seats=90, headcount=80, impact_workers=50
    )
    provider.pricing_models.add(m.PricingModel.objects.order_by("position").first())
    provider.delivery_modes.add(m.DeliveryMode.objects.order_by("position").first())
    provider.industries.add(m.Industry.objects.order_by("slug").first())
    provider.markets.add(m.Region.objects.filter(parent__isnull=True).order_by("slug").first())
    iso = f.CertificationFactory(
        name="ISO 27001 (test)", slug="iso-27001-test", category=m.CertificationCategory.SECURITY
    )
    f.CertificationHoldingFactory(
        provider=provider,
        certification=iso,
        scope="Accra centre",
        certificate_number="ISMS-1",
        verification=m.VerificationState.VERIFIED,
    )
    f.CertificationHoldingFactory(
        provider=provider,
        certification=iso,
        certificate_number="ISMS-0",
        issued_on=TODAY - datetime.timedelta(days=900),
        expires_on=TODAY - datetime.timedelta(days=10),
    )
    latest = f.ImpactReportFactory(
        provider=provider,
        total_employees=480,
        impact_workers=300,
        employees_with_disabilities=24,
        employees_low_income_areas=4,
        women_employees=260,
        living_wage_employees=410,
        min_wage_multiple="1.85",
        training_hours_per_employee="40.0",
        average_tenure_months="27.5",
        voluntary_turnover_pct="8.00",
        placement_rate_pct="31.00",
        provenance=m.Provenance.THIRD_PARTY,
        verifier="Fictional Audit Ltd",
        verified_on=TODAY - datetime.timedelta(days=100),
    )
    youth = f.TargetGroupFactory(name="Youth without work experience", slug="youth-test")
    rural = f.TargetGroupFactory(name="Rural people", slug="rural-test")
    m.ImpactReportGroup.objects.create(report=latest, target_group=youth, workers=200)
    m.ImpactReportGroup.objects.create(report=latest, target_group=rural, workers=100)
    earlier = f.ImpactReportFactory(
        provider=provider,
        period_start=datetime.date(TODAY.year - 4, 1, 1),
        period_end=datetime.date(TODAY.year - 4, 12, 31),
        total_employees=300,
        impact_workers=6,
        is_latest=False,
    )
    m.ImpactReportGroup.objects.create(report=earlier, target_group=youth, workers=6)
    f.CaseStudyFactory(
        provider=provider,
        title="Labelling crop images",
        client_industry=m.Industry.objects.order_by("slug").first(),
        service=annotation,
        client_quote="They delivered.",
        quote_attribution="A fictional client",
    )
    provider_refresh_derived(provider=provider)
    provider.refresh_from_db()
    return provider


def build(root: Path, **kwargs):
    return build_open_data(root=root, **kwargs)


def hsds_document(root: Path) -> dict:
    return json.loads((root / "current" / HSDS_FILE_NAME).read_text())


def hsds_organization(root: Path, provider) -> dict:
    wanted = stable_id("provider", provider.pk)
    return next(o for o in hsds_document(root)["organizations"] if o["id"] == wanted)


def table(root: Path, name: str) -> list[dict]:
    text = (root / "current" / f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def published_names(root: Path) -> list[str]:
    """Every file a snapshot serves (the .gz twins and the manifest are not listed)."""
    manifest = json.loads((root / "current" / "manifest.json").read_text())
    return [entry["name"] for entry in manifest["files"]]
