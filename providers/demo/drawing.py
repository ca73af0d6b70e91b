"""Drawing one demo provider: `build_provider`, a pure function of its index, seed and date.

It draws everything about demo provider number `index` from its own
`random.Random`, so the same seed, index, taxonomy and date always give the
same provider, whatever else is generated around it. It returns unsaved model
instances in a `ProviderBundle`.

Dates are relative to `today`: "some certifications expired" and "some reports
stale" stay true whenever the data is generated.
"""

import datetime
import functools
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from providers.models import (
    CaseStudy,
    Certification,
    CertificationHolding,
    DeliveryCentre,
    DeliveryMode,
    ImpactReport,
    ImpactReportGroup,
    Industry,
    Language,
    LegalForm,
    ListingStatus,
    PricingModel,
    Provenance,
    Provider,
    ProviderService,
    Region,
    Service,
    TargetGroup,
    VerificationState,
    VoiceKind,
)

from .vocabulary import (
    COUNTRIES,
    COUNTRY_WEIGHTS,
    DATA_SENTENCES,
    DEFINITIONS,
    EXTRA_LANGUAGES,
    FIRST_NAMES,
    FOREIGN_HQ,
    LAST_INITIALS,
    LEGAL_FORM_PHRASES,
    LEGAL_FORMS,
    RARE_STATUSES,
    REJECTION_REASONS,
    SIZE_BANDS,
    SIZE_WORDS,
    STATUS_BLOCK,
    TAGLINES,
    VERIFIERS,
    provider_name,
)


@dataclass(frozen=True)
class Taxonomy:
    """The taxonomy rows the generator draws from, as (id, name/slug) tuples sorted by slug."""

    services: tuple  # (id, name, category slug) of leaves
    certifications: tuple  # (id, name, slug)
    target_groups: tuple  # (id, name, slug)
    languages: dict  # code → id
    industries: tuple  # (id, name)
    pricing_models: tuple  # ids
    delivery_modes: tuple  # ids
    markets: tuple  # ids of top-level regions

    REQUIRED = ("services", "target_groups", "languages")

    @classmethod
    def load(cls):
        """Read the taxonomies from the database (seeded by migration 0002)."""
        return cls(
            services=tuple(
                Service.objects.leaves().order_by("slug").values_list("pk", "name", "parent__slug")
            ),
            certifications=tuple(
                Certification.objects.order_by("slug").values_list("pk", "name", "slug")
            ),
            target_groups=tuple(
                TargetGroup.objects.order_by("slug").values_list("pk", "name", "slug")
            ),
            languages=dict(Language.objects.order_by("code").values_list("code", "pk")),
            industries=tuple(Industry.objects.order_by("slug").values_list("pk", "name")),
            pricing_models=tuple(
                PricingModel.objects.order_by("slug").values_list("pk", flat=True)
            ),
            delivery_modes=tuple(
                DeliveryMode.objects.order_by("slug").values_list("pk", flat=True)
            ),
            markets=tuple(
                Region.objects.filter(parent__isnull=True)
                .order_by("slug")
                .values_list("pk", flat=True)
            ),
        )

    def missing(self):
        """Names of required taxonomies that are empty."""
        return [name for name in self.REQUIRED if not getattr(self, name)]


@dataclass
class ProviderBundle:
    """One demo provider and its parts, unsaved; parts point at `provider`."""

    provider: Provider
    services: list = field(default_factory=list)
    centres: list = field(default_factory=list)  # (DeliveryCentre, [language ids])
    holdings: list = field(default_factory=list)
    reports: list = field(default_factory=list)  # (ImpactReport, [ImpactReportGroup])
    case_studies: list = field(default_factory=list)
    language_ids: list = field(default_factory=list)
    pricing_model_ids: list = field(default_factory=list)
    delivery_mode_ids: list = field(default_factory=list)
    industry_ids: list = field(default_factory=list)
    market_ids: list = field(default_factory=list)
    #: How long before the run the listing was created and last updated.
    created_ago: datetime.timedelta = datetime.timedelta(0)
    updated_ago: datetime.timedelta = datetime.timedelta(0)


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _status_block(seed, block):
    rng = random.Random(f"{seed}:status:{block}")
    statuses = [ListingStatus.PUBLISHED] * (STATUS_BLOCK - 3)
    statuses += [ListingStatus.DRAFT, ListingStatus.SUBMITTED, RARE_STATUSES[block % 3]]
    rng.shuffle(statuses)
    return tuple(statuses)


def status_for(index, *, seed):
    """The listing status of demo provider `index` (about 85% published)."""
    block, position = divmod(index, STATUS_BLOCK)
    return _status_block(seed, block)[position]


def _lower_first(name):
    """'Data annotation' → 'data annotation', but 'HR & payroll' stays as it is."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def _join(items):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _days_before(today, days):
    return today - datetime.timedelta(days=days)


def _aware(day, rng):
    return datetime.datetime.combine(
        day, datetime.time(rng.randint(7, 18), rng.randint(0, 59)), tzinfo=datetime.UTC
    )


def _years_later(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _period(year, start_month):
    start = datetime.date(year, start_month, 1)
    end = datetime.date(year + 1, start_month, 1) - datetime.timedelta(days=1)
    return start, end


def _pick_services(rng, taxonomy, count):
    """Leaves of the service tree; most providers offer at least one data service."""
    services = taxonomy.services
    data_services = [s for s in services if "data" in s[2]]
    chosen = []
    if data_services and rng.random() < 0.7:
        chosen.append(rng.choice(data_services))
    while len(chosen) < min(count, len(services)):
        candidate = rng.choice(services)
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def _split(rng, total, parts):
    """`total` split into `parts` positive-or-zero integers summing to `total`."""
    if parts == 1:
        return [total]
    weights = [rng.random() + 0.2 for _ in range(parts)]
    scale = sum(weights)
    shares = [int(total * weight / scale) for weight in weights]
    shares[0] += total - sum(shares)
    return shares


def _decimal(value, places):
    return Decimal(f"{value:.{places}f}")


@dataclass
class _Shape:
    """The decisions about one provider that its parts and texts depend on."""

    index: int
    status: str
    band: int
    workforce: int
    legal_form: str
    founded: int
    share: int  # impact workers, percent of staff
    places: list  # [(Country, city)], main centre first
    services: list  # [(id, name, category slug)]
    industries: list  # [(id, name)]
    groups: list  # [(id, name, slug)]
    verified: bool


def _draw_shape(rng, index, *, seed, taxonomy, today):
    band = rng.choices(range(len(SIZE_BANDS)), weights=[b[2] for b in SIZE_BANDS])[0]
    low, high, _weight = SIZE_BANDS[band]
    # Log-uniform inside the band: more small firms than big ones within each band.
    workforce = min(high, max(low, round(low * (high / low) ** rng.random())))
    legal_form = rng.choices([f for f, _ in LEGAL_FORMS], weights=[w for _, w in LEGAL_FORMS])[0]
    share = rng.randint(10, 80) if legal_form == LegalForm.FOR_PROFIT else rng.randint(35, 95)

    # The main centre is weighted by country; others are in the same country
    # (another city) or elsewhere.
    centre_count = min(workforce, rng.choice(((1,), (1, 1, 2), (1, 2, 3), (2, 3, 4, 5))[band]))
    main = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
    places = [(main, rng.choice(main.cities))]
    for _attempt in range(20):
        if len(places) >= centre_count:
            break
        country = main if rng.random() < 0.5 else rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        place = (country, rng.choice(country.cities))
        if place not in places:
            places.append(place)

    status = status_for(index, seed=seed)
    return _Shape(
        index=index,
        status=status,
        band=band,
        workforce=workforce,
        legal_form=legal_form,
        founded=rng.randint(1995, today.year - 1),
        share=share,
        places=places,
        services=_pick_services(rng, taxonomy, rng.choice((1, 2, 2, 3, 3, 4, 5))),
        industries=_sample(rng, taxonomy.industries, 1, 4),
        groups=_sample(rng, taxonomy.target_groups, 1, 3),
        verified=status != ListingStatus.DRAFT and rng.random() < 0.34,
    )


def _sample(rng, pool, low, high):
    return rng.sample(pool, min(len(pool), rng.randint(low, high))) if pool else []


def _draw_services(rng, shape, provider):
    offered = []
    for service_id, _name, category in shape.services:
        if category == "customer-experience":
            voice = rng.choice((VoiceKind.VOICE, VoiceKind.NON_VOICE, VoiceKind.BOTH))
        else:
            voice = rng.choice((VoiceKind.NON_VOICE, VoiceKind.NON_VOICE, ""))
        note = ""
        if rng.random() < 0.4:
            note = rng.choice(
                (
                    f"{rng.randint(2, 40) * 10} trained specialists",
                    f"{rng.randint(950, 999) / 10:.1f}% accuracy on audited samples",
                    "Around the clock, in three shifts",
                    f"Pilot projects from {rng.randint(2, 10)} people",
                )
            )
        offered.append(
            ProviderService(provider=provider, service_id=service_id, voice=voice, note=note)
        )
    return offered


def _draw_centres(rng, shape, provider, taxonomy):
    """Centres sharing most of the workforce, each with the local languages the catalogue knows.

    Returns the centres as (DeliveryCentre, [language ids]) and the provider's language codes.
    """
    places = shape.places
    in_centres = max(len(places), round(shape.workforce * rng.uniform(0.85, 1.0)))
    headcounts = [h + 1 for h in _split(rng, in_centres - len(places), len(places))]
    centres, codes_seen = [], []
    for (country, city), headcount in zip(places, headcounts, strict=True):
        codes = [c for c in country.languages if c in taxonomy.languages]
        codes = codes[: rng.randint(1, min(3, len(codes)))] if codes else []
        if not codes and "en" in taxonomy.languages:
            codes = ["en"]
        impact = min(headcount, round(headcount * rng.uniform(0.8, 1.2) * shape.share / 100))
        centre = DeliveryCentre(
            provider=provider,
            country=country.code,
            city=city,
            seats=max(1, round(headcount * rng.uniform(0.6, 1.0))),
            headcount=headcount,
            impact_workers=impact if rng.random() < 0.9 else None,
        )
        centres.append((centre, [taxonomy.languages[c] for c in codes]))
        codes_seen += [c for c in codes if c not in codes_seen]
    if rng.random() < 0.25:
        extra = rng.choice(EXTRA_LANGUAGES)
        if extra in taxonomy.languages and extra not in codes_seen:
            codes_seen.append(extra)
    if not codes_seen and taxonomy.languages:
        codes_seen.append("en" if "en" in taxonomy.languages else min(taxonomy.languages))
    return centres, codes_seen


def _draw_reports(rng, shape, provider, today):
    """Yearly impact reports, newest first; about one provider in seven reports stale figures.

    A report is stale when its period ended more than models.STALE_AFTER_MONTHS (24)
    months ago. Some drafts have not reported yet.
    """
    count = rng.choice((1, 2, 3, 4))
    if shape.status == ListingStatus.DRAFT and rng.random() < 0.3:
        count = 0
    start_month = rng.choice((1, 1, 1, 4, 7))
    latest_year = today.year
    while _period(latest_year, start_month)[1] > _days_before(today, 60):
        latest_year -= 1
    if rng.random() < 0.15:
        latest_year -= rng.randint(2, 4)  # ends well before the 24-month cut-off
    total = max(1, round(shape.workforce * rng.uniform(0.8, 1.0)))
    share = shape.share
    definition = rng.choice(DEFINITIONS)
    provenance = rng.choices(
        (Provenance.SELF_REPORTED, Provenance.DOCUMENTED, Provenance.THIRD_PARTY), (55, 30, 15)
    )[0]
    third_party = provenance == Provenance.THIRD_PARTY

    def part(low, high, probability=1.0):
        """A figure that is a part of the workforce, or None when not reported."""
        return round(total * rng.uniform(low, high)) if rng.random() < probability else None

    def figure(low, high, places, probability):
        return _decimal(rng.uniform(low, high), places) if rng.random() < probability else None

    reports = []
    for offset in range(count):
        period_start, period_end = _period(latest_year - offset, start_month)
        impact_workers = min(total, round(total * share / 100))
        report = ImpactReport(
            provider=provider,
            period_start=period_start,
            period_end=period_end,
            impact_worker_definition=definition,
            total_employees=total,
            impact_workers=impact_workers,
            employees_with_disabilities=part(0.0, 0.15, 0.8),
            employees_low_income_areas=part(0.2, 0.9, 0.7),
            women_employees=part(0.25, 0.75),
            living_wage_employees=part(0.4, 1.0, 0.6),
            min_wage_multiple=figure(1.0, 2.6, 2, 0.8),
            training_hours_per_employee=figure(12, 220, 1, 1.0),
            average_tenure_months=figure(6, 60, 1, 0.8),
            voluntary_turnover_pct=figure(2, 38, 2, 0.8),
            placement_rate_pct=figure(0, 45, 2, 0.5),
            provenance=provenance,
            verifier=rng.choice(VERIFIERS) if third_party else "",
            verified_on=period_end + datetime.timedelta(days=rng.randint(30, 120))
            if third_party
            else None,
            is_latest=offset == 0,
        )
        counts = _split(rng, impact_workers, len(shape.groups))
        groups = [
            ImpactReportGroup(
                report=report,
                target_group_id=group_id,
                workers=workers if rng.random() < 0.9 else None,
            )
            for (group_id, _name, _slug), workers in zip(shape.groups, counts, strict=True)
        ]
        reports.append((report, groups))
        # One year earlier: a little smaller, a similar share.
        total = max(1, round(total * rng.uniform(0.75, 0.98)))
        share = max(5, min(98, share + rng.randint(-6, 4)))
    return reports


def _draw_holdings(rng, shape, provider, taxonomy, today):
    """Certifications: bigger providers hold more; some expired, some never expire."""
    count = rng.randint(0, (1, 2, 3, 4)[shape.band])
    holdings = []
    for cert_id, _name, cert_slug in _sample(rng, taxonomy.certifications, count, count):
        roll = rng.random()
        if roll < 0.15:  # no expiry date
            issued, expires = _days_before(today, rng.randint(60, 2000)), None
        elif roll < 0.32:  # expired
            expires = _days_before(today, rng.randint(10, 900))
            issued = _years_later(expires, -3)
        else:
            issued = _days_before(today, rng.randint(20, 1000))
            expires = _years_later(issued, 3)
        if shape.verified and rng.random() < 0.8:
            verification = VerificationState.VERIFIED
        else:
            verification = rng.choices(
                (VerificationState.UNVERIFIED, VerificationState.REJECTED), (9, 1)
            )[0]
        holdings.append(
            CertificationHolding(
                provider=provider,
                certification_id=cert_id,
                scope=f"{shape.services[0][1]} operations in {shape.places[0][1]}",
                certificate_number=f"DEMO-{cert_slug.upper()}-{rng.randint(10000, 99999)}",
                issued_on=issued,
                expires_on=expires,
                verification=verification,
            )
        )
    return holdings


def _draw_case_studies(rng, shape, provider, today):
    """Up to three case studies, some older than the three years that count as recent."""
    studies = []
    for number in range(rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]):
        service_id, service_name, _category = rng.choice(shape.services)
        industry = rng.choice(shape.industries) if shape.industries else None
        client = f"a {_lower_first(industry[1])} client" if industry else "a client"
        volume = rng.randint(2, 90) * 10_000
        quoted = rng.random() < 0.4
        studies.append(
            CaseStudy(
                provider=provider,
                title=f"{service_name} for {client}" + (f" (phase {number + 1})" if number else ""),
                client_industry_id=industry[0] if industry else None,
                service_id=service_id,
                challenge=(
                    f"The client needed {_lower_first(service_name)} for about {volume:,} items "
                    "a month and could not staff it in-house."
                ),
                approach=(
                    f"A dedicated team of {rng.randint(5, 80)} people in {shape.places[0][1]}, "
                    "trained for two weeks, working to a shared quality checklist."
                ),
                results=(
                    f"{rng.randint(950, 999) / 10:.1f}% accuracy, turnaround cut by "
                    f"{rng.randint(15, 60)}% and {rng.randint(5, 60)} new jobs for people from "
                    "our target groups."
                ),
                year=today.year - rng.randint(0, 6),
                client_quote="The team became an extension of ours within weeks." if quoted else "",
                quote_attribution=f"Operations lead at {client} (fictional)" if quoted else "",
            )
        )
    return studies


def _draw_texts(rng, shape, name):
    """Tagline and description naming services, places and groups, so search has words to find."""
    service_names = [s[1] for s in shape.services]
    second = service_names[-1] if len(service_names) > 1 else "quality assurance"
    tagline = rng.choice(TAGLINES).format(
        s1=service_names[0],
        s2=second,
        s1l=_lower_first(service_names[0]),
        s2l=_lower_first(second),
        city=shape.places[0][1],
        country=shape.places[0][0].name,
    )[:200]
    centre_places = _join(f"{city} ({country.name})" for country, city in shape.places)
    kind = f"{SIZE_WORDS[shape.band]} {LEGAL_FORM_PHRASES[shape.legal_form]}"
    paragraphs = [
        f"{name} is a {kind} founded in {shape.founded}. It provides "
        f"{_join(_lower_first(s) for s in service_names)} from {centre_places}.",
        f"It deliberately hires {_join(_lower_first(g[1]) for g in shape.groups)}, and trains "
        f"every new colleague on the job; about {shape.share}% of its people are impact workers.",
    ]
    if rng.random() < 0.5:
        paragraphs.append(rng.choice(DATA_SENTENCES))
    paragraphs.append(
        "This is a fictional demo listing generated for ImpactDir: the organisation, its "
        "people, clients and figures do not exist."
    )
    return tagline, "\n\n".join(paragraphs)


def build_provider(index, *, seed, taxonomy, today, verifier_id=None):
    """Demo provider number `index` for `seed`, as unsaved instances in a `ProviderBundle`.

    Deterministic: the same arguments always give the same names, texts and figures
    (dates are relative to `today`). Every model constraint holds: impact workers never
    exceed employees or headcount, periods are ordered, expiry follows issue, rejected
    listings carry a reason.
    """
    rng = random.Random(f"{seed}:{index}")
    name = provider_name(index, seed=seed)
    slug = slugify(name)
    shape = _draw_shape(rng, index, seed=seed, taxonomy=taxonomy, today=today)
    main_country = shape.places[0][0].code
    provider = Provider(
        name=name,
        slug=slug,
        website=f"https://www.{slug}.example/",
        hq_country=main_country if rng.random() < 0.88 else rng.choice(FOREIGN_HQ),
        legal_form=shape.legal_form,
        org_registry="Demo company registry (fictional)",
        org_number=f"DEMO-{seed % 1000:03d}-{index:07d}",
        workforce=shape.workforce,
        contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}.",
        contact_email=f"hello@{slug}.example",
        status=shape.status,
    )
    bundle = ProviderBundle(provider=provider)
    bundle.services = _draw_services(rng, shape, provider)
    bundle.centres, language_codes = _draw_centres(rng, shape, provider, taxonomy)
    bundle.language_ids = [taxonomy.languages[code] for code in language_codes]
    bundle.industry_ids = [pk for pk, _name in shape.industries]
    bundle.pricing_model_ids = _sample(rng, taxonomy.pricing_models, 1, 2)
    bundle.delivery_mode_ids = _sample(rng, taxonomy.delivery_modes, 1, 2)
    bundle.market_ids = _sample(rng, taxonomy.markets, 1, 3)
    bundle.reports = _draw_reports(rng, shape, provider, today)
    bundle.holdings = _draw_holdings(rng, shape, provider, taxonomy, today)
    bundle.case_studies = _draw_case_studies(rng, shape, provider, today)

    # The organisation is at least as old as anything it reports.
    shape.founded = min(
        [shape.founded]
        + [report.period_start.year for report, _groups in bundle.reports]
        + [study.year for study in bundle.case_studies]
    )
    provider.founded_year = shape.founded
    provider.tagline, provider.description = _draw_texts(rng, shape, name)

    # Listing lifecycle.
    created_days = rng.randint(30, 1500)
    updated_days = rng.randint(0, min(created_days, 400))
    bundle.created_ago = datetime.timedelta(days=created_days, seconds=rng.randint(0, 86399))
    bundle.updated_ago = datetime.timedelta(days=updated_days, seconds=rng.randint(0, 86399))
    if shape.status == ListingStatus.REJECTED:
        provider.rejection_reason = rng.choice(REJECTION_REASONS)
    if shape.status in (ListingStatus.PUBLISHED, ListingStatus.SUSPENDED, ListingStatus.INACTIVE):
        published_on = _days_before(today, rng.randint(updated_days, created_days))
        provider.published_at = _aware(published_on, rng)
        provider.assured_date = _days_before(today, rng.randint(0, 500))
        if shape.verified:
            provider.verified_at = _aware(_days_before(today, rng.randint(0, 700)), rng)
            provider.verified_by_id = verifier_id
            provider.verification_notes = (
                "Registration checked against the registry; latest impact report compared "
                "with a payroll summary (demo data)."
            )
    return bundle
