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

from providers.disclosure import THRESHOLD, percent_of
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
    PartnershipKind,
    PricingModel,
    Provenance,
    Provider,
    ProviderService,
    ProviderType,
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
    partnership_kinds: dict = field(default_factory=dict)  # slug → id

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
            partnership_kinds=dict(PartnershipKind.objects.values_list("slug", "pk")),
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
    listing_language_ids: list = field(default_factory=list)
    pricing_model_ids: list = field(default_factory=list)
    delivery_mode_ids: list = field(default_factory=list)
    industry_ids: list = field(default_factory=list)
    market_ids: list = field(default_factory=list)
    partnerships_offered_ids: list = field(default_factory=list)
    partnerships_sought_ids: list = field(default_factory=list)
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


def _split_positive(rng, total, parts):
    """`total` split into `parts` integers of at least 1 summing to `total` (`total` >= `parts`)."""
    return [share + 1 for share in _split(rng, total - parts, parts)]


def _split_capped(rng, total, caps):
    """`total` shared out roughly in proportion to `caps`, no part above its cap.

    The parts sum to `total`, which must not exceed `sum(caps)`: impact workers
    shared over centres, none with more impact workers than people.
    """
    weights = [cap * rng.uniform(0.8, 1.2) for cap in caps]
    scale = sum(weights)
    parts = [
        min(cap, int(total * weight / scale)) for cap, weight in zip(caps, weights, strict=True)
    ]
    left = total - sum(parts)
    for position, cap in enumerate(caps):
        if not left:
            break
        room = min(left, cap - parts[position])
        parts[position] += room
        left -= room
    return parts


def _impact_workers(total, share):
    """Impact workers among `total` people at `share` percent: at least one, at most everyone."""
    return min(total, max(1, round(total * share / 100)))


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
    # Some small firms have a satellite office too: centres of fewer than 10 people
    # are what makes the disclosure rule visible in the demo.
    centre_count = min(
        workforce, rng.choice(((1, 1, 1, 2), (1, 1, 2), (1, 2, 3), (2, 3, 4, 5))[band])
    )
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
    """The services offered; some with a note, whose counts of people fit in the workforce.

    "N trained specialists" notes together never claim more people than the
    workforce, and N is never a small count (below THRESHOLD) of people.
    """
    offered = []
    untrained = shape.workforce  # people no note has claimed yet
    for service_id, _name, category in shape.services:
        if category == "customer-experience":
            voice = rng.choice((VoiceKind.VOICE, VoiceKind.NON_VOICE, VoiceKind.BOTH))
        else:
            voice = rng.choice((VoiceKind.NON_VOICE, VoiceKind.NON_VOICE, ""))
        note = ""
        if rng.random() < 0.4:
            kind = rng.randrange(4)
            most = min(400, untrained * 6 // 10)
            if kind == 0 and most >= THRESHOLD:
                trained = rng.randint(THRESHOLD, most)
                if trained >= 50:
                    trained -= trained % 10
                untrained -= trained
                note = f"{trained:,} trained specialists"
            elif kind <= 1:
                note = f"{rng.randint(950, 999) / 10:.1f}% accuracy on audited samples"
            elif kind == 2:
                note = "Around the clock, in three shifts"
            else:
                note = f"Pilot projects from {rng.randint(2, min(10, shape.workforce))} people"
        offered.append(
            ProviderService(provider=provider, service_id=service_id, voice=voice, note=note)
        )
    return offered


def _draw_centres(rng, shape, provider, taxonomy, impact_workers):
    """Centres sharing out the workforce, each with the local languages the catalogue knows.

    The headcounts add up to the workforce exactly, and the centres' impact
    workers to `impact_workers` (the latest report's) when the provider reports
    them per centre (nine in ten do; the others report none), never more than a
    centre's headcount. Those sums are what the disclosure rule's secondary
    suppression works from. Returns the centres as (DeliveryCentre, [language ids])
    and the provider's language codes.
    """
    places = shape.places
    headcounts = _split_positive(rng, shape.workforce, len(places))
    if rng.random() < 0.9:
        centre_workers = _split_capped(rng, impact_workers, headcounts)
    else:
        centre_workers = [None] * len(places)
    centres, codes_seen = [], []
    for (country, city), headcount, impact in zip(places, headcounts, centre_workers, strict=True):
        codes = [c for c in country.languages if c in taxonomy.languages]
        codes = codes[: rng.randint(1, min(3, len(codes)))] if codes else []
        if not codes and "en" in taxonomy.languages:
            codes = ["en"]
        centre = DeliveryCentre(
            provider=provider,
            country=country.code,
            city=city,
            # Fewer seats than people where they work in shifts.
            seats=max(1, round(headcount * rng.uniform(0.6, 1.0))),
            headcount=headcount,
            impact_workers=impact,
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


#: Report fields that count people of a target group, whoever was hired from it:
#: at least the impact workers the report counts in that group.
GROUP_FIELDS = {
    "persons-with-disabilities": "employees_with_disabilities",
    "low-income-areas": "employees_low_income_areas",
    "women": "women_employees",
}
#: Report counts as parts of the staff: (field, lowest and highest fraction, chance reported).
PART_FIELDS = (
    ("employees_with_disabilities", 0.0, 0.15, 0.8),
    ("employees_low_income_areas", 0.2, 0.9, 0.7),
    ("women_employees", 0.25, 0.75, 1.0),
    ("living_wage_employees", 0.4, 1.0, 0.6),
)
#: Report rates: (field, lowest, highest, decimal places, chance reported).
RATE_FIELDS = (
    ("min_wage_multiple", 1.0, 2.6, 2, 0.8),
    ("training_hours_per_employee", 12, 220, 1, 1.0),
    ("average_tenure_months", 6, 60, 1, 0.8),
    ("voluntary_turnover_pct", 2, 38, 2, 0.8),
    ("placement_rate_pct", 0, 45, 2, 0.5),
)
#: The smallest staff a report gives, as the workforce (`SIZE_BANDS`).
SMALLEST_STAFF = 3


def _draw_reports(rng, shape, provider, today):
    """Yearly impact reports, newest first; about one provider in seven reports stale figures.

    The newest report's total employees is the workforce (the listing gives the
    figures of its latest report, stale or not); earlier years are smaller, mostly,
    with a similar impact share and figures that drift a little from year to year.
    Impact workers are shared out over the target groups (each counted in one
    group), so the group counts add up to the report's impact workers, unless
    the report gives no counts per group (one in ten).

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
    total = shape.workforce
    share = shape.share
    definition = rng.choice(DEFINITIONS)
    provenance = rng.choices(
        (Provenance.SELF_REPORTED, Provenance.DOCUMENTED, Provenance.THIRD_PARTY), (55, 30, 15)
    )[0]
    third_party = provenance == Provenance.THIRD_PARTY
    # What the provider reports, decided once: a figure does not come and go by
    # year. [field, value, ...], updated in place as the years go back.
    fractions = [
        [name, rng.uniform(low, high)]
        for name, low, high, chance in PART_FIELDS
        if rng.random() < chance
    ]
    rates = [
        [name, rng.uniform(low, high), low, high, places]
        for name, low, high, places, chance in RATE_FIELDS
        if rng.random() < chance
    ]
    counts_groups = rng.random() < 0.9

    reports = []
    for offset in range(count):
        period_start, period_end = _period(latest_year - offset, start_month)
        impact_workers = _impact_workers(total, share)
        # Fewer impact workers than groups: the first groups only.
        groups = shape.groups[:impact_workers]
        if counts_groups and groups:
            group_counts = _split_positive(rng, impact_workers, len(groups))
        else:
            group_counts = [None] * len(groups)
        # Unreported figures are left to the model's default (None).
        figures = {name: round(total * fraction) for name, fraction in fractions}
        for (_id, _name, slug), workers in zip(groups, group_counts, strict=True):
            field_name = GROUP_FIELDS.get(slug)
            if workers is not None and field_name in figures:
                figures[field_name] = max(figures[field_name], workers)
        for name, value, _low, _high, places in rates:
            figures[name] = _decimal(value, places)
        report = ImpactReport(
            provider=provider,
            period_start=period_start,
            period_end=period_end,
            impact_worker_definition=definition,
            total_employees=total,
            impact_workers=impact_workers,
            provenance=provenance,
            verifier=rng.choice(VERIFIERS) if third_party else "",
            verified_on=period_end + datetime.timedelta(days=rng.randint(30, 120))
            if third_party
            else None,
            is_latest=offset == 0,
            **figures,
        )
        reports.append(
            (
                report,
                [
                    ImpactReportGroup(report=report, target_group_id=group_id, workers=workers)
                    for (group_id, _name, _slug), workers in zip(groups, group_counts, strict=True)
                ],
            )
        )
        # One year earlier: mostly a little smaller, a similar share, similar figures.
        total = max(SMALLEST_STAFF, round(total * rng.uniform(0.78, 1.03)))
        share = max(5, min(98, share + rng.randint(-6, 4)))
        for item in fractions:
            item[1] = min(1.0, item[1] * rng.uniform(0.94, 1.06))
        for item in rates:
            item[1] = min(item[3], max(item[2], item[1] * rng.uniform(0.92, 1.08)))
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


def _draw_case_studies(rng, shape, provider, today, reports):
    """Up to three case studies, some older than the three years that count as recent.

    A team is never larger than the firm was at any time its figures cover
    (the workforce and every report's total), and the jobs it created for
    target groups never outnumber the team or the impact workers of any report.
    Counts of people below THRESHOLD are not written as numbers.
    """
    staff = min([shape.workforce] + [report.total_employees for report, _groups in reports])
    impact = min(
        [_impact_workers(staff, shape.share)]
        + [report.impact_workers for report, _groups in reports]
    )
    city = shape.places[0][1]
    studies = []
    for number in range(rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]):
        service_id, service_name, _category = rng.choice(shape.services)
        industry = rng.choice(shape.industries) if shape.industries else None
        client = f"a {_lower_first(industry[1])} client" if industry else "a client"
        if staff >= THRESHOLD:
            team = rng.randint(THRESHOLD, max(THRESHOLD, min(80, staff * 4 // 5)))
            team_text = f"A dedicated team of {team} people in {city}"
        else:
            team = staff
            team_text = f"A small dedicated team in {city}"
        # Items a month in line with the team: a few hundred to a few thousand each.
        volume = max(1000, round(team * rng.randint(300, 3000), -3))
        jobs = min(team, impact, round(team * shape.share / 100 * rng.uniform(0.5, 1.0)))
        jobs_text = (
            f"{jobs} new jobs for people from our target groups"
            if jobs >= THRESHOLD
            else "new jobs for people from our target groups"
        )
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
                    f"{team_text}, trained for two weeks, working to a shared quality checklist."
                ),
                results=(
                    f"{rng.randint(950, 999) / 10:.1f}% accuracy, turnaround cut by "
                    f"{rng.randint(15, 60)}% and {jobs_text}."
                ),
                year=today.year - rng.randint(0, 6),
                client_quote="The team became an extension of ours within weeks." if quoted else "",
                quote_attribution=f"Operations lead at {client} (fictional)" if quoted else "",
            )
        )
    return studies


def _share_phrase(total, impact_workers, reported):
    """How many of `total` people are impact workers, in words the profile's figures agree with.

    The share is the latest report's (as the profile shows it); with fewer than
    THRESHOLD impact workers the profile withholds the share, so the text says
    "most" or "some" instead of a number that would give the count away. Before
    a first report, there is no share to quote either.
    """
    if reported and impact_workers >= THRESHOLD:
        return f"about {percent_of(impact_workers, total)}% of its people are impact workers"
    if 2 * impact_workers > total:
        return "most of its people are impact workers"
    return "some of its people are impact workers"


def _draw_texts(rng, shape, name, total, impact_workers, *, reported):
    """Tagline and description naming services, places and groups, so search has words to find.

    `total` and `impact_workers` are the latest report's figures (or the
    workforce's, before a first report), which the description's share agrees with.
    """
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
        f"every new colleague on the job; {_share_phrase(total, impact_workers, reported)}.",
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
    listings carry a reason. The figures hold together as the disclosure rule assumes
    (`providers.disclosure`): the centres' headcounts add up to the workforce, which is
    the latest report's total employees; the centres' impact workers and the target
    groups' counts add up to its impact workers (where they are given). Texts are
    written from the figures: no note or case study claims more people than there are.
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
    # The latest report's figures are the listing's: centres share them out.
    bundle.reports = _draw_reports(rng, shape, provider, today)
    if bundle.reports:
        latest = bundle.reports[0][0]
        total, impact_workers = latest.total_employees, latest.impact_workers
    else:
        total, impact_workers = shape.workforce, _impact_workers(shape.workforce, shape.share)
    bundle.centres, language_codes = _draw_centres(rng, shape, provider, taxonomy, impact_workers)
    bundle.language_ids = [taxonomy.languages[code] for code in language_codes]
    # The demo's texts are drawn in English, so that is what its listings say they are written in.
    bundle.listing_language_ids = [taxonomy.languages["en"]] if "en" in taxonomy.languages else []
    bundle.industry_ids = [pk for pk, _name in shape.industries]
    bundle.pricing_model_ids = _sample(rng, taxonomy.pricing_models, 1, 2)
    bundle.delivery_mode_ids = _sample(rng, taxonomy.delivery_modes, 1, 2)
    bundle.market_ids = _sample(rng, taxonomy.markets, 1, 3)
    bundle.holdings = _draw_holdings(rng, shape, provider, taxonomy, today)
    bundle.case_studies = _draw_case_studies(rng, shape, provider, today, bundle.reports)

    # The organisation is at least as old as anything it reports.
    shape.founded = min(
        [shape.founded]
        + [report.period_start.year for report, _groups in bundle.reports]
        + [study.year for study in bundle.case_studies]
    )
    provider.founded_year = shape.founded
    provider.tagline, provider.description = _draw_texts(
        rng, shape, name, total, impact_workers, reported=bool(bundle.reports)
    )

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
        # Confirmed some time since it was published; about one old listing in six has
        # not been confirmed for over two years, so the demo shows that mark too.
        provider.assured_date = _days_before(
            today, rng.randint(0, min((today - published_on).days, 900))
        )
        if shape.verified:
            provider.verified_at = _aware(_days_before(today, rng.randint(0, 700)), rng)
            provider.verified_by_id = verifier_id
            provider.verification_notes = (
                "Registration checked against the registry; latest impact report compared "
                "with a payroll summary (demo data)."
            )
    _draw_type_and_partnerships(bundle, shape, taxonomy, f"{seed}:{index}")
    return bundle


#: Fictional outsourcing companies whose impact sourcing programmes the demo lists.
PARENT_COMPANIES = (
    "Northwind Outsourcing Group",
    "Meridian Customer Services",
    "Atlas Global BPO",
    "Keystone Business Solutions",
)

#: (what a kind of provider offers, what it seeks): slugs of PartnershipKind, each kept
#: with the chance given. Programmes of outsourcers pass work on and train; dedicated
#: providers take work on and bid together.
_PARTNERSHIPS = {
    ProviderType.PROGRAMME: (
        {"subcontracted-work": 0.6, "training": 0.5, "joint-bids": 0.2},
        {"subcontracting-capacity": 0.7, "training": 0.2},
    ),
    ProviderType.DEDICATED: (
        {"subcontracting-capacity": 0.45, "training": 0.15, "joint-bids": 0.15},
        {"subcontracted-work": 0.4, "joint-bids": 0.35, "training": 0.25},
    ),
    "": ({"subcontracting-capacity": 0.15}, {"subcontracted-work": 0.15}),
}


def _draw_type_and_partnerships(bundle, shape, taxonomy, key):
    """Who provides it (mostly dedicated providers; some for-profits are an outsourcer's
    programme; a few do not say) and the partnerships it states. Its own random numbers,
    so the rest of the listing is drawn as before."""
    rng = random.Random(f"{key}:type")
    provider = bundle.provider
    roll = rng.random()
    if shape.legal_form == LegalForm.FOR_PROFIT and roll < 0.3:
        provider.provider_type = ProviderType.PROGRAMME
        provider.parent_company = rng.choice(PARENT_COMPANIES)
    elif roll < 0.9:
        provider.provider_type = ProviderType.DEDICATED
    offers, seeks = _PARTNERSHIPS[provider.provider_type]
    kinds = taxonomy.partnership_kinds
    bundle.partnerships_offered_ids = [
        kinds[slug] for slug, chance in offers.items() if slug in kinds and rng.random() < chance
    ]
    bundle.partnerships_sought_ids = [
        kinds[slug] for slug, chance in seeks.items() if slug in kinds and rng.random() < chance
    ]
