"""The tables of the open data: every column declared, and how a listing fills it.

Counts of people take two columns: `<name>` (an integer, empty unless the
disclosure rule shows the count exactly, and then never below 10) and
`<name>_status` (exact, banded, withheld or missing), so that every column keeps
one type. Ids are the same UUIDs as in the HSDS JSON.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from providers.disclosure import THRESHOLD, Shown, Status
from providers.models import (
    IRIS_CODES,
    CertificationCategory,
    LegalForm,
    Provenance,
    ProviderType,
    SizeBand,
    VerificationState,
    VoiceKind,
)

from .ids import stable_id
from .listing import COUNT_FIGURES, RATE_FIGURES, Listing
from .tabular import Field, ForeignKey, Table
from .terms import Taxonomy, Terms

# Where a value comes from (the "provenance" of a field).
BY_PROVIDER = _("Stated by the provider.")
VETTED = _("Stated by the provider and vetted by ImpactDir's operators before it is published.")
FROM_REPORT = _(
    "From the provider's impact report; the report's provenance says whether it is "
    "self-reported, backed by a document or verified by a third party."
)
BY_OPERATORS = _("Set by ImpactDir's operators.")
COMPUTED = _("Computed by ImpactDir when the snapshot is built.")
DISCLOSED = _("Set by ImpactDir's disclosure rule when the snapshot is built.")
TAXONOMY = _("ImpactDir's taxonomy, kept by its operators.")
IDENTIFIER = _("Assigned by ImpactDir; the same row keeps the same id in every snapshot.")
STATUSES = [str(status) for status in Status]


# --------------------------------------------------------------------------
# Field helpers
# --------------------------------------------------------------------------


def _id(description, **kwargs) -> Field:
    return Field("id", "string", description, IDENTIFIER, format="uuid", required=True, **kwargs)


def _ref(name, description, required=True) -> Field:
    return Field(name, "string", description, IDENTIFIER, format="uuid", required=required)


#: `message % values`, worked out in the language active when it is read (a lazy message
#: interpolated at import would be frozen in English).
_interpolated = lazy(lambda message, values: message % values, str)


def _count(name, description, provenance, iris_code="") -> tuple[Field, Field]:
    """The value and status columns of a count of people."""
    return (
        Field(
            name,
            "integer",
            description,
            provenance,
            unit="people",
            iris_code=iris_code,
            minimum=THRESHOLD,
        ),
        Field(
            f"{name}_status",
            "string",
            _interpolated(
                _(
                    "How the disclosure rule shows %(name)s: exact (the number is given), banded "
                    "(fewer than %(threshold)s people), withheld (not shown, as it would reveal a "
                    "small count) or missing (not reported)."
                ),
                {"name": name, "threshold": THRESHOLD},
            ),
            DISCLOSED,
            required=True,
            enum=tuple(STATUSES),
        ),
    )


def _choices(choices) -> tuple[str, ...]:
    return tuple(str(value) for value in choices.values)


COUNTRY = r"^[A-Z]{2}$"


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


def _shown(shown: Shown) -> tuple:
    return (shown.value if shown.is_exact else None, str(shown.status))


def _organization_rows(listing: Listing):
    yield (
        listing.id,
        listing.name,
        listing.profile_url,
        listing.tagline,
        listing.description,
        listing.website,
        listing.email,
        listing.phone,
        listing.hq_country,
        listing.legal_form,
        listing.provider_type,
        listing.parent_company,
        listing.founded_year,
        listing.registry,
        listing.registration_number,
        *_shown(listing.workforce),
        listing.size_band,
        listing.verified_on,
        listing.verification_checks,
        listing.assured_date,
        listing.published_at,
        listing.updated_at,
    )


_RELATIONS = (
    ("languages", "language-of-service"),
    ("industries", "industry-served"),
    ("markets", "buyer-market"),
    ("pricing_models", "pricing-model"),
    ("delivery_modes", "delivery-mode"),
    ("partnerships_offered", "partnership-offered"),
    ("partnerships_sought", "partnership-sought"),
)


def _organization_term_rows(listing: Listing):
    for attribute, relation in _RELATIONS:
        for term in getattr(listing, attribute):
            yield (listing.id, term.id, relation, term.code, term.name)


def _service_rows(listing: Listing):
    for offer in listing.services:
        category = offer.category
        yield (
            offer.id,
            listing.id,
            offer.service.id,
            offer.service.code,
            offer.service.name,
            category.code if category else None,
            category.name if category else None,
            offer.voice,
            offer.note,
        )


def _location_rows(listing: Listing):
    for centre in listing.centres:
        yield (
            centre.id,
            listing.id,
            centre.name,
            centre.country,
            centre.city,
            centre.seats,
            *_shown(centre.headcount),
            *_shown(centre.impact_workers),
        )


def _location_language_rows(listing: Listing):
    for centre in listing.centres:
        for language in centre.languages:
            yield (centre.id, language.id, language.code, language.name)


def _service_at_location_rows(listing: Listing):
    for offer in listing.services:
        for centre in listing.centres:
            yield (stable_id("service-at-location", offer.pk, centre.pk), offer.id, centre.id)


def _certification_rows(listing: Listing):
    for holding in listing.certifications:
        certification = holding.certification
        yield (
            holding.id,
            listing.id,
            certification.id,
            certification.code,
            certification.name,
            certification.category,
            holding.scope,
            holding.certificate_number,
            holding.issued_on,
            holding.expires_on,
            holding.valid,
            holding.verification,
        )


def _report_rows(listing: Listing):
    for report in listing.reports:
        yield (
            report.id,
            listing.id,
            report.latest,
            report.period_start,
            report.period_end,
            report.stale,
            report.provenance,
            report.verifier,
            report.verified_on,
            report.directory_verification.state,
            report.directory_verification.verified_on,
            report.directory_verification.checks,
            report.impact_worker_definition,
            *_shown(report.impact_share),
            *(part for name in COUNT_FIGURES for part in _shown(report.counts[name])),
            *(report.rates[name] for name in RATE_FIGURES),
        )


def _report_group_rows(listing: Listing):
    for report in listing.reports:
        for group in report.groups:
            term = group.target_group
            yield (report.id, term.id, term.code, term.name, *_shown(group.workers))


def _case_study_rows(listing: Listing):
    for study in listing.case_studies:
        industry, service = study.client_industry, study.service
        yield (
            study.id,
            listing.id,
            study.title,
            study.year,
            study.recent,
            industry.id if industry else None,
            industry.name if industry else None,
            service.id if service else None,
            service.name if service else None,
            study.challenge,
            study.approach,
            study.results,
            study.client_quote,
            study.quote_attribution,
        )


def term_rows(terms: Terms) -> Iterator[tuple]:
    for term in terms.ordered:
        yield (
            term.id,
            term.taxonomy,
            term.code,
            term.name,
            term.parent_id,
            term.description,
            term.m49_code,
            term.category,
            term.issuer,
        )


# --------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------

_ORG_FK = ForeignKey(("organization_id",), "organizations", ("id",))


def _term_fk(name):
    return ForeignKey((name,), "terms", ("id",))


_REPORT_COUNT_DESCRIPTIONS = {
    "total_employees": _("Total permanent employees at the end of the period."),
    "impact_workers": _("Employees hired from an impact target group (the report's definition)."),
    "employees_with_disabilities": _("Full-time employees with disabilities."),
    "employees_low_income_areas": _("Employees from low-income areas."),
    "women_employees": _("Women employees."),
    "living_wage_employees": _("Employees earning a living wage or more."),
}
_REPORT_RATES = {
    "min_wage_multiple": (
        "multiple",
        _("Entry wage as a multiple of the applicable minimum wage."),
        None,
    ),
    "training_hours_per_employee": ("hours", _("Training hours per employee in the period."), None),
    "average_tenure_months": ("months", _("Average tenure of employees."), None),
    "voluntary_turnover_pct": ("percent", _("Voluntary turnover rate in the period."), 100),
    "placement_rate_pct": (
        "percent",
        _("Share of workers placed into further jobs or education."),
        100,
    ),
}

TABLES: tuple[Table, ...] = (
    Table(
        "terms",
        _("Taxonomy terms"),
        _(
            "Every entry of ImpactDir's taxonomies: services (two levels), languages, "
            "industries, regions (UN M49, two levels), pricing models, delivery modes, impact "
            "target groups and certifications. Other tables point here by id."
        ),
        (
            _id(_("The term's id.")),
            Field(
                "taxonomy",
                "string",
                _("Which taxonomy the term belongs to."),
                TAXONOMY,
                required=True,
                enum=Taxonomy.ALL,
            ),
            Field(
                "code",
                "string",
                _(
                    "The term's code: the slug the search page uses, or the ISO 639-1 code of a "
                    "language."
                ),
                TAXONOMY,
                required=True,
                pattern=r"^[A-Za-z0-9_-]+$",
            ),
            Field("name", "string", _("The term's name, in English."), TAXONOMY, required=True),
            _ref(
                "parent_id",
                _("The parent term: a service's category, a sub-region's region."),
                False,
            ),
            Field("description", "string", _("What the term covers."), TAXONOMY),
            Field(
                "m49_code",
                "string",
                _("A region's UN M49 code."),
                TAXONOMY,
                pattern=r"^[0-9]{3}$",
            ),
            Field(
                "category",
                "string",
                _("A certification's category."),
                TAXONOMY,
                enum=_choices(CertificationCategory),
            ),
            Field("issuer", "string", _("A certification's issuing body."), TAXONOMY),
        ),
        ("id",),
        foreign_keys=(ForeignKey(("parent_id",), "terms", ("id",)),),
    ),
    Table(
        "organizations",
        _("Providers"),
        _("Every published impact sourcing service provider, one row each."),
        (
            _id(_("The provider's id (the HSDS organization id).")),
            Field("name", "string", _("The organisation's name."), VETTED, required=True),
            Field(
                "profile_url",
                "string",
                _("The provider's public profile on ImpactDir."),
                COMPUTED,
                format="uri",
                required=True,
            ),
            Field("tagline", "string", _("One-line description."), BY_PROVIDER),
            Field("description", "string", _("What the provider does, in its words."), BY_PROVIDER),
            Field("website", "string", _("The provider's website."), BY_PROVIDER, format="uri"),
            Field("email", "string", _("Contact e-mail address."), BY_PROVIDER, format="email"),
            Field("phone", "string", _("Contact phone number, as given."), BY_PROVIDER),
            Field(
                "headquarters_country",
                "string",
                _("Headquarters country (ISO 3166-1 alpha-2)."),
                BY_PROVIDER,
                pattern=COUNTRY,
            ),
            Field(
                "legal_form",
                "string",
                _("Legal form."),
                BY_PROVIDER,
                enum=_choices(LegalForm),
            ),
            Field(
                "provider_type",
                "string",
                _(
                    "dedicated: a dedicated impact sourcing provider; programme: the impact "
                    "sourcing programme of a traditional outsourcing company, whose centres and "
                    "impact figures are the programme's own; empty when not stated."
                ),
                VETTED,
                enum=_choices(ProviderType),
            ),
            Field(
                "parent_company",
                "string",
                _("For a programme: the outsourcing company that runs it."),
                VETTED,
            ),
            Field(
                "founded_year",
                "integer",
                _("Year the organisation was founded."),
                BY_PROVIDER,
                unit="year",
                minimum=1800,
                maximum=2100,
            ),
            Field(
                "registry",
                "string",
                _("The registry that issued the registration number."),
                VETTED,
            ),
            Field(
                "registration_number",
                "string",
                _("The organisation's registration number (the HSDS organization_identifier)."),
                VETTED,
            ),
            *_count("workforce", _("Total workforce."), BY_PROVIDER),
            Field(
                "size_band",
                "string",
                _("Workforce size band, as the search page's size filter uses it."),
                COMPUTED,
                enum=_choices(SizeBand),
            ),
            Field(
                "verified_on",
                "date",
                _("When ImpactDir's operators verified the listing; empty when not verified."),
                BY_OPERATORS,
            ),
            Field(
                "verification_checks",
                "string",
                _("What the operators checked when they verified the listing."),
                BY_OPERATORS,
            ),
            Field(
                "assured_date",
                "date",
                _("When the provider last confirmed that the listing is current."),
                BY_PROVIDER,
            ),
            Field(
                "first_published",
                "datetime",
                _("When the listing was first published (UTC)."),
                COMPUTED,
            ),
            Field(
                "updated",
                "datetime",
                _("When the listing last changed (UTC)."),
                COMPUTED,
                required=True,
            ),
        ),
        ("id",),
        _organization_rows,
    ),
    Table(
        "organization_terms",
        _("Provider lists"),
        _(
            "What each provider lists from a taxonomy: its languages of service, industries "
            "served, buyer markets (regions), pricing models, delivery modes, and the "
            "partnerships it offers and seeks (with other providers)."
        ),
        (
            _ref("organization_id", _("The provider.")),
            _ref("term_id", _("The term.")),
            Field(
                "relation",
                "string",
                _("What the term says about the provider."),
                BY_PROVIDER,
                required=True,
                enum=tuple(relation for _attribute, relation in _RELATIONS),
            ),
            Field(
                "code", "string", _("The term's code (as in terms.csv)."), TAXONOMY, required=True
            ),
            Field(
                "name", "string", _("The term's name (as in terms.csv)."), TAXONOMY, required=True
            ),
        ),
        ("organization_id", "term_id"),
        _organization_term_rows,
        (_ORG_FK, _term_fk("term_id")),
    ),
    Table(
        "services",
        _("Services offered"),
        _("Each service a provider offers (the HSDS services)."),
        (
            _id(_("The offer's id (the HSDS service id).")),
            _ref("organization_id", _("The provider.")),
            _ref("service_type_id", _("The service in the taxonomy (terms.csv).")),
            Field("service_code", "string", _("The service's code."), TAXONOMY, required=True),
            Field("service_name", "string", _("The service's name."), TAXONOMY, required=True),
            Field("category_code", "string", _("The service's category code."), TAXONOMY),
            Field("category_name", "string", _("The service's category name."), TAXONOMY),
            Field(
                "voice",
                "string",
                _("Whether the service is delivered by voice, non-voice, or both."),
                BY_PROVIDER,
                enum=_choices(VoiceKind),
            ),
            Field("note", "string", _("The provider's note on the service."), BY_PROVIDER),
        ),
        ("id",),
        _service_rows,
        (_ORG_FK, _term_fk("service_type_id")),
    ),
    Table(
        "locations",
        _("Delivery centres"),
        _("Where the work is done: each delivery centre of a provider (the HSDS locations)."),
        (
            _id(_("The centre's id (the HSDS location id).")),
            _ref("organization_id", _("The provider.")),
            Field("name", "string", _("City and country, for display."), COMPUTED, required=True),
            Field(
                "country",
                "string",
                _("Country (ISO 3166-1 alpha-2)."),
                BY_PROVIDER,
                required=True,
                pattern=COUNTRY,
            ),
            Field("city", "string", _("City."), BY_PROVIDER),
            Field(
                "seats", "integer", _("Seats (workstations)."), BY_PROVIDER, unit="seats", minimum=0
            ),
            *_count("headcount", _("People working at the centre."), BY_PROVIDER),
            *_count("impact_workers", _("Impact workers at the centre."), BY_PROVIDER),
        ),
        ("id",),
        _location_rows,
        (_ORG_FK,),
    ),
    Table(
        "location_languages",
        _("Languages of delivery centres"),
        _("The languages each delivery centre works in."),
        (
            _ref("location_id", _("The centre.")),
            _ref("language_id", _("The language (terms.csv).")),
            Field("code", "string", _("ISO 639-1 code."), TAXONOMY, required=True),
            Field("name", "string", _("The language's name."), TAXONOMY, required=True),
        ),
        ("location_id", "language_id"),
        _location_language_rows,
        (ForeignKey(("location_id",), "locations", ("id",)), _term_fk("language_id")),
    ),
    Table(
        "service_at_locations",
        _("Services at delivery centres"),
        _(
            "A row for each service of a provider at each of its delivery centres (the HSDS "
            "service_at_locations). The directory does not record which centre delivers which "
            "service: a row says the provider offers the service and delivers from the centre."
        ),
        (
            _id(_("The link's id (the HSDS service_at_location id).")),
            _ref("service_id", _("The service (services.csv).")),
            _ref("location_id", _("The centre (locations.csv).")),
        ),
        ("id",),
        _service_at_location_rows,
        (
            ForeignKey(("service_id",), "services", ("id",)),
            ForeignKey(("location_id",), "locations", ("id",)),
        ),
    ),
    Table(
        "certifications",
        _("Certifications held"),
        _("Each certification a provider holds, with its validity on the snapshot date."),
        (
            _id(_("The holding's id.")),
            _ref("organization_id", _("The provider.")),
            _ref("certification_id", _("The certification (terms.csv).")),
            Field("code", "string", _("The certification's code."), TAXONOMY, required=True),
            Field("name", "string", _("The certification's name."), TAXONOMY, required=True),
            Field(
                "category",
                "string",
                _("Security, quality or social."),
                TAXONOMY,
                required=True,
                enum=_choices(CertificationCategory),
            ),
            Field("scope", "string", _("What the certificate covers."), VETTED),
            Field("certificate_number", "string", _("The certificate's number."), VETTED),
            Field("issued_on", "date", _("When the certificate was issued."), VETTED),
            Field("expires_on", "date", _("When it expires; empty when it does not."), VETTED),
            Field(
                "valid",
                "boolean",
                _(
                    "true when the certificate was issued and not expired on the snapshot date; "
                    "only valid certifications count in search."
                ),
                COMPUTED,
                required=True,
            ),
            Field(
                "verification",
                "string",
                _(
                    "Whether ImpactDir's operators checked the evidence: unverified, verified or "
                    "rejected (could not be verified)."
                ),
                BY_OPERATORS,
                required=True,
                enum=_choices(VerificationState),
            ),
        ),
        ("id",),
        _certification_rows,
        (_ORG_FK, _term_fk("certification_id")),
    ),
    Table(
        "impact_reports",
        _("Impact reports"),
        _(
            "Each impact report of a provider, one per reporting period, with its figures, their "
            "IRIS+ codes, period and provenance."
        ),
        (
            _id(_("The report's id.")),
            _ref("organization_id", _("The provider.")),
            Field(
                "latest",
                "boolean",
                _("true for the provider's latest report (the one search and profiles use)."),
                COMPUTED,
                required=True,
            ),
            Field(
                "period_start",
                "date",
                _("First day of the reporting period."),
                VETTED,
                required=True,
            ),
            Field(
                "period_end", "date", _("Last day of the reporting period."), VETTED, required=True
            ),
            Field(
                "stale",
                "boolean",
                _("true when the period ended more than 24 months before the snapshot date."),
                COMPUTED,
                required=True,
            ),
            Field(
                "provenance",
                "string",
                _(
                    "self-reported, documented (backed by a document the operators hold) or "
                    "third-party (verified by a third party, as the provider states; see "
                    "directory_verification for the directory's own check)."
                ),
                VETTED,
                required=True,
                enum=_choices(Provenance),
            ),
            Field(
                "verifier",
                "string",
                _("The third party that verified the figures, as the provider states it."),
                VETTED,
            ),
            Field(
                "verified_on",
                "date",
                _("When that third party verified them, as the provider states it."),
                VETTED,
            ),
            Field(
                "directory_verification",
                "string",
                _(
                    "The directory's own check of the report, apart from its provenance: "
                    "unverified (not yet checked), verified (verified by the directory) or "
                    "rejected (could not be verified). An edited report is unverified again."
                ),
                BY_OPERATORS,
                required=True,
                enum=_choices(VerificationState),
            ),
            Field(
                "directory_verified_on",
                "date",
                _("When the directory verified the report; empty unless verified."),
                BY_OPERATORS,
            ),
            Field(
                "directory_verification_checks",
                "string",
                _("What the directory checked; empty unless verified."),
                BY_OPERATORS,
            ),
            Field(
                "impact_worker_definition",
                "string",
                _("Whom the report counts as an impact worker, in the provider's words."),
                VETTED,
            ),
            Field(
                "impact_share_pct",
                "integer",
                _(
                    "Impact workers as a whole percent of total employees; empty unless the "
                    "number of impact workers is shown exactly."
                ),
                COMPUTED,
                unit="percent",
                minimum=0,
                maximum=100,
            ),
            Field(
                "impact_share_pct_status",
                "string",
                _("exact, withheld (the impact workers are not shown exactly) or missing."),
                DISCLOSED,
                required=True,
                enum=(str(Status.EXACT), str(Status.WITHHELD), str(Status.MISSING)),
            ),
            *(
                part
                for name in COUNT_FIGURES
                for part in _count(
                    name,
                    _REPORT_COUNT_DESCRIPTIONS[name],
                    FROM_REPORT,
                    IRIS_CODES.get(name, ""),
                )
            ),
            *(
                Field(
                    name,
                    "number",
                    description,
                    FROM_REPORT,
                    unit=unit,
                    iris_code=IRIS_CODES.get(name, ""),
                    minimum=0,
                    maximum=maximum,
                )
                for name, (unit, description, maximum) in _REPORT_RATES.items()
            ),
        ),
        ("id",),
        _report_rows,
        (_ORG_FK,),
    ),
    Table(
        "impact_report_groups",
        _("Impact workers by target group"),
        _("How many of a report's impact workers come from each target group."),
        (
            _ref("report_id", _("The report (impact_reports.csv).")),
            _ref("target_group_id", _("The target group (terms.csv).")),
            Field("code", "string", _("The target group's code."), TAXONOMY, required=True),
            Field("name", "string", _("The target group's name."), TAXONOMY, required=True),
            *_count("workers", _("Impact workers from the group."), FROM_REPORT),
        ),
        ("report_id", "target_group_id"),
        _report_group_rows,
        (
            ForeignKey(("report_id",), "impact_reports", ("id",)),
            _term_fk("target_group_id"),
        ),
    ),
    Table(
        "case_studies",
        _("Case studies"),
        _("Each provider's published case studies."),
        (
            _id(_("The case study's id.")),
            _ref("organization_id", _("The provider.")),
            Field("title", "string", _("Title."), BY_PROVIDER, required=True),
            Field(
                "year", "integer", _("Year of the work."), BY_PROVIDER, unit="year", required=True
            ),
            Field(
                "recent",
                "boolean",
                _("true when less than three years old on the snapshot date."),
                COMPUTED,
                required=True,
            ),
            _ref("client_industry_id", _("The client's industry (terms.csv)."), False),
            Field("client_industry", "string", _("The client's industry."), TAXONOMY),
            _ref("service_id", _("The service delivered (terms.csv)."), False),
            Field("service", "string", _("The service delivered."), TAXONOMY),
            Field("challenge", "string", _("The client's challenge."), BY_PROVIDER),
            Field("approach", "string", _("What the provider did."), BY_PROVIDER),
            Field("results", "string", _("The results, with numbers where given."), BY_PROVIDER),
            Field("client_quote", "string", _("A quote from the client."), BY_PROVIDER),
            Field("quote_attribution", "string", _("Who the quote is from."), BY_PROVIDER),
        ),
        ("id",),
        _case_study_rows,
        (_ORG_FK, _term_fk("client_industry_id"), _term_fk("service_id")),
    ),
)

TABLES_BY_NAME = {table.name: table for table in TABLES}
