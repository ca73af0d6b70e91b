"""Listings as Open Referral HSDS 3.0 organizations, and how to check them.

Each published provider is an HSDS `organization` with its `services` (each
offered service, with the provider's languages of service and a
`service_at_location` for each of its delivery centres, since the directory does
not record which centre delivers which service), its delivery centres as
`locations` (with their languages), its registration number as an
`organization_identifier` and its phone number as a `phone`. ImpactDir's own
data — impact reports with their figures, period and provenance, certifications
with their validity, target groups, case studies, taxonomy codes — sits in an
`impactdir` object on the organization, its services and its locations, as HSDS
allows; `EXTRA_PROPERTIES` documents every one of them and the schema in
`schema/hsds-3.0-organization.schema.json` states them.

Every count of people is an object `{"value": …, "status": …}`: the number only
when the disclosure rule shows it exactly, else `null` and the status (banded,
withheld or missing).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from providers.disclosure import Shown
from providers.models import IRIS_CODES, LegalForm

from .ids import stable_id
from .listing import COUNT_FIGURES, RATE_FIGURES, Listing
from .terms import Term

SCHEMA_PATH = Path(__file__).with_name("schema") / "hsds-3.0-organization.schema.json"
#: The name the schema is published under, beside the data.
SCHEMA_FILE_NAME = "hsds-organization.schema.json"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _inline(node, definitions):
    """`node` with every local `$ref` replaced by the definition it names (no cycles here)."""
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline(value, definitions) for key, value in node.items() if key != "$defs"}
    reference = inlined.pop("$ref", None)
    if reference is None:
        return inlined
    target = _inline(definitions[reference.removeprefix("#/$defs/")], definitions)
    return {"allOf": [target, inlined]} if inlined else target


@cache
def validator():
    """A validator of one organization, with format checking (uuid, date, uri, email …).

    It checks the published schema with its `$ref`s resolved once, up front:
    resolving them for every organization made validation three times slower.
    `FORMAT_CHECKER` checks `uri` only when rfc3986-validator is installed and
    `date-time` only with rfc3339-validator; both are pinned for this.
    """
    from jsonschema import Draft202012Validator  # building open data only: not in the web workers

    published = schema()
    flat = _inline(published, published["$defs"])
    return Draft202012Validator(flat, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def _datetime(value) -> str | None:
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def count(shown: Shown) -> dict:
    """A count of people as published: `value` only when exact."""
    return {"value": shown.value if shown.is_exact else None, "status": str(shown.status)}


def rate(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def term(value: Term | None) -> dict | None:
    if value is None:
        return None
    return {"id": value.id, "code": value.code, "name": value.name}


def _language(value: Term, owner_key: str, owner_id: str, owner_pk: int) -> dict:
    return {
        "id": stable_id(f"{owner_key}-language", owner_pk, value.id),
        owner_key + "_id": owner_id,
        "name": value.name,
        "code": value.code,
    }


def organization(listing: Listing) -> dict:
    """The HSDS 3.0 organization for one listing (plain JSON data)."""
    data = {
        "id": listing.id,
        "name": listing.name,
        "description": listing.description or listing.tagline,
    }
    if listing.email:
        data["email"] = listing.email
    if listing.website:
        data["website"] = listing.website
    if listing.founded_year:
        data["year_incorporated"] = listing.founded_year
    if listing.legal_form:
        data["legal_status"] = str(LegalForm(listing.legal_form).label)
    if listing.logo_url:
        data["logo"] = listing.logo_url
    if listing.registration_number:
        data["organization_identifiers"] = [
            {
                "id": listing.identifier_id,
                "organization_id": listing.id,
                "identifier_type": "registration number",
                "identifier": listing.registration_number,
                "impactdir": {"registry": listing.registry},
            }
        ]
    if listing.phone:
        data["phones"] = [
            {"id": listing.phone_id, "organization_id": listing.id, "number": listing.phone}
        ]
    data["locations"] = [
        {
            "id": centre.id,
            "location_type": "physical",
            "organization_id": listing.id,
            "name": centre.name,
            "languages": [
                _language(language, "location", centre.id, centre.pk)
                for language in centre.languages
            ],
            "impactdir": {
                "country": centre.country,
                "city": centre.city,
                "seats": centre.seats,
                "headcount": count(centre.headcount),
                "impact_workers": count(centre.impact_workers),
            },
        }
        for centre in listing.centres
    ]
    data["services"] = [
        {
            "id": offer.id,
            "organization_id": listing.id,
            "name": offer.service.name,
            "description": offer.note,
            "status": "active",
            "languages": [
                _language(language, "service", offer.id, offer.pk) for language in listing.languages
            ],
            "service_at_locations": [
                {
                    "id": stable_id("service-at-location", offer.pk, centre.pk),
                    "service_id": offer.id,
                    "location_id": centre.id,
                }
                for centre in listing.centres
            ],
            "impactdir": {
                "service_type": term(offer.service),
                "category": term(offer.category),
                "voice": offer.voice,
            },
        }
        for offer in listing.services
    ]
    data["impactdir"] = {
        "profile_url": listing.profile_url,
        "tagline": listing.tagline,
        "headquarters_country": listing.hq_country,
        "legal_form": listing.legal_form,
        "provider_type": listing.provider_type,
        "parent_company": listing.parent_company,
        "workforce": count(listing.workforce),
        "size_band": listing.size_band,
        "verified_on": _date(listing.verified_on),
        "verification_checks": listing.verification_checks,
        "assured_date": _date(listing.assured_date),
        "first_published": _datetime(listing.published_at),
        "updated": _datetime(listing.updated_at),
        "languages": [term(t) for t in listing.languages],
        "industries": [term(t) for t in listing.industries],
        "buyer_markets": [term(t) for t in listing.markets],
        "pricing_models": [term(t) for t in listing.pricing_models],
        "delivery_modes": [term(t) for t in listing.delivery_modes],
        "partnerships_offered": [term(t) for t in listing.partnerships_offered],
        "partnerships_sought": [term(t) for t in listing.partnerships_sought],
        "certifications": [
            {
                "id": holding.id,
                "certification": term(holding.certification),
                "category": holding.certification.category,
                "scope": holding.scope,
                "certificate_number": holding.certificate_number,
                "issued_on": _date(holding.issued_on),
                "expires_on": _date(holding.expires_on),
                "valid": holding.valid,
                "verification": holding.verification,
            }
            for holding in listing.certifications
        ],
        "impact_reports": [
            {
                "id": report.id,
                "latest": report.latest,
                "period_start": _date(report.period_start),
                "period_end": _date(report.period_end),
                "stale": report.stale,
                "provenance": report.provenance,
                "verifier": report.verifier,
                "verified_on": _date(report.verified_on),
                "directory_verification": report.directory_verification.state,
                "directory_verified_on": _date(report.directory_verification.verified_on),
                "directory_verification_checks": report.directory_verification.checks,
                "impact_worker_definition": report.impact_worker_definition,
                "impact_share_pct": count(report.impact_share),
                "figures": {
                    **{name: count(report.counts[name]) for name in COUNT_FIGURES},
                    **{name: rate(report.rates[name]) for name in RATE_FIGURES},
                },
                "target_groups": [
                    {"target_group": term(group.target_group), "workers": count(group.workers)}
                    for group in report.groups
                ],
            }
            for report in listing.reports
        ],
        "case_studies": [
            {
                "id": study.id,
                "title": study.title,
                "year": study.year,
                "recent": study.recent,
                "client_industry": term(study.client_industry),
                "service": term(study.service),
                "challenge": study.challenge,
                "approach": study.approach,
                "results": study.results,
                "client_quote": study.client_quote,
                "quote_attribution": study.quote_attribution,
            }
            for study in listing.case_studies
        ],
    }
    return data


# --------------------------------------------------------------------------
# The document around the organizations
# --------------------------------------------------------------------------

#: What each figure of a report measures, published in the file's header.
FIGURES = {
    "total_employees": ("people", _("Total permanent employees at the end of the period.")),
    "impact_workers": ("people", _("Employees hired from an impact target group.")),
    "employees_with_disabilities": ("people", _("Full-time employees with disabilities.")),
    "employees_low_income_areas": ("people", _("Employees from low-income areas.")),
    "women_employees": ("people", _("Women employees.")),
    "living_wage_employees": ("people", _("Employees earning a living wage or more.")),
    "min_wage_multiple": (
        "multiple",
        _("Entry wage as a multiple of the applicable minimum wage."),
    ),
    "training_hours_per_employee": ("hours", _("Training hours per employee in the period.")),
    "average_tenure_months": ("months", _("Average tenure of employees.")),
    "voluntary_turnover_pct": ("percent", _("Voluntary turnover rate in the period.")),
    "placement_rate_pct": (
        "percent",
        _("Share of workers placed into further jobs or education."),
    ),
}


def figure_definitions() -> dict:
    return {
        name: {
            "iris_code": IRIS_CODES.get(name, ""),
            "unit": unit,
            "kind": "count of people" if unit == "people" else "rate",
            "description": str(description),
        }
        for name, (unit, description) in FIGURES.items()
    }


# --------------------------------------------------------------------------
# Documentation of the extra properties (the /data/fields/ page)
# --------------------------------------------------------------------------

_COUNT = _("count object")
#: (JSON path, type, meaning) of every property under `impactdir`.
EXTRA_PROPERTIES = [
    ("organization.impactdir.profile_url", "uri", _("The provider's public profile.")),
    ("organization.impactdir.tagline", "string", _("One-line description.")),
    (
        "organization.impactdir.headquarters_country",
        "string",
        _("Headquarters country, ISO 3166-1 alpha-2; empty when not given."),
    ),
    (
        "organization.impactdir.legal_form",
        "string",
        _("for-profit, non-profit, social-enterprise, cooperative, or empty."),
    ),
    (
        "organization.impactdir.provider_type",
        "string",
        _(
            "dedicated (a dedicated impact sourcing provider), programme (the impact sourcing "
            "programme of a traditional outsourcing company), or empty."
        ),
    ),
    (
        "organization.impactdir.parent_company",
        "string",
        _("For a programme: the outsourcing company that runs it; else empty."),
    ),
    ("organization.impactdir.workforce", _COUNT, _("Total workforce (people).")),
    (
        "organization.impactdir.size_band",
        "string",
        _("Workforce size band: 1-49, 50-249, 250-999, 1000-plus, or empty."),
    ),
    (
        "organization.impactdir.verified_on",
        "date",
        _("When ImpactDir's operators verified the listing; null when not verified."),
    ),
    (
        "organization.impactdir.verification_checks",
        "string",
        _("What the operators checked when they verified it."),
    ),
    (
        "organization.impactdir.assured_date",
        "date",
        _("When the provider last confirmed the listing is current."),
    ),
    (
        "organization.impactdir.first_published",
        "date-time",
        _("When the listing was first published."),
    ),
    ("organization.impactdir.updated", "date-time", _("When the listing last changed.")),
    (
        "organization.impactdir.languages",
        _("terms"),
        _("Languages of service (ISO 639-1 codes); also on each service as HSDS languages."),
    ),
    ("organization.impactdir.industries", _("terms"), _("Industries served.")),
    ("organization.impactdir.buyer_markets", _("terms"), _("Regions whose buyers it serves.")),
    ("organization.impactdir.pricing_models", _("terms"), _("Pricing models offered.")),
    ("organization.impactdir.delivery_modes", _("terms"), _("Onsite, remote or hybrid delivery.")),
    (
        "organization.impactdir.partnerships_offered",
        _("terms"),
        _("Partnerships it offers other providers (subcontracting, training, joint bids)."),
    ),
    (
        "organization.impactdir.partnerships_sought",
        _("terms"),
        _("Partnerships it seeks in other providers."),
    ),
    (
        "organization.impactdir.certifications[]",
        "object",
        _(
            "Certifications held: certification (term), category (security, quality, social), "
            "scope, certificate_number, issued_on, expires_on, verification (unverified, "
            "verified, rejected by ImpactDir's operators) and valid: true when not expired and "
            "already issued on the snapshot date (only valid ones count in search)."
        ),
    ),
    (
        "organization.impactdir.impact_reports[]",
        "object",
        _(
            "Impact reports, newest first: period_start, period_end, latest, stale (the period "
            "ended more than 24 months before the snapshot date), provenance (self-reported, "
            "documented, third-party: the provider's claim), verifier and verified_on (the "
            "third party and date the provider names), directory_verification (the "
            "directory's own check: unverified, verified, rejected), directory_verified_on "
            "and directory_verification_checks (when the directory verified it and what it "
            "checked; null and empty unless verified), impact_worker_definition (the "
            "provider's own words), impact_share_pct (a share object), figures and "
            "target_groups."
        ),
    ),
    (
        "organization.impactdir.impact_reports[].figures",
        "object",
        _(
            "The report's figures by name: counts of people as count objects, rates as numbers "
            "or null. The file's header `figures` gives each one's IRIS+ code and unit."
        ),
    ),
    (
        "organization.impactdir.impact_reports[].target_groups[]",
        "object",
        _("Impact workers per target group: target_group (term) and workers (count object)."),
    ),
    (
        "organization.impactdir.case_studies[]",
        "object",
        _(
            "Case studies: title, year, recent (less than three years old), client_industry and "
            "service (terms or null), challenge, approach, results, client_quote, "
            "quote_attribution."
        ),
    ),
    (
        "organization.organization_identifiers[].impactdir.registry",
        "string",
        _("The registry that issued the registration number, as the provider names it."),
    ),
    (
        "service.impactdir.service_type",
        _("term"),
        _("The service in ImpactDir's taxonomy (its code is the search page's service slug)."),
    ),
    ("service.impactdir.category", _("term"), _("The service's category in the taxonomy.")),
    ("service.impactdir.voice", "string", _("voice, non-voice, both, or empty when not stated.")),
    (
        "location.impactdir.country",
        "string",
        _("Country of the delivery centre, ISO 3166-1 alpha-2."),
    ),
    ("location.impactdir.city", "string", _("City of the delivery centre; may be empty.")),
    (
        "location.impactdir.seats",
        "integer",
        _("Seats (workstations) at the centre; null if not given."),
    ),
    ("location.impactdir.headcount", _COUNT, _("People working at the centre.")),
    ("location.impactdir.impact_workers", _COUNT, _("Impact workers at the centre.")),
]
