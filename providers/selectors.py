"""Reads for the public pages: a provider's profile and the home page figures.

Both return plain data for the templates, built in a fixed, small number of
SQL queries whatever the size of the listing, so a profile never turns into an
N+1 as providers add centres, certifications or case studies.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connections
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django_countries.fields import Country

from buyers.search.index import CHANGE_TABLE, TOKEN_TABLE

from . import disclosure
from .collation import sort_key
from .disclosure import Shown
from .models import (
    CaseStudy,
    CertificationCategory,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    ListingStatus,
    Membership,
    Provenance,
    Provider,
    ProviderService,
    Region,
    RegionCountry,
    Service,
    VerificationState,
    VoiceKind,
)
from .stats.benchmarks import ReportPoint, profile_benchmarks, provider_trend

# --------------------------------------------------------------------------
# Profile data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """One entry of a small taxonomy list (a language, an industry, a market…)."""

    name: str
    slug: str


@dataclass(frozen=True)
class ServiceOffer:
    name: str
    slug: str
    voice: str
    note: str


@dataclass
class ServiceCategoryGroup:
    name: str
    slug: str
    services: list[ServiceOffer] = field(default_factory=list)


@dataclass
class Centre:
    """A delivery centre; its counts of people are filled in by the disclosure rule."""

    country: Country
    city: str
    seats: int | None
    raw_headcount: int | None
    raw_impact_workers: int | None
    languages: list[str] = field(default_factory=list)
    headcount: Shown = disclosure.MISSING
    impact_workers: Shown = disclosure.MISSING


@dataclass(frozen=True)
class HeldCertification:
    name: str
    slug: str
    category: str
    scope: str
    certificate_number: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    verified: bool
    verification: str
    is_expired: bool


@dataclass(frozen=True)
class Figure:
    """One impact figure as the disclosure rule lets the public see it."""

    label: str
    shown: Shown
    iris_code: str
    name: str = ""  # the report field


@dataclass
class GroupCount:
    name: str
    slug: str
    raw_workers: int | None
    workers: Shown = disclosure.MISSING


@dataclass
class ImpactSummary:
    """The latest impact report, ready to show."""

    period_start: datetime.date
    period_end: datetime.date
    definition: str
    provenance: str
    provenance_label: str
    verifier: str
    verified_on: datetime.date | None
    is_stale: bool
    impact_share: Shown
    #: the directory's own check, apart from the provider's provenance claim
    directory_verification: "DirectoryCheck"
    figures: list[Figure]
    groups: list[GroupCount]


@dataclass(frozen=True)
class DirectoryCheck:
    """The directory's check of a report as the public sees it: its state, and when and
    what was checked once verified (the operator who checked stays in admin)."""

    state: str
    label: str
    verified_on: datetime.date | None = None
    checks: str = ""

    @property
    def is_verified(self) -> bool:
        return self.state == VerificationState.VERIFIED


def directory_check(state, verified_at=None, notes="") -> DirectoryCheck:
    """The public `DirectoryCheck` of a report's stored verification fields."""
    verified = state == VerificationState.VERIFIED
    return DirectoryCheck(
        state=state,
        label=str(VerificationState(state).label),
        verified_on=timezone.localdate(verified_at) if verified and verified_at else None,
        checks=notes if verified else "",
    )


#: Rates of an earlier report the profile shows beside its counts.
EARLIER_REPORT_RATES = (
    "min_wage_multiple",
    "training_hours_per_employee",
    "average_tenure_months",
    "voluntary_turnover_pct",
    "placement_rate_pct",
)


@dataclass(frozen=True)
class EarlierReport:
    period_start: datetime.date
    period_end: datetime.date
    total_employees: Shown
    impact_workers: Shown
    provenance_label: str
    directory_verification: DirectoryCheck
    impact_share: Shown = disclosure.MISSING
    #: rate field -> Shown (rates are shown as reported)
    rates: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CaseStudyView:
    title: str
    year: int
    is_recent: bool
    client_industry: str
    service: str
    challenge: str
    approach: str
    results: str
    client_quote: str
    quote_attribution: str
    #: its primary key: the profile's anchor `#case-study-<pk>` (the library links to it)
    pk: int = 0


@dataclass
class ProviderProfile:
    """Everything the public profile shows; no attribute touches the database."""

    provider: Provider
    workforce: Shown
    services: list[ServiceCategoryGroup]
    centres: list[Centre]
    certifications: list[HeldCertification]
    languages: list[Lookup]
    industries: list[Lookup]
    markets: list[Lookup]
    pricing_models: list[Lookup]
    delivery_modes: list[Lookup]
    #: partnerships with other providers it offers and seeks (slugs are search's `offers`
    #: and `seeks` values)
    listing_languages: list[Lookup]
    partnerships_offered: list[Lookup]
    partnerships_sought: list[Lookup]
    impact: ImpactSummary | None
    earlier_reports: list[EarlierReport]
    case_studies: list[CaseStudyView]
    #: sector medians of the provider's peers (None while this worker has no statistics)
    benchmarks: object = None
    #: its reports over time as a chart (None with fewer than two reports)
    trend: object = None

    @property
    def text_language(self) -> str:
        """The language of the provider's own texts, when the listing states exactly one."""
        return self.listing_languages[0].slug if len(self.listing_languages) == 1 else ""

    @property
    def delivery_countries(self) -> list[Country]:
        seen = {}
        for centre in self.centres:
            seen.setdefault(centre.country.code, centre.country)
        return sorted(seen.values(), key=lambda country: sort_key(str(country.name)))

    @property
    def figure_rows(self) -> list[tuple[Figure, object]]:
        """The latest report's figures, each with its sector median (None when it has none)."""
        if self.impact is None:
            return []
        medians = self.benchmarks.medians if self.benchmarks is not None else {}
        return [(figure, medians.get(figure.name)) for figure in self.impact.figures]

    @property
    def share_median(self):
        return self.benchmarks.get("impact_share") if self.benchmarks is not None else None

    @property
    def recent_case_studies(self) -> list[CaseStudyView]:
        return [study for study in self.case_studies if study.is_recent]


# One row shape for every small list of a profile, so they all come back in a
# single UNION ALL query. Every column is typed (NULLs too): PostgreSQL
# resolves the types of a chain of UNIONs pair by pair, and a column that is
# NULL in the first two branches would otherwise become text.
_TEXT_COLUMNS = [f"t{i}" for i in range(1, 9)]
_INT_COLUMNS = ["n1", "n2", "n3", "n4"]
_DATE_COLUMNS = ["d1", "d2"]
_COLUMNS = ["kind", "row_id", "owner_id", *_TEXT_COLUMNS, *_INT_COLUMNS, *_DATE_COLUMNS]


def _typed(value, column):
    """An expression for `column` that carries the column's SQL type."""
    if column in ("row_id", "owner_id") or column in _INT_COLUMNS:
        output = IntegerField()
    elif column in _DATE_COLUMNS:
        output = DateField()
    else:
        output = TextField()
    if value is None:
        return Cast(Value(None), output)
    if isinstance(value, str):
        value = F(value)
    # ExpressionWrapper keeps the SQL plain and declares the column's type.
    return ExpressionWrapper(value, output_field=output)


def _branch(queryset, kind, **columns):
    """A `values_list` over `queryset` in the common row shape; unset columns are NULL."""
    annotations = {"c_kind": Value(kind, output_field=CharField())}
    for column in _COLUMNS[1:]:
        annotations[f"c_{column}"] = _typed(columns.get(column), column)
    return (
        queryset.order_by()
        .annotate(**annotations)
        .values_list(*(f"c_{column}" for column in _COLUMNS))
    )


def _profile_union(provider_id):
    """The UNION ALL queryset of every small list of one provider's profile."""
    branches = [
        _branch(
            Provider.pricing_models.through.objects.filter(provider_id=provider_id),
            "pricing",
            row_id="pricingmodel_id",
            t1="pricingmodel__name",
            t2="pricingmodel__slug",
            n1="pricingmodel__position",
        ),
        _branch(
            Provider.delivery_modes.through.objects.filter(provider_id=provider_id),
            "mode",
            row_id="deliverymode_id",
            t1="deliverymode__name",
            t2="deliverymode__slug",
            n1="deliverymode__position",
        ),
        _branch(
            Provider.industries.through.objects.filter(provider_id=provider_id),
            "industry",
            row_id="industry_id",
            t1="industry__name",
            t2="industry__slug",
        ),
        _branch(
            Provider.languages.through.objects.filter(provider_id=provider_id),
            "language",
            row_id="language_id",
            t1="language__name",
            t2="language__code",
        ),
        _branch(
            Provider.listing_languages.through.objects.filter(provider_id=provider_id),
            "written",
            row_id="language_id",
            t1="language__name",
            t2="language__code",
        ),
        _branch(
            Provider.partnerships_offered.through.objects.filter(provider_id=provider_id),
            "offers",
            row_id="partnershipkind_id",
            t1="partnershipkind__name",
            t2="partnershipkind__slug",
            n1="partnershipkind__position",
        ),
        _branch(
            Provider.partnerships_sought.through.objects.filter(provider_id=provider_id),
            "seeks",
            row_id="partnershipkind_id",
            t1="partnershipkind__name",
            t2="partnershipkind__slug",
            n1="partnershipkind__position",
        ),
        _branch(
            Provider.markets.through.objects.filter(provider_id=provider_id),
            "market",
            row_id="region_id",
            t1="region__name",
            t2="region__slug",
        ),
        _branch(
            ProviderService.objects.filter(provider_id=provider_id),
            "service",
            row_id="pk",
            owner_id="service__parent_id",
            t1="service__name",
            t2="service__slug",
            t3="service__parent__name",
            t4="service__parent__slug",
            t5="voice",
            t6="note",
            n1="service__parent__position",
            n2="service__position",
        ),
        _branch(
            DeliveryCentre.objects.filter(provider_id=provider_id),
            "centre",
            row_id="pk",
            t1="country",
            t2="city",
            n1="seats",
            n2="headcount",
            n3="impact_workers",
        ),
        _branch(
            # A subquery of the provider's centres, not a join: PostgreSQL then
            # reads the through table by its index instead of scanning it.
            DeliveryCentre.languages.through.objects.filter(
                deliverycentre_id__in=DeliveryCentre.objects.filter(provider_id=provider_id).values(
                    "pk"
                )
            ),
            "centre_language",
            row_id="language_id",
            owner_id="deliverycentre_id",
            t1="language__name",
        ),
        _branch(
            CertificationHolding.objects.filter(provider_id=provider_id),
            "certification",
            row_id="pk",
            t1="certification__name",
            t2="certification__slug",
            t3="certification__category",
            t4="scope",
            t5="certificate_number",
            t6="verification",
            d1="issued_on",
            d2="expires_on",
        ),
        _branch(
            ImpactReportGroup.objects.filter(
                report_id__in=ImpactReport.objects.filter(
                    provider_id=provider_id, is_latest=True
                ).values("pk")
            ),
            "group",
            row_id="target_group_id",
            t1="target_group__name",
            t2="target_group__slug",
            n1="workers",
            n2="target_group__position",
        ),
        _branch(
            ImpactReport.objects.filter(provider_id=provider_id, is_latest=False),
            "report",
            row_id="pk",
            t1="provenance",
            # Rates travel as text: the union's columns have one type each.
            **{
                f"t{i}": Cast(name, TextField())
                for i, name in enumerate(EARLIER_REPORT_RATES, start=2)
            },
            t7="directory_verification",
            n1="total_employees",
            n2="impact_workers",
            d1="period_start",
            d2="period_end",
        ),
        _branch(
            CaseStudy.objects.filter(provider_id=provider_id),
            "case_study",
            row_id="pk",
            t1="title",
            t2="challenge",
            t3="approach",
            t4="results",
            t5="client_quote",
            t6="quote_attribution",
            t7="client_industry__name",
            t8="service__name",
            n1="year",
        ),
    ]
    first, *rest = branches
    return first.union(*rest, all=True)


# Building and compiling a twelve-branch union costs the ORM more time than the
# database needs to answer it, and only the provider id changes between
# profiles: compile once per database backend with a sentinel id, then run the
# SQL with the real id in the sentinel's place.
_SENTINEL_PROVIDER_ID = -2_147_483_000
_compiled_profile_sql: dict[str, tuple[str, tuple, tuple[int, ...]]] = {}


def _profile_sql(connection):
    compiled = _compiled_profile_sql.get(connection.vendor)
    if compiled is None:
        queryset = _profile_union(_SENTINEL_PROVIDER_ID)
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
        slots = tuple(
            i
            for i, param in enumerate(params)
            if type(param) is int and param == _SENTINEL_PROVIDER_ID
        )
        compiled = _compiled_profile_sql[connection.vendor] = (sql, tuple(params), slots)
    return compiled


def _profile_rows(provider_id):
    """Every row of the profile union for `provider_id`, as dicts keyed by column."""
    connection = connections[Provider.objects.db]
    sql, params, slots = _profile_sql(connection)
    params = list(params)
    for slot in slots:
        params[slot] = provider_id
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    date_slots = [_COLUMNS.index(column) for column in _DATE_COLUMNS]
    for values in rows:
        row = dict(zip(_COLUMNS, values, strict=True))
        # SQLite hands dates back as ISO text; the ORM's converters are bypassed here.
        for index in date_slots:
            value = values[index]
            if isinstance(value, str):
                row[_COLUMNS[index]] = datetime.date.fromisoformat(value)
        yield row


def _impact_summary(report, groups, figures_shown, today):
    figures = [
        Figure(
            label=str(report._meta.get_field(name).verbose_name),
            shown=figures_shown.report_figure(name, getattr(report, name)),
            iris_code=code,
            name=name,
        )
        for name, code in report.figure_codes()
    ]
    return ImpactSummary(
        period_start=report.period_start,
        period_end=report.period_end,
        definition=report.impact_worker_definition,
        provenance=report.provenance,
        provenance_label=str(Provenance(report.provenance).label),
        verifier=report.verifier,
        verified_on=report.verified_on,
        is_stale=report.is_stale(on=today),
        impact_share=figures_shown.impact_share,
        directory_verification=directory_check(
            report.directory_verification,
            report.directory_verified_at,
            report.directory_verification_notes,
        ),
        figures=figures,
        groups=groups,
    )


def listing_figures_of(provider, report, groups, centres) -> disclosure.ListingFigures:
    """Run the disclosure rule over a profile's counts and fill them into its parts.

    `groups` and `centres` are the profile's `GroupCount` and `Centre` objects;
    their public `workers`, `headcount` and `impact_workers` are set here.
    """
    shown = disclosure.listing_figures(
        workforce=provider.workforce,
        report=(
            {name: getattr(report, name) for name in disclosure.REPORT_COUNT_FIELDS}
            if report is not None
            else None
        ),
        groups={group.slug: group.raw_workers for group in groups},
        centres=[(c.raw_headcount, c.raw_impact_workers) for c in centres],
    )
    for group in groups:
        group.workers = shown.groups[group.slug]
    for centre, figures in zip(centres, shown.centres, strict=True):
        centre.headcount = figures.headcount
        centre.impact_workers = figures.impact_workers
    return shown


#: The search data's version (buyers.search.index.search_data_token), in SQL.
_TOKEN_SQL = (
    f"SELECT t.token || ':' || (SELECT COALESCE(MAX(seq), 0) FROM {CHANGE_TABLE}) "  # noqa: S608 (constant tables)
    f"FROM {TOKEN_TABLE} t WHERE t.id = 1"
)


def provider_profile(
    *, slug: str | None = None, pk: int | None = None, published_only: bool = True
) -> ProviderProfile:
    """The public profile of the published provider `slug` (or `pk`), in two SQL queries.

    Raises `Provider.DoesNotExist` for an unknown slug or any listing that is not
    published; with `published_only=False` (the owners' preview of a draft, which
    the caller has checked they may see) a listing in any status. The JSON API
    reads its provider detail here, by primary key. One query reads the provider
    with its latest report; one UNION ALL reads every list the page shows. Counts
    of people are shown as `providers.disclosure` decides.
    """
    listings = Provider.objects.published() if published_only else Provider.objects.all()
    provider = (
        listings.annotate(
            latest=FilteredRelation("reports", condition=Q(reports__is_latest=True)),
            # Read with the provider, so sector medians cost the profile no query.
            search_token=RawSQL(_TOKEN_SQL, ()),  # noqa: S611 (constant SQL, no parameters)
            # Nobody manages an unclaimed listing: buyers are told where an inquiry goes.
            has_staff=Exists(
                Membership.objects.filter(provider=OuterRef("pk"), user__is_active=True)
            ),
        )
        .select_related("latest")
        .get(**({"slug": slug} if pk is None else {"pk": pk}))
    )
    latest_report = getattr(provider, "latest", None)
    today = timezone.localdate()

    lookups = {
        kind: []
        for kind in (
            "pricing",
            "mode",
            "industry",
            "language",
            "written",
            "market",
            "offers",
            "seeks",
        )
    }
    categories: dict[int, ServiceCategoryGroup] = {}
    service_rows = []
    centres: dict[int, Centre] = {}
    centre_languages = []
    certifications = []
    groups = []
    earlier = []
    case_studies = []

    for row in _profile_rows(provider.pk):
        kind = row["kind"]
        if kind in lookups:
            lookups[kind].append(
                (row["n1"] or 0, row["t1"], Lookup(name=row["t1"], slug=row["t2"]))
            )
        elif kind == "service":
            service_rows.append(row)
        elif kind == "centre":
            centres[row["row_id"]] = Centre(
                country=Country(code=row["t1"]),
                city=row["t2"],
                seats=row["n1"],
                raw_headcount=row["n2"],
                raw_impact_workers=row["n3"],
            )
        elif kind == "centre_language":
            centre_languages.append((row["owner_id"], row["t1"]))
        elif kind == "certification":
            expires_on = row["d2"]
            certifications.append(
                HeldCertification(
                    name=row["t1"],
                    slug=row["t2"],
                    category=str(CertificationCategory(row["t3"]).label),
                    scope=row["t4"],
                    certificate_number=row["t5"],
                    issued_on=row["d1"],
                    expires_on=expires_on,
                    verified=row["t6"] == VerificationState.VERIFIED,
                    verification=str(VerificationState(row["t6"]).label),
                    is_expired=expires_on is not None and expires_on < today,
                )
            )
        elif kind == "group":
            groups.append((row["n2"] or 0, row["t1"], GroupCount(row["t1"], row["t2"], row["n1"])))
        elif kind == "report":
            earlier.append(_earlier_report(row))
        elif kind == "case_study":
            year = row["n1"]
            case_studies.append(
                CaseStudyView(
                    title=row["t1"],
                    year=year,
                    is_recent=CaseStudy(year=year).is_recent(on=today),
                    client_industry=row["t7"] or "",
                    service=row["t8"] or "",
                    challenge=row["t2"],
                    approach=row["t3"],
                    results=row["t4"],
                    client_quote=row["t5"],
                    quote_attribution=row["t6"],
                    pk=row["row_id"],
                )
            )

    voice_labels = dict(VoiceKind.choices)
    service_rows.sort(key=lambda r: (r["n1"] or 0, r["t3"], r["n2"] or 0, r["t1"]))
    for row in service_rows:
        category = categories.setdefault(
            row["owner_id"], ServiceCategoryGroup(name=row["t3"], slug=row["t4"])
        )
        category.services.append(
            ServiceOffer(
                name=row["t1"],
                slug=row["t2"],
                voice=str(voice_labels.get(row["t5"], "")),
                note=row["t6"],
            )
        )
    for centre_id, language in sorted(centre_languages, key=lambda item: item[1]):
        if centre_id in centres:
            centres[centre_id].languages.append(language)

    def ordered(kind):
        return [lookup for _, _, lookup in sorted(lookups[kind], key=lambda item: item[:2])]

    centre_list = sorted(
        centres.values(), key=lambda c: (sort_key(str(c.country.name)), sort_key(c.city))
    )
    group_list = [g for _, _, g in sorted(groups)]
    shown = listing_figures_of(provider, latest_report, group_list, centre_list)

    impact = (
        _impact_summary(latest_report, group_list, shown, today)
        if latest_report is not None
        else None
    )
    earlier_reports = sorted(earlier, key=lambda r: r.period_end, reverse=True)
    services = [offer.slug for category in categories.values() for offer in category.services]
    return ProviderProfile(
        provider=provider,
        workforce=shown.workforce,
        services=list(categories.values()),
        centres=centre_list,
        certifications=sorted(certifications, key=lambda c: (c.is_expired, c.name.casefold())),
        languages=ordered("language"),
        listing_languages=ordered("written"),
        industries=ordered("industry"),
        markets=ordered("market"),
        pricing_models=ordered("pricing"),
        delivery_modes=ordered("mode"),
        partnerships_offered=ordered("offers"),
        partnerships_sought=ordered("seeks"),
        impact=impact,
        earlier_reports=earlier_reports,
        case_studies=sorted(case_studies, key=lambda c: (-c.year, c.title.casefold())),
        benchmarks=(
            profile_benchmarks(
                token=provider.search_token,
                services=services,
                countries=[centre.country.code for centre in centre_list],
            )
            if impact is not None
            else None
        ),
        trend=provider_trend(
            slug=provider.slug,
            points=_report_points(impact, earlier_reports),
        ),
    )


def _earlier_report(row) -> EarlierReport:
    total, workers = row["n1"], row["n2"]
    workers_shown = disclosure.count(workers)
    return EarlierReport(
        period_start=row["d1"],
        period_end=row["d2"],
        total_employees=disclosure.count(total),
        impact_workers=workers_shown,
        provenance_label=str(Provenance(row["t1"]).label),
        directory_verification=directory_check(row["t7"]),
        impact_share=(
            disclosure.share(workers_shown, total, disclosure.percent_of(workers, total))
            if total and workers is not None
            else disclosure.MISSING
        ),
        rates={
            name: disclosure.rate(Decimal(row[f"t{i}"]) if row[f"t{i}"] is not None else None)
            for i, name in enumerate(EARLIER_REPORT_RATES, start=2)
        },
    )


def _report_points(impact, earlier_reports) -> list[ReportPoint]:
    """Every report of the profile (latest and earlier), as the trend draws them."""
    points = [
        ReportPoint(
            period_start=r.period_start,
            period_end=r.period_end,
            total_employees=r.total_employees,
            impact_workers=r.impact_workers,
            impact_share=r.impact_share,
            rates=r.rates,
            provenance_label=r.provenance_label,
        )
        for r in earlier_reports
    ]
    if impact is not None:
        figures = {figure.name: figure.shown for figure in impact.figures}
        points.append(
            ReportPoint(
                period_start=impact.period_start,
                period_end=impact.period_end,
                total_employees=figures.get("total_employees", disclosure.MISSING),
                impact_workers=figures.get("impact_workers", disclosure.MISSING),
                impact_share=impact.impact_share,
                rates={
                    name: figures.get(name, disclosure.MISSING) for name in EARLIER_REPORT_RATES
                },
                provenance_label=impact.provenance_label,
            )
        )
    return points


# --------------------------------------------------------------------------
# Home page
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """A service or region with the number of published providers it has."""

    name: str
    slug: str
    providers: int


@dataclass(frozen=True)
class HomeStats:
    providers: int
    countries: int
    impact_workers: int
    top_services: list[Ranked]
    top_regions: list[Ranked]
    #: ISO code -> published providers delivering from it (the home page's map)
    providers_by_country: dict = field(default_factory=dict)

    @property
    def country_map(self):
        """A small tile map of where the work is delivered."""
        from .stats.figures import home_map

        return home_map(self.providers_by_country)


class _CountDistinctProviders(Func):
    """COUNT(DISTINCT provider_id) of a correlated subquery over delivery centres."""

    template = "COUNT(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def home_stats(*, limit: int = 6) -> HomeStats:
    """Headline figures of the directory, counting published providers only (four queries).

    `impact_workers` sums the latest report of each published provider, leaving
    out counts shown banded;
    `top_regions` ranks top-level regions by providers delivering from them.
    """
    published = Provider.objects.published()
    # At most one latest report per provider (a unique constraint), so the
    # join neither duplicates providers nor double-counts workers.
    totals = published.annotate(
        latest=FilteredRelation("reports", condition=Q(reports__is_latest=True))
    ).aggregate(
        providers=Count("pk"),
        # Only counts the disclosure rule shows exactly (report totals are never
        # withheld, only banded), so the sum cannot be used to find a hidden one.
        impact_workers=Coalesce(
            Sum(
                "latest__impact_workers",
                filter=Q(latest__impact_workers__gte=disclosure.THRESHOLD),
            ),
            0,
        ),
    )
    by_country = dict(
        DeliveryCentre.objects.filter(provider__status=ListingStatus.PUBLISHED)
        .order_by()
        .values("country")
        .annotate(n=Count("provider_id", distinct=True))
        .values_list("country", "n")
    )
    top_services = (
        Service.objects.leaves()
        .annotate(
            n=Count("offerings", filter=Q(offerings__provider__status=ListingStatus.PUBLISHED))
        )
        .filter(n__gt=0)
        .order_by("-n", "name")
        .values_list("name", "slug", "n")[:limit]
    )
    # Read through the (country, provider) index of delivery centres: top-level
    # regions do not share countries, so the work is one pass over the centres.
    providers_in_region = (
        DeliveryCentre.objects.filter(
            provider__status=ListingStatus.PUBLISHED,
            country__in=RegionCountry.objects.filter(region=OuterRef(OuterRef("pk"))).values(
                "country"
            ),
        )
        .order_by()
        .annotate(n=_CountDistinctProviders("provider_id"))
        .values("n")
    )
    top_regions = (
        Region.objects.filter(parent__isnull=True)
        .annotate(n=Subquery(providers_in_region, output_field=IntegerField()))
        .filter(n__gt=0)
        .order_by("-n", "name")
        .values_list("name", "slug", "n")[:limit]
    )
    return HomeStats(
        providers=totals["providers"],
        countries=len(by_country),
        impact_workers=totals["impact_workers"],
        top_services=[Ranked(*row) for row in top_services],
        top_regions=[Ranked(*row) for row in top_regions],
        providers_by_country={str(code): n for code, n in by_country.items()},
    )


#: How long the home page's headline figures are shared between visitors.
HOME_STATS_CACHE_SECONDS = 300
_HOME_STATS_CACHE_KEY = "providers:home_stats:v2"


def home_stats_cached() -> HomeStats:
    """`home_stats()`, shared through the cache for a few minutes.

    The figures read every published listing, which at 100,000 providers takes
    far longer than a page should; headline figures a few minutes old are fine.
    """
    return cache.get_or_set(_HOME_STATS_CACHE_KEY, home_stats, HOME_STATS_CACHE_SECONDS)
