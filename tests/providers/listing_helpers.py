"""Shared set-up for the ISSP self-service tests: complete listings and crafted files."""

import datetime
import io

from PIL import Image

from providers.models import ListingStatus, MembershipRole
from tests.factories import (
    CaseStudyFactory,
    DeliveryCentreFactory,
    ImpactReportFactory,
    IsspUserFactory,
    LanguageFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderServiceFactory,
    StaffFactory,
)


def listing_with_owner(status=ListingStatus.DRAFT, complete=False, **provider_fields):
    """A provider with an owner; `complete` fills every part the checklist requires."""
    provider = ProviderFactory(status=status, **provider_fields)
    owner = IsspUserFactory()
    MembershipFactory(provider=provider, user=owner, role=MembershipRole.OWNER)
    if complete:
        ProviderServiceFactory(provider=provider)
        DeliveryCentreFactory(provider=provider)
        provider.languages.add(LanguageFactory())
        ImpactReportFactory(provider=provider)
        CaseStudyFactory(provider=provider)
    return provider, owner


def admin_user():
    return StaffFactory(email="operator@impactdir.example")


def image_bytes(fmt="PNG", size=(64, 48), mode="RGB", **save_args):
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 60) if mode == "RGB" else None).save(
        buffer, format=fmt, **save_args
    )
    return buffer.getvalue()


def report_values(**overrides):
    values = {
        "period_start": datetime.date(2025, 1, 1),
        "period_end": datetime.date(2025, 12, 31),
        "impact_worker_definition": "Hired from a target group.",
        "total_employees": 200,
        "impact_workers": 120,
        "provenance": "self-reported",
    }
    values.update(overrides)
    return values


def pdf_bytes(change=None) -> bytes:
    """A real one-page PDF written by pypdf; `change(writer)` may add to it first."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if change is not None:
        change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def stored_evidence(
    content: bytes | None = None, *, folder="evidence/certifications", extension="pdf"
) -> str:
    """Store a real evidence file in private storage, as an upload would; return its name."""
    from providers import uploads

    clean = uploads.CleanEvidence(content or pdf_bytes(), extension)
    return uploads.evidence_store(clean, folder=folder)
