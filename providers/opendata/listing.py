"""A published listing as open data publishes it: plain data, every count disclosed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from providers import disclosure
from providers.disclosure import Shown
from providers.selectors import DirectoryCheck

from .ids import stable_id
from .terms import Term

#: Counts of people in a report, in publication order (all decided by the rule).
COUNT_FIGURES = disclosure.REPORT_COUNT_FIELDS
#: Rates of a report, shown as reported.
RATE_FIGURES = (
    "min_wage_multiple",
    "training_hours_per_employee",
    "average_tenure_months",
    "voluntary_turnover_pct",
    "placement_rate_pct",
)


@dataclass(frozen=True)
class Offer:
    """A service the provider offers (an HSDS `service`)."""

    id: str
    pk: int
    service: Term
    category: Term | None
    voice: str
    note: str


@dataclass(frozen=True)
class CentreRecord:
    """A delivery centre (an HSDS `location`), its counts as the rule shows them."""

    id: str
    pk: int
    country: str
    country_name: str
    city: str
    seats: int | None
    headcount: Shown
    impact_workers: Shown
    languages: list[Term]

    @property
    def name(self) -> str:
        return f"{self.city}, {self.country_name}" if self.city else self.country_name


@dataclass(frozen=True)
class Holding:
    """A certification the provider holds."""

    id: str
    certification: Term
    scope: str
    certificate_number: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    valid: bool
    verification: str


@dataclass(frozen=True)
class GroupFigure:
    target_group: Term
    workers: Shown


@dataclass(frozen=True)
class Report:
    """An impact report: its counts as the rule shows them, its rates as reported."""

    id: str
    latest: bool
    period_start: datetime.date
    period_end: datetime.date
    stale: bool
    provenance: str
    verifier: str
    verified_on: datetime.date | None
    #: the directory's own check (`providers.selectors.DirectoryCheck`), apart from provenance
    directory_verification: DirectoryCheck
    impact_worker_definition: str
    impact_share: Shown
    counts: dict[str, Shown]
    rates: dict[str, Decimal | None]
    groups: list[GroupFigure]


@dataclass(frozen=True)
class Study:
    id: str
    title: str
    year: int
    recent: bool
    client_industry: Term | None
    service: Term | None
    challenge: str
    approach: str
    results: str
    client_quote: str
    quote_attribution: str


@dataclass
class Listing:
    """One published provider with everything open data publishes about it."""

    pk: int
    id: str
    name: str
    profile_url: str
    tagline: str
    description: str
    website: str
    email: str
    phone: str
    logo_url: str
    founded_year: int | None
    hq_country: str
    legal_form: str
    provider_type: str
    parent_company: str
    registry: str
    registration_number: str
    workforce: Shown
    size_band: str
    verified_on: datetime.date | None
    verification_checks: str
    assured_date: datetime.date | None
    published_at: datetime.datetime | None
    updated_at: datetime.datetime
    languages: list[Term] = field(default_factory=list)
    industries: list[Term] = field(default_factory=list)
    markets: list[Term] = field(default_factory=list)
    pricing_models: list[Term] = field(default_factory=list)
    delivery_modes: list[Term] = field(default_factory=list)
    partnerships_offered: list[Term] = field(default_factory=list)
    partnerships_sought: list[Term] = field(default_factory=list)
    services: list[Offer] = field(default_factory=list)
    centres: list[CentreRecord] = field(default_factory=list)
    certifications: list[Holding] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    case_studies: list[Study] = field(default_factory=list)

    @property
    def identifier_id(self) -> str:
        return stable_id("provider-identifier", self.pk)

    @property
    def phone_id(self) -> str:
        return stable_id("provider-phone", self.pk)
