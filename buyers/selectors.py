"""Reads of the buyer workspace that need more than one QuerySet call.

`providers_for_display` loads everything a comparison or an export shows about
providers in a fixed number of queries, whatever their number.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import (
    CharField,
    Count,
    OuterRef,
    Prefetch,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from buyers.search.current import search_index
from buyers.search.parameters import DEFAULT_SORT, SORTS, parse_search_params
from buyers.search.selector import _chips as search_chips
from providers import disclosure
from providers.collation import sorted_by_name
from providers.models import (
    IRIS_CODES,
    REPORT_FIGURE_FIELDS,
    CertificationHolding,
    DeliveryCentre,
    ImpactReport,
    ImpactReportGroup,
    Provider,
    ProviderService,
    VerificationState,
)
from providers.selectors import directory_check
from providers.stats.benchmarks import compare_charts, compare_table
from providers.stats.data import RATE_FIELDS

from .models import NAME_MAX_LENGTH, Inquiry, SavedSearch, Shortlist, ShortlistEntry

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")

MAX_COMPARE = 5
MIN_COMPARE = 2

#: Impact report figures in display order (the same order as ImpactReport.figures).
REPORT_FIGURES = REPORT_FIGURE_FIELDS


def _partnership_codes(field: str):
    """A provider's partnerships offered or sought as "position:code" items joined by
    spaces (SQLite's aggregates take no order: `partnership_codes` sorts them): an
    annotation, so exports read them with no query of their own."""
    through = Provider._meta.get_field(field).remote_field.through
    return Subquery(
        through.objects.filter(provider_id=OuterRef("pk"))
        .values("provider_id")
        .annotate(
            codes=StringAgg(
                Concat(
                    Cast("partnershipkind__position", CharField()),
                    Value(":"),
                    "partnershipkind__slug",
                    output_field=CharField(),
                ),
                Value(" "),
            )
        )
        .values("codes")
    )


def partnership_codes(annotated: str | None) -> list[str]:
    """The codes of `_partnership_codes`' annotation, in the taxonomy's order."""
    items = [item.split(":", 1) for item in (annotated or "").split()]
    return [code for _position, code in sorted(items, key=lambda item: (int(item[0]), item[1]))]


def with_display_data(queryset: QuerySet[Provider]) -> QuerySet[Provider]:
    """Prefetch services, centres, certifications, languages, pricing, modes and latest report;
    annotate the partnerships offered and sought (`offers_codes`, `seeks_codes`)."""
    latest_reports = (
        ImpactReport.objects.filter(is_latest=True)
        .order_by()
        .prefetch_related(
            Prefetch("groups", queryset=ImpactReportGroup.objects.select_related("target_group"))
        )
    )
    queryset = queryset.annotate(
        offers_codes=_partnership_codes("partnerships_offered"),
        seeks_codes=_partnership_codes("partnerships_sought"),
    )
    return queryset.prefetch_related(
        Prefetch(
            "services",
            queryset=ProviderService.objects.select_related("service__parent"),
        ),
        Prefetch(
            "centres",
            queryset=DeliveryCentre.objects.only(
                "id", "provider_id", "country", "city", "headcount", "impact_workers"
            ),
        ),
        Prefetch(
            "certifications",
            queryset=CertificationHolding.objects.select_related("certification").order_by(
                "certification__name", "expires_on"
            ),
        ),
        "languages",
        "pricing_models",
        "delivery_modes",
        Prefetch("reports", queryset=latest_reports, to_attr="latest_reports"),
    )


def latest_report(provider: Provider) -> ImpactReport | None:
    reports = getattr(provider, "latest_reports", None)
    return reports[0] if reports else None


def public_figures(provider: Provider) -> disclosure.ListingFigures:
    """How the counts of a provider loaded `with_display_data` may be shown (computed once).

    The same rule over the same figures as the profile, so a comparison or an
    export never shows what the profile hides.
    """
    figures = getattr(provider, "_public_figures", None)
    if figures is None:
        report = latest_report(provider)
        figures = provider._public_figures = disclosure.listing_figures(
            workforce=provider.workforce,
            report=(
                {name: getattr(report, name) for name in disclosure.REPORT_COUNT_FIELDS}
                if report is not None
                else None
            ),
            groups=(
                {group.target_group_id: group.workers for group in report.groups.all()}
                if report is not None
                else {}
            ),
            centres=[
                (centre.headcount, centre.impact_workers) for centre in provider.centres.all()
            ],
        )
    return figures


def delivery_countries(provider: Provider) -> list[str]:
    """Country names of the provider's delivery centres, once each, sorted."""
    return sorted_by_name({centre.country.name for centre in provider.centres.all()})


# --------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------


#: What counts as a difference worth highlighting in a comparison (see `CompareRow.differs`):
#: numbers closer than these are shown but not marked as differing.
SHARE_POINTS = 5  # impact-worker share, in percentage points
RELATIVE_SPREAD = 0.25  # counts of people: the largest at least 25% above the smallest
FOUNDED_YEARS = 5  # founding years


@dataclass
class Cell:
    items: list[tuple[str, str]]  # (text, mark) where mark is "", "stale" or "expired"
    #: What the comparison looks at, when not the text itself: a number (compared
    #: with the row's `spread`) or a coarser value (a size band, a check's state).
    basis: object = None

    @property
    def key(self):
        if self.basis is not None:
            return self.basis
        # Lists compare as sets: the same services in another order are no difference.
        return frozenset(self.items)


@dataclass
class CompareRow:
    label: str
    cells: list[Cell]
    section: str = ""
    #: For rows of numbers: whether the numbers are far enough apart to matter.
    spread: object = None

    @property
    def differs(self) -> bool:
        """Whether the providers differ here in a way a buyer would act on.

        A figure one provider reports and another does not always differs. Lists
        differ when they hold different items, whatever their order. Numbers
        differ only beyond the row's `spread`; dates that every listing has
        (confirmation, reporting period, the directory's check) differ only in
        what they mean: confirmed or long unconfirmed, current or stale, checked
        or not.
        """
        keys = [cell.key for cell in self.cells]
        if self.spread is not None and all(isinstance(k, int | float) for k in keys):
            return self.spread(keys)
        return len(set(keys)) > 1


def _share_spread(values) -> bool:
    return max(values) - min(values) >= SHARE_POINTS


def _relative_spread(values) -> bool:
    low, high = min(values), max(values)
    return high > 0 and (low <= 0 or high >= low * (1 + RELATIVE_SPREAD))


def _years_spread(values) -> bool:
    return max(values) - min(values) >= FOUNDED_YEARS


def _number(figure: disclosure.Shown):
    """An exact figure's number, for comparing; None (compare the text) otherwise."""
    return float(figure.value) if figure.is_exact else None


@dataclass
class Comparison:
    providers: list[Provider] = field(default_factory=list)
    rows: list[CompareRow] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    #: the impact-worker share and key IRIS+ figures drawn as bars, one chart per figure
    charts: list = field(default_factory=list)
    #: the same figures as one table (its CSV)
    figures_table: object = None

    @property
    def ready(self) -> bool:
        return len(self.providers) >= MIN_COMPARE


def _text(value) -> list[tuple[str, str]]:
    if value in (None, ""):
        return []
    return [(str(value), "")]


def _shown(figure: disclosure.Shown) -> list[tuple[str, str]]:
    return [] if figure.is_missing else [(str(figure), "")]


def _percent(figure: disclosure.Shown) -> list[tuple[str, str]]:
    if figure.is_exact:
        return [(_("%(share)s%%") % {"share": number_format(figure.value)}, "")]
    return _shown(figure)


def _many(values) -> list[tuple[str, str]]:
    return [(str(v), "") for v in values]


def _certifications(provider: Provider, today) -> list[tuple[str, str]]:
    items = []
    for holding in provider.certifications.all():
        name = holding.certification.translated_name
        if holding.expires_on:
            text = _("%(name)s (expires %(date)s)") % {
                "name": name,
                "date": date_format(holding.expires_on, "Y-m-d"),
            }
        else:
            text = _("%(name)s (no expiry date)") % {"name": name}
        items.append((text, "expired" if holding.is_expired(on=today) else ""))
    return items


def _directory_check(report: ImpactReport) -> str:
    """The directory's own check of a report, apart from the provider's provenance claim."""
    check = directory_check(report.directory_verification, report.directory_verified_at)
    if check.is_verified:
        return _("Yes, on %(date)s") % {"date": f"{check.verified_on:%Y-%m-%d}"}
    if check.state == VerificationState.REJECTED:
        return _("Could not be verified")
    return _("Not yet")


def _confirmed(provider: Provider) -> list[tuple[str, str]]:
    """The confirmation date, or "never"; the header marks listings not confirmed in 2 years."""
    if provider.assured_date is None:
        return [(_("Not yet confirmed"), "")]
    return [(date_format(provider.assured_date, "Y-m-d"), "")]


def _compare_rows(providers: list[Provider]) -> list[CompareRow]:
    today = timezone.localdate()
    reports = [latest_report(p) for p in providers]

    def row(section, label, getter, basis=None, spread=None):
        return CompareRow(
            label=label,
            section=section,
            cells=[Cell(getter(p), basis(p) if basis else None) for p in providers],
            spread=spread,
        )

    def report_row(label, getter, basis=None, spread=None):
        """A row of the latest report; `getter(report, figures)` gets its public figures."""
        cells = []
        for p, r in zip(providers, reports, strict=True):
            if r is None:
                cells.append(Cell([]))
            else:
                figures = public_figures(p)
                cells.append(Cell(getter(r, figures), basis(r, figures) if basis else None))
        return CompareRow(label=label, section=impact, cells=cells, spread=spread)

    profile, delivery, impact = _("Profile"), _("Services and delivery"), _("Impact")
    rows = [
        row(profile, _("Headquarters"), lambda p: _text(p.hq_country.name if p.hq_country else "")),
        row(profile, _("Legal form"), lambda p: _text(p.get_legal_form_display())),
        row(
            profile,
            _("Founded"),
            lambda p: _text(str(p.founded_year or "")),
            basis=lambda p: p.founded_year,
            spread=_years_spread,
        ),
        # The exact headcount is shown; the size band is what makes two providers differ.
        row(
            profile,
            _("Workforce"),
            lambda p: _shown(public_figures(p).workforce),
            basis=lambda p: ("band", p.size_band_label),
        ),
        row(profile, _("Size band"), lambda p: _text(p.size_band_label)),
        row(
            profile,
            _("Verified by ImpactDir"),
            lambda p: _text(_("Yes") if p.is_verified else _("No")),
        ),
        row(
            profile,
            _("Last confirmed by the provider"),
            lambda p: _confirmed(p),
            basis=lambda p: ("unconfirmed", p.is_unconfirmed(on=today)),
        ),
        row(
            delivery,
            _("Services"),
            lambda p: _many(ps.service.translated_name for ps in p.services.all()),
        ),
        row(delivery, _("Delivery countries"), lambda p: _many(delivery_countries(p))),
        row(
            delivery,
            _("Languages"),
            lambda p: _many(sorted_by_name(lang.translated_name for lang in p.languages.all())),
        ),
        row(
            delivery,
            _("Pricing models"),
            lambda p: _many(m.translated_name for m in p.pricing_models.all()),
        ),
        row(
            delivery,
            _("Delivery modes"),
            lambda p: _many(m.translated_name for m in p.delivery_modes.all()),
        ),
        # Which certificates are held and whether they are current, not their dates.
        row(
            _("Certifications"),
            _("Certifications"),
            lambda p: _certifications(p, today),
            basis=lambda p: frozenset(
                (h.certification_id, h.is_expired(on=today)) for h in p.certifications.all()
            ),
        ),
        report_row(
            _("Reporting period"),
            lambda r, f: [
                (
                    f"{r.period_start:%Y-%m-%d} – {r.period_end:%Y-%m-%d}",
                    "stale" if r.is_stale(on=today) else "",
                )
            ],
            basis=lambda r, f: ("stale", r.is_stale(on=today)),
        ),
        report_row(
            _("Provenance"),
            lambda r, f: _text(
                f"{r.get_provenance_display()}: {r.verifier}"
                if r.verifier
                else r.get_provenance_display()
            ),
        ),
        report_row(
            _("Verified by the directory"),
            lambda r, f: _text(_directory_check(r)),
            basis=lambda r, f: (
                "check",
                directory_check(r.directory_verification, r.directory_verified_at).state,
            ),
        ),
        report_row(
            _("Impact-worker share"),
            lambda r, f: _percent(f.impact_share),
            basis=lambda r, f: _number(f.impact_share),
            spread=_share_spread,
        ),
        report_row(
            _("Target groups"),
            lambda r, f: _many(g.target_group.translated_name for g in r.groups.all()),
        ),
    ]
    for name in REPORT_FIGURES:
        model_field = ImpactReport._meta.get_field(name)
        code = IRIS_CODES.get(name)
        label = str(model_field.verbose_name)
        label = f"{label[:1].upper()}{label[1:]}"
        if code:
            label = f"{label} (IRIS+ {code})"
        rows.append(
            report_row(
                label,
                lambda r, f, name=name: _shown(f.report_figure(name, getattr(r, name))),
                basis=lambda r, f, name=name: _number(f.report_figure(name, getattr(r, name))),
                spread=_relative_spread,
            )
        )
    return rows


def provider_compare(*, slugs: list[str] | None = None, ids: list[int] | None = None) -> Comparison:
    """Published providers for the given slugs (or ids), in the order given, with comparison rows.

    Repeated slugs count once; slugs beyond the fifth are reported in `dropped`,
    unknown or unpublished ones in `not_found` (the two are not told apart, so
    a draft listing's existence is not revealed). Ids come from the visitor's
    compare selection (`buyers.compare`), which never holds more than five; an
    id no longer published is left out and not reported.
    """
    comparison = Comparison()
    if ids is not None:
        wanted_ids = list(dict.fromkeys(ids))[:MAX_COMPARE]
        found_by_id = {
            p.pk: p
            for p in with_display_data(Provider.objects.published().filter(pk__in=wanted_ids))
        }
        comparison.providers = [found_by_id[pk] for pk in wanted_ids if pk in found_by_id]
        return _fill_comparison(comparison)
    ordered = []
    for slug in slugs or []:
        slug = slug.strip()[:200]
        if slug and slug not in ordered:
            ordered.append(slug)
    wanted, comparison.dropped = ordered[:MAX_COMPARE], ordered[MAX_COMPARE:]
    if not wanted:
        return comparison
    # Anything that is not a slug (NUL bytes included) cannot name a provider.
    valid = [slug for slug in wanted if SLUG_RE.fullmatch(slug)]
    found = {
        p.slug: p for p in with_display_data(Provider.objects.published().filter(slug__in=valid))
    }
    comparison.providers = [found[s] for s in wanted if s in found]
    comparison.not_found = [s for s in wanted if s not in found]
    return _fill_comparison(comparison)


def _fill_comparison(comparison: Comparison) -> Comparison:
    """The rows, charts and figures table of a comparison of two or more providers."""
    if comparison.ready:
        comparison.rows = _compare_rows(comparison.providers)
        figures = [_key_figures(p) for p in comparison.providers]
        csv_url = (
            reverse("stats:compare_csv")
            + "?"
            + urlencode([("p", p.slug) for p in comparison.providers])
        )
        comparison.charts = compare_charts(
            providers=comparison.providers, figures=figures, csv_url=csv_url
        )
        comparison.figures_table = compare_table(providers=comparison.providers, figures=figures)
    return comparison


def _key_figures(provider: Provider) -> dict:
    """The key figures of the latest report as the public may see them (metric key -> Shown)."""
    report = latest_report(provider)
    if report is None:
        return {}
    shown = public_figures(provider)
    return {
        "impact_share": shown.impact_share,
        **{name: shown.report_figure(name, getattr(report, name)) for name in RATE_FIELDS},
    }


# --------------------------------------------------------------------------
# What a buyer may see of a provider that is no longer published
# --------------------------------------------------------------------------
#
# Once a listing is offline (taken offline by its provider, or suspended), its
# staff may change anything without review, so a buyer's shortlist or inquiry
# must not show the live row: it shows the name the listing had when the buyer
# added it or wrote to it (it was published then, so that name was vetted),
# marked "no longer published", and nothing else of it.

NO_LONGER_PUBLISHED = gettext_lazy("A listing that is no longer published")


def _name_at(moment: str):
    """The provider's name as it was at the row's `moment` field, from the listing's history."""
    return Subquery(
        Provider.history.model.objects.filter(
            id=OuterRef("provider_id"), history_date__lte=OuterRef(moment)
        )
        .order_by("-history_date", "-history_id")
        .values("name")[:1]
    )


def _moment(model) -> str:
    """When the buyer took the provider in: an entry's `added_at`, an inquiry's `created_at`."""
    return "added_at" if issubclass(model, ShortlistEntry) else "created_at"


def with_names_then(queryset: QuerySet) -> QuerySet:
    """Shortlist entries or inquiries, each with `provider_name_then` (no extra query)."""
    return queryset.annotate(provider_name_then=_name_at(_moment(queryset.model)))


def listing_name(obj: ShortlistEntry | Inquiry) -> str:
    """The provider's name as the buyer may see it on a shortlist entry or an inquiry.

    The live name while the listing is published; otherwise the name it had
    when the entry was added or the inquiry sent (read with `with_names_then`,
    or looked up here), or a plain "no longer published" when none is known.
    """
    if obj.provider.is_published:
        return obj.provider.name
    if not hasattr(obj, "provider_name_then"):
        obj.provider_name_then = (
            Provider.history.model.objects.filter(
                id=obj.provider_id, history_date__lte=getattr(obj, _moment(type(obj)))
            )
            .order_by("-history_date", "-history_id")
            .values_list("name", flat=True)
            .first()
        )
    return obj.provider_name_then or str(NO_LONGER_PUBLISHED)


# --------------------------------------------------------------------------
# Workspace lists
# --------------------------------------------------------------------------


def shortlists_for(*, user) -> QuerySet[Shortlist]:
    return Shortlist.objects.owned_by(user).with_entry_count().order_by("name", "id")


def shortlists_shared_with(*, user) -> QuerySet[Shortlist]:
    """Other people's shortlists shared with the user, with their owner and `member_role`."""
    return (
        Shortlist.objects.shared_with(user)
        .select_related("owner")
        .with_entry_count()
        .order_by("name", "id")
    )


def shortlist_entries(*, shortlist: Shortlist) -> list[ShortlistEntry]:
    """The shortlist's entries in order, with the provider, its latest report and the name then."""
    return list(
        with_names_then(shortlist.entries.select_related("provider"))
        .prefetch_related(
            Prefetch(
                "provider__reports",
                queryset=ImpactReport.objects.filter(is_latest=True).order_by(),
                to_attr="latest_reports",
            )
        )
        .order_by("position", "id")
    )


def shortlist_entry(*, shortlist: Shortlist, entry_pk: int) -> ShortlistEntry | None:
    """One entry of the shortlist (already checked for access), with the name then."""
    entry = (
        with_names_then(ShortlistEntry.objects.select_related("provider"))
        .filter(pk=entry_pk, shortlist=shortlist)
        .first()
    )
    if entry is not None:
        entry.shortlist = shortlist
    return entry


def saved_searches_for(*, user) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.owned_by(user).annotate(sent_count=Count("alerts_sent"))


def inquiries_sent(*, user, status: str = "") -> QuerySet[Inquiry]:
    qs = with_names_then(
        Inquiry.objects.sent_by(user)
        .select_related("provider")
        .annotate(message_count=Count("messages"))
    )
    return qs.filter(status=status) if status else qs


def inquiries_received(*, user, status: str = "") -> QuerySet[Inquiry]:
    """Inquiries addressed to the providers the user is a member of."""
    qs = (
        Inquiry.objects.filter(
            provider__in=Provider.objects.filter(memberships__user=user).values("pk")
        )
        .select_related("provider", "buyer", "buyer__industry", "sender_provider")
        .annotate(message_count=Count("messages"))
        if user.is_authenticated
        else Inquiry.objects.none()
    )
    return qs.filter(status=status) if status else qs


def shortlist_membership(*, user) -> tuple[list[Shortlist], dict[int, set[int]]]:
    """The shortlists the user may add to (their own, and those shared with them with edit
    rights) and, per shortlist id, the ids of the providers on it (one query)."""
    shortlists = {}
    members = defaultdict(set)
    rows = (
        Shortlist.objects.editable_by(user)
        .order_by("name", "id")
        .values_list("pk", "name", "entries__provider_id")
    )
    for pk, name, provider_id in rows:
        if pk not in shortlists:
            shortlists[pk] = Shortlist(pk=pk, name=name, owner_id=user.pk)
        if provider_id is not None:
            members[pk].add(provider_id)
    return list(shortlists.values()), members


def search_filter_labels(query_string: str, *, index=None) -> list[str]:
    """What a saved search filters by, in the search page's own words.

    The labels of the search page's chips ("Delivery country: Kenya", not
    "country: KE"), then the order when one was chosen; values the directory no
    longer knows are left out, as the search page leaves them out. The names come
    from the search index (one query when it is current): pass `index` to read it
    once for many searches.
    """
    index = index or search_index()
    params = parse_search_params(QueryDict(query_string or ""), index=index)
    labels = [str(chip.label) for chip in search_chips(params, index)]
    if params.sort in SORTS and params.sort != ("relevance" if params.q else DEFAULT_SORT):
        labels.append(_("Sorted by: %(sort)s") % {"sort": SORTS[params.sort]})
    return labels


def saved_search_name(labels: list[str]) -> str:
    """A name for a new saved search, built from its filters' labels (at most NAME_MAX_LENGTH)."""
    name = "; ".join(labels) if labels else str(_("All providers"))
    if len(name) > NAME_MAX_LENGTH:
        name = name[: NAME_MAX_LENGTH - 1].rsplit(" ", 1)[0].rstrip(";,: ") + "…"
    return name
