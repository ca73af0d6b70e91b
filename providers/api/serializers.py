"""What the JSON API returns: its response schemas (the OpenAPI document is built from
them) and the functions that turn search results and profiles into them.

The vocabulary is open data's (providers/opendata): the same UUIDs, taxonomy terms
as `{"id", "code", "name"}`, every count of people as `{"value", "status"}` with
the value only when the disclosure rule shows it exactly, dates as ISO 8601. Codes
are the values the search parameters take, so a term in a response can be given
back as a filter.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from ninja import Field, Schema

from providers import disclosure
from providers.disclosure import Shown
from providers.models import LegalForm
from providers.opendata.ids import stable_id

from .selectors import provider_uuid

Status = Literal["exact", "banded", "withheld", "missing"]


class Figure(Schema):
    """A count of people (or a share of one) as the disclosure rule shows it."""

    value: int | float | None = Field(
        description="The figure, only when `status` is `exact`; otherwise null."
    )
    status: Status = Field(
        description="`exact`; `banded`: fewer than 10 people; `withheld`: hidden so that no "
        "banded figure can be worked out from the others; `missing`: not reported."
    )


class TermOut(Schema):
    id: str | None = Field(None, description="The term's UUID in open data (terms.csv).")
    code: str = Field(description="The value the matching search parameter takes.")
    name: str


class ErrorItem(Schema):
    parameter: str | None = Field(description="The query parameter at fault, if one is.")
    value: str | None = Field(None, description="The value given (shortened), if any.")
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


class ReportPeriod(Schema):
    start: datetime.date
    end: datetime.date


class ProviderItem(Schema):
    id: str = Field(description="Stable UUID, the same as in open data.")
    slug: str = Field(description="The provider's identifier in ImpactDir URLs (may change).")
    name: str
    tagline: str
    url: str = Field(description="This provider in the API.")
    profile_url: str = Field(description="The public profile page.")
    verified: bool
    provider_type: Literal["dedicated", "programme"] | None = Field(
        description="dedicated: a dedicated impact sourcing provider; programme: the impact "
        "sourcing programme of a traditional outsourcing company (its centres and figures are "
        "the programme's own); null when not stated."
    )
    parent_company: str = Field(description="For a programme: the company that runs it.")
    workforce: Figure
    size_band: Literal["1-49", "50-249", "250-999", "1000-plus"] | None
    impact_share: Figure = Field(
        description="Impact workers as a whole percent of all employees in the latest report."
    )
    report_period: ReportPeriod | None = Field(description="Period of the latest impact report.")
    services: list[TermOut]
    delivery_countries: list[str] = Field(description="ISO 3166-1 alpha-2 codes.")
    assured_date: datetime.date | None = Field(
        description="When the provider last confirmed the listing."
    )
    updated: datetime.datetime


class ProviderList(Schema):
    count: int = Field(description="Every provider matching, the same number the search shows.")
    page: int
    page_size: int
    num_pages: int
    sort: Literal["relevance", "name", "impact", "size", "updated"]
    next: str | None
    previous: str | None
    results: list[ProviderItem]


class FacetOptionOut(Schema):
    code: str
    name: str
    count: int = Field(
        description="Providers this option gives together with every other active filter."
    )
    selected: bool
    level: int = Field(description="0, or 1 for a service or sub-region under its category.")


class FacetOut(Schema):
    parameter: str
    name: str
    options: list[FacetOptionOut]


class FacetList(Schema):
    count: int
    facets: list[FacetOut]


class TaxonomyTerm(Schema):
    id: str | None = Field(None, description="The term's UUID in open data, where it has one.")
    code: str
    name: str
    parent: str | None = Field(None, description="The code of the category it belongs to.")


class Taxonomy(Schema):
    parameter: str = Field(description="The search parameter that takes these codes.")
    name: str
    terms: list[TaxonomyTerm]


class TaxonomyList(Schema):
    taxonomies: list[Taxonomy]


class ServiceOut(Schema):
    code: str
    name: str
    category: TermOut | None
    voice: str = Field(description="Voice, non-voice, both, or empty.")
    note: str


class CentreOut(Schema):
    country: str
    city: str
    seats: int | None
    headcount: Figure
    impact_workers: Figure
    languages: list[str]


class CertificationOut(Schema):
    code: str
    name: str
    category: str
    scope: str
    certificate_number: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    valid: bool = Field(description="Not expired today; search counts only valid ones.")
    verified: bool


class ReportFigure(Schema):
    field: str
    iris_code: str
    label: str
    value: int | float | None
    status: Status


class GroupOut(Schema):
    code: str
    name: str
    workers: Figure


class LatestReport(Schema):
    period_start: datetime.date
    period_end: datetime.date
    stale: bool = Field(description="The period ended more than 24 months ago.")
    provenance: str = Field(description="self_reported, documented or third_party_verified.")
    verifier: str
    verified_on: datetime.date | None
    impact_worker_definition: str
    impact_share: Figure
    figures: list[ReportFigure]
    target_groups: list[GroupOut]


class EarlierReportOut(Schema):
    period_start: datetime.date
    period_end: datetime.date
    provenance: str
    total_employees: Figure
    impact_workers: Figure
    impact_share: Figure


class CaseStudyOut(Schema):
    title: str
    year: int
    recent: bool
    client_industry: str
    service: str
    challenge: str
    approach: str
    results: str
    client_quote: str
    quote_attribution: str


class ProviderDetail(ProviderItem):
    description: str
    website: str
    founded_year: int | None
    headquarters_country: str
    legal_form: str
    legal_status: str
    languages: list[TermOut]
    listing_languages: list[TermOut] = Field(
        description="Languages the listing's own texts (description, tagline) are written in."
    )
    industries: list[TermOut]
    markets: list[TermOut]
    pricing_models: list[TermOut]
    delivery_modes: list[TermOut]
    partnerships_offered: list[TermOut] = Field(
        description="Partnerships it offers other providers (search parameter `offers`)."
    )
    partnerships_sought: list[TermOut] = Field(
        description="Partnerships it seeks in other providers (search parameter `seeks`)."
    )
    service_offers: list[ServiceOut]
    centres: list[CentreOut]
    certifications: list[CertificationOut]
    latest_report: LatestReport | None
    earlier_reports: list[EarlierReportOut]
    case_studies: list[CaseStudyOut]


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def figure(shown: Shown) -> dict:
    """A count as published: `value` only when exact (open data's shape)."""
    value = shown.value if shown.is_exact else None
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    return {"value": value, "status": str(shown.status)}


def with_urls(request, data: dict) -> dict:
    """`data` with its `url` and `profile_url` made absolute for this request's host."""
    return {
        **data,
        "url": request.build_absolute_uri(data["url"]),
        "profile_url": request.build_absolute_uri(data["profile_url"]),
    }


def _item(provider, shown: disclosure.ListingFigures) -> dict:
    """The fields of a list item, with site-relative URLs (`with_urls` completes them)."""
    uuid = provider_uuid(provider.pk)
    start, end = provider.report_period_start, provider.report_period_end
    return {
        "id": uuid,
        "slug": provider.slug,
        "name": provider.name,
        "tagline": provider.tagline,
        "url": reverse("api-v1:provider_detail", args=[uuid]),
        "profile_url": provider.get_absolute_url(),
        "verified": provider.is_verified,
        "provider_type": provider.provider_type or None,
        "parent_company": provider.parent_company,
        "workforce": figure(shown.workforce),
        "size_band": provider.size_band or None,
        "impact_share": figure(shown.impact_share),
        "report_period": {"start": start, "end": end} if start and end else None,
        "assured_date": provider.assured_date,
        "updated": provider.updated_at.replace(microsecond=0),
    }


def provider_item(provider) -> dict:
    """A list item (site-relative URLs) from a provider read by `selectors.page_providers`.

    Its workforce and latest report's totals go through the disclosure rule; totals
    are never hidden by secondary suppression (providers/disclosure.py), so they show
    here exactly as on the profile without reading the centres' and groups' counts.
    """
    shown = disclosure.listing_figures(
        workforce=provider.workforce,
        report=(
            {
                "total_employees": provider.report_total_employees,
                "impact_workers": provider.report_impact_workers,
            }
            if provider.report_period_end is not None
            else None
        ),
    )
    data = _item(provider, shown)
    data["services"] = [
        {
            "id": stable_id("term-service", ps.service.pk),
            "code": ps.service.slug,
            "name": ps.service.name,
        }
        for ps in provider.api_services
    ]
    data["delivery_countries"] = provider.api_countries
    return data


def _terms(lookups, kind: str = "", ids: dict | None = None) -> list[dict]:
    """Terms as {id, code, name}; the id is open data's UUID of the term, where known."""
    keys = (ids or {}).get(kind, {})
    return [
        {
            "id": stable_id(f"term-{kind}", keys[lookup.slug]) if lookup.slug in keys else None,
            "code": lookup.slug,
            "name": lookup.name,
        }
        for lookup in lookups
    ]


def provider_detail(request, profile, ids: dict | None = None) -> dict:
    """The detail of one provider from its public profile (`providers.selectors`)."""
    provider = profile.provider
    impact = profile.impact
    provider.report_period_start = impact.period_start if impact else None
    provider.report_period_end = impact.period_end if impact else None
    shown = disclosure.ListingFigures(
        workforce=profile.workforce,
        impact_share=impact.impact_share if impact else disclosure.MISSING,
    )
    data = with_urls(request, _item(provider, shown))
    offers = [(category, offer) for category in profile.services for offer in category.services]
    data.update(
        services=_terms([offer for _category, offer in offers], "service", ids),
        delivery_countries=[country.code for country in profile.delivery_countries],
        description=provider.description,
        website=provider.website,
        founded_year=provider.founded_year,
        headquarters_country=str(provider.hq_country or ""),
        legal_form=provider.legal_form,
        legal_status=str(LegalForm(provider.legal_form).label) if provider.legal_form else "",
        languages=_terms(profile.languages, "language", ids),
        listing_languages=_terms(profile.listing_languages, "language", ids),
        industries=_terms(profile.industries, "industry", ids),
        markets=_terms(profile.markets, "region", ids),
        pricing_models=_terms(profile.pricing_models, "pricing-model", ids),
        delivery_modes=_terms(profile.delivery_modes, "delivery-mode", ids),
        partnerships_offered=_terms(profile.partnerships_offered, "partnership", ids),
        partnerships_sought=_terms(profile.partnerships_sought, "partnership", ids),
        service_offers=[
            {
                "code": offer.slug,
                "name": offer.name,
                "category": {"code": category.slug, "name": category.name}
                if category.slug
                else None,
                "voice": offer.voice,
                "note": offer.note,
            }
            for category, offer in offers
        ],
        centres=[
            {
                "country": centre.country.code,
                "city": centre.city,
                "seats": centre.seats,
                "headcount": figure(centre.headcount),
                "impact_workers": figure(centre.impact_workers),
                "languages": list(centre.languages),
            }
            for centre in profile.centres
        ],
        certifications=[
            {
                "code": held.slug,
                "name": held.name,
                "category": held.category,
                "scope": held.scope,
                "certificate_number": held.certificate_number,
                "issued_on": held.issued_on,
                "expires_on": held.expires_on,
                "valid": not held.is_expired,
                "verified": held.verified,
            }
            for held in profile.certifications
        ],
        latest_report=_latest_report(impact) if impact else None,
        earlier_reports=[
            {
                "period_start": report.period_start,
                "period_end": report.period_end,
                "provenance": report.provenance_label,
                "total_employees": figure(report.total_employees),
                "impact_workers": figure(report.impact_workers),
                "impact_share": figure(report.impact_share),
            }
            for report in profile.earlier_reports
        ],
        case_studies=[
            {
                "title": study.title,
                "year": study.year,
                "recent": study.is_recent,
                "client_industry": study.client_industry,
                "service": study.service,
                "challenge": study.challenge,
                "approach": study.approach,
                "results": study.results,
                "client_quote": study.client_quote,
                "quote_attribution": study.quote_attribution,
            }
            for study in profile.case_studies
        ],
    )
    return data


def _latest_report(impact) -> dict:
    return {
        "period_start": impact.period_start,
        "period_end": impact.period_end,
        "stale": impact.is_stale,
        "provenance": impact.provenance,
        "verifier": impact.verifier,
        "verified_on": impact.verified_on,
        "impact_worker_definition": impact.definition,
        "impact_share": figure(impact.impact_share),
        "figures": [
            {"field": f.name, "iris_code": f.iris_code, "label": f.label, **figure(f.shown)}
            for f in impact.figures
        ],
        "target_groups": [
            {"code": group.slug, "name": group.name, "workers": figure(group.workers)}
            for group in impact.groups
        ],
    }
